/*
 * bench_glib.c: GLib's GThreadPool behind the benchmark's pool interface.
 *
 * GThreadPool has no priorities; the documented way to get them is a sort
 * function on its queue, so each job travels as a small item carrying
 * (priority, sequence) and the sort orders by priority, then by submission.
 * The pool is exclusive with max_threads = workers, so it has exactly the
 * same number of dedicated threads as the other implementations.
 *
 * The sort function is installed only when a scenario uses priorities: with
 * one, every push is an ordered insertion into GLib's linked-list queue
 * (linear in the backlog), which would make the single-priority throughput
 * scenarios measure list walking rather than the pool. Leaving it out there
 * gives GThreadPool its fastest configuration, so the ratios against it are
 * conservative.
 */
#include "bench.h"

#include <stdio.h>

#ifndef BENCH_HAVE_GLIB

static const char *gl_version(void) {
    return "-";
}

const bench_impl bench_glib_impl = {
    .name = "GThreadPool",
#ifdef BENCH_GLIB_DISABLED_REASON
    .not_built = BENCH_GLIB_DISABLED_REASON,
#else
    .not_built = "libglib2.0-dev missing",
#endif
    .version = gl_version,
};

#else /* BENCH_HAVE_GLIB */

#include <glib.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct gl_item {
    bench_fn fn;
    void *arg;
    uint64_t seq;
    int prio;
    int heap; /* allocated past the reserved arena: free after taking it */
} gl_item;

typedef struct gl_pool {
    GThreadPool *tp;
    /* GThreadPool queues pointers, so every job needs an item that lives
       until a worker picks it up. A preallocated arena, reset while idle,
       keeps malloc out of the timed region (the other two pools store jobs
       by value in preallocated rings, so this is the like-for-like choice). */
    gl_item *items;
    size_t cap;
    _Alignas(64) atomic_size_t next;
    _Alignas(64) atomic_uint_fast64_t seq;
    int sorted;
} gl_pool;

static void gl_run(gpointer data, gpointer user_data) {
    (void)user_data;
    gl_item *it = data;
    bench_fn fn = it->fn;
    void *arg = it->arg;
    if (it->heap) free(it);
    fn(arg);
}

static gint gl_compare(gconstpointer a, gconstpointer b, gpointer user_data) {
    (void)user_data;
    const gl_item *x = a, *y = b;
    if (x->prio != y->prio) return x->prio < y->prio ? -1 : 1;
    return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

static void *gl_create(const bench_pool_cfg *cfg) {
    gl_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    GError *err = NULL;
    p->tp = g_thread_pool_new(gl_run, p, (gint)cfg->workers, TRUE, &err);
    if (!p->tp) {
        fprintf(stderr, "g_thread_pool_new: %s\n", err ? err->message : "failed");
        g_clear_error(&err);
        free(p);
        return NULL;
    }
    if (cfg->uses_priorities) {
        g_thread_pool_set_sort_function(p->tp, gl_compare, NULL);
        p->sorted = 1;
    }
    return p;
}

static void gl_reserve(void *pool, size_t njobs) {
    gl_pool *p = pool;
    if (njobs > p->cap) {
        free(p->items);
        p->items = malloc(njobs * sizeof(gl_item));
        p->cap = p->items ? njobs : 0;
    }
    /* Touch every page now so the timed run takes no page faults. */
    if (p->items) memset(p->items, 0, p->cap * sizeof(gl_item));
    atomic_store_explicit(&p->next, 0, memory_order_relaxed);
}

static int gl_submit(void *pool, int prio, bench_fn fn, void *arg) {
    gl_pool *p = pool;
    size_t i = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
    gl_item *it;
    if (i < p->cap) {
        it = &p->items[i];
        it->heap = 0;
    } else {
        it = malloc(sizeof *it);
        if (!it) return -1;
        it->heap = 1;
    }
    it->fn = fn;
    it->arg = arg;
    it->prio = prio;
    /* The shared counter is only needed (and only paid for) when sorting. */
    it->seq = p->sorted ? atomic_fetch_add_explicit(&p->seq, 1, memory_order_relaxed) : 0;
    GError *err = NULL;
    if (!g_thread_pool_push(p->tp, it, &err)) {
        fprintf(stderr, "g_thread_pool_push: %s\n", err ? err->message : "failed");
        g_clear_error(&err);
        if (it->heap) free(it);
        return -1;
    }
    return 0;
}

static void gl_destroy(void *pool) {
    gl_pool *p = pool;
    g_thread_pool_free(p->tp, FALSE, TRUE); /* run everything queued, join */
    free(p->items);
    free(p);
}

static const char *gl_version(void) {
    static char buf[32];
    snprintf(buf, sizeof buf, "GLib %u.%u.%u", glib_major_version, glib_minor_version,
             glib_micro_version);
    return buf;
}

const bench_impl bench_glib_impl = {
    .name = "GThreadPool",
    .not_built = NULL,
    .version = gl_version,
    .create = gl_create,
    .submit = gl_submit,
    .destroy = gl_destroy,
    .reserve = gl_reserve,
};

#endif /* BENCH_HAVE_GLIB */
