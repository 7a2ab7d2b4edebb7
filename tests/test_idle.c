/*
 * test_idle: a pool with nothing to do uses no CPU (no tickers, no unbounded
 * spinning). Process CPU time over 500 ms of idleness must stay below 20 ms
 * (a property bound with a wide margin, not a speed benchmark):
 * - 2 workers, settled after 10000 jobs;
 * - the same with a temporary worker alive and idle (long temp_idle_ms);
 * - threads blocked in the pool: a submitter waiting for room (wpool_submit
 *   and wpool_submit_timeout) and a wpool_wait_idle caller, while the only
 *   worker is blocked in a job that sleeps on a condition variable.
 */
#include "test_util.h"

#define IDLE_WINDOW_MS 500
#define CPU_BOUND_MS   20

static uint64_t cpu_ns(void) {
    return test_process_cpu_ns();
}

/* The CPU clock works: a busy loop is seen using CPU (else every bound below
 * would hold trivially, as on an emulator that reports no CPU time). */
static void cpu_clock_calibration(void) {
    uint64_t c0 = cpu_ns(), deadline = now_ns() + 10 * SEC_NS;
    volatile uint64_t sink = 0;
    while (cpu_ns() - c0 < 2 * CPU_BOUND_MS * MS_NS && now_ns() < deadline)
        for (int i = 0; i < 100000; i++)
            sink += (uint64_t)i;
    uint64_t used = cpu_ns() - c0;
    printf("calibration: a busy loop used %.3f ms CPU\n", (double)used / 1e6);
    CHECK(used >= 2 * CPU_BOUND_MS * MS_NS);
}

static void check_idle_cpu(const char *what) {
    sleep_ms(300); /* settle: spinning phases end, threads park */
    uint64_t c0 = cpu_ns();
    sleep_ms(IDLE_WINDOW_MS);
    uint64_t used = cpu_ns() - c0;
    printf("%s: %.3f ms CPU in %d ms idle\n", what, (double)used / 1e6, IDLE_WINDOW_MS);
    if (used >= CPU_BOUND_MS * MS_NS)
        fprintf(stderr, "%s: the idle pool used %.3f ms of CPU in %d ms\n", what,
                (double)used / 1e6, IDLE_WINDOW_MS);
    CHECK(used < CPU_BOUND_MS * MS_NS);
}

static atomic_long done;
static void nop_job(void *arg) {
    (void)arg;
    atomic_fetch_add(&done, 1);
}

static void idle_after_work(void) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 2;
    wpool *p = make_pool(&cfg);
    atomic_store(&done, 0);
    for (int i = 0; i < 10000; i++)
        CHECK_OK(wpool_submit(p, (wpool_priority)(i % 3), nop_job, NULL));
    CHECK_OK(wpool_wait_idle(p, 30 * SEC_NS));
    CHECK_EQ(atomic_load(&done), 10000);
    check_idle_cpu("2 idle workers");
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.busy_workers, 0);
    CHECK(s.parks >= 1);
    wpool_destroy(p);
}

static int temps_gone(void *p) {
    return get_stats(p).temp_workers == 0;
}

static void idle_with_temp_worker(void) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 2;
    cfg.max_temp_workers = 1;
    cfg.temp_idle_ms = 2500; /* outlives the measurement */
    wpool *p = make_pool(&cfg);
    test_gate g;
    gate_init(&g);
    atomic_store(&done, 0);
    for (int i = 0; i < 2; i++)
        CHECK_OK(wpool_submit(p, WPOOL_LOW, gate_job, &g));
    WAIT_GATE_ENTERED(&g, 2);
    CHECK_OK(wpool_submit(p, WPOOL_HIGH, nop_job, NULL));
    CHECK_EVENTUALLY(atomic_load(&done) == 1, 10000);
    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_EQ(get_stats(p).temp_spawned, 1);
    CHECK(!temps_gone(p));
    check_idle_cpu("2 idle workers + 1 idle temporary worker");
    CHECK_EQ(get_stats(p).temp_workers, 1); /* it was alive all along */
    wpool_destroy(p);
}

/* A latch the job sleeps on (macOS has no unnamed semaphores). */
static pthread_mutex_t latch_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t latch_cond = PTHREAD_COND_INITIALIZER;
static int latch_open;
static atomic_int sem_job_started;
static void sem_job(void *arg) {
    (void)arg;
    atomic_store(&sem_job_started, 1);
    CHECK_EQ(pthread_mutex_lock(&latch_lock), 0);
    while (!latch_open)
        CHECK_EQ(pthread_cond_wait(&latch_cond, &latch_lock), 0);
    CHECK_EQ(pthread_mutex_unlock(&latch_lock), 0);
}

static void latch_release(void) {
    CHECK_EQ(pthread_mutex_lock(&latch_lock), 0);
    latch_open = 1;
    CHECK_EQ(pthread_cond_broadcast(&latch_cond), 0);
    CHECK_EQ(pthread_mutex_unlock(&latch_lock), 0);
}

typedef struct blocked {
    wpool *p;
    int how;
    atomic_int rc;
} blocked;

static void *blocked_main(void *arg) {
    blocked *b = arg;
    int rc;
    if (b->how == 0)
        rc = wpool_submit(b->p, WPOOL_HIGH, nop_job, NULL);
    else if (b->how == 1)
        rc = wpool_submit_timeout(b->p, WPOOL_HIGH, nop_job, NULL, 60 * SEC_NS);
    else
        rc = wpool_wait_idle(b->p, 60 * SEC_NS);
    atomic_store(&b->rc, rc);
    return NULL;
}

static void idle_with_blocked_callers(void) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 1;
    cfg.max_temp_workers = 0;
    cfg.capacity[WPOOL_HIGH] = 2;
    wpool *p = make_pool(&cfg);
    latch_open = 0;
    atomic_store(&done, 0);
    atomic_store(&sem_job_started, 0);
    CHECK_OK(wpool_submit(p, WPOOL_LOW, sem_job, NULL));
    CHECK_EVENTUALLY(atomic_load(&sem_job_started), 10000);
    CHECK_OK(wpool_try_submit(p, WPOOL_HIGH, nop_job, NULL));
    CHECK_OK(wpool_try_submit(p, WPOOL_HIGH, nop_job, NULL));
    blocked b[3];
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        b[i].p = p;
        b[i].how = i;
        atomic_init(&b[i].rc, 1);
        CHECK_EQ(pthread_create(&t[i], NULL, blocked_main, &b[i]), 0);
    }
    check_idle_cpu("blocked submitters and wait_idle");
    for (int i = 0; i < 3; i++)
        CHECK_EQ(atomic_load(&b[i].rc), 1); /* still blocked */
    latch_release();
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(pthread_join(t[i], NULL), 0);
        CHECK_RC(atomic_load(&b[i].rc), WPOOL_OK);
    }
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_EQ(atomic_load(&done), 4);
    wpool_destroy(p);
}

int main(void) {
    test_watchdog("test_idle", 100);
    cpu_clock_calibration();
    idle_after_work();
    idle_with_temp_worker();
    idle_with_blocked_callers();
    test_summary("test_idle");
    return 0;
}
