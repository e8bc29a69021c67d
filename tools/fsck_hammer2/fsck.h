/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * fsck.h - the parts of fsck_hammer2 and what they share.  One check of
 * one volume header runs three passes over the image, all through the
 * format core in fs/hammer2:
 *
 *   fsck_walk.c     every blockref reachable from the header's super-root:
 *                   check codes (data blocks included, and that compressed
 *                   blocks decode), blockref types allowed where they sit,
 *                   key ranges against the enclosing indirect blocks,
 *                   table ordering, inode numbers against index keys,
 *                   directory-entry keys against their name hashes; it
 *                   collects each PFS's inodes and directory entries
 *   fsck_names.c    per PFS: every entry names an existing inode of the
 *                   type it claims, nlinks equals the number of names,
 *                   directories have one name and the right iparent,
 *                   nothing is orphaned or unreachable; problems carry
 *                   the path of the inode concerned
 *   fsck_freemap.c  the freemap tree's check codes, and every block in use
 *                   marked allocated in it
 *
 * Problems are errors (the image is damaged: exit status 1) or warnings
 * (odd but legal or harmless: reported, exit status unchanged).
 */
#ifndef _TOOLS_FSCK_H_
#define _TOOLS_FSCK_H_

#include <stddef.h>
#include <stdint.h>

#include "h2img.h"

#define FSCK_ERROR	1
#define FSCK_WARN	2

/* Exit statuses beyond H2_EXIT_*: the image could not be read at all. */
#define FSCK_EXIT_OPEN	8

/* An inode found in a PFS inode index (or, legacy, in a directory). */
struct fsck_inode {
	uint64_t	inum;
	uint64_t	nlinks;
	uint64_t	iparent;
	uint64_t	size;
	uint64_t	blk;		/* media offset of its block */
	uint8_t		type;		/* HAMMER2_OBJTYPE_* */
	uint32_t	refs;		/* names found (fsck_names.c) */
};

/* A directory entry: name in dir `dir` for inode `inum`. */
struct fsck_dirent {
	uint64_t	 dir;
	uint64_t	 inum;
	uint64_t	 blk;		/* the bref's block (0: inline) */
	uint64_t	 key;
	uint8_t		 type;
	char		*name;		/* NUL-terminated copy */
};

/* A problem waiting for its path to be known (end of the PFS). */
struct fsck_prob {
	int		 sev;
	uint64_t	 inum;		/* 0: no inode concerned */
	char		*msg;		/* "where: what" without the path */
};

/* Index keys below a block that could not be read. */
struct fsck_bad {
	uint64_t	lo, hi;
	uint64_t	blk;
};

struct fsck_pfs {
	char			 label[HAMMER2_PFS_LABEL_MAX];
	uint64_t		 root;		/* root inode number */
	struct fsck_inode	*ino;
	size_t			 nino, capino;
	struct fsck_dirent	*de;
	size_t			 nde, capde;
	struct fsck_prob	*prob;
	size_t			 nprob, capprob;
	struct fsck_bad		*bad;		/* lost parts of the index */
	size_t			 nbad, capbad;
	int			 dirdamage;	/* some entries were lost */
};

/* A block in use (for the freemap cross-check). */
struct fsck_ref {
	uint64_t	off;
	uint32_t	len;
	uint8_t		type;
};

struct fsck {
	struct h2img		 img;
	int			 verbose;
	int			 copy;		/* header copy being checked */
	const char		*where;		/* "" or "header copy N: " */
	long			 nerr, nwarn;
	long			 nblocks;	/* brefs visited */
	long			 ndata;		/* data blocks verified */
	long			 npfs;
	char			 lastreason[160];	/* from the core */
	struct fsck_ref		*ref;
	size_t			 nref, capref;
};

/*
 * fsck_problem - report one problem now: "fsck_hammer2: IMAGE: [header
 * copy N: ]MESSAGE" on stdout, counted as an error or a warning.
 */
void	fsck_problem(struct fsck *fc, int sev, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* fsck_walk - pass 1 (and pass 2 for each PFS met).  0 or an errno. */
int	fsck_walk(struct fsck *fc);

/*
 * fsck_pfs_problem - remember a problem about inode inum of pfs, printed
 * with its path when the PFS is done.
 */
void	fsck_pfs_problem(struct fsck *fc, struct fsck_pfs *pfs, int sev,
	    uint64_t inum, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));

/* fsck_names_check - pass 2 on one PFS, then print its problems. */
void	fsck_names_check(struct fsck *fc, struct fsck_pfs *pfs);
void	fsck_pfs_free(struct fsck_pfs *pfs);

/* fsck_freemap - pass 3.  0 or an errno. */
int	fsck_freemap(struct fsck *fc);

/* Grow an array of elements of size sz to hold one more. 0 or ENOMEM. */
int	fsck_grow(void **v, size_t *cap, size_t n, size_t sz);

#endif /* !_TOOLS_FSCK_H_ */
