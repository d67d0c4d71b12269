def fib(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def word_lengths(words: list[str]) -> dict[str, int]:
    return {w: len(w) for w in words}
