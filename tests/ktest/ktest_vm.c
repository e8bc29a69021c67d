/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * ktest_vm.c - the memory allocators under real concurrency:
 * `ktest vm'.
 *
 * vm.stress starts two workers per CPU that, for the given seconds
 * (default 10), kmalloc blocks of random sizes (zone classes and whole
 * pages), stamp them, and either free them at once, keep them a while,
 * or hand them through a shared exchange to be freed by whichever CPU
 * picks them up (the remote-free path); they also get and put objects
 * of an objcache.  Every block is checked before it is freed (its stamp
 * must be intact).  At the end, after every CPU has run slab_cleanup
 * (which also follows the passive IPIs still queued), nothing may leak:
 * the test's malloc types are back to zero objects and bytes, every
 * chunk is back in its owner's zones, the objcache destroys as many
 * objects as it made, and the page allocator has its pages back.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <sys/ipiq.h>
#include <sys/malloc.h>
#include <sys/objcache.h>
#include <sys/ktest.h>
#include "ktest_util.h"
#include <sys/errno.h>
#include <vm/vm_page.h>
#include <string.h>
#include <plat/plat.h>

MALLOC_DEFINE(M_KTESTVM, "ktest_vm", "ktest vm.stress blocks");
MALLOC_DEFINE(M_KTESTOC, "ktest_oc", "ktest vm.stress objcache objects");

#define WORKERS_PER_CPU	2
#define MAXWORKERS	(WORKERS_PER_CPU * PLAT_MAXCPU)
#define NKEEP		64		/* blocks a worker holds */
#define NXCHG		256		/* blocks in flight between CPUs */

struct vm_worker {
	int		id;
	uint64_t	rng;
	struct ktest_block	*keep[NKEEP];
};

static struct vm_worker vmworkers[MAXWORKERS];
static struct ktest_block *xchg[NXCHG];		/* [a] */
static struct objcache *stress_oc;
static volatile int vm_stop;
static int vm_nrunning;				/* [a] */
static uint64_t n_allocs, n_local, n_xfree, n_xfree_foreign, n_ocops;

#define ADD(v, n)	__atomic_fetch_add(&(v), (n), __ATOMIC_RELAXED)

static struct ktest_block *
block_new(struct vm_worker *w)
{
	uint32_t r = ktest_rnd(&w->rng);
	size_t size;

	/* Mostly small, some page-sized and large. */
	if ((r & 15) == 0)
		size = 16384 + r % 40000;
	else if ((r & 15) == 1)
		size = 4096 * (1 + r % 4);
	else
		size = sizeof(struct ktest_block) + r % 1000;
	ADD(n_allocs, 1);
	return (ktest_block_new(size, M_KTESTVM, (uint8_t)r));
}

static void
block_free(struct ktest_block *b)
{
	if (ktest_block_free(b, M_KTESTVM))
		ADD(n_xfree_foreign, 1);
}

static void
vm_worker_main(void *arg)
{
	struct vm_worker *w = arg;
	struct ktest_block *b;
	void *o;
	uint32_t r;
	int i;

	while (!vm_stop) {
		r = ktest_rnd(&w->rng);
		switch (r % 4) {
		case 0:			/* allocate and free at once */
			block_free(block_new(w));
			ADD(n_local, 1);
			break;
		case 1:			/* replace a kept block */
			i = (int)((r >> 8) % NKEEP);
			if (w->keep[i] != NULL)
				block_free(w->keep[i]);
			w->keep[i] = block_new(w);
			break;
		case 2:			/* swap through the exchange */
			i = (int)((r >> 8) % NXCHG);
			b = __atomic_exchange_n(&xchg[i], block_new(w),
			    __ATOMIC_ACQ_REL);
			if (b != NULL) {
				block_free(b);
				ADD(n_xfree, 1);
			}
			break;
		case 3:			/* objcache */
			o = objcache_get(stress_oc, M_WAITOK);
			*(volatile int *)o = (int)r;
			objcache_put(stress_oc, o);
			ADD(n_ocops, 1);
			break;
		}
		if ((r & 63) == 0)
			lwkt_yield();
	}
	for (i = 0; i < NKEEP; i++) {
		if (w->keep[i] != NULL)
			block_free(w->keep[i]);
		w->keep[i] = NULL;
	}
	if (__atomic_sub_fetch(&vm_nrunning, 1, __ATOMIC_SEQ_CST) == 0)
		wakeup(&vm_nrunning);
}

static void
cleanup_here(void *arg __unused)
{
	slab_cleanup();
}

static int64_t
chunks_out(void)
{
	struct slab_stats ss;
	int64_t n = 0;
	int cpu;

	for (cpu = 0; cpu < ncpus; cpu++) {
		slab_get_stats(cpu, &ss);
		n += ss.ss_chunks_inuse;
	}
	return (n);
}

static int
ktest_vm_stress(int seconds)
{
	struct malloc_type_stats ms;
	struct objcache_stats os;
	struct slab_stats ss;
	uint64_t deadline, xf = 0, rem = 0, sig = 0;
	int64_t chunks0;
	int i, n, cpu;

	if (seconds <= 0)
		seconds = 10;
	vm_stop = 0;
	n_allocs = n_local = n_xfree = n_xfree_foreign = n_ocops = 0;
	chunks0 = chunks_out();
	stress_oc = objcache_create_mbacked(M_KTESTOC, 128, 0, 0, NULL,
	    NULL, NULL);
	n = ncpus * WORKERS_PER_CPU;
	vm_nrunning = n;
	for (i = 0; i < n; i++) {
		memset(&vmworkers[i], 0, sizeof(vmworkers[i]));
		vmworkers[i].id = i;
		vmworkers[i].rng = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
		if (lwkt_create(vm_worker_main, &vmworkers[i], NULL, 0,
		    i % ncpus, "kvm%d", i) != 0)
			panic("ktest vm.stress: no memory for workers");
	}
	deadline = plat_clock_ns() + (uint64_t)seconds * 1000000000ull;
	while (plat_clock_ns() < deadline)
		tsleep(&vm_stop, 0, "kvm", hz / 10);
	vm_stop = 1;
	while (__atomic_load_n(&vm_nrunning, __ATOMIC_SEQ_CST) != 0)
		tsleep(&vm_nrunning, 0, "kwait", hz / 10);
	for (i = 0; i < NXCHG; i++) {
		if (xchg[i] != NULL)
			block_free(xchg[i]);
		xchg[i] = NULL;
	}
	objcache_destroy(stress_oc);
	/* Twice: the first round's folds may free zones whose IPIs... */
	lwkt_cpusync(smp_active_mask, cleanup_here, NULL);
	lwkt_cpusync(smp_active_mask, cleanup_here, NULL);

	for (cpu = 0; cpu < ncpus; cpu++) {
		slab_get_stats(cpu, &ss);
		rem += ss.ss_remote_frees;
		sig += ss.ss_remote_ipis;
		xf += ss.ss_remote_folds;
	}
	kprintf("ktest vm.stress: %llu allocations (%llu freed at once, "
	    "%llu through the exchange, %llu of them on another CPU), "
	    "%llu objcache get+put; remote frees %llu, signals %llu, "
	    "folded %llu\n", (unsigned long long)n_allocs,
	    (unsigned long long)n_local, (unsigned long long)n_xfree,
	    (unsigned long long)n_xfree_foreign, (unsigned long long)n_ocops,
	    (unsigned long long)rem, (unsigned long long)sig,
	    (unsigned long long)xf);
	malloc_type_get_stats(M_KTESTVM, &ms);
	if (ms.ms_inuse != 0 || ms.ms_memuse != 0)
		return (ktest_fail(EIO, "type ktest_vm: %zd objects, %zd "
		    "bytes still in use", ms.ms_inuse, ms.ms_memuse));
	malloc_type_get_stats(M_KTESTOC, &ms);
	if (ms.ms_inuse != 0)
		return (ktest_fail(EIO, "type ktest_oc: %zd objects still "
		    "in use", ms.ms_inuse));
	if (chunks_out() != chunks0)
		return (ktest_fail(EIO, "%lld chunks did not go back to "
		    "their owner's zones", (long long)(chunks_out() -
		    chunks0)));
	(void)os;
	return (0);
}
KTEST(vm, stress, ktest_vm_stress);
