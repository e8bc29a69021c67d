/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_whold.c - holds on inodes of a read-write PFS handle: an open
 * file keeps its inode after its last name goes (POSIX unlink of an
 * open file).  The front end takes a hold at open and drops it at the
 * last close; while held, an inode whose last entry is removed stays in
 * the PFS inode index with nlinks 0 (an orphan), readable and writable
 * by number, and is deleted from the index when the last hold goes, or
 * when the handle is released.  Format 6.5 leaves destroying the inode
 * to the front end once nlinks reaches 0, so an orphan flushed before a
 * crash is a valid image (fsck_hammer2 warns of it; its blocks stay
 * allocated until it is deleted).
 *
 * The holds are a small array per handle, searched linearly: there is
 * one element per open inode, not per open descriptor.  Holds of one
 * handle do not protect against removal through another handle of the
 * same PFS.
 *
 * Locking: the rw mount's caller serialisation (hammer2_rw.h).
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>

#include <fs/hammer2/hammer2_chain.h>

static struct hammer2_whold *
hold_find(struct hammer2_wpfs *pfs, uint64_t inum)
{
	uint32_t i;

	for (i = 0; i < pfs->nholds; i++)
		if (pfs->holds[i].inum == inum)
			return (&pfs->holds[i]);
	return (NULL);
}

int
hammer2_rw_hold(struct hammer2_wpfs *pfs, uint64_t inum)
{
	struct hammer2_mount *mp = pfs->mp;
	struct hammer2_whold *h, *nh;
	struct hammer2_chain *c;
	uint32_t nmax;
	int error;

	if ((h = hold_find(pfs, inum)) != NULL) {
		h->count++;
		return (0);
	}
	if ((error = wnode_get(pfs, inum, &c)) != 0)
		return (error);
	if (pfs->nholds == pfs->maxholds) {
		nmax = pfs->maxholds ? pfs->maxholds * 2 : 16;
		nh = hammer2_alloc(mp->vol, nmax * sizeof(*nh));
		if (nh == NULL)
			return (ENOMEM);
		if (pfs->nholds != 0)
			memcpy(nh, pfs->holds, pfs->nholds * sizeof(*nh));
		if (pfs->holds != NULL)
			hammer2_free(mp->vol, pfs->holds,
			    pfs->maxholds * sizeof(*nh));
		pfs->holds = nh;
		pfs->maxholds = nmax;
	}
	h = &pfs->holds[pfs->nholds++];
	h->inum = inum;
	h->count = 1;
	h->orphan = 0;
	return (0);
}

/* Forget element h; delete its inode when it is an orphan. */
static int
hold_drop(struct hammer2_wpfs *pfs, struct hammer2_whold *h)
{
	uint64_t inum = h->inum;
	int orphan = h->orphan;

	*h = pfs->holds[--pfs->nholds];
	if (!orphan)
		return (0);
	return (winode_delete(pfs, inum));
}

int
hammer2_rw_release(struct hammer2_wpfs *pfs, uint64_t inum)
{
	struct hammer2_whold *h;
	int error;

	if ((h = hold_find(pfs, inum)) == NULL)
		return (EINVAL);
	if (--h->count != 0)
		return (0);
	error = hold_drop(pfs, h);
	wmaybe_flush(pfs->mp);
	return (error);
}

int
whold_orphan(struct hammer2_wpfs *pfs, uint64_t inum)
{
	struct hammer2_whold *h;

	if ((h = hold_find(pfs, inum)) == NULL)
		return (0);
	h->orphan = 1;
	return (1);
}

int
whold_release_all(struct hammer2_wpfs *pfs)
{
	int error, e;

	error = 0;
	while (pfs->nholds != 0)
		if ((e = hold_drop(pfs, &pfs->holds[0])) != 0 && error == 0)
			error = e;
	if (pfs->holds != NULL)
		hammer2_free(pfs->mp->vol, pfs->holds,
		    pfs->maxholds * sizeof(*pfs->holds));
	pfs->holds = NULL;
	pfs->maxholds = 0;
	return (error);
}
