/*
 * test_alloc: zero heap allocations per job.
 *
 * After a warm-up, two producers submit 100000 jobs through every submit
 * variant (submit, try_submit, submit_timeout, submit_task, submit_batch),
 * into small rings so that they also wait for room, and wait for them with
 * wpool_wait_idle() and wpool_get_stats(): no malloc, calloc, realloc,
 * aligned allocation or free may happen in that window, in any thread.
 *
 * Plain build: this executable defines malloc & co. and counts calls during
 * the window, forwarding to glibc's __libc_* functions, or elsewhere (macOS,
 * FreeBSD, musl; dynamically linked) to the next definition found by
 * dlsym(RTLD_NEXT). Sanitizer builds (WPOOL_TEST_SANITIZED): the sanitizer
 * allocator's malloc/free hooks. Calibration first proves the counting sees
 * an allocation, and sees the library's own (wpool_create's).
 * No temporary workers (max_temp_workers = 0): starting threads allocates.
 *
 * Windows: the library allocates with the C runtime's _aligned_malloc, which
 * is imported from its DLL and cannot be replaced by a definition here, so
 * there is nothing to count with (tests/CMakeLists.txt leaves the test out
 * there; run, it says so and fails).
 */
#include "test_util.h"

#if defined(_WIN32)
int main(void) {
    printf("test_alloc: cannot count the C runtime's allocations on Windows: not run here\n");
    return 77;
}
#else

#include <errno.h>

static atomic_int counting;
static atomic_long alloc_calls, free_calls;

static inline void count_alloc(void) {
    if (atomic_load_explicit(&counting, memory_order_relaxed))
        atomic_fetch_add_explicit(&alloc_calls, 1, memory_order_relaxed);
}

static inline void count_free(void) {
    if (atomic_load_explicit(&counting, memory_order_relaxed))
        atomic_fetch_add_explicit(&free_calls, 1, memory_order_relaxed);
}

#ifdef WPOOL_TEST_SANITIZED

#if defined(__has_include)
#if __has_include(<sanitizer/allocator_interface.h>)
#include <sanitizer/allocator_interface.h>
#define HAVE_ALLOCATOR_INTERFACE 1
#endif
#endif
#ifndef HAVE_ALLOCATOR_INTERFACE
/* GCC does not ship the header; the runtime has the function. */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));
#endif

static void malloc_hook(const volatile void *ptr, size_t size) {
    (void)ptr;
    (void)size;
    count_alloc();
}

static void free_hook(const volatile void *ptr) {
    (void)ptr;
    count_free();
}

static void install_counting(void) {
    CHECK(__sanitizer_install_malloc_and_free_hooks(malloc_hook, free_hook) != 0);
}

#elif defined(__GLIBC__) && !defined(TEST_ALLOC_DLSYM)

/* plain, glibc: replace the allocator entry points */

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

void *malloc(size_t n) {
    count_alloc();
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t m) {
    count_alloc();
    return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n) {
    count_alloc();
    return __libc_realloc(p, n);
}

void free(void *p) {
    if (p) count_free();
    __libc_free(p);
}

void *memalign(size_t align, size_t n) {
    count_alloc();
    return __libc_memalign(align, n);
}

void *aligned_alloc(size_t align, size_t n) {
    count_alloc();
    return __libc_memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n) {
    count_alloc();
    if (align < sizeof(void *) || (align & (align - 1)) != 0) return EINVAL;
    void *p = __libc_memalign(align, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}

static void install_counting(void) {}

#else

/* plain, elsewhere (or with TEST_ALLOC_DLSYM on glibc, to test this code):
 * replace the allocator entry points, forwarding to the next definitions.
 * dlsym may allocate before they are known: from a static arena. */
#include <dlfcn.h>

typedef void *(*malloc_fn)(size_t);
typedef void *(*calloc_fn)(size_t, size_t);
typedef void *(*realloc_fn)(void *, size_t);
typedef void (*free_fn)(void *);
typedef int (*posix_memalign_fn)(void **, size_t, size_t);
typedef void *(*aligned_fn)(size_t, size_t);

static malloc_fn real_malloc;
static calloc_fn real_calloc;
static realloc_fn real_realloc;
static free_fn real_free;
static posix_memalign_fn real_posix_memalign;
static aligned_fn real_aligned_alloc;
static atomic_int resolved;
static _Thread_local int resolving;

static _Alignas(64) unsigned char arena[16384];
static atomic_size_t arena_used;

static void *arena_alloc(size_t n) {
    size_t need = (n + 63) & ~(size_t)63;
    size_t at = atomic_fetch_add(&arena_used, need);
    if (at + need > sizeof arena) abort();
    return arena + at;
}

static int in_arena(const void *p) {
    return (const unsigned char *)p >= arena && (const unsigned char *)p < arena + sizeof arena;
}

#define LOAD(var, name)                                                                            \
    do {                                                                                           \
        void *sym_ = dlsym(RTLD_NEXT, name);                                                       \
        if (!sym_) abort(); /* a static executable: nothing to forward to */                       \
        memcpy(&(var), &sym_, sizeof(var));                                                        \
    } while (0)

/* Returns 0 while resolving (the caller serves dlsym from the arena). */
static int resolve(void) {
    if (atomic_load_explicit(&resolved, memory_order_acquire)) return 1;
    if (resolving) return 0;
    resolving = 1;
    LOAD(real_malloc, "malloc");
    LOAD(real_calloc, "calloc");
    LOAD(real_realloc, "realloc");
    LOAD(real_free, "free");
    LOAD(real_posix_memalign, "posix_memalign");
    LOAD(real_aligned_alloc, "aligned_alloc");
    resolving = 0;
    atomic_store_explicit(&resolved, 1, memory_order_release);
    return 1;
}

void *malloc(size_t n) {
    if (!resolve()) return arena_alloc(n);
    count_alloc();
    return real_malloc(n);
}

void *calloc(size_t n, size_t m) {
    if (!resolve()) return arena_alloc(n * m); /* static: already zero */
    count_alloc();
    return real_calloc(n, m);
}

void *realloc(void *p, size_t n) {
    if (!resolve() || in_arena(p)) abort(); /* dlsym does not grow its blocks */
    count_alloc();
    return real_realloc(p, n);
}

void free(void *p) {
    if (!p || in_arena(p)) return;
    if (!resolve()) return;
    count_free();
    real_free(p);
}

int posix_memalign(void **out, size_t align, size_t n) {
    if (!resolve()) abort();
    count_alloc();
    return real_posix_memalign(out, align, n);
}

void *aligned_alloc(size_t align, size_t n) {
    if (!resolve()) abort();
    count_alloc();
    return real_aligned_alloc(align, n);
}

static void install_counting(void) {
    resolve();
}

#endif

/* --- the workload -------------------------------------------------------------- */

#define JOBS_PER_PHASE 100000
#define PRODUCERS      2

static atomic_long ran;
static void job(void *arg) {
    (void)arg;
    atomic_fetch_add_explicit(&ran, 1, memory_order_relaxed);
}

typedef struct producer {
    wpool *p;
    int index;
    long jobs;
    atomic_int go;      /* 1: run a phase */
    atomic_int stopped; /* phases finished */
    atomic_int quit;
} producer;

/* Submits n jobs, cycling through every submit variant. */
static void produce(wpool *p, long n, int seed) {
    long i = 0;
    while (i < n) {
        wpool_priority prio = (wpool_priority)((i + seed) % 3);
        switch ((i / 3 + seed) % 5) {
        case 0:
            CHECK_OK(wpool_submit(p, prio, job, NULL));
            i++;
            break;
        case 1: {
            int rc = wpool_try_submit(p, prio, job, NULL);
            if (rc == WPOOL_EFULL) rc = wpool_submit(p, prio, job, NULL);
            CHECK_OK(rc);
            i++;
            break;
        }
        case 2:
            CHECK_OK(wpool_submit_timeout(p, prio, job, NULL, 30 * SEC_NS));
            i++;
            break;
        case 3: {
            wpool_task t = {job, job, NULL};
            CHECK_OK(wpool_submit_task(p, prio, &t, WPOOL_FOREVER));
            i++;
            break;
        }
        default: {
            wpool_task batch[16];
            size_t k = (size_t)(n - i < 16 ? n - i : 16), accepted = 0;
            for (size_t j = 0; j < k; j++)
                batch[j] = (wpool_task){job, NULL, NULL};
            CHECK_OK(wpool_submit_batch(p, prio, batch, k, WPOOL_FOREVER, &accepted));
            CHECK_EQ(accepted, k);
            i += (long)k;
            break;
        }
        }
    }
}

static void *producer_main(void *arg) {
    producer *pr = arg;
    int phase = 0;
    while (!atomic_load(&pr->quit)) {
        if (atomic_load(&pr->go) > phase) {
            phase++;
            produce(pr->p, pr->jobs, pr->index);
            atomic_store(&pr->stopped, phase);
        } else {
            sleep_us(100);
        }
    }
    return NULL;
}

/* Runs one phase: every producer submits its share; waits for all of it. */
static void run_phase(wpool *p, producer *prs, int phase) {
    for (int i = 0; i < PRODUCERS; i++)
        atomic_store(&prs[i].go, phase);
    for (int i = 0; i < PRODUCERS; i++)
        while (atomic_load(&prs[i].stopped) < phase)
            sleep_us(200);
    CHECK_OK(wpool_wait_idle(p, 60 * SEC_NS));
    wpool_stats s;
    CHECK_OK(wpool_get_stats(p, &s));
    CHECK_EQ(sum3(s.queued), 0);
}

int main(void) {
    test_watchdog("test_alloc", 100);
    install_counting();

    /* Calibration: the counting sees allocations at all. */
    void *(*volatile alloc_fn)(size_t) = malloc;
    atomic_store(&counting, 1);
    void *probe = alloc_fn(24);
    atomic_store(&counting, 0);
    free(probe);
    CHECK_EQ(atomic_load(&alloc_calls), 1);
    atomic_store(&alloc_calls, 0);
    atomic_store(&free_calls, 0);

    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 2;
    cfg.max_temp_workers = 0;
    for (int l = 0; l < 3; l++)
        cfg.capacity[l] = 64; /* producers wait for room */
    /* ...and sees the library's: at least the three rings are allocated. */
    atomic_store(&counting, 1);
    wpool *p = make_pool(&cfg);
    atomic_store(&counting, 0);
    printf("wpool_create: %ld allocations seen\n", atomic_load(&alloc_calls));
    CHECK(atomic_load(&alloc_calls) >= 3);
    atomic_store(&alloc_calls, 0);
    atomic_store(&free_calls, 0);

    producer prs[PRODUCERS];
    pthread_t th[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++) {
        prs[i].p = p;
        prs[i].index = i;
        prs[i].jobs = JOBS_PER_PHASE / PRODUCERS;
        atomic_init(&prs[i].go, 0);
        atomic_init(&prs[i].stopped, 0);
        atomic_init(&prs[i].quit, 0);
        CHECK_EQ(pthread_create(&th[i], NULL, producer_main, &prs[i]), 0);
    }

    run_phase(p, prs, 1); /* warm-up */
    CHECK_EQ(atomic_load(&ran), JOBS_PER_PHASE);

    /* The measured window: no printing, no allocation of our own. */
    atomic_store(&counting, 1);
    run_phase(p, prs, 2);
    atomic_store(&counting, 0);

    long allocs = atomic_load(&alloc_calls), frees = atomic_load(&free_calls);
    printf("%d jobs: %ld allocations, %ld frees\n", JOBS_PER_PHASE, allocs, frees);
    CHECK_EQ(atomic_load(&ran), 2 * JOBS_PER_PHASE);
    CHECK_EQ(allocs, 0);
    CHECK_EQ(frees, 0);

    wpool_stats s = get_stats(p);
    CHECK_EQ(s.temp_spawned, 0);
    CHECK_EQ(sum3(s.submitted), 2 * JOBS_PER_PHASE);
    CHECK_STATS_BALANCED(s);

    for (int i = 0; i < PRODUCERS; i++) {
        atomic_store(&prs[i].quit, 1);
        CHECK_EQ(pthread_join(th[i], NULL), 0);
    }
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    wpool_destroy(p);
    test_summary("test_alloc");
    return 0;
}

#endif /* !_WIN32 */
