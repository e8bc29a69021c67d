/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * objcache.h - caches of constructed objects, after Bonwick's magazine
 * layer as DragonFly has it.  Each CPU holds two magazines (arrays of
 * objects): get and put work on them under a critical section only, no
 * lock and no atomic operation.  When both are empty (get) or full
 * (put), the CPU trades a magazine with the cache's depot, under the
 * depot's spinlock: the depot only takes and gives completely full or
 * completely empty magazines.  Behind the depot is the backend
 * (usually kmalloc) and the constructor/destructor, which run only
 * when an object is made or destroyed, not on every get and put.
 *
 *	oc = objcache_create_mbacked(M_DEVBUF, sizeof(struct foo), 0, 0,
 *	    foo_ctor, foo_dtor, NULL);
 *	f = objcache_get(oc, M_WAITOK);
 *	objcache_put(oc, f);
 *
 * See docs/memory.md.
 */
#ifndef _SYS_OBJCACHE_H_
#define _SYS_OBJCACHE_H_

#include <sys/types.h>
#include <sys/malloc.h>

struct objcache;

/* Make obj ready for use; return true, or false if it cannot be. */
typedef bool	objcache_ctor_fn(void *obj, void *privdata, int ocflags);
/* Undo the constructor before obj goes back to the backend. */
typedef void	objcache_dtor_fn(void *obj, void *privdata);
/* Backend: raw memory for one object, and its release. */
typedef void	*objcache_alloc_fn(void *allocator_args, int ocflags);
typedef void	objcache_free_fn(void *obj, void *allocator_args);

/* Arguments of the kmalloc backend. */
struct objcache_malloc_args {
	size_t		objsize;
	struct malloc_type *mtype;
};

void	*objcache_malloc_alloc(void *allocator_args, int ocflags);
void	objcache_malloc_free(void *obj, void *allocator_args);
/* A backend that never has memory: the cache holds only what is put. */
void	*objcache_nop_alloc(void *allocator_args, int ocflags);
void	objcache_nop_free(void *obj, void *allocator_args);

/*
 * objcache_create - a cache named `name'.  cluster_limit: most objects
 * in use at once, beyond those the per-CPU magazines may hold
 * (0: no limit).  nom_cache: objects worth caching (0: a default);
 * it sizes the magazines.  ctor and dtor may be NULL.  alloc/free and
 * allocator_args are the backend (allocator_args is kept, not copied).
 *
 * Context: thread; may block.  Returns the cache.
 */
struct objcache *objcache_create(const char *name, int cluster_limit,
	    int nom_cache, objcache_ctor_fn *ctor, objcache_dtor_fn *dtor,
	    void *privdata, objcache_alloc_fn *alloc, objcache_free_fn *free,
	    void *allocator_args);

/* A kmalloc-backed cache of objsize-byte objects of type mtype. */
struct objcache *objcache_create_mbacked(struct malloc_type *mtype,
	    size_t objsize, int cluster_limit, int nom_cache,
	    objcache_ctor_fn *ctor, objcache_dtor_fn *dtor, void *privdata);
/* The same with no limit, constructor or destructor. */
struct objcache *objcache_create_simple(struct malloc_type *mtype,
	    size_t objsize);

/*
 * objcache_get - a constructed object.  ocflags: exactly one of
 * M_WAITOK and M_NOWAIT (M_ZERO is refused: cached objects come back
 * constructed, not zeroed).  At the limit, M_NOWAIT returns NULL and
 * M_WAITOK sleeps until an object is given back.
 *
 * Context: M_NOWAIT: any, including a critical section or an IPI.
 * M_WAITOK: thread; may block.  Returns NULL also if the backend has
 * no memory (M_NOWAIT) or the constructor fails.
 */
void	*objcache_get(struct objcache *oc, int ocflags);

/*
 * objcache_put - give back an object from objcache_get, still
 * constructed, on any CPU.
 * Context: any, including a critical section or an IPI; never blocks
 * (the destructor and backend free must not block either).
 */
void	objcache_put(struct objcache *oc, void *obj);

/* objcache_dtor - destroy obj instead of caching it.  Context: as put. */
void	objcache_dtor(struct objcache *oc, void *obj);

/*
 * objcache_destroy - destroy every cached object and the cache.  Every
 * object must have been put back and no CPU may use oc any more.
 * Context: thread.
 */
void	objcache_destroy(struct objcache *oc);

struct objcache_stats {
	uint64_t	os_gets;	/* objcache_get calls */
	uint64_t	os_puts;	/* objcache_put calls */
	uint64_t	os_fails;	/* gets that returned NULL */
	uint64_t	os_depot_trades; /* magazines traded with the depot */
	uint64_t	os_constructed;	/* objects made (ctor run) */
	uint64_t	os_destroyed;	/* objects destroyed (dtor run) */
	int		os_magcapacity;	/* objects per magazine */
	int		os_full;	/* full magazines in the depot */
	int		os_empty;	/* empty magazines in the depot */
};
/* Context: any; racy per-CPU sums, depot counts under its lock. */
void	objcache_get_stats(struct objcache *oc, struct objcache_stats *os);

#endif /* !_SYS_OBJCACHE_H_ */
