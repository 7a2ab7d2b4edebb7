/*
 * test_lifecycle_stress: every job-lifecycle feature at once.
 *
 * Two producers submit jobs with wpool_submit_job() (random priority,
 * deadline: none, past, within a few ms or far; timeout: FOREVER, 0 or 1 ms)
 * through small rings, while a canceller thread cancels random published
 * tickets, some jobs cancel other jobs from inside their run, and a toggler
 * thread pauses and resumes priorities and changes the number of regular
 * and temporary workers. Then everything is resumed and the pool drained;
 * then a last round with a paused priority, cancels and the toggler going on
 * while wpool_shutdown runs; then wpool_destroy.
 *
 * Checked for every job: accepted (WPOOL_OK, a ticket) exactly when it gets
 * exactly one call, run or discard, the other statuses EFULL or ETIMEDOUT
 * only (no call); a discard before the shutdown is CANCELLED (exactly the
 * jobs one wpool_cancel returned OK for; never two OKs) or EXPIRED (only
 * with a deadline, after it); at the shutdown also SHUTDOWN. The pool's
 * counters match what the jobs saw, per priority; the thread hooks balance.
 *
 * Usage: test_lifecycle_stress [jobs per producer] [seed]
 */
#include "test_jobs.h"

#define PRODUCERS 2
#define MAX_JOBS  (PRODUCERS * 30000)

static tjob jobs[MAX_JOBS];
static int job_prio[MAX_JOBS];
static int job_rc[MAX_JOBS];
static _Atomic uint64_t tickets[MAX_JOBS]; /* published after submit; 0: none (yet) */
static atomic_int published[MAX_JOBS];
static atomic_int cancel_ok[MAX_JOBS];
static atomic_int cancel_other[MAX_JOBS]; /* cancels that returned neither OK nor EALREADY */

static wpool *pool;
static int njobs; /* jobs per producer in this round */
static atomic_int stop_helpers;
static atomic_int allow_closed; /* round 2: submits may meet the shutdown */
static atomic_long toggles;
static uint64_t seed;

static uint64_t next_rand(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void record_cancel(int target, int rc) {
    if (rc == WPOOL_OK)
        atomic_fetch_add(&cancel_ok[target], 1);
    else if (rc != WPOOL_EALREADY)
        atomic_fetch_add(&cancel_other[target], 1);
}

/* Some jobs cancel a later one from inside their run. */
static void job_run_hook(tjob *j) {
    int idx = (int)(intptr_t)j->ctx;
    uint64_t until = wpool_now_ns() + 2000;
    while (wpool_now_ns() < until) {
    }
    if (idx % 53 == 0) {
        int target = idx + 1 + idx % 5;
        if (target < MAX_JOBS && atomic_load(&published[target])) {
            uint64_t t = atomic_load(&tickets[target]);
            if (t) record_cancel(target, wpool_cancel(j->pool, t));
        }
    }
}

typedef struct producer {
    int id, first, count;
} producer;

static void *producer_main(void *arg) {
    producer *pr = arg;
    tjob_thread_tag = 10 + pr->id;
    uint64_t rng = seed ^ (0x9e3779b97f4a7c15ull * (uint64_t)(pr->id + 1));
    for (int k = 0; k < pr->count; k++) {
        int i = pr->first + k;
        uint64_t r = next_rand(&rng);
        tjob *j = &jobs[i];
        tjob_init(j, pool, NULL);
        j->on_run = job_run_hook;
        j->ctx = (void *)(intptr_t)i;
        uint64_t now = wpool_now_ns(), deadline = 0, timeout;
        switch (r % 8) {
        case 0:
            deadline = now > 1 ? now - 1 : 1;
            break;
        case 1:
        case 2:
            deadline = now + (r >> 16) % (3 * MS_NS);
            break;
        case 3:
        case 4:
            deadline = now + 3600 * SEC_NS;
            break;
        default:
            break;
        }
        switch ((r >> 8) % 5) {
        case 0:
            timeout = 0;
            break;
        case 1:
            timeout = MS_NS;
            break;
        default:
            timeout = WPOOL_FOREVER;
        }
        int prio = (int)((r >> 12) % 3);
        job_prio[i] = prio;
        int rc = submit_tjob(pool, (wpool_priority)prio, j, deadline, timeout);
        job_rc[i] = rc;
        if (rc != WPOOL_OK && rc != WPOOL_EFULL && rc != WPOOL_ETIMEDOUT &&
            !(rc == WPOOL_ECLOSED && atomic_load(&allow_closed))) {
            fprintf(stderr, "job %d: submit returned %d (%s)\n", i, rc, wpool_strerror(rc));
            test_fail(__FILE__, __LINE__, "submit status");
        }
        atomic_store(&tickets[i], rc == WPOOL_OK ? j->ticket : 0);
        atomic_store(&published[i], 1);
    }
    return NULL;
}

static void *canceller_main(void *arg) {
    (void)arg;
    tjob_thread_tag = 20;
    uint64_t rng = seed ^ 0x1234567ull;
    int total = PRODUCERS * njobs;
    while (!atomic_load(&stop_helpers)) {
        uint64_t r = next_rand(&rng);
        int i = (int)(r % (uint64_t)total);
        if (atomic_load(&published[i])) {
            uint64_t t = atomic_load(&tickets[i]);
            if (t) record_cancel(i, wpool_cancel(pool, t));
        }
        if (r % 16 == 0) sleep_us(20);
    }
    return NULL;
}

static void *toggler_main(void *arg) {
    (void)arg;
    tjob_thread_tag = 30;
    uint64_t rng = seed ^ 0xabcdefull;
    while (!atomic_load(&stop_helpers)) {
        uint64_t r = next_rand(&rng);
        wpool_priority prio = (wpool_priority)((r >> 8) % 3);
        int rc;
        switch (r % 6) {
        case 0:
        case 1:
            rc = wpool_pause(pool, prio);
            break;
        case 2:
        case 3:
            rc = wpool_resume(pool, prio);
            break;
        case 4:
            rc = wpool_set_workers(pool, 1 + (unsigned)((r >> 16) % 4));
            break;
        default:
            rc = wpool_set_max_temp_workers(pool, (unsigned)((r >> 16) % 4));
            break;
        }
        if (rc != WPOOL_OK && rc != WPOOL_ECLOSED) {
            fprintf(stderr, "toggler: action %d returned %d (%s)\n", (int)(r % 6), rc,
                    wpool_strerror(rc));
            test_fail(__FILE__, __LINE__, "toggler status");
        }
        atomic_fetch_add(&toggles, 1);
        sleep_us((r >> 24) % 400);
    }
    /* Leave every priority running. */
    for (int l = 0; l < 3; l++)
        CHECK_OK(wpool_resume(pool, (wpool_priority)l));
    return NULL;
}

static void reset_jobs(void) {
    for (int i = 0; i < MAX_JOBS; i++) {
        atomic_store(&tickets[i], 0);
        atomic_store(&published[i], 0);
        atomic_store(&cancel_ok[i], 0);
        atomic_store(&cancel_other[i], 0);
        job_rc[i] = 1;
    }
}

/* Checks every job of the round; returns the counts by outcome and prio. */
typedef struct tally {
    uint64_t accepted[3], ran[3], cancelled[3], expired[3], shut[3];
} tally;

static tally check_jobs(int total, int shutdown_allowed) {
    tally t;
    memset(&t, 0, sizeof t);
    for (int i = 0; i < total; i++) {
        tjob *j = &jobs[i];
        int prio = job_prio[i];
        CHECK_EQ(atomic_load(&cancel_other[i]), 0);
        if (job_rc[i] != WPOOL_OK) {
            CHECK_UNTOUCHED(j);
            CHECK_EQ(atomic_load(&cancel_ok[i]), 0);
            continue;
        }
        t.accepted[prio]++;
        if (tjob_calls(j) != 1) fprintf(stderr, "job %d: %d calls\n", i, tjob_calls(j));
        CHECK_EQ(tjob_calls(j), 1);
        int oks = atomic_load(&cancel_ok[i]);
        CHECK(oks <= 1);
        if (atomic_load(&j->runs)) {
            CHECK_RAN(j);
            CHECK_EQ(oks, 0);
            t.ran[prio]++;
            continue;
        }
        int why = atomic_load(&j->reason);
        CHECK_EQ(atomic_load(&j->reason_after), why);
        if (why == WPOOL_DISCARD_CANCELLED) {
            CHECK_EQ(oks, 1);
            t.cancelled[prio]++;
        } else if (why == WPOOL_DISCARD_EXPIRED) {
            CHECK_EQ(oks, 0);
            CHECK(j->deadline != 0);
            CHECK(atomic_load(&j->discard_at) > j->deadline);
            CHECK_EQ(atomic_load(&j->discard_in_pool), 1);
            t.expired[prio]++;
        } else {
            CHECK(shutdown_allowed);
            CHECK_EQ(why, WPOOL_DISCARD_SHUTDOWN);
            CHECK_EQ(oks, 0);
            t.shut[prio]++;
        }
    }
    return t;
}

static void start_helpers(pthread_t *tc, pthread_t *tt) {
    atomic_store(&stop_helpers, 0);
    CHECK_EQ(pthread_create(tc, NULL, canceller_main, NULL), 0);
    CHECK_EQ(pthread_create(tt, NULL, toggler_main, NULL), 0);
}

static void stop_helpers_join(pthread_t tc, pthread_t tt) {
    atomic_store(&stop_helpers, 1);
    CHECK_EQ(pthread_join(tc, NULL), 0);
    CHECK_EQ(pthread_join(tt, NULL), 0);
}

static void run_producers(int per) {
    producer pr[PRODUCERS];
    pthread_t tp[PRODUCERS];
    for (int k = 0; k < PRODUCERS; k++) {
        pr[k] = (producer){k, k * per, per};
        CHECK_EQ(pthread_create(&tp[k], NULL, producer_main, &pr[k]), 0);
    }
    for (int k = 0; k < PRODUCERS; k++)
        CHECK_EQ(pthread_join(tp[k], NULL), 0);
}

int main(int argc, char **argv) {
    test_watchdog("test_lifecycle_stress", 600);
    tjob_thread_tag = 1;
#if defined(WPOOL_TEST_SANITIZED)
    int per = 3000;
#else
    int per = 20000;
#endif
    if (argc > 1) per = atoi(argv[1]);
    CHECK(per > 0 && per <= MAX_JOBS / PRODUCERS);
    seed = argc > 2 ? strtoull(argv[2], NULL, 0) : (now_ns() | 1);
    printf("test_lifecycle_stress: %d jobs per producer, seed %llu\n", per,
           (unsigned long long)seed);

    test_hooks h;
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 2;
    cfg.max_temp_workers = 2;
    cfg.temp_spares = 1;
    cfg.temp_idle_ms = 5;
    for (int l = 0; l < 3; l++)
        cfg.capacity[l] = 32;
    hooks_config(&cfg, &h);
    pool = make_pool(&cfg);

    /* Round 1: everything mixed, then drained. */
    pthread_t tc, tt;
    njobs = per;
    reset_jobs();
    start_helpers(&tc, &tt);
    run_producers(per);
    stop_helpers_join(tc, tt);
    CHECK_OK(wpool_wait_idle(pool, 120 * SEC_NS));
    int total = PRODUCERS * per;
    tally t = check_jobs(total, 0);
    wpool_stats s = get_stats(pool);
    for (int l = 0; l < 3; l++) {
        CHECK_EQ(s.submitted[l], t.accepted[l]);
        CHECK_EQ(s.completed[l], t.ran[l]);
        CHECK_EQ(s.cancelled[l], t.cancelled[l]);
        CHECK_EQ(s.expired[l], t.expired[l]);
        CHECK_EQ(s.discarded[l], 0);
    }
    CHECK_LIFECYCLE_BALANCED(s);
    CHECK_EQ(s.paused, 0);
    printf("round 1: %d jobs, %llu accepted, %llu ran, %llu cancelled, %llu expired, %ld "
           "toggles\n",
           total, (unsigned long long)sum3(t.accepted), (unsigned long long)sum3(t.ran),
           (unsigned long long)sum3(t.cancelled), (unsigned long long)sum3(t.expired),
           atomic_load(&toggles));

    /* Round 2: the same again, ending in a shutdown that starts while the
     * producers still submit and the helpers still cancel, pause and resize. */
    wpool_stats before = s;
    int per2 = per / 4 > 0 ? per / 4 : 1;
    njobs = per2;
    reset_jobs();
    atomic_store(&allow_closed, 1);
    CHECK_OK(wpool_pause(pool, WPOOL_LOW));
    start_helpers(&tc, &tt);
    producer pr[PRODUCERS];
    pthread_t tp[PRODUCERS];
    for (int k = 0; k < PRODUCERS; k++) {
        pr[k] = (producer){k, k * per2, per2};
        CHECK_EQ(pthread_create(&tp[k], NULL, producer_main, &pr[k]), 0);
    }
    /* Producers may now see ECLOSED too. */
    while (!atomic_load(&published[per2 / 2]))
        sleep_us(100);
    /* Most likely still paused as the shutdown begins (the toggler may resume
     * it first): its jobs are then discarded by the shutdown. */
    CHECK_OK(wpool_pause(pool, WPOOL_LOW));
    shutdown_call sc;
    start_shutdown(&sc, pool, 40);
    for (int k = 0; k < PRODUCERS; k++)
        CHECK_EQ(pthread_join(tp[k], NULL), 0);
    int shutdown_rc = join_shutdown(&sc);
    stop_helpers_join(tc, tt);
    CHECK_OK(shutdown_rc);
    CHECK_OK(wpool_shutdown(pool, WPOOL_FOREVER));
    total = PRODUCERS * per2;
    /* Jobs refused with ECLOSED are fine here. */
    for (int i = 0; i < total; i++)
        if (job_rc[i] == WPOOL_ECLOSED) job_rc[i] = WPOOL_EFULL;
    t = check_jobs(total, 1);
    s = get_stats(pool);
    for (int l = 0; l < 3; l++) {
        CHECK_EQ(s.submitted[l] - before.submitted[l], t.accepted[l]);
        CHECK_EQ(s.completed[l] - before.completed[l], t.ran[l]);
        CHECK_EQ(s.cancelled[l] - before.cancelled[l], t.cancelled[l]);
        CHECK_EQ(s.expired[l] - before.expired[l], t.expired[l]);
        CHECK_EQ(s.discarded[l], t.shut[l]);
    }
    CHECK_LIFECYCLE_BALANCED(s);
    printf("round 2: %d jobs, %llu accepted, %llu ran, %llu cancelled, %llu expired, %llu "
           "discarded at shutdown\n",
           total, (unsigned long long)sum3(t.accepted), (unsigned long long)sum3(t.ran),
           (unsigned long long)sum3(t.cancelled), (unsigned long long)sum3(t.expired),
           (unsigned long long)sum3(t.shut));
    wpool_destroy(pool);
    CHECK_EQ(atomic_load(&h.starts[0]), atomic_load(&h.stops[0]));
    CHECK_EQ(atomic_load(&h.starts[1]), atomic_load(&h.stops[1]));
    test_summary("test_lifecycle_stress");
    return 0;
}
