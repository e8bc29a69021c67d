/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * vk_cpu.c - virtual CPUs, interrupts, IPIs and timers of the vkernel.
 *
 * Each vCPU is a host thread.  Interrupts are modelled as in DragonFly's
 * vkernel, with signals, but masked in software: a vCPU's `intr_off' is
 * its interrupt flag (plat_intr_disable sets it; no system call), and
 * every interrupt source first sets a bit in the vCPU's `pend' word and
 * then either wakes the vCPU from its idle futex or sends it a signal.
 * The signal handler runs the pending upcalls at once when intr_off is
 * clear; otherwise they stay pending until plat_intr_restore() or
 * plat_cpu_idle() runs them.  The one-shot timer is a POSIX timer that
 * signals exactly its own vCPU thread.
 *
 * The idle handshake: the vCPU sets `idle' then re-reads `pend' before
 * sleeping in futex_wait(&pend, 0); a raiser sets `pend' then reads
 * `idle' (all sequentially consistent), so one of the two always sees
 * the other and no interrupt is lost.
 *
 * Protection: pend, irq_pend, idle are [a] (any thread); intr_off and
 * in_dispatch belong to the vCPU thread and its signal handlers; the
 * rest is [I] once the vCPU has started.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <asm/prctl.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "vk.h"

#define VK_CPU_STACK	(512 * 1024)

static struct vk_cpu vk_cpus[PLAT_MAXCPU];
static int vk_ncpu;
static const struct plat_bootinfo *vk_bootinfo;
static __thread struct vk_cpu *vk_self;

struct vk_cpu *
vk_cpu_self(void)
{
	return (vk_self);
}

static void
futex_wait(_Atomic uint32_t *word, uint32_t val)
{
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void
futex_wake(_Atomic uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/*
 * Run every pending upcall.  Caller has intr_off set.
 */
static void
vk_dispatch(struct vk_cpu *c)
{
	uint32_t bits;
	uint64_t irqs;

	while ((bits = atomic_exchange(&c->pend, 0)) != 0) {
		if (bits & VK_PEND_TIMER)
			core_clock_intr();
		if (bits & VK_PEND_IPI)
			core_ipi_intr();
		if (bits & VK_PEND_DEV) {
			irqs = atomic_exchange(&c->irq_pend, 0);
			while (irqs != 0) {
				core_dev_intr(__builtin_ctzll(irqs));
				irqs &= irqs - 1;
			}
		}
	}
}

/*
 * Interrupts are enabled and something may be pending: run it with
 * interrupts disabled, as hardware would, until nothing is left.
 */
static void
vk_run_pending(struct vk_cpu *c)
{
	do {
		c->intr_off = 1;
		atomic_signal_fence(memory_order_seq_cst);
		vk_dispatch(c);
		atomic_signal_fence(memory_order_seq_cst);
		c->intr_off = 0;
		atomic_signal_fence(memory_order_seq_cst);
	} while (atomic_load(&c->pend) != 0);
}

static void
vk_raise(int cpu, uint32_t bits)
{
	struct vk_cpu *c = &vk_cpus[cpu];

	atomic_fetch_or(&c->pend, bits);
	if (c == vk_self) {
		if (!c->intr_off)
			vk_run_pending(c);
		return;
	}
	if (atomic_load(&c->idle))
		futex_wake(&c->pend);
	else if (atomic_load(&c->started))
		syscall(SYS_tgkill, getpid(), c->tid, VK_SIG_DOORBELL);
}

void
vk_raise_irq(int cpu, int irq)
{
	atomic_fetch_or(&vk_cpus[cpu].irq_pend, 1ull << irq);
	vk_raise(cpu, VK_PEND_DEV);
}

static void
vk_intr_signal(int sig, siginfo_t *si, void *uc)
{
	struct vk_cpu *c = vk_self;
	int saved_errno = errno;

	(void)si;
	(void)uc;
	if (c == NULL)
		return;
	if (sig == VK_SIG_TIMER)
		atomic_fetch_or(&c->pend, VK_PEND_TIMER);
	if (!c->intr_off)
		vk_run_pending(c);
	errno = saved_errno;
}

plat_intr_t
plat_intr_disable(void)
{
	struct vk_cpu *c = vk_self;
	plat_intr_t old;

	if (c == NULL)
		return (1);
	old = c->intr_off ? 1 : PLAT_INTR_ON;
	c->intr_off = 1;
	atomic_signal_fence(memory_order_seq_cst);
	return (old);
}

void
plat_intr_restore(plat_intr_t state)
{
	struct vk_cpu *c = vk_self;

	if (c == NULL)
		return;
	atomic_signal_fence(memory_order_seq_cst);
	c->intr_off = (sig_atomic_t)(state != PLAT_INTR_ON);
	atomic_signal_fence(memory_order_seq_cst);
	if (state == PLAT_INTR_ON && atomic_load(&c->pend) != 0)
		vk_run_pending(c);
}

void
plat_cpu_idle(void)
{
	struct vk_cpu *c = vk_self;

	atomic_store(&c->idle, 1);
	if (atomic_load(&c->pend) == 0)
		futex_wait(&c->pend, 0);
	atomic_store(&c->idle, 0);
	if (c->intr_off)
		vk_dispatch(c);
	else
		vk_run_pending(c);
}

void
plat_cpu_yield_hint(void)
{
	sched_yield();
}

void
plat_ipi_send(int cpu)
{
	if (cpu >= 0 && cpu < vk_ncpu)
		vk_raise(cpu, VK_PEND_IPI);
}

void
plat_cpu_set_percpu(void *gd)
{
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, gd) != 0) {
		perror("vkernel: arch_prctl(ARCH_SET_GS)");
		vk_die(PLAT_EXIT_PANIC);
	}
}

uint64_t
plat_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
}

int
plat_wallclock(int64_t *sec, int32_t *nsec)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return (ENXIO);
	*sec = ts.tv_sec;
	*nsec = (int32_t)ts.tv_nsec;
	return (0);
}

void
plat_timer_arm(uint64_t deadline_ns)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	if (deadline_ns == 0)
		deadline_ns = 1;	/* zero would disarm */
	its.it_value.tv_sec = (time_t)(deadline_ns / 1000000000ull);
	its.it_value.tv_nsec = (long)(deadline_ns % 1000000000ull);
	timer_settime((timer_t)vk_self->timer, TIMER_ABSTIME, &its, NULL);
}

void
plat_timer_disarm(void)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	timer_settime((timer_t)vk_self->timer, 0, &its, NULL);
}

static void
vk_cpu_entry(void *arg)
{
	struct vk_cpu *c = arg;

	if (c->id == 0)
		core_boot(vk_bootinfo);
	core_cpu_main(c->id);
}

static void *
vk_cpu_thread(void *arg)
{
	struct vk_cpu *c = arg;
	struct sigevent sev;
	timer_t timer;

	vk_self = c;
	c->intr_off = 1;			/* CPUs start disabled */
	c->tid = (pid_t)syscall(SYS_gettid);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = VK_SIG_TIMER;
	sev._sigev_un._tid = c->tid;
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) != 0) {
		perror("vkernel: timer_create");
		vk_die(PLAT_EXIT_PANIC);
	}
	c->timer = (void *)timer;
	vk_trap_thread_init();
	atomic_store(&c->started, 1);
	vk_call_noframe(vk_cpu_entry, c);
}

static int
vk_cpu_spawn(int cpu)
{
	struct vk_cpu *c = &vk_cpus[cpu];
	pthread_attr_t attr;
	pthread_t thr;
	sigset_t mask, old;
	char name[16];
	int error;

	c->id = cpu;
	c->stacksize = VK_CPU_STACK;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, c->stacksize);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* vCPUs take interrupt and fault signals, not process ones. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &mask, &old);
	error = pthread_create(&thr, &attr, vk_cpu_thread, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (error != 0)
		return (error);
	snprintf(name, sizeof(name), "vk-cpu%d", cpu);
	pthread_setname_np(thr, name);
	return (0);
}

void
vk_cpus_init(int ncpu)
{
	struct sigaction sa;

	vk_ncpu = ncpu;
	/*
	 * Both interrupt signals are blocked while either handler runs, so
	 * a vCPU thread has at most one interrupt frame on its stack (an
	 * AVX signal frame is several KiB; nesting could overflow a thread
	 * stack).  A thread the core switches to inside an upcall (an
	 * interrupt thread preempting) runs with them blocked until it
	 * hands the CPU back; bits raised meanwhile stay pending and the
	 * signal is taken when the handler returns.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = vk_intr_signal;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, VK_SIG_DOORBELL);
	sigaddset(&sa.sa_mask, VK_SIG_TIMER);
	sigaction(VK_SIG_DOORBELL, &sa, NULL);
	sigaction(VK_SIG_TIMER, &sa, NULL);
}

int
plat_cpu_start(int cpu)
{
	struct timespec ts = { 0, 100000 };
	int i;

	if (cpu <= 0 || cpu >= vk_ncpu || atomic_load(&vk_cpus[cpu].started))
		return (EINVAL);
	if (vk_cpu_spawn(cpu) != 0)
		return (EIO);
	for (i = 0; i < 50000 && !atomic_load(&vk_cpus[cpu].started); i++)
		nanosleep(&ts, NULL);
	return (atomic_load(&vk_cpus[cpu].started) ? 0 : EIO);
}

int
vk_cpu_boot(const struct plat_bootinfo *bi)
{
	vk_bootinfo = bi;
	return (vk_cpu_spawn(0));
}
