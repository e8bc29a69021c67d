/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * ipiq.h - inter-processor messages: function calls queued from one CPU
 * to another in a lock-free FIFO per (source, target) pair.  The source
 * alone writes ip_windex and the slots, the target alone writes
 * ip_rindex and ip_xindex (set once the call has returned), so only
 * memory ordering is needed.  Calls from one source to one target run in
 * order; callbacks run in the target's interrupt context (a critical
 * section) and must not block.  At most one doorbell rings per batch.
 */
#ifndef _SYS_IPIQ_H_
#define _SYS_IPIQ_H_

#include <sys/types.h>
#include <plat/plat.h>

#define MAXCPUFIFO	256		/* power of two */

typedef void ipifunc_t(void *arg1, int arg2);

struct lwkt_ipiq {
	uint32_t	ip_windex;	/* [source] next slot to fill */
	uint32_t	ip_rindex;	/* [target] next slot to take */
	uint32_t	ip_xindex;	/* [target] slots whose call returned */
	uint32_t	ip_pad;
	struct {
		ipifunc_t	*func;
		void		*arg1;
		int		arg2;
	} ip_info[MAXCPUFIFO];
};

typedef uint32_t cpumask_t;		/* bit per CPU; PLAT_MAXCPU <= 32 */
#define CPUMASK(cpu)	((cpumask_t)1 << (cpu))

/*
 * lwkt_send_ipiq - call func(arg1, arg2) on CPU `cpu', in order after
 * earlier calls from this CPU to it.  Runs at once if cpu is this CPU.
 * Returns a sequence number for lwkt_wait_ipiq().  If the FIFO is more
 * than half full the sender drains its own incoming queues while it
 * waits, so two CPUs sending to each other never deadlock.
 *
 * Context: any thread or interrupt; never blocks (may spin).
 */
uint32_t lwkt_send_ipiq2(int cpu, ipifunc_t *func, void *arg1, int arg2);
#define lwkt_send_ipiq(cpu, func, arg)	lwkt_send_ipiq2(cpu, func, arg, 0)

/* Queue without ringing: the target runs it at its next poll. */
uint32_t lwkt_send_ipiq2_passive(int cpu, ipifunc_t *func, void *arg1,
	    int arg2);
/* ENOENT instead of waiting when the FIFO is 2/3 full; else 0. */
int	lwkt_send_ipiq2_nowait(int cpu, ipifunc_t *func, void *arg1, int arg2);
/* Send to every CPU in mask (this CPU included if set). */
void	lwkt_send_ipiq_mask(cpumask_t mask, ipifunc_t *func, void *arg);
/* Wait until the call numbered seq to cpu has returned. */
void	lwkt_wait_ipiq(int cpu, uint32_t seq);
/* Run every call queued to this CPU.  Context: critical section. */
int	lwkt_process_ipiq(void);

/*
 * lwkt_cpusync - run func(arg) on every CPU in mask (this one too if
 * set) and return when all have finished.
 * Context: thread; spins, serving its own IPIs meanwhile.
 */
void	lwkt_cpusync(cpumask_t mask, void (*func)(void *), void *arg);

#endif /* !_SYS_IPIQ_H_ */
