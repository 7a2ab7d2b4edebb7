/*
 * bench_wpool.c: wpool behind the benchmark's pool interface (a thin
 * pass-through: the priorities are numbered alike).
 */
#include "bench.h"

#include <stdio.h>
#include <wpool.h>

bench_wpool_overrides bench_wpool_opts = {
    .max_temp_workers = -1, .temp_spares = -1, .os_priority = -1};

static void *wp_create(const bench_pool_cfg *cfg) {
    wpool_config c;
    wpool_config_init(&c);
    /* wpool's default configuration but for the worker count (and the
       threads' name), in every scenario: the High ones (latency, e2e) get
       the default temporary workers too. The throughput scenarios submit
       Normal work only, so temporary workers never start there. */
    c.workers = cfg->workers;
    c.thread_name = "bench";
    /* Experiments: --wpool-* on the command line (wpool_create rejects a
       value out of range, and the scenario reports the failure). */
    if (bench_wpool_opts.max_temp_workers >= 0)
        c.max_temp_workers = (unsigned)bench_wpool_opts.max_temp_workers;
    if (bench_wpool_opts.temp_spares >= 0) c.temp_spares = (unsigned)bench_wpool_opts.temp_spares;
    if (bench_wpool_opts.os_priority >= 0)
        c.worker_os_priority = (wpool_os_priority)bench_wpool_opts.os_priority;
    wpool *p = NULL;
    int rc = wpool_create(&c, &p);
    if (rc != WPOOL_OK) {
        fprintf(stderr, "wpool_create: %s\n", wpool_strerror(rc));
        return NULL;
    }
    return p;
}

static int wp_submit(void *pool, int prio, bench_fn fn, void *arg) {
    if (bench_wpool_opts.submit_mode == BENCH_SUBMIT_PLAIN)
        return wpool_submit(pool, (wpool_priority)prio, fn, arg);
    wpool_task t = {fn, NULL, arg};
    wpool_ticket ticket;
    /* An hour away: looked at (a clock read as the job is taken), never reached. */
    wpool_job_opts opts = {0};
    if (bench_wpool_opts.submit_mode == BENCH_SUBMIT_DEADLINE)
        opts.deadline_ns = wpool_now_ns() + 3600ull * 1000000000ull;
    return wpool_submit_job(pool, (wpool_priority)prio, &t, &opts, WPOOL_FOREVER, &ticket);
}

static void wp_destroy(void *pool) {
    wpool_destroy(pool);
}

static void wp_report(void *pool, char *buf, size_t size) {
    wpool_stats s;
    if (wpool_get_stats(pool, &s) != WPOOL_OK) return;
    snprintf(buf, size,
             "temp_spawned=%llu temp_retired=%llu parks=%llu wakeups=%llu "
             "High wait p50/p99/max (pool's own histogram) = %.1f/%.1f/%.1f us",
             (unsigned long long)s.temp_spawned, (unsigned long long)s.temp_retired,
             (unsigned long long)s.parks, (unsigned long long)s.wakeups,
             (double)s.wait_p50_ns[WPOOL_HIGH] / 1e3, (double)s.wait_p99_ns[WPOOL_HIGH] / 1e3,
             (double)s.wait_max_ns[WPOOL_HIGH] / 1e3);
}

const bench_impl bench_wpool_impl = {
    .name = "wpool",
    .not_built = NULL,
    .version = wpool_version,
    .create = wp_create,
    .submit = wp_submit,
    .destroy = wp_destroy,
    .report = wp_report,
};
