/*
 * wpool.h: a priority worker pool for C (C11) and C++.
 *
 * A pool owns a fixed set of worker threads and three bounded job queues, one
 * per priority level. Workers always take High before Normal before Low (FIFO
 * within a level), optionally with a starvation bound. When High work waits
 * and every worker is busy, it runs on temporary workers, which run High
 * jobs only: one is kept parked and ready (a spare), more are started by the
 * pool's spawner thread as needed and retire after an idle TTL. The regular
 * workers run below the creating thread's OS priority, the temporary ones
 * at it, so the OS too serves High work first (wpool_os_priority).
 *
 * Jobs are stored by value in preallocated ring buffers: submitting a job
 * allocates nothing and makes no system call unless a worker is parked and
 * must be woken.
 *
 * Threading: every function may be called from any thread, concurrently,
 * between wpool_create() and wpool_destroy(), except where noted.
 * Ownership: the pool never owns a job's argument. For every job it accepted
 * (returned WPOOL_OK for) it makes exactly one call with it, exactly once:
 * `run`, or, for a job discarded unstarted (a shutdown whose timeout passed,
 * wpool_cancel(), an expired deadline), its `discard` callback, else the
 * pool's wpool_config.default_discard. A
 * discarded job with neither is only counted (wpool_stats.discarded): then
 * its argument is the caller's to free. A job that was not accepted (any
 * other status) is never called: the caller still owns its argument.
 *
 * Status codes: every int-returning function returns WPOOL_OK (0) or one of
 * the negative WPOOL_E* codes below; wpool_strerror() describes them.
 */
#ifndef WPOOL_H
#define WPOOL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(WPOOL_SHARED)
#ifdef WPOOL_BUILDING
#define WPOOL_API __declspec(dllexport)
#else
#define WPOOL_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) && defined(WPOOL_BUILDING)
#define WPOOL_API __attribute__((visibility("default")))
#else
#define WPOOL_API
#endif

#define WPOOL_VERSION_MAJOR  0
#define WPOOL_VERSION_MINOR  1
#define WPOOL_VERSION_PATCH  0
#define WPOOL_VERSION_STRING "0.1.0"

/* ------------------------------------------------------------------------ */
/* Types                                                                     */
/* ------------------------------------------------------------------------ */

/** An opaque pool handle, made by wpool_create(), freed by wpool_destroy(). */
typedef struct wpool wpool;

/** Priority levels; also the index into every per-priority array. */
typedef enum wpool_priority { WPOOL_HIGH = 0, WPOOL_NORMAL = 1, WPOOL_LOW = 2 } wpool_priority;

/** Number of priority levels. */
#define WPOOL_PRIORITIES 3

/** Status codes: WPOOL_OK is 0, every error is negative. */
enum {
    WPOOL_OK = 0,
    WPOOL_EINVAL = -1,    /* bad argument: NULL, out of range, absurd size  */
    WPOOL_ENOMEM = -2,    /* out of memory; nothing was leaked               */
    WPOOL_EFULL = -3,     /* the priority's queue is full (try variants)     */
    WPOOL_ETIMEDOUT = -4, /* the timeout passed first                        */
    WPOOL_ECLOSED = -5,   /* the pool is shut down (or shutting down)        */
    WPOOL_EDEADLK = -6,   /* called from one of the pool's own jobs, where
                             waiting would wait for itself                   */
    WPOOL_EAGAIN = -7,    /* the system refused to start a thread            */
    WPOOL_EALREADY = -8   /* wpool_cancel(): the job started, finished, was
                             discarded or cancelled, or the ticket is unknown */
};

/** A timeout that never expires. */
#define WPOOL_FOREVER UINT64_MAX

/** A job's callback; `arg` is the pointer given at submission. */
typedef void (*wpool_fn)(void *arg);

/**
 * A job with an optional discard callback. Exactly one of `run` and `discard`
 * is called with `arg`, once: `discard` instead of `run` when the job is
 * dropped unstarted: by a shutdown (its timeout passed, or the job's priority
 * was paused), by wpool_cancel(), or because its deadline passed
 * (wpool_job_opts). wpool_discard_reason_now() says which, inside the call.
 * `discard` may be NULL: then the pool's wpool_config.default_discard is
 * called for a discarded job, or, without one, nothing (the job is still
 * counted).
 */
typedef struct wpool_task {
    wpool_fn run;
    wpool_fn discard;
    void *arg;
} wpool_task;

/**
 * Names one accepted job, for wpool_cancel(): stored by wpool_submit_job().
 * 0 is never a ticket ("no job"). A ticket stays unique for the pool's life;
 * it is not a pointer, and a stale one is harmless (WPOOL_EALREADY).
 */
typedef uint64_t wpool_ticket;

/**
 * Options of one job (wpool_submit_job()). Zero-initialize it: every zero
 * field means "no option", so later versions can add fields.
 */
typedef struct wpool_job_opts {
    uint64_t deadline_ns; /* on the wpool_now_ns() clock: a job not started by
                             then is discarded as expired (reason
                             WPOOL_DISCARD_EXPIRED) when a worker reaches it,
                             instead of run. A job taken by a worker before
                             its deadline runs. 0: none. */
} wpool_job_opts;

/** Why a discard callback is being called: see wpool_discard_reason_now(). */
typedef enum wpool_discard_reason {
    WPOOL_DISCARD_NONE = 0,      /* not inside a discard callback             */
    WPOOL_DISCARD_SHUTDOWN = 1,  /* wpool_shutdown(): its timeout passed, or
                                    the job's priority was paused             */
    WPOOL_DISCARD_CANCELLED = 2, /* wpool_cancel()                             */
    WPOOL_DISCARD_EXPIRED = 3    /* its wpool_job_opts.deadline_ns passed      */
} wpool_discard_reason;

/**
 * Hook called on each pool thread as it starts (before any job) and as it
 * stops (after its last job). `index` numbers regular workers 0..workers-1 and
 * temporary workers by their slot 0..max_temp_workers-1. A retiring temporary
 * worker gives up its slot before its stop hook runs, so a new temporary
 * worker may start in the same slot (and run its start hook) while that stop
 * hook still runs; wpool_destroy() waits for every stop hook. In a stop hook
 * the thread runs no job: wpool_help() returns 0 there.
 */
typedef void (*wpool_thread_hook)(void *ctx, unsigned index, int temporary);

/**
 * Called by the pool when room was made in the queue of `prio` after
 * wpool_want_room(p, prio) (three quarters of the queue free), or when that
 * queue closed (shutdown): see wpool_want_room(). It runs on whichever thread
 * made the room (a worker, between two jobs) or shut the pool down; it must
 * return quickly and must not block (typically: wake a task, or post to an
 * event loop). It may call wpool_try_submit*() and wpool_want_room().
 */
typedef void (*wpool_room_fn)(void *ctx, wpool_priority prio);

/**
 * The OS scheduling priority of the regular workers, which run the bulk of
 * Normal and Low work (wpool_config.worker_os_priority). Temporary workers,
 * which run only High jobs, always run at the priority of the thread that
 * called wpool_create(), so that the operating system gives urgent work the
 * CPU ahead of bulk work and not an equal share of it. A thread is given its
 * level once, as it starts (an unprivileged Linux thread may lower its
 * priority but never raise it back):
 *
 *   level     Linux (per thread)       macOS (QoS class)   Windows thread
 *   INHERIT   as the creating thread   as created           NORMAL
 *   BELOW     nice + 10 (at most 19)   UTILITY             BELOW_NORMAL
 *   LOWEST    nice 19                  UTILITY             LOWEST
 *   IDLE      SCHED_IDLE               BACKGROUND          IDLE
 *
 * FreeBSD and other POSIX systems have no unprivileged per-thread control:
 * there every level runs as INHERIT. A lowered worker still takes High jobs
 * when it finds them, but a High job wakes a temporary worker first.
 * Below the process's priority, bulk work yields the CPU to every other
 * thread of normal priority too, the application's and other processes':
 * on a machine kept busy by others, Normal and Low work can then crawl
 * (IDLE: stop). Choose INHERIT where that matters more than High latency.
 */
typedef enum wpool_os_priority {
    WPOOL_OS_PRIORITY_INHERIT = 0,
    WPOOL_OS_PRIORITY_BELOW = 1,
    WPOOL_OS_PRIORITY_LOWEST = 2,
    WPOOL_OS_PRIORITY_IDLE = 3
} wpool_os_priority;

/** Pool configuration; fill it with wpool_config_init(), then change fields. */
typedef struct wpool_config {
    unsigned workers;          /* regular workers; 0: one per online CPU.
                                  At most WPOOL_MAX_WORKERS.               */
    unsigned max_temp_workers; /* extra threads for High work when every
                                  worker is busy, spares included; 0: none
                                  (and no spawner thread). At most
                                  WPOOL_MAX_WORKERS. Default 4.            */
    uint32_t temp_idle_ms;     /* a temporary worker idle this long exits,
                                  unless it is one of the temp_spares.
                                  Default 200.                             */
    uint32_t capacity[3];      /* ring capacity per priority, indexed by
                                  wpool_priority; 0: default (4096). Rounded
                                  up to a power of two, at least 2; at most
                                  WPOOL_MAX_CAPACITY.                      */
    uint32_t starvation_ms;    /* Normal/Low work waiting longer than this is
                                  served before newer higher-priority work;
                                  0 (default): strict priority.            */
    /* --- fields beyond the contract --- */
    const char *thread_name;              /* thread name prefix (copied; at most 10
                                             bytes are used); NULL: "wpool". Threads
                                             are named "<prefix>-<i>", temporary ones
                                             "<prefix>-t<i>" (Windows: the thread
                                             description, Windows 10 1607+).          */
    int pin_workers;                      /* nonzero: pin regular worker i to the i-th
                                             CPU the process may use (round robin).
                                             Linux, FreeBSD, Windows (the process's
                                             processor group); ignored on macOS,
                                             which cannot bind a thread to a CPU.     */
    wpool_thread_hook on_thread_start;    /* optional, see wpool_thread_hook */
    wpool_thread_hook on_thread_stop;     /* optional                        */
    void *hook_ctx;                       /* passed to both hooks            */
    uint32_t wait_sampling;               /* measure the queue wait of one
                                             Normal/Low job in this many (a power
                                             of two, at most
                                             WPOOL_MAX_WAIT_SAMPLING); 1: every
                                             job; 0: default (8). High: every job. */
    wpool_fn default_discard;             /* called, at shutdown, with the argument
                                             of each discarded job that was
                                             submitted without a discard callback
                                             (wpool_submit*, or a task whose
                                             discard is NULL), so that argument
                                             can be freed; NULL (default): such a
                                             job is only counted as discarded, and
                                             its argument is the caller's to free. */
    wpool_os_priority worker_os_priority; /* the regular workers' OS priority (see
                                             wpool_os_priority). Default
                                             WPOOL_OS_PRIORITY_LOWEST.            */
    unsigned temp_spares;                 /* temporary workers kept started and
                                             parked, ready for High work (at most
                                             max_temp_workers are: more is the
                                             same as max_temp_workers), so that
                                             no High job waits for a thread to be
                                             created. They never retire; when one
                                             takes work, the pool's spawner thread
                                             starts another if the limit allows.
                                             0: temporary workers start only when
                                             High work finds every thread busy.
                                             Default 1. At most WPOOL_MAX_WORKERS. */
    wpool_room_fn on_room;                /* optional: see wpool_want_room()     */
    void *room_ctx;                       /* passed to on_room                   */
} wpool_config;

/** Limits that wpool_create() enforces (larger values are WPOOL_EINVAL;
 *  wpool_config_check() says which field is out of range). */
#define WPOOL_MAX_WORKERS                                                                          \
    1024u                                  /* workers, max_temp_workers,                           \
                                              temp_spares                    */
#define WPOOL_MAX_CAPACITY      (1u << 24) /* each capacity[] (16777216)     */
#define WPOOL_DEFAULT_CAPACITY  4096u      /* a capacity[] of 0              */
#define WPOOL_MAX_WAIT_SAMPLING 1024u      /* wait_sampling (a power of two) */

/**
 * A snapshot of the pool's counters. Each field is read atomically, the set
 * is not: fields read at slightly different instants.
 * Per-job counts are indexed by wpool_priority. Every accepted job is in
 * exactly one of queued, running, completed, discarded, cancelled and
 * expired: once the pool is idle, submitted = completed + discarded +
 * cancelled + expired, per priority. A job is counted once its callback
 * (run or discard) has returned.
 *
 * Queue waits (submit to start, over the pool's lifetime, ~6% resolution) are
 * measured for every High job, for every Normal or Low job that finds its
 * queue empty, and for one Normal or Low job in wpool_config.wait_sampling
 * (default 8) of a burst (every one when starvation_ms > 0): two clock reads
 * per job would add a quarter to the cost of a small job. wait_count says how
 * many were measured.
 */
typedef struct wpool_stats {
    uint64_t submitted[3]; /* accepted jobs (WPOOL_OK)                      */
    uint64_t completed[3]; /* jobs whose run callback returned              */
    uint64_t discarded[3]; /* jobs discarded unstarted at shutdown          */
    uint64_t cancelled[3]; /* jobs discarded by wpool_cancel()              */
    uint64_t expired[3];   /* jobs discarded because their deadline passed  */
    uint64_t rejected[3];  /* submissions refused with EFULL or ETIMEDOUT   */
    uint64_t queued[3];    /* jobs waiting now (queue depth; a cancelled
                              job's slot stays taken until the workers pass
                              it, but it is not counted here)              */
    unsigned workers;      /* regular workers (threads alive now)           */
    unsigned busy_workers; /* threads (regular and temporary) running a job */
    unsigned temp_workers; /* temporary workers alive now                   */
    uint64_t temp_spawned, temp_retired;
    uint64_t wait_p50_ns[3], wait_p99_ns[3]; /* queue wait percentiles    */
    /* --- fields beyond the contract --- */
    uint64_t wait_max_ns[3];        /* longest queue wait seen              */
    uint64_t wait_mean_ns[3];       /* mean queue wait                      */
    uint64_t wait_count[3];         /* waits measured (see above)           */
    uint64_t wait_sum_ns[3];        /* sum of the recorded waits            */
    uint64_t running[3];            /* jobs running now                     */
    uint64_t capacity[3];           /* ring capacity (after rounding)       */
    uint64_t starvation_promotions; /* Normal/Low jobs taken ahead of
                                       higher-priority work by the bound    */
    uint64_t temp_spawn_failures;   /* temporary workers the system refused */
    uint64_t parks;                 /* times a thread parked (slept)        */
    uint64_t wakeups;               /* wake-ups sent to parked threads      */
    unsigned max_temp_workers;
    int closed;              /* nonzero once shutdown began          */
    unsigned workers_target; /* regular workers asked for (wpool_create,
                                wpool_set_workers); differs from workers
                                while a resize is under way           */
    unsigned paused;         /* bit (1 << prio) set: prio is paused   */
} wpool_stats;

/* ------------------------------------------------------------------------ */
/* Lifecycle                                                                 */
/* ------------------------------------------------------------------------ */

/** Fills every field of *cfg with its default. Does nothing if cfg is NULL. */
WPOOL_API void wpool_config_init(wpool_config *cfg);

/**
 * Creates a pool and starts its regular workers, its spare temporary workers
 * and, if it may have temporary workers, its spawner thread (they get the
 * calling thread's OS priority: see wpool_os_priority); on success stores the handle
 * in *out, which the caller owns and must pass to wpool_destroy(). cfg may be
 * NULL (all defaults); it is not retained (thread_name is copied).
 * Returns WPOOL_EINVAL (out NULL, absurd sizes), WPOOL_ENOMEM or WPOOL_EAGAIN
 * (a thread could not start); on error nothing is left allocated or running
 * and *out is untouched.
 */
WPOOL_API int wpool_create(const wpool_config *cfg, wpool **out);

/**
 * Checks cfg as wpool_create() does, without creating anything. Returns
 * WPOOL_OK (cfg NULL counts as all defaults), or WPOOL_EINVAL and writes into
 * msg what is wrong with the first bad field: its name, its value and the
 * limit, e.g. "workers = 100000: at most WPOOL_MAX_WORKERS (1024)". msg may be
 * NULL; at most msg_size bytes are written, always NUL-terminated when
 * msg_size > 0. Does not block or allocate.
 */
WPOOL_API int wpool_config_check(const wpool_config *cfg, char *msg, size_t msg_size);

/**
 * Stops intake at once (every later submit, and every submit still waiting
 * for room, returns WPOOL_ECLOSED), then waits up to timeout_ns for the
 * queued jobs to run and the running ones to return. Jobs of a paused
 * priority (wpool_pause()) are not waited for: once the rest is done, they
 * are discarded (reason WPOOL_DISCARD_SHUTDOWN) on this thread. Returns
 * WPOOL_OK when nothing is queued or running. If the timeout passes first, every job not
 * yet started is discarded (its discard callback or the pool's default one
 * is called, on this thread or a worker, instead of run) and it returns WPOOL_ETIMEDOUT without
 * waiting for the jobs still running. Calling it again is harmless: it returns WPOOL_OK once
 * nothing is queued or running. Concurrent calls are allowed: each one stops intake before it
 * waits, so whichever returns WPOOL_OK first, no job is accepted after it. Blocks. Called from one
 * of this pool's own jobs it returns WPOOL_EDEADLK and changes nothing.
 */
WPOOL_API int wpool_shutdown(wpool *p, uint64_t timeout_ns);

/**
 * Shuts the pool down (waiting for every queued and running job) unless that
 * is done, joins every thread and frees everything. p may be NULL. After it
 * returns, p is invalid; no other call on p may run concurrently with it or
 * start after it, except from the pool's own jobs while it waits for them,
 * and wpool_cancel() of a job that had not finished when the cancel was
 * called (it waits for such a cancel to return). Blocks. Calling it from one of this pool's own
 * jobs is a programming error: it is detected, reported on stderr, and does nothing.
 */
WPOOL_API void wpool_destroy(wpool *p);

/* ------------------------------------------------------------------------ */
/* Submission                                                                */
/* ------------------------------------------------------------------------ */

/**
 * Queues fn(arg) at priority prio, waiting for room while the queue is full.
 * Returns WPOOL_OK, WPOOL_ECLOSED (shut down, also while waiting) or
 * WPOOL_EINVAL (p or fn NULL, prio out of range). Called from one of the
 * pool's own jobs while the queue is full, it runs queued jobs on the calling
 * thread while it waits (nesting as deep as the thread's stack allows, less a
 * reserve), so jobs that submit jobs do not deadlock a pool whose queues are
 * full.
 */
WPOOL_API int wpool_submit(wpool *p, wpool_priority prio, wpool_fn fn, void *arg);

/** As wpool_submit(), but returns WPOOL_EFULL at once when the queue is full. */
WPOOL_API int wpool_try_submit(wpool *p, wpool_priority prio, wpool_fn fn, void *arg);

/**
 * As wpool_submit(), but waits at most timeout_ns for room, then returns
 * WPOOL_ETIMEDOUT. 0 behaves as wpool_try_submit() (returns WPOOL_EFULL),
 * WPOOL_FOREVER as wpool_submit().
 */
WPOOL_API int wpool_submit_timeout(wpool *p, wpool_priority prio, wpool_fn fn, void *arg,
                                   uint64_t timeout_ns);

/**
 * For submitters that must not block (an event loop, an async runtime's
 * thread): after a try (wpool_try_submit(), or a timeout of 0) at prio
 * returned WPOOL_EFULL, asks the pool to call wpool_config.on_room(room_ctx,
 * prio) once room is made there: when three quarters of the queue are free
 * again (as a blocking submit is woken: refilling in bulk keeps producers off
 * the lines the workers are emptying), or when the pool shuts down. The call
 * is made at least once after this one; one call answers every request made
 * before it, of every submitter (they then try again, and ask again if they
 * lose). Returns WPOOL_OK (asked: try once more, since room may have been
 * made meanwhile, and wait for the call if still full), 1 (the room is
 * there already: try again now), WPOOL_ECLOSED, or WPOOL_EINVAL (p NULL, prio
 * out of range, or the pool has no on_room). Never blocks, allocates
 * nothing. The call comes only as jobs leave the queue: a submitter that
 * waits for room that only its own work would make waits forever (a
 * blocking submit from a job runs queued jobs instead; this cannot).
 */
WPOOL_API int wpool_want_room(wpool *p, wpool_priority prio);

/**
 * Queues the job *t (copied: the caller may reuse *t at once). timeout_ns
 * as for wpool_submit_timeout(): 0 tries once (WPOOL_EFULL), WPOOL_FOREVER
 * waits. t->run must not be NULL; t->discard may be.
 */
WPOOL_API int wpool_submit_task(wpool *p, wpool_priority prio, const wpool_task *t,
                                uint64_t timeout_ns);

/**
 * Queues n jobs in order at one priority, waking workers once for the batch.
 * Stores in *accepted (may be NULL) how many were queued: they are always the
 * first ones. Returns WPOOL_OK when all n were, else the status that stopped
 * it (WPOOL_EFULL, WPOOL_ETIMEDOUT: timeout_ns applies to each job's wait for
 * room; WPOOL_ECLOSED). Any task with a NULL run makes it return WPOOL_EINVAL
 * before queuing anything.
 */
WPOOL_API int wpool_submit_batch(wpool *p, wpool_priority prio, const wpool_task *tasks, size_t n,
                                 uint64_t timeout_ns, size_t *accepted);

/** The monotonic clock of deadlines (wpool_job_opts.deadline_ns), in
 *  nanoseconds from an arbitrary start. Never blocks. */
WPOOL_API uint64_t wpool_now_ns(void);

/**
 * As wpool_submit_task(), with options (opts NULL: none) and a ticket for
 * wpool_cancel(), stored in *ticket on WPOOL_OK (ticket may be NULL; on any
 * other status *ticket is set to 0). With a deadline, the wait for room ends
 * at the deadline too: WPOOL_ETIMEDOUT, not accepted. A deadline already
 * past is accepted: the job is discarded as expired when a worker reaches
 * it. Jobs submitted without this call have no ticket; they cost nothing
 * for these features.
 */
WPOOL_API int wpool_submit_job(wpool *p, wpool_priority prio, const wpool_task *t,
                               const wpool_job_opts *opts, uint64_t timeout_ns,
                               wpool_ticket *ticket);

/**
 * Cancels a queued job. Returns WPOOL_OK when the job was still queued: it
 * will never run, and its discard callback (reason WPOOL_DISCARD_CANCELLED)
 * has been called exactly once, on this thread, before this returns.
 * Returns WPOOL_EALREADY when the job started (it then runs to its end; a
 * job cannot cancel itself), finished, was discarded or cancelled before,
 * or the ticket names no job of p; WPOOL_EINVAL when p is NULL or ticket 0.
 * Works in every state of the pool: paused, shutting down (a cancelled job
 * is not waited for), and from inside a job or a discard callback. The
 * cancelled job's queue slot is freed when the queue moves past it. A
 * ticket of another pool may name a job of p: keep tickets with their pool. Never
 * blocks beyond the discard callback: racing a worker that is taking the
 * job, exactly one of them wins.
 */
WPOOL_API int wpool_cancel(wpool *p, wpool_ticket ticket);

/**
 * Why the discard callback running on this thread was called
 * (wpool_discard_reason), or WPOOL_DISCARD_NONE outside one. Never blocks.
 */
WPOOL_API wpool_discard_reason wpool_discard_reason_now(void);

/* ------------------------------------------------------------------------ */
/* Runtime control                                                           */
/* ------------------------------------------------------------------------ */

/**
 * Sets the number of regular workers (0: one per online CPU, as in
 * wpool_config.workers). Growing starts the new threads before it returns
 * (from the calling thread: with WPOOL_OS_PRIORITY_INHERIT they take its
 * priority; the lower levels are absolute, apart from BELOW on Linux).
 * Shrinking returns at once: each surplus worker (the highest-numbered)
 * exits as soon as it is between jobs (a running job is never interrupted;
 * the busy count may stay above the new size until those jobs end), and its
 * queued work goes to the others. Their stop hooks run then. Returns
 * WPOOL_OK, WPOOL_EINVAL (p NULL, workers > WPOOL_MAX_WORKERS), WPOOL_ECLOSED
 * (shutdown began: nothing changes), WPOOL_ENOMEM or WPOOL_EAGAIN (the
 * system refused a thread: the workers started before stay, and
 * wpool_stats.workers_target says how many were asked for). Callable from a
 * job (a worker may shrink the pool below itself: it exits after that job).
 * Calls are serialized; blocks while it starts threads or joins exited ones.
 */
WPOOL_API int wpool_set_workers(wpool *p, unsigned workers);

/**
 * Sets max_temp_workers (at most WPOOL_MAX_WORKERS; the spares are
 * min(temp_spares, n)). Raising it takes effect at once (and starts the
 * spawner thread, from the calling thread, if the pool had none); lowering
 * it retires surplus idle temporary workers at once and busy ones when their
 * job ends. 0: no temporary workers (the spawner thread stays, parked).
 * Returns WPOOL_OK, WPOOL_EINVAL, WPOOL_ECLOSED, WPOOL_ENOMEM or WPOOL_EAGAIN,
 * as wpool_set_workers().
 */
WPOOL_API int wpool_set_max_temp_workers(wpool *p, unsigned n);

/**
 * Pauses a priority: its queued jobs stay queued and no worker starts them
 * (jobs already running go on, and a job a worker was taking as this is
 * called may still start; one submitted after it returned never starts
 * before wpool_resume()); intake stays open (submissions queue, and
 * wait for room when the queue is full). Other priorities are not affected.
 * Idempotent. A paused priority counts as idle for wpool_wait_idle() and
 * wpool_shutdown(): they do not wait for its queued jobs (shutdown discards
 * them, reason WPOOL_DISCARD_SHUTDOWN, once the other jobs are done, and
 * returns WPOOL_OK; resume first to have them run). wpool_cancel() works on
 * paused jobs; their deadlines are looked at only when they are taken.
 * Returns WPOOL_OK, WPOOL_EINVAL (p NULL, prio out of range) or
 * WPOOL_ECLOSED (shutdown began: nothing changes). Never blocks.
 */
WPOOL_API int wpool_pause(wpool *p, wpool_priority prio);

/**
 * Resumes a paused priority: its queued jobs are woken for at once. Idempotent;
 * allowed during a shutdown (jobs not yet discarded then run). Returns
 * WPOOL_OK or WPOOL_EINVAL. Never blocks.
 */
WPOOL_API int wpool_resume(wpool *p, wpool_priority prio);

/* ------------------------------------------------------------------------ */
/* Waiting and introspection                                                 */
/* ------------------------------------------------------------------------ */

/**
 * Waits up to timeout_ns until nothing is queued or running (intake stays
 * open: new work may arrive right after). Jobs queued at a paused priority
 * (wpool_pause()) do not count: it returns once they are all that is left.
 * Returns WPOOL_OK, WPOOL_ETIMEDOUT, or WPOOL_EDEADLK when called from one of
 * this pool's own jobs. Blocks.
 */
WPOOL_API int wpool_wait_idle(wpool *p, uint64_t timeout_ns);

/**
 * Fills *out with a snapshot of the pool's statistics. Valid at any time until
 * wpool_destroy(), also after shutdown. Never blocks on the workers.
 */
WPOOL_API int wpool_get_stats(wpool *p, wpool_stats *out);

/**
 * Renders *s in the Prometheus text exposition format (metric names prefixed
 * "wpool_") into buf, like snprintf: writes at most size bytes including the
 * terminating NUL and returns the length the full text needs (excluding the
 * NUL), or WPOOL_EINVAL when s is NULL or buf is NULL with size > 0.
 */
WPOOL_API int wpool_stats_prometheus(const wpool_stats *s, char *buf, size_t size);

/**
 * Called from one of p's own jobs, runs one queued job of p on the calling
 * thread (highest priority first), as a blocking submit does while it waits
 * for room, and returns 1. Returns 0 when it ran nothing: the queues are
 * empty, the caller is not one of p's threads, it is in a thread's stop hook
 * (see wpool_thread_hook), or too little of the thread's stack is left to
 * nest another job; WPOOL_EINVAL when p is NULL. A job that
 * waits for other jobs of the same pool (a join, a scope) calls it in its
 * wait loop so that it cannot wait for jobs queued behind itself. Never
 * blocks beyond the job it runs.
 */
WPOOL_API int wpool_help(wpool *p);

/** Returns nonzero when the calling thread is one of p's threads (running a job). */
WPOOL_API int wpool_in_pool(const wpool *p);

/** A static English description of a status code; never NULL. */
WPOOL_API const char *wpool_strerror(int status);

/** The library's version, as "MAJOR.MINOR.PATCH". */
WPOOL_API const char *wpool_version(void);

#ifdef __cplusplus
}
#endif

#endif /* WPOOL_H */
