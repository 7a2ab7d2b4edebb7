/*
 * test_temp_workers: temporary workers for High work.
 *
 * - every regular worker blocked by a Low job: a High job starts a temporary
 *   worker (named "<prefix>-t<i>") and completes while the Low jobs are still
 *   blocked; stats count it (temp_spawned, temp_workers while it runs);
 * - a temporary worker runs High jobs only: a Normal and a Low job queued
 *   while every regular worker is blocked stay queued (while a temp worker is alive and
 *   serving High work) until a regular worker is free;
 * - temporary workers retire after temp_idle_ms: temp_retired ==
 *   temp_spawned and temp_workers == 0, without any shutdown;
 * - max_temp_workers = 0: never spawns, High work waits;
 * - max_temp_workers = 1: never more than one alive, the second High job
 *   waits for it;
 * - an idle (parked) regular worker takes High work: no temporary worker;
 * - two High jobs back to back into an idle worker, the first waiting for the
 *   second: the second gets a temporary worker (found by docs/model);
 * - pool threads (regular and temporary) do not inherit the submitter's
 *   signal mask, CPU affinity or scheduling: from a thread pinned to one CPU,
 *   running SCHED_BATCH (Windows: the lowest priority; macOS, FreeBSD: another
 *   priority), with every signal unblocked, jobs see SCHED_OTHER at the
 *   default priority (Windows: normal priority), the process's CPU set,
 *   SIGINT/SIGTERM/SIGUSR1 blocked; both with the pool created by main and
 *   created by that restricted thread. Windows has no signal masks and macOS
 *   no CPU binding: those checks are left out there (test_os.h).
 */
#include "test_util.h"

#if TEST_HAVE_SIGMASK
#include <signal.h>
#endif

/* The tests below are about temporary workers started on demand, as High
 * work finds every thread busy, and about what pool threads inherit: no
 * spare (test_spares covers those), and regular workers at the creator's OS
 * priority (test_os_priority covers the lowered ones). */
static void on_demand_config(wpool_config *cfg) {
    wpool_config_init(cfg);
    cfg->temp_spares = 0;
    cfg->worker_os_priority = WPOOL_OS_PRIORITY_INHERIT;
}

/* What a job saw about the thread it ran on. */
typedef struct probe {
    atomic_int done;
    int in_pool;
    test_sched sched;
#if TEST_HAVE_AFFINITY
    test_cpus mask;
#endif
#if TEST_HAVE_SIGMASK
    int sig_blocked[3]; /* SIGINT, SIGTERM, SIGUSR1 */
#endif
    char name[16];
    int low_gate_left; /* Low gate jobs that had returned when this ran */
    unsigned temp_workers_seen;
    wpool *p;
    test_gate *low_gate;
} probe;

static void probe_job(void *arg) {
    probe *pr = arg;
    pr->in_pool = pr->p ? wpool_in_pool(pr->p) : -1;
    CHECK_EQ(test_sched_get(&pr->sched), 0);
#if TEST_HAVE_AFFINITY
    CHECK_EQ(test_thread_cpus(&pr->mask), 0);
#endif
#if TEST_HAVE_SIGMASK
    sigset_t set;
    CHECK_EQ(pthread_sigmask(SIG_BLOCK, NULL, &set), 0);
    pr->sig_blocked[0] = sigismember(&set, SIGINT);
    pr->sig_blocked[1] = sigismember(&set, SIGTERM);
    pr->sig_blocked[2] = sigismember(&set, SIGUSR1);
#endif
    CHECK_EQ(test_thread_name(pr->name, sizeof pr->name), 0);
    pr->low_gate_left = pr->low_gate ? atomic_load(&pr->low_gate->left) : -1;
    if (pr->p) pr->temp_workers_seen = get_stats(pr->p).temp_workers;
    atomic_store(&pr->done, 1);
}

static void probe_init(probe *pr, wpool *p, test_gate *low_gate) {
    memset(pr, 0, sizeof *pr);
    atomic_init(&pr->done, 0);
    pr->p = p;
    pr->low_gate = low_gate;
}

static int starts_with(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static atomic_int normal_ran;
static void normal_job(void *arg) {
    (void)arg;
    atomic_fetch_add(&normal_ran, 1);
}

static int temps_retired(void *arg) {
    wpool_stats s = get_stats(arg);
    return s.temp_workers == 0 && s.temp_retired == s.temp_spawned;
}

static void temp_serves_high_and_retires(void) {
    wpool_config cfg;
    on_demand_config(&cfg);
    cfg.workers = 2;
    cfg.max_temp_workers = 2;
    cfg.temp_idle_ms = 200;
    cfg.thread_name = "tw";
    wpool *p = make_pool(&cfg);
    test_gate low;
    gate_init(&low);
    atomic_store(&normal_ran, 0);

    for (int i = 0; i < 2; i++)
        CHECK_OK(wpool_submit(p, WPOOL_LOW, gate_job, &low));
    WAIT_GATE_ENTERED(&low, 2);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.temp_spawned, 0);
    CHECK_EQ(s.busy_workers, 2);

    /* H1 runs although every regular worker is blocked. */
    probe h1;
    probe_init(&h1, p, &low);
    CHECK_OK(wpool_submit(p, WPOOL_HIGH, probe_job, &h1));
    CHECK_EVENTUALLY(atomic_load(&h1.done), 10000);
    CHECK_EQ(h1.low_gate_left, 0); /* the Low jobs were still blocked */
    CHECK_EQ(atomic_load(&low.left), 0);
    CHECK(h1.in_pool);
    if (!starts_with(h1.name, "tw-t")) fprintf(stderr, "High job ran on \"%s\"\n", h1.name);
    CHECK(starts_with(h1.name, "tw-t"));
    CHECK(h1.temp_workers_seen >= 1);
    s = get_stats(p);
    CHECK(s.temp_spawned >= 1);
    CHECK(s.temp_spawned <= 2);
    CHECK_EQ(s.completed[WPOOL_HIGH], 1);

    /* A Normal job waits for a regular worker, even while a temporary worker
     * is alive and serving High work. */
    CHECK_OK(wpool_submit(p, WPOOL_NORMAL, normal_job, NULL));
    CHECK_OK(wpool_submit(p, WPOOL_LOW, normal_job, NULL));
    probe h2;
    probe_init(&h2, p, &low);
    CHECK_OK(wpool_submit(p, WPOOL_HIGH, probe_job, &h2));
    CHECK_EVENTUALLY(atomic_load(&h2.done), 10000);
    CHECK(starts_with(h2.name, "tw-t"));
    CHECK(h2.temp_workers_seen >= 1);
    sleep_ms(100);
    CHECK_EQ(atomic_load(&normal_ran), 0);
    s = get_stats(p);
    CHECK_EQ(s.queued[WPOOL_NORMAL], 1);
    CHECK_EQ(s.queued[WPOOL_LOW], 1);
    CHECK_EQ(s.completed[WPOOL_NORMAL], 0);
    CHECK_EQ(atomic_load(&low.left), 0);

    gate_open(&low);
    CHECK_EVENTUALLY(atomic_load(&normal_ran) == 2, 10000);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));

    /* Retirement by idle TTL, no shutdown involved. */
    CHECK(wait_until(temps_retired, p, 10000));
    s = get_stats(p);
    CHECK(s.temp_spawned >= 1);
    CHECK_EQ(s.temp_retired, s.temp_spawned);
    CHECK_EQ(s.temp_workers, 0);
    CHECK_EQ(s.temp_spawn_failures, 0);
    CHECK_EQ(s.closed, 0);
    CHECK_EVENTUALLY(get_stats(p).busy_workers == 0, 10000);

    /* Retired temporary workers come back when needed. */
    uint64_t spawned_before = s.temp_spawned;
    test_gate low2;
    gate_init(&low2);
    for (int i = 0; i < 2; i++)
        CHECK_OK(wpool_submit(p, WPOOL_LOW, gate_job, &low2));
    WAIT_GATE_ENTERED(&low2, 2);
    probe h3;
    probe_init(&h3, p, &low2);
    CHECK_OK(wpool_submit(p, WPOOL_HIGH, probe_job, &h3));
    CHECK_EVENTUALLY(atomic_load(&h3.done), 10000);
    CHECK(starts_with(h3.name, "tw-t"));
    CHECK(get_stats(p).temp_spawned > spawned_before);
    gate_open(&low2);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK(wait_until(temps_retired, p, 10000));

    s = get_stats(p);
    CHECK_EQ(s.completed[WPOOL_HIGH], 3);
    CHECK_EQ(s.completed[WPOOL_NORMAL], 1);
    CHECK_EQ(s.completed[WPOOL_LOW], 5);
    CHECK_STATS_BALANCED(s);
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    wpool_destroy(p);
}

static void no_temp_when_disabled(void) {
    wpool_config cfg;
    on_demand_config(&cfg);
    cfg.max_temp_workers = 0;
    test_gate low;
    wpool *p = gated_pool(&cfg, WPOOL_LOW, &low);
    probe h;
    probe_init(&h, p, &low);
    CHECK_OK(wpool_submit(p, WPOOL_HIGH, probe_job, &h));
    sleep_ms(300);
    CHECK_EQ(atomic_load(&h.done), 0);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.temp_spawned, 0);
    CHECK_EQ(s.temp_workers, 0);
    CHECK_EQ(s.queued[WPOOL_HIGH], 1);
    CHECK_EQ(s.max_temp_workers, 0);
    gate_open(&low);
    CHECK_EVENTUALLY(atomic_load(&h.done), 10000);
    CHECK_EQ(h.low_gate_left, 1); /* it ran after the Low job, on the regular worker */
    CHECK(starts_with(h.name, "wpool-"));
    CHECK(!starts_with(h.name, "wpool-t"));
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    s = get_stats(p);
    CHECK_EQ(s.temp_spawned, 0);
    CHECK_STATS_BALANCED(s);
    wpool_destroy(p);
}

static void temp_cap_respected(void) {
    wpool_config cfg;
    on_demand_config(&cfg);
    cfg.max_temp_workers = 1;
    cfg.temp_idle_ms = 50;
    test_gate low, high;
    wpool *p = gated_pool(&cfg, WPOOL_LOW, &low);
    gate_init(&high);
    CHECK_OK(wpool_submit(p, WPOOL_HIGH, gate_job, &high));
    WAIT_GATE_ENTERED(&high, 1); /* on the one temporary worker */
    CHECK_OK(wpool_submit(p, WPOOL_HIGH, gate_job, &high));
    sleep_ms(200);
    CHECK_EQ(gate_entered(&high), 1);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.temp_workers, 1);
    CHECK_EQ(s.temp_spawned, 1);
    CHECK_EQ(s.max_temp_workers, 1);
    CHECK_EQ(s.queued[WPOOL_HIGH], 1);
    CHECK_EQ(s.busy_workers, 2);
    CHECK_EQ(s.running[WPOOL_HIGH], 1);
    CHECK_EQ(s.running[WPOOL_LOW], 1);
    gate_open(&high);
    CHECK_EVENTUALLY(atomic_load(&high.left) == 2, 10000);
    CHECK_EQ(atomic_load(&low.left), 0); /* both High jobs passed the Low one */
    gate_open(&low);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK(wait_until(temps_retired, p, 10000));
    s = get_stats(p);
    CHECK_EQ(s.temp_spawned, s.temp_retired);
    CHECK_STATS_BALANCED(s);
    wpool_destroy(p);
}

static void idle_worker_takes_high(void) {
    wpool_config cfg;
    on_demand_config(&cfg);
    cfg.workers = 2;
    cfg.max_temp_workers = 2;
    wpool *p = make_pool(&cfg);
    test_gate low;
    gate_init(&low);
    CHECK_OK(wpool_submit(p, WPOOL_LOW, gate_job, &low));
    WAIT_GATE_ENTERED(&low, 1);
    sleep_ms(300); /* the other worker is parked by now */
    CHECK_EQ(get_stats(p).busy_workers, 1);
    probe h;
    probe_init(&h, p, &low);
    CHECK_OK(wpool_submit(p, WPOOL_HIGH, probe_job, &h));
    CHECK_EVENTUALLY(atomic_load(&h.done), 10000);
    CHECK(starts_with(h.name, "wpool-"));
    CHECK(!starts_with(h.name, "wpool-t"));
    CHECK_EQ(get_stats(p).temp_spawned, 0);
    gate_open(&low);
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    wpool_destroy(p);
}

/* --- no inheritance from the submitter ------------------------------------ */

/* The scheduling every pool thread must have, whoever submits or created the
 * pool: POSIX: SCHED_OTHER at the priority of a SCHED_OTHER main thread;
 * Windows: normal priority (threads there never inherit their creator's). */
static test_sched default_sched;
static int check_priority = 1;

#if TEST_HAVE_AFFINITY
static test_cpus main_mask; /* the process's CPUs, as main sees them */
static int main_cpus;
#endif

typedef struct restricted {
    int create_pool; /* create the pool on the restricted thread */
    wpool *p;
#if TEST_HAVE_AFFINITY
    test_cpus own_mask;
#endif
    int demoted; /* its scheduling was changed (to sched_set) */
    test_sched sched_set;
    probe self; /* the probe run on the restricted thread itself */
    probe reg, tmp;
} restricted;

static void *restricted_submitter(void *arg) {
    restricted *r = arg;
#if TEST_HAVE_AFFINITY
    /* Pin to one CPU (the last one the process may use). */
    int last = -1;
    for (int c = 0; c < TEST_MAX_CPUS; c++)
        if (test_cpus_has(&main_mask, c)) last = c;
    CHECK(last >= 0);
    test_cpus_one(&r->own_mask, last);
    CHECK_EQ(test_pin_self(last), 0);
#endif
    /* A non-default scheduling any user may choose. */
    test_sched before;
    CHECK_EQ(test_sched_get(&before), 0);
    r->demoted = test_sched_demote(&before) == 0;
#if defined(__linux__) || defined(_WIN32)
    CHECK(r->demoted); /* SCHED_BATCH or SCHED_IDLE; a lower priority: always allowed */
#endif
    if (r->demoted) CHECK_EQ(test_sched_get(&r->sched_set), 0);
#if TEST_HAVE_SIGMASK
    /* Every signal unblocked. */
    sigset_t none;
    sigemptyset(&none);
    CHECK_EQ(pthread_sigmask(SIG_SETMASK, &none, NULL), 0);
#endif
    /* Control: the probe sees all of that on this thread. */
    probe_init(&r->self, NULL, NULL);
    probe_job(&r->self);

    if (r->create_pool) {
        wpool_config cfg;
        on_demand_config(&cfg);
        cfg.workers = 1;
        cfg.max_temp_workers = 1;
        cfg.thread_name = "ni";
        r->p = make_pool(&cfg);
    }
    wpool *p = r->p;
    /* A Normal job: only a regular worker may run it. */
    probe_init(&r->reg, p, NULL);
    CHECK_OK(wpool_submit(p, WPOOL_NORMAL, probe_job, &r->reg));
    CHECK_EVENTUALLY(atomic_load(&r->reg.done), 10000);
    /* A High job while the regular worker is blocked: a temporary worker. */
    test_gate g;
    gate_init(&g);
    CHECK_OK(wpool_submit(p, WPOOL_LOW, gate_job, &g));
    WAIT_GATE_ENTERED(&g, 1);
    probe_init(&r->tmp, p, &g);
    CHECK_OK(wpool_submit(p, WPOOL_HIGH, probe_job, &r->tmp));
    CHECK_EVENTUALLY(atomic_load(&r->tmp.done), 10000);
    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    return NULL;
}

static void check_probe(const probe *pr, const restricted *r, const char *name_prefix) {
    CHECK(pr->in_pool);
    if (!starts_with(pr->name, name_prefix))
        fprintf(stderr, "job ran on \"%s\", expected \"%s*\"\n", pr->name, name_prefix);
    CHECK(starts_with(pr->name, name_prefix));
    if (pr->sched.policy != default_sched.policy ||
        (check_priority && pr->sched.priority != default_sched.priority))
        fprintf(stderr, "%s: policy %d priority %d, expected policy %d priority %d\n", pr->name,
                pr->sched.policy, pr->sched.priority, default_sched.policy, default_sched.priority);
    CHECK_EQ(pr->sched.policy, default_sched.policy);
    if (check_priority) CHECK_EQ(pr->sched.priority, default_sched.priority);
#if TEST_HAVE_SIGMASK
    CHECK(pr->sig_blocked[0] == 1);
    CHECK(pr->sig_blocked[1] == 1);
    CHECK(pr->sig_blocked[2] == 1);
#endif
#if TEST_HAVE_AFFINITY
    if (main_cpus > 1) {
        if (test_cpus_equal(&pr->mask, &r->own_mask))
            fprintf(stderr, "%s: inherited the submitter's one-CPU affinity\n", pr->name);
        CHECK(!test_cpus_equal(&pr->mask, &r->own_mask));
        CHECK(test_cpus_count(&pr->mask) > 1);
    }
#else
    (void)r;
#endif
}

static void no_inheritance(int create_on_restricted_thread) {
    restricted r;
    memset(&r, 0, sizeof r);
    r.create_pool = create_on_restricted_thread;
    if (!create_on_restricted_thread) {
        wpool_config cfg;
        on_demand_config(&cfg);
        cfg.workers = 1;
        cfg.max_temp_workers = 1;
        cfg.thread_name = "ni";
        r.p = make_pool(&cfg);
    }
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, restricted_submitter, &r), 0);
    CHECK_EQ(pthread_join(t, NULL), 0);

    printf("no_inheritance(%d): submitter policy %d priority %d; regular worker %d/%d, temporary "
           "worker %d/%d\n",
           create_on_restricted_thread, r.self.sched.policy, r.self.sched.priority,
           r.reg.sched.policy, r.reg.sched.priority, r.tmp.sched.policy, r.tmp.sched.priority);
    /* The probe can tell: on the submitter it sees the submitter's settings. */
    if (r.demoted) {
        CHECK_EQ(r.self.sched.policy, r.sched_set.policy);
        CHECK_EQ(r.self.sched.priority, r.sched_set.priority);
        CHECK(r.self.sched.policy != default_sched.policy ||
              r.self.sched.priority != default_sched.priority);
    } else {
        printf("note: this system let no thread change its scheduling: its inheritance is not "
               "tested\n");
    }
#if TEST_HAVE_AFFINITY
    CHECK(test_cpus_equal(&r.self.mask, &r.own_mask));
#endif
#if TEST_HAVE_SIGMASK
    CHECK(r.self.sig_blocked[0] == 0 && r.self.sig_blocked[1] == 0 && r.self.sig_blocked[2] == 0);
#endif
    check_probe(&r.reg, &r, "ni-");
    CHECK(!starts_with(r.reg.name, "ni-t"));
    check_probe(&r.tmp, &r, "ni-t");
    CHECK_EQ(r.tmp.low_gate_left, 0);
#if TEST_HAVE_AFFINITY
    if (!create_on_restricted_thread && main_cpus > 1) {
        /* Created by main: the pool's threads use main's CPU set. */
        CHECK(test_cpus_equal(&r.reg.mask, &main_mask));
        CHECK(test_cpus_equal(&r.tmp.mask, &main_mask));
    }
#endif
    wpool_stats s = get_stats(r.p);
    CHECK_EQ(s.temp_spawned, 1);
    CHECK_OK(wpool_shutdown(r.p, WPOOL_FOREVER));
    wpool_destroy(r.p);
}

/* Two High jobs back to back into a pool whose only worker is idle (parked or
 * polling): A's submit wakes it; B's runs before the woken worker counts
 * itself busy, so B's submitter starts no temporary worker. A waits for B
 * without helping: B needs a temporary worker, which the woken worker starts
 * when it passes the baton. Before, none started and A waited for ever
 * (found by the model: docs/model, TEMP_BURST). */
static atomic_int burst_b_ran;

static void burst_a(void *arg) {
    (void)arg;
    CHECK_EVENTUALLY(atomic_load(&burst_b_ran), 10000);
}
static void burst_b(void *arg) {
    (void)arg;
    atomic_store(&burst_b_ran, 1);
}

static void high_burst_into_waking_worker(void) {
    wpool_config cfg;
    on_demand_config(&cfg);
    cfg.workers = 1;
    cfg.max_temp_workers = 1;
    cfg.temp_idle_ms = 1;
    wpool *p = make_pool(&cfg);
    for (int round = 0; round < 20; round++) {
        CHECK_OK(wpool_wait_idle(p, 10 * SEC_NS));
        CHECK_EVENTUALLY(get_stats(p).temp_workers == 0, 10000);
        sleep_ms(1); /* usually past the worker's polling: parked */
        atomic_store(&burst_b_ran, 0);
        CHECK_OK(wpool_submit(p, WPOOL_HIGH, burst_a, NULL));
        CHECK_OK(wpool_submit(p, WPOOL_HIGH, burst_b, NULL));
        CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
        CHECK(atomic_load(&burst_b_ran));
    }
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.completed[WPOOL_HIGH], 40);
    CHECK(s.temp_spawned >= 20);
    CHECK_EQ(s.temp_spawn_failures, 0);
    wpool_destroy(p);
}

int main(void) {
    test_watchdog("test_temp_workers", 100);
    high_burst_into_waking_worker();
#if defined(_WIN32)
    default_sched.policy = 0;
    default_sched.priority = THREAD_PRIORITY_NORMAL;
#else
    CHECK_EQ(test_sched_get(&default_sched), 0);
    if (default_sched.policy != SCHED_OTHER) {
        printf("note: started with scheduling policy %d: pool threads are expected to run "
               "SCHED_OTHER, at whatever priority\n",
               default_sched.policy);
        default_sched.policy = SCHED_OTHER;
        check_priority = 0;
    }
#endif
#if TEST_HAVE_AFFINITY
    CHECK_EQ(test_thread_cpus(&main_mask), 0);
    main_cpus = test_cpus_count(&main_mask);
    if (main_cpus < 2)
        printf("note: the process may use one CPU only: affinity inheritance is not testable\n");
#else
    /* macOS: no CPU binding at all, so nothing to inherit (test_os.h). */
#endif

    temp_serves_high_and_retires();
    no_temp_when_disabled();
    temp_cap_respected();
    idle_worker_takes_high();
    no_inheritance(0);
    no_inheritance(1);
    test_summary("test_temp_workers");
    return 0;
}
