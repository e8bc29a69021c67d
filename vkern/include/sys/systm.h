/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * systm.h - what nearly every core file needs: console printing, panic,
 * assertions, backtraces.  All of it is safe before init and in panic.
 */
#ifndef _SYS_SYSTM_H_
#define _SYS_SYSTM_H_

#include <sys/types.h>

int	kprintf(const char *fmt, ...) __printflike(1, 2);
int	kvprintf(const char *fmt, va_list ap) __printflike(1, 0);
void	kputs(const char *s);

void	panic(const char *fmt, ...) __printflike(1, 2) __dead2;

/* Print the frame-pointer chain that starts at fp (0: the caller's). */
void	backtrace_print(uintptr_t fp);

#define KKASSERT(exp)							\
	do {								\
		if (__predict_false(!(exp)))				\
			panic("assertion \"%s\" failed in %s at %s:%d",	\
			    #exp, __func__, __FILE__, __LINE__);	\
	} while (0)

#define KASSERT(exp, msg)						\
	do {								\
		if (__predict_false(!(exp)))				\
			panic msg;					\
	} while (0)

#endif /* !_SYS_SYSTM_H_ */
