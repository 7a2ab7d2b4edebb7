/*
 * test_oom: out of memory in wpool_create returns WPOOL_ENOMEM, leaves *out
 * untouched, leaks nothing and leaves no thread running.
 *
 * Plain build: this executable wraps the allocator (forwarding to glibc's
 * __libc_* functions) and makes the k-th allocation made by wpool_create on
 * the calling thread fail, for k = 0, 1, 2, ... until wpool_create succeeds.
 * Allocations made inside pthread_create (glibc's own thread bookkeeping,
 * which it caches) are neither failed nor tracked. Every failure must give
 * WPOOL_ENOMEM with every tracked allocation freed again.
 *
 * Sanitizer builds: the sanitizer allocator refuses allocations above 64 MB
 * (max_allocation_size_mb, allocator_may_return_null) and a pool with rings
 * of WPOOL_MAX_CAPACITY needs far more: WPOOL_ENOMEM; the ASan variant's leak
 * check at exit proves nothing was leaked.
 */
#include "test_util.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>

#ifdef WPOOL_TEST_SANITIZED

const char *__asan_default_options(void);
const char *__tsan_default_options(void);
const char *__asan_default_options(void) {
    return "allocator_may_return_null=1:max_allocation_size_mb=64";
}
const char *__tsan_default_options(void) {
    return "allocator_may_return_null=1:max_allocation_size_mb=64";
}

static void oom(void) {
    int before = thread_count();
    /* Calibration: the limit is in force. */
    void *(*volatile alloc_fn)(size_t) = malloc;
    void *big = alloc_fn((size_t)200 << 20);
    CHECK(big == NULL);

    for (int l = 0; l < 3; l++) {
        wpool_config cfg;
        wpool_config_init(&cfg);
        cfg.workers = 2;
        cfg.capacity[l] = WPOOL_MAX_CAPACITY; /* >= 2^24 slots of >= 24 bytes */
        wpool *p = (wpool *)(uintptr_t)0x1234;
        CHECK_RC(wpool_create(&cfg, &p), WPOOL_ENOMEM);
        CHECK(p == (wpool *)(uintptr_t)0x1234);
        CHECK_EVENTUALLY(thread_count() == before, 10000);
    }
    printf("oom: WPOOL_ENOMEM for a ring of %u slots under a 64 MB allocation limit\n",
           WPOOL_MAX_CAPACITY);
}

#else /* plain: fault injection */

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static atomic_int inject;  /* 1 while wpool_create runs on the main thread */
static atomic_int fail_at; /* index of the allocation to fail */
static atomic_int seen;    /* allocations seen while injecting */
static atomic_int failed;  /* allocations failed on purpose */
static _Thread_local int in_thread_create;

#define MAX_TRACKED 64
static _Atomic(void *) tracked[MAX_TRACKED]; /* live allocations made by wpool_create */
static atomic_int tracked_live;
static pthread_t main_thread;

static int injecting(void) {
    return atomic_load(&inject) && !in_thread_create && pthread_equal(pthread_self(), main_thread);
}

/* Decides whether this allocation fails (returns 1). */
static int should_fail(void) {
    if (!injecting()) return 0;
    int k = atomic_fetch_add(&seen, 1);
    if (k == atomic_load(&fail_at)) {
        atomic_fetch_add(&failed, 1);
        return 1;
    }
    return 0;
}

static void track(void *p) {
    if (!p || !injecting()) return;
    for (int i = 0; i < MAX_TRACKED; i++) {
        void *empty = NULL;
        if (atomic_compare_exchange_strong(&tracked[i], &empty, p)) {
            atomic_fetch_add(&tracked_live, 1);
            return;
        }
    }
    abort(); /* more than MAX_TRACKED live allocations: raise the limit */
}

static void untrack(void *p) {
    if (!p) return;
    for (int i = 0; i < MAX_TRACKED; i++) {
        void *expected = p;
        if (atomic_compare_exchange_strong(&tracked[i], &expected, NULL)) {
            atomic_fetch_sub(&tracked_live, 1);
            return;
        }
    }
}

void *malloc(size_t n) {
    if (should_fail()) return NULL;
    void *p = __libc_malloc(n);
    track(p);
    return p;
}

void *calloc(size_t n, size_t m) {
    if (should_fail()) return NULL;
    void *p = __libc_calloc(n, m);
    track(p);
    return p;
}

void *realloc(void *old, size_t n) {
    if (should_fail()) return NULL;
    void *p = __libc_realloc(old, n);
    if (p) {
        untrack(old);
        track(p);
    }
    return p;
}

void free(void *p) {
    untrack(p);
    __libc_free(p);
}

void *memalign(size_t align, size_t n) {
    if (should_fail()) return NULL;
    void *p = __libc_memalign(align, n);
    track(p);
    return p;
}

void *aligned_alloc(size_t align, size_t n) {
    return memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n) {
    if (align < sizeof(void *) || (align & (align - 1)) != 0) return EINVAL;
    if (should_fail()) return ENOMEM;
    void *p = __libc_memalign(align, n);
    if (!p) return ENOMEM;
    track(p);
    *out = p;
    return 0;
}

/* Neither fail nor track glibc's allocations for a new thread. */
int pthread_create(pthread_t *restrict t, const pthread_attr_t *restrict attr, void *(*fn)(void *),
                   void *restrict arg) {
    create_fn next = real_pthread_create();
    in_thread_create++;
    int rc = next(t, attr, fn, arg);
    in_thread_create--;
    return rc;
}

static void oom(void) {
    main_thread = pthread_self();
    int before = thread_count();
    int enomem = 0, k;
    for (k = 0; k < 100; k++) {
        wpool_config cfg;
        wpool_config_init(&cfg);
        cfg.workers = 2;
        cfg.max_temp_workers = 2;
        wpool *p = (wpool *)(uintptr_t)0x1234;
        atomic_store(&seen, 0);
        atomic_store(&failed, 0);
        atomic_store(&fail_at, k);
        atomic_store(&inject, 1);
        int rc = wpool_create(&cfg, &p);
        atomic_store(&inject, 0);
        if (rc == WPOOL_OK) {
            CHECK_EQ(atomic_load(&failed), 0); /* k is past the last allocation */
            CHECK(atomic_load(&tracked_live) >= 1);
            wpool_destroy(p);
            break;
        }
        CHECK_EQ(atomic_load(&failed), 1);
        CHECK_RC(rc, WPOOL_ENOMEM);
        CHECK(p == (wpool *)(uintptr_t)0x1234);
        if (atomic_load(&tracked_live) != 0)
            fprintf(stderr, "allocation %d failed: %d allocations leaked\n", k,
                    atomic_load(&tracked_live));
        CHECK_EQ(atomic_load(&tracked_live), 0);
        CHECK_EVENTUALLY(thread_count() == before, 10000);
        enomem++;
    }
    CHECK(k < 100);
    CHECK(enomem >= 1);
    /* After destroy every tracked allocation was freed. */
    CHECK_EQ(atomic_load(&tracked_live), 0);
    CHECK_EVENTUALLY(thread_count() == before, 10000);
    printf("oom: wpool_create makes %d allocations; failing each gave WPOOL_ENOMEM, no leak\n",
           enomem);
}

#endif

int main(void) {
    test_watchdog("test_oom", 100);
    oom();
    /* The library works normally afterwards. */
    wpool *p = make_pool(NULL);
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    wpool_destroy(p);
    test_summary("test_oom");
    return 0;
}
