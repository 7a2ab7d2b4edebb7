/* clock.c: one-time choice and calibration of the tick clock (clock.h). */
#include "clock.h"

#if defined(WP_TICKS_TSC) && defined(WP_MSVC)
#include <intrin.h>
#elif defined(WP_TICKS_TSC)
#include <cpuid.h>
#endif

/* Until calibrated, and where there is no usable counter: a tick is a nanosecond. */
#define WP_NS_TICK_Q32 ((uint64_t)1 << WP_Q32_BITS)

/* How long calibration measures the TSC against the monotonic clock: the
 * error is the clock read jitter (tens of ns) over this, well under 0.01%. */
#define WP_CLOCK_CALIBRATION_NS (2u * WP_NS_PER_MS)

wp_clock_params wp_clock = {0, WP_NS_TICK_Q32, WP_NS_PER_MS, {0}};

/* 0: not begun, 1: calibrating, 2: done. */
static _Atomic int wp_clock_state;

#if defined(WP_TICKS_TSC) || defined(WP_TICKS_CNTVCT)
/* Sets the rate from a measured or known interval: dticks counter ticks in
 * dns nanoseconds (both well under 2^32, so the 64-bit products are exact). */
static void set_rate(uint64_t dticks, uint64_t dns) {
    uint64_t q32 = (dns << WP_Q32_BITS) / dticks, per_ms = dticks * WP_NS_PER_MS / dns;
    if (q32 == 0 || per_ms == 0) return; /* a counter faster than 2^32 GHz: keep ns */
    wp_clock.ns_per_tick_q32 = q32;
    wp_clock.ticks_per_ms = per_ms;
    wp_clock.uses_counter = 1;
}
#endif

#if defined(WP_TICKS_TSC)
/* The TSC is a usable clock only if it is invariant: constant rate across
 * frequency changes and deep sleep states (CPUID 0x80000007, EDX bit 8). */
static int tsc_is_invariant(void) {
#if defined(WP_MSVC)
    int r[4];
    __cpuid(r, (int)0x80000000u);
    if ((unsigned)r[0] < 0x80000007u) return 0;
    __cpuid(r, (int)0x80000007u);
    return ((unsigned)r[3] >> 8) & 1u;
#else
    unsigned a, b, c, d;
    if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000007u) return 0;
    __get_cpuid(0x80000007u, &a, &b, &c, &d);
    return (d >> 8) & 1u;
#endif
}
#endif

static void calibrate(void) {
#if defined(WP_TICKS_TSC)
    if (!tsc_is_invariant()) return;
    uint64_t ns0 = wp_now_ns(), t0 = __rdtsc();
    wp_os_sleep_ns(WP_CLOCK_CALIBRATION_NS);
    uint64_t ns1 = wp_now_ns(), t1 = __rdtsc();
    if (t1 <= t0 || ns1 <= ns0 || ns1 - ns0 >= ((uint64_t)1 << 32)) return;
    set_rate(t1 - t0, ns1 - ns0);
#elif defined(WP_TICKS_CNTVCT)
    /* The generic timer's rate is given, no need to measure it. */
    uint64_t hz;
    __asm__ __volatile__("mrs %0, cntfrq_el0" : "=r"(hz));
    if (hz == 0 || hz > WP_NS_PER_SEC) return;
    set_rate(hz, WP_NS_PER_SEC); /* ticks in a second */
#endif
}

void wp_clock_init(void) {
    /* acquire: a thread that sees 2 sees the rate calibrate() stored. */
    if (atomic_load_explicit(&wp_clock_state, memory_order_acquire) == 2) return;
    int expected = 0;
    /* relaxed: only one thread calibrates; the others wait for 2 below. */
    if (atomic_compare_exchange_strong_explicit(&wp_clock_state, &expected, 1, memory_order_relaxed,
                                                memory_order_relaxed)) {
        calibrate();
        /* release: publishes the rate with the state. */
        atomic_store_explicit(&wp_clock_state, 2, memory_order_release);
        return;
    }
    /* Another thread is calibrating (a few milliseconds at most). */
    while (atomic_load_explicit(&wp_clock_state, memory_order_acquire) != 2)
        wp_os_sleep_ns(WP_NS_PER_MS / 10u);
}
