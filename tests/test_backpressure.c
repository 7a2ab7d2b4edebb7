/*
 * test_backpressure: bounded rings and the four ways to wait for room.
 *
 * One worker blocked by a gate, High capacity 4:
 * - wpool_try_submit: WPOOL_EFULL at once when 4 are queued (and the other
 *   levels' rings are independent: Normal still accepts);
 * - wpool_submit_timeout: WPOOL_ETIMEDOUT after (at least) the timeout;
 *   0 behaves as try (WPOOL_EFULL); a long timeout succeeds once room appears;
 * - wpool_submit_task: timeout 0 = try (WPOOL_EFULL);
 * - wpool_submit, wpool_submit_timeout(WPOOL_FOREVER) and
 *   wpool_submit_task(WPOOL_FOREVER) block until room appears (another thread
 *   opens the gate), then succeed;
 * - stats.rejected counts every EFULL and ETIMEDOUT, per level;
 * - rejected jobs are never called, accepted ones exactly once.
 * Capacity rounding: 5 -> 8, 3 -> 4, 1 -> 2, 0 -> 4096 (stats.capacity), and a ring
 * of "5" really holds 8 jobs, the 9th is WPOOL_EFULL.
 */
#include "test_util.h"

#define NJOBS 64
static atomic_int runs[NJOBS];

static void count_job(void *arg) {
    atomic_fetch_add(&runs[(intptr_t)arg], 1);
}

static void reset_runs(void) {
    for (int i = 0; i < NJOBS; i++)
        atomic_store(&runs[i], 0);
}

typedef struct waiter {
    wpool *p;
    int how; /* 0: submit, 1: submit_timeout(FOREVER), 2: submit_task(FOREVER),
                3: submit_timeout(30 s) */
    int id;
    atomic_int returned;
    atomic_int rc;
} waiter;

static void *waiter_main(void *arg) {
    waiter *w = arg;
    int rc = WPOOL_EINVAL;
    void *job = (void *)(intptr_t)w->id;
    switch (w->how) {
    case 0:
        rc = wpool_submit(w->p, WPOOL_HIGH, count_job, job);
        break;
    case 1:
        rc = wpool_submit_timeout(w->p, WPOOL_HIGH, count_job, job, WPOOL_FOREVER);
        break;
    case 2: {
        wpool_task t = {count_job, NULL, job};
        rc = wpool_submit_task(w->p, WPOOL_HIGH, &t, WPOOL_FOREVER);
        break;
    }
    case 3:
        rc = wpool_submit_timeout(w->p, WPOOL_HIGH, count_job, job, 30 * SEC_NS);
        break;
    }
    atomic_store(&w->rc, rc);
    atomic_store(&w->returned, 1);
    return NULL;
}

static void backpressure(void) {
    enum { CAP = 4, TIMEOUT_MS = 100 };
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.max_temp_workers = 0;
    cfg.capacity[WPOOL_HIGH] = CAP;
    cfg.capacity[WPOOL_NORMAL] = CAP;
    cfg.capacity[WPOOL_LOW] = CAP;
    reset_runs();
    test_gate g;
    wpool *p = gated_pool(&cfg, WPOOL_LOW, &g);

    int id = 0;
    for (int i = 0; i < CAP; i++)
        CHECK_OK(wpool_try_submit(p, WPOOL_HIGH, count_job, (void *)(intptr_t)id++));
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.capacity[WPOOL_HIGH], CAP);
    CHECK_EQ(s.queued[WPOOL_HIGH], CAP);
    CHECK_EQ(sum3(s.rejected), 0);

    /* Rejections: the rejected ids (60..63) must never run. */
    CHECK_RC(wpool_try_submit(p, WPOOL_HIGH, count_job, (void *)(intptr_t)60), WPOOL_EFULL);
    CHECK_EQ(get_stats(p).rejected[WPOOL_HIGH], 1);

    uint64_t t0 = now_ns();
    CHECK_RC(
        wpool_submit_timeout(p, WPOOL_HIGH, count_job, (void *)(intptr_t)61, TIMEOUT_MS * MS_NS),
        WPOOL_ETIMEDOUT);
    uint64_t waited = now_ns() - t0;
    if (waited < TIMEOUT_MS * MS_NS * 95 / 100)
        fprintf(stderr, "submit_timeout(%d ms) gave up after %.3f ms\n", TIMEOUT_MS,
                (double)waited / 1e6);
    CHECK(waited >= TIMEOUT_MS * MS_NS * 95 / 100); /* a lower bound only */
    CHECK_EQ(get_stats(p).rejected[WPOOL_HIGH], 2);

    CHECK_RC(wpool_submit_timeout(p, WPOOL_HIGH, count_job, (void *)(intptr_t)62, 0), WPOOL_EFULL);
    wpool_task t = {count_job, NULL, (void *)(intptr_t)63};
    CHECK_RC(wpool_submit_task(p, WPOOL_HIGH, &t, 0), WPOOL_EFULL);
    t0 = now_ns();
    CHECK_RC(wpool_submit_task(p, WPOOL_HIGH, &t, 20 * MS_NS), WPOOL_ETIMEDOUT);
    CHECK(now_ns() - t0 >= 20 * MS_NS * 95 / 100);
    s = get_stats(p);
    CHECK_EQ(s.rejected[WPOOL_HIGH], 5);
    CHECK_EQ(s.rejected[WPOOL_NORMAL], 0);
    CHECK_EQ(s.rejected[WPOOL_LOW], 0);
    CHECK_EQ(s.submitted[WPOOL_HIGH], CAP);
    CHECK_EQ(s.queued[WPOOL_HIGH], CAP);

    /* Each level has its own ring: Normal still has room. */
    CHECK_OK(wpool_try_submit(p, WPOOL_NORMAL, count_job, (void *)(intptr_t)id++));
    CHECK_OK(wpool_submit_timeout(p, WPOOL_NORMAL, count_job, (void *)(intptr_t)id++, 0));
    CHECK_EQ(get_stats(p).queued[WPOOL_NORMAL], 2);

    /* Waiting submitters block until the gate opens (and the worker drains). */
    waiter w[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].p = p;
        w[i].how = i;
        w[i].id = id++;
        atomic_init(&w[i].returned, 0);
        atomic_init(&w[i].rc, 1);
        CHECK_EQ(pthread_create(&th[i], NULL, waiter_main, &w[i]), 0);
    }
    sleep_ms(200);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(atomic_load(&w[i].returned), 0);
    s = get_stats(p);
    CHECK_EQ(s.queued[WPOOL_HIGH], CAP);
    CHECK_EQ(s.rejected[WPOOL_HIGH], 5); /* waiting is not a rejection */
    CHECK_EQ(atomic_load(&g.left), 0);

    gate_open(&g);
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(pthread_join(th[i], NULL), 0);
        CHECK_RC(atomic_load(&w[i].rc), WPOOL_OK);
    }
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));

    for (int i = 0; i < id; i++)
        CHECK_EQ(atomic_load(&runs[i]), 1);
    for (int i = id; i < NJOBS; i++)
        CHECK_EQ(atomic_load(&runs[i]), 0);
    s = get_stats(p);
    CHECK_EQ(s.submitted[WPOOL_HIGH], CAP + 4);
    CHECK_EQ(s.completed[WPOOL_HIGH], CAP + 4);
    CHECK_EQ(s.rejected[WPOOL_HIGH], 5);
    CHECK_STATS_BALANCED(s);
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    wpool_destroy(p);
}

/* A capacity of 1 becomes 2, and the ring really holds 2 and refuses a 3rd. */
static void capacity_one(void) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 1;
    cfg.max_temp_workers = 0;
    cfg.capacity[WPOOL_HIGH] = 1;
    cfg.capacity[WPOOL_NORMAL] = 2;
    wpool *p = make_pool(&cfg);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.capacity[WPOOL_HIGH], 2);
    CHECK_EQ(s.capacity[WPOOL_NORMAL], 2);
    reset_runs();
    test_gate g;
    gate_init(&g);
    CHECK_OK(wpool_submit(p, WPOOL_LOW, gate_job, &g));
    WAIT_GATE_ENTERED(&g, 1);
    for (int i = 0; i < 2; i++)
        CHECK_OK(wpool_try_submit(p, WPOOL_HIGH, count_job, (void *)(intptr_t)i));
    CHECK_RC(wpool_try_submit(p, WPOOL_HIGH, count_job, (void *)(intptr_t)60), WPOOL_EFULL);
    CHECK_EQ(get_stats(p).queued[WPOOL_HIGH], 2);
    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_EQ(atomic_load(&runs[0]), 1);
    CHECK_EQ(atomic_load(&runs[1]), 1);
    CHECK_EQ(atomic_load(&runs[60]), 0);
    CHECK_STATS_BALANCED(get_stats(p));
    wpool_destroy(p);
}

static void capacity_rounding(void) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 1;
    cfg.max_temp_workers = 0;
    cfg.capacity[WPOOL_HIGH] = 5;
    cfg.capacity[WPOOL_NORMAL] = 3;
    cfg.capacity[WPOOL_LOW] = 0;
    wpool *p = make_pool(&cfg);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.capacity[WPOOL_HIGH], 8);
    CHECK_EQ(s.capacity[WPOOL_NORMAL], 4);
    CHECK_EQ(s.capacity[WPOOL_LOW], WPOOL_DEFAULT_CAPACITY);

    /* The rounded capacity is real: 8 High jobs fit, the 9th does not. */
    reset_runs();
    test_gate g;
    gate_init(&g);
    CHECK_OK(wpool_submit(p, WPOOL_LOW, gate_job, &g));
    WAIT_GATE_ENTERED(&g, 1);
    for (int i = 0; i < 8; i++)
        CHECK_OK(wpool_try_submit(p, WPOOL_HIGH, count_job, (void *)(intptr_t)i));
    CHECK_RC(wpool_try_submit(p, WPOOL_HIGH, count_job, (void *)(intptr_t)60), WPOOL_EFULL);
    for (int i = 8; i < 12; i++)
        CHECK_OK(wpool_try_submit(p, WPOOL_NORMAL, count_job, (void *)(intptr_t)i));
    CHECK_RC(wpool_try_submit(p, WPOOL_NORMAL, count_job, (void *)(intptr_t)61), WPOOL_EFULL);
    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    for (int i = 0; i < 12; i++)
        CHECK_EQ(atomic_load(&runs[i]), 1);
    CHECK_EQ(atomic_load(&runs[60]), 0);
    CHECK_EQ(atomic_load(&runs[61]), 0);
    s = get_stats(p);
    CHECK_EQ(s.rejected[WPOOL_HIGH], 1);
    CHECK_EQ(s.rejected[WPOOL_NORMAL], 1);
    CHECK_STATS_BALANCED(s);
    wpool_destroy(p);
}

/* Room that appears before a finite timeout: the wait succeeds. */
static void timeout_then_room(void) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.max_temp_workers = 0;
    cfg.capacity[WPOOL_HIGH] = 2;
    reset_runs();
    test_gate g;
    wpool *p = gated_pool(&cfg, WPOOL_LOW, &g);
    CHECK_OK(wpool_try_submit(p, WPOOL_HIGH, count_job, (void *)(intptr_t)0));
    CHECK_OK(wpool_try_submit(p, WPOOL_HIGH, count_job, (void *)(intptr_t)1));
    waiter w;
    memset(&w, 0, sizeof w);
    w.p = p;
    w.how = 3; /* submit_timeout(30 s) */
    w.id = 2;
    atomic_init(&w.returned, 0);
    atomic_init(&w.rc, 1);
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, waiter_main, &w), 0);
    sleep_ms(100);
    CHECK_EQ(atomic_load(&w.returned), 0);
    gate_open(&g);
    CHECK_EQ(pthread_join(th, NULL), 0);
    CHECK_RC(atomic_load(&w.rc), WPOOL_OK);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    for (int i = 0; i < 3; i++)
        CHECK_EQ(atomic_load(&runs[i]), 1);
    wpool_stats s = get_stats(p);
    CHECK_EQ(sum3(s.rejected), 0);
    CHECK_STATS_BALANCED(s);
    wpool_destroy(p);
}

int main(void) {
    test_watchdog("test_backpressure", 100);
    backpressure();
    capacity_rounding();
    capacity_one();
    timeout_then_room();
    test_summary("test_backpressure");
    return 0;
}
