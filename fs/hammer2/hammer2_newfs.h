/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_newfs.h - formatting an empty HAMMER2 volume (format 11.1):
 * the layout rules (boot/aux/reserved sizes, the newfs-static block of
 * the super-root and PFS root inodes) and one entry point that writes
 * a complete version-2 single-volume file system through caller-given
 * write callbacks.  It is separate from the read API in hammer2.h: the
 * reader's struct hammer2_io_ops has no write side, and formatting
 * needs no opened volume.  The core keeps no state between calls and
 * allocates nothing; the 64 KB buffers it needs come from the caller's
 * alloc callback.
 *
 * Locking: none; the caller serialises access to the device.
 */
#ifndef _FS_HAMMER2_HAMMER2_NEWFS_H_
#define _FS_HAMMER2_HAMMER2_NEWFS_H_

#include <stddef.h>
#include <stdint.h>

#include <fs/hammer2/hammer2_disk.h>

#define HAMMER2_NEWFS_ALIGN	(8ULL << 20)	/* volume size granularity */
#define HAMMER2_NEWFS_MINSIZE	(1ULL << 30)	/* smallest volume made */
#define HAMMER2_NEWFS_MAXLABELS	4		/* LOCAL included */
#define HAMMER2_NEWFS_TID	16		/* TID of the newfs sync */
#define HAMMER2_NEWFS_PFS_INUM	16		/* pfs_inum of new roots */

struct hammer2_newfs_ops {
	/*
	 * write - write len bytes from buf at byte offset off.  A short
	 * write is an error.  Returns 0 or an errno.
	 */
	int	(*write)(void *ctx, uint64_t off, const void *buf, size_t len);
	/*
	 * zero - make [off, off + len) read as zeros (may punch a hole).
	 * Optional: when NULL the core writes zero buffers instead.
	 */
	int	(*zero)(void *ctx, uint64_t off, uint64_t len);
	/* flush - barrier: everything written so far is on media. */
	int	(*flush)(void *ctx);
	/* random - fill buf with len random bytes (UUIDs). */
	void	(*random)(void *ctx, void *buf, size_t len);
	/* alloc / free - memory for buffers of at most 64 KB. */
	void	*(*alloc)(void *ctx, size_t len);
	void	(*free)(void *ctx, void *p, size_t len);
	void	*ctx;
};

struct hammer2_newfs_tree;

struct hammer2_newfs_args {
	uint64_t	size;		/* bytes of the device */
	uint64_t	now_us;		/* creation time, µs since 1970 */
	/* Labels besides LOCAL (which is always made); none: DATA. */
	const char	*labels[HAMMER2_NEWFS_MAXLABELS];
	int		nlabels;
	int		nodefault;	/* nlabels == 0 makes LOCAL only */
	int		comp_algo;	/* PFS roots but BOOT; -1: LZ4 */
	int		check_algo;	/* PFS roots; -1: XXHASH64 */
	/* Contents of the first PFS after LOCAL, or NULL (empty). */
	struct hammer2_newfs_tree *tree;
};

/* Attributes of an object added to a tree. */
struct hammer2_newfs_attr {
	uint8_t		type;		/* HAMMER2_OBJTYPE_* */
	uint32_t	mode;		/* permission bits (07777) */
	uint32_t	uid, gid;
	uint32_t	rmajor, rminor;	/* CDEV / BDEV */
	uint64_t	size;		/* REGFILE / SOFTLINK bytes */
	uint64_t	ctime, mtime;	/* µs since 1970 */
};

#define HAMMER2_NEWFS_ROOT_INUM	1	/* parent for the PFS root */

/* The layout chosen for a size (all byte offsets/sizes). */
struct hammer2_newfs_layout {
	uint64_t	volu_size;	/* size rounded down to 8 MB */
	uint64_t	boot_beg, boot_end;
	uint64_t	aux_beg, aux_end;
	uint64_t	reserved;	/* the 4 MB per GB, accounting only */
	uint64_t	allocator_size;
	uint64_t	alloc_base;	/* the static inode block */
	uint64_t	allocator_beg;
	int		nheaders;	/* header copies written */
};

/*
 * hammer2_newfs_layout - compute the layout for nlabels PFSs (LOCAL
 * included) on a device of size bytes.  Returns 0, or EINVAL when size
 * is below HAMMER2_NEWFS_MINSIZE or leaves no allocatable space.
 */
int	hammer2_newfs_layout(uint64_t size, int npfs,
	    struct hammer2_newfs_layout *lay);

/*
 * hammer2_newfs - format the device: zero the reserved segment, boot and
 * aux areas, write the super-root and PFS root inodes, flush, then write
 * every volume header copy that fits and flush again.  The freemap is
 * left empty (format 8.5): everything below allocator_beg counts as
 * allocated.  lay (may be NULL) receives the layout used.
 * Returns 0, EINVAL (bad size, label or algorithm), EEXIST (duplicate
 * label or label hash), ENOMEM, or an errno from a callback.
 */
int	hammer2_newfs(const struct hammer2_newfs_args *args,
	    const struct hammer2_newfs_ops *ops,
	    struct hammer2_newfs_layout *lay);

/*
 * A tree copied into the first data PFS (newfs -d).  Build it after
 * creating it with the same args (minus tree) that hammer2_newfs gets:
 * objects are added parent first; file and symlink bytes are given in
 * 64 KB logical blocks, in any order, each exactly min(64 KB, size -
 * off) long.  Blocks are written at once, after the newfs-static block,
 * below allocator_beg (outside the freemap's care, like the static
 * block); inodes, directory and indirect blocks are written by
 * hammer2_newfs, before the volume header.  Files of at most 512 bytes
 * are embedded; data blocks are compressed by the PFS root's comp_algo
 * (hammer2_compress_block) and all-zero ones become holes.
 */
int	hammer2_newfs_tree_create(const struct hammer2_newfs_args *args,
	    const struct hammer2_newfs_ops *ops,
	    struct hammer2_newfs_tree **treep);
/* Add an object named name in directory parent; returns its inum. */
int	hammer2_newfs_tree_add(struct hammer2_newfs_tree *t, uint64_t parent,
	    const char *name, size_t namelen,
	    const struct hammer2_newfs_attr *attr, uint64_t *inump);
/* Add a hard link to inum (not a directory) in directory parent. */
int	hammer2_newfs_tree_link(struct hammer2_newfs_tree *t,
	    uint64_t parent, const char *name, size_t namelen, uint64_t inum);
/* Store the logical block at off (a multiple of 64 KB) of inum. */
int	hammer2_newfs_tree_write(struct hammer2_newfs_tree *t, uint64_t inum,
	    uint64_t off, const void *buf, size_t len);
void	hammer2_newfs_tree_destroy(struct hammer2_newfs_tree *t);

#endif /* !_FS_HAMMER2_HAMMER2_NEWFS_H_ */
