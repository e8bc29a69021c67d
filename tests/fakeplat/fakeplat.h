/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * fakeplat.h - the test platform's controls.  fakeplat implements
 * plat.h on one host thread for unit tests: a clock that moves only when
 * the test advances it or when nothing else can happen, timers and IPIs
 * that stay pending until their CPU takes them, console output captured
 * in memory and console input fed by the test, and plat_halt() caught
 * instead of exiting.  Includes only fixed-width types, so
 * core-flavoured test files can include it.
 *
 * The scheduling model: N simulated CPUs, one host thread.
 *
 *  - Each CPU is a coroutine.  cpu0 is the host thread's own stack: the
 *    test's code runs as cpu0's thread0 (the boot context), with
 *    platform interrupts disabled as boot left them.  plat_cpu_start(n)
 *    gives CPU n a 256 KiB stack whose entry is core_cpu_main(n), which
 *    the core turns into that CPU's idle thread.  A CPU's context is
 *    whatever stack it last ran on: LWKT switches threads inside a CPU,
 *    fakeplat switches CPUs.
 *  - Exactly one CPU runs at a time.  Another runs only when the running
 *    one reaches a switch point: plat_cpu_idle() with nothing pending,
 *    plat_cpu_yield_hint() (it spins), fakeplat_drain(),
 *    fakeplat_run_until() or fakeplat_run_on_cpu().  The next CPU is
 *    the first runnable one after the current in cpu-number order
 *    (round robin): runnable means paused at a yield point, or idle
 *    with an upcall pending.  On every switch %gs takes the new CPU's
 *    per-CPU base; each CPU keeps its own interrupt-disable flag,
 *    pending upcalls and one-shot timer.
 *  - Upcalls never interrupt a running CPU at an arbitrary instruction.
 *    plat_ipi_send(), plat_timer_arm() of a past deadline,
 *    fakeplat_advance_ns() and fakeplat_raise_irq() only mark them
 *    pending; a CPU takes its pending upcalls when it re-enables
 *    interrupts (plat_intr_restore), returns from plat_cpu_idle(),
 *    returns from plat_cpu_yield_hint() with interrupts enabled, or
 *    when the test drains (fakeplat_drain, fakeplat_run_until: these
 *    deliver to the calling CPU whatever its interrupt flag).
 *  - Time moves only in fakeplat_advance_ns(), or when nothing else can
 *    happen: every CPU idle (or the caller of fakeplat_run_until
 *    waiting) and none runnable, or one CPU spinning alone for a while.
 *    Then the clock jumps to the earliest armed timer of any CPU.  With
 *    no timer armed the idle hook runs; without one the test fails:
 *    "all CPUs idle with nothing pending: deadlock".
 *  - CPUs spinning forever never let time move: a budget of CPU
 *    switches (fakeplat_set_switch_budget) turns such a livelock into a
 *    failure instead of a hang.
 *  - Deterministic: no host threads, no host time, no randomness; the
 *    same test gives the same interleaving every run.  (The core hashes
 *    addresses, e.g. for sleep queues, so across processes that holds
 *    with address randomisation off: ctest runs unit tests under
 *    `setarch -R'.)
 *  - A CPU that calls plat_halt() inside fakeplat_catch_halt() started on
 *    another CPU stops for good (its context is abandoned).
 *
 * Nothing here is thread-safe: one host thread plays every CPU.
 */
#ifndef _FAKEPLAT_H_
#define _FAKEPLAT_H_

#include <stdint.h>
#include <stddef.h>

/*
 * Boot the kernel (kernel_init) on a fake machine of ncpu CPUs, all of
 * which the core starts; returns on cpu0 as thread0.  Once per process.
 */
void	fakeplat_boot(int ncpu, uint64_t ram_bytes);

/* Console. */
const char *fakeplat_console_output(void);	/* everything since clear */
void	fakeplat_console_clear(void);
void	fakeplat_console_input(const char *s);	/* raises the cons irq */

/* Time. */
void	fakeplat_advance_ns(uint64_t ns);	/* due timers become pending */
uint64_t fakeplat_timer_deadline(int cpu);	/* 0 when disarmed */

/*
 * Interrupts.  fakeplat_drain() runs the calling CPU's pending upcalls
 * and lets every other CPU with upcalls pending run until none is left;
 * returns the upcalls run on all CPUs.
 */
int	fakeplat_drain(void);
int	fakeplat_ipi_pending(int cpu);
void	fakeplat_raise_irq(int cpu, int irq);
uint64_t fakeplat_doorbells(int cpu);	/* plat_ipi_send(cpu) calls */

/* CPUs. */
int	fakeplat_cpu_current(void);		/* the CPU running now */
/* 1 if cpu is parked in plat_cpu_idle() with nothing pending. */
int	fakeplat_cpu_idle(int cpu);

/*
 * Run the machine until cond(arg) is true: the calling CPU takes its own
 * pending upcalls and otherwise waits like a spinning CPU, letting the
 * others run and the clock jump to the next timer when nothing else can
 * happen.  The caller's own CPU runs no other thread meanwhile (it does
 * not switch threads): wait for threads of that CPU by blocking instead.
 * Fails the test if cond can never become true (deadlock).
 */
void	fakeplat_run_until(int (*cond)(void *), void *arg);

/*
 * Run fn(arg) on CPU `cpu' (started): on its own context, in whatever
 * thread that CPU is running at its switch point (usually its idle
 * thread), with its interrupts disabled; fn must not block.  Other
 * CPUs may run meanwhile.  Returns once fn has returned.
 */
void	fakeplat_run_on_cpu(int cpu, void (*fn)(void *), void *arg);

/*
 * Livelock guard: fail the test once more than `n' CPU switches happen
 * from now on.  A spinning livelock never lets time move, so without it
 * the test would hang.  The budget at boot is FAKEPLAT_SWITCH_BUDGET
 * (several seconds of simulation).
 */
#define FAKEPLAT_SWITCH_BUDGET	50000000ull
void	fakeplat_set_switch_budget(uint64_t n);
uint64_t fakeplat_switches(void);	/* CPU switches so far */

/* Kernel environment seen by plat_getparam. */
void	fakeplat_setparam(const char *name, const char *value);

/*
 * Run fn(arg); returns the status it passed to plat_halt(), or -1 if it
 * returned without halting.  An unexpected plat_halt() fails the test.
 * fn must not block (switch threads) on the way to the halt.
 */
int	fakeplat_catch_halt(void (*fn)(void *), void *arg);

/*
 * What happens when nothing can run and no timer is armed: by default
 * the test fails ("deadlock"); a hook may feed input instead.
 */
void	fakeplat_set_idle_hook(void (*hook)(void));

#define FAKEPLAT_CONS_IRQ	3

#endif /* !_FAKEPLAT_H_ */
