// wpool.h alone, as strict C++ (see CMakeLists.txt). Compiled, never run.
#include <wpool.h>
#include <wpool.h> // the include guard works

#include <type_traits>

static_assert(WPOOL_OK == 0, "WPOOL_OK is 0");
static_assert(WPOOL_EINVAL < 0 && WPOOL_ENOMEM < 0 && WPOOL_EFULL < 0 && WPOOL_ETIMEDOUT < 0 &&
                  WPOOL_ECLOSED < 0 && WPOOL_EDEADLK < 0,
              "every error is negative");
static_assert(WPOOL_HIGH == 0 && WPOOL_NORMAL == 1 && WPOOL_LOW == 2, "priority values");
static_assert(WPOOL_FOREVER == UINT64_MAX, "WPOOL_FOREVER");
static_assert(std::is_standard_layout<wpool_config>::value, "wpool_config is plain data");
static_assert(std::is_standard_layout<wpool_stats>::value, "wpool_stats is plain data");

// The API contract's signatures, exactly.
static_assert(std::is_same<decltype(&wpool_config_init), void (*)(wpool_config *)>::value, "");
static_assert(std::is_same<decltype(&wpool_create), int (*)(const wpool_config *, wpool **)>::value,
              "");
static_assert(std::is_same<decltype(&wpool_submit),
                           int (*)(wpool *, wpool_priority, wpool_fn, void *)>::value,
              "");
static_assert(std::is_same<decltype(&wpool_try_submit),
                           int (*)(wpool *, wpool_priority, wpool_fn, void *)>::value,
              "");
static_assert(std::is_same<decltype(&wpool_submit_timeout),
                           int (*)(wpool *, wpool_priority, wpool_fn, void *, uint64_t)>::value,
              "");
static_assert(std::is_same<decltype(&wpool_submit_task),
                           int (*)(wpool *, wpool_priority, const wpool_task *, uint64_t)>::value,
              "");
static_assert(std::is_same<decltype(&wpool_shutdown), int (*)(wpool *, uint64_t)>::value, "");
static_assert(std::is_same<decltype(&wpool_destroy), void (*)(wpool *)>::value, "");
static_assert(std::is_same<decltype(&wpool_get_stats), int (*)(wpool *, wpool_stats *)>::value, "");
static_assert(std::is_same<decltype(&wpool_strerror), const char *(*)(int)>::value, "");

namespace {
void job(void *) {}
} // namespace

int wpool_header_check_cxx(wpool *p);

int wpool_header_check_cxx(wpool *p) {
    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 1;
    cfg.capacity[WPOOL_LOW] = 64;
    wpool_task task = {job, nullptr, nullptr};
    wpool_stats st;
    if (wpool_get_stats(p, &st) != WPOOL_OK) return -1;
    return wpool_submit_task(p, WPOOL_LOW, &task, WPOOL_FOREVER) +
           wpool_submit(p, WPOOL_HIGH, job, nullptr) + static_cast<int>(st.workers) +
           WPOOL_VERSION_MAJOR + static_cast<int>(sizeof WPOOL_VERSION_STRING);
}
