/*
 * test_worker_threads: what a pool's threads are and what they run first.
 *
 * - wpool_in_pool: only on this pool's threads;
 * - thread_name: "<prefix>-<i>" and "<prefix>-t<i>", prefix cut at 10 bytes,
 *   default "wpool";
 * - pin_workers: regular worker i runs on exactly the i-th allowed CPU; without
 *   it, on every allowed CPU (not on macOS, which cannot bind a thread to a
 *   CPU: the library documents pin_workers as ignored there);
 * - on_thread_start / on_thread_stop: once per thread (regular and
 *   temporary), start before any job on that thread, stop on the same thread,
 *   indices in range, totals == workers + temp_spawned after destroy.
 *
 * (Split from test_extras.c.)
 */
#include "test_util.h"

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
    CHECK_EQ(test_thread_name(w->name, sizeof w->name), 0);
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
#if TEST_HAVE_AFFINITY
    test_cpus mask;
#endif
} pin_probe;

static void pin_probe_job(void *a) {
    pin_probe *pp = a;
    pp->index = tls_index;
    pp->temporary = tls_temporary;
#if TEST_HAVE_AFFINITY
    CHECK_EQ(test_thread_cpus(&pp->mask), 0);
#endif
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
    cfg.temp_spares = 0;
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

    /* Temporary workers: spawned, retired, spawned again (the pool keeps no
     * spare: temp_spares = 0 above). */
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

#if TEST_HAVE_AFFINITY
    test_cpus allowed;
    CHECK_EQ(test_thread_cpus(&allowed), 0);
    if (pin) {
        int cpus[TEST_MAX_CPUS], n = 0;
        for (int c = 0; c < TEST_MAX_CPUS; c++)
            if (test_cpus_has(&allowed, c)) cpus[n++] = c;
        CHECK(n >= 1);
        for (int i = 0; i < W; i++) {
            CHECK_EQ(test_cpus_count(&pp[i].mask), 1);
            CHECK(test_cpus_has(&pp[i].mask, cpus[pp[i].index % n]));
        }
    } else {
        for (int i = 0; i < W; i++)
            CHECK(test_cpus_equal(&pp[i].mask, &allowed));
    }
#else
    (void)pin; /* macOS: threads cannot be bound to CPUs; pin_workers is ignored there */
#endif
}

int main(void) {
    test_watchdog("test_worker_threads", 100);
    names_and_in_pool();
    hooks_and_pinning(0);
    hooks_and_pinning(1);
    test_summary("test_worker_threads");
    return 0;
}
