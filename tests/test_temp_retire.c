/*
 * test_temp_retire: a temporary worker's retirement strands neither High work
 * nor a quiescence waiter (issue 9, defects 1 and 4).
 *
 * Both cases use one regular worker held in a gate job, max_temp_workers = 1
 * and temp_idle_ms = 0, so that the one temporary worker retires as soon as
 * its High job is done, and a stop hook that the test controls.
 *
 * - The slot of a retired temporary worker is free at once: while that worker
 *   is still in its stop hook, a High job submitted with every regular worker
 *   busy starts a new temporary worker and runs, without waiting for the hook
 *   to return or for a regular worker (before the fix: it waited for the
 *   regular worker, forever if that one waited for it).
 * - A thread counted idle runs no job: wpool_help() called from a retired
 *   temporary worker's stop hook returns 0, the High job that hook submitted
 *   runs on another temporary worker, and a wpool_wait_idle(FOREVER) waiter
 *   returns once it is done (before the fix: the hook ran it with no wake-up
 *   for the waiter, which slept forever).
 */
#include "test_util.h"

enum { HOOK_BLOCK = 1, HOOK_SUBMIT_AND_HELP = 2 };

static atomic_int hook_mode;
static atomic_int temp_stops;      /* temporary workers' stop hooks entered */
static atomic_int temp_stops_done; /* ... and returned */
static atomic_int release_hooks;   /* blocked stop hooks may return */
static atomic_int hook_help_rc = -100;
static wpool *hook_pool;

static atomic_int high_runs[4];
static test_gate regular_gate;

static void high_job(void *arg) {
    atomic_fetch_add(&high_runs[(intptr_t)arg], 1);
}

/* Submitted by the stop hook: frees the regular worker, then stays running
 * long enough that the regular worker goes idle first. */
static void slow_high_job(void *arg) {
    gate_open(&regular_gate);
    CHECK_EVENTUALLY(atomic_load(&regular_gate.left) == 1, 10000);
    sleep_ms(30);
    atomic_fetch_add(&high_runs[(intptr_t)arg], 1);
}

static void stop_hook(void *ctx, unsigned index, int temporary) {
    (void)ctx;
    (void)index;
    if (!temporary) return;
    int first = atomic_fetch_add(&temp_stops, 1) == 0;
    if (first && atomic_load(&hook_mode) == HOOK_SUBMIT_AND_HELP) {
        CHECK_OK(wpool_submit(hook_pool, WPOOL_HIGH, slow_high_job, (void *)(intptr_t)1));
        atomic_store(&hook_help_rc, wpool_help(hook_pool));
    }
    while (!atomic_load(&release_hooks))
        sleep_us(200);
    atomic_fetch_add(&temp_stops_done, 1);
}

/* One regular worker, busy in a gate job; one temporary slot, TTL 0. */
static wpool *one_busy_worker(int mode) {
    atomic_store(&hook_mode, mode);
    atomic_store(&temp_stops, 0);
    atomic_store(&temp_stops_done, 0);
    atomic_store(&release_hooks, mode != HOOK_BLOCK);
    atomic_store(&hook_help_rc, -100);
    for (int i = 0; i < 4; i++)
        atomic_store(&high_runs[i], 0);
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.max_temp_workers = 1;
    cfg.temp_spares = 0; /* the one temporary worker retires */
    cfg.temp_idle_ms = 0;
    cfg.on_thread_stop = stop_hook; /* temporary threads only: none before the gate */
    wpool *p = gated_pool(&cfg, WPOOL_NORMAL, &regular_gate);
    hook_pool = p;
    return p;
}

static void slot_free_while_stop_hook_runs(void) {
    for (int round = 0; round < 5; round++) {
        wpool *p = one_busy_worker(HOOK_BLOCK);
        CHECK_OK(wpool_submit(p, WPOOL_HIGH, high_job, (void *)(intptr_t)0));
        CHECK_EVENTUALLY(atomic_load(&high_runs[0]) == 1, 10000);
        /* The temporary worker retired and sits in its stop hook. */
        CHECK_EVENTUALLY(atomic_load(&temp_stops) == 1, 10000);
        CHECK_EQ(get_stats(p).temp_workers, 0);
        CHECK_OK(wpool_submit(p, WPOOL_HIGH, high_job, (void *)(intptr_t)1));
        /* Runs on a second temporary worker while the first is still in its
         * hook and the regular worker is still in the gate. */
        CHECK_EVENTUALLY(atomic_load(&high_runs[1]) == 1, 10000);
        CHECK_EQ(atomic_load(&regular_gate.left), 0);
        CHECK_EQ(atomic_load(&temp_stops_done), 0);
        wpool_stats s = get_stats(p);
        CHECK_EQ(s.temp_spawned, 2);
        CHECK_EQ(s.temp_spawn_failures, 0);
        atomic_store(&release_hooks, 1);
        gate_open(&regular_gate);
        CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
        s = get_stats(p);
        CHECK_STATS_BALANCED(s);
        CHECK_EQ(s.completed[WPOOL_HIGH], 2);
        wpool_destroy(p);
        CHECK_EQ(atomic_load(&high_runs[0]), 1);
        CHECK_EQ(atomic_load(&high_runs[1]), 1);
    }
}

static atomic_int waiter_done;
static atomic_int waiter_rc;

static void *idle_waiter(void *arg) {
    atomic_store(&waiter_rc, wpool_wait_idle((wpool *)arg, WPOOL_FOREVER));
    atomic_store(&waiter_done, 1);
    return NULL;
}

static void stop_hook_help_keeps_waiters_awake(void) {
    for (int round = 0; round < 5; round++) {
        wpool *p = one_busy_worker(HOOK_SUBMIT_AND_HELP);
        atomic_store(&waiter_done, 0);
        pthread_t waiter;
        CHECK_EQ(pthread_create(&waiter, NULL, idle_waiter, p), 0);
        /* The temporary worker runs this, retires, and its stop hook submits
         * slow_high_job, which releases the regular worker. */
        CHECK_OK(wpool_submit(p, WPOOL_HIGH, high_job, (void *)(intptr_t)0));
        CHECK_EVENTUALLY(atomic_load(&waiter_done), 10000);
        CHECK_OK(atomic_load(&waiter_rc));
        CHECK_EQ(pthread_join(waiter, NULL), 0);
        CHECK_EQ(atomic_load(&hook_help_rc), 0); /* an idle-counted thread runs no job */
        CHECK_EQ(atomic_load(&high_runs[0]), 1);
        CHECK_EQ(atomic_load(&high_runs[1]), 1);
        wpool_stats s = get_stats(p);
        CHECK_EQ(s.completed[WPOOL_HIGH], 2);
        CHECK_EQ(s.completed[WPOOL_NORMAL], 1);
        CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
        CHECK_STATS_BALANCED(get_stats(p));
        wpool_destroy(p);
    }
}

/* With an argument, runs only the case of that name. */
int main(int argc, char **argv) {
    test_watchdog("test_temp_retire", 100);
    if (argc < 2 || strcmp(argv[1], "slot_free_while_stop_hook_runs") == 0)
        slot_free_while_stop_hook_runs();
    if (argc < 2 || strcmp(argv[1], "stop_hook_help_keeps_waiters_awake") == 0)
        stop_hook_help_keeps_waiters_awake();
    test_summary("test_temp_retire");
    return 0;
}
