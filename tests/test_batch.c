/*
 * test_batch.c: a backlog submitted in one batch behind a job that blocks its
 * worker, with two workers: no job is stranded behind the blocked one, none
 * runs twice, a shutdown that gives up discards every job not started before
 * it returns, and jobs start in FIFO order within their level: with one free
 * worker, exactly their submission order (issue 9, defect 5: when a worker
 * took several jobs with one CAS and kept the extras, the oldest of 40 jobs
 * started 37th, behind newer ones a free worker took from the ring).
 *
 * Every round queues a gate job followed by a large backlog in one batch
 * submit, so the first worker to wake sees the whole backlog.
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
 * started before it returns. */
static void unstarted_jobs_discarded(void) {
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

/* Worker 0 is blocked in a gate job; worker 1 takes the first job of a
 * backlog, which blocks too. Once worker 0 is free, it starts the other jobs
 * in exactly their submission order. */
#define FIFO_JOBS 40
static atomic_int start_rank[FIFO_JOBS];
static atomic_int next_rank;
static test_gate batch_gate;

static void ranked_job(void *arg) {
    intptr_t i = (intptr_t)arg;
    atomic_store(&start_rank[i], atomic_fetch_add(&next_rank, 1));
    if (i == 0) gate_job(&batch_gate);
}

static void backlog_starts_in_order(wpool_priority prio) {
    for (int round = 0; round < 5; round++) {
        wpool *p = two_parked_workers();
        test_gate first;
        gate_init(&first);
        gate_init(&batch_gate);
        atomic_store(&next_rank, 0);
        for (int i = 0; i < FIFO_JOBS; i++)
            atomic_store(&start_rank[i], -1);
        CHECK_OK(wpool_submit(p, prio, gate_job, &first));
        WAIT_GATE_ENTERED(&first, 1);
        static wpool_task tasks[FIFO_JOBS];
        for (int i = 0; i < FIFO_JOBS; i++)
            tasks[i] = (wpool_task){ranked_job, NULL, (void *)(intptr_t)i};
        CHECK_OK(wpool_submit_batch(p, prio, tasks, FIFO_JOBS, WPOOL_FOREVER, NULL));
        WAIT_GATE_ENTERED(&batch_gate, 1); /* job 0 holds up the other worker */
        gate_open(&first);
        CHECK_EVENTUALLY(atomic_load(&next_rank) == FIFO_JOBS, 10000);
        for (int i = 1; i < FIFO_JOBS; i++)
            CHECK_EQ(atomic_load(&start_rank[i]), i);
        gate_open(&batch_gate);
        CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
        CHECK_STATS_BALANCED(get_stats(p));
        wpool_destroy(p);
    }
}

int main(void) {
    test_watchdog("batch", 60);
    backlog_starts_in_order(WPOOL_NORMAL);
    backlog_starts_in_order(WPOOL_LOW);
    no_job_stranded(WPOOL_NORMAL);
    no_job_stranded(WPOOL_LOW);
    unstarted_jobs_discarded();
    test_summary("batch");
    return 0;
}
