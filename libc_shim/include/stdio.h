/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * stdio.h - formatting into memory only: the core has no FILE.  Formats:
 * %d %i %u %x %X %o %c %s %p %%, flags - + space # 0, width and precision
 * (also *), lengths hh h l ll z j t.  Behaviour matches C99 for those.
 */
#ifndef _SHIM_STDIO_H_
#define _SHIM_STDIO_H_

#include <stddef.h>
#include <stdarg.h>

int	snprintf(char *restrict, size_t, const char *restrict, ...)
	    __attribute__((format(printf, 3, 4)));
int	vsnprintf(char *restrict, size_t, const char *restrict, va_list)
	    __attribute__((format(printf, 3, 0)));

#endif /* !_SHIM_STDIO_H_ */
