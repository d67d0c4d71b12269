"""zigcc's table of the macros CPython's configure writes into pyconfig.h, and how zigcc
decides each for a Linux target without a target interpreter.

The names (and the versions that have them) are facts of CPython 3.9-3.15; the way each
is decided is zigcc's: a header zig's libc headers have, a function the target's libc
exports, a compile check (:data:`COMPILE_CHECKS`), a probe fact (``abi`` and ``rule``,
computed in :mod:`zigcc.python.pyconfig`), or a constant Linux always gets.  Versions
are CPython 3.X minor numbers, inclusive ranges ``9-15``.
"""

from __future__ import annotations

from dataclasses import dataclass

OLDEST, NEWEST = 9, 15


@dataclass(frozen=True)
class Rule:
    """How one pyconfig.h macro is decided."""

    name: str
    first: int  # first and last CPython 3.X minor version that has the macro
    last: int
    kind: str  # header function check decl const feature undef abi rule
    arg: str  # the header / functions / check name / value / reason

    def applies(self, minor: int) -> bool:
        return self.first <= minor <= self.last


def _span(text: str) -> tuple[int, int]:
    first, _, last = text.partition("-")
    return int(first), int(last or first)


def header_macro(header: str) -> str:
    """``sys/epoll.h`` -> ``HAVE_SYS_EPOLL_H``; ``gdbm-ndbm.h`` -> ``HAVE_GDBM_DASH_NDBM_H``."""
    name = header.upper().replace("-", "_DASH_")
    return "HAVE_" + "".join(c if c.isalnum() else "_" for c in name)


def _list(kind: str, text: str) -> list[Rule]:
    """Lines of ``span item item ...`` (``reason span NAME ...`` for ``undef``): one rule
    per item; a header's or function's macro name is derived from it."""
    rules = []
    for line in text.strip().splitlines():
        words = line.split()
        reason = words.pop(0) if kind == "undef" else ""
        first, last = _span(words.pop(0))
        for item in words:
            if kind == "undef":
                rules.append(Rule(item, first, last, kind, reason))
                continue
            name = header_macro(item) if kind == "header" else "HAVE_" + item.upper()
            rules.append(Rule(name, first, last, kind, item))
    return rules


def _rows(text: str) -> list[Rule]:
    """Lines of ``NAME span kind [arg...]``."""
    rules = []
    for line in text.strip().splitlines():
        name, span, kind, *arg = line.split(None, 3)
        first, last = _span(span)
        rules.append(Rule(name, first, last, kind, " ".join(arg)))
    return rules


# fmt: off
HEADERS = _list("header", """
9-15 alloca.h asm/types.h bluetooth/bluetooth.h bluetooth.h conio.h curses.h direct.h dirent.h
9-15 dlfcn.h endian.h errno.h fcntl.h grp.h inttypes.h io.h langinfo.h libintl.h libutil.h
9-15 linux/can/bcm.h linux/can.h linux/can/j1939.h linux/can/raw.h linux/memfd.h
9-15 linux/netlink.h linux/qrtr.h linux/random.h linux/tipc.h linux/vm_sockets.h linux/wait.h
9-15 ncurses.h netpacket/packet.h net/if.h poll.h process.h pthread.h pty.h sched.h
9-15 shadow.h signal.h spawn.h stdint.h stdlib.h strings.h string.h stropts.h sysexits.h
9-15 sys/audioio.h sys/bsdtty.h sys/devpoll.h sys/endian.h sys/epoll.h sys/event.h
9-15 sys/file.h sys/ioctl.h sys/kern_control.h sys/loadavg.h sys/lock.h sys/memfd.h
9-15 sys/mkdev.h sys/mman.h sys/modem.h sys/param.h sys/poll.h sys/random.h
9-15 sys/resource.h sys/select.h sys/sendfile.h sys/socket.h sys/statvfs.h sys/stat.h
9-15 sys/syscall.h sys/sysmacros.h sys/sys_domain.h sys/termio.h sys/times.h sys/time.h
9-15 sys/types.h sys/uio.h sys/un.h sys/utsname.h sys/wait.h sys/xattr.h termios.h term.h
9-15 unistd.h util.h utime.h uuid.h uuid/uuid.h wchar.h
9-11 memory.h
9-12 crypt.h ieeefp.h
9-15 linux/auxvec.h sys/auxv.h
10-15 sys/eventfd.h
11-12 rpc/rpc.h
11-15 bzlib.h db.h gdbm-ndbm.h gdbm.h gdbm/ndbm.h linux/soundcard.h lzma.h ndbm.h netcan/can.h
11-15 netdb.h netinet/in.h setjmp.h syslog.h sys/soundcard.h utmp.h zlib.h
11-15 linux/limits.h
12-15 editline/readline.h linux/fs.h minix/config.h net/ethernet.h panel.h
12-15 readline/readline.h stdio.h
13-15 ncursesw/curses.h ncursesw/ncurses.h ncursesw/panel.h ncurses/curses.h ncurses/ncurses.h
13-15 ncurses/panel.h netlink/netlink.h sys/pidfd.h sys/timerfd.h
14-15 execinfo.h link.h linux/netfilter_ipv4.h linux/sched.h sys/sysctl.h zdict.h zstd.h
15 linux/can/isotp.h pthread_np.h
""")

FUNCTIONS = _list("function", """
9-15 accept4 acosh alarm asinh atanh bind_textdomain_codeset chflags chown chroot clock
9-15 clock_getres clock_gettime clock_settime confstr copy_file_range ctermid ctermid_r dirfd
9-15 dlopen dup2 dup3 epoll_create1 erf erfc execv explicit_bzero explicit_memset expm1
9-15 faccessat fchdir fchmod fchmodat fchown fchownat fdatasync fdopendir fdwalk fexecve flock
9-15 fork forkpty fpathconf fseek64 fseeko fstatat fstatvfs fsync ftell64 ftello ftime
9-15 ftruncate futimens futimes futimesat gai_strerror getentropy getgrgid_r getgrnam_r
9-15 getgrouplist getgroups getitimer getloadavg getlogin getnameinfo getpagesize getpeername
9-15 getpgid getpgrp getpid getpriority getpwent getpwnam_r getpwuid_r getresgid getresuid
9-15 getsid getspent getspnam getwd hstrerror if_nameindex inet_aton inet_pton initgroups kill
9-15 killpg kqueue lchflags lchown link linkat lockf log1p log2 lstat lutimes madvise
9-15 mbrtowc memfd_create memrchr mkdirat mkfifo mkfifoat mknod mknodat mktime mmap mremap nice
9-15 openat openpty pathconf pause pipe2 plock poll posix_fadvise posix_fallocate posix_spawn
9-15 posix_spawnp pread preadv preadv2 prlimit pthread_condattr_setclock pthread_getcpuclockid
9-15 pthread_init pthread_kill pthread_sigmask pwrite pwritev pwritev2 readlink readlinkat
9-15 readv realpath renameat rtpSpawn sched_get_priority_max sched_rr_get_interval
9-15 sched_setaffinity sched_setparam sched_setscheduler sem_getvalue sem_open sem_timedwait
9-15 sem_unlink sendfile setegid seteuid setgid setgroups sethostname setitimer setlocale
9-15 setpgid setpgrp setpriority setregid setresgid setresuid setreuid setsid setuid setvbuf
9-15 shm_open shm_unlink sigaction sigaltstack sigfillset siginterrupt sigpending sigrelse
9-15 sigtimedwait sigwait sigwaitinfo snprintf socketpair statvfs strftime strlcpy strsignal
9-15 symlink symlinkat sync sysconf tcgetpgrp tcsetpgrp tempnam timegm times tmpfile tmpnam
9-15 tmpnam_r truncate uname unlinkat utimensat utimes wait3 wait4 waitid waitpid wcscoll
9-15 wcsftime wcsxfrm wmemcmp writev _getpty
9-9 strdup
9-10 copysign finite gamma hypot lgamma round tgamma
9-15 sem_clockwait
10-15 close_range eventfd splice vfork
11-12 ttyname
11-15 accept bind chmod clock_nanosleep connect dup fork1 getegid geteuid getgid getgrgid
11-15 gethostbyaddr gethostname getppid getprotobyname getpwuid getrusage getservbyname
11-15 getservbyport getsockname getuid inet_ntoa listen login_tty nanosleep opendir pipe
11-15 recvfrom sendto setsockopt shutdown socket system umask wait
12-15 setns unshare
13-15 closefrom getgrent getlogin_r grantpt posix_openpt posix_spawn_file_actions_addclosefrom_np
13-15 process_vm_readv pthread_cond_timedwait_relative_np ptsname ptsname_r timerfd_create
13-15 ttyname_r unlockpt
14-15 backtrace dladdr dladdr1 dl_iterate_phdr pthread_getattr_np pthread_get_name_np
14-15 pthread_getname_np pthread_set_name_np pthread_setname_np sysctlbyname
15 clearenv ppoll statx
""")

# kinds: function (all listed symbols link), check (a compile check passes), decl (1 or 0),
# const (always this value on Linux), feature (the same, under #ifndef: a feature-test
# macro the including file may set itself), undef (never on a Linux target; the reason
# names why: run = configure's run-time test fails on Linux, os = another system, option =
# an off-by-default configure option, lib = a third-party library zig does not ship,
# type = a fallback for a type Linux has, compiler = the compiler predefines it),
# abi / rule = computed from the probe in zigcc.python.pyconfig.
OTHERS = _rows("""
ALIGNOF_LONG 10-15 abi
ALIGNOF_MAX_ALIGN_T 12-15 abi
ALIGNOF_SIZE_T 10-15 abi
DOUBLE_IS_ARM_MIXED_ENDIAN_IEEE754 9-14 abi
DOUBLE_IS_BIG_ENDIAN_IEEE754 9-15 abi
DOUBLE_IS_LITTLE_ENDIAN_IEEE754 9-15 abi
ENABLE_IPV6 9-15 const 1
FLOAT_WORDS_BIGENDIAN 9-12 abi
HAVE_ADDRINFO 9-15 check HAVE_ADDRINFO
HAVE_ALTZONE 9-15 check HAVE_ALTZONE
HAVE_BUILTIN_ATOMIC 9-15 check HAVE_BUILTIN_ATOMIC
HAVE_CLOCK_T 13-15 check HAVE_CLOCK_T
HAVE_COMPUTED_GOTOS 9-15 check HAVE_COMPUTED_GOTOS
HAVE_DECL_ISFINITE 9-10 decl HAVE_DECL_ISFINITE
HAVE_DECL_ISINF 9-10 decl HAVE_DECL_ISINF
HAVE_DECL_ISNAN 9-10 decl HAVE_DECL_ISNAN
HAVE_DECL_RTLD_DEEPBIND 9-15 decl HAVE_DECL_RTLD_DEEPBIND
HAVE_DECL_RTLD_GLOBAL 9-15 decl HAVE_DECL_RTLD_GLOBAL
HAVE_DECL_RTLD_LAZY 9-15 decl HAVE_DECL_RTLD_LAZY
HAVE_DECL_RTLD_LOCAL 9-15 decl HAVE_DECL_RTLD_LOCAL
HAVE_DECL_RTLD_MEMBER 9-15 decl HAVE_DECL_RTLD_MEMBER
HAVE_DECL_RTLD_NODELETE 9-15 decl HAVE_DECL_RTLD_NODELETE
HAVE_DECL_RTLD_NOLOAD 9-15 decl HAVE_DECL_RTLD_NOLOAD
HAVE_DECL_RTLD_NOW 9-15 decl HAVE_DECL_RTLD_NOW
HAVE_DECL_TZNAME 9-15 rule
HAVE_DECL_PR_SET_VMA_ANON_NAME 15 rule
HAVE_DECL_UT_NAMESIZE 13-15 decl HAVE_UT_NAMESIZE
HAVE_DEVICE_MACROS 9-15 check HAVE_DEVICE_MACROS
HAVE_DEV_PTMX 9-15 const 1
HAVE_DIRENT_D_TYPE 9-15 check HAVE_DIRENT_D_TYPE
HAVE_DYNAMIC_LOADING 9-15 const 1
HAVE_CRYPT_R 9-12 function crypt_r
HAVE_EPOLL 9-15 function epoll_create
HAVE_GCC_ASM_FOR_MC68881 9-15 abi
HAVE_GCC_ASM_FOR_X64 9-15 abi
HAVE_GCC_ASM_FOR_X87 9-15 abi
HAVE_GCC_UINT128_T 9-15 abi
HAVE_GETADDRINFO 9-15 function getaddrinfo
HAVE_GETC_UNLOCKED 9-15 function flockfile getc_unlocked funlockfile
HAVE_GETHOSTBYNAME 9-15 rule
HAVE_GETHOSTBYNAME_R 9-15 rule
HAVE_GETHOSTBYNAME_R_3_ARG 9-15 rule
HAVE_GETHOSTBYNAME_R_5_ARG 9-15 rule
HAVE_GETHOSTBYNAME_R_6_ARG 9-15 rule
HAVE_GETRANDOM 9-15 function getrandom
HAVE_GETRANDOM_SYSCALL 9-15 check HAVE_GETRANDOM_SYSCALL
HAVE_HTOLE64 9-15 check HAVE_HTOLE64
HAVE_LARGEFILE_SUPPORT 9-15 abi
HAVE_LIBDL 9-15 function dlopen
HAVE_LINUX_CAN_RAW_FD_FRAMES 9-15 check HAVE_LINUX_CAN_RAW_FD_FRAMES
HAVE_LINUX_CAN_RAW_JOIN_FILTERS 9-15 check HAVE_LINUX_CAN_RAW_JOIN_FILTERS
HAVE_LONG_DOUBLE 9-15 abi
HAVE_MAKEDEV 9-15 check HAVE_MAKEDEV
HAVE_MAXLOGNAME 13-15 check HAVE_MAXLOGNAME
HAVE_NDIR_H 9-15 rule
HAVE_PROTOTYPES 9-15 const 1
HAVE_SIGINFO_T_SI_BAND 9-15 check HAVE_SIGINFO_T_SI_BAND
HAVE_SOCKADDR_ALG 9-15 check HAVE_SOCKADDR_ALG
HAVE_SOCKADDR_SA_LEN 9-15 check HAVE_SOCKADDR_SA_LEN
HAVE_SOCKADDR_STORAGE 9-15 check HAVE_SOCKADDR_STORAGE
HAVE_SOCKLEN_T 13-15 check HAVE_SOCKLEN_T
HAVE_SSIZE_T 9-15 check HAVE_SSIZE_T
HAVE_SYS_DIR_H 9-15 rule
HAVE_SYS_NDIR_H 9-15 rule
HAVE_STAT_TV_NSEC 9-15 check HAVE_STAT_TV_NSEC
HAVE_STAT_TV_NSEC2 9-15 check HAVE_STAT_TV_NSEC2
HAVE_STDARG_PROTOTYPES 9-11 const 1
HAVE_STD_ATOMIC 9-15 check HAVE_STD_ATOMIC
HAVE_STRUCT_PASSWD_PW_GECOS 9-15 check HAVE_STRUCT_PASSWD_PW_GECOS
HAVE_STRUCT_PASSWD_PW_PASSWD 9-15 check HAVE_STRUCT_PASSWD_PW_PASSWD
HAVE_STRUCT_STATX_STX_ATOMIC_WRITE_UNIT_MAX_OPT 15 rule
HAVE_STRUCT_STATX_STX_ATOMIC_WRITE_UNIT_MIN 15 rule
HAVE_STRUCT_STATX_STX_DIO_MEM_ALIGN 15 rule
HAVE_STRUCT_STATX_STX_DIO_READ_OFFSET_ALIGN 15 rule
HAVE_STRUCT_STATX_STX_MNT_ID 15 rule
HAVE_STRUCT_STATX_STX_SUBVOL 15 rule
HAVE_STRUCT_STAT_ST_BIRTHTIME 9-15 check HAVE_STRUCT_STAT_ST_BIRTHTIME
HAVE_STRUCT_STAT_ST_BLKSIZE 9-15 check HAVE_STRUCT_STAT_ST_BLKSIZE
HAVE_STRUCT_STAT_ST_BLOCKS 9-15 check HAVE_STRUCT_STAT_ST_BLOCKS
HAVE_STRUCT_STAT_ST_FLAGS 9-15 check HAVE_STRUCT_STAT_ST_FLAGS
HAVE_STRUCT_STAT_ST_GEN 9-15 check HAVE_STRUCT_STAT_ST_GEN
HAVE_STRUCT_STAT_ST_RDEV 9-15 check HAVE_STRUCT_STAT_ST_RDEV
HAVE_STRUCT_TM_TM_ZONE 9-15 check HAVE_STRUCT_TM_TM_ZONE
HAVE_TM_ZONE 9-15 check HAVE_STRUCT_TM_TM_ZONE
HAVE_TZNAME 9-15 rule
HAVE_USABLE_WCHAR_T 9-15 abi
HAVE_UT_NAMESIZE 13-15 check HAVE_UT_NAMESIZE
HAVE_WORKING_TZSET 9-15 const 1
HAVE___UINT128_T 13-15 abi
MAJOR_IN_MKDEV 9-15 rule
MAJOR_IN_SYSMACROS 9-15 rule
PTHREAD_KEY_T_IS_COMPATIBLE_WITH_INT 9-15 abi
PTHREAD_SYSTEM_SCHED_SUPPORTED 9-15 const 1
PY_BUILTIN_HASHLIB_HASHES 9-11 const "md5,sha1,sha256,sha512,sha3,blake2"
PY_BUILTIN_HASHLIB_HASHES 12-15 const "md5,sha1,sha2,sha3,blake2"
PY_COERCE_C_LOCALE 9-15 const 1
PY_FORMAT_SIZE_T 9-11 const "z"
PY_HAVE_PERF_TRAMPOLINE 12-15 abi
PY_SSL_DEFAULT_CIPHERS 9-15 const 1
PY_SUPPORT_TIER 11-15 rule
Py_DEBUG 9-15 rule
Py_GIL_DISABLED 13-15 rule
Py_REMOTE_DEBUG 14-15 const 1
RETSIGTYPE 9-15 const void
SHM_NEEDS_LIBRT 9-10 rule
SOABI_PLATFORM 15 rule
STDC_HEADERS 9-15 const 1
SYS_SELECT_WITH_SYS_TIME 9-15 const 1
TIMEMODULE_LIB 9-15 rule
TIME_WITH_SYS_TIME 9-11 const 1
WITH_DECIMAL_CONTEXTVAR 9-15 const 1
WITH_DOC_STRINGS 9-15 const 1
WITH_FREELISTS 11-13 const 1
WITH_MIMALLOC 13-15 rule
WITH_PYMALLOC 9-15 const 1
WORDS_BIGENDIAN 9-15 abi
X87_DOUBLE_ROUNDING 9-15 abi
_ALL_SOURCE 9-15 feature 1
_DARWIN_C_SOURCE 9-15 feature 1
_FILE_OFFSET_BITS 9-15 const 64
_GNU_SOURCE 9-15 feature 1
_HPUX_ALT_XOPEN_SOCKET_API 12-15 feature 1
_LARGEFILE_SOURCE 9-15 const 1
_NETBSD_SOURCE 9-15 feature 1
_OPENBSD_SOURCE 12-15 feature 1
_POSIX_C_SOURCE 9-14 const 200809L
_POSIX_C_SOURCE 15 const 202405L
_POSIX_PTHREAD_SEMANTICS 9-15 feature 1
_PYTHONFRAMEWORK 9-15 const ""
_PYTHREAD_NAME_MAXLEN 14-15 const 15
_Py_HACL_CAN_COMPILE_VEC128 14-15 rule
_Py_HACL_CAN_COMPILE_VEC256 14-15 rule
_Py_HAVE_EFFICIENT_BUILTIN_SHUFFLEVECTOR 15 rule
_Py_HAVE_LIBGCC_EH_FRAME_REGISTRATION 15 rule
_Py_HAVE_PR_SET_VMA_ANON_NAME 15 rule
_Py_HAVE_PTHREAD_ATTR_GET_NP 15 function pthread_attr_get_np
_Py_HAVE_STRERROR_R 14-15 function strerror_r
_Py_LINKER_THREAD_STACK_SIZE 14-15 rule
_Py_STACK_GROWS_DOWN 14-15 const 1
_Py_WITH_FRAME_POINTERS 15 rule
_REENTRANT 9-15 const 1
_TANDEM_SOURCE 9-15 feature 1
_XOPEN_SOURCE 9-14 const 700
_XOPEN_SOURCE 15 const 800
_XOPEN_SOURCE_EXTENDED 9-15 const 1
__BSD_VISIBLE 9-15 const 1
__EXTENSIONS__ 9-15 feature 1
__STDC_WANT_IEC_60559_ATTRIBS_EXT__ 12-15 feature 1
__STDC_WANT_IEC_60559_BFP_EXT__ 12-15 feature 1
__STDC_WANT_IEC_60559_DFP_EXT__ 12-15 feature 1
__STDC_WANT_IEC_60559_EXT__ 14-15 feature 1
__STDC_WANT_IEC_60559_FUNCS_EXT__ 12-15 feature 1
__STDC_WANT_IEC_60559_TYPES_EXT__ 12-15 feature 1
__STDC_WANT_LIB_EXT2__ 12-15 feature 1
__STDC_WANT_MATH_SPEC_FUNCS__ 12-15 feature 1
""")

UNDEFINED = _list("undef", """
compiler 9-15 _POSIX_THREADS
lib 9 HAVE_X509_VERIFY_PARAM_SET1_HOST
lib 9-10 HAVE_LIBUUID HAVE_UCS4_TCL
lib 9-11 HAVE_LIBREADLINE
lib 9-15 HAVE_CURSES_FILTER HAVE_CURSES_HAS_KEY HAVE_CURSES_IMMEDOK HAVE_CURSES_IS_PAD
lib 9-15 HAVE_CURSES_IS_TERM_RESIZED HAVE_CURSES_RESIZETERM HAVE_CURSES_RESIZE_TERM
lib 9-15 HAVE_CURSES_SYNCOK HAVE_CURSES_TYPEAHEAD HAVE_CURSES_USE_ENV HAVE_CURSES_WCHGAT
lib 9-15 HAVE_RL_APPEND_HISTORY HAVE_RL_CATCH_SIGNAL HAVE_RL_COMPLETION_APPEND_CHARACTER
lib 9-15 HAVE_RL_COMPLETION_DISPLAY_MATCHES_HOOK HAVE_RL_COMPLETION_MATCHES
lib 9-15 HAVE_RL_COMPLETION_SUPPRESS_APPEND HAVE_RL_PRE_INPUT_HOOK HAVE_RL_RESIZE_TERMINAL
lib 9-15 HAVE_UUID_CREATE HAVE_UUID_ENC_BE HAVE_UUID_GENERATE_TIME_SAFE HAVE_ZLIB_COPY
lib 9-15 MVWDELCH_IS_EXPRESSION WINDOW_HAS_FLAGS
lib 10-15 WITH_EDITLINE
lib 11 HAVE_LIBGDBM_COMPAT HAVE_LIBNDBM
lib 11-13 HAVE_LIBB2
lib 11-15 HAVE_LIBDB HAVE_LIBSQLITE3 HAVE_RL_COMPDISP_FUNC_T
lib 11-15 PY_SQLITE_ENABLE_LOAD_EXTENSION PY_SQLITE_HAVE_SERIALIZE
lib 12-15 HAVE_FFI_CLOSURE_ALLOC HAVE_FFI_PREP_CIF_VAR HAVE_FFI_PREP_CLOSURE_LOC HAVE_NCURSESW
lib 13-15 HAVE_NCURSES HAVE_PANEL HAVE_PANELW Py_RL_STARTUP_HOOK_TAKES_ARGS
lib 14-15 HAVE_CURSES_ESCDELAY HAVE_CURSES_GETMOUSE HAVE_CURSES_SET_ESCDELAY
lib 14-15 HAVE_CURSES_SET_TABSIZE HAVE_CURSES_TABSIZE HAVE_UUID_GENERATE_TIME_SAFE_STABLE_MAC
lib 14-15 _Py_FFI_SUPPORT_C_COMPLEX
linux 9-15 HAVE_LCHMOD
option 9-15 ALT_SOABI PACKAGE_BUGREPORT PACKAGE_NAME PACKAGE_STRING PACKAGE_TARNAME PACKAGE_URL
option 9-15 PACKAGE_VERSION PYLONG_BITS_IN_DIGIT PY_SSL_DEFAULT_CIPHER_STRING Py_ENABLE_SHARED
option 9-15 Py_HASH_ALGORITHM Py_TRACE_REFS USE_COMPUTED_GOTOS WITH_DTRACE WITH_VALGRIND
option 10 EXPERIMENTAL_ISOLATED_SUBINTERPRETERS
option 10-15 THREAD_STACK_SIZE
option 11-15 Py_STATS
option 14 Py_TAIL_CALL_INTERP
option 15 PYMALLOC_USE_HUGEPAGES _Py_TAIL_CALL_INTERP
os 9-10 FLOCK_NEEDS_LIBBSD
os 9-15 AC_APPLE_UNIVERSAL_BUILD AIX_BUILDDATE AIX_GENUINE_CPLUSPLUS ANDROID_API_LEVEL
os 9-15 GETPGRP_HAVE_ARG HAVE_DEV_PTC HAVE_DYLD_SHARED_CACHE_CONTAINS_PATH HAVE_LIBDLD
os 9-15 HAVE_LIBIEEE HAVE_LIBSENDFILE HAVE_PTHREAD_DESTRUCTOR SETPGRP_HAVE_ARG
os 9-13 HAVE_LIBRESOLV
os 9-15 STRICT_SYSV_CURSES TM_IN_SYS_TIME WITH_DYLD WITH_LIBINTL WITH_NEXT_FRAMEWORK
os 9-15 _BSD_SOURCE _INCLUDE__STDC_A1_SOURCE _LARGE_FILES _MINIX _POSIX_1_SOURCE _POSIX_SOURCE
os 11-15 HAVE_PTHREAD_STUBS Py_SUNOS_VERSION _WASI_EMULATED_GETPID
os 11-15 _WASI_EMULATED_PROCESS_CLOCKS _WASI_EMULATED_SIGNAL
run 9-15 HAVE_ALIGNED_REQUIRED HAVE_BROKEN_MBSTOWCS HAVE_BROKEN_NICE HAVE_BROKEN_PIPE_BUF
run 9-15 HAVE_BROKEN_POLL HAVE_BROKEN_POSIX_SEMAPHORES HAVE_BROKEN_PTHREAD_SIGMASK
run 9-15 HAVE_BROKEN_SEM_GETVALUE HAVE_BROKEN_UNSETENV HAVE_GLIBC_MEMMOVE_BUG
run 9-15 HAVE_IPA_PURE_CONST_BUG HAVE_NON_UNICODE_WCHAR_T_REPRESENTATION
run 9-15 POSIX_SEMAPHORES_NOT_ENABLED SIGNED_RIGHT_SHIFT_ZERO_FILLS
type 9-15 clock_t const gid_t mode_t off_t pid_t signed size_t socklen_t uid_t
""")
# fmt: on

# The SIZEOF_ macros (every version has them) and the ALIGNOF_ ones, by probe type name.
SIZEOF = ("DOUBLE", "FLOAT", "FPOS_T", "INT", "LONG", "LONG_DOUBLE", "LONG_LONG", "OFF_T",
          "PID_T", "PTHREAD_KEY_T", "PTHREAD_T", "SHORT", "SIZE_T", "TIME_T", "UINTPTR_T",
          "VOID_P", "WCHAR_T", "_BOOL")
ABI_RULES = _rows("\n".join(f"SIZEOF_{t} 9-15 abi" for t in SIZEOF))
RULES: tuple[Rule, ...] = tuple(sorted(HEADERS + FUNCTIONS + OTHERS + UNDEFINED + ABI_RULES,
                                       key=lambda r: (r.name, r.first)))

# Headers every compile check and musl declaration check includes when the target has them.
PRELUDE = (
    "sys/types.h", "stddef.h", "stdint.h", "stdio.h", "stdlib.h", "string.h", "strings.h",
    "unistd.h", "errno.h", "fcntl.h", "time.h", "sys/time.h", "sys/times.h", "sys/stat.h",
    "sys/wait.h", "sys/resource.h", "sys/socket.h", "sys/un.h", "netdb.h", "netinet/in.h",
    "arpa/inet.h", "net/if.h", "sys/mman.h", "sys/uio.h", "sys/sendfile.h", "sys/statvfs.h",
    "sys/utsname.h", "sys/epoll.h", "sys/eventfd.h", "sys/timerfd.h", "sys/random.h",
    "sys/file.h", "sys/ioctl.h", "sys/select.h", "sys/syscall.h", "sys/sysmacros.h",
    "sys/xattr.h", "sys/timeb.h", "dirent.h", "dlfcn.h", "signal.h", "pthread.h",
    "semaphore.h", "sched.h", "spawn.h", "pty.h", "utmp.h", "grp.h", "pwd.h", "shadow.h",
    "termios.h", "poll.h", "locale.h", "libintl.h", "langinfo.h", "wchar.h", "math.h",
    "endian.h", "utime.h", "stdatomic.h", "sys/param.h",
)
_M = "(void)sizeof(((struct {0} *)0)->{1});"  # a struct member exists
# Compile checks: name -> (headers it needs beyond the prelude, C statements).
COMPILE_CHECKS: dict[str, tuple[tuple[str, ...], str]] = {
    "HAVE_ADDRINFO": ((), "struct addrinfo a; (void)a;"),
    "HAVE_ALTZONE": ((), "(void)altzone;"),
    "HAVE_BUILTIN_ATOMIC": ((), "int v = 1; __atomic_store_n(&v, __atomic_load_n(&v, "
                                "__ATOMIC_SEQ_CST), __ATOMIC_SEQ_CST);"),
    "HAVE_CLOCK_T": ((), "clock_t c = 0; (void)c;"),
    "HAVE_COMPUTED_GOTOS": ((), "static void *t[] = {&&l}; goto *t[0]; l: ;"),
    "HAVE_DECL_ISFINITE": ((), "(void)isfinite(1.0);"),
    "HAVE_DECL_ISINF": ((), "(void)isinf(1.0);"),
    "HAVE_DECL_ISNAN": ((), "(void)isnan(1.0);"),
    **{f"HAVE_DECL_RTLD_{n}": ((), f"(void)RTLD_{n};")
       for n in ("DEEPBIND", "GLOBAL", "LAZY", "LOCAL", "MEMBER", "NODELETE", "NOLOAD", "NOW")},
    "HAVE_DEVICE_MACROS": ((), "(void)(major(0) + minor(0) + makedev(0, 0));"),
    "HAVE_DIRENT_D_TYPE": ((), _M.format("dirent", "d_type") + " (void)DT_UNKNOWN;"),
    "HAVE_GETHOSTBYNAME_R_3_ARG": ((), "struct hostent h; struct hostent_data d; "
                                       "(void)gethostbyname_r(\"\", &h, &d);"),
    "HAVE_GETHOSTBYNAME_R_5_ARG": ((), "struct hostent h; char b[8]; int e = 0; "
                                       "(void)gethostbyname_r(\"\", &h, b, 8, &e);"),
    "HAVE_GETHOSTBYNAME_R_6_ARG": ((), "struct hostent h, *r = 0; char b[8]; int e = 0; "
                                       "(void)gethostbyname_r(\"\", &h, b, 8, &r, &e);"),
    "HAVE_GETRANDOM_SYSCALL": ((), "(void)syscall(SYS_getrandom, (void *)0, 0, 0);"),
    "HAVE_HTOLE64": ((), "(void)le64toh((uint64_t)1);"),
    "HAVE_LINUX_CAN_RAW_FD_FRAMES": (("linux/can/raw.h",), "(void)CAN_RAW_FD_FRAMES;"),
    "HAVE_LINUX_CAN_RAW_JOIN_FILTERS": (("linux/can/raw.h",), "(void)CAN_RAW_JOIN_FILTERS;"),
    "HAVE_MAKEDEV": ((), "(void)makedev(0, 0);"),
    "HAVE_MAXLOGNAME": ((), "(void)MAXLOGNAME;"),
    "HAVE_SIGINFO_T_SI_BAND": ((), "(void)sizeof(((siginfo_t *)0)->si_band);"),
    "HAVE_SOCKADDR_ALG": (("linux/if_alg.h",), "struct sockaddr_alg s; (void)s;"),
    "HAVE_SOCKADDR_SA_LEN": ((), _M.format("sockaddr", "sa_len")),
    "HAVE_SOCKADDR_STORAGE": ((), "struct sockaddr_storage s; (void)s;"),
    "HAVE_SOCKLEN_T": ((), "socklen_t s = 0; (void)s;"),
    "HAVE_SSIZE_T": ((), "ssize_t s = 0; (void)s;"),
    "HAVE_STAT_TV_NSEC": ((), _M.format("stat", "st_mtim.tv_nsec")),
    "HAVE_STAT_TV_NSEC2": ((), _M.format("stat", "st_mtimensec")),
    "HAVE_STD_ATOMIC": ((), "atomic_int i = 0; atomic_uintptr_t p = 0; (void)atomic_load(&i); "
                            "(void)atomic_load(&p);"),
    "HAVE_STRUCT_PASSWD_PW_GECOS": ((), _M.format("passwd", "pw_gecos")),
    "HAVE_STRUCT_PASSWD_PW_PASSWD": ((), _M.format("passwd", "pw_passwd")),
    **{f"HAVE_STRUCT_STAT_ST_{m.upper()}": ((), _M.format("stat", "st_" + m))
       for m in ("birthtime", "blksize", "blocks", "flags", "gen", "rdev")},
    "HAVE_STRUCT_TM_TM_ZONE": ((), _M.format("tm", "tm_zone")),
    "HAVE_UT_NAMESIZE": ((), "(void)UT_NAMESIZE;"),
    # 3.15: configure asks only when statx links (members) and on glibc (the declaration).
    "HAVE_DECL_PR_SET_VMA_ANON_NAME": (("linux/prctl.h",), "(void)PR_SET_VMA_ANON_NAME;"),
    **{f"HAVE_STRUCT_STATX_STX_{m.upper()}": ((), _M.format("statx", "stx_" + m))
       for m in ("atomic_write_unit_max_opt", "atomic_write_unit_min", "dio_mem_align",
                 "dio_read_offset_align", "mnt_id", "subvol")},
}
