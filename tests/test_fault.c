/*
 * test_fault: fault injection at every allocation and every thread start of
 * wpool_create, and at temporary-worker starts; in every variant (plain, TSan,
 * ASan+UBSan with LeakSanitizer).
 *
 * This executable defines malloc, calloc, realloc, free, posix_memalign,
 * aligned_alloc, memalign, pthread_create and pthread_attr_init, each
 * forwarding to the next definition (dlsym(RTLD_NEXT): the C library's, or the
 * sanitizer runtime's, which gcc links as a shared library loaded before the
 * C library, so the sanitizers still see every allocation and thread). dlsym
 * itself may allocate before the real functions are known: those few early
 * allocations come from a static arena.
 *
 * Only calls made on the thread that calls wpool_create (or any thread, for
 * temporary workers, which the pool's spawner thread starts) while a test
 * arms the injection are counted and can fail; allocations inside pthread_create (the C library's
 * or the sanitizer's own bookkeeping for a new thread) are neither failed nor tracked.
 *
 * 1. wpool_create: for several configurations, fail its k-th allocation for
 *    k = 0, 1, ... until it succeeds: WPOOL_ENOMEM, *out untouched, every
 *    allocation it made freed again (a live-allocation count; ASan's leak
 *    check at exit too), no thread left (/proc/self/task). Then the same for
 *    the k-th pthread_create (WPOOL_EAGAIN, or WPOOL_ENOMEM when it says
 *    ENOMEM) and the k-th pthread_attr_init (WPOOL_ENOMEM); wpool_create
 *    starts the regular workers, the spare temporary worker and the spawner.
 * 2. Temporary workers: regular workers blocked on gate jobs, High jobs
 *    submitted one by one, each needing a new temporary worker (no spare,
 *    1 ms TTL: the previous one has retired); the k-th start fails (pthread_create, or
 *    pthread_attr_init), k = 0..3 and the last. The refused High job stays
 *    queued (not lost, not run), temp_spawn_failures counts each refusal,
 *    temp_spawned does not; the next start works and runs it (after the
 *    last, a regular worker does once its gate opens); every High job runs
 *    exactly once; the stats balance; no thread is left after wpool_destroy.
 *    (This replaces test_spawn_fail, which failed only the first start.)
 * The number of fault points exercised is printed.
 */
#include "test_util.h"

#if !(defined(__linux__) && defined(__GLIBC__))
/* This test is made of interposition: the executable defines the C library's
 * allocation and thread functions and reaches the real ones through
 * dlsym(RTLD_NEXT), which takes a dynamically linked glibc (the sanitizer
 * runtimes depend on it too). tests/CMakeLists.txt registers it only there;
 * elsewhere it says so and fails (77: "skipped" to a runner that asks). */
int main(void) {
    printf("test_fault: needs symbol interposition (Linux with glibc): not run here\n");
    return 77;
}
#else

#include <dlfcn.h>
#include <errno.h>
#include <sys/syscall.h>

/* ------------------------------------------------------------------------ */
/* Interposition                                                             */
/* ------------------------------------------------------------------------ */

typedef void *(*malloc_fn)(size_t);
typedef void *(*calloc_fn)(size_t, size_t);
typedef void *(*realloc_fn)(void *, size_t);
typedef void (*free_fn)(void *);
typedef int (*posix_memalign_fn)(void **, size_t, size_t);
typedef void *(*aligned_fn)(size_t, size_t);
typedef int (*attr_init_fn)(pthread_attr_t *);

static malloc_fn real_malloc;
static calloc_fn real_calloc;
static realloc_fn real_realloc;
static free_fn real_free;
static posix_memalign_fn real_posix_memalign;
static aligned_fn real_aligned_alloc, real_memalign;
static attr_init_fn real_attr_init;
static atomic_int resolved;
static _Thread_local int resolving;

/* The interposers run from the sanitizer runtime's own start-up, before this
 * executable's shadow memory exists: they must not be instrumented. */
#define NO_SANITIZE __attribute__((no_sanitize("address", "thread", "undefined")))

/* For dlsym's own allocations before the real functions are known. */
static _Alignas(64) unsigned char arena[16384];
static atomic_size_t arena_used;

NO_SANITIZE static void *arena_alloc(size_t n) {
    size_t need = (n + 63) & ~(size_t)63;
    size_t at = atomic_fetch_add(&arena_used, need);
    if (at + need > sizeof arena) abort();
    return arena + at;
}

NO_SANITIZE static int in_arena(const void *p) {
    return (const unsigned char *)p >= arena && (const unsigned char *)p < arena + sizeof arena;
}

/* The C library's pthread_create. */
typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
static inline create_fn real_pthread_create(void) {
    static _Atomic(create_fn) real;
    create_fn next = atomic_load(&real);
    if (!next) {
        void *sym = dlsym(RTLD_NEXT, "pthread_create");
        if (!sym) abort();
        memcpy(&next, &sym, sizeof next); /* object to function pointer, portably */
        atomic_store(&real, next);
    }
    return next;
}

NO_SANITIZE static void *next_sym(const char *name) {
    void *sym = dlsym(RTLD_NEXT, name);
    if (!sym) abort();
    return sym;
}

#define LOAD(var, name)                                                                            \
    do {                                                                                           \
        void *sym_ = next_sym(name);                                                               \
        memcpy(&(var), &sym_, sizeof(var));                                                        \
    } while (0)

NO_SANITIZE static void resolve(void) {
    if (atomic_load_explicit(&resolved, memory_order_acquire)) return;
    resolving++;
    LOAD(real_malloc, "malloc");
    LOAD(real_calloc, "calloc");
    LOAD(real_realloc, "realloc");
    LOAD(real_free, "free");
    LOAD(real_posix_memalign, "posix_memalign");
    LOAD(real_aligned_alloc, "aligned_alloc");
    LOAD(real_memalign, "memalign");
    LOAD(real_attr_init, "pthread_attr_init");
    resolving--;
    atomic_store_explicit(&resolved, 1, memory_order_release);
}

/* What is injected. */
enum { FAIL_ALLOC = 0, FAIL_CREATE = 1, FAIL_ATTR = 2 };
static atomic_int armed;        /* counting on `victim` */
static atomic_int fail_kind;    /* FAIL_* */
static atomic_int fail_at;      /* index of the call to fail; < 0: none */
static atomic_int create_errno; /* what the failed pthread_create returns */
static atomic_int seen[3];      /* calls counted, per kind */
static atomic_int failed;       /* calls failed on purpose */
static _Atomic(pthread_t) victim;
static atomic_int on_tid; /* nonzero: count on this thread (the spawner), not `victim` */
static _Thread_local int in_thread_create;

NO_SANITIZE static int counting(void) {
    if (!atomic_load(&armed) || in_thread_create) return 0;
    /* By thread id: not the threads it starts, whose sanitizer start-up
     * calls pthread_attr_init too. */
    if (atomic_load(&on_tid)) return syscall(SYS_gettid) == atomic_load(&on_tid);
    return pthread_equal(pthread_self(), atomic_load(&victim));
}

/* Counts a call of this kind; returns 1 if it must fail. */
NO_SANITIZE static int should_fail(int kind) {
    if (!counting()) return 0;
    int k = atomic_fetch_add(&seen[kind], 1);
    if (atomic_load(&fail_kind) == kind && k == atomic_load(&fail_at)) {
        atomic_fetch_add(&failed, 1);
        return 1;
    }
    return 0;
}

/* Live allocations made while counting. */
#define MAX_TRACKED 256
static _Atomic(void *) tracked[MAX_TRACKED];
static atomic_int tracked_live;

NO_SANITIZE static void track(void *p) {
    if (!p || !counting()) return;
    for (int i = 0; i < MAX_TRACKED; i++) {
        void *empty = NULL;
        if (atomic_compare_exchange_strong(&tracked[i], &empty, p)) {
            atomic_fetch_add(&tracked_live, 1);
            return;
        }
    }
    abort(); /* raise MAX_TRACKED */
}

NO_SANITIZE static void untrack(void *p) {
    if (!p || atomic_load_explicit(&tracked_live, memory_order_relaxed) == 0) return;
    for (int i = 0; i < MAX_TRACKED; i++) {
        void *expected = p;
        if (atomic_compare_exchange_strong(&tracked[i], &expected, NULL)) {
            atomic_fetch_sub(&tracked_live, 1);
            return;
        }
    }
}

NO_SANITIZE void *malloc(size_t n) {
    if (resolving) return arena_alloc(n);
    resolve();
    if (should_fail(FAIL_ALLOC)) return NULL;
    void *p = real_malloc(n);
    track(p);
    return p;
}

NO_SANITIZE void *calloc(size_t n, size_t m) {
    if (resolving) return arena_alloc(n * m); /* static: zeroed */
    resolve();
    if (should_fail(FAIL_ALLOC)) return NULL;
    void *p = real_calloc(n, m);
    track(p);
    return p;
}

NO_SANITIZE void *realloc(void *old, size_t n) {
    if (resolving) return arena_alloc(n);
    resolve();
    if (in_arena(old)) {
        void *p = real_malloc(n);
        size_t room = sizeof arena - (size_t)((unsigned char *)old - arena);
        if (p) memcpy(p, old, n < room ? n : room);
        return p;
    }
    if (should_fail(FAIL_ALLOC)) return NULL;
    void *p = real_realloc(old, n);
    if (p) {
        untrack(old);
        track(p);
    }
    return p;
}

NO_SANITIZE void free(void *p) {
    if (!p || in_arena(p)) return;
    if (!atomic_load_explicit(&resolved, memory_order_acquire)) {
        if (resolving) return; /* dlsym's own, during resolve(): left alone */
        resolve();
    }
    untrack(p);
    real_free(p);
}

NO_SANITIZE int posix_memalign(void **out, size_t align, size_t n) {
    resolve();
    if (should_fail(FAIL_ALLOC)) return ENOMEM;
    int rc = real_posix_memalign(out, align, n);
    if (rc == 0) track(*out);
    return rc;
}

NO_SANITIZE void *aligned_alloc(size_t align, size_t n) {
    resolve();
    if (should_fail(FAIL_ALLOC)) return NULL;
    void *p = real_aligned_alloc(align, n);
    track(p);
    return p;
}

NO_SANITIZE void *memalign(size_t align, size_t n) {
    resolve();
    if (should_fail(FAIL_ALLOC)) return NULL;
    void *p = real_memalign(align, n);
    track(p);
    return p;
}

NO_SANITIZE int pthread_attr_init(pthread_attr_t *attr) {
    resolve();
    if (should_fail(FAIL_ATTR)) return ENOMEM;
    return real_attr_init(attr);
}

NO_SANITIZE int pthread_create(pthread_t *restrict t, const pthread_attr_t *restrict attr,
                               void *(*fn)(void *), void *restrict arg) {
    create_fn next = real_pthread_create();
    if (should_fail(FAIL_CREATE)) return atomic_load(&create_errno);
    in_thread_create++;
    int rc = next(t, attr, fn, arg);
    in_thread_create--;
    return rc;
}

/* Counts calls on the calling thread, or (tid nonzero) on that thread. */
static void arm_on(int kind, int at, int tid) {
    for (int i = 0; i < 3; i++)
        atomic_store(&seen[i], 0);
    atomic_store(&failed, 0);
    atomic_store(&fail_kind, kind);
    atomic_store(&fail_at, at);
    atomic_store(&victim, pthread_self());
    atomic_store(&on_tid, tid);
    atomic_store(&armed, 1);
}

static void arm(int kind, int at) {
    arm_on(kind, at, 0);
}

static void disarm(void) {
    atomic_store(&armed, 0);
}

/* ------------------------------------------------------------------------ */
/* 1. wpool_create                                                           */
/* ------------------------------------------------------------------------ */

static int fault_points;
static const char *kind_names[] = {"allocation", "pthread_create", "pthread_attr_init"};

/* Fails the k-th call of `kind` in wpool_create(cfg) for k = 0, 1, ... until
 * it succeeds; returns how many points failed. */
static int create_faults(const wpool_config *cfg, int kind, int err) {
    int before = thread_count();
    int k;
    for (k = 0; k < 1000; k++) {
        wpool *p = (wpool *)(uintptr_t)0x1234;
        atomic_store(&create_errno, err);
        arm(kind, k);
        int rc = wpool_create(cfg, &p);
        disarm();
        if (rc == WPOOL_OK) {
            CHECK_EQ(atomic_load(&failed), 0); /* k is past the last call */
            CHECK(atomic_load(&tracked_live) >= 1);
            CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
            wpool_destroy(p);
            CHECK_EQ(atomic_load(&tracked_live), 0);
            CHECK_EVENTUALLY(thread_count() == before, 10000);
            break;
        }
        CHECK_EQ(atomic_load(&failed), 1);
        int expected = kind == FAIL_ALLOC || kind == FAIL_ATTR ? WPOOL_ENOMEM
                       : err == ENOMEM                         ? WPOOL_ENOMEM
                                                               : WPOOL_EAGAIN;
        if (rc != expected)
            fprintf(stderr, "failing %s %d of wpool_create (%u workers, %u temp)\n",
                    kind_names[kind], k, cfg->workers, cfg->max_temp_workers);
        CHECK_RC(rc, expected);
        CHECK(p == (wpool *)(uintptr_t)0x1234);
        if (atomic_load(&tracked_live) != 0)
            fprintf(stderr, "failing %s %d of wpool_create: %d allocations leaked\n",
                    kind_names[kind], k, atomic_load(&tracked_live));
        CHECK_EQ(atomic_load(&tracked_live), 0);
        CHECK_EVENTUALLY(thread_count() == before, 10000);
    }
    CHECK(k < 1000);
    return k;
}

static void create_all(void) {
    static const struct { unsigned workers, max_temp; } cfgs[] = {{1, 0}, {2, 2}, {4, 1}, {3, 8}};
    int per_kind[3] = {0, 0, 0};
    for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) {
        wpool_config cfg;
        wpool_config_init(&cfg);
        cfg.workers = cfgs[i].workers;
        cfg.max_temp_workers = cfgs[i].max_temp;
        cfg.capacity[WPOOL_HIGH] = 8;
        int allocs = create_faults(&cfg, FAIL_ALLOC, 0);
        /* The pool, three rings, the workers' and (if any) the temporary workers' arrays. */
        CHECK(allocs >= 5);
        int creates = create_faults(&cfg, FAIL_CREATE, EAGAIN);
        /* One start per regular worker, the spare (temp_spares, default 1)
         * and the spawner, if there are temporary workers. */
        int threads = (int)cfg.workers + (cfg.max_temp_workers ? 2 : 0);
        CHECK_EQ(creates, threads);
        int creates_nomem = create_faults(&cfg, FAIL_CREATE, ENOMEM);
        CHECK_EQ(creates_nomem, threads);
        int attrs = create_faults(&cfg, FAIL_ATTR, 0);
        CHECK_EQ(attrs, threads);
        per_kind[FAIL_ALLOC] += allocs;
        per_kind[FAIL_CREATE] += creates + creates_nomem;
        per_kind[FAIL_ATTR] += attrs;
    }
    fault_points += per_kind[0] + per_kind[1] + per_kind[2];
    printf("wpool_create: %d allocation, %d pthread_create (EAGAIN and ENOMEM) and %d "
           "pthread_attr_init fault points: each gave its error, *out untouched, nothing leaked, "
           "no thread left\n",
           per_kind[0], per_kind[1], per_kind[2]);
}

/* ------------------------------------------------------------------------ */
/* 2. Temporary-worker starts                                                */
/* ------------------------------------------------------------------------ */

#define HIGH_JOBS 6
static atomic_int high_runs[HIGH_JOBS];

static void high_job(void *arg) {
    atomic_fetch_add(&high_runs[(uintptr_t)arg], 1);
}

typedef struct {
    wpool *p;
} pool_ref;

static int temps_gone(void *arg) {
    wpool_stats s = get_stats(((pool_ref *)arg)->p);
    return s.temp_workers == 0 && s.temp_retired == s.temp_spawned;
}

/* The thread id of the (only) pool's spawner, "wpool-s", or 0. */
static int find_spawner(void) {
    DIR *d = opendir("/proc/self/task");
    if (!d) return 0;
    int tid = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char path[300], name[32] = {0};
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        if (fgets(name, sizeof name, f) && strcmp(name, "wpool-s\n") == 0) tid = atoi(e->d_name);
        fclose(f);
    }
    closedir(d);
    return tid;
}

/* ... once it has named itself (it starts as wpool_create returns). */
static int spawner_tid(void) {
    CHECK_EVENTUALLY(find_spawner() != 0, 10000);
    return find_spawner();
}

typedef struct refusal {
    wpool *p;
    uint64_t count;
} refusal;

static int spawn_refused(void *arg) {
    refusal *r = arg;
    return get_stats(r->p).temp_spawn_failures == r->count;
}

/* Fails the k-th temporary-worker start (by `kind`), k counted from 0. */
static int temp_faults(int kind, int k) {
    int before = thread_count();
    for (int i = 0; i < HIGH_JOBS; i++)
        atomic_store(&high_runs[i], 0);
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 2;
    cfg.max_temp_workers = 2;
    cfg.temp_spares = 0; /* every High job below needs a start */
    cfg.temp_idle_ms = 1;
    wpool *p = make_pool(&cfg);
    pool_ref ref = {p};
    test_gate g;
    gate_init(&g);
    for (unsigned i = 0; i < cfg.workers; i++)
        CHECK_OK(wpool_submit(p, WPOOL_LOW, gate_job, &g));
    WAIT_GATE_ENTERED(&g, (int)cfg.workers);

    atomic_store(&create_errno, EAGAIN);
    /* Temporary workers are started by the pool's spawner thread: counted
     * there. */
    arm_on(kind, k, spawner_tid());
    int refusals = 0, starts = 0, prev_refused = 0;
    for (int j = 0; j < HIGH_JOBS; j++) {
        int failed_before = atomic_load(&failed);
        CHECK_OK(wpool_submit(p, WPOOL_HIGH, high_job, (void *)(uintptr_t)j));
        /* The start happens on the spawner thread: wait for its outcome. */
        CHECK_EVENTUALLY(atomic_load(&failed) > failed_before || atomic_load(&high_runs[j]) == 1,
                         10000);
        if (atomic_load(&failed) > failed_before) {
            refusals++;
            CHECK(wait_until(spawn_refused, &(refusal){p, (uint64_t)refusals}, 10000));
            wpool_stats s = get_stats(p);
            CHECK_EQ(s.temp_spawned, starts);
            CHECK_EQ(s.queued[WPOOL_HIGH], 1); /* kept, for the next start or a regular worker */
            CHECK_EQ(atomic_load(&high_runs[j]), 0);
            prev_refused = 1;
            continue;
        }
        /* This start ran the job, and the one refused before it: the new
         * worker finds two High jobs waiting and asks for a second start
         * (baton), or runs both. */
        CHECK_EVENTUALLY(atomic_load(&high_runs[j]) == 1, 10000);
        if (j > 0) CHECK_EVENTUALLY(atomic_load(&high_runs[j - 1]) == 1, 10000);
        CHECK(wait_until(temps_gone, &ref, 10000)); /* the next job needs a new start */
        wpool_stats s = get_stats(p);
        int waiting = prev_refused ? 2 : 1;
        CHECK((int)s.temp_spawned > starts && (int)s.temp_spawned <= starts + waiting);
        starts = (int)s.temp_spawned;
        prev_refused = 0;
        CHECK_EQ(s.temp_spawn_failures, refusals);
        CHECK_EQ(s.queued[WPOOL_HIGH], 0);
    }
    disarm();
    CHECK_EQ(refusals, k < HIGH_JOBS ? 1 : 0);
    CHECK_EQ(gate_entered(&g), (int)cfg.workers);
    CHECK_EQ(atomic_load(&g.left), 0); /* the regular workers were blocked all along */
    gate_open(&g);
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    for (int j = 0; j < HIGH_JOBS; j++)
        CHECK_EQ(atomic_load(&high_runs[j]), 1);
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.temp_spawn_failures, refusals);
    CHECK_EQ(s.completed[WPOOL_HIGH], HIGH_JOBS);
    CHECK_EQ(sum3(s.submitted), HIGH_JOBS + cfg.workers);
    CHECK_STATS_BALANCED(s);
    wpool_destroy(p);
    CHECK_EVENTUALLY(thread_count() == before, 10000);
    return refusals;
}

static void temp_all(void) {
    int points = 0;
    /* The 1st to 4th start, and the last one: its job waits for a regular worker. */
    static const int ks[] = {0, 1, 2, 3, HIGH_JOBS - 1};
    for (int kind = FAIL_CREATE; kind <= FAIL_ATTR; kind++)
        for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++)
            points += temp_faults(kind, ks[i]);
    fault_points += points;
    printf("temporary workers: %d refused starts (pthread_create, pthread_attr_init at the 1st to "
           "4th and the last start): each counted, its High job kept and run once by the next "
           "start or a regular worker\n",
           points);
}

int main(void) {
    test_watchdog("test_fault", 300);
    resolve();
    create_all();
    temp_all();
    /* The library works normally afterwards. */
    wpool *p = make_pool(NULL);
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    wpool_destroy(p);
    printf("test_fault: %d fault points exercised\n", fault_points);
    test_summary("test_fault");
    return 0;
}

#endif /* Linux with glibc */
