/*
 * worker.c: pool threads. What a worker takes next, how it spins then parks,
 * how submitters wake it, and the temporary workers that serve High work when
 * every regular worker is busy. The parking protocol and the argument that no
 * wake-up is lost are in docs/PARKING.md; the rules cited below are there.
 */
#include "worker.h"

#include "core.h"
#include "room.h"

#include "backoff.h"
#include "clock.h"
#include "os.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* How long a worker that found nothing keeps polling before it parks: long
 * enough to cover the gap between back-to-back submits, short enough that an
 * idle pool goes quiet at once. It polls with the pause instruction, never
 * sched_yield(): on a busy machine a yield can give the CPU away for a whole
 * time slice (milliseconds), and a worker that is neither polling nor parked
 * is one that no submitter can wake. Parked, it is woken by a futex and the
 * scheduler runs it at once (a thread that slept is favoured). After
 * WP_SPIN_BUSY_NS the worker counts as idle: a stream of jobs with short gaps
 * never touches the shared idle count, and High work arriving later does not
 * start a temporary worker for nothing. */
#define WP_SPIN_BUSY_NS 2000u
#define WP_SPIN_NS      5000u
/* A polling worker pauses once between two looks at the rings (a look reads
 * lines that stay in its cache until a producer publishes, so it is cheap)
 * and reads the clock once every this many looks. */
#define WP_POLL_LOOKS_PER_CLOCK 64u

/* Nested help (a job's blocking submit running queued jobs on its own thread)
 * goes on while this much of the thread's stack is left: it must not stop at a
 * fixed depth, or a tree of jobs that submit into full rings can leave every
 * thread parked. Without the stack's bounds, a fixed depth is the fallback. */
/* The reserve: 1/32 of the stack, at least 128 KiB (a job's own frames, and
 * the C library's, below the help that calls it). */
#define WP_HELP_STACK_RESERVE  (128u * 1024u)
#define WP_HELP_STACK_SHARE    32u
#define WP_HELP_FALLBACK_DEPTH 64u

/* Why a worker's wait ended: work; wpool_destroy; a temporary worker's TTL
 * passed or its limit was lowered (it retires, or stays a spare); a regular
 * worker is surplus after wpool_set_workers (it leaves). */
enum { WP_WORK, WP_EXIT, WP_RETIRE, WP_OVER_LIMIT, WP_STAY, WP_SHRINK };

static WP_THREAD_LOCAL wp_worker *wp_self;
/* This pool thread is counted idle (not in `busy`): between its last job and
 * its next wake-up, and in its stop hook. Such a thread runs no job, not even
 * through wpool_help(): nothing would tell the quiescence waiters when that
 * job is done (rule 4), and a retired temporary worker's slot is no longer
 * its own. */
static WP_THREAD_LOCAL bool wp_counted_idle;
static WP_THREAD_LOCAL unsigned wp_help_depth;
static WP_THREAD_LOCAL uintptr_t wp_stack_floor; /* 0: bounds unknown */

wp_worker *wp_current_worker(void) {
    return wp_self;
}

/* ------------------------------------------------------------------------ */
/* Taking jobs                                                               */
/* ------------------------------------------------------------------------ */

/* A regular worker that wpool_set_workers made surplus: its index at or past
 * the target, i.e. `leave_above` (index + 1; 0 for a temporary worker, never
 * surplus), above it. A hint: relaxed, one load of a read-mostly line and one
 * compare per job; leave_for_shrink decides. */
static inline bool surplus(wpool *p, uint32_t leave_above) {
    return WP_UNLIKELY(leave_above >
                       atomic_load_explicit(&p->workers_target, memory_order_relaxed));
}

static WP_ALWAYS_INLINE bool pop_level(wpool *p, int prio, wpool_task *t, uint64_t *stamp,
                                       uint64_t *deadline) {
    wp_ring *r = &p->rings[prio];
    bool skipped = false;
    if (!wp_ring_pop(r, t, stamp, deadline, false, &skipped)) {
        /* Cancelled jobs skipped: their slots are room too (rule 3). */
        if (WP_UNLIKELY(skipped)) wp_room_wake(r);
        return false; /* empty, or paused */
    }
    wp_room_wake(r); /* rule 3 */
    return true;
}

/* With a starvation bound: the Normal or Low level whose head job has waited
 * longer than the bound and is older than every higher level's head, or -1.
 * Sets *ahead when that job would jump over queued higher-priority work. */
static int starving_level(wpool *p, bool *ahead) {
    uint64_t now = wp_ticks(), best_stamp = 0, st;
    int best = -1;
    for (int lvl = WPOOL_NORMAL; lvl <= WPOOL_LOW; lvl++) {
        if (wp_ring_peek_stamp(&p->rings[lvl], &st) && st && now > st &&
            now - st > p->starve_ticks && (best < 0 || st < best_stamp)) {
            best = lvl;
            best_stamp = st;
        }
    }
    if (best < 0) return -1;
    *ahead = false;
    for (int lvl = WPOOL_HIGH; lvl < best; lvl++) {
        if (wp_ring_peek_stamp(&p->rings[lvl], &st)) {
            if (st <= best_stamp) return -1; /* older higher work goes first anyway */
            *ahead = true;
        }
    }
    return best;
}

/* The next job for w: High, else Normal, else Low (temporary workers: High
 * only), except that a job past the starvation bound goes first. One job per
 * pop, from the head of its ring: FIFO within a level, also across workers.
 * (Taking several jobs with one CAS and keeping the extras was tried: it let
 * a free worker start newer jobs while older ones waited behind another
 * worker's long job, and taking those first cost more than it saved. See
 * docs/PARKING.md, rule 5.) */
static bool take_job(wpool *p, wp_worker *w, wpool_task *t, int *prio, uint64_t *stamp,
                     uint64_t *deadline) {
    if (w->temporary) {
        *prio = WPOOL_HIGH;
        return pop_level(p, WPOOL_HIGH, t, stamp, deadline);
    }
    if (p->starve_ticks) {
        bool ahead = false;
        int lvl = starving_level(p, &ahead);
        if (lvl > 0 && pop_level(p, lvl, t, stamp, deadline)) {
            if (ahead)
                atomic_fetch_add_explicit(&p->starvation_promotions, 1, memory_order_relaxed);
            *prio = lvl;
            return true;
        }
    }
    if (pop_level(p, WPOOL_HIGH, t, stamp, deadline)) {
        *prio = WPOOL_HIGH;
        return true;
    }
    for (int lvl = WPOOL_NORMAL; lvl <= WPOOL_LOW; lvl++) {
        if (pop_level(p, lvl, t, stamp, deadline)) {
            *prio = lvl;
            return true;
        }
    }
    return false;
}

static void run_job(wpool *p, wp_worker *w, const wpool_task *t, int prio, uint64_t stamp,
                    uint64_t deadline) {
    /* Relaxed is enough: `discarding` only hurries a timed-out shutdown on. A
     * worker that reads 0 just after the store runs the job, as it would had
     * it popped a moment earlier (the shutdown does not wait for running
     * jobs); the pop, one CAS on head, made the job this worker's alone, so
     * it is run or discarded exactly once either way. */
    if (atomic_load_explicit(&p->discarding, memory_order_relaxed)) {
        /* A shutdown timed out: jobs not yet started are discarded, not run. */
        wp_discard_job(p, t, prio, WPOOL_DISCARD_SHUTDOWN);
        return;
    }
    /* A deadline is looked at once, as the job is taken: one taken in time
     * runs, however long the lines below take. */
    if (WP_UNLIKELY(deadline) && wp_now_ns() >= deadline) {
        wp_discard_job(p, t, prio, WPOOL_DISCARD_EXPIRED);
        return;
    }
    if (stamp) {
        uint64_t start = wp_ticks();
        wp_record_wait(w, prio, start > stamp ? wp_ticks_to_ns(start - stamp) : 0);
    }
    int outer = atomic_load_explicit(&w->running_prio, memory_order_relaxed);
    atomic_store_explicit(&w->running_prio, prio, memory_order_relaxed);
    t->run(t->arg);
    atomic_store_explicit(&w->running_prio, outer, memory_order_relaxed);
    wp_counter_add(&w->stats.completed[prio], 1);
}

/* Whether a job w may take is published. A hint for the spin loop (the
 * parking decision uses has_work_sc()). It looks at the slot a pop would take,
 * not at `tail`: polling `tail` would pull the line every push writes into the
 * poller's cache and make each producer's CAS miss. */
static inline bool has_work_hint(wpool *p, const wp_worker *w) {
    int last = w->temporary ? WPOOL_HIGH : WPOOL_LOW;
    for (int lvl = WPOOL_HIGH; lvl <= last; lvl++)
        if (wp_ring_published(&p->rings[lvl]) &&
            !atomic_load_explicit(&p->rings[lvl].paused, memory_order_relaxed))
            return true;
    return false;
}

/* The re-check of rule 1: seq_cst loads of tail and head, and of the pause
 * flag (a paused ring's jobs are no work: wpool_resume wakes for them). */
static bool has_work_sc(wpool *p, const wp_worker *w) {
    int last = w->temporary ? WPOOL_HIGH : WPOOL_LOW;
    for (int lvl = WPOOL_HIGH; lvl <= last; lvl++)
        if (wp_ring_nonempty(&p->rings[lvl]) && !wp_ring_paused(&p->rings[lvl])) return true;
    return false;
}

bool wp_help_one(wpool *p) {
    wp_worker *w = wp_self;
    if (!w || w->pool != p || wp_counted_idle) return false;
    if (wp_stack_floor ? wp_frame_address() < wp_stack_floor
                       : wp_help_depth >= WP_HELP_FALLBACK_DEPTH)
        return false;
    wpool_task t;
    int prio;
    uint64_t stamp, deadline;
    if (!take_job(p, w, &t, &prio, &stamp, &deadline)) return false;
    wp_help_depth++;
    run_job(p, w, &t, prio, stamp, deadline);
    wp_help_depth--;
    return true;
}

/* ------------------------------------------------------------------------ */
/* Idle, parking and waking                                                  */
/* ------------------------------------------------------------------------ */

/* The calling pool thread goes busy again (it was counted idle). A temporary
 * worker that leaves fewer than `spares` idle asks the spawner for another,
 * so that the next High job also finds one ready; it asks here, off every
 * submitter's path. */
static void mark_busy(wpool *p, const wp_worker *w) {
    wp_counted_idle = false;
    /* seq_cst: a waiter for quiescence must see us busy before we pop (rule 4). */
    atomic_fetch_add_explicit(&p->busy, 1, memory_order_seq_cst);
    if (!w->temporary) return;
    /* seq_cst: before the spawn request, against the spawner's look (wp_spawn_request). */
    uint32_t idle = atomic_fetch_sub_explicit(&p->temp_idle, 1, memory_order_seq_cst) - 1;
    if (idle < wp_spares(p) &&
        atomic_load_explicit(&p->temp_alive, memory_order_relaxed) < wp_max_temp(p))
        wp_spawn_request(p);
}

/* The calling pool thread goes idle. */
static void go_idle(wpool *p, const wp_worker *w) {
    wp_counted_idle = true;
    /* seq_cst: as every change of temp_idle (the spawner and retiring
     * temporary workers read it). */
    if (w->temporary) atomic_fetch_add_explicit(&p->temp_idle, 1, memory_order_seq_cst);
    wp_mark_idle(p);
}

void wp_wake_quiescence_waiters(wpool *p) {
    /* seq_cst: a waiter that read the old epoch has its futex wait return; one
     * that reads the new one synchronizes with everything we did before. */
    atomic_fetch_add_explicit(&p->idle_epoch, 1, memory_order_seq_cst);
    wp_park_wake(&p->idle_epoch, WP_PARK_ALL);
}

void wp_mark_idle(wpool *p) {
    /* seq_cst (I1): ordered before our look at idle_waiters (rule 4). */
    atomic_fetch_sub_explicit(&p->busy, 1, memory_order_seq_cst);
    /* seq_cst (I2): against the waiter's idle_waiters++ (Q1), then its load
     * of busy (Q2): it sees our busy-- or we see it (rule 4). */
    if (atomic_load_explicit(&p->idle_waiters, memory_order_seq_cst)) wp_wake_quiescence_waiters(p);
}

/* Polls for work until `until_ns` have passed since `start`. Returns true as
 * soon as some appears. */
static bool spin_for_work(wpool *p, const wp_worker *w, uint64_t start, uint64_t until_ns) {
    wp_backoff poll;
    wp_backoff_init(&poll, 0, 0); /* 2^0: one pause per look */
    for (;;) {
        for (unsigned i = 0; i < WP_POLL_LOOKS_PER_CLOCK; i++) {
            if (has_work_hint(p, w)) return true;
            wp_backoff_spin(&poll);
        }
        if (wp_now_ns() - start >= until_ns) return has_work_hint(p, w);
    }
}

/* Whether w must leave: a regular worker at or past wpool_set_workers'
 * target, a temporary one while more are alive than the limit. seq_cst:
 * after the SLEEPING store of idle_wait, against the setter's store of the
 * limit then its wake-up (wp_wake_for_stop): as rule 2. */
static bool told_to_leave(wpool *p, const wp_worker *w) {
    if (w->temporary)
        return atomic_load_explicit(&p->temp_alive, memory_order_seq_cst) >
               atomic_load_explicit(&p->max_temp, memory_order_seq_cst);
    return w->index >= atomic_load_explicit(&p->workers_target, memory_order_seq_cst);
}

/* Parks w until a submitter claims it, work shows up, the TTL of a temporary
 * worker passes or its limit is lowered (WP_RETIRE; a spare that stays parks
 * with no TTL: `ttl` false), a regular worker is made surplus (WP_SHRINK)
 * or the pool is destroyed (WP_EXIT). Called idle; returns WP_WORK marked
 * busy again. */
static int idle_wait(wpool *p, wp_worker *w, bool ttl) {
    _Atomic uint64_t *mask =
        (w->temporary ? p->temp_sleep_mask : p->sleep_mask) + w->index / WP_MASK_BITS;
    uint64_t bit = (uint64_t)1 << (w->index % WP_MASK_BITS);
    uint64_t deadline = w->temporary && ttl ? wp_deadline(p->temp_idle_ns) : UINT64_MAX;
    for (;;) {
        /* seq_cst (rule 2): a stopper either sees SLEEPING and wakes us, or
         * stored stop before this and we see it below. */
        atomic_store_explicit(&w->park_state, WP_SLEEPING, memory_order_seq_cst);
        /* seq_cst (rule 1): announce before the re-check of the rings. */
        atomic_fetch_or_explicit(mask, bit, memory_order_seq_cst);
        bool timed_out = false;
        /* seq_cst (rule 2): after our SLEEPING store, against destroy's store
         * of stop then its NOTIFIED write. */
        if (!has_work_sc(p, w) && !atomic_load_explicit(&p->stop, memory_order_seq_cst) &&
            !told_to_leave(p, w)) {
            atomic_fetch_add_explicit(&p->parks, 1, memory_order_relaxed);
            timed_out = wp_park_wait(&w->park_state, WP_SLEEPING, deadline) == WP_PARK_TIMEDOUT;
        }
        /* If our bit was already clear, a submitter claimed us for its job:
         * we must look for work even if our own re-check saw none. seq_cst,
         * as every access to the masks (rule 1); finding the bit clear, we
         * synchronize with the claim, so the claimer's job is visible. */
        uint64_t old = atomic_fetch_and_explicit(mask, ~bit, memory_order_seq_cst);
        bool claimed = !(old & bit);
        atomic_store_explicit(&w->park_state, WP_AWAKE, memory_order_relaxed);
        /* seq_cst (rule 2): as the load before parking. */
        if (atomic_load_explicit(&p->stop, memory_order_seq_cst)) return WP_EXIT;
        /* A surplus worker leaves even when claimed: it passes the wake-up
         * on (leave_for_shrink). */
        if (!w->temporary && told_to_leave(p, w)) return WP_SHRINK;
        if (claimed || has_work_sc(p, w)) {
            /* A position claimed but not yet published means its producer was
             * preempted between the two: let it run rather than poll. */
            if (!claimed && !has_work_hint(p, w)) wp_os_yield();
            mark_busy(p, w);
            return WP_WORK;
        }
        if (w->temporary && (timed_out || wp_now_ns() >= deadline)) return WP_RETIRE;
        if (w->temporary && told_to_leave(p, w)) return WP_OVER_LIMIT;
    }
}

static void wake_worker(wpool *p, wp_worker *w) {
    /* seq_cst (rule 2): if the worker has not stored SLEEPING yet, its later
     * store is ordered after this and its re-check finds the work. */
    if (atomic_exchange_explicit(&w->park_state, WP_NOTIFIED, memory_order_seq_cst) ==
        WP_SLEEPING) {
        wp_park_wake(&w->park_state, 1);
        atomic_fetch_add_explicit(&p->wakeups, 1, memory_order_relaxed);
    }
}

void wp_wake_for_stop(wp_worker *w) {
    /* seq_cst (rule 2): after destroy's store of stop; a SLEEPING store
     * ordered before this is replaced and woken, one after it sees stop. */
    atomic_store_explicit(&w->park_state, WP_NOTIFIED, memory_order_seq_cst);
    wp_park_wake(&w->park_state, 1);
}

/* Claims one parked worker in mask (clears its bit) and wakes it. */
static bool wake_one(wpool *p, _Atomic uint64_t *mask, _Atomic uint32_t *mask_words,
                     wp_worker **workers) {
    /* seq_cst: a worker's bit is set after its slot's word was counted
     * (grow_slots, before the thread started); loaded after our push, as
     * the masks. */
    unsigned words = atomic_load_explicit(mask_words, memory_order_seq_cst);
    for (unsigned i = 0; i < words; i++) {
        /* seq_cst (rule 1): ordered after the submitter's claim in the ring. */
        uint64_t m = atomic_load_explicit(&mask[i], memory_order_seq_cst);
        while (m) {
            uint64_t bit = m & (~m + 1);
            /* seq_cst (rule 1): whoever clears a set bit owns the wake-up of
             * that worker; the worker's own fetch_and then synchronizes with
             * ours (idle_wait). */
            uint64_t old = atomic_fetch_and_explicit(&mask[i], ~bit, memory_order_seq_cst);
            if (old & bit) {
                wake_worker(p, workers[i * WP_MASK_BITS + wp_bit_low64(bit)]);
                return true;
            }
            m = old & ~bit;
        }
    }
    return false;
}

/* Whether High work waits with every live thread busy: it would wait behind
 * whatever they run, so a temporary worker must start. An idle thread that
 * is still spinning is not in a mask but will find the job itself. seq_cst:
 * after the caller's push, against a waking worker's mark_busy then its look
 * at the High ring (pass_baton), and a retiring one's temp_alive-- then its
 * re-check (retire_or_stay); busy first, as spawn_temp raises temp_alive
 * first. */
static bool every_thread_busy(wpool *p) {
    uint32_t busy = atomic_load_explicit(&p->busy, memory_order_seq_cst);
    uint32_t workers = atomic_load_explicit(&p->workers_alive, memory_order_seq_cst);
    uint32_t alive = atomic_load_explicit(&p->temp_alive, memory_order_seq_cst);
    return busy >= workers + alive;
}

void wp_notify(wpool *p, int prio, size_t jobs) {
    /* seq_cst: after the caller's push, against wpool_resume's clear of the
     * flag then its count of what is queued: it wakes for our job if we
     * saw the flag set. A paused ring's jobs wake nobody. */
    if (jobs == 0 || atomic_load_explicit(&p->rings[prio].paused, memory_order_seq_cst)) return;
    size_t woken = 0;
    /* High work wakes parked temporary workers first: they run at the
     * creator's OS priority, the regular workers perhaps below it
     * (wpool_os_priority), and the spares are kept parked for this. */
    if (prio == WPOOL_HIGH)
        while (woken < jobs && wake_one(p, p->temp_sleep_mask, &p->temp_mask_words, p->temps))
            woken++;
    while (woken < jobs && wake_one(p, p->sleep_mask, &p->mask_words, p->workers))
        woken++;
    if (woken || prio != WPOOL_HIGH || wp_max_temp(p) == 0) return;
    /* Not a thread creation on the submitter's path: the spawner does it. */
    if (every_thread_busy(p)) {
        /* seq_cst: before the request's exchange (wp_spawn_request). */
        atomic_store_explicit(&p->spawn_for_high, 1, memory_order_seq_cst);
        wp_spawn_request(p);
    }
}

/* A worker that went from idle to busy (woken, or found work while polling)
 * and took a job passes the baton when more is queued. High work gets the
 * whole of wp_notify(): its submitter may have run while this worker was still
 * counted idle, seen busy < workers + temp_alive and started nobody, and the
 * job would then wait behind the one this worker took. Dekker with that
 * submitter: our mark_busy, then this seq_cst look at the High ring, against
 * its push, then its seq_cst load of busy (docs/PARKING.md, temporary
 * workers). After a wake-up from a park, other work wakes the next sleeper,
 * so a burst submitted to a sleeping pool fans out; a worker that only polled
 * does not (under a steady stream, polling workers waking each other cost a
 * futex call per gap and slowed 2 producers x 2 workers by a fifth). */
enum { WP_BATON_NONE, WP_BATON_HIGH, WP_BATON_ALL };

static void pass_baton(wpool *p, const wp_worker *w, int baton) {
    if (wp_ring_nonempty(&p->rings[WPOOL_HIGH]))
        wp_notify(p, WPOOL_HIGH, 1);
    else if (baton == WP_BATON_ALL && !w->temporary && has_work_hint(p, w))
        wake_one(p, p->sleep_mask, &p->mask_words, p->workers);
}

/* ------------------------------------------------------------------------ */
/* Threads                                                                   */
/* ------------------------------------------------------------------------ */

/* Pool threads get the process's CPUs (or one of them, pinned), whatever the
 * affinity of the thread that started them. */
static void thread_setup(wpool *p, wp_worker *w) {
    /* Named first: until then it has its creator's name (Linux). */
    char name[WP_THREAD_NAME_SIZE];
    snprintf(name, sizeof name, w->temporary ? "%s-t%u" : "%s-%u", p->name, w->index);
    wp_os_thread_set_name(name);
    bool pinned = p->pin_workers && !w->temporary;
    (void)wp_os_thread_bind(&p->cpus, pinned ? (int)w->index : -1); /* best effort */
    /* Regular workers run the bulk work: below the creator's priority, for
     * good (wpool_os_priority). Temporary workers keep the priority they
     * were started with, the creator's: wpool_create or the spawner started
     * them. Best effort, as binding. */
    if (!w->temporary && p->worker_os_priority != WPOOL_OS_PRIORITY_INHERIT)
        (void)wp_os_thread_lower_priority(p->worker_os_priority);
    uintptr_t low, high;
    if (wp_os_thread_stack(&low, &high)) {
        size_t size = (size_t)(high - low), share = size / WP_HELP_STACK_SHARE;
        size_t reserve = share > WP_HELP_STACK_RESERVE ? share : WP_HELP_STACK_RESERVE;
        if (reserve < size) wp_stack_floor = low + reserve;
    }
}

/* A temporary worker whose TTL passed (ttl_passed) stays parked, with no
 * TTL, when it is one of the `spares` idle ones, and one woken because the
 * limit was lowered stays (its TTL runs again) unless more are alive than
 * the limit (WP_STAY): the limit's wake-up reaches every idle one, and only
 * the surplus leave. Otherwise it leaves the count of live threads first,
 * then looks at the High ring once more: a submitter that pushed before that
 * look is seen here (we stay: WP_WORK, marked busy), one that pushed after it
 * sees the smaller count and starts a new temporary worker. Either way the job
 * is not left behind. Retiring (WP_RETIRE) releases the slot in the same
 * critical section, so that the submitter's spawn finds it free: the thread
 * detaches itself and counts in temp_exiting until its stop hook is done.
 * Once wpool_destroy has begun (stop, stored under the lock) it exits instead
 * (WP_EXIT) and teardown joins it. */
static int retire_or_stay(wpool *p, wp_worker *w, bool ttl_passed) {
    int why = WP_RETIRE;
    wp_spin_lock(&p->temp_lock);
    /* relaxed: temp_alive changes under this lock, bar the spawner's starts
     * (which the limit bounds). */
    bool over_limit = atomic_load_explicit(&p->temp_alive, memory_order_relaxed) > wp_max_temp(p);
    if (atomic_load_explicit(&p->stop, memory_order_relaxed)) { /* the lock orders it */
        why = WP_EXIT;
    } else if (!over_limit &&
               (!ttl_passed ||
                atomic_load_explicit(&p->temp_idle, memory_order_seq_cst) <= wp_spares(p))) {
        /* seq_cst: as every access to temp_idle. Retirements are serialized
         * by the lock, so two idle ones cannot both leave and go below. Over
         * a lowered limit, even a spare leaves. */
        why = WP_STAY;
    } else {
        /* seq_cst: against the submitter's push then load of temp_alive (wp_notify). */
        atomic_fetch_sub_explicit(&p->temp_alive, 1, memory_order_seq_cst);
        if (has_work_sc(p, w)) {
            /* seq_cst: as the decrement it undoes. */
            atomic_fetch_add_explicit(&p->temp_alive, 1, memory_order_seq_cst);
            why = WP_WORK;
        } else {
            w->slot_state = WP_SLOT_FREE;
            /* seq_cst: as every change of temp_idle. */
            atomic_fetch_sub_explicit(&p->temp_idle, 1, memory_order_seq_cst);
            /* relaxed: read under the lock (teardown). */
            atomic_fetch_add_explicit(&p->temp_exiting, 1, memory_order_relaxed);
            atomic_fetch_add_explicit(&p->temp_retired, 1, memory_order_relaxed);
        }
    }
    wp_spin_unlock(&p->temp_lock);
    if (why == WP_WORK) mark_busy(p, w);
    if (why == WP_RETIRE)
        wp_os_thread_detach_self(&w->thread); /* nobody joins a released slot's thread */
    return why;
}

/* The last steps of a pool thread, after its stop hook. */
static void thread_exit(wpool *p, wp_worker *w, int why) {
    if (!w->temporary) return;
    wp_spin_lock(&p->temp_lock);
    if (why == WP_RETIRE) {
        /* Its slot was released when it retired; teardown waits for the
         * count to reach 0 under this lock, so after the unlock this thread
         * touches nothing of the pool. */
        if (atomic_fetch_sub_explicit(&p->temp_exiting, 1, memory_order_relaxed) == 1)
            wp_park_wake(&p->temp_exiting, WP_PARK_ALL);
    } else {
        /* seq_cst: as every change of temp_alive (wp_notify reads it). */
        atomic_fetch_sub_explicit(&p->temp_alive, 1, memory_order_seq_cst);
        atomic_fetch_add_explicit(&p->temp_retired, 1, memory_order_relaxed);
        w->slot_state = WP_SLOT_EXITED; /* joined by teardown */
    }
    wp_spin_unlock(&p->temp_lock);
}

void wp_wait_exiting_temps(wpool *p) {
    for (;;) {
        wp_spin_lock(&p->temp_lock);
        uint32_t exiting = atomic_load_explicit(&p->temp_exiting, memory_order_relaxed);
        wp_spin_unlock(&p->temp_lock);
        if (exiting == 0) return;
        wp_park_wait(&p->temp_exiting, exiting, UINT64_MAX);
    }
}

/* A regular worker made surplus by wpool_set_workers leaves, if it still is
 * under the lock (a grow may have raised the target since): the slot is
 * EXITED (joined by the next wpool_set_workers or by teardown) and the
 * thread no longer counts as alive. */
static bool leave_for_shrink(wpool *p, wp_worker *w) {
    wp_spin_lock(&p->temp_lock);
    /* relaxed: the target is written under this lock. */
    bool leave = w->index >= atomic_load_explicit(&p->workers_target, memory_order_relaxed);
    if (leave) {
        w->slot_state = WP_SLOT_EXITED;
        /* seq_cst: as every change of workers_alive (every_thread_busy). */
        atomic_fetch_sub_explicit(&p->workers_alive, 1, memory_order_seq_cst);
    }
    wp_spin_unlock(&p->temp_lock);
    return leave;
}

/* After a worker left (alive and busy counts lowered, its bit clear): a
 * submitter may have claimed it for a job, or counted on it as busy and
 * started nobody. Its seq_cst looks at the rings, after those decrements,
 * against such a submitter's push then its look at masks and counts (rules
 * 1 and 5 of docs/PARKING.md): either the submitter saw the lower counts, or
 * this sees the job and wakes another thread for it. */
static void pass_work_on(wpool *p, const wp_worker *w) {
    if (wp_ring_nonempty(&p->rings[WPOOL_HIGH]) && !wp_ring_paused(&p->rings[WPOOL_HIGH]))
        wp_notify(p, WPOOL_HIGH, 1);
    else if (has_work_sc(p, w))
        wake_one(p, p->sleep_mask, &p->mask_words, p->workers);
}

static void worker_main(void *arg) {
    wp_worker *w = arg;
    wpool *p = w->pool;
    wp_self = w;
    thread_setup(p, w);
    /* A spare starts idle and parks at once; every other thread starts busy
     * (wpool_create, or started for High work that waits: it passes the
     * baton when it finds more). */
    bool parking = w->spare_start;
    wp_counted_idle = parking;
    if (p->on_start) p->on_start(p->hook_ctx, w->index, w->temporary);
    int baton = w->temporary ? WP_BATON_HIGH : WP_BATON_NONE, why;
    const uint32_t leave_above = w->temporary ? 0 : w->index + 1; /* see surplus() */
    for (;;) {
        if (!parking) {
            /* Made surplus: leave between two jobs. */
            if (surplus(p, leave_above) && leave_for_shrink(p, w)) {
                go_idle(p, w);
                why = WP_SHRINK;
                break;
            }
            wpool_task t;
            int prio;
            uint64_t stamp, deadline;
            if (take_job(p, w, &t, &prio, &stamp, &deadline)) {
                if (baton != WP_BATON_NONE) {
                    pass_baton(p, w, baton);
                    baton = WP_BATON_NONE;
                }
                run_job(p, w, &t, prio, stamp, deadline);
                continue;
            }
            /* Nothing to do: poll briefly while still counted busy, then
             * count as idle while polling a little longer, then park. */
            uint64_t start = wp_now_ns();
            if (spin_for_work(p, w, start, WP_SPIN_BUSY_NS)) continue;
            go_idle(p, w);
            if (spin_for_work(p, w, start, WP_SPIN_NS)) {
                mark_busy(p, w);
                baton = WP_BATON_HIGH; /* counted idle meanwhile (pass_baton) */
                continue;
            }
        }
        parking = false;
        why = idle_wait(p, w, true);
        while (why == WP_RETIRE || why == WP_OVER_LIMIT) {
            bool ttl_passed = why == WP_RETIRE;
            if ((why = retire_or_stay(p, w, ttl_passed)) != WP_STAY) break;
            why = idle_wait(p, w, !ttl_passed); /* a spare parks without a TTL */
        }
        if (why == WP_WORK) {
            baton = WP_BATON_ALL;
            continue;
        }
        if (why == WP_SHRINK && !leave_for_shrink(p, w)) {
            parking = true; /* wanted again: park as before */
            continue;
        }
        break;
    }
    if (why == WP_SHRINK) pass_work_on(p, w);
    if (p->on_stop) p->on_stop(p->hook_ctx, w->index, w->temporary);
    thread_exit(p, w, why);
}

int wp_thread_start(wpool *p, wp_worker *w) {
    (void)p;
    return wp_os_thread_start(&w->thread, worker_main, w);
}

/* Starts a temporary worker in a free slot, if the limit allows: a spare
 * (counted idle: it parks at once) or one for High work that waits (counted
 * busy and alive from here, so that concurrent submitters do not ask for more
 * than the High work needs). A refused start is counted, and a job that
 * waited for it stays queued for the regular workers. Called by wpool_create
 * and the spawner, never by a submitter. */
int wp_spawn_temp(wpool *p, bool spare) {
    wp_worker *slot = NULL;
    wp_spin_lock(&p->temp_lock);
    if (!atomic_load_explicit(&p->stop, memory_order_relaxed) &&
        atomic_load_explicit(&p->temp_alive, memory_order_relaxed) < wp_max_temp(p)) {
        for (unsigned i = 0; i < wp_max_temp(p); i++) {
            /* Slots are never EXITED before stop: a retiring worker frees its
             * own (retire_or_stay), and only teardown's stop makes one exit. */
            if (p->temps[i]->slot_state == WP_SLOT_FREE) {
                slot = p->temps[i];
                slot->slot_state = WP_SLOT_RUNNING;
                slot->spare_start = spare; /* read by the thread, started below */
                /* seq_cst, alive before busy: a submitter that sees the new
                 * busy (wp_notify loads it first) sees the new temp_alive
                 * too, and does not ask for a second thread for the same
                 * job. A spare raises temp_idle instead: as every change of
                 * it, seq_cst. */
                atomic_fetch_add_explicit(&p->temp_alive, 1, memory_order_seq_cst);
                atomic_fetch_add_explicit(spare ? &p->temp_idle : &p->busy, 1,
                                          memory_order_seq_cst);
                atomic_fetch_add_explicit(&p->temp_spawned, 1, memory_order_relaxed);
                break;
            }
        }
    }
    wp_spin_unlock(&p->temp_lock);
    if (!slot) return WPOOL_EAGAIN;
    int rc = wp_thread_start(p, slot);
    if (rc == WPOOL_OK) return WPOOL_OK;
    wp_spin_lock(&p->temp_lock);
    slot->slot_state = WP_SLOT_FREE;
    /* seq_cst: as every change of temp_alive and temp_idle; busy goes down
     * in wp_mark_idle() below. */
    atomic_fetch_sub_explicit(&p->temp_alive, 1, memory_order_seq_cst);
    if (spare) atomic_fetch_sub_explicit(&p->temp_idle, 1, memory_order_seq_cst);
    atomic_fetch_sub_explicit(&p->temp_spawned, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&p->temp_spawn_failures, 1, memory_order_relaxed);
    wp_spin_unlock(&p->temp_lock);
    if (!spare) wp_mark_idle(p);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* The spawner                                                               */
/* ------------------------------------------------------------------------ */

/* The spawner is the one thread that starts temporary workers after
 * wpool_create (after GLib's thread-spawning thread, which exists for the
 * same reason): on Linux a thread inherits its creator's nice value and may
 * never lower it again, so a temporary worker started by a lowered regular
 * worker, or by a submitter of any priority, would run High work at that
 * thread's priority. The spawner has the priority of the thread that called
 * wpool_create, and so does every temporary worker. It also keeps thread
 * creation (tens of microseconds to milliseconds) off the submitters' path.
 * It sleeps on spawn_epoch; zero CPU while no request comes. */

void wp_spawn_request(wpool *p) {
    /* seq_cst: after the caller's change of what the spawner looks at (a
     * push, temp_idle, temp_alive), against the spawner's clear of
     * spawn_pending then its look (spawner_main): either it clears after our
     * exchange and sees our change, or we find the flag clear and move the
     * epoch after the spawner read it, so it looks again. Requests made while
     * one is pending cost nothing more. */
    if (atomic_exchange_explicit(&p->spawn_pending, 1, memory_order_seq_cst)) return;
    /* seq_cst: the spawner read the epoch before its look; a change after
     * that makes its sleep return. */
    atomic_fetch_add_explicit(&p->spawn_epoch, 1, memory_order_seq_cst);
    wp_park_wake(&p->spawn_epoch, 1);
}

static void spawner_main(void *arg) {
    wpool *p = arg;
    char name[WP_THREAD_NAME_SIZE];
    snprintf(name, sizeof name, "%s-s", p->name);
    wp_os_thread_set_name(name);
    (void)wp_os_thread_bind(&p->cpus, -1);
    for (;;) {
        /* seq_cst: read the epoch, then clear, then look (wp_spawn_request).
         * In this order: a request whose exchange finds the flag cleared
         * moves the epoch after our read, so our sleep below returns at
         * once. Read after the clear, the epoch could already hold that
         * request's move while the flag it set stays set: we would serve
         * it, then sleep through every later request, which finds the flag
         * set and wakes nobody (found by the model: docs/model,
         * BUG_SPAWNER_EPOCH_AFTER_CLEAR). */
        uint32_t epoch = atomic_load_explicit(&p->spawn_epoch, memory_order_seq_cst);
        atomic_store_explicit(&p->spawn_pending, 0, memory_order_seq_cst);
        /* seq_cst: teardown stores stop, then moves the epoch (wp_spawner_stop). */
        if (atomic_load_explicit(&p->stop, memory_order_seq_cst)) return;
        /* A thread for waiting High work only when a submitter (or a worker
         * passing the baton) found every thread busy, and still so: a spare
         * that was just woken for the job counts busy before it took it,
         * and must not look like a reason for another thread. One per
         * request: it passes the baton when it finds more (worker_main).
         * seq_cst: as the store it takes. */
        if (atomic_exchange_explicit(&p->spawn_for_high, 0, memory_order_seq_cst) &&
            wp_ring_nonempty(&p->rings[WPOOL_HIGH]) && every_thread_busy(p))
            (void)wp_spawn_temp(p, false);
        /* seq_cst: as every access to temp_idle. */
        while (atomic_load_explicit(&p->temp_idle, memory_order_seq_cst) < wp_spares(p))
            if (wp_spawn_temp(p, true) != WPOOL_OK) break; /* at the limit, or refused */
        wp_park_wait(&p->spawn_epoch, epoch, UINT64_MAX);
    }
}

int wp_spawner_start(wpool *p) {
    return wp_os_thread_start(&p->spawner, spawner_main, p);
}

void wp_spawner_stop(wpool *p) {
    /* seq_cst: after teardown's store of stop (spawner_main). */
    atomic_fetch_add_explicit(&p->spawn_epoch, 1, memory_order_seq_cst);
    wp_park_wake(&p->spawn_epoch, 1);
    wp_os_thread_join(&p->spawner);
}
