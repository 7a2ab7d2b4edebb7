/* park.c: the futex (Linux) or condvar (portable) behind wp_park_wait/wake. */
#include "park.h"

#include "clock.h"

#include <errno.h>
#include <stdint.h>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

int wp_park_wait(_Atomic uint32_t *word, uint32_t expected, uint64_t deadline_ns) {
    struct timespec rel, *timeout = NULL;
    if (deadline_ns != UINT64_MAX) {
        uint64_t now = wp_now_ns();
        if (now >= deadline_ns) return WP_PARK_TIMEDOUT;
        uint64_t left = deadline_ns - now;
        rel.tv_sec = (time_t)(left / WP_NS_PER_SEC);
        rel.tv_nsec = (long)(left % WP_NS_PER_SEC);
        timeout = &rel;
    }
    /* The kernel compares *word with expected atomically with queuing us, so
     * a change made (and woken) before we sleep makes this return at once. */
    long rc = syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, expected, timeout, NULL, 0);
    if (rc == -1 && errno == ETIMEDOUT) return WP_PARK_TIMEDOUT;
    return 0;
}

void wp_park_wake(_Atomic uint32_t *word, int count) {
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, count, NULL, NULL, 0);
}

#else /* portable fallback: a small table of mutex/condvar pairs keyed by address */
#include <pthread.h>

#define WP_PARK_BUCKETS 64
static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
} wp_park_table[WP_PARK_BUCKETS];
static pthread_once_t wp_park_once = PTHREAD_ONCE_INIT;

static void park_table_init(void) {
    for (int i = 0; i < WP_PARK_BUCKETS; i++) {
        pthread_mutex_init(&wp_park_table[i].lock, NULL);
        pthread_cond_init(&wp_park_table[i].cond, NULL);
    }
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
     * lock cannot miss its broadcast. The wall clock is only used to turn the
     * remaining monotonic time into the timespec pthread_cond_timedwait wants. */
    /* acquire: a changed word comes with what its writer did before (the
     * bucket's lock orders it as well); the caller re-checks either way. */
    if (atomic_load_explicit(word, memory_order_acquire) == expected) {
        if (deadline_ns == UINT64_MAX) {
            pthread_cond_wait(&wp_park_table[b].cond, &wp_park_table[b].lock);
        } else {
            uint64_t now = wp_now_ns();
            if (now >= deadline_ns) {
                rc = WP_PARK_TIMEDOUT;
            } else {
                struct timespec abs;
                clock_gettime(CLOCK_REALTIME, &abs);
                uint64_t t = (uint64_t)abs.tv_nsec + (deadline_ns - now);
                abs.tv_sec += (time_t)(t / WP_NS_PER_SEC);
                abs.tv_nsec = (long)(t % WP_NS_PER_SEC);
                if (pthread_cond_timedwait(&wp_park_table[b].cond, &wp_park_table[b].lock, &abs) ==
                    ETIMEDOUT)
                    rc = WP_PARK_TIMEDOUT;
            }
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
#endif
