/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * spinlock.h - short exclusive locks for data shared by CPUs that no
 * token suits (the page allocator, depots).  Holding one is a critical
 * section: the holder is not switched away and must not block.  Spin
 * with test-and-test-and-set and the platform's yield hint.
 */
#ifndef _SYS_SPINLOCK_H_
#define _SYS_SPINLOCK_H_

#include <sys/types.h>
#include <sys/thread_inline.h>
#include <plat/plat.h>

struct spinlock {
	int		sl_lock;	/* [a] 0 free, 1 held */
	uint32_t	sl_spins;	/* [a] contended acquisitions */
	const char	*sl_desc;	/* [I] */
};

#define SPINLOCK_INITIALIZER(desc)	{ 0, 0, (desc) }

static __always_inline void
spin_init(struct spinlock *sl, const char *desc)
{
	sl->sl_lock = 0;
	sl->sl_spins = 0;
	sl->sl_desc = desc;
}

static __always_inline void
spin_lock(struct spinlock *sl)
{
	crit_enter();
	if (__predict_true(!__atomic_exchange_n(&sl->sl_lock, 1,
	    __ATOMIC_ACQUIRE)))
		return;
	__atomic_fetch_add(&sl->sl_spins, 1, __ATOMIC_RELAXED);
	do {
		while (__atomic_load_n(&sl->sl_lock, __ATOMIC_RELAXED))
			plat_cpu_yield_hint();
	} while (__atomic_exchange_n(&sl->sl_lock, 1, __ATOMIC_ACQUIRE));
}

static __always_inline int
spin_trylock(struct spinlock *sl)
{
	crit_enter();
	if (!__atomic_exchange_n(&sl->sl_lock, 1, __ATOMIC_ACQUIRE))
		return (1);
	crit_exit();
	return (0);
}

static __always_inline void
spin_unlock(struct spinlock *sl)
{
	__atomic_store_n(&sl->sl_lock, 0, __ATOMIC_RELEASE);
	crit_exit();
}

#endif /* !_SYS_SPINLOCK_H_ */
