/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2.h - the public interface of the HAMMER2 format core.  One
 * implementation of DragonFly's on-disk format (volume versions 1-3,
 * one volume), freestanding, linked unchanged into both kernels and into
 * the host tools (hammer2, fsck_hammer2, hammer2fuse).  The core reaches
 * storage, memory and (optional) locking only through the callbacks in
 * struct hammer2_io_ops, given once to hammer2_vol_open(); it has no
 * global state.  docs/hammer2.md is the long form of this header.
 *
 * Objects:
 *   struct hammer2_vol    an opened volume: the selected volume header
 *                         (opaque, from hammer2_vol_open)
 *   struct hammer2_pfs    a mounted PFS: its root inode (opaque, from
 *                         hammer2_pfs_mount)
 *   struct hammer2_inode  a caller-owned copy of one verified inode and
 *                         the blockref it was found through (plain
 *                         struct, about 1.2 KB; copy it freely)
 *
 * Errors: every fallible function returns 0 or a positive errno from
 * <sys/errno.h>:
 *   EIO        a check code failed, or the read callback failed
 *   EUCLEAN    structurally corrupt image: bad radix, offset out of the
 *              volume, key outside its range, overlapping table entries,
 *              bad name length, inode number mismatch, tree too deep,
 *              undecodable compressed block
 *   EINVAL     bad argument, or no HAMMER2 volume header at all
 *   ENOTSUP    reverse-endian or multi-volume image, unknown version
 *   ENOENT     no such name, inode or PFS label
 *   ENOTDIR, EISDIR, ENAMETOOLONG, ELOOP, ENOMEM   as usual
 * Corruption is also described, with the offending block, through the
 * optional io_ops->report callback, so tools can name the broken block.
 *
 * Protection: a hammer2_vol and its PFSs are immutable after open/mount.
 * Every function below may run concurrently on the same objects from
 * several threads, provided the io callbacks are thread-safe; the core
 * takes io_ops->lock only around its own small block cache.  Functions
 * may block only inside io_ops->read and io_ops->alloc.
 */
#ifndef _FS_HAMMER2_HAMMER2_H_
#define _FS_HAMMER2_HAMMER2_H_

#include <stddef.h>
#include <stdint.h>

#include <fs/hammer2/hammer2_disk.h>

#define HAMMER2_API_VERSION	1

/*
 * -------------------------------------------------------------------
 * Storage, memory and locking: provided by the kernel or a host shim.
 * -------------------------------------------------------------------
 */

/* Severity of a hammer2_io_ops->report. */
#define HAMMER2_REPORT_CORRUPT	1	/* structure is wrong: EUCLEAN */
#define HAMMER2_REPORT_CHECK	2	/* check code mismatch: EIO */
#define HAMMER2_REPORT_IO	3	/* read callback failed: EIO */
#define HAMMER2_REPORT_NOTE	4	/* informational (e.g. bad copy) */

/*
 * One problem found by the core, passed to io_ops->report.  The bref is
 * the block concerned (NULL for volume-header problems); offset is the
 * media offset involved.  The strings are valid only during the call.
 */
struct hammer2_report {
	int				 kind;	/* HAMMER2_REPORT_* */
	int				 error;	/* errno returned to caller */
	uint64_t			 offset;
	const struct hammer2_blockref	*bref;
	const char			*reason;	/* one sentence */
};

struct hammer2_io_ops {
	/*
	 * read - copy len bytes at byte offset off of the volume into buf.
	 * The core only asks for ranges it has checked against the volume
	 * size; a short read is an error.
	 * Context: any thread; may block.
	 * Returns 0 or an errno (EIO).
	 */
	int	(*read)(void *ctx, uint64_t off, void *buf, size_t len);

	/*
	 * alloc / free - memory for block buffers (up to 64 KB + 1 KB) and
	 * handles.  free gets the size given to alloc.
	 * Context: any thread; alloc may block; returns NULL on failure.
	 */
	void	*(*alloc)(void *ctx, size_t len);
	void	(*free)(void *ctx, void *ptr, size_t len);

	/*
	 * lock / unlock - optional (NULL when the volume is used by one
	 * thread at a time).  A non-recursive mutex protecting the core's
	 * per-volume block cache; held only for short non-blocking work,
	 * never across read or alloc.
	 */
	void	(*lock)(void *ctx);
	void	(*unlock)(void *ctx);

	/*
	 * report - optional.  Told about every corruption or check failure
	 * the core meets, before it returns the error.
	 * Context: any thread; must not call back into the core.
	 */
	void	(*report)(void *ctx, const struct hammer2_report *rep);

	/*
	 * write - optional; required for a read-write mount (hammer2_rw_*
	 * and the freemap writer).  Write len bytes from buf at byte
	 * offset off; a short write is an error.
	 * Context: thread; may block.  Returns 0 or an errno.
	 */
	int	(*write)(void *ctx, uint64_t off, const void *buf, size_t len);

	/*
	 * barrier - optional; required with write.  Everything written so
	 * far is on media when it returns (fsync of the device).
	 * Context: thread; may block.  Returns 0 or an errno.
	 */
	int	(*barrier)(void *ctx);
};

/*
 * -------------------------------------------------------------------
 * Volume
 * -------------------------------------------------------------------
 */

struct hammer2_vol;

/* hammer2_vol_open flags. */
#define HAMMER2_OPEN_COPY_BEST	(-1)	/* the usual rule (format 2.3) */

struct hammer2_open_args {
	const struct hammer2_io_ops	*ops;
	void				*ctx;		/* passed to ops */
	uint64_t			 media_size;	/* bytes readable */
	int				 copy;		/* 0..3 or COPY_BEST */
	int				 cache_blocks;	/* 0: 64 */
};

/*
 * hammer2_vol_open - read every volume header copy that fits in
 * media_size, check magic and the three CRCs, and select the valid copy
 * with the highest mirror_tid (ties: lowest index), or exactly copy
 * args->copy when it is 0..3.  The chosen header is then validated
 * (version, sizes, single volume).  args->cache_blocks sizes the
 * verified metadata cache (slots of up to 64 KB; 0 = 64, max 4096).
 * Context: thread; may block in ops->read.
 * Returns 0 and *volp, or EINVAL (no HAMMER2 magic found, bad args),
 * EIO (headers found but every CRC failed, or read failure), ENOTSUP
 * (reverse endian, multi-volume, unknown version), EUCLEAN (chosen
 * header inconsistent), ENOMEM.
 */
int	hammer2_vol_open(const struct hammer2_open_args *args,
	    struct hammer2_vol **volp);

/*
 * hammer2_vol_close - release a volume.  Every PFS mounted from it must
 * have been unmounted.
 * Context: thread; never blocks.
 */
void	hammer2_vol_close(struct hammer2_vol *vol);

/*
 * hammer2_vol_header - the selected volume header (64 KB, read-only,
 * valid until hammer2_vol_close) and its copy index (0..3).
 * Context: any; never blocks.
 */
const struct hammer2_volume_data *hammer2_vol_header(
	    const struct hammer2_vol *vol, int *copyp);

/* Why a header copy was rejected (bits of hammer2_volhdr_status.fail). */
#define HAMMER2_VOLHDR_ABSENT	0x01	/* beyond media_size */
#define HAMMER2_VOLHDR_IOERR	0x02	/* read callback failed */
#define HAMMER2_VOLHDR_MAGIC	0x04	/* no HAMMER2 magic */
#define HAMMER2_VOLHDR_ENDIAN	0x08	/* reverse-endian magic */
#define HAMMER2_VOLHDR_CRC_SECT0 0x10	/* icrc_sects[7] (0x000-0x1FB) */
#define HAMMER2_VOLHDR_CRC_SECT1 0x20	/* icrc_sects[6] (sroot set) */
#define HAMMER2_VOLHDR_CRC_VH	0x40	/* icrc_volheader */

struct hammer2_volhdr_status {
	uint64_t	offset;		/* media offset of this copy */
	uint32_t	fail;		/* HAMMER2_VOLHDR_*, 0 = valid */
	uint64_t	mirror_tid;	/* when the magic was good */
	uint64_t	freemap_tid;
	uint32_t	crc_stored[3];	/* sect0, sect1, whole header */
	uint32_t	crc_computed[3];
};

/*
 * hammer2_volhdr_verify - check one 64 KB header image in memory:
 * magic, endianness and the three CRCs; fill *st (offset left alone).
 * Context: any; never blocks.
 * Returns 0 when valid, EINVAL (magic), ENOTSUP (endian), EIO (CRC).
 */
int	hammer2_volhdr_verify(const struct hammer2_volume_data *vd,
	    struct hammer2_volhdr_status *st);

/*
 * hammer2_vol_copy_status - what hammer2_vol_open found for header copy
 * i (0..3), for `hammer2 volhdr` and fsck.  When hdr is not NULL the
 * 64 KB copy is read again into it (fail has IOERR when that fails).
 * Context: thread; may block when hdr != NULL.
 * Returns 0, or EINVAL when i is out of range.
 */
int	hammer2_vol_copy_status(struct hammer2_vol *vol, int i,
	    struct hammer2_volhdr_status *st, struct hammer2_volume_data *hdr);

/*
 * -------------------------------------------------------------------
 * Check codes, hashes, decompression (pure functions, any context)
 * -------------------------------------------------------------------
 */

/* CRC-32C (iSCSI): start with crc = 0; chain by passing the result. */
uint32_t hammer2_icrc32c(const void *buf, size_t len, uint32_t crc);
/* XXH64 with an explicit seed (HAMMER2 uses HAMMER2_XXH64_SEED). */
uint64_t hammer2_xxh64(const void *buf, size_t len, uint64_t seed);

struct hammer2_sha256_ctx {
	uint32_t	state[8];
	uint64_t	total;		/* bytes hashed so far */
	uint8_t		block[64];
	size_t		blen;
};
void	hammer2_sha256_init(struct hammer2_sha256_ctx *ctx);
void	hammer2_sha256_update(struct hammer2_sha256_ctx *ctx,
	    const void *buf, size_t len);
void	hammer2_sha256_final(struct hammer2_sha256_ctx *ctx,
	    uint8_t digest[32]);
void	hammer2_sha256(const void *buf, size_t len, uint8_t digest[32]);

/* Directory hash of a name (format 6.2); never 0. */
uint64_t hammer2_dirhash(const char *name, size_t len);

/*
 * What a check verification compared.  expected/computed hold the
 * stored and the recomputed code (first `len` bytes meaningful: 4 for
 * CRC32C and FREEMAP, 8 for XXH64, 24 for SHA192, 0 for NONE).
 */
struct hammer2_check_result {
	int		method;		/* HAMMER2_CHECK_* */
	int		len;
	uint8_t		expected[24];
	uint8_t		computed[24];
};

/*
 * hammer2_check_verify - verify data[0..len) against bref's check code
 * (method from bref->methods).  NONE and DISABLED always pass.  res may
 * be NULL.
 * Context: any; never blocks.
 * Returns 0, EIO on mismatch, EUCLEAN for an unknown check method.
 */
int	hammer2_check_verify(const struct hammer2_blockref *bref,
	    const void *data, size_t len, struct hammer2_check_result *res);

/*
 * hammer2_check_compute - store in bref->check the code of data for
 * bref's method (used by tests, and by the writer later).
 * Returns 0 or EUCLEAN for an unknown method.
 */
int	hammer2_check_compute(struct hammer2_blockref *bref,
	    const void *data, size_t len);

/*
 * hammer2_lz4_decompress - decode one raw LZ4 block (no frame, no
 * length prefix) of srclen bytes into dst (capacity dstcap).  Bytes of
 * dst past *outlen (but never past dstcap) may be overwritten.
 * Returns 0 and *outlen, or EUCLEAN when the stream is malformed or
 * would overflow dst.
 */
int	hammer2_lz4_decompress(const void *src, size_t srclen, void *dst,
	    size_t dstcap, size_t *outlen);

/*
 * hammer2_lz4_compress - encode src[0..srclen) (at most 64 KB) as one
 * raw LZ4 block (no frame, no length prefix) that any LZ4 block decoder
 * accepts, into dst of capacity dstcap.  ws is caller-provided scratch
 * of HAMMER2_LZ4_WS_BYTES (the match table; no heap).
 * Context: any; never blocks.
 * Returns 0 and *outlen, ENOSPC when the encoding would not fit in
 * dstcap (dst contents then unspecified), EINVAL when srclen > 64 KB.
 */
#define HAMMER2_LZ4_WS_BYTES	16384
int	hammer2_lz4_compress(const void *src, size_t srclen, void *dst,
	    size_t dstcap, size_t *outlen, void *ws);

/*
 * hammer2_zlib_inflate - decode one zlib (RFC 1950) stream from src
 * (trailing bytes after the stream are ignored) into dst, verifying the
 * Adler-32 trailer.  Needs no heap: the state lives in *ws, which the
 * caller provides (about 11 KB; see HAMMER2_INFLATE_WS_BYTES).
 * Returns 0 and *outlen, or EUCLEAN on a malformed stream, a bad
 * Adler-32 or output beyond dstcap.
 */
#define HAMMER2_INFLATE_WS_BYTES	12288
int	hammer2_zlib_inflate(const void *src, size_t srclen, void *dst,
	    size_t dstcap, size_t *outlen, void *ws);

/*
 * hammer2_zlib_deflate - encode src[0..srclen) (at most 64 KB) as one
 * zlib (RFC 1950) stream that zlib's inflate accepts, at level 6..9
 * (others are clamped, as format 10.3 does), into dst of capacity
 * dstcap.  ws is caller-provided scratch of HAMMER2_DEFLATE_WS_BYTES.
 * Context: any; never blocks.
 * Returns 0 and *outlen, ENOSPC when the stream would not fit in dstcap
 * (nothing is written past dstcap), EINVAL when srclen > 64 KB.
 */
#define HAMMER2_DEFLATE_WS_BYTES	(272 * 1024)
int	hammer2_zlib_deflate(const void *src, size_t srclen, void *dst,
	    size_t dstcap, int level, size_t *outlen, void *ws);

/*
 * hammer2_compress_block - the physical image of one DATA block of
 * psize bytes (its pblksize) under comp_algo (level << 4 | algo): LZ4
 * with its length prefix or a zlib stream, into dst (capacity psize /
 * 2), when it fits half the block.  *miss counts the current file's
 * blocks in a row that did not compress (0 for a new file); from 8 on
 * only every 8th is tried.  ws: HAMMER2_COMPRESS_WS_BYTES of scratch.
 * Context: any; never blocks.
 * Returns HAMMER2_COMP_LZ4 or _ZLIB with *outlen bytes in dst (to be
 * zero-padded to a power of two), or HAMMER2_COMP_NONE: store src.
 */
#define HAMMER2_COMPRESS_WS_BYTES	HAMMER2_DEFLATE_WS_BYTES
int	hammer2_compress_block(uint8_t comp_algo, const void *src,
	    size_t psize, void *dst, uint32_t *miss, void *ws, size_t *outlen);

/*
 * hammer2_decompress_block - turn one DATA block's physical bytes into
 * its logical 64 KB according to the methods byte: NONE/AUTOZERO copy,
 * LZ4 (4-byte LE length prefix), ZLIB.  The part of dst the stream does
 * not produce is zero-filled up to dstcap.  ws as for zlib_inflate.
 * Returns 0, or EUCLEAN (malformed stream, unknown compression).
 */
int	hammer2_decompress_block(uint8_t methods, const void *src,
	    size_t srclen, void *dst, size_t dstcap, void *ws);

/*
 * -------------------------------------------------------------------
 * Blocks and the blockref tree (for `hammer2 show`, fsck)
 * -------------------------------------------------------------------
 */

/*
 * hammer2_bref_validate - structural checks on one bref before use:
 * known type, radix 0 or 10..16 (and present where the type needs
 * media), offset 1 KB aligned, not crossing 64 KB, inside the volume,
 * keybits <= 64 and key aligned to it, DIRENT namlen < 256.
 * Context: any; never blocks.
 * Returns 0 or EUCLEAN (a reason via io_ops->report).
 */
int	hammer2_bref_validate(struct hammer2_vol *vol,
	    const struct hammer2_blockref *bref);

/*
 * hammer2_block_read - validate bref, read its media block into buf
 * (capacity bufsize >= hammer2_bref_bytes(bref)) and verify its check
 * code.  res (may be NULL) receives what the check compared.
 * Context: thread; may block.
 * Returns 0, EUCLEAN (bref invalid), EIO (read or check failure; the
 * data is in buf anyway, for fsck to inspect).
 */
int	hammer2_block_read(struct hammer2_vol *vol,
	    const struct hammer2_blockref *bref, void *buf, size_t bufsize,
	    struct hammer2_check_result *res);

/* One visited blockref, passed to a walk callback. */
struct hammer2_walk_ent {
	const struct hammer2_blockref	*bref;
	int				 depth;	/* 0 = in the root set */
	int				 index;	/* slot in its parent table */
	int				 error;	/* 0, EIO or EUCLEAN */
	const struct hammer2_check_result *check;	/* when loaded */
	const void			*data;	/* verified block or NULL */
	size_t				 datalen;
	const struct hammer2_blockref	*parent;	/* NULL at depth 0 */
};

/* hammer2_walk callback returns. */
#define HAMMER2_WALK_CONTINUE	0
#define HAMMER2_WALK_SKIP	1	/* do not descend below this bref */
#define HAMMER2_WALK_STOP	2	/* end the walk, return 0 */

/* hammer2_walk flags. */
#define HAMMER2_WALK_LOADDATA	0x01	/* read + verify DATA blocks too */
#define HAMMER2_WALK_EMPTY	0x02	/* also report EMPTY slots */
#define HAMMER2_WALK_SORTED	0x04	/* visit each table in key order */

typedef int (*hammer2_walk_cb)(void *arg, const struct hammer2_walk_ent *ent);

/*
 * hammer2_walk - depth-first walk of the tree below a blockset (count
 * brefs, e.g. the volume header's sroot_blockset or freemap_blockset).
 * Each bref is reported before its children; INODE (unless DIRECTDATA),
 * INDIRECT and FREEMAP_NODE blocks are read, verified and descended,
 * DIRENT name blocks are read and verified, DATA blocks only with
 * WALK_LOADDATA.  A bref that fails validation or its check is reported
 * with ent->error set and not descended; the walk goes on.  Depth is
 * bounded by HAMMER2_MAX_DEPTH (deeper: reported as EUCLEAN).
 * Context: thread; may block.
 * Returns 0 when the walk completed or was stopped, ENOMEM, or the
 * callback's own negative return negated (callbacks may return -errno
 * to abort with that error).
 */
#define HAMMER2_MAX_DEPTH	40
int	hammer2_walk(struct hammer2_vol *vol,
	    const struct hammer2_blockref *set, int count, int flags,
	    hammer2_walk_cb cb, void *arg);

/*
 * -------------------------------------------------------------------
 * Freemap (for `hammer2 freemap`)
 * -------------------------------------------------------------------
 */

struct hammer2_freemap_leaf {
	const struct hammer2_blockref	*bref;	/* the leaf's bref */
	uint64_t			 base;	/* media offset of bmap[0] */
	int				 error;	/* 0 or EIO/EUCLEAN */
	const struct hammer2_bmap_data	*bmap;	/* [256], NULL on error */
};

/*
 * hammer2_freemap_walk - call cb for every freemap leaf reachable from
 * the selected header's freemap_blockset, in key order.  Leaves that
 * fail their check are passed with error set and bmap NULL.
 * Context: thread; may block.
 * Returns 0, ENOMEM, or -(negative callback return).  The callback
 * returns 0 to go on, HAMMER2_WALK_STOP to stop.
 */
int	hammer2_freemap_walk(struct hammer2_vol *vol,
	    int (*cb)(void *arg, const struct hammer2_freemap_leaf *leaf),
	    void *arg);

/*
 * hammer2_bmap_state - state (HAMMER2_BMAP_*) of the 16 KB block at
 * byte offset segoff (0..4 MB-1) inside the segment bmap describes.
 */
int	hammer2_bmap_state(const struct hammer2_bmap_data *bmap,
	    uint32_t segoff);

/*
 * -------------------------------------------------------------------
 * PFSs
 * -------------------------------------------------------------------
 */

struct hammer2_pfs;

#define HAMMER2_PFS_LABEL_MAX	256

struct hammer2_pfs_info {
	/* the label as a C string */
	char				label[HAMMER2_PFS_LABEL_MAX];
	uint8_t				pfs_type;	/* HAMMER2_PFSTYPE_* */
	uint8_t				pfs_subtype;	/* SNAPSHOT, ... */
	struct hammer2_uuid		pfs_clid;
	struct hammer2_uuid		pfs_fsid;
	uint64_t			pfs_inum;	/* next-inum hint */
	uint64_t			pfs_lsnap_tid;
	const struct hammer2_blockref	*bref;		/* in the super-root */
	int				error;		/* 0 or EIO/EUCLEAN */
};

/*
 * hammer2_pfs_list - call cb for each PFS root in the super-root, in
 * key order.  A PFS whose root inode cannot be read is still reported,
 * with error set and an empty label.
 * Context: thread; may block.
 * Returns 0, EIO/EUCLEAN (super-root unreadable), ENOMEM, or
 * -(negative callback return); cb returns 0 or HAMMER2_WALK_STOP.
 */
int	hammer2_pfs_list(struct hammer2_vol *vol,
	    int (*cb)(void *arg, const struct hammer2_pfs_info *info),
	    void *arg);

/*
 * hammer2_pfs_mount - find the PFS named label ("DATA" when NULL) in
 * the super-root by directory hash and mount it (read-only).
 * Context: thread; may block.
 * Returns 0 and *pfsp, or ENOENT, ENAMETOOLONG, EIO, EUCLEAN, ENOMEM.
 */
int	hammer2_pfs_mount(struct hammer2_vol *vol, const char *label,
	    struct hammer2_pfs **pfsp);

/* hammer2_pfs_unmount - release a PFS.  Context: thread; non-blocking. */
void	hammer2_pfs_unmount(struct hammer2_pfs *pfs);

/* The PFS's label (NUL-terminated) and its volume.  Context: any. */
const char *hammer2_pfs_label(const struct hammer2_pfs *pfs);
struct hammer2_vol *hammer2_pfs_vol(const struct hammer2_pfs *pfs);

/*
 * -------------------------------------------------------------------
 * Inodes, names, attributes
 * -------------------------------------------------------------------
 */

/*
 * A loaded inode.  Fields are read-only for callers; `meta` is the
 * verified on-disk inode (check code passed, inum and name_len sane).
 */
struct hammer2_inode {
	struct hammer2_pfs		*pfs;
	struct hammer2_blockref		 bref;	/* how it was reached */
	struct hammer2_inode_data	 data;	/* verified 1 KB inode */
};

/* The PFS root directory.  Context: any; never blocks.  Returns 0. */
int	hammer2_pfs_root(struct hammer2_pfs *pfs, struct hammer2_inode *ip);

/*
 * hammer2_inode_get - load inode inum from the PFS's inode index
 * (1 = the PFS root), verify its check code and that meta.inum == inum.
 * Context: thread; may block.
 * Returns 0, ENOENT, EIO, EUCLEAN, ENOMEM.
 */
int	hammer2_inode_get(struct hammer2_pfs *pfs, uint64_t inum,
	    struct hammer2_inode *ip);

/*
 * hammer2_lookup_name - look name[0..len) up in directory dip: scan the
 * hash window [h, h + 0x7FFF], match a DIRENT (short name in the bref,
 * long name in its own block) or a legacy INODE entry, then load the
 * inode (a DIRENT by inum through the inode index; a legacy HARDLINK
 * inode likewise).  "." gives dip itself, ".." its iparent (the PFS
 * root for the root).
 * Context: thread; may block.
 * Returns 0 and *ip, ENOENT, ENOTDIR, ENAMETOOLONG (len > 255), EINVAL
 * (len 0 or a '/' or NUL in the name), EIO, EUCLEAN, ENOMEM.
 */
int	hammer2_lookup_name(const struct hammer2_inode *dip, const char *name,
	    size_t len, struct hammer2_inode *ip);

/* hammer2_lookup_path flags. */
#define HAMMER2_LOOKUP_FOLLOW	0x01	/* follow a final symlink */

/*
 * hammer2_lookup_path - resolve a '/'-separated path from the PFS root
 * (leading '/' optional; "" or "/" is the root).  Symlinks in the
 * middle of the path are always followed (absolute targets restart at
 * the PFS root), the last component only with LOOKUP_FOLLOW; at most
 * 32 symlinks.
 * Context: thread; may block.
 * Returns 0 and *ip, or the errors of lookup_name plus ELOOP.
 */
int	hammer2_lookup_path(struct hammer2_pfs *pfs, const char *path,
	    int flags, struct hammer2_inode *ip);

/* File types in the Linux st_mode encoding (no <sys/stat.h> in core). */
#define HAMMER2_S_IFMT		0170000
#define HAMMER2_S_IFSOCK	0140000
#define HAMMER2_S_IFLNK		0120000
#define HAMMER2_S_IFREG		0100000
#define HAMMER2_S_IFBLK		0060000
#define HAMMER2_S_IFDIR		0040000
#define HAMMER2_S_IFCHR		0020000
#define HAMMER2_S_IFIFO		0010000

struct hammer2_attr {
	uint64_t	inum;
	uint8_t		type;		/* HAMMER2_OBJTYPE_* */
	uint32_t	mode;		/* permission bits (07777) */
	uint32_t	ifmt;		/* HAMMER2_S_IF* for type, 0 unknown */
	uint32_t	uid;
	uint32_t	gid;
	uint64_t	size;		/* bytes; 0 for directories */
	uint64_t	nlinks;
	uint64_t	ctime;		/* all times: microseconds, 1970 */
	uint64_t	mtime;
	uint64_t	atime;
	uint64_t	btime;
	uint32_t	rmajor;		/* CDEV/BDEV */
	uint32_t	rminor;
	uint64_t	iparent;
	uint32_t	uflags;
	uint8_t		op_flags;	/* HAMMER2_OPFLAG_* */
	uint8_t		comp_algo;	/* level << 4 | HAMMER2_COMP_* */
	uint8_t		check_algo;	/* HAMMER2_CHECK_* */
	uint8_t		pfs_type;
	uint64_t	data_blocks;	/* advisory: bref stats data_count */
};

/* hammer2_getattr - decode ip's attributes.  Context: any.  Returns 0. */
int	hammer2_getattr(const struct hammer2_inode *ip,
	    struct hammer2_attr *attr);

/* HAMMER2_OBJTYPE_* to HAMMER2_S_IF* (0 when unknown). */
uint32_t hammer2_objtype_to_ifmt(uint8_t type);

/*
 * -------------------------------------------------------------------
 * Directories
 * -------------------------------------------------------------------
 */

/*
 * Readdir cookies: 0 is ".", 1 is "..", then each entry's cookie is its
 * directory key with bit 63 cleared (>= 0x8000).  Each entry carries
 * `next`, the cookie to pass to resume just after it; cookies are
 * stable across calls and unaffected by other entries.  A `next` of
 * HAMMER2_COOKIE_EOF means nothing can follow.
 */
#define HAMMER2_COOKIE_DOT	0
#define HAMMER2_COOKIE_DOTDOT	1
#define HAMMER2_COOKIE_EOF	0x8000000000000000ULL

struct hammer2_dirent {
	const char	*name;		/* not NUL-terminated */
	size_t		 namlen;
	uint64_t	 inum;
	uint8_t		 type;		/* HAMMER2_OBJTYPE_* */
	uint64_t	 cookie;	/* of this entry */
	uint64_t	 next;		/* resume after this entry */
};

/*
 * hammer2_readdir - call cb for each entry of directory dip at or after
 * cookie, in cookie order, starting with "." and "..".  cb returns 0 to
 * continue, non-zero to stop (the entry it was given counts as not
 * consumed unless the caller records its `next`).
 * Context: thread; may block.
 * Returns 0 (end reached or cb stopped), ENOTDIR, EIO, EUCLEAN, ENOMEM.
 */
int	hammer2_readdir(const struct hammer2_inode *dip, uint64_t cookie,
	    int (*cb)(void *arg, const struct hammer2_dirent *ent), void *arg);

/*
 * -------------------------------------------------------------------
 * File data
 * -------------------------------------------------------------------
 */

/*
 * hammer2_read - read up to len bytes at offset off of a regular file
 * or symlink: embedded data, DATA blocks (check verified, LZ4 or zlib
 * decompressed), holes and bytes past a short block read as zeros.
 * Reads stop at the file size.
 * Context: thread; may block.
 * Returns 0 and *nread (0 at or past EOF), or EISDIR, EINVAL (other
 * types), EIO (check failed), EUCLEAN, ENOMEM; on error *nread is 0 and
 * the contents of buf are undefined.
 */
int	hammer2_read(const struct hammer2_inode *ip, uint64_t off, void *buf,
	    size_t len, size_t *nread);

/*
 * hammer2_readlink - the target of symlink ip into buf (not
 * NUL-terminated), at most bufsize bytes.
 * Context: thread; may block.
 * Returns 0 and *lenp, EINVAL (not a symlink), ENAMETOOLONG (target
 * longer than bufsize), EIO, EUCLEAN, ENOMEM.
 */
int	hammer2_readlink(const struct hammer2_inode *ip, char *buf,
	    size_t bufsize, size_t *lenp);

/*
 * hammer2_bmap - the DATA blockref covering file offset off (64 KB
 * logical blocks), for tools that show where data lives.
 * Context: thread; may block.
 * Returns 0 and *bref, ENOENT for a hole or embedded data, EIO, EUCLEAN.
 */
int	hammer2_bmap(const struct hammer2_inode *ip, uint64_t off,
	    struct hammer2_blockref *bref);

/*
 * hammer2_seek - lseek's SEEK_DATA (what 0) and SEEK_HOLE (what 1) on a
 * regular file: the first offset >= off inside a DATA block (or the
 * embedded data), or inside a hole (EOF counts as one).
 * Context: thread; may block.
 * Returns 0 and *resp, ENXIO (off >= size; SEEK_DATA: no data from off
 * on), EINVAL (not a regular file), EIO, EUCLEAN, ENOMEM.
 */
#define HAMMER2_SEEK_DATA	0
#define HAMMER2_SEEK_HOLE	1
int	hammer2_seek(const struct hammer2_inode *ip, uint64_t off, int what,
	    uint64_t *resp);

#endif /* !_FS_HAMMER2_HAMMER2_H_ */
