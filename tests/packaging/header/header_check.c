/* wpool.h alone, as strict C11 (see CMakeLists.txt). Compiled, never run. */
#include <wpool.h>
#include <wpool.h> /* the include guard works */

_Static_assert(WPOOL_OK == 0, "WPOOL_OK is 0");
_Static_assert(WPOOL_EINVAL < 0 && WPOOL_ENOMEM < 0 && WPOOL_EFULL < 0 && WPOOL_ETIMEDOUT < 0 &&
                   WPOOL_ECLOSED < 0 && WPOOL_EDEADLK < 0,
               "every error is negative");
_Static_assert(WPOOL_HIGH == 0 && WPOOL_NORMAL == 1 && WPOOL_LOW == 2, "priority values");
_Static_assert(WPOOL_FOREVER == UINT64_MAX, "WPOOL_FOREVER");

/* The API contract's signatures, exactly (an incompatible pointer type is an
 * error under -Werror). */
void (*const check_config_init)(wpool_config *) = wpool_config_init;
int (*const check_create)(const wpool_config *, wpool **) = wpool_create;
int (*const check_submit)(wpool *, wpool_priority, wpool_fn, void *) = wpool_submit;
int (*const check_try_submit)(wpool *, wpool_priority, wpool_fn, void *) = wpool_try_submit;
int (*const check_submit_timeout)(wpool *, wpool_priority, wpool_fn, void *,
                                  uint64_t) = wpool_submit_timeout;
int (*const check_submit_task)(wpool *, wpool_priority, const wpool_task *,
                               uint64_t) = wpool_submit_task;
int (*const check_shutdown)(wpool *, uint64_t) = wpool_shutdown;
void (*const check_destroy)(wpool *) = wpool_destroy;
int (*const check_get_stats)(wpool *, wpool_stats *) = wpool_get_stats;
const char *(*const check_strerror)(int) = wpool_strerror;

int wpool_header_check(wpool *p);

static void job(void *arg) {
    (void)arg;
}

/* Touches the contract's fields and macros. */
int wpool_header_check(wpool *p) {
    wpool_config cfg;
    wpool_stats st;
    wpool_task task = {job, NULL, NULL};
    int sum;

    wpool_config_init(&cfg);
    cfg.workers = 1;
    cfg.max_temp_workers = 2;
    cfg.temp_idle_ms = 3;
    cfg.capacity[WPOOL_HIGH] = cfg.capacity[WPOOL_NORMAL] = cfg.capacity[WPOOL_LOW] = 64;
    cfg.starvation_ms = 0;
    (void)cfg;
    if (wpool_get_stats(p, &st) != WPOOL_OK) return -1;
    sum =
        (int)(st.submitted[0] + st.completed[1] + st.discarded[2] + st.rejected[0] + st.queued[1] +
              st.temp_spawned + st.temp_retired + st.wait_p50_ns[0] + st.wait_p99_ns[2]);
    sum += (int)(st.workers + st.busy_workers + st.temp_workers);
    sum += wpool_submit_task(p, WPOOL_LOW, &task, WPOOL_FOREVER);
    sum += wpool_submit_timeout(p, WPOOL_NORMAL, job, NULL, 0);
    return sum + WPOOL_VERSION_MAJOR + WPOOL_VERSION_MINOR + WPOOL_VERSION_PATCH +
           (int)sizeof WPOOL_VERSION_STRING;
}
