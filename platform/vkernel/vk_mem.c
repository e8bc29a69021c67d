/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * vk_mem.c - the vkernel's RAM: one memfd of the -m size, mapped once,
 * shared.  Physical address P is byte P of the memfd and lives at
 * base + P in the vkernel (the direct map).  Pages are not touched here,
 * so a large -m costs nothing until the kernel uses the memory.  Guest
 * address spaces will map the same memfd.  Called once at start-up.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <unistd.h>
#include <sys/mman.h>

#include "vk.h"

static int vk_mem_fd = -1;

int
vk_mem_init(uint64_t bytes, void **basep)
{
	void *base;
	int fd, error;

	fd = memfd_create("damselfly-ram", MFD_CLOEXEC);
	if (fd < 0)
		return (errno);
	if (ftruncate(fd, (off_t)bytes) != 0) {
		error = errno;
		close(fd);
		return (error);
	}
	base = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		error = errno;
		close(fd);
		return (error);
	}
	vk_mem_fd = fd;
	*basep = base;
	return (0);
}
