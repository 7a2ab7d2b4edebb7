/*
 * bench.h: what the benchmark harness (wpool_bench.c) needs from each pool
 * implementation it measures, plus small timing helpers shared by all files:
 * the clock, sleeping, yielding and the CPU count on POSIX systems (Linux,
 * macOS, FreeBSD) and on Windows.
 *
 * Every implementation is driven through the same table of function pointers,
 * so each one pays the same (tiny) indirect-call cost per submission and the
 * scenarios are literally the same code for all of them.
 */
#ifndef WPOOL_BENCH_H
#define WPOOL_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#else
#include <errno.h>
#include <sched.h>
#include <unistd.h>
#endif

/* Priorities, numbered like wpool_priority so the wpool adapter passes them
   through unchanged. */
enum { BENCH_HIGH = 0, BENCH_NORMAL = 1, BENCH_LOW = 2, BENCH_PRIORITIES = 3 };

typedef void (*bench_fn)(void *arg);

/* What a scenario asks of a pool. Everything else is each pool's default
   (wpool's included: its bars are stated for the default configuration). */
typedef struct bench_pool_cfg {
    unsigned workers;    /* regular worker threads */
    int uses_priorities; /* the scenario submits more than one priority */
} bench_pool_cfg;

/* wpool_bench's --wpool-* options, for experiments: fields of wpool_config
   set from the command line on every wpool pool the benchmark makes. A field
   left at -1 keeps wpool's default. */
typedef struct bench_wpool_overrides {
    long max_temp_workers; /* --wpool-max-temp N */
    long temp_spares;      /* --wpool-spares N */
    long os_priority;      /* --wpool-os-priority inherit|below|lowest|idle */
    int submit_mode;       /* --wpool-submit: how every wpool job is submitted */
} bench_wpool_overrides;

/* --wpool-submit plain|ticket|deadline: wpool_submit (the default), or
   wpool_submit_job with a ticket, or with a ticket and a deadline an hour
   away (never reached): the cost of the lifecycle features per job. */
enum { BENCH_SUBMIT_PLAIN = 0, BENCH_SUBMIT_TICKET = 1, BENCH_SUBMIT_DEADLINE = 2 };

extern bench_wpool_overrides bench_wpool_opts;

typedef struct bench_impl {
    const char *name;      /* column title */
    const char *not_built; /* NULL when available, else why not */
    const char *(*version)(void);
    /* Returns NULL on failure (after printing why). */
    void *(*create)(const bench_pool_cfg *cfg);
    /* Blocking submission (waits for room when the queue is bounded and
       full). Returns 0 on success. */
    int (*submit)(void *pool, int prio, bench_fn fn, void *arg);
    /* Runs every queued job, joins the threads, frees the pool. */
    void (*destroy)(void *pool);
    /* Optional: called while the pool is idle, before a measurement that
       submits at most njobs jobs (lets an adapter preallocate per-job
       memory outside the timed region). */
    void (*reserve)(void *pool, size_t njobs);
    /* Optional: appends implementation-specific counters to buf. */
    void (*report)(void *pool, char *buf, size_t size);
} bench_impl;

extern const bench_impl bench_wpool_impl;
extern const bench_impl bench_mutex_impl;
extern const bench_impl bench_glib_impl;

#if defined(_WIN32)
static inline uint64_t bench_now_ns(void) {
    LARGE_INTEGER c, f;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    uint64_t n = (uint64_t)c.QuadPart, hz = (uint64_t)f.QuadPart;
    return n / hz * 1000000000u + n % hz * 1000000000u / hz;
}

#ifndef CREATE_WAITABLE_TIMER_HIGH_RESOLUTION
#define CREATE_WAITABLE_TIMER_HIGH_RESOLUTION 0x00000002
#endif

/* Sleeps ns: a high-resolution waitable timer (Windows 10 1803+) where there
   is one, since Sleep() counts whole scheduler ticks (up to 15.6 ms). */
static inline void bench_sleep_ns(uint64_t ns) {
    static _Thread_local HANDLE timer;
    if (!timer)
        timer = CreateWaitableTimerExW(NULL, NULL, CREATE_WAITABLE_TIMER_HIGH_RESOLUTION,
                                       TIMER_ALL_ACCESS);
    LARGE_INTEGER due;
    due.QuadPart = -(LONGLONG)((ns + 99u) / 100u); /* relative, 100 ns units */
    if (timer && SetWaitableTimer(timer, &due, 0, NULL, NULL, FALSE))
        WaitForSingleObject(timer, INFINITE);
    else
        Sleep((DWORD)((ns + 999999u) / 1000000u));
}

static inline void bench_yield(void) {
    SwitchToThread();
}

static inline long bench_cpu_count(void) {
    return (long)GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
}
#else
static inline uint64_t bench_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void bench_sleep_ns(uint64_t ns) {
    struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static inline void bench_yield(void) {
    sched_yield();
}

static inline long bench_cpu_count(void) {
    return sysconf(_SC_NPROCESSORS_ONLN);
}
#endif

/* Sleeps until bench_now_ns() reaches t (returns at once if it has). */
static inline void bench_sleep_until_ns(uint64_t t) {
#if defined(__linux__) || defined(__FreeBSD__)
    struct timespec ts = {(time_t)(t / 1000000000u), (long)(t % 1000000000u)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
#else
    uint64_t now = bench_now_ns();
    if (t > now) bench_sleep_ns(t - now);
#endif
}

/* The CPU's spin-wait hint: lets the sibling hyperthread run and saves power
   while we poll a flag another core will write. */
static inline void bench_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif /* WPOOL_BENCH_H */
