/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2rw.h - helpers of the tests that drive the read-write core
 * (fs/hammer2/hammer2_rw.h) directly: deterministic file contents,
 * images in the work directory made by the core's newfs, a read-write
 * mount of an image file with its DATA PFS and a clock that moves 1 ms
 * per call (so runs repeat exactly), a read-only open to check what
 * reached the media, and one-line forms of the calls the tests make
 * over and over.  CMocka assertions inside: call them from a test.
 * Every errno the helpers do not return is asserted to be 0.
 */
#ifndef _H2RW_H_
#define _H2RW_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "h2test.h"
#include <fs/hammer2/hammer2_rw.h>

#define H2T_KB		1024ULL
#define H2T_MB		(1024 * H2T_KB)
#define H2T_GB		(1024 * H2T_MB)
#define H2T_LBLK	(64 * H2T_KB)	/* a logical data block */

/*
 * Fill buf from seed: lines of text that LZ4 and zlib compress well
 * (text), or pseudo-random bytes they cannot compress.
 */
void	h2t_fill(uint8_t *buf, size_t len, uint64_t seed, bool text);
/* H2T_WORKDIR/name into buf. */
void	h2t_workpath(char *buf, size_t cap, const char *name);
/* A fresh sparse image of size bytes at path, formatted by the core. */
void	h2t_mkfs(const char *path, uint64_t size);

/* A read-write mount of an image file and its DATA PFS. */
struct h2t_rwm {
	struct h2t_img		 img;
	struct hammer2_vol	*vol;
	struct hammer2_mount	*mp;
	struct hammer2_wpfs	*pfs;
	uint64_t		 clock;
};

/* Mount path read-write (dirty_limit as in hammer2_rw_args). */
void	h2t_rw_mount(struct h2t_rwm *m, const char *path,
	    uint64_t dirty_limit);
/*
 * Release the PFS handle, close the mount (flushing when flush is
 * set), close the image, and assert nothing the core allocated is
 * left.  Returns the close's error.
 */
int	h2t_rw_umount(struct h2t_rwm *m, int flush);
/* The same when the caller has released the PFS handle itself. */
int	h2t_rw_close(struct h2t_rwm *m, int flush);

/* A read-only open of an image file and one of its PFSs. */
struct h2t_rom {
	struct h2t_img		 img;
	struct hammer2_vol	*vol;
	struct hammer2_pfs	*pfs;
	struct hammer2_inode	 root;
};

/* Open PFS label (NULL: DATA) of the image at path. */
void	h2t_ro_mount(struct h2t_rom *r, const char *path, const char *label);
/* Close; the core must have reported nothing and freed everything. */
void	h2t_ro_umount(struct h2t_rom *r);

/* Create name in dir; returns its inode number. */
uint64_t h2t_rw_create(struct h2t_rwm *m, uint64_t dir, const char *name,
	    uint8_t type, uint32_t mode);
/* Set inum's comp_algo (level << 4 | HAMMER2_COMP_*). */
void	h2t_rw_setcomp(struct h2t_rwm *m, uint64_t inum, int comp);
/* The inode number of name in dir (which must exist). */
uint64_t h2t_rw_lookup(struct h2t_rwm *m, uint64_t dir, const char *name);
/* The inode number of a '/'-separated path from the PFS root. */
uint64_t h2t_rw_path(struct h2t_rwm *m, const char *path);
/* Write len bytes of h2t_fill(seed, text) at off. */
void	h2t_rw_fill(struct h2t_rwm *m, uint64_t inum, uint64_t off,
	    size_t len, uint64_t seed, bool text);
void	h2t_rw_attr(struct h2t_rwm *m, uint64_t inum, struct hammer2_attr *a);
/* All size bytes of inum (a read asking one more ends there). */
uint8_t	*h2t_rw_slurp(struct h2t_rwm *m, uint64_t inum, uint64_t size);

/* The inode at path in r (into *ip), or 0 when there is none. */
uint64_t h2t_ro_inum(struct h2t_rom *r, const char *path,
	    struct hammer2_inode *ip);
/*
 * The compression of inum's data block at lb and its physical size
 * (*bytes); -1 for a hole or embedded data.
 */
int	h2t_ro_blockcomp(struct h2t_rom *r, uint64_t inum, uint64_t lb,
	    size_t *bytes);

#endif /* !_H2RW_H_ */
