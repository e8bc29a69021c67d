/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * malloc_type.c - malloc types: their set-up, their limits, their
 * statistics and the monitor's `vmstat -m'.  Every MALLOC_DEFINE puts
 * its type in the linker set malloc_type_set; slab_init() gives each a
 * limit at SI_SUB_KMEM.
 *
 * Locking: each CPU counts in its own slot of a type (ks_cpu[cpu]) in a
 * critical section, with plain stores ([c]): requests, frees, and its
 * credit, the bytes it may still allocate without asking anyone.  The
 * credits come from ks_reserved, the one shared word ([a]), which is
 * always the bytes in use plus every CPU's credit.  So a CPU writes
 * shared memory only when its credit runs out (it takes ks_slack more
 * with one atomic add, and only while ks_reserved stays under the limit)
 * or grows past ks_creditmax through frees (it gives the surplus back).
 * Near the limit, where other CPUs' credit would make ks_reserved say
 * "over" too early, the slots are summed for the exact use (racy reads
 * of other CPUs' slots: a limit is a policy, not an invariant).
 * ks_limit, ks_slack, ks_creditmax, ks_highwater and ks_limfails are
 * read and written with atomic operations ([a]).
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/errno.h>
#include <sys/linker_set.h>
#include <sys/monitor.h>
#include <sys/globaldata.h>
#include <sys/malloc.h>
#include <stdlib.h>
#include <string.h>

#include "slab_internal.h"

SET_DECLARE(malloc_type_set, struct malloc_type);

#define VMSTAT_MAXTYPES	512

/* A CPU's credit: 1/16 of the limit shared out over the CPUs. */
static ssize_t
type_slack(size_t limit)
{
	ssize_t slack = (ssize_t)(limit / (16 * (size_t)ncpus));

	return (MAX((ssize_t)256, MIN(slack, (ssize_t)65536)));
}

void
malloc_types_init(void)
{
	struct malloc_type **tp, *t;

	SET_FOREACH(tp, malloc_type_set) {
		t = *tp;
		if (t->ks_magic != M_MAGIC)
			panic("malloc type at %p has bad magic %#x", t,
			    t->ks_magic);
		kmalloc_set_limit(t, t->ks_limit);
	}
}

void
kmalloc_set_limit(struct malloc_type *type, size_t limit)
{
	ssize_t slack;
	int cpu;

	if (limit == 0)
		limit = kmalloc_default_limit;
	slack = type_slack(limit);
	__atomic_store_n(&type->ks_slack, slack, __ATOMIC_RELAXED);
	__atomic_store_n(&type->ks_creditmax, 2 * slack, __ATOMIC_RELAXED);
	/* kfree's fast path reads its own slot's copy. */
	for (cpu = 0; cpu < PLAT_MAXCPU; cpu++)
		__atomic_store_n(&type->ks_cpu[cpu].kc_creditmax, 2 * slack,
		    __ATOMIC_RELAXED);
	__atomic_store_n(&type->ks_limit, limit, __ATOMIC_RELAXED);
}

static void
highwater_raise(struct malloc_type *type, ssize_t v)
{
	ssize_t hw = __atomic_load_n(&type->ks_highwater, __ATOMIC_RELAXED);

	while (v > hw && !__atomic_compare_exchange_n(&type->ks_highwater,
	    &hw, v, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* Bytes in use: what is reserved minus what the CPUs have not spent. */
static ssize_t
type_memuse(struct malloc_type *type)
{
	ssize_t total;
	int cpu;

	total = __atomic_load_n(&type->ks_reserved, __ATOMIC_RELAXED);
	for (cpu = 0; cpu < ncpus; cpu++)
		total -= __atomic_load_n(&type->ks_cpu[cpu].kc_credit,
		    __ATOMIC_RELAXED);
	return (total);
}

int
malloc_type_refill(struct malloc_type *type, int cpu, size_t bytes)
{
	struct kmalloc_typecpu *kc = &type->ks_cpu[cpu];
	ssize_t limit, want, r, use;

	limit = (ssize_t)__atomic_load_n(&type->ks_limit, __ATOMIC_RELAXED);
	/* Enough for this request, and ks_slack left over after it. */
	want = (ssize_t)bytes - kc->kc_credit +
	    __atomic_load_n(&type->ks_slack, __ATOMIC_RELAXED);
	r = __atomic_add_fetch(&type->ks_reserved, want, __ATOMIC_RELAXED);
	if (r <= limit) {
		kc->kc_credit += want;
		highwater_raise(type, type_memuse(type) + (ssize_t)bytes);
		return (0);
	}
	__atomic_sub_fetch(&type->ks_reserved, want, __ATOMIC_RELAXED);
	/* Others' credit may make ks_reserved look full: count exactly. */
	use = type_memuse(type);
	if (use + (ssize_t)bytes > limit)
		return (ENOMEM);
	want = (ssize_t)bytes - kc->kc_credit;
	__atomic_add_fetch(&type->ks_reserved, want, __ATOMIC_RELAXED);
	kc->kc_credit += want;
	highwater_raise(type, use + (ssize_t)bytes);
	return (0);
}

void
malloc_type_giveback(struct malloc_type *type, struct kmalloc_typecpu *kc)
{
	ssize_t surplus;

	surplus = kc->kc_credit -
	    __atomic_load_n(&type->ks_slack, __ATOMIC_RELAXED);
	if (surplus <= 0)
		return;
	kc->kc_credit -= surplus;
	__atomic_sub_fetch(&type->ks_reserved, surplus, __ATOMIC_RELAXED);
}

void
malloc_type_get_stats(struct malloc_type *type, struct malloc_type_stats *ms)
{
	struct kmalloc_typecpu *kc;
	int cpu;

	memset(ms, 0, sizeof(*ms));
	for (cpu = 0; cpu < ncpus; cpu++) {
		kc = &type->ks_cpu[cpu];
		ms->ms_inuse += (ssize_t)(__atomic_load_n(&kc->kc_calls,
		    __ATOMIC_RELAXED) - __atomic_load_n(&kc->kc_frees,
		    __ATOMIC_RELAXED) - __atomic_load_n(&kc->kc_nonobj,
		    __ATOMIC_RELAXED));
		ms->ms_calls += __atomic_load_n(&kc->kc_calls,
		    __ATOMIC_RELAXED);
	}
	ms->ms_memuse = type_memuse(type);
	highwater_raise(type, ms->ms_memuse);
	ms->ms_highwater = __atomic_load_n(&type->ks_highwater,
	    __ATOMIC_RELAXED);
	ms->ms_limit = __atomic_load_n(&type->ks_limit, __ATOMIC_RELAXED);
	ms->ms_limfails = __atomic_load_n(&type->ks_limfails,
	    __ATOMIC_RELAXED);
}

static int
type_name_cmp(const void *a, const void *b)
{
	const struct malloc_type *ta = *(struct malloc_type * const *)a;
	const struct malloc_type *tb = *(struct malloc_type * const *)b;

	return (strcmp(ta->ks_shortdesc, tb->ks_shortdesc));
}

static void
vmstat_slab_summary(void)
{
	struct slab_stats ss;
	int cpu;

	slab_get_stats(0, &ss);
	kprintf("slab: zones of %zuK, chunks below %zuK, larger "
	    "allocations in pages\n", ss.ss_zonesize >> 10,
	    ss.ss_zonelimit >> 10);
	kprintf("%5s %6s %6s %8s %8s %8s %10s %8s\n", "cpu", "zones",
	    "cached", "zallocs", "zfrees", "big", "remotefree", "signals");
	for (cpu = 0; cpu < ncpus; cpu++) {
		slab_get_stats(cpu, &ss);
		kprintf("%5d %6d %6d %8llu %8llu %8llu %10llu %8llu\n", cpu,
		    ss.ss_nzones, ss.ss_nfreezones,
		    (unsigned long long)ss.ss_zone_allocs,
		    (unsigned long long)ss.ss_zone_frees,
		    (unsigned long long)ss.ss_big_allocs,
		    (unsigned long long)ss.ss_remote_frees,
		    (unsigned long long)ss.ss_remote_ipis);
	}
}

/*
 * vmstat -m: one line per malloc type, sorted by name, as vmstat(8)
 * prints them; a type at its limit is flagged.  Context: the monitor
 * thread (the sort array is static: one monitor).
 */
static int
cmd_vmstat(int argc, char **argv)
{
	static struct malloc_type *types[VMSTAT_MAXTYPES];
	struct malloc_type_stats ms;
	struct malloc_type **tp;
	size_t i, n = 0;

	if (argc != 2 || strcmp(argv[1], "-m") != 0) {
		kprintf("usage: vmstat -m\n");
		return (EINVAL);
	}
	SET_FOREACH(tp, malloc_type_set) {
		if (n < VMSTAT_MAXTYPES)
			types[n++] = *tp;
	}
	qsort(types, n, sizeof(types[0]), type_name_cmp);
	kprintf("%-16s %8s %9s %9s %9s %10s %s\n", "Type", "InUse",
	    "MemUse", "HighUse", "Limit", "Requests", "Fails");
	for (i = 0; i < n; i++) {
		malloc_type_get_stats(types[i], &ms);
		kprintf("%-16s %8zd %8zdK %8zdK %8zuK %10llu %llu%s\n",
		    types[i]->ks_shortdesc, ms.ms_inuse,
		    (ms.ms_memuse + 1023) / 1024,
		    (ms.ms_highwater + 1023) / 1024, ms.ms_limit / 1024,
		    (unsigned long long)ms.ms_calls,
		    (unsigned long long)ms.ms_limfails,
		    ms.ms_memuse >= (ssize_t)ms.ms_limit ? " AT LIMIT" : "");
	}
	if (SET_COUNT(malloc_type_set) > VMSTAT_MAXTYPES)
		kprintf("(%zu more types not shown)\n",
		    SET_COUNT(malloc_type_set) - VMSTAT_MAXTYPES);
	vmstat_slab_summary();
	return (0);
}
MONITOR_COMMAND(vmstat, "-m", "malloc types: use, high water, limit, "
    "requests", cmd_vmstat);
