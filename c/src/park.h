/*
 * park.h: block a thread on a 32-bit atomic word until another thread changes
 * it and wakes it (Linux futex; a hashed mutex/condvar table elsewhere).
 * The protocols built on top (docs/PARKING.md) never rely on a wake-up alone:
 * the waiter always re-checks its condition, so spurious returns are fine.
 */
#ifndef WP_PARK_H
#define WP_PARK_H

#include <stdatomic.h>
#include <stdint.h>

#define WP_PARK_TIMEDOUT 1

/* Blocks while *word == expected, at most until the CLOCK_MONOTONIC deadline
 * (UINT64_MAX: none). Returns 0 (woken, spurious, or *word != expected) or
 * WP_PARK_TIMEDOUT once the deadline has passed. */
int wp_park_wait(_Atomic uint32_t *word, uint32_t expected, uint64_t deadline_ns);

/* wp_park_wake's count that wakes every waiter. */
#define WP_PARK_ALL INT32_MAX

/* Wakes up to `count` threads blocked on word (WP_PARK_ALL: all). The caller
 * has changed *word (or what the waiters re-check) before calling. */
void wp_park_wake(_Atomic uint32_t *word, int count);

#endif /* WP_PARK_H */
