/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_wmount.c - the read-write mount and its PFSs: open (freemap
 * load and mount-time recovery, format 11.4), flush and close, PFS
 * handles, PFS create and delete in the super-root (7.5), snapshots
 * (7.6: a new PFS root whose block table is a verbatim copy of the
 * source's flushed one, so every block below is shared), bulkfree
 * (8.6) and statfs.
 *
 * Locking: the rw mount's caller serialisation (hammer2_chain.h).
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>

#include <fs/hammer2/hammer2_chain.h>

#define DEFAULT_DIRTY_LIMIT	(64ULL << 20)
/* Scratch for the LZ4 and zlib encoders and the zlib decoder. */
#define SCRATCH_WS	HAMMER2_DEFLATE_WS_BYTES

int
hammer2_rw_open(struct hammer2_vol *vol, const struct hammer2_rw_args *args,
    struct hammer2_mount **mpp)
{
	struct hammer2_mount *mp;
	uint64_t before;
	int error;

	_Static_assert(HAMMER2_INFLATE_WS_BYTES <= SCRATCH_WS &&
	    HAMMER2_LZ4_WS_BYTES <= SCRATCH_WS, "scratch");
	if (vol->ops.write == NULL || vol->ops.barrier == NULL)
		return (EINVAL);
	if ((mp = hammer2_alloc(vol, sizeof(*mp))) == NULL)
		return (ENOMEM);
	memset(mp, 0, sizeof(*mp));
	mp->vol = vol;
	mp->vd = vol->voldata;
	if (args != NULL)
		mp->args = *args;
	if (mp->args.dirty_limit == 0)
		mp->args.dirty_limit = DEFAULT_DIRTY_LIMIT;
	mp->hdr_index = vol->copy;
	mp->vchain.bref.type = HAMMER2_BREF_TYPE_VOLUME;
	mp->vchain.data = (uint8_t *)mp->vd->sroot_blockset.blockref;
	mp->vchain.bytes = sizeof(mp->vd->sroot_blockset);
	mp->vchain.nslots = HAMMER2_SET_COUNT;
	error = ENOMEM;
	mp->vchain.kids = hammer2_alloc(vol,
	    HAMMER2_SET_COUNT * sizeof(*mp->vchain.kids));
	mp->zbuf = hammer2_alloc(vol, HAMMER2_PBUFSIZE);
	mp->ws = hammer2_alloc(vol, SCRATCH_WS);
	mp->tmpino = hammer2_alloc(vol, sizeof(*mp->tmpino));
	mp->rpfs = hammer2_alloc(vol, sizeof(*mp->rpfs));
	if (mp->vchain.kids == NULL || mp->zbuf == NULL || mp->ws == NULL ||
	    mp->tmpino == NULL || mp->rpfs == NULL)
		goto fail;
	memset(mp->vchain.kids, 0, HAMMER2_SET_COUNT * sizeof(*mp->vchain.kids));
	memset(mp->rpfs, 0, sizeof(*mp->rpfs));
	mp->rpfs->vol = vol;
	if ((error = hammer2_fmap_load(vol, mp->vd, &mp->fmap)) != 0)
		goto fail;
	before = hammer2_fmap_avail(mp->fmap);
	if ((error = hammer2_fmap_recover(mp->fmap, vol)) != 0)
		goto fail;
	if (hammer2_fmap_avail(mp->fmap) != before)
		mp->fmap_dirty = 1;
	*mpp = mp;
	return (0);
fail:
	(void)hammer2_rw_close(mp, 0);
	return (error);
}

int
hammer2_rw_close(struct hammer2_mount *mp, int flush)
{
	struct hammer2_vol *vol = mp->vol;
	int error = 0;

	if (mp->npfs != 0)
		return (EBUSY);
	if (flush)
		error = flush_all(mp);
	if (mp->vchain.kids != NULL) {
		chain_drop_kids(mp, &mp->vchain);
		hammer2_free(vol, mp->vchain.kids,
		    HAMMER2_SET_COUNT * sizeof(*mp->vchain.kids));
	}
	if (mp->fmap != NULL)
		hammer2_fmap_destroy(mp->fmap);
	if (mp->zbuf != NULL)
		hammer2_free(vol, mp->zbuf, HAMMER2_PBUFSIZE);
	if (mp->ws != NULL)
		hammer2_free(vol, mp->ws, SCRATCH_WS);
	if (mp->tmpino != NULL)
		hammer2_free(vol, mp->tmpino, sizeof(*mp->tmpino));
	if (mp->rpfs != NULL)
		hammer2_free(vol, mp->rpfs, sizeof(*mp->rpfs));
	hammer2_free(vol, mp, sizeof(*mp));
	return (error);
}

int
hammer2_rw_flush(struct hammer2_mount *mp)
{
	return (flush_all(mp));
}

const struct hammer2_volume_data *
hammer2_rw_header(const struct hammer2_mount *mp)
{
	return (mp->vd);
}

static int
label_ok(const char *label, size_t len)
{
	if (len == 0 || len >= HAMMER2_INODE_MAXNAME)
		return (len == 0 ? EINVAL : ENAMETOOLONG);
	if (memchr(label, '/', len) != NULL || memchr(label, '@', len) != NULL ||
	    memchr(label, '\0', len) != NULL)
		return (EINVAL);
	return (0);
}

static int
sroot_get(struct hammer2_mount *mp, struct hammer2_chain **cp)
{
	int slot;

	if ((slot = chain_find(&mp->vchain, HAMMER2_SROOT_KEY)) < 0)
		return (EUCLEAN);
	return (chain_kid(mp, &mp->vchain, slot, cp));
}

int
hammer2_rw_pfs_get(struct hammer2_mount *mp, const char *label,
    struct hammer2_wpfs **pfsp)
{
	struct hammer2_wpfs *pfs;
	struct hammer2_chain *root;
	size_t len;
	int error;

	if (label == NULL)
		label = "DATA";
	len = strlen(label);
	if ((error = label_ok(label, len)) != 0)
		return (error);
	if ((pfs = hammer2_alloc(mp->vol, sizeof(*pfs))) == NULL)
		return (ENOMEM);
	memset(pfs, 0, sizeof(*pfs));
	pfs->mp = mp;
	memcpy(pfs->label, label, len);
	pfs->labellen = len;
	if ((error = wpfs_root(pfs, &root)) != 0) {
		hammer2_free(mp->vol, pfs, sizeof(*pfs));
		return (error);
	}
	pfs->next_inum = INO(root)->meta.pfs_inum;
	if (pfs->next_inum < HAMMER2_INODE_START)
		pfs->next_inum = HAMMER2_INODE_START;
	pfs->next = mp->pfslist;
	mp->pfslist = pfs;
	mp->npfs++;
	*pfsp = pfs;
	return (0);
}

int
hammer2_rw_pfs_put(struct hammer2_wpfs *pfs)
{
	struct hammer2_mount *mp = pfs->mp;
	struct hammer2_wpfs **pp;
	int error;

	error = whold_release_all(pfs);

	for (pp = &mp->pfslist; *pp != NULL; pp = &(*pp)->next)
		if (*pp == pfs) {
			*pp = pfs->next;
			break;
		}
	mp->npfs--;
	hammer2_free(mp->vol, pfs, sizeof(*pfs));
	return (error);
}

static int
label_is_boot(const char *s, size_t len)
{
	static const char boot[] = "boot";
	size_t i;

	if (len != 4)
		return (0);
	for (i = 0; i < 4; i++)
		if ((s[i] | 0x20) != boot[i])
			return (0);
	return (1);
}

/* Insert PFS root inode c (data filled but the key) under label. */
static int
pfs_insert(struct hammer2_mount *mp, struct hammer2_chain *sroot,
    const char *label, size_t len, struct hammer2_chain *c)
{
	struct hammer2_inode_data *ip = INO(c);
	uint64_t key;
	int error;

	memset(ip->filename, 0, sizeof(ip->filename));
	memcpy(ip->filename, label, len);
	ip->meta.name_len = (uint16_t)len;
	c->bref.flags |= HAMMER2_BREF_FLAG_PFSROOT;
	if ((error = wdir_add(mp, sroot, label, len, &c->bref, 0, c,
	    &key)) != 0)
		return (error);
	ip->meta.name_key = key;
	chain_dirty(mp, c);
	return (0);
}

static int
pfs_absent(struct hammer2_mount *mp, struct hammer2_chain *sroot,
    const char *label, size_t len)
{
	struct hammer2_wpfs tmp;
	struct hammer2_chain *p;
	int slot, error;

	memset(&tmp, 0, sizeof(tmp));
	tmp.mp = mp;
	error = wdir_find(&tmp, sroot, label, len, &p, &slot);
	if (error == 0)
		return (EEXIST);
	return (error == ENOENT ? 0 : error);
}

int
hammer2_rw_pfs_create(struct hammer2_mount *mp, const char *label)
{
	struct hammer2_chain *sroot, *c;
	struct hammer2_inode_data *ip;
	struct hammer2_blockref bref;
	size_t len = strlen(label);
	uint64_t now;
	int error;

	if ((error = label_ok(label, len)) != 0 ||
	    (error = wspace(mp, 4 * HAMMER2_INODE_BYTES)) != 0 ||
	    (error = sroot_get(mp, &sroot)) != 0 ||
	    (error = pfs_absent(mp, sroot, label, len)) != 0)
		return (error);
	memset(&bref, 0, sizeof(bref));
	bref.type = HAMMER2_BREF_TYPE_INODE;
	bref.methods = HAMMER2_ENC_METHODS(HAMMER2_CHECK_XXHASH64,
	    HAMMER2_COMP_NONE);
	if ((c = chain_new(mp, &bref, HAMMER2_INODE_BYTES)) == NULL)
		return (ENOMEM);
	ip = INO(c);
	now = wnow(mp);
	ip->meta.version = 1;
	ip->meta.ctime = ip->meta.mtime = ip->meta.btime = now;
	ip->meta.type = HAMMER2_OBJTYPE_DIRECTORY;
	ip->meta.mode = 0755;
	ip->meta.inum = 1;
	ip->meta.nlinks = 1;
	ip->meta.iparent = 1;
	ip->meta.op_flags = HAMMER2_OPFLAG_PFSROOT;
	ip->meta.pfs_type = HAMMER2_PFSTYPE_MASTER;
	ip->meta.pfs_inum = HAMMER2_INODE_START;
	ip->meta.comp_algo = label_is_boot(label, len) ?
	    HAMMER2_COMP_AUTOZERO : HAMMER2_COMP_LZ4;
	ip->meta.check_algo = HAMMER2_CHECK_XXHASH64;
	wrandom(mp, &ip->meta.pfs_clid, sizeof(ip->meta.pfs_clid));
	wrandom(mp, &ip->meta.pfs_fsid, sizeof(ip->meta.pfs_fsid));
	if ((error = pfs_insert(mp, sroot, label, len, c)) != 0) {
		chain_free(mp, c);
		return (error);
	}
	INO(sroot)->meta.mtime = now;
	chain_dirty(mp, sroot);
	return (0);
}

int
hammer2_rw_pfs_delete(struct hammer2_mount *mp, const char *label)
{
	struct hammer2_wpfs tmp, *pfs;
	struct hammer2_chain *sroot, *p;
	size_t len = strlen(label);
	int slot, error;

	if ((error = label_ok(label, len)) != 0)
		return (error);
	for (pfs = mp->pfslist; pfs != NULL; pfs = pfs->next)
		if (pfs->labellen == len && memcmp(pfs->label, label, len) == 0)
			return (EBUSY);
	if ((error = wspace_release(mp)) != 0 ||
	    (error = sroot_get(mp, &sroot)) != 0)
		return (error);
	memset(&tmp, 0, sizeof(tmp));
	tmp.mp = mp;
	if ((error = wdir_find(&tmp, sroot, label, len, &p, &slot)) != 0)
		return (error);
	chain_delete(mp, p, slot);
	return (0);
}

int
hammer2_rw_snapshot(struct hammer2_wpfs *src, const char *name)
{
	struct hammer2_mount *mp = src->mp;
	struct hammer2_chain *sroot, *root, *c;
	struct hammer2_inode_data *ip;
	size_t len;
	uint64_t tid;
	int error;

	if (name == NULL)
		return (EINVAL);
	len = strlen(name);
	if ((error = label_ok(name, len)) != 0 ||
	    (error = wspace(mp, 4 * HAMMER2_INODE_BYTES)) != 0)
		return (error);
	if ((error = flush_all(mp)) != 0)
		return (error);
	tid = mp->vd->mirror_tid;
	if ((error = sroot_get(mp, &sroot)) != 0 ||
	    (error = pfs_absent(mp, sroot, name, len)) != 0 ||
	    (error = wpfs_root(src, &root)) != 0)
		return (error);
	if ((c = chain_new(mp, &root->bref, HAMMER2_INODE_BYTES)) == NULL)
		return (ENOMEM);
	c->bref.data_off = 0;
	ip = INO(c);
	memcpy(ip, root->data, HAMMER2_INODE_BYTES);
	ip->meta.pfs_type = HAMMER2_PFSTYPE_MASTER;
	ip->meta.pfs_subtype = HAMMER2_PFSSUBTYPE_SNAPSHOT;
	ip->meta.op_flags |= HAMMER2_OPFLAG_PFSROOT;
	ip->meta.pfs_lsnap_tid = tid;
	ip->meta.pfs_inum = INO(root)->meta.pfs_inum + 1;
	wrandom(mp, &ip->meta.pfs_clid, sizeof(ip->meta.pfs_clid));
	wrandom(mp, &ip->meta.pfs_fsid, sizeof(ip->meta.pfs_fsid));
	if ((error = pfs_insert(mp, sroot, name, len, c)) != 0) {
		chain_free(mp, c);
		return (error);
	}
	INO(root)->meta.pfs_lsnap_tid = tid;
	chain_dirty(mp, root);
	return (flush_all(mp));
}

int
hammer2_rw_bulkfree(struct hammer2_mount *mp,
    struct hammer2_bulkfree_stats *st)
{
	struct hammer2_bulkfree_stats tmp;
	int error;

	if (st == NULL)
		st = &tmp;
	if ((error = flush_all(mp)) != 0)
		return (error);
	if ((error = hammer2_fmap_bulkfree(mp->fmap, mp->vol, st)) != 0)
		return (error);
	mp->fmap_dirty = 1;
	return (flush_all(mp));
}

int
hammer2_rw_statfs(struct hammer2_wpfs *pfs, struct hammer2_rw_statfs *sf)
{
	struct hammer2_mount *mp = pfs->mp;
	struct hammer2_chain *root;
	uint64_t avail = hammer2_fmap_avail(mp->fmap);
	int error;

	if ((error = wpfs_root(pfs, &root)) != 0)
		return (error);
	sf->total = mp->vd->allocator_size;
	sf->avail = avail > mp->dirty_bytes ? avail - mp->dirty_bytes : 0;
	sf->inodes = root->bref.embed.stats.inode_count;
	return (0);
}
