/*
 * os_posix.c: the platform layer on POSIX systems (Linux with glibc or musl,
 * macOS, FreeBSD, and the rest of the family with what POSIX alone offers):
 * pthreads, clock_gettime, sysconf, posix_memalign. Thread naming, stack
 * bounds and CPU binding differ per system; where a system has none of them
 * the call does nothing and says so.
 */
#include "os.h"

#if !defined(_WIN32)

#include "wpool.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__FreeBSD__)
#include <pthread_np.h>
#endif
#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#elif defined(__APPLE__)
#include <pthread/qos.h>
#endif

static void *thread_main(void *arg) {
    wp_thread *t = arg;
    t->fn(t->arg);
    return NULL;
}

int wp_os_thread_start(wp_thread *t, wp_thread_fn fn, void *arg) {
    t->fn = fn;
    t->arg = arg;
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0) return WPOOL_ENOMEM;
    /* Not the caller's scheduling policy: plain SCHED_OTHER at the default
     * priority, which a fresh attribute holds (0 on Linux and FreeBSD; 31 on
     * macOS, whose kernel would take 0 as 31 below its default). */
    struct sched_param param;
    memset(&param, 0, sizeof param);
    pthread_attr_getschedparam(&attr, &param);
    pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
    pthread_attr_setschedpolicy(&attr, SCHED_OTHER);
    pthread_attr_setschedparam(&attr, &param);
    /* Not the caller's signal mask: the new thread blocks every asynchronous
     * signal, inheriting that mask from this temporary one. Faults stay
     * deliverable. */
    sigset_t all, saved;
    sigfillset(&all);
    static const int synchronous[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT};
    for (size_t i = 0; i < sizeof synchronous / sizeof synchronous[0]; i++)
        sigdelset(&all, synchronous[i]);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    int rc = pthread_create(&t->id, &attr, thread_main, t);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    pthread_attr_destroy(&attr);
    if (rc == 0) return WPOOL_OK;
    return rc == ENOMEM ? WPOOL_ENOMEM : WPOOL_EAGAIN;
}

void wp_os_thread_join(wp_thread *t) {
    pthread_join(t->id, NULL);
}

void wp_os_thread_detach_self(wp_thread *t) {
    (void)t; /* its id may not be written yet as this thread sees it: use self */
    pthread_detach(pthread_self());
}

void wp_os_thread_set_name(const char *name) {
#if defined(__APPLE__)
    (void)pthread_setname_np(name); /* macOS names only the calling thread */
#elif defined(__FreeBSD__)
    pthread_set_name_np(pthread_self(), name);
#elif defined(__linux__)
    (void)pthread_setname_np(pthread_self(), name);
#else
    (void)name; /* no portable way */
#endif
}

bool wp_os_thread_stack(uintptr_t *low, uintptr_t *high) {
#if defined(__APPLE__)
    /* pthread_get_stackaddr_np is the top (stacks grow down). */
    uintptr_t top = (uintptr_t)pthread_get_stackaddr_np(pthread_self());
    size_t size = pthread_get_stacksize_np(pthread_self());
    if (!top || !size) return false;
    *low = top - size;
    *high = top;
    return true;
#elif defined(__linux__) || defined(__FreeBSD__)
    pthread_attr_t attr;
    void *addr;
    size_t size;
    bool ok = false;
#if defined(__FreeBSD__)
    if (pthread_attr_init(&attr) != 0) return false;
    if (pthread_attr_get_np(pthread_self(), &attr) == 0 &&
#else
    if (pthread_getattr_np(pthread_self(), &attr) != 0) return false;
    if (
#endif
        pthread_attr_getstack(&attr, &addr, &size) == 0 && size) {
        *low = (uintptr_t)addr;
        *high = (uintptr_t)addr + size;
        ok = true;
    }
    pthread_attr_destroy(&attr);
    return ok;
#else
    (void)low;
    (void)high;
    return false;
#endif
}

bool wp_os_thread_lower_priority(int level) {
#if defined(__linux__)
    if (level == WPOOL_OS_PRIORITY_IDLE) {
        struct sched_param param;
        memset(&param, 0, sizeof param);
        return pthread_setschedparam(pthread_self(), SCHED_IDLE, &param) == 0;
    }
    /* Linux keeps a nice value per thread (PRIO_PROCESS with a thread id:
     * setpriority(2), "a deviation from POSIX" that every Linux has). */
    id_t tid = (id_t)syscall(SYS_gettid);
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, tid);
    if (nice == -1 && errno != 0) return false;
    int want = level == WPOOL_OS_PRIORITY_BELOW ? nice + 10 : 19;
    if (want > 19) want = 19;
    return want <= nice || setpriority(PRIO_PROCESS, tid, want) == 0;
#elif defined(__APPLE__)
    qos_class_t qos = level == WPOOL_OS_PRIORITY_IDLE ? QOS_CLASS_BACKGROUND : QOS_CLASS_UTILITY;
    return pthread_set_qos_class_self_np(qos, 0) == 0;
#else
    (void)level; /* FreeBSD: idle priority (rtprio_thread) needs privilege */
    return false;
#endif
}

void wp_os_yield(void) {
    sched_yield();
}

void wp_os_sleep_ns(uint64_t ns) {
    struct timespec ts = {(time_t)(ns / WP_NS_PER_SEC), (long)(ns % WP_NS_PER_SEC)};
    nanosleep(&ts, NULL);
}

unsigned wp_os_cpu_count(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1u : n > (long)UINT32_MAX ? UINT32_MAX : (unsigned)n;
}

void wp_os_process_cpus(wp_cpus *cpus) {
    memset(cpus, 0, sizeof *cpus);
#if defined(__linux__) || defined(__FreeBSD__)
#if defined(__linux__)
    int rc = sched_getaffinity(getpid(), sizeof cpus->set, &cpus->set);
#else
    int rc = cpuset_getaffinity(CPU_LEVEL_WHICH, CPU_WHICH_PID, -1, sizeof cpus->set, &cpus->set);
#endif
    if (rc == 0 && CPU_COUNT(&cpus->set) > 0) {
        cpus->count = (unsigned)CPU_COUNT(&cpus->set);
        return;
    }
    CPU_ZERO(&cpus->set);
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        CPU_SET(cpu, &cpus->set);
    cpus->count = CPU_SETSIZE;
#else
    cpus->count = wp_os_cpu_count();
#endif
}

bool wp_os_thread_bind(const wp_cpus *cpus, int nth) {
#if defined(__linux__) || defined(__FreeBSD__)
#if defined(__linux__)
    cpu_set_t set = cpus->set;
#else
    cpuset_t set = cpus->set;
#endif
    if (nth >= 0 && cpus->count > 0) {
        unsigned want = (unsigned)nth % cpus->count, seen = 0;
        for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
            if (!CPU_ISSET(cpu, &cpus->set)) continue;
            if (seen++ == want) {
                CPU_ZERO(&set);
                CPU_SET(cpu, &set);
                break;
            }
        }
    }
#if defined(__linux__)
    return sched_setaffinity(0, sizeof set, &set) == 0;
#else
    return cpuset_setaffinity(CPU_LEVEL_WHICH, CPU_WHICH_TID, -1, sizeof set, &set) == 0;
#endif
#else
    /* macOS has no binding of a thread to a CPU (its affinity tags are hints
     * for sharing a cache, and Apple silicon ignores them). */
    (void)cpus;
    (void)nth;
    return false;
#endif
}

void *wp_os_alloc(size_t size) {
    void *mem = NULL;
    if (size == 0) return NULL;
    if (posix_memalign(&mem, WP_CACHE_LINE, size) != 0) return NULL;
    memset(mem, 0, size);
    return mem;
}

void wp_os_free(void *mem) {
    free(mem);
}

#endif /* !_WIN32 */
