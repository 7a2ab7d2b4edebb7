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

/* Allocates and initializes the worker of a slot (NULL: out of memory). */
static wp_worker *new_worker(wpool *p, unsigned index, bool temporary) {
    wp_worker *w = wp_os_alloc(sizeof *w);
    if (!w) return NULL;
    memset(w, 0, sizeof *w);
    w->pool = p;
    w->index = index;
    w->temporary = temporary;
    w->slot_state = WP_SLOT_FREE;
    atomic_init(&w->running_prio, -1);
    atomic_init(&w->park_state, WP_AWAKE);
    return w;
}

/* Allocates the worker slots [have, want) of a table and publishes the new
 * count (the slots stay: their counters outlive their threads). Under
 * resize_lock or in wpool_create. */
static int grow_slots(wpool *p, wp_worker **table, _Atomic uint32_t *count,
                      _Atomic uint32_t *mask_words, unsigned want, bool temporary) {
    unsigned have = atomic_load_explicit(count, memory_order_relaxed), made = have;
    while (made < want && (table[made] = new_worker(p, made, temporary)))
        made++;
    if (made > have) {
        /* release: the entries are written before a reader sees them counted. */
        atomic_store_explicit(count, made, memory_order_release);
        /* seq_cst: as every read of the masks (wake_one); a worker sets its
         * bit only after it started, so the words cover it by then. */
        atomic_store_explicit(mask_words, (made + WP_MASK_BITS - 1) / WP_MASK_BITS,
                              memory_order_seq_cst);
    }
    return made >= want ? WPOOL_OK : WPOOL_ENOMEM;
}

/* Starts regular worker i (its slot allocated, not running). It starts busy
 * and goes idle once it has looked for work. */
static int start_regular(wpool *p, unsigned i) {
    wp_worker *w = p->workers[i];
    wp_spin_lock(&p->temp_lock);
    w->slot_state = WP_SLOT_RUNNING;
    wp_spin_unlock(&p->temp_lock);
    /* seq_cst, alive before busy: as every change of them (every_thread_busy
     * loads busy first, so it never sees the thread busy and not alive). */
    atomic_fetch_add_explicit(&p->workers_alive, 1, memory_order_seq_cst);
    atomic_fetch_add_explicit(&p->busy, 1, memory_order_seq_cst);
    int rc = wp_thread_start(p, w);
    if (rc == WPOOL_OK) return WPOOL_OK;
    wp_spin_lock(&p->temp_lock);
    w->slot_state = WP_SLOT_FREE;
    wp_spin_unlock(&p->temp_lock);
    /* seq_cst: as above. */
    atomic_fetch_sub_explicit(&p->workers_alive, 1, memory_order_seq_cst);
    wp_mark_idle(p);
    return rc;
}

/* Starts the spawner thread unless it runs. wpool_create, or under resize_lock. */
static int start_spawner(wpool *p) {
    if (atomic_load_explicit(&p->has_spawner, memory_order_relaxed)) return WPOOL_OK;
    int rc = wp_spawner_start(p);
    /* relaxed: read by teardown, after every other call returned. */
    if (rc == WPOOL_OK) atomic_store_explicit(&p->has_spawner, 1, memory_order_relaxed);
    return rc;
}

/* Stops and joins every thread of p, then frees p. The pool must be
 * quiescent and closed, and no wpool_set_* call running. */
static void teardown(wpool *p) {
    /* A wpool_cancel of a job that had not finished when it was called may
     * still be returning (its count let the shutdown finish): it is a few
     * instructions from done. acquire: its accesses to p are over. */
    wp_backoff cancels;
    wp_backoff_init(&cancels, 0, WP_BACKOFF_SNOOZE_LIMIT);
    while (atomic_load_explicit(&p->cancels_running, memory_order_acquire))
        wp_backoff_snooze(&cancels);
    wp_spin_lock(&p->temp_lock);
    /* seq_cst (rule 2): before each wp_wake_for_stop(): a worker's SLEEPING
     * store ordered before it is woken, one after it sees stop. Under the
     * lock: no thread is started after this. */
    atomic_store_explicit(&p->stop, 1, memory_order_seq_cst);
    wp_spin_unlock(&p->temp_lock);
    if (atomic_load_explicit(&p->has_spawner, memory_order_relaxed)) wp_spawner_stop(p);
    unsigned slots = wp_worker_slots(p), temp_slots = wp_temp_slots(p);
    for (unsigned i = 0; i < slots; i++)
        wp_wake_for_stop(p->workers[i]);
    for (unsigned i = 0; i < slots; i++) {
        /* Under the lock: a running one may be leaving (a shrink) right now;
         * after stop, each RUNNING or EXITED thread is joined here. */
        wp_spin_lock(&p->temp_lock);
        int state = p->workers[i]->slot_state;
        wp_spin_unlock(&p->temp_lock);
        if (state != WP_SLOT_FREE) wp_os_thread_join(&p->workers[i]->thread);
    }
    for (unsigned i = 0; i < temp_slots; i++) {
        /* Under the lock: a running one may be retiring right now. After
         * stop, no slot goes from RUNNING to FREE: each is joined here. */
        wp_spin_lock(&p->temp_lock);
        int state = p->temps[i]->slot_state;
        wp_spin_unlock(&p->temp_lock);
        if (state == WP_SLOT_RUNNING) wp_wake_for_stop(p->temps[i]);
        if (state != WP_SLOT_FREE) wp_os_thread_join(&p->temps[i]->thread);
    }
    wp_wait_exiting_temps(p); /* the retired ones, detached, still in their stop hook */
    for (int i = 0; i < WPOOL_PRIORITIES; i++)
        wp_ring_destroy(&p->rings[i]);
    for (unsigned i = 0; i < slots; i++)
        wp_os_free(p->workers[i]);
    for (unsigned i = 0; i < temp_slots; i++)
        wp_os_free(p->temps[i]);
    wp_os_free(p);
}

/* wpool_create failed after some threads started: they are idle or soon will
 * be; close the pool, stop and join them, free it, return rc. */
static int create_failed(wpool *p, int rc) {
    for (int r = 0; r < WPOOL_PRIORITIES; r++)
        wp_ring_close(&p->rings[r]);
    /* seq_cst: as in wpool_shutdown(); nobody can submit yet anyway. */
    atomic_store_explicit(&p->closed, 1, memory_order_seq_cst);
    teardown(p);
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

    wpool *p = wp_os_alloc(sizeof *p); /* zeroed */
    if (!p) return WPOOL_ENOMEM;
    int rings = 0, rc = WPOOL_OK;
    for (; rings < WPOOL_PRIORITIES; rings++)
        if ((rc = wp_ring_init(&p->rings[rings], capacity[rings])) != WPOOL_OK) break;
    if (rc == WPOOL_OK)
        rc = grow_slots(p, p->workers, &p->worker_slots, &p->mask_words, nworkers, false);
    if (rc == WPOOL_OK)
        rc = grow_slots(p, p->temps, &p->temp_slots, &p->temp_mask_words, cfg.max_temp_workers,
                        true);
    if (rc != WPOOL_OK) {
        while (rings-- > 0)
            wp_ring_destroy(&p->rings[rings]);
        for (unsigned i = 0; i < wp_worker_slots(p); i++)
            wp_os_free(p->workers[i]);
        for (unsigned i = 0; i < wp_temp_slots(p); i++)
            wp_os_free(p->temps[i]);
        wp_os_free(p);
        return WPOOL_ENOMEM;
    }

    atomic_init(&p->workers_target, nworkers);
    atomic_init(&p->max_temp, cfg.max_temp_workers);
    p->cfg_spares = cfg.temp_spares;
    atomic_init(&p->spares,
                cfg.temp_spares < cfg.max_temp_workers ? cfg.temp_spares : cfg.max_temp_workers);
    p->worker_os_priority = (int)cfg.worker_os_priority;
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
        if ((rc = start_regular(p, i)) != WPOOL_OK) return create_failed(p, rc);
    /* The spares, then the spawner, from this thread: on Linux a thread
     * inherits its creator's nice value, and temporary workers must have the
     * caller's (wp_spawn_temp, the spawner). The spares first, so that the
     * spawner finds them counted and starts no more. */
    for (unsigned i = 0; i < wp_spares(p); i++)
        if ((rc = wp_spawn_temp(p, true)) != WPOOL_OK) return create_failed(p, rc);
    if (cfg.max_temp_workers && (rc = start_spawner(p)) != WPOOL_OK) return create_failed(p, rc);
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

/* The slow path of a submission the ring refused (full or closed); job as
 * for wp_room_wait(). */
static int submit_slow(wpool *p, int prio, const wpool_task *t, uint64_t deadline, int ring_rc,
                       wp_job_extra *job) {
    if (ring_rc == WP_RING_IS_CLOSED) return WPOOL_ECLOSED;
    int rc = deadline ? wp_room_wait(p, prio, t, deadline, job) : WPOOL_EFULL;
    if (rc == WPOOL_OK)
        wp_notify(p, prio, 1);
    else if (rc != WPOOL_ECLOSED)
        atomic_fetch_add_explicit(&p->rejected[prio], 1, memory_order_relaxed);
    return rc;
}

/* The deadline of a wait for room of timeout_ns: 0 for no wait at all (a
 * try), else wp_deadline() (WPOOL_FOREVER: UINT64_MAX). */
static inline uint64_t room_deadline(uint64_t timeout_ns) {
    return timeout_ns ? wp_deadline(timeout_ns) : 0;
}

/* Whether shutdown has begun. wpool_shutdown() sets `closed` before it closes
 * the rings one by one, so a submitter that saw one ring closed (an acquire in
 * wp_ring_push()) sees this too, and cannot then get a job into a ring not yet
 * closed: intake stops at once for every priority. */
static inline bool intake_closed(wpool *p) {
    return atomic_load_explicit(&p->closed, memory_order_relaxed) != 0;
}

static WP_ALWAYS_INLINE int submit(wpool *p, wpool_priority prio, const wpool_task *t,
                                   uint64_t timeout_ns) {
    if (intake_closed(p)) return WPOOL_ECLOSED;
    int rc = wp_ring_push(&p->rings[prio], t, p->rings[prio].sample_mask);
    if (rc != WP_RING_OK) return submit_slow(p, (int)prio, t, room_deadline(timeout_ns), rc, NULL);
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
        rc = submit_slow(p, (int)prio, &tasks[done], room_deadline(timeout_ns), ring_rc, NULL);
        if (rc != WPOOL_OK) break;
        notified = ++done; /* submit_slow notified for this one */
    }
    if (done > notified) wp_notify(p, (int)prio, done - notified);
    if (accepted) *accepted = done;
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Jobs with a ticket: deadlines and cancellation                            */
/* ------------------------------------------------------------------------ */

/* A ticket is (position + 1) << 2 | priority: never 0, unique for the
 * pool's life (positions only grow), and found without a search. */
#define WP_TICKET_PRIO_BITS 2u

static WP_THREAD_LOCAL wpool_discard_reason wp_discard_reason;

wpool_discard_reason wp_swap_discard_reason(wpool_discard_reason why) {
    wpool_discard_reason outer = wp_discard_reason;
    wp_discard_reason = why;
    return outer;
}

wpool_discard_reason wpool_discard_reason_now(void) {
    return wp_discard_reason;
}

uint64_t wpool_now_ns(void) {
    return wp_now_ns();
}

int wpool_submit_job(wpool *p, wpool_priority prio, const wpool_task *t, const wpool_job_opts *opts,
                     uint64_t timeout_ns, wpool_ticket *ticket) {
    if (ticket) *ticket = 0;
    if (!p || !t || !t->run || !valid_prio(prio)) return WPOOL_EINVAL;
    if (intake_closed(p)) return WPOOL_ECLOSED;
    wp_ring *r = &p->rings[prio];
    wp_job_extra job = {opts ? opts->deadline_ns : 0, NULL, 0};
    if (job.deadline && !(job.deadlines = wp_ring_deadlines(r))) return WPOOL_ENOMEM;
    int rc = wp_ring_push_job(r, t, r->sample_mask, true, job.deadline, job.deadlines, &job.pos);
    if (rc == WP_RING_OK) {
        wp_notify(p, (int)prio, 1);
    } else {
        /* The wait for room ends at the job's deadline too: by then it
         * would only be queued to be discarded. */
        uint64_t deadline = room_deadline(timeout_ns);
        if (deadline && job.deadline && job.deadline < deadline) deadline = job.deadline;
        if ((rc = submit_slow(p, (int)prio, t, deadline, rc, &job)) != WPOOL_OK) return rc;
    }
    if (ticket) *ticket = ((job.pos + 1) << WP_TICKET_PRIO_BITS) | (uint64_t)prio;
    return WPOOL_OK;
}

int wpool_cancel(wpool *p, wpool_ticket ticket) {
    if (!p || ticket == 0) return WPOOL_EINVAL;
    unsigned prio = (unsigned)(ticket & ((1u << WP_TICKET_PRIO_BITS) - 1u));
    uint64_t pos = (ticket >> WP_TICKET_PRIO_BITS) - 1;
    if (prio >= WPOOL_PRIORITIES || (ticket >> WP_TICKET_PRIO_BITS) == 0) return WPOOL_EALREADY;
    /* seq_cst: before our count of the cancelled job. A wpool_destroy that
     * our count let finish its shutdown sees this, and waits (teardown)
     * until we no longer touch p. */
    atomic_fetch_add_explicit(&p->cancels_running, 1, memory_order_seq_cst);
    int rc = WPOOL_EALREADY;
    wpool_task t;
    if (wp_ring_cancel(&p->rings[prio], pos, &t)) {
        wp_discard_job(p, &t, (int)prio, WPOOL_DISCARD_CANCELLED);
        /* seq_cst (I2 of rule 4): after our count (seq_cst in wp_discard_job),
         * against a waiter's idle_waiters++ then its look at the counts: this
         * thread is counted nowhere as busy, and the job may have been the
         * last one the waiter waits for. */
        if (atomic_load_explicit(&p->idle_waiters, memory_order_seq_cst))
            wp_wake_quiescence_waiters(p);
        rc = WPOOL_OK;
    }
    /* release: our last touch of p; teardown acquires it. */
    atomic_fetch_sub_explicit(&p->cancels_running, 1, memory_order_release);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Quiescence and shutdown                                                   */
/* ------------------------------------------------------------------------ */

/* Nothing queued, being queued or running: every accepted job has returned
 * from run or discard, except jobs queued at a paused priority, which do not
 * count. Rule 4 of docs/PARKING.md: the seq_cst load of busy synchronizes
 * with every worker that went idle before we announced ourselves, so their
 * completion counts are visible; then the counts (acquire) before the
 * positions, so a job accepted (or taken) meanwhile can only make them
 * differ. Per priority: an unpaused one is done when every accepted job
 * ended (ran, or was discarded, cancelled or expired); a paused one when
 * every job taken from it ended (cancelled jobs a pop skipped included). */
static bool quiescent(wpool *p) {
    (void)atomic_load_explicit(&p->busy, memory_order_seq_cst); /* Q2 */
    uint64_t ended[WPOOL_PRIORITIES] = {0, 0, 0};
    unsigned slots = wp_worker_slots(p), temp_slots = wp_temp_slots(p);
    for (unsigned i = 0; i < slots + temp_slots; i++) {
        wp_worker *w = i < slots ? p->workers[i] : p->temps[i - slots];
        for (int prio = 0; prio < WPOOL_PRIORITIES; prio++)
            ended[prio] += atomic_load_explicit(&w->stats.completed[prio], memory_order_acquire);
    }
    for (int prio = 0; prio < WPOOL_PRIORITIES; prio++) {
        wp_ring *r = &p->rings[prio];
        ended[prio] += atomic_load_explicit(&p->discarded[prio], memory_order_acquire) +
                       atomic_load_explicit(&p->expired[prio], memory_order_acquire);
        if (wp_ring_paused(r)) {
            uint64_t skipped = atomic_load_explicit(&r->skipped, memory_order_acquire);
            if (ended[prio] + skipped != wp_ring_taken(r)) return false;
        } else {
            uint64_t cancelled = atomic_load_explicit(&p->cancelled[prio], memory_order_acquire);
            if (ended[prio] + cancelled != wp_ring_accepted(r)) return false;
        }
    }
    return true;
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

/* Takes every job still queued (of the paused priorities only, or of all)
 * and discards it, reason SHUTDOWN; returns how many. Positions claimed but
 * not yet published are waited for: their producers are a few stores from
 * done (intake is closed). */
static uint64_t discard_queued(wpool *p, bool paused_only) {
    uint64_t n = 0;
    for (int prio = 0; prio < WPOOL_PRIORITIES; prio++) {
        wp_ring *r = &p->rings[prio];
        if (paused_only && !wp_ring_paused(r)) continue;
        wp_backoff b;
        wp_backoff_init(&b, 0, WP_BACKOFF_SNOOZE_LIMIT);
        while (wp_ring_nonempty(r)) {
            wpool_task t;
            uint64_t stamp, deadline;
            bool skipped = false; /* the ring is closed: no producer waits for room */
            if (wp_ring_pop(r, &t, &stamp, &deadline, true, &skipped)) {
                wp_discard_job(p, &t, prio, WPOOL_DISCARD_SHUTDOWN);
                n++;
            } else {
                wp_backoff_snooze(&b);
            }
        }
    }
    return n;
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
    if (wait_quiescent(p, deadline) == WPOOL_OK) {
        /* Done, but for the jobs of paused priorities: discard them here,
         * then wait for any that a resume let a worker take meanwhile (a
         * pause after `closed` is undone: wpool_pause). */
        if (discard_queued(p, true)) wp_wake_quiescence_waiters(p); /* as below */
        if (wait_quiescent(p, deadline) == WPOOL_OK) return WPOOL_OK;
    }
    /* seq_cst: before our own pops below. Workers that read it discard what
     * they pop instead of running it (one that reads it late runs the job,
     * which is as good: see run_job()). */
    atomic_store_explicit(&p->discarding, 1, memory_order_seq_cst);
    discard_queued(p, false);
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
    teardown(p);
}

/* ------------------------------------------------------------------------ */
/* Runtime control: pause, resume, resize                                    */
/* ------------------------------------------------------------------------ */

/* Wakes parked workers for the jobs queued at prio (wpool_resume). */
static void wake_for_queued(wpool *p, int prio) {
    wp_ring *r = &p->rings[prio];
    uint64_t queued = wp_ring_accepted(r) - wp_ring_taken(r);
    if (queued) wp_notify(p, prio, queued < r->capacity ? (size_t)queued : r->capacity);
}

int wpool_pause(wpool *p, wpool_priority prio) {
    if (!p || !valid_prio(prio)) return WPOOL_EINVAL;
    if (intake_closed(p)) return WPOOL_ECLOSED;
    wp_ring *r = &p->rings[prio];
    /* seq_cst: against a worker's announcement (rule 1) then its look at
     * the flag (has_work_sc), and a shutdown's store of closed then its look
     * at the flags (quiescent, discard_queued): see below. */
    uint32_t was_paused = atomic_exchange_explicit(&r->paused, 1, memory_order_seq_cst);
    /* seq_cst: after our store. A shutdown that began before it may not have
     * seen the flag: undo it, so that shutdown runs those jobs or times out
     * as it would have; one that begins after this sees the flag. Only our
     * own change is undone: a priority paused before stays paused. */
    if (atomic_load_explicit(&p->closed, memory_order_seq_cst)) {
        if (!was_paused) wpool_resume(p, prio);
        return WPOOL_ECLOSED;
    }
    /* Only paused work may be left now: a quiescence waiter may be done
     * (rule 4). seq_cst: after the flag, against its announcement. */
    if (atomic_load_explicit(&p->idle_waiters, memory_order_seq_cst)) wp_wake_quiescence_waiters(p);
    return WPOOL_OK;
}

int wpool_resume(wpool *p, wpool_priority prio) {
    if (!p || !valid_prio(prio)) return WPOOL_EINVAL;
    /* seq_cst (rule 1): cleared before our look at the sleep masks
     * (wp_notify); a worker that announced itself before that look is seen
     * there, one that announces later re-checks the flag and finds it
     * clear. */
    if (atomic_exchange_explicit(&p->rings[prio].paused, 0, memory_order_seq_cst))
        wake_for_queued(p, (int)prio);
    return WPOOL_OK;
}

/* resize_lock: serializes wpool_set_workers and wpool_set_max_temp_workers,
 * which start and join threads (a sleeping lock: 0 free, 1 held, 2 held and
 * someone may sleep on it). */
static void resize_lock(wpool *p) {
    uint32_t free_word = 0;
    /* acquire: the holder's changes before its unlock are visible. */
    if (atomic_compare_exchange_strong_explicit(&p->resize_lock, &free_word, 1,
                                                memory_order_acquire, memory_order_relaxed))
        return;
    /* acquire: as above. */
    while (atomic_exchange_explicit(&p->resize_lock, 2, memory_order_acquire) != 0)
        wp_park_wait(&p->resize_lock, 2, UINT64_MAX);
}

static void resize_unlock(wpool *p) {
    /* release: publishes our changes to the next holder. */
    if (atomic_exchange_explicit(&p->resize_lock, 0, memory_order_release) == 2)
        wp_park_wake(&p->resize_lock, 1);
}

static int slot_state(wpool *p, wp_worker *w) {
    wp_spin_lock(&p->temp_lock);
    int state = w->slot_state;
    wp_spin_unlock(&p->temp_lock);
    return state;
}

int wpool_set_workers(wpool *p, unsigned workers) {
    if (!p || workers > WPOOL_MAX_WORKERS) return WPOOL_EINVAL;
    if (workers == 0) workers = online_cpus();
    resize_lock(p);
    int rc = intake_closed(p)
                 ? WPOOL_ECLOSED
                 : grow_slots(p, p->workers, &p->worker_slots, &p->mask_words, workers, false);
    if (rc != WPOOL_OK) goto out;
    wp_spin_lock(&p->temp_lock);
    /* seq_cst: before our wake-ups below, against a parking worker's
     * SLEEPING store then its look at the target (idle_wait). Under the
     * lock: a worker leaves only if it still finds itself surplus there. */
    atomic_store_explicit(&p->workers_target, workers, memory_order_seq_cst);
    wp_spin_unlock(&p->temp_lock);
    unsigned slots = wp_worker_slots(p);
    for (unsigned i = 0; i < slots; i++) {
        wp_worker *w = p->workers[i];
        int state = slot_state(p, w);
        if (state == WP_SLOT_EXITED) {
            /* Left after an earlier shrink: join it (its stop hook may still
             * run), whether or not the slot is wanted again. */
            wp_os_thread_join(&w->thread);
            wp_spin_lock(&p->temp_lock);
            w->slot_state = state = WP_SLOT_FREE;
            wp_spin_unlock(&p->temp_lock);
        }
        if (i < workers && state == WP_SLOT_FREE && rc == WPOOL_OK) rc = start_regular(p, i);
        /* A surplus worker parked: wake it to leave (rule 2's handshake,
         * with the target instead of stop). */
        if (i >= workers && state == WP_SLOT_RUNNING) wp_wake_for_stop(w);
    }
out:
    resize_unlock(p);
    return rc;
}

int wpool_set_max_temp_workers(wpool *p, unsigned n) {
    if (!p || n > WPOOL_MAX_WORKERS) return WPOOL_EINVAL;
    resize_lock(p);
    int rc = intake_closed(p)
                 ? WPOOL_ECLOSED
                 : grow_slots(p, p->temps, &p->temp_slots, &p->temp_mask_words, n, true);
    if (rc == WPOOL_OK && n) rc = start_spawner(p);
    if (rc != WPOOL_OK) goto out;
    wp_spin_lock(&p->temp_lock);
    unsigned old = wp_max_temp(p);
    /* relaxed: read by wp_spawn_temp under this lock; by the others as a
     * hint they re-check under it (retire_or_stay) or after a wake-up. */
    atomic_store_explicit(&p->max_temp, n, memory_order_relaxed);
    atomic_store_explicit(&p->spares, p->cfg_spares < n ? p->cfg_spares : n, memory_order_relaxed);
    wp_spin_unlock(&p->temp_lock);
    /* Idle temporary workers over the new limit retire now (idle_wait);
     * busy ones when their job ends. The spawner starts spares up to it. */
    unsigned slots = n < old ? wp_temp_slots(p) : 0;
    for (unsigned i = 0; i < slots; i++)
        if (slot_state(p, p->temps[i]) == WP_SLOT_RUNNING) wp_wake_for_stop(p->temps[i]);
    if (atomic_load_explicit(&p->has_spawner, memory_order_relaxed)) wp_spawn_request(p);
out:
    resize_unlock(p);
    return rc;
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
    case WPOOL_EALREADY:
        return "the job already started, finished or was discarded";
    default:
        return "unknown wpool status";
    }
}

const char *wpool_version(void) {
    return WPOOL_VERSION_STRING;
}
