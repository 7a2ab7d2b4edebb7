/*
 * test_deadline: per-job deadlines (wpool_job_opts.deadline_ns) and
 * wpool_now_ns().
 *
 * - a job whose deadline passes while it waits behind a held worker stays
 *   queued until a worker reaches it, then is discarded on that worker with
 *   reason WPOOL_DISCARD_EXPIRED (after its deadline, on the pool's clock) and
 *   never run; jobs without a deadline or with a far one (UINT64_MAX too) run;
 *   stats.expired counts it, per priority (not discarded, not cancelled);
 * - a deadline already past at submit is accepted (OK, a ticket) and expires,
 *   at every priority, on a regular and on a temporary worker;
 * - a deadline caps the wait for room: full queue, timeout FOREVER, deadline
 *   soon: ETIMEDOUT (not before the deadline), ticket 0, never called,
 *   counted as rejected; a deadline already past: ETIMEDOUT at once; a
 *   shorter timeout still ends the wait; room made before the deadline: OK;
 * - a job with a deadline and no discard callback goes to the pool's
 *   default_discard (reason EXPIRED there), or without one is only counted;
 * - a job cancelled before its deadline is cancelled, not expired;
 * - while a shutdown waits for the queue, a job past its deadline expires
 *   (EXPIRED, not SHUTDOWN) and the shutdown returns OK;
 * - many jobs with deadlines around "now" on a busy pool: each gets exactly
 *   one call; every expired one was discarded after its deadline; the
 *   counters agree;
 * - wpool_now_ns() never goes back and moves with time (in nanoseconds).
 */
#include "test_jobs.h"

static wpool_config no_temp_config(void) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 1;
    cfg.max_temp_workers = 0;
    return cfg;
}

static void expires_while_queued(void) {
    wpool_config cfg = no_temp_config();
    test_gate g;
    wpool *p = gated_pool(&cfg, WPOOL_LOW, &g);
    tjob a, b, c, d, e;
    tjob_init(&a, p, NULL);
    tjob_init(&b, p, NULL);
    tjob_init(&c, p, NULL);
    tjob_init(&d, p, NULL);
    tjob_init(&e, p, NULL);
    uint64_t soon = wpool_now_ns() + 30 * MS_NS;
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &a, soon, WPOOL_FOREVER));
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &b, 0, WPOOL_FOREVER));
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &c, wpool_now_ns() + 3600 * SEC_NS, WPOOL_FOREVER));
    CHECK_OK(submit_tjob(p, WPOOL_LOW, &d, soon, WPOOL_FOREVER));
    CHECK_OK(submit_tjob(p, WPOOL_LOW, &e, UINT64_MAX, WPOOL_FOREVER));
    wait_past(soon);
    /* Past its deadline but not reached by a worker: still queued. */
    sleep_ms(5);
    CHECK_UNTOUCHED(&a);
    CHECK_UNTOUCHED(&d);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.queued[WPOOL_NORMAL], 3);
    CHECK_EQ(s.queued[WPOOL_LOW], 2);
    CHECK_EQ(sum3(s.expired), 0);

    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_DISCARDED(&a, WPOOL_DISCARD_EXPIRED);
    CHECK_DISCARDED(&d, WPOOL_DISCARD_EXPIRED);
    CHECK_EQ(atomic_load(&a.discard_in_pool), 1); /* on the worker */
    CHECK_EQ(atomic_load(&a.discard_tag), 0);
    CHECK_EQ(atomic_load(&a.reason_after), WPOOL_DISCARD_EXPIRED);
    CHECK(atomic_load(&a.discard_at) > soon);
    CHECK(atomic_load(&d.discard_at) > soon);
    CHECK_RAN(&b);
    CHECK_RAN(&c);
    CHECK_RAN(&e);
    s = get_stats(p);
    CHECK_EQ(s.expired[WPOOL_NORMAL], 1);
    CHECK_EQ(s.expired[WPOOL_LOW], 1);
    CHECK_EQ(s.expired[WPOOL_HIGH], 0);
    CHECK_EQ(s.completed[WPOOL_NORMAL], 2);
    CHECK_EQ(s.completed[WPOOL_LOW], 2); /* the gate job and e */
    CHECK_EQ(sum3(s.cancelled), 0);
    CHECK_EQ(sum3(s.discarded), 0);
    CHECK_LIFECYCLE_BALANCED(s);
    CHECK_EQ(wpool_discard_reason_now(), WPOOL_DISCARD_NONE);
    wpool_destroy(p);
}

static void past_at_submit(void) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 1;
    cfg.max_temp_workers = 1;
    cfg.temp_spares = 0;
    wpool *p = make_pool(&cfg);
    tjob j[3];
    for (int l = 0; l < 3; l++) {
        tjob_init(&j[l], p, NULL);
        CHECK_OK(submit_tjob(p, (wpool_priority)l, &j[l], past_deadline(), WPOOL_FOREVER));
        CHECK(j[l].ticket != 0);
    }
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    for (int l = 0; l < 3; l++) {
        CHECK_DISCARDED(&j[l], WPOOL_DISCARD_EXPIRED);
        CHECK_EQ(atomic_load(&j[l].discard_in_pool), 1);
        CHECK_RC(wpool_cancel(p, j[l].ticket), WPOOL_EALREADY);
    }
    wpool_stats s = get_stats(p);
    for (int l = 0; l < 3; l++)
        CHECK_EQ(s.expired[l], 1);

    /* High, while the regular worker is held: a temporary worker reaches it. */
    test_gate g;
    gate_init(&g);
    CHECK_OK(wpool_submit(p, WPOOL_LOW, gate_job, &g));
    WAIT_GATE_ENTERED(&g, 1);
    tjob h, h2;
    tjob_init(&h, p, NULL);
    tjob_init(&h2, p, NULL);
    CHECK_OK(submit_tjob(p, WPOOL_HIGH, &h, past_deadline(), WPOOL_FOREVER));
    CHECK_OK(submit_tjob(p, WPOOL_HIGH, &h2, wpool_now_ns() + 3600 * SEC_NS, WPOOL_FOREVER));
    CHECK_EVENTUALLY(tjob_calls(&h) == 1 && tjob_calls(&h2) == 1, 20000);
    CHECK_DISCARDED(&h, WPOOL_DISCARD_EXPIRED);
    CHECK_EQ(atomic_load(&h.discard_in_pool), 1);
    CHECK_RAN(&h2);
    CHECK_EQ(atomic_load(&g.left), 0); /* not the held regular worker */
    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    s = get_stats(p);
    CHECK_EQ(s.expired[WPOOL_HIGH], 2);
    CHECK_EQ(s.completed[WPOOL_HIGH], 1);
    CHECK(s.temp_spawned >= 1);
    CHECK_LIFECYCLE_BALANCED(s);
    wpool_destroy(p);
}

typedef struct bg_submit {
    wpool *p;
    tjob *j;
    uint64_t deadline;
    atomic_int returned, rc;
} bg_submit;

static void *bg_submit_main(void *arg) {
    bg_submit *b = arg;
    tjob_thread_tag = 2;
    atomic_store(&b->rc, submit_tjob(b->p, WPOOL_NORMAL, b->j, b->deadline, WPOOL_FOREVER));
    atomic_store(&b->returned, 1);
    return NULL;
}

static void caps_wait_for_room(void) {
    wpool_config cfg = no_temp_config();
    for (int l = 0; l < 3; l++)
        cfg.capacity[l] = 2;
    test_gate g;
    wpool *p = gated_pool(&cfg, WPOOL_LOW, &g);
    tjob fill[2], late;
    for (int i = 0; i < 2; i++) {
        tjob_init(&fill[i], p, NULL);
        CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &fill[i], 0, 0));
    }
    tjob_init(&late, p, NULL);

    /* Timeout FOREVER, deadline soon. */
    uint64_t deadline = wpool_now_ns() + 100 * MS_NS;
    CHECK_RC(submit_tjob(p, WPOOL_NORMAL, &late, deadline, WPOOL_FOREVER), WPOOL_ETIMEDOUT);
    CHECK(wpool_now_ns() >= deadline - 5 * MS_NS); /* it waited (to the deadline) */
    CHECK_EQ(late.ticket, 0);
    /* A deadline already past: ETIMEDOUT at once. */
    CHECK_RC(submit_tjob(p, WPOOL_NORMAL, &late, past_deadline(), WPOOL_FOREVER), WPOOL_ETIMEDOUT);
    /* A timeout shorter than the deadline still ends the wait. */
    CHECK_RC(submit_tjob(p, WPOOL_NORMAL, &late, UINT64_MAX, 20 * MS_NS), WPOOL_ETIMEDOUT);
    CHECK_RC(submit_tjob(p, WPOOL_NORMAL, &late, wpool_now_ns() + 3600 * SEC_NS, 20 * MS_NS),
             WPOOL_ETIMEDOUT);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.rejected[WPOOL_NORMAL], 4);
    CHECK_EQ(s.submitted[WPOOL_NORMAL], 2);
    CHECK_EQ(s.queued[WPOOL_NORMAL], 2);

    /* Room made before the deadline: accepted. */
    tjob waiter;
    tjob_init(&waiter, p, NULL);
    bg_submit b = {.p = p, .j = &waiter, .deadline = wpool_now_ns() + 60 * SEC_NS};
    atomic_init(&b.returned, 0);
    atomic_init(&b.rc, 1);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, bg_submit_main, &b), 0);
    sleep_ms(50);
    CHECK_EQ(atomic_load(&b.returned), 0);
    gate_open(&g);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_OK(atomic_load(&b.rc));
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_RAN(&waiter);
    CHECK_RAN(&fill[0]);
    CHECK_RAN(&fill[1]);
    CHECK_UNTOUCHED(&late);
    s = get_stats(p);
    CHECK_EQ(s.submitted[WPOOL_NORMAL], 3);
    CHECK_EQ(sum3(s.expired), 0);
    CHECK_LIFECYCLE_BALANCED(s);
    wpool_destroy(p);
}

static atomic_int dd_calls, dd_reason, plain_runs;
static void default_discard_cb(void *arg) {
    CHECK(arg == (void *)&dd_calls);
    atomic_store(&dd_reason, (int)wpool_discard_reason_now());
    atomic_fetch_add(&dd_calls, 1);
}
static void plain_run(void *arg) {
    (void)arg;
    atomic_fetch_add(&plain_runs, 1);
}

static void default_discard(void) {
    for (int with_default = 0; with_default < 2; with_default++) {
        wpool_config cfg = no_temp_config();
        if (with_default) cfg.default_discard = default_discard_cb;
        wpool *p = make_pool(&cfg);
        atomic_store(&dd_calls, 0);
        atomic_store(&dd_reason, -1);
        atomic_store(&plain_runs, 0);
        wpool_task t = {plain_run, NULL, &dd_calls};
        wpool_job_opts o;
        memset(&o, 0, sizeof o);
        o.deadline_ns = past_deadline();
        wpool_ticket ticket = 0;
        CHECK_OK(wpool_submit_job(p, WPOOL_NORMAL, &t, &o, WPOOL_FOREVER, &ticket));
        CHECK(ticket != 0);
        CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
        CHECK_EQ(atomic_load(&plain_runs), 0);
        CHECK_EQ(atomic_load(&dd_calls), with_default ? 1 : 0);
        if (with_default) CHECK_EQ(atomic_load(&dd_reason), WPOOL_DISCARD_EXPIRED);
        wpool_stats s = get_stats(p);
        CHECK_EQ(s.expired[WPOOL_NORMAL], 1);
        CHECK_LIFECYCLE_BALANCED(s);
        wpool_destroy(p);
    }
}

static void cancel_before_deadline(void) {
    wpool_config cfg = no_temp_config();
    test_gate g;
    wpool *p = gated_pool(&cfg, WPOOL_LOW, &g);
    tjob a;
    tjob_init(&a, p, NULL);
    uint64_t soon = wpool_now_ns() + 20 * MS_NS;
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &a, soon, WPOOL_FOREVER));
    CHECK_OK(wpool_cancel(p, a.ticket));
    wait_past(soon);
    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_DISCARDED(&a, WPOOL_DISCARD_CANCELLED);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.cancelled[WPOOL_NORMAL], 1);
    CHECK_EQ(sum3(s.expired), 0);
    CHECK_LIFECYCLE_BALANCED(s);
    wpool_destroy(p);
}

/* While a shutdown waits for the queue to drain, a job whose deadline passed
 * expires as usual (reason EXPIRED, on the worker), and shutdown returns OK. */
static void expires_during_shutdown(void) {
    wpool_config cfg = no_temp_config();
    test_gate g;
    wpool *p = gated_pool(&cfg, WPOOL_LOW, &g);
    tjob a, b;
    tjob_init(&a, p, NULL);
    tjob_init(&b, p, NULL);
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &a, wpool_now_ns() + 10 * MS_NS, WPOOL_FOREVER));
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &b, wpool_now_ns() + 3600 * SEC_NS, WPOOL_FOREVER));
    shutdown_call c;
    start_shutdown(&c, p, 0);
    CHECK(wait_until(pool_closed, p, 10000));
    wait_past(a.deadline);
    gate_open(&g);
    CHECK_OK(join_shutdown(&c));
    CHECK_DISCARDED(&a, WPOOL_DISCARD_EXPIRED);
    CHECK_EQ(atomic_load(&a.discard_in_pool), 1);
    CHECK_RAN(&b);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.expired[WPOOL_NORMAL], 1);
    CHECK_EQ(sum3(s.discarded), 0);
    CHECK_LIFECYCLE_BALANCED(s);
    wpool_destroy(p);
}

/* Short jobs with deadlines spread around now through two busy workers. */
#define MIXED 3000
static tjob mixed_jobs[MIXED];
static int mixed_refused[MIXED];

static void spin_run(tjob *j) {
    (void)j;
    uint64_t until = wpool_now_ns() + 20000; /* 20 us of work */
    while (wpool_now_ns() < until) {
    }
}

static void mixed_deadlines(void) {
#if defined(WPOOL_TEST_SANITIZED)
    const int n = 1000;
#else
    const int n = MIXED;
#endif
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 2;
    cfg.max_temp_workers = 1;
    for (int l = 0; l < 3; l++)
        cfg.capacity[l] = 64;
    wpool *p = make_pool(&cfg);
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    uint64_t submitted[3] = {0, 0, 0};
    int refused = 0;
    for (int i = 0; i < n; i++) {
        mixed_refused[i] = 0;
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        tjob *j = &mixed_jobs[i];
        tjob_init(j, p, NULL);
        j->on_run = spin_run;
        uint64_t now = wpool_now_ns(), deadline = 0;
        switch (rng % 4) {
        case 0: /* none */
            break;
        case 1:
            deadline = now > 1 ? now - 1 : 1; /* past */
            break;
        case 2:
            deadline = now + (rng >> 8) % (2 * MS_NS); /* within 2 ms */
            break;
        default:
            deadline = now + 3600 * SEC_NS;
        }
        int prio = (int)((rng >> 4) % 3);
        int rc = submit_tjob(p, (wpool_priority)prio, j, deadline, WPOOL_FOREVER);
        if (rc == WPOOL_OK) {
            submitted[prio]++;
        } else {
            /* The ring was full until the deadline: refused, never called. */
            CHECK_RC(rc, WPOOL_ETIMEDOUT);
            CHECK(deadline != 0 && deadline < 3600 * SEC_NS + now);
            CHECK(wpool_now_ns() >= deadline);
            mixed_refused[i] = 1;
            refused++;
        }
    }
    CHECK_OK(wpool_wait_idle(p, 60 * SEC_NS));
    int ran = 0, expired = 0;
    for (int i = 0; i < n; i++) {
        tjob *j = &mixed_jobs[i];
        if (mixed_refused[i]) {
            CHECK_UNTOUCHED(j);
            continue;
        }
        CHECK_EQ(tjob_calls(j), 1);
        if (atomic_load(&j->discards)) {
            CHECK_EQ(atomic_load(&j->reason), WPOOL_DISCARD_EXPIRED);
            CHECK(j->deadline != 0);
            CHECK(atomic_load(&j->discard_at) > j->deadline);
            CHECK_EQ(atomic_load(&j->discard_in_pool), 1);
            expired++;
        } else {
            ran++;
        }
    }
    wpool_stats s = get_stats(p);
    for (int l = 0; l < 3; l++)
        CHECK_EQ(s.submitted[l], submitted[l]);
    CHECK_EQ(sum3(s.expired), expired);
    CHECK_EQ(sum3(s.completed), ran);
    CHECK_EQ(sum3(s.rejected), refused);
    CHECK_LIFECYCLE_BALANCED(s);
    printf("mixed deadlines: %d jobs, %d ran, %d expired, %d refused at their deadline\n", n, ran,
           expired, refused);
    wpool_destroy(p);
}

static void clock_monotonic(void) {
    uint64_t prev = wpool_now_ns();
    for (int i = 0; i < 100000; i++) {
        uint64_t t = wpool_now_ns();
        CHECK(t >= prev);
        prev = t;
    }
    uint64_t a = wpool_now_ns();
    sleep_ms(20);
    uint64_t b = wpool_now_ns();
    CHECK(b > a);
    CHECK(b - a >= 10 * MS_NS); /* nanoseconds: 20 ms slept */
}

int main(void) {
    test_watchdog("test_deadline", 300);
    tjob_thread_tag = 1;
    clock_monotonic();
    expires_while_queued();
    past_at_submit();
    caps_wait_for_room();
    default_discard();
    cancel_before_deadline();
    expires_during_shutdown();
    mixed_deadlines();
    test_summary("test_deadline");
    return 0;
}
