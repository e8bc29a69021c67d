/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * shim_rename.h - gives every libc_shim symbol a shim_ prefix.  It is
 * force-included (-include) into the libc_shim_test build of the shim
 * sources and included by the tests' shim_test.h, so a test program
 * can call shim_snprintf() and glibc's snprintf() side by side.  Keep it
 * equal to libc_shim/symbols.txt: libc_shim.symbols checks that it is.
 * Only #defines here: it comes before everything else in a shim source.
 */
#ifndef _SHIM_RENAME_H_
#define _SHIM_RENAME_H_

#define memcpy		shim_memcpy
#define memmove		shim_memmove
#define memset		shim_memset
#define memcmp		shim_memcmp
#define memchr		shim_memchr
#define strlen		shim_strlen
#define strnlen		shim_strnlen
#define strcmp		shim_strcmp
#define strncmp		shim_strncmp
#define strchr		shim_strchr
#define strrchr		shim_strrchr
#define strstr		shim_strstr
#define strspn		shim_strspn
#define strcspn		shim_strcspn
#define snprintf	shim_snprintf
#define vsnprintf	shim_vsnprintf
#define qsort		shim_qsort
#define strtol		shim_strtol
#define strtoul		shim_strtoul
#define strtoll		shim_strtoll
#define strtoull	shim_strtoull

#endif /* !_SHIM_RENAME_H_ */
