/*
 * os_windows.c: the platform layer on Windows (Windows 8 or later; mingw-w64
 * and MSVC): Win32 threads started through the C runtime, the performance
 * counter, the process's affinity mask, _aligned_malloc. Sleeping on a word
 * (WaitOnAddress) is in os_park.c.
 */
#include "os.h"

#if defined(_WIN32)

#include "wpool.h"

#include <errno.h>
#include <malloc.h>
#include <process.h>
#include <string.h>

#define WIN32_LEAN_AND_MEAN
#include <windows.h>

static unsigned __stdcall thread_main(void *arg) {
    wp_thread *t = arg;
    t->fn(t->arg);
    return 0;
}

int wp_os_thread_start(wp_thread *t, wp_thread_fn fn, void *arg) {
    t->fn = fn;
    t->arg = arg;
    /* _beginthreadex, not CreateThread: the C runtime sets up its per-thread
     * state. Suspended until its handle is stored, so the thread can read
     * it (wp_os_thread_detach_self). A new thread runs at normal priority
     * whatever the caller's (Windows threads do not inherit it). */
    uintptr_t h = _beginthreadex(NULL, 0, thread_main, t, CREATE_SUSPENDED, NULL);
    if (h == 0) return errno == ENOMEM ? WPOOL_ENOMEM : WPOOL_EAGAIN;
    t->handle = (void *)h;
    if (ResumeThread((HANDLE)h) == (DWORD)-1) {
        /* Never ran: it cannot be stopped cleanly, but it holds nothing yet. */
        TerminateThread((HANDLE)h, 0);
        CloseHandle((HANDLE)h);
        return WPOOL_EAGAIN;
    }
    return WPOOL_OK;
}

void wp_os_thread_join(wp_thread *t) {
    WaitForSingleObject((HANDLE)t->handle, INFINITE);
    CloseHandle((HANDLE)t->handle);
}

void wp_os_thread_detach_self(wp_thread *t) {
    CloseHandle((HANDLE)t->handle); /* the thread goes on; only the handle goes */
}

typedef HRESULT(WINAPI *set_description_fn)(HANDLE, PCWSTR);

void wp_os_thread_set_name(const char *name) {
    /* SetThreadDescription (Windows 10 1607+), looked up so that older
     * releases still load the library. */
    HMODULE kernel = GetModuleHandleW(L"kernel32.dll");
    FARPROC proc = kernel ? GetProcAddress(kernel, "SetThreadDescription") : NULL;
    if (!proc) return;
    set_description_fn set;
    memcpy(&set, &proc, sizeof set);
    wchar_t wide[64];
    if (MultiByteToWideChar(CP_UTF8, 0, name, -1, wide, (int)(sizeof wide / sizeof wide[0])) == 0)
        return;
    set(GetCurrentThread(), wide);
}

bool wp_os_thread_lower_priority(int level) {
    int prio = level == WPOOL_OS_PRIORITY_BELOW    ? THREAD_PRIORITY_BELOW_NORMAL
               : level == WPOOL_OS_PRIORITY_LOWEST ? THREAD_PRIORITY_LOWEST
                                                   : THREAD_PRIORITY_IDLE;
    return SetThreadPriority(GetCurrentThread(), prio) != 0;
}

bool wp_os_thread_stack(uintptr_t *low, uintptr_t *high) {
    ULONG_PTR lo = 0, hi = 0;
    GetCurrentThreadStackLimits(&lo, &hi);
    if (!lo || hi <= lo) return false;
    *low = (uintptr_t)lo;
    *high = (uintptr_t)hi;
    return true;
}

void wp_os_yield(void) {
    SwitchToThread();
}

void wp_os_sleep_ns(uint64_t ns) {
    uint64_t ms = (ns + WP_NS_PER_MS - 1u) / WP_NS_PER_MS;
    Sleep(ms >= INFINITE ? INFINITE - 1u : (DWORD)ms);
}

unsigned wp_os_cpu_count(void) {
    DWORD n = GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
    return n < 1 ? 1u : (unsigned)n;
}

static unsigned popcount64(uint64_t x) {
    unsigned n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}

void wp_os_process_cpus(wp_cpus *cpus) {
    DWORD_PTR process = 0, system = 0;
    memset(cpus, 0, sizeof *cpus);
    if (!GetProcessAffinityMask(GetCurrentProcess(), &process, &system) || !process) process = 1;
    cpus->mask = (uint64_t)process;
    cpus->count = popcount64(cpus->mask);
}

bool wp_os_thread_bind(const wp_cpus *cpus, int nth) {
    uint64_t mask = cpus->mask;
    if (nth >= 0 && cpus->count > 0) {
        unsigned want = (unsigned)nth % cpus->count;
        for (unsigned i = 0; i < want; i++)
            mask &= mask - 1; /* drop the lowest CPU `want` times */
        mask &= ~(mask - 1);  /* keep the lowest left */
    }
    return mask && SetThreadAffinityMask(GetCurrentThread(), (DWORD_PTR)mask) != 0;
}

void *wp_os_alloc(size_t size) {
    if (size == 0) return NULL;
    void *mem = _aligned_malloc(size, WP_CACHE_LINE);
    if (mem) memset(mem, 0, size);
    return mem;
}

void wp_os_free(void *mem) {
    _aligned_free(mem);
}

/* The counter's rate is fixed at boot: read once. */
static uint64_t qpc_frequency(void) {
    static _Atomic uint64_t frequency;
    uint64_t f = atomic_load_explicit(&frequency, memory_order_relaxed);
    if (!f) {
        LARGE_INTEGER li;
        QueryPerformanceFrequency(&li);
        f = li.QuadPart > 0 ? (uint64_t)li.QuadPart : 1u;
        /* relaxed: every thread computes the same value. */
        atomic_store_explicit(&frequency, f, memory_order_relaxed);
    }
    return f;
}

uint64_t wp_os_now_ns(void) {
    LARGE_INTEGER li;
    QueryPerformanceCounter(&li);
    uint64_t c = (uint64_t)li.QuadPart, f = qpc_frequency();
    return c / f * WP_NS_PER_SEC + c % f * WP_NS_PER_SEC / f;
}

#endif /* _WIN32 */
