/* ring.c: allocation and closing of the job rings (the hot paths are inline in ring.h). */
#include "ring.h"

#include "os.h"

#include <string.h>

int wp_ring_init(wp_ring *r, uint32_t capacity) {
    memset(r, 0, sizeof *r);
    r->slots = wp_os_alloc((size_t)capacity * sizeof(wp_slot));
    if (!r->slots) return WPOOL_ENOMEM;
    r->capacity = capacity;
    r->mask = capacity - 1u;
    for (uint32_t i = 0; i < capacity; i++) {
        atomic_init(&r->slots[i].seq, i);
        atomic_init(&r->slots[i].stamp, 0);
        atomic_init(&r->slots[i].tomb, WP_TOMB_NONE);
        r->slots[i].task = (wpool_task){NULL, NULL, NULL};
    }
    atomic_init(&r->tail, 0);
    atomic_init(&r->head, 0);
    atomic_init(&r->room_wanted, 0);
    atomic_init(&r->room_waiters, 0);
    atomic_init(&r->room_epoch, 0);
    atomic_init(&r->skipped, 0);
    atomic_init(&r->paused, 0);
    atomic_init(&r->deadlines, NULL);
    return WPOOL_OK;
}

uint64_t *wp_ring_deadlines(wp_ring *r) {
    /* acquire: pairs with the winning CAS below, so the table is initialized. */
    uint64_t *table = atomic_load_explicit(&r->deadlines, memory_order_acquire);
    if (table) return table;
    uint64_t *mine = wp_os_alloc((size_t)r->capacity * sizeof(uint64_t));
    if (!mine) return NULL;
    memset(mine, 0, (size_t)r->capacity * sizeof(uint64_t));
    /* acq_rel: publishes our table, or acquires the one that won. */
    if (atomic_compare_exchange_strong_explicit(&r->deadlines, &table, mine, memory_order_acq_rel,
                                                memory_order_acquire))
        return mine;
    wp_os_free(mine);
    return table;
}

WP_NOINLINE uint64_t wp_ring_settle_tomb(wp_slot *s, uint64_t tomb) {
    wp_backoff b;
    wp_backoff_init(&b, 0, WP_BACKOFF_SNOOZE_LIMIT);
    while (tomb & WP_TOMB_CLAIMED) {
        wp_backoff_snooze(&b);
        /* acquire: pairs with the canceller's release of its decision, so
         * its read of the task is done before we free the slot. */
        tomb = atomic_load_explicit(&s->tomb, memory_order_acquire);
    }
    return tomb;
}

WP_NOINLINE bool wp_ring_skip_cancelled(wp_ring *r, wp_slot *s, uint64_t pos, uint64_t tomb,
                                        uint64_t *deadline) {
    tomb = wp_ring_settle_tomb(s, tomb);
    if (tomb & WP_TOMB_CANCELLED) {
        /* release: our reads of the slot happen before its next producer
         * writes (as wp_ring_pop); the canceller already discarded it. */
        atomic_store_explicit(&s->seq, pos + r->mask + 1, memory_order_release);
        /* release: read by quiescent() for a paused ring (rule 4). */
        atomic_fetch_add_explicit(&r->skipped, 1, memory_order_release);
        return true;
    }
    /* relaxed: the table pointer and entry were written before the
     * producer's release of seq, which the pop acquired. */
    if (tomb & WP_TOMB_DEADLINE)
        *deadline = atomic_load_explicit(&r->deadlines, memory_order_relaxed)[pos & r->mask];
    return false;
}

void wp_ring_destroy(wp_ring *r) {
    wp_os_free(r->slots);
    r->slots = NULL;
    wp_os_free(atomic_load_explicit(&r->deadlines, memory_order_relaxed));
    atomic_store_explicit(&r->deadlines, NULL, memory_order_relaxed);
}

uint64_t wp_ring_close(wp_ring *r) {
    /* seq_cst: a producer whose claim is ordered after this sees the bit and
     * fails; one ordered before has its job counted in the returned tail. */
    return atomic_fetch_or_explicit(&r->tail, WP_RING_CLOSED, memory_order_seq_cst) &
           ~WP_RING_CLOSED;
}
