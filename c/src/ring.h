/*
 * ring.h: a bounded multi-producer multi-consumer ring of jobs, stored by
 * value (Dmitry Vyukov's bounded MPMC queue: a sequence number per slot).
 *
 * Each slot's `seq` says whose turn it is: seq == pos means free for the
 * producer claiming position pos; seq == pos + 1 means filled for the consumer
 * taking pos; the consumer frees it for the next lap with seq = pos + capacity.
 * Producers claim positions with a CAS on `tail`, consumers with a CAS on
 * `head`; the slot's seq store/load (release/acquire) carries the job itself.
 *
 * Closing sets WP_RING_CLOSED in `tail`: every later claim fails (a CAS cannot
 * succeed against a value with the bit set), so the positions claimed before
 * the close are exactly the jobs accepted, whatever a submitter checked
 * before (the pool's `closed` flag, which stops every priority at once).
 */
#ifndef WP_RING_H
#define WP_RING_H

#include "wpool.h"

#include "arch.h"
#include "backoff.h"
#include "clock.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#define WP_RING_CLOSED ((uint64_t)1 << 63)

/* With one slot, a full slot's sequence number (pos + 1) equals the next
 * producer's position, so the ring would never report full. */
#define WP_RING_MIN_CAPACITY 2u

/* One job: 48 bytes, packed. Padding slots to a cache line each would stop a
 * producer filling slot i and a consumer emptying slot i-1 from sharing a line,
 * but measured here it doubles the cost per job (50-100 ns against 22-43 ns
 * for a bare handoff): every job then moves a whole line between cores twice
 * per lap, while packed slots move 1.3 jobs per line. */
typedef struct wp_slot {
    _Atomic uint64_t seq;
    /* The tomb word: pos << WP_TOMB_SHIFT | WP_TOMB_* flags, written only for
     * a job submitted with wpool_submit_job() (a ticket, perhaps a deadline).
     * A plain submit leaves an older position's value here, which names
     * another job: the pop compares the position and goes on. So the fast
     * path gains no store, and a pop one load of the word beside seq: 48-byte
     * slots (64-bit systems) start at a multiple of 16 bytes in the
     * line-aligned array, so the two always share a line. */
    _Atomic uint64_t tomb;
    /* Submission time in ticks, 0 when the job is not sampled. Atomic because
     * starvation checks peek at the head slot's stamp without owning it. */
    _Atomic uint64_t stamp;
    wpool_task task;
} wp_slot;

#define WP_TOMB_SHIFT     3
#define WP_TOMB_DEADLINE  1u /* the ring's deadlines[] holds this job's deadline */
#define WP_TOMB_CLAIMED   2u /* a canceller is deciding (wp_ring_cancel) */
#define WP_TOMB_CANCELLED 4u /* cancelled and discarded: a pop skips it */
/* A tomb naming no position (2^61 - 1): a new slot's. */
#define WP_TOMB_NONE UINT64_MAX

/* What a push of a job with a ticket (wpool_submit_job) carries beside it. */
typedef struct wp_job_extra {
    uint64_t deadline;   /* wpool_job_opts.deadline_ns; 0: none */
    uint64_t *deadlines; /* the ring's deadline table, when deadline != 0 */
    uint64_t pos;        /* out: the position the job took */
} wp_job_extra;

enum { WP_RING_OK = 0, WP_RING_FULL = 1, WP_RING_IS_CLOSED = 2, WP_RING_TIMED_OUT = 3 };

typedef struct wp_ring {
    _Alignas(WP_CACHE_LINE) _Atomic uint64_t tail; /* producers' line */
    _Alignas(WP_CACHE_LINE) _Atomic uint64_t head; /* consumers' line */
    _Atomic uint64_t skipped; /* cancelled jobs a pop skipped (the head's writers) */
    /* Read-mostly line: written only by producers that wait for room and by
     * consumers that wake them (room.h). */
    _Alignas(WP_CACHE_LINE) wp_slot *slots;
    uint64_t mask;
    uint32_t capacity;
    /* Nonzero: wpool_pause(); consumers take nothing. Written rarely; read
     * by every pop, so on this line (checked below). */
    _Atomic uint32_t paused;
    uint64_t sample_mask;          /* see wp_ring_push(); set at creation */
    _Atomic uint32_t room_wanted;  /* 1: a producer may be parked on room_epoch */
    _Atomic uint32_t room_waiters; /* producers in wp_room_wait (a hint) */
    _Atomic uint32_t room_epoch;   /* bumped when room appears or the ring closes */
    wpool_priority prio;
    /* Deadlines of the jobs whose tomb has WP_TOMB_DEADLINE, one per slot:
     * allocated by the first such job (wp_ring_deadlines), NULL before. */
    _Atomic(uint64_t *) deadlines;
    /* wpool_config.on_room, called with room_ctx and this ring's priority
     * where room_epoch is bumped (room.h): set at creation; read only on the
     * room's slow path, so past the pop's line. */
    wpool_room_fn on_room;
    void *room_ctx;
} wp_ring;

/* A pop reads slots, mask and paused, a push slots, mask and sample_mask: one
 * line for both (the pause check costs no line of its own). */
_Static_assert(offsetof(wp_ring, paused) / WP_CACHE_LINE ==
                       offsetof(wp_ring, slots) / WP_CACHE_LINE &&
                   offsetof(wp_ring, sample_mask) / WP_CACHE_LINE ==
                       offsetof(wp_ring, slots) / WP_CACHE_LINE &&
                   offsetof(wp_ring, room_wanted) / WP_CACHE_LINE ==
                       offsetof(wp_ring, slots) / WP_CACHE_LINE,
               "the ring's read-mostly fields share a cache line");

/* capacity must be a power of two. Returns WPOOL_OK or WPOOL_ENOMEM. */
int wp_ring_init(wp_ring *r, uint32_t capacity);
/* The deadline table, allocated on first use (NULL: out of memory). */
uint64_t *wp_ring_deadlines(wp_ring *r);
void wp_ring_destroy(wp_ring *r);
/* Closes the ring to producers; returns the number of positions ever claimed. */
uint64_t wp_ring_close(wp_ring *r);

/* After a lost CAS on head or tail: another thread on another CPU took the
 * position. Retrying at once makes the index's line bounce between the CPUs
 * on every attempt; spinning 1, 2, 4 ... 32 pauses (2^5, then 32 on each
 * further loss) lets the winner do its next few claims with the line still in
 * its cache. */
#define WP_RING_CAS_BACKOFF_LIMIT 5

/* Queues *t. The job is stamped with the tick clock when its position is a
 * multiple of sample_mask + 1 (a power of two) or the ring was empty;
 * wp_ring_pop() then returns its ticks, else 0: "not sampled". With a
 * ticket (`ticketed`: wpool_submit_job), the job's tomb word is written,
 * with its deadline (0: none; then `deadlines` is the ring's table), and its
 * position stored in *pos_out. Inlined with constants by both callers. */
static WP_ALWAYS_INLINE int wp_ring_push_job(wp_ring *r, const wpool_task *t, uint64_t sample_mask,
                                             bool ticketed, uint64_t deadline, uint64_t *deadlines,
                                             uint64_t *pos_out) {
    uint64_t pos = atomic_load_explicit(&r->tail, memory_order_relaxed);
    wp_backoff contended;
    wp_backoff_init(&contended, 0, WP_RING_CAS_BACKOFF_LIMIT);
    wp_slot *s;
    for (;;) {
        if (pos & WP_RING_CLOSED) {
            /* acquire: pairs with the closing fetch_or, so the caller also
             * sees the pool's `closed` flag, stored before it. */
            atomic_thread_fence(memory_order_acquire);
            return WP_RING_IS_CLOSED;
        }
        s = &r->slots[pos & r->mask];
        /* acquire: the consumer that freed this slot is done reading it. */
        uint64_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
        int64_t dif = (int64_t)(seq - pos);
        if (dif == 0) {
            /* seq_cst: the claim must be ordered before the submitter's later
             * look at the sleep masks (docs/PARKING.md, rule 1). */
            if (atomic_compare_exchange_weak_explicit(&r->tail, &pos, pos + 1, memory_order_seq_cst,
                                                      memory_order_relaxed))
                break;
            wp_backoff_spin(&contended);
        } else if (dif < 0) {
            /* The slot still holds the job from one lap ago: full. Re-read tail
             * once so a close that raced with us reports closed, not full. */
            uint64_t now = atomic_load_explicit(&r->tail, memory_order_relaxed);
            if (now == pos) return WP_RING_FULL;
            pos = now;
        } else {
            pos = atomic_load_explicit(&r->tail, memory_order_relaxed);
        }
    }
    s->task = *t;
    if (ticketed) {
        uint64_t tomb = pos << WP_TOMB_SHIFT;
        if (deadline) {
            deadlines[pos & r->mask] = deadline;
            tomb |= WP_TOMB_DEADLINE;
        }
        /* release: a canceller that reads this tomb reads the task after it
         * (wp_ring_cancel); the pop reads both after seq, below. */
        atomic_store_explicit(&s->tomb, tomb, memory_order_release);
        *pos_out = pos;
    }
    /* Sampled: every (sample_mask + 1)-th position, and any job queued behind
     * an empty ring (the previous position already taken and freed), so a
     * trickle of jobs is measured whole and a burst one job in N. */
    bool sample = (pos & sample_mask) == 0 ||
                  atomic_load_explicit(&r->slots[(pos - 1) & r->mask].seq, memory_order_relaxed) ==
                      pos + r->mask;
    atomic_store_explicit(&s->stamp, sample ? wp_ticks() : 0, memory_order_relaxed);
    /* release: publishes the task and stamp to the consumer of pos. */
    atomic_store_explicit(&s->seq, pos + 1, memory_order_release);
    return WP_RING_OK;
}

static WP_ALWAYS_INLINE int wp_ring_push(wp_ring *r, const wpool_task *t, uint64_t sample_mask) {
    return wp_ring_push_job(r, t, sample_mask, false, 0, NULL, NULL);
}

/* A pop found the tomb of a job with a ticket: waits while a canceller holds
 * it (a few instructions: wp_ring_cancel), then returns its final value. */
uint64_t wp_ring_settle_tomb(wp_slot *s, uint64_t tomb);

/* The pop of pos (head already moved past it) found the slot's tomb naming
 * pos: a job with a ticket. Waits for a canceller's decision; cancelled:
 * frees the slot, counts it in r->skipped and returns true (the pop goes on
 * to the next); else returns false with the job's deadline in *deadline.
 * Out of line: the fast path of a plain job only compares the tomb. */
bool wp_ring_skip_cancelled(wp_ring *r, wp_slot *s, uint64_t pos, uint64_t tomb,
                            uint64_t *deadline);

/* Takes the job at head into *out, with its stamp (0: not sampled) and its
 * deadline (0: none). False when the ring is empty, paused (unless
 * even_paused: shutdown's discards), or the job at head is not published
 * yet. Cancelled jobs are skipped: freed, counted in r->skipped, and
 * *skipped set, so that the caller wakes producers waiting for room even
 * when it returns false (the skips made room). */
static WP_ALWAYS_INLINE bool wp_ring_pop(wp_ring *r, wpool_task *out, uint64_t *stamp,
                                         uint64_t *deadline, bool even_paused, bool *skipped) {
    uint64_t pos = atomic_load_explicit(&r->head, memory_order_relaxed);
    wp_backoff contended;
    wp_backoff_init(&contended, 0, WP_RING_CAS_BACKOFF_LIMIT);
    wp_slot *s;
    for (;;) {
        s = &r->slots[pos & r->mask];
        /* acquire: pairs with the producer's release of seq = pos + 1. */
        uint64_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
        int64_t dif = (int64_t)(seq - (pos + 1));
        if (dif == 0) {
            /* wpool_pause(): relaxed is enough. A job submitted after the
             * pause returned was published after the flag was set, and our
             * acquire of its seq makes the flag visible: it stays queued.
             * The flag shares the line of `slots`, read anyway. */
            if (atomic_load_explicit(&r->paused, memory_order_relaxed) && !even_paused)
                return false;
            /* seq_cst: ordered before the consumer's look at room_wanted
             * (docs/PARKING.md, rule 3) and at the tomb below. */
            if (atomic_compare_exchange_weak_explicit(&r->head, &pos, pos + 1, memory_order_seq_cst,
                                                      memory_order_relaxed)) {
                /* seq_cst: after our head CAS, against a canceller's claim of
                 * the tomb then its look at head (wp_ring_cancel): one of us
                 * sees the other. */
                uint64_t tomb = atomic_load_explicit(&s->tomb, memory_order_seq_cst);
                *deadline = 0;
                if (WP_UNLIKELY((tomb >> WP_TOMB_SHIFT) == pos) &&
                    wp_ring_skip_cancelled(r, s, pos, tomb, deadline)) {
                    *skipped = true;
                    pos = atomic_load_explicit(&r->head, memory_order_relaxed);
                    continue;
                }
                break;
            }
            wp_backoff_spin(&contended);
        } else if (dif < 0) {
            return false; /* empty, or the job at head is not published yet */
        } else {
            pos = atomic_load_explicit(&r->head, memory_order_relaxed);
        }
    }
    *out = s->task;
    *stamp = atomic_load_explicit(&s->stamp, memory_order_relaxed);
    /* release: our reads of the slot happen before its next producer writes. */
    atomic_store_explicit(&s->seq, pos + r->mask + 1, memory_order_release);
    return true;
}

/* Cancels the job at pos if it is a job with a ticket that no consumer has
 * taken: then copies it into *out (the caller discards it) and returns true;
 * a pop skips it. False: it was taken (it runs or ran), cancelled before, or
 * pos names no ticketed job. The canceller claims the tomb, then looks at
 * head (seq_cst both), while a pop moves head, then looks at the tomb: if we
 * see head still at or before pos, the pop of pos is later and sees our
 * claim, and waits for our decision (wp_ring_settle_tomb); if not, it may
 * have read the tomb before our claim and be running the job, so we let go.
 * A rare path: a few atomics, no search, nothing on the pop's fast path. */
static inline bool wp_ring_cancel(wp_ring *r, uint64_t pos, wpool_task *out) {
    wp_slot *s = &r->slots[pos & r->mask];
    uint64_t tomb = atomic_load_explicit(&s->tomb, memory_order_relaxed);
    for (;;) {
        if ((tomb >> WP_TOMB_SHIFT) != pos || (tomb & WP_TOMB_CANCELLED)) return false;
        /* Another cancel of this ticket is deciding: its answer may be "taken,
         * let go" or "cancelled", and ours must be the same, not an early
         * "too late" while the job is still queued (found by the model:
         * docs/model, BUG_EARLY_EALREADY). Wait for it, as a pop does. */
        if (tomb & WP_TOMB_CLAIMED) {
            tomb = wp_ring_settle_tomb(s, tomb);
            continue;
        }
        /* seq_cst: the claim, ordered before our look at head (below);
         * acquire in it: the task stored before the producer's release of
         * the tomb. Lost: look again at the value that won. */
        if (atomic_compare_exchange_strong_explicit(&s->tomb, &tomb, tomb | WP_TOMB_CLAIMED,
                                                    memory_order_seq_cst, memory_order_relaxed))
            break;
    }
    if (atomic_load_explicit(&r->head, memory_order_seq_cst) > pos) {
        /* Taken. Let go, unless the slot has moved on (a new producer's tomb). */
        uint64_t claimed = tomb | WP_TOMB_CLAIMED;
        /* release: the pop waiting for us reads it (wp_ring_settle_tomb). */
        atomic_compare_exchange_strong_explicit(&s->tomb, &claimed, tomb, memory_order_release,
                                                memory_order_relaxed);
        return false;
    }
    *out = s->task;
    /* release: our read of the task happens before the pop frees the slot. */
    atomic_store_explicit(&s->tomb, tomb | WP_TOMB_CANCELLED, memory_order_release);
    return true;
}

/* The stamp of the job at head, if one is published; a hint (it may be taken
 * by another worker the next instant). Rings peeked this way stamp every job. */
static inline bool wp_ring_peek_stamp(wp_ring *r, uint64_t *stamp) {
    uint64_t pos = atomic_load_explicit(&r->head, memory_order_relaxed);
    wp_slot *s = &r->slots[pos & r->mask];
    /* acquire: the stamp read below is the one published with this seq. */
    if (atomic_load_explicit(&s->seq, memory_order_acquire) != pos + 1) return false;
    *stamp = atomic_load_explicit(&s->stamp, memory_order_relaxed);
    return true;
}

/* Whether the job at head is published (a pop would find it). Relaxed: a hint. */
static inline bool wp_ring_published(wp_ring *r) {
    uint64_t pos = atomic_load_explicit(&r->head, memory_order_relaxed);
    return atomic_load_explicit(&r->slots[pos & r->mask].seq, memory_order_relaxed) == pos + 1;
}

/* Jobs accepted so far (positions claimed, published or not). seq_cst: the
 * re-checks of rules 1 and 3 and the quiescence check of rule 4 read it. */
static inline uint64_t wp_ring_accepted(wp_ring *r) {
    return atomic_load_explicit(&r->tail, memory_order_seq_cst) & ~WP_RING_CLOSED;
}

/* Whether wpool_pause() holds the ring. seq_cst: the re-checks of rules 1
 * and 4 read it after their announcement, against wpool_resume()'s store then
 * its look at the sleep masks. */
static inline bool wp_ring_paused(wp_ring *r) {
    return atomic_load_explicit(&r->paused, memory_order_seq_cst) != 0;
}

static inline bool wp_ring_is_closed(wp_ring *r) {
    return (atomic_load_explicit(&r->tail, memory_order_relaxed) & WP_RING_CLOSED) != 0;
}

/* Jobs taken by consumers so far. seq_cst: as wp_ring_accepted(). */
static inline uint64_t wp_ring_taken(wp_ring *r) {
    return atomic_load_explicit(&r->head, memory_order_seq_cst);
}

/* Whether a job is queued or being queued. seq_cst: this is the re-check of
 * the parking protocol (docs/PARKING.md, rule 1). */
static inline bool wp_ring_nonempty(wp_ring *r) {
    uint64_t tail = wp_ring_accepted(r);
    return tail != wp_ring_taken(r);
}

/* Slots free now or as soon as the consumers that moved head past them
 * store their seq. seq_cst loads: rule 3 of docs/PARKING.md. */
static inline uint64_t wp_ring_free_slots(wp_ring *r) {
    uint64_t tail = wp_ring_accepted(r);
    uint64_t used = tail - wp_ring_taken(r);
    return used < r->capacity ? r->capacity - used : 0;
}

#endif /* WP_RING_H */
