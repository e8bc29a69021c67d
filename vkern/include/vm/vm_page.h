/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * vm_page.h - one struct vm_page per page of the RAM the platform
 * reported, and the buddy allocator that hands out contiguous runs of
 * them.  Most code wants kmem_alloc_pages() (vm/vm_kmem.h); this header
 * is for the allocators built on pages (kmalloc, objcache) and for tests.
 * See docs/memory.md.
 *
 * Protection of the fields below:
 *   [I]  set by vm_page_startup() before anyone allocates, read-only after
 *   [S]  vm_page_spin (the page allocator's spinlock)
 *   [o]  the owner of the allocation that contains the page (between
 *        kmem_alloc_pages() and kmem_free_pages() nobody else looks)
 */
#ifndef _VM_VM_PAGE_H_
#define _VM_VM_PAGE_H_

#include <sys/types.h>
#include <sys/queue.h>
#include <vm/vm_kmem.h>

/*
 * Free blocks are runs of 2^order pages whose kernel address is aligned
 * to their size: order 0 is one page, order 19 is 2 GiB.
 */
#define VM_NFREEORDER	20

struct vm_page {
	TAILQ_ENTRY(vm_page) pg_link;	/* [S] free list, while PG_FREE */
	vm_paddr_t	pg_pa;		/* [I] physical address */
	uint16_t	pg_flags;	/* [S] PG_* */
	uint8_t		pg_order;	/* [S] block order, while PG_FREE */
	uint8_t		pg_seg;		/* [I] index of its vm_seg */
	int32_t		pg_kmem;	/* [o] the kmalloc tag, see below */
};

/* pg_flags */
#define PG_FREE		0x0001	/* first page of a free block */
#define PG_ALLOCATED	0x0002	/* handed out by vm_page_alloc_contig */
#define PG_RESERVED	0x0004	/* never free: holds the vm_page array */

/*
 * pg_kmem belongs to kmalloc while the page is allocated to it: 0 for
 * pages kmalloc does not own, n > 0 on the first page of an n-page
 * allocation made straight from pages, KMEM_ZONE_PAGE on every page of a
 * slab zone.  kmem_alloc_pages() returns pages with pg_kmem == 0 and
 * kmem_free_pages() expects it back at 0.
 */
#define KMEM_ZONE_PAGE	(-1)

/* Statistics, a consistent snapshot taken under the lock. */
struct vm_page_stats {
	size_t		vs_total;	/* pages managed (reserved included) */
	size_t		vs_reserved;	/* pages holding the vm_page array */
	size_t		vs_free;	/* pages on the free lists */
	size_t		vs_nfree[VM_NFREEORDER]; /* free blocks per order */
	uint64_t	vs_allocs;	/* successful allocations */
	uint64_t	vs_frees;	/* calls to free */
	uint64_t	vs_fails;	/* M_NOWAIT allocations that failed */
	uint64_t	vs_waits;	/* times an M_WAITOK caller slept */
	int		vs_nsegs;	/* RAM ranges in use */
};

/*
 * vm_page_alloc_contig - npages physically contiguous pages; the first
 * is aligned to the smallest power of two >= npages (in kernel address).
 * flags: exactly one of M_WAITOK and M_NOWAIT, optionally M_ZERO.
 *
 * Context: M_NOWAIT: any, including a critical section or an IPI.
 * M_WAITOK: thread; may block until enough pages are freed.
 * Returns the first page, or NULL (M_NOWAIT only).
 */
struct vm_page *vm_page_alloc_contig(size_t npages, int flags);

/*
 * vm_page_free_contig - give back npages pages starting at m, which a
 * single earlier allocation handed out (or part of one: any sub-run of
 * allocated pages may be freed).  Wakes M_WAITOK sleepers.
 *
 * Context: any, including a critical section or an IPI; never blocks.
 */
void	vm_page_free_contig(struct vm_page *m, size_t npages);

/* The page holding kernel address va, or NULL if va is not managed RAM. */
struct vm_page *vm_page_lookup(const void *va);
/* The direct-map address of m's first byte. */
void	*vm_page_to_kva(const struct vm_page *m);

/* Context: any; takes the lock briefly. */
void	vm_page_get_stats(struct vm_page_stats *vs);
/* Print the statistics on the console (the monitor's `mem'). */
void	vm_page_print_stats(void);

#endif /* !_VM_VM_PAGE_H_ */
