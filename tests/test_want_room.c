/*
 * test_want_room: room notices for submitters that cannot block
 * (wpool_want_room() and wpool_config.on_room).
 *
 * - Without on_room: WPOOL_EINVAL; bad arguments: WPOOL_EINVAL.
 * - A full Low queue (its one worker held): wpool_want_room returns
 *   WPOOL_OK and no call comes while the queue stays full; once the worker
 *   drains three quarters of it, on_room(ctx, WPOOL_LOW) comes (from a
 *   worker thread), and a try succeeds. With room already there it returns 1.
 * - Shutdown calls on_room for every priority; afterwards wpool_want_room
 *   returns WPOOL_ECLOSED.
 * - Room made by cancelled jobs: a full queue whose jobs are all cancelled
 *   is freed when the worker passes their slots, and that pass calls
 *   on_room too, though it finds no job to take (it did not, at first: the
 *   notice waited for the next job of that priority to be taken).
 * - No lost notice: producers that never block (try; when full, ask, try
 *   once more, then sleep until the notice they asked for moves a counter,
 *   with no timeout) push 200,000 jobs through an 8-slot queue, alongside
 *   blocking producers; every job runs exactly once and nobody hangs (the
 *   watchdog).
 */
#include "test_util.h"

typedef struct notices {
    atomic_int calls[3];
    atomic_int from_pool_thread;
    wpool *p;
} notices;

static void count_notice(void *ctx, wpool_priority prio) {
    notices *n = ctx;
    if (n->p && wpool_in_pool(n->p)) atomic_fetch_add(&n->from_pool_thread, 1);
    atomic_fetch_add(&n->calls[prio], 1);
}

static void noop(void *arg) {
    (void)arg;
}

static void arguments(void) {
    wpool *p = make_pool(NULL);
    CHECK_RC(wpool_want_room(p, WPOOL_LOW), WPOOL_EINVAL); /* no on_room */
    wpool_destroy(p);
    notices n;
    memset(&n, 0, sizeof n);
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.on_room = count_notice;
    cfg.room_ctx = &n;
    p = make_pool(&cfg);
    CHECK_RC(wpool_want_room(NULL, WPOOL_LOW), WPOOL_EINVAL);
    CHECK_RC(wpool_want_room(p, (wpool_priority)3), WPOOL_EINVAL);
    CHECK_RC(wpool_want_room(p, WPOOL_HIGH), 1); /* empty: the room is there */
    wpool_destroy(p);
}

static void notice_when_drained(void) {
    notices n;
    memset(&n, 0, sizeof n);
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.capacity[WPOOL_LOW] = 8;
    cfg.on_room = count_notice;
    cfg.room_ctx = &n;
    test_gate g;
    wpool *p = gated_pool(&cfg, WPOOL_NORMAL, &g);
    n.p = p;
    int queued = 0;
    while (wpool_try_submit(p, WPOOL_LOW, noop, NULL) == WPOOL_OK)
        queued++;
    CHECK_EQ(queued, 8);
    CHECK_RC(wpool_try_submit(p, WPOOL_LOW, noop, NULL), WPOOL_EFULL);
    CHECK_OK(wpool_want_room(p, WPOOL_LOW));
    sleep_ms(20);
    CHECK_EQ(atomic_load(&n.calls[WPOOL_LOW]), 0); /* still full */
    gate_open(&g);
    CHECK_EVENTUALLY(atomic_load(&n.calls[WPOOL_LOW]) >= 1, 10000);
    CHECK(atomic_load(&n.from_pool_thread) >= 1);
    CHECK_EQ(atomic_load(&n.calls[WPOOL_HIGH]), 0);
    CHECK_EQ(atomic_load(&n.calls[WPOOL_NORMAL]), 0);
    CHECK_OK(wpool_try_submit(p, WPOOL_LOW, noop, NULL));
    CHECK_OK(wpool_wait_idle(p, 10 * SEC_NS));
    /* Not asked again: draining a queue makes no call. */
    int calls = atomic_load(&n.calls[WPOOL_LOW]);
    for (int i = 0; i < 8; i++)
        CHECK_OK(wpool_try_submit(p, WPOOL_LOW, noop, NULL));
    CHECK_OK(wpool_wait_idle(p, 10 * SEC_NS));
    CHECK_EQ(atomic_load(&n.calls[WPOOL_LOW]), calls);

    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    for (int prio = 0; prio < WPOOL_PRIORITIES; prio++)
        CHECK(atomic_load(&n.calls[prio]) >= 1);
    CHECK_RC(wpool_want_room(p, WPOOL_LOW), WPOOL_ECLOSED);
    wpool_destroy(p);
}

static void notice_after_cancels(void) {
    notices n;
    memset(&n, 0, sizeof n);
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.capacity[WPOOL_LOW] = 8;
    cfg.on_room = count_notice;
    cfg.room_ctx = &n;
    test_gate g;
    wpool *p = gated_pool(&cfg, WPOOL_NORMAL, &g);
    n.p = p;
    wpool_task t = {noop, NULL, NULL};
    wpool_ticket tickets[8];
    for (int i = 0; i < 8; i++)
        CHECK_OK(wpool_submit_job(p, WPOOL_LOW, &t, NULL, 0, &tickets[i]));
    CHECK_RC(wpool_try_submit(p, WPOOL_LOW, noop, NULL), WPOOL_EFULL);
    CHECK_OK(wpool_want_room(p, WPOOL_LOW));
    for (int i = 0; i < 8; i++)
        CHECK_OK(wpool_cancel(p, tickets[i]));
    /* The slots are freed as the worker passes them, not by the cancels. */
    CHECK_RC(wpool_try_submit(p, WPOOL_LOW, noop, NULL), WPOOL_EFULL);
    CHECK_EQ(atomic_load(&n.calls[WPOOL_LOW]), 0);
    gate_open(&g);
    CHECK_EVENTUALLY(atomic_load(&n.calls[WPOOL_LOW]) >= 1, 10000);
    CHECK_OK(wpool_try_submit(p, WPOOL_LOW, noop, NULL));
    CHECK_OK(wpool_wait_idle(p, 10 * SEC_NS));
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.cancelled[WPOOL_LOW], 8);
    CHECK_EQ(s.completed[WPOOL_LOW], 1);
    wpool_destroy(p);
}

/* --- No lost notice ------------------------------------------------------ */

#define JOBS_PER_PRODUCER 50000
#define ASYNC_PRODUCERS   3

static atomic_uint_fast64_t ran;
static atomic_uint epoch; /* moved by every notice */

static void epoch_notice(void *ctx, wpool_priority prio) {
    (void)ctx;
    (void)prio;
    atomic_fetch_add(&epoch, 1);
}

static void count_job(void *arg) {
    (void)arg;
    atomic_fetch_add(&ran, 1);
}

static void *async_producer(void *arg) {
    wpool *p = arg;
    for (int i = 0; i < JOBS_PER_PRODUCER; i++) {
        for (;;) {
            unsigned seen = atomic_load(&epoch);
            int rc = wpool_try_submit(p, WPOOL_LOW, count_job, NULL);
            if (rc == WPOOL_OK) break;
            CHECK_RC(rc, WPOOL_EFULL);
            rc = wpool_want_room(p, WPOOL_LOW);
            CHECK(rc == WPOOL_OK || rc == 1);
            if (rc == 1) continue;
            if (wpool_try_submit(p, WPOOL_LOW, count_job, NULL) == WPOOL_OK) break;
            /* No timeout: a lost notice hangs here (the watchdog). */
            while (atomic_load(&epoch) == seen)
                sleep_us(20);
        }
    }
    return NULL;
}

static void *blocking_producer(void *arg) {
    for (int i = 0; i < JOBS_PER_PRODUCER; i++)
        CHECK_OK(wpool_submit(arg, WPOOL_LOW, count_job, NULL));
    return NULL;
}

static void no_lost_notice(void) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 2;
    cfg.capacity[WPOOL_LOW] = 8;
    cfg.on_room = epoch_notice;
    wpool *p = make_pool(&cfg);
    pthread_t t[ASYNC_PRODUCERS + 1];
    for (int i = 0; i < ASYNC_PRODUCERS; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, async_producer, p), 0);
    CHECK_EQ(pthread_create(&t[ASYNC_PRODUCERS], NULL, blocking_producer, p), 0);
    for (int i = 0; i <= ASYNC_PRODUCERS; i++)
        CHECK_EQ(pthread_join(t[i], NULL), 0);
    CHECK_OK(wpool_wait_idle(p, 30 * SEC_NS));
    uint64_t total = (uint64_t)(ASYNC_PRODUCERS + 1) * JOBS_PER_PRODUCER;
    CHECK_EQ(atomic_load(&ran), total);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.completed[WPOOL_LOW], total);
    printf("no lost notice: %llu jobs through 8 slots, %u notices\n", (unsigned long long)total,
           atomic_load(&epoch));
    wpool_destroy(p);
}

int main(void) {
    test_watchdog("test_want_room", 120);
    arguments();
    notice_when_drained();
    notice_after_cancels();
    no_lost_notice();
    test_summary("test_want_room");
    return 0;
}
