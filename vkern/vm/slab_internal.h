/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * slab_internal.h - what kern_slaballoc.c and malloc_type.c share: the
 * zone header, the free chunk and its free mark, the per-CPU slab state
 * and the charging of malloc types against per-CPU credit.  Not for
 * other subsystems: they use sys/malloc.h.
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
#include <sys/errno.h>
#include <sys/queue.h>
#include <sys/malloc.h>
#include <sys/callout.h>
#include <plat/plat.h>

#define ZALLOC_SLAB_MAGIC	0x736c6162	/* "slab": a live zone */
#define ZALLOC_FREE_MAGIC	0x66726565	/* "free": a cached zone */

#define ZALLOC_MIN_ZONE_SIZE	(32 * 1024)
#define ZALLOC_MAX_ZONE_SIZE	(128 * 1024)
#define ZALLOC_ZONE_LIMIT	(16 * 1024)	/* largest ZoneLimit */
#define ZALLOC_MIN_CHUNK	16		/* room for the free mark */
#define NZONES			71		/* classes 16 B to 16 KiB */

/*
 * A free chunk: the link to the next free chunk of its zone, then the
 * free mark, slab_freemark(chunk).  kfree writes the mark; kmalloc
 * checks it (a free chunk written to since its free panics) and clears
 * it.  A chunk handed out never holds its own mark unless its user
 * wrote that very value there, so a kfree that finds the mark is almost
 * surely a second free; the owner confirms it by walking the zone's free
 * chunks before it panics (slab_freemark_confirm).
 */
struct slchunk {
	struct slchunk	*c_next;
	uintptr_t	c_mark;
};

#define SLAB_FREEMARK_KEY	0x5a17f4eed0c0ffeeUL

static __always_inline uintptr_t
slab_freemark(const void *c)
{
	return ((uintptr_t)c ^ SLAB_FREEMARK_KEY);
}

/* In z_rchunks: the zone is unlinked; the freer replacing this signals. */
#define SLZ_SIGNAL	((struct slchunk *)1)

struct slzone {
	/* Written by other CPUs (and read by them): a cache line apart. */
	struct slchunk	*z_rchunks __aligned(64); /* [a] remote frees */
	uint32_t	z_magic;	/* [c] ZALLOC_*_MAGIC */
	int		z_cpu;		/* [I] owning CPU */
	int		z_rsigout;	/* [c] signals installed, IPI not run */
	/* The owner's fast paths: one cache line. */
	struct slchunk	*z_lchunks __aligned(64); /* [c] local free list */
	int		z_nfree;	/* [c] local list + never used */
	int		z_nmax;		/* [I] chunks in the zone */
	int		z_uindex;	/* [c] first never-used chunk */
	size_t		z_chunksize;	/* [I] bytes per chunk */
	char		*z_base;	/* [I] first chunk */
	uint32_t	z_chunkrecip;	/* [I] 2^32 / z_chunksize, rounded up */
	int16_t		z_zoneindex;	/* [I] size class */
	int16_t		z_flags;	/* [c] SLZF_* */
	TAILQ_ENTRY(slzone) z_entry;	/* [c] class list or free zones */
};
CTASSERT(sizeof(struct slzone) == 128);

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
 * Make this CPU's credit of type at least bytes: take more from
 * ks_reserved while the type stays under its limit, else sum the exact
 * use and take only what the request needs if it fits.  Returns 0 or
 * ENOMEM (the type is at its limit; nothing taken).
 * Context: critical section on CPU cpu.
 */
int	malloc_type_refill(struct malloc_type *type, int cpu, size_t bytes);

/*
 * Give back to ks_reserved the credit of kc beyond ks_slack (a CPU that
 * frees more than it allocates).  Context: critical section, kc's CPU.
 */
void	malloc_type_giveback(struct malloc_type *type,
	    struct kmalloc_typecpu *kc);

/*
 * Charge a request of bytes to type on this CPU: 0, or ENOMEM when the
 * type is at its limit (counted as a request that made no object).
 * Context: critical section on CPU cpu.
 */
static __always_inline int
malloc_type_charge(struct malloc_type *type, int cpu, size_t bytes)
{
	struct kmalloc_typecpu *kc = &type->ks_cpu[cpu];

	kc->kc_calls++;
	if (__predict_false(kc->kc_credit < (ssize_t)bytes) &&
	    malloc_type_refill(type, cpu, bytes) != 0) {
		kc->kc_nonobj++;
		return (ENOMEM);
	}
	kc->kc_credit -= (ssize_t)bytes;
	return (0);
}

/* Credit a free of bytes to type on this CPU.  Context: as above. */
static __always_inline void
malloc_type_credit(struct malloc_type *type, int cpu, size_t bytes)
{
	struct kmalloc_typecpu *kc = &type->ks_cpu[cpu];

	kc->kc_frees++;
	kc->kc_credit += (ssize_t)bytes;
	if (__predict_false(kc->kc_credit > __atomic_load_n(
	    &kc->kc_creditmax, __ATOMIC_RELAXED)))
		malloc_type_giveback(type, kc);
}

#endif /* !_VM_SLAB_INTERNAL_H_ */
