/*
 * spinlock.h: a test-and-test-and-set spinlock for critical sections of a few
 * instructions (the temporary-worker slot table). Waiters spin on a plain load
 * (the line stays shared until the holder releases) and snooze (backoff.h):
 * never an unbounded busy spin, never a system call while the lock is free.
 */
#ifndef WP_SPINLOCK_H
#define WP_SPINLOCK_H

#include "backoff.h"

#include <stdatomic.h>
#include <stdbool.h>

typedef struct wp_spinlock {
    atomic_bool locked;
} wp_spinlock;

static inline void wp_spin_init(wp_spinlock *l) {
    atomic_init(&l->locked, false);
}

static inline void wp_spin_lock(wp_spinlock *l) {
    wp_backoff b;
    wp_backoff_init(&b, 0, WP_BACKOFF_SNOOZE_LIMIT);
    for (;;) {
        /* acquire: the holder's writes inside the section happen before ours. */
        if (!atomic_exchange_explicit(&l->locked, true, memory_order_acquire)) return;
        /* Test before test-and-set: spin on a shared read, not on a write. */
        while (atomic_load_explicit(&l->locked, memory_order_relaxed))
            wp_backoff_snooze(&b);
    }
}

static inline void wp_spin_unlock(wp_spinlock *l) {
    /* release: publishes the section's writes to the next holder. */
    atomic_store_explicit(&l->locked, false, memory_order_release);
}

#endif /* WP_SPINLOCK_H */
