/*
 * bench.h: what the benchmark harness (wpool_bench.c) needs from each pool
 * implementation it measures, plus small timing helpers shared by all files.
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

/* Priorities, numbered like wpool_priority so the wpool adapter passes them
   through unchanged. */
enum { BENCH_HIGH = 0, BENCH_NORMAL = 1, BENCH_LOW = 2, BENCH_PRIORITIES = 3 };

typedef void (*bench_fn)(void *arg);

/* What a scenario asks of a pool. */
typedef struct bench_pool_cfg {
    unsigned workers;          /* regular worker threads */
    unsigned max_temp_workers; /* wpool only: temporary High workers */
    int uses_priorities;       /* the scenario submits more than one priority */
} bench_pool_cfg;

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

static inline uint64_t bench_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
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
