/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * slab_internal.h - what kern_slaballoc.c and malloc_type.c share: the
 * zone header, the per-CPU slab state and the charging of malloc types.
 * Not for other subsystems: they use sys/malloc.h.
 *
 * Protection of the fields below:
 *   [I]  set when the zone is made, read-only while it is a zone
 *   [c]  the owning CPU (z_cpu, or the slab_cpu's index), in a critical
 *        section
 *   [a]  atomic operations, any CPU
 *   [r]  owning CPU writes; others may read racily for statistics
 */
#ifndef _VM_SLAB_INTERNAL_H_
#define _VM_SLAB_INTERNAL_H_

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/malloc.h>
#include <sys/callout.h>
#include <plat/plat.h>

#define ZALLOC_SLAB_MAGIC	0x736c6162	/* "slab": a live zone */
#define ZALLOC_FREE_MAGIC	0x66726565	/* "free": a cached zone */

#define ZALLOC_MIN_ZONE_SIZE	(32 * 1024)
#define ZALLOC_MAX_ZONE_SIZE	(128 * 1024)
#define ZALLOC_ZONE_LIMIT	(16 * 1024)	/* largest ZoneLimit */
#define NZONES			72		/* classes up to 16 KiB */

/* A free chunk links to the next through its first word. */
struct slchunk {
	struct slchunk	*c_next;
};

/* In z_rchunks: the zone is unlinked; the freer replacing this signals. */
#define SLZ_SIGNAL	((struct slchunk *)1)

struct slzone {
	/* Written by other CPUs: a cache line of its own. */
	struct slchunk	*z_rchunks __aligned(64); /* [a] remote frees */
	uint32_t	z_magic __aligned(64); /* [c] ZALLOC_*_MAGIC */
	int		z_cpu;		/* [I] owning CPU */
	int		z_zoneindex;	/* [I] size class */
	int		z_flags;	/* [c] SLZF_* */
	size_t		z_chunksize;	/* [I] bytes per chunk */
	uint32_t	z_chunkrecip;	/* [I] 2^32 / z_chunksize, rounded up */
	char		*z_base;	/* [I] first chunk */
	int		z_nmax;		/* [I] chunks in the zone */
	int		z_nfree;	/* [c] local list + never used */
	int		z_uindex;	/* [c] first never-used chunk */
	int		z_rsigout;	/* [c] signals installed, IPI not run */
	struct slchunk	*z_lchunks;	/* [c] local free list */
	TAILQ_ENTRY(slzone) z_entry;	/* [c] class list or free zones */
	uint64_t	z_bitmap[];	/* [c] bit per chunk: 1 = allocated */
};

#define SLZF_LINKED	0x0001		/* on its class list */

TAILQ_HEAD(slzoneq, slzone);

struct slab_cpu {
	struct slzoneq	sc_zones[NZONES]; /* [c] zones with free chunks */
	struct slzoneq	sc_freezones;	/* [c] completely free, cached */
	int		sc_nfreezones;	/* [c] */
	int		sc_nzones;	/* [r] zones in use */
	uint64_t	sc_zone_allocs;	/* [r] */
	uint64_t	sc_zone_frees;	/* [r] */
	uint64_t	sc_big_allocs;	/* [r] */
	uint64_t	sc_remote_frees; /* [r] */
	uint64_t	sc_remote_ipis;	/* [r] */
	uint64_t	sc_remote_folds; /* [r] */
	int64_t		sc_chunks_inuse; /* [r] chunks out of our zones */
	/*
	 * The zone kmalloc last took a chunk from: live and ours while it
	 * is set (zone_maybe_retire clears it), so kfree of a chunk in it
	 * needs no page lookup to know the chunk is a zone chunk.
	 */
	struct slzone	*sc_lastzone;	/* [c] */
	struct callout	sc_cleanup;	/* [c] periodic slab_cleanup */
	int		sc_cleanup_armed; /* [c] */
} __aligned(64);

#define SLAB_CLEANUP_TICKS	(10 * hz)	/* slab_cleanup period */

extern struct slab_cpu slab_cpu[PLAT_MAXCPU];
extern size_t ZoneSize, ZoneMask, ZoneLimit;
extern size_t kmalloc_default_limit;

/* malloc_type.c: set up every type of the linker set (slab_init). */
void	malloc_types_init(void);

/*
 * Charge (bytes > 0) or credit (bytes < 0) type on this CPU, and fold
 * the slot into ks_memuse when it drifts past ks_slack.
 * Context: critical section on CPU cpu.
 */
void	malloc_type_sync(struct malloc_type *type, struct kmalloc_typecpu *kc);

static __always_inline void
malloc_type_charge(struct malloc_type *type, int cpu, ssize_t bytes,
    int objs)
{
	struct kmalloc_typecpu *kc = &type->ks_cpu[cpu];

	kc->kc_memuse += bytes;
	kc->kc_inuse += objs;
	kc->kc_unsynced += bytes;
	if (__predict_false(kc->kc_unsynced > type->ks_slack ||
	    kc->kc_unsynced < -type->ks_slack))
		malloc_type_sync(type, kc);
}

/* The exact check, when the estimate says a type may be at its limit. */
int	malloc_type_check_limit_slow(struct malloc_type *type, size_t bytes);

/*
 * 0 if type may take `bytes' more on this CPU, else ENOMEM.  The shared
 * estimate plus this CPU's drift decides, unless it says "over".
 * Context: critical section.
 */
static __always_inline int
malloc_type_check_limit(struct malloc_type *type, int cpu, size_t bytes)
{
	ssize_t approx;

	approx = __atomic_load_n(&type->ks_memuse, __ATOMIC_RELAXED) +
	    type->ks_cpu[cpu].kc_unsynced + (ssize_t)bytes;
	if (__predict_true(approx <= (ssize_t)__atomic_load_n(
	    &type->ks_limit, __ATOMIC_RELAXED)))
		return (0);
	return (malloc_type_check_limit_slow(type, bytes));
}

#endif /* !_VM_SLAB_INTERNAL_H_ */
