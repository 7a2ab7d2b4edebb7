/*
 * test_torture [jobs] [seed]: the churning torture run.
 *
 *   build/dev/tests/test_torture_plain               # CI size: 10^6 jobs (TSan: 3*10^5)
 *   build/dev/tests/test_torture_plain 10000000      # on demand: 10^7 jobs
 *   build/dev/tests/test_torture_plain 1000000 1234  # replay the choices of seed 1234
 * (or WPOOL_TORTURE_JOBS / WPOOL_TORTURE_SEED in the environment;
 * WPOOL_TORTURE_WAITERS=0 leaves out the jobs that wait for a High job). The
 * seed is printed first; it fixes every random choice (configurations,
 * priorities, methods, deadlines), not the threads' interleaving. "jobs" are
 * job ids, one per submission attempt (about 89% are accepted). Here (2 shared
 * cores) 10^6 take ~7 s plain, ~8 s ASan, 3*10^5 ~12 s TSan; 10^7 ~60 s.
 *
 * How it differs from test_stress: test_stress runs one long-lived pool (2
 * workers) through 10^6 jobs and then two racing shutdowns with one caller
 * each. This one creates and destroys a pool per round (hundreds of rounds),
 * each with a random configuration: 1-4 workers, 1-2 temporary workers with a
 * 0-1 ms idle TTL, rings of 2-64 slots, sometimes a starvation bound, slow
 * and wpool_help-calling thread-stop hooks, pools of 200-3200 job ids; 2-4 producers use every
 * submit kind (submit, try_submit, submit_timeout, submit_task with and without a discard callback,
 * submit_batch) with a fresh job id per attempt; jobs submit jobs (blocking, so they help), spin
 * (so every regular worker is busy when High jobs arrive: temporary workers start and retire all
 * the time) or wait without helping for a High job they submitted (only a temporary worker can run
 * it when every regular worker waits so: a lost temporary-worker start hangs); wpool_wait_idle
 * waiters run throughout; and in half of the rounds 2-3 threads call wpool_shutdown concurrently
 * with random deadlines (0..2 ms, sometimes WPOOL_FOREVER) while the producers are still
 * submitting.
 *
 * Checked at the end of every round: each accepted job ran or was discarded
 * exactly once (a counter per job id; a job without a discard callback ran at
 * most once and the pool counted the rest as discarded), no rejected job was
 * called; the stats balance (submitted == completed + discarded, nothing
 * queued or running, equal to the per-job counts); no job ran after a
 * wpool_shutdown returned WPOOL_OK; every submission started after a
 * wpool_shutdown returned gets WPOOL_ECLOSED; every thread is gone after
 * wpool_destroy. A stall watchdog (no job or phase progress for 60 s) prints
 * the seed, the round and the pool's stats and fails, so a lost wake-up fails
 * instead of hanging; test_watchdog bounds the whole run. wpool_help in a
 * stop hook runs nothing (counted over the run, must be 0).
 *
 * On b09358f (before the fixes of issue 9) it failed every run: a waiting
 * job's High job never ran (a retiring temporary worker kept its slot), a
 * wpool_wait_idle/wpool_shutdown(FOREVER) stalled after another shutdown's
 * discards, jobs ran after a wpool_shutdown returned WPOOL_OK, and stop hooks
 * ran jobs through wpool_help. It does not check FIFO order.
 */
#include "test_util.h"

#include <errno.h>

#define MAX_PRODUCERS  4
#define MAX_SHUTDOWNS  3
#define MAX_IDLERS     2
#define BATCH_MAX      8
#define STALL_SECONDS  60
#define WAITER_PATIENT 30 /* s a waiting job waits for its High job */

/* ------------------------------------------------------------------------ */
/* Random numbers                                                            */
/* ------------------------------------------------------------------------ */

static uint64_t splitmix(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static unsigned rnd(uint64_t *s, unsigned n) {
    return (unsigned)(splitmix(s) % n);
}

/* ------------------------------------------------------------------------ */
/* Per-job bookkeeping (indexed by job id, unique over the whole run)        */
/* ------------------------------------------------------------------------ */

enum { KIND_PLAIN = 0, KIND_TASK = 1 }; /* without / with a discard callback */

static long total_ids;
static atomic_long next_id;
static atomic_uchar *accepted_, *runs_, *discards_, *kind_;

/* The round in progress. */
typedef struct round_cfg {
    unsigned workers, max_temp, temp_idle_ms, starvation_ms, wait_sampling;
    uint32_t capacity[3];
    int producers, shutdowns, idlers;
    int race;           /* shutdowns race the producers */
    unsigned waiter_in; /* one Normal/Low job in this many waits for a High one (0: none) */
    unsigned spin_in;   /* one job in this many spins a few us */
    unsigned spawn_in;  /* one job in this many submits 1-3 jobs */
    int slow_stop_us;   /* temporary workers' stop hook sleeps up to this */
    int stop_help;      /* stop hooks call wpool_help */
} round_cfg;

static uint64_t seed;
static int no_waiters; /* WPOOL_TORTURE_WAITERS=0 */
static long round_no;
static round_cfg rc_cur;
static _Atomic(wpool *) pool;
static long round_first_id, round_end_id; /* producers' ids [first, end) */
static atomic_int shutdown_returned;      /* some wpool_shutdown returned */
static atomic_int shutdown_ok;            /* some wpool_shutdown returned WPOOL_OK */
static atomic_long late_calls;            /* callbacks after a shutdown returned OK */
static atomic_long progress;              /* for the stall watchdog */
static atomic_int phase;                  /* for the stall watchdog's report */
static atomic_int round_over;
static atomic_long waits_done, helps_in_hooks;

static const char *phase_names[] = {"create",         "produce", "shutdown race", "join",
                                    "final shutdown", "check",   "destroy"};

static _Thread_local int depth;       /* job nesting on this thread */
static _Thread_local int temp_thread; /* this thread is a temporary worker */

static void job_leaf(void *a);
static void job_spin(void *a);

static void print_round(void) {
    fprintf(stderr,
            "  round %ld of seed %" PRIu64 ": workers %u, max_temp %u, temp_idle_ms %u, "
            "starvation_ms %u, capacity %u/%u/%u, producers %d, racing shutdowns %d, idle waiters "
            "%d, waiter 1/%u, spin 1/%u, spawn 1/%u, slow stop hook %d us, help in stop hook %d\n",
            round_no, seed, rc_cur.workers, rc_cur.max_temp, rc_cur.temp_idle_ms,
            rc_cur.starvation_ms, rc_cur.capacity[0], rc_cur.capacity[1], rc_cur.capacity[2],
            rc_cur.producers, rc_cur.race ? rc_cur.shutdowns : 0, rc_cur.idlers, rc_cur.waiter_in,
            rc_cur.spin_in, rc_cur.spawn_in, rc_cur.slow_stop_us, rc_cur.stop_help);
}

static void note_call(void) {
    if (atomic_load(&shutdown_ok)) atomic_fetch_add(&late_calls, 1);
    atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
}

static void leaf_done(long id) {
    note_call();
    atomic_fetch_add_explicit(&runs_[id], 1, memory_order_relaxed);
}

static void discard_cb(void *a) {
    long id = (long)(uintptr_t)a;
    note_call();
    atomic_fetch_add_explicit(&discards_[id], 1, memory_order_relaxed);
}

static uint64_t job_hash(long id) {
    uint64_t s = seed ^ ((uint64_t)id * 0xd1b54a32d192ed03ull);
    return splitmix(&s);
}

static void leaf_run(void *a) {
    leaf_done((long)(uintptr_t)a);
}

static void spin_run(void *a) {
    long id = (long)(uintptr_t)a;
    uint64_t until = now_ns() + 2000 + job_hash(id) % 30000; /* 2-32 us */
    while (now_ns() < until) {
    }
    leaf_done(id);
}

static long take_ids(long n) {
    long id = atomic_fetch_add(&next_id, n);
    if (id + n > total_ids) return -1;
    return id;
}

/* Submits job `id` running fn at prio by method m (0-4); returns the status. */
static int submit_one(wpool *p, unsigned m, wpool_priority prio, wpool_fn fn, long id,
                      uint64_t timeout, int with_discard) {
    void *a = (void *)(uintptr_t)id;
    int rc;
    switch (m) {
    case 0:
        atomic_store(&kind_[id], KIND_PLAIN);
        rc = wpool_submit(p, prio, fn, a);
        break;
    case 1:
        atomic_store(&kind_[id], KIND_PLAIN);
        rc = wpool_try_submit(p, prio, fn, a);
        break;
    case 2:
        atomic_store(&kind_[id], KIND_PLAIN);
        rc = wpool_submit_timeout(p, prio, fn, a, timeout);
        break;
    default: {
        atomic_store(&kind_[id], with_discard ? KIND_TASK : KIND_PLAIN);
        wpool_task t = {fn, with_discard ? discard_cb : NULL, a};
        rc = wpool_submit_task(p, prio, &t, timeout);
        break;
    }
    }
    if (rc == WPOOL_OK) atomic_store(&accepted_[id], 1);
    return rc;
}

static int acceptable(int rc, unsigned method) {
    if (rc == WPOOL_OK || rc == WPOOL_ECLOSED) return 1;
    if (method == 0) return 0; /* submit waits for room */
    return rc == WPOOL_EFULL || rc == WPOOL_ETIMEDOUT;
}

/* Submits 1-3 leaf jobs from inside a job (blocking kinds help while they wait). */
static void spawn_run(void *a) {
    long id = (long)(uintptr_t)a;
    uint64_t s = job_hash(id);
    wpool *p = atomic_load(&pool);
    unsigned n = 1 + rnd(&s, 3);
    for (unsigned i = 0; i < n; i++) {
        long c = take_ids(1);
        if (c < 0) break;
        unsigned m = rnd(&s, 4);
        wpool_priority prio = (wpool_priority)rnd(&s, 3);
        uint64_t to = rnd(&s, 2) ? WPOOL_FOREVER : 20000;
        int rc = submit_one(p, m, prio, rnd(&s, 4) ? job_leaf : job_spin, c, to, 1);
        if (!acceptable(rc, m)) {
            fprintf(stderr, "seed %" PRIu64 " round %ld: a job's submit (method %u) returned %s\n",
                    seed, round_no, m, wpool_strerror(rc));
            CHECK(0);
        }
    }
    /* A job may not wait for its own pool. */
    CHECK_RC(wpool_wait_idle(p, 0), WPOOL_EDEADLK);
    leaf_done(id);
}

/* On a regular worker, not nested: submits a High job and waits for it to run
 * or be discarded without helping. When every regular worker does this only a
 * temporary worker can run it. */
static void wait_run(void *a) {
    long id = (long)(uintptr_t)a;
    wpool *p = atomic_load(&pool);
    long c;
    if (depth == 1 && !temp_thread && (c = take_ids(1)) >= 0) {
        uint64_t s = job_hash(id);
        uint64_t to = rnd(&s, 2) ? WPOOL_FOREVER : 0;
        int rc = submit_one(p, 3, WPOOL_HIGH, job_leaf, c, to, 1);
        if (rc == WPOOL_OK) {
            uint64_t deadline = now_ns() + (uint64_t)WAITER_PATIENT * SEC_NS;
            while (atomic_load(&runs_[c]) + atomic_load(&discards_[c]) == 0) {
                if (now_ns() > deadline) {
                    wpool_stats st = get_stats(p);
                    fprintf(stderr,
                            "seed %" PRIu64 " round %ld: High job %ld, submitted by job %ld "
                            "on a regular worker, did not run in %d s (busy %u of %u workers, "
                            "temp workers %u of %u, High queued %" PRIu64 ")\n",
                            seed, round_no, c, id, WAITER_PATIENT, st.busy_workers, st.workers,
                            st.temp_workers, st.max_temp_workers, st.queued[WPOOL_HIGH]);
                    print_round();
                    CHECK(0);
                }
                sleep_us(20);
            }
            atomic_fetch_add(&waits_done, 1);
        } else {
            CHECK(rc == WPOOL_EFULL || rc == WPOOL_ECLOSED);
        }
    }
    leaf_done(id);
}

/* Every job goes through one of these, for the nesting depth. */
#define WRAP(name, inner)                                                                          \
    static void name(void *a) {                                                                    \
        depth++;                                                                                   \
        inner(a);                                                                                  \
        depth--;                                                                                   \
    }
WRAP(job_leaf, leaf_run)
WRAP(job_spin, spin_run)
WRAP(job_spawn, spawn_run)
WRAP(job_wait, wait_run)

/* ------------------------------------------------------------------------ */
/* Hooks                                                                     */
/* ------------------------------------------------------------------------ */

static void on_start(void *ctx, unsigned index, int temporary) {
    (void)ctx;
    (void)index;
    temp_thread = temporary;
}

static void on_stop(void *ctx, unsigned index, int temporary) {
    (void)ctx;
    if (temporary && rc_cur.slow_stop_us)
        sleep_us(1 + (index * 37u) % (unsigned)rc_cur.slow_stop_us);
    wpool *p = atomic_load(&pool);
    /* wpool_help from a stop hook runs nothing (wpool.h); counted if it does. */
    if (rc_cur.stop_help && p) atomic_fetch_add(&helps_in_hooks, wpool_help(p) == 1);
}

/* ------------------------------------------------------------------------ */
/* Producers, shutdown racers, idle waiters                                  */
/* ------------------------------------------------------------------------ */

typedef struct producer {
    pthread_t th;
    uint64_t rng;
    long accepted, rejections, batch_rejections, batch_rejected, after_close;
    long per_method[5];
} producer;

static wpool_fn pick_fn(uint64_t *s, wpool_priority prio) {
    if (rc_cur.spawn_in && rnd(s, rc_cur.spawn_in) == 0) return job_spawn;
    if (prio != WPOOL_HIGH && rc_cur.waiter_in && rnd(s, rc_cur.waiter_in) == 0) return job_wait;
    if (rnd(s, rc_cur.spin_in) == 0) return job_spin;
    return job_leaf;
}

static uint64_t pick_timeout(uint64_t *s) {
    switch (rnd(s, 4)) {
    case 0:
        return 0;
    case 1:
        return 20000;
    case 2:
        return MS_NS;
    default:
        return WPOOL_FOREVER;
    }
}

static void *producer_main(void *arg) {
    producer *pr = arg;
    wpool *p = atomic_load(&pool);
    int saw_closed = 0;
    for (;;) {
        unsigned m = rnd(&pr->rng, 5);
        /* High often: temporary workers start when every worker is busy. */
        unsigned r = rnd(&pr->rng, 8);
        wpool_priority prio = r < 3 ? WPOOL_HIGH : r < 6 ? WPOOL_NORMAL : WPOOL_LOW;
        size_t n = m == 4 ? 1 + rnd(&pr->rng, BATCH_MAX) : 1;
        long id = atomic_fetch_add(&next_id, (long)n);
        if (id + (long)n > round_end_id) break;
        int closed_before = atomic_load(&shutdown_returned);
        uint64_t to = pick_timeout(&pr->rng);
        int rc;
        pr->per_method[m]++;
        if (m == 4) {
            wpool_task tasks[BATCH_MAX];
            for (size_t k = 0; k < n; k++) {
                long i = id + (long)k;
                int with_discard = rnd(&pr->rng, 4) != 0;
                atomic_store(&kind_[i], with_discard ? KIND_TASK : KIND_PLAIN);
                tasks[k] = (wpool_task){pick_fn(&pr->rng, prio), with_discard ? discard_cb : NULL,
                                        (void *)(uintptr_t)i};
            }
            size_t acc = 999;
            rc = wpool_submit_batch(p, prio, tasks, n, to, &acc);
            CHECK(acc <= n);
            if (rc == WPOOL_OK) CHECK_EQ(acc, n);
            for (size_t k = 0; k < acc; k++)
                atomic_store(&accepted_[id + (long)k], 1);
            pr->accepted += (long)acc;
            if (rc != WPOOL_OK && rc != WPOOL_ECLOSED) {
                pr->batch_rejections++;
                pr->batch_rejected += (long)(n - acc);
            }
            if (closed_before || saw_closed) CHECK_EQ(acc, 0);
        } else {
            rc = submit_one(p, m, prio, pick_fn(&pr->rng, prio), id, to, rnd(&pr->rng, 4) != 0);
            if (rc == WPOOL_OK)
                pr->accepted++;
            else if (rc != WPOOL_ECLOSED)
                pr->rejections++;
        }
        atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
        if (!acceptable(rc, m)) {
            fprintf(stderr, "seed %" PRIu64 " round %ld: method %u returned %s\n", seed, round_no,
                    m, wpool_strerror(rc));
            CHECK(0);
        }
        if (closed_before || saw_closed) {
            if (rc != WPOOL_ECLOSED)
                fprintf(stderr,
                        "seed %" PRIu64 " round %ld: method %u after a shutdown returned: %s\n",
                        seed, round_no, m, wpool_strerror(rc));
            CHECK_RC(rc, WPOOL_ECLOSED);
            if (++pr->after_close >= 8) break;
        }
        if (rc == WPOOL_ECLOSED) saw_closed = 1;
    }
    return NULL;
}

/* What each shutdown racer [0, MAX_SHUTDOWNS) and idle waiter [MAX_SHUTDOWNS, ...)
 * is blocked in, for the stall report: NULL when in none of our calls. */
static _Atomic(const char *) blocked_in[MAX_SHUTDOWNS + MAX_IDLERS];

static const char *call_name(int shutdown, uint64_t timeout) {
    if (timeout == WPOOL_FOREVER)
        return shutdown ? "wpool_shutdown(FOREVER)" : "wpool_wait_idle(FOREVER)";
    return shutdown ? "wpool_shutdown(timeout)" : "wpool_wait_idle(timeout)";
}

typedef struct racer {
    pthread_t th;
    uint64_t rng;
    atomic_int *go;
    int rc, slot;
    uint64_t timeout;
} racer;

static void *racer_main(void *arg) {
    racer *sr = arg;
    wpool *p = atomic_load(&pool);
    while (!atomic_load(sr->go))
        sleep_us(50);
    unsigned pause = rnd(&sr->rng, 50);
    if (pause) sleep_us(pause);
    switch (rnd(&sr->rng, 6)) { /* 0..2 ms, mostly short: discards; sometimes forever */
    case 0:
    case 1:
        sr->timeout = 0;
        break;
    case 2:
    case 3:
        sr->timeout = rnd(&sr->rng, 100001);
        break;
    case 4:
        sr->timeout = rnd(&sr->rng, 2000001);
        break;
    default:
        sr->timeout = WPOOL_FOREVER;
    }
    atomic_store(&blocked_in[sr->slot], call_name(1, sr->timeout));
    sr->rc = wpool_shutdown(p, sr->timeout);
    atomic_store(&blocked_in[sr->slot], NULL);
    atomic_store(&shutdown_returned, 1);
    if (sr->rc == WPOOL_OK) atomic_store(&shutdown_ok, 1);
    atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
    return NULL;
}

typedef struct idler {
    pthread_t th;
    uint64_t rng;
    long calls;
    int slot;
} idler;

static void *idler_main(void *arg) {
    idler *iw = arg;
    wpool *p = atomic_load(&pool);
    while (!atomic_load(&round_over)) {
        uint64_t to = pick_timeout(&iw->rng);
        atomic_store(&blocked_in[iw->slot], call_name(0, to));
        int rc = wpool_wait_idle(p, to);
        atomic_store(&blocked_in[iw->slot], NULL);
        if (to == WPOOL_FOREVER)
            CHECK_RC(rc, WPOOL_OK);
        else
            CHECK(rc == WPOOL_OK || rc == WPOOL_ETIMEDOUT);
        iw->calls++; /* not progress: this loop alone must not hide a stall */
        if (rc == WPOOL_OK) sleep_us(rnd(&iw->rng, 200));
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Watchdog                                                                  */
/* ------------------------------------------------------------------------ */

static void *stall_main(void *arg) {
    (void)arg;
    long last = -1;
    unsigned still = 0;
    for (;;) {
        sleep_ms(1000);
        long now = atomic_load(&progress);
        if (now != last) {
            last = now;
            still = 0;
            continue;
        }
        if (++still < STALL_SECONDS) continue;
        int ph = atomic_load(&phase);
        fprintf(stderr, "test_torture: no progress for %d s, phase %s\n", STALL_SECONDS,
                phase_names[ph]);
        print_round();
        for (int i = 0; i < MAX_SHUTDOWNS + MAX_IDLERS; i++) {
            const char *in = atomic_load(&blocked_in[i]);
            if (in)
                fprintf(stderr, "  %s %d is blocked in %s\n",
                        i < MAX_SHUTDOWNS ? "shutdown racer" : "idle waiter",
                        i < MAX_SHUTDOWNS ? i : i - MAX_SHUTDOWNS, in);
        }
        wpool *p = atomic_load(&pool);
        if (p && ph >= 1 && ph <= 5) {
            wpool_stats s = get_stats(p);
            fprintf(stderr,
                    "  stats: submitted %" PRIu64 " completed %" PRIu64 " discarded %" PRIu64
                    " queued %" PRIu64 "/%" PRIu64 "/%" PRIu64 " running %" PRIu64
                    " busy %u temp %u closed %d\n",
                    sum3(s.submitted), sum3(s.completed), sum3(s.discarded), s.queued[0],
                    s.queued[1], s.queued[2], sum3(s.running), s.busy_workers, s.temp_workers,
                    s.closed);
        }
        fflush(stderr);
        _Exit(2);
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Rounds                                                                    */
/* ------------------------------------------------------------------------ */

static struct totals {
    long rounds, races, accepted, ran, discarded, rejected, waits;
    long shutdown_ok, shutdown_timedout;
    uint64_t temp_spawned, temp_retired, promotions;
    long per_method[5];
} tot;

static void choose(uint64_t *s, round_cfg *c) {
    memset(c, 0, sizeof *c);
    c->workers = 1 + rnd(s, 4);
    c->max_temp = 1 + rnd(s, 2);
    c->temp_idle_ms = rnd(s, 2);
    c->starvation_ms = rnd(s, 4) == 0;
    static const unsigned samplings[] = {0, 1, 8, 64};
    c->wait_sampling = samplings[rnd(s, 4)];
    for (int i = 0; i < 3; i++)
        c->capacity[i] = 2u << rnd(s, 6); /* 2..64 */
    c->producers = 2 + (int)rnd(s, MAX_PRODUCERS - 1);
    c->shutdowns = 2 + (int)rnd(s, MAX_SHUTDOWNS - 1);
    c->idlers = 1 + (int)rnd(s, MAX_IDLERS);
    c->race = rnd(s, 2);
    static const unsigned waiters[] = {0, 256, 32};
    c->waiter_in = waiters[rnd(s, 3)];
    if (no_waiters) c->waiter_in = 0;
    c->spin_in = 8u << rnd(s, 3);
    c->spawn_in = rnd(s, 3) ? 64 : 0;
    c->slow_stop_us = rnd(s, 2) ? 200 : 0;
    c->stop_help = rnd(s, 2);
}

static void run_round(uint64_t *s, long quota) {
    round_cfg c;
    choose(s, &c);
    rc_cur = c;
    atomic_store(&phase, 0);
    atomic_store(&shutdown_returned, 0);
    atomic_store(&shutdown_ok, 0);
    atomic_store(&late_calls, 0);
    atomic_store(&round_over, 0);
    int threads_before = thread_count();

    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = c.workers;
    cfg.max_temp_workers = c.max_temp;
    cfg.temp_idle_ms = c.temp_idle_ms;
    cfg.starvation_ms = c.starvation_ms;
    cfg.wait_sampling = c.wait_sampling;
    for (int i = 0; i < 3; i++)
        cfg.capacity[i] = c.capacity[i];
    cfg.on_thread_start = on_start;
    cfg.on_thread_stop = on_stop;
    cfg.thread_name = "torture";
    wpool *p = make_pool(&cfg);
    atomic_store(&pool, p);

    round_first_id = atomic_load(&next_id);
    round_end_id = round_first_id + quota;
    if (round_end_id > total_ids) round_end_id = total_ids;
    /* Jobs' children take ids from the same counter, up to total_ids. */

    atomic_store(&phase, 1);
    producer prs[MAX_PRODUCERS];
    racer srs[MAX_SHUTDOWNS];
    idler ids[MAX_IDLERS];
    atomic_int go;
    atomic_init(&go, 0);
    for (int i = 0; i < c.idlers; i++) {
        memset(&ids[i], 0, sizeof ids[i]);
        ids[i].rng = splitmix(s);
        ids[i].slot = MAX_SHUTDOWNS + i;
        CHECK_EQ(pthread_create(&ids[i].th, NULL, idler_main, &ids[i]), 0);
    }
    if (c.race) {
        for (int i = 0; i < c.shutdowns; i++) {
            memset(&srs[i], 0, sizeof srs[i]);
            srs[i].rng = splitmix(s);
            srs[i].go = &go;
            srs[i].slot = i;
            CHECK_EQ(pthread_create(&srs[i].th, NULL, racer_main, &srs[i]), 0);
        }
    }
    for (int i = 0; i < c.producers; i++) {
        memset(&prs[i], 0, sizeof prs[i]);
        prs[i].rng = splitmix(s);
        CHECK_EQ(pthread_create(&prs[i].th, NULL, producer_main, &prs[i]), 0);
    }
    if (c.race) {
        long at =
            round_first_id + (long)(rnd(s, 90) * (uint64_t)(round_end_id - round_first_id) / 100);
        while (atomic_load(&next_id) < at)
            sleep_us(100);
        atomic_store(&phase, 2);
        atomic_store(&go, 1);
    }
    for (int i = 0; i < c.producers; i++)
        CHECK_EQ(pthread_join(prs[i].th, NULL), 0);
    atomic_store(&phase, 3);
    int round_ok = 0, round_to = 0;
    if (c.race) {
        for (int i = 0; i < c.shutdowns; i++) {
            CHECK_EQ(pthread_join(srs[i].th, NULL), 0);
            if (srs[i].timeout == WPOOL_FOREVER) CHECK_RC(srs[i].rc, WPOOL_OK);
            CHECK(srs[i].rc == WPOOL_OK || srs[i].rc == WPOOL_ETIMEDOUT);
            if (srs[i].rc == WPOOL_OK)
                round_ok++;
            else
                round_to++;
        }
    } else {
        CHECK_OK(wpool_wait_idle(p, WPOOL_FOREVER));
    }
    atomic_store(&round_over, 1);
    for (int i = 0; i < c.idlers; i++)
        CHECK_EQ(pthread_join(ids[i].th, NULL), 0);
    atomic_store(&phase, 4);
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    atomic_store(&shutdown_ok, 1); /* from here on no job may be called */

    atomic_store(&phase, 5);
    long last = atomic_load(&next_id);
    if (last > total_ids) last = total_ids;
    long acc = 0, ran = 0, task_discards = 0, plain_lost = 0, bad = 0;
    for (long i = round_first_id; i < last; i++) {
        int a = atomic_load_explicit(&accepted_[i], memory_order_relaxed),
            r = atomic_load_explicit(&runs_[i], memory_order_relaxed),
            d = atomic_load_explicit(&discards_[i], memory_order_relaxed),
            k = atomic_load_explicit(&kind_[i], memory_order_relaxed);
        int ok = !a ? r == 0 && d == 0 : k == KIND_TASK ? r + d == 1 : r <= 1 && d == 0;
        if (!ok) {
            if (bad < 10)
                fprintf(stderr,
                        "seed %" PRIu64 " round %ld: job %ld accepted %d kind %d ran %d "
                        "discarded %d\n",
                        seed, round_no, i, a, k, r, d);
            bad++;
        }
        acc += a;
        ran += r;
        task_discards += d;
        if (a && k != KIND_TASK) plain_lost += 1 - r;
    }
    CHECK_EQ(bad, 0);
    wpool_stats st = get_stats(p);
    CHECK(st.closed);
    CHECK_EQ(sum3(st.submitted), acc);
    CHECK_EQ(sum3(st.completed), ran);
    CHECK_EQ(sum3(st.discarded), task_discards + plain_lost);
    CHECK_STATS_BALANCED(st);
    CHECK_EQ(sum3(st.running), 0);
    CHECK_EQ(st.busy_workers, 0);
    CHECK_EQ(st.temp_spawn_failures, 0);
    if (!c.race) CHECK_EQ(sum3(st.discarded), 0);
    if (round_to == 0) CHECK_EQ(sum3(st.discarded), 0);
    long rej = 0, brej = 0, pacc = 0;
    for (int i = 0; i < c.producers; i++) {
        rej += prs[i].rejections;
        brej += prs[i].batch_rejections;
        pacc += prs[i].accepted;
        for (int m = 0; m < 5; m++)
            tot.per_method[m] += prs[i].per_method[m];
    }
    CHECK(pacc <= acc); /* the rest: jobs' children */
    CHECK(sum3(st.rejected) >= (uint64_t)(rej + brej));

    atomic_store(&phase, 6);
    atomic_store(&pool, NULL);
    wpool_destroy(p);
    CHECK_EVENTUALLY(thread_count() == threads_before, 10000);
    if (atomic_load(&late_calls) != 0)
        fprintf(stderr,
                "seed %" PRIu64 " round %ld: %ld jobs called after a shutdown returned OK\n", seed,
                round_no, atomic_load(&late_calls));
    CHECK_EQ(atomic_load(&late_calls), 0);

    tot.rounds++;
    tot.races += c.race;
    tot.accepted += acc;
    tot.ran += ran;
    tot.discarded += task_discards + plain_lost;
    tot.rejected += (long)sum3(st.rejected);
    tot.shutdown_ok += round_ok;
    tot.shutdown_timedout += round_to;
    tot.temp_spawned += st.temp_spawned;
    tot.temp_retired += st.temp_retired;
    tot.promotions += st.starvation_promotions;
    atomic_fetch_add(&progress, 1);
}

int main(int argc, char **argv) {
    /* CI sizes: well under a minute each on 2 shared cores (TSan ~5x slower here). */
    total_ids = strcmp(WPOOL_TEST_VARIANT, "tsan") == 0 ? 300000 : 1000000;
    const char *env_jobs = getenv("WPOOL_TORTURE_JOBS"), *env_seed = getenv("WPOOL_TORTURE_SEED");
    if (argc > 1) env_jobs = argv[1];
    if (argc > 2) env_seed = argv[2];
    if (env_jobs && *env_jobs) total_ids = strtol(env_jobs, NULL, 10);
    if (env_seed && *env_seed)
        seed = strtoull(env_seed, NULL, 0);
    else
        seed = (uint64_t)now_ns() ^ ((uint64_t)test_pid() << 32);
    CHECK(total_ids >= 1000);
    const char *env_waiters = getenv("WPOOL_TORTURE_WAITERS");
    no_waiters = env_waiters && strcmp(env_waiters, "0") == 0;
    printf("test_torture [%s]: %ld jobs, seed %" PRIu64 " (replay: test_torture_%s %ld %" PRIu64
           ")\n",
           WPOOL_TEST_VARIANT, total_ids, seed, WPOOL_TEST_VARIANT, total_ids, seed);
    fflush(stdout);

    /* 10^6 jobs take well under 60 s here; the bound scales with the size. */
    unsigned limit = (unsigned)(600 + total_ids / 1000000 * 300);
    test_watchdog("test_torture", limit);
    pthread_t stall;
    CHECK_EQ(pthread_create(&stall, NULL, stall_main, NULL), 0);
    pthread_detach(stall);

    accepted_ = calloc((size_t)total_ids, 1);
    runs_ = calloc((size_t)total_ids, 1);
    discards_ = calloc((size_t)total_ids, 1);
    kind_ = calloc((size_t)total_ids, 1);
    CHECK(accepted_ && runs_ && discards_ && kind_);

    uint64_t s = seed, t0 = now_ns();
    while (atomic_load(&next_id) < total_ids) {
        long quota = 200 + (long)rnd(&s, 3000);
        round_no++;
        run_round(&s, quota);
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    /* A thread counted idle runs no job: wpool_help returns 0 in stop hooks. */
    CHECK_EQ(atomic_load(&helps_in_hooks), 0);
    for (int m = 0; m < 5; m++)
        CHECK(tot.per_method[m] > 0);
    CHECK(tot.temp_spawned > 0);
    if (tot.rounds >= 20) CHECK(tot.races > 0 && tot.races < tot.rounds);
    printf("test_torture: %ld rounds (%ld with racing shutdowns) in %.1f s; %ld ids: %ld accepted, "
           "%ld ran, %ld discarded, %ld rejected; shutdowns %ld OK / %ld timed out; temporary "
           "workers %" PRIu64 " started, %" PRIu64 " retired; %ld jobs waited for a High job; "
           "%ld jobs run by stop hooks; %" PRIu64 " starvation promotions\n",
           tot.rounds, tot.races, secs, total_ids, tot.accepted, tot.ran, tot.discarded,
           tot.rejected, tot.shutdown_ok, tot.shutdown_timedout, tot.temp_spawned, tot.temp_retired,
           atomic_load(&waits_done), atomic_load(&helps_in_hooks), tot.promotions);
    free(accepted_);
    free(runs_);
    free(discards_);
    free(kind_);
    test_summary("test_torture");
    return 0;
}
