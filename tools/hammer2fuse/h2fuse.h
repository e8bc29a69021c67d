/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2fuse.h - hammer2fuse, a FUSE3 driver for HAMMER2 images on the
 * low-level (inode-number) API: hammer2fuse.c parses the command line,
 * opens the image and runs the session; h2fuse_ops.c answers the
 * kernel's requests of a read-only mount through the format core's
 * read API, h2fuse_rwops.c those of a read-write mount (-w) through its
 * read-write API.  FUSE inode numbers are
 * HAMMER2 inode numbers, except that the PFS root is always
 * FUSE_ROOT_ID, so a lookup needs no table of our own; a small cache of
 * loaded inodes saves the inode-index descent on repeated requests.
 *
 * Protection: everything in struct h2fuse is set before the session
 * starts and read-only after, except the inode cache [C: ic_mu] and,
 * on a read-write mount, the core's mount and stop [W: rw_mu].
 */
#ifndef _TOOLS_H2FUSE_H_
#define _TOOLS_H2FUSE_H_

#define FUSE_USE_VERSION 312	/* opaque fuse_loop_config */
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <unistd.h>

#include "h2img.h"

#define H2FUSE_ICACHE	4096	/* inode cache slots (power of two) */

/* lseek's whence as the core's HAMMER2_SEEK_*, or -1 (FUSE sends only
 * SEEK_DATA and SEEK_HOLE; the kernel does the others). */
static inline int
h2fuse_seek_what(int whence)
{
	return (whence == SEEK_DATA ? HAMMER2_SEEK_DATA :
	    whence == SEEK_HOLE ? HAMMER2_SEEK_HOLE : -1);
}

/* Answer an lseek request with res, or with the error. */
static inline void
h2fuse_reply_seek(fuse_req_t req, int error, uint64_t res)
{
	if (error != 0)
		fuse_reply_err(req, error);
	else
		fuse_reply_lseek(req, (off_t)res);
}

struct h2fuse_islot {
	uint64_t		ino;	/* [C] FUSE inode number, 0 = empty */
	struct hammer2_inode	ip;	/* [C] */
};

struct h2fuse {
	struct h2img		 img;		/* [I] image, volume, PFS */
	uint64_t		 rootinum;	/* [I] HAMMER2 root inum */
	double			 attr_timeout;	/* [I] seconds */
	double			 entry_timeout;	/* [I] seconds */
	int			 readdirplus;	/* [I] answer READDIRPLUS */
	pthread_mutex_t		 ic_mu;
	struct h2fuse_islot	*icache;	/* [C] H2FUSE_ICACHE slots */
	int			 flush_secs;	/* [I] -w: periodic flush */
	pthread_mutex_t		 rw_mu;
	pthread_cond_t		 rw_cv;		/* [W] wakes the flusher */
	int			 stop;		/* [W] */
	pthread_t		 flush_thread;
	int			 flush_running;
};

/* The operations table (h2fuse_ops.c). */
extern const struct fuse_lowlevel_ops h2fuse_ops;
/* The read-write operations (h2fuse_rwops.c). */
extern const struct fuse_lowlevel_ops h2fuse_rwops;

/* Start / stop the read-write side (lock, periodic flush thread). */
int	h2fuse_rw_start(struct h2fuse *hf);
void	h2fuse_rw_stop(struct h2fuse *hf);

/* Set up / tear down the inode cache.  0 or ENOMEM. */
int	h2fuse_icache_init(struct h2fuse *hf);
void	h2fuse_icache_fini(struct h2fuse *hf);

#endif /* !_TOOLS_H2FUSE_H_ */
