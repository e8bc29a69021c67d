/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_pfs.c - the super-root and its PFSs (format 7).  The volume
 * header's sroot_blockset[0] points at the super-root inode, whose block
 * table holds one INODE blockref per PFS, keyed by the directory hash of
 * the PFS label.  Mounting a PFS means finding that inode by label; the
 * PFS root's own table is then both its inode index (keys below 2^63)
 * and its root directory (keys with bit 63 set).
 *
 * Locking: a hammer2_pfs is immutable after hammer2_pfs_mount.
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>

#include <fs/hammer2/hammer2_private.h>

#define HAMMER2_DEFAULT_LABEL	"DATA"

/* Load the super-root inode through the volume header. */
static int
pfs_sroot(struct hammer2_vol *vol, struct hammer2_inode *sroot)
{
	const struct hammer2_blockref *bref;

	bref = &vol->voldata->sroot_blockset.blockref[0];
	return (hammer2_inode_load(vol, NULL, bref, sroot));
}

struct pfs_list_ctx {
	struct hammer2_vol	*vol;
	int			(*cb)(void *, const struct hammer2_pfs_info *);
	void			*arg;
	struct hammer2_inode	 ip;
	struct hammer2_pfs_info	 info;
	int			 cberr;
};

static int
pfs_list_one(void *arg, const struct hammer2_blockref *bref)
{
	struct pfs_list_ctx *lc = arg;
	struct hammer2_pfs_info *info = &lc->info;
	const struct hammer2_inode_meta *meta = &lc->ip.data.meta;
	size_t n;
	int rc;

	if (bref->type != HAMMER2_BREF_TYPE_INODE)
		return (0);
	memset(info, 0, sizeof(*info));
	info->bref = bref;
	info->error = hammer2_inode_load(lc->vol, NULL, bref, &lc->ip);
	if (info->error == ENOMEM)
		return (ENOMEM);
	if (info->error == 0) {
		n = MIN((size_t)meta->name_len, sizeof(info->label) - 1);
		memcpy(info->label, lc->ip.data.filename, n);
		info->label[n] = '\0';
		info->pfs_type = meta->pfs_type;
		info->pfs_subtype = meta->pfs_subtype;
		info->pfs_clid = meta->pfs_clid;
		info->pfs_fsid = meta->pfs_fsid;
		info->pfs_inum = meta->pfs_inum;
		info->pfs_lsnap_tid = meta->pfs_lsnap_tid;
	}
	rc = lc->cb(lc->arg, info);
	if (rc == 0)
		return (0);
	if (rc < 0)
		lc->cberr = -rc;
	return (HAMMER2_SCAN_STOP);
}

int
hammer2_pfs_list(struct hammer2_vol *vol,
    int (*cb)(void *arg, const struct hammer2_pfs_info *info), void *arg)
{
	struct pfs_list_ctx *lc;
	const struct hammer2_blockref *base;
	struct hammer2_inode *sroot;
	int count, error;

	lc = hammer2_alloc(vol, sizeof(*lc) + sizeof(*sroot));
	if (lc == NULL)
		return (ENOMEM);
	sroot = (struct hammer2_inode *)(lc + 1);
	error = pfs_sroot(vol, sroot);
	if (error == 0) {
		lc->vol = vol;
		lc->cb = cb;
		lc->arg = arg;
		lc->cberr = 0;
		count = hammer2_inode_table(&sroot->data, &base);
		error = hammer2_table_scan(vol, base, count, 0, UINT64_MAX,
		    pfs_list_one, lc);
		if (error == 0)
			error = lc->cberr;
	}
	hammer2_free(vol, lc, sizeof(*lc) + sizeof(*sroot));
	return (error);
}

int
hammer2_pfs_mount(struct hammer2_vol *vol, const char *label,
    struct hammer2_pfs **pfsp)
{
	struct hammer2_pfs *pfs;
	struct hammer2_inode *sroot;
	struct hammer2_blockref ent;
	const struct hammer2_blockref *base;
	size_t len;
	int count, error;

	*pfsp = NULL;
	if (label == NULL)
		label = HAMMER2_DEFAULT_LABEL;
	len = strnlen(label, HAMMER2_PFS_LABEL_MAX);
	if (len == 0)
		return (EINVAL);
	if (len >= HAMMER2_PFS_LABEL_MAX)
		return (ENAMETOOLONG);

	pfs = hammer2_alloc(vol, sizeof(*pfs));
	sroot = hammer2_alloc(vol, sizeof(*sroot));
	if (pfs == NULL || sroot == NULL) {
		error = ENOMEM;
		goto out;
	}
	memset(pfs, 0, sizeof(*pfs));
	pfs->vol = vol;
	memcpy(pfs->label, label, len);
	pfs->label[len] = '\0';

	error = pfs_sroot(vol, sroot);
	if (error != 0)
		goto out;
	count = hammer2_inode_table(&sroot->data, &base);
	error = hammer2_dir_find(vol, base, count, label, len, &ent);
	if (error != 0)
		goto out;
	if (ent.type != HAMMER2_BREF_TYPE_INODE) {
		error = hammer2_report(vol, HAMMER2_REPORT_CORRUPT, EUCLEAN,
		    &ent, 0, "super-root entry is not an inode");
		goto out;
	}
	error = hammer2_inode_load(vol, pfs, &ent, &pfs->root);
	if (error == 0 && pfs->root.data.meta.type != HAMMER2_OBJTYPE_DIRECTORY)
		error = hammer2_report(vol, HAMMER2_REPORT_CORRUPT, EUCLEAN,
		    &ent, hammer2_bref_offset(&ent),
		    "PFS root is not a directory");
out:
	hammer2_free(vol, sroot, sizeof(*sroot));
	if (error != 0) {
		hammer2_free(vol, pfs, sizeof(*pfs));
		return (error);
	}
	*pfsp = pfs;
	return (0);
}

void
hammer2_pfs_unmount(struct hammer2_pfs *pfs)
{
	if (pfs != NULL)
		hammer2_free(pfs->vol, pfs, sizeof(*pfs));
}

const char *
hammer2_pfs_label(const struct hammer2_pfs *pfs)
{
	return (pfs->label);
}

struct hammer2_vol *
hammer2_pfs_vol(const struct hammer2_pfs *pfs)
{
	return (pfs->vol);
}

int
hammer2_pfs_root(struct hammer2_pfs *pfs, struct hammer2_inode *ip)
{
	*ip = pfs->root;
	return (0);
}
