/*
 * stats.c: the statistics snapshot (summing the per-worker counters and
 * histograms) and its Prometheus rendering.
 */
#include "core.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The value a histogram bucket stands for: the middle of its range (the
 * inverse of wp_hist_bucket()). */
static uint64_t bucket_value(unsigned idx) {
    if (idx < WP_HIST_SUB) return idx;
    unsigned e = idx / WP_HIST_SUB + (WP_HIST_SUB_BITS - 1u), sub = idx % WP_HIST_SUB;
    uint64_t low = (uint64_t)(WP_HIST_SUB + sub) << (e - WP_HIST_SUB_BITS);
    uint64_t width = (uint64_t)1 << (e - WP_HIST_SUB_BITS);
    return low + width / 2;
}

static uint64_t percentile(const uint64_t *hist, double q) {
    uint64_t total = 0; /* the histogram's own count: read with it, it agrees with it */
    for (unsigned i = 0; i < WP_HIST_BUCKETS; i++)
        total += hist[i];
    if (total == 0) return 0;
    uint64_t rank = (uint64_t)(q * (double)total);
    if (rank < 1) rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < WP_HIST_BUCKETS; i++) {
        seen += hist[i];
        if (seen >= rank) return bucket_value(i);
    }
    return bucket_value(WP_HIST_BUCKETS - 1);
}

static void add_worker(wpool_stats *out, uint64_t hist[WPOOL_PRIORITIES][WP_HIST_BUCKETS],
                       wp_worker *w) {
    for (int prio = 0; prio < WPOOL_PRIORITIES; prio++) {
        wp_worker_stats *s = &w->stats;
        out->completed[prio] += atomic_load_explicit(&s->completed[prio], memory_order_relaxed);
        out->wait_count[prio] += atomic_load_explicit(&s->wait_count[prio], memory_order_relaxed);
        out->wait_sum_ns[prio] += atomic_load_explicit(&s->wait_sum_ns[prio], memory_order_relaxed);
        uint64_t max = atomic_load_explicit(&s->wait_max_ns[prio], memory_order_relaxed);
        if (max > out->wait_max_ns[prio]) out->wait_max_ns[prio] = max;
        for (unsigned i = 0; i < WP_HIST_BUCKETS; i++)
            hist[prio][i] += atomic_load_explicit(&s->hist[prio][i], memory_order_relaxed);
    }
    int running = atomic_load_explicit(&w->running_prio, memory_order_relaxed);
    if (running >= 0) out->running[running]++;
}

int wpool_get_stats(wpool *p, wpool_stats *out) {
    if (!p || !out) return WPOOL_EINVAL;
    memset(out, 0, sizeof *out);
    uint64_t hist[WPOOL_PRIORITIES][WP_HIST_BUCKETS];
    memset(hist, 0, sizeof hist);
    /* Slots keep their counters across the threads that used them (a
     * retired temporary worker, a regular one that left after a shrink). */
    unsigned slots = wp_worker_slots(p), temp_slots = wp_temp_slots(p);
    for (unsigned i = 0; i < slots; i++)
        add_worker(out, hist, p->workers[i]);
    for (unsigned i = 0; i < temp_slots; i++)
        add_worker(out, hist, p->temps[i]);
    for (int prio = 0; prio < WPOOL_PRIORITIES; prio++) {
        wp_ring *r = &p->rings[prio];
        /* Taken before accepted, so queued never underflows. */
        uint64_t taken = wp_ring_taken(r), accepted = wp_ring_accepted(r);
        out->submitted[prio] = accepted;
        /* accepted is read later than taken: under load their difference can
         * pass what the ring holds at any one instant; never report more. */
        out->queued[prio] = accepted - taken < r->capacity ? accepted - taken : r->capacity;
        /* Cancelled jobs no pop has skipped yet are still between taken and
         * accepted, but no longer queued. */
        uint64_t tombs = atomic_load_explicit(&p->cancelled[prio], memory_order_relaxed) -
                         atomic_load_explicit(&r->skipped, memory_order_relaxed);
        out->queued[prio] = tombs < out->queued[prio] ? out->queued[prio] - tombs : 0;
        out->capacity[prio] = r->capacity;
        out->discarded[prio] = atomic_load_explicit(&p->discarded[prio], memory_order_relaxed);
        out->cancelled[prio] = atomic_load_explicit(&p->cancelled[prio], memory_order_relaxed);
        out->expired[prio] = atomic_load_explicit(&p->expired[prio], memory_order_relaxed);
        if (atomic_load_explicit(&r->paused, memory_order_relaxed)) out->paused |= 1u << prio;
        out->rejected[prio] = atomic_load_explicit(&p->rejected[prio], memory_order_relaxed);
        /* A bucket's middle can lie past the largest wait seen: cap it. */
        uint64_t p50 = percentile(hist[prio], 0.50);
        uint64_t p99 = percentile(hist[prio], 0.99);
        out->wait_p50_ns[prio] = p50 < out->wait_max_ns[prio] ? p50 : out->wait_max_ns[prio];
        out->wait_p99_ns[prio] = p99 < out->wait_max_ns[prio] ? p99 : out->wait_max_ns[prio];
        out->wait_mean_ns[prio] =
            out->wait_count[prio] ? out->wait_sum_ns[prio] / out->wait_count[prio] : 0;
    }
    out->workers = atomic_load_explicit(&p->workers_alive, memory_order_relaxed);
    out->workers_target = atomic_load_explicit(&p->workers_target, memory_order_relaxed);
    for (int prio = 0; prio < WPOOL_PRIORITIES; prio++)
        out->busy_workers += (unsigned)out->running[prio];
    out->temp_workers = atomic_load_explicit(&p->temp_alive, memory_order_relaxed);
    out->max_temp_workers = wp_max_temp(p);
    out->temp_spawned = atomic_load_explicit(&p->temp_spawned, memory_order_relaxed);
    out->temp_retired = atomic_load_explicit(&p->temp_retired, memory_order_relaxed);
    out->temp_spawn_failures = atomic_load_explicit(&p->temp_spawn_failures, memory_order_relaxed);
    out->parks = atomic_load_explicit(&p->parks, memory_order_relaxed);
    out->wakeups = atomic_load_explicit(&p->wakeups, memory_order_relaxed);
    out->starvation_promotions =
        atomic_load_explicit(&p->starvation_promotions, memory_order_relaxed);
    out->closed = atomic_load_explicit(&p->closed, memory_order_relaxed);
    return WPOOL_OK;
}

/* ------------------------------------------------------------------------ */
/* Prometheus text format                                                    */
/* ------------------------------------------------------------------------ */

typedef struct text_buf {
    char *buf;
    size_t size, len; /* len: what the full text needs so far */
} text_buf;

WP_PRINTF_FORMAT(2, 3)
static void emit(text_buf *t, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    size_t room = t->len < t->size ? t->size - t->len : 0;
    int n = vsnprintf(room ? t->buf + t->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0) t->len += (size_t)n;
}

static const char *const prio_names[WPOOL_PRIORITIES] = {"high", "normal", "low"};

static void per_prio(text_buf *t, const char *name, const char *type, const char *help,
                     const uint64_t v[3]) {
    emit(t, "# HELP wpool_%s %s\n# TYPE wpool_%s %s\n", name, help, name, type);
    for (int i = 0; i < WPOOL_PRIORITIES; i++)
        emit(t, "wpool_%s{priority=\"%s\"} %llu\n", name, prio_names[i], (unsigned long long)v[i]);
}

static void scalar(text_buf *t, const char *name, const char *type, const char *help,
                   unsigned long long v) {
    emit(t, "# HELP wpool_%s %s\n# TYPE wpool_%s %s\nwpool_%s %llu\n", name, help, name, type, name,
         v);
}

int wpool_stats_prometheus(const wpool_stats *s, char *buf, size_t size) {
    if (!s || (!buf && size > 0)) return WPOOL_EINVAL;
    text_buf t = {buf, size, 0};
    per_prio(&t, "jobs_submitted_total", "counter", "Jobs accepted.", s->submitted);
    per_prio(&t, "jobs_completed_total", "counter", "Jobs whose run callback returned.",
             s->completed);
    per_prio(&t, "jobs_discarded_total", "counter", "Jobs discarded unstarted at shutdown.",
             s->discarded);
    per_prio(&t, "jobs_cancelled_total", "counter", "Queued jobs discarded by wpool_cancel.",
             s->cancelled);
    per_prio(&t, "jobs_expired_total", "counter",
             "Jobs discarded because their deadline passed before they started.", s->expired);
    per_prio(&t, "jobs_rejected_total", "counter", "Submissions refused: queue full or timeout.",
             s->rejected);
    per_prio(&t, "jobs_queued", "gauge", "Jobs waiting in the queue.", s->queued);
    per_prio(&t, "jobs_running", "gauge", "Jobs running now.", s->running);
    per_prio(&t, "queue_capacity", "gauge", "Queue capacity.", s->capacity);
    emit(&t, "# HELP wpool_queue_wait_seconds Time from submission to start.\n"
             "# TYPE wpool_queue_wait_seconds summary\n");
    for (int i = 0; i < WPOOL_PRIORITIES; i++) {
        const char *p = prio_names[i];
        emit(&t, "wpool_queue_wait_seconds{priority=\"%s\",quantile=\"0.5\"} %.9f\n", p,
             (double)s->wait_p50_ns[i] / 1e9);
        emit(&t, "wpool_queue_wait_seconds{priority=\"%s\",quantile=\"0.99\"} %.9f\n", p,
             (double)s->wait_p99_ns[i] / 1e9);
        emit(&t, "wpool_queue_wait_seconds_sum{priority=\"%s\"} %.9f\n", p,
             (double)s->wait_sum_ns[i] / 1e9);
        emit(&t, "wpool_queue_wait_seconds_count{priority=\"%s\"} %llu\n", p,
             (unsigned long long)s->wait_count[i]);
    }
    scalar(&t, "workers", "gauge", "Regular worker threads.", s->workers);
    scalar(&t, "workers_target", "gauge", "Regular worker threads asked for.", s->workers_target);
    {
        uint64_t paused[WPOOL_PRIORITIES];
        for (int i = 0; i < WPOOL_PRIORITIES; i++)
            paused[i] = (s->paused >> i) & 1u;
        per_prio(&t, "paused", "gauge", "1 while the priority is paused.", paused);
    }
    scalar(&t, "busy_workers", "gauge", "Threads running a job.", s->busy_workers);
    scalar(&t, "temp_workers", "gauge", "Temporary workers alive.", s->temp_workers);
    scalar(&t, "temp_workers_max", "gauge", "Temporary worker limit.", s->max_temp_workers);
    scalar(&t, "temp_spawned_total", "counter", "Temporary workers started.", s->temp_spawned);
    scalar(&t, "temp_retired_total", "counter", "Temporary workers retired.", s->temp_retired);
    scalar(&t, "temp_spawn_failures_total", "counter", "Temporary worker starts refused.",
           s->temp_spawn_failures);
    scalar(&t, "starvation_promotions_total", "counter",
           "Jobs taken ahead of higher-priority work by the starvation bound.",
           s->starvation_promotions);
    scalar(&t, "parks_total", "counter", "Times a thread parked.", s->parks);
    scalar(&t, "wakeups_total", "counter", "Wake-ups sent to parked threads.", s->wakeups);
    scalar(&t, "closed", "gauge", "1 once shutdown began.", (unsigned long long)(s->closed != 0));
    if (t.len > (size_t)INT32_MAX) return WPOOL_ENOMEM;
    return (int)t.len;
}
