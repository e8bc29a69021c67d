/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * objcache_test.c - object caches: constructed objects recycled without
 * the constructor, magazines traded with the depot, per-CPU magazines,
 * the object limit (NULL, or a sleep until a put), constructor failure,
 * surplus destroyed, destroy running every destructor.  CPU 1 is
 * entered with fakeplat_run_on_cpu().
 */
#include "cmocka_core.h"
#include <string.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <sys/malloc.h>
#include <sys/objcache.h>
#include <plat/plat.h>
#include "fakeplat.h"

extern int panicking;

MALLOC_DEFINE(M_OCTEST, "test_oc", "objcache unit test objects");

#define OBJ_MAGIC	0x0b1ec7ed

struct obj {
	uint32_t	magic;		/* set by the constructor */
	int		payload;
};

static int nctor, ndtor, ctor_fails;

static bool
obj_ctor(void *p, void *priv, int flags)
{
	struct obj *o = p;

	if (ctor_fails)
		return (false);
	nctor++;
	o->magic = OBJ_MAGIC;
	o->payload = 0;
	return (true);
}

static void
obj_dtor(void *p, void *priv)
{
	struct obj *o = p;

	assert_int_equal(o->magic, OBJ_MAGIC);
	o->magic = 0;
	ndtor++;
}

static int
setup(void **state)
{
	fakeplat_boot(2, 64UL << 20);
	return (0);
}

static struct objcache *
new_cache(int limit)
{
	nctor = ndtor = ctor_fails = 0;
	return (objcache_create_mbacked(M_OCTEST, sizeof(struct obj), limit,
	    0, obj_ctor, obj_dtor, NULL));
}

/* A put object comes back on the next get, still constructed: the
 * constructor ran once. */
static void
put_object_returns_constructed(void **state)
{
	struct objcache *oc = new_cache(0);
	struct obj *a, *b;

	a = objcache_get(oc, M_WAITOK);
	assert_int_equal(a->magic, OBJ_MAGIC);
	a->payload = 7;
	objcache_put(oc, a);
	b = objcache_get(oc, M_WAITOK);
	assert_ptr_equal(a, b);
	assert_int_equal(b->payload, 7);	/* not zeroed, not rebuilt */
	assert_int_equal(nctor, 1);
	objcache_put(oc, b);
	objcache_destroy(oc);
	assert_int_equal(ndtor, 1);
}

/* More objects than two magazines hold go through the depot in whole
 * magazines, and come back from it without new constructions. */
static void
magazines_trade_with_the_depot(void **state)
{
	struct objcache *oc = new_cache(0);
	struct objcache_stats os;
	static struct obj *o[300];
	int i, n, built;

	objcache_get_stats(oc, &os);
	n = os.os_magcapacity * 5;
	assert_true(n <= 300);
	for (i = 0; i < n; i++)
		o[i] = objcache_get(oc, M_WAITOK);
	built = nctor;
	assert_int_equal(built, n);
	for (i = 0; i < n; i++)
		objcache_put(oc, o[i]);
	objcache_get_stats(oc, &os);
	assert_true(os.os_depot_trades > 0);
	assert_true(os.os_full > 0);
	/* Whatever the depot could not hold was destroyed. */
	assert_int_equal(os.os_destroyed, (uint64_t)ndtor);
	for (i = 0; i < n; i++)
		o[i] = objcache_get(oc, M_WAITOK);
	/* Only the destroyed surplus had to be rebuilt. */
	assert_int_equal(nctor, built + ndtor);
	for (i = 0; i < n; i++)
		objcache_put(oc, o[i]);
	objcache_destroy(oc);
	assert_int_equal(ndtor, nctor);
}

struct xobj {
	struct objcache	*oc;
	void		*obj;
};

static void
put_here(void *arg)
{
	struct xobj *x = arg;

	objcache_put(x->oc, x->obj);
}

static void
get_here(void *arg)
{
	struct xobj *x = arg;

	x->obj = objcache_get(x->oc, M_NOWAIT);
}

/* An object put on CPU 1 rests in CPU 1's magazine: CPU 1 gets it
 * back, CPU 0 builds its own. */
static void
magazines_are_per_cpu(void **state)
{
	struct objcache *oc = new_cache(0);
	struct xobj x = { oc, NULL };
	void *mine, *a;

	a = objcache_get(oc, M_WAITOK);
	x.obj = a;
	fakeplat_run_on_cpu(1, put_here, &x);
	mine = objcache_get(oc, M_WAITOK);
	assert_ptr_not_equal(mine, a);
	assert_int_equal(nctor, 2);
	fakeplat_run_on_cpu(1, get_here, &x);
	assert_ptr_equal(x.obj, a);
	objcache_put(oc, mine);
	objcache_put(oc, a);
	objcache_destroy(oc);
	assert_int_equal(ndtor, 2);
}

/* At the limit M_NOWAIT returns NULL; one put makes room again. */
static void
limit_fails_nowait_until_a_put(void **state)
{
	struct objcache *oc = new_cache(10);
	struct objcache_stats os;
	static void *o[400];
	int n = 0, i, allowed;

	objcache_get_stats(oc, &os);
	/* The limit, plus what the per-CPU magazines may hold. */
	allowed = 10 + ncpus * os.os_magcapacity * 2;
	while (n < 400 && (o[n] = objcache_get(oc, M_NOWAIT)) != NULL)
		n++;
	assert_int_equal(n, allowed);
	objcache_get_stats(oc, &os);
	assert_int_equal(os.os_fails, 1);
	objcache_put(oc, o[--n]);
	o[n] = objcache_get(oc, M_NOWAIT);
	assert_non_null(o[n]);
	n++;
	for (i = 0; i < n; i++)
		objcache_put(oc, o[i]);
	objcache_destroy(oc);
	assert_int_equal(ndtor, nctor);
}

static struct objcache *wait_oc;
static volatile int wait_state;

static void
limit_waiter(void *arg)
{
	void *o;

	wait_state = 1;
	o = objcache_get(wait_oc, M_WAITOK);
	wait_state = 2;
	objcache_put(wait_oc, o);
	wait_state = 3;
}

/* At the limit M_WAITOK sleeps until an object is put back. */
static void
limit_sleeps_waitok_until_a_put(void **state)
{
	static void *o[400];
	thread_t td;
	int n = 0, i;

	wait_oc = new_cache(4);
	while (n < 400 && (o[n] = objcache_get(wait_oc, M_NOWAIT)) != NULL)
		n++;
	assert_int_equal(lwkt_create(limit_waiter, NULL, &td, 0, -1,
	    "ocwaiter"), 0);
	tsleep(&wait_state, 0, "test", 5);
	assert_int_equal(wait_state, 1);	/* asleep in get */
	objcache_put(wait_oc, o[--n]);
	tsleep(&wait_state, 0, "test", 5);
	assert_int_equal(wait_state, 3);
	for (i = 0; i < n; i++)
		objcache_put(wait_oc, o[i]);
	objcache_destroy(wait_oc);
	assert_int_equal(ndtor, nctor);
}

/* A failing constructor makes get return NULL and costs no limit. */
static void
constructor_failure_returns_null(void **state)
{
	struct objcache *oc = new_cache(1);
	struct objcache_stats os;
	void *o;
	int i;

	ctor_fails = 1;
	for (i = 0; i < 100; i++)
		assert_null(objcache_get(oc, M_NOWAIT));
	ctor_fails = 0;
	o = objcache_get(oc, M_NOWAIT);
	assert_non_null(o);
	objcache_get_stats(oc, &os);
	assert_int_equal(os.os_constructed, 1);
	assert_int_equal(os.os_fails, 100);
	objcache_put(oc, o);
	objcache_destroy(oc);
}

/* A simple cache is plain kmalloc memory charged to its type. */
static void
simple_cache_charges_its_malloc_type(void **state)
{
	struct malloc_type_stats ms0, ms;
	struct objcache *oc;
	void *o;

	malloc_type_get_stats(M_OCTEST, &ms0);
	oc = objcache_create_simple(M_OCTEST, 200);
	o = objcache_get(oc, M_WAITOK);
	malloc_type_get_stats(M_OCTEST, &ms);
	assert_int_equal(ms.ms_inuse, ms0.ms_inuse + 1);
	objcache_put(oc, o);
	objcache_destroy(oc);
	malloc_type_get_stats(M_OCTEST, &ms);
	assert_int_equal(ms.ms_inuse, ms0.ms_inuse);
}

static void
do_get_zero(void *arg)
{
	objcache_get(arg, M_WAITOK | M_ZERO);
}

/* M_ZERO is refused with a panic naming the cache. */
static void
m_zero_panics(void **state)
{
	struct objcache *oc = new_cache(0);

	fakeplat_console_clear();
	assert_int_equal(fakeplat_catch_halt(do_get_zero, oc),
	    PLAT_EXIT_PANIC);
	assert_non_null(strstr(fakeplat_console_output(),
	    "objcache_get(test_oc): M_ZERO"));
	panicking = 0;
	objcache_destroy(oc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(put_object_returns_constructed),
		cmocka_unit_test(magazines_trade_with_the_depot),
		cmocka_unit_test(magazines_are_per_cpu),
		cmocka_unit_test(limit_fails_nowait_until_a_put),
		cmocka_unit_test(limit_sleeps_waitok_until_a_put),
		cmocka_unit_test(constructor_failure_returns_null),
		cmocka_unit_test(simple_cache_charges_its_malloc_type),
		cmocka_unit_test(m_zero_panics),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
