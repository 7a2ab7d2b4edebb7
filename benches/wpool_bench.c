/*
 * wpool_bench: measures wpool, a plain mutex+condvar pool and GLib's
 * GThreadPool on the same scenarios in one run, and prints one markdown table.
 *
 *   empty    empty jobs end to end (first submit until the last job finished),
 *            1 producer/1 worker and 2 producers/2 workers: ns per job;
 *   cpu      ~4 us CPU jobs, 1 producer/2 workers: jobs/s, and the efficiency
 *            against running the same job inline on one thread;
 *   latency  queue wait (start - submit) of High jobs arriving every 1 ms
 *            while both workers are saturated by 5 ms Low jobs: p50/p99/max;
 *   e2e      High jobs that finish fast, not only start fast: ~300 us of CPU
 *            work each (a fixed count of the compute loop), one every 2 ms,
 *            timed from submit until the work is done, under the same Low
 *            saturation and alone (no Low jobs, a fresh pool): p50/p99/max of
 *            each, and p99 under load / p99 alone.
 *
 * Why a C benchmark beside the criterion comparison (benches/benches/compare,
 * which defines the scenarios): it pits the C API against C pools and needs
 * no Rust. Its four follow compare's empty_1p1w/empty_2p2w, cpu_4us_1p2w,
 * high_wait_2w and high_e2e_300us_2w (same jobs, shapes, 32-deep Low
 * backlog, 200 us top-up); they differ in fixed counts (2e6 empty jobs, 1e6
 * for GThreadPool; 1e5 CPU jobs; 1000 High jobs for latency, 500 under load
 * and 500 alone for e2e; the median of --reps, where criterion picks its own
 * counts, but for e2e's 500 alone) and in e2e's alone stream, which runs in
 * a pool of its own here and in the same pool before the loaded runs there.
 * wpool runs with its default configuration but the worker count in every
 * scenario, as in compare (the High ones get the default temporary workers).
 *
 * Usage: wpool_bench [--quick] [--scenario empty|cpu|latency|e2e|cancel]
 *                    [--impl NAME] [--reps N] [--wpool-max-temp N]
 *                    [--wpool-spares N] [--wpool-os-priority LEVEL]
 * --quick runs everything with tiny counts (a smoke test: it checks that every
 * job ran, never how fast). --wpool-max-temp N sets wpool_config's
 * max_temp_workers in every wpool pool, --wpool-spares N its temp_spares and
 * --wpool-os-priority inherit|below|lowest|idle its worker_os_priority, for
 * experiments (the figures are then
 * not the default configuration's; the report's header says so). The exit
 * status is 0 unless a job was lost or a pool failed.
 *
 * Method: every implementation is driven by the same code through bench.h's
 * function table; each throughput measurement is warmed up once and repeated,
 * and the median is reported (the spread is printed too); the High streams
 * begin with warm-up jobs left out of their figures. Nothing is pinned: the
 * machines this runs on are small and shared, so the scheduler decides.
 */
#include "bench.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wpool.h>
#if !defined(_WIN32)
#include <sys/utsname.h>
#endif
#if defined(__linux__)
#include <sys/resource.h>
#endif
#if defined(__APPLE__) || defined(__FreeBSD__)
#include <sys/types.h>
#include <sys/sysctl.h>
#endif

#define NIMPL         3
#define MAX_PRODUCERS 8

static const bench_impl *const g_impls[NIMPL] = {&bench_wpool_impl, &bench_mutex_impl,
                                                 &bench_glib_impl};
enum { IMPL_WPOOL = 0, IMPL_MUTEX = 1, IMPL_GLIB = 2 };

/* ------------------------------------------------------------------------ */
/* Options and results                                                       */
/* ------------------------------------------------------------------------ */

typedef struct options {
    int quick;
    const char *scenario; /* NULL: all */
    const char *impl;     /* NULL: all */
    unsigned reps;
} options;

static options g_opt;

enum metric {
    M_EMPTY_1,
    M_EMPTY_2,
    M_CPU_RATE,
    M_CPU_EFF,
    M_HIGH_P50,
    M_HIGH_P99,
    M_HIGH_MAX,
    M_E2E_P50,
    M_E2E_P99,
    M_E2E_P99_ALONE,
    M_E2E_RATIO,
    M_COUNT
};

typedef struct result {
    int have;
    double value;
} result;

static result g_res[M_COUNT][NIMPL];
static double g_single_rate; /* 4 us jobs per second, inline on one thread */
static double g_job_us;      /* measured duration of one CPU job */
static int g_failures;
static double g_other_load_pct, g_steal_pct; /* over the whole run */
static int g_load_known;                     /* ... if the system said */

static void fail(const char *what, const char *impl) {
    fprintf(stderr, "FAILED: %s (%s)\n", what, impl);
    g_failures++;
}

/* ------------------------------------------------------------------------ */
/* Shared counters and jobs                                                  */
/* ------------------------------------------------------------------------ */

/* Each counter on its own cache line: they are written by different threads. */
typedef struct counter {
    _Alignas(64) atomic_uint_fast64_t v;
} counter;

static counter g_done;        /* throughput scenarios: jobs finished */
static counter g_high_done;   /* latency and e2e scenarios */
static counter g_low_done;    /* latency and e2e scenarios */
static counter g_low_started; /* latency and e2e scenarios */
static atomic_int g_low_stop; /* tells running Low jobs to return early */

/* Keeps the compute loop from being elided; per thread, so workers running
   CPU jobs share no cache line (and do not race). */
static _Thread_local volatile uint64_t g_sink;
static uint64_t g_cpu_iters; /* iterations of cpu_work() that take ~4 us */
static uint64_t g_e2e_iters; /* ... that take ~300 us (e2e scenario) */

/* A dependent xorshift chain: the compiler cannot vectorise or fold it, and
   it touches no memory, so it costs the same on every thread. */
static void cpu_work(uint64_t iters) {
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (uint64_t i = 0; i < iters; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    g_sink = x;
}

/* Release: whoever sees the count reach N also sees the jobs' effects. */
static void count_done(counter *c) {
    atomic_fetch_add_explicit(&c->v, 1, memory_order_release);
}

static void empty_job(void *arg) {
    (void)arg;
    count_done(&g_done);
}

static void cpu_job(void *arg) {
    (void)arg;
    cpu_work(g_cpu_iters);
    count_done(&g_done);
}

typedef struct lat_rec {
    uint64_t submit_ns, start_ns, end_ns;
} lat_rec;

static void high_job(void *arg) {
    lat_rec *r = arg;
    r->start_ns = bench_now_ns();
    count_done(&g_high_done);
}

/* The e2e scenario's High job: ~300 us of the compute loop, stamped when it
   starts and when its work is done. */
static void high_work_job(void *arg) {
    lat_rec *r = arg;
    r->start_ns = bench_now_ns();
    cpu_work(g_e2e_iters);
    r->end_ns = bench_now_ns();
    count_done(&g_high_done);
}

/* 5 ms of busy CPU by the clock (so a preempted Low job still ends on time
   and the backlog drains at a known rate); returns early once the scenario
   is over so tear-down does not wait out the backlog. */
static void low_job(void *arg) {
    (void)arg;
    atomic_fetch_add_explicit(&g_low_started.v, 1, memory_order_relaxed);
    uint64_t end = bench_now_ns() + 5000000u;
    while (!atomic_load_explicit(&g_low_stop, memory_order_relaxed) && bench_now_ns() < end)
        cpu_work(256);
    count_done(&g_low_done);
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

static void sleep_ns(uint64_t ns) {
    bench_sleep_ns(ns);
}

/*
 * Waits until c reaches target: spins ~20 us (a finished run is often that
 * close), then sleeps in 20 us steps so a waiting producer does not steal a
 * core from the workers on a 2-CPU machine. Returns 0, or -1 after timeout_ns.
 */
static int wait_count(counter *c, uint64_t target, uint64_t timeout_ns) {
    uint64_t t0 = bench_now_ns();
    while (atomic_load_explicit(&c->v, memory_order_acquire) < target) {
        uint64_t t = bench_now_ns();
        if (t - t0 > timeout_ns) return -1;
        if (t - t0 < 20000) {
            for (int i = 0; i < 64; i++)
                bench_cpu_relax();
        } else {
            sleep_ns(20000);
        }
    }
    return 0;
}

/*
 * Load from other processes: this is meant for small shared machines, so
 * every scenario reports how much CPU the rest of the machine took meanwhile
 * (all CPU time in /proc/stat minus our own), and the hypervisor's steal time.
 * A figure taken while others used a large share is not to be trusted.
 * Linux only (/proc/stat); elsewhere the report says it was not measured.
 */
typedef struct load_mark {
    int known; /* the system told us */
    double busy_s, steal_s, self_s;
    uint64_t wall_ns;
} load_mark;

static void load_mark_now(load_mark *m) {
    memset(m, 0, sizeof *m);
    m->wall_ns = bench_now_ns();
#if defined(__linux__)
    double tick = 1.0 / (double)sysconf(_SC_CLK_TCK);
    FILE *f = fopen("/proc/stat", "r");
    if (f) {
        unsigned long long v[8] = {0};
        if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7]) == 8) {
            /* user nice system idle iowait irq softirq steal */
            m->busy_s = (double)(v[0] + v[1] + v[2] + v[5] + v[6]) * tick;
            m->steal_s = (double)v[7] * tick;
            m->known = 1;
        }
        fclose(f);
    }
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        m->self_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    else
        m->known = 0;
#endif
}

/* Percent of all CPUs used by other processes (and stolen) since *a; 0 if
   the system does not say. */
static int load_since(const load_mark *a, double *others_pct, double *steal_pct) {
    load_mark b;
    load_mark_now(&b);
    *others_pct = *steal_pct = 0;
    if (!a->known || !b.known) return 0;
    double cap = (double)(b.wall_ns - a->wall_ns) / 1e9 * (double)bench_cpu_count();
    double others = (b.busy_s - a->busy_s) - (b.self_s - a->self_s);
    *others_pct = cap > 0 && others > 0 ? 100.0 * others / cap : 0;
    *steal_pct = cap > 0 ? 100.0 * (b.steal_s - a->steal_s) / cap : 0;
    return 1;
}

static void print_load_since(const load_mark *a) {
    double o, st;
    if (load_since(a, &o, &st))
        printf("    (other processes used %.0f%% of the CPUs during this scenario; steal %.0f%%)\n",
               o, st);
    else
        printf("    (the load from other processes is not measured on this system)\n");
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static uint64_t percentile(const uint64_t *sorted, size_t n, double q) {
    size_t rank = (size_t)(q * (double)n + 0.999999);
    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    return sorted[rank - 1];
}

static double median(double *v, size_t n) {
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int selected_impl(int i) {
    const bench_impl *im = g_impls[i];
    if (!g_opt.impl) return 1;
    if (strcmp(g_opt.impl, im->name) == 0) return 1;
    /* short aliases */
    if (i == IMPL_MUTEX && strcmp(g_opt.impl, "mutex") == 0) return 1;
    if (i == IMPL_GLIB && strcmp(g_opt.impl, "glib") == 0) return 1;
    return 0;
}

static int selected_scenario(const char *name) {
    return !g_opt.scenario || strcmp(g_opt.scenario, name) == 0;
}

static void print_report(const bench_impl *im, void *pool) {
    if (!im->report) return;
    char buf[512] = "";
    im->report(pool, buf, sizeof buf);
    if (buf[0]) printf("    %s counters: %s\n", im->name, buf);
}

/* ------------------------------------------------------------------------ */
/* Throughput runs (empty and cpu scenarios)                                 */
/* ------------------------------------------------------------------------ */

typedef struct tp_run {
    const bench_impl *impl;
    void *pool;
    bench_fn fn;
    uint64_t n;
    unsigned producers;
    atomic_uint ready;
    atomic_int go;
    atomic_int failed;
    uint64_t start[MAX_PRODUCERS], end[MAX_PRODUCERS];
} tp_run;

typedef struct tp_arg {
    tp_run *run;
    unsigned idx;
} tp_arg;

static void *tp_producer(void *a) {
    tp_arg *arg = a;
    tp_run *r = arg->run;
    unsigned i = arg->idx;
    uint64_t share = r->n / r->producers + (i < r->n % r->producers);
    atomic_fetch_add(&r->ready, 1);
    /* Start together; yield so the releasing thread gets a CPU. */
    while (!atomic_load_explicit(&r->go, memory_order_acquire))
        bench_yield();
    r->start[i] = bench_now_ns();
    for (uint64_t k = 0; k < share; k++) {
        if (r->impl->submit(r->pool, BENCH_NORMAL, r->fn, NULL) != 0) {
            atomic_store(&r->failed, 1);
            break;
        }
    }
    if (!atomic_load(&r->failed) && wait_count(&g_done, r->n, 300000000000u) != 0)
        atomic_store(&r->failed, 1);
    r->end[i] = bench_now_ns();
    return NULL;
}

/* One timed run of n jobs; returns the elapsed ns from the first submit to
   the moment a producer saw the last job finish, or 0 on failure. */
static uint64_t tp_once(const bench_impl *im, void *pool, unsigned producers, uint64_t n,
                        bench_fn fn) {
    tp_run r;
    memset(&r, 0, sizeof r);
    r.impl = im;
    r.pool = pool;
    r.fn = fn;
    r.n = n;
    r.producers = producers;
    atomic_init(&r.ready, 0);
    atomic_init(&r.go, 0);
    atomic_init(&r.failed, 0);
    if (im->reserve) im->reserve(pool, n);
    atomic_store(&g_done.v, 0);

    pthread_t th[MAX_PRODUCERS];
    tp_arg args[MAX_PRODUCERS];
    for (unsigned i = 0; i < producers; i++) {
        args[i] = (tp_arg){&r, i};
        if (pthread_create(&th[i], NULL, tp_producer, &args[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            exit(2);
        }
    }
    while (atomic_load(&r.ready) < producers)
        bench_yield();
    atomic_store_explicit(&r.go, 1, memory_order_release);
    for (unsigned i = 0; i < producers; i++)
        pthread_join(th[i], NULL);

    uint64_t done = atomic_load(&g_done.v);
    if (atomic_load(&r.failed) || done != n) {
        char what[128];
        snprintf(what, sizeof what, "%llu of %llu jobs ran", (unsigned long long)done,
                 (unsigned long long)n);
        fail(what, im->name);
        return 0;
    }
    uint64_t t0 = r.start[0], t1 = r.end[0];
    for (unsigned i = 1; i < producers; i++) {
        if (r.start[i] < t0) t0 = r.start[i];
        if (r.end[i] > t1) t1 = r.end[i];
    }
    return t1 > t0 ? t1 - t0 : 1;
}

/*
 * Creates a pool with `workers` workers, warms it up with one untimed run,
 * then times `reps` runs of n jobs; stores the per-run ns/job in out[] and
 * returns how many runs succeeded.
 */
static unsigned tp_measure(const bench_impl *im, unsigned producers, unsigned workers, uint64_t n,
                           bench_fn fn, double *out, unsigned reps) {
    bench_pool_cfg cfg = {.workers = workers, .uses_priorities = 0};
    void *pool = im->create(&cfg);
    if (!pool) {
        fail("create", im->name);
        return 0;
    }
    unsigned ok = 0;
    /* Warm-up, a full-size run: starts the threads for real, faults in the
       queues and lets allocators (GLib's list nodes) reach their steady state;
       shorter warm-ups left GThreadPool's first timed runs ~50% slower. */
    if (tp_once(im, pool, producers, n, fn) != 0) {
        for (unsigned k = 0; k < reps; k++) {
            uint64_t ns = tp_once(im, pool, producers, n, fn);
            if (ns == 0) break;
            out[ok++] = (double)ns / (double)n;
        }
    }
    print_report(im, pool);
    im->destroy(pool);
    return ok;
}

static void print_reps(const char *label, const char *unit, const double *v, unsigned n,
                       double scale) {
    printf("    %-14s %s:", label, unit);
    for (unsigned i = 0; i < n; i++)
        printf(" %.1f", v[i] * scale);
    printf("\n");
}

/* ------------------------------------------------------------------------ */
/* Scenario 1: empty jobs                                                    */
/* ------------------------------------------------------------------------ */

static uint64_t empty_jobs_for(int impl) {
    if (g_opt.quick) return 20000;
    /* ~0.1-0.2 s per run. GThreadPool gets half: its queue is unbounded, so
       a producer that runs ahead holds up to n list nodes plus our n items
       (~56 bytes a job); the result is per job either way. */
    return impl == IMPL_GLIB ? 1000000 : 2000000;
}

static void scenario_empty(void) {
    printf("\n## empty jobs, end to end (ns/job, median of %u)\n", g_opt.reps);
    static const unsigned shape[2] = {1, 2};
    for (int s = 0; s < 2; s++) {
        unsigned pw = shape[s];
        for (int i = 0; i < NIMPL; i++) {
            const bench_impl *im = g_impls[i];
            if (im->not_built || !selected_impl(i)) continue;
            uint64_t n = empty_jobs_for(i);
            double v[64];
            unsigned got = tp_measure(im, pw, pw, n, empty_job, v, g_opt.reps);
            if (got == 0) continue;
            char label[64];
            snprintf(label, sizeof label, "%s %uP/%uW", im->name, pw, pw);
            print_reps(label, "ns/job per run", v, got, 1.0);
            double m = median(v, got);
            printf("    %-14s median %.1f ns/job (%llu jobs/run)\n", "", m, (unsigned long long)n);
            g_res[s == 0 ? M_EMPTY_1 : M_EMPTY_2][i] = (result){1, m};
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Scenario 2: 4 us CPU jobs                                                 */
/* ------------------------------------------------------------------------ */

/* The iterations of cpu_work() that take ~ns on this machine, from the
   fastest of several timings (the least disturbed by other tenants), taken
   on the first call. */
static uint64_t cpu_iters_for(double ns) {
    static double per_iter;
    if (per_iter == 0) {
        const uint64_t probe = 1u << 20;
        double best = 1e30;
        for (int k = 0; k < (g_opt.quick ? 3 : 15); k++) {
            uint64_t t0 = bench_now_ns();
            cpu_work(probe);
            double dt = (double)(bench_now_ns() - t0);
            if (dt < best) best = dt;
        }
        per_iter = best / (double)probe;
    }
    uint64_t iters = (uint64_t)(ns / per_iter);
    return iters < 1 ? 1 : iters;
}

/* Single-thread reference: ns per job for the same job function called
   inline, median of the repeats after one warm-up pass. */
static double cpu_inline_ns(uint64_t n, unsigned reps) {
    double v[64];
    for (unsigned k = 0; k <= reps; k++) {
        atomic_store(&g_done.v, 0);
        uint64_t t0 = bench_now_ns();
        for (uint64_t j = 0; j < n; j++)
            cpu_job(NULL);
        uint64_t dt = bench_now_ns() - t0;
        if (k > 0) v[k - 1] = (double)dt / (double)n;
    }
    return median(v, reps);
}

static void scenario_cpu(void) {
    g_cpu_iters = cpu_iters_for(4000.0);
    uint64_t n = g_opt.quick ? 2000 : 100000;
    unsigned reps = g_opt.reps;
    printf("\n## 4 us CPU jobs, 1 producer/2 workers (jobs/s, median of %u)\n", reps);
    printf("    calibrated loop: %llu iterations\n", (unsigned long long)g_cpu_iters);

    double refs[NIMPL];
    unsigned nrefs = 0;
    for (int i = 0; i < NIMPL; i++) {
        const bench_impl *im = g_impls[i];
        if (im->not_built || !selected_impl(i)) continue;
        /* The reference is re-measured right before each pool, so a neighbour
           that slows the machine for a while skews both sides of the ratio
           alike instead of one pool's efficiency. */
        double ref_ns = cpu_inline_ns(n / 4, reps);
        refs[nrefs++] = ref_ns;
        double v[64];
        unsigned got = tp_measure(im, 1, 2, n, cpu_job, v, reps);
        if (got == 0) continue;
        for (unsigned k = 0; k < got; k++)
            v[k] = 1e9 / v[k]; /* ns/job -> jobs/s */
        char label[64];
        snprintf(label, sizeof label, "%s 1P/2W", im->name);
        print_reps(label, "kjobs/s per run", v, got, 1e-3);
        double m = median(v, got);
        double eff = m / (2 * (1e9 / ref_ns));
        printf("    %-14s median %.0f jobs/s; inline reference just before: %.2f us/job; "
               "efficiency %.2f (%llu jobs/run)\n",
               "", m, ref_ns / 1e3, eff, (unsigned long long)n);
        g_res[M_CPU_RATE][i] = (result){1, m};
        g_res[M_CPU_EFF][i] = (result){1, eff};
    }
    if (nrefs) {
        g_job_us = median(refs, nrefs) / 1e3;
        g_single_rate = 1e6 / g_job_us;
    }
}

/* ------------------------------------------------------------------------ */
/* Scenarios 3 and 4: High jobs under a saturating Low backlog                */
/* ------------------------------------------------------------------------ */

#define LAT_WORKERS   2
#define LAT_LOW_DEPTH 32u /* Low jobs kept submitted-but-unfinished */

typedef struct feeder {
    const bench_impl *impl;
    void *pool;
    atomic_int stop;
    atomic_int failed;
    uint64_t submitted;
    pthread_t thread;
} feeder;

/*
 * Keeps LAT_LOW_DEPTH Low jobs outstanding (queued or running), topping up
 * every 200 us. The same bounded backlog for every pool: GThreadPool's queue
 * is unbounded, and 30 queued 5 ms jobs (~75 ms of work for two workers) are
 * plenty to keep both workers busy without ever idling.
 */
static void *feeder_main(void *a) {
    feeder *f = a;
    while (!atomic_load(&f->stop)) {
        while (f->submitted - atomic_load(&g_low_done.v) < LAT_LOW_DEPTH) {
            if (f->impl->submit(f->pool, BENCH_LOW, low_job, NULL) != 0) {
                atomic_store(&f->failed, 1);
                return NULL;
            }
            f->submitted++;
        }
        sleep_ns(200000);
    }
    return NULL;
}

/* Starts the Low backlog and returns once every worker is inside a Low job
   (and 10 ms more, so the pool is in its steady state). */
static void low_load_start(feeder *f, const bench_impl *im, void *pool) {
    f->impl = im;
    f->pool = pool;
    f->submitted = 0;
    atomic_init(&f->stop, 0);
    atomic_init(&f->failed, 0);
    if (pthread_create(&f->thread, NULL, feeder_main, f) != 0) exit(2);
    if (wait_count(&g_low_started, LAT_WORKERS, 5000000000u) != 0)
        fail("Low jobs did not start", im->name);
    sleep_ns(10000000);
}

/* Stops the backlog: running Low jobs return early, the feeder stops, and
   every Low job submitted has run by the time this returns. */
static void low_load_stop(feeder *f) {
    atomic_store(&g_low_stop, 1);
    atomic_store(&f->stop, 1);
    pthread_join(f->thread, NULL);
    if (atomic_load(&f->failed)) fail("Low submit failed", f->impl->name);
    if (wait_count(&g_low_done, f->submitted, 30000000000u) != 0)
        fail("Low jobs lost", f->impl->name);
}

/*
 * One stream of `count` High jobs `fn`, one every period_ns, into a fresh
 * pool of LAT_WORKERS workers, with the Low backlog running (with_load) or
 * not; rec[k] is job k's argument and record. Returns the number of Low jobs
 * run, or -1 if the pool failed or lost a job (reported).
 */
static long long high_stream(const bench_impl *im, bench_fn fn, uint64_t period_ns, int with_load,
                             lat_rec *rec, unsigned count) {
    bench_pool_cfg cfg = {.workers = LAT_WORKERS, .uses_priorities = 1};
    void *pool = im->create(&cfg);
    if (!pool) {
        fail("create", im->name);
        return -1;
    }
    /* Generous: the Low jobs the backlog can ever hold plus those that can
       finish during the run even if every Low job ended at once. */
    if (im->reserve) {
        uint64_t per_high = 4 * ((period_ns + 999999u) / 1000000u);
        im->reserve(pool, count + (with_load ? LAT_LOW_DEPTH + per_high * count : 0));
    }
    atomic_store(&g_high_done.v, 0);
    atomic_store(&g_low_done.v, 0);
    atomic_store(&g_low_started.v, 0);
    atomic_store(&g_low_stop, 0);
    memset(rec, 0, count * sizeof *rec);

    feeder f;
    memset(&f, 0, sizeof f);
    if (with_load) low_load_start(&f, im, pool);

    int failed = 0;
    uint64_t next = (bench_now_ns() / 1000000u + 1) * 1000000u;
    for (unsigned k = 0; k < count; k++) {
        next += period_ns;
        bench_sleep_until_ns(next);
        rec[k].submit_ns = bench_now_ns();
        if (im->submit(pool, BENCH_HIGH, fn, &rec[k]) != 0) {
            failed = 1;
            break;
        }
    }
    if (failed || wait_count(&g_high_done, count, 30000000000u) != 0)
        fail("High jobs lost", im->name);

    if (with_load) low_load_stop(&f);
    print_report(im, pool);
    im->destroy(pool);
    if (atomic_load(&g_high_done.v) != count) return -1;
    return (long long)f.submitted;
}

typedef struct pcts {
    double p50, p99, max; /* us */
} pcts;

/* Sorts v (ns) and returns its percentiles in us. */
static pcts summarize(uint64_t *v, unsigned n) {
    qsort(v, n, sizeof *v, cmp_u64);
    return (pcts){(double)percentile(v, n, 0.50) / 1e3, (double)percentile(v, n, 0.99) / 1e3,
                  (double)v[n - 1] / 1e3};
}

static uint64_t elapsed_ns(uint64_t from, uint64_t to) {
    return to > from ? to - from : 0;
}

/* Scenario 3: the queue wait (submit until start) of High jobs. */
static void scenario_latency(void) {
    const unsigned warm = g_opt.quick ? 5 : 50;
    const unsigned n = g_opt.quick ? 50 : 1000;
    printf("\n## High queue wait, %u workers saturated by 5 ms Low jobs, one High job per ms "
           "(us; %u samples after %u warm-up)\n",
           LAT_WORKERS, n, warm);
    lat_rec *rec = calloc(warm + n, sizeof *rec);
    uint64_t *wait = calloc(n, sizeof *wait);
    if (!rec || !wait) exit(2);

    for (int i = 0; i < NIMPL; i++) {
        const bench_impl *im = g_impls[i];
        if (im->not_built || !selected_impl(i)) continue;
        long long low = high_stream(im, high_job, 1000000u, 1, rec, warm + n);
        if (low < 0) continue;
        for (unsigned k = 0; k < n; k++)
            wait[k] = elapsed_ns(rec[warm + k].submit_ns, rec[warm + k].start_ns);
        pcts p = summarize(wait, n);
        printf("    %-14s p50 %.1f us, p99 %.1f us, max %.1f us (%lld Low jobs)\n", im->name, p.p50,
               p.p99, p.max, low);
        g_res[M_HIGH_P50][i] = (result){1, p.p50};
        g_res[M_HIGH_P99][i] = (result){1, p.p99};
        g_res[M_HIGH_MAX][i] = (result){1, p.max};
    }
    free(rec);
    free(wait);
}

#define E2E_WORK_NS   300000u  /* CPU work of each High job */
#define E2E_PERIOD_NS 2000000u /* one High job every 2 ms */

/*
 * Scenario 4: High jobs that finish fast, not only start fast. Each High job
 * computes for ~300 us (a fixed count of the compute loop, calibrated by the
 * clock: a job that loses its CPU meanwhile finishes later, and that is part
 * of what is measured), one every 2 ms (~15% of one CPU); the figure is
 * submit until the end of the job's work, with the Low backlog of scenario 3
 * and, in a fresh pool, alone (no Low job at all). The ratio p99 under load
 * / p99 alone is what the Low load costs a High job, start and run.
 */
static void scenario_e2e(void) {
    const unsigned warm = g_opt.quick ? 3 : 25;
    const unsigned n = g_opt.quick ? 20 : 500;
    g_e2e_iters = cpu_iters_for(E2E_WORK_NS);
    printf("\n## High jobs end to end: %u us of CPU work each, one every %u ms, %u workers "
           "saturated by 5 ms Low jobs, and alone (submit until the work is done, us; %u "
           "samples after %u warm-up)\n",
           E2E_WORK_NS / 1000u, E2E_PERIOD_NS / 1000000u, LAT_WORKERS, n, warm);
    printf("    calibrated loop: %llu iterations\n", (unsigned long long)g_e2e_iters);
    lat_rec *rec = calloc(warm + n, sizeof *rec);
    uint64_t *e2e = calloc(n, sizeof *e2e), *wait = calloc(n, sizeof *wait);
    if (!rec || !e2e || !wait) exit(2);

    for (int i = 0; i < NIMPL; i++) {
        const bench_impl *im = g_impls[i];
        if (im->not_built || !selected_impl(i)) continue;
        pcts p[2], w[2];
        long long low[2];
        for (int load = 0; load < 2; load++) {
            low[load] = high_stream(im, high_work_job, E2E_PERIOD_NS, load, rec, warm + n);
            if (low[load] < 0) break;
            for (unsigned k = 0; k < n; k++) {
                const lat_rec *r = &rec[warm + k];
                e2e[k] = elapsed_ns(r->submit_ns, r->end_ns);
                wait[k] = elapsed_ns(r->submit_ns, r->start_ns);
            }
            p[load] = summarize(e2e, n);
            w[load] = summarize(wait, n);
        }
        if (low[0] < 0 || low[1] < 0) continue;
        for (int load = 0; load < 2; load++)
            printf("    %-14s %-10s p50 %.1f us, p99 %.1f us, max %.1f us (of which queue wait "
                   "p50 %.1f, p99 %.1f)\n",
                   load ? "" : im->name, load ? "under load" : "alone", p[load].p50, p[load].p99,
                   p[load].max, w[load].p50, w[load].p99);
        double ratio = p[0].p99 > 0 ? p[1].p99 / p[0].p99 : 0;
        printf("    %-14s p99 under load / alone: %.2f (%lld Low jobs)\n", "", ratio, low[1]);
        g_res[M_E2E_P50][i] = (result){1, p[1].p50};
        g_res[M_E2E_P99][i] = (result){1, p[1].p99};
        g_res[M_E2E_P99_ALONE][i] = (result){1, p[0].p99};
        if (ratio > 0) g_res[M_E2E_RATIO][i] = (result){1, ratio};
    }
    free(rec);
    free(e2e);
    free(wait);
}

/* ------------------------------------------------------------------------ */
/* Report                                                                    */
/* ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------ */
/* Scenario 5: cancelling queued jobs (wpool only)                           */
/* ------------------------------------------------------------------------ */

static void count_discard(void *arg) {
    (void)arg;
    count_done(&g_done);
}

static _Atomic uint64_t g_ran_at; /* when the job behind the cancelled ones ran */

static void stamp_job(void *arg) {
    (void)arg;
    atomic_store(&g_ran_at, bench_now_ns());
    count_done(&g_done);
}

/* What wpool_cancel costs, and what the cancelled jobs cost the workers that
 * skip them later: n ticketed jobs queued at a paused priority (nothing
 * runs), each cancelled (its discard callback called), then the priority
 * resumed and the tombstones skipped; ns per job for each step. */
static void scenario_cancel(void) {
    if (!selected_impl(IMPL_WPOOL)) return;
    printf("\n## cancelling queued jobs (wpool only; ns/job, median of %u)\n", g_opt.reps);
    enum { N = 4096 };
    wpool_config c;
    wpool_config_init(&c);
    c.workers = 1;
    c.thread_name = "bench";
    wpool *p;
    if (wpool_create(&c, &p) != WPOOL_OK) {
        fail("create", "wpool");
        return;
    }
    static wpool_ticket tickets[N];
    double submit[64], cancel[64], skip[64];
    unsigned got = 0;
    for (unsigned rep = 0; rep <= g_opt.reps && rep < 64; rep++) {
        wpool_task t = {empty_job, count_discard, NULL};
        atomic_store(&g_done.v, 0);
        wpool_pause(p, WPOOL_NORMAL);
        uint64_t t0 = bench_now_ns();
        for (unsigned i = 0; i < N; i++)
            if (wpool_submit_job(p, WPOOL_NORMAL, &t, NULL, 0, &tickets[i]) != WPOOL_OK) {
                fail("submit_job", "wpool");
                goto out;
            }
        uint64_t t1 = bench_now_ns();
        for (unsigned i = 0; i < N; i++)
            if (wpool_cancel(p, tickets[i]) != WPOOL_OK) {
                fail("cancel", "wpool");
                goto out;
            }
        uint64_t t2 = bench_now_ns();
        /* The cancelled jobs already count as done (wpool_wait_idle would
         * return at once); their slots are freed as a worker passes them:
         * a job queued behind them runs once it has. */
        wpool_resume(p, WPOOL_NORMAL);
        if (wpool_submit(p, WPOOL_NORMAL, stamp_job, NULL) != WPOOL_OK ||
            wait_count(&g_done, N + 1, 60000000000u) != 0) {
            fail("the job behind the cancelled ones did not run", "wpool");
            goto out;
        }
        uint64_t t3 = atomic_load(&g_ran_at);
        wpool_stats s;
        wpool_get_stats(p, &s);
        if (s.cancelled[WPOOL_NORMAL] != (uint64_t)N * (rep + 1) || s.queued[WPOOL_NORMAL] != 0) {
            fail("cancelled jobs not all discarded", "wpool");
            goto out;
        }
        if (rep == 0) continue; /* warm-up */
        submit[got] = (double)(t1 - t0) / (double)N;
        cancel[got] = (double)(t2 - t1) / (double)N;
        skip[got] = (double)(t3 - t2) / (double)N;
        got++;
    }
    print_reps("submit_job", "ns/job per run", submit, got, 1.0);
    print_reps("cancel", "ns/job per run", cancel, got, 1.0);
    print_reps("resume+skip", "ns/job per run", skip, got, 1.0);
    printf("    median: submit_job %.1f, cancel %.1f (discard callback included), skipped "
           "by the worker %.1f ns/job (resume's wake-up included)\n",
           median(submit, got), median(cancel, got), median(skip, got));
out:
    wpool_destroy(p);
}

static void print_machine(void) {
    char model[256] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "model name", 10) == 0) {
                char *c = strchr(line, ':');
                if (c) {
                    c++;
                    while (*c == ' ' || *c == '\t')
                        c++;
                    c[strcspn(c, "\n")] = 0;
                    snprintf(model, sizeof model, "%s", c);
                }
                break;
            }
        }
        fclose(f);
    }
#if defined(__APPLE__) || defined(__FreeBSD__)
    size_t model_len = sizeof model;
#if defined(__APPLE__)
    if (sysctlbyname("machdep.cpu.brand_string", model, &model_len, NULL, 0) != 0)
#else
    if (sysctlbyname("hw.model", model, &model_len, NULL, 0) != 0)
#endif
        snprintf(model, sizeof model, "unknown");
#endif
    char kernel[300] = "unknown";
#if defined(_WIN32)
    snprintf(kernel, sizeof kernel, "Windows");
#else
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(kernel, sizeof kernel, "%s %s %s", u.sysname, u.release, u.machine);
#endif
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
#if defined(_WIN32)
    gmtime_s(&tm, &now);
#else
    gmtime_r(&now, &tm);
#endif
    strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", &tm);

    printf("# wpool benchmark%s\n\n", g_opt.quick ? " (--quick: smoke-test counts, timings "
                                                    "meaningless)"
                                                  : "");
    printf("- date: %s\n", date);
    printf("- CPU: %s; nproc: %ld\n", model, bench_cpu_count());
    printf("- kernel: %s\n", kernel);
#ifdef __VERSION__
    printf("- compiler: %s\n", __VERSION__);
#endif
    for (int i = 0; i < NIMPL; i++) {
        const bench_impl *im = g_impls[i];
        if (im->not_built)
            printf("- %s: not built (%s)\n", im->name, im->not_built);
        else
            printf("- %s: %s\n", im->name, im->version());
    }
    static const char *const levels[] = {"inherit", "below", "lowest", "idle"};
    printf("- wpool config: default but workers");
    if (bench_wpool_opts.max_temp_workers >= 0)
        printf(", max_temp_workers = %ld (--wpool-max-temp)", bench_wpool_opts.max_temp_workers);
    if (bench_wpool_opts.temp_spares >= 0)
        printf(", temp_spares = %ld (--wpool-spares)", bench_wpool_opts.temp_spares);
    if (bench_wpool_opts.os_priority >= 0)
        printf(", worker_os_priority = %s (--wpool-os-priority)",
               levels[bench_wpool_opts.os_priority]);
    printf("\n");
}

static void cell(char *buf, size_t size, int m, int i) {
    const bench_impl *im = g_impls[i];
    const result *r = &g_res[m][i];
    if (im->not_built) {
        snprintf(buf, size, "not built");
    } else if (!r->have) {
        snprintf(buf, size, "-");
    } else {
        switch (m) {
        case M_EMPTY_1:
        case M_EMPTY_2:
            snprintf(buf, size, "%.1f", r->value);
            break;
        case M_CPU_RATE:
            snprintf(buf, size, "%.0f", r->value);
            break;
        case M_CPU_EFF:
        case M_E2E_RATIO:
            snprintf(buf, size, "%.2f", r->value);
            break;
        default:
            snprintf(buf, size, "%.1f", r->value);
            break;
        }
    }
}

static void ratio_row(const char *label, int m, double bar) {
    char v[64];
    const result *w = &g_res[m][IMPL_WPOOL], *g = &g_res[m][IMPL_GLIB];
    if (w->have && g->have && g->value > 0) {
        double r = w->value / g->value;
        snprintf(v, sizeof v, "%.3f %s", r, r <= bar ? "PASS" : "FAIL");
    } else {
        snprintf(v, sizeof v, "n/a");
    }
    printf("| %s | %s | | |\n", label, v);
}

static void print_table(void) {
    static const char *const label[M_COUNT] = {
        "empty jobs, 1P/1W: ns/job",
        "empty jobs, 2P/2W: ns/job",
        "4 us CPU jobs, 1P/2W: jobs/s",
        "4 us CPU jobs, 1P/2W: efficiency (rate / 2 x single-thread)",
        "High wait under 5 ms Low saturation: p50 (us)",
        "High wait under 5 ms Low saturation: p99 (us)",
        "High wait under 5 ms Low saturation: max (us)",
        "High end to end (300 us jobs) under 5 ms Low saturation: p50 (us)",
        "High end to end (300 us jobs) under 5 ms Low saturation: p99 (us)",
        "High end to end (300 us jobs) alone: p99 (us)",
        "High end to end: p99 under load / p99 alone",
    };
    printf("\n## Results\n\n");
    if (g_load_known)
        printf("Other processes used %.0f%% of the CPUs during the run (steal %.0f%%).\n",
               g_other_load_pct, g_steal_pct);
    else
        printf("The load from other processes was not measured (Linux only).\n");
    if (g_single_rate > 0)
        printf("CPU job: %.2f us inline; single-thread rate %.0f jobs/s.\n\n", g_job_us,
               g_single_rate);
    printf("| scenario / metric |");
    for (int i = 0; i < NIMPL; i++)
        printf(" %s |", g_impls[i]->name);
    printf("\n|---|");
    for (int i = 0; i < NIMPL; i++)
        printf("---:|");
    printf("\n");
    for (int m = 0; m < M_COUNT; m++) {
        printf("| %s |", label[m]);
        for (int i = 0; i < NIMPL; i++) {
            char c[64];
            cell(c, sizeof c, m, i);
            printf(" %s |", c);
        }
        printf("\n");
    }
    ratio_row("empty-job cost wpool/GThreadPool, 1P/1W (bar <= 0.25)", M_EMPTY_1, 0.25);
    ratio_row("empty-job cost wpool/GThreadPool, 2P/2W (bar <= 0.25)", M_EMPTY_2, 0.25);
    char v[64];
    const result *p99 = &g_res[M_HIGH_P99][IMPL_WPOOL];
    if (p99->have)
        snprintf(v, sizeof v, "%.1f us %s", p99->value, p99->value <= 100.0 ? "PASS" : "FAIL");
    else
        snprintf(v, sizeof v, "n/a");
    printf("| High p99 wait, wpool (bar <= 100 us) | %s | | |\n", v);
    for (int i = 0; i < NIMPL; i++)
        if (g_impls[i]->not_built)
            printf("\n%s: not built (%s)\n", g_impls[i]->name, g_impls[i]->not_built);
}

static void usage(FILE *to) {
    fprintf(to, "usage: wpool_bench [--quick] [--scenario empty|cpu|latency|e2e|cancel] "
                "[--impl wpool|mutex|glib] [--reps N]\n"
                "                   [--wpool-max-temp N] [--wpool-spares N]\n"
                "                   [--wpool-os-priority inherit|below|lowest|idle]\n"
                "                   [--wpool-submit plain|ticket|deadline]\n");
}

/* A --wpool-* value: a decimal integer in 0..1000000 (wpool_create checks
   the field's own limit), or -1 after printing why not. */
static long wpool_option(const char *flag, const char *text) {
    char *end;
    unsigned long v = strtoul(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || *end != 0 || v > 1000000ul) {
        fprintf(stderr, "%s: '%s' is not a count\n", flag, text);
        return -1;
    }
    return (long)v;
}

int main(int argc, char **argv) {
    g_opt.reps = 5;
    int reps_set = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            g_opt.quick = 1;
        } else if (strcmp(argv[i], "--scenario") == 0 && i + 1 < argc) {
            g_opt.scenario = argv[++i];
        } else if (strcmp(argv[i], "--impl") == 0 && i + 1 < argc) {
            g_opt.impl = argv[++i];
        } else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
            g_opt.reps = (unsigned)strtoul(argv[++i], NULL, 10);
            reps_set = 1;
        } else if (strcmp(argv[i], "--wpool-max-temp") == 0 && i + 1 < argc) {
            bench_wpool_opts.max_temp_workers = wpool_option(argv[i], argv[i + 1]);
            if (bench_wpool_opts.max_temp_workers < 0) return 2;
            i++;
        } else if (strcmp(argv[i], "--wpool-spares") == 0 && i + 1 < argc) {
            bench_wpool_opts.temp_spares = wpool_option(argv[i], argv[i + 1]);
            if (bench_wpool_opts.temp_spares < 0) return 2;
            i++;
        } else if (strcmp(argv[i], "--wpool-os-priority") == 0 && i + 1 < argc) {
            static const char *const levels[] = {"inherit", "below", "lowest", "idle"};
            i++;
            for (long l = 0; l < 4; l++)
                if (strcmp(argv[i], levels[l]) == 0) bench_wpool_opts.os_priority = l;
            if (bench_wpool_opts.os_priority < 0) {
                fprintf(stderr, "--wpool-os-priority: '%s' is not a level\n", argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--wpool-submit") == 0 && i + 1 < argc) {
            static const char *const modes[] = {"plain", "ticket", "deadline"};
            int mode = -1;
            i++;
            for (int m = 0; m < 3; m++)
                if (strcmp(argv[i], modes[m]) == 0) mode = m;
            if (mode < 0) {
                fprintf(stderr, "--wpool-submit: '%s' is not a mode\n", argv[i]);
                return 2;
            }
            bench_wpool_opts.submit_mode = mode;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (g_opt.quick && !reps_set) g_opt.reps = 3;
    if (g_opt.reps < 1 || g_opt.reps > 64) {
        fprintf(stderr, "--reps must be 1..64\n");
        return 2;
    }
    if (g_opt.scenario && strcmp(g_opt.scenario, "empty") != 0 &&
        strcmp(g_opt.scenario, "cpu") != 0 && strcmp(g_opt.scenario, "latency") != 0 &&
        strcmp(g_opt.scenario, "e2e") != 0 && strcmp(g_opt.scenario, "cancel") != 0) {
        fprintf(stderr, "unknown scenario '%s'\n", g_opt.scenario);
        return 2;
    }
    int any_impl = 0;
    for (int i = 0; i < NIMPL; i++)
        any_impl |= selected_impl(i);
    if (!any_impl) {
        fprintf(stderr, "unknown implementation '%s'\n", g_opt.impl);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    print_machine();
    load_mark run_start, mark;
    load_mark_now(&run_start);
    if (selected_scenario("empty")) {
        load_mark_now(&mark);
        scenario_empty();
        print_load_since(&mark);
    }
    if (selected_scenario("cpu")) {
        load_mark_now(&mark);
        scenario_cpu();
        print_load_since(&mark);
    }
    if (selected_scenario("latency")) {
        load_mark_now(&mark);
        scenario_latency();
        print_load_since(&mark);
    }
    if (selected_scenario("e2e")) {
        load_mark_now(&mark);
        scenario_e2e();
        print_load_since(&mark);
    }
    if (selected_scenario("cancel")) {
        load_mark_now(&mark);
        scenario_cancel();
        print_load_since(&mark);
    }
    g_load_known = load_since(&run_start, &g_other_load_pct, &g_steal_pct);
    print_table();
    if (g_failures) {
        fprintf(stderr, "%d failure(s)\n", g_failures);
        return 1;
    }
    return 0;
}
