/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * stdlib.h - sorting and number parsing for core code (no allocation:
 * the kernel's allocator is kmalloc).
 */
#ifndef _SHIM_STDLIB_H_
#define _SHIM_STDLIB_H_

#include <stddef.h>

void	qsort(void *, size_t, size_t, int (*)(const void *, const void *));
long	strtol(const char *restrict, char **restrict, int);
unsigned long strtoul(const char *restrict, char **restrict, int);
long long strtoll(const char *restrict, char **restrict, int);
unsigned long long strtoull(const char *restrict, char **restrict, int);

#endif /* !_SHIM_STDLIB_H_ */
