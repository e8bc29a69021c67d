/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * panic.c - the end of the road: print the reason and a backtrace, then
 * stop the machine with the panic exit status (3).  Also the monitor's
 * `panic' and `halt' commands, and core_trap_fatal(), the upcall for
 * CPU exceptions in kernel code.
 *
 * Protection: `panicking' is set atomically by the first CPU to panic; a
 * second panic (on any CPU, or a fault while printing) stops at once
 * without a backtrace so a broken stack cannot loop.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/globaldata.h>
#include <sys/monitor.h>
#include <sys/errno.h>
#include <plat/plat.h>
#include <stdio.h>

int panicking;				/* [a] tests reset it */

static int
panic_cpuid(void)
{
	/* %gs is set up early, but panic may come before. */
	if (bootinfo == NULL)
		return (0);
	return (mycpuid);
}

static void
panic_common(uintptr_t fp, const char *fmt, va_list ap)
{
	plat_intr_disable();
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_ACQ_REL) != 0) {
		kputs("\npanic: nested panic, halting\n");
		plat_halt(PLAT_EXIT_PANIC);
	}
	kprintf("\npanic (cpu%d): ", panic_cpuid());
	kvprintf(fmt, ap);
	kputs("\n");
	backtrace_print(fp);
	kputs("halting after panic\n");
	plat_halt(PLAT_EXIT_PANIC);
}

void
panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	panic_common((uintptr_t)__builtin_frame_address(0), fmt, ap);
	va_end(ap);
	for (;;)
		;
}

static void
trap_panic(uintptr_t fp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	panic_common(fp, fmt, ap);
	va_end(ap);
}

void
core_trap_fatal(const char *what, uint64_t pc, uint64_t fp)
{
	trap_panic((uintptr_t)fp, "fatal trap: %s at pc %#lx (image+%#lx)",
	    what, (unsigned long)pc, (unsigned long)(pc -
	    (bootinfo != NULL ? bootinfo->bi_image_base : 0)));
	for (;;)
		;
}

static int
cmd_panic(int argc, char **argv)
{
	char msg[MONITOR_LINEMAX];
	size_t off = 0;
	int i, n;

	msg[0] = '\0';
	for (i = 1; i < argc && off < sizeof(msg); i++) {
		n = snprintf(msg + off, sizeof(msg) - off, "%s%s",
		    i > 1 ? " " : "", argv[i]);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	panic("monitor: %s", argc > 1 ? msg : "panic requested");
}
MONITOR_COMMAND(panic, "[message]", "panic the kernel (tests the path)",
    cmd_panic);

static int
cmd_halt(int argc, char **argv)
{
	if (argc > 1)
		return (EINVAL);
	kputs("halting\n");
	plat_halt(PLAT_EXIT_HALT);
}
MONITOR_COMMAND(halt, "", "stop the machine (exit status 0)", cmd_halt);
