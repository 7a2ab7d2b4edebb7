/*
 * test_cancel: wpool_cancel() and the tickets of wpool_submit_job().
 *
 * - a queued job: WPOOL_OK; its discard callback was called once, on the
 *   cancelling thread, before cancel returned, with wpool_discard_reason_now()
 *   == WPOOL_DISCARD_CANCELLED there (NONE outside); run never called;
 *   stats.cancelled counts it (not discarded, not expired); a second cancel of
 *   the same ticket, and a cancel of a finished, running (it runs to its end),
 *   expired or shutdown-discarded job: WPOOL_EALREADY; tickets are nonzero and
 *   distinct, 0 on every refusal (EFULL, EINVAL, ECLOSED);
 * - NULL pool or ticket 0: WPOOL_EINVAL; a made-up ticket, or another pool's:
 *   WPOOL_EALREADY and nothing is touched; jobs submitted without a ticket
 *   (wpool_submit, wpool_submit_task, wpool_submit_batch) cannot be cancelled
 *   by guessing: every ticket value around the real ones is EALREADY;
 * - a job accepted after waiting for room: its ticket cancels it;
 * - cancel from inside a job (a queued job: OK, discarded on that worker; the
 *   job itself: EALREADY); cancel from inside a discard callback (cancelled,
 *   expired or shutdown outer discard: the nested discard sees CANCELLED and
 *   the outer reason is restored when the nested cancel returns);
 * - cancel racing the job's start: thousands of jobs through small rings,
 *   two cancellers on other threads trying every ticket: each job gets
 *   exactly one of run and discard; OK exactly for the discarded ones (by the
 *   canceller that got OK, on its thread), EALREADY for the ones that ran;
 *   the counters agree;
 * - cancel while a shutdown waits: OK, the job is discarded on the
 *   cancelling thread and never run, shutdown returns WPOOL_OK; jobs a
 *   timed-out shutdown discarded: EALREADY;
 * - cancels racing a timed-out shutdown's discards: each job discarded once,
 *   CANCELLED exactly for the OK cancels, else SHUTDOWN;
 * - cancel on a paused priority: OK; the rest runs once resumed.
 */
#include "test_jobs.h"

#include <sched.h>

static wpool_config no_temp_config(void) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 1;
    cfg.max_temp_workers = 0;
    return cfg;
}

/* --- the basic cases --------------------------------------------------------- */

static void cancel_queued(void) {
    wpool_config cfg = no_temp_config();
    test_gate g;
    wpool *p = gated_pool(&cfg, WPOOL_LOW, &g);
    tjob a, b, c;
    tjob_init(&a, p, NULL);
    tjob_init(&b, p, NULL);
    tjob_init(&c, p, NULL);
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &a, 0, WPOOL_FOREVER));
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &b, 0, 0));
    CHECK_OK(submit_tjob(p, WPOOL_HIGH, &c, 0, WPOOL_FOREVER));
    CHECK(a.ticket != b.ticket && b.ticket != c.ticket && a.ticket != c.ticket);

    CHECK_EQ(wpool_discard_reason_now(), WPOOL_DISCARD_NONE);
    CHECK_OK(wpool_cancel(p, a.ticket));
    /* Discarded on this thread, before wpool_cancel returned. */
    CHECK_DISCARDED(&a, WPOOL_DISCARD_CANCELLED);
    CHECK_EQ(atomic_load(&a.discard_tag), 1);
    CHECK_EQ(atomic_load(&a.discard_in_pool), 0);
    CHECK_EQ(atomic_load(&a.reason_after), WPOOL_DISCARD_CANCELLED);
    CHECK_EQ(wpool_discard_reason_now(), WPOOL_DISCARD_NONE);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.submitted[WPOOL_NORMAL], 2);
    CHECK_EQ(s.cancelled[WPOOL_NORMAL], 1);
    CHECK_EQ(s.queued[WPOOL_NORMAL], 1);
    CHECK_EQ(s.queued[WPOOL_HIGH], 1);
    CHECK_EQ(sum3(s.discarded), 0);
    CHECK_EQ(sum3(s.expired), 0);
    CHECK_EQ(s.cancelled[WPOOL_HIGH] + s.cancelled[WPOOL_LOW], 0);

    /* Twice: EALREADY, and nothing more is called or counted. */
    CHECK_RC(wpool_cancel(p, a.ticket), WPOOL_EALREADY);
    CHECK_EQ(atomic_load(&a.discards), 1);
    CHECK_EQ(get_stats(p).cancelled[WPOOL_NORMAL], 1);

    CHECK_OK(wpool_cancel(p, c.ticket)); /* High too */
    CHECK_DISCARDED(&c, WPOOL_DISCARD_CANCELLED);
    CHECK_EQ(get_stats(p).cancelled[WPOOL_HIGH], 1);

    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_RAN(&b);
    CHECK_EQ(atomic_load(&a.runs), 0);
    CHECK_EQ(atomic_load(&c.runs), 0);
    /* A finished job. */
    CHECK_RC(wpool_cancel(p, b.ticket), WPOOL_EALREADY);
    CHECK_RC(wpool_cancel(p, a.ticket), WPOOL_EALREADY);
    CHECK_RAN(&b);
    s = get_stats(p);
    CHECK_EQ(s.completed[WPOOL_NORMAL], 1);
    CHECK_EQ(s.cancelled[WPOOL_NORMAL], 1);
    CHECK_EQ(s.cancelled[WPOOL_HIGH], 1);
    CHECK_EQ(sum3(s.discarded), 0);
    CHECK_LIFECYCLE_BALANCED(s);
    wpool_destroy(p);
}

static void cancel_running_expired_finished(void) {
    wpool_config cfg = no_temp_config();
    wpool *p = make_pool(&cfg);
    test_gate g;
    gate_init(&g);
    tjob r;
    tjob_init(&r, p, &g);
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &r, 0, WPOOL_FOREVER));
    WAIT_GATE_ENTERED(&g, 1);
    CHECK_RC(wpool_cancel(p, r.ticket), WPOOL_EALREADY);
    CHECK_EQ(atomic_load(&g.left), 0); /* not interrupted */
    /* An expired job (deadline already past) queued behind it. */
    tjob e;
    tjob_init(&e, p, NULL);
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &e, past_deadline(), WPOOL_FOREVER));
    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_RAN(&r);
    CHECK_EQ(atomic_load(&g.left), 1);
    CHECK_DISCARDED(&e, WPOOL_DISCARD_EXPIRED);
    CHECK_RC(wpool_cancel(p, r.ticket), WPOOL_EALREADY);
    CHECK_RC(wpool_cancel(p, e.ticket), WPOOL_EALREADY);
    CHECK_RAN(&r);
    CHECK_DISCARDED(&e, WPOOL_DISCARD_EXPIRED);
    wpool_stats s = get_stats(p);
    CHECK_EQ(sum3(s.cancelled), 0);
    CHECK_EQ(s.expired[WPOOL_NORMAL], 1);
    CHECK_EQ(s.completed[WPOOL_NORMAL], 1);
    CHECK_LIFECYCLE_BALANCED(s);
    wpool_destroy(p);
}

static atomic_int plain_runs;
static void plain_job(void *arg) {
    (void)arg;
    atomic_fetch_add(&plain_runs, 1);
}
static atomic_int plain_discards;
static void plain_discard(void *arg) {
    (void)arg;
    atomic_fetch_add(&plain_discards, 1);
}

static void bad_tickets(void) {
    CHECK_RC(wpool_cancel(NULL, 1), WPOOL_EINVAL);
    CHECK_RC(wpool_cancel(NULL, 0), WPOOL_EINVAL);

    wpool_config cfg = no_temp_config();
    for (int l = 0; l < 3; l++)
        cfg.capacity[l] = 2;
    wpool *fresh = make_pool(&cfg);
    CHECK_RC(wpool_cancel(fresh, 0), WPOOL_EINVAL);
    CHECK_RC(wpool_cancel(fresh, 1), WPOOL_EALREADY); /* no job yet */
    CHECK_RC(wpool_cancel(fresh, UINT64_MAX), WPOOL_EALREADY);

    test_gate g;
    wpool *p = gated_pool(&cfg, WPOOL_LOW, &g);
    tjob a, other;
    tjob_init(&a, p, NULL);
    tjob_init(&other, p, NULL);
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &a, 0, WPOOL_FOREVER));
    /* Another pool's ticket names no job of `fresh` (which has none). */
    CHECK_RC(wpool_cancel(fresh, a.ticket), WPOOL_EALREADY);
    CHECK_RC(wpool_cancel(p, a.ticket + 1000), WPOOL_EALREADY);
    CHECK_RC(wpool_cancel(p, a.ticket + (1ull << 40)), WPOOL_EALREADY);
    CHECK_RC(wpool_cancel(p, UINT64_MAX), WPOOL_EALREADY);
    CHECK_UNTOUCHED(&a);

    /* Refusals store ticket 0 (submit_tjob checks it). */
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &other, 0, 0)); /* the ring (2) is full now */
    tjob refused;
    tjob_init(&refused, p, NULL);
    CHECK_RC(submit_tjob(p, WPOOL_NORMAL, &refused, 0, 0), WPOOL_EFULL);
    CHECK_RC(submit_tjob(p, WPOOL_NORMAL, &refused, 0, 20 * MS_NS), WPOOL_ETIMEDOUT);
    CHECK_RC(submit_tjob(p, (wpool_priority)3, &refused, 0, 0), WPOOL_EINVAL);
    CHECK_RC(submit_tjob(NULL, WPOOL_HIGH, &refused, 0, 0), WPOOL_EINVAL);
    wpool_ticket t = 77;
    CHECK_RC(wpool_submit_job(p, WPOOL_HIGH, NULL, NULL, 0, &t), WPOOL_EINVAL);
    CHECK_EQ(t, 0);
    wpool_task norun = {NULL, tjob_discard, &refused};
    t = 77;
    CHECK_RC(wpool_submit_job(p, WPOOL_HIGH, &norun, NULL, 0, &t), WPOOL_EINVAL);
    CHECK_EQ(t, 0);
    /* opts NULL and ticket NULL are allowed. */
    wpool_task pt = {plain_job, plain_discard, NULL};
    atomic_store(&plain_runs, 0);
    CHECK_OK(wpool_submit_job(p, WPOOL_HIGH, &pt, NULL, 0, NULL));
    t = 0;
    CHECK_OK(wpool_submit_job(p, WPOOL_HIGH, &pt, NULL, 0, &t));
    CHECK(t != 0);
    CHECK(t != a.ticket && t != other.ticket);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.rejected[WPOOL_NORMAL], 2);
    CHECK_EQ(s.submitted[WPOOL_NORMAL], 2);
    CHECK_EQ(s.submitted[WPOOL_HIGH], 2);

    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_RAN(&a);
    CHECK_RAN(&other);
    CHECK_UNTOUCHED(&refused);
    CHECK_EQ(atomic_load(&plain_runs), 2);
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    CHECK_RC(submit_tjob(p, WPOOL_HIGH, &refused, 0, WPOOL_FOREVER), WPOOL_ECLOSED);
    CHECK_RC(wpool_cancel(p, 0), WPOOL_EINVAL);
    CHECK_RC(wpool_cancel(p, a.ticket), WPOOL_EALREADY);
    CHECK_UNTOUCHED(&refused);
    wpool_destroy(p);
    wpool_destroy(fresh);
}

/* Jobs submitted without wpool_submit_job() have no ticket: no value cancels
 * them. */
static void untracked_jobs_cannot_be_guessed(void) {
    wpool_config cfg = no_temp_config();
    test_gate g;
    wpool *p = gated_pool(&cfg, WPOOL_LOW, &g);
    atomic_store(&plain_runs, 0);
    atomic_store(&plain_discards, 0);
    tjob first, last;
    tjob_init(&first, p, NULL);
    tjob_init(&last, p, NULL);
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &first, 0, WPOOL_FOREVER));
    wpool_task pt = {plain_job, plain_discard, NULL};
    wpool_task batch[3] = {pt, pt, pt};
    size_t accepted = 0;
    for (int l = 0; l < 3; l++) {
        CHECK_OK(wpool_submit(p, (wpool_priority)l, plain_job, NULL));
        CHECK_OK(wpool_submit_task(p, (wpool_priority)l, &pt, WPOOL_FOREVER));
        CHECK_OK(wpool_submit_batch(p, (wpool_priority)l, batch, 3, WPOOL_FOREVER, &accepted));
        CHECK_EQ(accepted, 3);
    }
    enum { PLAIN = 3 * (1 + 1 + 3) };
    CHECK_OK(submit_tjob(p, WPOOL_LOW, &last, 0, WPOOL_FOREVER));
    uint64_t lo = first.ticket, hi = last.ticket;
    if (lo > hi) {
        uint64_t x = lo;
        lo = hi;
        hi = x;
    }
    /* Every value near the two real tickets (and between them, if close). */
    uint64_t from = lo > 2000 ? lo - 2000 : 1;
    uint64_t to = hi - lo <= 100000 ? hi + 2000 : lo + 2000;
    int tried = 0;
    for (uint64_t v = from; v <= to; v++) {
        if (v == first.ticket || v == last.ticket) continue;
        CHECK_RC(wpool_cancel(p, v), WPOOL_EALREADY);
        tried++;
    }
    if (hi - lo > 100000)
        for (uint64_t v = hi - 2000; v <= hi + 2000; v++)
            if (v != first.ticket && v != last.ticket) CHECK_RC(wpool_cancel(p, v), WPOOL_EALREADY);
    CHECK(tried > 2000);
    CHECK_EQ(atomic_load(&plain_discards), 0);
    CHECK_UNTOUCHED(&first);
    CHECK_UNTOUCHED(&last);
    wpool_stats s = get_stats(p);
    CHECK_EQ(sum3(s.cancelled), 0);
    CHECK_EQ(sum3(s.queued), PLAIN + 2);

    CHECK_OK(wpool_cancel(p, last.ticket)); /* the real ones still work */
    CHECK_DISCARDED(&last, WPOOL_DISCARD_CANCELLED);
    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_EQ(atomic_load(&plain_runs), PLAIN);
    CHECK_EQ(atomic_load(&plain_discards), 0);
    CHECK_RAN(&first);
    s = get_stats(p);
    CHECK_EQ(sum3(s.cancelled), 1);
    CHECK_LIFECYCLE_BALANCED(s);
    wpool_destroy(p);
}

/* A job accepted after waiting for room (the slow path) has a working
 * ticket too. */
typedef struct bg_submit {
    wpool *p;
    tjob *j;
    atomic_int returned, rc;
} bg_submit;

static void *bg_submit_main(void *arg) {
    bg_submit *b = arg;
    tjob_thread_tag = 2;
    atomic_store(&b->rc, submit_tjob(b->p, WPOOL_NORMAL, b->j, 0, WPOOL_FOREVER));
    atomic_store(&b->returned, 1);
    return NULL;
}

static void cancel_after_waiting_for_room(void) {
    wpool_config cfg = no_temp_config();
    for (int l = 0; l < 3; l++)
        cfg.capacity[l] = 2;
    test_gate g1, g2;
    wpool *p = gated_pool(&cfg, WPOOL_LOW, &g1);
    gate_init(&g2);
    tjob a, b, w;
    tjob_init(&a, p, &g2); /* holds the worker again once it starts */
    tjob_init(&b, p, NULL);
    tjob_init(&w, p, NULL);
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &a, 0, 0));
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &b, 0, 0));
    bg_submit bs = {.p = p, .j = &w};
    atomic_init(&bs.returned, 0);
    atomic_init(&bs.rc, 1);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, bg_submit_main, &bs), 0);
    sleep_ms(30);
    CHECK_EQ(atomic_load(&bs.returned), 0); /* waits for room */
    gate_open(&g1);                         /* the worker takes a: room for w */
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_OK(atomic_load(&bs.rc));
    WAIT_GATE_ENTERED(&g2, 1);
    CHECK(w.ticket != 0 && w.ticket != a.ticket && w.ticket != b.ticket);
    CHECK_OK(wpool_cancel(p, w.ticket));
    CHECK_DISCARDED(&w, WPOOL_DISCARD_CANCELLED);
    CHECK_EQ(atomic_load(&w.discard_tag), 1);
    CHECK_RC(wpool_cancel(p, a.ticket), WPOOL_EALREADY); /* running */
    gate_open(&g2);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_RAN(&a);
    CHECK_RAN(&b);
    CHECK_DISCARDED(&w, WPOOL_DISCARD_CANCELLED);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.cancelled[WPOOL_NORMAL], 1);
    CHECK_EQ(s.completed[WPOOL_NORMAL], 2);
    CHECK_LIFECYCLE_BALANCED(s);
    wpool_destroy(p);
}

/* --- from inside a job or a discard callback ---------------------------------- */

typedef struct in_job {
    wpool *p;
    _Atomic uint64_t self, victim; /* tickets, published after submit */
    atomic_int rc_self, rc_victim, done, victim_calls_then;
} in_job;

static void cancelling_job(void *arg) {
    in_job *c = arg;
    uint64_t deadline = now_ns() + 20 * SEC_NS;
    while ((!atomic_load(&c->self) || !atomic_load(&c->victim)) && now_ns() < deadline)
        sleep_us(100);
    atomic_store(&c->rc_victim, wpool_cancel(c->p, atomic_load(&c->victim)));
    atomic_store(&c->rc_self, wpool_cancel(c->p, atomic_load(&c->self)));
    atomic_store(&c->done, 1);
}

static void cancel_from_job(void) {
    wpool_config cfg = no_temp_config();
    wpool *p = make_pool(&cfg);
    in_job c = {.p = p};
    atomic_init(&c.self, 0);
    atomic_init(&c.victim, 0);
    atomic_init(&c.rc_self, 1);
    atomic_init(&c.rc_victim, 1);
    atomic_init(&c.done, 0);
    wpool_task ct = {cancelling_job, NULL, &c};
    wpool_ticket self = 0;
    CHECK_OK(wpool_submit_job(p, WPOOL_NORMAL, &ct, NULL, WPOOL_FOREVER, &self));
    /* The one worker is in cancelling_job (or about to be): the victim waits. */
    tjob v;
    tjob_init(&v, p, NULL);
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &v, 0, WPOOL_FOREVER));
    atomic_store(&c.victim, v.ticket);
    atomic_store(&c.self, self);
    CHECK_EVENTUALLY(atomic_load(&c.done), 20000);
    CHECK_OK(atomic_load(&c.rc_victim));
    CHECK_RC(atomic_load(&c.rc_self), WPOOL_EALREADY); /* a job cannot cancel itself */
    CHECK_DISCARDED(&v, WPOOL_DISCARD_CANCELLED);
    CHECK_EQ(atomic_load(&v.discard_in_pool), 1); /* on the worker, the cancelling thread */
    CHECK_EQ(atomic_load(&v.discard_tag), 0);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.cancelled[WPOOL_NORMAL], 1);
    CHECK_EQ(s.completed[WPOOL_NORMAL], 1);
    CHECK_LIFECYCLE_BALANCED(s);
    wpool_destroy(p);
}

typedef struct nested {
    wpool *p;
    tjob *victim;
    atomic_int rc;
    atomic_int reason_inside; /* the outer callback's reason, just before cancelling */
} nested;

static void cancel_victim_hook(tjob *j) {
    nested *n = j->ctx;
    atomic_store(&n->reason_inside, (int)wpool_discard_reason_now());
    atomic_store(&n->rc, wpool_cancel(n->p, n->victim->ticket));
}

static void nested_init(nested *n, wpool *p, tjob *outer, tjob *victim) {
    n->p = p;
    n->victim = victim;
    atomic_init(&n->rc, 1);
    atomic_init(&n->reason_inside, -1);
    outer->ctx = n;
    outer->on_discard = cancel_victim_hook;
}

static void cancel_from_discard(void) {
    wpool_config cfg = no_temp_config();
    test_gate g;
    wpool *p = gated_pool(&cfg, WPOOL_NORMAL, &g);

    /* Outer: cancelled by this thread. */
    tjob a, b;
    nested n1;
    tjob_init(&a, p, NULL);
    tjob_init(&b, p, NULL);
    nested_init(&n1, p, &a, &b);
    CHECK_OK(submit_tjob(p, WPOOL_LOW, &a, 0, WPOOL_FOREVER));
    CHECK_OK(submit_tjob(p, WPOOL_LOW, &b, 0, WPOOL_FOREVER));
    CHECK_OK(wpool_cancel(p, a.ticket));
    CHECK_DISCARDED(&a, WPOOL_DISCARD_CANCELLED);
    CHECK_OK(atomic_load(&n1.rc));
    CHECK_DISCARDED(&b, WPOOL_DISCARD_CANCELLED);
    CHECK_EQ(atomic_load(&b.discard_tag), 1);
    CHECK_EQ(atomic_load(&b.reason_after), WPOOL_DISCARD_CANCELLED);
    CHECK_EQ(atomic_load(&a.reason_after), WPOOL_DISCARD_CANCELLED);
    CHECK_EQ(wpool_discard_reason_now(), WPOOL_DISCARD_NONE);

    /* Outer: expired on the worker; the victim (Low) is still queued when the
     * worker reaches the expired High job. */
    tjob x, y, z;
    nested n2;
    tjob_init(&x, p, NULL);
    tjob_init(&y, p, NULL);
    tjob_init(&z, p, NULL);
    nested_init(&n2, p, &x, &y);
    CHECK_OK(submit_tjob(p, WPOOL_LOW, &y, 0, WPOOL_FOREVER));
    CHECK_OK(submit_tjob(p, WPOOL_LOW, &z, 0, WPOOL_FOREVER));
    CHECK_OK(submit_tjob(p, WPOOL_HIGH, &x, past_deadline(), WPOOL_FOREVER));
    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_DISCARDED(&x, WPOOL_DISCARD_EXPIRED);
    CHECK_EQ(atomic_load(&x.discard_in_pool), 1);
    CHECK_EQ(atomic_load(&n2.reason_inside), WPOOL_DISCARD_EXPIRED);
    CHECK_OK(atomic_load(&n2.rc));
    CHECK_DISCARDED(&y, WPOOL_DISCARD_CANCELLED);
    CHECK_EQ(atomic_load(&y.discard_in_pool), 1);
    CHECK_EQ(atomic_load(&y.reason_after), WPOOL_DISCARD_CANCELLED);
    CHECK_EQ(atomic_load(&x.reason_after), WPOOL_DISCARD_EXPIRED); /* restored */
    CHECK_RAN(&z);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.cancelled[WPOOL_LOW], 3); /* a, b and y */
    CHECK_EQ(s.expired[WPOOL_HIGH], 1);
    CHECK_LIFECYCLE_BALANCED(s);

    /* Outer: discarded by a shutdown (its priority paused). The shutdown may
     * reach the victim first: then the nested cancel is EALREADY. */
    tjob u, w;
    nested n3;
    tjob_init(&u, p, NULL);
    tjob_init(&w, p, NULL);
    nested_init(&n3, p, &u, &w);
    CHECK_OK(wpool_pause(p, WPOOL_LOW));
    CHECK_OK(submit_tjob(p, WPOOL_LOW, &u, 0, WPOOL_FOREVER));
    CHECK_OK(submit_tjob(p, WPOOL_LOW, &w, 0, WPOOL_FOREVER));
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    CHECK_DISCARDED(&u, WPOOL_DISCARD_SHUTDOWN);
    CHECK_EQ(atomic_load(&n3.reason_inside), WPOOL_DISCARD_SHUTDOWN);
    CHECK_EQ(atomic_load(&u.reason_after), WPOOL_DISCARD_SHUTDOWN);
    int rc = atomic_load(&n3.rc);
    CHECK(rc == WPOOL_OK || rc == WPOOL_EALREADY);
    CHECK_DISCARDED(&w, rc == WPOOL_OK ? WPOOL_DISCARD_CANCELLED : WPOOL_DISCARD_SHUTDOWN);
    s = get_stats(p);
    CHECK_EQ(s.cancelled[WPOOL_LOW], 3 + (rc == WPOOL_OK));
    CHECK_EQ(s.discarded[WPOOL_LOW], 2 - (rc == WPOOL_OK));
    CHECK_LIFECYCLE_BALANCED(s);
    CHECK_EQ(wpool_discard_reason_now(), WPOOL_DISCARD_NONE);
    wpool_destroy(p);
}

/* --- racing the start ------------------------------------------------------------ */

#define RACE_MAX   20000
#define CANCELLERS 2
static tjob race_jobs[RACE_MAX];
static _Atomic uint64_t race_tickets[RACE_MAX];
static atomic_int race_rc[CANCELLERS][RACE_MAX];

typedef struct race {
    wpool *p;
    int n;
    int id;
} race;

static void *race_producer(void *arg) {
    race *r = arg;
    tjob_thread_tag = 50;
    for (int i = 0; i < r->n; i++) {
        tjob_init(&race_jobs[i], r->p, NULL);
        CHECK_OK(submit_tjob(r->p, (wpool_priority)(i % 3), &race_jobs[i], 0, WPOOL_FOREVER));
        atomic_store(&race_tickets[i], race_jobs[i].ticket);
    }
    return NULL;
}

static void *race_canceller(void *arg) {
    race *r = arg;
    tjob_thread_tag = 100 + r->id;
    for (int i = 0; i < r->n; i++) {
        uint64_t t;
        while ((t = atomic_load(&race_tickets[i])) == 0)
            sched_yield();
        atomic_store(&race_rc[r->id][i], wpool_cancel(r->p, t));
    }
    return NULL;
}

static void cancel_races_start(void) {
#if defined(WPOOL_TEST_SANITIZED)
    const int n = 4000;
#else
    const int n = RACE_MAX;
#endif
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 2;
    cfg.max_temp_workers = 1;
    for (int l = 0; l < 3; l++)
        cfg.capacity[l] = 8;
    wpool *p = make_pool(&cfg);
    for (int i = 0; i < n; i++) {
        atomic_store(&race_tickets[i], 0);
        for (int k = 0; k < CANCELLERS; k++)
            atomic_store(&race_rc[k][i], 1);
    }
    race prod = {p, n, 0}, canc[CANCELLERS];
    pthread_t tp, tc[CANCELLERS];
    for (int k = 0; k < CANCELLERS; k++) {
        canc[k] = (race){p, n, k};
        CHECK_EQ(pthread_create(&tc[k], NULL, race_canceller, &canc[k]), 0);
    }
    CHECK_EQ(pthread_create(&tp, NULL, race_producer, &prod), 0);
    CHECK_EQ(pthread_join(tp, NULL), 0);
    for (int k = 0; k < CANCELLERS; k++)
        CHECK_EQ(pthread_join(tc[k], NULL), 0);
    CHECK_OK(wpool_wait_idle(p, 60 * SEC_NS));

    int ran = 0, cancelled = 0;
    uint64_t prio_cancelled[3] = {0, 0, 0};
    for (int i = 0; i < n; i++) {
        tjob *j = &race_jobs[i];
        int oks = 0, winner = -1;
        for (int k = 0; k < CANCELLERS; k++) {
            int rc = atomic_load(&race_rc[k][i]);
            CHECK(rc == WPOOL_OK || rc == WPOOL_EALREADY);
            if (rc == WPOOL_OK) {
                oks++;
                winner = k;
            }
        }
        CHECK_EQ(tjob_calls(j), 1);
        if (atomic_load(&j->runs)) {
            CHECK_EQ(oks, 0);
            ran++;
        } else {
            CHECK_EQ(oks, 1);
            CHECK_DISCARDED(j, WPOOL_DISCARD_CANCELLED);
            CHECK_EQ(atomic_load(&j->discard_tag), 100 + winner);
            cancelled++;
            prio_cancelled[i % 3]++;
        }
    }
    wpool_stats s = get_stats(p);
    CHECK_EQ(sum3(s.submitted), n);
    CHECK_EQ(sum3(s.completed), ran);
    for (int l = 0; l < 3; l++)
        CHECK_EQ(s.cancelled[l], prio_cancelled[l]);
    CHECK_EQ(sum3(s.expired), 0);
    CHECK_EQ(sum3(s.discarded), 0);
    CHECK_LIFECYCLE_BALANCED(s);
    printf("race: %d jobs, %d ran, %d cancelled\n", n, ran, cancelled);
    wpool_destroy(p);
}

/* --- during a shutdown, while paused ----------------------------------------------- */

static void cancel_during_shutdown(void) {
    wpool_config cfg = no_temp_config();
    test_gate g;
    wpool *p = gated_pool(&cfg, WPOOL_LOW, &g);
    tjob a, b;
    tjob_init(&a, p, NULL);
    tjob_init(&b, p, NULL);
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &a, 0, WPOOL_FOREVER));
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &b, 0, WPOOL_FOREVER));

    shutdown_call c;
    start_shutdown(&c, p, 0);
    CHECK(wait_until(pool_closed, p, 10000));
    CHECK_OK(wpool_cancel(p, a.ticket));
    CHECK_DISCARDED(&a, WPOOL_DISCARD_CANCELLED);
    CHECK_EQ(atomic_load(&a.discard_tag), 1);
    CHECK_EQ(atomic_load(&c.returned), 0); /* the gate still holds */
    CHECK_EQ(get_stats(p).queued[WPOOL_NORMAL], 1);
    gate_open(&g);
    CHECK_OK(join_shutdown(&c));
    CHECK_DISCARDED(&a, WPOOL_DISCARD_CANCELLED);
    CHECK_RAN(&b);
    CHECK_RC(wpool_cancel(p, b.ticket), WPOOL_EALREADY);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.cancelled[WPOOL_NORMAL], 1);
    CHECK_EQ(sum3(s.discarded), 0);
    CHECK_LIFECYCLE_BALANCED(s);
    wpool_destroy(p);

    /* A shutdown whose timeout passes discards the queued jobs: they can no
     * longer be cancelled. */
    p = gated_pool(&cfg, WPOOL_LOW, &g);
    tjob d;
    tjob_init(&d, p, NULL);
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &d, 0, WPOOL_FOREVER));
    CHECK_RC(wpool_shutdown(p, 50 * MS_NS), WPOOL_ETIMEDOUT);
    CHECK_EVENTUALLY(tjob_calls(&d) == 1, 10000);
    CHECK_DISCARDED(&d, WPOOL_DISCARD_SHUTDOWN);
    CHECK_RC(wpool_cancel(p, d.ticket), WPOOL_EALREADY);
    CHECK_EQ(atomic_load(&d.discards), 1);
    gate_open(&g);
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    s = get_stats(p);
    CHECK_EQ(s.discarded[WPOOL_NORMAL], 1);
    CHECK_EQ(sum3(s.cancelled), 0);
    CHECK_LIFECYCLE_BALANCED(s);
    wpool_destroy(p);
}

/* Cancels racing the discards of a shutdown whose timeout passed: each job
 * is discarded once, CANCELLED exactly when a cancel returned OK for it (on
 * that canceller's thread), else SHUTDOWN. */
typedef struct sd_race {
    wpool *p;
    int n, id;
} sd_race;

static void *sd_canceller(void *arg) {
    sd_race *r = arg;
    tjob_thread_tag = 100 + r->id;
    for (int k = 0; k < r->n; k++) {
        int i = r->id ? r->n - 1 - k : k; /* one from each end */
        atomic_store(&race_rc[r->id][i], wpool_cancel(r->p, race_jobs[i].ticket));
    }
    return NULL;
}

static void cancel_races_shutdown_discards(void) {
#if defined(WPOOL_TEST_SANITIZED)
    const int n = 1000;
#else
    const int n = 4000;
#endif
    wpool_config cfg = no_temp_config();
    test_gate g;
    wpool *p = gated_pool(&cfg, WPOOL_HIGH, &g);
    for (int i = 0; i < n; i++) {
        tjob_init(&race_jobs[i], p, NULL);
        CHECK_OK(submit_tjob(p, (wpool_priority)(1 + i % 2), &race_jobs[i], 0, WPOOL_FOREVER));
        for (int k = 0; k < CANCELLERS; k++)
            atomic_store(&race_rc[k][i], 1);
    }
    sd_race r[CANCELLERS];
    pthread_t t[CANCELLERS];
    for (int k = 0; k < CANCELLERS; k++) {
        r[k] = (sd_race){p, n, k};
        CHECK_EQ(pthread_create(&t[k], NULL, sd_canceller, &r[k]), 0);
    }
    CHECK_RC(wpool_shutdown(p, 0), WPOOL_ETIMEDOUT); /* the gate holds: discard the rest */
    for (int k = 0; k < CANCELLERS; k++)
        CHECK_EQ(pthread_join(t[k], NULL), 0);
    gate_open(&g);
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    int cancelled = 0;
    for (int i = 0; i < n; i++) {
        tjob *j = &race_jobs[i];
        int oks = 0, winner = -1;
        for (int k = 0; k < CANCELLERS; k++) {
            int rc = atomic_load(&race_rc[k][i]);
            CHECK(rc == WPOOL_OK || rc == WPOOL_EALREADY);
            if (rc == WPOOL_OK) {
                oks++;
                winner = k;
            }
        }
        CHECK(oks <= 1);
        CHECK_EQ(atomic_load(&j->runs), 0);
        CHECK_EQ(atomic_load(&j->discards), 1);
        if (oks) {
            CHECK_EQ(atomic_load(&j->reason), WPOOL_DISCARD_CANCELLED);
            CHECK_EQ(atomic_load(&j->discard_tag), 100 + winner);
            cancelled++;
        } else {
            CHECK_EQ(atomic_load(&j->reason), WPOOL_DISCARD_SHUTDOWN);
        }
    }
    wpool_stats s = get_stats(p);
    CHECK_EQ(sum3(s.cancelled), cancelled);
    CHECK_EQ(sum3(s.discarded), n - cancelled);
    CHECK_LIFECYCLE_BALANCED(s);
    printf("shutdown race: %d jobs, %d cancelled, %d discarded by the shutdown\n", n, cancelled,
           n - cancelled);
    wpool_destroy(p);
}

static void cancel_paused(void) {
    wpool_config cfg = no_temp_config();
    wpool *p = make_pool(&cfg);
    CHECK_OK(wpool_pause(p, WPOOL_NORMAL));
    tjob a, b;
    tjob_init(&a, p, NULL);
    tjob_init(&b, p, NULL);
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &a, 0, WPOOL_FOREVER));
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &b, 0, WPOOL_FOREVER));
    CHECK_OK(wpool_cancel(p, a.ticket));
    CHECK_DISCARDED(&a, WPOOL_DISCARD_CANCELLED);
    CHECK_EQ(atomic_load(&a.discard_tag), 1);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.queued[WPOOL_NORMAL], 1);
    CHECK_EQ(s.cancelled[WPOOL_NORMAL], 1);
    CHECK_UNTOUCHED(&b);
    CHECK_OK(wpool_resume(p, WPOOL_NORMAL));
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_RAN(&b);
    CHECK_DISCARDED(&a, WPOOL_DISCARD_CANCELLED);
    s = get_stats(p);
    CHECK_LIFECYCLE_BALANCED(s);
    wpool_destroy(p);
}

int main(void) {
    test_watchdog("test_cancel", 300);
    tjob_thread_tag = 1;
    cancel_queued();
    cancel_running_expired_finished();
    bad_tickets();
    untracked_jobs_cannot_be_guessed();
    cancel_after_waiting_for_room();
    cancel_from_job();
    cancel_from_discard();
    cancel_races_start();
    cancel_during_shutdown();
    cancel_races_shutdown_discards();
    cancel_paused();
    test_summary("test_cancel");
    return 0;
}
