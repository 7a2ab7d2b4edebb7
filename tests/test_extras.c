/*
 * test_extras: the API beyond the core contract.
 *
 * - wpool_submit_batch: FIFO order kept, *accepted, EFULL / ETIMEDOUT after a
 *   partial batch (the first ones queued, the rest never called), NULL
 *   accepted pointer, ECLOSED after shutdown;
 * - wpool_wait_idle: OK when idle and only after a running job returned,
 *   ETIMEDOUT (after at least the timeout) while a job blocks, EDEADLK from
 *   inside a job;
 * - wpool_stats_prometheus: snprintf-like length, NUL-terminated truncation
 *   at every size, "wpool_"-prefixed metrics carrying the snapshot's values;
 * - wpool_in_pool: only on this pool's threads;
 * - thread_name: "<prefix>-<i>" and "<prefix>-t<i>", prefix cut at 10 bytes,
 *   default "wpool";
 * - pin_workers: regular worker i runs on exactly the i-th allowed CPU;
 * - on_thread_start / on_thread_stop: once per thread (regular and
 *   temporary), start before any job on that thread, stop on the same thread,
 *   indices in range, totals == workers + temp_spawned after destroy;
 * - stats: exact submitted/completed/queued/running/busy_workers while a gate
 *   blocks, and queue-wait figures with real waits: 0 < p50 <= p99 <= max,
 *   all at least the known minimum wait, mean within [min, max].
 */
#include "test_util.h"

#include <sched.h>

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

/* --- batch ------------------------------------------------------------------ */

static void batch(void) {
    enum { N = 50, CAP = 8 };
    wpool_task tasks[64];
    size_t accepted;

    /* Order kept within a batch and across batches. */
    wpool *p = small_pool(64, 0);
    reset();
    test_gate g;
    gate_init(&g);
    CHECK_OK(wpool_submit(p, WPOOL_HIGH, gate_job, &g));
    WAIT_GATE_ENTERED(&g, 1);
    for (int i = 0; i < N; i++)
        tasks[i] = (wpool_task){rec_job, NULL, (void *)(intptr_t)i};
    accepted = 999;
    CHECK_OK(wpool_submit_batch(p, WPOOL_NORMAL, tasks, 30, 0, &accepted));
    CHECK_EQ(accepted, 30);
    CHECK_OK(wpool_submit_batch(p, WPOOL_NORMAL, tasks + 30, N - 30, WPOOL_FOREVER, NULL));
    accepted = 999;
    CHECK_OK(wpool_submit_batch(p, WPOOL_NORMAL, tasks, 0, 0, &accepted)); /* empty */
    CHECK_EQ(accepted, 0);
    CHECK_EQ(get_stats(p).queued[WPOOL_NORMAL], N);
    CHECK_EQ(get_stats(p).submitted[WPOOL_NORMAL], N);
    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_EQ(atomic_load(&order_n), N);
    for (int i = 0; i < N; i++)
        CHECK_EQ(atomic_load(&order[i]), i);
    wpool_destroy(p);

    /* EFULL: the first CAP are queued, the rest never called. */
    p = small_pool(CAP, 0);
    reset();
    gate_init(&g);
    CHECK_OK(wpool_submit(p, WPOOL_NORMAL, gate_job, &g));
    WAIT_GATE_ENTERED(&g, 1);
    for (int i = 0; i < 12; i++)
        tasks[i] = (wpool_task){rec_job, NULL, (void *)(intptr_t)i};
    accepted = 999;
    CHECK_RC(wpool_submit_batch(p, WPOOL_LOW, tasks, 12, 0, &accepted), WPOOL_EFULL);
    CHECK_EQ(accepted, CAP);
    CHECK_EQ(get_stats(p).queued[WPOOL_LOW], CAP);
    CHECK(get_stats(p).rejected[WPOOL_LOW] >= 1);
    /* ETIMEDOUT on a full ring, nothing more accepted. */
    for (int i = 0; i < 4; i++)
        tasks[i] = (wpool_task){rec_job, NULL, (void *)(intptr_t)(100 + i)};
    accepted = 999;
    uint64_t t0 = now_ns();
    CHECK_RC(wpool_submit_batch(p, WPOOL_LOW, tasks, 4, 50 * MS_NS, &accepted), WPOOL_ETIMEDOUT);
    CHECK(now_ns() - t0 >= 50 * MS_NS * 95 / 100);
    CHECK_EQ(accepted, 0);
    /* ETIMEDOUT part-way: High ring has room for CAP. */
    for (int i = 0; i < 10; i++)
        tasks[i] = (wpool_task){rec_job, NULL, (void *)(intptr_t)(200 + i)};
    accepted = 999;
    CHECK_RC(wpool_submit_batch(p, WPOOL_HIGH, tasks, 10, 20 * MS_NS, &accepted), WPOOL_ETIMEDOUT);
    CHECK_EQ(accepted, CAP);
    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    for (int i = 0; i < 12; i++)
        CHECK_EQ(atomic_load(&runs[i]), i < CAP ? 1 : 0);
    for (int i = 100; i < 104; i++)
        CHECK_EQ(atomic_load(&runs[i]), 0);
    for (int i = 200; i < 210; i++)
        CHECK_EQ(atomic_load(&runs[i]), i < 200 + CAP ? 1 : 0);
    /* High before Low, each in order. */
    for (int i = 0; i < CAP; i++)
        CHECK_EQ(atomic_load(&order[i]), 200 + i);
    for (int i = 0; i < CAP; i++)
        CHECK_EQ(atomic_load(&order[CAP + i]), i);
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.submitted[WPOOL_LOW], CAP);
    CHECK_EQ(s.submitted[WPOOL_HIGH], CAP);
    CHECK_STATS_BALANCED(s);

    /* After shutdown: ECLOSED, nothing accepted. */
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    accepted = 999;
    CHECK_RC(wpool_submit_batch(p, WPOOL_LOW, tasks, 3, WPOOL_FOREVER, &accepted), WPOOL_ECLOSED);
    CHECK_EQ(accepted, 0);
    wpool_destroy(p);
}

typedef struct batch_waiter {
    wpool *p;
    wpool_task *tasks;
    size_t n, accepted;
    atomic_int returned, rc;
} batch_waiter;

static void *batch_waiter_main(void *a) {
    batch_waiter *bw = a;
    int rc =
        wpool_submit_batch(bw->p, WPOOL_NORMAL, bw->tasks, bw->n, WPOOL_FOREVER, &bw->accepted);
    atomic_store(&bw->rc, rc);
    atomic_store(&bw->returned, 1);
    return NULL;
}

/* A batch larger than the ring waits for room (WPOOL_FOREVER), keeps order. */
static void batch_waits_for_room(void) {
    enum { N = 40 };
    wpool *p = small_pool(4, 0);
    reset();
    test_gate g;
    gate_init(&g);
    CHECK_OK(wpool_submit(p, WPOOL_HIGH, gate_job, &g));
    WAIT_GATE_ENTERED(&g, 1);
    wpool_task tasks[N];
    for (int i = 0; i < N; i++)
        tasks[i] = (wpool_task){rec_job, NULL, (void *)(intptr_t)i};
    batch_waiter bw = {.p = p, .tasks = tasks, .n = N, .accepted = 999};
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, batch_waiter_main, &bw), 0);
    sleep_ms(100);
    CHECK_EQ(atomic_load(&bw.returned), 0);
    CHECK_EQ(get_stats(p).queued[WPOOL_NORMAL], 4);
    gate_open(&g);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_RC(atomic_load(&bw.rc), WPOOL_OK);
    CHECK_EQ(bw.accepted, N);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_EQ(atomic_load(&order_n), N);
    for (int i = 0; i < N; i++)
        CHECK_EQ(atomic_load(&order[i]), i);
    wpool_destroy(p);
}

/* --- wait_idle --------------------------------------------------------------- */

typedef struct slow {
    atomic_int done;
    wpool *p;
    atomic_int inner_rc;
} slow;

static void slow_job(void *a) {
    slow *sj = a;
    sleep_ms(200);
    atomic_store(&sj->done, 1);
}

static void inner_wait_job(void *a) {
    slow *sj = a;
    atomic_store(&sj->inner_rc, wpool_wait_idle(sj->p, WPOOL_FOREVER));
    atomic_store(&sj->done, 1);
}

static void wait_idle(void) {
    wpool *p = small_pool(16, 1);
    CHECK_OK(wpool_wait_idle(p, WPOOL_FOREVER));
    CHECK_OK(wpool_wait_idle(p, 0));

    slow sj = {.p = p};
    CHECK_OK(wpool_submit(p, WPOOL_NORMAL, slow_job, &sj));
    CHECK_OK(wpool_wait_idle(p, WPOOL_FOREVER));
    CHECK_EQ(atomic_load(&sj.done), 1); /* returned only after the job */

    test_gate g;
    gate_init(&g);
    CHECK_OK(wpool_submit(p, WPOOL_LOW, gate_job, &g));
    WAIT_GATE_ENTERED(&g, 1);
    uint64_t t0 = now_ns();
    CHECK_RC(wpool_wait_idle(p, 100 * MS_NS), WPOOL_ETIMEDOUT);
    CHECK(now_ns() - t0 >= 100 * MS_NS * 95 / 100);
    CHECK_RC(wpool_wait_idle(p, 0), WPOOL_ETIMEDOUT);
    /* Intake stays open while waiting. */
    slow in1 = {.p = p}, in2 = {.p = p};
    atomic_init(&in1.inner_rc, 1);
    atomic_init(&in2.inner_rc, 1);
    CHECK_OK(wpool_submit(p, WPOOL_HIGH, inner_wait_job, &in1)); /* temporary worker */
    CHECK_EVENTUALLY(atomic_load(&in1.done), 10000);
    CHECK_RC(atomic_load(&in1.inner_rc), WPOOL_EDEADLK);
    gate_open(&g);
    CHECK_OK(wpool_submit(p, WPOOL_NORMAL, inner_wait_job, &in2)); /* regular worker */
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_EQ(atomic_load(&in2.done), 1);
    CHECK_RC(atomic_load(&in2.inner_rc), WPOOL_EDEADLK);
    CHECK_EQ(atomic_load(&g.left), 1);
    wpool_destroy(p);
}

/* A pool that never had work: nothing is queued or running, so even a zero
 * timeout succeeds at once (its workers may still be starting or looking for
 * work: that is not "running"). */
static void wait_idle_no_work(void) {
    for (int i = 0; i < 20; i++) {
        wpool *p = small_pool(16, 1);
        CHECK_OK(wpool_wait_idle(p, 0));
        wpool_destroy(p);
    }
    for (int i = 0; i < 20; i++) {
        wpool *p = small_pool(16, 1);
        CHECK_OK(wpool_shutdown(p, 0)); /* the same for shutdown */
        wpool_destroy(p);
    }
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

/* --- in_pool, thread names --------------------------------------------------- */

typedef struct where {
    wpool *self, *other;
    atomic_int done;
    int in_self, in_other;
    char name[16];
} where;

static void where_job(void *a) {
    where *w = a;
    w->in_self = wpool_in_pool(w->self);
    w->in_other = wpool_in_pool(w->other);
    CHECK_EQ(pthread_getname_np(pthread_self(), w->name, sizeof w->name), 0);
    atomic_store(&w->done, 1);
}

static int starts_with(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Runs where_job on a regular worker (Normal) and on a temporary one (High,
 * while the one regular worker is blocked). */
static void where_both(wpool *p, wpool *other, where *reg, where *tmp) {
    memset(reg, 0, sizeof *reg);
    memset(tmp, 0, sizeof *tmp);
    reg->self = tmp->self = p;
    reg->other = tmp->other = other;
    CHECK_OK(wpool_submit(p, WPOOL_NORMAL, where_job, reg));
    CHECK_EVENTUALLY(atomic_load(&reg->done), 10000);
    test_gate g;
    gate_init(&g);
    CHECK_OK(wpool_submit(p, WPOOL_LOW, gate_job, &g));
    WAIT_GATE_ENTERED(&g, 1);
    CHECK_OK(wpool_submit(p, WPOOL_HIGH, where_job, tmp));
    CHECK_EVENTUALLY(atomic_load(&tmp->done), 10000);
    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
}

static wpool *named_pool(const char *name) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 1;
    cfg.max_temp_workers = 1;
    cfg.thread_name = name;
    return make_pool(&cfg);
}

static int is_digits(const char *s) {
    if (!*s) return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return 0;
    return 1;
}

static void names_and_in_pool(void) {
    char name_buf[16];
    strcpy(name_buf, "tname");
    wpool *a = named_pool(name_buf);
    memset(name_buf, 0, sizeof name_buf); /* the pool copied it */
    wpool *b = named_pool("abcdefghijklmnop");
    wpool *c = named_pool(NULL);
    CHECK_EQ(wpool_in_pool(a), 0);
    CHECK_EQ(wpool_in_pool(b), 0);

    where reg, tmp;
    where_both(a, b, &reg, &tmp);
    CHECK_EQ(reg.in_self, 1);
    CHECK_EQ(reg.in_other, 0);
    CHECK_EQ(tmp.in_self, 1);
    CHECK_EQ(tmp.in_other, 0);
    printf("thread names: \"%s\" \"%s\"\n", reg.name, tmp.name);
    CHECK(starts_with(reg.name, "tname-"));
    CHECK(is_digits(reg.name + 6));
    CHECK(starts_with(tmp.name, "tname-t"));
    CHECK(is_digits(tmp.name + 7));

    where_both(b, a, &reg, &tmp);
    CHECK(starts_with(reg.name, "abcdefghij-"));
    CHECK(is_digits(reg.name + 11));
    CHECK(starts_with(tmp.name, "abcdefghij-t"));
    CHECK(is_digits(tmp.name + 12));
    CHECK_EQ(reg.in_other, 0);

    where_both(c, NULL, &reg, &tmp);
    CHECK(starts_with(reg.name, "wpool-"));
    CHECK(is_digits(reg.name + 6));
    CHECK(starts_with(tmp.name, "wpool-t"));
    CHECK(is_digits(tmp.name + 7));
    CHECK_EQ(reg.in_other, 0);
    CHECK_EQ(wpool_in_pool(c), 0);
    wpool_destroy(a);
    wpool_destroy(b);
    wpool_destroy(c);
}

/* --- hooks and pinning ------------------------------------------------------- */

#define MAXT 64
typedef struct hooks {
    atomic_int starts, stops;
    atomic_int reg_starts[MAXT], reg_stops[MAXT];
    atomic_int temp_starts, temp_stops;
    atomic_int bad; /* a hook broke a rule */
    unsigned workers, max_temp;
} hooks;

static _Thread_local int tls_started;
static _Thread_local int tls_index = -1;
static _Thread_local int tls_temporary = -1;

static void on_start(void *ctx, unsigned index, int temporary) {
    hooks *h = ctx;
    if (tls_started) atomic_store(&h->bad, 1); /* twice on one thread */
    tls_started = 1;
    tls_index = (int)index;
    tls_temporary = temporary != 0;
    atomic_fetch_add(&h->starts, 1);
    if (temporary) {
        if (index >= h->max_temp) atomic_store(&h->bad, 2);
        atomic_fetch_add(&h->temp_starts, 1);
    } else {
        if (index >= h->workers)
            atomic_store(&h->bad, 3);
        else
            atomic_fetch_add(&h->reg_starts[index], 1);
    }
}

static void on_stop(void *ctx, unsigned index, int temporary) {
    hooks *h = ctx;
    if (tls_started != 1 || tls_index != (int)index || tls_temporary != (temporary != 0))
        atomic_store(&h->bad, 4); /* not the thread that started */
    tls_started = 2;
    atomic_fetch_add(&h->stops, 1);
    if (temporary)
        atomic_fetch_add(&h->temp_stops, 1);
    else if (index < h->workers)
        atomic_fetch_add(&h->reg_stops[index], 1);
}

/* A job that checks the start hook ran on its thread before it. */
typedef struct hook_probe {
    atomic_int missing_start;
    atomic_int ran;
} hook_probe;

static void hook_probe_job(void *a) {
    hook_probe *hp = a;
    if (tls_started != 1) atomic_fetch_add(&hp->missing_start, 1);
    atomic_fetch_add(&hp->ran, 1);
}

/* Blocks its worker; records the worker's hook index and CPU set. */
typedef struct pin_probe {
    test_gate *g;
    atomic_int filled;
    int index, temporary;
    cpu_set_t mask;
} pin_probe;

static void pin_probe_job(void *a) {
    pin_probe *pp = a;
    pp->index = tls_index;
    pp->temporary = tls_temporary;
    CPU_ZERO(&pp->mask);
    CHECK_EQ(sched_getaffinity(0, sizeof pp->mask, &pp->mask), 0);
    atomic_store(&pp->filled, 1);
    gate_job(pp->g);
}

static void hooks_and_pinning(int pin) {
    enum { W = 2, T = 2 };
    hooks h;
    memset(&h, 0, sizeof h);
    h.workers = W;
    h.max_temp = T;
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = W;
    cfg.max_temp_workers = T;
    cfg.temp_idle_ms = 30;
    cfg.on_thread_start = on_start;
    cfg.on_thread_stop = on_stop;
    cfg.hook_ctx = &h;
    cfg.pin_workers = pin;
    wpool *p = make_pool(&cfg);

    /* Block both regular workers with probes. */
    test_gate g;
    gate_init(&g);
    pin_probe pp[W];
    memset(pp, 0, sizeof pp);
    for (int i = 0; i < W; i++) {
        pp[i].g = &g;
        CHECK_OK(wpool_submit(p, WPOOL_LOW, pin_probe_job, &pp[i]));
    }
    WAIT_GATE_ENTERED(&g, W);
    CHECK_EQ(pp[0].temporary, 0);
    CHECK_EQ(pp[1].temporary, 0);
    CHECK(pp[0].index != pp[1].index);
    CHECK(pp[0].index >= 0 && pp[0].index < W && pp[1].index >= 0 && pp[1].index < W);

    /* Temporary workers: spawned, retired, spawned again. */
    hook_probe hp;
    memset(&hp, 0, sizeof hp);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 6; i++)
            CHECK_OK(wpool_submit(p, WPOOL_HIGH, hook_probe_job, &hp));
        CHECK_EVENTUALLY(atomic_load(&hp.ran) == 6 * (round + 1), 10000);
        CHECK_EVENTUALLY(get_stats(p).temp_workers == 0, 10000);
    }
    CHECK_EQ(atomic_load(&g.left), 0); /* all that ran on temporary workers */
    gate_open(&g);
    for (int i = 0; i < 30; i++)
        CHECK_OK(wpool_submit(p, WPOOL_NORMAL, hook_probe_job, &hp));
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    CHECK_EQ(atomic_load(&hp.ran), 48);
    CHECK_EQ(atomic_load(&hp.missing_start), 0);
    wpool_stats s = get_stats(p);
    CHECK(s.temp_spawned >= 3);
    wpool_destroy(p);

    CHECK_EQ(atomic_load(&h.bad), 0);
    CHECK_EQ(atomic_load(&h.starts), W + (int)s.temp_spawned);
    CHECK_EQ(atomic_load(&h.stops), W + (int)s.temp_spawned);
    CHECK_EQ(atomic_load(&h.temp_starts), (int)s.temp_spawned);
    CHECK_EQ(atomic_load(&h.temp_stops), (int)s.temp_spawned);
    for (int i = 0; i < W; i++) {
        CHECK_EQ(atomic_load(&h.reg_starts[i]), 1);
        CHECK_EQ(atomic_load(&h.reg_stops[i]), 1);
    }

    if (pin) {
        cpu_set_t allowed;
        CPU_ZERO(&allowed);
        CHECK_EQ(sched_getaffinity(0, sizeof allowed, &allowed), 0);
        int cpus[CPU_SETSIZE], n = 0;
        for (int c = 0; c < CPU_SETSIZE; c++)
            if (CPU_ISSET(c, &allowed)) cpus[n++] = c;
        CHECK(n >= 1);
        for (int i = 0; i < W; i++) {
            CHECK_EQ(CPU_COUNT(&pp[i].mask), 1);
            CHECK(CPU_ISSET(cpus[pp[i].index % n], &pp[i].mask));
        }
    } else {
        cpu_set_t allowed;
        CPU_ZERO(&allowed);
        CHECK_EQ(sched_getaffinity(0, sizeof allowed, &allowed), 0);
        for (int i = 0; i < W; i++)
            CHECK(CPU_EQUAL(&pp[i].mask, &allowed));
    }
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
    test_watchdog("test_extras", 100);
    batch();
    batch_waits_for_room();
    wait_idle();
    prometheus();
    names_and_in_pool();
    hooks_and_pinning(0);
    hooks_and_pinning(1);
    stats_figures();
    wait_idle_no_work();
    test_summary("test_extras");
    return 0;
}
