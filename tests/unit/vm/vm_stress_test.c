/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * vm_stress_test.c - kmalloc, kfree and objcache on four simulated
 * CPUs at once: two workers per CPU allocate blocks of random sizes,
 * stamp them, free them at once, keep them a while, or swap them
 * through a shared exchange so another CPU frees them.  Afterwards
 * nothing may leak: types back to zero, every chunk back in its owner's
 * zones, every page back in the page allocator (but for cached zones).
 * fakeplat interleaves the CPUs deterministically; real concurrency is
 * the in-kernel stress's job.
 */
#include "cmocka_core.h"
#include <string.h>
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <sys/ipiq.h>
#include <sys/malloc.h>
#include <sys/objcache.h>
#include <vm/vm_kmem.h>
#include <vm/vm_page.h>
#include <plat/plat.h>
#include "fakeplat.h"
#include "ktest_util.h"

#define NCPU		4
#define WORKERS		(2 * NCPU)
#define OPS		6000		/* per worker */
#define NKEEP		32
#define NXCHG		128

MALLOC_DEFINE(M_STRESS, "test_stress", "vm stress test blocks");
MALLOC_DEFINE(M_STRESSOC, "test_stressoc", "vm stress test objects");

struct worker {
	uint64_t	rng;
	struct ktest_block	*keep[NKEEP];
};

static struct worker workers[WORKERS];
static struct ktest_block *xchg[NXCHG];
static struct objcache *oc;
static int nrunning;
static uint64_t n_foreign;

static int
setup(void **state)
{
	fakeplat_boot(NCPU, 128UL << 20);
	return (0);
}

static struct ktest_block *
block_new(struct worker *w)
{
	uint32_t r = ktest_rnd(&w->rng);
	size_t size;

	if ((r & 15) == 0)
		size = 16384 + r % 30000;
	else if ((r & 15) == 1)
		size = 4096 * (1 + r % 4);
	else
		size = sizeof(struct ktest_block) + r % 700;
	return (ktest_block_new(size, M_STRESS, (uint8_t)r));
}

static void
block_free(struct ktest_block *b)
{
	ktest_block_free(b, M_STRESS);
}

static void
worker_main(void *arg)
{
	struct worker *w = arg;
	struct ktest_block *b;
	void *o;
	uint32_t r;
	int i, op;

	for (op = 0; op < OPS; op++) {
		r = ktest_rnd(&w->rng);
		switch (r % 4) {
		case 0:
			block_free(block_new(w));
			break;
		case 1:
			i = (int)((r >> 8) % NKEEP);
			if (w->keep[i] != NULL)
				block_free(w->keep[i]);
			w->keep[i] = block_new(w);
			break;
		case 2:
			i = (int)((r >> 8) % NXCHG);
			b = __atomic_exchange_n(&xchg[i], block_new(w),
			    __ATOMIC_ACQ_REL);
			if (b != NULL) {
				__atomic_fetch_add(&n_foreign, 1,
				    __ATOMIC_RELAXED);
				block_free(b);
			}
			break;
		case 3:
			o = objcache_get(oc, M_WAITOK);
			objcache_put(oc, o);
			break;
		}
		/* Let the other CPUs run: fakeplat switches at idle. */
		if ((op & 127) == 127)
			tsleep(w, 0, "work", 1);
	}
	for (i = 0; i < NKEEP; i++)
		if (w->keep[i] != NULL)
			block_free(w->keep[i]);
	if (__atomic_sub_fetch(&nrunning, 1, __ATOMIC_SEQ_CST) == 0)
		wakeup(&nrunning);
}

static void
cleanup_here(void *arg)
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

static size_t
slab_pages(void)
{
	struct slab_stats ss;
	size_t n = 0;
	int cpu;

	for (cpu = 0; cpu < ncpus; cpu++) {
		slab_get_stats(cpu, &ss);
		n += (size_t)(ss.ss_nzones + ss.ss_nfreezones) *
		    (ss.ss_zonesize / PAGE_SIZE);
	}
	return (n);
}

/* Four CPUs allocating and freeing each other's memory leak nothing. */
static void
four_cpus_cross_free_without_leaks(void **state)
{
	struct malloc_type_stats ms;
	struct vm_page_stats vs0, vs;
	struct slab_stats ss;
	size_t slab0, held;
	uint64_t remote = 0, signals = 0, folds = 0;
	int64_t chunks0;
	int i, cpu;

	chunks0 = chunks_out();
	vm_page_get_stats(&vs0);
	slab0 = slab_pages();
	oc = objcache_create_mbacked(M_STRESSOC, 96, 0, 0, NULL, NULL, NULL);
	nrunning = WORKERS;
	for (i = 0; i < WORKERS; i++) {
		workers[i].rng = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
		assert_int_equal(lwkt_create(worker_main, &workers[i], NULL,
		    0, i % NCPU, "stress%d", i), 0);
	}
	while (__atomic_load_n(&nrunning, __ATOMIC_SEQ_CST) != 0)
		tsleep(&nrunning, 0, "wait", 10);
	for (i = 0; i < NXCHG; i++) {
		if (xchg[i] != NULL)
			block_free(xchg[i]);
		xchg[i] = NULL;
	}
	objcache_destroy(oc);
	lwkt_cpusync(smp_active_mask, cleanup_here, NULL);

	for (cpu = 0; cpu < ncpus; cpu++) {
		slab_get_stats(cpu, &ss);
		remote += ss.ss_remote_frees;
		signals += ss.ss_remote_ipis;
		folds += ss.ss_remote_folds;
	}
	assert_true(n_foreign > 1000);
	assert_true(remote > 100);		/* the remote path ran */
	assert_true(signals > 0);
	assert_int_equal(folds, remote);	/* and every chunk came home */
	assert_int_equal(chunks_out(), chunks0);
	malloc_type_get_stats(M_STRESS, &ms);
	assert_int_equal(ms.ms_inuse, 0);
	assert_int_equal(ms.ms_memuse, 0);
	malloc_type_get_stats(M_STRESSOC, &ms);
	assert_int_equal(ms.ms_inuse, 0);
	/*
	 * Pages: every page is free or in a (cached) zone again, but for
	 * the workers' threads (struct and stack: 8 pages each), which
	 * LWKT may keep in its per-CPU thread cache.
	 */
	vm_page_get_stats(&vs);
	held = vs0.vs_free + slab0 - (vs.vs_free + slab_pages());
	if ((ssize_t)held < 0 || held > WORKERS * 8)
		fail_msg("%zd pages unaccounted for", (ssize_t)held);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(four_cpus_cross_free_without_leaks),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
