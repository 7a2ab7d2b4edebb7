/*
 * os_park.c: wp_park_wait/wp_park_wake, sleeping on a 32-bit word, with each
 * system's own primitive: the kernel compares the word with the expected value
 * atomically with queueing the sleeper, so a change made (and woken) before
 * the sleep makes the wait return at once. Where there is no such primitive
 * (or with WP_FORCE_PORTABLE), a table of mutex/condvar pairs keyed by address.
 */
#include "os.h"

#include <errno.h>
#include <stdint.h>

/* The time left until deadline_ns: false if it has passed. */
static inline bool time_left(uint64_t deadline_ns, uint64_t *left) {
    uint64_t now = wp_os_now_ns();
    if (now >= deadline_ns) return false;
    *left = deadline_ns - now;
    return true;
}

#if defined(WP_PARK_CONDVAR)
/* ------------------------------------------------------------------------ */
/* Portable: condition variables                                             */
/* ------------------------------------------------------------------------ */

#define WP_PARK_BUCKETS 64
static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
} wp_park_table[WP_PARK_BUCKETS];
static pthread_once_t wp_park_once = PTHREAD_ONCE_INIT;

/* The waits are timed against CLOCK_MONOTONIC where the condvar can be told
 * to (pthread_condattr_setclock; not macOS), else against the wall clock. */
#if defined(__APPLE__)
#define WP_PARK_CLOCK CLOCK_REALTIME
#else
#define WP_PARK_CLOCK CLOCK_MONOTONIC
#endif

static void park_table_init(void) {
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
#if !defined(__APPLE__)
    pthread_condattr_setclock(&attr, WP_PARK_CLOCK);
#endif
    for (int i = 0; i < WP_PARK_BUCKETS; i++) {
        pthread_mutex_init(&wp_park_table[i].lock, NULL);
        pthread_cond_init(&wp_park_table[i].cond, &attr);
    }
    pthread_condattr_destroy(&attr);
}

static unsigned bucket_of(const void *word) {
    uintptr_t x = (uintptr_t)word;
    return (unsigned)((x >> 4) ^ (x >> 12)) % WP_PARK_BUCKETS;
}

int wp_park_wait(_Atomic uint32_t *word, uint32_t expected, uint64_t deadline_ns) {
    pthread_once(&wp_park_once, park_table_init);
    unsigned b = bucket_of(word);
    int rc = 0;
    pthread_mutex_lock(&wp_park_table[b].lock);
    /* The waker changes *word before taking this lock, so checking under the
     * lock cannot miss its broadcast. acquire: a changed word comes with what
     * its writer did before (the lock orders it as well); the caller re-checks
     * either way. */
    if (atomic_load_explicit(word, memory_order_acquire) == expected) {
        uint64_t left;
        if (deadline_ns == UINT64_MAX) {
            pthread_cond_wait(&wp_park_table[b].cond, &wp_park_table[b].lock);
        } else if (!time_left(deadline_ns, &left)) {
            rc = WP_PARK_TIMEDOUT;
        } else {
            struct timespec abs;
            clock_gettime(WP_PARK_CLOCK, &abs);
            uint64_t t = (uint64_t)abs.tv_nsec + left;
            abs.tv_sec += (time_t)(t / WP_NS_PER_SEC);
            abs.tv_nsec = (long)(t % WP_NS_PER_SEC);
            if (pthread_cond_timedwait(&wp_park_table[b].cond, &wp_park_table[b].lock, &abs) ==
                ETIMEDOUT)
                rc = WP_PARK_TIMEDOUT;
        }
    }
    pthread_mutex_unlock(&wp_park_table[b].lock);
    return rc;
}

void wp_park_wake(_Atomic uint32_t *word, int count) {
    (void)count; /* buckets are shared: wake every waiter, each re-checks */
    pthread_once(&wp_park_once, park_table_init);
    unsigned b = bucket_of(word);
    pthread_mutex_lock(&wp_park_table[b].lock);
    pthread_cond_broadcast(&wp_park_table[b].cond);
    pthread_mutex_unlock(&wp_park_table[b].lock);
}

#elif defined(__linux__)
/* ------------------------------------------------------------------------ */
/* Linux: futex                                                              */
/* ------------------------------------------------------------------------ */
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

int wp_park_wait(_Atomic uint32_t *word, uint32_t expected, uint64_t deadline_ns) {
    struct timespec rel, *timeout = NULL;
    uint64_t left;
    if (deadline_ns != UINT64_MAX) {
        if (!time_left(deadline_ns, &left)) return WP_PARK_TIMEDOUT;
        rel.tv_sec = (time_t)(left / WP_NS_PER_SEC);
        rel.tv_nsec = (long)(left % WP_NS_PER_SEC);
        timeout = &rel;
    }
    long rc = syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, expected, timeout, NULL, 0);
    if (rc == -1 && errno == ETIMEDOUT) return WP_PARK_TIMEDOUT;
    return 0;
}

void wp_park_wake(_Atomic uint32_t *word, int count) {
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, count, NULL, NULL, 0);
}

#elif defined(__APPLE__)
/* ------------------------------------------------------------------------ */
/* macOS: os_sync_wait_on_address (14.4+), else __ulock_wait                 */
/* ------------------------------------------------------------------------ */
#include <dlfcn.h>

/* os_sync_wait_on_address and friends are public from macOS 14.4; they are
 * looked up at run time, so that one binary runs on older releases too, where
 * the private __ulock calls they are built on (and that libc++ and Rust's
 * standard library use the same way) are the fallback. */
typedef int (*os_sync_wait_fn)(void *addr, uint64_t value, size_t size, uint32_t flags);
typedef int (*os_sync_wait_timeout_fn)(void *addr, uint64_t value, size_t size, uint32_t flags,
                                       uint32_t clockid, uint64_t timeout_ns);
typedef int (*os_sync_wake_fn)(void *addr, size_t size, uint32_t flags);
#define WP_OS_CLOCK_MACH_ABSOLUTE_TIME 32u /* os_clockid_t */

extern int __ulock_wait(uint32_t operation, void *addr, uint64_t value, uint32_t timeout_us);
extern int __ulock_wake(uint32_t operation, void *addr, uint64_t wake_value);
#define WP_UL_COMPARE_AND_WAIT         1u
#define WP_ULF_WAKE_ALL                0x00000100u
#define WP_ULF_NO_ERRNO                0x01000000u

static struct {
    os_sync_wait_fn wait;
    os_sync_wait_timeout_fn wait_timeout;
    os_sync_wake_fn wake_any, wake_all;
} wp_os_sync;
static pthread_once_t wp_os_sync_once = PTHREAD_ONCE_INIT;

static void os_sync_lookup(void) {
    void *wait = dlsym(RTLD_DEFAULT, "os_sync_wait_on_address");
    void *timeout = dlsym(RTLD_DEFAULT, "os_sync_wait_on_address_with_timeout");
    void *any = dlsym(RTLD_DEFAULT, "os_sync_wake_by_address_any");
    void *all = dlsym(RTLD_DEFAULT, "os_sync_wake_by_address_all");
    if (!wait || !timeout || !any || !all) return;
    /* object to function pointers: POSIX guarantees dlsym's results convert */
    wp_os_sync.wait = (os_sync_wait_fn)wait;
    wp_os_sync.wait_timeout = (os_sync_wait_timeout_fn)timeout;
    wp_os_sync.wake_any = (os_sync_wake_fn)any;
    wp_os_sync.wake_all = (os_sync_wake_fn)all;
}

int wp_park_wait(_Atomic uint32_t *word, uint32_t expected, uint64_t deadline_ns) {
    pthread_once(&wp_os_sync_once, os_sync_lookup);
    uint64_t left = 0;
    if (deadline_ns != UINT64_MAX && !time_left(deadline_ns, &left)) return WP_PARK_TIMEDOUT;
    if (wp_os_sync.wait) {
        int rc = deadline_ns == UINT64_MAX
                     ? wp_os_sync.wait((void *)word, expected, sizeof(uint32_t), 0)
                     : wp_os_sync.wait_timeout((void *)word, expected, sizeof(uint32_t), 0,
                                               WP_OS_CLOCK_MACH_ABSOLUTE_TIME, left);
        return rc < 0 && errno == ETIMEDOUT ? WP_PARK_TIMEDOUT : 0;
    }
    /* __ulock_wait takes microseconds (0: forever): round up, cap, and let
     * the caller's loop wait again after an early return. */
    uint64_t us = deadline_ns == UINT64_MAX ? 0 : (left + 999u) / 1000u;
    if (us > UINT32_MAX) us = UINT32_MAX;
    int rc = __ulock_wait(WP_UL_COMPARE_AND_WAIT | WP_ULF_NO_ERRNO, (void *)word, expected,
                          (uint32_t)us);
    return rc == -ETIMEDOUT ? WP_PARK_TIMEDOUT : 0;
}

void wp_park_wake(_Atomic uint32_t *word, int count) {
    pthread_once(&wp_os_sync_once, os_sync_lookup);
    if (wp_os_sync.wait) {
        (count == 1 ? wp_os_sync.wake_any : wp_os_sync.wake_all)((void *)word, sizeof(uint32_t), 0);
        return;
    }
    __ulock_wake(WP_UL_COMPARE_AND_WAIT | WP_ULF_NO_ERRNO | (count == 1 ? 0u : WP_ULF_WAKE_ALL),
                 (void *)word, 0);
}

#elif defined(__FreeBSD__)
/* ------------------------------------------------------------------------ */
/* FreeBSD: _umtx_op                                                         */
/* ------------------------------------------------------------------------ */
#include <sys/types.h>
#include <sys/umtx.h>

int wp_park_wait(_Atomic uint32_t *word, uint32_t expected, uint64_t deadline_ns) {
    struct _umtx_time timeout = {{0, 0}, 0, CLOCK_MONOTONIC}; /* _flags 0: relative */
    void *size = NULL, *arg = NULL;
    uint64_t left;
    if (deadline_ns != UINT64_MAX) {
        if (!time_left(deadline_ns, &left)) return WP_PARK_TIMEDOUT;
        timeout._timeout.tv_sec = (time_t)(left / WP_NS_PER_SEC);
        timeout._timeout.tv_nsec = (long)(left % WP_NS_PER_SEC);
        size = (void *)(uintptr_t)sizeof timeout;
        arg = &timeout;
    }
    int rc = _umtx_op((void *)word, UMTX_OP_WAIT_UINT_PRIVATE, expected, size, arg);
    return rc == -1 && errno == ETIMEDOUT ? WP_PARK_TIMEDOUT : 0;
}

void wp_park_wake(_Atomic uint32_t *word, int count) {
    _umtx_op((void *)word, UMTX_OP_WAKE_PRIVATE, (unsigned long)count, NULL, NULL);
}

#elif defined(_WIN32)
/* ------------------------------------------------------------------------ */
/* Windows: WaitOnAddress (Windows 8+; synchronization.lib)                  */
/* ------------------------------------------------------------------------ */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#if defined(WP_MSVC)
#pragma comment(lib, "synchronization.lib") /* also named by both build systems */
#endif

int wp_park_wait(_Atomic uint32_t *word, uint32_t expected, uint64_t deadline_ns) {
    DWORD ms = INFINITE;
    uint64_t left;
    if (deadline_ns != UINT64_MAX) {
        if (!time_left(deadline_ns, &left)) return WP_PARK_TIMEDOUT;
        /* Milliseconds, rounded up; INFINITE is reserved, so cap below it and
         * let the caller wait again. */
        uint64_t rounded = (left + WP_NS_PER_MS - 1u) / WP_NS_PER_MS;
        ms = rounded >= INFINITE ? INFINITE - 1u : (DWORD)rounded;
    }
    if (!WaitOnAddress((volatile void *)word, &expected, sizeof expected, ms) &&
        GetLastError() == ERROR_TIMEOUT)
        return time_left(deadline_ns, &left) ? 0 : WP_PARK_TIMEDOUT;
    return 0;
}

void wp_park_wake(_Atomic uint32_t *word, int count) {
    if (count == 1)
        WakeByAddressSingle((void *)word);
    else
        WakeByAddressAll((void *)word);
}
#endif
