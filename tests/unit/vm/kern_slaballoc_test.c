/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * kern_slaballoc_test.c - kmalloc/kfree and malloc types on a fake
 * machine of two CPUs: disjoint blocks, alignment per size class,
 * frees from the other CPU going back to the owner, statistics that add
 * up, exhaustion and limits answered as specified, misuse caught.
 *
 * The test itself runs as CPU 0; CPU 1 is entered with
 * fakeplat_run_on_cpu() to allocate, free, or run the (passive) IPIs
 * queued to it.
 */
#include "cmocka_core.h"
#include <string.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <sys/ipiq.h>
#include <sys/monitor.h>
#include <sys/malloc.h>
#include <vm/vm_kmem.h>
#include <vm/vm_page.h>
#include <plat/plat.h>
#include "fakeplat.h"

#define RAM_BYTES	(64UL << 20)

extern int panicking;

MALLOC_DEFINE(M_TESTA, "test_a", "kmalloc unit test: statistics");
MALLOC_DEFINE_LIMIT(M_SMALL, "test_small", "kmalloc unit test: a limit",
    8192);
MALLOC_DEFINE(M_XCPU, "test_xcpu", "kmalloc unit test: cross-CPU frees");


static uint32_t rng = 4242;

static uint32_t
rnd(void)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 8);
}

/* Run the calls other CPUs queued to this one (passive IPIs included). */
static void
run_my_ipis(void *arg)
{
	crit_enter();
	lwkt_process_ipiq();
	crit_exit();
}

static int
setup(void **state)
{
	fakeplat_boot(2, RAM_BYTES);
	return (0);
}

static void
fill(void *p, size_t len, uint8_t pat)
{
	memset(p, pat, len);
}

static int
filled(const void *p, size_t len, uint8_t pat)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != pat)
			return (0);
	return (1);
}

/* kmalloc(0) is a special non-NULL pointer that kfree accepts. */
static void
zero_size_returns_special_pointer(void **state)
{
	void *p = kmalloc(0, M_TESTA, M_NOWAIT);

	assert_ptr_equal(p, ZERO_LENGTH_PTR);
	assert_non_null(p);
	kfree(p, M_TESTA);
	kfree(NULL, M_TESTA);
}

/* Live blocks of random sizes never overlap: each keeps its pattern
 * while others are allocated and freed around it. */
static void
blocks_do_not_overlap(void **state)
{
	enum { N = 600 };
	static void *p[N];
	static size_t sz[N];
	static int order[N];
	size_t i, j, k;
	int t;

	for (i = 0; i < N; i++) {
		sz[i] = 1 + rnd() % (i % 10 == 0 ? 40000 : 600);
		p[i] = kmalloc(sz[i], M_TESTA, M_NOWAIT);
		assert_non_null(p[i]);
		assert_true(kmalloc_usable_size(p[i]) >= sz[i]);
		fill(p[i], sz[i], (uint8_t)i);
		order[i] = (int)i;
	}
	for (i = N - 1; i > 0; i--) {
		j = rnd() % (i + 1);
		t = order[i], order[i] = order[j], order[j] = t;
	}
	for (i = 0; i < N; i++) {
		k = (size_t)order[i];
		if (!filled(p[k], sz[k], (uint8_t)k))
			fail_msg("block %zu (%zu bytes at %p) was overwritten",
			    k, sz[k], p[k]);
		kfree(p[k], M_TESTA);
	}
}

/* Every size is aligned to its class: the class size's lowest set bit
 * (8 at least); powers of two to themselves, pages to pages. */
static void
each_size_class_is_aligned(void **state)
{
	struct slab_stats ss;
	size_t size, usable, align;
	void *p;

	slab_get_stats(0, &ss);
	for (size = 1; size <= 3 * ss.ss_zonelimit; size += (size < 512 ?
	    1 : 7)) {
		p = kmalloc(size, M_TESTA, M_NOWAIT);
		assert_non_null(p);
		usable = kmalloc_usable_size(p);
		assert_true(usable >= size);
		align = usable & -usable;
		if (align > PAGE_SIZE)
			align = PAGE_SIZE;
		assert_true(align >= 8);
		if ((uintptr_t)p % align != 0)
			fail_msg("size %zu (class %zu) at %p is not aligned "
			    "to %zu", size, usable, p, align);
		if ((size & (size - 1)) == 0)
			assert_int_equal((uintptr_t)p % MIN(size, PAGE_SIZE),
			    0);
		kfree(p, M_TESTA);
	}
	/* M_POWEROF2 rounds up and aligns to the power of two. */
	p = kmalloc(100, M_TESTA, M_NOWAIT | M_POWEROF2);
	assert_int_equal(kmalloc_usable_size(p), 128);
	assert_int_equal((uintptr_t)p % 128, 0);
	kfree(p, M_TESTA);
}

/* Sizes at or above the zone limit are whole pages from the page
 * allocator, and go back to it when freed. */
static void
large_allocations_are_pages(void **state)
{
	struct vm_page_stats before, during, after;
	struct slab_stats ss0, ss1;
	void *p;

	slab_get_stats(0, &ss0);
	vm_page_get_stats(&before);
	p = kmalloc(ss0.ss_zonelimit + 1, M_TESTA, M_NOWAIT);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % PAGE_SIZE, 0);
	vm_page_get_stats(&during);
	assert_int_equal(before.vs_free - during.vs_free,
	    howmany(ss0.ss_zonelimit + 1, PAGE_SIZE));
	slab_get_stats(0, &ss1);
	assert_int_equal(ss1.ss_big_allocs, ss0.ss_big_allocs + 1);
	kfree(p, M_TESTA);
	vm_page_get_stats(&after);
	assert_int_equal(after.vs_free, before.vs_free);
}

/* A size no allocation can have is refused, not rounded to nothing. */
static void
impossible_size_fails_nowait(void **state)
{
	assert_null(kmalloc(SIZE_MAX, M_TESTA, M_NOWAIT));
	assert_null(kmalloc(SIZE_MAX - 100, M_TESTA, M_NOWAIT | M_POWEROF2));
	assert_null(kmalloc((size_t)1 << 40, M_TESTA, M_NOWAIT));
	assert_null(kmalloc(RAM_BYTES, M_TESTA, M_NOWAIT));
}

/* M_ZERO zeroes a recycled chunk that was dirty. */
static void
m_zero_clears_recycled_chunks(void **state)
{
	void *p, *q;

	p = kmalloc(200, M_TESTA, M_NOWAIT);
	fill(p, 200, 0xee);
	kfree(p, M_TESTA);
	q = kmalloc(200, M_TESTA, M_NOWAIT | M_ZERO);
	assert_ptr_equal(p, q);		/* LIFO: the same chunk */
	assert_true(filled(q, kmalloc_usable_size(q), 0));
	kfree(q, M_TESTA);
}

/* A type's objects, bytes and requests add up, across CPUs too. */
static void
per_type_statistics_add_up(void **state)
{
	struct malloc_type_stats ms0, ms;
	void *p[50];
	ssize_t bytes = 0;
	int i;

	malloc_type_get_stats(M_TESTA, &ms0);
	for (i = 0; i < 50; i++) {
		p[i] = kmalloc(10 + i * 97, M_TESTA, M_NOWAIT);
		bytes += (ssize_t)kmalloc_usable_size(p[i]);
	}
	malloc_type_get_stats(M_TESTA, &ms);
	assert_int_equal(ms.ms_inuse, ms0.ms_inuse + 50);
	assert_int_equal(ms.ms_memuse, ms0.ms_memuse + bytes);
	assert_int_equal(ms.ms_calls, ms0.ms_calls + 50);
	assert_true(ms.ms_highwater >= ms.ms_memuse);
	for (i = 0; i < 50; i++)
		kfree(p[i], M_TESTA);
	malloc_type_get_stats(M_TESTA, &ms);
	assert_int_equal(ms.ms_inuse, ms0.ms_inuse);
	assert_int_equal(ms.ms_memuse, ms0.ms_memuse);
}

/* A type at its limit fails M_NOWAIT with NULL; freeing makes room. */
static void
type_over_limit_fails_nowait(void **state)
{
	struct malloc_type_stats ms;
	void *p[200];
	int n = 0, i;

	while (n < 200 && (p[n] = kmalloc(64, M_SMALL, M_NOWAIT)) != NULL)
		n++;
	assert_int_equal(n, 8192 / 64);
	malloc_type_get_stats(M_SMALL, &ms);
	assert_int_equal(ms.ms_memuse, 8192);
	assert_int_equal(ms.ms_limfails, 1);
	kfree(p[0], M_SMALL);
	p[0] = kmalloc(64, M_SMALL, M_NOWAIT);
	assert_non_null(p[0]);
	for (i = 0; i < n; i++)
		kfree(p[i], M_SMALL);
}

static void
do_over_limit_waitok(void *arg)
{
	kmalloc(16384, M_SMALL, M_WAITOK);
}

/* With M_WAITOK a type over its limit panics, naming the type. */
static void
type_over_limit_panics_waitok_naming_type(void **state)
{
	fakeplat_console_clear();
	assert_int_equal(fakeplat_catch_halt(do_over_limit_waitok, NULL),
	    PLAT_EXIT_PANIC);
	assert_non_null(strstr(fakeplat_console_output(),
	    "malloc type \"test_small\" is over its limit"));
	panicking = 0;
}

static size_t
slab_pages(int cpu)
{
	struct slab_stats ss;

	slab_get_stats(cpu, &ss);
	return ((size_t)(ss.ss_nzones + ss.ss_nfreezones) *
	    (ss.ss_zonesize / PAGE_SIZE));
}

/* When RAM runs out, M_NOWAIT returns NULL (small and large sizes) and
 * everything works again once pages are freed; no page is lost. */
static void
exhausted_memory_fails_nowait(void **state)
{
	struct vm_page_stats before, vs;
	void **pages = NULL, *p, **objs = NULL;
	size_t slab_before;

	vm_page_get_stats(&before);
	slab_before = slab_pages(0);
	while ((p = kmem_alloc_pages(1, M_NOWAIT)) != NULL) {
		*(void ***)p = pages;
		pages = p;
	}
	assert_null(kmalloc(64 * 1024, M_TESTA, M_NOWAIT));
	/* Small chunks last while zones (and the zone cache) have room. */
	while ((p = kmalloc(3000, M_TESTA, M_NOWAIT)) != NULL) {
		*(void ***)p = objs;
		objs = p;
	}
	assert_null(kmalloc(3000, M_TESTA, M_NOWAIT));
	while (pages != NULL) {
		p = pages;
		pages = *(void ***)p;
		kmem_free_pages(p, 1);
	}
	p = kmalloc(3000, M_TESTA, M_NOWAIT);
	assert_non_null(p);
	kfree(p, M_TESTA);
	while (objs != NULL) {
		p = objs;
		objs = *(void ***)p;
		kfree(p, M_TESTA);
	}
	slab_cleanup();
	vm_page_get_stats(&vs);
	assert_int_equal(before.vs_free + slab_before,
	    vs.vs_free + slab_pages(0));
}

struct xfree {
	void	**ptrs;
	int	n;
	struct malloc_type *type;	/* NULL: M_XCPU */
};

static void
free_list_here(void *arg)
{
	struct xfree *x = arg;
	int i;

	for (i = 0; i < x->n; i++)
		kfree(x->ptrs[i], x->type != NULL ? x->type : M_XCPU);
}

static void
alloc_list_here(void *arg)
{
	struct xfree *x = arg;
	int i;

	for (i = 0; i < x->n; i++)
		x->ptrs[i] = kmalloc(1024, M_XCPU, M_NOWAIT);
}

/* Freeing a whole zone's chunks from CPU 1 sends CPU 0 exactly one
 * passive IPI; when CPU 0 runs it, the chunks are CPU 0's again. */
static void
remote_frees_return_to_owner(void **state)
{
	static void *ptrs[4096];
	struct slab_stats s0a, s0b, s1a, s1b;
	struct malloc_type_stats ms;
	struct xfree x = { ptrs, 0, NULL };
	int i;

	/* Fill zones of the 1024-byte class on CPU 0 until one unlinks. */
	slab_get_stats(0, &s0a);
	for (i = 0; i < 4096; i++) {
		ptrs[i] = kmalloc(1024, M_XCPU, M_NOWAIT);
		if (i > 0 && ((uintptr_t)ptrs[i] & ~(s0a.ss_zonesize - 1)) !=
		    ((uintptr_t)ptrs[i - 1] & ~(s0a.ss_zonesize - 1))) {
			/* ptrs[i] opened a new zone: the old one is full. */
			kfree(ptrs[i], M_XCPU);
			break;
		}
	}
	x.n = i;
	assert_true(x.n > 8);
	slab_get_stats(1, &s1a);
	fakeplat_run_on_cpu(1, free_list_here, &x);
	slab_get_stats(1, &s1b);
	assert_int_equal(s1b.ss_remote_frees - s1a.ss_remote_frees, x.n);
	assert_int_equal(s1b.ss_remote_ipis - s1a.ss_remote_ipis, 1);
	/* The type's use adds up to zero over the two CPUs. */
	malloc_type_get_stats(M_XCPU, &ms);
	assert_int_equal(ms.ms_inuse, 0);
	assert_int_equal(ms.ms_memuse, 0);

	slab_get_stats(0, &s0b);
	/* Until CPU 0 takes them back, they count as out of its zones. */
	assert_int_equal(s0b.ss_chunks_inuse, s0a.ss_chunks_inuse + x.n);
	run_my_ipis(NULL);
	slab_get_stats(0, &s0b);
	assert_int_equal(s0b.ss_remote_folds - s0a.ss_remote_folds, x.n);
	assert_int_equal(s0b.ss_chunks_inuse, s0a.ss_chunks_inuse);
	/* CPU 0 reuses that memory: as many chunks need no new zone. */
	alloc_list_here(&x);
	slab_get_stats(0, &s0a);
	assert_int_equal(s0a.ss_zone_allocs, s0b.ss_zone_allocs);
	free_list_here(&x);
	slab_cleanup();
}

/* A remote free into a zone that still has room sends no IPI; the
 * owner's slab_cleanup takes the chunk back. */
static void
remote_free_into_linked_zone_needs_no_ipi(void **state)
{
	struct slab_stats s0a, s0b, s1a, s1b;
	void *ptrs[4];
	struct xfree x = { ptrs, 4, NULL };

	alloc_list_here(&x);
	slab_get_stats(0, &s0a);
	slab_get_stats(1, &s1a);
	fakeplat_run_on_cpu(1, free_list_here, &x);
	slab_get_stats(1, &s1b);
	assert_int_equal(s1b.ss_remote_frees - s1a.ss_remote_frees, 4);
	assert_int_equal(s1b.ss_remote_ipis, s1a.ss_remote_ipis);
	slab_cleanup();
	slab_get_stats(0, &s0b);
	assert_int_equal(s0b.ss_remote_folds - s0a.ss_remote_folds, 4);
}

/* Every 10 s a CPU that holds zones takes back what others freed into
 * them, with nobody calling slab_cleanup. */
static void
periodic_cleanup_takes_back_remote_frees(void **state)
{
	struct slab_stats s0a, s0b;
	void *ptrs[4];
	struct xfree x = { ptrs, 4, NULL };
	int dummy;

	alloc_list_here(&x);
	fakeplat_run_on_cpu(1, free_list_here, &x);
	slab_get_stats(0, &s0a);
	fakeplat_advance_ns(11000000000ull);
	tsleep(&dummy, 0, "test", 1);		/* softclock runs */
	slab_get_stats(0, &s0b);
	assert_int_equal(s0b.ss_remote_folds - s0a.ss_remote_folds, 4);
}

/* The mirror image: CPU 1 owns, CPU 0 frees, CPU 1 runs the IPI. */
static void
cpu1_memory_freed_on_cpu0_goes_back_to_cpu1(void **state)
{
	static void *ptrs[4096];
	struct xfree x = { ptrs, 0, NULL };
	struct slab_stats s1a, s1b;
	int i;

	slab_get_stats(1, &s1a);
	x.n = (int)(s1a.ss_zonesize / 1024) * 2;
	fakeplat_run_on_cpu(1, alloc_list_here, &x);
	for (i = 0; i < x.n; i++)
		assert_non_null(ptrs[i]);
	slab_get_stats(1, &s1b);
	assert_true(s1b.ss_nzones > s1a.ss_nzones);
	free_list_here(&x);
	fakeplat_run_on_cpu(1, run_my_ipis, NULL);
	fakeplat_run_on_cpu(1, (void (*)(void *))slab_cleanup, NULL);
	slab_get_stats(1, &s1b);
	assert_int_equal(s1b.ss_remote_folds - s1a.ss_remote_folds, x.n);
	/* After a cleanup no completely free zone stays in use. */
	assert_int_equal(s1b.ss_nzones, s1a.ss_nzones);
	assert_int_equal(s1b.ss_chunks_inuse, s1a.ss_chunks_inuse);
}

static void *twice;

static void
do_double_free(void *arg)
{
	kfree(twice, M_TESTA);
}

/* Freeing a chunk twice panics and says so. */
static void
double_free_panics(void **state)
{
	void *keep = kmalloc(48, M_TESTA, M_NOWAIT);

	twice = kmalloc(48, M_TESTA, M_NOWAIT);
	kfree(twice, M_TESTA);
	fakeplat_console_clear();
	assert_int_equal(fakeplat_catch_halt(do_double_free, NULL),
	    PLAT_EXIT_PANIC);
	assert_non_null(strstr(fakeplat_console_output(), "freed twice"));
	panicking = 0;
	crit_exit();		/* the panic left kfree's section */
	kfree(keep, M_TESTA);
}

/* The second free of a chunk made on the other CPU is caught too: the
 * freer finds the free mark and the owner confirms it. */
static void
remote_double_free_panics(void **state)
{
	void *keep = kmalloc(48, M_TESTA, M_NOWAIT);

	twice = kmalloc(48, M_TESTA, M_NOWAIT);
	kfree(twice, M_TESTA);
	fakeplat_run_on_cpu(1, do_double_free, NULL);
	fakeplat_console_clear();
	assert_int_equal(fakeplat_catch_halt(run_my_ipis, NULL),
	    PLAT_EXIT_PANIC);
	assert_non_null(strstr(fakeplat_console_output(),
	    "freed twice (second free on cpu1)"));
	panicking = 0;
	crit_exit();		/* the panic left the IPI's section */
	kfree(keep, M_TESTA);
}

/* A live chunk whose user stored the very value of its free mark is
 * freed normally: the owner's walk finds it is not free. */
static void
user_data_like_the_free_mark_is_no_double_free(void **state)
{
	uintptr_t *p, *q;

	p = kmalloc(64, M_TESTA, M_NOWAIT);
	q = kmalloc(64, M_TESTA, M_NOWAIT);
	p[1] = (uintptr_t)p ^ 0x5a17f4eed0c0ffeeUL;	/* its free mark */
	kfree(p, M_TESTA);
	assert_ptr_equal(kmalloc(64, M_TESTA, M_NOWAIT), p);
	kfree(p, M_TESTA);
	kfree(q, M_TESTA);
}

static void
do_alloc48(void *arg)
{
	kmalloc(48, M_TESTA, M_NOWAIT);
}

/* kmalloc notices a free chunk that was written to after its free. */
static void
write_after_free_is_caught_by_kmalloc(void **state)
{
	void *keep = kmalloc(48, M_TESTA, M_NOWAIT);
	uintptr_t *p = kmalloc(48, M_TESTA, M_NOWAIT);

	kfree(p, M_TESTA);
	p[1] = 0;			/* a use after free */
	fakeplat_console_clear();
	assert_int_equal(fakeplat_catch_halt(do_alloc48, NULL),
	    PLAT_EXIT_PANIC);
	assert_non_null(strstr(fakeplat_console_output(),
	    "was written to after it was freed"));
	panicking = 0;
	crit_exit();
	p[1] = (uintptr_t)p ^ 0x5a17f4eed0c0ffeeUL;	/* repair it */
	kfree(keep, M_TESTA);
}

/* A CPU that only frees gives its credit back, and the limit stays
 * exact: after CPU 1 freed all of CPU 0's blocks of a limited type,
 * CPU 0 fills the limit again, to the byte. */
static void
frees_on_other_cpu_give_credit_back(void **state)
{
	static void *ptrs[200];
	struct xfree x = { ptrs, 0, M_SMALL };
	struct malloc_type_stats ms;
	int round;

	for (round = 0; round < 3; round++) {
		x.n = 0;
		while (x.n < 200 &&
		    (ptrs[x.n] = kmalloc(64, M_SMALL, M_NOWAIT)) != NULL)
			x.n++;
		assert_int_equal(x.n, 8192 / 64);
		malloc_type_get_stats(M_SMALL, &ms);
		assert_int_equal(ms.ms_memuse, 8192);
		assert_int_equal(ms.ms_inuse, 8192 / 64);
		fakeplat_run_on_cpu(1, free_list_here, &x);
		assert_true(M_SMALL->ks_cpu[1].kc_credit <=
		    M_SMALL->ks_cpu[1].kc_creditmax);
		malloc_type_get_stats(M_SMALL, &ms);
		assert_int_equal(ms.ms_memuse, 0);
		assert_int_equal(ms.ms_inuse, 0);
		run_my_ipis(NULL);
	}
	slab_cleanup();
}

/* 1 to 8 bytes take the smallest class, 16 bytes (room for the mark). */
static void
tiny_sizes_take_sixteen_bytes(void **state)
{
	size_t size;
	void *p;

	for (size = 1; size <= 16; size++) {
		p = kmalloc(size, M_TESTA, M_NOWAIT);
		assert_int_equal(kmalloc_usable_size(p), 16);
		kfree(p, M_TESTA);
	}
}

static void
do_bad_free(void *arg)
{
	kfree(arg, M_TESTA);
}

/* kfree of memory kmalloc did not hand out panics. */
static void
foreign_and_interior_frees_panic(void **state)
{
	static char not_ours[64];
	char *p;

	fakeplat_console_clear();
	assert_int_equal(fakeplat_catch_halt(do_bad_free, not_ours),
	    PLAT_EXIT_PANIC);
	assert_non_null(strstr(fakeplat_console_output(),
	    "did not come from kmalloc"));
	panicking = 0;
	p = kmalloc(256, M_TESTA, M_NOWAIT);
	fakeplat_console_clear();
	assert_int_equal(fakeplat_catch_halt(do_bad_free, p + 8),
	    PLAT_EXIT_PANIC);
	assert_non_null(strstr(fakeplat_console_output(),
	    "is not the start of a kmalloc chunk"));
	panicking = 0;
	kfree(p, M_TESTA);
}

/* krealloc keeps the block while the class fits, else moves it with
 * its contents. */
static void
krealloc_keeps_or_moves_contents(void **state)
{
	char *p, *q;

	p = kmalloc(100, M_TESTA, M_NOWAIT);
	memcpy(p, "hello", 6);
	q = krealloc(p, 104, M_TESTA, M_NOWAIT);	/* same 104 class */
	assert_ptr_equal(p, q);
	q = krealloc(p, 5000, M_TESTA, M_NOWAIT);
	assert_ptr_not_equal(p, q);
	assert_string_equal(q, "hello");
	assert_null(krealloc(q, 0, M_TESTA, M_NOWAIT));
	p = kstrdup("copy me", M_TESTA);
	assert_string_equal(p, "copy me");
	kfree(p, M_TESTA);
}

/* vmstat -m lists every type with its numbers; bad usage is EINVAL. */
static void
vmstat_m_lists_types(void **state)
{
	char line[] = "vmstat -m", bad[] = "vmstat";
	const char *out;
	void *p;

	p = kmalloc(64, M_SMALL, M_NOWAIT);
	fakeplat_console_clear();
	assert_int_equal(monitor_exec(line), 0);
	out = fakeplat_console_output();
	assert_non_null(strstr(out, "Type"));
	assert_non_null(strstr(out, "HighUse"));
	assert_non_null(strstr(out, "Limit"));
	assert_non_null(strstr(out, "temp"));
	/* test_small: 1 in use, 1K used, a high water, 8K limit. */
	assert_non_null(strstr(out, "test_small              1        1K"));
	assert_non_null(strstr(out, "8K"));
	assert_non_null(strstr(out, "slab: zones of"));
	assert_int_not_equal(monitor_exec(bad), 0);
	kfree(p, M_SMALL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(zero_size_returns_special_pointer),
		cmocka_unit_test(blocks_do_not_overlap),
		cmocka_unit_test(each_size_class_is_aligned),
		cmocka_unit_test(large_allocations_are_pages),
		cmocka_unit_test(impossible_size_fails_nowait),
		cmocka_unit_test(m_zero_clears_recycled_chunks),
		cmocka_unit_test(per_type_statistics_add_up),
		cmocka_unit_test(type_over_limit_fails_nowait),
		cmocka_unit_test(type_over_limit_panics_waitok_naming_type),
		cmocka_unit_test(exhausted_memory_fails_nowait),
		cmocka_unit_test(remote_frees_return_to_owner),
		cmocka_unit_test(remote_free_into_linked_zone_needs_no_ipi),
		cmocka_unit_test(periodic_cleanup_takes_back_remote_frees),
		cmocka_unit_test(cpu1_memory_freed_on_cpu0_goes_back_to_cpu1),
		cmocka_unit_test(double_free_panics),
		cmocka_unit_test(remote_double_free_panics),
		cmocka_unit_test(user_data_like_the_free_mark_is_no_double_free),
		cmocka_unit_test(write_after_free_is_caught_by_kmalloc),
		cmocka_unit_test(frees_on_other_cpu_give_credit_back),
		cmocka_unit_test(tiny_sizes_take_sixteen_bytes),
		cmocka_unit_test(foreign_and_interior_frees_panic),
		cmocka_unit_test(krealloc_keeps_or_moves_contents),
		cmocka_unit_test(vmstat_m_lists_types),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
