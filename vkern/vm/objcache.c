/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * objcache.c - object caches: per-CPU magazines in front of a depot in
 * front of a backend (see sys/objcache.h and docs/memory.md).  The idea
 * to keep in mind: the fast path swaps pointers in two per-CPU arrays;
 * everything slower trades whole magazines, so the depot's lock is taken
 * once per magazine-full of gets or puts, not once per object.
 *
 * Locking:
 *   - oc_cpu[cpu] (the loaded and previous magazines and the counters)
 *     belongs to CPU cpu and is touched only there, in a critical
 *     section ([c]).
 *   - The depot (its full and empty magazine lists, the count of objects
 *     that may still be made, the number of waiters) is protected by its
 *     spinlock ([S]).  It nests inside the critical section, never the
 *     other way round, and is never held across the backend, the
 *     constructor, the destructor or a sleep.
 *   - The constructor runs with no lock held and may block if the get
 *     was M_WAITOK; the destructor may run in any context put may.
 *   - The global list of caches is protected by objcache_list_spin.
 *
 * Tags on the fields below: [I] set by objcache_create, read-only
 * after; [c] the CPU the slot belongs to, in a critical section; [S]
 * the depot's md_spin; [L] objcache_list_spin.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/queue.h>
#include <sys/spinlock.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <sys/malloc.h>
#include <sys/objcache.h>
#include <string.h>

MALLOC_DEFINE(M_OBJCACHE, "objcache", "object caches and their magazines");

#define MAGCAPACITY_MIN		4
#define MAGCAPACITY_MAX		128
#define NOMCACHE_DEFAULT	128

struct magazine {
	TAILQ_ENTRY(magazine) mag_link;	/* [S] depot list, while there */
	int		mag_rounds;	/* [c] or [S]: objects held */
	int		mag_capacity;	/* [I] */
	void		*mag_objects[];	/* [c] or [S] */
};

TAILQ_HEAD(magazinelist, magazine);

struct magazinedepot {
	struct spinlock	md_spin;
	struct magazinelist md_full;	/* [S] */
	struct magazinelist md_empty;	/* [S] */
	int		md_nfull;	/* [S] */
	int		md_nempty;	/* [S] */
	int		md_limited;	/* [I] md_unallocated applies */
	int		md_unallocated;	/* [S] objects that may still be made */
	int		md_waiting;	/* [S] threads asleep for an object */
	uint64_t	md_constructed;	/* [S] */
	uint64_t	md_destroyed;	/* [S] */
};

struct percpu_objcache {
	struct magazine	*pc_loaded;	/* [c] get/put work here */
	struct magazine	*pc_previous;	/* [c] full or empty, never half */
	uint64_t	pc_gets;	/* [c] */
	uint64_t	pc_puts;	/* [c] */
	uint64_t	pc_fails;	/* [c] */
	uint64_t	pc_trades;	/* [c] magazines traded at the depot */
} __aligned(64);

struct objcache {
	const char	*oc_name;	/* [I] */
	objcache_ctor_fn *oc_ctor;	/* [I] */
	objcache_dtor_fn *oc_dtor;	/* [I] */
	void		*oc_privdata;	/* [I] */
	objcache_alloc_fn *oc_alloc;	/* [I] */
	objcache_free_fn *oc_free;	/* [I] */
	void		*oc_allocator_args; /* [I] */
	struct objcache_malloc_args oc_margs; /* [I] for the mbacked kinds */
	int		oc_magcapacity;	/* [I] */
	TAILQ_ENTRY(objcache) oc_link;	/* [L] objcache_list */
	struct magazinedepot oc_depot;
	struct percpu_objcache oc_cpu[]; /* [c] one per CPU */
};

static TAILQ_HEAD(, objcache) objcache_list =
    TAILQ_HEAD_INITIALIZER(objcache_list);		/* [L] */
static struct spinlock objcache_list_spin =
    SPINLOCK_INITIALIZER("objcache_list");

static struct magazine *
mag_alloc(int capacity)
{
	struct magazine *mag;

	mag = kmalloc(sizeof(*mag) + (size_t)capacity * sizeof(void *),
	    M_OBJCACHE, M_WAITOK | M_ZERO);
	mag->mag_capacity = capacity;
	return (mag);
}

void *
objcache_malloc_alloc(void *allocator_args, int ocflags)
{
	struct objcache_malloc_args *ma = allocator_args;

	return (kmalloc(ma->objsize, ma->mtype,
	    ocflags & (M_WAITOK | M_NOWAIT)));
}

void
objcache_malloc_free(void *obj, void *allocator_args)
{
	struct objcache_malloc_args *ma = allocator_args;

	kfree(obj, ma->mtype);
}

void *
objcache_nop_alloc(void *allocator_args __unused, int ocflags __unused)
{
	return (NULL);
}

void
objcache_nop_free(void *obj __unused, void *allocator_args __unused)
{
}

struct objcache *
objcache_create(const char *name, int cluster_limit, int nom_cache,
    objcache_ctor_fn *ctor, objcache_dtor_fn *dtor, void *privdata,
    objcache_alloc_fn *alloc, objcache_free_fn *free, void *allocator_args)
{
	struct magazinedepot *md;
	struct magazine *mag;
	struct objcache *oc;
	int cap, cpu, i, nempty;

	KKASSERT(alloc != NULL && free != NULL && cluster_limit >= 0);
	oc = kmalloc(sizeof(*oc) + (size_t)ncpus * sizeof(oc->oc_cpu[0]),
	    M_OBJCACHE, M_WAITOK | M_ZERO);
	oc->oc_name = name;
	oc->oc_ctor = ctor;
	oc->oc_dtor = dtor;
	oc->oc_privdata = privdata;
	oc->oc_alloc = alloc;
	oc->oc_free = free;
	oc->oc_allocator_args = allocator_args;

	/*
	 * Two magazines per CPU and a few more in the depot should hold
	 * about nom_cache objects.
	 */
	if (nom_cache <= 0)
		nom_cache = cluster_limit > 0 ? MAX(cluster_limit / 2, 1) :
		    NOMCACHE_DEFAULT;
	cap = nom_cache / (ncpus + 1) / 2 + 1;
	cap = MAX(MAGCAPACITY_MIN, MIN(cap, MAGCAPACITY_MAX));
	oc->oc_magcapacity = cap;

	md = &oc->oc_depot;
	spin_init(&md->md_spin, "objcache depot");
	TAILQ_INIT(&md->md_full);
	TAILQ_INIT(&md->md_empty);
	md->md_limited = cluster_limit > 0;
	/* Objects resting in per-CPU magazines do not count as in use. */
	md->md_unallocated = cluster_limit + ncpus * cap * 2;
	nempty = MAX(2, nom_cache / cap + 1);
	for (i = 0; i < nempty; i++) {
		mag = mag_alloc(cap);
		TAILQ_INSERT_HEAD(&md->md_empty, mag, mag_link);
		md->md_nempty++;
	}
	for (cpu = 0; cpu < ncpus; cpu++) {
		oc->oc_cpu[cpu].pc_loaded = mag_alloc(cap);
		oc->oc_cpu[cpu].pc_previous = mag_alloc(cap);
	}
	spin_lock(&objcache_list_spin);
	TAILQ_INSERT_HEAD(&objcache_list, oc, oc_link);
	spin_unlock(&objcache_list_spin);
	return (oc);
}

struct objcache *
objcache_create_mbacked(struct malloc_type *mtype, size_t objsize,
    int cluster_limit, int nom_cache, objcache_ctor_fn *ctor,
    objcache_dtor_fn *dtor, void *privdata)
{
	struct objcache *oc;

	oc = objcache_create(mtype->ks_shortdesc, cluster_limit, nom_cache,
	    ctor, dtor, privdata, objcache_malloc_alloc, objcache_malloc_free,
	    NULL);
	/* Not yet shared with anyone: the arguments may still be set. */
	oc->oc_margs.objsize = objsize;
	oc->oc_margs.mtype = mtype;
	oc->oc_allocator_args = &oc->oc_margs;
	return (oc);
}

struct objcache *
objcache_create_simple(struct malloc_type *mtype, size_t objsize)
{
	return (objcache_create_mbacked(mtype, objsize, 0, 0, NULL, NULL,
	    NULL));
}

/* Give one "may make an object" back to the depot and wake a waiter. */
static void
depot_credit(struct objcache *oc)
{
	struct magazinedepot *md = &oc->oc_depot;
	int wake;

	spin_lock(&md->md_spin);
	md->md_unallocated++;
	md->md_destroyed++;
	wake = md->md_waiting;
	md->md_waiting = 0;
	spin_unlock(&md->md_spin);
	if (wake)
		wakeup(md);
}

void
objcache_dtor(struct objcache *oc, void *obj)
{
	if (oc->oc_dtor != NULL)
		oc->oc_dtor(obj, oc->oc_privdata);
	oc->oc_free(obj, oc->oc_allocator_args);
	depot_credit(oc);
}

/*
 * Make a new object; the caller took one from md_unallocated, which is
 * given back if the backend or the constructor fails.
 */
static void *
objcache_construct(struct objcache *oc, int ocflags)
{
	void *obj;

	obj = oc->oc_alloc(oc->oc_allocator_args, ocflags);
	if (obj != NULL && oc->oc_ctor != NULL &&
	    !oc->oc_ctor(obj, oc->oc_privdata, ocflags)) {
		oc->oc_free(obj, oc->oc_allocator_args);
		obj = NULL;
	}
	spin_lock(&oc->oc_depot.md_spin);
	if (obj == NULL)
		oc->oc_depot.md_unallocated++;
	else
		oc->oc_depot.md_constructed++;
	spin_unlock(&oc->oc_depot.md_spin);
	return (obj);
}

void *
objcache_get(struct objcache *oc, int ocflags)
{
	struct magazinedepot *md = &oc->oc_depot;
	struct percpu_objcache *pc;
	struct magazine *mag;
	void *obj;

	KASSERT(((ocflags & M_WAITOK) != 0) != ((ocflags & M_NOWAIT) != 0),
	    ("objcache_get(%s): flags %#x need exactly one of M_WAITOK and "
	    "M_NOWAIT", oc->oc_name, ocflags));
	KASSERT((ocflags & M_ZERO) == 0,
	    ("objcache_get(%s): M_ZERO: cached objects are not zeroed",
	    oc->oc_name));
	crit_enter();
	pc = &oc->oc_cpu[mycpuid];
	pc->pc_gets++;
	for (;;) {
		mag = pc->pc_loaded;
		if (__predict_true(mag->mag_rounds > 0)) {
			obj = mag->mag_objects[--mag->mag_rounds];
			crit_exit();
			return (obj);
		}
		if (pc->pc_previous->mag_rounds > 0) {
			pc->pc_loaded = pc->pc_previous;
			pc->pc_previous = mag;
			continue;
		}
		/* Both empty: trade one for a full one from the depot. */
		spin_lock(&md->md_spin);
		if ((mag = TAILQ_FIRST(&md->md_full)) != NULL) {
			TAILQ_REMOVE(&md->md_full, mag, mag_link);
			md->md_nfull--;
			TAILQ_INSERT_HEAD(&md->md_empty, pc->pc_previous,
			    mag_link);
			md->md_nempty++;
			spin_unlock(&md->md_spin);
			pc->pc_previous = pc->pc_loaded;
			pc->pc_loaded = mag;
			pc->pc_trades++;
			continue;
		}
		if (!md->md_limited || md->md_unallocated > 0) {
			md->md_unallocated--;	/* net of credits: in use */
			spin_unlock(&md->md_spin);
			crit_exit();
			obj = objcache_construct(oc, ocflags);
			if (obj == NULL) {
				crit_enter();
				oc->oc_cpu[mycpuid].pc_fails++;
				crit_exit();
			}
			return (obj);
		}
		/* At the limit. */
		if (ocflags & M_NOWAIT) {
			spin_unlock(&md->md_spin);
			pc->pc_fails++;
			crit_exit();
			return (NULL);
		}
		md->md_waiting++;
		tsleep_interlock(md, 0);
		spin_unlock(&md->md_spin);
		/* A put on another CPU may cache instead of waking: poll. */
		tsleep(md, PINTERLOCKED, "objcache", hz / 10);
		pc = &oc->oc_cpu[mycpuid];
	}
}

void
objcache_put(struct objcache *oc, void *obj)
{
	struct magazinedepot *md = &oc->oc_depot;
	struct percpu_objcache *pc;
	struct magazine *mag;

	KKASSERT(obj != NULL);
	/* Someone sleeps at the limit: make room for them instead. */
	if (__predict_false(__atomic_load_n(&md->md_waiting,
	    __ATOMIC_RELAXED) != 0)) {
		objcache_dtor(oc, obj);
		return;
	}
	crit_enter();
	pc = &oc->oc_cpu[mycpuid];
	pc->pc_puts++;
	for (;;) {
		mag = pc->pc_loaded;
		if (__predict_true(mag->mag_rounds < mag->mag_capacity)) {
			mag->mag_objects[mag->mag_rounds++] = obj;
			crit_exit();
			return;
		}
		if (pc->pc_previous->mag_rounds == 0) {
			pc->pc_loaded = pc->pc_previous;
			pc->pc_previous = mag;
			continue;
		}
		/* Both full: trade one for an empty one at the depot. */
		spin_lock(&md->md_spin);
		if ((mag = TAILQ_FIRST(&md->md_empty)) != NULL) {
			TAILQ_REMOVE(&md->md_empty, mag, mag_link);
			md->md_nempty--;
			TAILQ_INSERT_HEAD(&md->md_full, pc->pc_previous,
			    mag_link);
			md->md_nfull++;
			spin_unlock(&md->md_spin);
			pc->pc_previous = pc->pc_loaded;
			pc->pc_loaded = mag;
			pc->pc_trades++;
			continue;
		}
		spin_unlock(&md->md_spin);
		crit_exit();
		/* The cache is full: the object goes back to the backend. */
		objcache_dtor(oc, obj);
		return;
	}
}

static void
mag_purge(struct objcache *oc, struct magazine *mag)
{
	while (mag->mag_rounds > 0)
		objcache_dtor(oc, mag->mag_objects[--mag->mag_rounds]);
	kfree(mag, M_OBJCACHE);
}

void
objcache_destroy(struct objcache *oc)
{
	struct magazinedepot *md = &oc->oc_depot;
	struct magazine *mag;
	int cpu;

	spin_lock(&objcache_list_spin);
	TAILQ_REMOVE(&objcache_list, oc, oc_link);
	spin_unlock(&objcache_list_spin);
	for (cpu = 0; cpu < ncpus; cpu++) {
		mag_purge(oc, oc->oc_cpu[cpu].pc_loaded);
		mag_purge(oc, oc->oc_cpu[cpu].pc_previous);
	}
	while ((mag = TAILQ_FIRST(&md->md_full)) != NULL) {
		TAILQ_REMOVE(&md->md_full, mag, mag_link);
		mag_purge(oc, mag);
	}
	while ((mag = TAILQ_FIRST(&md->md_empty)) != NULL) {
		TAILQ_REMOVE(&md->md_empty, mag, mag_link);
		mag_purge(oc, mag);
	}
	KASSERT(md->md_constructed == md->md_destroyed,
	    ("objcache_destroy(%s): %llu objects still in use", oc->oc_name,
	    (unsigned long long)(md->md_constructed - md->md_destroyed)));
	kfree(oc, M_OBJCACHE);
}

void
objcache_get_stats(struct objcache *oc, struct objcache_stats *os)
{
	struct magazinedepot *md = &oc->oc_depot;
	struct percpu_objcache *pc;
	int cpu;

	memset(os, 0, sizeof(*os));
	for (cpu = 0; cpu < ncpus; cpu++) {
		pc = &oc->oc_cpu[cpu];
		os->os_gets += pc->pc_gets;
		os->os_puts += pc->pc_puts;
		os->os_fails += pc->pc_fails;
		os->os_depot_trades += pc->pc_trades;
	}
	os->os_magcapacity = oc->oc_magcapacity;
	spin_lock(&md->md_spin);
	os->os_constructed = md->md_constructed;
	os->os_destroyed = md->md_destroyed;
	os->os_full = md->md_nfull;
	os->os_empty = md->md_nempty;
	spin_unlock(&md->md_spin);
}
