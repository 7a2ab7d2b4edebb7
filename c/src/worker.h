/*
 * worker.h: what worker.c (the pool's threads) offers the rest of the core:
 * starting and stopping threads, waking them for new work, running a job on
 * the calling thread, and the idle count that quiescence waiters sleep on.
 */
#ifndef WP_WORKER_H
#define WP_WORKER_H

#include "core.h"

#include <stdbool.h>
#include <stddef.h>

/* Starts w's thread (a regular worker, or a temporary one in slot w). */
int wp_thread_start(wpool *p, wp_worker *w);

/* Starts a temporary worker, a spare (parks at once) or one for waiting High
 * work (starts busy): WPOOL_OK, WPOOL_EAGAIN (the limit is reached, or the
 * system refused) or WPOOL_ENOMEM. Only wpool_create and the spawner call it. */
int wp_spawn_temp(wpool *p, bool spare);

/* The spawner thread: started by wpool_create when max_temp_workers > 0;
 * stopped (woken and joined) by teardown after it stored `stop`. */
int wp_spawner_start(wpool *p);
void wp_spawner_stop(wpool *p);

/* Asks the spawner to look at what is wanted: a temporary worker for High
 * work that waits with every thread busy, or spares to replace. */
void wp_spawn_request(wpool *p);

/* After `jobs` jobs were queued at prio: wakes parked workers for them, and
 * for High work starts a temporary worker when every thread is busy (rule 1). */
void wp_notify(wpool *p, int prio, size_t jobs);

/* wpool_destroy: wakes w after `stop` was stored (rule 2). */
void wp_wake_for_stop(wp_worker *w);

/* Runs one queued job on the caller, if it is a busy worker of p with stack
 * to spare. False when it ran nothing. */
bool wp_help_one(wpool *p);

/* busy--, then wakes the quiescence waiters if there are any (rule 4). */
void wp_mark_idle(wpool *p);

/* After jobs finished on a thread not counted busy (rule 4). */
void wp_wake_quiescence_waiters(wpool *p);

/* Teardown: waits until every retired temporary worker has left its stop hook. */
void wp_wait_exiting_temps(wpool *p);

/* The worker running the calling thread, or NULL. */
wp_worker *wp_current_worker(void);

#endif /* WP_WORKER_H */
