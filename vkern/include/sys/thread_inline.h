/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * thread_inline.h - critical sections and curthread, inline.
 *
 * A critical section is a counter in the running thread: no atomic
 * operation, no interrupt masking.  An interrupt (platform upcall) that
 * finds the count non-zero is recorded in gd_reqflags and replayed by
 * lwkt_splz() when the outermost crit_exit() drops the count to zero.
 * A thread may block inside one; the count travels with the thread.
 */
#ifndef _SYS_THREAD_INLINE_H_
#define _SYS_THREAD_INLINE_H_

#include <sys/types.h>
#include <sys/thread.h>
#include <sys/globaldata.h>

#define curthread	(mycpu->gd_curthread)

void	lwkt_splz(void);

static __always_inline void
crit_enter_quick(thread_t td)
{
	++td->td_critcount;
	__asm__ volatile("" ::: "memory");
}

static __always_inline void
crit_exit_noyield(thread_t td)
{
	__asm__ volatile("" ::: "memory");
	--td->td_critcount;
}

static __always_inline void
crit_exit_quick(thread_t td)
{
	struct globaldata *gd = td->td_gd;

	__asm__ volatile("" ::: "memory");
	if (--td->td_critcount == 0 &&
	    __predict_false(gd->gd_reqflags & RQF_IDLECHECK_MASK))
		lwkt_splz();
}

static __always_inline void
crit_enter(void)
{
	crit_enter_quick(curthread);
}

static __always_inline void
crit_exit(void)
{
	crit_exit_quick(curthread);
}

static __always_inline int
crit_test(thread_t td)
{
	return (td->td_critcount != 0);
}

#define ASSERT_OWNING_CPU(td)	KKASSERT((td)->td_gd == mycpu)

#endif /* !_SYS_THREAD_INLINE_H_ */
