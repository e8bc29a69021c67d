/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * callout.h - timed calls.  Each CPU keeps its callouts sorted by
 * deadline and arms its one-shot timer for the first; nothing ticks while
 * no callout is pending.  A callout runs on the CPU that armed it, in
 * that CPU's softclock thread (so callout_drain can wait for a running
 * call), never earlier than its deadline.
 *
 * Protection: a callout belongs to the CPU it was armed on (c_gd); all
 * operations on it run there, in a critical section (other CPUs ask by
 * IPI).
 */
#ifndef _SYS_CALLOUT_H_
#define _SYS_CALLOUT_H_

#include <sys/types.h>
#include <sys/queue.h>

struct globaldata;

struct callout {
	TAILQ_ENTRY(callout) c_link;	/* [c] on gd_callouts */
	uint64_t	c_deadline;	/* [c] plat_clock_ns() time */
	void		(*c_func)(void *); /* [c] */
	void		*c_arg;		/* [c] */
	struct globaldata *c_gd;	/* [c] CPU it is armed on */
	int		c_flags;	/* [c] CALLOUT_* */
	/* A call in progress is its CPU's gd_callout_running. */
};

#define CALLOUT_PENDING	0x1		/* queued, not yet run */

void	callout_init(struct callout *c);
/* Arm (or re-arm) to run func(arg) after `ticks' (1/hz s) on this CPU. */
void	callout_reset(struct callout *c, int ticks, void (*func)(void *),
	    void *arg);
/* Same, with an absolute plat_clock_ns() deadline. */
void	callout_reset_ns(struct callout *c, uint64_t deadline,
	    void (*func)(void *), void *arg);
/* Cancel; returns 1 if a pending call was stopped, 0 if none was. */
int	callout_stop(struct callout *c);
/* callout_stop, then wait for a call in progress to finish (thread). */
int	callout_drain(struct callout *c);
int	callout_pending(const struct callout *c);

#endif /* !_SYS_CALLOUT_H_ */
