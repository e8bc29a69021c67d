/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_wnode.c - inodes and directory entries as chains, for the
 * read-write operations: finding a PFS root in the super-root and an
 * inode in its PFS's inode index (format 5.4, 7.4), matching names in a
 * directory's hash window and choosing the key of a new entry (6.2,
 * 6.3), and the mount-wide helpers every change uses (clock, random
 * bytes, the ENOSPC reservation and its release for removals, the
 * automatic flush).
 *
 * Locking: the rw mount's caller serialisation (hammer2_chain.h).
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>

#include <fs/hammer2/hammer2_chain.h>

#define SPACE_SLACK	(16ULL << 20)	/* per-class segments, headroom */

uint64_t
wnow(struct hammer2_mount *mp)
{
	return (mp->args.now_us != NULL ? mp->args.now_us(mp->args.ctx) : 0);
}

void
wrandom(struct hammer2_mount *mp, void *buf, size_t len)
{
	uint8_t *p = buf;
	uint64_t v;
	size_t i;

	if (mp->args.random != NULL) {
		mp->args.random(mp->args.ctx, buf, len);
		return;
	}
	/* No entropy given: unique, not secret. */
	for (i = 0; i < len; i += 8) {
		v = mp->uuid_seq++ ^ wnow(mp);
		v = hammer2_xxh64(&v, sizeof(v), mp->vd->mirror_tid);
		memcpy(p + i, &v, len - i < 8 ? len - i : 8);
	}
}

int
wspace(struct hammer2_mount *mp, uint64_t bytes)
{
	uint64_t avail = hammer2_fmap_avail(mp->fmap);

	if (mp->error != 0)
		return (mp->error);
	if (avail < SPACE_SLACK || avail - SPACE_SLACK < mp->dirty_bytes ||
	    avail - SPACE_SLACK - mp->dirty_bytes < bytes)
		return (ENOSPC);
	return (0);
}

/*
 * Changes that give space back (remove, shrinking a file, PFS delete)
 * may use the slack the others must leave, or a volume filled up to it
 * could never be emptied again.  What is dirty so far plus RELEASE_NEED
 * must still fit.
 */
#define RELEASE_NEED	(1ULL << 20)

int
wspace_release(struct hammer2_mount *mp)
{
	uint64_t avail = hammer2_fmap_avail(mp->fmap);

	if (mp->error != 0)
		return (mp->error);
	if (avail < RELEASE_NEED || avail - RELEASE_NEED < mp->dirty_bytes)
		return (ENOSPC);
	return (0);
}

void
wmaybe_flush(struct hammer2_mount *mp)
{
	uint64_t limit = mp->args.dirty_limit;

	if (mp->dirty_bytes > limit || mp->chain_bytes > 2 * limit)
		(void)flush_all(mp);
}

/* The PFS root inode named by pfs's label, through the super-root. */
int
wpfs_root(struct hammer2_wpfs *pfs, struct hammer2_chain **cp)
{
	struct hammer2_mount *mp = pfs->mp;
	struct hammer2_chain *sroot, *p;
	int slot, error;

	if (pfs->root != NULL && pfs->gen == mp->gen) {
		*cp = pfs->root;
		return (0);
	}
	if ((slot = chain_find(&mp->vchain, HAMMER2_SROOT_KEY)) < 0)
		return (EUCLEAN);
	if ((error = chain_kid(mp, &mp->vchain, slot, &sroot)) != 0)
		return (error);
	error = wdir_find(pfs, sroot, pfs->label, pfs->labellen, &p, &slot);
	if (error != 0)
		return (error);
	if ((error = chain_kid(mp, p, slot, cp)) != 0)
		return (error);
	if ((*cp)->bref.type != HAMMER2_BREF_TYPE_INODE)
		return (EUCLEAN);
	pfs->root = *cp;
	pfs->gen = mp->gen;
	return (0);
}

int
wnode_get(struct hammer2_wpfs *pfs, uint64_t inum, struct hammer2_chain **cp)
{
	struct hammer2_chain *root, *p;
	struct hammer2_blockref *base;
	const struct hammer2_inode_data *ip;
	int slot, error;

	if ((error = wpfs_root(pfs, &root)) != 0)
		return (error);
	if (inum == 1) {
		*cp = root;
		return (0);
	}
	if (inum & HAMMER2_DIRHASH_VISIBLE)
		return (ENOENT);
	if ((error = chain_lookup(pfs->mp, root, inum, &p, &slot)) != 0)
		return (error);
	(void)chain_table(p, &base);
	if (base[slot].type != HAMMER2_BREF_TYPE_INODE ||
	    base[slot].key != inum)
		return (ENOENT);
	if ((error = chain_kid(pfs->mp, p, slot, cp)) != 0)
		return (error);
	ip = (const struct hammer2_inode_data *)(*cp)->data;
	if (ip->meta.inum != inum)
		return (EUCLEAN);
	return (0);
}

int
wname_match(struct hammer2_mount *mp, struct hammer2_chain *parent, int slot,
    const char *name, size_t len)
{
	struct hammer2_blockref *base, *e;
	struct hammer2_chain *kid;
	const struct hammer2_inode_data *ip;
	int error;

	(void)chain_table(parent, &base);
	e = &base[slot];
	switch (e->type) {
	case HAMMER2_BREF_TYPE_DIRENT:
		if (e->embed.dirent.namlen != len)
			return (0);
		if (len <= HAMMER2_DIRENT_INLINE)
			return (memcmp(e->check.buf, name, len) == 0);
		break;
	case HAMMER2_BREF_TYPE_INODE:
		break;
	default:
		return (-EUCLEAN);
	}
	if ((error = chain_kid(mp, parent, slot, &kid)) != 0)
		return (-error);
	if (e->type == HAMMER2_BREF_TYPE_DIRENT)
		return (memcmp(kid->data, name, len) == 0);
	ip = (const struct hammer2_inode_data *)kid->data;
	return (ip->meta.name_len == len &&
	    memcmp(ip->filename, name, len) == 0);
}

struct find_ctx {
	struct hammer2_mount	*mp;
	const char		*name;
	size_t			 len;
	struct hammer2_chain	*parent;
	int			 slot;
};

static int
find_one(void *arg, struct hammer2_chain *parent, int slot)
{
	struct find_ctx *fc = arg;
	int m;

	m = wname_match(fc->mp, parent, slot, fc->name, fc->len);
	if (m < 0)
		return (-m);
	if (m == 0)
		return (0);
	fc->parent = parent;
	fc->slot = slot;
	return (HAMMER2_SCAN_STOP);
}

int
wdir_find(struct hammer2_wpfs *pfs, struct hammer2_chain *dir,
    const char *name, size_t len, struct hammer2_chain **parentp, int *slotp)
{
	struct find_ctx fc;
	uint64_t h;
	int error;

	if (len == 0 || len >= HAMMER2_INODE_MAXNAME)
		return (len == 0 ? EINVAL : ENAMETOOLONG);
	h = hammer2_dirhash(name, len);
	fc.mp = pfs->mp;
	fc.name = name;
	fc.len = len;
	fc.parent = NULL;
	error = chain_scan(pfs->mp, dir, h, h | HAMMER2_DIRHASH_LOMASK,
	    find_one, &fc);
	if (error != 0)
		return (error);
	if (fc.parent == NULL)
		return (ENOENT);
	*parentp = fc.parent;
	*slotp = fc.slot;
	return (0);
}

/*
 * Insert the entry tmpl (type, methods, embed, name) for name into dir
 * under the first free key of the hash window at or after
 * hash + start (format 6.3: 1 for directory entries).
 */
int
wdir_add(struct hammer2_mount *mp, struct hammer2_chain *dir,
    const char *name, size_t len, const struct hammer2_blockref *tmpl,
    uint64_t start, struct hammer2_chain *kid, uint64_t *keyp)
{
	struct hammer2_blockref bref = *tmpl;
	struct hammer2_chain *p;
	uint64_t h, key;
	int slot, error;

	h = hammer2_dirhash(name, len);
	for (key = h + start; key <= (h | HAMMER2_DIRHASH_LOMASK); key++) {
		error = chain_lookup(mp, dir, key, &p, &slot);
		if (error == ENOENT)
			break;
		if (error != 0)
			return (error);
	}
	if (key > (h | HAMMER2_DIRHASH_LOMASK))
		return (ENOSPC);
	bref.key = key;
	bref.keybits = 0;
	if ((error = chain_insert(mp, dir, &bref, kid)) != 0)
		return (error);
	if (keyp != NULL)
		*keyp = key;
	return (0);
}
