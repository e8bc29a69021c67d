/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * vk_disk.c - opening -r disk images at start-up.  An image must be a
 * readable and writable regular file or block device, and no other
 * vkernel may have it (an exclusive, non-blocking flock, as DragonFly's
 * vkernel takes).  The descriptors stay open for the disk driver.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "vk.h"

int
vk_disk_open(const char *path, int *fdp, uint64_t *sizep)
{
	struct stat st;
	off_t end;
	int fd, error;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return (errno);
	if (fstat(fd, &st) != 0) {
		error = errno;
		goto bad;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		error = EINVAL;
		goto bad;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		error = errno == EWOULDBLOCK ? EBUSY : errno;
		goto bad;
	}
	end = lseek(fd, 0, SEEK_END);
	if (end < 0) {
		error = errno;
		goto bad;
	}
	*fdp = fd;
	*sizep = (uint64_t)end;
	return (0);
bad:
	close(fd);
	return (error);
}
