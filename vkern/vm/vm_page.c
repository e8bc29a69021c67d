/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * vm_page.c - the page allocator: a struct vm_page for every page of the
 * RAM in bootinfo->bi_mem[], and a buddy allocator over them.  The idea
 * to hold on to: a free block is 2^k pages whose kernel address is
 * aligned to its size, so its buddy (the block it merges with) is found
 * by flipping one bit of the page number, and a run of any length is
 * the head of a big enough block with its tail given back.
 *
 * The page number used for alignment is that of the kernel (direct-map)
 * address, not the physical one: on real platforms the two agree, and
 * when the direct map is not page aligned (fakeplat's RAM is a calloc'd
 * arena) the pages are cut where kernel addresses are page aligned, which
 * is what callers of kmem_alloc_pages() need, and what the slab
 * allocator's "zone header at address & ~(zone size - 1)" relies on.
 *
 * The vm_page array itself is carved from the start of the largest RAM
 * range; its pages are PG_RESERVED and never freed.
 *
 * Locking: one spinlock, vm_page_spin, protects the free lists, the
 * pg_flags/pg_order of every page and the counters ([S]).  Holding it is
 * a critical section and it is never held across a sleep, so the
 * allocator may be called from interrupt and IPI context with M_NOWAIT.
 * Zeroing and wake-ups happen after the lock is dropped.  M_WAITOK
 * sleepers sleep on &vm_page_waiters with tsleep_interlock() taken under
 * the lock, so a free between unlock and tsleep is not missed.
 * vm_page_startup() runs alone on the boot CPU and takes no lock.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/queue.h>
#include <sys/spinlock.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <vm/vm_kmem.h>
#include <vm/vm_page.h>
#include <string.h>

struct vm_seg {
	vm_offset_t	vs_start;	/* [I] kernel address of first page */
	vm_offset_t	vs_end;		/* [I] just past the last page */
	struct vm_page	*vs_pages;	/* [I] its part of the array */
};

TAILQ_HEAD(vm_pageq, vm_page);

static struct spinlock vm_page_spin = SPINLOCK_INITIALIZER("vm_page");
static struct vm_pageq vm_freeq[VM_NFREEORDER];	/* [S] */
static size_t vm_nfree[VM_NFREEORDER];		/* [S] blocks per order */
static size_t vm_free_pages;			/* [S] */
static size_t vm_total_pages;			/* [I] */
static size_t vm_reserved_pages;		/* [I] */
static uint64_t vm_cnt_allocs;			/* [S] */
static uint64_t vm_cnt_frees;			/* [S] */
static uint64_t vm_cnt_fails;			/* [S] */
static uint64_t vm_cnt_waits;			/* [S] */
static int vm_page_waiters;			/* [S] sleepers to wake */
static struct vm_seg vm_segs[PLAT_MAXMEM];	/* [I] */
static int vm_nsegs;				/* [I] */
static vm_offset_t vm_dmap;			/* [I] bootinfo->bi_dmap */
static int vm_page_ready;			/* [I] startup is done */

#define VM_ASSERT_LOCKED()						\
	KKASSERT(!vm_page_ready || vm_page_spin.sl_lock != 0)

static __always_inline vm_offset_t
page_kva(const struct vm_page *m)
{
	return (vm_dmap + m->pg_pa);
}

void *
vm_page_to_kva(const struct vm_page *m)
{
	return ((void *)page_kva(m));
}

struct vm_page *
vm_page_lookup(const void *va)
{
	vm_offset_t a = (vm_offset_t)va;
	struct vm_seg *s;
	int i;

	for (i = 0; i < vm_nsegs; i++) {
		s = &vm_segs[i];
		if (a >= s->vs_start && a < s->vs_end)
			return (&s->vs_pages[(a - s->vs_start) >> PAGE_SHIFT]);
	}
	return (NULL);
}

/* Smallest order whose block holds npages pages. */
static int
order_for(size_t npages)
{
	int k = 0;

	while (k < 63 && ((size_t)1 << k) < npages)
		k++;
	return (k);
}

/*
 * The free head of m's buddy at order k, or NULL when the buddy lies
 * outside m's segment or is not one free block of order k.
 */
static struct vm_page *
buddy_of(struct vm_page *m, int k)
{
	struct vm_seg *s = &vm_segs[m->pg_seg];
	vm_offset_t bva, bsize = PAGE_SIZE << k;
	struct vm_page *b;

	bva = page_kva(m) ^ bsize;
	if (bva < s->vs_start || bva + bsize > s->vs_end)
		return (NULL);
	b = &s->vs_pages[(bva - s->vs_start) >> PAGE_SHIFT];
	if ((b->pg_flags & PG_FREE) == 0 || b->pg_order != k)
		return (NULL);
	return (b);
}

static void
freeq_insert(struct vm_page *m, int k)
{
	m->pg_flags = PG_FREE;
	m->pg_order = (uint8_t)k;
	TAILQ_INSERT_HEAD(&vm_freeq[k], m, pg_link);
	vm_nfree[k]++;
	vm_free_pages += (size_t)1 << k;
}

static void
freeq_remove(struct vm_page *m)
{
	int k = m->pg_order;

	KKASSERT(m->pg_flags & PG_FREE);
	TAILQ_REMOVE(&vm_freeq[k], m, pg_link);
	m->pg_flags = 0;
	vm_nfree[k]--;
	vm_free_pages -= (size_t)1 << k;
}

/*
 * Free the aligned block of 2^k pages at m, merging it with its buddy
 * for as long as the buddy is free too.
 */
static void
free_block(struct vm_page *m, int k)
{
	struct vm_page *b;

	VM_ASSERT_LOCKED();
	KKASSERT((page_kva(m) & ((PAGE_SIZE << k) - 1)) == 0);
	while (k < VM_NFREEORDER - 1 && (b = buddy_of(m, k)) != NULL) {
		freeq_remove(b);
		if (b < m)
			m = b;
		k++;
	}
	freeq_insert(m, k);
}

/*
 * Free n contiguous pages of one segment starting at m: cut the run into
 * the largest aligned blocks it holds and free each.
 */
static void
free_run(struct vm_page *m, size_t n)
{
	vm_offset_t va;
	int k;

	VM_ASSERT_LOCKED();
	while (n > 0) {
		va = page_kva(m);
		k = 0;
		while (k < VM_NFREEORDER - 1 &&
		    ((size_t)2 << k) <= n &&
		    (va & ((PAGE_SIZE << (k + 1)) - 1)) == 0)
			k++;
		free_block(m, k);
		m += (size_t)1 << k;
		n -= (size_t)1 << k;
	}
}

/*
 * Take a block of 2^order pages (splitting a larger one if need be),
 * keep its first npages and give the tail back.  NULL if no block of
 * that order or above is free.
 */
static struct vm_page *
alloc_locked(size_t npages, int order)
{
	struct vm_page *m;
	size_t i;
	int j;

	VM_ASSERT_LOCKED();
	for (j = order; j < VM_NFREEORDER; j++)
		if (!TAILQ_EMPTY(&vm_freeq[j]))
			break;
	if (j == VM_NFREEORDER)
		return (NULL);
	m = TAILQ_FIRST(&vm_freeq[j]);
	freeq_remove(m);
	while (j > order) {
		j--;
		freeq_insert(m + ((size_t)1 << j), j);
	}
	if (npages < ((size_t)1 << order))
		free_run(m + npages, ((size_t)1 << order) - npages);
	for (i = 0; i < npages; i++) {
		KKASSERT((m[i].pg_flags & (PG_FREE | PG_ALLOCATED |
		    PG_RESERVED)) == 0);
		m[i].pg_flags = PG_ALLOCATED;
		m[i].pg_kmem = 0;
	}
	vm_cnt_allocs++;
	return (m);
}

struct vm_page *
vm_page_alloc_contig(size_t npages, int flags)
{
	struct vm_page *m;
	int order;

	KASSERT(((flags & M_WAITOK) != 0) != ((flags & M_NOWAIT) != 0),
	    ("vm_page_alloc_contig: flags %#x need exactly one of M_WAITOK "
	    "and M_NOWAIT", flags));
	KKASSERT(vm_page_ready);
	KKASSERT(npages > 0);
	order = order_for(npages);
	if (order >= VM_NFREEORDER ||
	    npages > vm_total_pages - vm_reserved_pages) {
		/* Could never be satisfied: do not sleep forever. */
		if (flags & M_NOWAIT)
			return (NULL);
		panic("vm_page_alloc_contig: %zu pages is more than the "
		    "machine has (%zu) or the largest block (%lu pages)",
		    npages, vm_total_pages - vm_reserved_pages,
		    1UL << (VM_NFREEORDER - 1));
	}
	for (;;) {
		spin_lock(&vm_page_spin);
		m = alloc_locked(npages, order);
		if (m != NULL)
			break;
		if (flags & M_NOWAIT) {
			vm_cnt_fails++;
			spin_unlock(&vm_page_spin);
			return (NULL);
		}
		KASSERT(mycpu->gd_intr_nesting_level == 0,
		    ("vm_page_alloc_contig: M_WAITOK from interrupt context"));
		vm_cnt_waits++;
		vm_page_waiters++;
		tsleep_interlock(&vm_page_waiters, 0);
		spin_unlock(&vm_page_spin);
		tsleep(&vm_page_waiters, PINTERLOCKED, "pgwait", 0);
	}
	spin_unlock(&vm_page_spin);
	if (flags & M_ZERO)
		memset(vm_page_to_kva(m), 0, npages << PAGE_SHIFT);
	return (m);
}

void
vm_page_free_contig(struct vm_page *m, size_t npages)
{
	struct vm_page *bad;
	size_t i;
	int wake;

	KKASSERT(npages > 0);
	KKASSERT(m >= vm_segs[m->pg_seg].vs_pages);
	KKASSERT(page_kva(m) + (npages << PAGE_SHIFT) <=
	    vm_segs[m->pg_seg].vs_end);
	spin_lock(&vm_page_spin);
	for (i = 0; i < npages; i++) {
		if ((m[i].pg_flags & PG_ALLOCATED) == 0 ||
		    m[i].pg_kmem != 0) {
			/* Undo, and drop the lock so panic can use pages. */
			bad = &m[i];
			while (i-- > 0)
				m[i].pg_flags = PG_ALLOCATED;
			spin_unlock(&vm_page_spin);
			panic("vm_page_free_contig: page %p (kva %p) is not "
			    "allocated, or kmalloc still owns it", bad,
			    vm_page_to_kva(bad));
		}
		m[i].pg_flags = 0;
	}
	free_run(m, npages);
	vm_cnt_frees++;
	wake = vm_page_waiters;
	vm_page_waiters = 0;
	spin_unlock(&vm_page_spin);
	if (wake)
		wakeup(&vm_page_waiters);
}

void *
kmem_alloc_pages(size_t npages, int flags)
{
	struct vm_page *m;

	m = vm_page_alloc_contig(npages, flags);
	return (m != NULL ? vm_page_to_kva(m) : NULL);
}

void
kmem_free_pages(void *va, size_t npages)
{
	struct vm_page *m;

	if (((vm_offset_t)va & PAGE_MASK) != 0 ||
	    (m = vm_page_lookup(va)) == NULL)
		panic("kmem_free_pages: %p is not a page of managed RAM", va);
	vm_page_free_contig(m, npages);
}

void
vm_page_get_stats(struct vm_page_stats *vs)
{
	int k;

	spin_lock(&vm_page_spin);
	vs->vs_total = vm_total_pages;
	vs->vs_reserved = vm_reserved_pages;
	vs->vs_free = vm_free_pages;
	for (k = 0; k < VM_NFREEORDER; k++)
		vs->vs_nfree[k] = vm_nfree[k];
	vs->vs_allocs = vm_cnt_allocs;
	vs->vs_frees = vm_cnt_frees;
	vs->vs_fails = vm_cnt_fails;
	vs->vs_waits = vm_cnt_waits;
	vs->vs_nsegs = vm_nsegs;
	spin_unlock(&vm_page_spin);
}

void
vm_page_print_stats(void)
{
	struct vm_page_stats vs;
	int k, top;

	vm_page_get_stats(&vs);
	kprintf("page allocator: %zu pages of %lu KB in %d range%s, "
	    "%zu hold the vm_page array\n", vs.vs_total, PAGE_SIZE >> 10,
	    vs.vs_nsegs, vs.vs_nsegs == 1 ? "" : "s", vs.vs_reserved);
	kprintf("  free %zu pages (%zu KB); allocations %llu, frees %llu, "
	    "failed %llu, waited %llu\n", vs.vs_free,
	    vs.vs_free << (PAGE_SHIFT - 10),
	    (unsigned long long)vs.vs_allocs,
	    (unsigned long long)vs.vs_frees,
	    (unsigned long long)vs.vs_fails,
	    (unsigned long long)vs.vs_waits);
	for (top = VM_NFREEORDER - 1; top > 0 && vs.vs_nfree[top] == 0; top--)
		;
	kprintf("  free blocks by order (pages):");
	for (k = 0; k <= top; k++)
		kprintf("%s %d(%lu):%zu", (k % 6 == 5) ? "\n   " : "", k,
		    1UL << k, vs.vs_nfree[k]);
	kprintf("\n");
}

/*
 * vm_page_startup - build the segments, carve the vm_page array from the
 * start of the largest range and put every other page on the free lists.
 *
 * Context: boot CPU, once, before any allocation; takes no lock.
 */
static void
vm_page_startup(void *arg __unused)
{
	const struct plat_bootinfo *bi = bootinfo;
	vm_offset_t start, end, best_len = 0;
	struct vm_page *pages;
	struct vm_seg *s;
	size_t i, n, idx, arraysz;
	int best = -1, si;
	uint32_t r;

	vm_dmap = (vm_offset_t)bi->bi_dmap;
	for (r = 0; r < bi->bi_nmem; r++) {
		start = roundup2(vm_dmap + bi->bi_mem[r].mr_pa, PAGE_SIZE);
		end = rounddown2(vm_dmap + bi->bi_mem[r].mr_pa +
		    bi->bi_mem[r].mr_len, PAGE_SIZE);
		if (end <= start)
			continue;
		s = &vm_segs[vm_nsegs];
		s->vs_start = start;
		s->vs_end = end;
		vm_total_pages += (end - start) >> PAGE_SHIFT;
		if (end - start > best_len) {
			best_len = end - start;
			best = vm_nsegs;
		}
		vm_nsegs++;
	}
	if (best < 0)
		panic("vm_page_startup: the platform reported no usable RAM");
	arraysz = roundup2(vm_total_pages * sizeof(struct vm_page),
	    PAGE_SIZE);
	if (arraysz >= best_len)
		panic("vm_page_startup: %zu pages need a %zu-byte vm_page "
		    "array; the largest range has only %lu bytes",
		    vm_total_pages, arraysz, (unsigned long)best_len);
	pages = (struct vm_page *)vm_segs[best].vs_start;
	memset(pages, 0, arraysz);
	vm_reserved_pages = arraysz >> PAGE_SHIFT;

	for (si = 0, idx = 0; si < vm_nsegs; si++) {
		s = &vm_segs[si];
		s->vs_pages = &pages[idx];
		n = (s->vs_end - s->vs_start) >> PAGE_SHIFT;
		for (i = 0; i < n; i++) {
			s->vs_pages[i].pg_pa = s->vs_start +
			    (i << PAGE_SHIFT) - vm_dmap;
			s->vs_pages[i].pg_seg = (uint8_t)si;
		}
		idx += n;
	}
	for (i = 0; i < VM_NFREEORDER; i++)
		TAILQ_INIT(&vm_freeq[i]);
	for (si = 0; si < vm_nsegs; si++) {
		s = &vm_segs[si];
		n = (s->vs_end - s->vs_start) >> PAGE_SHIFT;
		if (si == best) {
			for (i = 0; i < vm_reserved_pages; i++)
				s->vs_pages[i].pg_flags = PG_RESERVED;
			free_run(&s->vs_pages[vm_reserved_pages],
			    n - vm_reserved_pages);
		} else {
			free_run(s->vs_pages, n);
		}
	}
	vm_page_ready = 1;
}
SYSINIT(vm_page, SI_SUB_VM, SI_ORDER_FIRST, vm_page_startup, NULL);
