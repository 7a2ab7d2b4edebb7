/*
 * test_bad_input: invalid arguments return WPOOL_EINVAL, never crash, are
 * not counted as submissions or rejections and never call the job; plus the
 * defaults and the small helpers.
 *
 * - wpool_create: out NULL, workers / max_temp_workers > WPOOL_MAX_WORKERS,
 *   a capacity > WPOOL_MAX_CAPACITY (each level) -> EINVAL, *out untouched;
 *   max_temp_workers == WPOOL_MAX_WORKERS itself is accepted;
 *   wpool_config_check names the field, its value and the limit for each,
 *   truncates to msg_size, accepts NULL;
 * - every submit variant: NULL pool, NULL fn / task / task->run, priority 3
 *   and -1 -> EINVAL; submit_batch with a NULL run anywhere queues nothing;
 * - wpool_get_stats(NULL, ..) / (p, NULL), wpool_shutdown(NULL),
 *   wpool_wait_idle(NULL), wpool_stats_prometheus(NULL, ..) and
 *   (s, NULL, size > 0) -> EINVAL; wpool_in_pool(NULL) is 0;
 * - wpool_strerror: a distinct non-NULL, non-empty string for every code and
 *   one more for unknown codes; wpool_version() matches the header;
 * - wpool_config_init(NULL) and wpool_destroy(NULL) do nothing;
 *   wpool_config_init fills the documented defaults; wpool_create(NULL, &p)
 *   makes a working pool with one worker per online CPU, capacity 4096.
 */
#include "test_util.h"

static atomic_int called;
static void job(void *arg) {
    (void)arg;
    atomic_fetch_add(&called, 1);
}

#define SENTINEL ((wpool *)(uintptr_t)0x5a5a5a5a)

static void create_rejects(void) {
    wpool_config cfg;
    wpool *p = SENTINEL;

    wpool_config_init(&cfg);
    CHECK_RC(wpool_create(&cfg, NULL), WPOOL_EINVAL);
    CHECK_RC(wpool_create(NULL, NULL), WPOOL_EINVAL);

    wpool_config_init(&cfg);
    cfg.workers = WPOOL_MAX_WORKERS + 1;
    CHECK_RC(wpool_create(&cfg, &p), WPOOL_EINVAL);
    CHECK(p == SENTINEL);
    cfg.workers = 0xffffffffu;
    CHECK_RC(wpool_create(&cfg, &p), WPOOL_EINVAL);
    CHECK(p == SENTINEL);

    wpool_config_init(&cfg);
    cfg.max_temp_workers = WPOOL_MAX_WORKERS + 1;
    CHECK_RC(wpool_create(&cfg, &p), WPOOL_EINVAL);
    CHECK(p == SENTINEL);

    for (int l = 0; l < 3; l++) {
        wpool_config_init(&cfg);
        cfg.workers = 1;
        cfg.capacity[l] = WPOOL_MAX_CAPACITY + 1;
        CHECK_RC(wpool_create(&cfg, &p), WPOOL_EINVAL);
        CHECK(p == SENTINEL);
        cfg.capacity[l] = 0xffffffffu;
        CHECK_RC(wpool_create(&cfg, &p), WPOOL_EINVAL);
        CHECK(p == SENTINEL);
    }

    /* wait_sampling: a power of two up to 1024. */
    static const uint32_t bad_sampling[] = {3, 6, 1000, 2048, 0x80000000u};
    for (size_t i = 0; i < sizeof bad_sampling / sizeof bad_sampling[0]; i++) {
        wpool_config_init(&cfg);
        cfg.workers = 1;
        cfg.wait_sampling = bad_sampling[i];
        CHECK_RC(wpool_create(&cfg, &p), WPOOL_EINVAL);
        CHECK(p == SENTINEL);
    }

    /* The limit itself is valid (temporary workers are started lazily). */
    wpool_config_init(&cfg);
    cfg.workers = 1;
    cfg.max_temp_workers = WPOOL_MAX_WORKERS;
    CHECK_OK(wpool_create(&cfg, &p));
    CHECK(p != SENTINEL && p != NULL);
    CHECK_EQ(get_stats(p).max_temp_workers, WPOOL_MAX_WORKERS);
    wpool_destroy(p);
}

/* cfg fails wpool_config_check with exactly `expected` (and wpool_create). */
static void check_complaint(const wpool_config *cfg, const char *expected) {
    char msg[128];
    memset(msg, 'x', sizeof msg);
    CHECK_RC(wpool_config_check(cfg, msg, sizeof msg), WPOOL_EINVAL);
    if (strcmp(msg, expected) != 0) fprintf(stderr, "got \"%s\"\nnot \"%s\"\n", msg, expected);
    CHECK(strcmp(msg, expected) == 0);
    wpool *p = SENTINEL;
    CHECK_RC(wpool_create(cfg, &p), WPOOL_EINVAL);
    CHECK(p == SENTINEL);
}

static void config_check_says_what(void) {
    wpool_config cfg;
    char msg[64];
    wpool_config_init(&cfg);
    strcpy(msg, "unchanged?");
    CHECK_OK(wpool_config_check(&cfg, msg, sizeof msg));
    CHECK_EQ(msg[0], '\0');
    CHECK_OK(wpool_config_check(NULL, msg, sizeof msg));
    CHECK_OK(wpool_config_check(&cfg, NULL, 0));

    cfg.workers = 100000;
    check_complaint(&cfg, "workers = 100000: at most WPOOL_MAX_WORKERS (1024)");
    wpool_config_init(&cfg);
    cfg.max_temp_workers = 1025;
    check_complaint(&cfg, "max_temp_workers = 1025: at most WPOOL_MAX_WORKERS (1024)");
    wpool_config_init(&cfg);
    cfg.capacity[WPOOL_LOW] = 1u << 25;
    check_complaint(&cfg, "capacity[WPOOL_LOW] = 33554432: at most WPOOL_MAX_CAPACITY (16777216)");
    wpool_config_init(&cfg);
    cfg.wait_sampling = 3;
    check_complaint(&cfg, "wait_sampling = 3: a power of two, at most WPOOL_MAX_WAIT_SAMPLING "
                          "(1024), or 0");

    /* Truncated to msg_size, NUL-terminated; a NULL msg with a size is fine. */
    CHECK_RC(wpool_config_check(&cfg, msg, 8), WPOOL_EINVAL);
    CHECK(strcmp(msg, "wait_sa") == 0);
    CHECK_RC(wpool_config_check(&cfg, NULL, 100), WPOOL_EINVAL);
    msg[0] = 'x';
    CHECK_RC(wpool_config_check(&cfg, msg, 0), WPOOL_EINVAL);
    CHECK_EQ(msg[0], 'x');

    /* The limits themselves pass. */
    wpool_config_init(&cfg);
    cfg.workers = WPOOL_MAX_WORKERS;
    cfg.max_temp_workers = WPOOL_MAX_WORKERS;
    cfg.capacity[WPOOL_HIGH] = WPOOL_MAX_CAPACITY;
    cfg.wait_sampling = WPOOL_MAX_WAIT_SAMPLING;
    CHECK_OK(wpool_config_check(&cfg, msg, sizeof msg));
    cfg.wait_sampling = 0;
    CHECK_OK(wpool_config_check(&cfg, msg, sizeof msg));
}

static void submit_rejects(wpool *p) {
    wpool_stats before = get_stats(p);
    int called_before = atomic_load(&called);
    wpool_task ok = {job, NULL, NULL};
    wpool_task norun = {NULL, job, NULL};
    wpool_priority bad[2] = {(wpool_priority)3, (wpool_priority)-1};

    /* NULL pool */
    CHECK_RC(wpool_submit(NULL, WPOOL_HIGH, job, NULL), WPOOL_EINVAL);
    CHECK_RC(wpool_try_submit(NULL, WPOOL_HIGH, job, NULL), WPOOL_EINVAL);
    CHECK_RC(wpool_submit_timeout(NULL, WPOOL_HIGH, job, NULL, 0), WPOOL_EINVAL);
    CHECK_RC(wpool_submit_timeout(NULL, WPOOL_HIGH, job, NULL, WPOOL_FOREVER), WPOOL_EINVAL);
    CHECK_RC(wpool_submit_task(NULL, WPOOL_HIGH, &ok, 0), WPOOL_EINVAL);
    CHECK_RC(wpool_submit_batch(NULL, WPOOL_HIGH, &ok, 1, 0, NULL), WPOOL_EINVAL);

    /* NULL function / task */
    for (int l = 0; l < 3; l++) {
        wpool_priority prio = (wpool_priority)l;
        CHECK_RC(wpool_submit(p, prio, NULL, NULL), WPOOL_EINVAL);
        CHECK_RC(wpool_try_submit(p, prio, NULL, NULL), WPOOL_EINVAL);
        CHECK_RC(wpool_submit_timeout(p, prio, NULL, NULL, 0), WPOOL_EINVAL);
        CHECK_RC(wpool_submit_timeout(p, prio, NULL, NULL, WPOOL_FOREVER), WPOOL_EINVAL);
        CHECK_RC(wpool_submit_task(p, prio, NULL, 0), WPOOL_EINVAL);
        CHECK_RC(wpool_submit_task(p, prio, NULL, WPOOL_FOREVER), WPOOL_EINVAL);
        CHECK_RC(wpool_submit_task(p, prio, &norun, 0), WPOOL_EINVAL);
        CHECK_RC(wpool_submit_task(p, prio, &norun, WPOOL_FOREVER), WPOOL_EINVAL);
    }

    /* Priority out of range */
    for (int i = 0; i < 2; i++) {
        CHECK_RC(wpool_submit(p, bad[i], job, NULL), WPOOL_EINVAL);
        CHECK_RC(wpool_try_submit(p, bad[i], job, NULL), WPOOL_EINVAL);
        CHECK_RC(wpool_submit_timeout(p, bad[i], job, NULL, 0), WPOOL_EINVAL);
        CHECK_RC(wpool_submit_timeout(p, bad[i], job, NULL, MS_NS), WPOOL_EINVAL);
        CHECK_RC(wpool_submit_task(p, bad[i], &ok, 0), WPOOL_EINVAL);
        CHECK_RC(wpool_submit_task(p, bad[i], &ok, WPOOL_FOREVER), WPOOL_EINVAL);
        size_t acc = 77;
        CHECK_RC(wpool_submit_batch(p, bad[i], &ok, 1, 0, &acc), WPOOL_EINVAL);
        CHECK_EQ(acc, 0);
    }

    /* A batch with a NULL run anywhere queues nothing. */
    wpool_task batch[5] = {ok, ok, ok, norun, ok};
    size_t acc = 77;
    CHECK_RC(wpool_submit_batch(p, WPOOL_NORMAL, batch, 5, WPOOL_FOREVER, &acc), WPOOL_EINVAL);
    CHECK_EQ(acc, 0);
    batch[3] = ok;
    batch[4] = norun;
    acc = 77;
    CHECK_RC(wpool_submit_batch(p, WPOOL_LOW, batch, 5, 0, &acc), WPOOL_EINVAL);
    CHECK_EQ(acc, 0);
    acc = 77;
    CHECK_RC(wpool_submit_batch(p, WPOOL_LOW, NULL, 3, 0, &acc), WPOOL_EINVAL);
    CHECK_EQ(acc, 0);

    CHECK_OK(wpool_wait_idle(p, 10 * SEC_NS));
    CHECK_EQ(atomic_load(&called), called_before);
    wpool_stats s = get_stats(p);
    CHECK_EQ(sum3(s.submitted), sum3(before.submitted));
    CHECK_EQ(sum3(s.rejected), sum3(before.rejected));
    CHECK_EQ(sum3(s.queued), 0);
}

static void other_rejects(wpool *p) {
    wpool_stats s;
    char buf[64];
    CHECK_RC(wpool_get_stats(NULL, &s), WPOOL_EINVAL);
    CHECK_RC(wpool_get_stats(p, NULL), WPOOL_EINVAL);
    CHECK_RC(wpool_shutdown(NULL, 0), WPOOL_EINVAL);
    CHECK_RC(wpool_shutdown(NULL, WPOOL_FOREVER), WPOOL_EINVAL);
    CHECK_RC(wpool_wait_idle(NULL, 0), WPOOL_EINVAL);
    CHECK_RC(wpool_wait_idle(NULL, WPOOL_FOREVER), WPOOL_EINVAL);
    CHECK_RC(wpool_stats_prometheus(NULL, buf, sizeof buf), WPOOL_EINVAL);
    CHECK_RC(wpool_stats_prometheus(NULL, NULL, 0), WPOOL_EINVAL);
    s = get_stats(p);
    CHECK_RC(wpool_stats_prometheus(&s, NULL, 10), WPOOL_EINVAL);
    CHECK(wpool_stats_prometheus(&s, NULL, 0) > 0); /* size 0: only measures */
    CHECK_EQ(wpool_in_pool(NULL), 0);
    CHECK_EQ(wpool_in_pool(p), 0);
}

static void strerror_distinct(void) {
    const int codes[] = {WPOOL_OK,      WPOOL_EINVAL,  WPOOL_ENOMEM, WPOOL_EFULL,   WPOOL_ETIMEDOUT,
                         WPOOL_ECLOSED, WPOOL_EDEADLK, WPOOL_EAGAIN, WPOOL_EALREADY};
    enum { NC = sizeof codes / sizeof codes[0] };
    const char *msg[NC + 1];
    for (int i = 0; i < NC; i++)
        msg[i] = wpool_strerror(codes[i]);
    msg[NC] = wpool_strerror(-1000); /* unknown */
    for (int i = 0; i <= NC; i++) {
        CHECK(msg[i] != NULL);
        CHECK(msg[i][0] != '\0');
        for (int j = 0; j < i; j++) {
            if (strcmp(msg[i], msg[j]) == 0)
                fprintf(stderr, "same description \"%s\" for two codes\n", msg[i]);
            CHECK(strcmp(msg[i], msg[j]) != 0);
        }
    }
    /* Every unknown code gets the same unknown description, never NULL. */
    const int unknown[] = {1, 42, -9, -99, INT32_MAX, INT32_MIN};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        const char *m = wpool_strerror(unknown[i]);
        CHECK(m != NULL);
        CHECK(strcmp(m, msg[NC]) == 0);
    }
    CHECK(wpool_version() != NULL);
    CHECK(strcmp(wpool_version(), WPOOL_VERSION_STRING) == 0);
}

static void defaults(void) {
    wpool_config_init(NULL);
    wpool_destroy(NULL);

    wpool_config cfg;
    memset(&cfg, 0xa5, sizeof cfg);
    wpool_config_init(&cfg);
    CHECK_EQ(cfg.workers, 0);
    CHECK_EQ(cfg.max_temp_workers, 4);
    CHECK_EQ(cfg.temp_idle_ms, 200);
    for (int l = 0; l < 3; l++)
        CHECK(cfg.capacity[l] == 0 || cfg.capacity[l] == WPOOL_DEFAULT_CAPACITY);
    CHECK_EQ(cfg.starvation_ms, 0);
    CHECK(cfg.thread_name == NULL);
    CHECK_EQ(cfg.pin_workers, 0);
    CHECK(cfg.on_thread_start == NULL);
    CHECK(cfg.on_thread_stop == NULL);
    CHECK(cfg.hook_ctx == NULL);

    wpool *p = NULL;
    CHECK_OK(wpool_create(NULL, &p));
    CHECK(p != NULL);
    wpool_stats s = get_stats(p);
    long online = test_cpu_count();
    CHECK(online >= 1);
    CHECK_EQ(s.workers, online);
    CHECK_EQ(s.max_temp_workers, 4);
    for (int l = 0; l < 3; l++)
        CHECK_EQ(s.capacity[l], WPOOL_DEFAULT_CAPACITY);
    CHECK_EQ(s.closed, 0);
    CHECK_EQ(sum3(s.submitted), 0);
    atomic_store(&called, 0);
    for (int l = 0; l < 3; l++)
        CHECK_OK(wpool_submit(p, (wpool_priority)l, job, NULL));
    CHECK_OK(wpool_wait_idle(p, 20 * SEC_NS));
    CHECK_EQ(atomic_load(&called), 3);
    submit_rejects(p); /* nothing more is called or counted */
    wpool_destroy(p);
    CHECK_EQ(atomic_load(&called), 3);
}

int main(void) {
    test_watchdog("test_bad_input", 100);
    config_check_says_what();
    strerror_distinct();
    create_rejects();
    defaults();

    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 2;
    wpool *p = make_pool(&cfg);
    atomic_store(&called, 0);
    submit_rejects(p);
    other_rejects(p);
    CHECK_OK(wpool_shutdown(p, WPOOL_FOREVER));
    /* After shutdown, bad arguments are still EINVAL or ECLOSED, never OK. */
    CHECK(wpool_submit(p, WPOOL_HIGH, NULL, NULL) != WPOOL_OK);
    CHECK(wpool_submit(p, (wpool_priority)3, job, NULL) != WPOOL_OK);
    wpool_destroy(p);
    CHECK_EQ(atomic_load(&called), 0);
    test_summary("test_bad_input");
    return 0;
}
