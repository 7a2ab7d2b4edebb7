/*
 * bench_mutex_pool.c: the baseline, a plain mutex + condition-variable pool.
 *
 * It is meant to be the pool a competent programmer writes in an afternoon,
 * not a straw man: one mutex, three preallocated FIFO rings (one per
 * priority, taken High > Normal > Low, same default capacity as wpool), and
 * condition variables that are signalled only when someone actually waits,
 * so an uncontended submit costs one lock/unlock and no system call.
 */
#include "bench.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define MP_CAPACITY 4096u /* per priority, a power of two (wpool's default) */

typedef struct mp_job {
    bench_fn fn;
    void *arg;
} mp_job;

typedef struct mp_ring {
    mp_job *slots;
    size_t head, tail; /* tail - head = jobs queued; indices masked on use */
} mp_ring;

/*
 * A condition variable plus the bookkeeping that lets the notifier skip
 * pthread_cond_signal when nobody waits, and also while every waiter has
 * already been signalled but not yet run (a further signal would find no one
 * to wake, yet still cost a futex call). Protected by the pool mutex.
 */
typedef struct mp_waitq {
    pthread_cond_t cv;
    unsigned waiting;   /* threads inside mp_wait() */
    unsigned signalled; /* signals sent and not yet consumed by a waiter */
} mp_waitq;

typedef struct mutex_pool {
    pthread_mutex_t mu;
    mp_ring q[BENCH_PRIORITIES];
    mp_waitq work;                   /* workers wait here for jobs */
    mp_waitq room[BENCH_PRIORITIES]; /* producers wait here for room, per
                                        priority so a freed Low slot never
                                        wakes a producer blocked on High */
    int closing;
    unsigned nthreads;
    pthread_t *threads;
} mutex_pool;

static void mp_wait(mp_waitq *w, pthread_mutex_t *mu) {
    w->waiting++;
    pthread_cond_wait(&w->cv, mu);
    w->waiting--;
    /* Consume one signal even after a spurious wake-up: undercounting only
       costs an extra signal later, overcounting could lose a wake-up. */
    if (w->signalled > 0) w->signalled--;
}

static void mp_notify(mp_waitq *w) {
    if (w->waiting > w->signalled) {
        w->signalled++;
        pthread_cond_signal(&w->cv);
    }
}

static void mp_notify_all(mp_waitq *w) {
    w->signalled = w->waiting;
    pthread_cond_broadcast(&w->cv);
}

static void *mp_worker(void *arg) {
    mutex_pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        int prio = 0;
        while (prio < BENCH_PRIORITIES && p->q[prio].tail == p->q[prio].head)
            prio++;
        if (prio == BENCH_PRIORITIES) {
            if (p->closing) break; /* drained: every accepted job has run */
            mp_wait(&p->work, &p->mu);
            continue;
        }
        mp_ring *r = &p->q[prio];
        mp_job job = r->slots[r->head & (MP_CAPACITY - 1)];
        r->head++;
        mp_notify(&p->room[prio]);
        pthread_mutex_unlock(&p->mu);
        job.fn(job.arg);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void mp_free(mutex_pool *p) {
    for (int i = 0; i < BENCH_PRIORITIES; i++) {
        free(p->q[i].slots);
        pthread_cond_destroy(&p->room[i].cv);
    }
    pthread_cond_destroy(&p->work.cv);
    pthread_mutex_destroy(&p->mu);
    free(p->threads);
    free(p);
}

static void mp_destroy(void *pool) {
    mutex_pool *p = pool;
    pthread_mutex_lock(&p->mu);
    p->closing = 1;
    mp_notify_all(&p->work);
    for (int i = 0; i < BENCH_PRIORITIES; i++)
        mp_notify_all(&p->room[i]);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    mp_free(p);
}

static void *mp_create(const bench_pool_cfg *cfg) {
    mutex_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work.cv, NULL);
    for (int i = 0; i < BENCH_PRIORITIES; i++) {
        pthread_cond_init(&p->room[i].cv, NULL);
        p->q[i].slots = calloc(MP_CAPACITY, sizeof(mp_job));
    }
    p->threads = calloc(cfg->workers, sizeof(pthread_t));
    if (!p->threads || !p->q[0].slots || !p->q[1].slots || !p->q[2].slots) {
        mp_free(p);
        return NULL;
    }
    for (unsigned i = 0; i < cfg->workers; i++) {
        if (pthread_create(&p->threads[i], NULL, mp_worker, p) != 0) {
            fprintf(stderr, "mutex pool: pthread_create failed\n");
            mp_destroy(p); /* joins the ones already started */
            return NULL;
        }
        p->nthreads++;
    }
    return p;
}

static int mp_submit(void *pool, int prio, bench_fn fn, void *arg) {
    mutex_pool *p = pool;
    pthread_mutex_lock(&p->mu);
    mp_ring *r = &p->q[prio];
    while (r->tail - r->head == MP_CAPACITY && !p->closing)
        mp_wait(&p->room[prio], &p->mu);
    if (p->closing) {
        pthread_mutex_unlock(&p->mu);
        return -1;
    }
    r->slots[r->tail & (MP_CAPACITY - 1)] = (mp_job){fn, arg};
    r->tail++;
    mp_notify(&p->work);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

static const char *mp_version(void) {
    return "in-tree baseline";
}

const bench_impl bench_mutex_impl = {
    .name = "mutex+condvar",
    .not_built = NULL,
    .version = mp_version,
    .create = mp_create,
    .submit = mp_submit,
    .destroy = mp_destroy,
};
