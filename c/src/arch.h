/*
 * arch.h: what wpool assumes of the CPU and of the compiler: the size of a
 * cache line (the unit that cores pass between them, so the unit of false
 * sharing), the instruction that tells the CPU a thread is spinning, and the
 * few things C11 does not say how to write (bit scans, a 64x64->128 multiply,
 * thread-local storage, printf-format checking). GCC and Clang (every target)
 * and MSVC (Windows) are covered; the MSVC branches are the only code MSVC
 * needs beyond C11 with <stdatomic.h>.
 */
#ifndef WP_ARCH_H
#define WP_ARCH_H

#include <stdatomic.h>
#include <stdint.h>

#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#define WP_MSVC 1
#endif

/* 64 bytes on every x86-64 and on most AArch64 cores. Data written by one
 * thread and read by others gets a line of its own (_Alignas(WP_CACHE_LINE)). */
#define WP_CACHE_LINE 64

/* One spin-wait hint: x86's pause (lets the sibling hyperthread run and
 * avoids a memory-order mis-speculation when the awaited line changes),
 * AArch64's yield; elsewhere only a compiler barrier. */
#if defined(WP_MSVC) && (defined(_M_X64) || defined(_M_IX86))
#define wp_cpu_relax() _mm_pause()
#elif defined(WP_MSVC) && defined(_M_ARM64)
#define wp_cpu_relax() __yield()
#elif defined(__x86_64__) || defined(__i386__)
#define wp_cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__) || defined(__arm__)
#define wp_cpu_relax() __asm__ __volatile__("yield" ::: "memory")
#else
#define wp_cpu_relax() atomic_signal_fence(memory_order_seq_cst)
#endif

/* Thread-local storage: C11's keyword, or MSVC's own spelling of it. */
#if defined(WP_MSVC)
#define WP_THREAD_LOCAL __declspec(thread)
#else
#define WP_THREAD_LOCAL _Thread_local
#endif

/* printf-style format checking of a function's arguments (fmt, first arg). */
#if defined(__GNUC__)
#define WP_PRINTF_FORMAT(fmt, first) __attribute__((format(printf, fmt, first)))
#else
#define WP_PRINTF_FORMAT(fmt, first)
#endif

/* A branch taken rarely (a job with a ticket on the pop path): keep it out of
 * the straight-line code. */
#if defined(__GNUC__)
#define WP_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define WP_UNLIKELY(x) (x)
#endif

/* The hot paths of a job (the ring's push and pop and the worker's pop of a
 * level) are inlined whatever the compiler's size heuristics say: at -O2 gcc
 * called them out of line once they grew the ticket's branches, with their
 * constant arguments no longer folded, and an empty job's handoff cost 10 ns
 * more. Their rare branches call out-of-line WP_NOINLINE functions instead. */
#if defined(WP_MSVC)
#define WP_ALWAYS_INLINE __forceinline
#define WP_NOINLINE      __declspec(noinline)
#elif defined(__GNUC__)
#define WP_ALWAYS_INLINE inline __attribute__((always_inline))
#define WP_NOINLINE      __attribute__((noinline, cold))
#else
#define WP_ALWAYS_INLINE inline
#define WP_NOINLINE
#endif

/* Where the calling function's frame is on the stack (not a local's address:
 * AddressSanitizer may move locals to a heap-allocated fake stack). */
#if defined(WP_MSVC)
#define wp_frame_address() ((uintptr_t)_AddressOfReturnAddress())
#else
#define wp_frame_address() ((uintptr_t)__builtin_frame_address(0))
#endif

/* The index of the highest / lowest set bit of x, which must not be 0. */
static inline unsigned wp_bit_high64(uint64_t x) {
#if defined(WP_MSVC)
    unsigned long i;
    _BitScanReverse64(&i, x);
    return (unsigned)i;
#else
    return 63u - (unsigned)__builtin_clzll(x);
#endif
}

static inline unsigned wp_bit_low64(uint64_t x) {
#if defined(WP_MSVC)
    unsigned long i;
    _BitScanForward64(&i, x);
    return (unsigned)i;
#else
    return (unsigned)__builtin_ctzll(x);
#endif
}

/* (a * b) >> 32 with the full 128-bit product, truncated to 64 bits: a tick
 * count times a 32.32 fixed-point rate. One multiply where the compiler has
 * 128-bit integers; four 32x32 products (exact, the same result) elsewhere:
 * MSVC, 32-bit targets, and the forced portable build (WP_FORCE_PORTABLE),
 * which is how that branch is tested on Linux. */
static inline uint64_t wp_mul_q32(uint64_t a, uint64_t b) {
#if defined(__SIZEOF_INT128__) && !defined(WP_FORCE_PORTABLE)
    __extension__ typedef unsigned __int128 u128;
    return (uint64_t)(((u128)a * b) >> 32);
#else
    uint64_t ah = a >> 32, al = a & 0xffffffffu, bh = b >> 32, bl = b & 0xffffffffu;
    /* a*b = ah*bh*2^64 + (ah*bl + al*bh)*2^32 + al*bl; shifted right by 32,
     * only al*bl has bits below the point. */
    return ((ah * bh) << 32) + ah * bl + al * bh + ((al * bl) >> 32);
#endif
}

#endif /* WP_ARCH_H */
