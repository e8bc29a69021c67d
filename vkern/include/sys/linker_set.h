/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * linker_set.h - tables assembled by the linker from entries scattered
 * over many files.  Each entry is a pointer in section "set_NAME"; the
 * linker provides __start_set_NAME and __stop_set_NAME around them (GNU
 * ld does so for any section whose name is a C identifier; the pc64
 * linker script keeps them).
 */
#ifndef _SYS_LINKER_SET_H_
#define _SYS_LINKER_SET_H_

#include <sys/cdefs.h>

#define DATA_SET(set, sym)						\
	static void *__CONCAT(__set_##set##_, sym)		\
	    __section("set_" #set) __used = &(sym)

#define SET_DECLARE(set, ptype)						\
	extern ptype *__CONCAT(__start_set_, set)[] __attribute__((weak)); \
	extern ptype *__CONCAT(__stop_set_, set)[] __attribute__((weak))

#define SET_BEGIN(set)		(__CONCAT(__start_set_, set))
#define SET_LIMIT(set)		(__CONCAT(__stop_set_, set))
#define SET_COUNT(set)		((size_t)(SET_LIMIT(set) - SET_BEGIN(set)))
#define SET_FOREACH(pvar, set)						\
	for (pvar = SET_BEGIN(set); pvar < SET_LIMIT(set); pvar++)

#endif /* !_SYS_LINKER_SET_H_ */
