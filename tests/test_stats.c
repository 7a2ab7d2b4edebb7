/*
 * test_stats: wpool_get_stats and wpool_stats_prometheus.
 *
 * - stats: exact submitted/completed/queued/running/busy_workers while a gate
 *   blocks; parks and wakeups counted; closed set by shutdown; queue-wait
 *   figures with real waits: 0 < p50 <= p99 <= max, all at least the known
 *   minimum wait, mean within [min, max], sum / count consistent with mean;
 * - wpool_stats_prometheus: snprintf-like length, NUL-terminated truncation
 *   at every size, "wpool_"-prefixed metrics carrying the snapshot's values.
 *
 * (Split from test_extras.c.)
 */
#include "test_util.h"

#define MAXJ 1024
static atomic_int runs[MAXJ];
static atomic_int order_n;
static atomic_int order[MAXJ];

static void reset(void) {
    atomic_store(&order_n, 0);
    for (int i = 0; i < MAXJ; i++) {
        atomic_store(&runs[i], 0);
        atomic_store(&order[i], -1);
    }
}

static void rec_job(void *a) {
    int id = (int)(intptr_t)a;
    atomic_fetch_add(&runs[id], 1);
    int i = atomic_fetch_add(&order_n, 1);
    CHECK(i < MAXJ);
    atomic_store(&order[i], id);
}

static wpool *small_pool(uint32_t cap, unsigned max_temp) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 1;
    cfg.max_temp_workers = max_temp;
    for (int l = 0; l < 3; l++)
        cfg.capacity[l] = cap;
    return make_pool(&cfg);
}

/* --- prometheus ---------------------------------------------------------------- */

/* Finds `name` at the start of a line followed by a space; returns its value. */
static int metric_value(const char *text, const char *name, unsigned long long *value) {
    size_t n = strlen(name);
    for (const char *line = text; line && *line;) {
        if (strncmp(line, name, n) == 0 && line[n] == ' ') {
            *value = strtoull(line + n + 1, NULL, 10);
            return 1;
        }
        line = strchr(line, '\n');
        if (line) line++;
    }
    return 0;
}

static void prometheus(void) {
    wpool *p = small_pool(64, 0);
    for (int i = 0; i < 5; i++)
        CHECK_OK(wpool_submit(p, WPOOL_HIGH, rec_job, (void *)0));
    for (int i = 0; i < 3; i++)
        CHECK_OK(wpool_submit(p, WPOOL_LOW, rec_job, (void *)0));
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    wpool_stats s = get_stats(p);

    int need = wpool_stats_prometheus(&s, NULL, 0);
    CHECK(need > 0);
    char *full = malloc((size_t)need + 1);
    CHECK(full != NULL);
    memset(full, 'x', (size_t)need + 1);
    CHECK_EQ(wpool_stats_prometheus(&s, full, (size_t)need + 1), need);
    CHECK_EQ(full[need], '\0');
    CHECK_EQ(strlen(full), need);
    printf("prometheus text: %d bytes, first line: %.*s\n", need, (int)strcspn(full, "\n"), full);

    /* Every sample line is a wpool_ metric; comments are # HELP / # TYPE. */
    int samples = 0;
    for (const char *line = full; *line;) {
        size_t len = strcspn(line, "\n");
        if (line[0] == '#')
            CHECK(strncmp(line, "# HELP wpool_", 13) == 0 ||
                  strncmp(line, "# TYPE wpool_", 13) == 0);
        else if (len > 0) {
            CHECK(strncmp(line, "wpool_", 6) == 0);
            samples++;
        }
        line += len;
        if (*line == '\n') line++;
    }
    CHECK(samples >= 10);
    CHECK_EQ(full[need - 1], '\n');

    unsigned long long v = 0;
    CHECK(metric_value(full, "wpool_jobs_submitted_total{priority=\"high\"}", &v));
    CHECK_EQ(v, 5);
    CHECK(metric_value(full, "wpool_jobs_submitted_total{priority=\"normal\"}", &v));
    CHECK_EQ(v, 0);
    CHECK(metric_value(full, "wpool_jobs_submitted_total{priority=\"low\"}", &v));
    CHECK_EQ(v, 3);
    CHECK(metric_value(full, "wpool_jobs_completed_total{priority=\"low\"}", &v));
    CHECK_EQ(v, 3);
    CHECK(metric_value(full, "wpool_queue_capacity{priority=\"normal\"}", &v));
    CHECK_EQ(v, 64);
    CHECK(metric_value(full, "wpool_workers", &v));
    CHECK_EQ(v, 1);
    CHECK(strstr(full, "# TYPE wpool_jobs_submitted_total counter\n") != NULL);

    /* Truncation: like snprintf, at every size. */
    char buf[64];
    for (size_t size = 1; size <= sizeof buf; size++) {
        memset(buf, 'x', sizeof buf);
        CHECK_EQ(wpool_stats_prometheus(&s, buf, size), need);
        CHECK_EQ(strlen(buf), size - 1);
        CHECK(memcmp(buf, full, size - 1) == 0);
        if (size < sizeof buf) CHECK_EQ(buf[size], 'x'); /* nothing past size */
    }
    char *big = malloc((size_t)need + 100);
    CHECK(big != NULL);
    CHECK_EQ(wpool_stats_prometheus(&s, big, (size_t)need + 100), need);
    CHECK(strcmp(big, full) == 0);
    memset(big, 'x', (size_t)need);
    CHECK_EQ(wpool_stats_prometheus(&s, big, (size_t)need), need); /* one short */
    CHECK_EQ(strlen(big), need - 1);
    free(big);
    free(full);
    wpool_destroy(p);
}

/* --- stats ----------------------------------------------------------------- */

static void stats_figures(void) {
    enum { NN = 20, GATE_MS = 150 };
    wpool *p = small_pool(64, 0);
    reset();
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.workers, 1);
    CHECK_EQ(s.max_temp_workers, 0);
    for (int l = 0; l < 3; l++) {
        CHECK_EQ(s.submitted[l] + s.completed[l] + s.discarded[l] + s.rejected[l], 0);
        CHECK_EQ(s.wait_p50_ns[l] + s.wait_p99_ns[l] + s.wait_max_ns[l] + s.wait_mean_ns[l], 0);
    }

    sleep_ms(100); /* the worker parks */
    CHECK(get_stats(p).parks >= 1);
    test_gate g;
    gate_init(&g);
    CHECK_OK(wpool_submit(p, WPOOL_HIGH, gate_job, &g));
    WAIT_GATE_ENTERED(&g, 1);
    CHECK(get_stats(p).wakeups >= 1);
    uint64_t t_submit = now_ns();
    for (int i = 0; i < NN; i++)
        CHECK_OK(wpool_submit(p, WPOOL_NORMAL, rec_job, (void *)0));
    s = get_stats(p);
    CHECK_EQ(s.submitted[WPOOL_HIGH], 1);
    CHECK_EQ(s.submitted[WPOOL_NORMAL], NN);
    CHECK_EQ(s.queued[WPOOL_NORMAL], NN);
    CHECK_EQ(s.running[WPOOL_HIGH], 1);
    CHECK_EQ(s.running[WPOOL_NORMAL], 0);
    CHECK_EQ(s.busy_workers, 1);
    CHECK_EQ(s.completed[WPOOL_NORMAL], 0);
    sleep_ms(GATE_MS);
    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    uint64_t t_done = now_ns();
    s = get_stats(p);
    CHECK_EQ(s.completed[WPOOL_NORMAL], NN);
    CHECK_EQ(s.completed[WPOOL_HIGH], 1);
    CHECK_EQ(s.running[WPOOL_HIGH] + s.running[WPOOL_NORMAL] + s.running[WPOOL_LOW], 0);
    CHECK_STATS_BALANCED(s);

    /* Every Normal job waited at least GATE_MS (minus the ~6% histogram
     * resolution) and at most the time until wait_idle returned. */
    const int l = WPOOL_NORMAL;
    uint64_t min_wait = GATE_MS * MS_NS * 93 / 100, max_wait = t_done - t_submit;
    printf("normal wait: p50 %.3f ms, p99 %.3f ms, max %.3f ms, mean %.3f ms\n",
           (double)s.wait_p50_ns[l] / 1e6, (double)s.wait_p99_ns[l] / 1e6,
           (double)s.wait_max_ns[l] / 1e6, (double)s.wait_mean_ns[l] / 1e6);
    CHECK(s.wait_p50_ns[l] >= min_wait);
    CHECK(s.wait_p50_ns[l] <= s.wait_p99_ns[l]);
    CHECK(s.wait_p99_ns[l] <= s.wait_max_ns[l]);
    CHECK(s.wait_max_ns[l] >= min_wait);
    CHECK(s.wait_max_ns[l] <= max_wait + max_wait / 20 + 10 * MS_NS); /* consistency */
    CHECK(s.wait_mean_ns[l] >= min_wait);
    CHECK(s.wait_mean_ns[l] <= s.wait_max_ns[l]);
    CHECK(s.wait_count[l] >= 1); /* waits may be sampled, not recorded for all */
    CHECK(s.wait_count[l] <= NN);
    CHECK(s.wait_sum_ns[l] >= s.wait_count[l] * min_wait);
    CHECK(s.wait_sum_ns[l] / s.wait_count[l] >= s.wait_mean_ns[l] - s.wait_mean_ns[l] / 100);
    CHECK(s.wait_sum_ns[l] / s.wait_count[l] <= s.wait_mean_ns[l] + s.wait_mean_ns[l] / 100);
    /* Nothing waited at Low. */
    CHECK_EQ(s.wait_p50_ns[WPOOL_LOW] + s.wait_p99_ns[WPOOL_LOW] + s.wait_max_ns[WPOOL_LOW], 0);
    printf("high wait (one job): p50 %" PRIu64 " ns, p99 %" PRIu64 " ns, max %" PRIu64 " ns\n",
           s.wait_p50_ns[WPOOL_HIGH], s.wait_p99_ns[WPOOL_HIGH], s.wait_max_ns[WPOOL_HIGH]);
    CHECK(s.wait_p50_ns[WPOOL_HIGH] <= s.wait_p99_ns[WPOOL_HIGH]);
    CHECK(s.wait_p99_ns[WPOOL_HIGH] <= s.wait_max_ns[WPOOL_HIGH]);

    CHECK_EVENTUALLY(get_stats(p).busy_workers == 0, 10000);
    CHECK_EQ(get_stats(p).closed, 0);
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    CHECK(get_stats(p).closed != 0);
    wpool_destroy(p);
}

int main(void) {
    test_watchdog("test_stats", 100);
    prometheus();
    stats_figures();
    test_summary("test_stats");
    return 0;
}
