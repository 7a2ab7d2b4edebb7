/*
 * clock.h: time for deadlines (nanoseconds) and for queue-wait stamps (ticks).
 *
 * Every job is stamped at submission and read again when a worker starts it,
 * so the stamp must be cheap: on x86-64 with an invariant TSC a tick is one
 * rdtsc (~7 ns here, against ~17 ns for clock_gettime through the vDSO),
 * converted to nanoseconds only when a wait is recorded. Elsewhere a tick is
 * a CLOCK_MONOTONIC nanosecond.
 */
#ifndef WP_CLOCK_H
#define WP_CLOCK_H

#include "arch.h"

#include <stdint.h>
#include <time.h>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#define WP_NS_PER_SEC 1000000000u
#define WP_NS_PER_MS  1000000u

/* ns_per_tick_q32 is 32.32 fixed point: 1.0 is 1 << WP_Q32_BITS. */
#define WP_Q32_BITS 32

/* 128-bit products for tick conversions (GCC and Clang on 64-bit targets). */
__extension__ typedef unsigned __int128 wp_u128;

/* Set once by wp_clock_init(), then only read (on every submit and job
 * start): a cache line of its own, so no neighbouring variable that some
 * thread writes can make those reads miss. */
typedef struct wp_clock_params {
    _Alignas(WP_CACHE_LINE) int uses_tsc; /* ticks are TSC cycles */
    uint64_t ns_per_tick_q32;             /* nanoseconds per tick, 32.32 fixed point */
    uint64_t ticks_per_ms;
    /* The rest of the line (4: the hole after uses_tsc). */
    char pad[WP_CACHE_LINE - 2 * sizeof(uint64_t) - sizeof(int) - 4];
} wp_clock_params;
extern wp_clock_params wp_clock;

/* Calibrates the tick clock; idempotent and thread-safe (pthread_once). */
void wp_clock_init(void);

static inline uint64_t wp_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * WP_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

static inline uint64_t wp_ticks(void) {
#if defined(__x86_64__)
    if (wp_clock.uses_tsc) return __rdtsc();
#endif
    return wp_now_ns();
}

/* Converts a tick interval to nanoseconds. */
static inline uint64_t wp_ticks_to_ns(uint64_t ticks) {
    return (uint64_t)(((wp_u128)ticks * wp_clock.ns_per_tick_q32) >> WP_Q32_BITS);
}

/* now + timeout, saturating, so WPOOL_FOREVER stays "never". */
static inline uint64_t wp_deadline(uint64_t timeout_ns) {
    uint64_t now = wp_now_ns();
    return timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;
}

#endif /* WP_CLOCK_H */
