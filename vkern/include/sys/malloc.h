/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * malloc.h - kmalloc/kfree, the kernel's general-purpose allocator, and
 * malloc types.  Every allocation is charged to a type that a subsystem
 * defines where it lives:
 *
 *	MALLOC_DEFINE(M_DEVBUF, "devbuf", "device driver memory");
 *	p = kmalloc(sizeof(*p), M_DEVBUF, M_WAITOK | M_ZERO);
 *	kfree(p, M_DEVBUF);
 *
 * A type counts its requests and frees per CPU and hands each CPU a
 * credit of bytes it may allocate without a shared write, so the fast
 * path writes only its own CPU's slot.  A type has a limit in bytes: an
 * allocation that would take it past its limit returns NULL with
 * M_NOWAIT and panics, naming the type, with M_WAITOK.  Running out of memory is different:
 * M_NOWAIT returns NULL and M_WAITOK sleeps until memory is freed.
 * The monitor's `vmstat -m' prints every type.
 *
 * Behind it is a per-CPU slab allocator (vm/kern_slaballoc.c,
 * docs/memory.md): size classes up to a zone limit, whole pages above.
 *
 * Protection of the fields below:
 *   [I]  set by MALLOC_DEFINE or malloc type init, read-only after
 *   [a]  atomic operations, any CPU (racy reads for statistics)
 *   [c]  slot i belongs to CPU i, in a critical section
 */
#ifndef _SYS_MALLOC_H_
#define _SYS_MALLOC_H_

#include <sys/types.h>
#include <sys/linker_set.h>
#include <plat/plat.h>
#include <vm/vm_kmem.h>		/* M_WAITOK, M_NOWAIT, M_ZERO */

/* kmalloc flags beyond vm_kmem.h's. */
#define M_POWEROF2	0x0200		/* round the size up to a power of 2 */

#define M_MAGIC		0x6b6d616c	/* "kmal": a defined malloc type */

/* What kmalloc(0) returns: never NULL, faults on any access. */
#define ZERO_LENGTH_PTR	((void *)0x8000000000000000UL)

/*
 * One CPU's slot of a type.  Bytes in use are not counted per CPU: a
 * CPU holds a credit taken from the type's ks_reserved, allocations
 * spend it and frees (on any CPU) add to it, so the bytes in use are
 * ks_reserved minus every CPU's credit.  Objects in use are
 * calls - frees - nonobj summed over the CPUs.
 */
struct kmalloc_typecpu {
	ssize_t		kc_credit;	/* [c] bytes we may allocate unasked */
	uint64_t	kc_calls;	/* [c] kmalloc requests made here */
	uint64_t	kc_frees;	/* [c] objects freed here */
	uint64_t	kc_nonobj;	/* [c] requests that made no object */
	ssize_t		kc_creditmax;	/* [a] copy of ks_creditmax */
} __aligned(64);

struct malloc_type {
	uint32_t	ks_magic;	/* [I] M_MAGIC */
	const char	*ks_shortdesc;	/* [I] name for vmstat -m */
	const char	*ks_longdesc;	/* [I] */
	size_t		ks_limit;	/* [a] bytes; 0 until init: default */
	ssize_t		ks_slack;	/* [a] credit a CPU is topped up to */
	ssize_t		ks_creditmax;	/* [a] credit a CPU gives back above */
	ssize_t		ks_reserved;	/* [a] bytes in use + every credit */
	ssize_t		ks_highwater;	/* [a] largest use seen */
	uint64_t	ks_limfails;	/* [a] requests refused by the limit */
	struct kmalloc_typecpu ks_cpu[PLAT_MAXCPU]; /* [c] */
};

#define MALLOC_DECLARE(type)						\
	extern struct malloc_type type[1]

/* A type with the default limit (see docs/memory.md). */
#define MALLOC_DEFINE(type, shortdesc, longdesc)			\
	MALLOC_DEFINE_LIMIT(type, shortdesc, longdesc, 0)

/* A type with a limit of `limit' bytes (0: the default). */
#define MALLOC_DEFINE_LIMIT(type, shortdesc, longdesc, limit)		\
	struct malloc_type type[1] = { {				\
		.ks_magic = M_MAGIC,					\
		.ks_shortdesc = (shortdesc),				\
		.ks_longdesc = (longdesc),				\
		.ks_limit = (limit),					\
	} };								\
	DATA_SET(malloc_type_set, type)

MALLOC_DECLARE(M_TEMP);			/* short-lived buffers */
MALLOC_DECLARE(M_DEVBUF);		/* device driver memory */

/*
 * kmalloc - size bytes charged to type.  flags: exactly one of M_WAITOK
 * and M_NOWAIT, plus M_ZERO and M_POWEROF2 as wanted.  Power-of-two
 * sizes are aligned to their size (up to a page for large ones), other
 * sizes to their size class's step (8 to 1024 bytes); see
 * docs/memory.md.  kmalloc(0) returns ZERO_LENGTH_PTR.
 *
 * Context: M_NOWAIT: any, including a critical section, an interrupt or
 * an IPI.  M_WAITOK: thread; may block for pages.
 * Returns the memory, or NULL (M_NOWAIT only) when memory is short or
 * the type is at its limit.  M_WAITOK over the type's limit panics.
 */
void	*kmalloc(size_t size, struct malloc_type *type, int flags);

/*
 * kfree - give back ptr, from kmalloc with the same type, on any CPU.
 * kfree(NULL) and kfree(ZERO_LENGTH_PTR) do nothing.  Memory of another
 * CPU goes back to its owner with one atomic operation.
 *
 * Context: any, including a critical section, an interrupt or an IPI;
 * never blocks.  A pointer kmalloc did not return panics.
 */
void	kfree(void *ptr, struct malloc_type *type);

/*
 * krealloc - resize ptr (NULL: kmalloc), keeping its contents; size 0
 * frees it and returns NULL.  Keeps ptr when its size class still fits.
 * Context: as kmalloc.  Returns NULL (M_NOWAIT) with ptr untouched.
 */
void	*krealloc(void *ptr, size_t size, struct malloc_type *type,
	    int flags);

/* kstrdup - a copy of s.  Context: thread; may block (M_WAITOK). */
char	*kstrdup(const char *s, struct malloc_type *type);

/* Bytes usable at ptr (its size class, or its pages).  Context: any. */
size_t	kmalloc_usable_size(const void *ptr);

/* Set type's limit in bytes (0: the default).  Context: any. */
void	kmalloc_set_limit(struct malloc_type *type, size_t limit);

/*
 * Exact totals of a type, summed over CPUs (racy while others allocate).
 * Context: any.
 */
struct malloc_type_stats {
	ssize_t		ms_memuse;	/* bytes in use */
	ssize_t		ms_inuse;	/* objects in use */
	uint64_t	ms_calls;	/* requests */
	ssize_t		ms_highwater;	/* largest use seen (at credit refills
					   and reads: may miss a short peak) */
	size_t		ms_limit;
	uint64_t	ms_limfails;
};
void	malloc_type_get_stats(struct malloc_type *type,
	    struct malloc_type_stats *ms);

/*
 * slab_cleanup - on this CPU, take back chunks other CPUs freed into
 * zones that still had free chunks, retire every completely free zone
 * (even the last of its class) and give surplus free zones back to the
 * page allocator.  A callout runs it every 10 s on each CPU that
 * holds zones; tests call it directly.
 * Context: any, on the CPU to clean; never blocks.
 */
void	slab_cleanup(void);

/* Slab statistics of one CPU, for tests and `vmstat -m'. */
struct slab_stats {
	size_t		ss_zonesize;	/* bytes per zone (all CPUs) */
	size_t		ss_zonelimit;	/* smallest size taken from pages */
	int		ss_nzones;	/* zones in use */
	int		ss_nfreezones;	/* free zones cached */
	uint64_t	ss_zone_allocs;	/* zones taken from pages */
	uint64_t	ss_zone_frees;	/* zones given back to it */
	uint64_t	ss_big_allocs;	/* allocations made of whole pages */
	uint64_t	ss_remote_frees; /* frees this CPU pushed to others */
	uint64_t	ss_remote_ipis;	/* of those, ones that signalled */
	uint64_t	ss_remote_folds; /* chunks others pushed back to us */
	int64_t		ss_chunks_inuse; /* chunks of our zones not yet back */
};
void	slab_get_stats(int cpu, struct slab_stats *ss);

#endif /* !_SYS_MALLOC_H_ */
