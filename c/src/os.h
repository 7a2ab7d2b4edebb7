/*
 * os.h: the platform layer, the only part of wpool that calls the operating
 * system (after mimalloc's src/prim): threads, sleeping on a 32-bit word, the
 * clock, the CPUs, aligned memory. The rest of c/src is C11 over this header
 * (and arch.h for the CPU and compiler).
 *
 *   os_posix.c    threads, clock, CPUs, memory: Linux, macOS, FreeBSD, and
 *                 any other POSIX system (pthreads, clock_gettime)
 *   os_windows.c  the same on Windows (Win32 threads, QueryPerformanceCounter)
 *   os_park.c     sleeping on a word: Linux futex, macOS os_sync_wait_on_address
 *                 (__ulock_wait before macOS 14.4), FreeBSD _umtx_op, Windows
 *                 WaitOnAddress, a table of pthread condition variables elsewhere
 *
 * Each .c file compiles on every platform (the ones for another system are
 * empty there), so every build compiles the same list of sources.
 *
 * WP_FORCE_PORTABLE (defined when compiling the library) makes a POSIX build
 * use what a system without a fast path gets: the condition-variable parking
 * table, clock_gettime for queue-wait stamps instead of the CPU's counter, and
 * arch.h's 128-bit multiply in 64-bit parts. The test suite runs that way on
 * Linux too (ctest label `portable`), so the code other systems use is tested.
 */
#ifndef WP_OS_H
#define WP_OS_H

#include "arch.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if !defined(_WIN32)
#include <pthread.h>
#include <time.h>
#endif

#if defined(__linux__)
#include <sched.h> /* cpu_set_t (_GNU_SOURCE) */
#elif defined(__FreeBSD__)
#include <sys/param.h>
#include <sys/cpuset.h>
#endif

/* Which parking os_park.c compiled (for the tests and the docs). */
#if defined(_WIN32)
#define WP_PARK_IMPL "WaitOnAddress"
#elif defined(WP_FORCE_PORTABLE) ||                                                                \
    !(defined(__linux__) || defined(__APPLE__) || defined(__FreeBSD__))
#define WP_PARK_CONDVAR 1
#define WP_PARK_IMPL    "condvar"
#elif defined(__linux__)
#define WP_PARK_IMPL "futex"
#elif defined(__APPLE__)
#define WP_PARK_IMPL "os_sync_wait_on_address"
#else
#define WP_PARK_IMPL "umtx"
#endif

#define WP_NS_PER_SEC 1000000000u
#define WP_NS_PER_MS  1000000u

/* ------------------------------------------------------------------------ */
/* Threads                                                                   */
/* ------------------------------------------------------------------------ */

typedef void (*wp_thread_fn)(void *arg);

/* A thread started by wp_os_thread_start. Lives as long as the thread (its
 * start routine reads fn and arg from here). */
typedef struct wp_thread {
    wp_thread_fn fn;
    void *arg;
#if defined(_WIN32)
    void *handle; /* written before the thread runs (it starts suspended) */
#else
    pthread_t id;
#endif
} wp_thread;

/* Starts fn(arg) on a new thread with the default stack size, at the
 * process's normal scheduling class (not the caller's, which may be a
 * real-time thread), with every asynchronous signal blocked (POSIX; faults
 * stay deliverable): the application's own threads handle signals. Returns
 * WPOOL_OK, WPOOL_EAGAIN (the system refused a thread) or WPOOL_ENOMEM. */
int wp_os_thread_start(wp_thread *t, wp_thread_fn fn, void *arg);

/* Waits for t's thread to return, and frees what the system kept for it. */
void wp_os_thread_join(wp_thread *t);

/* Called by t's own thread: nobody will join it; the system frees what it
 * kept once the thread returns. */
void wp_os_thread_detach_self(wp_thread *t);

/* Names the calling thread, for debuggers and `top -H` (best effort; Linux
 * keeps 15 bytes). */
void wp_os_thread_set_name(const char *name);

/* The calling thread's stack: [*low, *high). False where it is unknown. */
bool wp_os_thread_stack(uintptr_t *low, uintptr_t *high);

/* Moves the calling thread below the priority it was started with, to
 * `level`, a wpool_os_priority other than WPOOL_OS_PRIORITY_INHERIT:
 *
 *   level    Linux (per thread)     macOS (QoS class)   Windows
 *   BELOW    nice + 10 (at most 19) UTILITY             BELOW_NORMAL
 *   LOWEST   nice 19                UTILITY             LOWEST
 *   IDLE     SCHED_IDLE             BACKGROUND          IDLE
 *
 * One way only: an unprivileged Linux thread may raise its nice value but
 * never lower it back, nor leave SCHED_IDLE, so a thread is given its level
 * once, as it starts, and keeps it. A thread started by a lowered thread
 * inherits the lowered nice value on Linux: threads that must run at the
 * process's priority are started by one that has it (worker.c's spawner).
 * Returns false where the system has no such control or refused it (FreeBSD
 * and other POSIX systems: only the whole process's nice value, or privilege). */
bool wp_os_thread_lower_priority(int level);

/* Gives the CPU to another ready thread, if there is one. */
void wp_os_yield(void);

/* Sleeps at least ns nanoseconds (or a little less, if interrupted). */
void wp_os_sleep_ns(uint64_t ns);

/* ------------------------------------------------------------------------ */
/* CPUs                                                                      */
/* ------------------------------------------------------------------------ */

/* A set of CPUs this process may run on. */
typedef struct wp_cpus {
#if defined(__linux__)
    cpu_set_t set;
#elif defined(__FreeBSD__)
    cpuset_t set;
#elif defined(_WIN32)
    uint64_t mask; /* the process's processor group (at most 64 CPUs) */
#endif
    unsigned count;
} wp_cpus;

/* CPUs online (at least 1). */
unsigned wp_os_cpu_count(void);

/* The CPUs the process may use: the process's affinity (what taskset set),
 * not the calling thread's, which may have pinned itself. */
void wp_os_process_cpus(wp_cpus *cpus);

/* Binds the calling thread to every CPU of cpus (nth < 0), or to the nth of
 * them (modulo their count). Best effort: false where the system has no
 * binding (macOS) or refused it (a cpuset may forbid). */
bool wp_os_thread_bind(const wp_cpus *cpus, int nth);

/* ------------------------------------------------------------------------ */
/* Memory                                                                    */
/* ------------------------------------------------------------------------ */

/* size zeroed bytes aligned to a cache line, or NULL (also for size 0).
 * Freed only with wp_os_free (Windows has a free of its own for these). */
void *wp_os_alloc(size_t size);
void wp_os_free(void *mem);

/* ------------------------------------------------------------------------ */
/* Time                                                                      */
/* ------------------------------------------------------------------------ */

/* A monotonic clock in nanoseconds (CLOCK_MONOTONIC; Windows: the
 * performance counter). Inline where it is a C library call. */
#if defined(_WIN32)
uint64_t wp_os_now_ns(void);
#else
static inline uint64_t wp_os_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * WP_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}
#endif

/* ------------------------------------------------------------------------ */
/* Sleeping on a word (os_park.c)                                            */
/* ------------------------------------------------------------------------ */

#define WP_PARK_TIMEDOUT 1

/* wp_park_wake's count that wakes every waiter. */
#define WP_PARK_ALL INT32_MAX

/* Blocks while *word == expected, at most until the wp_os_now_ns() deadline
 * (UINT64_MAX: none). Returns 0 (woken, spurious, or *word != expected) or
 * WP_PARK_TIMEDOUT once the deadline has passed. The protocols built on it
 * (docs/PARKING.md) never rely on a wake-up alone: the waiter re-checks its
 * condition, so spurious returns are fine. */
int wp_park_wait(_Atomic uint32_t *word, uint32_t expected, uint64_t deadline_ns);

/* Wakes up to `count` threads blocked on word (WP_PARK_ALL: all). The caller
 * has changed *word (or what the waiters re-check) before calling. */
void wp_park_wake(_Atomic uint32_t *word, int count);

#endif /* WP_OS_H */
