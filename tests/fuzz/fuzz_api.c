/*
 * fuzz_api.c: a libFuzzer target for wpool's C API (clang -fsanitize=fuzzer,address,undefined).
 *
 * Each input is a small program: a pool configuration (tiny rings, short
 * temporary-worker TTLs, 1-3 workers, 0-2 temporary workers, starvation bound
 * on or off, wait sampling, thread hooks that call into the pool) and up to
 * MAX_OPS operations shared out among 1-3 driver threads that run at once:
 * every kind of submission, wait_idle and shutdown with short and long
 * timeouts, stats and their Prometheus rendering. Jobs spin, submit children,
 * help, join a child, wait for a High child without helping (which only a
 * temporary worker can then run), and call wait_idle/shutdown from inside
 * (WPOOL_EDEADLK expected).
 *
 * What it checks (abort() with a message on any violation):
 *  - every status is one the API documents for that call; a submission that
 *    starts after a shutdown returned gets WPOOL_ECLOSED;
 *  - every accepted job (WPOOL_OK) is run or discarded exactly once (per-job
 *    counters), a job not accepted never is; a job without a discard callback
 *    that never ran is counted as a discard and only allowed after a shutdown
 *    with a short timeout could have discarded it;
 *  - wait_idle/shutdown returning WPOOL_OK: every job accepted before the
 *    call began has returned (or was discarded);
 *  - a "long" wait (WPOOL_FUZZ_LONG_MS, default 3 s) neither times out nor
 *    returns only at its deadline: an input's spins, sleeps and gate waits
 *    share a 200 ms budget and its timeouts are short, so such a wait slept
 *    through the moment the pool went idle: a lost wake-up. The same for a
 *    job joining its child or waiting for a High child (2 s: the pool must
 *    start a temporary worker for it when every regular worker is busy);
 *  - wpool_help in a stop hook runs nothing;
 *  - no job is accepted after a shutdown returned WPOOL_OK;
 *  - at the end (after a last wpool_shutdown(LONG) and before
 *    wpool_destroy()): per priority submitted == completed + discarded ==
 *    what the drivers saw accepted, queued == running == 0, rejected == the
 *    EFULL/ETIMEDOUT the drivers saw, completed == the runs counted here;
 *  - a watchdog thread aborts an input still running after
 *    WPOOL_FUZZ_WATCHDOG_MS (default the long wait + 5 s), printing where each
 *    driver is: a hang (say, in wpool_destroy) becomes a crash with a
 *    message, before libFuzzer's -timeout.
 *
 * Input layout (bytes past the end read as 0):
 *   h0: workers 1 + h0%3, temporary workers (h0/3)%3, starvation bound 1 ms
 *       if (h0/9)%2, drivers 1 + (h0/18)%3
 *   h1: capacity High = CAP[h1%8], Normal = CAP[(h1/8)%8], TTL (h1/64)%3 ms
 *   h2: capacity Low = CAP[h2%8], wait_sampling = SAMPLING[(h2/8)%8]
 *   h3: start-hook action h3%8, stop-hook action (h3/8)%8, hook priority (h3/64)%3
 *   then 3 bytes per operation: a (driver (a/32)%drivers, opcode
 *   (a%32)%OP_COUNT), b (priority b%3, job kind (b/3)%K_COUNT), c (timeout,
 *   batch size, job parameter). tests/fuzz/make_seeds.py writes inputs by name.
 * WPOOL_FUZZ_TRACE=1 prints each input's decoded program on stderr (2: also
 * the pool's state after each operation). Before the drivers start, the pool's
 * workers are given up to 20 ms to start and go idle.
 *
 * Run it (after the `fuzz/build` ctest, the binary is in
 * <build>/tests/fuzz/build/fuzz_api; `ctest -L fuzz` runs it briefly):
 *   fuzz_api -timeout=30 -rss_limit_mb=2048 -max_len=160 \
 *            -artifact_prefix=OUT/ OUT/corpus tests/fuzz/corpus
 * Add -fork=2 -ignore_timeouts=0 -ignore_ooms=0 -max_total_time=3600 for a
 * long run on two cores, or pass a crash file alone to replay it
 * (-runs=100 to repeat it: a run depends on thread timing). Against another
 * source tree (say, an old commit's): configure tests/fuzz with
 * -DWPOOL_SOURCE_DIR=<tree>.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "wpool.h"

#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_OPS        48
#define MAX_DRIVERS    3
#define MAX_JOBS       4096
#define MAX_DEPTH      3 /* jobs submitted by jobs: at most this deep */
#define MAX_BATCH      6
#define SPIN_BUDGET_NS 200000000ll /* 200 ms of spinning per input, see budget() */

static const uint32_t CAP[8] = {1, 2, 3, 4, 5, 6, 8, 64}; /* 64: enough backlog for batching */
static const uint32_t SAMPLING[8] = {0, 1, 2, 4, 8, 16, 1024, 1};
static const uint64_t SHORT_NS[4] = {0, 10000, 200000, 1000000};
static const uint64_t SHUT_NS[4] = {0, 50000, 500000, 2000000};
static const uint64_t SPIN_NS[8] = {0, 1000, 2000, 5000, 10000, 50000, 200000, 1000000};

static uint64_t g_long_ns = 3000000000ull;
static uint64_t g_watchdog_ns = 8000000000ull;
static int g_trace;

/* ------------------------------------------------------------------------ */
/* Small helpers                                                             */
/* ------------------------------------------------------------------------ */

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns) {
    struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static void spin_ns(uint64_t ns) {
    uint64_t until = now_ns() + ns;
    while (now_ns() < until) {
    }
}

static void relax(unsigned *n) {
    if (++*n % 64 == 0) {
        sched_yield();
    } else {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }
}

static void fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* ------------------------------------------------------------------------ */
/* The program                                                               */
/* ------------------------------------------------------------------------ */

enum {
    OP_SUBMIT,          /* wpool_submit (waits for room)                    */
    OP_TRY,             /* wpool_try_submit                                 */
    OP_TIMEOUT,         /* wpool_submit_timeout, SHORT_NS[c%4]              */
    OP_TASK_DISCARD,    /* wpool_submit_task with a discard callback        */
    OP_TASK_NODISCARD,  /* wpool_submit_task without                        */
    OP_BATCH,           /* wpool_submit_batch, 1 + c%6 jobs                 */
    OP_WAIT_IDLE_SHORT, /* wpool_wait_idle(SHORT_NS[c%4])                   */
    OP_WAIT_IDLE_LONG,  /* wpool_wait_idle(LONG): must return OK            */
    OP_SHUTDOWN_SHORT,  /* wpool_shutdown(SHUT_NS[c%4])                     */
    OP_SHUTDOWN_LONG,   /* wpool_shutdown(LONG): must return OK             */
    OP_STATS,           /* wpool_get_stats + wpool_stats_prometheus         */
    OP_PAUSE,           /* the driver spins c microseconds                  */
    OP_HELP,            /* wpool_help from a driver: must run nothing       */
    OP_BAD,             /* invalid arguments: WPOOL_EINVAL, nothing queued  */
    OP_AWAIT,           /* polls the stats (5 ms at most) for a state:
                           c%5: 0 no temporary worker alive (after one was
                           spawned), 1 no thread busy, 2 nothing queued,
                           3 a job running, 4 the pool closed               */
    OP_GATE,            /* c%2: closes (0) or opens (1) the gate            */
    OP_COUNT
};
static const char *const OP_NAMES[OP_COUNT] = {
    "submit",      "try_submit",    "submit_timeout", "submit_task+discard",
    "submit_task", "batch",         "wait_idle",      "wait_idle_long",
    "shutdown",    "shutdown_long", "stats",          "pause",
    "help",        "bad_args",      "await",          "gate"};

enum {
    K_NOP,      /* returns at once                                            */
    K_SPIN,     /* spins SPIN_NS[param%8] (its discard callback too)          */
    K_CHILD,    /* submits a child (any method, any priority)                 */
    K_HELP,     /* wpool_help 1..4 times                                      */
    K_WAITIDLE, /* wpool_wait_idle from a job: WPOOL_EDEADLK                  */
    K_SHUTDOWN, /* wpool_shutdown from a job: WPOOL_EDEADLK                   */
    K_JOIN,     /* submits a child and waits for it, helping                  */
    K_WAITHIGH, /* submits a High child and waits for it without helping      */
    K_STATS,    /* wpool_get_stats from a job                                 */
    K_GATE,     /* spins until a driver opens the gate (OP_GATE), 5 ms at most */
    K_COUNT
};
static const char *const KIND_NAMES[K_COUNT] = {
    "nop", "spin", "child", "help", "wait_idle", "shutdown", "join", "wait_high", "stats", "gate"};

/* Submission methods for jobs and hooks. */
enum { M_SUBMIT, M_TRY, M_TIMEOUT, M_TASK_DISCARD, M_TASK_NODISCARD, M_BATCH, M_COUNT };

/* Hook actions. */
enum {
    H_NONE,
    H_TRY,        /* try_submit a nop                        */
    H_TIMEOUT,    /* submit_timeout(200 us) a spinning job   */
    H_HELP,       /* wpool_help once                         */
    H_HELP4,      /* wpool_help up to 4 times                */
    H_STATS,      /* wpool_get_stats + Prometheus            */
    H_SLEEP,      /* sleeps 2 ms                             */
    H_SLEEP_HELP, /* sleeps 2 ms, then wpool_help            */
    H_COUNT
};
static const char *const HOOK_NAMES[H_COUNT] = {
    "none", "try_submit", "submit_timeout", "help", "help x4", "stats", "sleep", "sleep+help"};

typedef struct op {
    uint8_t code, b, c;
} op;

typedef struct program {
    wpool_config cfg;
    unsigned drivers;
    int start_action, stop_action, hook_prio;
    unsigned nops[MAX_DRIVERS];
    op ops[MAX_DRIVERS][MAX_OPS];
} program;

/* ------------------------------------------------------------------------ */
/* Jobs and the state of one execution                                       */
/* ------------------------------------------------------------------------ */

enum { ST_PENDING = 1000 }; /* status before the submit returned */

typedef struct job {
    _Atomic int runs, discards, done;
    _Atomic int status;                                    /* WPOOL_* once the submit returned */
    _Atomic uint64_t accepted_seq;                         /* g.seq after the submit returned OK */
    uint8_t prio, kind, param, depth, has_discard, origin; /* origin: 0 driver, 1 job, 2 hook */
} job;

static job g_jobs[MAX_JOBS];

typedef struct driver_state {
    _Atomic int op_index; /* -1: not started, nops: finished */
    _Atomic int in_call;  /* the op is inside the API call */
} driver_state;

static struct {
    const program *prog;
    _Atomic(wpool *) pool;
    _Atomic unsigned njobs;
    _Atomic uint64_t seq;
    _Atomic uint64_t accepted[3], rejected[3];
    _Atomic int inflight;                      /* submissions between call and record */
    _Atomic int closed_seen;                   /* a wpool_shutdown call returned */
    _Atomic int discard_possible;              /* a shutdown with a short timeout began */
    _Atomic uint64_t ok_snap_min, ok_snap_max; /* submitted after a shutdown returned OK */
    _Atomic int go;
    _Atomic int gate;            /* K_GATE jobs spin while it is 0 */
    _Atomic int64_t spin_budget; /* ns of spinning and gate waits left */
    driver_state drivers[MAX_DRIVERS];
    _Atomic int phase; /* for the watchdog */
} g;

enum { PH_IDLE, PH_CREATE, PH_DRIVERS, PH_FINAL_SHUTDOWN, PH_FINAL_CHECK, PH_DESTROY };
static const char *const PHASE_NAMES[] = {"idle",           "wpool_create", "drivers running",
                                          "final shutdown", "final checks", "wpool_destroy"};

/* The watchdog reads the pool's stats only while this says the pool is alive. */
static pthread_mutex_t g_pool_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_pool_alive;
static _Atomic uint64_t g_input_start; /* 0: no input running */
static _Atomic uint64_t g_inputs;

static void print_program(FILE *f, const program *pr);

static void dump_state(void) {
    fprintf(stderr, "fuzz_api: phase: %s\n", PHASE_NAMES[atomic_load(&g.phase)]);
    if (g.prog) {
        for (unsigned d = 0; d < g.prog->drivers; d++) {
            int i = atomic_load(&g.drivers[d].op_index);
            if (i < 0)
                fprintf(stderr, "  driver %u: not started\n", d);
            else if ((unsigned)i >= g.prog->nops[d])
                fprintf(stderr, "  driver %u: finished\n", d);
            else
                fprintf(stderr, "  driver %u: op %d (%s)%s\n", d, i,
                        OP_NAMES[g.prog->ops[d][i].code],
                        atomic_load(&g.drivers[d].in_call) ? ", inside the API call" : "");
        }
        print_program(stderr, g.prog);
    }
    pthread_mutex_lock(&g_pool_lock);
    wpool *p = atomic_load(&g.pool);
    if (g_pool_alive && p) {
        wpool_stats s;
        if (wpool_get_stats(p, &s) == WPOOL_OK) {
            for (int i = 0; i < 3; i++)
                fprintf(stderr,
                        "  prio %d: submitted %llu completed %llu discarded %llu queued %llu "
                        "running %llu\n",
                        i, (unsigned long long)s.submitted[i], (unsigned long long)s.completed[i],
                        (unsigned long long)s.discarded[i], (unsigned long long)s.queued[i],
                        (unsigned long long)s.running[i]);
            fprintf(stderr, "  busy %u temp alive %u spawned %llu retired %llu closed %d\n",
                    s.busy_workers, s.temp_workers, (unsigned long long)s.temp_spawned,
                    (unsigned long long)s.temp_retired, s.closed);
        }
    }
    pthread_mutex_unlock(&g_pool_lock);
}

static void fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "\nfuzz_api: CONTRACT VIOLATION: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    dump_state();
    abort();
}

static wpool *pool(void) {
    return atomic_load_explicit(&g.pool, memory_order_acquire);
}

/* Every spin, hook sleep and gate wait of an input draws on one budget (SPIN_BUDGET_NS):
 * however the fuzzer stacks slow jobs, an input's whole work stays far below
 * LONG_MS, so a long wait that times out can only be a lost wake-up. Returns
 * the time granted (ns, maybe less than asked, or 0). */
static uint64_t budget(uint64_t ns) {
    int64_t left = atomic_fetch_sub(&g.spin_budget, (int64_t)ns);
    if (left <= 0) return 0;
    return (uint64_t)left < ns ? (uint64_t)left : ns;
}

static job *new_job(int prio, int kind, int param, int depth, int has_discard, int origin) {
    unsigned i = atomic_fetch_add(&g.njobs, 1);
    if (i >= MAX_JOBS) return NULL;
    job *j = &g_jobs[i];
    atomic_store(&j->status, ST_PENDING);
    j->prio = (uint8_t)prio;
    j->kind = (uint8_t)kind;
    j->param = (uint8_t)param;
    j->depth = (uint8_t)depth;
    j->has_discard = (uint8_t)has_discard;
    j->origin = (uint8_t)origin;
    return j;
}

static unsigned job_id(const job *j) {
    return (unsigned)(j - g_jobs);
}

static void job_run(void *arg);
static void job_discard(void *arg);

static const char *status_name(int rc) {
    return rc == ST_PENDING ? "pending" : wpool_strerror(rc);
}

/* Submits n (1 for every method but M_BATCH) new jobs and records the
 * outcome. Returns the number accepted; *first the first job (NULL when the
 * job table is full: nothing submitted). */
static size_t submit_jobs(int method, int prio, int kind, int param, int depth, unsigned n,
                          uint64_t timeout_ns, int origin, job **first) {
    wpool *p = pool();
    job *jobs[MAX_BATCH];
    int with_discard = method == M_TASK_DISCARD || (method == M_BATCH && (param & 1));
    if (method != M_BATCH) n = 1;
    if (first) *first = NULL;
    for (unsigned i = 0; i < n; i++) {
        jobs[i] = new_job(prio, kind, param + (int)i * 13, depth, with_discard, origin);
        if (!jobs[i]) {
            /* Table full: the jobs allocated so far are never submitted. */
            for (unsigned k = 0; k < i; k++)
                atomic_store(&jobs[k]->status, WPOOL_EINVAL);
            return 0;
        }
    }
    atomic_fetch_add(&g.inflight, 1);
    int closed_before = atomic_load(&g.closed_seen);
    int rc;
    size_t accepted = 0;
    wpool_task tasks[MAX_BATCH];
    for (unsigned i = 0; i < n; i++)
        tasks[i] = (wpool_task){job_run, with_discard ? job_discard : NULL, jobs[i]};
    switch (method) {
    case M_SUBMIT:
        rc = wpool_submit(p, (wpool_priority)prio, job_run, jobs[0]);
        break;
    case M_TRY:
        rc = wpool_try_submit(p, (wpool_priority)prio, job_run, jobs[0]);
        break;
    case M_TIMEOUT:
        rc = wpool_submit_timeout(p, (wpool_priority)prio, job_run, jobs[0], timeout_ns);
        break;
    case M_TASK_DISCARD:
    case M_TASK_NODISCARD:
        rc = wpool_submit_task(p, (wpool_priority)prio, &tasks[0], timeout_ns);
        break;
    default:
        accepted = (size_t)-1;
        rc = wpool_submit_batch(p, (wpool_priority)prio, tasks, n, timeout_ns, &accepted);
        break;
    }
    if (method != M_BATCH) accepted = rc == WPOOL_OK;
    if (accepted > n) fail("wpool_submit_batch: *accepted = %zu for %u jobs", accepted, n);
    if (method == M_BATCH && (rc == WPOOL_OK) != (accepted == n))
        fail("wpool_submit_batch returned %s with %zu of %u accepted", wpool_strerror(rc), accepted,
             n);
    /* The statuses each call may return here. */
    int timed = method != M_SUBMIT && method != M_TRY;
    int ok = rc == WPOOL_OK || rc == WPOOL_ECLOSED;
    if (method == M_TRY || (timed && timeout_ns == 0)) ok |= rc == WPOOL_EFULL;
    if (timed && timeout_ns != 0) ok |= rc == WPOOL_ETIMEDOUT;
    if (!ok)
        fail("submission method %d (prio %d, timeout %llu ns) returned %d (%s)", method, prio,
             (unsigned long long)timeout_ns, rc, wpool_strerror(rc));
    if (closed_before && (rc != WPOOL_ECLOSED || accepted))
        fail("a submission begun after a wpool_shutdown returned got %s (%zu accepted), not "
             "WPOOL_ECLOSED",
             wpool_strerror(rc), accepted);
    for (size_t i = 0; i < n; i++) {
        if (i < accepted) {
            atomic_store(&jobs[i]->accepted_seq, atomic_fetch_add(&g.seq, 1) + 1);
            atomic_store(&jobs[i]->status, WPOOL_OK);
        } else {
            atomic_store(&jobs[i]->status, rc == WPOOL_OK ? WPOOL_EFULL : rc);
            if (atomic_load(&jobs[i]->runs) || atomic_load(&jobs[i]->discards))
                fail("job %u was not accepted (%s) but was run or discarded", job_id(jobs[i]),
                     wpool_strerror(rc));
        }
    }
    atomic_fetch_add(&g.accepted[prio], accepted);
    if (rc == WPOOL_EFULL || rc == WPOOL_ETIMEDOUT) atomic_fetch_add(&g.rejected[prio], 1);
    atomic_fetch_sub(&g.inflight, 1);
    if (first) *first = jobs[0];
    return accepted;
}

/* After wait_idle/shutdown returned OK: every job accepted before the call
 * began (accepted_seq <= seq0) has returned from run or discard. A job
 * without a discard callback may have been discarded unseen if a short
 * shutdown could have discarded it. */
static void check_quiescent_since(uint64_t seq0, const char *what) {
    unsigned n = atomic_load(&g.njobs);
    if (n > MAX_JOBS) n = MAX_JOBS;
    int discard_possible = atomic_load(&g.discard_possible);
    for (unsigned i = 0; i < n; i++) {
        job *j = &g_jobs[i];
        uint64_t s = atomic_load(&j->accepted_seq);
        if (!s || s > seq0 || atomic_load(&j->done)) continue;
        if (!j->has_discard && discard_possible) continue;
        fail("%s returned WPOOL_OK but job %u (prio %d, %s), accepted before the call, has not "
             "returned (runs %d, discards %d)",
             what, i, j->prio, KIND_NAMES[j->kind], atomic_load(&j->runs),
             atomic_load(&j->discards));
    }
}

static void snapshot_after_ok_shutdown(void) {
    wpool_stats s;
    if (wpool_get_stats(pool(), &s) != WPOOL_OK) fail("wpool_get_stats failed");
    uint64_t sum = s.submitted[0] + s.submitted[1] + s.submitted[2];
    uint64_t cur = atomic_load(&g.ok_snap_min);
    while (sum < cur && !atomic_compare_exchange_weak(&g.ok_snap_min, &cur, sum)) {
    }
    cur = atomic_load(&g.ok_snap_max);
    while (sum > cur && !atomic_compare_exchange_weak(&g.ok_snap_max, &cur, sum)) {
    }
    if (!s.closed) fail("wpool_shutdown returned but stats.closed is 0");
}

static void check_stats_live(const wpool_stats *s) {
    const wpool_config *c = &g.prog->cfg;
    if (s->workers != c->workers || s->max_temp_workers != c->max_temp_workers)
        fail("stats: workers %u max_temp %u, configured %u and %u", s->workers, s->max_temp_workers,
             c->workers, c->max_temp_workers);
    if (s->temp_workers > c->max_temp_workers)
        fail("stats: %u temporary workers alive, at most %u", s->temp_workers, c->max_temp_workers);
    if (s->busy_workers > c->workers + c->max_temp_workers)
        fail("stats: %u busy workers of %u + %u", s->busy_workers, c->workers, c->max_temp_workers);
    for (int i = 0; i < 3; i++) {
        uint64_t want = 2;
        while (want < c->capacity[i])
            want <<= 1;
        if (s->capacity[i] != want)
            fail("stats: capacity[%d] %llu, configured %u", i, (unsigned long long)s->capacity[i],
                 c->capacity[i]);
    }
}

static void check_prometheus(const wpool_stats *s, unsigned small) {
    char buf[16384];
    int n = wpool_stats_prometheus(s, NULL, 0);
    if (n <= 0 || (size_t)n >= sizeof buf) fail("wpool_stats_prometheus(NULL, 0) returned %d", n);
    int m = wpool_stats_prometheus(s, buf, sizeof buf);
    if (m != n || strlen(buf) != (size_t)n || strncmp(buf, "# ", 2) != 0 || !strstr(buf, "wpool_"))
        fail("wpool_stats_prometheus: %d then %d bytes, text length %zu", n, m, strlen(buf));
    memset(buf, 'x', sizeof buf);
    size_t size = small % 200;
    m = wpool_stats_prometheus(s, buf, size);
    if (m != n) fail("wpool_stats_prometheus with %zu bytes returned %d, not %d", size, m, n);
    if (size && strlen(buf) != size - 1)
        fail("wpool_stats_prometheus with %zu bytes wrote %zu characters", size, strlen(buf));
    if (!size && buf[0] != 'x') fail("wpool_stats_prometheus wrote into a buffer of size 0");
    if (wpool_stats_prometheus(NULL, buf, sizeof buf) != WPOOL_EINVAL ||
        wpool_stats_prometheus(s, NULL, 1) != WPOOL_EINVAL)
        fail("wpool_stats_prometheus accepted NULL arguments");
}

static void stats_and_render(unsigned small) {
    wpool_stats s;
    if (wpool_get_stats(pool(), &s) != WPOOL_OK) fail("wpool_get_stats failed");
    check_stats_live(&s);
    check_prometheus(&s, small);
}

/* Waits until the job has returned from run or discard; helping when asked. */
static void wait_done(job *waiter, job *j, int help) {
    /* Shorter than a driver's long wait, which this would hold up: this more
     * precise report comes first. */
    uint64_t deadline = now_ns() + g_long_ns / 3 * 2;
    unsigned n = 0;
    while (!atomic_load(&j->done)) {
        if (help && wpool_help(pool()) == 1) continue;
        if (now_ns() > deadline)
            fail("job %u (prio %d, %s) waited %llu ms for its child job %u (prio %d, %s, "
                 "status %s) %s: it was neither run nor discarded",
                 job_id(waiter), waiter->prio, KIND_NAMES[waiter->kind],
                 (unsigned long long)(g_long_ns / 3 * 2 / 1000000), job_id(j), j->prio,
                 KIND_NAMES[j->kind], status_name(atomic_load(&j->status)),
                 help ? "while helping" : "without helping (a temporary worker should run it)");
        relax(&n);
    }
}

static void job_body(job *j) {
    wpool *p = pool();
    int param = j->param;
    switch (j->kind) {
    case K_NOP:
        break;
    case K_SPIN:
        spin_ns(budget(SPIN_NS[param % 8]));
        break;
    case K_CHILD:
        if (j->depth < MAX_DEPTH) {
            static const int child_kinds[4] = {K_NOP, K_SPIN, K_CHILD, K_HELP};
            submit_jobs(param % M_COUNT, (param / M_COUNT) % 3, child_kinds[(param / 18) % 4],
                        param * 7 + 3, j->depth + 1, 2, 100000, 1, NULL);
        }
        break;
    case K_HELP:
        for (int i = 0; i <= param % 4; i++) {
            int rc = wpool_help(p);
            if (rc != 0 && rc != 1) fail("wpool_help from a job returned %d", rc);
        }
        break;
    case K_WAITIDLE: {
        int rc = wpool_wait_idle(p, SHORT_NS[param % 4]);
        if (rc != WPOOL_EDEADLK) fail("wpool_wait_idle from a job returned %s", wpool_strerror(rc));
        break;
    }
    case K_SHUTDOWN: {
        int rc = wpool_shutdown(p, SHUT_NS[param % 4]);
        if (rc != WPOOL_EDEADLK) fail("wpool_shutdown from a job returned %s", wpool_strerror(rc));
        break;
    }
    case K_JOIN:
    case K_WAITHIGH: {
        if (j->depth >= MAX_DEPTH) break;
        /* Without helping, only a High child of a Normal/Low job (which only
         * regular workers run) with temporary workers allowed is sure to run. */
        int nohelp =
            j->kind == K_WAITHIGH && j->prio != WPOOL_HIGH && g.prog->cfg.max_temp_workers > 0;
        int prio = nohelp || j->prio == WPOOL_HIGH ? WPOOL_HIGH : param % 3;
        job *c;
        if (submit_jobs(M_TASK_DISCARD, prio, (param / 3) % 2 ? K_SPIN : K_NOP, param / 6,
                        j->depth + 1, 1, 100000, 1, &c) == 1)
            wait_done(j, c, !nohelp);
        break;
    }
    case K_STATS:
        stats_and_render((unsigned)param);
        break;
    case K_GATE: {
        uint64_t until = now_ns() + budget(5000000), now;
        unsigned n = 0;
        while (!atomic_load(&g.gate) && (now = now_ns()) < until)
            relax(&n);
        now = now_ns();
        if (now < until) atomic_fetch_add(&g.spin_budget, (int64_t)(until - now)); /* unused */
        break;
    }
    }
}

static void job_run(void *arg) {
    job *j = arg;
    if (atomic_fetch_add(&j->runs, 1) != 0 || atomic_load(&j->discards))
        fail("job %u (prio %d) run again (runs %d, discards %d)", job_id(j), j->prio,
             atomic_load(&j->runs), atomic_load(&j->discards));
    int st = atomic_load(&j->status);
    if (st != ST_PENDING && st != WPOOL_OK)
        fail("job %u run though its submission returned %s", job_id(j), wpool_strerror(st));
    if (!wpool_in_pool(pool())) fail("wpool_in_pool is 0 inside a job");
    job_body(j);
    atomic_store(&j->done, 1);
}

static void job_discard(void *arg) {
    job *j = arg;
    if (atomic_fetch_add(&j->discards, 1) != 0 || atomic_load(&j->runs))
        fail("job %u (prio %d) discarded again (runs %d, discards %d)", job_id(j), j->prio,
             atomic_load(&j->runs), atomic_load(&j->discards));
    int st = atomic_load(&j->status);
    if (st != ST_PENDING && st != WPOOL_OK)
        fail("job %u discarded though its submission returned %s", job_id(j), wpool_strerror(st));
    if (j->kind == K_SPIN) spin_ns(budget(SPIN_NS[j->param % 8])); /* widens races */
    atomic_store(&j->done, 1);
}

/* ------------------------------------------------------------------------ */
/* Hooks                                                                     */
/* ------------------------------------------------------------------------ */

static void hook(int action, int stop) {
    /* Regular workers start inside wpool_create, before it stores the handle. */
    wpool *p;
    uint64_t deadline = now_ns() + 100000000ull;
    unsigned n = 0;
    while (!(p = pool())) {
        if (now_ns() > deadline) return;
        relax(&n);
    }
    int prio = g.prog->hook_prio;
    switch (action) {
    case H_TRY:
        submit_jobs(M_TRY, prio, K_NOP, 0, MAX_DEPTH - 1, 1, 0, 2, NULL);
        break;
    case H_TIMEOUT:
        submit_jobs(M_TIMEOUT, prio, K_SPIN, 5, MAX_DEPTH - 1, 1, 200000, 2, NULL);
        break;
    case H_SLEEP_HELP:
        sleep_ns(budget(2000000));
        /* fall through */
    case H_HELP:
    case H_HELP4:
        for (int i = 0; i < (action == H_HELP4 ? 4 : 1); i++) {
            int rc = wpool_help(p);
            if (rc != 0 && rc != 1) fail("wpool_help from a thread hook returned %d", rc);
            /* A thread counted idle runs no job (wpool_thread_hook). */
            if (stop && rc != 0) fail("wpool_help ran a job in a stop hook");
        }
        break;
    case H_STATS:
        stats_and_render(150);
        break;
    case H_SLEEP:
        sleep_ns(budget(2000000));
        break;
    default:
        break;
    }
}

static void on_start(void *ctx, unsigned index, int temporary) {
    (void)ctx, (void)index, (void)temporary;
    hook(g.prog->start_action, 0);
}

static void on_stop(void *ctx, unsigned index, int temporary) {
    (void)ctx, (void)index, (void)temporary;
    hook(g.prog->stop_action, 1);
}

/* ------------------------------------------------------------------------ */
/* Drivers                                                                   */
/* ------------------------------------------------------------------------ */

static void do_wait(int shutdown, uint64_t timeout_ns, int must_succeed) {
    wpool *p = pool();
    uint64_t seq0 = atomic_load(&g.seq);
    if (shutdown && !must_succeed) atomic_store(&g.discard_possible, 1);
    uint64_t t0 = now_ns();
    int rc = shutdown ? wpool_shutdown(p, timeout_ns) : wpool_wait_idle(p, timeout_ns);
    uint64_t took = now_ns() - t0;
    const char *what = shutdown ? "wpool_shutdown" : "wpool_wait_idle";
    if (shutdown) atomic_store(&g.closed_seen, 1);
    if (rc != WPOOL_OK && rc != WPOOL_ETIMEDOUT)
        fail("%s(%llu ns) returned %s", what, (unsigned long long)timeout_ns, wpool_strerror(rc));
    if (rc == WPOOL_OK) {
        check_quiescent_since(seq0, what);
        if (shutdown) snapshot_after_ok_shutdown();
    }
    /* A long wait that returns OK at its deadline's last look slept through
     * the moment the pool went idle: as lost a wake-up as a timeout. */
    if (must_succeed && rc == WPOOL_OK && took > timeout_ns / 2)
        fail("%s(%llu ms) returned WPOOL_OK only after %llu ms, though every job and driver "
             "here is bounded: a lost wake-up (it saw the pool idle at its deadline)",
             what, (unsigned long long)(timeout_ns / 1000000),
             (unsigned long long)(took / 1000000));
    if (rc != WPOOL_OK && must_succeed) {
        fail("%s(%llu ms) timed out after %llu ms, though every job and driver here is bounded: "
             "a lost wake-up (or a job that never ran)",
             what, (unsigned long long)(timeout_ns / 1000000),
             (unsigned long long)(took / 1000000));
    }
}

static void bad_args(unsigned c) {
    wpool *p = pool();
    size_t acc = 99;
    int rc;
    wpool_task tasks[3] = {{job_run, NULL, NULL}, {job_run, NULL, NULL}, {job_run, NULL, NULL}};
    switch (c % 5) {
    case 0:
        rc = wpool_submit(p, (wpool_priority)3, job_run, NULL);
        break;
    case 1:
        rc = wpool_try_submit(p, WPOOL_NORMAL, NULL, NULL);
        break;
    case 2:
        tasks[0].run = NULL;
        rc = wpool_submit_task(p, WPOOL_LOW, &tasks[0], 0);
        break;
    case 3:
        tasks[(c / 5) % 3].run = NULL; /* nothing may be queued, not even the ones before */
        rc = wpool_submit_batch(p, (wpool_priority)((c / 15) % 3), tasks, 3, 0, &acc);
        if (acc != 0) fail("wpool_submit_batch with a NULL run accepted %zu", acc);
        break;
    default:
        rc = wpool_submit_batch(p, WPOOL_HIGH, NULL, 2, 0, &acc);
        break;
    }
    if (rc != WPOOL_EINVAL)
        fail("invalid arguments (case %u) returned %s", c % 5, wpool_strerror(rc));
}

/* Polls the stats until the state c%5 (see OP_AWAIT) holds or max_ns passed. */
static void await_state(unsigned c, uint64_t max_ns) {
    uint64_t deadline = now_ns() + max_ns;
    unsigned n = 0;
    for (;;) {
        wpool_stats s;
        if (wpool_get_stats(pool(), &s) != WPOOL_OK) fail("wpool_get_stats failed");
        uint64_t queued = s.queued[0] + s.queued[1] + s.queued[2];
        uint64_t running = s.running[0] + s.running[1] + s.running[2];
        switch (c % 5) {
        case 0:
            if (s.temp_spawned && !s.temp_workers) return;
            break;
        case 1:
            if (!s.busy_workers) return;
            break;
        case 2:
            if (!queued) return;
            break;
        case 3:
            if (running) return;
            break;
        default:
            if (s.closed) return;
            break;
        }
        if (now_ns() > deadline) return;
        relax(&n);
    }
}

static void exec_op(const op *o) {
    int prio = o->b % 3, kind = (o->b / 3) % K_COUNT, c = o->c;
    wpool *p = pool();
    switch (o->code) {
    case OP_SUBMIT:
        submit_jobs(M_SUBMIT, prio, kind, c, 0, 1, WPOOL_FOREVER, 0, NULL);
        break;
    case OP_TRY:
        submit_jobs(M_TRY, prio, kind, c, 0, 1, 0, 0, NULL);
        break;
    case OP_TIMEOUT:
        submit_jobs(M_TIMEOUT, prio, kind, c, 0, 1, SHORT_NS[c % 4], 0, NULL);
        break;
    case OP_TASK_DISCARD:
        submit_jobs(M_TASK_DISCARD, prio, kind, c, 0, 1, SHORT_NS[c % 4], 0, NULL);
        break;
    case OP_TASK_NODISCARD:
        submit_jobs(M_TASK_NODISCARD, prio, kind, c, 0, 1, SHORT_NS[c % 4], 0, NULL);
        break;
    case OP_BATCH:
        submit_jobs(M_BATCH, prio, kind, c, 0, 1 + (unsigned)c % MAX_BATCH, SHORT_NS[(c / 6) % 4],
                    0, NULL);
        break;
    case OP_WAIT_IDLE_SHORT:
        do_wait(0, SHORT_NS[c % 4], 0);
        break;
    case OP_WAIT_IDLE_LONG:
        do_wait(0, g_long_ns, 1);
        break;
    case OP_SHUTDOWN_SHORT:
        do_wait(1, SHUT_NS[c % 4], 0);
        break;
    case OP_SHUTDOWN_LONG:
        do_wait(1, g_long_ns, 1);
        break;
    case OP_STATS:
        stats_and_render((unsigned)c);
        break;
    case OP_PAUSE:
        spin_ns(budget((uint64_t)c * 1000));
        break;
    case OP_HELP:
        if (wpool_help(p) != 0) fail("wpool_help from a driver thread ran a job");
        if (wpool_in_pool(p)) fail("wpool_in_pool is nonzero on a driver thread");
        break;
    case OP_BAD:
        bad_args((unsigned)c);
        break;
    case OP_AWAIT:
        await_state((unsigned)c, 5000000);
        break;
    case OP_GATE:
        atomic_store(&g.gate, c % 2);
        break;
    }
}

static void run_driver(unsigned d) {
    const program *pr = g.prog;
    unsigned n = 0;
    while (!atomic_load(&g.go))
        relax(&n);
    for (unsigned i = 0; i < pr->nops[d]; i++) {
        atomic_store(&g.drivers[d].op_index, (int)i);
        atomic_store(&g.drivers[d].in_call, 1);
        exec_op(&pr->ops[d][i]);
        if (g_trace > 1) {
            wpool_stats s;
            wpool_get_stats(pool(), &s);
            fprintf(stderr,
                    "  after d%u.%u: busy %u temp alive %u spawned %llu running %llu/%llu/%llu\n",
                    d, i, s.busy_workers, s.temp_workers, (unsigned long long)s.temp_spawned,
                    (unsigned long long)s.running[0], (unsigned long long)s.running[1],
                    (unsigned long long)s.running[2]);
        }
        atomic_store(&g.drivers[d].in_call, 0);
    }
    atomic_store(&g.drivers[d].op_index, (int)pr->nops[d]);
}

static void *driver_main(void *arg) {
    run_driver((unsigned)(uintptr_t)arg);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Decoding, the watchdog, the entry points                                  */
/* ------------------------------------------------------------------------ */

static uint8_t byte_at(const uint8_t *data, size_t size, size_t i) {
    return i < size ? data[i] : 0;
}

static void decode(const uint8_t *data, size_t size, program *pr) {
    memset(pr, 0, sizeof *pr);
    uint8_t h0 = byte_at(data, size, 0), h1 = byte_at(data, size, 1);
    uint8_t h2 = byte_at(data, size, 2), h3 = byte_at(data, size, 3);
    wpool_config *c = &pr->cfg;
    wpool_config_init(c);
    c->workers = 1 + h0 % 3;
    c->max_temp_workers = (h0 / 3) % 3;
    c->starvation_ms = (h0 / 9) % 2;
    pr->drivers = 1 + (h0 / 18) % 3;
    c->capacity[WPOOL_HIGH] = CAP[h1 % 8];
    c->capacity[WPOOL_NORMAL] = CAP[(h1 / 8) % 8];
    c->temp_idle_ms = (uint32_t)(h1 / 64) % 3;
    c->capacity[WPOOL_LOW] = CAP[h2 % 8];
    c->wait_sampling = SAMPLING[(h2 / 8) % 8];
    c->thread_name = "fz";
    pr->start_action = h3 % 8;
    pr->stop_action = (h3 / 8) % 8;
    pr->hook_prio = (h3 / 64) % 3;
    c->on_thread_start = pr->start_action ? on_start : NULL;
    c->on_thread_stop = pr->stop_action ? on_stop : NULL;
    for (size_t i = 4, k = 0; i + 2 < size && k < MAX_OPS; i += 3, k++) {
        unsigned d = (data[i] / 32) % pr->drivers;
        op *o = &pr->ops[d][pr->nops[d]++];
        o->code = (uint8_t)((data[i] % 32) % OP_COUNT);
        o->b = data[i + 1];
        o->c = data[i + 2];
    }
}

static void print_program(FILE *f, const program *pr) {
    const wpool_config *c = &pr->cfg;
    fprintf(f,
            "program: workers %u, temp %u (ttl %u ms), starvation %u ms, capacity %u/%u/%u, "
            "sampling %u, hooks start=%s stop=%s (prio %d), %u driver(s)\n",
            c->workers, c->max_temp_workers, c->temp_idle_ms, c->starvation_ms, c->capacity[0],
            c->capacity[1], c->capacity[2], c->wait_sampling, HOOK_NAMES[pr->start_action],
            HOOK_NAMES[pr->stop_action], pr->hook_prio, pr->drivers);
    for (unsigned d = 0; d < pr->drivers; d++)
        for (unsigned i = 0; i < pr->nops[d]; i++) {
            const op *o = &pr->ops[d][i];
            fprintf(f, "  d%u.%u %s prio %d kind %s c %u\n", d, i, OP_NAMES[o->code], o->b % 3,
                    KIND_NAMES[(o->b / 3) % K_COUNT], o->c);
        }
}

static void *watchdog_main(void *arg) {
    (void)arg;
    for (;;) {
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
        uint64_t start = atomic_load(&g_input_start);
        if (start && now_ns() - start > g_watchdog_ns) {
            fprintf(stderr,
                    "\nfuzz_api: WATCHDOG: input %llu still running after %llu ms: a hang\n",
                    (unsigned long long)atomic_load(&g_inputs),
                    (unsigned long long)(g_watchdog_ns / 1000000));
            dump_state();
            abort();
        }
    }
    return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    const char *s = getenv("WPOOL_FUZZ_LONG_MS");
    if (s && atoi(s) > 0) g_long_ns = (uint64_t)atoi(s) * 1000000ull;
    g_watchdog_ns = g_long_ns + 5000000000ull;
    s = getenv("WPOOL_FUZZ_WATCHDOG_MS");
    if (s && atoi(s) > 0) g_watchdog_ns = (uint64_t)atoi(s) * 1000000ull;
    s = getenv("WPOOL_FUZZ_TRACE");
    g_trace = s ? atoi(s) : 0;
    pthread_t t;
    if (pthread_create(&t, NULL, watchdog_main, NULL) != 0) abort();
    pthread_detach(t);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static program pr;
    decode(data, size, &pr);
    if (g_trace) print_program(stderr, &pr);

    unsigned used = atomic_load(&g.njobs);
    memset(g_jobs, 0, (used < MAX_JOBS ? used : MAX_JOBS) * sizeof(job));
    memset(&g, 0, sizeof g);
    g.prog = &pr;
    atomic_store(&g.ok_snap_min, UINT64_MAX);
    atomic_store(&g.spin_budget, SPIN_BUDGET_NS);
    for (unsigned d = 0; d < MAX_DRIVERS; d++)
        atomic_store(&g.drivers[d].op_index, -1);
    atomic_fetch_add(&g_inputs, 1);
    atomic_store(&g_input_start, now_ns());

    atomic_store(&g.phase, PH_CREATE);
    wpool *p = NULL;
    int rc = wpool_create(&pr.cfg, &p);
    if (rc != WPOOL_OK) fail("wpool_create failed: %s", wpool_strerror(rc));
    pthread_mutex_lock(&g_pool_lock);
    atomic_store_explicit(&g.pool, p, memory_order_release);
    g_pool_alive = 1;
    pthread_mutex_unlock(&g_pool_lock);

    /* Let the workers start and go idle first: runs then depend less on how
     * long thread creation took. */
    await_state(1, 20000000);
    atomic_store(&g.phase, PH_DRIVERS);
    pthread_t threads[MAX_DRIVERS];
    for (unsigned d = 1; d < pr.drivers; d++)
        if (pthread_create(&threads[d], NULL, driver_main, (void *)(uintptr_t)d) != 0)
            fail("pthread_create failed for a driver");
    atomic_store(&g.go, 1);
    run_driver(0);
    for (unsigned d = 1; d < pr.drivers; d++)
        pthread_join(threads[d], NULL);

    atomic_store(&g.gate, 1);
    /* Every driver is done: the pool must drain and close within LONG. */
    atomic_store(&g.phase, PH_FINAL_SHUTDOWN);
    uint64_t seq0 = atomic_load(&g.seq);
    uint64_t t0 = now_ns();
    rc = wpool_shutdown(p, g_long_ns);
    atomic_store(&g.closed_seen, 1);
    if (rc == WPOOL_OK && now_ns() - t0 > g_long_ns / 2)
        fail("the final wpool_shutdown(%llu ms) returned WPOOL_OK only after %llu ms: a lost "
             "wake-up",
             (unsigned long long)(g_long_ns / 1000000),
             (unsigned long long)((now_ns() - t0) / 1000000));
    if (rc != WPOOL_OK)
        fail("the final wpool_shutdown(%llu ms) returned %s",
             (unsigned long long)(g_long_ns / 1000000), wpool_strerror(rc));
    check_quiescent_since(seq0, "the final wpool_shutdown");
    /* Hooks may still be recording a submission accepted before the close. */
    atomic_store(&g.phase, PH_FINAL_CHECK);
    uint64_t deadline = now_ns() + g_long_ns;
    unsigned spins = 0;
    while (atomic_load(&g.inflight) != 0) {
        if (now_ns() > deadline) fail("a submission in a hook never returned");
        relax(&spins);
    }

    wpool_stats s;
    if (wpool_get_stats(p, &s) != WPOOL_OK) fail("wpool_get_stats failed");
    check_stats_live(&s);
    check_prometheus(&s, 77);
    unsigned njobs = atomic_load(&g.njobs);
    if (njobs > MAX_JOBS) njobs = MAX_JOBS;
    uint64_t runs[3] = {0}, seen_discards[3] = {0}, unseen_discards[3] = {0};
    for (unsigned i = 0; i < njobs; i++) {
        job *j = &g_jobs[i];
        int st = atomic_load(&j->status), r = atomic_load(&j->runs);
        int dc = atomic_load(&j->discards);
        if (st != WPOOL_OK) {
            if (r || dc)
                fail("job %u was not accepted (%s) but was run %d and discarded %d times", i,
                     status_name(st), r, dc);
            continue;
        }
        if (r + dc > 1) fail("job %u: run %d and discarded %d times", i, r, dc);
        if (r + dc == 0) {
            if (j->has_discard)
                fail("job %u (prio %d, %s, %s): accepted but neither run nor discarded", i, j->prio,
                     KIND_NAMES[j->kind], j->origin == 2 ? "from a hook" : "");
            if (!atomic_load(&g.discard_possible))
                fail("job %u (prio %d, %s): accepted but never run, with no shutdown that could "
                     "have discarded it",
                     i, j->prio, KIND_NAMES[j->kind]);
            unseen_discards[j->prio]++;
        }
        runs[j->prio] += (uint64_t)r;
        seen_discards[j->prio] += (uint64_t)dc;
    }
    uint64_t total = 0;
    for (int i = 0; i < 3; i++) {
        total += s.submitted[i];
        if (s.submitted[i] != s.completed[i] + s.discarded[i] || s.queued[i] || s.running[i])
            fail("stats after shutdown, prio %d: submitted %llu completed %llu discarded %llu "
                 "queued %llu running %llu",
                 i, (unsigned long long)s.submitted[i], (unsigned long long)s.completed[i],
                 (unsigned long long)s.discarded[i], (unsigned long long)s.queued[i],
                 (unsigned long long)s.running[i]);
        if (s.submitted[i] != atomic_load(&g.accepted[i]))
            fail("stats: submitted[%d] %llu, the callers saw %llu accepted", i,
                 (unsigned long long)s.submitted[i],
                 (unsigned long long)atomic_load(&g.accepted[i]));
        if (s.rejected[i] != atomic_load(&g.rejected[i]))
            fail("stats: rejected[%d] %llu, the callers saw %llu EFULL/ETIMEDOUT", i,
                 (unsigned long long)s.rejected[i],
                 (unsigned long long)atomic_load(&g.rejected[i]));
        if (s.completed[i] != runs[i] || s.discarded[i] != seen_discards[i] + unseen_discards[i])
            fail("stats prio %d: completed %llu discarded %llu; the jobs saw %llu runs, %llu "
                 "discards and %llu accepted jobs without a discard callback never ran",
                 i, (unsigned long long)s.completed[i], (unsigned long long)s.discarded[i],
                 (unsigned long long)runs[i], (unsigned long long)seen_discards[i],
                 (unsigned long long)unseen_discards[i]);
    }
    if (!s.closed) fail("stats.closed is 0 after wpool_shutdown");
    if (g_trace)
        fprintf(stderr,
                "result: submitted %llu/%llu/%llu completed %llu/%llu/%llu discarded "
                "%llu/%llu/%llu rejected %llu/%llu/%llu, temp spawned %llu retired %llu\n",
                (unsigned long long)s.submitted[0], (unsigned long long)s.submitted[1],
                (unsigned long long)s.submitted[2], (unsigned long long)s.completed[0],
                (unsigned long long)s.completed[1], (unsigned long long)s.completed[2],
                (unsigned long long)s.discarded[0], (unsigned long long)s.discarded[1],
                (unsigned long long)s.discarded[2], (unsigned long long)s.rejected[0],
                (unsigned long long)s.rejected[1], (unsigned long long)s.rejected[2],
                (unsigned long long)s.temp_spawned, (unsigned long long)s.temp_retired);
    uint64_t mn = atomic_load(&g.ok_snap_min), mx = atomic_load(&g.ok_snap_max);
    if (mn != UINT64_MAX && (mn != total || mx != total))
        fail("jobs were accepted after a wpool_shutdown returned WPOOL_OK: %llu submitted then, "
             "%llu at the end",
             (unsigned long long)mn, (unsigned long long)total);

    atomic_store(&g.phase, PH_DESTROY);
    pthread_mutex_lock(&g_pool_lock);
    g_pool_alive = 0;
    pthread_mutex_unlock(&g_pool_lock);
    wpool_destroy(p);
    /* Stop hooks ran in wpool_destroy: nothing may have been accepted there. */
    for (int i = 0; i < 3; i++)
        if (atomic_load(&g.accepted[i]) != s.submitted[i])
            fail("a submission from a stop hook was accepted after the pool shut down");
    atomic_store(&g.pool, NULL);
    atomic_store(&g.phase, PH_IDLE);
    atomic_store(&g_input_start, 0);
    return 0;
}
