/* Reproducer of the race docs/model/parking.pml finds with -DCFG_TEMP
 * -DTEMP_BURST (not built by CMake; exits 1 while the race is there): two
 * High jobs submitted back to back to a pool whose only regular worker is
 * parked. A's submit wakes the worker; B's submit sees busy == 0 (the woken
 * worker has not marked itself busy yet) and starts no temporary worker; the
 * worker takes A, which waits for B: B has no thread until A gives up.
 *
 *   cc -O2 -D_GNU_SOURCE -pthread -Ic/include tests/model/temp_burst.c \
 *      build/dev/libwpool.a -o temp_burst && ./temp_burst 20 */
#include "wpool.h"
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static atomic_int b_ran, a_gave_up;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}
static void job_a(void *arg) {
    (void)arg;
    double t0 = now();
    while (!atomic_load(&b_ran)) {
        if (now() - t0 > 0.2) { /* B did not run within 200 ms: stranded */
            atomic_fetch_add(&a_gave_up, 1);
            return;
        }
        usleep(100);
    }
}
static void job_b(void *arg) {
    (void)arg;
    atomic_store(&b_ran, 1);
}

int main(int argc, char **argv) {
    int trials = argc > 1 ? atoi(argv[1]) : 20;
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 1;
    cfg.max_temp_workers = 1;
    cfg.temp_idle_ms = 1;
    wpool *p;
    if (wpool_create(&cfg, &p) != WPOOL_OK) return 2;
    for (int i = 0; i < trials; i++) {
        usleep(20000); /* the worker parks, any temporary worker retires */
        atomic_store(&b_ran, 0);
        wpool_submit(p, WPOOL_HIGH, job_a, NULL);
        wpool_submit(p, WPOOL_HIGH, job_b, NULL);
        wpool_wait_idle(p, WPOOL_FOREVER);
    }
    wpool_stats st;
    wpool_get_stats(p, &st);
    printf("trials %d, A gave up waiting for B (B stranded 200 ms): %d, temp_spawned %llu\n",
           trials, atomic_load(&a_gave_up), (unsigned long long)st.temp_spawned);
    wpool_destroy(p);
    return atomic_load(&a_gave_up) ? 1 : 0;
}
