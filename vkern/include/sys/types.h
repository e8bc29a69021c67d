/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * types.h - the kernel's basic types, from the compiler's freestanding
 * headers only.
 */
#ifndef _SYS_TYPES_H_
#define _SYS_TYPES_H_

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>
#include <sys/cdefs.h>

typedef unsigned char	u_char;
typedef unsigned short	u_short;
typedef unsigned int	u_int;
typedef unsigned long	u_long;

typedef int64_t		ssize_t;
typedef int64_t		off_t;
typedef int64_t		time_t;
typedef uint64_t	vm_paddr_t;	/* physical address */
typedef uintptr_t	vm_offset_t;	/* kernel virtual address */
typedef uint64_t	vm_size_t;
typedef int32_t		pid_t;
typedef uint32_t	uid_t;
typedef uint32_t	gid_t;
typedef uint32_t	mode_t;
typedef uint64_t	ino_t;
typedef uint64_t	dev_t;

#endif /* !_SYS_TYPES_H_ */
