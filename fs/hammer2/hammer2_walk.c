/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_walk.c - the generic blockref tree walker behind `hammer2
 * show`, `hammer2 freemap` and fsck_hammer2.  Unlike the lookup paths it
 * never gives up at the first bad block: every blockref is validated and
 * its block read and verified, the outcome is handed to the callback,
 * and only children of blocks that could not be trusted are skipped.
 * Block buffers are allocated once per tree level (at most
 * HAMMER2_MAX_DEPTH + 1 of them, 64 KB each) and live for one walk.
 *
 * Locking: none; the walk state belongs to the call.  Blocks are read
 * around the cache so that a walk reports exactly what is on media.
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>

#include <fs/hammer2/hammer2_private.h>

struct walk_ctx {
	struct hammer2_vol	*vol;
	int			 flags;
	hammer2_walk_cb		 cb;
	void			*arg;
	void			*bufs[HAMMER2_MAX_DEPTH + 2];
};

/* Whether the walk reads the block bref points at. */
static bool
walk_wants_block(const struct walk_ctx *wc, const struct hammer2_blockref *b)
{
	switch (b->type) {
	case HAMMER2_BREF_TYPE_INODE:
	case HAMMER2_BREF_TYPE_INDIRECT:
	case HAMMER2_BREF_TYPE_FREEMAP_NODE:
	case HAMMER2_BREF_TYPE_FREEMAP_LEAF:
		return (true);
	case HAMMER2_BREF_TYPE_DIRENT:
		return (b->embed.dirent.namlen > HAMMER2_DIRENT_INLINE);
	case HAMMER2_BREF_TYPE_DATA:
		return ((wc->flags & HAMMER2_WALK_LOADDATA) != 0);
	default:
		return (false);
	}
}

/* Visiting order of a table: slot order, or by key with WALK_SORTED. */
static int
walk_order(struct walk_ctx *wc, const struct hammer2_blockref *base,
    int count, uint16_t **idxp)
{
	uint16_t *idx, t;
	int i, j;

	*idxp = NULL;
	if ((wc->flags & HAMMER2_WALK_SORTED) == 0)
		return (0);
	idx = hammer2_alloc(wc->vol, sizeof(*idx) * count);
	if (idx == NULL)
		return (ENOMEM);
	for (i = 0; i < count; i++) {
		t = (uint16_t)i;
		for (j = i; j > 0 && base[idx[j - 1]].key > base[t].key; j--)
			idx[j] = idx[j - 1];
		idx[j] = t;
	}
	*idxp = idx;
	return (0);
}

static int walk_set(struct walk_ctx *, const struct hammer2_blockref *, int,
    int, const struct hammer2_blockref *);

/* Visit one non-empty bref and, when it can be trusted, its children. */
static int
walk_one(struct walk_ctx *wc, const struct hammer2_blockref *b, int index,
    int depth, const struct hammer2_blockref *parent)
{
	struct hammer2_check_result res;
	struct hammer2_walk_ent ent;
	const struct hammer2_inode_data *ipdata;
	void *buf = NULL;
	int rc;

	memset(&ent, 0, sizeof(ent));
	ent.bref = b;
	ent.depth = depth;
	ent.index = index;
	ent.parent = parent;
	if (depth > HAMMER2_MAX_DEPTH)
		ent.error = hammer2_report(wc->vol, HAMMER2_REPORT_CORRUPT,
		    EUCLEAN, b, hammer2_bref_offset(b), "tree too deep");
	else
		ent.error = hammer2_bref_validate(wc->vol, b);
	if (ent.error == 0 && walk_wants_block(wc, b)) {
		if (wc->bufs[depth] == NULL)
			wc->bufs[depth] = hammer2_alloc(wc->vol,
			    HAMMER2_ALLOC_MAX);
		buf = wc->bufs[depth];
		if (buf == NULL)
			return (-ENOMEM);
		ent.error = hammer2_block_read(wc->vol, b, buf,
		    HAMMER2_ALLOC_MAX, &res);
		ent.check = &res;
		ent.datalen = hammer2_bref_bytes(b);
		ent.data = ent.error == 0 ? buf : NULL;
	}

	rc = wc->cb(wc->arg, &ent);
	if (rc < 0 || rc == HAMMER2_WALK_STOP)
		return (rc);
	if (rc == HAMMER2_WALK_SKIP || ent.error != 0)
		return (0);

	switch (b->type) {
	case HAMMER2_BREF_TYPE_INODE:
		ipdata = buf;
		if (ipdata->meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA)
			return (0);
		return (walk_set(wc, ipdata->u.blockset.blockref,
		    HAMMER2_SET_COUNT, depth + 1, b));
	case HAMMER2_BREF_TYPE_INDIRECT:
	case HAMMER2_BREF_TYPE_FREEMAP_NODE:
		return (walk_set(wc, buf,
		    (int)(ent.datalen / HAMMER2_BLOCKREF_BYTES), depth + 1, b));
	default:
		return (0);
	}
}

static int
walk_set(struct walk_ctx *wc, const struct hammer2_blockref *base, int count,
    int depth, const struct hammer2_blockref *parent)
{
	struct hammer2_walk_ent ent;
	const struct hammer2_blockref *b;
	uint16_t *idx;
	int i, slot, rc = 0;

	rc = walk_order(wc, base, count, &idx);
	if (rc != 0)
		return (-rc);
	for (i = 0; i < count; i++) {
		slot = idx != NULL ? idx[i] : i;
		b = &base[slot];
		if (b->type == HAMMER2_BREF_TYPE_EMPTY) {
			if ((wc->flags & HAMMER2_WALK_EMPTY) == 0)
				continue;
			memset(&ent, 0, sizeof(ent));
			ent.bref = b;
			ent.depth = depth;
			ent.index = slot;
			ent.parent = parent;
			rc = wc->cb(wc->arg, &ent);
			if (rc == HAMMER2_WALK_SKIP)
				rc = 0;
		} else {
			rc = walk_one(wc, b, slot, depth, parent);
		}
		if (rc != 0)
			break;
	}
	if (idx != NULL)
		hammer2_free(wc->vol, idx, sizeof(*idx) * count);
	return (rc);
}

int
hammer2_walk(struct hammer2_vol *vol, const struct hammer2_blockref *set,
    int count, int flags, hammer2_walk_cb cb, void *arg)
{
	struct walk_ctx wc;
	int i, rc;

	if (count < 0 || count > HAMMER2_FREEMAP_COUNT * 2)
		return (EINVAL);
	memset(&wc, 0, sizeof(wc));
	wc.vol = vol;
	wc.flags = flags;
	wc.cb = cb;
	wc.arg = arg;
	rc = walk_set(&wc, set, count, 0, NULL);
	for (i = 0; i < (int)nitems(wc.bufs); i++)
		hammer2_free(vol, wc.bufs[i], HAMMER2_ALLOC_MAX);
	if (rc == HAMMER2_WALK_STOP)
		rc = 0;
	return (rc < 0 ? -rc : rc);
}

struct fmap_ctx {
	int	(*cb)(void *, const struct hammer2_freemap_leaf *);
	void	*arg;
};

static int
fmap_one(void *arg, const struct hammer2_walk_ent *ent)
{
	struct fmap_ctx *fc = arg;
	struct hammer2_freemap_leaf leaf;
	int rc;

	if (ent->bref->type != HAMMER2_BREF_TYPE_FREEMAP_LEAF)
		return (HAMMER2_WALK_CONTINUE);
	leaf.bref = ent->bref;
	leaf.base = ent->bref->key;
	leaf.error = ent->error;
	leaf.bmap = ent->error == 0 ? ent->data : NULL;
	rc = fc->cb(fc->arg, &leaf);
	if (rc < 0)
		return (rc);
	return (rc == 0 ? HAMMER2_WALK_CONTINUE : HAMMER2_WALK_STOP);
}

int
hammer2_freemap_walk(struct hammer2_vol *vol,
    int (*cb)(void *arg, const struct hammer2_freemap_leaf *leaf), void *arg)
{
	struct fmap_ctx fc;

	fc.cb = cb;
	fc.arg = arg;
	return (hammer2_walk(vol, vol->voldata->freemap_blockset.blockref,
	    HAMMER2_SET_COUNT, HAMMER2_WALK_SORTED, fmap_one, &fc));
}

int
hammer2_bmap_state(const struct hammer2_bmap_data *bmap, uint32_t segoff)
{
	return (hammer2_bmap_pair(bmap,
	    (segoff & (HAMMER2_SEGSIZE - 1)) / HAMMER2_FREEMAP_BLOCK));
}
