/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * kenv.c - the kernel environment (vkernel -e NAME=VALUE, the pc64
 * command line) as the monitor's `kenv NAME' command.  Lookups go to the
 * platform each time; nothing is cached, so no locking.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/monitor.h>
#include <sys/errno.h>
#include <plat/plat.h>

static int
cmd_kenv(int argc, char **argv)
{
	char val[MONITOR_LINEMAX];
	int error;

	if (argc != 2)
		return (EINVAL);
	error = plat_getparam(argv[1], val, sizeof(val));
	if (error == ENOENT) {
		kprintf("kenv: %s is not set\n", argv[1]);
		return (0);
	}
	kprintf("%s=%s%s\n", argv[1], val,
	    error == ENAMETOOLONG ? " [truncated]" : "");
	return (0);
}
MONITOR_COMMAND(kenv, "NAME", "show a kernel environment value", cmd_kenv);
