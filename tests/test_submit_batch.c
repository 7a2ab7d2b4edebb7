/*
 * test_submit_batch: the contract of wpool_submit_batch, with one worker held
 * in a gate so that what a batch queues stays queued until the test looks.
 *
 * - FIFO order kept within a batch and across batches; *accepted set, also
 *   for an empty batch; a NULL accepted pointer allowed;
 * - EFULL / ETIMEDOUT after a partial batch: the first ones queued (and run,
 *   High before Low, each in order), the rest never called; ETIMEDOUT after at
 *   least the timeout with nothing accepted on a full ring;
 * - ECLOSED after shutdown, nothing accepted;
 * - a batch larger than its ring waits for room (WPOOL_FOREVER) and keeps
 *   its order.
 *
 * (Split from test_extras.c; test_batch.c covers a large backlog submitted in
 * one batch with two workers.)
 */
#include "test_util.h"

#define MAXJ 1024
static atomic_int runs[MAXJ];
static atomic_int order_n;
static atomic_int order[MAXJ];

static void reset(void) {
    atomic_store(&order_n, 0);
    for (int i = 0; i < MAXJ; i++) {
        atomic_store(&runs[i], 0);
        atomic_store(&order[i], -1);
    }
}

static void rec_job(void *a) {
    int id = (int)(intptr_t)a;
    atomic_fetch_add(&runs[id], 1);
    int i = atomic_fetch_add(&order_n, 1);
    CHECK(i < MAXJ);
    atomic_store(&order[i], id);
}

/* One worker, held in g (gate job at prio); no temporary workers; rings of
 * cap. */
static wpool *small_gated_pool(uint32_t cap, wpool_priority prio, test_gate *g) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.max_temp_workers = 0;
    for (int l = 0; l < 3; l++)
        cfg.capacity[l] = cap;
    return gated_pool(&cfg, prio, g);
}

/* --- batch ------------------------------------------------------------------ */

static void batch(void) {
    enum { N = 50, CAP = 8 };
    wpool_task tasks[64];
    size_t accepted;

    /* Order kept within a batch and across batches. */
    reset();
    test_gate g;
    wpool *p = small_gated_pool(64, WPOOL_HIGH, &g);
    for (int i = 0; i < N; i++)
        tasks[i] = (wpool_task){rec_job, NULL, (void *)(intptr_t)i};
    accepted = 999;
    CHECK_OK(wpool_submit_batch(p, WPOOL_NORMAL, tasks, 30, 0, &accepted));
    CHECK_EQ(accepted, 30);
    CHECK_OK(wpool_submit_batch(p, WPOOL_NORMAL, tasks + 30, N - 30, WPOOL_FOREVER, NULL));
    accepted = 999;
    CHECK_OK(wpool_submit_batch(p, WPOOL_NORMAL, tasks, 0, 0, &accepted)); /* empty */
    CHECK_EQ(accepted, 0);
    CHECK_EQ(get_stats(p).queued[WPOOL_NORMAL], N);
    CHECK_EQ(get_stats(p).submitted[WPOOL_NORMAL], N);
    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_EQ(atomic_load(&order_n), N);
    for (int i = 0; i < N; i++)
        CHECK_EQ(atomic_load(&order[i]), i);
    wpool_destroy(p);

    /* EFULL: the first CAP are queued, the rest never called. */
    reset();
    p = small_gated_pool(CAP, WPOOL_NORMAL, &g);
    for (int i = 0; i < 12; i++)
        tasks[i] = (wpool_task){rec_job, NULL, (void *)(intptr_t)i};
    accepted = 999;
    CHECK_RC(wpool_submit_batch(p, WPOOL_LOW, tasks, 12, 0, &accepted), WPOOL_EFULL);
    CHECK_EQ(accepted, CAP);
    CHECK_EQ(get_stats(p).queued[WPOOL_LOW], CAP);
    CHECK(get_stats(p).rejected[WPOOL_LOW] >= 1);
    /* ETIMEDOUT on a full ring, nothing more accepted. */
    for (int i = 0; i < 4; i++)
        tasks[i] = (wpool_task){rec_job, NULL, (void *)(intptr_t)(100 + i)};
    accepted = 999;
    uint64_t t0 = now_ns();
    CHECK_RC(wpool_submit_batch(p, WPOOL_LOW, tasks, 4, 50 * MS_NS, &accepted), WPOOL_ETIMEDOUT);
    CHECK(now_ns() - t0 >= 50 * MS_NS * 95 / 100);
    CHECK_EQ(accepted, 0);
    /* ETIMEDOUT part-way: High ring has room for CAP. */
    for (int i = 0; i < 10; i++)
        tasks[i] = (wpool_task){rec_job, NULL, (void *)(intptr_t)(200 + i)};
    accepted = 999;
    CHECK_RC(wpool_submit_batch(p, WPOOL_HIGH, tasks, 10, 20 * MS_NS, &accepted), WPOOL_ETIMEDOUT);
    CHECK_EQ(accepted, CAP);
    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    for (int i = 0; i < 12; i++)
        CHECK_EQ(atomic_load(&runs[i]), i < CAP ? 1 : 0);
    for (int i = 100; i < 104; i++)
        CHECK_EQ(atomic_load(&runs[i]), 0);
    for (int i = 200; i < 210; i++)
        CHECK_EQ(atomic_load(&runs[i]), i < 200 + CAP ? 1 : 0);
    /* High before Low, each in order. */
    for (int i = 0; i < CAP; i++)
        CHECK_EQ(atomic_load(&order[i]), 200 + i);
    for (int i = 0; i < CAP; i++)
        CHECK_EQ(atomic_load(&order[CAP + i]), i);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.submitted[WPOOL_LOW], CAP);
    CHECK_EQ(s.submitted[WPOOL_HIGH], CAP);
    CHECK_STATS_BALANCED(s);

    /* After shutdown: ECLOSED, nothing accepted. */
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    accepted = 999;
    CHECK_RC(wpool_submit_batch(p, WPOOL_LOW, tasks, 3, WPOOL_FOREVER, &accepted), WPOOL_ECLOSED);
    CHECK_EQ(accepted, 0);
    wpool_destroy(p);
}

typedef struct batch_waiter {
    wpool *p;
    wpool_task *tasks;
    size_t n, accepted;
    atomic_int returned, rc;
} batch_waiter;

static void *batch_waiter_main(void *a) {
    batch_waiter *bw = a;
    int rc =
        wpool_submit_batch(bw->p, WPOOL_NORMAL, bw->tasks, bw->n, WPOOL_FOREVER, &bw->accepted);
    atomic_store(&bw->rc, rc);
    atomic_store(&bw->returned, 1);
    return NULL;
}

/* A batch larger than the ring waits for room (WPOOL_FOREVER), keeps order. */
static void batch_waits_for_room(void) {
    enum { N = 40 };
    reset();
    test_gate g;
    wpool *p = small_gated_pool(4, WPOOL_HIGH, &g);
    wpool_task tasks[N];
    for (int i = 0; i < N; i++)
        tasks[i] = (wpool_task){rec_job, NULL, (void *)(intptr_t)i};
    batch_waiter bw = {.p = p, .tasks = tasks, .n = N, .accepted = 999};
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, batch_waiter_main, &bw), 0);
    sleep_ms(100);
    CHECK_EQ(atomic_load(&bw.returned), 0);
    CHECK_EQ(get_stats(p).queued[WPOOL_NORMAL], 4);
    gate_open(&g);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_RC(atomic_load(&bw.rc), WPOOL_OK);
    CHECK_EQ(bw.accepted, N);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_EQ(atomic_load(&order_n), N);
    for (int i = 0; i < N; i++)
        CHECK_EQ(atomic_load(&order[i]), i);
    wpool_destroy(p);
}

int main(void) {
    test_watchdog("test_submit_batch", 100);
    batch();
    batch_waits_for_room();
    test_summary("test_submit_batch");
    return 0;
}
