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
 *     allocate and free too, hence the critical section.
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
 *   - Per-type counters are per CPU ([c] slots of struct malloc_type);
 *     each CPU folds its slot into the shared ks_memuse with one atomic
 *     add when it drifts by more than ks_slack bytes.
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
 * Size classes: 8-byte steps up to 128 bytes, then eight classes in
 * each power-of-two band (128-256 in 16s, 256-512 in 32s, ... 8K-16K in
 * 1K steps).  Returns the class and rounds *bytes up to its size.
 */
static __always_inline int
zoneindex(size_t *bytes)
{
	size_t n = *bytes;
	int band;

	if (n <= 128) {
		n = roundup2(n, 8);
		*bytes = n;
		return ((int)(n >> 3) - 1);
	}
	band = (63 - __builtin_clzl(n - 1)) - 7;	/* 128 < n <= 256: 0 */
	n = roundup2(n, (size_t)16 << band);
	*bytes = n;
	return (16 + 8 * band +
	    (int)((n - ((size_t)128 << band)) / ((size_t)16 << band)) - 1);
}

/* Byte offset of the first chunk: after the header, chunk-aligned. */
static size_t
zone_base_offset(size_t chunksize, int nmax)
{
	size_t align = chunksize & -chunksize;	/* largest power of 2 */
	size_t hdr;

	hdr = offsetof(struct slzone, z_bitmap) +
	    howmany((size_t)nmax, 64) * 8;
	return (roundup2(hdr, MAX(align, (size_t)16)));
}

/* Make zone memory z a zone of class zi owned by sc's CPU. */
static void
zone_init(struct slzone *z, int cpu, int zi, size_t chunksize)
{
	size_t off;
	int nmax;

	nmax = (int)(ZoneSize / chunksize);
	off = zone_base_offset(chunksize, nmax);
	nmax = (int)((ZoneSize - off) / chunksize);
	KKASSERT(nmax > 0);
	memset(z, 0, offsetof(struct slzone, z_bitmap) +
	    howmany((size_t)nmax, 64) * 8);
	z->z_magic = ZALLOC_SLAB_MAGIC;
	z->z_cpu = cpu;
	z->z_zoneindex = zi;
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
	if (z->z_rsigout != 0 || (!even_last &&
	    TAILQ_FIRST(&sc->sc_zones[zi]) == z &&
	    TAILQ_NEXT(z, z_entry) == NULL))
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
 * 2^32 / size >= 2^18 (and, as above, below 2^32).  p >= z_base.
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
 * Returns how many; a chunk freed twice panics here.
 */
static int
zone_fold_remote(struct slab_cpu *sc, struct slzone *z)
{
	struct slchunk *c, *next;
	size_t idx;
	int n = 0;

	if (__atomic_load_n(&z->z_rchunks, __ATOMIC_RELAXED) == NULL)
		return (0);
	c = __atomic_exchange_n(&z->z_rchunks, NULL, __ATOMIC_ACQUIRE);
	if (c == SLZ_SIGNAL) {
		/* Our own signal, never taken: withdraw it. */
		z->z_rsigout--;
		return (0);
	}
	for (; c != NULL; c = next) {
		next = c->c_next;
		idx = chunk_index(z, c);
		if ((z->z_bitmap[idx >> 6] & (1UL << (idx & 63))) == 0)
			panic("kfree: %p (zone %p, %zu-byte chunks) was freed "
			    "twice (found when its owner cpu%d took it back)",
			    c, z, z->z_chunksize, z->z_cpu);
		z->z_bitmap[idx >> 6] &= ~(1UL << (idx & 63));
		c->c_next = z->z_lchunks;
		z->z_lchunks = c;
		n++;
	}
	z->z_nfree += n;
	sc->sc_remote_folds += n;
	sc->sc_chunks_inuse -= n;
	return (n);
}

/*
 * z (linked) has no local chunk left.  Take back remote frees if any;
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
	else
		zone_check_unlinked(sc, z);
	if ((z->z_flags & SLZF_LINKED) && z->z_nfree == z->z_nmax)
		zone_maybe_retire(sc, z, 0);
}

/*
 * crit_exit_quick with the globaldata already in hand (td's own: a
 * thread keeps its CPU), saving the reload of td_gd.
 */
static __always_inline void
slab_crit_exit(struct globaldata *gd, thread_t td)
{
	__asm__ volatile("" ::: "memory");
	if (--td->td_critcount == 0 &&
	    __predict_false(gd->gd_reqflags & RQF_IDLECHECK_MASK))
		lwkt_splz();
}

/* A chunk from z (linked, with a free chunk).  Context: [c]. */
static __always_inline void *
zone_take(struct slab_cpu *sc, struct slzone *z)
{
	struct slchunk *c;
	size_t idx;

	if ((c = z->z_lchunks) != NULL) {
		z->z_lchunks = c->c_next;
	} else {
		KKASSERT(z->z_uindex < z->z_nmax);
		c = (struct slchunk *)(z->z_base +
		    (size_t)z->z_uindex++ * z->z_chunksize);
	}
	idx = chunk_index(z, c);
	KKASSERT((z->z_bitmap[idx >> 6] & (1UL << (idx & 63))) == 0);
	z->z_bitmap[idx >> 6] |= 1UL << (idx & 63);
	sc->sc_chunks_inuse++;
	if (--z->z_nfree == 0)
		zone_exhausted(sc, z);
	return (c);
}

/* Large allocations: whole pages, tagged with their count. */
static void *
kmalloc_pages(size_t size, struct malloc_type *type, int flags)
{
	size_t npages = howmany(size, PAGE_SIZE);
	struct vm_page *m;
	int cpu;

	m = vm_page_alloc_contig(npages, flags & (M_WAITOK | M_NOWAIT |
	    M_ZERO));
	if (m == NULL)
		return (NULL);
	m->pg_kmem = (int32_t)npages;
	crit_enter();
	cpu = mycpuid;
	malloc_type_charge(type, cpu, (ssize_t)(npages << PAGE_SHIFT), 1);
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
 * z became the first zone of class zi with nothing on it: make zones
 * until the class has one.  NULL when memory is short (M_NOWAIT).
 * Context: critical section on cpu (kept across a M_WAITOK wait).
 */
static __noinline struct slzone *
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
 * A chunk of class zi (size bytes, already rounded to the class): the
 * fast path of kmalloc, a critical section and no lock.
 */
static __always_inline void *
kmalloc_zone(size_t size, int zi, struct malloc_type *type, int flags)
{
	struct globaldata *gd;
	struct slab_cpu *sc;
	struct slzone *z;
	thread_t td;
	void *p;
	int cpu;

	gd = mycpu;
	td = gd->gd_curthread;
	crit_enter_quick(td);
	cpu = gd->gd_cpuid;
	type->ks_cpu[cpu].kc_calls++;
	if (__predict_false(malloc_type_check_limit(type, cpu, size) != 0)) {
		crit_exit_quick(td);
		return (kmalloc_over_limit(type, size, flags));
	}
	sc = &slab_cpu[cpu];
	z = TAILQ_FIRST(&sc->sc_zones[zi]);
	if (__predict_false(z == NULL)) {
		z = kmalloc_newzone(sc, cpu, zi, size, flags);
		if (z == NULL) {
			crit_exit_quick(td);
			return (NULL);
		}
		gd = td->td_gd;		/* the same: we keep our CPU */
	}
	sc->sc_lastzone = z;
	p = zone_take(sc, z);
	malloc_type_charge(type, cpu, (ssize_t)size, 1);
	slab_crit_exit(gd, td);
	if (flags & M_ZERO)
		memset(p, 0, size);
	return (p);
}

/* kmalloc of anything but 1 to 128 bytes without M_POWEROF2. */
static __noinline void *
kmalloc_general(size_t size, struct malloc_type *type, int flags)
{
	int cpu, zi;

	KASSERT(slab_ready, ("kmalloc before SI_SUB_KMEM"));
	if (__predict_false(size == 0)) {
		crit_enter();
		type->ks_cpu[mycpuid].kc_calls++;
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
		size = roundup2(size, PAGE_SIZE);
		crit_enter();
		cpu = mycpuid;
		type->ks_cpu[cpu].kc_calls++;
		if (malloc_type_check_limit(type, cpu, size) != 0) {
			crit_exit();
			return (kmalloc_over_limit(type, size, flags));
		}
		crit_exit();
		return (kmalloc_pages(size, type, flags));
	}
	zi = zoneindex(&size);
	return (kmalloc_zone(size, zi, type, flags));
}

void *
kmalloc(size_t size, struct malloc_type *type, int flags)
{
	int zi;

	KASSERT(((flags & M_WAITOK) != 0) != ((flags & M_NOWAIT) != 0),
	    ("kmalloc: flags %#x need exactly one of M_WAITOK and M_NOWAIT",
	    flags));
	KASSERT(type->ks_magic == M_MAGIC,
	    ("kmalloc: %p is not a malloc type", type));
	/* slab_ready: checked where a zone is made or a type is refused. */
	/* 1 to 128 bytes: classes of 8 (size 0 wraps to the slow path). */
	if (__predict_true(size - 1 < 128 && (flags & M_POWEROF2) == 0)) {
		zi = (int)((size - 1) >> 3);
		return (kmalloc_zone(((size_t)zi + 1) << 3, zi, type, flags));
	}
	return (kmalloc_general(size, type, flags));
}

/* Free a chunk of z on its owner.  Context: [c] on z's owner. */
static __always_inline void
kfree_local(struct slab_cpu *sc, struct slzone *z, struct slchunk *c,
    size_t idx)
{
	if (__predict_false((z->z_bitmap[idx >> 6] &
	    (1UL << (idx & 63))) == 0))
		panic("kfree: %p (zone %p, %zu-byte chunks) is not "
		    "allocated: freed twice?", c, z, z->z_chunksize);
	z->z_bitmap[idx >> 6] &= ~(1UL << (idx & 63));
	c->c_next = z->z_lchunks;
	z->z_lchunks = c;
	sc->sc_chunks_inuse--;
	/* One compare for the common case: 1 < z_nfree < z_nmax. */
	if (__predict_true((unsigned)++z->z_nfree - 2 <
	    (unsigned)z->z_nmax - 2))
		return;
	if (z->z_nfree == 1 && (z->z_flags & SLZF_LINKED) == 0)
		zone_check_unlinked(sc, z);
	if (__predict_false(z->z_nfree == z->z_nmax))
		zone_maybe_retire(sc, z, 0);
}

/*
 * Free a chunk of z from a CPU that does not own it: one CAS pushes it
 * on z_rchunks; the freer that replaces the owner's signal sends the
 * passive IPI.  After the push z may be gone: do not touch it.
 */
static void
kfree_remote_push(struct slab_cpu *sc, struct slzone *z, struct slchunk *c)
{
	struct slchunk *old;
	int owner = z->z_cpu;

	old = __atomic_load_n(&z->z_rchunks, __ATOMIC_RELAXED);
	do {
		c->c_next = (old == SLZ_SIGNAL) ? NULL : old;
	} while (!__atomic_compare_exchange_n(&z->z_rchunks, &old, c, true,
	    __ATOMIC_RELEASE, __ATOMIC_RELAXED));
	sc->sc_remote_frees++;
	if (old == SLZ_SIGNAL) {
		sc->sc_remote_ipis++;
		lwkt_send_ipiq2_passive(owner, kfree_remote, z, 0);
	}
}

/*
 * kfree of anything kfree's fast path did not take: large allocations,
 * chunks of zones other than this CPU's last, and every bad pointer
 * (the panics come from here, outside the critical section).
 */
static __noinline void
kfree_slow(void *ptr, struct malloc_type *type)
{
	struct slab_cpu *sc;
	struct slzone *z;
	struct vm_page *m;
	thread_t td;
	size_t npages, idx;
	int cpu;

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
		malloc_type_charge(type, mycpuid,
		    -(ssize_t)(npages << PAGE_SHIFT), -1);
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

	td = curthread;
	crit_enter_quick(td);
	cpu = td->td_gd->gd_cpuid;
	sc = &slab_cpu[cpu];
	malloc_type_charge(type, cpu, -(ssize_t)z->z_chunksize, -1);
	if (__predict_true(z->z_cpu == cpu))
		kfree_local(sc, z, ptr, idx);
	else
		kfree_remote_push(sc, z, ptr);
	crit_exit_quick(td);
}

/*
 * The fast path: a chunk of the zone this CPU last allocated from.  That
 * zone is live and ours (sc_lastzone is cleared when it retires), so no
 * page lookup is needed to trust its header; a pointer into its header
 * or the middle of a chunk goes to kfree_slow, which panics.
 */
void
kfree(void *ptr, struct malloc_type *type)
{
	struct globaldata *gd;
	struct slab_cpu *sc;
	struct slzone *z;
	thread_t td;
	size_t idx;
	int cpu;

	if (ptr == NULL || ptr == ZERO_LENGTH_PTR)
		return;
	KASSERT(type->ks_magic == M_MAGIC,
	    ("kfree: %p is not a malloc type", type));
	z = (struct slzone *)((uintptr_t)ptr & ~ZoneMask);
	gd = mycpu;
	td = gd->gd_curthread;
	crit_enter_quick(td);
	cpu = gd->gd_cpuid;
	sc = &slab_cpu[cpu];
	if (__predict_true(z == sc->sc_lastzone &&
	    (char *)ptr >= z->z_base && chunk_start(z, ptr, &idx))) {
		malloc_type_charge(type, cpu, -(ssize_t)z->z_chunksize, -1);
		kfree_local(sc, z, ptr, idx);
		slab_crit_exit(gd, td);
		return;
	}
	slab_crit_exit(gd, td);
	kfree_slow(ptr, type);
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
	ZoneLimit = MIN(ZoneSize / 4, (size_t)ZALLOC_ZONE_LIMIT);
	zone_pages = ZoneSize >> PAGE_SHIFT;
	zone_cache = (int)MAX(2, MIN(32, ram / ZoneSize / 64));
	kmalloc_default_limit = ram / 2;
	for (cpu = 0; cpu < PLAT_MAXCPU; cpu++) {
		for (zi = 0; zi < NZONES; zi++)
			TAILQ_INIT(&slab_cpu[cpu].sc_zones[zi]);
		TAILQ_INIT(&slab_cpu[cpu].sc_freezones);
		callout_init(&slab_cpu[cpu].sc_cleanup);
	}
	malloc_types_init();
	slab_ready = 1;
}
SYSINIT(slab, SI_SUB_KMEM, SI_ORDER_FIRST, slab_init, NULL);
