/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * debugcmd.c - pc64 monitor commands that exercise platform paths the
 * core cannot reach on its own yet, for tests and for a developer at the
 * console:
 *
 *   trap KIND   provoke a CPU exception in kernel mode, to test the path
 *               from the exception vector through the register dump to
 *               the core's panic and backtrace (`trap stack' also tests
 *               the double-fault IST stack).  Every kind is fatal.
 *   ipi CPU...  ring the IPI doorbell of each CPU named; `intr' then
 *               shows the count on that CPU.
 *
 * Context: the monitor thread on the boot CPU.
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <sys/monitor.h>
#include <string.h>
#include <stdlib.h>
#include <plat/plat.h>

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

static int
cmd_ipi(int argc, char **argv)
{
	char *end;
	long cpu;
	int i;

	if (argc < 2)
		return (EINVAL);
	for (i = 1; i < argc; i++) {
		cpu = strtol(argv[i], &end, 10);
		if (*end != '\0' || end == argv[i] || cpu < 0 ||
		    cpu >= PLAT_MAXCPU)
			return (EINVAL);
	}
	for (i = 1; i < argc; i++)
		plat_ipi_send((int)strtol(argv[i], NULL, 10));
	return (0);
}
MONITOR_COMMAND(ipi, "CPU ...", "pc64: ring the IPI doorbell of CPUs",
    cmd_ipi);
