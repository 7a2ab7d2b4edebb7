/*
 * arch.h: what wpool assumes of the CPU: the size of a cache line (the unit
 * that cores pass between them, so the unit of false sharing) and the
 * instruction that tells the CPU a thread is spinning.
 */
#ifndef WP_ARCH_H
#define WP_ARCH_H

#include <stdatomic.h>

/* 64 bytes on every x86-64 and on most AArch64 cores. Data written by one
 * thread and read by others gets a line of its own (_Alignas(WP_CACHE_LINE)). */
#define WP_CACHE_LINE 64

/* One spin-wait hint: x86's pause (lets the sibling hyperthread run and
 * avoids a memory-order mis-speculation when the awaited line changes),
 * AArch64's yield; elsewhere only a compiler barrier. */
#if defined(__x86_64__) || defined(__i386__)
#define wp_cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__) || defined(__arm__)
#define wp_cpu_relax() __asm__ __volatile__("yield" ::: "memory")
#else
#define wp_cpu_relax() atomic_signal_fence(memory_order_seq_cst)
#endif

#endif /* WP_ARCH_H */
