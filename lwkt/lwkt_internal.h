/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lwkt_internal.h - what the files of lwkt/ share and nobody else sees.
 * All of it runs on the owning CPU in a critical section unless said.
 */
#ifndef _LWKT_INTERNAL_H_
#define _LWKT_INTERNAL_H_

#include <sys/types.h>
#include <sys/thread.h>
#include <sys/globaldata.h>

#define LWKT_SPIN_SORTED	10	/* scheduler rounds before sorted order */

/* lwkt_thread.c */
void	_lwkt_enqueue(thread_t td);
void	_lwkt_dequeue(thread_t td);
thread_t _lwkt_runq_best(struct globaldata *gd);
int	_lwkt_runq_others(struct globaldata *gd, thread_t td, int pri);
void	lwkt_reqflags_set(struct globaldata *gd, int bits);
void	lwkt_switch_return(thread_t prev);
void	lwkt_maybe_preempt(void);
void	lwkt_setcpu_remote(void *arg, int unused);

/* lwkt_callout.c */
void	lwkt_softclock_init(struct globaldata *gd);
void	lwkt_clock_intr(void);
void	lwkt_timer_update(struct globaldata *gd);

/* lwkt_intr.c */
void	lwkt_intr_run(int flags, uint64_t irqs);

#endif /* !_LWKT_INTERNAL_H_ */
