/*
 * test_lifecycle_stats: the job-lifecycle counters of wpool_stats and their
 * Prometheus text.
 *
 * - a snapshot with distinct values: wpool_jobs_cancelled_total and
 *   wpool_jobs_expired_total (per priority, counters), wpool_workers_target
 *   (gauge) and wpool_paused{priority=...} (gauge, 0/1 from the bit mask)
 *   carry them; every sample has a # TYPE; the length is snprintf-like;
 * - a real pool: cancelled, expired and shutdown-discarded jobs each counted
 *   in their own field only (discarded stays 0 until the shutdown), queued
 *   drops at a cancel, workers_target and paused follow the calls, and the
 *   Prometheus text of that snapshot says the same; once idle, submitted =
 *   completed + discarded + cancelled + expired per priority.
 */
#include "test_jobs.h"

/* The value of the sample line that starts with `name` (followed by a
 * space); 0 when there is none. */
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

static char *prometheus_text(const wpool_stats *s) {
    int need = wpool_stats_prometheus(s, NULL, 0);
    CHECK(need > 0);
    char *text = malloc((size_t)need + 1);
    CHECK(text != NULL);
    CHECK_EQ(wpool_stats_prometheus(s, text, (size_t)need + 1), need);
    CHECK_EQ(strlen(text), need);
    CHECK_EQ(text[need - 1], '\n');
    return text;
}

static unsigned long long metric(const char *text, const char *name) {
    unsigned long long v = 0;
    if (!metric_value(text, name, &v)) {
        fprintf(stderr, "no sample %s in:\n%s\n", name, text);
        test_fail(__FILE__, __LINE__, "metric present");
    }
    return v;
}

static const char *const prio_label[3] = {"high", "normal", "low"};

static unsigned long long prio_metric(const char *text, const char *family, int prio) {
    char name[128];
    snprintf(name, sizeof name, "%s{priority=\"%s\"}", family, prio_label[prio]);
    return metric(text, name);
}

/* Every sample's family has a # TYPE line of the given type. */
static void check_type(const char *text, const char *family, const char *type) {
    char line[160];
    snprintf(line, sizeof line, "# TYPE %s %s\n", family, type);
    if (!strstr(text, line)) fprintf(stderr, "missing: %s", line);
    CHECK(strstr(text, line) != NULL);
}

static void synthetic_snapshot(void) {
    wpool_stats s;
    memset(&s, 0, sizeof s);
    for (int l = 0; l < 3; l++) {
        s.submitted[l] = 100 + (uint64_t)l;
        s.cancelled[l] = 11 + (uint64_t)l;
        s.expired[l] = 21 + (uint64_t)l;
        s.discarded[l] = 31 + (uint64_t)l;
    }
    s.workers = 3;
    s.workers_target = 7;
    s.paused = (1u << WPOOL_HIGH) | (1u << WPOOL_LOW);
    char *text = prometheus_text(&s);
    for (int l = 0; l < 3; l++) {
        CHECK_EQ(prio_metric(text, "wpool_jobs_cancelled_total", l), 11 + l);
        CHECK_EQ(prio_metric(text, "wpool_jobs_expired_total", l), 21 + l);
        CHECK_EQ(prio_metric(text, "wpool_jobs_discarded_total", l), 31 + l);
    }
    CHECK_EQ(metric(text, "wpool_workers_target"), 7);
    CHECK_EQ(metric(text, "wpool_workers"), 3);
    CHECK_EQ(prio_metric(text, "wpool_paused", WPOOL_HIGH), 1);
    CHECK_EQ(prio_metric(text, "wpool_paused", WPOOL_NORMAL), 0);
    CHECK_EQ(prio_metric(text, "wpool_paused", WPOOL_LOW), 1);
    check_type(text, "wpool_jobs_cancelled_total", "counter");
    check_type(text, "wpool_jobs_expired_total", "counter");
    check_type(text, "wpool_workers_target", "gauge");
    check_type(text, "wpool_paused", "gauge");
    CHECK(strstr(text, "# HELP wpool_jobs_cancelled_total ") != NULL);
    CHECK(strstr(text, "# HELP wpool_jobs_expired_total ") != NULL);
    CHECK(strstr(text, "# HELP wpool_workers_target ") != NULL);
    CHECK(strstr(text, "# HELP wpool_paused ") != NULL);

    /* Every sample line is a wpool_ metric whose family has a # TYPE. */
    for (const char *line = text; *line;) {
        size_t len = strcspn(line, "\n");
        if (line[0] != '#' && len > 0) {
            CHECK(strncmp(line, "wpool_", 6) == 0);
            char family[128];
            size_t flen = strcspn(line, "{ ");
            CHECK(flen < sizeof family);
            memcpy(family, line, flen);
            family[flen] = '\0';
            /* summaries: _sum and _count belong to the base family */
            char *suffix = strstr(family, "_seconds_");
            if (suffix) suffix[strlen("_seconds")] = '\0';
            char type_line[160];
            snprintf(type_line, sizeof type_line, "# TYPE %s ", family);
            CHECK(strstr(text, type_line) != NULL);
        }
        line += len;
        if (*line == '\n') line++;
    }

    /* Paused mask 0 and 2. */
    s.paused = 1u << WPOOL_NORMAL;
    free(text);
    text = prometheus_text(&s);
    CHECK_EQ(prio_metric(text, "wpool_paused", WPOOL_HIGH), 0);
    CHECK_EQ(prio_metric(text, "wpool_paused", WPOOL_NORMAL), 1);
    CHECK_EQ(prio_metric(text, "wpool_paused", WPOOL_LOW), 0);
    free(text);
}

static void real_pool(void) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.max_temp_workers = 0;
    test_gate g;
    wpool *p = gated_pool(&cfg, WPOOL_LOW, &g);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.workers, 1);
    CHECK_EQ(s.workers_target, 1);
    CHECK_EQ(s.paused, 0);
    for (int l = 0; l < 3; l++) {
        CHECK_EQ(s.cancelled[l], 0);
        CHECK_EQ(s.expired[l], 0);
    }

    enum { NC = 2, NE = 3, NR = 4, NP = 2 };
    tjob c[NC], e[NE], r[NR], pz[NP];
    for (int i = 0; i < NC; i++) {
        tjob_init(&c[i], p, NULL);
        CHECK_OK(submit_tjob(p, WPOOL_NORMAL, &c[i], 0, WPOOL_FOREVER));
    }
    for (int i = 0; i < NE; i++) {
        tjob_init(&e[i], p, NULL);
        CHECK_OK(submit_tjob(p, WPOOL_LOW, &e[i], past_deadline(), WPOOL_FOREVER));
    }
    for (int i = 0; i < NR; i++) {
        tjob_init(&r[i], p, NULL);
        CHECK_OK(submit_tjob(p, (wpool_priority)(i % 3), &r[i], 0, WPOOL_FOREVER));
    }
    s = get_stats(p);
    CHECK_EQ(s.queued[WPOOL_NORMAL], NC + 1);
    for (int i = 0; i < NC; i++)
        CHECK_OK(wpool_cancel(p, c[i].ticket));
    s = get_stats(p);
    CHECK_EQ(s.cancelled[WPOOL_NORMAL], NC);
    CHECK_EQ(s.queued[WPOOL_NORMAL], 1);
    CHECK_EQ(sum3(s.discarded), 0);

    CHECK_OK(wpool_set_workers(p, 2));
    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_OK(wpool_pause(p, WPOOL_HIGH));
    for (int i = 0; i < NP; i++) {
        tjob_init(&pz[i], p, NULL);
        CHECK_OK(submit_tjob(p, WPOOL_HIGH, &pz[i], 0, WPOOL_FOREVER));
    }
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    for (int i = 0; i < NE; i++)
        CHECK_DISCARDED(&e[i], WPOOL_DISCARD_EXPIRED);
    s = get_stats(p);
    CHECK_EQ(s.expired[WPOOL_LOW], NE);
    CHECK_EQ(s.expired[WPOOL_HIGH] + s.expired[WPOOL_NORMAL], 0);
    CHECK_EQ(s.cancelled[WPOOL_NORMAL], NC);
    CHECK_EQ(s.cancelled[WPOOL_HIGH] + s.cancelled[WPOOL_LOW], 0);
    CHECK_EQ(sum3(s.discarded), 0);
    CHECK_EQ(s.workers_target, 2);
    CHECK_EQ(s.workers, 2);
    CHECK_EQ(s.paused, 1u << WPOOL_HIGH);
    CHECK_EQ(s.queued[WPOOL_HIGH], NP);
    /* Idle but for the paused jobs. */
    for (int l = 0; l < 3; l++)
        CHECK_EQ(s.submitted[l],
                 s.completed[l] + s.discarded[l] + s.cancelled[l] + s.expired[l] + s.queued[l]);
    char *text = prometheus_text(&s);
    CHECK_EQ(prio_metric(text, "wpool_jobs_cancelled_total", WPOOL_NORMAL), NC);
    CHECK_EQ(prio_metric(text, "wpool_jobs_cancelled_total", WPOOL_LOW), 0);
    CHECK_EQ(prio_metric(text, "wpool_jobs_expired_total", WPOOL_LOW), NE);
    CHECK_EQ(prio_metric(text, "wpool_jobs_expired_total", WPOOL_HIGH), 0);
    CHECK_EQ(metric(text, "wpool_workers_target"), 2);
    CHECK_EQ(prio_metric(text, "wpool_paused", WPOOL_HIGH), 1);
    CHECK_EQ(prio_metric(text, "wpool_paused", WPOOL_LOW), 0);
    free(text);

    /* The paused jobs are discarded by the shutdown: counted as discarded. */
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    s = get_stats(p);
    CHECK_EQ(s.discarded[WPOOL_HIGH], NP);
    CHECK_EQ(s.discarded[WPOOL_NORMAL] + s.discarded[WPOOL_LOW], 0);
    CHECK_EQ(s.cancelled[WPOOL_NORMAL], NC);
    CHECK_EQ(s.expired[WPOOL_LOW], NE);
    CHECK_EQ(s.completed[WPOOL_HIGH], 2);
    CHECK_EQ(s.completed[WPOOL_NORMAL], 1);
    CHECK_EQ(s.completed[WPOOL_LOW], 2); /* the gate job and r[2] */
    CHECK_LIFECYCLE_BALANCED(s);
    for (int i = 0; i < NP; i++)
        CHECK_DISCARDED(&pz[i], WPOOL_DISCARD_SHUTDOWN);
    for (int i = 0; i < NC; i++)
        CHECK_DISCARDED(&c[i], WPOOL_DISCARD_CANCELLED);
    for (int i = 0; i < NR; i++)
        CHECK_RAN(&r[i]);
    text = prometheus_text(&s);
    CHECK_EQ(prio_metric(text, "wpool_jobs_discarded_total", WPOOL_HIGH), NP);
    CHECK_EQ(metric(text, "wpool_closed"), 1);
    free(text);
    wpool_destroy(p);
}

int main(void) {
    test_watchdog("test_lifecycle_stats", 120);
    tjob_thread_tag = 1;
    synthetic_snapshot();
    real_pool();
    test_summary("test_lifecycle_stats");
    return 0;
}
