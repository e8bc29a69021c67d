/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * trapcmd.c - the monitor's `trap' command: provoke a CPU exception in
 * kernel mode on purpose, to test the path from the exception vector
 * through the register dump to the core's panic and backtrace (and, for
 * `trap stack', the double-fault IST stack).  Every kind is fatal:
 * PLAT_EXIT_PANIC is the expected outcome.
 *
 * Context: monitor thread; never returns when the kind is known.
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <sys/monitor.h>
#include <string.h>

static int
cmd_trap(int argc, char **argv)
{
	const char *kind;

	if (argc != 2)
		return (EINVAL);
	kind = argv[1];
	if (strcmp(kind, "null") == 0) {
		/* #PF: read through a NULL pointer (page 0 is unmapped). */
		(void)*(volatile uint64_t *)0;
	} else if (strcmp(kind, "gp") == 0) {
		/* #GP: a non-canonical address. */
		(void)*(volatile uint64_t *)0x8000000000000000ULL;
	} else if (strcmp(kind, "ud") == 0) {
		__asm__ __volatile__("ud2");
	} else if (strcmp(kind, "div") == 0) {
		__asm__ __volatile__("xorl %%ecx, %%ecx; divl %%ecx"
		    : : : "eax", "ecx", "edx");
	} else if (strcmp(kind, "bp") == 0) {
		__asm__ __volatile__("int3");
	} else if (strcmp(kind, "stack") == 0) {
		/*
		 * A stack pointer into unmapped memory: the #PF cannot be
		 * delivered on that stack, so the CPU raises #DF, which runs
		 * on its IST stack.
		 */
		__asm__ __volatile__("movq $0x1000, %%rsp; pushq %%rax"
		    : : : "memory");
	} else
		return (EINVAL);
	return (EIO);			/* the exception did not happen */
}
MONITOR_COMMAND(trap, "null|gp|ud|div|bp|stack",
    "pc64: raise a CPU exception in the kernel (tests the trap path)",
    cmd_trap);
