/*
 * test_resize: wpool_set_workers() and wpool_set_max_temp_workers().
 *
 * - grow: stats.workers and workers_target follow at once; the new workers
 *   start (start hooks) and run jobs concurrently (a barrier that needs every
 *   worker at once);
 * - shrink while idle: returns at once (target), the highest-numbered
 *   workers exit (their stop hooks run, stats.workers follows); the rest
 *   still runs jobs;
 * - shrink below the busy count: the running jobs are not interrupted (no
 *   stop hook, workers unchanged while they run), queued work still runs,
 *   then the surplus workers exit;
 * - grow again after a shrink: the exited workers start again (start hooks
 *   counted per index) and run concurrently;
 * - past 64 threads (a second word of the sleep masks, added at runtime):
 *   70 regular workers, then 66 temporary ones, all run at once;
 * - wpool_destroy right after a shrink or a grow: start and stop hooks
 *   balance (every thread joined);
 * - from inside a job: shrink below the job's own worker (it exits after the
 *   job), grow, shrink then grow back within one job; set_workers(0): one per
 *   online CPU;
 * - EINVAL (NULL pool, > WPOOL_MAX_WORKERS: nothing changes), ECLOSED after
 *   shutdown began (also while a shutdown waits, also from a job), and no job
 *   lost: everything queued before the shutdown runs; set_workers racing a
 *   shutdown: OK or ECLOSED, no hang, every start hook matched by a stop hook
 *   after destroy;
 * - set_max_temp_workers: raising lets more temporary workers serve High work
 *   (stats.max_temp_workers follows); lowering retires idle surplus ones at
 *   once and busy ones after their job (stats.temp_workers goes down); 0: no
 *   temporary worker starts; raising from 0 on a pool created with
 *   max_temp_workers = 0 (no spawner): temporary workers serve High work.
 */
#include "test_jobs.h"

static wpool *hooked_pool(unsigned workers, unsigned max_temp, test_hooks *h) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = workers;
    cfg.max_temp_workers = max_temp;
    cfg.temp_spares = 0;
    cfg.thread_name = "rs";
    hooks_config(&cfg, h);
    return make_pool(&cfg);
}

static int reg_stops(test_hooks *h, unsigned index) {
    return atomic_load(&h->reg_stops[index]);
}
static int reg_starts(test_hooks *h, unsigned index) {
    return atomic_load(&h->reg_starts[index]);
}

static void noop_job(void *arg) {
    (void)arg;
}

static void grow(void) {
    test_hooks h;
    wpool *p = hooked_pool(1, 0, &h);
    CHECK_EVENTUALLY(atomic_load(&h.starts[0]) == 1, 10000);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.workers, 1);
    CHECK_EQ(s.workers_target, 1);

    CHECK_OK(wpool_set_workers(p, 4));
    s = get_stats(p);
    CHECK_EQ(s.workers_target, 4);
    CHECK_EQ(s.workers, 4);
    CHECK_EVENTUALLY(atomic_load(&h.starts[0]) == 4, 10000);
    for (unsigned i = 0; i < 4; i++)
        CHECK_EQ(reg_starts(&h, i), 1);
    run_barrier(p, WPOOL_NORMAL, 4);
    run_barrier(p, WPOOL_LOW, 4);
    CHECK_OK(wpool_set_workers(p, 4)); /* same size: nothing happens */
    CHECK_EQ(atomic_load(&h.starts[0]), 4);
    CHECK_EQ(atomic_load(&h.stops[0]), 0);
    wpool_destroy(p);
    CHECK_EQ(atomic_load(&h.stops[0]), 4);
}

static void shrink_idle_then_grow(void) {
    test_hooks h;
    wpool *p = hooked_pool(4, 0, &h);
    CHECK_EVENTUALLY(atomic_load(&h.starts[0]) == 4, 10000);
    CHECK_OK(wpool_set_workers(p, 1));
    CHECK_EQ(get_stats(p).workers_target, 1);
    CHECK_EVENTUALLY(atomic_load(&h.stops[0]) == 3, 10000);
    CHECK_EQ(reg_stops(&h, 0), 0);
    for (unsigned i = 1; i < 4; i++)
        CHECK_EQ(reg_stops(&h, i), 1);
    CHECK_EVENTUALLY(get_stats(p).workers == 1, 10000);
    /* The one left runs the work. */
    for (int i = 0; i < 20; i++)
        CHECK_OK(wpool_submit(p, (wpool_priority)(i % 3), noop_job, NULL));
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    wpool_stats s = get_stats(p);
    CHECK_EQ(sum3(s.completed), 20);
    CHECK_EQ(s.workers, 1);
    CHECK_EQ(s.workers_target, 1);

    /* Grow again: the exited workers are joined and started afresh. */
    CHECK_OK(wpool_set_workers(p, 3));
    s = get_stats(p);
    CHECK_EQ(s.workers, 3);
    CHECK_EQ(s.workers_target, 3);
    CHECK_EVENTUALLY(atomic_load(&h.starts[0]) == 6, 10000);
    CHECK_EQ(reg_starts(&h, 0), 1);
    CHECK_EQ(reg_starts(&h, 1), 2);
    CHECK_EQ(reg_starts(&h, 2), 2);
    CHECK_EQ(reg_starts(&h, 3), 1);
    run_barrier(p, WPOOL_NORMAL, 3);
    /* Shrink and grow in quick succession, idle: a defined end state. */
    for (unsigned n = 1; n <= 6; n++) {
        CHECK_OK(wpool_set_workers(p, n % 2 ? 1 : n));
        CHECK_EQ(get_stats(p).workers_target, n % 2 ? 1 : n);
    }
    CHECK_EVENTUALLY(get_stats(p).workers == 6, 10000);
    run_barrier(p, WPOOL_LOW, 6);
    wpool_destroy(p);
    CHECK_EQ(atomic_load(&h.starts[0]), atomic_load(&h.stops[0]));
}

static void shrink_below_busy(void) {
    enum { Q = 12 };
    test_hooks h;
    wpool *p = hooked_pool(3, 0, &h);
    test_gate g;
    gate_init(&g);
    for (int i = 0; i < 3; i++)
        CHECK_OK(wpool_submit(p, WPOOL_LOW, gate_job, &g));
    WAIT_GATE_ENTERED(&g, 3);
    tjob q[Q];
    for (int i = 0; i < Q; i++) {
        tjob_init(&q[i], p, NULL);
        CHECK_OK(submit_tjob(p, (wpool_priority)(i % 3), &q[i], 0, WPOOL_FOREVER));
    }
    uint64_t t0 = now_ns();
    CHECK_OK(wpool_set_workers(p, 1)); /* returns at once: does not wait for the jobs */
    CHECK(now_ns() - t0 < 5 * SEC_NS);
    sleep_ms(50);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.workers_target, 1);
    CHECK_EQ(s.workers, 3);
    CHECK_EQ(s.busy_workers, 3);
    CHECK_EQ(atomic_load(&h.stops[0]), 0);
    CHECK_EQ(atomic_load(&g.left), 0);
    for (int i = 0; i < Q; i++)
        CHECK_UNTOUCHED(&q[i]);

    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_EQ(atomic_load(&g.left), 3);
    for (int i = 0; i < Q; i++)
        CHECK_RAN(&q[i]);
    CHECK_EVENTUALLY(atomic_load(&h.stops[0]) == 2, 10000);
    CHECK_EQ(reg_stops(&h, 1), 1);
    CHECK_EQ(reg_stops(&h, 2), 1);
    CHECK_EVENTUALLY(get_stats(p).workers == 1, 10000);
    s = get_stats(p);
    CHECK_EQ(s.completed[WPOOL_LOW], 3 + Q / 3);
    CHECK_LIFECYCLE_BALANCED(s);

    /* Grow back. */
    CHECK_OK(wpool_set_workers(p, 3));
    CHECK_EQ(get_stats(p).workers, 3);
    run_barrier(p, WPOOL_NORMAL, 3);
    CHECK_EQ(reg_starts(&h, 1), 2);
    CHECK_EQ(reg_starts(&h, 2), 2);
    wpool_destroy(p);
    CHECK_EQ(atomic_load(&h.starts[0]), atomic_load(&h.stops[0]));
}

/* Growing past 64 threads adds a word to the sleep masks at runtime: the
 * workers (and temporary workers) past it are woken like the others. */
static void across_mask_words(void) {
    test_hooks h;
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 60;
    cfg.max_temp_workers = 2;
    cfg.temp_spares = 0;
    hooks_config(&cfg, &h);
    wpool *p = make_pool(&cfg);
    CHECK_OK(wpool_set_workers(p, 70));
    CHECK_EQ(get_stats(p).workers, 70);
    CHECK_EVENTUALLY(atomic_load(&h.starts[0]) == 70, 10000);
    sleep_ms(20); /* let them park */
    run_barrier(p, WPOOL_NORMAL, 70);
    CHECK_OK(wpool_set_workers(p, 1));
    CHECK_EVENTUALLY(atomic_load(&h.stops[0]) == 69, 10000);
    CHECK_EQ(reg_stops(&h, 0), 0);
    CHECK_EQ(reg_stops(&h, 69), 1);
    CHECK_OK(wpool_set_workers(p, 66));
    sleep_ms(20);
    run_barrier(p, WPOOL_LOW, 66);
    CHECK_OK(wpool_set_workers(p, 1));
    CHECK_EVENTUALLY(get_stats(p).workers == 1, 10000);

    /* 66 High jobs that must all run at once while the regular worker is
     * held: 66 temporary workers. */
    test_gate g;
    gate_init(&g);
    CHECK_OK(wpool_submit(p, WPOOL_LOW, gate_job, &g));
    WAIT_GATE_ENTERED(&g, 1);
    CHECK_OK(wpool_set_max_temp_workers(p, 66));
    run_barrier(p, WPOOL_HIGH, 66);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.temp_spawned, 66);
    CHECK_EQ(atomic_load(&g.left), 0);
    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_LIFECYCLE_BALANCED(get_stats(p));
    wpool_destroy(p);
    CHECK_EQ(atomic_load(&h.starts[0]), atomic_load(&h.stops[0]));
    CHECK_EQ(atomic_load(&h.starts[1]), atomic_load(&h.stops[1]));
}

/* wpool_destroy right after a shrink (the surplus workers may still be
 * leaving) or a grow: every thread started is stopped and joined. */
static void resize_then_destroy(void) {
    for (int round = 0; round < 20; round++) {
        test_hooks h;
        wpool *p = hooked_pool(3, 1, &h);
        CHECK_OK(wpool_submit(p, WPOOL_NORMAL, noop_job, NULL));
        CHECK_OK(wpool_set_workers(p, round % 2 ? 1 : 5));
        CHECK_OK(wpool_set_max_temp_workers(p, (unsigned)round % 3));
        if (round % 4 == 0) CHECK_OK(wpool_set_workers(p, 2));
        wpool_destroy(p);
        CHECK_EQ(atomic_load(&h.starts[0]), atomic_load(&h.stops[0]));
        CHECK_EQ(atomic_load(&h.starts[1]), atomic_load(&h.stops[1]));
    }
}

/* --- from inside a job --------------------------------------------------------- */

typedef struct resizer {
    wpool *p;
    int n; /* barrier size: every job waits for the others */
    atomic_int arrived;
    atomic_int shrink_rc, grow_rc, done;
    atomic_int on_last; /* the job that shrank ran on the worker numbered n-1 */
    int mode;           /* 0: the last worker shrinks to n-1; 1: shrink to 1 then grow back */
} resizer;

/* The worker's index from its name "rs-<i>" (-1 if unknown). */
static int my_index(void) {
    char name[16];
    if (test_thread_name(name, sizeof name) != 0) return -1;
    if (strncmp(name, "rs-", 3) != 0 || name[3] < '0' || name[3] > '9') return -1;
    return atoi(name + 3);
}

static void resizer_job(void *arg) {
    resizer *r = arg;
    atomic_fetch_add(&r->arrived, 1);
    uint64_t deadline = now_ns() + 20 * SEC_NS;
    while (atomic_load(&r->arrived) < r->n && now_ns() < deadline)
        sleep_us(200);
    if (my_index() == r->n - 1) {
        atomic_store(&r->on_last, 1);
        if (r->mode == 0) {
            atomic_store(&r->shrink_rc, wpool_set_workers(r->p, (unsigned)r->n - 1));
        } else {
            atomic_store(&r->shrink_rc, wpool_set_workers(r->p, 1));
            atomic_store(&r->grow_rc, wpool_set_workers(r->p, (unsigned)r->n));
        }
    }
    atomic_fetch_add(&r->done, 1);
}

static void resizer_init(resizer *r, wpool *p, int n, int mode) {
    r->p = p;
    r->n = n;
    r->mode = mode;
    atomic_init(&r->arrived, 0);
    atomic_init(&r->shrink_rc, 1);
    atomic_init(&r->grow_rc, 1);
    atomic_init(&r->done, 0);
    atomic_init(&r->on_last, 0);
}

typedef struct grow_call {
    wpool *p;
    unsigned to;
    atomic_int rc, done;
} grow_call;

static void grow_job(void *arg) {
    grow_call *c = arg;
    atomic_store(&c->rc, wpool_set_workers(c->p, c->to));
    atomic_store(&c->done, 1);
}

static void from_a_job(void) {
    test_hooks h;
    wpool *p = hooked_pool(2, 0, &h);
    CHECK_EVENTUALLY(atomic_load(&h.starts[0]) == 2, 10000);
    /* Worker 1 shrinks the pool to 1 from its job: it exits after it. */
    resizer r;
    resizer_init(&r, p, 2, 0);
    CHECK_OK(wpool_submit(p, WPOOL_NORMAL, resizer_job, &r));
    CHECK_OK(wpool_submit(p, WPOOL_NORMAL, resizer_job, &r));
    CHECK_EVENTUALLY(atomic_load(&r.done) == 2, 30000);
    CHECK_EQ(atomic_load(&r.on_last), 1);
    CHECK_OK(atomic_load(&r.shrink_rc));
    CHECK_EVENTUALLY(reg_stops(&h, 1) == 1, 10000);
    CHECK_EVENTUALLY(get_stats(p).workers == 1, 10000);
    CHECK_EQ(reg_stops(&h, 0), 0);
    CHECK_EQ(get_stats(p).workers_target, 1);

    /* Grow from a job. */
    grow_call gc = {.p = p, .to = 3};
    atomic_init(&gc.rc, 1);
    atomic_init(&gc.done, 0);
    CHECK_OK(wpool_submit(p, WPOOL_LOW, grow_job, &gc));
    CHECK_EVENTUALLY(atomic_load(&gc.done), 20000);
    CHECK_OK(atomic_load(&gc.rc));
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.workers_target, 3);
    CHECK_EQ(s.workers, 3);
    run_barrier(p, WPOOL_NORMAL, 3);

    /* Worker 2, in one job: shrink to 1, then grow back to 3. The pool ends
     * with 3 workers either way; no hang. */
    resizer r2;
    resizer_init(&r2, p, 3, 1);
    for (int i = 0; i < 3; i++)
        CHECK_OK(wpool_submit(p, WPOOL_NORMAL, resizer_job, &r2));
    CHECK_EVENTUALLY(atomic_load(&r2.done) == 3, 30000);
    CHECK_EQ(atomic_load(&r2.on_last), 1);
    CHECK_OK(atomic_load(&r2.shrink_rc));
    CHECK_OK(atomic_load(&r2.grow_rc));
    CHECK_EQ(get_stats(p).workers_target, 3);
    CHECK_EVENTUALLY(get_stats(p).workers == 3, 10000);
    run_barrier(p, WPOOL_LOW, 3);

    /* 0: one per online CPU. */
    gc.to = 0;
    atomic_store(&gc.done, 0);
    atomic_store(&gc.rc, 1);
    CHECK_OK(wpool_submit(p, WPOOL_HIGH, grow_job, &gc));
    CHECK_EVENTUALLY(atomic_load(&gc.done), 20000);
    CHECK_OK(atomic_load(&gc.rc));
    long cpus = test_cpu_count();
    CHECK(cpus >= 1);
    unsigned want = cpus > (long)WPOOL_MAX_WORKERS ? WPOOL_MAX_WORKERS : (unsigned)cpus;
    CHECK_EQ(get_stats(p).workers_target, want);
    CHECK_EVENTUALLY(get_stats(p).workers == want, 10000);
    CHECK_OK(wpool_set_workers(p, 0));
    CHECK_EQ(get_stats(p).workers_target, want);
    wpool_destroy(p);
    CHECK_EQ(atomic_load(&h.starts[0]), atomic_load(&h.stops[0]));
}

/* --- refusals, shutdown ---------------------------------------------------------- */

static void refusals(void) {
    CHECK_RC(wpool_set_workers(NULL, 1), WPOOL_EINVAL);
    CHECK_RC(wpool_set_max_temp_workers(NULL, 1), WPOOL_EINVAL);
    test_hooks h;
    wpool *p = hooked_pool(2, 1, &h);
    CHECK_RC(wpool_set_workers(p, WPOOL_MAX_WORKERS + 1), WPOOL_EINVAL);
    CHECK_RC(wpool_set_workers(p, UINT32_MAX), WPOOL_EINVAL);
    CHECK_RC(wpool_set_max_temp_workers(p, WPOOL_MAX_WORKERS + 1), WPOOL_EINVAL);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.workers_target, 2);
    CHECK_EQ(s.workers, 2);
    CHECK_EQ(s.max_temp_workers, 1);
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    CHECK_RC(wpool_set_workers(p, 3), WPOOL_ECLOSED);
    CHECK_RC(wpool_set_workers(p, 1), WPOOL_ECLOSED);
    CHECK_RC(wpool_set_max_temp_workers(p, 3), WPOOL_ECLOSED);
    CHECK_RC(wpool_set_workers(p, WPOOL_MAX_WORKERS + 1), WPOOL_EINVAL);
    s = get_stats(p);
    CHECK_EQ(s.workers_target, 2);
    CHECK_EQ(s.max_temp_workers, 1);
    wpool_destroy(p);
    CHECK_EQ(atomic_load(&h.starts[0]), 2);
    CHECK_EQ(atomic_load(&h.stops[0]), 2);
}

static void during_shutdown(void) {
    enum { N = 20 };
    test_hooks h;
    wpool *p = hooked_pool(1, 0, &h);
    test_gate g;
    gate_init(&g);
    CHECK_OK(wpool_submit(p, WPOOL_LOW, gate_job, &g));
    WAIT_GATE_ENTERED(&g, 1);
    tjob q[N];
    for (int i = 0; i < N; i++) {
        tjob_init(&q[i], p, NULL);
        CHECK_OK(submit_tjob(p, (wpool_priority)(i % 3), &q[i], 0, WPOOL_FOREVER));
    }
    grow_call gc = {.p = p, .to = 4};
    atomic_init(&gc.rc, 1);
    atomic_init(&gc.done, 0);
    CHECK_OK(wpool_submit(p, WPOOL_LOW, grow_job, &gc)); /* runs during the shutdown */

    shutdown_call c;
    start_shutdown(&c, p, 0);
    CHECK(wait_until(pool_closed, p, 10000));
    CHECK_RC(wpool_set_workers(p, 4), WPOOL_ECLOSED);
    CHECK_RC(wpool_set_workers(p, 0), WPOOL_ECLOSED);
    CHECK_RC(wpool_set_max_temp_workers(p, 2), WPOOL_ECLOSED);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.workers_target, 1);
    CHECK_EQ(s.workers, 1);
    CHECK_EQ(s.max_temp_workers, 0);
    CHECK_EQ(atomic_load(&c.returned), 0);
    gate_open(&g);
    CHECK_OK(join_shutdown(&c));
    CHECK_EQ(atomic_load(&gc.done), 1);
    CHECK_RC(atomic_load(&gc.rc), WPOOL_ECLOSED);
    for (int i = 0; i < N; i++)
        CHECK_RAN(&q[i]);
    s = get_stats(p);
    CHECK_EQ(s.workers, 1);
    CHECK_LIFECYCLE_BALANCED(s);
    wpool_destroy(p);
    CHECK_EQ(atomic_load(&h.starts[0]), 1);
    CHECK_EQ(atomic_load(&h.stops[0]), 1);
}

typedef struct flipper {
    wpool *p;
    atomic_int stop, ok, closed, other;
} flipper;

static void *flipper_main(void *arg) {
    flipper *f = arg;
    for (unsigned i = 0; !atomic_load(&f->stop); i++) {
        int rc = i % 3 == 2 ? wpool_set_max_temp_workers(f->p, i % 4)
                            : wpool_set_workers(f->p, 1 + i % 4);
        if (rc == WPOOL_OK)
            atomic_fetch_add(&f->ok, 1);
        else if (rc == WPOOL_ECLOSED)
            atomic_fetch_add(&f->closed, 1);
        else
            atomic_fetch_add(&f->other, 1);
        if (rc == WPOOL_ECLOSED && atomic_load(&f->closed) > 50) break;
    }
    return NULL;
}

/* set_workers and set_max_temp_workers from another thread while work runs
 * and a shutdown begins and ends. */
static void racing_shutdown(void) {
#if defined(WPOOL_TEST_SANITIZED)
    enum { N = 300, ROUNDS = 3 };
#else
    enum { N = 2000, ROUNDS = 5 };
#endif
    static tjob jobs[N];
    for (int round = 0; round < ROUNDS; round++) {
        test_hooks h;
        wpool *p = hooked_pool(2, 2, &h);
        flipper f = {.p = p};
        atomic_init(&f.stop, 0);
        atomic_init(&f.ok, 0);
        atomic_init(&f.closed, 0);
        atomic_init(&f.other, 0);
        pthread_t t;
        CHECK_EQ(pthread_create(&t, NULL, flipper_main, &f), 0);
        for (int i = 0; i < N; i++) {
            tjob_init(&jobs[i], p, NULL);
            CHECK_OK(submit_tjob(p, (wpool_priority)(i % 3), &jobs[i], 0, WPOOL_FOREVER));
        }
        CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
        CHECK_EQ(pthread_join(t, NULL), 0);
        CHECK_EQ(atomic_load(&f.other), 0);
        CHECK(atomic_load(&f.closed) > 0);
        for (int i = 0; i < N; i++)
            CHECK_RAN(&jobs[i]);
        wpool_stats s = get_stats(p);
        CHECK_LIFECYCLE_BALANCED(s);
        CHECK_EQ(sum3(s.completed), N);
        wpool_destroy(p);
        CHECK_EQ(atomic_load(&h.starts[0]), atomic_load(&h.stops[0]));
        CHECK_EQ(atomic_load(&h.starts[1]), atomic_load(&h.stops[1]));
    }
}

/* --- temporary workers -------------------------------------------------------------- */

/* Waits until at most n temporary workers are alive, then checks, after a
 * moment for a late retirement, that exactly n are: lowering the limit
 * retires the surplus ones only; the others stay (their TTL here is 60 s). */
static void temps_settle(wpool *p, unsigned n) {
    CHECK_EVENTUALLY(get_stats(p).temp_workers <= n, 10000);
    sleep_ms(50);
    CHECK_EQ(get_stats(p).temp_workers, n);
}

static void max_temp_raise_lower(void) {
    test_hooks h;
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 1;
    cfg.max_temp_workers = 1;
    cfg.temp_spares = 0;
    cfg.temp_idle_ms = 60000; /* only the limit retires them here */
    hooks_config(&cfg, &h);
    wpool *p = make_pool(&cfg);
    test_gate reg, high;
    gate_init(&reg);
    gate_init(&high);
    CHECK_OK(wpool_submit(p, WPOOL_LOW, gate_job, &reg));
    WAIT_GATE_ENTERED(&reg, 1);
    CHECK_OK(wpool_submit(p, WPOOL_HIGH, gate_job, &high));
    WAIT_GATE_ENTERED(&high, 1);
    CHECK_OK(wpool_submit(p, WPOOL_HIGH, gate_job, &high)); /* waits: limit 1 */
    sleep_ms(50);
    CHECK_EQ(gate_entered(&high), 1);
    CHECK_EQ(get_stats(p).temp_workers, 1);

    CHECK_OK(wpool_set_max_temp_workers(p, 3));
    CHECK_EQ(get_stats(p).max_temp_workers, 3);
    CHECK_OK(wpool_submit(p, WPOOL_HIGH, gate_job, &high));
    WAIT_GATE_ENTERED(&high, 3); /* three temporary workers at once */
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.temp_workers, 3);
    CHECK_EQ(atomic_load(&reg.left), 0);
    CHECK_EQ(atomic_load(&h.starts[1]), 3);

    /* Lower to 1 while all three are busy: they finish their jobs, then two
     * retire. */
    CHECK_OK(wpool_set_max_temp_workers(p, 1));
    CHECK_EQ(get_stats(p).max_temp_workers, 1);
    CHECK_EQ(atomic_load(&high.left), 0);
    gate_open(&high);
    CHECK_EVENTUALLY(atomic_load(&high.left) == 3, 10000);
    temps_settle(p, 1);
    CHECK_EVENTUALLY(atomic_load(&h.stops[1]) >= 2, 10000);
    CHECK_EQ(atomic_load(&h.stops[1]), 2);
    s = get_stats(p);
    CHECK_EQ(s.temp_retired, 2);
    CHECK_EQ(s.completed[WPOOL_HIGH], 3);

    /* Raise to 3 and fill them, then lower to 1 while they are idle. */
    CHECK_OK(wpool_set_max_temp_workers(p, 3));
    test_gate high2;
    gate_init(&high2);
    for (int i = 0; i < 3; i++)
        CHECK_OK(wpool_submit(p, WPOOL_HIGH, gate_job, &high2));
    WAIT_GATE_ENTERED(&high2, 3);
    gate_open(&high2);
    CHECK_EVENTUALLY(atomic_load(&high2.left) == 3, 10000);
    CHECK_EVENTUALLY(get_stats(p).busy_workers == 1, 10000); /* the held regular worker */
    CHECK_EQ(get_stats(p).temp_workers, 3);                  /* idle, TTL 60 s */
    uint64_t retired = get_stats(p).temp_retired;
    CHECK_OK(wpool_set_max_temp_workers(p, 1));
    temps_settle(p, 1);
    CHECK_EQ(get_stats(p).temp_retired, retired + 2);

    /* 0: none left, none started; High work waits for the regular worker. */
    CHECK_OK(wpool_set_max_temp_workers(p, 0));
    CHECK_EVENTUALLY(get_stats(p).temp_workers == 0, 10000);
    uint64_t spawned = get_stats(p).temp_spawned;
    tjob late;
    tjob_init(&late, p, NULL);
    CHECK_OK(submit_tjob(p, WPOOL_HIGH, &late, 0, WPOOL_FOREVER));
    sleep_ms(100);
    CHECK_UNTOUCHED(&late);
    s = get_stats(p);
    CHECK_EQ(s.temp_spawned, spawned);
    CHECK_EQ(s.temp_workers, 0);
    CHECK_EQ(s.max_temp_workers, 0);
    gate_open(&reg);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_RAN(&late);
    CHECK_LIFECYCLE_BALANCED(get_stats(p));
    wpool_destroy(p);
    CHECK_EQ(atomic_load(&h.starts[1]), atomic_load(&h.stops[1]));
}

static void max_temp_from_zero(void) {
    test_hooks h;
    wpool *p = hooked_pool(1, 0, &h);
    test_gate reg;
    gate_init(&reg);
    CHECK_OK(wpool_submit(p, WPOOL_LOW, gate_job, &reg));
    WAIT_GATE_ENTERED(&reg, 1);
    tjob first;
    tjob_init(&first, p, NULL);
    CHECK_OK(submit_tjob(p, WPOOL_HIGH, &first, 0, WPOOL_FOREVER));
    sleep_ms(50);
    CHECK_UNTOUCHED(&first);
    CHECK_EQ(get_stats(p).temp_spawned, 0);

    CHECK_OK(wpool_set_max_temp_workers(p, 2));
    CHECK_EQ(get_stats(p).max_temp_workers, 2);
    tjob second;
    tjob_init(&second, p, NULL);
    CHECK_OK(submit_tjob(p, WPOOL_HIGH, &second, 0, WPOOL_FOREVER));
    CHECK_EVENTUALLY(tjob_calls(&first) == 1 && tjob_calls(&second) == 1, 20000);
    CHECK_RAN(&first);
    CHECK_RAN(&second);
    CHECK_EQ(atomic_load(&reg.left), 0); /* a temporary worker ran them */
    CHECK(get_stats(p).temp_spawned >= 1);
    CHECK(atomic_load(&h.starts[1]) >= 1);
    gate_open(&reg);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    wpool_destroy(p);
    CHECK_EQ(atomic_load(&h.starts[1]), atomic_load(&h.stops[1]));
}

int main(void) {
    test_watchdog("test_resize", 300);
    tjob_thread_tag = 1;
    grow();
    shrink_idle_then_grow();
    shrink_below_busy();
    across_mask_words();
    resize_then_destroy();
    from_a_job();
    refusals();
    during_shutdown();
    racing_shutdown();
    max_temp_raise_lower();
    max_temp_from_zero();
    test_summary("test_resize");
    return 0;
}
