/*
 * test_stress [jobs] [producers]: many producers, many jobs, tiny rings.
 *
 * Phase 1: `producers` threads (default 4) submit `jobs` jobs in total
 * (default 1000000, never fewer: the spec asks for >= 10^6) of random
 * priority through every submit variant (submit, try_submit,
 * submit_timeout with random timeouts, submit_task, submit_batch), into rings
 * of 64/32/16 so that they constantly wait for room, to 2 workers plus up to
 * 2 temporary workers with a 1 ms idle TTL (constant spawning and retiring)
 * and a 1 ms starvation bound. Checked: every job ran exactly once (a counter
 * per job), the stats balance (submitted == completed, nothing queued,
 * running or discarded; rejections consistent with what the producers saw;
 * temporary workers all retired).
 *
 * Phase 2 (twice): the same producers race a wpool_shutdown with a timeout of
 * 0, then 1 ms, while jobs (2 us of work each) are queued: every accepted job
 * is run or discarded exactly once (tasks with a discard callback: exactly one
 * of the two; plain jobs: run at most once, the rest counted as discarded by
 * the stats), rejected ones never; once a producer saw WPOOL_ECLOSED every
 * later submission is ECLOSED, and every submission that starts after
 * wpool_shutdown returned is ECLOSED.
 */
#include "test_util.h"

#define MAX_PRODUCERS 16
#define BATCH_MAX     16

static long total_jobs = 1000000;
static int nproducers = 4;
static wpool *pool;

static uint32_t xorshift(uint32_t *s) {
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static uint64_t random_timeout(uint32_t *seed) {
    switch (xorshift(seed) % 4) {
    case 0:
        return 0;
    case 1:
        return 20000; /* 20 us */
    case 2:
        return MS_NS;
    default:
        return WPOOL_FOREVER;
    }
}

/* --- phase 1 ----------------------------------------------------------------- */

static atomic_uchar *runs1;
static atomic_long discards1;

static void run1(void *a) {
    atomic_fetch_add_explicit(&runs1[(uintptr_t)a], 1, memory_order_relaxed);
}
static void discard1(void *a) {
    (void)a;
    atomic_fetch_add(&discards1, 1);
}

typedef struct producer1 {
    long first, end; /* ids [first, end) */
    uint32_t seed;
    long rejections;       /* EFULL / ETIMEDOUT from single submits */
    long batch_rejections; /* batch calls that stopped early */
    long batch_rejected;   /* jobs those calls did not queue */
    long per_method[5];
} producer1;

static int is_rejection(int rc) {
    return rc == WPOOL_EFULL || rc == WPOOL_ETIMEDOUT;
}

static void *producer1_main(void *arg) {
    producer1 *pr = arg;
    long id = pr->first;
    while (id < pr->end) {
        wpool_priority prio = (wpool_priority)(xorshift(&pr->seed) % 3);
        unsigned method = xorshift(&pr->seed) % 5;
        void *a = (void *)(uintptr_t)id;
        int rc;
        pr->per_method[method]++;
        if (method == 4) {
            wpool_task tasks[BATCH_MAX];
            size_t n = 1 + xorshift(&pr->seed) % BATCH_MAX, accepted = 999;
            if ((long)n > pr->end - id) n = (size_t)(pr->end - id);
            for (size_t k = 0; k < n; k++)
                tasks[k] = (wpool_task){run1, (k & 1) ? discard1 : NULL,
                                        (void *)(uintptr_t)(id + (long)k)};
            rc = wpool_submit_batch(pool, prio, tasks, n, random_timeout(&pr->seed), &accepted);
            if (rc == WPOOL_OK) {
                CHECK_EQ(accepted, n);
            } else {
                if (!is_rejection(rc)) CHECK_RC(rc, WPOOL_EFULL);
                CHECK(accepted < n);
                pr->batch_rejections++;
                pr->batch_rejected += (long)(n - accepted);
            }
            id += (long)accepted;
            continue;
        }
        switch (method) {
        case 0:
            rc = wpool_submit(pool, prio, run1, a);
            break;
        case 1:
            rc = wpool_try_submit(pool, prio, run1, a);
            break;
        case 2:
            rc = wpool_submit_timeout(pool, prio, run1, a, random_timeout(&pr->seed));
            break;
        default: {
            wpool_task t = {run1, discard1, a};
            rc = wpool_submit_task(pool, prio, &t, random_timeout(&pr->seed));
            break;
        }
        }
        if (rc == WPOOL_OK) {
            id++;
        } else {
            if (!is_rejection(rc)) CHECK_RC(rc, WPOOL_EFULL);
            if (method == 0) CHECK_RC(rc, WPOOL_OK); /* submit never rejects */
            pr->rejections++;
        }
    }
    return NULL;
}

/* Every temporary worker but the spare (temp_spares, default 1) retired. */
static int temps_retired(void *p) {
    wpool_stats s = get_stats(p);
    return s.temp_workers == 1 && s.temp_retired + 1 == s.temp_spawned;
}

static void phase1(void) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 2;
    cfg.max_temp_workers = 2;
    cfg.temp_idle_ms = 1;
    cfg.starvation_ms = 1;
    cfg.capacity[WPOOL_HIGH] = 64;
    cfg.capacity[WPOOL_NORMAL] = 32;
    cfg.capacity[WPOOL_LOW] = 16;
    pool = make_pool(&cfg);
    runs1 = calloc((size_t)total_jobs, sizeof *runs1);
    CHECK(runs1 != NULL);

    producer1 prs[MAX_PRODUCERS];
    pthread_t th[MAX_PRODUCERS];
    uint64_t t0 = now_ns();
    for (int i = 0; i < nproducers; i++) {
        memset(&prs[i], 0, sizeof prs[i]);
        prs[i].first = total_jobs * i / nproducers;
        prs[i].end = total_jobs * (i + 1) / nproducers;
        prs[i].seed = 0x9e3779b9u * (uint32_t)(i + 1);
        CHECK_EQ(pthread_create(&th[i], NULL, producer1_main, &prs[i]), 0);
    }
    long rejections = 0, batch_rejections = 0, batch_rejected = 0, per_method[5] = {0};
    for (int i = 0; i < nproducers; i++) {
        CHECK_EQ(pthread_join(th[i], NULL), 0);
        rejections += prs[i].rejections;
        batch_rejections += prs[i].batch_rejections;
        batch_rejected += prs[i].batch_rejected;
        for (int m = 0; m < 5; m++)
            per_method[m] += prs[i].per_method[m];
    }
    CHECK_OK(wpool_wait_idle(pool, 300 * SEC_NS));
    double secs = (double)(now_ns() - t0) / 1e9;

    long bad = 0;
    for (long i = 0; i < total_jobs; i++) {
        if (atomic_load_explicit(&runs1[i], memory_order_relaxed) != 1) {
            if (bad < 10)
                fprintf(stderr, "job %ld ran %d times\n", i,
                        (int)atomic_load_explicit(&runs1[i], memory_order_relaxed));
            bad++;
        }
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(atomic_load(&discards1), 0);
    for (int m = 0; m < 5; m++)
        CHECK(per_method[m] > 0);

    wpool_stats s = get_stats(pool);
    CHECK_EQ(sum3(s.submitted), total_jobs);
    CHECK_EQ(sum3(s.completed), total_jobs);
    CHECK_EQ(sum3(s.discarded), 0);
    CHECK_EQ(sum3(s.running), 0);
    CHECK_STATS_BALANCED(s);
    /* Rejections: every single-submit one counted; a stopped batch counts
     * at least once and at most once per job it did not queue. */
    uint64_t rej = sum3(s.rejected);
    CHECK(rej >= (uint64_t)(rejections + batch_rejections));
    CHECK(rej <= (uint64_t)(rejections + batch_rejected));
    CHECK_EQ(s.temp_spawn_failures, 0);
    CHECK(wait_until(temps_retired, pool, 10000));
    s = get_stats(pool);
    printf("phase 1: %ld jobs, %d producers, %.2f s; rejections %ld (+%ld batch); temp workers "
           "spawned %" PRIu64 "; starvation promotions %" PRIu64 "; parks %" PRIu64 "\n",
           total_jobs, nproducers, secs, rejections, batch_rejections, s.temp_spawned,
           s.starvation_promotions, s.parks);
    CHECK_OK(wpool_shutdown(pool, WPOOL_FOREVER));
    wpool_destroy(pool);
    free(runs1);
}

/* --- phase 2: racing shutdown ----------------------------------------------------- */

enum { KIND_PLAIN = 0, KIND_TASK = 1, KIND_TASK_NO_DISCARD = 2 };

static atomic_uchar *accepted2, *runs2, *discards2, *kind2;
static atomic_long next_id;
static atomic_int shutdown_returned;
static long max_id2;

static void run2(void *a) {
    /* A little work, so that jobs are still queued when shutdown comes. */
    uint64_t until = now_ns() + 2000;
    while (now_ns() < until) {
    }
    atomic_fetch_add_explicit(&runs2[(uintptr_t)a], 1, memory_order_relaxed);
}
static void discard2(void *a) {
    atomic_fetch_add_explicit(&discards2[(uintptr_t)a], 1, memory_order_relaxed);
}

typedef struct producer2 {
    uint32_t seed;
    long accepted, after_close_checks;
} producer2;

/* One submission of ids [id, id + n) (n > 1 only for batches). Returns the
 * status; marks what was accepted. */
static int submit2(producer2 *pr, unsigned method, long id, size_t n) {
    wpool_priority prio = (wpool_priority)(xorshift(&pr->seed) % 3);
    void *a = (void *)(uintptr_t)id;
    int rc;
    size_t accepted = 0;
    switch (method) {
    case 0:
        atomic_store(&kind2[id], KIND_PLAIN);
        rc = wpool_submit(pool, prio, run2, a);
        break;
    case 1:
        atomic_store(&kind2[id], KIND_PLAIN);
        rc = wpool_try_submit(pool, prio, run2, a);
        break;
    case 2:
        atomic_store(&kind2[id], KIND_PLAIN);
        rc = wpool_submit_timeout(pool, prio, run2, a, random_timeout(&pr->seed));
        break;
    case 3: {
        int with_discard = xorshift(&pr->seed) % 4 != 0;
        atomic_store(&kind2[id], with_discard ? KIND_TASK : KIND_TASK_NO_DISCARD);
        wpool_task t = {run2, with_discard ? discard2 : NULL, a};
        rc = wpool_submit_task(pool, prio, &t, random_timeout(&pr->seed));
        break;
    }
    default: {
        wpool_task tasks[BATCH_MAX];
        for (size_t k = 0; k < n; k++) {
            atomic_store(&kind2[id + (long)k], KIND_TASK);
            tasks[k] = (wpool_task){run2, discard2, (void *)(uintptr_t)(id + (long)k)};
        }
        accepted = 999;
        rc = wpool_submit_batch(pool, prio, tasks, n, random_timeout(&pr->seed), &accepted);
        CHECK(accepted <= n);
        if (rc == WPOOL_OK) CHECK_EQ(accepted, n);
        for (size_t k = 0; k < accepted; k++)
            atomic_store(&accepted2[id + (long)k], 1);
        pr->accepted += (long)accepted;
        return rc;
    }
    }
    if (rc == WPOOL_OK) {
        atomic_store(&accepted2[id], 1);
        pr->accepted++;
    }
    return rc;
}

static void *producer2_main(void *arg) {
    producer2 *pr = arg;
    int saw_closed = 0;
    for (;;) {
        unsigned method = xorshift(&pr->seed) % 5;
        size_t n = method == 4 ? 1 + xorshift(&pr->seed) % BATCH_MAX : 1;
        long id = atomic_fetch_add(&next_id, (long)n);
        if (id + (long)n > max_id2) break; /* out of ids: should not happen */
        int closed_before = atomic_load(&shutdown_returned);
        int rc = submit2(pr, method, id, n);
        if (saw_closed || closed_before) {
            if (rc != WPOOL_ECLOSED)
                fprintf(stderr, "submission after the close: method %u returned %s\n", method,
                        wpool_strerror(rc));
            CHECK_RC(rc, WPOOL_ECLOSED);
            pr->after_close_checks++;
        }
        if (rc == WPOOL_ECLOSED) {
            if (!saw_closed) {
                saw_closed = 1;
                continue; /* then one more round of checks */
            }
            if (pr->after_close_checks >= 20) break;
        } else if (rc != WPOOL_OK) {
            if (!is_rejection(rc)) CHECK_RC(rc, WPOOL_EFULL);
            CHECK(method != 0);
        }
    }
    return NULL;
}

static void phase2(uint64_t shutdown_timeout) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 2;
    cfg.max_temp_workers = 2;
    cfg.temp_idle_ms = 1;
    cfg.capacity[WPOOL_HIGH] = 32;
    cfg.capacity[WPOOL_NORMAL] = 16;
    cfg.capacity[WPOOL_LOW] = 8;
    pool = make_pool(&cfg);
    max_id2 = total_jobs;
    accepted2 = calloc((size_t)max_id2, 1);
    runs2 = calloc((size_t)max_id2, 1);
    discards2 = calloc((size_t)max_id2, 1);
    kind2 = calloc((size_t)max_id2, 1);
    CHECK(accepted2 && runs2 && discards2 && kind2);
    atomic_store(&next_id, 0);
    atomic_store(&shutdown_returned, 0);

    producer2 prs[MAX_PRODUCERS];
    pthread_t th[MAX_PRODUCERS];
    for (int i = 0; i < nproducers; i++) {
        memset(&prs[i], 0, sizeof prs[i]);
        prs[i].seed = 0x85ebca6bu * (uint32_t)(i + 7);
        CHECK_EQ(pthread_create(&th[i], NULL, producer2_main, &prs[i]), 0);
    }
    /* Let the producers get going, then shut down under their feet. */
    long start_at = total_jobs / 20;
    CHECK_EVENTUALLY(atomic_load(&next_id) >= start_at, 120000);
    int rc1 = wpool_shutdown(pool, shutdown_timeout);
    atomic_store(&shutdown_returned, 1);
    CHECK(rc1 == WPOOL_OK || rc1 == WPOOL_ETIMEDOUT);
    for (int i = 0; i < nproducers; i++)
        CHECK_EQ(pthread_join(th[i], NULL), 0);
    CHECK_OK(wpool_shutdown(pool, WPOOL_FOREVER));
    CHECK(atomic_load(&next_id) <= max_id2);

    long ids = atomic_load(&next_id), accepted = 0, ran = 0, task_discards = 0, plain_lost = 0,
         checks_after_close = 0;
    long bad = 0;
    for (long i = 0; i < ids; i++) {
        int acc = atomic_load(&accepted2[i]), r = atomic_load(&runs2[i]),
            d = atomic_load(&discards2[i]), k = atomic_load(&kind2[i]);
        int ok;
        if (!acc)
            ok = r == 0 && d == 0;
        else if (k == KIND_TASK)
            ok = r + d == 1;
        else
            ok = r <= 1 && d == 0;
        if (!ok) {
            if (bad < 10)
                fprintf(stderr, "job %ld: accepted %d kind %d ran %d discarded %d\n", i, acc, k, r,
                        d);
            bad++;
        }
        accepted += acc;
        ran += r;
        task_discards += d;
        if (acc && k != KIND_TASK) plain_lost += 1 - r;
    }
    CHECK_EQ(bad, 0);
    long producer_accepted = 0;
    for (int i = 0; i < nproducers; i++) {
        producer_accepted += prs[i].accepted;
        checks_after_close += prs[i].after_close_checks;
        CHECK(prs[i].after_close_checks >= 1);
    }
    CHECK_EQ(producer_accepted, accepted);
    CHECK(accepted > 0);

    wpool_stats s = get_stats(pool);
    CHECK(s.closed != 0);
    CHECK_EQ(sum3(s.submitted), accepted);
    CHECK_EQ(sum3(s.completed), ran);
    CHECK_EQ(sum3(s.discarded), task_discards + plain_lost);
    CHECK_STATS_BALANCED(s);
    CHECK_EQ(sum3(s.running), 0);
    if (rc1 == WPOOL_OK) CHECK_EQ(sum3(s.discarded), 0);
    printf("phase 2: shutdown(%.1f ms) -> %s; %ld accepted, %ld ran, %ld discarded (%ld plain), "
           "%ld submissions checked after the close\n",
           (double)shutdown_timeout / 1e6, wpool_strerror(rc1), accepted, ran,
           task_discards + plain_lost, plain_lost, checks_after_close);
    wpool_destroy(pool);
    free(accepted2);
    free(runs2);
    free(discards2);
    free(kind2);
}

int main(int argc, char **argv) {
    if (argc > 1) total_jobs = strtol(argv[1], NULL, 10);
    if (argc > 2) nproducers = (int)strtol(argv[2], NULL, 10);
    CHECK(total_jobs >= 1000);
    CHECK(nproducers >= 1 && nproducers <= MAX_PRODUCERS);
    test_watchdog("test_stress", 590);
    phase1();
    phase2(0);
    phase2(MS_NS);
    test_summary("test_stress");
    return 0;
}
