/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_private.h - structures and helpers shared by the files of the
 * format core, never seen by its users: the volume and PFS handles, the
 * verified-block cache (hashed, LRU), the ordered table scanner.
 *
 * Protection of the fields below:
 *   [I]  set by hammer2_vol_open / hammer2_pfs_mount, read-only after
 *   [L]  the volume's io_ops->lock (when the caller gave one)
 */
#ifndef _FS_HAMMER2_HAMMER2_PRIVATE_H_
#define _FS_HAMMER2_HAMMER2_PRIVATE_H_

#include <sys/types.h>
#include <sys/errno.h>
#include <stdbool.h>

#include <fs/hammer2/hammer2.h>

#define HAMMER2_CACHE_DEFAULT	64	/* verified metadata blocks */
#define HAMMER2_CACHE_MAX	4096

/*
 * One cached, verified metadata block.  A slot with data_off != 0 is on
 * the hash chain of its data_off; every slot is on the LRU list, most
 * recently used first.  Links are slot indexes, -1 ending a list.
 */
struct hammer2_cslot {
	uint64_t	data_off;	/* [L] 0 = slot empty or loading */
	uint8_t		methods;	/* [L] */
	uint8_t		check[24];	/* [L] code the block matched */
	void		*buf;		/* [L] HAMMER2_ALLOC_MAX bytes */
	size_t		len;		/* [L] */
	uint32_t	refs;		/* [L] users holding buf */
	int32_t		hnext;		/* [L] next slot on the hash chain */
	int32_t		lprev;		/* [L] LRU list: more recent */
	int32_t		lnext;		/* [L] LRU list: less recent */
};

struct hammer2_vol {
	struct hammer2_io_ops	 ops;		/* [I] */
	void			*ctx;		/* [I] */
	uint64_t		 media_size;	/* [I] */
	uint64_t		 vol_size;	/* [I] addressable bytes */
	int			 copy;		/* [I] selected header copy */
	struct hammer2_volhdr_status status[HAMMER2_NUM_VOLHDRS]; /* [I] */
	struct hammer2_volume_data *voldata;	/* [I] 64 KB */
	int			 ncache;	/* [I] */
	struct hammer2_cslot	*cache;		/* [L] ncache slots */
	int			 nhash;		/* [I] power of 2 >= ncache */
	int32_t			*hash;		/* [L] chain heads, -1 = none */
	int32_t			 lru_head;	/* [L] most recently used */
	int32_t			 lru_tail;	/* [L] least recently used */
};

struct hammer2_pfs {
	struct hammer2_vol	*vol;		/* [I] */
	struct hammer2_inode	 root;		/* [I] PFS root inode */
	char			 label[HAMMER2_PFS_LABEL_MAX];	/* [I] */
};

/*
 * A handle on a verified block: data points into a cache slot (slot >=
 * 0) or into a private allocation (slot < 0).  Released by blk_put.
 */
struct hammer2_blk {
	const void	*data;
	size_t		 len;
	int		 slot;
	void		*priv;
};

/* Memory and reporting helpers (hammer2_vol.c). */
void	*hammer2_alloc(struct hammer2_vol *vol, size_t len);
void	 hammer2_free(struct hammer2_vol *vol, void *ptr, size_t len);
int	 hammer2_report(struct hammer2_vol *vol, int kind, int error,
	    const struct hammer2_blockref *bref, uint64_t offset,
	    const char *reason);

/*
 * hammer2_volhdr_seal - recompute the three header CRCs of vd (format
 * 2.2) after the caller changed it (hammer2_vol.c).
 * Context: any; never blocks.
 */
void	 hammer2_volhdr_seal(struct hammer2_volume_data *vd);

/*
 * hammer2_cache_init - allocate and link the block cache of vol->ncache
 * slots; hammer2_cache_fini frees it (and is safe after a failed init).
 * Returns 0 or ENOMEM.
 */
int	 hammer2_cache_init(struct hammer2_vol *vol);
void	 hammer2_cache_fini(struct hammer2_vol *vol);

/*
 * hammer2_blk_get - a verified metadata block (INODE, INDIRECT,
 * FREEMAP_*, DIRENT name) for bref, through the cache.
 * Returns 0, EUCLEAN, EIO, ENOMEM.
 */
int	 hammer2_blk_get(struct hammer2_vol *vol,
	    const struct hammer2_blockref *bref, struct hammer2_blk *blk);
void	 hammer2_blk_put(struct hammer2_vol *vol, struct hammer2_blk *blk);

/* Last key covered by bref (its key range must be valid). */
static inline uint64_t
hammer2_bref_keyend(const struct hammer2_blockref *bref)
{
	if (bref->keybits >= 64)
		return (UINT64_MAX);
	return (bref->key | ((1ULL << bref->keybits) - 1));
}

/* Table scanner (hammer2_table.c). */
#define HAMMER2_SCAN_STOP	(-1)	/* a callback's "stop" */

typedef int (*hammer2_scan_cb)(void *arg, const struct hammer2_blockref *bref);

/*
 * hammer2_table_scan - call cb for every leaf bref (anything but
 * INDIRECT) below table base[0..count) whose key range overlaps
 * [lo, hi], in ascending key order, descending through INDIRECT blocks.
 * cb returns 0, HAMMER2_SCAN_STOP or an errno.
 * Returns 0 (done or stopped), EUCLEAN, EIO, ENOMEM or cb's errno.
 */
int	 hammer2_table_scan(struct hammer2_vol *vol,
	    const struct hammer2_blockref *base, int count, uint64_t lo,
	    uint64_t hi, hammer2_scan_cb cb, void *arg);

/*
 * SEEK_DATA/SEEK_HOLE over the DATA leaves of a file seen in ascending
 * key order, for the read-only and the read-write side alike
 * (hammer2_file.c).  start: ENXIO/EINVAL up front, or 0 with *done set
 * when no scan is needed (embedded data), else 0 and a scan from
 * sk->off is wanted; leaf: feed one DATA leaf, returns 0 or
 * HAMMER2_SCAN_STOP; result: the answer once the scan is over.
 */
struct hammer2_seek {
	uint64_t	off;		/* where the search starts */
	uint64_t	size;		/* the file's */
	uint64_t	res;		/* data: the answer; hole: cursor */
	int		what;		/* HAMMER2_SEEK_DATA/HOLE */
	int		found;
};
int	 hammer2_seek_start(struct hammer2_seek *sk,
	    const struct hammer2_inode_data *ip, uint64_t off, int what,
	    int *done);
int	 hammer2_seek_leaf(struct hammer2_seek *sk,
	    const struct hammer2_blockref *bref);
int	 hammer2_seek_result(const struct hammer2_seek *sk, uint64_t *resp);

/*
 * hammer2_table_lookup - the leaf bref whose key range contains key.
 * Returns 0 and *out, ENOENT, EUCLEAN, EIO, ENOMEM.
 */
int	 hammer2_table_lookup(struct hammer2_vol *vol,
	    const struct hammer2_blockref *base, int count, uint64_t key,
	    struct hammer2_blockref *out);

/*
 * hammer2_inode_table - the block table of a loaded inode: its blockset,
 * or nothing (count 0) for DIRECTDATA inodes.
 */
static inline int
hammer2_inode_table(const struct hammer2_inode_data *ipdata,
    const struct hammer2_blockref **basep)
{
	if (ipdata->meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA) {
		*basep = NULL;
		return (0);
	}
	*basep = ipdata->u.blockset.blockref;
	return (HAMMER2_SET_COUNT);
}

/*
 * hammer2_inode_load - read and verify the INODE bref's block into ip
 * and sanity-check it (name_len, embedded size).  Returns 0, EUCLEAN,
 * EIO, ENOMEM.
 */
int	 hammer2_inode_load(struct hammer2_vol *vol, struct hammer2_pfs *pfs,
	    const struct hammer2_blockref *bref, struct hammer2_inode *ip);

/*
 * hammer2_dir_find - scan directory table base[0..count) for name in its
 * hash window; returns 0 and the matching entry bref in *ent (DIRENT or
 * INODE), ENOENT, or an error.
 */
int	 hammer2_dir_find(struct hammer2_vol *vol,
	    const struct hammer2_blockref *base, int count, const char *name,
	    size_t len, struct hammer2_blockref *ent);

/*
 * -------------------------------------------------------------------
 * The writable freemap (hammer2_fmap.c, hammer2_bulkfree.c).  Not
 * locked: the owner of the fmap serialises every call (hammer2_fmap.h).
 * -------------------------------------------------------------------
 */
#define HAMMER2_FMAP_GBRADIX	30		/* a leaf covers 1 GB */
#define HAMMER2_FMAP_GB		(1ULL << HAMMER2_FMAP_GBRADIX)
#define HAMMER2_FMAP_LEVELS	5		/* 1 leaf, 2..5 nodes */

/*
 * A sparse array of pointers indexed by GB number, in chunks of
 * HAMMER2_GBTAB_CHUNK pointers (32 KB) so that no allocation passes
 * 64 KB whatever the volume size; chunks are made on first use.
 */
#define HAMMER2_GBTAB_CHUNK	4096

struct hammer2_gbtab {
	void		***chunk;	/* [nchunk], NULL until used */
	uint64_t	 nslot;		/* valid indexes 0..nslot-1 */
	uint64_t	 nchunk;
};

int	 hammer2_gbtab_init(struct hammer2_vol *vol, struct hammer2_gbtab *t,
	    uint64_t nslot);
/* Free the table and every element (each elemsize bytes). */
void	 hammer2_gbtab_fini(struct hammer2_vol *vol, struct hammer2_gbtab *t,
	    size_t elemsize);
void	*hammer2_gbtab_get(const struct hammer2_gbtab *t, uint64_t i);
/* The slot for i, making its chunk; NULL only on ENOMEM. */
void	**hammer2_gbtab_slot(struct hammer2_vol *vol, struct hammer2_gbtab *t,
	    uint64_t i);
/* The first element at index >= *ip (its index in *ip), or NULL. */
void	*hammer2_gbtab_next(const struct hammer2_gbtab *t, uint64_t *ip);

/*
 * What a transaction snapshot of a freemap block holds: its contents,
 * its blockref as last written (type EMPTY: never written) and its
 * allocation hints.
 */
#define HAMMER2_FMAPF_DIRTY	0x01	/* contents differ from bref's */

struct hammer2_fmap_state {
	union {
		struct hammer2_bmap_data bmap[HAMMER2_FREEMAP_COUNT];
		struct hammer2_blockref	 bref[HAMMER2_FREEMAP_COUNT];
	} u;				/* the 32 KB block */
	struct hammer2_blockref	 bref;
	uint64_t		 avail;		/* bref hint (format 8.1) */
	uint32_t		 bigmask;	/* bref hint (format 8.1) */
	uint32_t		 flags;		/* HAMMER2_FMAPF_* */
};

/* One freemap leaf (level 1) or node (levels 2..5) in memory. */
struct hammer2_fmap_blk {
	struct hammer2_fmap_blk	*next;		/* node list (nodes only) */
	uint64_t		 key;		/* first byte covered */
	int			 level;
	uint64_t		 txn;		/* txn that snapshotted it */
	struct hammer2_blockref	 pend;		/* bref being flushed */
	void			*pendbuf;	/* node table being flushed */
	struct hammer2_fmap_state st;
};

struct hammer2_fmap_log;

struct hammer2_fmap {
	struct hammer2_vol	*vol;
	struct hammer2_volume_data *vd;		/* caller's header */
	uint64_t		 total;		/* bytes the freemap covers */
	uint64_t		 ngb;		/* 1 GB leaves it may have */
	struct hammer2_gbtab	 leaves;	/* GB -> hammer2_fmap_blk */
	uint64_t		 nleaves;
	struct hammer2_fmap_blk	*nodes;		/* every node record */
	/* Per bref type: the segment (GB * 256 + n) it last allocated in. */
	uint64_t		 hint[HAMMER2_BREF_TYPE_DIRENT + 1];
	/* Transaction (hammer2_fmap_txn_*). */
	bool			 in_txn;
	uint64_t		 txn;		/* serial, 0 = none yet */
	struct hammer2_fmap_log	*log;
	struct hammer2_blockset	 txn_fmset;	/* vd fields at txn_begin */
	uint64_t		 txn_free;
	uint64_t		 txn_fmtid;
};

/*
 * hammer2_fmap_leaf - the leaf of GB gb, made by the new-leaf rules
 * (format 8.4) when create is set and it does not exist yet, and
 * snapshotted for the open transaction when touch is set (the caller
 * is about to change it).  Returns 0 and *lp (NULL: absent, !create),
 * ENOMEM.
 */
int	 hammer2_fmap_leaf(struct hammer2_fmap *fm, uint64_t gb, bool create,
	    bool touch, struct hammer2_fmap_blk **lp);
/* Snapshot blk for the open transaction, if any and not yet done. */
int	 hammer2_fmap_touch(struct hammer2_fmap *fm,
	    struct hammer2_fmap_blk *b);

/* Bit pair of 16 KB block n (0..255) of a segment (format 8.2). */
static inline int
hammer2_bmap_pair(const struct hammer2_bmap_data *bm, unsigned int n)
{
	return ((int)((bm->bitmapq[n >> 5] >> ((n & 31) * 2)) & 3));
}

static inline void
hammer2_bmap_set_pair(struct hammer2_bmap_data *bm, unsigned int n, int v)
{
	unsigned int sh = (n & 31) * 2;

	bm->bitmapq[n >> 5] = (bm->bitmapq[n >> 5] & ~(3ULL << sh)) |
	    ((uint64_t)v << sh);
}

/*
 * hammer2_readdir_dots - the made-up "." (self) and ".." (parent)
 * entries for a readdir starting at *cookiep (format 6.4); advances
 * *cookiep past them.  Returns 1 when cb asked to stop, else 0.
 */
int	 hammer2_readdir_dots(uint64_t *cookiep, uint64_t self,
	    uint64_t parent,
	    int (*cb)(void *arg, const struct hammer2_dirent *ent), void *arg);

/*
 * hammer2_inode_init - fill a zeroed inode as every writer makes a new
 * one (format 5.1, 5.2): version 1, ctime = mtime = now, owner, type,
 * permission bits, device numbers, inum, nlinks 1, iparent, the
 * "0x%016x" filename with name_key = inum, and DIRECTDATA for files and
 * symlinks.  comp_algo, check_algo and size are the caller's.
 */
void	 hammer2_inode_init(struct hammer2_inode_data *ip, uint64_t inum,
	    uint64_t parent, uint8_t type, uint32_t mode, uint32_t uid,
	    uint32_t gid, uint32_t rmajor, uint32_t rminor, uint64_t now);

#endif /* !_FS_HAMMER2_HAMMER2_PRIVATE_H_ */
