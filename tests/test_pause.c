/*
 * test_pause: wpool_pause() and wpool_resume().
 *
 * - a paused priority's jobs stay queued (intake stays open) while the other
 *   priorities' jobs run, also lower ones; resume runs them; both calls are
 *   idempotent; stats.paused has bit (1 << prio) exactly for the paused ones;
 *   EINVAL for a NULL pool or a priority out of range;
 * - a job already running when its priority is paused runs to its end;
 * - wpool_wait_idle returns OK when only paused jobs are queued (ETIMEDOUT
 *   while a job still runs);
 * - wpool_shutdown with paused jobs: the others run, the paused ones are
 *   discarded (reason SHUTDOWN, on the shutting-down thread, never run) and it
 *   returns WPOOL_OK, also when it first has to wait for a running job;
 *   wpool_destroy with a paused priority does not hang and discards them;
 * - wpool_help() from a job runs no paused job; an expired one is discarded
 *   there (EXPIRED), a cancelled one skipped;
 * - wpool_pause racing the start of a shutdown, on a priority already paused:
 *   OK or ECLOSED, and nothing changes: its jobs are discarded, not run;
 * - after shutdown began: pause is ECLOSED (nothing changes); resume is
 *   allowed, and the resumed jobs run instead of being discarded;
 * - High paused with temporary workers: no thread (temporary or regular)
 *   starts paused High work, Normal work still runs; resume runs it;
 * - a deadline of a paused job is looked at when it is taken: past it while
 *   paused, the job stays queued; on resume it expires; at a shutdown it is
 *   a shutdown discard (reason SHUTDOWN, counted in discarded);
 * - from inside a job: pause its own priority (then submit to it: queued,
 *   not run), resume from another job.
 */
#include "test_jobs.h"

#include <sched.h>

static wpool_config small_config(unsigned workers, unsigned max_temp) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = workers;
    cfg.max_temp_workers = max_temp;
    return cfg;
}

static void others_run_while_paused(void) {
    enum { N = 5 };
    wpool_config cfg = small_config(2, 0);
    wpool *p = make_pool(&cfg);
    CHECK_RC(wpool_pause(NULL, WPOOL_NORMAL), WPOOL_EINVAL);
    CHECK_RC(wpool_pause(p, (wpool_priority)3), WPOOL_EINVAL);
    CHECK_RC(wpool_pause(p, (wpool_priority)-1), WPOOL_EINVAL);
    CHECK_RC(wpool_resume(NULL, WPOOL_NORMAL), WPOOL_EINVAL);
    CHECK_RC(wpool_resume(p, (wpool_priority)3), WPOOL_EINVAL);
    CHECK_EQ(get_stats(p).paused, 0);
    CHECK_OK(wpool_resume(p, WPOOL_NORMAL)); /* not paused: harmless */

    CHECK_OK(wpool_pause(p, WPOOL_NORMAL));
    CHECK_OK(wpool_pause(p, WPOOL_NORMAL)); /* idempotent */
    CHECK_EQ(get_stats(p).paused, 1u << WPOOL_NORMAL);
    tjob normal[N], low[N], high[N];
    for (int i = 0; i < N; i++) {
        tjob_init(&normal[i], p, NULL);
        tjob_init(&low[i], p, NULL);
        tjob_init(&high[i], p, NULL);
        CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &normal[i], 0, WPOOL_FOREVER));
        CHECK_OK(submit_tjob(p, WPOOL_LOW, &low[i], 0, WPOOL_FOREVER));
        CHECK_OK(submit_tjob(p, WPOOL_HIGH, &high[i], 0, WPOOL_FOREVER));
    }
    /* Only paused jobs left: idle. */
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_OK(wpool_wait_idle(p, 0));
    sleep_ms(20);
    for (int i = 0; i < N; i++) {
        CHECK_RAN(&low[i]);
        CHECK_RAN(&high[i]);
        CHECK_UNTOUCHED(&normal[i]);
    }
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.queued[WPOOL_NORMAL], N);
    CHECK_EQ(s.completed[WPOOL_NORMAL], 0);
    CHECK_EQ(s.completed[WPOOL_LOW], N);
    CHECK_EQ(s.paused, 1u << WPOOL_NORMAL);

    CHECK_OK(wpool_pause(p, WPOOL_LOW));
    CHECK_EQ(get_stats(p).paused, (1u << WPOOL_NORMAL) | (1u << WPOOL_LOW));
    CHECK_OK(wpool_resume(p, WPOOL_NORMAL));
    CHECK_OK(wpool_resume(p, WPOOL_NORMAL));
    CHECK_EQ(get_stats(p).paused, 1u << WPOOL_LOW);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    for (int i = 0; i < N; i++)
        CHECK_RAN(&normal[i]);
    CHECK_OK(wpool_resume(p, WPOOL_LOW));
    CHECK_EQ(get_stats(p).paused, 0);
    s = get_stats(p);
    CHECK_EQ(s.completed[WPOOL_NORMAL], N);
    CHECK_LIFECYCLE_BALANCED(s);
    wpool_destroy(p);
}

static void running_job_goes_on(void) {
    wpool_config cfg = small_config(1, 0);
    wpool *p = make_pool(&cfg);
    test_gate g;
    gate_init(&g);
    tjob r, q;
    tjob_init(&r, p, &g);
    tjob_init(&q, p, NULL);
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &r, 0, WPOOL_FOREVER));
    WAIT_GATE_ENTERED(&g, 1);
    CHECK_OK(wpool_pause(p, WPOOL_NORMAL));
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &q, 0, WPOOL_FOREVER));
    /* The running job still counts: not idle. */
    CHECK_RC(wpool_wait_idle(p, 0), WPOOL_ETIMEDOUT);
    CHECK_RC(wpool_wait_idle(p, 20 * MS_NS), WPOOL_ETIMEDOUT);
    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_RAN(&r);
    CHECK_UNTOUCHED(&q);
    CHECK_EQ(get_stats(p).queued[WPOOL_NORMAL], 1);
    CHECK_OK(wpool_resume(p, WPOOL_NORMAL));
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_RAN(&q);
    wpool_destroy(p);
}

static void shutdown_discards_paused(void) {
    enum { N = 6 };
    /* Right away, on this thread. */
    wpool_config cfg = small_config(1, 0);
    wpool *p = make_pool(&cfg);
    tjob low[N], normal;
    CHECK_OK(wpool_pause(p, WPOOL_LOW));
    for (int i = 0; i < N; i++) {
        tjob_init(&low[i], p, NULL);
        CHECK_OK(submit_tjob(p, WPOOL_LOW, &low[i], 0, WPOOL_FOREVER));
    }
    tjob_init(&normal, p, NULL);
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &normal, 0, WPOOL_FOREVER));
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    CHECK_RAN(&normal);
    for (int i = 0; i < N; i++) {
        CHECK_DISCARDED(&low[i], WPOOL_DISCARD_SHUTDOWN);
        CHECK_EQ(atomic_load(&low[i].discard_tag), 1); /* this thread */
        CHECK_RC(wpool_cancel(p, low[i].ticket), WPOOL_EALREADY);
    }
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.discarded[WPOOL_LOW], N);
    CHECK_EQ(s.cancelled[WPOOL_LOW] + s.expired[WPOOL_LOW], 0);
    CHECK_LIFECYCLE_BALANCED(s);
    CHECK_OK(wpool_shutdown(p, 0));
    wpool_destroy(p);

    /* After waiting for a running job, on the shutting-down thread. */
    test_gate g;
    p = gated_pool(&cfg, WPOOL_HIGH, &g);
    CHECK_OK(wpool_pause(p, WPOOL_NORMAL));
    for (int i = 0; i < N; i++) {
        tjob_init(&low[i], p, NULL);
        CHECK_OK(submit_tjob(p, i % 2 ? WPOOL_LOW : WPOOL_NORMAL, &low[i], 0, WPOOL_FOREVER));
    }
    shutdown_call c;
    start_shutdown(&c, p, 7);
    CHECK(wait_until(pool_closed, p, 10000));
    sleep_ms(20);
    CHECK_EQ(atomic_load(&c.returned), 0);
    for (int i = 0; i < N; i++)
        CHECK_UNTOUCHED(&low[i]);
    gate_open(&g);
    CHECK_OK(join_shutdown(&c));
    for (int i = 0; i < N; i++) {
        if (i % 2) {
            CHECK_RAN(&low[i]);
        } else {
            CHECK_DISCARDED(&low[i], WPOOL_DISCARD_SHUTDOWN);
            CHECK_EQ(atomic_load(&low[i].discard_tag), 7);
        }
    }
    s = get_stats(p);
    CHECK_EQ(s.discarded[WPOOL_NORMAL], N / 2);
    CHECK_EQ(s.completed[WPOOL_LOW], N / 2);
    CHECK_LIFECYCLE_BALANCED(s);
    wpool_destroy(p);

    /* wpool_destroy without a shutdown: does not hang, discards them. */
    p = make_pool(&cfg);
    CHECK_OK(wpool_pause(p, WPOOL_HIGH));
    CHECK_OK(wpool_pause(p, WPOOL_NORMAL));
    for (int i = 0; i < N; i++) {
        tjob_init(&low[i], NULL, NULL);
        CHECK_OK(submit_tjob(p, i % 2 ? WPOOL_HIGH : WPOOL_NORMAL, &low[i], 0, WPOOL_FOREVER));
    }
    wpool_destroy(p);
    for (int i = 0; i < N; i++)
        CHECK_DISCARDED(&low[i], WPOOL_DISCARD_SHUTDOWN);
}

static void pause_resume_during_shutdown(void) {
    enum { N = 4 };
    wpool_config cfg = small_config(1, 0);
    test_gate g;
    wpool *p = gated_pool(&cfg, WPOOL_HIGH, &g);
    CHECK_OK(wpool_pause(p, WPOOL_LOW));
    tjob low[N], normal[N];
    for (int i = 0; i < N; i++) {
        tjob_init(&low[i], p, NULL);
        tjob_init(&normal[i], p, NULL);
        CHECK_OK(submit_tjob(p, WPOOL_LOW, &low[i], 0, WPOOL_FOREVER));
        CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &normal[i], 0, WPOOL_FOREVER));
    }
    shutdown_call c;
    start_shutdown(&c, p, 7);
    CHECK(wait_until(pool_closed, p, 10000));
    /* Pausing now is refused and changes nothing. */
    CHECK_RC(wpool_pause(p, WPOOL_NORMAL), WPOOL_ECLOSED);
    CHECK_RC(wpool_pause(p, WPOOL_LOW), WPOOL_ECLOSED);
    CHECK_EQ(get_stats(p).paused, 1u << WPOOL_LOW);
    /* Resuming is allowed: the Low jobs will run, not be discarded. */
    CHECK_OK(wpool_resume(p, WPOOL_LOW));
    CHECK_EQ(get_stats(p).paused, 0);
    CHECK_EQ(atomic_load(&c.returned), 0);
    gate_open(&g);
    CHECK_OK(join_shutdown(&c));
    for (int i = 0; i < N; i++) {
        CHECK_RAN(&low[i]);
        CHECK_RAN(&normal[i]);
    }
    wpool_stats s = get_stats(p);
    CHECK_EQ(sum3(s.discarded), 0);
    CHECK_LIFECYCLE_BALANCED(s);
    CHECK_RC(wpool_pause(p, WPOOL_HIGH), WPOOL_ECLOSED);
    CHECK_OK(wpool_resume(p, WPOOL_HIGH));
    CHECK_EQ(get_stats(p).paused, 0);
    wpool_destroy(p);
}

static void pause_high_with_temp_workers(void) {
    enum { N = 4 };
    wpool_config cfg = small_config(1, 2);
    cfg.temp_spares = 1;
    wpool *p = make_pool(&cfg);
    CHECK_OK(wpool_pause(p, WPOOL_HIGH));
    tjob high[N];
    for (int i = 0; i < N; i++) {
        tjob_init(&high[i], p, NULL);
        CHECK_OK(submit_tjob(p, WPOOL_HIGH, &high[i], 0, WPOOL_FOREVER));
    }
    /* With the regular worker held too, the High work finds every regular
     * thread busy: temporary workers may start, but run none of it. */
    test_gate g;
    gate_init(&g);
    CHECK_OK(wpool_submit(p, WPOOL_NORMAL, gate_job, &g));
    WAIT_GATE_ENTERED(&g, 1);
    tjob more;
    tjob_init(&more, p, NULL);
    CHECK_OK(submit_tjob(p, WPOOL_HIGH, &more, 0, WPOOL_FOREVER));
    sleep_ms(100);
    for (int i = 0; i < N; i++)
        CHECK_UNTOUCHED(&high[i]);
    CHECK_UNTOUCHED(&more);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.queued[WPOOL_HIGH], N + 1);
    CHECK_EQ(s.completed[WPOOL_HIGH], 0);
    CHECK_EQ(s.running[WPOOL_HIGH], 0);
    /* Resumed, with the regular worker still held: temporary workers run it. */
    CHECK_OK(wpool_resume(p, WPOOL_HIGH));
    CHECK_EVENTUALLY(get_stats(p).completed[WPOOL_HIGH] == N + 1, 20000);
    for (int i = 0; i < N; i++) {
        CHECK_RAN(&high[i]);
        CHECK_EQ(atomic_load(&high[i].runs), 1);
    }
    CHECK_RAN(&more);
    CHECK_EQ(atomic_load(&g.left), 0);
    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_LIFECYCLE_BALANCED(get_stats(p));
    wpool_destroy(p);
}

static void paused_deadline(void) {
    wpool_config cfg = small_config(1, 0);
    wpool *p = make_pool(&cfg);
    CHECK_OK(wpool_pause(p, WPOOL_NORMAL));
    tjob a, b;
    tjob_init(&a, p, NULL);
    tjob_init(&b, p, NULL);
    uint64_t soon = wpool_now_ns() + 10 * MS_NS;
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &a, soon, WPOOL_FOREVER));
    CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &b, wpool_now_ns() + 3600 * SEC_NS, WPOOL_FOREVER));
    wait_past(soon);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_UNTOUCHED(&a); /* looked at only when taken */
    CHECK_EQ(get_stats(p).expired[WPOOL_NORMAL], 0);
    CHECK_OK(wpool_resume(p, WPOOL_NORMAL));
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_DISCARDED(&a, WPOOL_DISCARD_EXPIRED);
    CHECK_EQ(atomic_load(&a.discard_in_pool), 1);
    CHECK_RAN(&b);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.expired[WPOOL_NORMAL], 1);
    CHECK_LIFECYCLE_BALANCED(s);
    wpool_destroy(p);
}

/* A job pauses and resumes priorities: its own included. */
typedef struct pauser {
    wpool *p;
    tjob *later; /* submitted by the job, at its own (paused) priority */
    atomic_int rc_pause, rc_submit, done;
} pauser;

static void pausing_job(void *arg) {
    pauser *pz = arg;
    atomic_store(&pz->rc_pause, wpool_pause(pz->p, WPOOL_NORMAL));
    atomic_store(&pz->rc_submit, submit_tjob(pz->p, WPOOL_NORMAL, pz->later, 0, WPOOL_FOREVER));
    atomic_store(&pz->done, 1);
}

static atomic_int resume_rc;
static void resuming_job(void *arg) {
    atomic_store(&resume_rc, wpool_resume(arg, WPOOL_NORMAL));
}

static void from_a_job(void) {
    wpool_config cfg = small_config(1, 0);
    wpool *p = make_pool(&cfg);
    tjob later;
    tjob_init(&later, p, NULL);
    pauser pz = {.p = p, .later = &later};
    atomic_init(&pz.rc_pause, 1);
    atomic_init(&pz.rc_submit, 1);
    atomic_init(&pz.done, 0);
    CHECK_OK(wpool_submit(p, WPOOL_NORMAL, pausing_job, &pz));
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS)); /* only the paused job is left */
    CHECK_EQ(atomic_load(&pz.done), 1);
    CHECK_OK(atomic_load(&pz.rc_pause));
    CHECK_OK(atomic_load(&pz.rc_submit));
    CHECK_UNTOUCHED(&later);
    CHECK_EQ(get_stats(p).paused, 1u << WPOOL_NORMAL);
    atomic_store(&resume_rc, 1);
    CHECK_OK(wpool_submit(p, WPOOL_LOW, resuming_job, p));
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_OK(atomic_load(&resume_rc));
    CHECK_RAN(&later);
    CHECK_EQ(get_stats(p).paused, 0);
    CHECK_LIFECYCLE_BALANCED(get_stats(p));
    wpool_destroy(p);
}

/* A paused job past its deadline at shutdown: discarded as a shutdown
 * discard (its deadline is looked at only when a worker takes it). */
static void paused_deadline_at_shutdown(void) {
    wpool_config cfg = small_config(1, 0);
    wpool *p = make_pool(&cfg);
    CHECK_OK(wpool_pause(p, WPOOL_LOW));
    tjob a;
    tjob_init(&a, p, NULL);
    CHECK_OK(submit_tjob(p, WPOOL_LOW, &a, past_deadline(), WPOOL_FOREVER));
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    CHECK_DISCARDED(&a, WPOOL_DISCARD_SHUTDOWN);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.discarded[WPOOL_LOW], 1);
    CHECK_EQ(s.expired[WPOOL_LOW], 0);
    CHECK_LIFECYCLE_BALANCED(s);
    wpool_destroy(p);
}

/* wpool_help() from a job takes what a worker would: not paused jobs, and
 * an expired job is discarded (EXPIRED) there instead of run. */
typedef struct helper {
    wpool *p;
    atomic_int helped, done;
} helper;

static void helping_job(void *arg) {
    helper *h = arg;
    int n = 0;
    while (wpool_help(h->p) == 1 && n < 100)
        n++;
    atomic_store(&h->helped, n);
    atomic_store(&h->done, 1);
}

static void help_skips_paused(void) {
    enum { N = 3 };
    wpool_config cfg = small_config(1, 0);
    test_gate g;
    wpool *p = gated_pool(&cfg, WPOOL_HIGH, &g);
    CHECK_OK(wpool_pause(p, WPOOL_NORMAL));
    tjob normal[N], low, expired, cancelled;
    for (int i = 0; i < N; i++) {
        tjob_init(&normal[i], p, NULL);
        CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &normal[i], 0, WPOOL_FOREVER));
    }
    tjob_init(&low, p, NULL);
    tjob_init(&expired, p, NULL);
    tjob_init(&cancelled, p, NULL);
    CHECK_OK(submit_tjob(p, WPOOL_LOW, &cancelled, 0, WPOOL_FOREVER));
    CHECK_OK(submit_tjob(p, WPOOL_LOW, &expired, past_deadline(), WPOOL_FOREVER));
    CHECK_OK(submit_tjob(p, WPOOL_LOW, &low, 0, WPOOL_FOREVER));
    CHECK_OK(wpool_cancel(p, cancelled.ticket));
    helper h = {.p = p};
    atomic_init(&h.helped, -1);
    atomic_init(&h.done, 0);
    CHECK_OK(wpool_submit(p, WPOOL_HIGH, helping_job, &h)); /* next, on the one worker */
    gate_open(&g);
    CHECK_EVENTUALLY(atomic_load(&h.done), 20000);
    CHECK_EQ(atomic_load(&h.helped), 2); /* expired and low; not the paused ones */
    CHECK_RAN(&low);
    CHECK_DISCARDED(&expired, WPOOL_DISCARD_EXPIRED);
    CHECK_EQ(atomic_load(&expired.discard_in_pool), 1);
    CHECK_DISCARDED(&cancelled, WPOOL_DISCARD_CANCELLED);
    for (int i = 0; i < N; i++)
        CHECK_UNTOUCHED(&normal[i]);
    CHECK_OK(wpool_resume(p, WPOOL_NORMAL));
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    for (int i = 0; i < N; i++)
        CHECK_RAN(&normal[i]);
    CHECK_LIFECYCLE_BALANCED(get_stats(p));
    wpool_destroy(p);
}

/* wpool_pause racing the start of a shutdown, on a priority that is already
 * paused: whatever each call returns (OK before, ECLOSED after), it changes
 * nothing, so the paused jobs are discarded by the shutdown, never run. */
typedef struct pause_spinner {
    wpool *p;
    atomic_int stop, calls, bad_rc;
} pause_spinner;

static void *pause_spinner_main(void *arg) {
    pause_spinner *ps = arg;
    while (!atomic_load(&ps->stop)) {
        int rc = wpool_pause(ps->p, WPOOL_LOW);
        if (rc != WPOOL_OK && rc != WPOOL_ECLOSED) atomic_fetch_add(&ps->bad_rc, 1);
        atomic_fetch_add(&ps->calls, 1);
    }
    return NULL;
}

static void pause_racing_shutdown(void) {
#if defined(WPOOL_TEST_SANITIZED)
    enum { ROUNDS = 150 };
#else
    enum { ROUNDS = 400 };
#endif
    enum { N = 4 };
    int ran_rounds = 0;
    for (int round = 0; round < ROUNDS; round++) {
        wpool_config cfg = small_config(1, 0);
        wpool *p = make_pool(&cfg);
        CHECK_OK(wpool_pause(p, WPOOL_LOW));
        tjob low[N];
        for (int i = 0; i < N; i++) {
            tjob_init(&low[i], NULL, NULL);
            CHECK_OK(submit_tjob(p, WPOOL_LOW, &low[i], 0, 0));
        }
        pause_spinner ps = {.p = p};
        atomic_init(&ps.stop, 0);
        atomic_init(&ps.calls, 0);
        atomic_init(&ps.bad_rc, 0);
        pthread_t t;
        CHECK_EQ(pthread_create(&t, NULL, pause_spinner_main, &ps), 0);
        while (atomic_load(&ps.calls) < 1 + round % 8)
            sched_yield();
        CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
        atomic_store(&ps.stop, 1);
        CHECK_EQ(pthread_join(t, NULL), 0);
        CHECK_EQ(atomic_load(&ps.bad_rc), 0);
        int ran = 0;
        for (int i = 0; i < N; i++) {
            CHECK_EQ(tjob_calls(&low[i]), 1);
            ran += atomic_load(&low[i].runs);
        }
        if (ran) {
            ran_rounds++;
        } else {
            for (int i = 0; i < N; i++)
                CHECK_DISCARDED(&low[i], WPOOL_DISCARD_SHUTDOWN);
        }
        wpool_destroy(p);
    }
    if (ran_rounds)
        fprintf(stderr,
                "pause_racing_shutdown: in %d of %d rounds the paused Low jobs ran: a pause that "
                "returned ECLOSED resumed the priority\n",
                ran_rounds, ROUNDS);
    CHECK_EQ(ran_rounds, 0);
}

int main(void) {
    test_watchdog("test_pause", 300);
    tjob_thread_tag = 1;
    others_run_while_paused();
    running_job_goes_on();
    shutdown_discards_paused();
    pause_resume_during_shutdown();
    pause_high_with_temp_workers();
    paused_deadline();
    from_a_job();
    paused_deadline_at_shutdown();
    help_skips_paused();
    pause_racing_shutdown();
    test_summary("test_pause");
    return 0;
}
