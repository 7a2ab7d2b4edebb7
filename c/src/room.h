/*
 * room.h: producers waiting for room in a full ring, and their wake-up (rule
 * 3 of docs/PARKING.md). The producer's wait is wp_room_wait() (room.c);
 * consumers call wp_room_wake() after each pop, and shutdown calls
 * wp_room_release() after closing the ring. The words are the ring's
 * room_wanted, room_waiters and room_epoch (ring.h).
 *
 * A full ring is refilled only once three quarters of it are free again:
 * retrying as soon as one slot frees keeps the producer writing the very
 * lines the consumer is emptying, in lockstep (measured: 3x slower), and the
 * distance keeps the two sides' cache lines apart.
 */
#ifndef WP_ROOM_H
#define WP_ROOM_H

#include "wpool.h"

#include "os.h"
#include "ring.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* A producer parked for room is woken once this many slots are free: 3/4 of
 * the ring. */
static inline uint64_t wp_room_threshold(const wp_ring *r) {
    return r->capacity - r->capacity / 4;
}

/* Whether at least wp_room_threshold() slots are free, or the ring is closed,
 * judged from the slot that many positions past tail: it is free for this lap
 * once its seq has moved on. Relaxed: a hint for spinning, which reads a line
 * no consumer is writing right now, not `head`, which every pop writes. */
static inline bool wp_room_hint(wp_ring *r) {
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    if (tail & WP_RING_CLOSED) return true;
    uint64_t last = tail + wp_room_threshold(r) - 1;
    uint64_t seq = atomic_load_explicit(&r->slots[last & r->mask].seq, memory_order_relaxed);
    return (int64_t)(seq - last) >= 0;
}

/* Called after every successful pop from r: if a producer is parked waiting
 * for room and the threshold is free, wake it. The threshold amortizes the
 * wake-up over many jobs instead of paying a system call per pop while the
 * ring is nearly full. One load of a read-mostly line per job otherwise. */
static inline void wp_room_wake(wp_ring *r) {
    /* seq_cst (C2): ordered after our head CAS (C1), against the producer's
     * store of room_wanted (P1) and its re-check of head (P2). */
    if (atomic_load_explicit(&r->room_wanted, memory_order_seq_cst) &&
        wp_ring_free_slots(r) >= wp_room_threshold(r) &&
        /* seq_cst: whoever swaps the 1 for 0 owns this wake-up: one system
         * call per refill, not one per consumer. */
        atomic_exchange_explicit(&r->room_wanted, 0, memory_order_seq_cst)) {
        /* seq_cst: after the producer's read of the epoch, so its futex wait
         * returns (rule 3). */
        atomic_fetch_add_explicit(&r->room_epoch, 1, memory_order_seq_cst);
        wp_park_wake(&r->room_epoch, WP_PARK_ALL);
        /* And the submitters that cannot block (wpool_want_room). */
        if (r->on_room) r->on_room(r->room_ctx, r->prio);
    }
}

/* Shutdown, after closing r: wakes every producer waiting for room; each
 * finds the ring closed and returns WPOOL_ECLOSED. */
void wp_room_release(wp_ring *r);

/* wpool_want_room(): asks for r's on_room call once the threshold is free
 * (P1, P2 of rule 3, without the wait). */
int wp_room_want(wp_ring *r);

/* Waits for room in the ring of prio until the wp_now_ns() deadline
 * (UINT64_MAX: none) and queues *t, with a ticket when job is not NULL.
 * Returns WPOOL_OK, WPOOL_ETIMEDOUT or WPOOL_ECLOSED. */
int wp_room_wait(wpool *p, int prio, const wpool_task *t, uint64_t deadline, wp_job_extra *job);

#endif /* WP_ROOM_H */
