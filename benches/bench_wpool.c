/*
 * bench_wpool.c: wpool behind the benchmark's pool interface (a thin
 * pass-through: the priorities are numbered alike).
 */
#include "bench.h"

#include <stdio.h>
#include <wpool.h>

static void *wp_create(const bench_pool_cfg *cfg) {
    wpool_config c;
    wpool_config_init(&c);
    c.workers = cfg->workers;
    /* The throughput scenarios submit Normal work only, so temporary workers
       never start there whatever this is; the High-wait scenario asks for
       them explicitly. Everything else stays at its default. */
    if (cfg->uses_priorities) c.max_temp_workers = cfg->max_temp_workers;
    c.thread_name = "bench";
    wpool *p = NULL;
    int rc = wpool_create(&c, &p);
    if (rc != WPOOL_OK) {
        fprintf(stderr, "wpool_create: %s\n", wpool_strerror(rc));
        return NULL;
    }
    return p;
}

static int wp_submit(void *pool, int prio, bench_fn fn, void *arg) {
    return wpool_submit(pool, (wpool_priority)prio, fn, arg);
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
