/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * test_setjmp.h - just enough of <setjmp.h> for cmocka.h's declarations
 * in core-flavoured tests.  Do not call setjmp through it.
 */
#ifndef _TEST_SETJMP_H_
#define _TEST_SETJMP_H_
typedef struct { long __opaque[25]; } jmp_buf[1];
int	_setjmp(jmp_buf);
#define setjmp(env)	_setjmp(env)
#endif
