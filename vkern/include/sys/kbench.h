/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * kbench.h - in-kernel benchmarks, run from the monitor (`kbench SUBSYS')
 * and read by the scripts in bench/, which measure the host anchor in
 * the same run.  Each case prints lines of the form
 *	kbench NAME: VALUE UNIT (N ops)
 * through kbench_report().  Never used as a test: timings are noisy.
 */
#ifndef _SYS_KBENCH_H_
#define _SYS_KBENCH_H_

#include <sys/types.h>
#include <sys/linker_set.h>

struct kbench {
	const char	*kb_subsys;
	const char	*kb_case;
	void		(*kb_func)(void);
};

#define KBENCH(subsys, name, func)					\
	static struct kbench __CONCAT(__kbench_##subsys##_, name) = {	\
		#subsys, #name, (func)					\
	};								\
	DATA_SET(kbench_set, __CONCAT(__kbench_##subsys##_, name))

void	kbench_report(const char *name, uint64_t total_ns, uint64_t ops);

#endif /* !_SYS_KBENCH_H_ */
