/*
 * test_nested: jobs that submit jobs.
 *
 * - a binary tree of 4095 jobs, each submitting its two children (mixed
 *   priorities, temporary workers allowed): every node runs exactly once;
 * - the only worker's job submits 200 jobs into a ring of 4 with a blocking
 *   call (wpool_submit, wpool_submit_timeout(WPOOL_FOREVER),
 *   wpool_submit_task(WPOOL_FOREVER)): no deadlock (the caller runs queued
 *   jobs while it waits), every child runs once, the parent returns;
 * - two workers whose jobs and grandchildren all submit into tiny rings.
 * - wpool_help: the only worker's job queues children and waits for them by
 *   running them itself, High before Low; outside the pool it runs nothing.
 * A deadlock shows as wpool_wait_idle timing out (20 s): the test then exits
 * with a failure instead of hanging.
 */
#include "test_util.h"

#define MAXJ 8192
static atomic_int runs[MAXJ];
static wpool *pool;

static void reset(void) {
    for (int i = 0; i < MAXJ; i++)
        atomic_store(&runs[i], 0);
}

static void check_idle_or_die(wpool *p) {
    int rc = wpool_wait_idle(p, 20 * SEC_NS);
    if (rc != WPOOL_OK) {
        fprintf(stderr, "wait_idle: %s: the pool looks deadlocked\n", wpool_strerror(rc));
        test_fail(__FILE__, __LINE__, "pool deadlocked");
    }
}

/* --- a tree ------------------------------------------------------------------- */

#define TREE_NODES 4095 /* nodes 1..4095: children of i are 2i and 2i+1 */

static void tree_job(void *a) {
    intptr_t i = (intptr_t)a;
    atomic_fetch_add(&runs[i], 1);
    CHECK(wpool_in_pool(pool));
    for (intptr_t c = 2 * i; c <= 2 * i + 1; c++)
        if (c <= TREE_NODES)
            CHECK_OK(wpool_submit(pool, (wpool_priority)(c % 3), tree_job, (void *)c));
}

static void tree(void) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 2;
    cfg.max_temp_workers = 2;
    cfg.temp_idle_ms = 20;
    for (int l = 0; l < 3; l++)
        cfg.capacity[l] = 16; /* forces helping too */
    pool = make_pool(&cfg);
    reset();
    CHECK_OK(wpool_submit(pool, WPOOL_LOW, tree_job, (void *)(intptr_t)1));
    check_idle_or_die(pool);
    for (int i = 1; i <= TREE_NODES; i++)
        CHECK_EQ(atomic_load(&runs[i]), 1);
    wpool_stats s = get_stats(pool);
    CHECK_EQ(sum3(s.submitted), TREE_NODES);
    CHECK_STATS_BALANCED(s);
    CHECK_OK(wpool_shutdown(pool, WPOOL_FOREVER));
    wpool_destroy(pool);
}

/* --- a full ring, one worker ---------------------------------------------------- */

#define CHILDREN 200

typedef struct parent {
    int how;
    atomic_int done;
    atomic_int helped; /* children that ran on the parent's own thread */
    pthread_t thread;
} parent;

static parent *current_parent;

static void child_job(void *a) {
    intptr_t i = (intptr_t)a;
    atomic_fetch_add(&runs[i], 1);
    if (current_parent && pthread_equal(pthread_self(), current_parent->thread))
        atomic_fetch_add(&current_parent->helped, 1);
}

static void parent_job(void *a) {
    parent *pa = a;
    pa->thread = pthread_self();
    current_parent = pa;
    for (intptr_t i = 1; i <= CHILDREN; i++) {
        wpool_priority prio = (wpool_priority)(i % 3);
        int rc = WPOOL_EINVAL;
        if (pa->how == 0)
            rc = wpool_submit(pool, prio, child_job, (void *)i);
        else if (pa->how == 1)
            rc = wpool_submit_timeout(pool, prio, child_job, (void *)i, WPOOL_FOREVER);
        else {
            wpool_task t = {child_job, NULL, (void *)i};
            rc = wpool_submit_task(pool, prio, &t, WPOOL_FOREVER);
        }
        CHECK_OK(rc);
    }
    atomic_store(&pa->done, 1);
}

static void full_ring_one_worker(int how) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 1;
    cfg.max_temp_workers = 0;
    for (int l = 0; l < 3; l++)
        cfg.capacity[l] = 4;
    pool = make_pool(&cfg);
    reset();
    parent pa;
    memset(&pa, 0, sizeof pa);
    pa.how = how;
    current_parent = NULL;
    CHECK_OK(wpool_submit(pool, WPOOL_NORMAL, parent_job, &pa));
    check_idle_or_die(pool);
    CHECK_EQ(atomic_load(&pa.done), 1);
    for (int i = 1; i <= CHILDREN; i++)
        CHECK_EQ(atomic_load(&runs[i]), 1);
    /* 200 children through rings of 4 with one worker busy in the parent:
     * most of them must have been run by the parent's thread while it waited. */
    CHECK(atomic_load(&pa.helped) >= CHILDREN - 3 * 4);
    wpool_stats s = get_stats(pool);
    CHECK_EQ(sum3(s.submitted), CHILDREN + 1);
    CHECK_STATS_BALANCED(s);
    CHECK_OK(wpool_shutdown(pool, WPOOL_FOREVER));
    wpool_destroy(pool);
}

/* --- two workers, two levels of nesting ------------------------------------------ */

#define FANOUT 40 /* per parent: 40 children, each with 2 grandchildren */

static void grandchild_job(void *a) {
    atomic_fetch_add(&runs[(intptr_t)a], 1);
}

static void middle_job(void *a) {
    intptr_t i = (intptr_t)a;
    atomic_fetch_add(&runs[i], 1);
    for (intptr_t k = 0; k < 2; k++)
        CHECK_OK(wpool_submit(pool, (wpool_priority)((i + k) % 3), grandchild_job,
                              (void *)(4096 + 2 * i + k)));
}

static void top_job(void *a) {
    intptr_t t = (intptr_t)a;
    atomic_fetch_add(&runs[t], 1);
    for (intptr_t c = 0; c < FANOUT; c++) {
        intptr_t id = 100 + t * FANOUT + c;
        CHECK_OK(wpool_submit(pool, (wpool_priority)(c % 3), middle_job, (void *)id));
    }
}

static void two_workers_nested(void) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 2;
    cfg.max_temp_workers = 1;
    for (int l = 0; l < 3; l++)
        cfg.capacity[l] = 2;
    pool = make_pool(&cfg);
    reset();
    for (intptr_t t = 0; t < 4; t++)
        CHECK_OK(wpool_submit(pool, WPOOL_LOW, top_job, (void *)t));
    check_idle_or_die(pool);
    int total = 0;
    for (int t = 0; t < 4; t++) {
        CHECK_EQ(atomic_load(&runs[t]), 1);
        total++;
        for (int c = 0; c < FANOUT; c++) {
            int id = 100 + t * FANOUT + c;
            CHECK_EQ(atomic_load(&runs[id]), 1);
            CHECK_EQ(atomic_load(&runs[4096 + 2 * id]), 1);
            CHECK_EQ(atomic_load(&runs[4096 + 2 * id + 1]), 1);
            total += 3;
        }
    }
    wpool_stats s = get_stats(pool);
    CHECK_EQ(sum3(s.submitted), total);
    CHECK_STATS_BALANCED(s);
    CHECK_OK(wpool_shutdown(pool, WPOOL_FOREVER));
    wpool_destroy(pool);
}

/* --- wpool_help ------------------------------------------------------------- */

static atomic_int help_order[16];
static atomic_int help_seq;

static void help_child(void *a) {
    intptr_t i = (intptr_t)a;
    atomic_fetch_add(&runs[i], 1);
    atomic_store(&help_order[i], atomic_fetch_add(&help_seq, 1) + 1);
}

/* The only worker queues 4 Low then 4 High children and waits for all of them
 * with wpool_help: nobody else would run them. */
static void help_parent(void *a) {
    (void)a;
    for (intptr_t i = 0; i < 4; i++)
        CHECK_OK(wpool_submit(pool, WPOOL_LOW, help_child, (void *)i));
    for (intptr_t i = 4; i < 8; i++)
        CHECK_OK(wpool_submit(pool, WPOOL_HIGH, help_child, (void *)i));
    int ran = 0;
    uint64_t give_up = now_ns() + 10 * SEC_NS;
    while (atomic_load(&help_seq) < 8 && now_ns() < give_up)
        ran += wpool_help(pool);
    CHECK_EQ(ran, 8);
    CHECK_EQ(wpool_help(pool), 0); /* nothing left */
    atomic_fetch_add(&runs[100], 1);
}

static void help_runs_queued_jobs(void) {
    reset();
    atomic_store(&help_seq, 0);
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 1;
    cfg.max_temp_workers = 0;
    CHECK_OK(wpool_create(&cfg, &pool));
    CHECK_RC(wpool_help(NULL), WPOOL_EINVAL);
    CHECK_OK(wpool_submit(pool, WPOOL_NORMAL, help_parent, NULL));
    check_idle_or_die(pool);
    CHECK_EQ(atomic_load(&runs[100]), 1);
    for (int i = 0; i < 8; i++)
        CHECK_EQ(atomic_load(&runs[i]), 1);
    for (int hi = 4; hi < 8; hi++) /* every High child ran before every Low one */
        for (int lo = 0; lo < 4; lo++)
            CHECK(atomic_load(&help_order[hi]) < atomic_load(&help_order[lo]));
    /* Outside the pool's threads it runs nothing, even with work queued. */
    wpool_stats s = get_stats(pool);
    CHECK_EQ(sum3(s.submitted), 9);
    CHECK_OK(wpool_shutdown(pool, WPOOL_FOREVER));
    CHECK_EQ(wpool_help(pool), 0);
    wpool_destroy(pool);
}

static void help_outside_pool(void) {
    reset();
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 1;
    CHECK_OK(wpool_create(&cfg, &pool));
    test_gate g;
    gate_init(&g);
    CHECK_OK(wpool_submit(pool, WPOOL_NORMAL, gate_job, &g));
    WAIT_GATE_ENTERED(&g, 1);
    CHECK_OK(wpool_submit(pool, WPOOL_NORMAL, help_child, (void *)0));
    CHECK_EQ(wpool_help(pool), 0); /* queued, but this thread is not the pool's */
    CHECK_EQ(atomic_load(&runs[0]), 0);
    gate_open(&g);
    check_idle_or_die(pool);
    CHECK_EQ(atomic_load(&runs[0]), 1);
    CHECK_OK(wpool_shutdown(pool, WPOOL_FOREVER));
    wpool_destroy(pool);
}

static int wanted(int argc, char **argv, const char *part) {
    if (argc < 2) return 1;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], part) == 0) return 1;
    return 0;
}

/* Arguments (optional) select parts: tree, full, two, help. Default: all. */
int main(int argc, char **argv) {
    test_watchdog("test_nested", 100);
    if (wanted(argc, argv, "tree")) tree();
    if (wanted(argc, argv, "full"))
        for (int how = 0; how < 3; how++)
            full_ring_one_worker(how);
    if (wanted(argc, argv, "two")) two_workers_nested();
    if (wanted(argc, argv, "help")) {
        help_runs_queued_jobs();
        help_outside_pool();
    }
    test_summary("test_nested");
    return 0;
}
