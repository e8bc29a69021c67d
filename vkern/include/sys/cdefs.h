/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * cdefs.h - compiler attributes and small helpers every core file uses.
 */
#ifndef _SYS_CDEFS_H_
#define _SYS_CDEFS_H_

#define __packed		__attribute__((packed))
#define __aligned(n)		__attribute__((aligned(n)))
#define __dead2			__attribute__((noreturn))
#define __unused		__attribute__((unused))
#define __used			__attribute__((used))
#define __section(s)		__attribute__((section(s)))
#define __printflike(f, a)	__attribute__((format(printf, f, a)))
#define __noinline		__attribute__((noinline))
#define __always_inline		inline __attribute__((always_inline))

#define __predict_true(e)	__builtin_expect(!!(e), 1)
#define __predict_false(e)	__builtin_expect(!!(e), 0)

#define __CONCAT1(a, b)		a ## b
#define __CONCAT(a, b)		__CONCAT1(a, b)
#define __STRING(x)		#x
#define __XSTRING(x)		__STRING(x)

#define nitems(a)		(sizeof(a) / sizeof((a)[0]))
#define roundup2(x, y)		(((x) + ((y) - 1)) & ~((__typeof__(x))(y) - 1))
#define rounddown2(x, y)	((x) & ~((__typeof__(x))(y) - 1))
#define howmany(x, y)		(((x) + ((y) - 1)) / (y))
#define MIN(a, b)		((a) < (b) ? (a) : (b))
#define MAX(a, b)		((a) > (b) ? (a) : (b))

#define __containerof(p, t, m)	((t *)((char *)(p) - __builtin_offsetof(t, m)))

#define CTASSERT(x)		_Static_assert(x, #x)

#endif /* !_SYS_CDEFS_H_ */
