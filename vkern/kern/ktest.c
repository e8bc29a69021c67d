/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * ktest.c - the monitor's `ktest' command: runs in-kernel test cases
 * from the ktest_set linker set and prints one PASS/FAIL line per case,
 * then a summary line the integration tests look for.  Runs in the
 * monitor's thread; cases start their own threads as they need.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/ktest.h>
#include <sys/monitor.h>
#include <sys/errno.h>
#include <string.h>
#include <stdlib.h>
#include <plat/plat.h>

SET_DECLARE(ktest_set, struct ktest);

int
ktest_fail(int err, const char *fmt, ...)
{
	va_list ap;

	kprintf("ktest: FAIL: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	return (err);
}

static int
ktest_matches(const struct ktest *kt, const char *pat)
{
	size_t n = strlen(kt->kt_subsys);

	if (strcmp(pat, "all") == 0)
		return (1);
	if (strncmp(pat, kt->kt_subsys, n) != 0)
		return (0);
	if (pat[n] == '\0')
		return (1);
	return (pat[n] == '.' && strcmp(pat + n + 1, kt->kt_case) == 0);
}

static int
cmd_ktest(int argc, char **argv)
{
	struct ktest **ktp;
	uint64_t t0;
	char *end;
	long secs = 0;
	int error, pass = 0, fail = 0;

	if (argc < 2 || argc > 3)
		return (EINVAL);
	if (argc == 3) {
		secs = strtol(argv[2], &end, 10);
		if (*end != '\0' || secs < 1 || secs > 3600)
			return (EINVAL);
	}
	SET_FOREACH(ktp, ktest_set) {
		if (!ktest_matches(*ktp, argv[1]))
			continue;
		kprintf("ktest %s.%s: running\n", (*ktp)->kt_subsys,
		    (*ktp)->kt_case);
		t0 = plat_clock_ns();
		error = (*ktp)->kt_func((int)secs);
		kprintf("ktest %s.%s: %s (%llu ms)\n", (*ktp)->kt_subsys,
		    (*ktp)->kt_case, error == 0 ? "PASS" : "FAIL",
		    (unsigned long long)((plat_clock_ns() - t0) / 1000000));
		if (error == 0)
			pass++;
		else
			fail++;
	}
	if (pass + fail == 0) {
		kprintf("ktest: no test matches '%s'\n", argv[1]);
		return (ENOENT);
	}
	kprintf("ktest: %d passed, %d failed\n", pass, fail);
	return (0);
}
MONITOR_COMMAND(ktest, "SUBSYS[.CASE]|all [SECONDS]",
    "run in-kernel tests", cmd_ktest);
