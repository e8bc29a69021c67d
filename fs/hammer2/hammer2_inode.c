/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_inode.c - inodes and names: loading an inode from its blockref,
 * finding inode N in the PFS inode index (format 5.4), looking a name up
 * in a directory's hash window (format 6.2, 6.3), resolving paths with
 * symlinks, and decoding attributes.
 *
 * A directory entry is normally a DIRENT blockref carrying the inode
 * number; the inode itself lives once in the PFS root's inode index, so
 * a hard link is simply a second DIRENT with the same number (format
 * 6.5).  For older layouts the lookup also accepts an INODE blockref in
 * a directory (matched by its filename), and when such an inode has the
 * legacy HARDLINK type its target is fetched by number from the index.
 *
 * Locking: none; inodes are caller-owned copies.
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>

#include <fs/hammer2/hammer2_private.h>

#define HAMMER2_PATH_MAX	4096
#define HAMMER2_SYMLINK_MAX	32	/* symlinks followed per lookup */

int
hammer2_inode_load(struct hammer2_vol *vol, struct hammer2_pfs *pfs,
    const struct hammer2_blockref *bref, struct hammer2_inode *ip)
{
	const struct hammer2_inode_meta *meta;
	struct hammer2_blk blk;
	int error;

	if (bref->type != HAMMER2_BREF_TYPE_INODE)
		return (hammer2_report(vol, HAMMER2_REPORT_CORRUPT, EUCLEAN,
		    bref, hammer2_bref_offset(bref),
		    "expected an inode blockref"));
	error = hammer2_blk_get(vol, bref, &blk);
	if (error != 0)
		return (error);
	memcpy(&ip->data, blk.data, sizeof(ip->data));
	hammer2_blk_put(vol, &blk);
	ip->bref = *bref;
	ip->pfs = pfs;

	meta = &ip->data.meta;
	if (meta->name_len > HAMMER2_INODE_MAXNAME)
		return (hammer2_report(vol, HAMMER2_REPORT_CORRUPT, EUCLEAN,
		    bref, hammer2_bref_offset(bref),
		    "inode name_len too long"));
	if ((meta->op_flags & HAMMER2_OPFLAG_DIRECTDATA) &&
	    meta->size > HAMMER2_EMBEDDED_BYTES &&
	    (meta->type == HAMMER2_OBJTYPE_REGFILE ||
	    meta->type == HAMMER2_OBJTYPE_SOFTLINK))
		return (hammer2_report(vol, HAMMER2_REPORT_CORRUPT, EUCLEAN,
		    bref, hammer2_bref_offset(bref),
		    "embedded data larger than the inode"));
	return (0);
}

int
hammer2_inode_get(struct hammer2_pfs *pfs, uint64_t inum,
    struct hammer2_inode *ip)
{
	struct hammer2_vol *vol = pfs->vol;
	struct hammer2_blockref bref;
	const struct hammer2_blockref *base;
	int count, error;

	if (inum == pfs->root.data.meta.inum) {
		*ip = pfs->root;
		return (0);
	}
	if (inum & HAMMER2_DIRHASH_VISIBLE)
		return (ENOENT);
	count = hammer2_inode_table(&pfs->root.data, &base);
	error = hammer2_table_lookup(vol, base, count, inum, &bref);
	if (error != 0)
		return (error);
	if (bref.key != inum)
		return (ENOENT);	/* e.g. inside a data range */
	error = hammer2_inode_load(vol, pfs, &bref, ip);
	if (error != 0)
		return (error);
	if (ip->data.meta.inum != inum)
		return (hammer2_report(vol, HAMMER2_REPORT_CORRUPT, EUCLEAN,
		    &bref, hammer2_bref_offset(&bref),
		    "inode number differs from its index key"));
	return (0);
}

struct find_ctx {
	struct hammer2_vol	*vol;
	const char		*name;
	size_t			 len;
	struct hammer2_blockref	*ent;
	int			 found;
};

/* Compare one entry of the hash window with the wanted name. */
static int
find_one(void *arg, const struct hammer2_blockref *bref)
{
	struct find_ctx *fc = arg;
	struct hammer2_blk blk;
	const struct hammer2_inode_data *ipdata;
	int error, match = 0;

	switch (bref->type) {
	case HAMMER2_BREF_TYPE_DIRENT:
		if (bref->embed.dirent.namlen != fc->len)
			return (0);
		if (fc->len <= HAMMER2_DIRENT_INLINE) {
			match = memcmp(bref->check.buf, fc->name, fc->len) == 0;
			break;
		}
		error = hammer2_blk_get(fc->vol, bref, &blk);
		if (error != 0)
			return (error);
		match = memcmp(blk.data, fc->name, fc->len) == 0;
		hammer2_blk_put(fc->vol, &blk);
		break;
	case HAMMER2_BREF_TYPE_INODE:
		error = hammer2_blk_get(fc->vol, bref, &blk);
		if (error != 0)
			return (error);
		ipdata = blk.data;
		match = ipdata->meta.name_len == fc->len &&
		    memcmp(ipdata->filename, fc->name, fc->len) == 0;
		hammer2_blk_put(fc->vol, &blk);
		break;
	default:
		return (hammer2_report(fc->vol, HAMMER2_REPORT_CORRUPT, EUCLEAN,
		    bref, hammer2_bref_offset(bref),
		    "unexpected blockref type in a directory"));
	}
	if (!match)
		return (0);
	*fc->ent = *bref;
	fc->found = 1;
	return (HAMMER2_SCAN_STOP);
}

int
hammer2_dir_find(struct hammer2_vol *vol, const struct hammer2_blockref *base,
    int count, const char *name, size_t len, struct hammer2_blockref *ent)
{
	struct find_ctx fc;
	uint64_t h;
	int error;

	h = hammer2_dirhash(name, len);
	fc.vol = vol;
	fc.name = name;
	fc.len = len;
	fc.ent = ent;
	fc.found = 0;
	error = hammer2_table_scan(vol, base, count, h,
	    h | HAMMER2_DIRHASH_LOMASK, find_one, &fc);
	if (error != 0)
		return (error);
	return (fc.found ? 0 : ENOENT);
}

static bool
inode_is_pfsroot(const struct hammer2_inode *ip)
{
	return (ip->pfs != NULL &&
	    ip->data.meta.inum == ip->pfs->root.data.meta.inum);
}

int
hammer2_lookup_name(const struct hammer2_inode *dip, const char *name,
    size_t len, struct hammer2_inode *ip)
{
	struct hammer2_pfs *pfs = dip->pfs;
	struct hammer2_vol *vol = pfs->vol;
	struct hammer2_blockref ent;
	const struct hammer2_blockref *base;
	uint64_t inum;
	int count, error;

	if (dip->data.meta.type != HAMMER2_OBJTYPE_DIRECTORY)
		return (ENOTDIR);
	if (len == 0 || memchr(name, '/', len) != NULL ||
	    memchr(name, '\0', len) != NULL)
		return (EINVAL);
	if (len >= HAMMER2_INODE_MAXNAME)
		return (ENAMETOOLONG);
	if (len == 1 && name[0] == '.') {
		if (ip != dip)
			*ip = *dip;
		return (0);
	}
	if (len == 2 && name[0] == '.' && name[1] == '.') {
		if (inode_is_pfsroot(dip)) {
			*ip = pfs->root;
			return (0);
		}
		inum = dip->data.meta.iparent;
		return (hammer2_inode_get(pfs, inum, ip));
	}

	count = hammer2_inode_table(&dip->data, &base);
	error = hammer2_dir_find(vol, base, count, name, len, &ent);
	if (error != 0)
		return (error);
	if (ent.type == HAMMER2_BREF_TYPE_DIRENT)
		return (hammer2_inode_get(pfs, ent.embed.dirent.inum, ip));

	/* A legacy INODE entry: the inode itself, or a hardlink pointer. */
	error = hammer2_inode_load(vol, pfs, &ent, ip);
	if (error != 0)
		return (error);
	if (ip->data.meta.type == HAMMER2_OBJTYPE_HARDLINK)
		return (hammer2_inode_get(pfs, ip->data.meta.inum, ip));
	return (0);
}

/* Scratch memory of one path resolution. */
struct path_work {
	struct hammer2_inode	next;
	char			path[HAMMER2_PATH_MAX];
	char			link[HAMMER2_PATH_MAX];
};

/*
 * Replace the unresolved part of the path with link target + rest.
 * rest points into pw->path.
 */
static int
path_splice(struct path_work *pw, size_t tlen, const char *rest)
{
	size_t rlen = strlen(rest);

	if (tlen + 1 + rlen >= HAMMER2_PATH_MAX)
		return (ENAMETOOLONG);
	memmove(pw->path + tlen + 1, rest, rlen + 1);
	memcpy(pw->path, pw->link, tlen);
	pw->path[tlen] = '/';
	return (0);
}

int
hammer2_lookup_path(struct hammer2_pfs *pfs, const char *path, int flags,
    struct hammer2_inode *ip)
{
	struct hammer2_vol *vol = pfs->vol;
	struct path_work *pw;
	const char *p, *q;
	size_t plen, tlen;
	int error = 0, nlinks = 0;
	bool last, dirwanted;

	plen = strnlen(path, HAMMER2_PATH_MAX);
	if (plen >= HAMMER2_PATH_MAX)
		return (ENAMETOOLONG);
	pw = hammer2_alloc(vol, sizeof(*pw));
	if (pw == NULL)
		return (ENOMEM);
	memcpy(pw->path, path, plen + 1);
	*ip = pfs->root;
	p = pw->path;

	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		for (q = p; *q != '\0' && *q != '/'; q++)
			;
		dirwanted = *q == '/';
		error = hammer2_lookup_name(ip, p, (size_t)(q - p), &pw->next);
		if (error != 0)
			break;
		while (*q == '/')
			q++;
		last = *q == '\0';
		if (pw->next.data.meta.type == HAMMER2_OBJTYPE_SOFTLINK &&
		    (!last || dirwanted || (flags & HAMMER2_LOOKUP_FOLLOW))) {
			if (++nlinks > HAMMER2_SYMLINK_MAX) {
				error = ELOOP;
				break;
			}
			error = hammer2_readlink(&pw->next, pw->link,
			    sizeof(pw->link), &tlen);
			if (error == 0 && tlen == 0)
				error = ENOENT;
			if (error == 0)
				error = path_splice(pw, tlen, q);
			if (error != 0)
				break;
			if (pw->path[0] == '/')
				*ip = pfs->root;
			p = pw->path;
			continue;
		}
		*ip = pw->next;
		p = q;
		if (last && dirwanted &&
		    ip->data.meta.type != HAMMER2_OBJTYPE_DIRECTORY) {
			error = ENOTDIR;
			break;
		}
	}
	hammer2_free(vol, pw, sizeof(*pw));
	return (error);
}

uint32_t
hammer2_objtype_to_ifmt(uint8_t type)
{
	switch (type) {
	case HAMMER2_OBJTYPE_DIRECTORY:
		return (HAMMER2_S_IFDIR);
	case HAMMER2_OBJTYPE_REGFILE:
		return (HAMMER2_S_IFREG);
	case HAMMER2_OBJTYPE_FIFO:
		return (HAMMER2_S_IFIFO);
	case HAMMER2_OBJTYPE_CDEV:
		return (HAMMER2_S_IFCHR);
	case HAMMER2_OBJTYPE_BDEV:
		return (HAMMER2_S_IFBLK);
	case HAMMER2_OBJTYPE_SOFTLINK:
		return (HAMMER2_S_IFLNK);
	case HAMMER2_OBJTYPE_SOCKET:
		return (HAMMER2_S_IFSOCK);
	default:
		return (0);
	}
}

/* A Unix id kept in bytes 12..15 of a UUID-sized field. */
static uint32_t
uuid_to_id(const struct hammer2_uuid *u)
{
	uint32_t v;

	memcpy(&v, (const uint8_t *)u + 12, sizeof(v));
	return (v);
}

int
hammer2_getattr(const struct hammer2_inode *ip, struct hammer2_attr *attr)
{
	const struct hammer2_inode_meta *m = &ip->data.meta;

	memset(attr, 0, sizeof(*attr));
	attr->inum = m->inum;
	attr->type = m->type;
	attr->mode = m->mode & 07777;
	attr->ifmt = hammer2_objtype_to_ifmt(m->type);
	attr->uid = uuid_to_id(&m->uid);
	attr->gid = uuid_to_id(&m->gid);
	attr->size = m->size;
	attr->nlinks = m->nlinks;
	attr->ctime = m->ctime;
	attr->mtime = m->mtime;
	attr->atime = m->atime;
	attr->btime = m->btime;
	attr->rmajor = m->rmajor;
	attr->rminor = m->rminor;
	attr->iparent = m->iparent;
	attr->uflags = m->uflags;
	attr->op_flags = m->op_flags;
	attr->comp_algo = m->comp_algo;
	attr->check_algo = m->check_algo;
	attr->pfs_type = m->pfs_type;
	attr->data_blocks = ip->bref.embed.stats.data_count;
	return (0);
}

void
hammer2_inode_init(struct hammer2_inode_data *ip, uint64_t inum,
    uint64_t parent, uint8_t type, uint32_t mode, uint32_t uid, uint32_t gid,
    uint32_t rmajor, uint32_t rminor, uint64_t now)
{
	static const char hex[] = "0123456789abcdef";
	int i;

	ip->meta.version = 1;
	ip->meta.ctime = ip->meta.mtime = now;
	memcpy((uint8_t *)&ip->meta.uid + 12, &uid, 4);
	memcpy((uint8_t *)&ip->meta.gid + 12, &gid, 4);
	ip->meta.type = type;
	ip->meta.mode = mode & 07777;
	ip->meta.rmajor = rmajor;
	ip->meta.rminor = rminor;
	ip->meta.inum = inum;
	ip->meta.nlinks = 1;
	ip->meta.iparent = parent;
	ip->meta.name_key = inum;
	ip->meta.name_len = 18;
	ip->filename[0] = '0';
	ip->filename[1] = 'x';
	for (i = 0; i < 16; i++)
		ip->filename[2 + i] = (uint8_t)hex[(inum >> (60 - 4 * i)) & 15];
	if (type == HAMMER2_OBJTYPE_REGFILE || type == HAMMER2_OBJTYPE_SOFTLINK)
		ip->meta.op_flags |= HAMMER2_OPFLAG_DIRECTDATA;
}
