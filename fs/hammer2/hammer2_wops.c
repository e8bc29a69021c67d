/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_wops.c - the file system operations of a read-write mount,
 * by inode number: lookup, getattr, readdir, read, create, link,
 * remove, rename, setattr.  New inodes go into the PFS inode index
 * (format 5.4) and get a directory entry keyed by the collision rule
 * (6.3); nlinks counts directory entries (5.1); an inode whose last
 * entry goes is deleted from the index (its blocks wait for bulkfree),
 * or at its last release when it is held open (hammer2_whold.c).
 * File data is in hammer2_wfile.c.
 *
 * Locking: the rw mount's caller serialisation (hammer2_chain.h).
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>

#include <fs/hammer2/hammer2_chain.h>


static int
name_ok(const char *name, size_t len)
{
	if (len == 0)
		return (EINVAL);
	if (len >= HAMMER2_INODE_MAXNAME)
		return (ENAMETOOLONG);
	if (memchr(name, '/', len) != NULL || memchr(name, '\0', len) != NULL)
		return (EINVAL);
	return (0);
}

static int
is_dot(const char *name, size_t len)
{
	return ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'));
}

static int
get_dir(struct hammer2_wpfs *pfs, uint64_t inum, struct hammer2_chain **cp)
{
	int error;

	if ((error = wnode_get(pfs, inum, cp)) != 0)
		return (error);
	return (INO(*cp)->meta.type == HAMMER2_OBJTYPE_DIRECTORY ? 0 :
	    ENOTDIR);
}

static void
touch(struct hammer2_mount *mp, struct hammer2_chain *c, int mtime)
{
	uint64_t now = wnow(mp);

	INO(c)->meta.ctime = now;
	if (mtime)
		INO(c)->meta.mtime = now;
	chain_dirty(mp, c);
}

/* The directory entry found at (p, slot): its inode number. */
static int
entry_inum(struct hammer2_mount *mp, struct hammer2_chain *p, int slot,
    uint64_t *inump, uint8_t *typep)
{
	struct hammer2_blockref *base;
	struct hammer2_chain *kid;
	int error;

	(void)chain_table(p, &base);
	if (base[slot].type == HAMMER2_BREF_TYPE_DIRENT) {
		*inump = base[slot].embed.dirent.inum;
		*typep = base[slot].embed.dirent.type;
		return (0);
	}
	if ((error = chain_kid(mp, p, slot, &kid)) != 0)
		return (error);
	*inump = INO(kid)->meta.inum;
	*typep = INO(kid)->meta.type;
	return (0);
}

int
hammer2_rw_lookup(struct hammer2_wpfs *pfs, uint64_t dir, const char *name,
    size_t len, uint64_t *inump)
{
	struct hammer2_chain *d, *p;
	uint8_t type;
	int slot, error;

	if ((error = get_dir(pfs, dir, &d)) != 0)
		return (error);
	if (len == 1 && name[0] == '.') {
		*inump = dir;
		return (0);
	}
	if (len == 2 && name[0] == '.' && name[1] == '.') {
		*inump = dir == 1 || INO(d)->meta.iparent == 0 ? 1 :
		    INO(d)->meta.iparent;
		return (0);
	}
	if ((error = name_ok(name, len)) != 0)
		return (error);
	if ((error = wdir_find(pfs, d, name, len, &p, &slot)) != 0)
		return (error);
	return (entry_inum(pfs->mp, p, slot, inump, &type));
}

int
hammer2_rw_getattr(struct hammer2_wpfs *pfs, uint64_t inum,
    struct hammer2_attr *attr)
{
	struct hammer2_mount *mp = pfs->mp;
	struct hammer2_chain *c;
	int error;

	if ((error = wnode_get(pfs, inum, &c)) != 0)
		return (error);
	mp->tmpino->pfs = mp->rpfs;
	mp->tmpino->bref = c->bref;
	memcpy(&mp->tmpino->data, c->data, HAMMER2_INODE_BYTES);
	error = hammer2_getattr(mp->tmpino, attr);
	attr->inum = inum;
	return (error);
}

struct readdir_ctx {
	struct hammer2_mount	*mp;
	int			(*cb)(void *, const struct hammer2_dirent *);
	void			*arg;
};

static int
readdir_one(void *arg, struct hammer2_chain *p, int slot)
{
	struct readdir_ctx *rc = arg;
	struct hammer2_blockref *base, *e;
	struct hammer2_chain *kid;
	struct hammer2_dirent de;
	int error;

	(void)chain_table(p, &base);
	e = &base[slot];
	memset(&de, 0, sizeof(de));
	de.cookie = e->key & ~HAMMER2_DIRHASH_VISIBLE;
	de.next = de.cookie + 1;
	if (e->type == HAMMER2_BREF_TYPE_DIRENT) {
		de.inum = e->embed.dirent.inum;
		de.type = e->embed.dirent.type;
		de.namlen = e->embed.dirent.namlen;
		if (de.namlen <= HAMMER2_DIRENT_INLINE)
			de.name = (const char *)e->check.buf;
		else {
			if ((error = chain_kid(rc->mp, p, slot, &kid)) != 0)
				return (error);
			de.name = (const char *)kid->data;
		}
	} else if (e->type == HAMMER2_BREF_TYPE_INODE) {
		if ((error = chain_kid(rc->mp, p, slot, &kid)) != 0)
			return (error);
		de.inum = INO(kid)->meta.inum;
		de.type = INO(kid)->meta.type;
		de.namlen = INO(kid)->meta.name_len;
		de.name = (const char *)INO(kid)->filename;
		if (de.namlen == 0 || de.namlen >= HAMMER2_INODE_MAXNAME)
			return (EUCLEAN);
	} else
		return (EUCLEAN);
	return (rc->cb(rc->arg, &de) != 0 ? HAMMER2_SCAN_STOP : 0);
}

int
hammer2_rw_readdir(struct hammer2_wpfs *pfs, uint64_t dir, uint64_t cookie,
    int (*cb)(void *arg, const struct hammer2_dirent *ent), void *arg)
{
	struct hammer2_chain *d;
	struct readdir_ctx rc;
	int error;

	if ((error = get_dir(pfs, dir, &d)) != 0)
		return (error);
	if (hammer2_readdir_dots(&cookie, dir, dir == 1 ||
	    INO(d)->meta.iparent == 0 ? 1 : INO(d)->meta.iparent, cb, arg))
		return (0);
	if (cookie >= HAMMER2_COOKIE_EOF)
		return (0);
	rc.mp = pfs->mp;
	rc.cb = cb;
	rc.arg = arg;
	return (chain_scan(pfs->mp, d, cookie | HAMMER2_DIRHASH_VISIBLE,
	    UINT64_MAX, readdir_one, &rc));
}

/* A DIRENT for name -> (inum, type) in directory d, and its name block. */
static int
dirent_make(struct hammer2_mount *mp, struct hammer2_chain *d,
    const char *name, size_t len, uint64_t inum, uint8_t type,
    struct hammer2_blockref *bref, struct hammer2_chain **kidp)
{
	const struct hammer2_inode_data *dip = INO(d);

	memset(bref, 0, sizeof(*bref));
	bref->type = HAMMER2_BREF_TYPE_DIRENT;
	bref->methods = HAMMER2_ENC_METHODS(meta_check(dip->meta.check_algo),
	    dip->meta.comp_algo & 0x0F);
	bref->embed.dirent.inum = inum;
	bref->embed.dirent.namlen = (uint16_t)len;
	bref->embed.dirent.type = type;
	*kidp = NULL;
	if (len <= HAMMER2_DIRENT_INLINE) {
		memcpy(bref->check.buf, name, len);
		return (0);
	}
	if ((*kidp = chain_new(mp, bref, HAMMER2_ALLOC_MIN)) == NULL)
		return (ENOMEM);
	memcpy((*kidp)->data, name, len);
	return (0);
}

static int
dirent_add(struct hammer2_mount *mp, struct hammer2_chain *d,
    const char *name, size_t len, uint64_t inum, uint8_t type)
{
	struct hammer2_blockref bref;
	struct hammer2_chain *kid;
	int error;

	if ((error = dirent_make(mp, d, name, len, inum, type, &bref,
	    &kid)) != 0)
		return (error);
	error = wdir_add(mp, d, name, len, &bref, 1, kid, NULL);
	if (error != 0 && kid != NULL)
		chain_free(mp, kid);
	return (error);
}

/* Delete inode inum from the PFS inode index. */
int
winode_delete(struct hammer2_wpfs *pfs, uint64_t inum)
{
	struct hammer2_chain *root, *p;
	int slot, error;

	if ((error = wpfs_root(pfs, &root)) != 0)
		return (error);
	if ((error = chain_lookup(pfs->mp, root, inum, &p, &slot)) != 0)
		return (error);
	chain_delete(pfs->mp, p, slot);
	return (0);
}

/* A directory has entries when anything sits at or above bit 63. */
static int
dir_nonempty_cb(void *arg, struct hammer2_chain *p, int slot)
{
	(void)p;
	(void)slot;
	*(int *)arg = 1;
	return (HAMMER2_SCAN_STOP);
}

static int
dir_empty(struct hammer2_mount *mp, struct hammer2_chain *d)
{
	int found = 0, error;

	error = chain_scan(mp, d, HAMMER2_DIRHASH_VISIBLE, UINT64_MAX,
	    dir_nonempty_cb, &found);
	if (error != 0)
		return (error);
	return (found ? ENOTEMPTY : 0);
}

int
hammer2_rw_create(struct hammer2_wpfs *pfs, uint64_t dir, const char *name,
    size_t len, const struct hammer2_rw_create *cr, uint64_t *inump)
{
	struct hammer2_mount *mp = pfs->mp;
	struct hammer2_chain *d, *root, *c, *p;
	struct hammer2_inode_data *ip;
	struct hammer2_blockref bref;
	uint64_t inum;
	int slot, error;

	if ((error = name_ok(name, len)) != 0)
		return (error);
	if (cr->type == HAMMER2_OBJTYPE_UNKNOWN ||
	    cr->type == HAMMER2_OBJTYPE_HARDLINK ||
	    cr->type > HAMMER2_OBJTYPE_SOCKET || cr->type == 8)
		return (EINVAL);
	if ((error = wspace(mp, 4 * HAMMER2_INODE_BYTES + cr->targetlen)) != 0)
		return (error);
	if ((error = get_dir(pfs, dir, &d)) != 0)
		return (error);
	if (is_dot(name, len))
		return (EEXIST);
	error = wdir_find(pfs, d, name, len, &p, &slot);
	if (error != ENOENT)
		return (error == 0 ? EEXIST : error);
	if ((error = wpfs_root(pfs, &root)) != 0)
		return (error);
	/* The next free inode number (format 5.4). */
	for (;;) {
		inum = pfs->next_inum++;
		if (inum & HAMMER2_DIRHASH_VISIBLE)
			return (ENOSPC);
		error = chain_lookup(mp, root, inum, &p, &slot);
		if (error == ENOENT)
			break;
		if (error != 0)
			return (error);
	}
	memset(&bref, 0, sizeof(bref));
	bref.type = HAMMER2_BREF_TYPE_INODE;
	bref.methods = HAMMER2_ENC_METHODS(meta_check(INO(d)->meta.check_algo),
	    INO(d)->meta.comp_algo & 0x0F);
	bref.key = inum;
	if ((c = chain_new(mp, &bref, HAMMER2_INODE_BYTES)) == NULL)
		return (ENOMEM);
	ip = INO(c);
	hammer2_inode_init(ip, inum, dir, cr->type, cr->mode, cr->uid, cr->gid,
	    cr->rmajor, cr->rminor, wnow(mp));
	ip->meta.comp_algo = INO(d)->meta.comp_algo;
	ip->meta.check_algo = INO(d)->meta.check_algo;
	if ((error = chain_insert(mp, root, &bref, c)) != 0) {
		chain_free(mp, c);
		return (error);
	}
	INO(root)->meta.pfs_inum = pfs->next_inum;
	chain_dirty(mp, root);
	if ((error = dirent_add(mp, d, name, len, inum, cr->type)) != 0) {
		(void)winode_delete(pfs, inum);
		return (error);
	}
	touch(mp, d, 1);
	if (cr->type == HAMMER2_OBJTYPE_SOFTLINK && cr->targetlen > 0 &&
	    (error = wfile_write(pfs, c, 0, cr->target, cr->targetlen)) != 0)
		return (error);
	*inump = inum;
	wmaybe_flush(mp);
	return (0);
}

int
hammer2_rw_link(struct hammer2_wpfs *pfs, uint64_t inum, uint64_t dir,
    const char *name, size_t len)
{
	struct hammer2_mount *mp = pfs->mp;
	struct hammer2_chain *d, *c, *p;
	int slot, error;

	if ((error = name_ok(name, len)) != 0)
		return (error);
	if ((error = wspace(mp, 2 * HAMMER2_INODE_BYTES)) != 0)
		return (error);
	if ((error = get_dir(pfs, dir, &d)) != 0)
		return (error);
	if ((error = wnode_get(pfs, inum, &c)) != 0)
		return (error);
	if (INO(c)->meta.type == HAMMER2_OBJTYPE_DIRECTORY)
		return (EPERM);
	if (INO(c)->meta.nlinks == 0)
		return (ENOENT);	/* an open file already unlinked */
	if (is_dot(name, len))
		return (EEXIST);
	error = wdir_find(pfs, d, name, len, &p, &slot);
	if (error != ENOENT)
		return (error == 0 ? EEXIST : error);
	if ((error = dirent_add(mp, d, name, len, inum,
	    INO(c)->meta.type)) != 0)
		return (error);
	INO(c)->meta.nlinks++;
	touch(mp, c, 0);
	touch(mp, d, 1);
	wmaybe_flush(mp);
	return (0);
}

/*
 * Remove the entry at (p, slot) of directory d, naming inode c: one
 * link fewer, and the inode itself when none is left (directories have
 * only the one).
 */
static int
unlink_entry(struct hammer2_wpfs *pfs, struct hammer2_chain *d,
    struct hammer2_chain *p, int slot, struct hammer2_chain *c)
{
	struct hammer2_mount *mp = pfs->mp;
	uint64_t inum = INO(c)->meta.inum;

	chain_delete(mp, p, slot);
	touch(mp, d, 1);
	if (INO(c)->meta.type != HAMMER2_OBJTYPE_DIRECTORY &&
	    (INO(c)->meta.nlinks > 1 || whold_orphan(pfs, inum))) {
		INO(c)->meta.nlinks--;
		touch(mp, c, 0);
		return (0);
	}
	return (winode_delete(pfs, inum));
}

/* Check that entry target c may be replaced by / removed as dirflag. */
static int
removable(struct hammer2_mount *mp, struct hammer2_chain *c, int isdir)
{
	if (INO(c)->meta.type == HAMMER2_OBJTYPE_DIRECTORY) {
		if (!isdir)
			return (EISDIR);
		if (INO(c)->meta.op_flags & HAMMER2_OPFLAG_PFSROOT)
			return (EBUSY);
		return (dir_empty(mp, c));
	}
	return (isdir ? ENOTDIR : 0);
}

int
hammer2_rw_remove(struct hammer2_wpfs *pfs, uint64_t dir, const char *name,
    size_t len, int rmdir)
{
	struct hammer2_mount *mp = pfs->mp;
	struct hammer2_chain *d, *p, *c;
	uint64_t inum;
	uint8_t type;
	int slot, error;

	if (is_dot(name, len))
		return (len == 1 ? EINVAL : ENOTEMPTY);
	if ((error = name_ok(name, len)) != 0)
		return (error);
	if ((error = wspace_release(mp)) != 0)
		return (error);
	if ((error = get_dir(pfs, dir, &d)) != 0)
		return (error);
	if ((error = wdir_find(pfs, d, name, len, &p, &slot)) != 0)
		return (error);
	if ((error = entry_inum(mp, p, slot, &inum, &type)) != 0)
		return (error);
	if ((error = wnode_get(pfs, inum, &c)) != 0)
		return (error);
	if ((error = removable(mp, c, rmdir)) != 0)
		return (error);
	/* Looking the inode up may have moved the entry: find it again. */
	if ((error = wdir_find(pfs, d, name, len, &p, &slot)) != 0)
		return (error);
	error = unlink_entry(pfs, d, p, slot, c);
	wmaybe_flush(mp);
	return (error);
}

/* Is inode anc dir itself or an ancestor of directory dir? */
static int
is_ancestor(struct hammer2_wpfs *pfs, uint64_t anc, uint64_t dir)
{
	struct hammer2_chain *c;
	int depth, error;

	for (depth = 0; depth < 4096 && dir != 1 && dir != 0; depth++) {
		if (dir == anc)
			return (1);
		if ((error = wnode_get(pfs, dir, &c)) != 0)
			return (-error);
		dir = INO(c)->meta.iparent;
	}
	return (dir == anc);
}

int
hammer2_rw_rename(struct hammer2_wpfs *pfs, uint64_t sdir, const char *sname,
    size_t slen, uint64_t tdir, const char *tname, size_t tlen, int flags)
{
	struct hammer2_mount *mp = pfs->mp;
	struct hammer2_chain *sd, *td, *p, *c, *t;
	uint64_t sinum, tinum;
	uint8_t stype, ttype;
	int slot, error, anc;

	if (is_dot(sname, slen) || is_dot(tname, tlen))
		return (EINVAL);
	if ((error = name_ok(sname, slen)) != 0 ||
	    (error = name_ok(tname, tlen)) != 0)
		return (error);
	if ((error = wspace(mp, 4 * HAMMER2_INODE_BYTES)) != 0)
		return (error);
	if ((error = get_dir(pfs, sdir, &sd)) != 0 ||
	    (error = get_dir(pfs, tdir, &td)) != 0)
		return (error);
	if ((error = wdir_find(pfs, sd, sname, slen, &p, &slot)) != 0 ||
	    (error = entry_inum(mp, p, slot, &sinum, &stype)) != 0)
		return (error);
	if ((error = wnode_get(pfs, sinum, &c)) != 0)
		return (error);
	if (INO(c)->meta.type == HAMMER2_OBJTYPE_DIRECTORY && sdir != tdir) {
		if ((anc = is_ancestor(pfs, sinum, tdir)) < 0)
			return (-anc);
		if (anc)
			return (EINVAL);
	}
	error = wdir_find(pfs, td, tname, tlen, &p, &slot);
	if (error == 0) {
		if ((error = entry_inum(mp, p, slot, &tinum, &ttype)) != 0)
			return (error);
		if (tinum == sinum)
			return (0);
		if (flags & HAMMER2_RENAME_NOREPLACE)
			return (EEXIST);
		if ((error = wnode_get(pfs, tinum, &t)) != 0)
			return (error);
		if (INO(c)->meta.type == HAMMER2_OBJTYPE_DIRECTORY &&
		    INO(t)->meta.type != HAMMER2_OBJTYPE_DIRECTORY)
			return (ENOTDIR);
		if ((error = removable(mp, t,
		    INO(c)->meta.type == HAMMER2_OBJTYPE_DIRECTORY)) != 0)
			return (error);
		if ((error = wdir_find(pfs, td, tname, tlen, &p, &slot)) != 0 ||
		    (error = unlink_entry(pfs, td, p, slot, t)) != 0)
			return (error);
	} else if (error != ENOENT)
		return (error);
	if ((error = dirent_add(mp, td, tname, tlen, sinum, stype)) != 0)
		return (error);
	if ((error = wdir_find(pfs, sd, sname, slen, &p, &slot)) != 0)
		return (error);
	chain_delete(mp, p, slot);
	touch(mp, sd, 1);
	touch(mp, td, 1);
	if (INO(c)->meta.type == HAMMER2_OBJTYPE_DIRECTORY)
		INO(c)->meta.iparent = tdir;
	touch(mp, c, 0);
	wmaybe_flush(mp);
	return (0);
}

int
hammer2_rw_setattr(struct hammer2_wpfs *pfs, uint64_t inum, int mask,
    const struct hammer2_attr *attr)
{
	struct hammer2_mount *mp = pfs->mp;
	struct hammer2_inode_meta *m;
	struct hammer2_chain *c;
	int error;

	/* Shrinking gives space back: it may use the headroom. */
	if ((error = wnode_get(pfs, inum, &c)) != 0)
		return (error);
	if ((mask & HAMMER2_SETATTR_SIZE) && attr->size < INO(c)->meta.size)
		error = wspace_release(mp);
	else
		error = wspace(mp, HAMMER2_INODE_BYTES);
	if (error != 0)
		return (error);
	if ((mask & HAMMER2_SETATTR_COMP) &&
	    ((attr->comp_algo & 0x0F) > HAMMER2_COMP_ZLIB))
		return (EINVAL);
	if ((mask & HAMMER2_SETATTR_CHECK) &&
	    (attr->check_algo > HAMMER2_CHECK_SHA192))
		return (EINVAL);
	if (mask & HAMMER2_SETATTR_SIZE) {
		if ((error = wfile_truncate(pfs, inum, attr->size)) != 0)
			return (error);
	}
	if ((error = wnode_get(pfs, inum, &c)) != 0)
		return (error);
	m = &INO(c)->meta;
	if (mask & HAMMER2_SETATTR_MODE)
		m->mode = attr->mode & 07777;
	if (mask & HAMMER2_SETATTR_UID)
		memcpy((uint8_t *)&m->uid + 12, &attr->uid, 4);
	if (mask & HAMMER2_SETATTR_GID)
		memcpy((uint8_t *)&m->gid + 12, &attr->gid, 4);
	if (mask & HAMMER2_SETATTR_ATIME)
		m->atime = attr->atime;
	if (mask & HAMMER2_SETATTR_MTIME)
		m->mtime = attr->mtime;
	if (mask & HAMMER2_SETATTR_COMP)
		m->comp_algo = attr->comp_algo;
	if (mask & HAMMER2_SETATTR_CHECK)
		m->check_algo = attr->check_algo;
	m->ctime = (mask & HAMMER2_SETATTR_CTIME) ? attr->ctime : wnow(mp);
	chain_dirty(mp, c);
	wmaybe_flush(mp);
	return (0);
}
