/*
 * core.h: the model of a pool, shared by every part of the core: the pool and
 * worker structures, the states of their words, and the counters with the
 * inline helpers that update them. It declares no file's functions for
 * another (worker.h does, for worker.c). The core is layered; a file
 * includes its own header and files of the layers below it, nothing else:
 *
 *   pool.c, stats.c       the API: lifecycle, intake, shutdown; statistics
 *   room.c                a producer's wait for room (rule 3)
 *   worker.c, worker.h    the pool's threads
 *   core.h                the model
 *   room.h                waking producers that wait for room (rule 3)
 *   ring.h                the job rings
 *   clock.h, spinlock.h   time; the slot table's lock
 *   backoff.h             waiting briefly
 *   os.h                  the platform layer: threads, sleeping on a word,
 *                         the clock, CPUs, memory (os_*.c)
 *   arch.h                the CPU and the compiler: cache line, pause, bit scans
 */
#ifndef WP_CORE_H
#define WP_CORE_H

#include "wpool.h"

#include "os.h"
#include "ring.h"
#include "spinlock.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Queue-wait histogram: log-linear buckets, WP_HIST_SUB = 8 per power of two
 * (each bucket 1/8 of its octave wide, so a reported percentile is within
 * ~6%). Values below 8 ns have a bucket each; the last bucket collects
 * everything past 2^48 ns (three days). */
#define WP_HIST_SUB_BITS 3
#define WP_HIST_SUB      (1u << WP_HIST_SUB_BITS)
#define WP_HIST_MAX_EXP  47
#define WP_HIST_BUCKETS  ((WP_HIST_MAX_EXP - 1) * WP_HIST_SUB)

/* Sleep masks: one bit per worker, in 64-bit words (one fetch_or or fetch_and
 * claims a bit), enough words for WPOOL_MAX_WORKERS. */
#define WP_MASK_BITS  64u
#define WP_MASK_WORDS (WPOOL_MAX_WORKERS / WP_MASK_BITS)

/* A thread's name is "<prefix>-<i>" or "<prefix>-t<i>", and Linux keeps 15
 * bytes of it: a prefix of at most 10 leaves 5 for the suffix (a longer one
 * is cut). */
#define WP_THREAD_NAME_SIZE 16
#define WP_NAME_PREFIX_MAX  10

/* park_state values: the futex word each thread sleeps on. */
enum { WP_AWAKE = 0, WP_SLEEPING = 1, WP_NOTIFIED = 2 };

/* Worker slot states (guarded by wpool.temp_lock). Temporary workers: FREE:
 * no thread, or only a retired one finishing its stop hook (detached,
 * counted in temp_exiting); RUNNING: a live thread; EXITED: a thread that
 * left because of wpool_destroy, to be joined by teardown. Regular workers:
 * FREE: never started, or joined; RUNNING; EXITED: left because
 * wpool_set_workers shrank the pool, to be joined by the next grow or by
 * teardown. */
enum { WP_SLOT_FREE = 0, WP_SLOT_RUNNING = 1, WP_SLOT_EXITED = 2 };

/* Counters written by exactly one thread (the worker owning them) and read by
 * wpool_get_stats(): relaxed load-add-store, no read-modify-write needed. */
typedef struct wp_worker_stats {
    _Atomic uint64_t completed[WPOOL_PRIORITIES];
    _Atomic uint64_t wait_count[WPOOL_PRIORITIES];
    _Atomic uint64_t wait_sum_ns[WPOOL_PRIORITIES];
    _Atomic uint64_t wait_max_ns[WPOOL_PRIORITIES];
    _Atomic uint64_t hist[WPOOL_PRIORITIES][WP_HIST_BUCKETS];
} wp_worker_stats;

typedef struct wp_worker {
    wp_worker_stats stats;
    /* Priority of the job running now, or -1. */
    _Atomic int running_prio;
    /* Written by wakers: its own line. */
    _Alignas(WP_CACHE_LINE) _Atomic uint32_t park_state;
    struct wpool *pool;
    unsigned index;
    bool temporary;
    int slot_state;   /* guarded by temp_lock */
    bool spare_start; /* temporary: started as a spare (idle), set before its start */
    wp_thread thread;
} wp_worker;

struct wpool {
    wp_ring rings[WPOOL_PRIORITIES];

    /* Bit i set: regular (temp) worker i is parked or about to park, and no
     * waker has claimed it yet (docs/PARKING.md). Read on every submit. */
    _Alignas(WP_CACHE_LINE) _Atomic uint64_t sleep_mask[WP_MASK_WORDS];
    _Alignas(WP_CACHE_LINE) _Atomic uint64_t temp_sleep_mask[WP_MASK_WORDS];

    /* Threads not idle (running, looking for work, or just started). Changes
     * only when a thread goes idle or wakes, never per job. */
    _Alignas(WP_CACHE_LINE) _Atomic uint32_t busy;
    _Atomic uint32_t workers_alive; /* regular worker threads not exited */
    _Atomic uint32_t temp_alive;
    _Atomic uint32_t temp_idle;      /* temporary workers counted idle (parked, or
                                        polling before they park) */
    _Atomic uint32_t spawn_pending;  /* a request to the spawner not yet taken */
    _Atomic uint32_t spawn_for_high; /* ... and it was for High work that waits */
    _Atomic uint32_t spawn_epoch;    /* futex word of the spawner */
    _Atomic uint32_t temp_exiting;   /* retired temporary workers still in their stop hook;
                                        futex word of teardown (guarded by temp_lock) */
    _Atomic uint32_t idle_waiters;   /* threads in wait_quiescent() */
    _Atomic uint32_t idle_epoch;     /* futex word of idle waiters */

    _Alignas(WP_CACHE_LINE) _Atomic int closed; /* shutdown began */
    _Atomic int discarding;                     /* a shutdown timed out: discard, don't run */
    _Atomic int stop;                           /* wpool_destroy: threads exit */
    wp_spinlock temp_lock;                      /* slot states, starting and retiring */
    _Atomic uint32_t resize_lock;               /* serializes wpool_set_*: 1 held, 2 contended */

    /* Slow-path counters. */
    _Alignas(WP_CACHE_LINE) _Atomic uint64_t discarded[WPOOL_PRIORITIES];
    _Atomic uint64_t cancelled[WPOOL_PRIORITIES];
    _Atomic uint64_t expired[WPOOL_PRIORITIES];
    _Atomic uint64_t rejected[WPOOL_PRIORITIES];
    _Atomic uint64_t temp_spawned, temp_retired, temp_spawn_failures;
    _Atomic uint64_t parks, wakeups, starvation_promotions;
    _Atomic uint32_t cancels_running; /* wpool_cancel calls in progress (teardown waits) */

    /* Read on every job (workers_target) or wake-up; written only by
     * wpool_set_workers() and wpool_set_max_temp_workers(). Relaxed loads:
     * each reader re-checks what it decides under temp_lock or by a later
     * seq_cst look (worker.c). */
    _Alignas(WP_CACHE_LINE) _Atomic uint32_t workers_target;
    _Atomic uint32_t max_temp;
    _Atomic uint32_t spares;          /* min(cfg_spares, max_temp): kept parked */
    _Atomic uint32_t mask_words;      /* sleep_mask words in use */
    _Atomic uint32_t temp_mask_words; /* temp_sleep_mask words in use */
    _Atomic uint32_t worker_slots;    /* workers[] entries allocated (never fewer) */
    _Atomic uint32_t temp_slots;      /* temps[] entries allocated (never fewer) */
    _Atomic int has_spawner;          /* the spawner thread was started */
    /* Immutable after wpool_create(). The first ones share the line above
     * (read per job by a worker: starve_ticks, discarding's default). */
    uint64_t starve_ticks;    /* 0: strict priority */
    wpool_fn default_discard; /* for jobs submitted without a discard callback */
    uint64_t temp_idle_ns;
    unsigned cfg_spares; /* wpool_config.temp_spares */
    int worker_os_priority;
    wp_thread spawner; /* starts temporary workers (worker.c) */
    int pin_workers;
    wp_cpus cpus; /* the CPUs pool threads may use */
    wpool_thread_hook on_start, on_stop;
    void *hook_ctx;
    char name[WP_NAME_PREFIX_MAX + 1];
    /* Slot tables: entries below worker_slots / temp_slots point to their
     * worker, written before the count is raised (release) and never freed
     * before teardown, so that a reader that loads the count (acquire) may
     * read them. */
    wp_worker *workers[WPOOL_MAX_WORKERS];
    wp_worker *temps[WPOOL_MAX_WORKERS];
};

/* Relaxed reads of the resizable limits (see struct wpool). */
static inline unsigned wp_max_temp(wpool *p) {
    return atomic_load_explicit(&p->max_temp, memory_order_relaxed);
}
static inline unsigned wp_spares(wpool *p) {
    return atomic_load_explicit(&p->spares, memory_order_relaxed);
}
static inline unsigned wp_worker_slots(wpool *p) {
    /* acquire: the table entries below it are written (struct wpool). */
    return atomic_load_explicit(&p->worker_slots, memory_order_acquire);
}
static inline unsigned wp_temp_slots(wpool *p) {
    /* acquire: as wp_worker_slots(). */
    return atomic_load_explicit(&p->temp_slots, memory_order_acquire);
}

/* Sets the reason wpool_discard_reason_now() reports on this thread and
 * returns the one it replaced (a discard callback may cancel a job: pool.c). */
wpool_discard_reason wp_swap_discard_reason(wpool_discard_reason why);

/* Discards a job that will never run: its discard callback (or the pool's
 * default), then the count of its reason. The one place a job is discarded. */
static inline void wp_discard_job(wpool *p, const wpool_task *t, int prio,
                                  wpool_discard_reason why) {
    wpool_fn discard = t->discard ? t->discard : p->default_discard;
    if (discard) {
        wpool_discard_reason outer = wp_swap_discard_reason(why);
        discard(t->arg);
        wp_swap_discard_reason(outer);
    }
    _Atomic uint64_t *count = why == WPOOL_DISCARD_CANCELLED ? &p->cancelled[prio]
                              : why == WPOOL_DISCARD_EXPIRED ? &p->expired[prio]
                                                             : &p->discarded[prio];
    /* seq_cst: read by quiescent() (docs/PARKING.md, rule 4); a canceller,
     * counted nowhere as busy, then looks at idle_waiters (wpool_cancel). */
    atomic_fetch_add_explicit(count, 1, memory_order_seq_cst);
}

/* Owner-only increment of a counter that others read. release: a reader
 * that sees the new count sees what the owner did before (quiescent() relies
 * on it for `completed`); a plain store on x86-64. */
static inline void wp_counter_add(_Atomic uint64_t *c, uint64_t n) {
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_release);
}

/* The histogram bucket of a wait: exact below 8 ns, then 8 per octave (the
 * octave [2^e, 2^(e+1)) starts at bucket (e - 2) * 8, e >= 3). */
static inline unsigned wp_hist_bucket(uint64_t ns) {
    if (ns < WP_HIST_SUB) return (unsigned)ns;
    unsigned e = wp_bit_high64(ns); /* ns in [2^e, 2^(e+1)) */
    if (e > WP_HIST_MAX_EXP) return WP_HIST_BUCKETS - 1;
    unsigned sub = (unsigned)(ns >> (e - WP_HIST_SUB_BITS)) & (WP_HIST_SUB - 1u);
    return (e - (WP_HIST_SUB_BITS - 1u)) * WP_HIST_SUB + sub;
}

/* Records one queue wait in the worker's own histogram (owner-only writes). */
static inline void wp_record_wait(wp_worker *w, int prio, uint64_t wait_ns) {
    wp_worker_stats *s = &w->stats;
    wp_counter_add(&s->hist[prio][wp_hist_bucket(wait_ns)], 1);
    wp_counter_add(&s->wait_count[prio], 1);
    wp_counter_add(&s->wait_sum_ns[prio], wait_ns);
    if (wait_ns > atomic_load_explicit(&s->wait_max_ns[prio], memory_order_relaxed))
        atomic_store_explicit(&s->wait_max_ns[prio], wait_ns, memory_order_relaxed);
}

#endif /* WP_CORE_H */
