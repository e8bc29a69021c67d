/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * vm_page_test.c - the page allocator: contiguous, aligned, disjoint
 * runs; buddies that coalesce back; exhaustion with M_NOWAIT; M_ZERO;
 * misuse caught by a panic; the `mem' command.
 */
#include "cmocka_core.h"
#include <string.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/monitor.h>
#include <sys/thread.h>
#include <vm/vm_kmem.h>
#include <vm/vm_page.h>
#include <plat/plat.h>
#include "fakeplat.h"

#define RAM_BYTES	(64UL << 20)

extern int panicking;

static struct vm_page_stats boot_stats;

static int
setup(void **state)
{
	fakeplat_boot(1, RAM_BYTES);
	vm_page_get_stats(&boot_stats);
	return (0);
}

static uint32_t rng = 12345;

static uint32_t
rnd(void)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 8);
}

/* Every allocation was given back: the free lists are as at boot. */
static void
assert_back_to_boot_state(void)
{
	struct vm_page_stats vs;
	int k;

	vm_page_get_stats(&vs);
	assert_int_equal(vs.vs_free, boot_stats.vs_free);
	for (k = 0; k < VM_NFREEORDER; k++)
		assert_int_equal(vs.vs_nfree[k], boot_stats.vs_nfree[k]);
}

static void
fill(void *p, size_t len, uint8_t pat)
{
	memset(p, pat, len);
}

static void
assert_filled(const void *p, size_t len, uint8_t pat)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != pat)
			fail_msg("byte %zu of %p is %#x, not %#x", i, p, b[i],
			    pat);
}

/* The vm_page array lives in RAM: its pages are reserved, the rest free. */
static void
page_array_is_carved_from_ram_and_reserved(void **state)
{
	struct vm_page *m;
	size_t array_bytes;

	assert_int_equal(boot_stats.vs_nsegs, 1);
	/* fakeplat's arena may start mid-page: at most one page is lost. */
	assert_true(boot_stats.vs_total >= (RAM_BYTES >> PAGE_SHIFT) - 1);
	array_bytes = boot_stats.vs_total * sizeof(struct vm_page);
	assert_int_equal(boot_stats.vs_reserved,
	    (array_bytes + PAGE_SIZE - 1) / PAGE_SIZE);
	/* Boot took a few pages (thread stacks); the rest is free. */
	assert_true(boot_stats.vs_free <=
	    boot_stats.vs_total - boot_stats.vs_reserved);
	assert_true(boot_stats.vs_free >=
	    (boot_stats.vs_total - boot_stats.vs_reserved) * 9 / 10);
	/* The array describes itself: its first page is reserved. */
	m = vm_page_lookup((void *)roundup2((uintptr_t)bootinfo->bi_dmap,
	    PAGE_SIZE));
	assert_non_null(m);
	assert_true(m->pg_flags & PG_RESERVED);
}

/* Runs of any length are contiguous, aligned to their power of two, and
 * never overlap: each keeps its own fill pattern. */
static void
runs_are_aligned_and_disjoint(void **state)
{
	static const size_t sizes[] = { 1, 2, 3, 4, 5, 7, 8, 13, 16, 31, 64,
	    100 };
	void *p[nitems(sizes)];
	size_t i, align;

	for (i = 0; i < nitems(sizes); i++) {
		p[i] = kmem_alloc_pages(sizes[i], M_NOWAIT);
		assert_non_null(p[i]);
		for (align = 1; align < sizes[i]; align <<= 1)
			;
		assert_int_equal((uintptr_t)p[i] % (align * PAGE_SIZE), 0);
		fill(p[i], sizes[i] * PAGE_SIZE, (uint8_t)(0x10 + i));
	}
	for (i = 0; i < nitems(sizes); i++) {
		assert_filled(p[i], sizes[i] * PAGE_SIZE, (uint8_t)(0x10 + i));
		kmem_free_pages(p[i], sizes[i]);
	}
	assert_back_to_boot_state();
}

/* An odd-sized run costs exactly its pages: the tail goes back. */
static void
odd_run_gives_its_tail_back(void **state)
{
	struct vm_page_stats vs;
	void *p;

	p = kmem_alloc_pages(5, M_NOWAIT);
	assert_non_null(p);
	vm_page_get_stats(&vs);
	assert_int_equal(vs.vs_free, boot_stats.vs_free - 5);
	/* Part of a run may be freed on its own. */
	kmem_free_pages((char *)p + 3 * PAGE_SIZE, 2);
	kmem_free_pages(p, 3);
	assert_back_to_boot_state();
}

/* Single pages freed in random order coalesce back into the blocks the
 * allocator started with. */
static void
freed_buddies_coalesce(void **state)
{
	enum { N = 1000 };
	static void *p[N];
	void *t;
	size_t i, j;

	for (i = 0; i < N; i++) {
		p[i] = kmem_alloc_pages(1, M_NOWAIT);
		assert_non_null(p[i]);
	}
	for (i = N - 1; i > 0; i--) {
		j = rnd() % (i + 1);
		t = p[i];
		p[i] = p[j];
		p[j] = t;
	}
	for (i = 0; i < N; i++)
		kmem_free_pages(p[i], 1);
	assert_back_to_boot_state();
}

/* With M_NOWAIT, exhaustion is NULL (and counted), not a crash; every
 * page can be handed out and comes back. */
static void
nowait_returns_null_when_exhausted(void **state)
{
	struct vm_page_stats vs;
	void **list = NULL, *p;
	size_t n = 0;

	while ((p = kmem_alloc_pages(1, M_NOWAIT)) != NULL) {
		/* Chain the pages through themselves: no host memory. */
		*(void ***)p = list;
		list = p;
		n++;
	}
	vm_page_get_stats(&vs);
	assert_int_equal(n, boot_stats.vs_free);
	assert_int_equal(vs.vs_free, 0);
	assert_int_equal(vs.vs_fails, boot_stats.vs_fails + 1);
	assert_null(kmem_alloc_pages(2, M_NOWAIT));
	while (list != NULL) {
		p = list;
		list = *(void ***)p;
		kmem_free_pages(p, 1);
	}
	assert_back_to_boot_state();
}

/* A run larger than the biggest block is refused with M_NOWAIT. */
static void
impossible_run_is_refused(void **state)
{
	assert_null(kmem_alloc_pages(boot_stats.vs_total + 1, M_NOWAIT));
	assert_null(kmem_alloc_pages((size_t)1 << VM_NFREEORDER, M_NOWAIT));
}

/* M_ZERO hands out zeroed pages even when they were dirty. */
static void
m_zero_clears_dirty_pages(void **state)
{
	void *p;

	p = kmem_alloc_pages(4, M_NOWAIT);
	assert_non_null(p);
	fill(p, 4 * PAGE_SIZE, 0xa5);
	kmem_free_pages(p, 4);
	p = kmem_alloc_pages(4, M_NOWAIT | M_ZERO);
	assert_non_null(p);
	assert_filled(p, 4 * PAGE_SIZE, 0);
	kmem_free_pages(p, 4);
	assert_back_to_boot_state();
}

static volatile int waiter_state;

static void
waiter(void *arg)
{
	void *p;

	waiter_state = 1;
	p = kmem_alloc_pages(1, M_WAITOK);
	waiter_state = 2;
	kmem_free_pages(p, 1);
	waiter_state = 3;
}

/* M_WAITOK sleeps while no page is free and wakes when one is freed. */
static void
waitok_sleeps_until_a_page_is_freed(void **state)
{
	struct vm_page_stats vs0, vs;
	void **list = NULL, *p;
	thread_t td;

	/* The waiter's stack must exist before RAM runs out. */
	assert_int_equal(lwkt_create(waiter, NULL, &td, 0, -1, "pgwaiter"),
	    0);
	while ((p = kmem_alloc_pages(1, M_NOWAIT)) != NULL) {
		*(void ***)p = list;
		list = p;
	}
	vm_page_get_stats(&vs0);
	tsleep(&waiter_state, 0, "test", 5);	/* the waiter runs */
	assert_int_equal(waiter_state, 1);
	vm_page_get_stats(&vs);
	assert_int_equal(vs.vs_waits, vs0.vs_waits + 1);
	p = list;
	list = *(void ***)p;
	kmem_free_pages(p, 1);
	tsleep(&waiter_state, 0, "test", 5);	/* it wakes, and ends */
	assert_int_equal(waiter_state, 3);
	while (list != NULL) {
		p = list;
		list = *(void ***)p;
		kmem_free_pages(p, 1);
	}
}

static void *double_free_page;

static void
do_double_free(void *arg)
{
	kmem_free_pages(double_free_page, 1);
}

/* Freeing a page twice panics and names the page. */
static void
double_free_panics(void **state)
{
	double_free_page = kmem_alloc_pages(1, M_NOWAIT);
	assert_non_null(double_free_page);
	kmem_free_pages(double_free_page, 1);
	fakeplat_console_clear();
	assert_int_equal(fakeplat_catch_halt(do_double_free, NULL),
	    PLAT_EXIT_PANIC);
	assert_non_null(strstr(fakeplat_console_output(),
	    "is not allocated"));
	panicking = 0;
}

static void
do_foreign_free(void *arg)
{
	static char not_ram[2 * PAGE_SIZE];

	kmem_free_pages((void *)roundup2((uintptr_t)not_ram, PAGE_SIZE), 1);
}

/* Freeing memory the allocator does not manage panics. */
static void
foreign_free_panics(void **state)
{
	fakeplat_console_clear();
	assert_int_equal(fakeplat_catch_halt(do_foreign_free, NULL),
	    PLAT_EXIT_PANIC);
	assert_non_null(strstr(fakeplat_console_output(),
	    "is not a page of managed RAM"));
	panicking = 0;
}

/* The monitor's `mem' reports the page allocator's numbers. */
static void
mem_command_prints_page_statistics(void **state)
{
	char line[] = "mem";
	char want[128];

	fakeplat_console_clear();
	assert_int_equal(monitor_exec(line), 0);
	snprintf(want, sizeof(want), "page allocator: %zu pages of 4 KB",
	    boot_stats.vs_total);
	assert_non_null(strstr(fakeplat_console_output(), want));
	assert_non_null(strstr(fakeplat_console_output(),
	    "free blocks by order"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(page_array_is_carved_from_ram_and_reserved),
		cmocka_unit_test(runs_are_aligned_and_disjoint),
		cmocka_unit_test(odd_run_gives_its_tail_back),
		cmocka_unit_test(freed_buddies_coalesce),
		cmocka_unit_test(nowait_returns_null_when_exhausted),
		cmocka_unit_test(impossible_run_is_refused),
		cmocka_unit_test(m_zero_clears_dirty_pages),
		cmocka_unit_test(waitok_sleeps_until_a_page_is_freed),
		cmocka_unit_test(double_free_panics),
		cmocka_unit_test(foreign_free_panics),
		cmocka_unit_test(mem_command_prints_page_statistics),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
