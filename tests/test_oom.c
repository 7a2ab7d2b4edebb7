/*
 * test_oom: a real allocation failure in wpool_create returns WPOOL_ENOMEM,
 * leaves *out untouched, leaks nothing and leaves no thread running.
 *
 * A pool with a ring of WPOOL_MAX_CAPACITY slots (2^24 slots of at least 24
 * bytes) needs far more memory than the test allows itself: under the
 * sanitizers the allocator refuses allocations above 64 MB
 * (max_allocation_size_mb, allocator_may_return_null); in the plain build the
 * address space is capped (RLIMIT_AS) at what the process uses plus 256 MB.
 * The ASan variant's leak check at exit proves nothing was leaked.
 * Failing every single allocation and thread start one by one is
 * test_fault's job; this one checks the allocator's own refusal.
 */
#include "test_util.h"

#include <sys/resource.h>

#ifdef WPOOL_TEST_SANITIZED
const char *__asan_default_options(void);
const char *__tsan_default_options(void);
const char *__asan_default_options(void) {
    return "allocator_may_return_null=1:max_allocation_size_mb=64";
}
const char *__tsan_default_options(void) {
    return "allocator_may_return_null=1:max_allocation_size_mb=64";
}
#endif

/* Plain build: caps the address space; returns the previous limit. */
static struct rlimit limit_memory(void) {
    struct rlimit old;
    CHECK_EQ(getrlimit(RLIMIT_AS, &old), 0);
#ifndef WPOOL_TEST_SANITIZED
    FILE *f = fopen("/proc/self/statm", "r");
    CHECK(f != NULL);
    unsigned long pages = 0;
    CHECK_EQ(fscanf(f, "%lu", &pages), 1);
    fclose(f);
    struct rlimit cap = old;
    cap.rlim_cur = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + ((rlim_t)256 << 20);
    CHECK_EQ(setrlimit(RLIMIT_AS, &cap), 0);
#endif
    return old;
}

static void oom(void) {
    int before = thread_count();
    struct rlimit old = limit_memory();
    /* Calibration: the limit is in force. */
    void *(*volatile alloc_fn)(size_t) = malloc;
    void *big = alloc_fn((size_t)640 << 20);
    CHECK(big == NULL);

    for (int l = 0; l < 3; l++) {
        wpool_config cfg;
        wpool_config_init(&cfg);
        cfg.workers = 2;
        cfg.capacity[l] = WPOOL_MAX_CAPACITY;
        wpool *p = (wpool *)(uintptr_t)0x1234;
        CHECK_RC(wpool_create(&cfg, &p), WPOOL_ENOMEM);
        CHECK(p == (wpool *)(uintptr_t)0x1234);
        CHECK_EVENTUALLY(thread_count() == before, 10000);
    }
    CHECK_EQ(setrlimit(RLIMIT_AS, &old), 0);
    printf("oom: WPOOL_ENOMEM for a ring of %u slots under a memory limit\n", WPOOL_MAX_CAPACITY);
}

int main(void) {
    test_watchdog("test_oom", 100);
    oom();
    /* The library works normally afterwards. */
    wpool *p = make_pool(NULL);
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    wpool_destroy(p);
    test_summary("test_oom");
    return 0;
}
