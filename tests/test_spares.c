/*
 * test_spares: warm spare temporary workers (wpool_config.temp_spares) and the
 * spawner thread that starts temporary workers.
 *
 * - wpool_create starts min(temp_spares, max_temp_workers) spares, parked
 *   (not busy), and the spawner when max_temp_workers > 0: the process has
 *   that many more threads; none without temporary workers.
 * - The first High job that finds every regular worker busy runs on a spare,
 *   while every temporary worker started after it was submitted is held in
 *   its start hook: it waited for no thread creation. A replacement starts
 *   meanwhile (temp_spawned + 1), so the next High job finds one parked too.
 * - Spares never retire, whatever the TTL; temporary workers beyond them do.
 * - More High jobs than spares, each holding its thread: temporary workers
 *   start up to max_temp_workers, all run at once; one more waits for a
 *   free one.
 * - wpool_destroy with spares parked and the spawner asleep: every thread
 *   gone.
 */
#include "test_util.h"

typedef struct probe {
    atomic_int done;
    int hold;         /* wait, inside the job, for another temporary worker to start */
    uint64_t spawned; /* ... beyond this count */
    uint64_t spawned_seen;
    char name[16];
    wpool *p;
} probe;

static void probe_job(void *arg) {
    probe *pr = arg;
    pr->spawned_seen = get_stats(pr->p).temp_spawned;
    CHECK_EQ(test_thread_name(pr->name, sizeof pr->name), 0);
    uint64_t deadline = now_ns() + 10 * SEC_NS;
    while (pr->hold && get_stats(pr->p).temp_spawned == pr->spawned && now_ns() < deadline)
        sleep_us(100);
    atomic_store(&pr->done, 1);
}

static void started_by_create(void) {
    static const struct {
        unsigned max_temp, spares, threads;
    } cases[] = {{0, 0, 0}, {0, 3, 0}, {2, 0, 1}, {2, 1, 2}, {2, 2, 3}, {2, 5, 3}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int before = thread_count();
        wpool_config cfg;
        wpool_config_init(&cfg);
        cfg.workers = 2;
        cfg.max_temp_workers = cases[i].max_temp;
        cfg.temp_spares = cases[i].spares;
        cfg.temp_idle_ms = 1;
        wpool *p = make_pool(&cfg);
        unsigned spares = cases[i].threads ? cases[i].threads - 1 : 0;
        wpool_stats s = get_stats(p);
        CHECK_EQ(s.temp_workers, spares); /* started before wpool_create returned */
        CHECK_EQ(s.temp_spawned, spares);
        CHECK_EQ(thread_count(), before + 2 + (int)cases[i].threads);
        sleep_ms(20); /* many TTLs */
        s = get_stats(p);
        CHECK_EQ(s.temp_workers, spares);
        CHECK_EQ(s.temp_retired, 0);
        CHECK_EVENTUALLY(get_stats(p).busy_workers == 0, 10000); /* parked */
        wpool_destroy(p);
        CHECK_EVENTUALLY(thread_count() == before, 10000);
    }
}

/* Temporary workers started while this is set wait in their start hook:
 * they cannot run a job. */
static atomic_int hold_new_temps;
static atomic_int temp_hooks_left; /* temporary workers past their start hook */

static void hold_temp_start(void *ctx, unsigned index, int temporary) {
    (void)ctx;
    (void)index;
    if (!temporary) return;
    while (atomic_load(&hold_new_temps))
        sleep_us(100);
    atomic_fetch_add(&temp_hooks_left, 1);
}

static void first_high_job_finds_a_spare(void) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.max_temp_workers = 3;
    cfg.temp_spares = 1;
    cfg.temp_idle_ms = 1;
    cfg.thread_name = "sp";
    cfg.on_thread_start = hold_temp_start;
    test_gate g;
    wpool *p = gated_pool(&cfg, WPOOL_LOW, &g);
    /* The spare is past its start hook (it counts idle from its start). */
    CHECK_EVENTUALLY(atomic_load(&temp_hooks_left) == 1, 10000);
    for (int round = 0; round < 3; round++) {
        uint64_t spawned = get_stats(p).temp_spawned;
        /* No thread started from here on can run the job: it runs on the
         * spare, without waiting for a thread to be created. */
        atomic_store(&hold_new_temps, 1);
        probe pr;
        memset(&pr, 0, sizeof pr);
        pr.p = p;
        pr.hold = 1; /* busy until the spare's replacement started */
        pr.spawned = spawned;
        CHECK_OK(wpool_submit(p, WPOOL_HIGH, probe_job, &pr));
        CHECK_EVENTUALLY(atomic_load(&pr.done), 15000);
        CHECK(strncmp(pr.name, "sp-t", 4) == 0);
        if (round == 0) CHECK(strcmp(pr.name, "sp-t0") == 0);
        /* The spare's replacement started (and waits in its hook). */
        CHECK_EQ(get_stats(p).temp_spawned, spawned + 1);
        atomic_store(&hold_new_temps, 0);
        /* Every one started is past its start hook (a spare counts as ready
         * from its start: one still in its hook when the next round holds
         * new ones would keep that round's job waiting). */
        CHECK_EVENTUALLY(atomic_load(&temp_hooks_left) == (int)get_stats(p).temp_spawned, 10000);
        /* The surplus one retires; the spare stays. */
        CHECK_EVENTUALLY(get_stats(p).temp_workers == 1, 10000);
        CHECK_EVENTUALLY(get_stats(p).busy_workers == 1, 10000);
        CHECK_EQ(gate_entered(&g), 1);
        CHECK_EQ(atomic_load(&g.left), 0);
    }
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.temp_spawned, 4);
    CHECK_EQ(s.temp_retired, 3);
    CHECK_EQ(s.temp_spawn_failures, 0);
    gate_open(&g);
    wpool_destroy(p);
}

static void high_jobs_beyond_the_spares(void) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.max_temp_workers = 3;
    cfg.temp_spares = 1;
    test_gate regular, high;
    wpool *p = gated_pool(&cfg, WPOOL_LOW, &regular);
    gate_init(&high);
    for (int i = 0; i < 3; i++)
        CHECK_OK(wpool_submit(p, WPOOL_HIGH, gate_job, &high));
    WAIT_GATE_ENTERED(&high, 3); /* three at once: the spare and two started */
    wpool_stats s = get_stats(p);
    CHECK_EQ(s.temp_workers, 3);
    CHECK(s.temp_spawned >= 3 && s.temp_spawned <= 4);
    probe pr;
    memset(&pr, 0, sizeof pr);
    pr.p = p;
    CHECK_OK(wpool_submit(p, WPOOL_HIGH, probe_job, &pr));
    sleep_ms(20);
    CHECK_EQ(atomic_load(&pr.done), 0); /* every thread busy, at the limit */
    CHECK_EQ(get_stats(p).queued[WPOOL_HIGH], 1);
    gate_open(&high);
    CHECK_EVENTUALLY(atomic_load(&pr.done), 10000);
    CHECK_EQ(atomic_load(&regular.left), 0);
    gate_open(&regular);
    CHECK_OK(wpool_wait_idle(p, 10 * SEC_NS));
    s = get_stats(p);
    CHECK_EQ(s.completed[WPOOL_HIGH], 4);
    CHECK(s.temp_workers <= 3);
    wpool_destroy(p);
}

int main(void) {
    test_watchdog("test_spares", 120);
    started_by_create();
    first_high_job_finds_a_spare();
    high_jobs_beyond_the_spares();
    test_summary("test_spares");
    return 0;
}
