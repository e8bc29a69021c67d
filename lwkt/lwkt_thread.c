/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lwkt_thread.c - LWKT threads and the per-CPU scheduler.
 *
 * Each CPU schedules its own threads: 32 fixed priorities, a FIFO per
 * priority, round-robin among equals when a thread yields.  A thread
 * stays on its run queue while it runs; to block it takes itself off
 * (lwkt_deschedule_self) and calls lwkt_switch().  Only the owning CPU
 * changes a thread's scheduling state, so the run queues need nothing
 * but a critical section; other CPUs send an IPI message to the owner.
 *
 * lwkt_switch() releases every token of the outgoing thread and picks
 * the best runnable thread whose tokens it can all take; when the
 * caller later resumes, it holds its tokens again.  Interrupt threads
 * (TDF_INTTHREAD) may preempt: at the end of an interrupt that found the
 * interrupted thread outside any critical section, the CPU switches
 * straight to the better interrupt thread, and back as soon as it
 * blocks.  The preempted thread never went through lwkt_switch, so it
 * keeps its tokens.
 *
 * Protection: run queues, gd_tdallq, gd_freetd and td_flags are [c]:
 * owning CPU in a critical section.  See sys/thread.h for the fields.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <sys/token.h>
#include <sys/errno.h>
#include <vm/vm_kmem.h>
#include <stdio.h>
#include <string.h>
#include <plat/plat.h>

#include "lwkt_internal.h"

#define LWKT_THREAD_PAGES	8	/* struct thread + ~31 KiB of stack */
#define LWKT_STACK_MAGIC	0x5354414b434b4f4bull
#define LWKT_FREETD_MAX		8	/* cached threads per CPU */

thread_t lwkt_cpu_switch(thread_t from, thread_t to);
void	lwkt_thread_trampoline(void);
void	lwkt_thread_start(thread_t prev) __dead2;

static struct thread thread0;			/* cpu0's boot context */
static struct thread apboot_thread[PLAT_MAXCPU]; /* APs' boot contexts */

/* ------------------------------------------------------------ run queue */

void
_lwkt_enqueue(thread_t td)
{
	struct globaldata *gd = td->td_gd;

	if (td->td_flags & (TDF_RUNQ | TDF_MIGRATING | TDF_IDLE))
		return;
	TAILQ_INSERT_TAIL(&gd->gd_tdrunq[td->td_pri], td, td_threadq);
	gd->gd_runqmask |= 1u << td->td_pri;
	td->td_flags |= TDF_RUNQ;
}

void
_lwkt_dequeue(thread_t td)
{
	struct globaldata *gd = td->td_gd;

	if ((td->td_flags & TDF_RUNQ) == 0)
		return;
	TAILQ_REMOVE(&gd->gd_tdrunq[td->td_pri], td, td_threadq);
	if (TAILQ_EMPTY(&gd->gd_tdrunq[td->td_pri]))
		gd->gd_runqmask &= ~(1u << td->td_pri);
	td->td_flags &= ~TDF_RUNQ;
}

thread_t
_lwkt_runq_best(struct globaldata *gd)
{
	if (gd->gd_runqmask == 0)
		return (NULL);
	return (TAILQ_FIRST(&gd->gd_tdrunq[31 - __builtin_clz(
	    gd->gd_runqmask)]));
}

/* Threads at priority `pri' other than td waiting to run here. */
int
_lwkt_runq_others(struct globaldata *gd, thread_t td, int pri)
{
	thread_t first;

	if (gd->gd_runqmask >> pri == 0)
		return (0);
	if (gd->gd_runqmask >> (pri + 1) != 0)
		return (1);		/* someone better */
	first = TAILQ_FIRST(&gd->gd_tdrunq[pri]);
	return (first != td || TAILQ_NEXT(first, td_threadq) != NULL);
}

void
lwkt_reqflags_set(struct globaldata *gd, int bits)
{
	__atomic_fetch_or(&gd->gd_reqflags, bits, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------- creation */

static void
lwkt_init_thread(thread_t td, struct globaldata *gd, char *stack,
    size_t stacksize, int flags)
{
	uint64_t *sp;

	memset(td, 0, sizeof(*td));
	td->td_gd = gd;
	td->td_pri = TDPRI_KERN_DAEMON;
	td->td_critcount = 1;
	td->td_flags = flags;
	td->td_toks_stop = &td->td_toks_array[0];
	td->td_kstack = stack;
	td->td_kstack_size = stacksize;
	if (stack == NULL)
		return;
	/* The lowest word of the stack is a canary checked on switch. */
	*(uint64_t *)stack = LWKT_STACK_MAGIC;
	/*
	 * lwkt_cpu_switch pops six registers and returns into the
	 * trampoline with %rsp at the (16-aligned) top, so the trampoline's
	 * call enters lwkt_thread_start with the alignment the ABI wants.
	 */
	sp = (uint64_t *)(stack + (stacksize & ~(size_t)15));
	*--sp = (uint64_t)(uintptr_t)lwkt_thread_trampoline;
	*--sp = 0;				/* %rbp: ends backtraces */
	*--sp = 0;				/* %rbx */
	*--sp = 0;				/* %r12 */
	*--sp = 0;				/* %r13 */
	*--sp = 0;				/* %r14 */
	*--sp = 0;				/* %r15 */
	td->td_sp = sp;
}

static void
lwkt_tdallq_insert_remote(void *arg, int unused)
{
	thread_t td = arg;

	TAILQ_INSERT_TAIL(&td->td_gd->gd_tdallq, td, td_allq);
}

static thread_t
lwkt_alloc_thread(int mflags)
{
	struct globaldata *gd = mycpu;
	thread_t td;

	crit_enter();
	td = TAILQ_FIRST(&gd->gd_freetd);
	if (td != NULL) {
		TAILQ_REMOVE(&gd->gd_freetd, td, td_threadq);
		gd->gd_nfreetd--;
	}
	crit_exit();
	if (td == NULL)
		td = kmem_alloc_pages(LWKT_THREAD_PAGES, mflags);
	return (td);
}

int
lwkt_create(void (*func)(void *), void *arg, thread_t *tdp, int flags,
    int cpu, const char *fmt, ...)
{
	struct globaldata *gd;
	thread_t td;
	size_t hdr;
	va_list ap;

	if (cpu >= ncpus)
		return (EINVAL);
	gd = cpu < 0 ? mycpu : globaldata_find(cpu);
	td = lwkt_alloc_thread(M_WAITOK);
	if (td == NULL)
		return (ENOMEM);
	hdr = roundup2(sizeof(struct thread), 64);
	lwkt_init_thread(td, gd, (char *)td + hdr,
	    LWKT_THREAD_PAGES * PAGE_SIZE - hdr,
	    (flags & ~TDF_NOSTART) | TDF_ALLOCATED);
	td->td_func = func;
	td->td_arg = arg;
	va_start(ap, fmt);
	vsnprintf(td->td_comm, sizeof(td->td_comm), fmt, ap);
	va_end(ap);
	if (gd == mycpu) {
		crit_enter();
		TAILQ_INSERT_TAIL(&gd->gd_tdallq, td, td_allq);
		crit_exit();
	} else {
		lwkt_send_ipiq(gd->gd_cpuid, lwkt_tdallq_insert_remote, td);
	}
	if (tdp != NULL)
		*tdp = td;
	if ((flags & TDF_NOSTART) == 0)
		lwkt_schedule(td);
	return (0);
}

/*
 * Where a new thread starts, on its own stack, inside the switch that
 * chose it: finish that switch, enable interrupts, leave the critical
 * section every thread is born in, and run.
 */
void
lwkt_thread_start(thread_t prev)
{
	thread_t td;

	lwkt_switch_return(prev);
	td = curthread;
	plat_intr_restore(PLAT_INTR_ON);
	crit_exit_quick(td);
	td->td_func(td->td_arg);
	lwkt_exit();
}

void
lwkt_exit(void)
{
	thread_t td = curthread;
	struct globaldata *gd = td->td_gd;

	crit_enter_quick(td);
	KASSERT(!(td->td_flags & (TDF_SYSTHREAD | TDF_IDLE)),
	    ("lwkt_exit: %s (%p) may not exit", td->td_comm, td));
	if (td->td_toks_stop != &td->td_toks_array[0])
		panic("lwkt_exit: %s (%p) exits holding tokens", td->td_comm,
		    td);
	TAILQ_REMOVE(&gd->gd_tdallq, td, td_allq);
	_lwkt_dequeue(td);
	td->td_flags |= TDF_EXITING;
	lwkt_switch();
	panic("lwkt_exit: %s (%p) resumed after exit", td->td_comm, td);
}

/* An exited thread, fully switched out: cache it or free it. */
static void
lwkt_thread_reap(thread_t td)
{
	struct globaldata *gd = mycpu;

	if ((td->td_flags & TDF_ALLOCATED) == 0)
		return;
	if (gd->gd_nfreetd < LWKT_FREETD_MAX) {
		TAILQ_INSERT_HEAD(&gd->gd_freetd, td, td_threadq);
		gd->gd_nfreetd++;
	} else {
		kmem_free_pages(td, LWKT_THREAD_PAGES);
	}
}

/* ------------------------------------------------------------ switching */

/*
 * Finish switching `prev' out, on the CPU that switched away from it,
 * once nothing runs on its stack any more: hand a migrating thread to
 * its new CPU, recycle an exiting one.
 */
void
lwkt_switch_return(thread_t prev)
{
	if (prev->td_flags & TDF_PREEMPT_LOCK)
		return;			/* preempted: still mid-flight */
	prev->td_flags &= ~TDF_RUNNING;
	if (prev->td_flags & TDF_MIGRATING)
		lwkt_send_ipiq(prev->td_migrate_gd->gd_cpuid,
		    lwkt_setcpu_remote, prev);
	else if (prev->td_flags & TDF_EXITING)
		lwkt_thread_reap(prev);
}

static void
lwkt_stack_check(thread_t td)
{
	if (td->td_kstack != NULL &&
	    *(uint64_t *)td->td_kstack != LWKT_STACK_MAGIC)
		panic("thread %s (%p) overflowed its %zu-byte stack",
		    td->td_comm, td, td->td_kstack_size);
}

/*
 * Pick the thread to run next: the best runnable one whose tokens can
 * all be taken.  Returns NULL when every candidate is blocked on tokens.
 */
static thread_t
lwkt_choose(struct globaldata *gd, int sorted)
{
	thread_t ntd;
	uint32_t mask = gd->gd_runqmask;
	int pri;

	while (mask != 0) {
		pri = 31 - __builtin_clz(mask);
		mask &= ~(1u << pri);
		TAILQ_FOREACH(ntd, &gd->gd_tdrunq[pri], td_threadq) {
			if (ntd->td_flags & TDF_PREEMPT_LOCK)
				continue;
			if (ntd->td_toks_stop == &ntd->td_toks_array[0] ||
			    lwkt_getalltokens(ntd, sorted))
				return (ntd);
		}
	}
	return (NULL);
}

void
lwkt_switch(void)
{
	struct globaldata *gd = mycpu;
	thread_t td = gd->gd_curthread;
	thread_t ntd, prev;
	plat_intr_t s;
	int spinning = 0;

	if (gd->gd_intr_nesting_level != 0)
		panic("lwkt_switch: %s (%p) switching inside an interrupt",
		    td->td_comm, td);
	crit_enter_quick(td);
	if (td->td_toks_stop != &td->td_toks_array[0])
		lwkt_relalltokens(td);
	s = plat_intr_disable();

	if ((ntd = td->td_preempted) != NULL) {
		/* We preempted someone: give the CPU straight back. */
		td->td_preempted = NULL;
		ntd->td_flags &= ~TDF_PREEMPT_LOCK;
		goto havethread;
	}
	for (;;) {
		ntd = lwkt_choose(gd, spinning >= LWKT_SPIN_SORTED);
		if (ntd != NULL)
			break;
		if (gd->gd_runqmask == 0 ||
		    (td->td_flags & (TDF_RUNQ | TDF_IDLE)) == 0) {
			/* Nothing can run, or we cannot: go idle. */
			ntd = gd->gd_idlethread;
			break;
		}
		/*
		 * Every runnable thread, this one included, wants a token
		 * someone else holds.  Spin, serving IPIs (we are still on
		 * the run queue, so that is safe), then retry in address
		 * order after a few rounds.
		 */
		gd->gd_cnt_token_colls++;
		spinning++;
		plat_intr_restore(s);
		lwkt_process_ipiq();
		plat_cpu_yield_hint();
		s = plat_intr_disable();
	}
havethread:
	if (ntd != td) {
		lwkt_stack_check(td);
		ntd->td_flags |= TDF_RUNNING;
		ntd->td_switches++;
		gd->gd_curthread = ntd;
		gd->gd_cnt_switch++;
		prev = lwkt_cpu_switch(td, ntd);
		lwkt_switch_return(prev);
		gd = mycpu;		/* we may have migrated */
	}
	plat_intr_restore(s);
	crit_exit_quick(td);
}

/*
 * Switch directly to interrupt thread ntd from the end of an interrupt
 * (lwkt_intr_run), leaving the interrupted thread parked mid-interrupt
 * with its tokens.  Returns when ntd blocks.
 */
static void
lwkt_preempt(thread_t ntd)
{
	struct globaldata *gd = mycpu;
	thread_t td = gd->gd_curthread;
	thread_t prev;
	int nest;

	ntd->td_preempted = td;
	td->td_flags |= TDF_PREEMPT_LOCK;
	nest = gd->gd_intr_nesting_level;
	gd->gd_intr_nesting_level = 0;
	ntd->td_flags |= TDF_RUNNING;
	ntd->td_switches++;
	gd->gd_curthread = ntd;
	gd->gd_cnt_switch++;
	gd->gd_cnt_preempt++;
	prev = lwkt_cpu_switch(td, ntd);
	lwkt_switch_return(prev);
	gd->gd_intr_nesting_level = nest;
	td->td_flags &= ~TDF_PREEMPT_LOCK;
}

/*
 * At the end of an interrupt taken outside any critical section (the
 * caller's own section is the only one: td_critcount == 1), preempt in
 * favour of a better interrupt thread that holds no tokens.
 */
void
lwkt_maybe_preempt(void)
{
	struct globaldata *gd = mycpu;
	thread_t td = gd->gd_curthread;
	thread_t ntd = _lwkt_runq_best(gd);

	if (ntd == NULL || ntd == td || (ntd->td_flags & TDF_INTTHREAD) == 0)
		return;
	if (ntd->td_pri <= td->td_pri || td->td_critcount != 1 ||
	    gd->gd_intr_nesting_level != 0)
		return;
	if ((td->td_flags & TDF_PREEMPT_LOCK) || td->td_preempted != NULL ||
	    ntd->td_preempted != NULL || (ntd->td_flags & TDF_RUNNING) ||
	    ntd->td_toks_stop != &ntd->td_toks_array[0])
		return;
	lwkt_preempt(ntd);
}

void
lwkt_yield(void)
{
	struct globaldata *gd = mycpu;
	thread_t td = gd->gd_curthread;

	if (gd->gd_reqflags & RQF_IDLECHECK_MASK)
		lwkt_splz();
	if (!_lwkt_runq_others(gd, td, td->td_pri))
		return;
	crit_enter_quick(td);
	__atomic_fetch_and(&gd->gd_reqflags, ~RQF_AST_LWKT_RESCHED,
	    __ATOMIC_RELAXED);
	if (td->td_flags & TDF_RUNQ) {		/* to the back of the line */
		_lwkt_dequeue(td);
		_lwkt_enqueue(td);
	}
	lwkt_switch();
	crit_exit_quick(td);
}

/* ------------------------------------------------- schedule / deschedule */

static void
lwkt_schedule_remote(void *arg, int unused)
{
	lwkt_schedule(arg);
}

void
lwkt_schedule(thread_t td)
{
	struct globaldata *gd = mycpu;
	thread_t cur = gd->gd_curthread;

	crit_enter_quick(cur);
	if (td->td_gd == gd) {
		_lwkt_enqueue(td);
		if (td != cur && td->td_pri > cur->td_pri)
			lwkt_reqflags_set(gd, RQF_AST_LWKT_RESCHED);
	} else {
		lwkt_send_ipiq(td->td_gd->gd_cpuid, lwkt_schedule_remote, td);
	}
	crit_exit_quick(cur);
}

void
lwkt_schedule_self(thread_t td)
{
	KKASSERT(td == curthread);
	crit_enter_quick(td);
	_lwkt_enqueue(td);
	crit_exit_quick(td);
}

static void
lwkt_deschedule_remote(void *arg, int unused)
{
	lwkt_deschedule(arg);
}

void
lwkt_deschedule(thread_t td)
{
	struct globaldata *gd = mycpu;

	crit_enter();
	if (td->td_gd == gd)
		_lwkt_dequeue(td);
	else
		lwkt_send_ipiq(td->td_gd->gd_cpuid, lwkt_deschedule_remote,
		    td);
	crit_exit();
}

void
lwkt_deschedule_self(thread_t td)
{
	KKASSERT(td == curthread);
	crit_enter_quick(td);
	_lwkt_dequeue(td);
	crit_exit_quick(td);
}

void
lwkt_setpri(thread_t td, int pri)
{
	KASSERT(pri >= 0 && pri < TDPRI_COUNT,
	    ("lwkt_setpri: priority %d out of range", pri));
	ASSERT_OWNING_CPU(td);
	crit_enter();
	if (td->td_flags & TDF_RUNQ) {
		_lwkt_dequeue(td);
		td->td_pri = pri;
		_lwkt_enqueue(td);
	} else {
		td->td_pri = pri;
	}
	crit_exit();
}

void
lwkt_setpri_self(int pri)
{
	lwkt_setpri(curthread, pri);
}

/* ------------------------------------------------------------ migration */

/* On the target CPU: adopt a thread that finished switching out. */
void
lwkt_setcpu_remote(void *arg, int unused)
{
	thread_t td = arg;
	struct globaldata *gd = mycpu;

	KKASSERT(td->td_flags & TDF_MIGRATING);
	td->td_gd = gd;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	td->td_flags &= ~TDF_MIGRATING;
	TAILQ_INSERT_TAIL(&gd->gd_tdallq, td, td_allq);
	_lwkt_enqueue(td);
}

void
lwkt_setcpu_self(struct globaldata *rgd)
{
	thread_t td = curthread;
	struct globaldata *gd = td->td_gd;

	if (rgd == gd)
		return;
	KASSERT((td->td_flags & (TDF_IDLE | TDF_TSLEEPQ)) == 0,
	    ("lwkt_setcpu_self: %s cannot move now", td->td_comm));
	crit_enter_quick(td);
	TAILQ_REMOVE(&gd->gd_tdallq, td, td_allq);
	_lwkt_dequeue(td);
	td->td_migrate_gd = rgd;
	td->td_flags |= TDF_MIGRATING;
	lwkt_switch();
	/* Now running on rgd. */
	KKASSERT(td->td_gd == rgd && mycpu == rgd);
	crit_exit_quick(td);
}

void
lwkt_migratecpu(int cpu)
{
	KASSERT(cpu >= 0 && cpu < ncpus,
	    ("lwkt_migratecpu: no cpu%d", cpu));
	lwkt_setcpu_self(globaldata_find(cpu));
}

/* ---------------------------------------------------------- CPU start-up */

/*
 * The CPU's idle thread: run whatever is runnable, otherwise wait for an
 * interrupt with the platform (no periodic tick: callouts arm the timer
 * only when they are due).
 */
static void
lwkt_idle_loop(void *arg)
{
	struct globaldata *gd = mycpu;
	plat_intr_t s;

	for (;;) {
		if (gd->gd_runqmask != 0) {
			lwkt_switch();
			continue;
		}
		s = plat_intr_disable();
		if (gd->gd_runqmask == 0 &&
		    (gd->gd_reqflags & RQF_IDLECHECK_MASK) == 0)
			plat_cpu_idle();
		plat_intr_restore(s);
		if (gd->gd_reqflags & RQF_IDLECHECK_MASK)
			lwkt_splz();
	}
}

/* Per-CPU LWKT state of gd; the calling context becomes thread td. */
static void
lwkt_gdinit(struct globaldata *gd, thread_t td, const char *name)
{
	int i;

	for (i = 0; i < TDPRI_COUNT; i++)
		TAILQ_INIT(&gd->gd_tdrunq[i]);
	TAILQ_INIT(&gd->gd_tdallq);
	TAILQ_INIT(&gd->gd_freetd);
	for (i = 0; i < TSLEEP_HSIZE; i++)
		TAILQ_INIT(&gd->gd_tsleep_hash[i]);
	TAILQ_INIT(&gd->gd_callouts);
	lwkt_init_thread(td, gd, NULL, 0, TDF_RUNNING | TDF_SYSTHREAD);
	td->td_critcount = 1;		/* boot runs in a critical section */
	snprintf(td->td_comm, sizeof(td->td_comm), "%s", name);
	TAILQ_INSERT_TAIL(&gd->gd_tdallq, td, td_allq);
	gd->gd_curthread = td;
}

/* The boot CPU: its boot context becomes thread0 (later the monitor). */
void
lwkt_boot_cpu0(struct globaldata *gd)
{
	lwkt_gdinit(gd, &thread0, "thread0");
	_lwkt_enqueue(&thread0);
}

/* cpu0's idle and softclock threads, once pages can be allocated. */
static void
lwkt_init_cpu0_threads(void *arg __unused)
{
	struct globaldata *gd = mycpu;
	thread_t td;

	if (lwkt_create(lwkt_idle_loop, NULL, &td, TDF_NOSTART | TDF_IDLE |
	    TDF_SYSTHREAD, 0, "idle0") != 0)
		panic("lwkt: no memory for cpu0's idle thread");
	td->td_pri = TDPRI_IDLE_THREAD;
	gd->gd_idlethread = td;
	lwkt_softclock_init(gd);
}
SYSINIT(lwkt_cpu0, SI_SUB_LWKT, SI_ORDER_FIRST, lwkt_init_cpu0_threads, NULL);

/*
 * An AP: its boot context becomes its idle thread; it makes its own
 * softclock thread, says it is online, and idles.  Never returns.
 */
void
lwkt_ap_main(struct globaldata *gd)
{
	thread_t td = &apboot_thread[gd->gd_cpuid];
	char name[16];

	snprintf(name, sizeof(name), "idle%d", gd->gd_cpuid);
	lwkt_gdinit(gd, td, name);
	td->td_flags |= TDF_IDLE;
	td->td_pri = TDPRI_IDLE_THREAD;
	gd->gd_idlethread = td;
	lwkt_softclock_init(gd);
	__atomic_fetch_or(&smp_active_mask, CPUMASK(gd->gd_cpuid),
	    __ATOMIC_SEQ_CST);
	__atomic_store_n(&gd->gd_online, 1, __ATOMIC_RELEASE);
	plat_intr_restore(PLAT_INTR_ON);
	crit_exit_quick(td);
	lwkt_idle_loop(NULL);
	panic("cpu%d: idle loop returned", gd->gd_cpuid);
}
