/*
 * test_util.h: the small toolkit every wpool test shares.
 *
 * CHECK(cond) / CHECK_EQ(a, b) / CHECK_RC(expr, status): on failure print
 * file:line and what was expected, then exit the process with status 1 (from
 * any thread, also from inside a pool job).
 * now_ns() / sleep_ms() / sleep_us(): monotonic clock helpers (test_os.h,
 * with the rest of what the tests need from the operating system).
 * wait_until(pred, ctx, timeout_ms) / CHECK_EVENTUALLY(cond, timeout_ms):
 * "eventually" waits with a generous deadline; never used as a speed bound.
 * test_gate: a job that blocks its worker until the test opens it, so the
 * order of events is decided by the test, not by timing.
 * gated_pool(cfg, prio, g): a one-worker pool whose worker is held in g.
 * test_watchdog(seconds): exits with a message if the test hangs.
 */
#ifndef WPOOL_TEST_UTIL_H
#define WPOOL_TEST_UTIL_H

#include "wpool.h"

#include "test_os.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef WPOOL_TEST_VARIANT
#define WPOOL_TEST_VARIANT "manual"
#endif

#define MS_NS  1000000ull
#define SEC_NS 1000000000ull

/* Number of CHECKs that passed, for the summary line. */
static atomic_long test_checks_passed;

static inline void test_fail(const char *file, int line, const char *what) {
    fflush(stdout);
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, what);
    fflush(stderr);
    _Exit(1);
}

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) test_fail(__FILE__, __LINE__, #cond);                                         \
        atomic_fetch_add_explicit(&test_checks_passed, 1, memory_order_relaxed);                   \
    } while (0)

/* Compares two integers (as long long); prints both values on failure. */
#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                            \
        if (check_a_ != check_b_) {                                                                \
            char check_buf_[512];                                                                  \
            snprintf(check_buf_, sizeof check_buf_, "%s == %s (%lld != %lld)", #a, #b, check_a_,   \
                     check_b_);                                                                    \
            test_fail(__FILE__, __LINE__, check_buf_);                                             \
        }                                                                                          \
        atomic_fetch_add_explicit(&test_checks_passed, 1, memory_order_relaxed);                   \
    } while (0)

/* Compares a wpool status with the expected one; prints both descriptions. */
#define CHECK_RC(expr, expected)                                                                   \
    do {                                                                                           \
        int check_rc_ = (expr), check_exp_ = (expected);                                           \
        if (check_rc_ != check_exp_) {                                                             \
            char check_buf_[512];                                                                  \
            snprintf(check_buf_, sizeof check_buf_, "%s returned %d (%s), expected %d (%s)",       \
                     #expr, check_rc_, wpool_strerror(check_rc_), check_exp_,                      \
                     wpool_strerror(check_exp_));                                                  \
            test_fail(__FILE__, __LINE__, check_buf_);                                             \
        }                                                                                          \
        atomic_fetch_add_explicit(&test_checks_passed, 1, memory_order_relaxed);                   \
    } while (0)

#define CHECK_OK(expr) CHECK_RC(expr, WPOOL_OK)

static inline void sleep_us(uint64_t us) {
    sleep_ns(us * 1000u);
}
static inline void sleep_ms(uint64_t ms) {
    sleep_ns(ms * MS_NS);
}

/* Polls pred(ctx) every millisecond; returns 1 once it holds, 0 after
 * timeout_ms. */
static inline int wait_until(int (*pred)(void *), void *ctx, uint64_t timeout_ms) {
    uint64_t deadline = now_ns() + timeout_ms * MS_NS;
    for (;;) {
        if (pred(ctx)) return 1;
        if (now_ns() > deadline) return 0;
        sleep_ms(1);
    }
}

/* Fails unless cond becomes true within timeout_ms (polled every ms). */
#define CHECK_EVENTUALLY(cond, timeout_ms)                                                         \
    do {                                                                                           \
        uint64_t check_deadline_ = now_ns() + (uint64_t)(timeout_ms)*MS_NS;                        \
        while (!(cond)) {                                                                          \
            if (now_ns() > check_deadline_) test_fail(__FILE__, __LINE__, "eventually: " #cond);   \
            sleep_ms(1);                                                                           \
        }                                                                                          \
        atomic_fetch_add_explicit(&test_checks_passed, 1, memory_order_relaxed);                   \
    } while (0)

/* A gate: gate_job() blocks (sleeping, not spinning) until gate_open(). */
typedef struct test_gate {
    atomic_int open;
    atomic_int entered; /* gate jobs that started */
    atomic_int left;    /* gate jobs that returned */
} test_gate;

static inline void gate_init(test_gate *g) {
    atomic_init(&g->open, 0);
    atomic_init(&g->entered, 0);
    atomic_init(&g->left, 0);
}

static inline void gate_job(void *arg) {
    test_gate *g = arg;
    atomic_fetch_add(&g->entered, 1);
    while (!atomic_load(&g->open))
        sleep_us(200);
    atomic_fetch_add(&g->left, 1);
}

static inline void gate_open(test_gate *g) {
    atomic_store(&g->open, 1);
}
static inline int gate_entered(test_gate *g) {
    return atomic_load(&g->entered);
}

/* Waits (10 s deadline) until n gate jobs are running. */
#define WAIT_GATE_ENTERED(g, n) CHECK_EVENTUALLY(gate_entered(g) >= (n), 10000)

static inline wpool_stats get_stats(wpool *p) {
    wpool_stats s;
    memset(&s, 0xa5, sizeof s);
    if (wpool_get_stats(p, &s) != WPOOL_OK) test_fail(__FILE__, __LINE__, "wpool_get_stats");
    return s;
}

static inline uint64_t sum3(const uint64_t v[3]) {
    return v[0] + v[1] + v[2];
}

/* accepted = run + discarded, from the pool's own counters. */
#define CHECK_STATS_BALANCED(s)                                                                    \
    do {                                                                                           \
        for (int check_i_ = 0; check_i_ < 3; check_i_++) {                                         \
            CHECK_EQ((s).submitted[check_i_], (s).completed[check_i_] + (s).discarded[check_i_]);  \
            CHECK_EQ((s).queued[check_i_], 0);                                                     \
        }                                                                                          \
    } while (0)

static unsigned test_watchdog_seconds;
static const char *test_watchdog_name;

static void *test_watchdog_main(void *arg) {
    (void)arg;
    sleep_ms((uint64_t)test_watchdog_seconds * 1000u);
    fprintf(stderr, "%s: watchdog: still running after %u s (deadlock?)\n", test_watchdog_name,
            test_watchdog_seconds);
    fflush(stderr);
    _Exit(2);
    return NULL;
}

/* Starts a detached thread that fails the test if it runs for `seconds`. */
static inline void test_watchdog(const char *name, unsigned seconds) {
    pthread_t t;
    test_watchdog_name = name;
    test_watchdog_seconds = seconds;
    if (pthread_create(&t, NULL, test_watchdog_main, NULL) != 0)
        test_fail(__FILE__, __LINE__, "pthread_create(watchdog)");
    pthread_detach(t);
}

static inline void test_summary(const char *name) {
    printf("%s [%s]: OK (%ld checks)\n", name, WPOOL_TEST_VARIANT,
           atomic_load(&test_checks_passed));
    fflush(stdout);
}

/* Threads in this process now (test_os.h says how each system counts). */
static inline int thread_count(void) {
    int n = test_os_thread_count();
    if (n < 1) test_fail(__FILE__, __LINE__, "thread_count: the system did not say");
    return n;
}

/* Creates a pool from cfg, failing the test on error. */
static inline wpool *make_pool(const wpool_config *cfg) {
    wpool *p = NULL;
    int rc = wpool_create(cfg, &p);
    if (rc != WPOOL_OK) {
        fprintf(stderr, "wpool_create: %s\n", wpool_strerror(rc));
        test_fail(__FILE__, __LINE__, "wpool_create");
    }
    return p;
}

/* A pool whose one regular worker is held in a gate: creates a pool from cfg
 * (NULL: the defaults) with workers = 1 whatever cfg says, submits gate_job(g)
 * at prio and returns once that worker is inside it. Until gate_open(g) what
 * the test queues stays queued (High work may go to temporary workers, if cfg
 * allows any). */
static inline wpool *gated_pool(const wpool_config *cfg, wpool_priority prio, test_gate *g) {
    wpool_config one;
    if (cfg)
        one = *cfg;
    else
        wpool_config_init(&one);
    one.workers = 1;
    wpool *p = make_pool(&one);
    gate_init(g);
    CHECK_OK(wpool_submit(p, prio, gate_job, g));
    WAIT_GATE_ENTERED(g, 1);
    return p;
}

#endif /* WPOOL_TEST_UTIL_H */
