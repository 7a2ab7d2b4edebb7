/*
 * test_spawn_fail: the system refusing to start a thread.
 *
 * This executable defines pthread_create (forwarding to the next definition,
 * libc's or the sanitizer's) so that the test can make it fail on demand.
 * - wpool_create: the first or a later worker cannot start -> WPOOL_EAGAIN,
 *   *out untouched, no thread left running (counted in /proc/self/task),
 *   nothing leaked (the ASan variant checks leaks at exit);
 * - a temporary worker cannot start: the High job stays queued (not lost,
 *   not run twice), temp_spawn_failures counts it, temp_spawned does not;
 *   a regular worker runs it once free; with threads available again a
 *   temporary worker starts normally.
 */
#include "test_util.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>

/* Calls left before pthread_create starts failing; < 0: never fail. */
static atomic_int creates_before_failure = -1;
static atomic_int refused;

int pthread_create(pthread_t *restrict t, const pthread_attr_t *restrict attr, void *(*fn)(void *),
                   void *restrict arg) {
    create_fn next = real_pthread_create();
    int left = atomic_load(&creates_before_failure);
    while (left >= 0) {
        if (left == 0) {
            atomic_fetch_add(&refused, 1);
            return EAGAIN;
        }
        if (atomic_compare_exchange_weak(&creates_before_failure, &left, left - 1)) break;
    }
    return next(t, attr, fn, arg);
}

static void create_fails(void) {
    int before = thread_count();
    for (int ok_first = 0; ok_first < 3; ok_first++) {
        wpool_config cfg;
        wpool_config_init(&cfg);
        cfg.workers = 3;
        wpool *p = (wpool *)(uintptr_t)0x1234;
        atomic_store(&refused, 0);
        atomic_store(&creates_before_failure, ok_first); /* worker ok_first fails */
        CHECK_RC(wpool_create(&cfg, &p), WPOOL_EAGAIN);
        atomic_store(&creates_before_failure, -1);
        CHECK(p == (wpool *)(uintptr_t)0x1234);
        CHECK_EQ(atomic_load(&refused), 1);
        /* The workers that did start were stopped and joined. */
        CHECK_EVENTUALLY(thread_count() == before, 10000);
    }
    /* And the library works afterwards. */
    wpool *p = make_pool(NULL);
    wpool_destroy(p);
    CHECK_EVENTUALLY(thread_count() == before, 10000);
}

static atomic_int ran;
static void job(void *arg) {
    (void)arg;
    atomic_fetch_add(&ran, 1);
}

static void temp_spawn_fails(void) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 1;
    cfg.max_temp_workers = 2;
    cfg.temp_idle_ms = 50;
    wpool *p = make_pool(&cfg);
    test_gate g;
    gate_init(&g);
    CHECK_OK(wpool_submit(p, WPOOL_LOW, gate_job, &g));
    WAIT_GATE_ENTERED(&g, 1);

    atomic_store(&refused, 0);
    atomic_store(&creates_before_failure, 0);
    CHECK_OK(wpool_submit(p, WPOOL_HIGH, job, NULL));
    CHECK_EVENTUALLY(get_stats(p).temp_spawn_failures >= 1, 10000);
    sleep_ms(100);
    int refused_before = atomic_load(&refused);
    wpool_stats s = get_stats(p);
    int refused_after = atomic_load(&refused);
    CHECK(refused_before >= 1);
    /* Every refusal counted (the library may retry meanwhile). */
    CHECK(s.temp_spawn_failures >= (uint64_t)refused_before);
    CHECK(s.temp_spawn_failures <= (uint64_t)refused_after);
    CHECK_EQ(s.temp_spawned, 0);
    CHECK_EQ(s.temp_workers, 0);
    CHECK_EQ(s.queued[WPOOL_HIGH], 1); /* kept for the regular workers */
    CHECK_EQ(atomic_load(&ran), 0);
    atomic_store(&creates_before_failure, -1);

    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_EQ(atomic_load(&ran), 1);
    s = get_stats(p);
    CHECK_EQ(s.completed[WPOOL_HIGH], 1);
    CHECK_STATS_BALANCED(s);

    /* Threads available again: a temporary worker starts as usual. */
    test_gate g2;
    gate_init(&g2);
    CHECK_OK(wpool_submit(p, WPOOL_LOW, gate_job, &g2));
    WAIT_GATE_ENTERED(&g2, 1);
    CHECK_OK(wpool_submit(p, WPOOL_HIGH, job, NULL));
    CHECK_EVENTUALLY(atomic_load(&ran) == 2, 10000);
    CHECK_EQ(atomic_load(&g2.left), 0);
    CHECK(get_stats(p).temp_spawned >= 1);
    gate_open(&g2);
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    s = get_stats(p);
    CHECK_EQ(sum3(s.submitted), 4);
    CHECK_STATS_BALANCED(s);
    wpool_destroy(p);
}

int main(void) {
    test_watchdog("test_spawn_fail", 100);
    create_fails();
    temp_spawn_fails();
    test_summary("test_spawn_fail");
    return 0;
}
