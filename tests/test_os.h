/*
 * test_os.h: what the tests need from the operating system, in one place, on
 * Linux (glibc, musl), macOS, FreeBSD and Windows (mingw-w64 with winpthreads;
 * the tests themselves use pthreads for their own threads).
 *
 * now_ns() / sleep_ns(): a monotonic clock and sleeping (Windows: the
 * performance counter, Sleep in milliseconds rounded up).
 * test_process_cpu_ns(): CPU time used by the whole process.
 * test_cpu_count(): CPUs online (what the library counts for workers = 0).
 * test_pid(): the process id.
 * test_os_thread_count(): threads in this process now (Linux /proc/self/task, macOS
 * task_threads, FreeBSD sysctl KERN_PROC_INC_THREAD, Windows a Toolhelp
 * snapshot).
 * test_thread_name(buf, size): the calling thread's name (Windows: its
 * description, which is what the library sets there).
 * test_sched_get() / test_sched_demote(): the calling thread's scheduling
 * (POSIX: policy and priority; Windows: priority) and a change of it that
 * any user may make.
 * test_prio_get(): the calling thread's OS priority as wpool_os_priority
 * sets it (Linux: nice value and SCHED_IDLE; macOS: QoS class; Windows:
 * thread priority; elsewhere nothing); test_prio_lowered(): what a regular
 * worker started by a thread at `creator` has for a level;
 * test_prio_nice_self(): lowers the calling thread (Linux only).
 * TEST_HAVE_AFFINITY: CPU sets exist (not on macOS, which cannot bind a
 * thread to a CPU); then test_cpus (at most TEST_MAX_CPUS), test_thread_cpus(),
 * test_pin_self(), test_cpus_one/has/count/equal().
 * TEST_HAVE_SIGMASK: per-thread signal masks exist (POSIX; not Windows).
 *
 * Every call that can fail returns 0 on success, so that tests CHECK it.
 */
#ifndef WPOOL_TEST_OS_H
#define WPOOL_TEST_OS_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <tlhelp32.h>
#else
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <dirent.h>
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#elif defined(__APPLE__)
#include <mach/mach.h>
#include <pthread/qos.h>
#elif defined(__FreeBSD__)
#include <errno.h>
#include <pthread_np.h>
#include <sys/types.h>
#include <sys/sysctl.h>
#include <sys/user.h>
#endif
#endif

#define TEST_SEC_NS 1000000000ull

/* ------------------------------------------------------------------------ */
/* Time                                                                      */
/* ------------------------------------------------------------------------ */

#if defined(_WIN32)
static inline uint64_t now_ns(void) {
    LARGE_INTEGER li, freq;
    QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&li);
    uint64_t c = (uint64_t)li.QuadPart, f = (uint64_t)freq.QuadPart;
    return c / f * TEST_SEC_NS + c % f * TEST_SEC_NS / f;
}

/* Sleep() counts whole milliseconds: rounded up, so never shorter. */
static inline void sleep_ns(uint64_t ns) {
    uint64_t ms = (ns + 999999u) / 1000000u;
    Sleep(ms >= INFINITE ? INFINITE - 1u : (DWORD)ms);
}

static inline uint64_t test_process_cpu_ns(void) {
    FILETIME created, exited, kernel, user;
    if (!GetProcessTimes(GetCurrentProcess(), &created, &exited, &kernel, &user)) abort();
    uint64_t k = ((uint64_t)kernel.dwHighDateTime << 32) | kernel.dwLowDateTime;
    uint64_t u = ((uint64_t)user.dwHighDateTime << 32) | user.dwLowDateTime;
    return (k + u) * 100u; /* 100 ns units */
}
#else
static inline uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * TEST_SEC_NS + (uint64_t)ts.tv_nsec;
}

static inline void sleep_ns(uint64_t ns) {
    struct timespec ts = {(time_t)(ns / TEST_SEC_NS), (long)(ns % TEST_SEC_NS)};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static inline uint64_t test_process_cpu_ns(void) {
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) abort();
    return (uint64_t)ts.tv_sec * TEST_SEC_NS + (uint64_t)ts.tv_nsec;
}
#endif

/* ------------------------------------------------------------------------ */
/* The process                                                               */
/* ------------------------------------------------------------------------ */

/* CPUs online, counted the way the library counts them for workers = 0. */
static inline long test_cpu_count(void) {
#if defined(_WIN32)
    return (long)GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
#else
    return sysconf(_SC_NPROCESSORS_ONLN);
#endif
}

static inline unsigned long test_pid(void) {
#if defined(_WIN32)
    return (unsigned long)GetCurrentProcessId();
#else
    return (unsigned long)getpid();
#endif
}

/* Threads in this process now; -1 if the system would not say. */
static inline int test_os_thread_count(void) {
#if defined(__linux__)
    DIR *d = opendir("/proc/self/task");
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
#elif defined(__APPLE__)
    thread_act_array_t threads;
    mach_msg_type_number_t n = 0;
    if (task_threads(mach_task_self(), &threads, &n) != KERN_SUCCESS) return -1;
    for (mach_msg_type_number_t i = 0; i < n; i++)
        mach_port_deallocate(mach_task_self(), threads[i]);
    vm_deallocate(mach_task_self(), (vm_address_t)threads, n * sizeof threads[0]);
    return (int)n;
#elif defined(__FreeBSD__)
    /* One struct kinfo_proc per thread. */
    int mib[4] = {CTL_KERN, KERN_PROC, KERN_PROC_PID | KERN_PROC_INC_THREAD, (int)getpid()};
    for (int attempt = 0; attempt < 8; attempt++) {
        size_t len = 0;
        if (sysctl(mib, 4, NULL, &len, NULL, 0) != 0) return -1;
        len += 16 * sizeof(struct kinfo_proc); /* threads may start meanwhile */
        void *buf = malloc(len);
        if (!buf) return -1;
        int rc = sysctl(mib, 4, buf, &len, NULL, 0);
        free(buf);
        if (rc == 0) return (int)(len / sizeof(struct kinfo_proc));
        if (errno != ENOMEM) return -1;
    }
    return -1;
#elif defined(_WIN32)
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
    if (snap == INVALID_HANDLE_VALUE) return -1;
    DWORD self = GetCurrentProcessId();
    THREADENTRY32 te;
    memset(&te, 0, sizeof te);
    te.dwSize = sizeof te;
    int n = 0;
    for (BOOL more = Thread32First(snap, &te); more; more = Thread32Next(snap, &te))
        if (te.th32OwnerProcessID == self) n++;
    CloseHandle(snap);
    return n;
#else
#error "test_os_thread_count: no way to count this process's threads on this system"
#endif
}

/* ------------------------------------------------------------------------ */
/* The calling thread                                                        */
/* ------------------------------------------------------------------------ */

/* The calling thread's name, NUL-terminated in buf (at most size bytes). */
static inline int test_thread_name(char *buf, size_t size) {
    memset(buf, 0, size);
#if defined(_WIN32)
    /* The library names its threads with SetThreadDescription (Windows 10
     * 1607+), looked up at run time as the library does it. */
    typedef HRESULT(WINAPI * get_description_fn)(HANDLE, PWSTR *);
    HMODULE kernel = GetModuleHandleW(L"kernel32.dll");
    FARPROC proc = kernel ? GetProcAddress(kernel, "GetThreadDescription") : NULL;
    if (!proc) return -1;
    get_description_fn get;
    memcpy(&get, &proc, sizeof get);
    PWSTR wide = NULL;
    if (FAILED(get(GetCurrentThread(), &wide)) || !wide) return -1;
    int n = WideCharToMultiByte(CP_UTF8, 0, wide, -1, buf, (int)size, NULL, NULL);
    LocalFree(wide);
    buf[size - 1] = 0;
    return n > 0 ? 0 : -1;
#else
    return pthread_getname_np(pthread_self(), buf, size);
#endif
}

/* A thread's scheduling: POSIX policy and priority; Windows: policy 0 and
 * the thread priority. */
typedef struct test_sched {
    int policy;
    int priority;
} test_sched;

static inline int test_sched_get(test_sched *s) {
    memset(s, 0, sizeof *s);
#if defined(_WIN32)
    int prio = GetThreadPriority(GetCurrentThread());
    if (prio == THREAD_PRIORITY_ERROR_RETURN) return -1;
    s->priority = prio;
    return 0;
#else
    struct sched_param sp;
    int rc = pthread_getschedparam(pthread_self(), &s->policy, &sp);
    s->priority = sp.sched_priority;
    return rc;
#endif
}

/* Moves the calling thread off the default scheduling, in a way any user may
 * (Linux: SCHED_BATCH, else SCHED_IDLE; Windows: the lowest priority; other
 * POSIX systems: another priority within the same policy). Returns 0 once
 * the thread's scheduling reads back different from `before`. */
static inline int test_sched_demote(const test_sched *before) {
    test_sched now;
#if defined(_WIN32)
    if (!SetThreadPriority(GetCurrentThread(), THREAD_PRIORITY_LOWEST)) return -1;
#elif defined(__linux__)
    struct sched_param sp;
    memset(&sp, 0, sizeof sp);
    int policy = before->policy == SCHED_BATCH ? SCHED_IDLE : SCHED_BATCH;
    if (pthread_setschedparam(pthread_self(), policy, &sp) != 0 &&
        (policy == SCHED_IDLE || pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp) != 0))
        return -1;
#else
    struct sched_param sp;
    memset(&sp, 0, sizeof sp);
    int lo = sched_get_priority_min(before->policy), hi = sched_get_priority_max(before->policy);
    sp.sched_priority = lo != before->priority ? lo : hi;
    if (sp.sched_priority == before->priority ||
        pthread_setschedparam(pthread_self(), before->policy, &sp) != 0)
        return -1;
#endif
    if (test_sched_get(&now) != 0) return -1;
    return now.policy != before->policy || now.priority != before->priority ? 0 : -1;
}

/* A thread's OS priority as wpool_os_priority sets it: Linux: the nice
 * value, and idle for SCHED_IDLE; macOS: the QoS class; Windows: the thread
 * priority; elsewhere nothing (value 0: the library changes nothing there). */
typedef struct test_prio {
    int value;
    int idle;
} test_prio;

static inline int test_prio_get(test_prio *p) {
    memset(p, 0, sizeof *p);
#if defined(__linux__)
    errno = 0;
    p->value = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
    if (p->value == -1 && errno) return -1;
    /* Not sched_getscheduler(): musl's is a stub (ENOSYS). */
    int policy;
    struct sched_param sp;
    if (pthread_getschedparam(pthread_self(), &policy, &sp) != 0) return -1;
    p->idle = policy == SCHED_IDLE;
#elif defined(__APPLE__)
    p->value = (int)qos_class_self();
#elif defined(_WIN32)
    p->value = GetThreadPriority(GetCurrentThread());
    if (p->value == THREAD_PRIORITY_ERROR_RETURN) return -1;
#endif
    return 0;
}

/* What a regular worker started by a thread at `creator` has at `level` (a
 * wpool_os_priority, 0..3): the table in wpool.h. */
static inline test_prio test_prio_lowered(test_prio creator, int level) {
    test_prio want = creator;
#if defined(__linux__)
    if (level == 1) want.value = creator.value + 10 > 19 ? 19 : creator.value + 10;
    if (level == 2) want.value = 19;
    if (level == 3) want.idle = 1;
#elif defined(__APPLE__)
    if (level == 1 || level == 2) want.value = (int)QOS_CLASS_UTILITY;
    if (level == 3) want.value = (int)QOS_CLASS_BACKGROUND;
#elif defined(_WIN32)
    static const int prio[] = {THREAD_PRIORITY_NORMAL, THREAD_PRIORITY_BELOW_NORMAL,
                               THREAD_PRIORITY_LOWEST, THREAD_PRIORITY_IDLE};
    want.value = prio[level];
#else
    (void)level;
#endif
    return want;
}

/* Raises the calling thread's nice value by `by` (Linux; elsewhere -1). */
static inline int test_prio_nice_self(int by) {
#if defined(__linux__)
    test_prio now;
    if (test_prio_get(&now) != 0) return -1;
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), now.value + by);
#else
    (void)by;
    return -1;
#endif
}

/* ------------------------------------------------------------------------ */
/* Signal masks                                                              */
/* ------------------------------------------------------------------------ */

#if !defined(_WIN32)
#define TEST_HAVE_SIGMASK 1 /* Windows has no signal masks */
#endif

/* ------------------------------------------------------------------------ */
/* CPU sets                                                                  */
/* ------------------------------------------------------------------------ */

#if defined(__linux__) || defined(__FreeBSD__)
#define TEST_HAVE_AFFINITY 1
#define TEST_MAX_CPUS      CPU_SETSIZE
typedef cpu_set_t test_cpus;

static inline int test_cpus_has(const test_cpus *s, int cpu) {
    return CPU_ISSET(cpu, s) != 0;
}
static inline int test_cpus_count(const test_cpus *s) {
    return CPU_COUNT(s);
}
static inline int test_cpus_equal(const test_cpus *a, const test_cpus *b) {
    return CPU_EQUAL(a, b) != 0;
}

/* s = {cpu}. */
static inline void test_cpus_one(test_cpus *s, int cpu) {
    CPU_ZERO(s);
    CPU_SET(cpu, s);
}

/* The CPUs the calling thread may run on. */
static inline int test_thread_cpus(test_cpus *s) {
    CPU_ZERO(s);
    return sched_getaffinity(0, sizeof *s, s);
}

/* Binds the calling thread to one CPU. */
static inline int test_pin_self(int cpu) {
    test_cpus one;
    test_cpus_one(&one, cpu);
    return pthread_setaffinity_np(pthread_self(), sizeof one, &one);
}

#elif defined(_WIN32)
#define TEST_HAVE_AFFINITY 1
#define TEST_MAX_CPUS      64 /* one processor group, as the library uses */
typedef struct test_cpus {
    uint64_t mask;
} test_cpus;

static inline int test_cpus_has(const test_cpus *s, int cpu) {
    return cpu >= 0 && cpu < 64 && (s->mask >> cpu & 1u);
}
static inline int test_cpus_count(const test_cpus *s) {
    int n = 0;
    for (uint64_t m = s->mask; m; m &= m - 1)
        n++;
    return n;
}
static inline int test_cpus_equal(const test_cpus *a, const test_cpus *b) {
    return a->mask == b->mask;
}
static inline void test_cpus_one(test_cpus *s, int cpu) {
    s->mask = (uint64_t)1 << cpu;
}

/* Windows can set a thread's affinity but not read it: SetThreadAffinityMask
 * returns the previous mask, so set the process's and put the old one back. */
static inline int test_thread_cpus(test_cpus *s) {
    DWORD_PTR process = 0, system = 0;
    s->mask = 0;
    if (!GetProcessAffinityMask(GetCurrentProcess(), &process, &system) || !process) return -1;
    DWORD_PTR old = SetThreadAffinityMask(GetCurrentThread(), process);
    if (!old) return -1;
    if (old != process && !SetThreadAffinityMask(GetCurrentThread(), old)) return -1;
    s->mask = (uint64_t)old;
    return 0;
}

static inline int test_pin_self(int cpu) {
    return SetThreadAffinityMask(GetCurrentThread(), (DWORD_PTR)1 << cpu) ? 0 : -1;
}
#endif                        /* macOS: no CPU sets; a thread cannot be bound to a CPU there */

#endif /* WPOOL_TEST_OS_H */
