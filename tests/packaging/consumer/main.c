/* A minimal wpool user: creates a pool, submits a job, checks that it ran,
 * destroys the pool. Built by every packaging test, whichever way it gets
 * wpool (add_subdirectory, FetchContent, find_package, pkg-config). */
#include <wpool.h>

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

static atomic_int ran;

static void job(void *arg) {
    atomic_fetch_add(&ran, *(const int *)arg);
}

int main(void) {
    wpool_config cfg;
    wpool_stats st;
    wpool *p = NULL;
    int value = 42;

    /* the header and the library linked are the same version */
    CHECK(strcmp(wpool_version(), WPOOL_VERSION_STRING) == 0);

    wpool_config_init(&cfg);
    cfg.workers = 2;
    CHECK(wpool_create(&cfg, &p) == WPOOL_OK);
    CHECK(p != NULL);
    CHECK(wpool_submit(p, WPOOL_NORMAL, job, &value) == WPOOL_OK);
    CHECK(wpool_shutdown(p, WPOOL_FOREVER) == WPOOL_OK);
    CHECK(atomic_load(&ran) == 42);
    CHECK(wpool_get_stats(p, &st) == WPOOL_OK);
    CHECK(st.submitted[WPOOL_NORMAL] == 1);
    CHECK(wpool_submit(p, WPOOL_HIGH, job, &value) == WPOOL_ECLOSED);
    CHECK(wpool_strerror(WPOOL_ECLOSED) != NULL);
    wpool_destroy(p);

    printf("wpool consumer (C): ok, wpool %s\n", wpool_version());
    return 0;
}
