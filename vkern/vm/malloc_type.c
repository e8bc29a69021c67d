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
 * critical section, with plain stores ([c]).  When a slot's unsynced
 * bytes pass ks_slack it is folded into ks_memuse with one atomic add,
 * so ks_memuse is the true use to within ncpus * ks_slack, and the
 * limit check costs nothing until a type nears its limit; then the slots
 * are summed exactly (racy reads of other CPUs' slots: a limit is a
 * policy, not an invariant).  ks_limit, ks_slack, ks_highwater and
 * ks_limfails are read and written with atomic operations ([a]).
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

/* A slot may drift by 1/16 of the limit shared out over the CPUs. */
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
	if (limit == 0)
		limit = kmalloc_default_limit;
	__atomic_store_n(&type->ks_slack, type_slack(limit),
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

void
malloc_type_sync(struct malloc_type *type, struct kmalloc_typecpu *kc)
{
	ssize_t v;

	v = __atomic_add_fetch(&type->ks_memuse, kc->kc_unsynced,
	    __ATOMIC_RELAXED);
	kc->kc_unsynced = 0;
	highwater_raise(type, v);
}

/* Exact bytes in use: the sum of every CPU's slot. */
static ssize_t
type_exact_memuse(struct malloc_type *type)
{
	ssize_t total = 0;
	int cpu;

	for (cpu = 0; cpu < ncpus; cpu++)
		total += __atomic_load_n(&type->ks_cpu[cpu].kc_memuse,
		    __ATOMIC_RELAXED);
	highwater_raise(type, total);
	return (total);
}

int
malloc_type_check_limit_slow(struct malloc_type *type, size_t bytes)
{
	size_t limit = __atomic_load_n(&type->ks_limit, __ATOMIC_RELAXED);

	if (type_exact_memuse(type) + (ssize_t)bytes <= (ssize_t)limit)
		return (0);
	return (ENOMEM);
}

void
malloc_type_get_stats(struct malloc_type *type, struct malloc_type_stats *ms)
{
	struct kmalloc_typecpu *kc;
	int cpu;

	memset(ms, 0, sizeof(*ms));
	for (cpu = 0; cpu < ncpus; cpu++) {
		kc = &type->ks_cpu[cpu];
		ms->ms_memuse += __atomic_load_n(&kc->kc_memuse,
		    __ATOMIC_RELAXED);
		ms->ms_inuse += __atomic_load_n(&kc->kc_inuse,
		    __ATOMIC_RELAXED);
		ms->ms_calls += __atomic_load_n(&kc->kc_calls,
		    __ATOMIC_RELAXED);
	}
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
