/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * fakeplat.h - the test platform's controls.  fakeplat implements
 * plat.h on one host thread for unit tests: a clock that moves only when
 * the test advances it, timers and IPIs that stay pending until the test
 * (or an idle CPU) delivers them, console output captured in memory and
 * console input fed by the test, and plat_halt() caught instead of
 * exiting.  Includes only fixed-width types, so core-flavoured test files
 * can include it.
 */
#ifndef _FAKEPLAT_H_
#define _FAKEPLAT_H_

#include <stdint.h>
#include <stddef.h>

/* Boot the kernel (kernel_init) on a fake machine of ncpu CPUs. */
void	fakeplat_boot(int ncpu, uint64_t ram_bytes);

/* Console. */
const char *fakeplat_console_output(void);	/* everything since clear */
void	fakeplat_console_clear(void);
void	fakeplat_console_input(const char *s);	/* raises the cons irq */

/* Time. */
void	fakeplat_advance_ns(uint64_t ns);	/* due timers become pending */
uint64_t fakeplat_timer_deadline(int cpu);	/* 0 when disarmed */

/* Interrupts: run what is pending on every CPU; returns upcalls run. */
int	fakeplat_drain(void);
int	fakeplat_ipi_pending(int cpu);
void	fakeplat_raise_irq(int cpu, int irq);

/*
 * Run fn(arg) as CPU `cpu': with its per-CPU base in %gs, and plat_*
 * calls (plat_cpu_set_percpu, timers, interrupt state) attributed to
 * it; then switch back.  A CPU fakeplat never started has no per-CPU
 * base until fn gives it one (plat_cpu_set_percpu).  For tests that
 * need "another CPU" to do something, such as free memory it does not
 * own.
 */
void	fakeplat_run_on_cpu(int cpu, void (*fn)(void *), void *arg);

/* Kernel environment seen by plat_getparam. */
void	fakeplat_setparam(const char *name, const char *value);

/*
 * Run fn(arg); returns the status it passed to plat_halt(), or -1 if it
 * returned without halting.  An unexpected plat_halt() fails the test.
 */
int	fakeplat_catch_halt(void (*fn)(void *), void *arg);

/* What plat_cpu_idle does when nothing is pending and no timer is armed:
 * by default the test fails ("idle forever"); a hook may feed input. */
void	fakeplat_set_idle_hook(void (*hook)(void));

#define FAKEPLAT_CONS_IRQ	3

#endif /* !_FAKEPLAT_H_ */
