/*
 * test_order: the order in which a worker takes jobs.
 *
 * - starvation_ms = 0, one worker: oldest High, else oldest Normal, else
 *   oldest Low, FIFO within a level (a random mix of 300 jobs queued behind a
 *   gate must run as a stable partition High | Normal | Low).
 * - starvation_ms large (nothing ever waits that long): the same strict order.
 * - starvation_ms = S > 0: Normal and Low jobs that waited longer than S run
 *   before the High jobs queued after they had starved; the High jobs keep
 *   their FIFO order; stats.starvation_promotions counts it.
 * - a flood of High work that never lets the High queue run dry does not
 *   starve a Low job when starvation_ms > 0.
 */
#include "test_util.h"

#define MAXJOBS 512

static atomic_int rec_n;
static atomic_int rec_order[MAXJOBS];
static wpool_priority prio_of[MAXJOBS];

static void record_job(void *arg) {
    int id = (int)(intptr_t)arg;
    int i = atomic_fetch_add(&rec_n, 1);
    CHECK(i < MAXJOBS);
    atomic_store(&rec_order[i], id);
}

static void rec_reset(void) {
    atomic_store(&rec_n, 0);
    for (int i = 0; i < MAXJOBS; i++)
        atomic_store(&rec_order[i], -1);
}

/* One worker, held in g (a Low gate job). */
static wpool *one_worker_pool(uint32_t starvation_ms, test_gate *g) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.max_temp_workers = 0; /* High work must wait for the one worker */
    cfg.starvation_ms = starvation_ms;
    return gated_pool(&cfg, WPOOL_LOW, g);
}

/* Queues n jobs of pseudo-random priority behind a gate, releases it, and
 * checks the execution order is High FIFO, then Normal FIFO, then Low FIFO. */
static void strict_order(uint32_t starvation_ms) {
    enum { N = 300 };
    rec_reset();
    test_gate g;
    wpool *p = one_worker_pool(starvation_ms, &g);

    uint32_t seed = 12345u;
    int count[3] = {0, 0, 0};
    for (int id = 0; id < N; id++) {
        seed = seed * 1664525u + 1013904223u;
        prio_of[id] = (wpool_priority)((seed >> 16) % 3u);
        count[prio_of[id]]++;
        CHECK_OK(wpool_submit(p, prio_of[id], record_job, (void *)(intptr_t)id));
    }
    CHECK(count[0] > 0 && count[1] > 0 && count[2] > 0);
    wpool_stats s = get_stats(p);
    for (int l = 0; l < 3; l++)
        CHECK_EQ(s.queued[l], count[l]);
    CHECK_EQ(atomic_load(&rec_n), 0); /* nothing ran past the gate */

    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_EQ(atomic_load(&rec_n), N);

    /* Expected: a stable partition of the submission order by priority. */
    int pos = 0;
    for (int l = 0; l < 3; l++) {
        for (int id = 0; id < N; id++) {
            if ((int)prio_of[id] != l) continue;
            if (atomic_load(&rec_order[pos]) != id) {
                fprintf(stderr, "position %d: ran job %d, expected %d (priority %d)\n", pos,
                        atomic_load(&rec_order[pos]), id, l);
            }
            CHECK_EQ(atomic_load(&rec_order[pos]), id);
            pos++;
        }
    }
    s = get_stats(p);
    CHECK_EQ(s.starvation_promotions, 0);
    CHECK_EQ(sum3(s.completed), N + 1);
    CHECK_STATS_BALANCED(s);
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    wpool_destroy(p);
}

/* N0 (Normal) and L1 (Low) wait well past S behind a gate, then High jobs
 * H2..H21 arrive: both starved jobs must run before every one of them. */
static void starved_first(void) {
    enum { S_MS = 100, NH = 20 };
    rec_reset();
    test_gate g;
    wpool *p = one_worker_pool(S_MS, &g);
    CHECK_OK(wpool_submit(p, WPOOL_NORMAL, record_job, (void *)(intptr_t)0));
    CHECK_OK(wpool_submit(p, WPOOL_LOW, record_job, (void *)(intptr_t)1));
    sleep_ms(3 * S_MS); /* both have now waited > S */
    for (int id = 2; id < 2 + NH; id++)
        CHECK_OK(wpool_submit(p, WPOOL_HIGH, record_job, (void *)(intptr_t)id));
    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_EQ(atomic_load(&rec_n), 2 + NH);

    int first = atomic_load(&rec_order[0]), second = atomic_load(&rec_order[1]);
    if (!((first == 0 && second == 1) || (first == 1 && second == 0)))
        fprintf(stderr, "order: %d %d %d ...\n", first, second, atomic_load(&rec_order[2]));
    /* The starved jobs ran before all the (newer) High jobs... */
    CHECK((first == 0 && second == 1) || (first == 1 && second == 0));
    /* ...and the High jobs kept their FIFO order. */
    for (int i = 2; i < 2 + NH; i++)
        CHECK_EQ(atomic_load(&rec_order[i]), i);

    wpool_stats s = get_stats(p);
    CHECK(s.starvation_promotions >= 1);
    CHECK_STATS_BALANCED(s);
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    wpool_destroy(p);
}

/* --- a flood of High work ------------------------------------------------ */

typedef struct flood {
    wpool *p;
    atomic_int stop;
    atomic_long high_done;
    atomic_int low_ran;
    atomic_llong low_high_queued; /* queued[HIGH] seen by the Low job */
    atomic_long high_done_at_low;
} flood;

static void high_flood_job(void *arg) {
    flood *f = arg;
    sleep_ms(2);
    atomic_fetch_add(&f->high_done, 1);
}

static void low_job(void *arg) {
    flood *f = arg;
    wpool_stats s = get_stats(f->p);
    atomic_store(&f->low_high_queued, (long long)s.queued[WPOOL_HIGH]);
    atomic_store(&f->high_done_at_low, atomic_load(&f->high_done));
    atomic_store(&f->low_ran, 1);
}

static void *flood_producer(void *arg) {
    flood *f = arg;
    while (!atomic_load(&f->stop)) {
        int rc = wpool_submit(f->p, WPOOL_HIGH, high_flood_job, f);
        CHECK_RC(rc, WPOOL_OK);
    }
    return NULL;
}

static void flood_does_not_starve_low(void) {
    enum { S_MS = 50, HCAP = 64 };
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.max_temp_workers = 0;
    cfg.starvation_ms = S_MS;
    cfg.capacity[WPOOL_HIGH] = HCAP;
    test_gate g;
    wpool *p = gated_pool(&cfg, WPOOL_NORMAL, &g);
    flood f = {.p = p};
    for (int i = 0; i < HCAP; i++)
        CHECK_OK(wpool_try_submit(p, WPOOL_HIGH, high_flood_job, &f));
    CHECK_RC(wpool_try_submit(p, WPOOL_HIGH, high_flood_job, &f), WPOOL_EFULL);
    pthread_t prod;
    CHECK_EQ(pthread_create(&prod, NULL, flood_producer, &f), 0);
    CHECK_OK(wpool_submit(p, WPOOL_LOW, low_job, &f));
    gate_open(&g);

    /* Without the starvation bound the Low job would wait for the flood to
     * end, which only happens after it ran (or after 15 s: failure). */
    CHECK_EVENTUALLY(atomic_load(&f.low_ran), 15000);
    atomic_store(&f.stop, 1);
    gate_open(&g);
    CHECK_EQ(pthread_join(prod, NULL), 0);
    CHECK_OK(wpool_wait_idle(p, 60 * SEC_NS));

    /* The Low job ran while High work was still waiting. */
    CHECK(atomic_load(&f.low_high_queued) >= 1);
    wpool_stats s = get_stats(p);
    CHECK(s.starvation_promotions >= 1);
    CHECK_EQ(s.completed[WPOOL_LOW], 1);
    CHECK_EQ(s.completed[WPOOL_HIGH], (uint64_t)atomic_load(&f.high_done));
    CHECK_STATS_BALANCED(s);
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    wpool_destroy(p);
    printf("flood: Low job ran after %ld High jobs\n", atomic_load(&f.high_done_at_low));
}

int main(void) {
    test_watchdog("test_order", 100);
    strict_order(0);
    strict_order(60u * 60u * 1000u); /* a bound nothing reaches: still strict */
    starved_first();
    flood_does_not_starve_low();
    test_summary("test_order");
    return 0;
}
