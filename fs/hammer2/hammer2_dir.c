/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_dir.c - reading directories (format 6.4).  "." and ".." are not
 * stored: they get cookies 0 and 1.  Every stored entry's cookie is its
 * key with bit 63 cleared; since an entry's key never changes while it
 * exists and the table scan visits keys in ascending order, resuming a
 * scan at (cookie + 1) | bit 63 neither repeats nor skips entries, even
 * when others are added or removed in between.
 *
 * Locking: none; the directory inode is a caller-owned copy.
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>

#include <fs/hammer2/hammer2_private.h>

struct readdir_ctx {
	struct hammer2_pfs	*pfs;
	int			(*cb)(void *, const struct hammer2_dirent *);
	void			*arg;
	struct hammer2_inode	 ip;	/* legacy INODE entries */
	struct hammer2_inode	 tgt;	/* and their hardlink targets */
};

static int
readdir_emit(struct readdir_ctx *rc, struct hammer2_dirent *de)
{
	if (de->cookie == HAMMER2_COOKIE_EOF - 1)
		de->next = HAMMER2_COOKIE_EOF;
	else
		de->next = de->cookie + 1;
	return (rc->cb(rc->arg, de) != 0 ? HAMMER2_SCAN_STOP : 0);
}

static int
readdir_one(void *arg, const struct hammer2_blockref *bref)
{
	struct readdir_ctx *rc = arg;
	struct hammer2_vol *vol = rc->pfs->vol;
	struct hammer2_dirent de;
	struct hammer2_blk blk;
	int error;

	memset(&de, 0, sizeof(de));
	de.cookie = bref->key & ~HAMMER2_DIRHASH_VISIBLE;
	switch (bref->type) {
	case HAMMER2_BREF_TYPE_DIRENT:
		de.inum = bref->embed.dirent.inum;
		de.type = bref->embed.dirent.type;
		de.namlen = bref->embed.dirent.namlen;
		if (de.namlen <= HAMMER2_DIRENT_INLINE) {
			de.name = (const char *)bref->check.buf;
			return (readdir_emit(rc, &de));
		}
		error = hammer2_blk_get(vol, bref, &blk);
		if (error != 0)
			return (error);
		de.name = blk.data;
		error = readdir_emit(rc, &de);
		hammer2_blk_put(vol, &blk);
		return (error);
	case HAMMER2_BREF_TYPE_INODE:
		error = hammer2_inode_load(vol, rc->pfs, bref, &rc->ip);
		if (error != 0)
			return (error);
		de.inum = rc->ip.data.meta.inum;
		de.type = rc->ip.data.meta.type;
		de.namlen = rc->ip.data.meta.name_len;
		de.name = (const char *)rc->ip.data.filename;
		if (de.namlen == 0 || de.namlen >= HAMMER2_INODE_MAXNAME)
			return (hammer2_report(vol, HAMMER2_REPORT_CORRUPT,
			    EUCLEAN, bref, hammer2_bref_offset(bref),
			    "bad name length in a directory inode"));
		if (de.type == HAMMER2_OBJTYPE_HARDLINK) {
			error = hammer2_inode_get(rc->pfs, de.inum, &rc->tgt);
			if (error != 0)
				return (error);
			de.type = rc->tgt.data.meta.type;
		}
		return (readdir_emit(rc, &de));
	default:
		return (hammer2_report(vol, HAMMER2_REPORT_CORRUPT, EUCLEAN,
		    bref, hammer2_bref_offset(bref),
		    "unexpected blockref type in a directory"));
	}
}

int
hammer2_readdir_dots(uint64_t *cookiep, uint64_t self, uint64_t parent,
    int (*cb)(void *arg, const struct hammer2_dirent *ent), void *arg)
{
	struct hammer2_dirent de;

	memset(&de, 0, sizeof(de));
	de.type = HAMMER2_OBJTYPE_DIRECTORY;
	if (*cookiep == HAMMER2_COOKIE_DOT) {
		de.name = ".";
		de.namlen = 1;
		de.inum = self;
		de.cookie = HAMMER2_COOKIE_DOT;
		de.next = HAMMER2_COOKIE_DOTDOT;
		if (cb(arg, &de) != 0)
			return (1);
		*cookiep = HAMMER2_COOKIE_DOTDOT;
	}
	if (*cookiep == HAMMER2_COOKIE_DOTDOT) {
		de.name = "..";
		de.namlen = 2;
		de.inum = parent;
		de.cookie = HAMMER2_COOKIE_DOTDOT;
		de.next = HAMMER2_COOKIE_DOTDOT + 1;
		if (cb(arg, &de) != 0)
			return (1);
		*cookiep = HAMMER2_COOKIE_DOTDOT + 1;
	}
	return (0);
}

int
hammer2_readdir(const struct hammer2_inode *dip, uint64_t cookie,
    int (*cb)(void *arg, const struct hammer2_dirent *ent), void *arg)
{
	struct hammer2_pfs *pfs = dip->pfs;
	struct readdir_ctx *rc;
	const struct hammer2_blockref *base;
	int count, error;

	if (dip->data.meta.type != HAMMER2_OBJTYPE_DIRECTORY)
		return (ENOTDIR);
	if (hammer2_readdir_dots(&cookie, dip->data.meta.inum,
	    dip->data.meta.inum == pfs->root.data.meta.inum ?
	    dip->data.meta.inum : dip->data.meta.iparent, cb, arg))
		return (0);
	if (cookie >= HAMMER2_COOKIE_EOF)
		return (0);

	rc = hammer2_alloc(pfs->vol, sizeof(*rc));
	if (rc == NULL)
		return (ENOMEM);
	rc->pfs = pfs;
	rc->cb = cb;
	rc->arg = arg;
	count = hammer2_inode_table(&dip->data, &base);
	error = hammer2_table_scan(pfs->vol, base, count,
	    cookie | HAMMER2_DIRHASH_VISIBLE, UINT64_MAX, readdir_one, rc);
	hammer2_free(pfs->vol, rc, sizeof(*rc));
	return (error);
}
