/*
 * demo.c: wpool in one minute.
 *
 *   1. Two workers are busy with a backlog of slow Low jobs; High jobs submitted
 *      meanwhile start within microseconds on a temporary worker (the spare,
 *      parked since wpool_create, and its replacement) instead of waiting for
 *      the backlog, and at a higher OS priority than the regular workers'.
 *   2. A Normal job goes ahead of the queued Low jobs.
 *   3. Surplus temporary workers retire after their idle TTL; the spare stays.
 *   4. Per-job deadline and cancel: a job whose deadline passes while it waits
 *      is discarded instead of run; a queued job is cancelled by its ticket.
 *      The discard callback asks why it was called.
 *   5. A graceful shutdown with a deadline: what does not start in time is
 *      discarded through its discard callback, then the pool's report.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_getname_np */
#endif
#include <wpool.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(_WIN32)
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#endif

static struct timespec demo_start;

static double elapsed_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - demo_start.tv_sec) * 1e3 +
           (double)(now.tv_nsec - demo_start.tv_nsec) / 1e6;
}

static uint64_t now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static void sleep_ms(unsigned ms) {
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;
#define say(...)                                                                                   \
    do {                                                                                           \
        pthread_mutex_lock(&print_lock);                                                           \
        printf("[%7.1f ms] ", elapsed_ms());                                                       \
        printf(__VA_ARGS__);                                                                       \
        printf("\n");                                                                              \
        pthread_mutex_unlock(&print_lock);                                                         \
    } while (0)

typedef struct job {
    const char *kind;
    int id;
    unsigned work_ms;
    uint64_t submitted_ns;
} job;

static job jobs[64];
static int njobs;
static atomic_int low_done;

static job *new_job(const char *kind, int id, unsigned work_ms) {
    job *j = &jobs[njobs++];
    *j = (job){kind, id, work_ms, now_ns()};
    return j;
}

/* The calling thread's name, as wpool set it ("?" if the system will not say). */
static void thread_name(char *buf, size_t size) {
    snprintf(buf, size, "?");
#if defined(_WIN32)
    /* Windows: the thread's description (SetThreadDescription, Windows 10 1607+). */
    typedef HRESULT(WINAPI * get_description_fn)(HANDLE, PWSTR *);
    FARPROC proc = GetProcAddress(GetModuleHandleW(L"kernel32.dll"), "GetThreadDescription");
    PWSTR wide = NULL;
    get_description_fn get;
    if (!proc) return;
    memcpy(&get, &proc, sizeof get);
    if (SUCCEEDED(get(GetCurrentThread(), &wide)) && wide) {
        if (wide[0]) WideCharToMultiByte(CP_UTF8, 0, wide, -1, buf, (int)size, NULL, NULL);
        LocalFree(wide);
        buf[size - 1] = 0;
    }
#else
    pthread_getname_np(pthread_self(), buf, size);
#endif
}

static void run(void *arg) {
    job *j = arg;
    char thread[16];
    thread_name(thread, sizeof thread);
    double waited_us = (double)(now_ns() - j->submitted_ns) / 1e3;
    say("%-6s %2d starts on %-8s after %9.1f us in the queue", j->kind, j->id, thread, waited_us);
    sleep_ms(j->work_ms); /* stands for real work that occupies the worker */
    if (j->kind[0] == 'l') atomic_fetch_add(&low_done, 1);
}

static void discard(void *arg) {
    job *j = arg;
    double waited_ms = (double)(now_ns() - j->submitted_ns) / 1e6;
    switch (wpool_discard_reason_now()) {
    case WPOOL_DISCARD_EXPIRED:
        say("%-6s %2d discarded: its deadline passed while it waited (%.1f ms in the queue)",
            j->kind, j->id, waited_ms);
        break;
    case WPOOL_DISCARD_CANCELLED:
        say("%-6s %2d discarded: cancelled while still queued", j->kind, j->id);
        break;
    default:
        say("%-6s %2d discarded: the shutdown deadline passed before it started", j->kind, j->id);
    }
}

static void submit(wpool *pool, wpool_priority prio, job *j) {
    wpool_task task = {run, discard, j};
    int rc = wpool_submit_task(pool, prio, &task, WPOOL_FOREVER);
    if (rc != WPOOL_OK) say("submit failed: %s", wpool_strerror(rc));
}

static void print_report(wpool *pool) {
    static const char *names[3] = {"high", "normal", "low"};
    wpool_stats s;
    wpool_get_stats(pool, &s);
    printf(
        "\n  priority  submitted  completed  discarded  cancelled  expired  queued  wait p50     "
        "wait p99\n");
    for (int i = 0; i < 3; i++)
        printf("  %-8s  %9llu  %9llu  %9llu  %9llu  %7llu  %6llu  %9.1f us  %9.1f us\n", names[i],
               (unsigned long long)s.submitted[i], (unsigned long long)s.completed[i],
               (unsigned long long)s.discarded[i], (unsigned long long)s.cancelled[i],
               (unsigned long long)s.expired[i], (unsigned long long)s.queued[i],
               (double)s.wait_p50_ns[i] / 1e3, (double)s.wait_p99_ns[i] / 1e3);
    printf("  workers %u, temporary workers: %llu started, %llu retired, %u alive\n\n", s.workers,
           (unsigned long long)s.temp_spawned, (unsigned long long)s.temp_retired, s.temp_workers);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    clock_gettime(CLOCK_MONOTONIC, &demo_start);

    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 2;
    cfg.max_temp_workers = 2;
    cfg.temp_idle_ms = 300;
    cfg.thread_name = "demo";
    cfg.wait_sampling = 1; /* a handful of jobs: measure every queue wait */

    /* A bad configuration says what is wrong before anything starts. */
    char why[128];
    wpool_config bad = cfg;
    bad.workers = 100000;
    if (wpool_config_check(&bad, why, sizeof why) != WPOOL_OK)
        say("0. a config with 100000 workers is refused: %s", why);
    if (wpool_config_check(&cfg, why, sizeof why) != WPOOL_OK) {
        fprintf(stderr, "bad config: %s\n", why);
        return 1;
    }

    wpool *pool;
    int rc = wpool_create(&cfg, &pool);
    if (rc != WPOOL_OK) {
        fprintf(stderr, "wpool_create: %s\n", wpool_strerror(rc));
        return 1;
    }

    say("1. a backlog of 10 Low jobs (60 ms each) for 2 workers, then 3 High jobs");
    for (int i = 0; i < 10; i++)
        submit(pool, WPOOL_LOW, new_job("low", i, 60));
    sleep_ms(20);
    for (int i = 0; i < 3; i++) {
        submit(pool, WPOOL_HIGH, new_job("HIGH", i, 5));
        sleep_ms(10);
    }
    wpool_stats s;
    wpool_get_stats(pool, &s);
    say("   temporary workers alive: %u (started so far: %llu); Low jobs done: %d of 10",
        s.temp_workers, (unsigned long long)s.temp_spawned, atomic_load(&low_done));

    say("2. a Normal job goes ahead of the %llu Low jobs still queued",
        (unsigned long long)s.queued[WPOOL_LOW]);
    submit(pool, WPOOL_NORMAL, new_job("normal", 0, 5));

    say("3. surplus temporary workers retire after temp_idle_ms (300 ms); the spare "
        "(temp_spares = %u) stays parked for the next High job",
        cfg.temp_spares);
    while (wpool_get_stats(pool, &s) == WPOOL_OK && s.temp_workers > cfg.temp_spares)
        sleep_ms(10);
    say("   temporary workers alive: %u (started %llu, retired %llu)", s.temp_workers,
        (unsigned long long)s.temp_spawned, (unsigned long long)s.temp_retired);

    wpool_wait_idle(pool, WPOOL_FOREVER);
    say("4. both workers busy with a Low job (80 ms each); then two Normal jobs: one with a "
        "20 ms deadline, one we cancel");
    for (int i = 10; i < 12; i++)
        submit(pool, WPOOL_LOW, new_job("low", i, 80));
    while (wpool_get_stats(pool, &s) == WPOOL_OK && s.running[WPOOL_LOW] < 2)
        sleep_ms(1);
    wpool_job_opts opts = {.deadline_ns = wpool_now_ns() + 20u * 1000000u};
    wpool_task late = {run, discard, new_job("normal", 1, 5)};
    rc = wpool_submit_job(pool, WPOOL_NORMAL, &late, &opts, WPOOL_FOREVER, NULL);
    say("   wpool_submit_job with a deadline 20 ms from now: %s", wpool_strerror(rc));
    wpool_ticket ticket = 0;
    wpool_task unwanted = {run, discard, new_job("normal", 2, 5)};
    rc = wpool_submit_job(pool, WPOOL_NORMAL, &unwanted, NULL, WPOOL_FOREVER, &ticket);
    say("   wpool_submit_job: %s, ticket %llu", wpool_strerror(rc), (unsigned long long)ticket);
    rc = wpool_cancel(pool, ticket);
    say("   wpool_cancel(ticket %llu): %s (its discard callback ran on this thread)",
        (unsigned long long)ticket, wpool_strerror(rc));
    rc = wpool_cancel(pool, ticket);
    say("   wpool_cancel again: %s", wpool_strerror(rc));
    wpool_wait_idle(pool, WPOOL_FOREVER);
    wpool_get_stats(pool, &s);
    say("   Normal jobs: %llu cancelled, %llu expired, %llu completed",
        (unsigned long long)s.cancelled[WPOOL_NORMAL], (unsigned long long)s.expired[WPOOL_NORMAL],
        (unsigned long long)s.completed[WPOOL_NORMAL]);

    say("5. 8 more Low jobs (100 ms each), then shutdown with a 150 ms deadline");
    for (int i = 12; i < 20; i++)
        submit(pool, WPOOL_LOW, new_job("low", i, 100));
    rc = wpool_shutdown(pool, 150u * 1000000u);
    say("   wpool_shutdown: %s", wpool_strerror(rc));
    rc = wpool_submit(pool, WPOOL_HIGH, run, new_job("late", 0, 0));
    say("   a submit after shutdown: %s", wpool_strerror(rc));
    rc = wpool_shutdown(pool, WPOOL_FOREVER);
    say("   wpool_shutdown again, waiting for the running jobs: %s", wpool_strerror(rc));
    print_report(pool);
    wpool_destroy(pool);
    return 0;
}
