/*
 * pool.c: creating and destroying a pool, accepting jobs (a full ring's wait
 * for room is in room.c), waiting for quiescence, and shutdown.
 */
#include "core.h"
#include "room.h"
#include "worker.h"

#include "backoff.h"
#include "clock.h"
#include "os.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Configuration and lifecycle                                               */
/* ------------------------------------------------------------------------ */

/* The defaults wpool.h documents for max_temp_workers and temp_idle_ms: a
 * few extra threads for High work, kept for a fraction of a second so that
 * bursts close together reuse them. */
#define WP_DEFAULT_MAX_TEMP     4u
#define WP_DEFAULT_TEMP_IDLE_MS 200u
/* One spare: the first High job that finds every worker busy wakes it, as
 * fast as waking a parked worker, instead of waiting for a thread to be
 * created (0.1-5 ms measured); its replacement starts meanwhile. */
#define WP_DEFAULT_TEMP_SPARES 1u
/* The regular workers' default OS priority; README.md, "OS priority", has
 * the measurements it was chosen from. */
#define WP_DEFAULT_WORKER_OS_PRIORITY WPOOL_OS_PRIORITY_LOWEST
/* wait_sampling's default (wpool.h): one Normal or Low job in 8 has its queue
 * wait measured; see wpool_create() for the cost. Every High job does. */
#define WP_WAIT_SAMPLE 8u

void wpool_config_init(wpool_config *cfg) {
    if (!cfg) return;
    memset(cfg, 0, sizeof *cfg);
    cfg->workers = 0;
    cfg->max_temp_workers = WP_DEFAULT_MAX_TEMP;
    cfg->temp_idle_ms = WP_DEFAULT_TEMP_IDLE_MS;
    for (int i = 0; i < WPOOL_PRIORITIES; i++)
        cfg->capacity[i] = WPOOL_DEFAULT_CAPACITY;
    cfg->starvation_ms = 0;
    cfg->thread_name = NULL;
    cfg->wait_sampling = WP_WAIT_SAMPLE;
    cfg->worker_os_priority = WP_DEFAULT_WORKER_OS_PRIORITY;
    cfg->temp_spares = WP_DEFAULT_TEMP_SPARES;
}

static unsigned online_cpus(void) {
    unsigned n = wp_os_cpu_count();
    return n > WPOOL_MAX_WORKERS ? WPOOL_MAX_WORKERS : n;
}

/* A ring's capacity: a power of two, at least WP_RING_MIN_CAPACITY. */
static uint32_t round_up_pow2(uint32_t v) {
    uint32_t c = WP_RING_MIN_CAPACITY;
    while (c < v)
        c <<= 1;
    return c;
}

static void init_worker(wpool *p, wp_worker *w, unsigned index, bool temporary) {
    w->pool = p;
    w->index = index;
    w->temporary = temporary;
    w->slot_state = WP_SLOT_FREE;
    atomic_init(&w->running_prio, -1);
    atomic_init(&w->park_state, WP_AWAKE);
}

/* Stops and joins the first `started` regular workers and every temporary
 * worker, then frees p. The pool must be quiescent and closed. */
static void teardown(wpool *p, unsigned started) {
    wp_spin_lock(&p->temp_lock);
    /* seq_cst (rule 2): before each wp_wake_for_stop(): a worker's SLEEPING
     * store ordered before it is woken, one after it sees stop. Under the
     * lock: no temporary worker is started after this. */
    atomic_store_explicit(&p->stop, 1, memory_order_seq_cst);
    wp_spin_unlock(&p->temp_lock);
    if (p->has_spawner) wp_spawner_stop(p);
    for (unsigned i = 0; i < started; i++)
        wp_wake_for_stop(&p->workers[i]);
    for (unsigned i = 0; i < started; i++)
        wp_os_thread_join(&p->workers[i].thread);
    for (unsigned i = 0; i < p->max_temp; i++) {
        /* Under the lock: a running one may be retiring right now. After
         * stop, no slot goes from RUNNING to FREE: each is joined here. */
        wp_spin_lock(&p->temp_lock);
        int state = p->temps[i].slot_state;
        wp_spin_unlock(&p->temp_lock);
        if (state == WP_SLOT_RUNNING) wp_wake_for_stop(&p->temps[i]);
        if (state != WP_SLOT_FREE) wp_os_thread_join(&p->temps[i].thread);
    }
    wp_wait_exiting_temps(p); /* the retired ones, detached, still in their stop hook */
    for (int i = 0; i < WPOOL_PRIORITIES; i++)
        wp_ring_destroy(&p->rings[i]);
    wp_os_free(p->workers);
    wp_os_free(p->temps);
    wp_os_free(p);
}

/* wpool_create failed after `started` regular workers (and perhaps some
 * spares) started: they are idle or soon will be; close the pool, stop and
 * join them, free it, return rc. */
static int create_failed(wpool *p, unsigned started, int rc) {
    for (int r = 0; r < WPOOL_PRIORITIES; r++)
        wp_ring_close(&p->rings[r]);
    /* seq_cst: as in wpool_shutdown(); nobody can submit yet anyway. */
    atomic_store_explicit(&p->closed, 1, memory_order_seq_cst);
    teardown(p, started);
    return rc;
}

/* Writes the complaint of wpool_config_check() and returns WPOOL_EINVAL. */
static int config_error(char *msg, size_t msg_size, const char *field, unsigned long long value,
                        const char *limit) {
    if (msg && msg_size) snprintf(msg, msg_size, "%s = %llu: %s", field, value, limit);
    return WPOOL_EINVAL;
}

/* The limits are spelled out in the messages below (and in wpool.h's example
 * of one): they must be the values of the macros. */
_Static_assert(WPOOL_MAX_WORKERS == 1024u, "update the messages of wpool_config_check");
_Static_assert(WPOOL_MAX_CAPACITY == 16777216u, "update the messages of wpool_config_check");
_Static_assert(WPOOL_MAX_WAIT_SAMPLING == 1024u, "update the messages of wpool_config_check");

int wpool_config_check(const wpool_config *cfg, char *msg, size_t msg_size) {
    static const char *const capacity_field[WPOOL_PRIORITIES] = {
        "capacity[WPOOL_HIGH]", "capacity[WPOOL_NORMAL]", "capacity[WPOOL_LOW]"};
    if (msg && msg_size) msg[0] = '\0';
    if (!cfg) return WPOOL_OK;
    if (cfg->workers > WPOOL_MAX_WORKERS)
        return config_error(msg, msg_size, "workers", cfg->workers,
                            "at most WPOOL_MAX_WORKERS (1024)");
    if (cfg->max_temp_workers > WPOOL_MAX_WORKERS)
        return config_error(msg, msg_size, "max_temp_workers", cfg->max_temp_workers,
                            "at most WPOOL_MAX_WORKERS (1024)");
    if (cfg->temp_spares > WPOOL_MAX_WORKERS)
        return config_error(msg, msg_size, "temp_spares", cfg->temp_spares,
                            "at most WPOOL_MAX_WORKERS (1024)");
    if ((unsigned)cfg->worker_os_priority > (unsigned)WPOOL_OS_PRIORITY_IDLE)
        return config_error(msg, msg_size, "worker_os_priority",
                            (unsigned long long)(unsigned)cfg->worker_os_priority,
                            "a wpool_os_priority, at most WPOOL_OS_PRIORITY_IDLE (3)");
    for (int i = 0; i < WPOOL_PRIORITIES; i++)
        if (cfg->capacity[i] > WPOOL_MAX_CAPACITY)
            return config_error(msg, msg_size, capacity_field[i], cfg->capacity[i],
                                "at most WPOOL_MAX_CAPACITY (16777216)");
    if (cfg->wait_sampling > WPOOL_MAX_WAIT_SAMPLING ||
        (cfg->wait_sampling & (cfg->wait_sampling - 1)))
        return config_error(msg, msg_size, "wait_sampling", cfg->wait_sampling,
                            "a power of two, at most WPOOL_MAX_WAIT_SAMPLING (1024), or 0");
    return WPOOL_OK;
}

int wpool_create(const wpool_config *cfg_in, wpool **out) {
    if (!out) return WPOOL_EINVAL;
    wpool_config cfg;
    if (cfg_in)
        cfg = *cfg_in;
    else
        wpool_config_init(&cfg);
    if (wpool_config_check(&cfg, NULL, 0) != WPOOL_OK) return WPOOL_EINVAL;
    unsigned nworkers = cfg.workers ? cfg.workers : online_cpus();
    uint32_t capacity[WPOOL_PRIORITIES];
    for (int i = 0; i < WPOOL_PRIORITIES; i++)
        capacity[i] = round_up_pow2(cfg.capacity[i] ? cfg.capacity[i] : WPOOL_DEFAULT_CAPACITY);
    wp_clock_init();

    wpool *p = wp_os_alloc(sizeof *p);
    if (!p) return WPOOL_ENOMEM;
    int rings = 0, rc = WPOOL_OK;
    for (; rings < WPOOL_PRIORITIES; rings++)
        if ((rc = wp_ring_init(&p->rings[rings], capacity[rings])) != WPOOL_OK) break;
    p->workers = wp_os_alloc(nworkers * sizeof(wp_worker));
    p->temps = wp_os_alloc(cfg.max_temp_workers * sizeof(wp_worker));
    if (rc != WPOOL_OK || !p->workers || (cfg.max_temp_workers && !p->temps)) {
        while (rings-- > 0)
            wp_ring_destroy(&p->rings[rings]);
        wp_os_free(p->workers);
        wp_os_free(p->temps);
        wp_os_free(p);
        return WPOOL_ENOMEM;
    }

    p->nworkers = nworkers;
    p->max_temp = cfg.max_temp_workers;
    p->spares = cfg.temp_spares < p->max_temp ? cfg.temp_spares : p->max_temp;
    p->worker_os_priority = (int)cfg.worker_os_priority;
    p->mask_words = (nworkers + WP_MASK_BITS - 1) / WP_MASK_BITS;
    p->temp_mask_words = (p->max_temp + WP_MASK_BITS - 1) / WP_MASK_BITS;
    p->temp_idle_ns = (uint64_t)cfg.temp_idle_ms * WP_NS_PER_MS;
    p->starve_ticks = (uint64_t)cfg.starvation_ms * wp_clock.ticks_per_ms;
    p->pin_workers = cfg.pin_workers;
    p->on_start = cfg.on_thread_start;
    p->on_stop = cfg.on_thread_stop;
    p->hook_ctx = cfg.hook_ctx;
    p->default_discard = cfg.default_discard;
    snprintf(p->name, sizeof p->name, "%s", cfg.thread_name ? cfg.thread_name : "wpool");
    wp_os_process_cpus(&p->cpus);
    /* Queue waits are measured for every High job, and for one Normal or Low
     * job in `sampling` (two clock reads per job cost ~15 ns here, a
     * quarter of a job's whole cost), or every one when the starvation bound
     * needs each job's age. */
    uint32_t sampling = cfg.wait_sampling ? cfg.wait_sampling : WP_WAIT_SAMPLE;
    for (int i = 0; i < WPOOL_PRIORITIES; i++) {
        p->rings[i].sample_mask = (i == WPOOL_HIGH || p->starve_ticks) ? 0 : sampling - 1;
        p->rings[i].on_room = cfg.on_room;
        p->rings[i].room_ctx = cfg.room_ctx;
        p->rings[i].prio = (wpool_priority)i;
    }
    wp_spin_init(&p->temp_lock);
    for (unsigned i = 0; i < nworkers; i++)
        init_worker(p, &p->workers[i], i, false);
    for (unsigned i = 0; i < p->max_temp; i++)
        init_worker(p, &p->temps[i], i, true);
    /* Workers start busy: each goes idle once it has looked for work. */
    atomic_store_explicit(&p->busy, nworkers, memory_order_relaxed);

    for (unsigned i = 0; i < nworkers; i++) {
        if ((rc = wp_thread_start(p, &p->workers[i])) != WPOOL_OK) {
            /* seq_cst: as every change of busy (rule 4). */
            atomic_fetch_sub_explicit(&p->busy, nworkers - i, memory_order_seq_cst);
            return create_failed(p, i, rc);
        }
    }
    /* The spares, then the spawner, from this thread: on Linux a thread
     * inherits its creator's nice value, and temporary workers must have the
     * caller's (wp_spawn_temp, the spawner). The spares first, so that the
     * spawner finds them counted and starts no more. */
    for (unsigned i = 0; i < p->spares; i++)
        if ((rc = wp_spawn_temp(p, true)) != WPOOL_OK) return create_failed(p, nworkers, rc);
    if (p->max_temp) {
        if ((rc = wp_spawner_start(p)) != WPOOL_OK) return create_failed(p, nworkers, rc);
        p->has_spawner = true;
    }
    *out = p;
    return WPOOL_OK;
}

int wpool_in_pool(const wpool *p) {
    wp_worker *w = wp_current_worker();
    return p && w && w->pool == p;
}

int wpool_help(wpool *p) {
    if (!p) return WPOOL_EINVAL;
    return wp_help_one(p) ? 1 : 0;
}

/* ------------------------------------------------------------------------ */
/* Submission                                                                */
/* ------------------------------------------------------------------------ */

static inline bool valid_prio(wpool_priority prio) {
    return (unsigned)prio < (unsigned)WPOOL_PRIORITIES;
}

/* The slow path of a submission the ring refused (full or closed). */
static int submit_slow(wpool *p, int prio, const wpool_task *t, uint64_t timeout_ns, int ring_rc) {
    if (ring_rc == WP_RING_IS_CLOSED) return WPOOL_ECLOSED;
    int rc = timeout_ns ? wp_room_wait(p, prio, t, timeout_ns) : WPOOL_EFULL;
    if (rc == WPOOL_OK)
        wp_notify(p, prio, 1);
    else if (rc != WPOOL_ECLOSED)
        atomic_fetch_add_explicit(&p->rejected[prio], 1, memory_order_relaxed);
    return rc;
}

/* Whether shutdown has begun. wpool_shutdown() sets `closed` before it closes
 * the rings one by one, so a submitter that saw one ring closed (an acquire in
 * wp_ring_push()) sees this too, and cannot then get a job into a ring not yet
 * closed: intake stops at once for every priority. */
static inline bool intake_closed(wpool *p) {
    return atomic_load_explicit(&p->closed, memory_order_relaxed) != 0;
}

static inline int submit(wpool *p, wpool_priority prio, const wpool_task *t, uint64_t timeout_ns) {
    if (intake_closed(p)) return WPOOL_ECLOSED;
    int rc = wp_ring_push(&p->rings[prio], t, p->rings[prio].sample_mask);
    if (rc != WP_RING_OK) return submit_slow(p, (int)prio, t, timeout_ns, rc);
    wp_notify(p, (int)prio, 1);
    return WPOOL_OK;
}

int wpool_submit_task(wpool *p, wpool_priority prio, const wpool_task *t, uint64_t timeout_ns) {
    if (!p || !t || !t->run || !valid_prio(prio)) return WPOOL_EINVAL;
    return submit(p, prio, t, timeout_ns);
}

int wpool_submit(wpool *p, wpool_priority prio, wpool_fn fn, void *arg) {
    if (!p || !fn || !valid_prio(prio)) return WPOOL_EINVAL;
    wpool_task t = {fn, NULL, arg};
    return submit(p, prio, &t, WPOOL_FOREVER);
}

int wpool_try_submit(wpool *p, wpool_priority prio, wpool_fn fn, void *arg) {
    if (!p || !fn || !valid_prio(prio)) return WPOOL_EINVAL;
    wpool_task t = {fn, NULL, arg};
    return submit(p, prio, &t, 0);
}

int wpool_submit_timeout(wpool *p, wpool_priority prio, wpool_fn fn, void *arg,
                         uint64_t timeout_ns) {
    if (!p || !fn || !valid_prio(prio)) return WPOOL_EINVAL;
    wpool_task t = {fn, NULL, arg};
    return submit(p, prio, &t, timeout_ns);
}

int wpool_want_room(wpool *p, wpool_priority prio) {
    if (!p || !valid_prio(prio) || !p->rings[prio].on_room) return WPOOL_EINVAL;
    return wp_room_want(&p->rings[prio]);
}

int wpool_submit_batch(wpool *p, wpool_priority prio, const wpool_task *tasks, size_t n,
                       uint64_t timeout_ns, size_t *accepted) {
    if (accepted) *accepted = 0;
    if (!p || !valid_prio(prio) || (n && !tasks)) return WPOOL_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!tasks[i].run) return WPOOL_EINVAL;
    if (intake_closed(p)) return WPOOL_ECLOSED;
    wp_ring *r = &p->rings[prio];
    size_t done = 0, notified = 0;
    int rc = WPOOL_OK;
    while (done < n) {
        int ring_rc = wp_ring_push(r, &tasks[done], r->sample_mask);
        if (ring_rc == WP_RING_OK) {
            done++;
            continue;
        }
        /* Wake workers for what is queued before waiting for them to make room. */
        wp_notify(p, (int)prio, done - notified);
        notified = done;
        if ((rc = submit_slow(p, (int)prio, &tasks[done], timeout_ns, ring_rc)) != WPOOL_OK) break;
        notified = ++done; /* submit_slow notified for this one */
    }
    if (done > notified) wp_notify(p, (int)prio, done - notified);
    if (accepted) *accepted = done;
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Quiescence and shutdown                                                   */
/* ------------------------------------------------------------------------ */

/* Nothing queued, being queued or running: every accepted job has returned
 * from run or discard. Rule 4 of docs/PARKING.md: the seq_cst load of busy
 * synchronizes with every worker that went idle before we announced ourselves,
 * so their completion counts are visible; then the counts (acquire) before
 * the accepted totals, so a job accepted meanwhile can only make them differ. */
static bool quiescent(wpool *p) {
    (void)atomic_load_explicit(&p->busy, memory_order_seq_cst); /* Q2 */
    uint64_t done = 0, accepted = 0;
    for (unsigned i = 0; i < p->nworkers + p->max_temp; i++) {
        wp_worker *w = i < p->nworkers ? &p->workers[i] : &p->temps[i - p->nworkers];
        for (int prio = 0; prio < WPOOL_PRIORITIES; prio++)
            done += atomic_load_explicit(&w->stats.completed[prio], memory_order_acquire);
    }
    for (int prio = 0; prio < WPOOL_PRIORITIES; prio++)
        done += atomic_load_explicit(&p->discarded[prio], memory_order_acquire);
    for (int prio = 0; prio < WPOOL_PRIORITIES; prio++)
        accepted += wp_ring_accepted(&p->rings[prio]);
    return done == accepted;
}

static int wait_quiescent(wpool *p, uint64_t deadline) {
    int rc = WPOOL_OK;
    /* seq_cst (Q1): announce before checking (rule 4). */
    atomic_fetch_add_explicit(&p->idle_waiters, 1, memory_order_seq_cst);
    for (;;) {
        /* seq_cst: read before the check, so a wake-up after it changes the
         * epoch and our futex wait returns at once. */
        uint32_t epoch = atomic_load_explicit(&p->idle_epoch, memory_order_seq_cst);
        if (quiescent(p)) break;
        if (wp_park_wait(&p->idle_epoch, epoch, deadline) == WP_PARK_TIMEDOUT && !quiescent(p)) {
            rc = WPOOL_ETIMEDOUT;
            break;
        }
    }
    /* seq_cst: as every access to idle_waiters (rule 4). */
    atomic_fetch_sub_explicit(&p->idle_waiters, 1, memory_order_seq_cst);
    return rc;
}

int wpool_wait_idle(wpool *p, uint64_t timeout_ns) {
    if (!p) return WPOOL_EINVAL;
    if (wpool_in_pool(p)) return WPOOL_EDEADLK;
    return wait_quiescent(p, wp_deadline(timeout_ns));
}

/* Takes every job still queued and discards it. Positions claimed but not
 * yet published are waited for: their producers are a few stores from done. */
static void discard_queued(wpool *p) {
    for (int prio = 0; prio < WPOOL_PRIORITIES; prio++) {
        wp_ring *r = &p->rings[prio];
        wp_backoff b;
        wp_backoff_init(&b, 0, WP_BACKOFF_SNOOZE_LIMIT);
        while (wp_ring_nonempty(r)) {
            wpool_task t;
            uint64_t stamp;
            if (wp_ring_pop(r, &t, &stamp))
                wp_discard_job(p, &t, prio);
            else
                wp_backoff_snooze(&b);
        }
    }
}

int wpool_shutdown(wpool *p, uint64_t timeout_ns) {
    if (!p) return WPOOL_EINVAL;
    if (wpool_in_pool(p)) return WPOOL_EDEADLK;
    uint64_t deadline = wp_deadline(timeout_ns);
    /* seq_cst: before the rings close (intake_closed()). */
    atomic_store_explicit(&p->closed, 1, memory_order_seq_cst);
    /* Every call closes every ring, not only the first: a concurrent first
     * call may not have closed them yet, and quiescence means nothing while a
     * submitter past its check of `closed` can still queue. Idempotent. */
    for (int i = 0; i < WPOOL_PRIORITIES; i++) {
        wp_ring *r = &p->rings[i];
        wp_ring_close(r);
        wp_room_release(r);
    }
    if (wait_quiescent(p, deadline) == WPOOL_OK) return WPOOL_OK;
    /* seq_cst: before our own pops below. Workers that read it discard what
     * they pop instead of running it (one that reads it late runs the job,
     * which is as good: see run_job()). */
    atomic_store_explicit(&p->discarding, 1, memory_order_seq_cst);
    discard_queued(p);
    /* Our discards may be the last jobs to finish, after every worker went
     * idle: nobody else would wake the quiescence waiters (rule 4). */
    wp_wake_quiescence_waiters(p);
    return WPOOL_ETIMEDOUT;
}

void wpool_destroy(wpool *p) {
    if (!p) return;
    if (wpool_in_pool(p)) {
        fprintf(stderr, "wpool: wpool_destroy called from one of the pool's own jobs; ignored\n");
        return;
    }
    wpool_shutdown(p, WPOOL_FOREVER);
    teardown(p, p->nworkers);
}

/* ------------------------------------------------------------------------ */
/* Misc                                                                      */
/* ------------------------------------------------------------------------ */

const char *wpool_strerror(int status) {
    switch (status) {
    case WPOOL_OK:
        return "success";
    case WPOOL_EINVAL:
        return "invalid argument";
    case WPOOL_ENOMEM:
        return "out of memory";
    case WPOOL_EFULL:
        return "the queue is full";
    case WPOOL_ETIMEDOUT:
        return "timed out";
    case WPOOL_ECLOSED:
        return "the pool is shut down";
    case WPOOL_EDEADLK:
        return "would deadlock: called from one of the pool's own jobs";
    case WPOOL_EAGAIN:
        return "could not start a thread";
    default:
        return "unknown wpool status";
    }
}

const char *wpool_version(void) {
    return WPOOL_VERSION_STRING;
}
