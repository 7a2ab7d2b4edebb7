/*
 * test_wait_idle: wpool_wait_idle.
 *
 * - OK when idle (also with a zero timeout), and only after a running job
 *   returned;
 * - ETIMEDOUT (after at least the timeout, or at once with a zero timeout)
 *   while a job blocks; intake stays open meanwhile;
 * - EDEADLK from inside a job, on a temporary and on a regular worker;
 * - a pool that never had work is idle at once: wait_idle(0) and shutdown(0)
 *   succeed right after create.
 *
 * (Split from test_extras.c.)
 */
#include "test_util.h"

static wpool *small_pool(uint32_t cap, unsigned max_temp) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 1;
    cfg.max_temp_workers = max_temp;
    for (int l = 0; l < 3; l++)
        cfg.capacity[l] = cap;
    return make_pool(&cfg);
}

/* --- wait_idle --------------------------------------------------------------- */

typedef struct slow {
    atomic_int done;
    wpool *p;
    atomic_int inner_rc;
} slow;

static void slow_job(void *a) {
    slow *sj = a;
    sleep_ms(200);
    atomic_store(&sj->done, 1);
}

static void inner_wait_job(void *a) {
    slow *sj = a;
    atomic_store(&sj->inner_rc, wpool_wait_idle(sj->p, WPOOL_FOREVER));
    atomic_store(&sj->done, 1);
}

static void wait_idle(void) {
    wpool *p = small_pool(16, 1);
    CHECK_OK(wpool_wait_idle(p, WPOOL_FOREVER));
    CHECK_OK(wpool_wait_idle(p, 0));

    slow sj = {.p = p};
    CHECK_OK(wpool_submit(p, WPOOL_NORMAL, slow_job, &sj));
    CHECK_OK(wpool_wait_idle(p, WPOOL_FOREVER));
    CHECK_EQ(atomic_load(&sj.done), 1); /* returned only after the job */

    test_gate g;
    gate_init(&g);
    CHECK_OK(wpool_submit(p, WPOOL_LOW, gate_job, &g));
    WAIT_GATE_ENTERED(&g, 1);
    uint64_t t0 = now_ns();
    CHECK_RC(wpool_wait_idle(p, 100 * MS_NS), WPOOL_ETIMEDOUT);
    CHECK(now_ns() - t0 >= 100 * MS_NS * 95 / 100);
    CHECK_RC(wpool_wait_idle(p, 0), WPOOL_ETIMEDOUT);
    /* Intake stays open while waiting. */
    slow in1 = {.p = p}, in2 = {.p = p};
    atomic_init(&in1.inner_rc, 1);
    atomic_init(&in2.inner_rc, 1);
    CHECK_OK(wpool_submit(p, WPOOL_HIGH, inner_wait_job, &in1)); /* temporary worker */
    CHECK_EVENTUALLY(atomic_load(&in1.done), 10000);
    CHECK_RC(atomic_load(&in1.inner_rc), WPOOL_EDEADLK);
    gate_open(&g);
    CHECK_OK(wpool_submit(p, WPOOL_NORMAL, inner_wait_job, &in2)); /* regular worker */
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_EQ(atomic_load(&in2.done), 1);
    CHECK_RC(atomic_load(&in2.inner_rc), WPOOL_EDEADLK);
    CHECK_EQ(atomic_load(&g.left), 1);
    wpool_destroy(p);
}

/* A pool that never had work: nothing is queued or running, so even a zero
 * timeout succeeds at once (its workers may still be starting or looking for
 * work: that is not "running"). */
static void wait_idle_no_work(void) {
    for (int i = 0; i < 20; i++) {
        wpool *p = small_pool(16, 1);
        CHECK_OK(wpool_wait_idle(p, 0));
        wpool_destroy(p);
    }
    for (int i = 0; i < 20; i++) {
        wpool *p = small_pool(16, 1);
        CHECK_OK(wpool_shutdown(p, 0)); /* the same for shutdown */
        wpool_destroy(p);
    }
}

int main(void) {
    test_watchdog("test_wait_idle", 100);
    wait_idle();
    wait_idle_no_work();
    test_summary("test_wait_idle");
    return 0;
}
