/*
 * test_room.c: a submit that waits for room takes it as soon as any exists
 * and consumption has stopped, even short of the bulk-refill threshold.
 *
 * One worker, a ring of 16. The worker runs jobs that, after a few quick ones,
 * block until a producer's pending submit returns. That submit was made into a
 * full ring; the worker frees only a few slots before blocking, far short of
 * the 3/4 a parked producer is normally woken for. It must still get in.
 */
#include "test_util.h"

#include <wpool.h>

static test_gate gate;
static atomic_int submitted_late;
static atomic_int quick_done;
static wpool *pool;

static void quick_job(void *arg) {
    (void)arg;
    atomic_fetch_add(&quick_done, 1);
}

/* Runs as the 4th job after the gate: waits for the producer's submit. */
static void wait_for_producer(void *arg) {
    (void)arg;
    CHECK_EVENTUALLY(atomic_load(&submitted_late) == 1, 10000);
}

static void *late_producer(void *arg) {
    (void)arg;
    CHECK_OK(wpool_submit(pool, WPOOL_NORMAL, quick_job, NULL)); /* ring full: waits */
    atomic_store(&submitted_late, 1);
    return NULL;
}

/* Queue waits: a burst of Low jobs queued behind a busy worker is measured one
 * job in wait_sampling (1: all; default 8); a job that finds its ring empty
 * is always measured, and so is every High job. */
static void sampling(void) {
    static const uint32_t every[] = {1, 0, 4};
    static const uint64_t expect[] = {64, 8, 16};
    for (int k = 0; k < 3; k++) {
        wpool_config cfg;
        wpool_config_init(&cfg);
        if (every[k] != 0) cfg.wait_sampling = every[k];
        test_gate g;
        pool = gated_pool(&cfg, WPOOL_NORMAL, &g);
        for (int i = 0; i < 64; i++)
            CHECK_OK(wpool_submit(pool, WPOOL_LOW, quick_job, NULL));
        for (int i = 0; i < 5; i++)
            CHECK_OK(wpool_submit(pool, WPOOL_HIGH, quick_job, NULL));
        gate_open(&g);
        CHECK_OK(wpool_wait_idle(pool, 10 * SEC_NS));
        wpool_stats s = get_stats(pool);
        CHECK_EQ(s.wait_count[WPOOL_LOW], expect[k]);
        CHECK_EQ(s.wait_count[WPOOL_HIGH], 5);
        /* A trickle: each Low job finds the ring empty, and is measured. */
        for (int i = 0; i < 5; i++) {
            CHECK_OK(wpool_submit(pool, WPOOL_LOW, quick_job, NULL));
            CHECK_OK(wpool_wait_idle(pool, 10 * SEC_NS));
        }
        CHECK_EQ(get_stats(pool).wait_count[WPOOL_LOW], expect[k] + 5);
        wpool_destroy(pool);
    }
}

int main(void) {
    test_watchdog("room", 60);
    sampling();
    for (int round = 0; round < 3; round++) {
        wpool_config cfg;
        wpool_config_init(&cfg);
        cfg.max_temp_workers = 0;
        cfg.capacity[WPOOL_NORMAL] = 16;
        atomic_store(&submitted_late, 0);
        atomic_store(&quick_done, 0);
        pool = gated_pool(&cfg, WPOOL_NORMAL, &gate);
        /* Fill the ring: 3 quick jobs, the blocking one, 12 more quick ones. */
        for (int i = 0; i < 16; i++)
            CHECK_OK(
                wpool_try_submit(pool, WPOOL_NORMAL, i == 3 ? wait_for_producer : quick_job, NULL));
        CHECK_RC(wpool_try_submit(pool, WPOOL_NORMAL, quick_job, NULL), WPOOL_EFULL);
        pthread_t producer;
        CHECK(pthread_create(&producer, NULL, late_producer, NULL) == 0);
        sleep_ms(20); /* let it park on the full ring */
        CHECK_EQ(atomic_load(&submitted_late), 0);
        gate_open(&gate);
        CHECK_EVENTUALLY(atomic_load(&quick_done) == 16, 10000);
        pthread_join(producer, NULL);
        CHECK_OK(wpool_shutdown(pool, WPOOL_FOREVER));
        wpool_stats s = get_stats(pool);
        CHECK_EQ(s.completed[WPOOL_NORMAL], 18);
        CHECK_STATS_BALANCED(s);
        wpool_destroy(pool);
    }
    test_summary("room");
    return 0;
}
