/*
 * room.c: a producer waiting for room in a full ring (rule 3 of
 * docs/PARKING.md), and shutdown's release of the producers waiting. The
 * consumers' half, wp_room_wake(), is inline in room.h: it runs after every
 * pop.
 *
 * A lone producer parks at once: draining three quarters of a ring takes tens
 * of microseconds, and spinning through them slowed the consumer by a fifth
 * here. When another producer is already waiting, it first polls for up to
 * WP_ROOM_SPIN_NS (one slot line, not `head`): parked producers woken together
 * preempt the workers and refill in a contended burst, which measured twice
 * as slow with two producers on two CPUs.
 */
#include "room.h"

#include "backoff.h"
#include "clock.h"
#include "core.h"
#include "os.h"
#include "worker.h"

/* How long a producer waiting for room beside another one polls first, and
 * how long it pauses between its looks at the slot and the clock: 2^4 = 16
 * pauses. */
#define WP_ROOM_SPIN_NS   8000u
#define WP_ROOM_POLL_STEP 4
/* A parked producer re-checks for any room after this long, doubling up to
 * the maximum while it stays parked. */
#define WP_ROOM_PATIENCE_NS     1000000u
#define WP_ROOM_PATIENCE_MAX_NS 64000000u

int wp_room_wait(wpool *p, int prio, const wpool_task *t, uint64_t deadline, wp_job_extra *job) {
    wp_ring *r = &p->rings[prio];
    uint64_t threshold = wp_room_threshold(r);
    uint64_t patience = WP_ROOM_PATIENCE_NS;
    bool spun = false;
    int rc;
    atomic_fetch_add_explicit(&r->room_waiters, 1, memory_order_relaxed);
    for (;;) {
        rc = job ? wp_ring_push_job(r, t, r->sample_mask, true, job->deadline, job->deadlines,
                                    &job->pos)
                 : wp_ring_push(r, t, r->sample_mask);
        if (rc != WP_RING_FULL) break;
        if (deadline != UINT64_MAX && wp_now_ns() >= deadline) {
            rc = WP_RING_TIMED_OUT;
            break;
        }
        /* A job of this pool waiting for room runs queued jobs meanwhile, so
         * jobs that submit cannot deadlock a pool whose queues are full. */
        if (wp_help_one(p)) continue;
        if (!spun && atomic_load_explicit(&r->room_waiters, memory_order_relaxed) > 1) {
            spun = true;
            uint64_t until = wp_now_ns() + WP_ROOM_SPIN_NS;
            wp_backoff poll;
            wp_backoff_init(&poll, WP_ROOM_POLL_STEP, WP_ROOM_POLL_STEP);
            while (!wp_room_hint(r) && wp_now_ns() < until)
                wp_backoff_spin(&poll);
            continue;
        }
        /* seq_cst: read before P1, so a wake-up after P1 changes it and our
         * futex wait returns at once. */
        uint32_t epoch = atomic_load_explicit(&r->room_epoch, memory_order_seq_cst);
        /* seq_cst (P1): ordered before our re-check of head (P2). */
        atomic_store_explicit(&r->room_wanted, 1, memory_order_seq_cst);
        /* Relaxed: a shutdown that bumped the epoch before we read it closed
         * the ring before that, and our seq_cst read synchronized with it; one
         * that bumps it later ends our wait. */
        if (wp_ring_is_closed(r)) continue;
        uint64_t free_slots = wp_ring_free_slots(r); /* P2: seq_cst loads */
        if (free_slots >= threshold || (free_slots > 0 && patience > WP_ROOM_PATIENCE_NS)) {
            /* Head says there is room (enough of it, or any after a timed
             * wait), yet the push found the slot at tail still full: its
             * consumer has taken it but was preempted before freeing it. */
            wp_os_yield();
            continue;
        }
        /* Consumers wake us once the threshold is free. If they stop short
         * of it (say, a job waits for something only this producer will
         * make), the timed wait takes whatever room there is, late but surely. */
        atomic_fetch_add_explicit(&p->parks, 1, memory_order_relaxed);
        uint64_t wake_at = wp_now_ns() + patience;
        bool timed_out = wp_park_wait(&r->room_epoch, epoch,
                                      wake_at < deadline ? wake_at : deadline) == WP_PARK_TIMEDOUT;
        if (timed_out && patience < WP_ROOM_PATIENCE_MAX_NS) patience *= 2;
    }
    atomic_fetch_sub_explicit(&r->room_waiters, 1, memory_order_relaxed);
    return rc == WP_RING_OK ? WPOOL_OK : rc == WP_RING_IS_CLOSED ? WPOOL_ECLOSED : WPOOL_ETIMEDOUT;
}

void wp_room_release(wp_ring *r) {
    /* Relaxed: no consumer need wake anyone for this ring any more; the epoch
     * bump below is what ends the waits. */
    atomic_store_explicit(&r->room_wanted, 0, memory_order_relaxed);
    /* seq_cst: a producer that read the old epoch has its futex wait return;
     * one that reads the new one also sees the ring closed (closed before). */
    atomic_fetch_add_explicit(&r->room_epoch, 1, memory_order_seq_cst);
    wp_park_wake(&r->room_epoch, WP_PARK_ALL);
    if (r->on_room) r->on_room(r->room_ctx, r->prio);
}

int wp_room_want(wp_ring *r) {
    /* seq_cst (P1): as a parking producer's store (wp_room_wait), ordered
     * before the look at head below (P2), against a consumer's head CAS
     * (C1) then its look at room_wanted (C2): either that consumer sees the
     * flag and calls on_room once the threshold is free, or we see its pop. */
    atomic_store_explicit(&r->room_wanted, 1, memory_order_seq_cst);
    /* seq_cst: a shutdown that closed the ring before our flag may have
     * called on_room before it too; one that closes it later calls on_room
     * after. */
    if (atomic_load_explicit(&r->tail, memory_order_seq_cst) & WP_RING_CLOSED) return WPOOL_ECLOSED;
    return wp_ring_free_slots(r) >= wp_room_threshold(r) ? 1 : WPOOL_OK; /* P2 */
}
