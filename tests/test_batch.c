/*
 * test_batch.c: jobs a worker takes as a batch (with a backlog it takes up to
 * WP_BATCH at once) are never stranded behind a long job, never run twice, and
 * are discarded by a shutdown that gives up, before it returns.
 *
 * Every round queues a gate job followed by a large backlog in one batch
 * submit, so the first worker to wake sees the whole backlog and batches the
 * gate job with the jobs right behind it.
 */
#include "test_util.h"

#include <wpool.h>

#define JOBS  400
#define ROUND 20

static atomic_int runs[JOBS];
static atomic_int discards[JOBS];
static atomic_int done;

static void count_run(void *arg) {
    atomic_fetch_add(&runs[(intptr_t)arg], 1);
    atomic_fetch_add(&done, 1);
}
static void count_discard(void *arg) {
    atomic_fetch_add(&discards[(intptr_t)arg], 1);
}

static void reset(void) {
    for (int i = 0; i < JOBS; i++) {
        atomic_store(&runs[i], 0);
        atomic_store(&discards[i], 0);
    }
    atomic_store(&done, 0);
}

/* Fills tasks[]: a gate job, then JOBS counted jobs. */
static void make_tasks(wpool_task *tasks, test_gate *gate) {
    tasks[0] = (wpool_task){gate_job, NULL, gate};
    for (int i = 0; i < JOBS; i++)
        tasks[i + 1] = (wpool_task){count_run, count_discard, (void *)(intptr_t)i};
}

/* A pool of two workers, both parked, no temporary workers. */
static wpool *two_parked_workers(void) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 2;
    cfg.max_temp_workers = 0;
    wpool *p = make_pool(&cfg);
    CHECK_OK(wpool_wait_idle(p, 10 * SEC_NS));
    sleep_ms(2); /* past the workers' polling: parked */
    return p;
}

/* With one worker blocked in a gate job, the other runs every other job,
 * including any the blocked one took in the same batch as the gate job. */
static void no_job_stranded(wpool_priority prio) {
    for (int round = 0; round < ROUND; round++) {
        wpool *p = two_parked_workers();
        test_gate gate;
        gate_init(&gate);
        reset();
        static wpool_task tasks[JOBS + 1];
        make_tasks(tasks, &gate);
        size_t accepted = 0;
        CHECK_OK(wpool_submit_batch(p, prio, tasks, JOBS + 1, WPOOL_FOREVER, &accepted));
        CHECK_EQ(accepted, JOBS + 1);
        CHECK_EVENTUALLY(atomic_load(&done) == JOBS, 10000);
        CHECK_EQ(atomic_load(&gate.left), 0); /* all ran while the gate job was held up */
        CHECK_EVENTUALLY(gate_entered(&gate) == 1, 10000);
        gate_open(&gate);
        CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
        for (int i = 0; i < JOBS; i++) {
            CHECK_EQ(atomic_load(&runs[i]), 1);
            CHECK_EQ(atomic_load(&discards[i]), 0);
        }
        wpool_stats s = get_stats(p);
        CHECK_STATS_BALANCED(s);
        wpool_destroy(p);
    }
}

/* With both workers blocked, a shutdown that times out discards every job not
 * started, held ones included, before it returns. */
static void held_jobs_discarded(void) {
    for (int round = 0; round < ROUND; round++) {
        wpool *p = two_parked_workers();
        test_gate gate;
        gate_init(&gate);
        reset();
        static wpool_task tasks[2 * (JOBS + 1)];
        /* Two gate jobs, each followed by half the counted jobs. */
        tasks[0] = (wpool_task){gate_job, NULL, &gate};
        for (int i = 0; i < JOBS / 2; i++)
            tasks[1 + i] = (wpool_task){count_run, count_discard, (void *)(intptr_t)i};
        tasks[1 + JOBS / 2] = (wpool_task){gate_job, NULL, &gate};
        for (int i = JOBS / 2; i < JOBS; i++)
            tasks[2 + i] = (wpool_task){count_run, count_discard, (void *)(intptr_t)i};
        /* The counted jobs must not run: block both workers first. */
        CHECK_OK(wpool_submit_batch(p, WPOOL_LOW, tasks, JOBS + 2, WPOOL_FOREVER, NULL));
        CHECK_EVENTUALLY(gate_entered(&gate) == 2 || atomic_load(&done) > 0, 10000);
        int ran_before = atomic_load(&done);
        CHECK_RC(wpool_shutdown(p, 50 * MS_NS), WPOOL_ETIMEDOUT);
        /* Right after the return: every job is run or discarded, exactly once. */
        int ran = 0, dropped = 0;
        for (int i = 0; i < JOBS; i++) {
            int r = atomic_load(&runs[i]), d = atomic_load(&discards[i]);
            CHECK_EQ(r + d, 1);
            ran += r;
            dropped += d;
        }
        CHECK_EQ(ran + dropped, JOBS);
        CHECK(ran >= ran_before);
        gate_open(&gate);
        CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
        wpool_stats s = get_stats(p);
        CHECK_STATS_BALANCED(s);
        CHECK_EQ(s.discarded[WPOOL_LOW], (uint64_t)dropped);
        wpool_destroy(p);
    }
}

int main(void) {
    test_watchdog("batch", 60);
    no_job_stranded(WPOOL_NORMAL);
    no_job_stranded(WPOOL_LOW);
    held_jobs_discarded();
    test_summary("batch");
    return 0;
}
