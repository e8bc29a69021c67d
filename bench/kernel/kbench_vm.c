/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * kbench_vm.c - allocator costs inside the kernel (`kbench vm'):
 *
 *   vm.kmalloc64.1cpu / .ncpu   kmalloc(64) + kfree, on one CPU, then on
 *                               every CPU at once (time per op per CPU)
 *   vm.kmalloc4k.1cpu / .ncpu   the same for 4 KiB
 *   vm.objcache                 objcache_get + objcache_put
 *
 * bench/vm.py runs it beside glibc malloc in the same run.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <sys/malloc.h>
#include <sys/objcache.h>
#include <sys/kbench.h>
#include <plat/plat.h>

MALLOC_DEFINE(M_KBENCH, "kbench", "kbench vm blocks");

#define VM_OPS		1000000

static size_t kbv_size;
static volatile int kbv_go;
static int kbv_done;			/* [a] */
static uint64_t kbv_end;		/* [a] latest finish */

static void
kbv_loop(size_t size)
{
	void *p;
	int i;

	for (i = 0; i < VM_OPS; i++) {
		p = kmalloc(size, M_KBENCH, M_WAITOK);
		kfree(p, M_KBENCH);
	}
}

static void
kbv_worker(void *arg)
{
	uint64_t now, prev;

	while (!kbv_go)
		tsleep(&kbv_go, 0, "kbvgo", 1);
	kbv_loop(kbv_size);
	now = plat_clock_ns();
	prev = __atomic_load_n(&kbv_end, __ATOMIC_RELAXED);
	while (now > prev && !__atomic_compare_exchange_n(&kbv_end, &prev,
	    now, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	__atomic_fetch_add(&kbv_done, 1, __ATOMIC_RELEASE);
	wakeup(&kbv_done);
}

static void
kbv_run(const char *name1, const char *namen, size_t size)
{
	uint64_t t0;
	int cpu;

	kbv_loop(size);				/* warm the zones */
	t0 = plat_clock_ns();
	kbv_loop(size);
	kbench_report(name1, plat_clock_ns() - t0, VM_OPS);

	kbv_size = size;
	kbv_go = 0;
	kbv_done = 0;
	kbv_end = 0;
	for (cpu = 0; cpu < ncpus; cpu++)
		lwkt_create(kbv_worker, NULL, NULL, 0, cpu, "kbv%d", cpu);
	tsleep(&kbv_go, 0, "kbvset", 20);
	t0 = plat_clock_ns();
	kbv_go = 1;
	wakeup(&kbv_go);
	while (__atomic_load_n(&kbv_done, __ATOMIC_ACQUIRE) < ncpus)
		tsleep(&kbv_done, 0, "kbvwait", 1);
	kbench_report(namen, kbv_end - t0, VM_OPS);
}

static void
kb_kmalloc(void)
{
	kbv_run("vm.kmalloc64.1cpu", "vm.kmalloc64.ncpu", 64);
	kbv_run("vm.kmalloc4k.1cpu", "vm.kmalloc4k.ncpu", 4096);
}
KBENCH(vm, kmalloc, kb_kmalloc);

static void
kb_objcache(void)
{
	struct objcache *oc = objcache_create_simple(M_KBENCH, 128);
	uint64_t t0;
	void *p;
	int i;

	for (i = 0; i < 1000; i++)
		objcache_put(oc, objcache_get(oc, M_WAITOK));
	t0 = plat_clock_ns();
	for (i = 0; i < VM_OPS; i++) {
		p = objcache_get(oc, M_WAITOK);
		objcache_put(oc, p);
	}
	kbench_report("vm.objcache", plat_clock_ns() - t0, VM_OPS);
}
KBENCH(vm, objcache, kb_objcache);
