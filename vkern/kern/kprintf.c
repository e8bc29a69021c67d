/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * kprintf.c - formatted console output.  Each call formats into a buffer
 * on the caller's stack and hands it to the console in one write, so
 * lines from different CPUs interleave only at call boundaries.  Takes
 * no lock: safe before init, in interrupts and in panic.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/cons.h>
#include <stdio.h>
#include <string.h>

#define KPRINTF_BUFSIZE	512

int
kvprintf(const char *fmt, va_list ap)
{
	char buf[KPRINTF_BUFSIZE];
	int n;

	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		return (n);
	if ((size_t)n >= sizeof(buf)) {
		/* Too long for one buffer: say so rather than cut silently. */
		cons_write(buf, sizeof(buf) - 1);
		cons_write("...[truncated]\n", 15);
		return (n);
	}
	cons_write(buf, (size_t)n);
	return (n);
}

int
kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvprintf(fmt, ap);
	va_end(ap);
	return (n);
}

void
kputs(const char *s)
{
	cons_write(s, strlen(s));
}
