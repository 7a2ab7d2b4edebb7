/*
 * clock.h: time for deadlines (nanoseconds) and for queue-wait stamps (ticks).
 *
 * Every job is stamped at submission and read again when a worker starts it,
 * so the stamp must be cheap. A tick is the CPU's own counter where it is a
 * usable clock: on x86-64 the TSC when invariant (one rdtsc, ~7 ns here,
 * against ~17 ns for clock_gettime through the vDSO), on AArch64 the generic
 * timer's virtual count (CNTVCT_EL0, at the fixed rate CNTFRQ_EL0 gives;
 * what mach_absolute_time reads on Apple silicon). Elsewhere, and in the
 * forced portable build, a tick is a nanosecond of the platform layer's
 * monotonic clock (clock_gettime, QueryPerformanceCounter).
 */
#ifndef WP_CLOCK_H
#define WP_CLOCK_H

#include "arch.h"
#include "os.h"

#include <stdint.h>

#if !defined(WP_FORCE_PORTABLE)
#if defined(__x86_64__) && !defined(WP_MSVC)
#define WP_TICKS_TSC 1
#include <x86intrin.h>
#elif defined(WP_MSVC) && defined(_M_X64)
#define WP_TICKS_TSC 1
#elif defined(__aarch64__) && !defined(WP_MSVC)
#define WP_TICKS_CNTVCT 1
#endif
#endif

/* ns_per_tick_q32 is 32.32 fixed point: 1.0 is 1 << WP_Q32_BITS. */
#define WP_Q32_BITS 32

/* Set once by wp_clock_init(), then only read (on every submit and job
 * start): a cache line of its own, so no neighbouring variable that some
 * thread writes can make those reads miss. */
typedef struct wp_clock_params {
    _Alignas(WP_CACHE_LINE) int uses_counter; /* ticks are the CPU's counter */
    uint64_t ns_per_tick_q32;                 /* nanoseconds per tick, 32.32 fixed point */
    uint64_t ticks_per_ms;
    /* The rest of the line (4: the hole after uses_counter). */
    char pad[WP_CACHE_LINE - 2 * sizeof(uint64_t) - sizeof(int) - 4];
} wp_clock_params;
extern wp_clock_params wp_clock;

/* Calibrates the tick clock; idempotent and thread-safe. */
void wp_clock_init(void);

static inline uint64_t wp_now_ns(void) {
    return wp_os_now_ns();
}

#if defined(WP_TICKS_CNTVCT)
static inline uint64_t wp_cntvct(void) {
    uint64_t v;
    __asm__ __volatile__("mrs %0, cntvct_el0" : "=r"(v));
    return v;
}
#endif

static inline uint64_t wp_ticks(void) {
#if defined(WP_TICKS_TSC)
    if (wp_clock.uses_counter) return __rdtsc();
#elif defined(WP_TICKS_CNTVCT)
    if (wp_clock.uses_counter) return wp_cntvct();
#endif
    return wp_now_ns();
}

/* Converts a tick interval to nanoseconds. */
static inline uint64_t wp_ticks_to_ns(uint64_t ticks) {
    return wp_mul_q32(ticks, wp_clock.ns_per_tick_q32);
}

/* now + timeout, saturating, so WPOOL_FOREVER stays "never". */
static inline uint64_t wp_deadline(uint64_t timeout_ns) {
    uint64_t now = wp_now_ns();
    return timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;
}

#endif /* WP_CLOCK_H */
