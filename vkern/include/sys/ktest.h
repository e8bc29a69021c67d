/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * ktest.h - in-kernel tests, built into both kernels and run from the
 * monitor (`ktest SUBSYS' or `ktest SUBSYS.CASE [SECONDS]').  They
 * exercise real concurrency on real CPUs: vCPU threads in the vkernel,
 * QEMU -smp on pc64.  A case returns 0 or an errno after printing why;
 * a broken invariant may also panic with a sentence.  Cases live in
 * tests/ktest/ and register with KTEST(subsys, case, func).
 */
#ifndef _SYS_KTEST_H_
#define _SYS_KTEST_H_

#include <sys/types.h>
#include <sys/linker_set.h>

struct ktest {
	const char	*kt_subsys;
	const char	*kt_case;
	int		(*kt_func)(int seconds);	/* 0 = default length */
};

#define KTEST(subsys, name, func)					\
	static struct ktest __CONCAT(__ktest_##subsys##_, name) = {	\
		#subsys, #name, (func)					\
	};								\
	DATA_SET(ktest_set, __CONCAT(__ktest_##subsys##_, name))

/* Print a failure line "ktest SUBSYS.CASE: FAIL: ..." and return err. */
int	ktest_fail(int err, const char *fmt, ...) __printflike(2, 3);

#endif /* !_SYS_KTEST_H_ */
