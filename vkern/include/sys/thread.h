/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * thread.h - LWKT threads: fixed-priority kernel threads, each owned by
 * one CPU, scheduled only by that CPU.  Another CPU that wants to
 * schedule, deschedule or move a thread asks the owner by IPI message.
 * A thread that blocks takes itself off its run queue and switches;
 * its tokens are released on every switch and all re-acquired by the
 * scheduler before it runs again.  See docs/lwkt.md.
 *
 * Protection of the fields below:
 *   [I]  set before the thread is first scheduled, read-only after
 *   [c]  owning CPU (td_gd), in a critical section
 *   [s]  the thread itself while it runs
 *   [a]  atomic operations, any CPU
 *   [m]  the owning CPU, or the target CPU while TDF_MIGRATING
 */
#ifndef _SYS_THREAD_H_
#define _SYS_THREAD_H_

#include <sys/types.h>
#include <sys/queue.h>

struct globaldata;
struct lwkt_token;

#define LWKT_MAXTOKENS	32

/* Thread priorities (td_pri): higher runs first; equal ones round-robin. */
#define TDPRI_IDLE_THREAD	0
#define TDPRI_IDLE_WORK		1
#define TDPRI_USER_NORM		6
#define TDPRI_KERN_LPSCHED	9	/* comparison point only */
#define TDPRI_KERN_USER		10
#define TDPRI_KERN_DAEMON	12
#define TDPRI_SOFT_NORM		14
#define TDPRI_SOFT_TIMER	16
#define TDPRI_INT_SUPPORT	20
#define TDPRI_INT_LOW		27
#define TDPRI_INT_MED		28
#define TDPRI_INT_HIGH		29
#define TDPRI_MAX		31
#define TDPRI_COUNT		32

struct lwkt_tokref {
	struct lwkt_token *tr_tok;	/* [s] */
	long		tr_mode;	/* [s] TOK_EXCLUSIVE or 0 (shared) */
	long		tr_held;	/* [s] TRH_* what this ref holds now */
	struct thread	*tr_owner;	/* [s] */
};

struct thread {
	void		*td_sp;		/* [c] saved %rsp: must stay first */
	TAILQ_ENTRY(thread) td_threadq;	/* [c] run queue link */
	TAILQ_ENTRY(thread) td_allq;	/* [c] gd_tdallq link */
	TAILQ_ENTRY(thread) td_sleepq;	/* [c] sleep queue link */
	struct globaldata *td_gd;	/* [m] owning CPU */
	int		td_pri;		/* [c] TDPRI_* */
	int		td_critcount;	/* [s] critical-section nesting */
	int		td_flags;	/* [c] TDF_* */
	int		td_mpflags;	/* [a] TDF_MP_* */
	const char	*td_wmesg;	/* [c] why it waits */
	const volatile void *td_wchan;	/* [c] what it sleeps on */
	int		td_sleepflags;	/* [c] tsleep flags while queued */
	struct thread	*td_preempted;	/* [c] thread this one preempted */
	struct globaldata *td_migrate_gd; /* [c] target of a migration */
	void		(*td_func)(void *); /* [I] entry */
	void		*td_arg;	/* [I] */
	char		*td_kstack;	/* [I] base of the stack, or NULL */
	size_t		td_kstack_size;	/* [I] */
	uint64_t	td_switches;	/* [c] times switched in */
	struct lwkt_tokref *td_toks_stop; /* [s] next free tokref */
	struct lwkt_tokref td_toks_array[LWKT_MAXTOKENS]; /* [s] */
	char		td_comm[24];	/* [c] name */
};

typedef struct thread *thread_t;

/* td_flags */
#define TDF_RUNNING	0x0001	/* executing, or not yet fully switched out */
#define TDF_RUNQ	0x0002	/* on the run queue */
#define TDF_PREEMPT_LOCK 0x0004	/* preempted: cannot be switched to normally */
#define TDF_MIGRATING	0x0008	/* moving to td_migrate_gd */
#define TDF_TSLEEPQ	0x0010	/* on a sleep queue */
#define TDF_TSLEEP_DESCHEDULED 0x0020 /* blocked inside tsleep */
#define TDF_TIMEOUT	0x0040	/* the tsleep timeout fired */
#define TDF_SYSTHREAD	0x0080	/* kernel daemon, never exits */
#define TDF_INTTHREAD	0x0100	/* may preempt (interrupt-like) */
#define TDF_EXITING	0x0200	/* switched out for the last time */
#define TDF_IDLE	0x0400	/* the CPU's idle thread */
#define TDF_NOSTART	0x0800	/* lwkt_create: do not schedule yet */
#define TDF_ALLOCATED	0x1000	/* struct and stack came from the cache */

#define LWKT_STACK_SIZE	(16 * 1024)

/*
 * lwkt_create - make a thread running func(arg) on CPU `cpu' (-1: this
 * CPU) at TDPRI_KERN_DAEMON, named by fmt, and schedule it unless
 * TDF_NOSTART is in flags.  The struct and stack come from the per-CPU
 * thread cache or the page allocator.
 *
 * Context: thread; may block for memory.  Returns 0 or ENOMEM.
 */
int	lwkt_create(void (*func)(void *), void *arg, thread_t *tdp,
	    int flags, int cpu, const char *fmt, ...) __printflike(6, 7);

/* lwkt_exit - end the calling thread.  Context: thread.  No return. */
void	lwkt_exit(void) __dead2;

/*
 * lwkt_switch - give the CPU to the best runnable thread (maybe the
 * caller).  Releases the caller's tokens; when it returns, the caller
 * holds all of them again.  Context: thread, not an interrupt.
 */
void	lwkt_switch(void);
void	lwkt_yield(void);		/* switch if someone else should run */

void	lwkt_schedule(thread_t td);	/* make td runnable, any CPU */
void	lwkt_schedule_self(thread_t td);
void	lwkt_deschedule(thread_t td);	/* take td off its run queue */
void	lwkt_deschedule_self(thread_t td);
void	lwkt_setpri(thread_t td, int pri);
void	lwkt_setpri_self(int pri);

/* Migration: move self to another CPU (by IPI to the target). */
void	lwkt_setcpu_self(struct globaldata *rgd);
void	lwkt_migratecpu(int cpu);

/*
 * tsleep - block until wakeup(ident), the timeout (timo ticks of 1/hz s,
 * 0 = none) or, for interlocked sleeps, a wake-up since
 * tsleep_interlock().  Returns 0, or EWOULDBLOCK on timeout.
 * Context: thread; blocks; tokens are released while blocked and held
 * again on return.
 */
#define PINTERLOCKED	0x0400		/* tsleep_interlock() was called */
#define hz		1000
int	tsleep(const volatile void *ident, int flags, const char *wmesg,
	    int timo);
void	tsleep_interlock(const volatile void *ident, int flags);
void	wakeup(const volatile void *ident);
void	wakeup_one(const volatile void *ident);

void	tsleep_cancel(void);		/* undo tsleep_interlock() */

/* Start-up: the calling context becomes thread0 / the AP's idle thread. */
void	lwkt_boot_cpu0(struct globaldata *gd);
void	lwkt_ap_main(struct globaldata *gd) __dead2;

#endif /* !_SYS_THREAD_H_ */
