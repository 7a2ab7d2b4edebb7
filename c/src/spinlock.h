/*
 * spinlock.h: a test-and-test-and-set spinlock for critical sections of a few
 * instructions (the temporary-worker slot table). Waiters spin on a plain load
 * (the line stays shared until the holder releases), back off exponentially
 * with the CPU's pause instruction, then yield the CPU: never an unbounded
 * busy spin, never a system call while the lock is free.
 */
#ifndef WP_SPINLOCK_H
#define WP_SPINLOCK_H

#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>

#if defined(__x86_64__) || defined(__i386__)
#define wp_cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__) || defined(__arm__)
#define wp_cpu_relax() __asm__ __volatile__("yield" ::: "memory")
#else
#define wp_cpu_relax() atomic_signal_fence(memory_order_seq_cst)
#endif

/* Exponential backoff: 1, 2, 4 ... 64 pauses, then sched_yield() each round. */
typedef struct wp_backoff {
    unsigned step;
} wp_backoff;

#define WP_BACKOFF_SPIN_LIMIT 6 /* 2^6 = 64 pauses: about 1-3 us on x86 */

static inline void wp_backoff_init(wp_backoff *b) {
    b->step = 0;
}

/* True once backoff has moved on to yielding: the caller may park instead. */
static inline bool wp_backoff_is_yielding(const wp_backoff *b) {
    return b->step > WP_BACKOFF_SPIN_LIMIT;
}

static inline void wp_backoff_snooze(wp_backoff *b) {
    if (b->step <= WP_BACKOFF_SPIN_LIMIT) {
        for (unsigned i = 0; i < (1u << b->step); i++)
            wp_cpu_relax();
    } else {
        sched_yield();
    }
    if (b->step <= WP_BACKOFF_SPIN_LIMIT + 4) b->step++;
}

typedef struct wp_spinlock {
    atomic_bool locked;
} wp_spinlock;

static inline void wp_spin_init(wp_spinlock *l) {
    atomic_init(&l->locked, false);
}

static inline void wp_spin_lock(wp_spinlock *l) {
    wp_backoff b;
    wp_backoff_init(&b);
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
