// The same minimal wpool user in C++11: proves that wpool.h compiles as C++
// and that its functions have C linkage (this links against the C library).
#include <wpool.h>

#include <atomic>
#include <cstdio>
#include <cstring>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);          \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

namespace {

std::atomic<int> ran(0);

void job(void *arg) {
    ran += *static_cast<const int *>(arg);
}

} // namespace

int main() {
    CHECK(std::strcmp(wpool_version(), WPOOL_VERSION_STRING) == 0);

    wpool_config cfg;
    wpool_config_init(&cfg);
    cfg.workers = 2;
    wpool *p = nullptr;
    CHECK(wpool_create(&cfg, &p) == WPOOL_OK);
    CHECK(p != nullptr);

    int value = 42;
    wpool_task task = {job, nullptr, &value};
    CHECK(wpool_submit_task(p, WPOOL_HIGH, &task, WPOOL_FOREVER) == WPOOL_OK);
    CHECK(wpool_shutdown(p, WPOOL_FOREVER) == WPOOL_OK);
    CHECK(ran.load() == 42);

    wpool_stats st;
    CHECK(wpool_get_stats(p, &st) == WPOOL_OK);
    CHECK(st.submitted[WPOOL_HIGH] == 1);
    wpool_destroy(p);

    std::printf("wpool consumer (C++): ok, wpool %s\n", wpool_version());
    return 0;
}
