/* clock.c: one-time calibration of the tick clock against CLOCK_MONOTONIC. */
#include "clock.h"

#include <pthread.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

wp_clock_params wp_clock = {0, (uint64_t)1 << 32, 1000000, {0}};

static pthread_once_t wp_clock_once = PTHREAD_ONCE_INIT;

#if defined(__x86_64__)
/* The TSC is a usable clock only if it is invariant: constant rate across
 * frequency changes and deep sleep states (CPUID 0x80000007, EDX bit 8). */
static int tsc_is_invariant(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000007u) return 0;
    __get_cpuid(0x80000007u, &a, &b, &c, &d);
    return (d >> 8) & 1u;
}
#endif

static void calibrate(void) {
#if defined(__x86_64__)
    if (!tsc_is_invariant()) return;
    /* Measure the TSC rate over ~2 ms of wall time; the error is the clock
     * read jitter (tens of ns) over 2 ms, well under 0.01%. */
    uint64_t ns0 = wp_now_ns(), t0 = __rdtsc();
    struct timespec pause = {0, 2000000};
    nanosleep(&pause, NULL);
    uint64_t ns1 = wp_now_ns(), t1 = __rdtsc();
    if (t1 <= t0 || ns1 <= ns0) return;
    uint64_t dticks = t1 - t0, dns = ns1 - ns0;
    wp_clock.ns_per_tick_q32 = (uint64_t)(((wp_u128)dns << 32) / dticks);
    wp_clock.ticks_per_ms = (uint64_t)(((wp_u128)dticks * 1000000u) / dns);
    if (wp_clock.ns_per_tick_q32 == 0 || wp_clock.ticks_per_ms == 0) {
        wp_clock.ns_per_tick_q32 = (uint64_t)1 << 32;
        wp_clock.ticks_per_ms = 1000000;
        return;
    }
    wp_clock.uses_tsc = 1;
#endif
}

void wp_clock_init(void) {
    pthread_once(&wp_clock_once, calibrate);
}
