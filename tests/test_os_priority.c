/*
 * test_os_priority: the regular workers run at wpool_config.worker_os_priority,
 * below the thread that created the pool; temporary workers keep that thread's
 * priority, whoever submitted the High work that needed them.
 *
 * - For each level (INHERIT, BELOW, LOWEST, IDLE, and the default, LOWEST),
 *   the start hook of each pool thread records its OS priority (test_os.h:
 *   Linux nice value and SCHED_IDLE, macOS QoS class, Windows thread
 *   priority): regular workers have wpool.h's table's value for the level,
 *   the spare temporary worker has what a thread the creator starts has.
 *   The same with the creator's own nice value raised by 5 (Linux): BELOW is
 *   relative to it, the temporary worker has it too.
 * - A temporary worker needed by High work submitted from a lowered thread
 *   (a regular worker at nice 19, from inside its job) runs at the creator's
 *   priority, not the submitter's: the pool's spawner starts it, not the
 *   submitter (on Linux a thread inherits its creator's nice value and may
 *   never lower it again). Before the spawner, the submitter started it and
 *   it ran at nice 19.
 * - wpool_config_check rejects a worker_os_priority out of range, naming it.
 * FreeBSD and other systems without a per-thread control: every level reads
 * back unchanged, as documented.
 */
#include "test_util.h"

/* What the pool's threads saw in their start hooks: each its own entry. */
typedef struct seen {
    atomic_int regular, temporary; /* hooks run */
    test_prio regular_prio[2], temporary_prio;
} seen;

static void record_start(void *ctx, unsigned index, int temporary) {
    seen *s = ctx;
    test_prio now;
    CHECK_EQ(test_prio_get(&now), 0);
    if (temporary) {
        CHECK_EQ(index, 0);
        s->temporary_prio = now;
        atomic_fetch_add(&s->temporary, 1); /* publishes it */
    } else {
        CHECK(index < 2);
        s->regular_prio[index] = now;
        atomic_fetch_add(&s->regular, 1);
    }
}

static void *report_prio(void *arg) {
    CHECK_EQ(test_prio_get(arg), 0);
    return NULL;
}

/* The priority of a thread the calling thread starts with pthread_create:
 * what a temporary worker (and an INHERIT regular one) must have. */
static test_prio started_thread_prio(void) {
    test_prio p;
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, report_prio, &p), 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
    return p;
}

static int same(test_prio a, test_prio b) {
    return a.value == b.value && a.idle == b.idle;
}

/* level < 0: the default from wpool_config_init. */
static void levels_as_created(int level) {
    test_prio baseline = started_thread_prio();
    seen s;
    memset(&s, 0, sizeof s);
    wpool_config cfg;
    wpool_config_init(&cfg);
    if (level >= 0) cfg.worker_os_priority = (wpool_os_priority)level;
    cfg.workers = 2;
    cfg.max_temp_workers = 1;
    cfg.temp_spares = 1;
    cfg.on_thread_start = record_start;
    cfg.hook_ctx = &s;
    wpool *p = make_pool(&cfg);
    CHECK_EVENTUALLY(atomic_load(&s.regular) == 2 && atomic_load(&s.temporary) == 1, 10000);
    test_prio want = test_prio_lowered(baseline, level >= 0 ? level : WPOOL_OS_PRIORITY_LOWEST);
    for (int i = 0; i < 2; i++) {
        if (!same(s.regular_prio[i], want))
            fprintf(stderr, "level %d: regular worker %d at %d/%d, want %d/%d\n", level, i,
                    s.regular_prio[i].value, s.regular_prio[i].idle, want.value, want.idle);
        CHECK(same(s.regular_prio[i], want));
    }
    if (!same(s.temporary_prio, baseline))
        fprintf(stderr, "level %d: temporary worker at %d/%d, want %d/%d\n", level,
                s.temporary_prio.value, s.temporary_prio.idle, baseline.value, baseline.idle);
    CHECK(same(s.temporary_prio, baseline));
    wpool_destroy(p);
}

#if defined(__linux__)
static void *levels_from_a_lowered_creator(void *arg) {
    (void)arg;
    CHECK_EQ(test_prio_nice_self(5), 0);
    for (int level = 0; level <= WPOOL_OS_PRIORITY_IDLE; level++)
        levels_as_created(level);
    return NULL;
}
#endif

/* --- High work submitted by a lowered thread -------------------------------- */

typedef struct nested {
    wpool *p;
    atomic_int high_done;
    test_prio high_prio;
    int high_temporary;
    test_prio submitter_prio;
} nested;

static _Thread_local int g_on_temporary;

static void note_temporary(void *ctx, unsigned index, int temporary) {
    (void)ctx;
    (void)index;
    g_on_temporary = temporary;
}

static void high_probe(void *arg) {
    nested *n = arg;
    CHECK_EQ(test_prio_get(&n->high_prio), 0);
    n->high_temporary = g_on_temporary;
    atomic_store(&n->high_done, 1);
}

/* Runs on the only regular worker (at nice 19): submits a High job, which
 * needs a temporary worker since this one is busy, and waits for it without
 * running it itself. */
static void submit_high_from_worker(void *arg) {
    nested *n = arg;
    CHECK_EQ(test_prio_get(&n->submitter_prio), 0);
    CHECK_OK(wpool_submit(n->p, WPOOL_HIGH, high_probe, n));
    uint64_t deadline = now_ns() + 10 * SEC_NS;
    while (!atomic_load(&n->high_done) && now_ns() < deadline)
        sleep_us(100);
}

static void temporary_worker_started_for_a_lowered_submitter(int spares) {
    test_prio baseline = started_thread_prio();
    nested n;
    memset(&n, 0, sizeof n);
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 1;
    cfg.max_temp_workers = 2;
    cfg.temp_spares = (unsigned)spares; /* 0: the High job needs a start */
    cfg.worker_os_priority = WPOOL_OS_PRIORITY_LOWEST;
    cfg.on_thread_start = note_temporary;
    n.p = make_pool(&cfg);
    CHECK_OK(wpool_submit(n.p, WPOOL_LOW, submit_high_from_worker, &n));
    CHECK_EVENTUALLY(atomic_load(&n.high_done), 10000);
    CHECK_OK(wpool_wait_idle(n.p, 10 * SEC_NS));
    CHECK_EQ(n.high_temporary, 1);
    test_prio lowered = test_prio_lowered(baseline, WPOOL_OS_PRIORITY_LOWEST);
    CHECK(same(n.submitter_prio, lowered));
    if (!same(n.high_prio, baseline))
        fprintf(stderr, "spares %d: the High job ran at %d/%d, want %d/%d\n", spares,
                n.high_prio.value, n.high_prio.idle, baseline.value, baseline.idle);
    CHECK(same(n.high_prio, baseline));
    wpool_stats s = get_stats(n.p);
    CHECK(s.temp_spawned >= 1);
    wpool_destroy(n.p);
}

static void config_check_rejects_bad_levels(void) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    CHECK_EQ((int)cfg.worker_os_priority, (int)WPOOL_OS_PRIORITY_LOWEST);
    CHECK_EQ(cfg.temp_spares, 1);
    char msg[128];
    cfg.worker_os_priority = (wpool_os_priority)4;
    CHECK_RC(wpool_config_check(&cfg, msg, sizeof msg), WPOOL_EINVAL);
    CHECK(strstr(msg, "worker_os_priority = 4") != NULL);
    wpool *p = NULL;
    CHECK_RC(wpool_create(&cfg, &p), WPOOL_EINVAL);
    CHECK(p == NULL);
    cfg.worker_os_priority = WPOOL_OS_PRIORITY_IDLE;
    CHECK_OK(wpool_config_check(&cfg, msg, sizeof msg));
}

int main(void) {
    test_watchdog("test_os_priority", 120);
    config_check_rejects_bad_levels();
    levels_as_created(-1);
    for (int level = 0; level <= WPOOL_OS_PRIORITY_IDLE; level++)
        levels_as_created(level);
#if defined(__linux__)
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, levels_from_a_lowered_creator, NULL), 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
#endif
    temporary_worker_started_for_a_lowered_submitter(0);
    temporary_worker_started_for_a_lowered_submitter(1);
    test_summary("test_os_priority");
    return 0;
}
