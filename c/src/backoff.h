/*
 * backoff.h: the one way wpool waits briefly without a system call (after
 * crossbeam's Backoff and ConcurrencyKit's ck_backoff_eb).
 *
 * spin(): 2^step pauses, doubling on each call up to 2^limit, never giving the
 * CPU away: for waits of a few hundred cycles (a lost CAS, polling a slot).
 * snooze(): the same pauses, then yields the CPU (wp_os_yield) on every call once they have
 * reached 2^limit: for a wait on a thread that may have been preempted (a
 * lock holder, a producer between its claim and its publish).
 *
 * A poll loop that pauses the same amount between its checks starts and stays
 * at one step: wp_backoff_init(&b, s, s).
 */
#ifndef WP_BACKOFF_H
#define WP_BACKOFF_H

#include "arch.h"
#include "os.h"

/* The usual limit for snooze(): 1, 2, 4 ... 64 pauses (2^6; about 1-3 us on
 * x86), then yield. The waits it serves are a few instructions long (a lock's
 * critical section, a producer's stores between claim and publish): a thread
 * not done after that was preempted, and only yielding lets it finish. */
#define WP_BACKOFF_SNOOZE_LIMIT 6

typedef struct wp_backoff {
    unsigned step;  /* the next wait is 2^step pauses */
    unsigned limit; /* spin: the largest step; snooze: yield past it */
} wp_backoff;

static inline void wp_backoff_init(wp_backoff *b, unsigned first_step, unsigned limit) {
    b->step = first_step;
    b->limit = limit;
}

static inline void wp_backoff_pause(unsigned pauses) {
    for (unsigned i = 0; i < pauses; i++)
        wp_cpu_relax();
}

static inline void wp_backoff_spin(wp_backoff *b) {
    wp_backoff_pause(1u << b->step);
    if (b->step < b->limit) b->step++;
}

static inline void wp_backoff_snooze(wp_backoff *b) {
    if (b->step <= b->limit) {
        wp_backoff_pause(1u << b->step);
        b->step++;
    } else {
        wp_os_yield();
    }
}

#endif /* WP_BACKOFF_H */
