#include <emmintrin.h>
float zt_sum4(const float *v) {
    __m128 x = _mm_loadu_ps(v);
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_shuffle_ps(x, x, 1));
    return _mm_cvtss_f32(x);
}
const char *zt_impl(void) { return "sse2"; }
