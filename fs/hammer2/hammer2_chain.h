/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_chain.h - the in-memory side of the read-write mount, private
 * to the core: chains (one per loaded block of the topology), the mount
 * and its PFS handles, and the helpers the operation files share.
 *
 * A chain holds a private copy of one block: an inode (1 KB), an
 * indirect block (a table of brefs), file data (the logical 64 KB) or a
 * long directory-entry name (1 KB).  The volume itself is the root
 * chain (type VOLUME), whose table is the header's sroot_blockset.  A
 * chain that holds a table keeps it packed and sorted by key (empty
 * slots last) and keeps kids[i], the loaded chain of table slot i or
 * NULL, parallel to it.  A table slot's bref is brought up to date from
 * its kid only by the flush; until then the kid's own bref is the truth.
 *
 * A chain is DIRTY when it must be written at the next flush: its
 * content changed, or a descendant did (dirtying marks the whole path to
 * the root).  New chains have no media yet (data_off 0).  After a
 * successful flush every chain is dropped (mp->gen advances), so chain
 * pointers never outlive one call of the rw API.
 *
 * Protection: everything here is protected by the caller's
 * serialisation of the rw API (see hammer2_rw.h); nothing is shared
 * with the read-only API except the volume's verified-block cache.
 */
#ifndef _FS_HAMMER2_HAMMER2_CHAIN_H_
#define _FS_HAMMER2_HAMMER2_CHAIN_H_

#include <fs/hammer2/hammer2_private.h>
#include <fs/hammer2/hammer2_fmap.h>
#include <fs/hammer2/hammer2_rw.h>

#define CHAIN_DIRTY	0x01	/* write at the next flush */
#define CHAIN_ZERO	0x02	/* flush: all-zero DATA, or an indirect block
				   left empty by such: not written */

struct hammer2_chain {
	struct hammer2_blockref	 bref;
	struct hammer2_chain	*parent;
	uint32_t		 flags;
	uint32_t		 bytes;		/* size of data */
	uint8_t			*data;
	struct hammer2_chain	**kids;		/* table holders only */
	uint32_t		 nslots;	/* table capacity */
	/* Flush scratch. */
	uint64_t		 new_off;	/* allocated media, 0 none */
	uint8_t			*pbuf;		/* DATA: physical image */
	uint32_t		 psize;
	uint8_t			 pcomp;		/* its compression */
};

struct hammer2_mount {
	struct hammer2_vol	*vol;
	struct hammer2_volume_data *vd;	/* == vol->voldata, kept current */
	struct hammer2_rw_args	 args;
	struct hammer2_fmap	*fmap;
	struct hammer2_chain	 vchain;	/* root: table = sroot_blockset */
	uint64_t		 gen;		/* bumped when chains drop */
	uint64_t		 dirty_bytes;	/* estimate for the next flush */
	uint64_t		 chain_bytes;	/* memory held by chains */
	int			 hdr_index;	/* header copy written last */
	int			 error;		/* sticky write error: EROFS */
	int			 fmap_dirty;	/* freemap changed alone */
	uint32_t		 comp_miss;	/* flush: blocks of the current
						 * inode that did not compress */
	int			 npfs;		/* PFS handles held */
	struct hammer2_wpfs	*pfslist;
	uint64_t		 uuid_seq;
	uint8_t			*zbuf;		/* scratch: 64 KB */
	uint8_t			*ws;		/* LZ4/inflate scratch */
	struct hammer2_inode	*tmpino;	/* scratch for the reader */
	struct hammer2_pfs	*rpfs;		/* reader's view: vol only */
};

/* An inode held open by the front end (hammer2_whold.c). */
struct hammer2_whold {
	uint64_t		 inum;
	uint32_t		 count;		/* holds taken */
	uint32_t		 orphan;	/* last name gone: delete at 0 */
};

struct hammer2_wpfs {
	struct hammer2_mount	*mp;
	struct hammer2_wpfs	*next;
	char			 label[HAMMER2_PFS_LABEL_MAX];
	size_t			 labellen;
	uint64_t		 next_inum;
	struct hammer2_chain	*root;		/* valid while gen matches */
	uint64_t		 gen;
	struct hammer2_whold	*holds;
	uint32_t		 nholds, maxholds;
};

#define INO(c)	((struct hammer2_inode_data *)(c)->data)

/*
 * The check method a metadata block (inode, indirect, dirent name) gets
 * for a wanted method: never NONE or DISABLED (format 3.5), and
 * XXHASH64 for anything unknown.
 */
static inline int
meta_check(int chk)
{
	chk &= 0x0F;
	if (chk == HAMMER2_CHECK_NONE || chk == HAMMER2_CHECK_DISABLED ||
	    chk > HAMMER2_CHECK_SHA192)
		return (HAMMER2_CHECK_XXHASH64);
	return (chk);
}

/* Chains (hammer2_chain.c). */
int	 chain_table(struct hammer2_chain *c, struct hammer2_blockref **basep);
struct hammer2_chain *chain_new(struct hammer2_mount *mp,
	    const struct hammer2_blockref *bref, size_t bytes);
void	 chain_free(struct hammer2_mount *mp, struct hammer2_chain *c);
void	 chain_drop_kids(struct hammer2_mount *mp, struct hammer2_chain *c);
void	 chain_dirty(struct hammer2_mount *mp, struct hammer2_chain *c);
int	 chain_kid(struct hammer2_mount *mp, struct hammer2_chain *c, int i,
	    struct hammer2_chain **kidp);
int	 chain_find(struct hammer2_chain *c, uint64_t key);
int	 chain_lookup(struct hammer2_mount *mp, struct hammer2_chain *top,
	    uint64_t key, struct hammer2_chain **parentp, int *slotp);
int	 chain_insert(struct hammer2_mount *mp, struct hammer2_chain *top,
	    const struct hammer2_blockref *bref, struct hammer2_chain *kid);
void	 chain_delete(struct hammer2_mount *mp, struct hammer2_chain *parent,
	    int slot);
typedef int (*chain_scan_cb)(void *arg, struct hammer2_chain *parent,
	    int slot);
int	 chain_scan(struct hammer2_mount *mp, struct hammer2_chain *top,
	    uint64_t lo, uint64_t hi, chain_scan_cb cb, void *arg);

/* Flush (hammer2_flush.c). */
int	 flush_all(struct hammer2_mount *mp);
size_t	 flush_pblksize(uint64_t size, uint64_t lbase);

/* Inodes and directories (hammer2_wnode.c). */
int	 wnode_get(struct hammer2_wpfs *pfs, uint64_t inum,
	    struct hammer2_chain **cp);
int	 wpfs_root(struct hammer2_wpfs *pfs, struct hammer2_chain **cp);
uint64_t wnow(struct hammer2_mount *mp);
int	 wspace(struct hammer2_mount *mp, uint64_t bytes);
int	 wspace_release(struct hammer2_mount *mp);
int	 wdir_find(struct hammer2_wpfs *pfs, struct hammer2_chain *dir,
	    const char *name, size_t len, struct hammer2_chain **parentp,
	    int *slotp);
int	 wdir_add(struct hammer2_mount *mp, struct hammer2_chain *dir,
	    const char *name, size_t len, const struct hammer2_blockref *tmpl,
	    uint64_t start, struct hammer2_chain *kid, uint64_t *keyp);
/* 1 when the entry at (parent, slot) is name, 0 when not, -errno. */
int	 wname_match(struct hammer2_mount *mp, struct hammer2_chain *parent,
	    int slot, const char *name, size_t len);
void	 wrandom(struct hammer2_mount *mp, void *buf, size_t len);
void	 wmaybe_flush(struct hammer2_mount *mp);

/* Delete an inode from its PFS inode index (hammer2_wops.c). */
int	 winode_delete(struct hammer2_wpfs *pfs, uint64_t inum);

/*
 * Holds (hammer2_whold.c).  orphan: 1 and remember to delete inum at
 * its last release when inum is held, else 0.  release_all: drop every
 * hold, deleting orphans; returns the first error.
 */
int	 whold_orphan(struct hammer2_wpfs *pfs, uint64_t inum);
int	 whold_release_all(struct hammer2_wpfs *pfs);

/* File data (hammer2_wfile.c). */
int	 wfile_write(struct hammer2_wpfs *pfs, struct hammer2_chain *c,
	    uint64_t off, const void *buf, size_t len);
int	 wfile_truncate(struct hammer2_wpfs *pfs, uint64_t inum,
	    uint64_t size);

#endif /* !_FS_HAMMER2_HAMMER2_CHAIN_H_ */
