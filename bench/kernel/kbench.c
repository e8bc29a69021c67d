/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * kbench.c - the monitor's `kbench SUBSYS' command: runs the in-kernel
 * benchmark cases of the kbench_set linker set and prints their results
 * for the bench scripts to parse.  Runs in the monitor's thread.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kbench.h>
#include <sys/monitor.h>
#include <sys/errno.h>
#include <string.h>

SET_DECLARE(kbench_set, struct kbench);

void
kbench_report(const char *name, uint64_t total_ns, uint64_t ops)
{
	uint64_t tenths = ops != 0 ? total_ns * 10 / ops : 0;

	kprintf("kbench %s: %llu.%llu ns (%llu ops)\n", name,
	    (unsigned long long)(tenths / 10),
	    (unsigned long long)(tenths % 10), (unsigned long long)ops);
}

static int
cmd_kbench(int argc, char **argv)
{
	struct kbench **kbp;
	int n = 0;

	if (argc != 2)
		return (EINVAL);
	SET_FOREACH(kbp, kbench_set) {
		if (strcmp(argv[1], "all") != 0 &&
		    strcmp(argv[1], (*kbp)->kb_subsys) != 0)
			continue;
		(*kbp)->kb_func();
		n++;
	}
	if (n == 0) {
		kprintf("kbench: nothing matches '%s'\n", argv[1]);
		return (ENOENT);
	}
	kprintf("kbench: done\n");
	return (0);
}
MONITOR_COMMAND(kbench, "SUBSYS|all", "run in-kernel benchmarks",
    cmd_kbench);
