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
 *
 * Linux and FreeBSD enforce RLIMIT_AS; macOS accepts the limit but does not
 * enforce it, and Windows has none (tests/CMakeLists.txt registers this test
 * on Linux and FreeBSD only; elsewhere it says so and fails).
 */
#include "test_util.h"

#if !(defined(__linux__) || defined(__FreeBSD__))
int main(void) {
    printf("test_oom: needs an enforced RLIMIT_AS (Linux, FreeBSD): not run here\n");
    return 77;
}
#else

#include <sys/resource.h>
#if defined(__FreeBSD__)
#include <sys/sysctl.h>
#include <sys/types.h>
#include <sys/user.h>
#endif

#ifndef WPOOL_TEST_SANITIZED
/* The process's address space now, in bytes. */
static rlim_t address_space(void) {
#if defined(__linux__)
    FILE *f = fopen("/proc/self/statm", "r");
    CHECK(f != NULL);
    unsigned long pages = 0;
    CHECK_EQ(fscanf(f, "%lu", &pages), 1);
    fclose(f);
    return (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE);
#else
    struct kinfo_proc kp;
    size_t len = sizeof kp;
    int mib[4] = {CTL_KERN, KERN_PROC, KERN_PROC_PID, (int)getpid()};
    CHECK_EQ(sysctl(mib, 4, &kp, &len, NULL, 0), 0);
    CHECK(kp.ki_size > 0);
    return (rlim_t)kp.ki_size;
#endif
}
#endif

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
    struct rlimit cap = old;
    cap.rlim_cur = address_space() + ((rlim_t)256 << 20);
    CHECK_EQ(setrlimit(RLIMIT_AS, &cap), 0);
    /* An emulator may accept the limit without applying it (qemu-user keeps
     * RLIMIT_AS for itself, and getrlimit then reads the old one back): the
     * test cannot run there (77: skipped). A real kernel applies it. */
    struct rlimit now;
    CHECK_EQ(getrlimit(RLIMIT_AS, &now), 0);
    if (now.rlim_cur != cap.rlim_cur) {
        printf("test_oom: skipped: setrlimit(RLIMIT_AS) succeeded but is not in force "
               "(an emulator such as qemu-user)\n");
        exit(77);
    }
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

#endif /* Linux, FreeBSD */
