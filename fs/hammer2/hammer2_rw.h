/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_rw.h - the read-write interface of the HAMMER2 format core
 * (format 8, 11): a mount of an opened volume that modifies it by
 * copy-on-write.  Changes are made to in-memory chains (one per block
 * being changed: inodes, indirect blocks, file data, long names) and
 * reach the media only in hammer2_rw_flush(), which writes every changed
 * block to a newly allocated place, updates parents bottom-up up to the
 * volume header's super-root set, writes the freemap, issues the
 * barrier and only then writes one volume header copy, rotating through
 * the copies.  A crash or a cut-off device at any moment therefore
 * leaves the state of the last completed flush.
 *
 * Objects are named by inode number within a PFS (1 = the PFS root), the
 * way a FUSE low-level file system or a kernel vnode layer names them;
 * no handle outlives a call.
 *
 * Protection: none inside.  All calls on one mount (and its PFSs) must
 * be serialised by the caller (hammer2fuse: a mutex; the kernel: the
 * mount's token).  The volume must have been opened with io_ops->write
 * and io_ops->barrier, and must not be used through the read-only API
 * while the mount exists.
 *
 * Errors: 0 or a positive errno: those of the read API, plus EEXIST,
 * ENOTEMPTY, EPERM (hard link to a directory), EBUSY (deleting a mounted
 * PFS), ENOSPC (the change would not fit at the next flush; nothing was
 * changed), EROFS (an earlier flush failed to write: the mount refuses
 * further changes, the media keeps the last good flush).
 */
#ifndef _FS_HAMMER2_HAMMER2_RW_H_
#define _FS_HAMMER2_HAMMER2_RW_H_

#include <fs/hammer2/hammer2.h>

struct hammer2_mount;
struct hammer2_wpfs;

struct hammer2_rw_args {
	/* Wall clock in microseconds since 1970 (inode times); may be NULL. */
	uint64_t (*now_us)(void *ctx);
	/* len random bytes (PFS UUIDs); may be NULL (derived from TIDs). */
	void	(*random)(void *ctx, void *buf, size_t len);
	void	*ctx;
	/* Dirty bytes that make a change call flush by itself; 0: 64 MB. */
	uint64_t dirty_limit;
};

/*
 * hammer2_rw_open - start a read-write mount of vol: load the freemap,
 * run mount-time freemap recovery (11.4).  Returns 0 and *mpp, EINVAL
 * (no write ops), EIO, EUCLEAN, ENOMEM.
 */
int	hammer2_rw_open(struct hammer2_vol *vol,
	    const struct hammer2_rw_args *args, struct hammer2_mount **mpp);

/*
 * hammer2_rw_close - flush (when flush is set) and free the mount.  Every
 * PFS must have been released.  Returns the flush's error.
 */
int	hammer2_rw_close(struct hammer2_mount *mp, int flush);

/*
 * hammer2_rw_flush - make every change so far durable (the sync of
 * format 11.3).  Nothing to do: no write at all.  Returns 0, ENOSPC
 * (nothing written, changes kept), EIO/EROFS (write failure: the mount
 * turns read-only).
 */
int	hammer2_rw_flush(struct hammer2_mount *mp);

/* The in-memory volume header (what the next flush will write). */
const struct hammer2_volume_data *hammer2_rw_header(
	    const struct hammer2_mount *mp);

/*
 * PFSs.  get: a handle on the PFS named label ("DATA" when NULL); put
 * releases it with its holds (orphans are deleted; the first error of
 * that is returned, the handle is gone either way).
 * create: a new empty MASTER PFS.  delete: remove a PFS that is not
 * held.  snapshot: flush, then a new PFS sharing src's flushed tree,
 * named name, then flush again.
 */
int	hammer2_rw_pfs_get(struct hammer2_mount *mp, const char *label,
	    struct hammer2_wpfs **pfsp);
int	hammer2_rw_pfs_put(struct hammer2_wpfs *pfs);
int	hammer2_rw_pfs_create(struct hammer2_mount *mp, const char *label);
int	hammer2_rw_pfs_delete(struct hammer2_mount *mp, const char *label);
int	hammer2_rw_snapshot(struct hammer2_wpfs *src, const char *name);

/*
 * Bulkfree (8.6): flush, one pass over the whole topology, flush the
 * freemap.  Two passes free a block.  st may be NULL.
 */
struct hammer2_bulkfree_stats {
	uint64_t	scanned;	/* brefs visited */
	uint64_t	bad;		/* skipped: failed check or invalid */
	uint64_t	staged;		/* 16 KB blocks 11 -> 10 */
	uint64_t	freed;		/* 16 KB blocks 10 -> 00 */
	uint64_t	conflicts;	/* referenced but live 00 */
};
int	hammer2_rw_bulkfree(struct hammer2_mount *mp,
	    struct hammer2_bulkfree_stats *st);

struct hammer2_rw_statfs {
	uint64_t	total;		/* allocatable bytes */
	uint64_t	avail;		/* free bytes, minus pending changes */
	uint64_t	inodes;		/* inodes in the PFS (advisory) */
};
int	hammer2_rw_statfs(struct hammer2_wpfs *pfs, struct hammer2_rw_statfs *sf);

/*
 * Names and attributes.  lookup: name in directory dir ("." and ".."
 * too).  getattr as the read API's.  readdir: cookies as the read API's.
 */
int	hammer2_rw_lookup(struct hammer2_wpfs *pfs, uint64_t dir,
	    const char *name, size_t len, uint64_t *inump);
int	hammer2_rw_getattr(struct hammer2_wpfs *pfs, uint64_t inum,
	    struct hammer2_attr *attr);
int	hammer2_rw_readdir(struct hammer2_wpfs *pfs, uint64_t dir,
	    uint64_t cookie,
	    int (*cb)(void *arg, const struct hammer2_dirent *ent), void *arg);
int	hammer2_rw_read(struct hammer2_wpfs *pfs, uint64_t inum, uint64_t off,
	    void *buf, size_t len, size_t *nread);
/* SEEK_DATA/SEEK_HOLE as hammer2_seek, with the changes not yet flushed. */
int	hammer2_rw_seek(struct hammer2_wpfs *pfs, uint64_t inum, uint64_t off,
	    int what, uint64_t *resp);

/* What to create. */
struct hammer2_rw_create {
	uint8_t		 type;		/* HAMMER2_OBJTYPE_* */
	uint32_t	 mode;		/* 07777 */
	uint32_t	 uid, gid;
	uint32_t	 rmajor, rminor;	/* CDEV/BDEV */
	const char	*target;	/* SOFTLINK */
	size_t		 targetlen;
};

int	hammer2_rw_create(struct hammer2_wpfs *pfs, uint64_t dir,
	    const char *name, size_t len, const struct hammer2_rw_create *c,
	    uint64_t *inump);
int	hammer2_rw_write(struct hammer2_wpfs *pfs, uint64_t inum, uint64_t off,
	    const void *buf, size_t len);
int	hammer2_rw_truncate(struct hammer2_wpfs *pfs, uint64_t inum,
	    uint64_t size);
/*
 * Remove name from dir: a non-directory (rmdir 0) or an empty one.
 * Removing, shrinking a file (truncate, setattr SIZE) and deleting a
 * PFS may use the headroom the other changes must leave free, so that
 * a full volume can be emptied again.
 */
int	hammer2_rw_remove(struct hammer2_wpfs *pfs, uint64_t dir,
	    const char *name, size_t len, int rmdir);
#define HAMMER2_RENAME_NOREPLACE	0x01
int	hammer2_rw_rename(struct hammer2_wpfs *pfs, uint64_t sdir,
	    const char *sname, size_t slen, uint64_t tdir, const char *tname,
	    size_t tlen, int flags);
int	hammer2_rw_link(struct hammer2_wpfs *pfs, uint64_t inum, uint64_t dir,
	    const char *name, size_t len);

/*
 * Holds: an open file.  hold: one more hold on inum (ENOENT, ENOMEM).
 * While inum is held, removing its last name leaves it with nlinks 0,
 * still readable, writable and settable by number (link refuses it:
 * ENOENT); release: one hold fewer, and the inode is deleted when that
 * was the last hold of an inode with no name left (EINVAL: not held).
 */
int	hammer2_rw_hold(struct hammer2_wpfs *pfs, uint64_t inum);
int	hammer2_rw_release(struct hammer2_wpfs *pfs, uint64_t inum);

/* hammer2_rw_setattr mask bits; values from attr. */
#define HAMMER2_SETATTR_MODE	0x001
#define HAMMER2_SETATTR_UID	0x002
#define HAMMER2_SETATTR_GID	0x004
#define HAMMER2_SETATTR_SIZE	0x008
#define HAMMER2_SETATTR_ATIME	0x010
#define HAMMER2_SETATTR_MTIME	0x020
#define HAMMER2_SETATTR_CTIME	0x040
#define HAMMER2_SETATTR_COMP	0x080	/* comp_algo (level << 4 | algo) */
#define HAMMER2_SETATTR_CHECK	0x100	/* check_algo */
int	hammer2_rw_setattr(struct hammer2_wpfs *pfs, uint64_t inum, int mask,
	    const struct hammer2_attr *attr);

#endif /* !_FS_HAMMER2_HAMMER2_RW_H_ */
