/*
 * test_jobs.h: tracked jobs for the job-lifecycle tests (test_cancel,
 * test_deadline, test_pause, test_resize, test_lifecycle_stats,
 * test_lifecycle_stress), on top of test_util.h.
 *
 * tjob: one job that counts its run and discard calls and records, in its
 * discard callback, why it was discarded (wpool_discard_reason_now()), on
 * which thread (the caller's tjob_thread_tag, 0 on pool threads), whether that
 * thread was one of the pool's (wpool_in_pool()) and when (wpool_now_ns()).
 * Its run can hold its worker in a gate, and both callbacks can call a hook
 * of the test's (on_run, on_discard).
 * CHECK_RAN(j) / CHECK_DISCARDED(j, reason): exactly one call, the one
 * expected. CHECK_LIFECYCLE_BALANCED(s): once idle, submitted = completed +
 * discarded + cancelled + expired, nothing queued.
 * test_hooks: thread start/stop hook counts, per kind and per regular index.
 * shutdown_call: a wpool_shutdown() on a thread of its own.
 */
#ifndef WPOOL_TEST_JOBS_H
#define WPOOL_TEST_JOBS_H

#include "test_util.h"

/* Set by each thread of a test that calls into the pool (main: 1); pool
 * threads leave it 0. */
static _Thread_local int tjob_thread_tag;

typedef struct tjob tjob;
typedef void (*tjob_hook)(tjob *j);

struct tjob {
    atomic_int runs, discards;
    atomic_int reason;           /* wpool_discard_reason_now() in discard         */
    atomic_int reason_after;     /* ... again, after on_discard returned          */
    atomic_int discard_tag;      /* tjob_thread_tag of the discarding thread      */
    atomic_int discard_in_pool;  /* wpool_in_pool(pool) there (pool set)          */
    atomic_int run_reason;       /* wpool_discard_reason_now() in run (NONE)      */
    _Atomic uint64_t discard_at; /* wpool_now_ns() in discard                     */
    wpool *pool;
    test_gate *hold; /* run waits in it, if set */
    tjob_hook on_run, on_discard;
    void *ctx;
    uint64_t deadline;   /* as submitted by submit_tjob() */
    wpool_ticket ticket; /* as stored by submit_tjob() */
};

static inline void tjob_init(tjob *j, wpool *p, test_gate *hold) {
    memset(j, 0, sizeof *j);
    atomic_init(&j->runs, 0);
    atomic_init(&j->discards, 0);
    atomic_init(&j->reason, -1);
    atomic_init(&j->reason_after, -1);
    atomic_init(&j->discard_tag, -1);
    atomic_init(&j->discard_in_pool, -1);
    atomic_init(&j->run_reason, -1);
    atomic_init(&j->discard_at, 0);
    j->pool = p;
    j->hold = hold;
}

static inline void tjob_run(void *arg) {
    tjob *j = arg;
    atomic_store(&j->run_reason, (int)wpool_discard_reason_now());
    atomic_fetch_add(&j->runs, 1);
    if (j->hold) gate_job(j->hold);
    if (j->on_run) j->on_run(j);
}

static inline void tjob_discard(void *arg) {
    tjob *j = arg;
    atomic_store(&j->discard_at, wpool_now_ns());
    atomic_store(&j->reason, (int)wpool_discard_reason_now());
    atomic_store(&j->discard_tag, tjob_thread_tag);
    if (j->pool) atomic_store(&j->discard_in_pool, wpool_in_pool(j->pool));
    atomic_fetch_add(&j->discards, 1);
    if (j->on_discard) j->on_discard(j);
    atomic_store(&j->reason_after, (int)wpool_discard_reason_now());
}

static inline wpool_task tjob_task(tjob *j) {
    wpool_task t = {tjob_run, tjob_discard, j};
    return t;
}

/* wpool_submit_job() of j with deadline (0: none); stores the deadline and
 * the ticket in j. A returned ticket is nonzero exactly when accepted. */
static inline int submit_tjob(wpool *p, wpool_priority prio, tjob *j, uint64_t deadline,
                              uint64_t timeout) {
    wpool_task t = tjob_task(j);
    wpool_job_opts o;
    memset(&o, 0, sizeof o);
    o.deadline_ns = deadline;
    j->deadline = deadline;
    j->ticket = 12345;
    int rc = wpool_submit_job(p, prio, &t, &o, timeout, &j->ticket);
    if ((rc == WPOOL_OK) != (j->ticket != 0)) test_fail(__FILE__, __LINE__, "ticket vs status");
    return rc;
}

static inline int tjob_calls(tjob *j) {
    return atomic_load(&j->runs) + atomic_load(&j->discards);
}

#define CHECK_RAN(j)                                                                               \
    do {                                                                                           \
        CHECK_EQ(atomic_load(&(j)->runs), 1);                                                      \
        CHECK_EQ(atomic_load(&(j)->discards), 0);                                                  \
        CHECK_EQ(atomic_load(&(j)->run_reason), WPOOL_DISCARD_NONE);                               \
    } while (0)

#define CHECK_DISCARDED(j, why)                                                                    \
    do {                                                                                           \
        CHECK_EQ(atomic_load(&(j)->runs), 0);                                                      \
        CHECK_EQ(atomic_load(&(j)->discards), 1);                                                  \
        CHECK_EQ(atomic_load(&(j)->reason), (why));                                                \
    } while (0)

#define CHECK_UNTOUCHED(j) CHECK_EQ(tjob_calls(j), 0)

/* Once idle: every accepted job is completed, discarded, cancelled or expired. */
#define CHECK_LIFECYCLE_BALANCED(s)                                                                \
    do {                                                                                           \
        for (int check_i_ = 0; check_i_ < 3; check_i_++) {                                         \
            CHECK_EQ((s).submitted[check_i_], (s).completed[check_i_] + (s).discarded[check_i_] +  \
                                                  (s).cancelled[check_i_] +                        \
                                                  (s).expired[check_i_]);                          \
            CHECK_EQ((s).queued[check_i_], 0);                                                     \
        }                                                                                          \
    } while (0)

/* A deadline that has surely passed (on the pool's clock) when this returns. */
static inline uint64_t past_deadline(void) {
    uint64_t d = wpool_now_ns();
    if (d == 0) d = 1; /* 0 means "no deadline" */
    while (wpool_now_ns() <= d)
        sleep_us(50);
    return d;
}

/* Polls until the pool's clock is past t. */
static inline void wait_past(uint64_t t) {
    while (wpool_now_ns() <= t)
        sleep_us(200);
}

/* --- thread hooks ----------------------------------------------------------- */

#define TEST_HOOK_SLOTS 128

typedef struct test_hooks {
    atomic_int starts[2], stops[2]; /* [temporary] */
    atomic_int reg_starts[TEST_HOOK_SLOTS], reg_stops[TEST_HOOK_SLOTS];
} test_hooks;

static inline void hooks_init(test_hooks *h) {
    for (int k = 0; k < 2; k++) {
        atomic_init(&h->starts[k], 0);
        atomic_init(&h->stops[k], 0);
    }
    for (int i = 0; i < TEST_HOOK_SLOTS; i++) {
        atomic_init(&h->reg_starts[i], 0);
        atomic_init(&h->reg_stops[i], 0);
    }
}

static inline void hooks_on_start(void *ctx, unsigned index, int temporary) {
    test_hooks *h = ctx;
    /* Per index first: once a total is seen, so are the indices behind it. */
    if (!temporary && index < TEST_HOOK_SLOTS) atomic_fetch_add(&h->reg_starts[index], 1);
    atomic_fetch_add(&h->starts[temporary ? 1 : 0], 1);
}

static inline void hooks_on_stop(void *ctx, unsigned index, int temporary) {
    test_hooks *h = ctx;
    if (!temporary && index < TEST_HOOK_SLOTS) atomic_fetch_add(&h->reg_stops[index], 1);
    atomic_fetch_add(&h->stops[temporary ? 1 : 0], 1);
}

static inline void hooks_config(wpool_config *cfg, test_hooks *h) {
    hooks_init(h);
    cfg->on_thread_start = hooks_on_start;
    cfg->on_thread_stop = hooks_on_stop;
    cfg->hook_ctx = h;
}

/* --- a barrier of jobs ----------------------------------------------------- */

/* n jobs that each wait (up to 20 s, sleeping) until all n are running at
 * once: they all return 1 only if n threads ran them concurrently. */
typedef struct job_barrier {
    int n;
    atomic_int arrived, met, done;
} job_barrier;

static inline void barrier_init(job_barrier *b, int n) {
    b->n = n;
    atomic_init(&b->arrived, 0);
    atomic_init(&b->met, 0);
    atomic_init(&b->done, 0);
}

static inline void barrier_job(void *arg) {
    job_barrier *b = arg;
    atomic_fetch_add(&b->arrived, 1);
    uint64_t deadline = now_ns() + 20 * SEC_NS;
    while (atomic_load(&b->arrived) < b->n && now_ns() < deadline)
        sleep_us(200);
    if (atomic_load(&b->arrived) >= b->n) atomic_fetch_add(&b->met, 1);
    atomic_fetch_add(&b->done, 1);
}

/* Submits b's n jobs at prio and checks that all n met. */
static inline void run_barrier(wpool *p, wpool_priority prio, int n) {
    job_barrier b;
    barrier_init(&b, n);
    for (int i = 0; i < n; i++)
        CHECK_OK(wpool_submit(p, prio, barrier_job, &b));
    CHECK_EVENTUALLY(atomic_load(&b.done) == n, 30000);
    CHECK_EQ(atomic_load(&b.met), n);
}

/* --- a shutdown on a thread of its own ---------------------------------- */

/* wpool_shutdown(p, WPOOL_FOREVER) on a thread of its own, its
 * tjob_thread_tag `tag`, while the test goes on: start_shutdown() starts it,
 * wait_until(pool_closed, p, ...) waits until it has begun, `returned` says
 * whether it has returned, join_shutdown() joins it and gives its result. */
typedef struct shutdown_call {
    wpool *p;
    int tag;
    atomic_int returned, rc;
    pthread_t thread;
} shutdown_call;

static inline void *shutdown_call_main(void *arg) {
    shutdown_call *c = arg;
    tjob_thread_tag = c->tag;
    atomic_store(&c->rc, wpool_shutdown(c->p, WPOOL_FOREVER));
    atomic_store(&c->returned, 1);
    return NULL;
}

static inline void start_shutdown(shutdown_call *c, wpool *p, int tag) {
    c->p = p;
    c->tag = tag;
    atomic_init(&c->returned, 0);
    atomic_init(&c->rc, 1);
    CHECK_EQ(pthread_create(&c->thread, NULL, shutdown_call_main, c), 0);
}

static inline int join_shutdown(shutdown_call *c) {
    CHECK_EQ(pthread_join(c->thread, NULL), 0);
    return atomic_load(&c->rc);
}

static inline int pool_closed(void *p) {
    return get_stats(p).closed != 0;
}

#endif /* WPOOL_TEST_JOBS_H */
