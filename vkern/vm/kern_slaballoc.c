/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * kern_slaballoc.c - kmalloc and kfree: a per-CPU slab allocator after
 * DragonFly's.  The one idea: memory is carved into zones of ZoneSize
 * bytes, aligned to ZoneSize, each owned by one CPU and holding chunks
 * of one size class, so the zone (and its owner) of any chunk is
 * `address & ~(ZoneSize - 1)': no lookup, no lock.  Requests of
 * ZoneLimit bytes or more (and page multiples above two pages) are
 * whole pages from the page allocator instead.  See docs/memory.md.
 *
 * Locking and ownership:
 *   - A CPU's zone lists (slab_cpu[cpu]) and every field of the zones it
 *     owns, except z_rchunks, are touched only by that CPU in a critical
 *     section ([c]).  That is the whole of the local fast path: no lock,
 *     no atomic operation.  Interrupt and IPI code on the same CPU may
 *     allocate and free too, hence the critical section.  The fast paths
 *     (kmalloc_zone, kfree) leave it by storing back the count they found
 *     on entry, which is what crit_exit would leave: anything that runs
 *     on this thread in between (an interrupt upcall) is balanced.  Their
 *     rare cases are tail calls that leave it with crit_exit().
 *   - Another CPU frees into a zone by pushing the chunk on z_rchunks
 *     with one compare-and-swap ([a]).  The owner takes the whole list
 *     with one exchange when it runs out of local chunks, or in
 *     slab_cleanup(), which a callout runs every 10 s on each CPU that
 *     holds zones.
 *   - A zone with no free chunk left is unlinked from its class list.
 *     Before unlinking, the owner installs SLZ_SIGNAL in an empty
 *     z_rchunks (compare-and-swap from NULL).  The remote freer whose
 *     push replaces SLZ_SIGNAL is the first to free into a forgotten
 *     zone: it sends the owner a passive IPI (kfree_remote) to relink
 *     it.  Other remote frees send nothing.  After its push a remote
 *     freer never touches the zone again, so the owner needs no count of
 *     freers in flight; it only counts signals installed whose IPI has
 *     not run (z_rsigout) and keeps such a zone alive until they have.
 *   - Double frees: every free chunk carries its free mark (struct
 *     slchunk, slab_internal.h), written by kfree and cleared by kmalloc.
 *     A kfree that finds the mark already there has the owner walk the
 *     zone's free chunks (kfree_suspect): found, it panics; not found,
 *     the mark was the user's data and the free goes on.  A remote freer
 *     that finds it sends the chunk to the owner by IPI for that walk
 *     instead of pushing it.
 *   - Per-type counters are per CPU ([c] slots of struct malloc_type);
 *     bytes are spent from a per-CPU credit that malloc_type.c refills
 *     from, and gives back to, the type's shared ks_reserved with one
 *     atomic add, about once per ks_slack bytes.
 *   - Pages come from vm_page.c, whose spinlock is the only lock taken,
 *     and only when a zone or a large allocation comes or goes.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/queue.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <sys/ipiq.h>
#include <sys/callout.h>
#include <sys/malloc.h>
#include <vm/vm_kmem.h>
#include <vm/vm_page.h>
#include <string.h>

#include "slab_internal.h"

MALLOC_DEFINE(M_TEMP, "temp", "short-lived buffers");
MALLOC_DEFINE(M_DEVBUF, "devbuf", "device driver memory");

size_t ZoneSize;			/* [I] bytes per zone */
size_t ZoneMask;			/* [I] ZoneSize - 1 */
static uintptr_t ZoneBaseMask;		/* [I] ~ZoneMask */
size_t ZoneLimit;			/* [I] smallest size taken from pages */
static size_t zone_pages;		/* [I] ZoneSize / PAGE_SIZE */
static int zone_cache;			/* [I] free zones kept per CPU */
size_t kmalloc_default_limit;		/* [I] for types without one */
static int slab_ready;			/* [I] slab_init() has run */
static int slab_callouts_ok;		/* [I] callouts may be armed */

/* The largest block the page allocator has: bigger can never succeed. */
#define KMALLOC_MAX_SIZE	((size_t)PAGE_SIZE << (VM_NFREEORDER - 1))

struct slab_cpu slab_cpu[PLAT_MAXCPU];

/*
 * Size classes: 16 bytes (the smallest chunk that holds a free mark),
 * then 8-byte steps up to 128 bytes, then eight classes in each
 * power-of-two band (128-256 in 16s, 256-512 in 32s, ... 8K-16K in 1K
 * steps).  Returns the class and rounds *bytes up to its size.
 */
static __always_inline int
zoneindex(size_t *bytes)
{
	size_t n = *bytes;
	int band;

	if (n <= 128) {
		n = n <= ZALLOC_MIN_CHUNK ? ZALLOC_MIN_CHUNK : roundup2(n, 8);
		*bytes = n;
		return ((int)(n >> 3) - 2);
	}
	band = (63 - __builtin_clzl(n - 1)) - 7;	/* 128 < n <= 256: 0 */
	n = roundup2(n, (size_t)16 << band);
	*bytes = n;
	return (15 + 8 * band +
	    (int)((n - ((size_t)128 << band)) / ((size_t)16 << band)) - 1);
}

/* Byte offset of the first chunk: after the header, chunk-aligned. */
static size_t
zone_base_offset(size_t chunksize)
{
	size_t align = chunksize & -chunksize;	/* largest power of 2 */

	return (roundup2(sizeof(struct slzone), MAX(align, (size_t)16)));
}

/* Make zone memory z a zone of class zi owned by sc's CPU. */
static void
zone_init(struct slzone *z, int cpu, int zi, size_t chunksize)
{
	size_t off;
	int nmax;

	off = zone_base_offset(chunksize);
	nmax = (int)((ZoneSize - off) / chunksize);
	KKASSERT(nmax > 2);
	memset(z, 0, sizeof(*z));
	z->z_magic = ZALLOC_SLAB_MAGIC;
	z->z_cpu = cpu;
	z->z_zoneindex = (int16_t)zi;
	z->z_chunksize = chunksize;
	z->z_chunkrecip = (uint32_t)((1ULL << 32) / chunksize + 1);
	z->z_base = (char *)z + off;
	z->z_nmax = nmax;
	z->z_nfree = nmax;
}

/*
 * Zone memory for CPU sc: a cached free zone, or fresh pages.  The
 * caller is in a critical section; with M_WAITOK the page allocator may
 * block (the thread keeps its critical section and its CPU).
 */
static struct slzone *
zone_alloc(struct slab_cpu *sc, int flags)
{
	struct vm_page *m;
	struct slzone *z;
	size_t i;

	if ((z = TAILQ_FIRST(&sc->sc_freezones)) != NULL) {
		TAILQ_REMOVE(&sc->sc_freezones, z, z_entry);
		sc->sc_nfreezones--;
		return (z);
	}
	m = vm_page_alloc_contig(zone_pages, flags & (M_WAITOK | M_NOWAIT));
	if (m == NULL)
		return (NULL);
	for (i = 0; i < zone_pages; i++)
		m[i].pg_kmem = KMEM_ZONE_PAGE;
	z = vm_page_to_kva(m);
	KKASSERT(((uintptr_t)z & ZoneMask) == 0);
	sc->sc_zone_allocs++;
	return (z);
}

/* Give zone memory back to the page allocator. */
static void
zone_release(struct slab_cpu *sc, struct slzone *z)
{
	struct vm_page *m = vm_page_lookup(z);
	size_t i;

	z->z_magic = 0;
	for (i = 0; i < zone_pages; i++)
		m[i].pg_kmem = 0;
	vm_page_free_contig(m, zone_pages);
	sc->sc_zone_frees++;
}

/* Whether z is linked and the only zone on its class list. */
static __always_inline int
zone_is_only(struct slab_cpu *sc, struct slzone *z)
{
	return ((z->z_flags & SLZF_LINKED) != 0 &&
	    TAILQ_NEXT(z, z_entry) == NULL &&
	    TAILQ_FIRST(&sc->sc_zones[z->z_zoneindex]) == z);
}

/*
 * A linked zone z has become completely free: keep it if it is the
 * only zone of its class (unless even_last: slab_cleanup), else cache
 * it (and trim the cache).
 */
static void
zone_maybe_retire(struct slab_cpu *sc, struct slzone *z, int even_last)
{
	struct slzone *old;
	int zi = z->z_zoneindex;

	KKASSERT(z->z_flags & SLZF_LINKED);
	if (z->z_rsigout != 0 || (!even_last && zone_is_only(sc, z)))
		return;
	TAILQ_REMOVE(&sc->sc_zones[zi], z, z_entry);
	if (sc->sc_lastzone == z)
		sc->sc_lastzone = NULL;
	z->z_flags = 0;
	z->z_magic = ZALLOC_FREE_MAGIC;
	sc->sc_nzones--;
	TAILQ_INSERT_HEAD(&sc->sc_freezones, z, z_entry);
	sc->sc_nfreezones++;
	while (sc->sc_nfreezones > zone_cache) {
		old = TAILQ_LAST(&sc->sc_freezones, slzoneq);
		TAILQ_REMOVE(&sc->sc_freezones, old, z_entry);
		sc->sc_nfreezones--;
		zone_release(sc, old);
	}
}

/*
 * The index of the chunk at (or containing) address p, without a
 * division: off * ceil(2^32 / size) >> 32 is exactly off / size while
 * off < 2^17 (ZoneSize) and size <= 2^14 (ZALLOC_ZONE_LIMIT), since the
 * rounding error stays below 2^-15 and a fraction below 1 - 1/size.
 */
CTASSERT(ZALLOC_MAX_ZONE_SIZE <= (1 << 17) && ZALLOC_ZONE_LIMIT <= (1 << 14));

static __always_inline size_t
chunk_index(const struct slzone *z, const void *p)
{
	uint32_t off = (uint32_t)((const char *)p - z->z_base);

	return ((size_t)(((uint64_t)off * z->z_chunkrecip) >> 32));
}

/*
 * Whether p is the start of a chunk, with its index in *idxp, in one
 * multiplication: for off = k * size + r, the low 32 bits of
 * off * ceil(2^32 / size) are k * e + r * ceil(2^32 / size), where
 * e = size * ceil(2^32 / size) - 2^32 is at most size.  With r = 0 that
 * is at most off < ZoneSize <= 2^17; with r >= 1 it is at least
 * 2^32 / size >= 2^18 (and, as above, below 2^32).  A p below z_base
 * (in the header, which with its padding is at most 2^14 bytes) wraps
 * to off >= 2^32 - 2^14, so *idxp comes out at 2^18 - 1 or more, past
 * any zone's z_nmax: callers compare it with z_uindex.
 */
CTASSERT(ZALLOC_ZONE_LIMIT <= (1 << 14));

static __always_inline int
chunk_start(const struct slzone *z, const void *p, size_t *idxp)
{
	uint64_t x = (uint64_t)(uint32_t)((const char *)p - z->z_base) *
	    z->z_chunkrecip;

	*idxp = (size_t)(x >> 32);
	return ((uint32_t)x < (1U << 18));
}

/*
 * Take every chunk other CPUs pushed on z and put it on the local list.
 * Returns how many.  A list longer than the chunks z has out means a
 * chunk was pushed twice (two CPUs freeing it at once): panic rather
 * than loop.
 */
static int
zone_fold_remote(struct slab_cpu *sc, struct slzone *z)
{
	struct slchunk *c, *next;
	int n = 0, out;

	if (__atomic_load_n(&z->z_rchunks, __ATOMIC_RELAXED) == NULL)
		return (0);
	c = __atomic_exchange_n(&z->z_rchunks, NULL, __ATOMIC_ACQUIRE);
	if (c == SLZ_SIGNAL) {
		/* Our own signal, never taken: withdraw it. */
		z->z_rsigout--;
		return (0);
	}
	out = z->z_nmax - z->z_nfree;
	for (; c != NULL; c = next) {
		if (__predict_false(++n > out))
			panic("kfree: %p (zone %p, %zu-byte chunks) was freed "
			    "twice (its owner cpu%d found more chunks coming "
			    "back than it had handed out)", c, z,
			    z->z_chunksize, z->z_cpu);
		next = c->c_next;
		c->c_next = z->z_lchunks;
		z->z_lchunks = c;
	}
	z->z_nfree += n;
	sc->sc_remote_folds += n;
	sc->sc_chunks_inuse -= n;
	return (n);
}

/*
 * z (linked) has no free chunk left.  Take back remote frees if any;
 * otherwise install the signal and unlink it.  Loops because a remote
 * free may land between the two.
 */
static void
zone_exhausted(struct slab_cpu *sc, struct slzone *z)
{
	struct slchunk *expect;

	KKASSERT(z->z_nfree == 0 && (z->z_flags & SLZF_LINKED));
	for (;;) {
		if (zone_fold_remote(sc, z) > 0)
			return;
		expect = NULL;
		if (__atomic_compare_exchange_n(&z->z_rchunks, &expect,
		    SLZ_SIGNAL, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			break;
	}
	z->z_rsigout++;
	TAILQ_REMOVE(&sc->sc_zones[z->z_zoneindex], z, z_entry);
	z->z_flags &= ~SLZF_LINKED;
}

/*
 * z is unlinked.  Take back remote frees; if it has free chunks now, put
 * it back on its class list, else re-install the signal (it may have
 * been withdrawn) so the next remote free tells us.
 */
static void
zone_check_unlinked(struct slab_cpu *sc, struct slzone *z)
{
	struct slchunk *expect;

	KKASSERT((z->z_flags & SLZF_LINKED) == 0);
	for (;;) {
		zone_fold_remote(sc, z);
		if (z->z_nfree > 0) {
			TAILQ_INSERT_HEAD(&sc->sc_zones[z->z_zoneindex], z,
			    z_entry);
			z->z_flags |= SLZF_LINKED;
			return;
		}
		expect = NULL;
		if (__atomic_compare_exchange_n(&z->z_rchunks, &expect,
		    SLZ_SIGNAL, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
			z->z_rsigout++;
			return;
		}
	}
}

/*
 * z just gained a free chunk: relink it if it was unlinked, and retire
 * it if it is now completely free.  Context: [c] on z's owner.
 */
static void
zone_after_free(struct slab_cpu *sc, struct slzone *z)
{
	if ((z->z_flags & SLZF_LINKED) == 0)
		zone_check_unlinked(sc, z);
	if ((z->z_flags & SLZF_LINKED) && z->z_nfree == z->z_nmax)
		zone_maybe_retire(sc, z, 0);
}

/*
 * kfree_remote - IPI from the CPU whose free took z's signal: take the
 * remote chunks back and relink z (unless a local free did already).
 *
 * Context: z's owner, IPI (critical section).
 */
static void
kfree_remote(void *arg, int arg2 __unused)
{
	struct slzone *z = arg;
	struct slab_cpu *sc = &slab_cpu[mycpuid];

	KKASSERT(z->z_magic == ZALLOC_SLAB_MAGIC && z->z_cpu == mycpuid);
	KKASSERT(z->z_rsigout > 0);
	z->z_rsigout--;
	if (z->z_flags & SLZF_LINKED)
		zone_fold_remote(sc, z);
	zone_after_free(sc, z);
}

/*
 * A free found c's free mark.  Take the remote frees back and look for
 * c among z's free chunks: there, it is a second free and we panic
 * (fromcpu: the CPU of that free).  Otherwise the mark was the user's
 * data and the caller frees c as usual.  Context: [c] on z's owner.
 */
static __noinline void
kfree_suspect(struct slab_cpu *sc, struct slzone *z, struct slchunk *c,
    int fromcpu)
{
	struct slchunk *f;
	int n = 0;

	zone_fold_remote(sc, z);
	for (f = z->z_lchunks; f != NULL; f = f->c_next) {
		if (f == c)
			panic("kfree: %p (zone %p, %zu-byte chunks) was freed "
			    "twice (second free on cpu%d)", c, z,
			    z->z_chunksize, fromcpu);
		if (++n > z->z_nfree)
			panic("kfree: the free list of zone %p (%zu-byte "
			    "chunks) is corrupt near %p", z, z->z_chunksize,
			    f);
	}
}

/* A free chunk that does not hold its free mark: written after kfree. */
static __noinline __dead2 void
kmalloc_mark_panic(struct slzone *z, struct slchunk *c)
{
	panic("kmalloc: free chunk %p (zone %p, %zu-byte chunks) was written "
	    "to after it was freed", c, z, z->z_chunksize);
}

/*
 * Put c (allocated, from z) on z's local free list.  The caller has
 * checked c's free mark.  Context: [c] on z's owner.
 */
static void
zone_put(struct slab_cpu *sc, struct slzone *z, struct slchunk *c)
{
	c->c_mark = slab_freemark(c);
	c->c_next = z->z_lchunks;
	z->z_lchunks = c;
	sc->sc_chunks_inuse--;
	z->z_nfree++;
	zone_after_free(sc, z);
}

/*
 * kfree_remote_suspect - IPI from a CPU that found the free mark on c,
 * a chunk of one of our zones, when it freed c (fromcpu in arg2).
 * Context: owner of c's zone, IPI (critical section).
 */
static void
kfree_remote_suspect(void *arg, int fromcpu)
{
	struct slchunk *c = arg;
	struct slzone *z = (struct slzone *)((uintptr_t)c & ~ZoneMask);
	struct slab_cpu *sc = &slab_cpu[mycpuid];

	/* c was free and its zone has gone since: that was a free too. */
	if (z->z_magic != ZALLOC_SLAB_MAGIC || z->z_cpu != mycpuid)
		panic("kfree: %p was freed twice (second free on cpu%d, "
		    "after its zone was released)", c, fromcpu);
	kfree_suspect(sc, z, c, fromcpu);
	sc->sc_remote_folds++;
	zone_put(sc, z, c);
}

/*
 * A chunk from z, which has a free chunk, charged to nothing.  The slow
 * path's version of what kmalloc_zone does inline.  Context: [c].
 */
static void *
zone_take(struct slab_cpu *sc, struct slzone *z)
{
	struct slchunk *c;

	if ((c = z->z_lchunks) != NULL) {
		if (__predict_false(c->c_mark != slab_freemark(c)))
			kmalloc_mark_panic(z, c);
		z->z_lchunks = c->c_next;
	} else {
		KKASSERT(z->z_uindex < z->z_nmax);
		c = (struct slchunk *)(z->z_base +
		    (size_t)z->z_uindex++ * z->z_chunksize);
	}
	c->c_mark = 0;
	sc->sc_chunks_inuse++;
	if (--z->z_nfree == 0)
		zone_exhausted(sc, z);
	return (c);
}

/* Undo a charge whose allocation failed (no memory).  Context: [c]. */
static void
malloc_type_uncharge(struct malloc_type *type, int cpu, size_t bytes)
{
	struct kmalloc_typecpu *kc = &type->ks_cpu[cpu];

	kc->kc_credit += (ssize_t)bytes;
	kc->kc_nonobj++;
}

static void *kmalloc_over_limit(struct malloc_type *type, size_t size,
    int flags);

/*
 * Large allocations: whole pages, tagged with their count.  A type at
 * its limit gets kmalloc_over_limit's answer.
 */
static void *
kmalloc_pages(size_t size, struct malloc_type *type, int flags)
{
	size_t npages = howmany(size, PAGE_SIZE);
	struct vm_page *m;
	int cpu;

	crit_enter();
	cpu = mycpuid;
	if (malloc_type_charge(type, cpu, npages << PAGE_SHIFT) != 0) {
		crit_exit();
		return (kmalloc_over_limit(type, npages << PAGE_SHIFT, flags));
	}
	crit_exit();
	m = vm_page_alloc_contig(npages, flags & (M_WAITOK | M_NOWAIT |
	    M_ZERO));
	crit_enter();
	cpu = mycpuid;
	if (m == NULL) {
		malloc_type_uncharge(type, cpu, npages << PAGE_SHIFT);
		crit_exit();
		return (NULL);
	}
	m->pg_kmem = (int32_t)npages;
	slab_cpu[cpu].sc_big_allocs++;
	crit_exit();
	return (vm_page_to_kva(m));
}

static void slab_cleanup_arm(struct slab_cpu *sc);

/* The over-limit answer: NULL, or the panic M_WAITOK asks for. */
static void *
kmalloc_over_limit(struct malloc_type *type, size_t size, int flags)
{
	struct malloc_type_stats ms;

	KASSERT(slab_ready, ("kmalloc before SI_SUB_KMEM"));
	__atomic_fetch_add(&type->ks_limfails, 1, __ATOMIC_RELAXED);
	if (flags & M_NOWAIT)
		return (NULL);
	malloc_type_get_stats(type, &ms);
	panic("kmalloc: malloc type \"%s\" is over its limit: %zd bytes in "
	    "use + %zu requested > limit %zu", type->ks_shortdesc,
	    ms.ms_memuse, size, type->ks_limit);
}

/*
 * Make zones until class zi has one.  NULL when memory is short
 * (M_NOWAIT).  Context: critical section on cpu (kept across a M_WAITOK
 * wait).
 */
static struct slzone *
kmalloc_newzone(struct slab_cpu *sc, int cpu, int zi, size_t size,
    int flags)
{
	struct slzone *z;

	KASSERT(slab_ready, ("kmalloc before SI_SUB_KMEM"));
	while ((z = TAILQ_FIRST(&sc->sc_zones[zi])) == NULL) {
		z = zone_alloc(sc, flags);
		if (z == NULL)
			return (NULL);
		KKASSERT(mycpuid == cpu);
		zone_init(z, cpu, zi, size);
		TAILQ_INSERT_HEAD(&sc->sc_zones[zi], z, z_entry);
		z->z_flags |= SLZF_LINKED;
		sc->sc_nzones++;
		if (!sc->sc_cleanup_armed)
			slab_cleanup_arm(sc);
	}
	return (z);
}

/*
 * Everything kmalloc_zone leaves to it: a type out of credit (or at its
 * limit), a class without a zone, a zone down to its last chunk.
 * Context: called in kmalloc_zone's critical section, which it leaves.
 */
static __noinline void *
kmalloc_zone_slow(size_t size, struct malloc_type *type, int flags)
{
	struct slab_cpu *sc;
	struct slzone *z;
	void *p;
	int cpu, zi;

	zi = zoneindex(&size);		/* size is a class size already */
	cpu = mycpuid;
	if (malloc_type_charge(type, cpu, size) != 0) {
		crit_exit();
		return (kmalloc_over_limit(type, size, flags));
	}
	sc = &slab_cpu[cpu];
	z = TAILQ_FIRST(&sc->sc_zones[zi]);
	if (z == NULL) {
		z = kmalloc_newzone(sc, cpu, zi, size, flags);
		if (z == NULL) {
			malloc_type_uncharge(type, cpu, size);
			crit_exit();
			return (NULL);
		}
	}
	sc->sc_lastzone = z;
	p = zone_take(sc, z);
	crit_exit();
	if (flags & M_ZERO)
		memset(p, 0, size);
	return (p);
}

/* The fast path's exit when interrupts came in meanwhile. */
static __noinline void *
kmalloc_splz(void *p, size_t size, int flags)
{
	lwkt_splz();
	if (flags & M_ZERO)
		memset(p, 0, size);
	return (p);
}

/*
 * The fast path's critical section: returns the count found, to be
 * stored back by slab_crit_leave (see the header).
 */
static __always_inline int
slab_crit_enter(thread_t td)
{
	int cc = td->td_critcount;

	td->td_critcount = cc + 1;
	__asm__ volatile("" ::: "memory");
	return (cc);
}

/* Leave it; true when lwkt_splz() must run (as crit_exit would). */
static __always_inline int
slab_crit_leave(thread_t td, int cc)
{
	__asm__ volatile("" ::: "memory");
	td->td_critcount = cc;
	return (cc == 0 &&
	    __predict_false(mycpu->gd_reqflags & RQF_IDLECHECK_MASK));
}

/*
 * A chunk of class zi (size bytes, already rounded to the class): the
 * fast path of kmalloc.  It runs when the type has the credit, the class
 * has a zone, and that zone has more than one free chunk (so taking one
 * never empties it); anything else goes to kmalloc_zone_slow.
 */
static __always_inline void *
kmalloc_zone(size_t size, int zi, struct malloc_type *type, int flags)
{
	struct kmalloc_typecpu *kc;
	struct globaldata *gd;
	struct slab_cpu *sc;
	struct slzone *z;
	struct slchunk *c;
	thread_t td;
	int cc;

	gd = mycpu;
	td = gd->gd_curthread;
	cc = slab_crit_enter(td);
	sc = gd->gd_slab;
	kc = &type->ks_cpu[gd->gd_cpuid];
	z = TAILQ_FIRST(&sc->sc_zones[zi]);
	if (__predict_false(z == NULL || z->z_nfree <= 1 ||
	    kc->kc_credit < (ssize_t)size))
		return (kmalloc_zone_slow(size, type, flags));
	if ((c = z->z_lchunks) != NULL) {
		if (__predict_false(c->c_mark != slab_freemark(c)))
			kmalloc_mark_panic(z, c);
		z->z_lchunks = c->c_next;
	} else {
		c = (struct slchunk *)(z->z_base +
		    (size_t)z->z_uindex++ * size);
	}
	c->c_mark = 0;
	z->z_nfree--;
	sc->sc_chunks_inuse++;
	sc->sc_lastzone = z;
	kc->kc_calls++;
	kc->kc_credit -= (ssize_t)size;
	if (__predict_false(slab_crit_leave(td, cc)))
		return (kmalloc_splz(c, size, flags));
	if (flags & M_ZERO)
		return (memset(c, 0, size));
	return (c);
}

/* kmalloc of anything but 9 to 128 bytes without M_POWEROF2. */
static __noinline void *
kmalloc_general(size_t size, struct malloc_type *type, int flags)
{
	struct kmalloc_typecpu *kc;
	int zi;

	KASSERT(slab_ready, ("kmalloc before SI_SUB_KMEM"));
	if (__predict_false(size == 0)) {
		crit_enter();
		kc = &type->ks_cpu[mycpuid];
		kc->kc_calls++;
		kc->kc_nonobj++;
		crit_exit();
		return (ZERO_LENGTH_PTR);
	}
	if (__predict_false(size > KMALLOC_MAX_SIZE)) {
		if (flags & M_NOWAIT)
			return (NULL);
		panic("kmalloc: %zu bytes (type %s) is more than any "
		    "allocation can be", size, type->ks_shortdesc);
	}
	if ((flags & M_POWEROF2) && (size & (size - 1)) != 0)
		size = (size_t)1 << (64 - __builtin_clzl(size - 1));
	if (size >= ZoneLimit ||
	    ((size & PAGE_MASK) == 0 && size > 2 * PAGE_SIZE)) {
		return (kmalloc_pages(size, type, flags));
	}
	zi = zoneindex(&size);
	return (kmalloc_zone(size, zi, type, flags));
}

void *
kmalloc(size_t size, struct malloc_type *type, int flags)
{
	int zi;

	KASSERT((flags & (M_WAITOK | M_NOWAIT)) == M_WAITOK ||
	    (flags & (M_WAITOK | M_NOWAIT)) == M_NOWAIT,
	    ("kmalloc: flags %#x need exactly one of M_WAITOK and M_NOWAIT",
	    flags));
	KASSERT(type->ks_magic == M_MAGIC,
	    ("kmalloc: %p is not a malloc type", type));
	/* slab_ready: checked where a zone is made or a type is refused. */
	/* 9 to 128 bytes: classes of 8 (1 to 8 take the 16-byte class). */
	if (__predict_true(size - 9 < 120 && (flags & M_POWEROF2) == 0)) {
		zi = (int)((size - 9) >> 3);
		return (kmalloc_zone(((size_t)zi + 2) << 3, zi, type, flags));
	}
	return (kmalloc_general(size, type, flags));
}

/*
 * Free c, a chunk of z, on z's owner (this CPU): the slow path's version
 * of what kfree does inline, checking the free mark first.
 * Context: [c] on z's owner.
 */
static void
kfree_local(struct slab_cpu *sc, struct slzone *z, struct slchunk *c)
{
	if (__predict_false(c->c_mark == slab_freemark(c)))
		kfree_suspect(sc, z, c, z->z_cpu);
	zone_put(sc, z, c);
}

/*
 * Free a chunk of z from a CPU that does not own it: one CAS pushes it
 * on z_rchunks; the freer that replaces the owner's signal sends the
 * passive IPI.  After the push z may be gone: do not touch it.  A chunk
 * that already holds its free mark goes to the owner by IPI instead, to
 * be checked there (kfree_remote_suspect).
 */
static void
kfree_remote_push(struct slab_cpu *sc, struct slzone *z, struct slchunk *c)
{
	struct slchunk *old;
	int owner = z->z_cpu;

	sc->sc_remote_frees++;
	if (__predict_false(c->c_mark == slab_freemark(c))) {
		lwkt_send_ipiq2(owner, kfree_remote_suspect, c, mycpuid);
		return;
	}
	c->c_mark = slab_freemark(c);
	old = __atomic_load_n(&z->z_rchunks, __ATOMIC_RELAXED);
	do {
		c->c_next = (old == SLZ_SIGNAL) ? NULL : old;
	} while (!__atomic_compare_exchange_n(&z->z_rchunks, &old, c, true,
	    __ATOMIC_RELEASE, __ATOMIC_RELAXED));
	if (old == SLZ_SIGNAL) {
		sc->sc_remote_ipis++;
		lwkt_send_ipiq2_passive(owner, kfree_remote, z, 0);
	}
}

/*
 * kfree of anything kfree's fast path did not take: large allocations,
 * chunks of zones other than this CPU's last, chunks holding their free
 * mark, and every bad pointer (the panics come from here, outside the
 * critical section).
 * Context: called in kfree's critical section, which it leaves first.
 */
static __noinline void
kfree_slow(void *ptr, struct malloc_type *type)
{
	struct slab_cpu *sc;
	struct slzone *z;
	struct vm_page *m;
	size_t npages, idx;
	int cpu;

	crit_exit();
	m = vm_page_lookup(ptr);
	if (__predict_false(m == NULL || m->pg_kmem == 0))
		panic("kfree: %p (type %s) did not come from kmalloc", ptr,
		    type->ks_shortdesc);
	if (m->pg_kmem > 0) {
		if (((uintptr_t)ptr & PAGE_MASK) != 0)
			panic("kfree: %p (type %s) is inside a large "
			    "allocation", ptr, type->ks_shortdesc);
		npages = (size_t)m->pg_kmem;
		m->pg_kmem = 0;
		crit_enter();
		malloc_type_credit(type, mycpuid, npages << PAGE_SHIFT);
		crit_exit();
		vm_page_free_contig(m, npages);
		return;
	}
	z = (struct slzone *)((uintptr_t)ptr & ~ZoneMask);
	idx = chunk_index(z, ptr);
	if (__predict_false(z->z_magic != ZALLOC_SLAB_MAGIC ||
	    (char *)ptr < z->z_base || z->z_base + idx * z->z_chunksize !=
	    (char *)ptr))
		panic("kfree: %p (type %s) is not the start of a kmalloc "
		    "chunk", ptr, type->ks_shortdesc);
	/* Only the owner moves z_uindex, and only up: a racy read is safe. */
	if (__predict_false(idx >= (size_t)__atomic_load_n(&z->z_uindex,
	    __ATOMIC_RELAXED)))
		panic("kfree: %p (type %s, zone %p) was never allocated", ptr,
		    type->ks_shortdesc, z);

	crit_enter();
	cpu = mycpuid;
	sc = &slab_cpu[cpu];
	malloc_type_credit(type, cpu, z->z_chunksize);
	if (__predict_true(z->z_cpu == cpu))
		kfree_local(sc, z, ptr);
	else
		kfree_remote_push(sc, z, ptr);
	crit_exit();
}

/*
 * The rare ends of kfree's fast path: the zone went from empty to one
 * free chunk or became completely free (and is not its class's only
 * zone, which kfree settles itself), or this CPU's credit of the type
 * grew past its kc_creditmax.
 * Context: called in kfree's critical section, which it leaves.
 */
static __noinline void
kfree_fast_edges(struct malloc_type *type, struct slzone *z)
{
	struct globaldata *gd = mycpu;
	struct kmalloc_typecpu *kc = &type->ks_cpu[gd->gd_cpuid];

	if (kc->kc_credit > kc->kc_creditmax)
		malloc_type_giveback(type, kc);
	zone_after_free(gd->gd_slab, z);
	crit_exit();
}

/*
 * The fast path: a chunk of the zone this CPU last allocated from,
 * handed out (below z_uindex) and not holding its free mark.  That zone
 * is live and ours (sc_lastzone is cleared when it retires), so no page
 * lookup is needed to trust its header; a pointer into its header or the
 * middle of a chunk goes to kfree_slow, which panics.
 */
void
kfree(void *ptr, struct malloc_type *type)
{
	struct kmalloc_typecpu *kc;
	struct globaldata *gd;
	struct slab_cpu *sc;
	struct slzone *z;
	struct slchunk *c = ptr;
	thread_t td;
	size_t idx;
	int cc, n;

	/* NULL and ZERO_LENGTH_PTR (bit 63 alone) in one test. */
	if (__predict_false(((uintptr_t)ptr << 1) == 0))
		return;
	KASSERT(type->ks_magic == M_MAGIC,
	    ("kfree: %p is not a malloc type", type));
	z = (struct slzone *)((uintptr_t)ptr & ZoneBaseMask);
	gd = mycpu;
	td = gd->gd_curthread;
	cc = slab_crit_enter(td);
	sc = gd->gd_slab;
	if (__predict_false(z != sc->sc_lastzone ||
	    !chunk_start(z, ptr, &idx) || idx >= (size_t)z->z_uindex ||
	    c->c_mark == slab_freemark(c)))
		return (kfree_slow(ptr, type));
	c->c_mark = slab_freemark(c);
	c->c_next = z->z_lchunks;
	z->z_lchunks = c;
	sc->sc_chunks_inuse--;
	n = ++z->z_nfree;
	kc = &type->ks_cpu[gd->gd_cpuid];
	kc->kc_frees++;
	kc->kc_credit += (ssize_t)z->z_chunksize;
	/*
	 * One compare for the common case, 1 < z_nfree < z_nmax.  A zone
	 * that became completely free stays if it is its class's only
	 * zone (zone_maybe_retire): settle that here, as a class with one
	 * zone in use and freed over and over is common.
	 */
	if (__predict_false((unsigned)n - 2 >= (unsigned)z->z_nmax - 2 ||
	    kc->kc_credit > kc->kc_creditmax) &&
	    !(n == z->z_nmax && kc->kc_credit <= kc->kc_creditmax &&
	    zone_is_only(sc, z)))
		return (kfree_fast_edges(type, z));
	if (__predict_false(slab_crit_leave(td, cc)))
		lwkt_splz();
}

size_t
kmalloc_usable_size(const void *ptr)
{
	struct vm_page *m;
	struct slzone *z;

	if (ptr == NULL || ptr == ZERO_LENGTH_PTR)
		return (0);
	m = vm_page_lookup(ptr);
	KASSERT(m != NULL && m->pg_kmem != 0,
	    ("kmalloc_usable_size: %p is not kmalloc memory", ptr));
	if (m->pg_kmem > 0)
		return ((size_t)m->pg_kmem << PAGE_SHIFT);
	z = (struct slzone *)((uintptr_t)ptr & ~ZoneMask);
	KKASSERT(z->z_magic == ZALLOC_SLAB_MAGIC);
	return (z->z_chunksize);
}

void *
krealloc(void *ptr, size_t size, struct malloc_type *type, int flags)
{
	size_t have, want;
	void *n;

	KASSERT((flags & M_ZERO) == 0, ("krealloc: M_ZERO is not supported"));
	if (ptr == NULL || ptr == ZERO_LENGTH_PTR)
		return (kmalloc(size, type, flags));
	if (size == 0) {
		kfree(ptr, type);
		return (NULL);
	}
	have = kmalloc_usable_size(ptr);
	want = size;
	if (want < ZoneLimit && !((want & PAGE_MASK) == 0 &&
	    want > 2 * PAGE_SIZE)) {
		zoneindex(&want);
		if (want == have && have < ZoneLimit)
			return (ptr);
	} else if (roundup2(want, PAGE_SIZE) == have) {
		return (ptr);
	}
	n = kmalloc(size, type, flags);
	if (n == NULL)
		return (NULL);
	memcpy(n, ptr, MIN(have, size));
	kfree(ptr, type);
	return (n);
}

char *
kstrdup(const char *s, struct malloc_type *type)
{
	size_t len = strlen(s) + 1;
	char *d;

	d = kmalloc(len, type, M_WAITOK);
	memcpy(d, s, len);
	return (d);
}

static void slab_cleanup_callout(void *arg);

/*
 * Arm this CPU's periodic slab_cleanup, once callouts work.  Armed when
 * the CPU makes a zone; the callout stops re-arming itself when the CPU
 * has no zone in use (cached free zones do not count), so an idle
 * machine does not tick for the allocator.
 * Context: critical section on sc's CPU.
 */
static void
slab_cleanup_arm(struct slab_cpu *sc)
{
	if (!slab_callouts_ok)
		return;
	sc->sc_cleanup_armed = 1;
	callout_reset(&sc->sc_cleanup, SLAB_CLEANUP_TICKS,
	    slab_cleanup_callout, sc);
}

static void
slab_cleanup_callout(void *arg)
{
	struct slab_cpu *sc = arg;

	KKASSERT(sc == &slab_cpu[mycpuid]);
	slab_cleanup();
	crit_enter();
	sc->sc_cleanup_armed = 0;
	if (sc->sc_nzones > 0)
		slab_cleanup_arm(sc);
	crit_exit();
}

/* Callouts work from here on: arm the boot CPU's if it has zones. */
static void
slab_cleanup_enable(void *arg __unused)
{
	struct slab_cpu *sc;

	crit_enter();
	slab_callouts_ok = 1;
	sc = &slab_cpu[mycpuid];
	if (sc->sc_nzones > 0 && !sc->sc_cleanup_armed)
		slab_cleanup_arm(sc);
	crit_exit();
}
SYSINIT(slab_cleanup, SI_SUB_CLOCKS, SI_ORDER_ANY, slab_cleanup_enable, NULL);

void
slab_cleanup(void)
{
	struct slab_cpu *sc;
	struct slzone *z, *next;
	int zi;

	crit_enter();
	sc = &slab_cpu[mycpuid];
	for (zi = 0; zi < NZONES; zi++) {
		TAILQ_FOREACH_SAFE(z, &sc->sc_zones[zi], z_entry, next) {
			zone_fold_remote(sc, z);
			if (z->z_nfree == z->z_nmax)
				zone_maybe_retire(sc, z, 1);
		}
	}
	while (sc->sc_nfreezones > zone_cache / 2) {
		z = TAILQ_LAST(&sc->sc_freezones, slzoneq);
		TAILQ_REMOVE(&sc->sc_freezones, z, z_entry);
		sc->sc_nfreezones--;
		zone_release(sc, z);
	}
	crit_exit();
}

void
slab_get_stats(int cpu, struct slab_stats *ss)
{
	struct slab_cpu *sc = &slab_cpu[cpu];

	ss->ss_zonesize = ZoneSize;
	ss->ss_zonelimit = ZoneLimit;
	ss->ss_nzones = sc->sc_nzones;
	ss->ss_nfreezones = sc->sc_nfreezones;
	ss->ss_zone_allocs = sc->sc_zone_allocs;
	ss->ss_zone_frees = sc->sc_zone_frees;
	ss->ss_big_allocs = sc->sc_big_allocs;
	ss->ss_remote_frees = sc->sc_remote_frees;
	ss->ss_remote_ipis = sc->sc_remote_ipis;
	ss->ss_remote_folds = sc->sc_remote_folds;
	ss->ss_chunks_inuse = sc->sc_chunks_inuse;
}

/*
 * slab_init - size the zones from the machine's RAM (bi_physmem): about
 * 1/1024 of it, a power of two between 32 KiB and 128 KiB; ZoneLimit is
 * a quarter of that, at most 16 KiB.  Each CPU caches up to 1/64 of the
 * zones RAM could hold (2 to 32).  Then set up every malloc type.
 *
 * Context: boot CPU, once, at SI_SUB_KMEM.
 */
static void
slab_init(void *arg __unused)
{
	struct vm_page_stats vs;
	size_t ram;
	int cpu, zi;

	vm_page_get_stats(&vs);
	ram = vs.vs_total << PAGE_SHIFT;
	ZoneSize = ZALLOC_MIN_ZONE_SIZE;
	while (ZoneSize < ZALLOC_MAX_ZONE_SIZE &&
	    ZoneSize * 2 <= bootinfo->bi_physmem / 1024)
		ZoneSize <<= 1;
	ZoneMask = ZoneSize - 1;
	ZoneBaseMask = ~(uintptr_t)ZoneMask;
	ZoneLimit = MIN(ZoneSize / 4, (size_t)ZALLOC_ZONE_LIMIT);
	zone_pages = ZoneSize >> PAGE_SHIFT;
	zone_cache = (int)MAX(2, MIN(32, ram / ZoneSize / 64));
	kmalloc_default_limit = ram / 2;
	for (cpu = 0; cpu < PLAT_MAXCPU; cpu++) {
		for (zi = 0; zi < NZONES; zi++)
			TAILQ_INIT(&slab_cpu[cpu].sc_zones[zi]);
		TAILQ_INIT(&slab_cpu[cpu].sc_freezones);
		callout_init(&slab_cpu[cpu].sc_cleanup);
		globaldata_find(cpu)->gd_slab = &slab_cpu[cpu];
	}
	malloc_types_init();
	slab_ready = 1;
}
SYSINIT(slab, SI_SUB_KMEM, SI_ORDER_FIRST, slab_init, NULL);
