/*
 * fuzz_api.c: a libFuzzer target for wpool's C API (clang -fsanitize=fuzzer,address,undefined).
 *
 * Each input is a small program: a pool configuration (tiny rings, short
 * temporary-worker TTLs, 1-3 workers, 0-2 temporary workers, starvation bound
 * on or off, wait sampling, thread hooks that call into the pool, a default
 * discard callback or none) and up to MAX_OPS operations shared out among 1-3
 * driver threads that run at once: every kind of submission, wait_idle and
 * shutdown with short and long timeouts, stats and their Prometheus
 * rendering, and the job lifecycle API: wpool_submit_job with and without a
 * deadline (past, now, near, far), wpool_cancel of recorded tickets (queued,
 * running, run, expired, cancelled before, its own), wpool_pause and
 * wpool_resume of a priority, wpool_set_workers (1-4) and
 * wpool_set_max_temp_workers (0-3). Jobs spin, submit children, help, join a
 * child, wait for a High child without helping (which only a temporary
 * worker can then run), call wait_idle/shutdown from inside (WPOOL_EDEADLK
 * expected), cancel, pause and resume, resize, and submit jobs with
 * deadlines; discard callbacks of cancelling jobs cancel too (a nested
 * discard); hooks may cancel, pause and resume, or submit a job with a
 * deadline after their own action.
 *
 * What it checks (abort() with a message on any violation):
 *  - every status is one the API documents for that call; a submission that
 *    starts after a shutdown returned gets WPOOL_ECLOSED, as do a pause and a
 *    resize; wpool_submit_job stores a ticket exactly when it returns
 *    WPOOL_OK, and no two jobs get the same one;
 *  - every accepted job (WPOOL_OK) is run or discarded exactly once (per-job
 *    counters), a job not accepted never is; a job without a discard callback
 *    that never ran is counted as a discard and only allowed when a cancel of
 *    it returned WPOOL_OK, it had a deadline, or a shutdown could have
 *    discarded it (a short one, or one that found its priority paused);
 *  - in each discard callback wpool_discard_reason_now() says why, and it is
 *    true: CANCELLED only on a thread inside wpool_cancel of that very job,
 *    EXPIRED only at or after the job's deadline, SHUTDOWN only after a
 *    shutdown began that may discard (see above); NONE in a job's run and
 *    outside; restored after a nested cancel;
 *  - wpool_cancel returning WPOOL_OK: the job had not started, been discarded
 *    or been cancelled before the call; its discard callback ran exactly
 *    once, reason CANCELLED, on this thread, before the return, and its run
 *    never runs. WPOOL_EALREADY: never for the only cancel of a job submitted
 *    after a pause of its priority returned, with no resume and no shutdown
 *    begun since (it is still queued); such a job never starts either;
 *  - a job whose deadline had passed before its submission never runs;
 *  - wait_idle/shutdown returning WPOOL_OK: every job accepted before the
 *    call began has returned (or was discarded), but jobs being cancelled
 *    (not waited for) and, for wait_idle, the jobs of a priority paused at
 *    some time during the call;
 *  - a "long" wait (WPOOL_FUZZ_LONG_MS, default 3 s) neither times out nor
 *    returns only at its deadline: an input's spins, sleeps and gate waits
 *    share a 200 ms budget and its timeouts are short, so such a wait slept
 *    through the moment the pool went idle: a lost wake-up. The same for a
 *    job joining its child or waiting for a High child (2 s: the pool must
 *    start a temporary worker for it when every regular worker is busy). A
 *    paused priority does not make wait_idle or shutdown wait;
 *  - wpool_help in a stop hook runs nothing; no hook runs after
 *    wpool_destroy returned;
 *  - no job is accepted after a shutdown returned WPOOL_OK;
 *  - stats, live: workers_target and max_temp_workers are sizes asked for,
 *    workers, temporary and busy ones within the largest ones asked for,
 *    `paused` only priorities that were paused; the Prometheus text carries
 *    the cancelled, expired and paused values;
 *  - at the end: if priorities were paused, either every one is resumed
 *    (again while jobs pause them) and a long wait_idle must return, after
 *    which the final shutdown may discard nothing, or they stay paused and a
 *    long wait_idle must still return (their jobs do not count), and the
 *    final shutdown must discard them (reason SHUTDOWN) and return WPOOL_OK
 *    in time. Then (after that wpool_shutdown(LONG), before wpool_destroy()):
 *    per priority submitted == completed + discarded + cancelled + expired ==
 *    what the drivers saw accepted, queued == running == 0, rejected == the
 *    EFULL/ETIMEDOUT the drivers saw, completed == the runs counted here,
 *    cancelled, expired and discarded == the discard callbacks counted by
 *    reason (plus the jobs without one: cancelled, or expired/shut down);
 *  - a watchdog thread aborts an input still running after
 *    WPOOL_FUZZ_WATCHDOG_MS (default the long wait + 5 s), printing where each
 *    driver is: a hang (say, in wpool_destroy) becomes a crash with a
 *    message, before libFuzzer's -timeout.
 *
 * Every input ends: a pause may last until the end (see above), and a thread
 * that waits for room in a paused, full queue (a blocking submit) or for a
 * child queued there is freed by the watchdog thread, which resumes that
 * priority after 10 ms of such a wait (rescue_paused; WPOOL_FUZZ_TRACE=1
 * shows it).
 *
 * Input layout (bytes past the end read as 0):
 *   h0: workers 1 + h0%3, temporary workers (h0/3)%3, starvation bound 1 ms
 *       if (h0/9)%2, drivers 1 + (h0/18)%3, the default discard callback if
 *       (h0/54)%2, every priority resumed at the end if (h0/108)%2
 *   h1: capacity High = CAP[h1%8], Normal = CAP[(h1/8)%8], TTL (h1/64)%3 ms
 *   h2: capacity Low = CAP[h2%8], wait_sampling = SAMPLING[(h2/8)%8], hook
 *       lifecycle action (L_*) h2/64
 *   h3: start-hook action h3%8, stop-hook action (h3/8)%8, hook priority (h3/64)%3
 *   then 3 bytes per operation: a (driver (a/32)%drivers, opcode
 *   (a%32)%OP_COUNT), b (priority b%3, job kind (b/3)%K_COUNT), c (timeout,
 *   batch size, job parameter: see OP_* and K_*). tests/fuzz/make_seeds.py
 *   writes inputs by name.
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
#define MAX_TICKETS    1024        /* tickets recorded for wpool_cancel per input */
#define STUCK_NS       10000000ull /* see rescue_paused() */

static const uint32_t CAP[8] = {1, 2, 3, 4, 5, 6, 8, 64}; /* 64: enough backlog for batching */
static const uint32_t SAMPLING[8] = {0, 1, 2, 4, 8, 16, 1024, 1};
static const uint64_t SHORT_NS[4] = {0, 10000, 200000, 1000000};
static const uint64_t SHUT_NS[4] = {0, 50000, 500000, 2000000};
static const uint64_t SPIN_NS[8] = {0, 1000, 2000, 5000, 10000, 50000, 200000, 1000000};
/* wpool_submit_job: its wait for room, and a "near" deadline's distance. */
static const uint64_t JOB_WAIT_NS[4] = {0, 200000, 1000000, WPOOL_FOREVER};
static const uint64_t NEAR_NS[4] = {20000, 100000, 500000, 2000000};
#define FAR_NS 60000000000ull /* a "far" deadline: never reached within an input */

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
    OP_JOB,             /* wpool_submit_job without a deadline: c%4 its wait
                           JOB_WAIT_NS, (c/4)%2 a discard callback, (c/8)%2
                           opts zeroed (else NULL), (c/16)%2 cancelled at
                           once, (c/32)%8 == 7 no ticket asked for         */
    OP_JOB_DEADLINE,    /* wpool_submit_job with a deadline: c%4 past, now,
                           near (NEAR_NS[(c/16)%4] ahead), far (60 s);
                           (c/4)%2 a discard callback, (c/8)%2 cancelled
                           at once, (c/64)%4 its wait JOB_WAIT_NS          */
    OP_CANCEL,          /* wpool_cancel of a recorded ticket (pick_ticket)  */
    OP_PAUSE_PRIO,      /* wpool_pause(prio)                                */
    OP_RESUME_PRIO,     /* wpool_resume(prio)                               */
    OP_SET_WORKERS,     /* wpool_set_workers(1 + c%4)                       */
    OP_SET_TEMP,        /* wpool_set_max_temp_workers(c%4)                  */
    OP_BAD_JOB,         /* invalid arguments to the lifecycle API, c%8      */
    OP_COUNT
};
static const char *const OP_NAMES[OP_COUNT] = {"submit",         "try_submit",
                                               "submit_timeout", "submit_task+discard",
                                               "submit_task",    "batch",
                                               "wait_idle",      "wait_idle_long",
                                               "shutdown",       "shutdown_long",
                                               "stats",          "pause",
                                               "help",           "bad_args",
                                               "await",          "gate",
                                               "submit_job",     "submit_job+deadline",
                                               "cancel",         "pause_prio",
                                               "resume_prio",    "set_workers",
                                               "set_temp",       "bad_job_args"};

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
    K_CANCEL,   /* wpool_cancel of a recorded ticket (pick_ticket(param)), or
                   of its own when param%4 == 3 (WPOOL_EALREADY); its discard
                   callback cancels one too (a nested discard)               */
    K_PAUSE,    /* prio (param/4)%3: param%4 0 pause, 1 resume, 2 pause then
                   resume, 3 resume every priority                           */
    K_RESIZE,   /* param%2: wpool_set_workers(1 + (param/2)%4), else
                   wpool_set_max_temp_workers((param/2)%4)                   */
    K_JOBCHILD, /* submits a child with wpool_submit_job as OP_JOB_DEADLINE
                   with c = param (param%16 == 15: as OP_JOB with c = param/16),
                   at priority (param/3)%3, a cancel job if param%5 == 0, else
                   a spinning one                                            */
    K_COUNT
};
static const char *const KIND_NAMES[K_COUNT] = {
    "nop",       "spin",  "child", "help",   "wait_idle", "shutdown", "join",
    "wait_high", "stats", "gate",  "cancel", "pause",     "resize",   "job_child"};

/* Submission methods for jobs and hooks (K_CHILD picks one of the first six). */
enum { M_SUBMIT, M_TRY, M_TIMEOUT, M_TASK_DISCARD, M_TASK_NODISCARD, M_BATCH, M_JOB, M_COUNT };

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

/* Lifecycle actions every hook does after its own (h2/64). */
enum {
    L_NONE,
    L_CANCEL, /* wpool_cancel of the latest recorded ticket                  */
    L_PAUSE,  /* wpool_pause then wpool_resume of the hook priority          */
    L_JOB,    /* wpool_submit_job (try) of a spinning job, deadline 100 us    */
    L_COUNT
};
static const char *const LIFE_NAMES[L_COUNT] = {"none", "cancel", "pause+resume", "submit_job"};

typedef struct op {
    uint8_t code, b, c;
} op;

typedef struct program {
    wpool_config cfg;
    unsigned drivers;
    int start_action, stop_action, hook_prio, hook_life;
    int final_resume; /* resume every priority before the final wait/shutdown */
    unsigned nops[MAX_DRIVERS];
    op ops[MAX_DRIVERS][MAX_OPS];
} program;

/* ------------------------------------------------------------------------ */
/* Jobs and the state of one execution                                       */
/* ------------------------------------------------------------------------ */

enum { ST_PENDING = 1000 }; /* status before the submit returned */

typedef struct job {
    _Atomic int made; /* new_job filled it in */
    _Atomic int runs, discards, done;
    _Atomic int status;                                    /* WPOOL_* once the submit returned */
    _Atomic uint64_t accepted_seq;                         /* g.seq after the submit returned OK */
    uint8_t prio, kind, param, depth, has_discard, origin; /* origin: 0 driver, 1 job, 2 hook */
    uint8_t method;                                        /* M_* */
    uint64_t input;                                        /* g_inputs when it was made */
    unsigned held; /* nonzero: submitted while its priority was surely paused,
                      g.resumes[prio] + 1 then (see do_cancel, job_run) */
    /* Jobs of wpool_submit_job (the rest stay 0): */
    uint64_t deadline;                /* wpool_job_opts.deadline_ns; 0 none */
    uint64_t submit_ns;               /* wpool_now_ns() before the submit call */
    _Atomic wpool_ticket ticket;      /* stored after the submit returned OK */
    _Atomic int cancel_calls;         /* wpool_cancel calls of its ticket begun */
    _Atomic int cancelled;            /* wpool_cancel of its ticket returned OK */
    _Atomic int reason;               /* wpool_discard_reason_now() in its discard */
    _Atomic uintptr_t discard_thread; /* thread_tag() of its discard */
    /* now_ns() when accepted, when its run or discard began and ended (0:
     * not yet), for the report of a slow wait (print_timeline). */
    _Atomic uint64_t t_accepted, t_started, t_ended;
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
    _Atomic int inflight;                      /* submissions and cancels between call and
                                                  record */
    _Atomic int closed_seen;                   /* a wpool_shutdown call returned */
    _Atomic int discard_possible;              /* a shutdown with a short timeout began */
    _Atomic uint64_t ok_snap_min, ok_snap_max; /* submitted after a shutdown returned OK */
    _Atomic int go;
    _Atomic int gate; /* K_GATE jobs spin while it is 0 */
    /* The lifecycle API. */
    _Atomic unsigned shutdowns;       /* wpool_shutdown calls begun */
    _Atomic int sd_possible[3];       /* a shutdown may discard jobs of this priority
                                         (it was, or may have been, paused) */
    _Atomic unsigned pauses[3];       /* wpool_pause calls begun */
    _Atomic unsigned pauses_done[3];  /* ... and returned */
    _Atomic unsigned resumes[3];      /* wpool_resume calls begun */
    _Atomic unsigned resumes_done[3]; /* ... and returned */
    _Atomic unsigned held_mark[3];    /* resumes + 1 when the last pause, begun with no
                                         resume in flight, returned OK (do_pause) */
    _Atomic int maybe_paused[3];      /* 0: surely not paused now (do_resume) */
    _Atomic int stuck[3];             /* threads that wait for room or a child at prio */
    _Atomic unsigned workers_seen;    /* bit n: n regular workers were asked for */
    _Atomic unsigned temp_seen;       /* bit n: max_temp_workers n was asked for */
    _Atomic int temp_zero;            /* max_temp_workers 0 was asked for */
    _Atomic uint64_t reasons[3][4];   /* discard callbacks by priority and reason */
    _Atomic unsigned ntickets;
    _Atomic(job *) tickets[MAX_TICKETS]; /* jobs whose ticket was recorded */
    _Atomic int64_t spin_budget;         /* ns of spinning and gate waits left */
    driver_state drivers[MAX_DRIVERS];
    _Atomic int phase; /* for the watchdog */
} g;

enum {
    PH_IDLE,
    PH_CREATE,
    PH_DRIVERS,
    PH_FINAL_WAIT,
    PH_FINAL_SHUTDOWN,
    PH_FINAL_CHECK,
    PH_DESTROY
};
static const char *const PHASE_NAMES[] = {
    "idle",           "wpool_create", "drivers running", "final resume/wait_idle",
    "final shutdown", "final checks", "wpool_destroy"};

/* The watchdog reads the pool's stats only while this says the pool is alive. */
static pthread_mutex_t g_pool_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_pool_alive;
static _Thread_local int tl_holds_pool_lock;
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
    /* Not when this thread holds it (a failure in rescue_paused). */
    if (tl_holds_pool_lock) return;
    pthread_mutex_lock(&g_pool_lock);
    wpool *p = atomic_load(&g.pool);
    if (g_pool_alive && p) {
        wpool_stats s;
        if (wpool_get_stats(p, &s) == WPOOL_OK) {
            for (int i = 0; i < 3; i++)
                fprintf(stderr,
                        "  prio %d: submitted %llu completed %llu discarded %llu cancelled %llu "
                        "expired %llu queued %llu running %llu%s\n",
                        i, (unsigned long long)s.submitted[i], (unsigned long long)s.completed[i],
                        (unsigned long long)s.discarded[i], (unsigned long long)s.cancelled[i],
                        (unsigned long long)s.expired[i], (unsigned long long)s.queued[i],
                        (unsigned long long)s.running[i], s.paused & (1u << i) ? " paused" : "");
            fprintf(stderr,
                    "  workers %u (target %u) busy %u temp alive %u (max %u) spawned %llu "
                    "retired %llu closed %d\n",
                    s.workers, s.workers_target, s.busy_workers, s.temp_workers, s.max_temp_workers,
                    (unsigned long long)s.temp_spawned, (unsigned long long)s.temp_retired,
                    s.closed);
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
    j->prio = (uint8_t)prio;
    j->kind = (uint8_t)kind;
    j->param = (uint8_t)param;
    j->depth = (uint8_t)depth;
    j->has_discard = (uint8_t)has_discard;
    j->origin = (uint8_t)origin;
    j->input = atomic_load(&g_inputs);
    /* Last: a hook may claim a slot while the final checks run (status 0 is
     * WPOOL_OK; they skip slots not made yet). */
    atomic_store(&j->status, ST_PENDING);
    atomic_store(&j->made, 1);
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

/* ------------------------------------------------------------------------ */
/* The lifecycle API: pause, resume, resize, cancel                          */
/* ------------------------------------------------------------------------ */

/* Names the calling thread (the address of a thread-local: unique among the
 * threads alive). */
static _Thread_local char tl_tag;
static uintptr_t thread_tag(void) {
    return (uintptr_t)&tl_tag;
}

/* The job this thread is cancelling (do_cancel): a discard callback with
 * reason WPOOL_DISCARD_CANCELLED must be for it. */
static _Thread_local job *tl_cancelling;

/* A shutdown may discard the queued jobs of a paused priority. Both sides
 * count themselves, then look at the other (seq_cst): whichever comes second
 * marks the priority before its call can discard anything. */
static void shutdown_begins(int mark_paused) {
    atomic_fetch_add(&g.shutdowns, 1);
    for (int i = 0; i < 3; i++)
        if (mark_paused && atomic_load(&g.pauses[i])) atomic_store(&g.sd_possible[i], 1);
}

static void do_pause(int prio) {
    int closed_before = atomic_load(&g.closed_seen);
    atomic_fetch_add(&g.pauses[prio], 1);
    atomic_store(&g.maybe_paused[prio], 1);
    if (atomic_load(&g.shutdowns)) atomic_store(&g.sd_possible[prio], 1);
    /* A resume still in flight may undo this pause later. */
    unsigned r0 = atomic_load(&g.resumes[prio]);
    int quiet = atomic_load(&g.resumes_done[prio]) == r0;
    int rc = wpool_pause(pool(), (wpool_priority)prio);
    atomic_fetch_add(&g.pauses_done[prio], 1);
    if (rc == WPOOL_OK) {
        if (closed_before) fail("wpool_pause after a wpool_shutdown returned gave WPOOL_OK");
        /* Paused now, until the next wpool_resume begins. */
        atomic_store(&g.held_mark[prio], quiet ? r0 + 1 : 0);
    } else if (rc != WPOOL_ECLOSED || !atomic_load(&g.shutdowns)) {
        fail("wpool_pause(%d) returned %s", prio, wpool_strerror(rc));
    }
}

static void do_resume(int prio) {
    atomic_fetch_add(&g.resumes[prio], 1);
    /* No pause in flight now and none begun by the end: not paused after. */
    unsigned p0 = atomic_load(&g.pauses[prio]);
    int quiet = atomic_load(&g.pauses_done[prio]) == p0;
    int rc = wpool_resume(pool(), (wpool_priority)prio);
    atomic_fetch_add(&g.resumes_done[prio], 1);
    if (rc != WPOOL_OK) fail("wpool_resume(%d) returned %s", prio, wpool_strerror(rc));
    if (quiet && atomic_load(&g.pauses[prio]) == p0) {
        atomic_store(&g.maybe_paused[prio], 0);
        /* A pause begun meanwhile stores 1 after counting itself. */
        if (atomic_load(&g.pauses[prio]) != p0) atomic_store(&g.maybe_paused[prio], 1);
    }
}

static void do_set_workers(unsigned n) {
    int closed_before = atomic_load(&g.closed_seen);
    atomic_fetch_or(&g.workers_seen, 1u << n);
    int rc = wpool_set_workers(pool(), n);
    if (rc == WPOOL_OK) {
        if (closed_before) fail("wpool_set_workers after a wpool_shutdown returned gave WPOOL_OK");
    } else if (rc != WPOOL_ECLOSED || !atomic_load(&g.shutdowns)) {
        fail("wpool_set_workers(%u) returned %s", n, wpool_strerror(rc));
    }
}

static void do_set_temp(unsigned n) {
    int closed_before = atomic_load(&g.closed_seen);
    atomic_fetch_or(&g.temp_seen, 1u << n);
    if (n == 0) atomic_store(&g.temp_zero, 1);
    int rc = wpool_set_max_temp_workers(pool(), n);
    if (rc == WPOOL_OK) {
        if (closed_before)
            fail("wpool_set_max_temp_workers after a wpool_shutdown returned gave WPOOL_OK");
    } else if (rc != WPOOL_ECLOSED || !atomic_load(&g.shutdowns)) {
        fail("wpool_set_max_temp_workers(%u) returned %s", n, wpool_strerror(rc));
    }
}

static void record_ticket(job *j) {
    unsigned i = atomic_fetch_add(&g.ntickets, 1);
    if (i < MAX_TICKETS) atomic_store(&g.tickets[i], j);
}

/* A recorded ticket's job: c%2 == 0 one of the 8 latest, else any; NULL if
 * none (yet). */
static job *pick_ticket(unsigned c) {
    unsigned n = atomic_load(&g.ntickets);
    if (n > MAX_TICKETS) n = MAX_TICKETS;
    if (n == 0) return NULL;
    unsigned back = (c / 2) % 8;
    unsigned i = c % 2 == 0 ? (back < n ? n - 1 - back : 0) : (c / 2) % n;
    return atomic_load(&g.tickets[i]);
}

/* wpool_cancel of j's ticket (nothing when j is NULL or has none), checked
 * against the job's fate. A job that cancels itself is running: WPOOL_OK
 * would fail the first check. */
static void do_cancel(job *j) {
    wpool_ticket t = j ? atomic_load(&j->ticket) : 0;
    if (!t) return;
    wpool_discard_reason outer = wpool_discard_reason_now();
    int earlier = atomic_fetch_add(&j->cancel_calls, 1);
    /* Taken (run begun, discarded) or cancelled before the call: too late. */
    int over = atomic_load(&j->runs) || atomic_load(&j->discards) || atomic_load(&j->done) ||
               atomic_load(&j->cancelled);
    job *saved = tl_cancelling;
    tl_cancelling = j;
    /* A hook's cancel may still be recording its outcome at the final check. */
    atomic_fetch_add(&g.inflight, 1);
    int rc = wpool_cancel(pool(), t);
    tl_cancelling = saved;
    if (wpool_discard_reason_now() != outer)
        fail("wpool_discard_reason_now() is %d after wpool_cancel returned, %d before",
             (int)wpool_discard_reason_now(), (int)outer);
    unsigned id = job_id(j);
    if (rc == WPOOL_OK) {
        if (over)
            fail("wpool_cancel of job %u (prio %d, %s) returned WPOOL_OK, but it had started, "
                 "been discarded or been cancelled before the call",
                 id, j->prio, KIND_NAMES[j->kind]);
        if (atomic_fetch_add(&j->cancelled, 1) != 0)
            fail("wpool_cancel of job %u returned WPOOL_OK twice", id);
        if (atomic_load(&j->runs)) fail("job %u was cancelled (WPOOL_OK) but it ran", id);
        if (j->has_discard) {
            if (atomic_load(&j->discards) != 1 ||
                atomic_load(&j->reason) != WPOOL_DISCARD_CANCELLED ||
                atomic_load(&j->discard_thread) != thread_tag())
                fail("wpool_cancel of job %u returned WPOOL_OK: its discard callback ran %d times "
                     "(reason %d, %s thread) before it returned; once, reason CANCELLED, on "
                     "the cancelling thread expected",
                     id, atomic_load(&j->discards), atomic_load(&j->reason),
                     atomic_load(&j->discard_thread) == thread_tag() ? "this" : "another");
        } else {
            if (atomic_load(&j->discards))
                fail("job %u had no discard callback but one was called", id);
            atomic_store(&j->t_ended, now_ns());
            atomic_store(&j->done, 1); /* ended: nothing else will call it */
        }
    } else if (rc == WPOOL_EALREADY) {
        /* Submitted after a pause returned with no resume since, and no
         * shutdown began: still queued, so the only cancel must win. */
        if (j->held && earlier == 0 && atomic_load(&j->cancel_calls) == 1 &&
            atomic_load(&g.resumes[j->prio]) + 1 == j->held && !atomic_load(&g.shutdowns))
            fail("wpool_cancel of job %u (prio %d, %s), queued at a paused priority, returned "
                 "WPOOL_EALREADY (runs %d, discards %d)",
                 id, j->prio, KIND_NAMES[j->kind], atomic_load(&j->runs),
                 atomic_load(&j->discards));
    } else {
        fail("wpool_cancel of job %u returned %s", id, wpool_strerror(rc));
    }
    atomic_fetch_sub(&g.inflight, 1);
}

/* How wpool_submit_job is called (M_JOB). */
typedef struct job_spec {
    int deadline_kind; /* -1 none, 0 past, 1 now, 2 near, 3 far */
    int near, with_discard, opts_zeroed, cancel_now, no_ticket;
    uint64_t wait_ns;
} job_spec;

/* OP_JOB's c, and OP_JOB_DEADLINE's (deadline). */
static job_spec job_spec_of(unsigned c, int deadline) {
    job_spec js = {
        -1, 0, (c / 4) % 2, (c / 8) % 2, (c / 16) % 2, (c / 32) % 8 == 7, JOB_WAIT_NS[c % 4]};
    if (deadline) {
        js.deadline_kind = (int)(c % 4);
        js.near = (int)((c / 16) % 4);
        js.opts_zeroed = 1;
        js.cancel_now = (c / 8) % 2;
        js.no_ticket = 0;
        js.wait_ns = JOB_WAIT_NS[(c / 64) % 4];
    }
    return js;
}

/* Submits n (1 for every method but M_BATCH) new jobs and records the
 * outcome. Returns the number accepted; *first the first job (NULL when the
 * job table is full: nothing submitted). js: how, for M_JOB. */
static size_t submit_jobs(int method, int prio, int kind, int param, int depth, unsigned n,
                          uint64_t timeout_ns, int origin, job **first, const job_spec *js) {
    wpool *p = pool();
    job *jobs[MAX_BATCH];
    int with_discard = method == M_TASK_DISCARD || (method == M_BATCH && (param & 1)) ||
                       (method == M_JOB && js->with_discard);
    int has_discard = with_discard || g.prog->cfg.default_discard;
    if (method != M_BATCH) n = 1;
    if (method == M_JOB) timeout_ns = js->wait_ns;
    if (first) *first = NULL;
    for (unsigned i = 0; i < n; i++) {
        jobs[i] = new_job(prio, kind, param + (int)i * 13, depth, has_discard, origin);
        if (jobs[i]) jobs[i]->method = (uint8_t)method;
        if (!jobs[i]) {
            /* Table full: the jobs allocated so far are never submitted. */
            for (unsigned k = 0; k < i; k++)
                atomic_store(&jobs[k]->status, WPOOL_EINVAL);
            return 0;
        }
    }
    wpool_job_opts opts = {0};
    wpool_ticket ticket = 0xdeadull;
    if (method == M_JOB) {
        job *j = jobs[0];
        uint64_t now = wpool_now_ns();
        switch (js->deadline_kind) {
        case 0:
            j->deadline = now > 1000000 ? now - 1000000 : 1;
            break;
        case 1:
            j->deadline = now;
            break;
        case 2:
            j->deadline = now + NEAR_NS[js->near];
            break;
        case 3:
            j->deadline = now + FAR_NS;
            break;
        default:
            break;
        }
        opts.deadline_ns = j->deadline;
        j->submit_ns = now;
    }
    /* Surely paused since before this call (do_pause, do_cancel, job_run)? */
    unsigned resumes = atomic_load(&g.resumes[prio]);
    if (atomic_load(&g.held_mark[prio]) == resumes + 1 && !atomic_load(&g.shutdowns))
        for (unsigned i = 0; i < n; i++)
            jobs[i]->held = resumes + 1;
    /* A wait that only a resume can end: rescue_paused() resumes it. */
    int long_wait = method == M_SUBMIT ||
                    (timeout_ns > 50000000ull &&
                     !(method == M_JOB && js->deadline_kind >= 0 && js->deadline_kind < 3));
    if (long_wait) atomic_fetch_add(&g.stuck[prio], 1);
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
    case M_JOB:
        rc = wpool_submit_job(p, (wpool_priority)prio, &tasks[0],
                              js->opts_zeroed || js->deadline_kind >= 0 ? &opts : NULL, timeout_ns,
                              js->no_ticket ? NULL : &ticket);
        break;
    default:
        accepted = (size_t)-1;
        rc = wpool_submit_batch(p, (wpool_priority)prio, tasks, n, timeout_ns, &accepted);
        break;
    }
    if (long_wait) atomic_fetch_sub(&g.stuck[prio], 1);
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
    if (method == M_JOB && !js->no_ticket && (rc == WPOOL_OK) != (ticket != 0))
        fail("wpool_submit_job returned %s and stored the ticket %llu", wpool_strerror(rc),
             (unsigned long long)ticket);
    for (size_t i = 0; i < n; i++) {
        if (i < accepted) {
            atomic_store(&jobs[i]->accepted_seq, atomic_fetch_add(&g.seq, 1) + 1);
            atomic_store(&jobs[i]->t_accepted, now_ns());
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
    if (method == M_JOB && rc == WPOOL_OK && !js->no_ticket) {
        atomic_store(&jobs[0]->ticket, ticket);
        record_ticket(jobs[0]);
        if (js->cancel_now) do_cancel(jobs[0]);
    }
    if (first) *first = jobs[0];
    return accepted;
}

/* A job without a discard callback may have been discarded unseen: by a
 * shutdown (a short one, or one that found its priority paused), or as
 * expired. */
static int unseen_discard_possible(const job *j) {
    return !j->has_discard && (atomic_load(&g.discard_possible) ||
                               atomic_load(&g.sd_possible[j->prio]) || j->deadline);
}

/* After wait_idle/shutdown returned OK: every job accepted before the call
 * began (accepted_seq <= seq0) has returned from run or discard, except jobs
 * of the priorities in skip (wait_idle: paused at some time during the
 * call) and jobs discarded unseen. */
static void check_quiescent_since(uint64_t seq0, const char *what, unsigned skip) {
    unsigned n = atomic_load(&g.njobs);
    if (n > MAX_JOBS) n = MAX_JOBS;
    for (unsigned i = 0; i < n; i++) {
        job *j = &g_jobs[i];
        uint64_t s = atomic_load(&j->accepted_seq);
        if (!s || s > seq0 || atomic_load(&j->done)) continue;
        if (skip & (1u << j->prio) || unseen_discard_possible(j)) continue;
        /* A job being cancelled is not waited for (wpool_cancel), and one
         * cancelled without a callback is marked done after the cancel. */
        int why = atomic_load(&j->reason);
        if (atomic_load(&j->cancel_calls) && !atomic_load(&j->runs) &&
            (why == WPOOL_DISCARD_NONE || why == WPOOL_DISCARD_CANCELLED))
            continue;
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

static unsigned highest_bit(unsigned mask) {
    unsigned n = 0;
    for (unsigned i = 0; i < 32; i++)
        if (mask & (1u << i)) n = i;
    return n;
}

static void check_stats_live(const wpool_stats *s) {
    const wpool_config *c = &g.prog->cfg;
    /* Read after the stats: every size asked for before them is in. */
    unsigned wseen = atomic_load(&g.workers_seen), tseen = atomic_load(&g.temp_seen);
    unsigned wmax = highest_bit(wseen), tmax = highest_bit(tseen);
    if (s->workers_target >= 32 || !(wseen & (1u << s->workers_target)) ||
        s->max_temp_workers >= 32 || !(tseen & (1u << s->max_temp_workers)))
        fail("stats: workers_target %u max_temp %u, asked for (bit masks) %#x and %#x",
             s->workers_target, s->max_temp_workers, wseen, tseen);
    if (s->workers > wmax)
        fail("stats: %u regular workers alive, at most %u were asked for", s->workers, wmax);
    if (s->temp_workers > tmax)
        fail("stats: %u temporary workers alive, at most %u", s->temp_workers, tmax);
    if (s->busy_workers > wmax + tmax)
        fail("stats: %u busy workers of %u + %u", s->busy_workers, wmax, tmax);
    for (int i = 0; i < 3; i++)
        if (s->paused & (1u << i) && !atomic_load(&g.pauses[i]))
            fail("stats: paused %#x, but priority %d was never paused", s->paused, i);
    if (s->paused >= 8) fail("stats: paused %#x", s->paused);
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
    static const char *const prios[3] = {"high", "normal", "low"};
    for (int i = 0; i < 3; i++) {
        char line[3][96];
        snprintf(line[0], sizeof line[0], "\nwpool_jobs_cancelled_total{priority=\"%s\"} %llu\n",
                 prios[i], (unsigned long long)s->cancelled[i]);
        snprintf(line[1], sizeof line[1], "\nwpool_jobs_expired_total{priority=\"%s\"} %llu\n",
                 prios[i], (unsigned long long)s->expired[i]);
        snprintf(line[2], sizeof line[2], "\nwpool_paused{priority=\"%s\"} %u\n", prios[i],
                 (s->paused >> i) & 1u);
        for (int k = 0; k < 3; k++)
            if (!strstr(buf, line[k]))
                fail("wpool_stats_prometheus: no line \"%.*s\"", (int)strlen(line[k]) - 2,
                     line[k] + 1);
    }
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

/* Waits until the job has returned from run or discard; helping when asked.
 * Counted stuck at the child's priority: rescue_paused() resumes it if a
 * pause holds the child. Without helping, the child may only run on a
 * temporary worker: a wait that wpool_set_max_temp_workers(0) may have made
 * endless is given up. */
static void wait_done(job *waiter, job *j, int help) {
    /* Shorter than a driver's long wait, which this would hold up: this more
     * precise report comes first. */
    uint64_t deadline = now_ns() + g_long_ns / 3 * 2;
    unsigned n = 0;
    atomic_fetch_add(&g.stuck[j->prio], 1);
    while (!atomic_load(&j->done)) {
        if (!help && atomic_load(&g.temp_zero)) break;
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
    atomic_fetch_sub(&g.stuck[j->prio], 1);
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
            submit_jobs(param % M_JOB, (param / M_JOB) % 3, child_kinds[(param / 18) % 4],
                        param * 7 + 3, j->depth + 1, 2, 100000, 1, NULL, NULL);
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
        int nohelp = j->kind == K_WAITHIGH && j->prio != WPOOL_HIGH &&
                     g.prog->cfg.max_temp_workers > 0 && !atomic_load(&g.temp_zero);
        int prio = nohelp || j->prio == WPOOL_HIGH ? WPOOL_HIGH : param % 3;
        job *c;
        if (submit_jobs(M_TASK_DISCARD, prio, (param / 3) % 2 ? K_SPIN : K_NOP, param / 6,
                        j->depth + 1, 1, 100000, 1, &c, NULL) == 1)
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
    case K_CANCEL:
        if (param % 4 == 3)
            do_cancel(j); /* itself: WPOOL_EALREADY */
        else
            do_cancel(pick_ticket((unsigned)param));
        break;
    case K_PAUSE: {
        int prio = (param / 4) % 3;
        switch (param % 4) {
        case 0:
            do_pause(prio);
            break;
        case 1:
            do_resume(prio);
            break;
        case 2:
            do_pause(prio);
            do_resume(prio);
            break;
        default:
            for (int i = 0; i < 3; i++)
                do_resume(i);
            break;
        }
        break;
    }
    case K_RESIZE:
        if (param % 2)
            do_set_temp((unsigned)(param / 2) % 4);
        else
            do_set_workers(1 + (unsigned)(param / 2) % 4);
        break;
    case K_JOBCHILD:
        if (j->depth < MAX_DEPTH) {
            job_spec js = param % 16 == 15 ? job_spec_of((unsigned)param / 16, 0)
                                           : job_spec_of((unsigned)param, 1);
            submit_jobs(M_JOB, (param / 3) % 3, param % 5 == 0 ? K_CANCEL : K_SPIN, param * 5 + 1,
                        j->depth + 1, 1, 0, 1, NULL, &js);
        }
        break;
    }
}

static void job_run(void *arg) {
    job *j = arg;
    atomic_store(&j->t_started, now_ns());
    if (atomic_fetch_add(&j->runs, 1) != 0 || atomic_load(&j->discards))
        fail("job %u (prio %d) run again (runs %d, discards %d)", job_id(j), j->prio,
             atomic_load(&j->runs), atomic_load(&j->discards));
    int st = atomic_load(&j->status);
    if (st != ST_PENDING && st != WPOOL_OK)
        fail("job %u run though its submission returned %s", job_id(j), wpool_strerror(st));
    if (!wpool_in_pool(pool())) fail("wpool_in_pool is 0 inside a job");
    if (atomic_load(&j->cancelled))
        fail("job %u run though wpool_cancel returned WPOOL_OK", job_id(j));
    /* Submitted after a pause returned, with no resume begun since and no
     * shutdown (whose racing pause may resume): still paused. */
    if (j->held && atomic_load(&g.resumes[j->prio]) + 1 == j->held && !atomic_load(&g.shutdowns))
        fail("job %u (prio %d) run while its priority was paused", job_id(j), j->prio);
    if (j->deadline && j->deadline <= j->submit_ns)
        fail("job %u (prio %d) run though its deadline had passed before it was submitted",
             job_id(j), j->prio);
    if (wpool_discard_reason_now() != WPOOL_DISCARD_NONE)
        fail("wpool_discard_reason_now() is %d in a job's run", (int)wpool_discard_reason_now());
    job_body(j);
    atomic_store(&j->t_ended, now_ns());
    atomic_store(&j->done, 1);
}

static void job_discard(void *arg) {
    job *j = arg;
    wpool_discard_reason why = wpool_discard_reason_now();
    atomic_store(&j->t_started, now_ns());
    atomic_store(&j->reason, (int)why); /* before the count: check_quiescent_since */
    if (atomic_fetch_add(&j->discards, 1) != 0 || atomic_load(&j->runs))
        fail("job %u (prio %d) discarded again (runs %d, discards %d)", job_id(j), j->prio,
             atomic_load(&j->runs), atomic_load(&j->discards));
    int st = atomic_load(&j->status);
    if (st != ST_PENDING && st != WPOOL_OK)
        fail("job %u discarded though its submission returned %s", job_id(j), wpool_strerror(st));
    switch (why) {
    case WPOOL_DISCARD_SHUTDOWN:
        /* Only a shutdown that timed out, or that found the job's priority
         * paused, discards. */
        if (!atomic_load(&g.shutdowns) ||
            !(atomic_load(&g.discard_possible) || atomic_load(&g.sd_possible[j->prio])))
            fail("job %u (prio %d) discarded (reason SHUTDOWN) with no shutdown that could "
                 "discard it",
                 job_id(j), j->prio);
        break;
    case WPOOL_DISCARD_CANCELLED:
        if (tl_cancelling != j)
            fail("job %u discarded (reason CANCELLED) on a thread not cancelling it", job_id(j));
        break;
    case WPOOL_DISCARD_EXPIRED:
        if (!j->deadline || wpool_now_ns() < j->deadline)
            fail("job %u discarded (reason EXPIRED) before its deadline (%llu, now %llu)",
                 job_id(j), (unsigned long long)j->deadline, (unsigned long long)wpool_now_ns());
        break;
    default:
        fail("job %u discarded with wpool_discard_reason_now() %d", job_id(j), (int)why);
    }
    atomic_store(&j->discard_thread, thread_tag());
    atomic_fetch_add(&g.reasons[j->prio][why], 1);
    if (j->kind == K_SPIN) spin_ns(budget(SPIN_NS[j->param % 8])); /* widens races */
    if (j->kind == K_CANCEL) {
        /* A discard callback that cancels: the inner discard's reason is
         * restored to ours when it returns (do_cancel checks). */
        do_cancel(pick_ticket(j->param));
        if (wpool_discard_reason_now() != why)
            fail("wpool_discard_reason_now() is %d after a nested cancel, %d before",
                 (int)wpool_discard_reason_now(), (int)why);
    }
    atomic_store(&j->t_ended, now_ns());
    atomic_store(&j->done, 1);
}

/* ------------------------------------------------------------------------ */
/* Hooks                                                                     */
/* ------------------------------------------------------------------------ */

static void hook_body(int action, int stop);

/* wpool_destroy has returned by the time an input ends: no hook runs then. */
static void hook(int action, int stop) {
    uint64_t input = atomic_load(&g_inputs);
    if (!atomic_load(&g_input_start))
        fail("a %s hook began after wpool_destroy returned", stop ? "stop" : "start");
    hook_body(action, stop);
    if (!atomic_load(&g_input_start) || atomic_load(&g_inputs) != input)
        fail("a %s hook of input %llu ended after wpool_destroy returned", stop ? "stop" : "start",
             (unsigned long long)input);
}

static void hook_body(int action, int stop) {
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
        submit_jobs(M_TRY, prio, K_NOP, 0, MAX_DEPTH - 1, 1, 0, 2, NULL, NULL);
        break;
    case H_TIMEOUT:
        submit_jobs(M_TIMEOUT, prio, K_SPIN, 5, MAX_DEPTH - 1, 1, 200000, 2, NULL, NULL);
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
    switch (g.prog->hook_life) {
    case L_CANCEL:
        do_cancel(pick_ticket(0));
        break;
    case L_PAUSE:
        do_pause(prio);
        do_resume(prio);
        break;
    case L_JOB: {
        job_spec js = job_spec_of(22, 1); /* deadline 100 us ahead, a discard callback, a try */
        submit_jobs(M_JOB, prio, K_SPIN, 3, MAX_DEPTH - 1, 1, 0, 2, NULL, &js);
        break;
    }
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

/* For a wait that took too long: when the jobs that were not done at its
 * start (t0) were accepted, started and ended, relative to t0, and the last
 * end: a last end long before the wait returned means the waiter slept
 * through it; a job that started or ran late points at a worker. */
static void print_timeline(uint64_t t0) {
    unsigned n = atomic_load(&g.njobs), shown = 0;
    if (n > MAX_JOBS) n = MAX_JOBS;
    uint64_t last = 0;
    int last_id = -1;
#define FZ_REL(t) ((t) ? ((double)(int64_t)((t)-t0)) / 1e6 : -1.0)
    fprintf(stderr, "fuzz_api: jobs not done when the wait began (ms from then; -1: not yet):\n");
    for (unsigned i = 0; i < n; i++) {
        job *j = &g_jobs[i];
        uint64_t a = atomic_load(&j->t_accepted), st = atomic_load(&j->t_started);
        uint64_t e = atomic_load(&j->t_ended);
        if (!a || (e && e < t0)) continue;
        if (e > last) last = e, last_id = (int)i;
        if (shown++ < 40)
            fprintf(stderr, "  job %u (prio %d, %s): accepted %.3f started %.3f ended %.3f\n", i,
                    j->prio, KIND_NAMES[j->kind], FZ_REL(a), FZ_REL(st), FZ_REL(e));
    }
    fprintf(stderr, "  the last one ended at %.3f ms (job %d); now %.3f ms\n", FZ_REL(last),
            last_id, FZ_REL(now_ns()));
#undef FZ_REL
}

static void do_wait(int shutdown, uint64_t timeout_ns, int must_succeed) {
    wpool *p = pool();
    uint64_t seq0 = atomic_load(&g.seq);
    if (shutdown && !must_succeed) atomic_store(&g.discard_possible, 1);
    if (shutdown) shutdown_begins(1);
    /* wait_idle does not wait for the jobs of a priority paused meanwhile. */
    unsigned skip = 0, pauses0[3];
    for (int i = 0; i < 3; i++) {
        pauses0[i] = atomic_load(&g.pauses[i]);
        if (atomic_load(&g.maybe_paused[i])) skip |= 1u << i;
    }
    uint64_t t0 = now_ns();
    int rc = shutdown ? wpool_shutdown(p, timeout_ns) : wpool_wait_idle(p, timeout_ns);
    uint64_t took = now_ns() - t0;
    const char *what = shutdown ? "wpool_shutdown" : "wpool_wait_idle";
    if (shutdown) atomic_store(&g.closed_seen, 1);
    if (rc != WPOOL_OK && rc != WPOOL_ETIMEDOUT)
        fail("%s(%llu ns) returned %s", what, (unsigned long long)timeout_ns, wpool_strerror(rc));
    for (int i = 0; i < 3; i++)
        if (atomic_load(&g.pauses[i]) != pauses0[i]) skip |= 1u << i;
    if (rc == WPOOL_OK) {
        check_quiescent_since(seq0, what, shutdown ? 0 : skip);
        if (shutdown) snapshot_after_ok_shutdown();
    }
    /* A long wait that returns OK at its deadline's last look slept through
     * the moment the pool went idle: as lost a wake-up as a timeout. */
    if (must_succeed && (rc != WPOOL_OK || took > timeout_ns / 2)) print_timeline(t0);
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

/* Invalid arguments to the lifecycle API (c%8). The made-up tickets name no
 * job: priority bits 3, or a position (2^62 - 2) no ring reaches. */
static void bad_job_args(unsigned c) {
    wpool *p = pool();
    wpool_task task = {job_run, NULL, NULL};
    wpool_ticket t = 77;
    int rc[4] = {WPOOL_EINVAL, WPOOL_EINVAL, WPOOL_EINVAL, WPOOL_EINVAL}, want = WPOOL_EINVAL;
    switch (c % 8) {
    case 0:
        rc[0] = wpool_cancel(NULL, 4);
        rc[1] = wpool_cancel(p, 0);
        break;
    case 1:
    case 2:
        rc[0] = wpool_cancel(p, c % 8 == 1 ? UINT64_MAX : UINT64_MAX - 3);
        want = WPOOL_EALREADY;
        break;
    case 3:
        rc[0] = wpool_pause(p, (wpool_priority)3);
        rc[1] = wpool_resume(p, (wpool_priority)3);
        rc[2] = wpool_pause(NULL, WPOOL_HIGH);
        rc[3] = wpool_resume(NULL, WPOOL_LOW);
        break;
    case 4:
        rc[0] = wpool_set_workers(p, WPOOL_MAX_WORKERS + 1);
        rc[1] = wpool_set_max_temp_workers(p, WPOOL_MAX_WORKERS + 1);
        rc[2] = wpool_set_workers(NULL, 1);
        rc[3] = wpool_set_max_temp_workers(NULL, 1);
        break;
    case 5:
    case 6: {
        wpool_job_opts opts = {wpool_now_ns() + 1000000};
        wpool_task bad = {NULL, job_discard, NULL};
        rc[0] = wpool_submit_job(p, (wpool_priority)3, &task, &opts, 0, &t);
        if (t != 0)
            fail("wpool_submit_job failed but stored the ticket %llu", (unsigned long long)t);
        t = 77;
        rc[1] = wpool_submit_job(p, WPOOL_LOW, c % 8 == 5 ? NULL : &bad, NULL, WPOOL_FOREVER, &t);
        if (t != 0)
            fail("wpool_submit_job failed but stored the ticket %llu", (unsigned long long)t);
        rc[2] = wpool_submit_job(NULL, WPOOL_HIGH, &task, &opts, 0, NULL);
        break;
    }
    default: {
        uint64_t a = wpool_now_ns(), b = wpool_now_ns();
        if (b < a)
            fail("wpool_now_ns went back: %llu then %llu", (unsigned long long)a,
                 (unsigned long long)b);
        if (wpool_discard_reason_now() != WPOOL_DISCARD_NONE)
            fail("wpool_discard_reason_now() is %d outside a discard callback",
                 (int)wpool_discard_reason_now());
        return;
    }
    }
    for (int i = 0; i < 4; i++)
        if (rc[i] != (i == 0 ? want : WPOOL_EINVAL))
            fail("invalid lifecycle arguments (case %u, call %d) returned %s", c % 8, i,
                 wpool_strerror(rc[i]));
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
        submit_jobs(M_SUBMIT, prio, kind, c, 0, 1, WPOOL_FOREVER, 0, NULL, NULL);
        break;
    case OP_TRY:
        submit_jobs(M_TRY, prio, kind, c, 0, 1, 0, 0, NULL, NULL);
        break;
    case OP_TIMEOUT:
        submit_jobs(M_TIMEOUT, prio, kind, c, 0, 1, SHORT_NS[c % 4], 0, NULL, NULL);
        break;
    case OP_TASK_DISCARD:
        submit_jobs(M_TASK_DISCARD, prio, kind, c, 0, 1, SHORT_NS[c % 4], 0, NULL, NULL);
        break;
    case OP_TASK_NODISCARD:
        submit_jobs(M_TASK_NODISCARD, prio, kind, c, 0, 1, SHORT_NS[c % 4], 0, NULL, NULL);
        break;
    case OP_BATCH:
        submit_jobs(M_BATCH, prio, kind, c, 0, 1 + (unsigned)c % MAX_BATCH, SHORT_NS[(c / 6) % 4],
                    0, NULL, NULL);
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
    case OP_JOB:
    case OP_JOB_DEADLINE: {
        job_spec js = job_spec_of((unsigned)c, o->code == OP_JOB_DEADLINE);
        submit_jobs(M_JOB, prio, kind, c, 0, 1, 0, 0, NULL, &js);
        break;
    }
    case OP_CANCEL:
        do_cancel(pick_ticket((unsigned)c));
        break;
    case OP_PAUSE_PRIO:
        do_pause(prio);
        break;
    case OP_RESUME_PRIO:
        do_resume(prio);
        break;
    case OP_SET_WORKERS:
        do_set_workers(1 + (unsigned)c % 4);
        break;
    case OP_SET_TEMP:
        do_set_temp((unsigned)c % 4);
        break;
    case OP_BAD_JOB:
        bad_job_args((unsigned)c);
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
                    "  after d%u.%u (%.3f ms): busy %u temp alive %u spawned %llu running "
                    "%llu/%llu/%llu queued %llu/%llu/%llu paused %#x\n",
                    d, i, (double)(now_ns() - atomic_load(&g_input_start)) / 1e6, s.busy_workers,
                    s.temp_workers, (unsigned long long)s.temp_spawned,
                    (unsigned long long)s.running[0], (unsigned long long)s.running[1],
                    (unsigned long long)s.running[2], (unsigned long long)s.queued[0],
                    (unsigned long long)s.queued[1], (unsigned long long)s.queued[2], s.paused);
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
    c->default_discard = (h0 / 54) % 2 ? job_discard : NULL;
    pr->final_resume = (h0 / 108) % 2;
    pr->hook_life = h2 / 64;
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
            "sampling %u, hooks start=%s stop=%s then %s (prio %d), %u driver(s), "
            "default discard %s, at the end %s\n",
            c->workers, c->max_temp_workers, c->temp_idle_ms, c->starvation_ms, c->capacity[0],
            c->capacity[1], c->capacity[2], c->wait_sampling, HOOK_NAMES[pr->start_action],
            HOOK_NAMES[pr->stop_action], LIFE_NAMES[pr->hook_life], pr->hook_prio, pr->drivers,
            c->default_discard ? "yes" : "no",
            pr->final_resume ? "resume every priority" : "leave paused priorities paused");
    for (unsigned d = 0; d < pr->drivers; d++)
        for (unsigned i = 0; i < pr->nops[d]; i++) {
            const op *o = &pr->ops[d][i];
            fprintf(f, "  d%u.%u %s prio %d kind %s c %u\n", d, i, OP_NAMES[o->code], o->b % 3,
                    KIND_NAMES[(o->b / 3) % K_COUNT], o->c);
        }
}

/* A thread that waits for room at a paused priority (a blocking submit), or
 * for a child queued there, waits until something resumes it. Drivers and
 * jobs are free to pause a priority for good (the end of an input relies on
 * shutdown discarding its jobs), so after STUCK_NS of such a wait this
 * resumes the priority (do_resume, as a driver would): every input ends. */
static void rescue_paused(void) {
    static uint64_t since[3];
    pthread_mutex_lock(&g_pool_lock);
    tl_holds_pool_lock = 1;
    wpool *p = g_pool_alive ? atomic_load(&g.pool) : NULL;
    wpool_stats s;
    int have = 0;
    for (int i = 0; i < 3; i++) {
        if (p && atomic_load(&g.stuck[i]) > 0) {
            if (!have && wpool_get_stats(p, &s) != WPOOL_OK) break;
            have = 1;
            if (s.paused & (1u << i)) {
                uint64_t now = now_ns();
                if (!since[i]) {
                    since[i] = now;
                } else if (now - since[i] > STUCK_NS) {
                    if (g_trace) fprintf(stderr, "  rescue: resuming priority %d\n", i);
                    do_resume(i);
                    since[i] = 0;
                }
                continue;
            }
        }
        since[i] = 0;
    }
    tl_holds_pool_lock = 0;
    pthread_mutex_unlock(&g_pool_lock);
}

/* Every ticket stored is nonzero and names one job: no two jobs share one. */
static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void check_tickets(unsigned njobs) {
    static uint64_t t[MAX_JOBS];
    unsigned n = 0;
    for (unsigned i = 0; i < njobs; i++) {
        uint64_t v = atomic_load(&g_jobs[i].ticket);
        if (v) t[n++] = v;
    }
    qsort(t, n, sizeof t[0], cmp_u64);
    for (unsigned i = 1; i < n; i++)
        if (t[i] == t[i - 1]) fail("two jobs were given the ticket %llu", (unsigned long long)t[i]);
}

static void *watchdog_main(void *arg) {
    (void)arg;
    for (;;) {
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
        rescue_paused();
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
    atomic_store(&g.workers_seen, 1u << pr.cfg.workers);
    atomic_store(&g.temp_seen, 1u << pr.cfg.max_temp_workers);
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
    /* Priorities paused at the end: either resume them all (then a long
     * shutdown has nothing to discard), or leave them paused and rely on the
     * documented semantics: wait_idle does not wait for their jobs, shutdown
     * discards them (reason SHUTDOWN) and returns WPOOL_OK, in time. */
    int mark_paused = 1;
    if (atomic_load(&g.pauses[0]) || atomic_load(&g.pauses[1]) || atomic_load(&g.pauses[2])) {
        atomic_store(&g.phase, PH_FINAL_WAIT);
        if (pr.final_resume) {
            wpool_stats s;
            for (unsigned round = 0;; round++) {
                for (int i = 0; i < 3; i++)
                    if (atomic_load(&g.pauses[i])) do_resume(i);
                do_wait(0, g_long_ns, 1);
                if (wpool_get_stats(p, &s) != WPOOL_OK) fail("wpool_get_stats failed");
                /* Jobs that ran meanwhile may have paused again: once more. */
                if (!s.paused || round == 1000) break;
            }
            /* Nothing pauses after this: only hooks submit now, jobs that
             * do not pause (unless the hooks pause themselves). */
            if (s.paused && pr.hook_life != L_PAUSE)
                fail("priorities still paused (%#x) after 1000 rounds of resume + wait_idle",
                     s.paused);
            mark_paused = pr.hook_life == L_PAUSE;
        } else {
            do_wait(0, g_long_ns, 1);
        }
    }
    /* Every driver is done: the pool must drain and close within LONG. */
    atomic_store(&g.phase, PH_FINAL_SHUTDOWN);
    uint64_t seq0 = atomic_load(&g.seq);
    uint64_t t0 = now_ns();
    shutdown_begins(mark_paused);
    rc = wpool_shutdown(p, g_long_ns);
    atomic_store(&g.closed_seen, 1);
    if (rc != WPOOL_OK || now_ns() - t0 > g_long_ns / 2) print_timeline(t0);
    if (rc == WPOOL_OK && now_ns() - t0 > g_long_ns / 2)
        fail("the final wpool_shutdown(%llu ms) returned WPOOL_OK only after %llu ms: a lost "
             "wake-up",
             (unsigned long long)(g_long_ns / 1000000),
             (unsigned long long)((now_ns() - t0) / 1000000));
    if (rc != WPOOL_OK)
        fail("the final wpool_shutdown(%llu ms) returned %s",
             (unsigned long long)(g_long_ns / 1000000), wpool_strerror(rc));
    check_quiescent_since(seq0, "the final wpool_shutdown", 0);
    /* Hooks may still be recording a submission accepted before the close,
     * or a cancel. */
    atomic_store(&g.phase, PH_FINAL_CHECK);
    uint64_t deadline = now_ns() + g_long_ns;
    unsigned spins = 0;
    while (atomic_load(&g.inflight) != 0) {
        if (now_ns() > deadline) fail("a submission or cancel in a hook never returned");
        relax(&spins);
    }

    wpool_stats s;
    if (wpool_get_stats(p, &s) != WPOOL_OK) fail("wpool_get_stats failed");
    check_stats_live(&s);
    check_prometheus(&s, 77);
    unsigned njobs = atomic_load(&g.njobs);
    if (njobs > MAX_JOBS) njobs = MAX_JOBS;
    /* Per priority: runs; discards seen by reason; jobs without a discard
     * callback cancelled, and discarded unseen with and without a deadline
     * (expired or shut down, or only shut down). */
    uint64_t runs[3] = {0}, seen[3][4] = {{0}}, unseen_cancelled[3] = {0};
    uint64_t unseen_dl[3] = {0}, unseen_nodl[3] = {0};
    for (unsigned i = 0; i < njobs; i++) {
        job *j = &g_jobs[i];
        if (!atomic_load(&j->made)) continue; /* a hook's, after the close */
        int st = atomic_load(&j->status), r = atomic_load(&j->runs);
        int dc = atomic_load(&j->discards);
        if (st != WPOOL_OK) {
            if (r || dc)
                fail("job %u was not accepted (%s) but was run %d and discarded %d times", i,
                     status_name(st), r, dc);
            continue;
        }
        if (r + dc > 1) fail("job %u: run %d and discarded %d times", i, r, dc);
        if (j->input != atomic_load(&g_inputs))
            fail("job %u was made during input %llu", i, (unsigned long long)j->input);
        if (atomic_load(&j->cancelled) && (r || (j->has_discard != (dc == 1))))
            fail("job %u: cancelled, but run %d and discarded %d times", i, r, dc);
        if (r + dc == 0) {
            if (j->has_discard)
                fail("job %u (prio %d, %s, %s): accepted but neither run nor discarded", i, j->prio,
                     KIND_NAMES[j->kind], j->origin == 2 ? "from a hook" : "");
            if (atomic_load(&j->cancelled)) {
                unseen_cancelled[j->prio]++;
            } else {
                if (!unseen_discard_possible(j))
                    fail("job %u (prio %d, %s, method %d, origin %d): accepted but never run, "
                         "with no shutdown that could have discarded it and no deadline",
                         i, j->prio, KIND_NAMES[j->kind], j->method, j->origin);
                (j->deadline ? unseen_dl : unseen_nodl)[j->prio]++;
            }
        }
        runs[j->prio] += (uint64_t)r;
        if (dc) seen[j->prio][atomic_load(&j->reason)]++;
    }
    uint64_t total = 0;
    for (int i = 0; i < 3; i++) {
        total += s.submitted[i];
        if (s.submitted[i] != s.completed[i] + s.discarded[i] + s.cancelled[i] + s.expired[i] ||
            s.queued[i] || s.running[i])
            fail("stats after shutdown, prio %d: submitted %llu completed %llu discarded %llu "
                 "cancelled %llu expired %llu queued %llu running %llu",
                 i, (unsigned long long)s.submitted[i], (unsigned long long)s.completed[i],
                 (unsigned long long)s.discarded[i], (unsigned long long)s.cancelled[i],
                 (unsigned long long)s.expired[i], (unsigned long long)s.queued[i],
                 (unsigned long long)s.running[i]);
        if (s.submitted[i] != atomic_load(&g.accepted[i]))
            fail("stats: submitted[%d] %llu, the callers saw %llu accepted", i,
                 (unsigned long long)s.submitted[i],
                 (unsigned long long)atomic_load(&g.accepted[i]));
        if (s.rejected[i] != atomic_load(&g.rejected[i]))
            fail("stats: rejected[%d] %llu, the callers saw %llu EFULL/ETIMEDOUT", i,
                 (unsigned long long)s.rejected[i],
                 (unsigned long long)atomic_load(&g.rejected[i]));
        for (int k = 1; k < 4; k++)
            if (atomic_load(&g.reasons[i][k]) != seen[i][k])
                fail("prio %d: %llu discard callbacks counted reason %d, the jobs say %llu", i,
                     (unsigned long long)atomic_load(&g.reasons[i][k]), k,
                     (unsigned long long)seen[i][k]);
        uint64_t sd = seen[i][WPOOL_DISCARD_SHUTDOWN], cn = seen[i][WPOOL_DISCARD_CANCELLED];
        uint64_t ex = seen[i][WPOOL_DISCARD_EXPIRED];
        if (s.completed[i] != runs[i] || s.cancelled[i] != cn + unseen_cancelled[i] ||
            s.discarded[i] < sd + unseen_nodl[i] || s.expired[i] < ex ||
            s.discarded[i] + s.expired[i] != sd + ex + unseen_nodl[i] + unseen_dl[i])
            fail("stats prio %d: completed %llu discarded %llu cancelled %llu expired %llu; the "
                 "jobs saw %llu runs, %llu shutdown, %llu cancel and %llu expiry discards; of the "
                 "jobs without a discard callback never run, %llu were cancelled, %llu had a "
                 "deadline and %llu none",
                 i, (unsigned long long)s.completed[i], (unsigned long long)s.discarded[i],
                 (unsigned long long)s.cancelled[i], (unsigned long long)s.expired[i],
                 (unsigned long long)runs[i], (unsigned long long)sd, (unsigned long long)cn,
                 (unsigned long long)ex, (unsigned long long)unseen_cancelled[i],
                 (unsigned long long)unseen_dl[i], (unsigned long long)unseen_nodl[i]);
    }
    check_tickets(njobs);
    if (!s.closed) fail("stats.closed is 0 after wpool_shutdown");
    if (g_trace)
        fprintf(stderr,
                "result: submitted %llu/%llu/%llu completed %llu/%llu/%llu discarded "
                "%llu/%llu/%llu cancelled %llu/%llu/%llu expired %llu/%llu/%llu rejected "
                "%llu/%llu/%llu, temp spawned %llu retired %llu\n",
                (unsigned long long)s.submitted[0], (unsigned long long)s.submitted[1],
                (unsigned long long)s.submitted[2], (unsigned long long)s.completed[0],
                (unsigned long long)s.completed[1], (unsigned long long)s.completed[2],
                (unsigned long long)s.discarded[0], (unsigned long long)s.discarded[1],
                (unsigned long long)s.discarded[2], (unsigned long long)s.cancelled[0],
                (unsigned long long)s.cancelled[1], (unsigned long long)s.cancelled[2],
                (unsigned long long)s.expired[0], (unsigned long long)s.expired[1],
                (unsigned long long)s.expired[2], (unsigned long long)s.rejected[0],
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
