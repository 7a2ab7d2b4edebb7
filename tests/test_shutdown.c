/*
 * test_shutdown: wpool_shutdown() and wpool_destroy().
 *
 * - intake stops at once (every submit variant returns WPOOL_ECLOSED while
 *   shutdown still waits), queued jobs all run, running ones are waited for,
 *   WPOOL_OK; calling it again returns WPOOL_OK; ECLOSED is not a rejection;
 * - submitters blocked waiting for room (submit, submit_timeout, submit_task,
 *   submit_batch) are released with WPOOL_ECLOSED, with no room appearing;
 * - a short timeout while a job blocks: WPOOL_ETIMEDOUT after (at least) the
 *   timeout, every queued job is discarded exactly once (discard callback
 *   called, run never), plain jobs and NULL-discard tasks are counted as
 *   discarded, and with a wpool_config.default_discard it is called for
 *   exactly those, once each; a second short shutdown still times out while the job runs;
 *   a later one returns WPOOL_OK once it returned;
 * - two threads shutting down at once both get WPOOL_OK;
 * - wpool_shutdown from inside a job (regular or temporary worker) returns
 *   WPOOL_EDEADLK and changes nothing; wpool_destroy from inside a job does
 *   nothing; the pool keeps working;
 * - wpool_destroy without wpool_shutdown runs everything queued first;
 * - shutting down an idle pool: WPOOL_OK even with timeout 0, then ECLOSED.
 * Invariant everywhere: each accepted job is run or discarded exactly once.
 */
#include "test_util.h"

#define MAXJ 4096
static atomic_int runs[MAXJ], discards[MAXJ], default_discards[MAXJ];

static void run_cb(void *a) {
    atomic_fetch_add(&runs[(intptr_t)a], 1);
}
static void discard_cb(void *a) {
    atomic_fetch_add(&discards[(intptr_t)a], 1);
}
static void default_discard_cb(void *a) {
    atomic_fetch_add(&default_discards[(intptr_t)a], 1);
}

static void reset(void) {
    for (int i = 0; i < MAXJ; i++) {
        atomic_store(&runs[i], 0);
        atomic_store(&discards[i], 0);
        atomic_store(&default_discards[i], 0);
    }
}

static int submit_tracked(wpool *p, wpool_priority prio, int id) {
    wpool_task t = {run_cb, discard_cb, (void *)(intptr_t)id};
    return wpool_submit_task(p, prio, &t, WPOOL_FOREVER);
}

/* Every way to submit, all expected to return `expected`; ids must never run. */
static void check_all_submits(wpool *p, int expected, int id) {
    void *a = (void *)(intptr_t)id;
    wpool_task t = {run_cb, discard_cb, a};
    wpool_task batch[2] = {t, t};
    size_t accepted = 99;
    for (int l = 0; l < 3; l++) {
        wpool_priority prio = (wpool_priority)l;
        CHECK_RC(wpool_submit(p, prio, run_cb, a), expected);
        CHECK_RC(wpool_try_submit(p, prio, run_cb, a), expected);
        CHECK_RC(wpool_submit_timeout(p, prio, run_cb, a, 0), expected);
        CHECK_RC(wpool_submit_timeout(p, prio, run_cb, a, 10 * MS_NS), expected);
        CHECK_RC(wpool_submit_timeout(p, prio, run_cb, a, WPOOL_FOREVER), expected);
        CHECK_RC(wpool_submit_task(p, prio, &t, 0), expected);
        CHECK_RC(wpool_submit_task(p, prio, &t, WPOOL_FOREVER), expected);
        CHECK_RC(wpool_submit_batch(p, prio, batch, 2, WPOOL_FOREVER, &accepted), expected);
        CHECK_EQ(accepted, 0);
    }
}

typedef struct shutdown_call {
    wpool *p;
    uint64_t timeout;
    atomic_int returned;
    atomic_int rc;
} shutdown_call;

static void *shutdown_main(void *arg) {
    shutdown_call *c = arg;
    int rc = wpool_shutdown(c->p, c->timeout);
    atomic_store(&c->rc, rc);
    atomic_store(&c->returned, 1);
    return NULL;
}

static void start_shutdown(pthread_t *t, shutdown_call *c, wpool *p, uint64_t timeout) {
    c->p = p;
    c->timeout = timeout;
    atomic_init(&c->returned, 0);
    atomic_init(&c->rc, 1);
    CHECK_EQ(pthread_create(t, NULL, shutdown_main, c), 0);
}

static int pool_closed(void *p) {
    return get_stats(p).closed != 0;
}

static void intake_stops_then_drains(unsigned workers) {
    enum { N = 30 };
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = workers;
    cfg.max_temp_workers = 1;
    wpool *p = make_pool(&cfg);
    reset();
    test_gate g;
    gate_init(&g);
    for (unsigned i = 0; i < workers; i++)
        CHECK_OK(wpool_submit(p, WPOOL_LOW, gate_job, &g));
    WAIT_GATE_ENTERED(&g, (int)workers);
    for (int id = 0; id < N; id++)
        CHECK_OK(submit_tracked(p, (wpool_priority)(1 + id % 2), id));

    pthread_t t1, t2;
    shutdown_call c1, c2;
    start_shutdown(&t1, &c1, p, WPOOL_FOREVER);
    CHECK(wait_until(pool_closed, p, 10000));
    check_all_submits(p, WPOOL_ECLOSED, 1000);
    start_shutdown(&t2, &c2, p, WPOOL_FOREVER); /* a concurrent second one */
    sleep_ms(100);
    CHECK_EQ(atomic_load(&c1.returned), 0); /* it waits for the running gate jobs */
    CHECK_EQ(atomic_load(&c2.returned), 0);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.queued[WPOOL_NORMAL] + s.queued[WPOOL_LOW], N);

    gate_open(&g);
    CHECK_EQ(pthread_join(t1, NULL), 0);
    CHECK_EQ(pthread_join(t2, NULL), 0);
    CHECK_RC(atomic_load(&c1.rc), WPOOL_OK);
    CHECK_RC(atomic_load(&c2.rc), WPOOL_OK);
    /* Everything ran before shutdown returned. */
    CHECK_EQ(atomic_load(&g.left), (int)workers);
    for (int id = 0; id < N; id++) {
        CHECK_EQ(atomic_load(&runs[id]), 1);
        CHECK_EQ(atomic_load(&discards[id]), 0);
    }
    CHECK_EQ(atomic_load(&runs[1000]), 0);
    CHECK_EQ(atomic_load(&discards[1000]), 0);
    s = get_stats(p);
    CHECK(s.closed);
    CHECK_EQ(sum3(s.submitted), N + workers);
    CHECK_EQ(sum3(s.completed), N + workers);
    CHECK_EQ(sum3(s.discarded), 0);
    CHECK_EQ(sum3(s.rejected), 0); /* ECLOSED is not a rejection */
    CHECK_STATS_BALANCED(s);
    CHECK_OK(wpool_shutdown(p, 0));
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    CHECK_OK(wpool_wait_idle(p, 0));
    check_all_submits(p, WPOOL_ECLOSED, 1001);
    wpool_destroy(p);
    CHECK_EQ(atomic_load(&runs[1001]), 0);
}

typedef struct blocked_submit {
    wpool *p;
    int how;
    int id;
    atomic_int returned;
    atomic_int rc;
} blocked_submit;

static void *blocked_submit_main(void *arg) {
    blocked_submit *b = arg;
    void *a = (void *)(intptr_t)b->id;
    wpool_task t = {run_cb, discard_cb, a};
    wpool_task batch[3] = {t, t, t};
    size_t accepted = 99;
    int rc = WPOOL_EINVAL;
    switch (b->how) {
    case 0:
        rc = wpool_submit(b->p, WPOOL_HIGH, run_cb, a);
        break;
    case 1:
        rc = wpool_submit_timeout(b->p, WPOOL_HIGH, run_cb, a, 60 * SEC_NS);
        break;
    case 2:
        rc = wpool_submit_task(b->p, WPOOL_HIGH, &t, WPOOL_FOREVER);
        break;
    case 3:
        rc = wpool_submit_batch(b->p, WPOOL_HIGH, batch, 3, WPOOL_FOREVER, &accepted);
        CHECK_EQ(accepted, 0);
        break;
    }
    atomic_store(&b->rc, rc);
    atomic_store(&b->returned, 1);
    return NULL;
}

static void blocked_submitters_released(void) {
    enum { NB = 4 };
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.max_temp_workers = 0;
    cfg.capacity[WPOOL_HIGH] = 2;
    reset();
    test_gate g;
    wpool *p = gated_pool(&cfg, WPOOL_LOW, &g);
    CHECK_OK(submit_tracked(p, WPOOL_HIGH, 0));
    CHECK_OK(submit_tracked(p, WPOOL_HIGH, 1));

    blocked_submit b[NB];
    pthread_t th[NB];
    for (int i = 0; i < NB; i++) {
        b[i].p = p;
        b[i].how = i;
        b[i].id = 10 + i;
        atomic_init(&b[i].returned, 0);
        atomic_init(&b[i].rc, 1);
        CHECK_EQ(pthread_create(&th[i], NULL, blocked_submit_main, &b[i]), 0);
    }
    sleep_ms(150);
    for (int i = 0; i < NB; i++)
        CHECK_EQ(atomic_load(&b[i].returned), 0);

    pthread_t st;
    shutdown_call c;
    start_shutdown(&st, &c, p, WPOOL_FOREVER);
    /* Released although the queue is still full and the gate closed. */
    for (int i = 0; i < NB; i++) {
        CHECK_EVENTUALLY(atomic_load(&b[i].returned), 10000);
        CHECK_RC(atomic_load(&b[i].rc), WPOOL_ECLOSED);
        CHECK_EQ(pthread_join(th[i], NULL), 0);
    }
    CHECK_EQ(atomic_load(&g.left), 0);
    CHECK_EQ(atomic_load(&c.returned), 0);
    gate_open(&g);
    CHECK_EQ(pthread_join(st, NULL), 0);
    CHECK_RC(atomic_load(&c.rc), WPOOL_OK);
    CHECK_EQ(atomic_load(&runs[0]), 1);
    CHECK_EQ(atomic_load(&runs[1]), 1);
    for (int i = 0; i < NB; i++) {
        CHECK_EQ(atomic_load(&runs[10 + i]), 0);
        CHECK_EQ(atomic_load(&discards[10 + i]), 0);
    }
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.submitted[WPOOL_HIGH], 2);
    CHECK_STATS_BALANCED(s);
    wpool_destroy(p);
}

/* with_default: the pool has a default_discard, which gets exactly the jobs
 * submitted without a discard callback of their own. */
static void timeout_discards(int with_default) {
    enum { NT = 20, NPLAIN = 5, NNULL = 2, TIMEOUT_MS = 100 };
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.max_temp_workers = 0;
    if (with_default) cfg.default_discard = default_discard_cb;
    reset();
    test_gate g;
    wpool *p = gated_pool(&cfg, WPOOL_NORMAL, &g);
    int id = 0;
    uint64_t per_level[3] = {0, 0, 0};
    for (int i = 0; i < NT; i++, id++) {
        CHECK_OK(submit_tracked(p, (wpool_priority)(id % 3), id));
        per_level[id % 3]++;
    }
    for (int i = 0; i < NPLAIN; i++, id++) {
        CHECK_OK(wpool_submit(p, (wpool_priority)(id % 3), run_cb, (void *)(intptr_t)id));
        per_level[id % 3]++;
    }
    for (int i = 0; i < NNULL; i++, id++) {
        wpool_task t = {run_cb, NULL, (void *)(intptr_t)id};
        CHECK_OK(wpool_submit_task(p, (wpool_priority)(id % 3), &t, 0));
        per_level[id % 3]++;
    }

    uint64_t t0 = now_ns();
    CHECK_RC(wpool_shutdown(p, TIMEOUT_MS * MS_NS), WPOOL_ETIMEDOUT);
    CHECK(now_ns() - t0 >= TIMEOUT_MS * MS_NS * 95 / 100);
    check_all_submits(p, WPOOL_ECLOSED, 1000);
    /* The gate job still runs: another short shutdown times out too. */
    CHECK_RC(wpool_shutdown(p, 20 * MS_NS), WPOOL_ETIMEDOUT);
    CHECK_EQ(atomic_load(&g.left), 0);
    gate_open(&g);
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    CHECK_EQ(atomic_load(&g.left), 1);

    for (int i = 0; i < id; i++) {
        if (atomic_load(&runs[i]) != 0) fprintf(stderr, "discarded job %d ran\n", i);
        CHECK_EQ(atomic_load(&runs[i]), 0);
        CHECK_EQ(atomic_load(&discards[i]), i < NT ? 1 : 0);
        CHECK_EQ(atomic_load(&default_discards[i]), i >= NT && with_default ? 1 : 0);
    }
    CHECK_EQ(atomic_load(&runs[1000]) + atomic_load(&discards[1000]), 0);
    wpool_stats s = get_stats(p);
    for (int l = 0; l < 3; l++) {
        CHECK_EQ(s.discarded[l], per_level[l]);
        CHECK_EQ(s.submitted[l], per_level[l] + (l == WPOOL_NORMAL));
    }
    CHECK_EQ(sum3(s.completed), 1);
    CHECK_STATS_BALANCED(s);
    CHECK_OK(wpool_shutdown(p, 0));
    wpool_destroy(p);
}

/* --- from inside a job ------------------------------------------------------ */

typedef struct inside {
    wpool *p;
    atomic_int rc_now, rc_forever, rc_wait;
    atomic_int done;
} inside;

static void inside_job(void *arg) {
    inside *in = arg;
    atomic_store(&in->rc_now, wpool_shutdown(in->p, 0));
    atomic_store(&in->rc_forever, wpool_shutdown(in->p, WPOOL_FOREVER));
    atomic_store(&in->rc_wait, wpool_wait_idle(in->p, WPOOL_FOREVER));
    wpool_destroy(in->p); /* a programming error: detected, does nothing */
    atomic_store(&in->done, 1);
}

static void inside_init(inside *in, wpool *p) {
    in->p = p;
    atomic_init(&in->rc_now, 1);
    atomic_init(&in->rc_forever, 1);
    atomic_init(&in->rc_wait, 1);
    atomic_init(&in->done, 0);
}

static void check_inside(inside *in) {
    CHECK_EVENTUALLY(atomic_load(&in->done), 10000);
    CHECK_RC(atomic_load(&in->rc_now), WPOOL_EDEADLK);
    CHECK_RC(atomic_load(&in->rc_forever), WPOOL_EDEADLK);
    CHECK_RC(atomic_load(&in->rc_wait), WPOOL_EDEADLK);
}

static void shutdown_from_inside(void) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 1;
    cfg.max_temp_workers = 1;
    wpool *p = make_pool(&cfg);
    reset();
    fprintf(stderr, "(test_shutdown: two wpool_destroy-from-a-job errors expected below)\n");

    inside a; /* on the regular worker */
    inside_init(&a, p);
    CHECK_OK(wpool_submit(p, WPOOL_NORMAL, inside_job, &a));
    check_inside(&a);

    inside b; /* on a temporary worker */
    inside_init(&b, p);
    test_gate g;
    gate_init(&g);
    CHECK_OK(wpool_submit(p, WPOOL_LOW, gate_job, &g));
    WAIT_GATE_ENTERED(&g, 1);
    CHECK_OK(wpool_submit(p, WPOOL_HIGH, inside_job, &b));
    check_inside(&b);
    CHECK_EQ(get_stats(p).temp_spawned, 1);
    gate_open(&g);

    /* Nothing changed: the pool is open and works. */
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.closed, 0);
    for (int i = 0; i < 100; i++)
        CHECK_OK(submit_tracked(p, (wpool_priority)(i % 3), i));
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    for (int i = 0; i < 100; i++)
        CHECK_EQ(atomic_load(&runs[i]), 1);
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    s = get_stats(p);
    CHECK_EQ(sum3(s.completed), 103);
    CHECK_STATS_BALANCED(s);
    wpool_destroy(p);
}

static void slow_run_cb(void *a) {
    intptr_t id = (intptr_t)a;
    if (id % 100 == 0) sleep_ms(20);
    atomic_fetch_add(&runs[id], 1);
}

static void destroy_without_shutdown(void) {
    enum { N = 2000 };
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 2;
    cfg.max_temp_workers = 2;
    wpool *p = make_pool(&cfg);
    reset();
    for (int i = 0; i < N; i++)
        CHECK_OK(wpool_submit(p, (wpool_priority)(i % 3), slow_run_cb, (void *)(intptr_t)i));
    wpool_destroy(p);
    for (int i = 0; i < N; i++)
        CHECK_EQ(atomic_load(&runs[i]), 1);
}

static void idle_pool_shutdown(void) {
    wpool *p = make_pool(NULL);
    reset();
    CHECK_OK(wpool_submit(p, WPOOL_HIGH, run_cb, (void *)(intptr_t)0));
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_EQ(get_stats(p).closed, 0);
    CHECK_OK(wpool_shutdown(p, 0)); /* nothing queued or running */
    CHECK_OK(wpool_shutdown(p, 0));
    check_all_submits(p, WPOOL_ECLOSED, 1);
    wpool_stats s = get_stats(p);
    CHECK(s.closed);
    CHECK_EQ(sum3(s.submitted), 1);
    CHECK_STATS_BALANCED(s);
    CHECK_OK(wpool_wait_idle(p, 0));
    wpool_destroy(p);
    CHECK_EQ(atomic_load(&runs[0]), 1);
    CHECK_EQ(atomic_load(&runs[1]), 0);
}

int main(void) {
    test_watchdog("test_shutdown", 100);
    intake_stops_then_drains(1);
    intake_stops_then_drains(2);
    blocked_submitters_released();
    timeout_discards(0);
    timeout_discards(1);
    shutdown_from_inside();
    destroy_without_shutdown();
    idle_pool_shutdown();
    test_summary("test_shutdown");
    return 0;
}
