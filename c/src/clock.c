/* clock.c: one-time calibration of the tick clock against CLOCK_MONOTONIC. */
#include "clock.h"

#include <pthread.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

/* Until calibrated, and where the TSC is not usable: a tick is a nanosecond. */
#define WP_NS_TICK_Q32 ((uint64_t)1 << WP_Q32_BITS)

/* How long calibration measures the TSC against CLOCK_MONOTONIC: the error is
 * the clock read jitter (tens of ns) over this, well under 0.01%. */
#define WP_CLOCK_CALIBRATION_NS (2u * WP_NS_PER_MS)

wp_clock_params wp_clock = {0, WP_NS_TICK_Q32, WP_NS_PER_MS, {0}};

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
    uint64_t ns0 = wp_now_ns(), t0 = __rdtsc();
    struct timespec pause = {0, WP_CLOCK_CALIBRATION_NS};
    nanosleep(&pause, NULL);
    uint64_t ns1 = wp_now_ns(), t1 = __rdtsc();
    if (t1 <= t0 || ns1 <= ns0) return;
    uint64_t dticks = t1 - t0, dns = ns1 - ns0;
    wp_clock.ns_per_tick_q32 = (uint64_t)(((wp_u128)dns << WP_Q32_BITS) / dticks);
    wp_clock.ticks_per_ms = (uint64_t)(((wp_u128)dticks * WP_NS_PER_MS) / dns);
    if (wp_clock.ns_per_tick_q32 == 0 || wp_clock.ticks_per_ms == 0) {
        wp_clock.ns_per_tick_q32 = WP_NS_TICK_Q32;
        wp_clock.ticks_per_ms = WP_NS_PER_MS;
        return;
    }
    wp_clock.uses_tsc = 1;
#endif
}

void wp_clock_init(void) {
    pthread_once(&wp_clock_once, calibrate);
}
