/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * string.h - the memory and string functions core code may call.  pc64
 * links libc_shim/src/string.c; the vkernel and host tools link glibc's.
 * Prototypes are the standard C ones, so either implementation fits.
 */
#ifndef _SHIM_STRING_H_
#define _SHIM_STRING_H_

#include <stddef.h>

void	*memcpy(void *restrict, const void *restrict, size_t);
void	*memmove(void *, const void *, size_t);
void	*memset(void *, int, size_t);
int	 memcmp(const void *, const void *, size_t);
void	*memchr(const void *, int, size_t);
size_t	 strlen(const char *);
size_t	 strnlen(const char *, size_t);
int	 strcmp(const char *, const char *);
int	 strncmp(const char *, const char *, size_t);
char	*strchr(const char *, int);
char	*strrchr(const char *, int);
char	*strstr(const char *, const char *);
size_t	 strspn(const char *, const char *);
size_t	 strcspn(const char *, const char *);

#endif /* !_SHIM_STRING_H_ */
