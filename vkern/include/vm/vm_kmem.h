/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * vm_kmem.h - whole pages for the kernel, by their direct-map address.
 * The page allocator behind it (vm/vm_page.c) owns the RAM the platform
 * reported in bi_mem[].
 */
#ifndef _VM_VM_KMEM_H_
#define _VM_VM_KMEM_H_

#include <sys/types.h>

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(PAGE_SIZE - 1)

/* kmem flags (the same bits as kmalloc's). */
#define M_WAITOK	0x0001		/* may sleep until memory is free */
#define M_NOWAIT	0x0002		/* fail with NULL instead */
#define M_ZERO		0x0100		/* zero the memory */

/*
 * kmem_alloc_pages - npages physically contiguous pages, page aligned.
 * Context: thread (M_WAITOK may sleep) or any (M_NOWAIT).
 * Returns the direct-map address, or NULL (M_NOWAIT only).
 */
void	*kmem_alloc_pages(size_t npages, int flags);
void	kmem_free_pages(void *va, size_t npages);

#endif /* !_VM_VM_KMEM_H_ */
