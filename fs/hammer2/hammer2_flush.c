/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_flush.c - the sync of a read-write mount (format 11.2, 11.3).
 * In two passes over the dirty chains:
 *
 *   prepare  bottom-up, nothing written: each dirty block's physical
 *            image is settled (file data compressed by the inode's
 *            comp_algo, LZ4 or ZLIB at its level, all-zero blocks
 *            turned into holes) and a new
 *            place allocated, inside one freemap transaction.  Out of
 *            space aborts the transaction: nothing was written and every
 *            change stays in memory.
 *   write    bottom-up: each child's new bref is folded into its
 *            parent's table, the parent's statistics and check code are
 *            computed, and the block is written to its new place.  Then
 *            the freemap, the barrier, and one volume header copy (the
 *            next in rotation), and a second barrier so a returned flush
 *            is durable.
 *
 * Every block written carries mirror_tid = modify_tid = the flush's TID
 * (the header's mirror_tid + 1).  Nothing referenced by a header on
 * media is ever overwritten.  A write failure after the prepare pass
 * leaves the media at the previous flush and the mount read-only.
 *
 * Locking: the rw mount's caller serialisation (hammer2_chain.h).
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>

#include <fs/hammer2/hammer2_chain.h>

#define MB	(1ULL << 20)

static int
radix_of(size_t bytes)
{
	int r = HAMMER2_RADIX_MIN;

	while (((size_t)1 << r) < bytes)
		r++;
	return (r);
}

size_t
flush_pblksize(uint64_t size, uint64_t lbase)
{
	uint64_t n;

	if (size >= lbase + HAMMER2_PBUFSIZE)
		return (HAMMER2_PBUFSIZE);
	n = size > lbase ? size - lbase : 1;
	return ((size_t)1 << radix_of((size_t)n));
}

static int
all_zero(const uint8_t *p, size_t len)
{
	const uint64_t *q = (const uint64_t *)(const void *)p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (q[i] != 0)
			return (0);
	return (1);
}

/* Settle a dirty DATA chain's physical image under inode ip. */
static int
prepare_data(struct hammer2_mount *mp, struct hammer2_chain *c,
    const struct hammer2_inode_data *ip)
{
	size_t psize, out, phys;
	int comp, chk;

	psize = flush_pblksize(ip->meta.size, c->bref.key);
	comp = ip->meta.comp_algo & 0x0F;
	chk = ip->meta.check_algo & 0x0F;
	if (chk > HAMMER2_CHECK_SHA192)
		chk = HAMMER2_CHECK_XXHASH64;
	if (comp != HAMMER2_COMP_NONE && chk != HAMMER2_CHECK_NONE &&
	    all_zero(c->data, psize)) {
		c->flags |= CHAIN_ZERO;
		return (0);
	}
	c->pcomp = HAMMER2_COMP_NONE;
	c->psize = (uint32_t)psize;
	comp = hammer2_compress_block(ip->meta.comp_algo, c->data, psize,
	    mp->zbuf, &mp->comp_miss, mp->ws, &out);
	if (comp != HAMMER2_COMP_NONE) {	/* else stored as it is */
		phys = (size_t)1 << radix_of(out);
		if ((c->pbuf = hammer2_alloc(mp->vol, phys)) == NULL)
			return (ENOMEM);
		memcpy(c->pbuf, mp->zbuf, out);
		memset(c->pbuf + out, 0, phys - out);
		c->psize = (uint32_t)phys;
		c->pcomp = (uint8_t)comp;
	}
	c->bref.methods = HAMMER2_ENC_METHODS(chk, c->pcomp);
	return (0);
}

static void
prepare_undo(struct hammer2_mount *mp, struct hammer2_chain *c)
{
	uint32_t i;

	if (!(c->flags & CHAIN_DIRTY))
		return;
	for (i = 0; i < c->nslots; i++)
		if (c->kids[i] != NULL)
			prepare_undo(mp, c->kids[i]);
	if (c->pbuf != NULL)
		hammer2_free(mp->vol, c->pbuf, c->psize);
	c->pbuf = NULL;
	c->new_off = 0;
	c->flags &= ~CHAIN_ZERO;
}

/*
 * Does every entry of indirect block c go away at this flush (all are
 * zero blocks turned into holes, or indirect blocks emptied the same
 * way)?  Then c goes too, instead of being written empty.
 */
static int
prepare_emptied(struct hammer2_chain *c)
{
	struct hammer2_blockref *base;
	int cap, i;

	cap = chain_table(c, &base);
	for (i = 0; i < cap; i++)
		if (base[i].type != HAMMER2_BREF_TYPE_EMPTY &&
		    (c->kids[i] == NULL || !(c->kids[i]->flags & CHAIN_ZERO)))
			return (0);
	return (1);
}

static int
prepare(struct hammer2_mount *mp, struct hammer2_chain *c,
    const struct hammer2_inode_data *ip, int depth)
{
	size_t bytes;
	uint32_t i;
	int error;

	if (!(c->flags & CHAIN_DIRTY))
		return (0);
	if (depth > 2 * HAMMER2_MAX_DEPTH)
		return (EUCLEAN);
	if (c->bref.type == HAMMER2_BREF_TYPE_INODE) {
		ip = (const struct hammer2_inode_data *)c->data;
		mp->comp_miss = 0;	/* its DATA chains come next */
	}
	for (i = 0; i < c->nslots; i++)
		if (c->kids[i] != NULL &&
		    (error = prepare(mp, c->kids[i], ip, depth + 1)) != 0)
			return (error);
	switch (c->bref.type) {
	case HAMMER2_BREF_TYPE_VOLUME:
		return (0);
	case HAMMER2_BREF_TYPE_DATA:
		if (ip == NULL)
			return (EUCLEAN);
		if ((error = prepare_data(mp, c, ip)) != 0)
			return (error);
		if (c->flags & CHAIN_ZERO)
			return (0);
		bytes = c->psize;
		break;
	case HAMMER2_BREF_TYPE_INDIRECT:
		if (prepare_emptied(c)) {
			c->flags |= CHAIN_ZERO;
			return (0);
		}
		bytes = c->bytes;
		break;
	default:
		bytes = c->bytes;
		break;
	}
	return (hammer2_fmap_alloc(mp->fmap, c->bref.type, bytes,
	    &c->new_off));
}

/* Advisory statistics of a table holder (format 3.1, 3.3). */
static void
table_stats(struct hammer2_chain *c)
{
	struct hammer2_blockref *base, *e;
	uint64_t data = 0, inodes = 0;
	uint32_t leaves = 0;
	int cap, i;

	cap = chain_table(c, &base);
	for (i = 0; i < cap; i++) {
		e = &base[i];
		if (e->type == HAMMER2_BREF_TYPE_EMPTY)
			continue;
		if (e->data_off != 0)
			data += hammer2_bref_bytes(e);
		if (e->type == HAMMER2_BREF_TYPE_INODE ||
		    e->type == HAMMER2_BREF_TYPE_INDIRECT) {
			data += e->embed.stats.data_count;
			inodes += e->embed.stats.inode_count;
		}
		if (e->type == HAMMER2_BREF_TYPE_INODE)
			inodes++;
		leaves += e->type == HAMMER2_BREF_TYPE_INDIRECT ?
		    e->leaf_count : 1;
	}
	c->bref.embed.stats.data_count = data;
	c->bref.embed.stats.inode_count = inodes;
	c->bref.leaf_count = c->bref.type == HAMMER2_BREF_TYPE_INODE ? 1 :
	    (uint16_t)(leaves > 65535 ? 65535 : leaves);
}

static int
write_chain(struct hammer2_mount *mp, struct hammer2_chain *c, uint64_t tid)
{
	struct hammer2_io_ops *ops = &mp->vol->ops;
	struct hammer2_blockref *base;
	struct hammer2_chain *kid;
	const void *image;
	size_t len;
	int cap, i, k, error;

	if (!(c->flags & CHAIN_DIRTY))
		return (0);
	cap = chain_table(c, &base);
	for (i = 0; i < cap; i++) {
		/* A zero block has no media: it leaves the table below. */
		if ((kid = c->kids[i]) == NULL ||
		    !(kid->flags & CHAIN_DIRTY) || (kid->flags & CHAIN_ZERO))
			continue;
		if ((error = write_chain(mp, kid, tid)) != 0)
			return (error);
		base[i] = kid->bref;
	}
	/*
	 * All-zero data blocks became holes, emptied indirect blocks go:
	 * close up the table.
	 */
	for (i = 0, k = 0; i < cap; i++) {
		if ((kid = c->kids[i]) != NULL && (kid->flags & CHAIN_ZERO)) {
			chain_free(mp, kid);
			continue;
		}
		base[k] = base[i];
		c->kids[k++] = c->kids[i];
	}
	for (; k < cap; k++) {
		memset(&base[k], 0, sizeof(base[k]));
		c->kids[k] = NULL;
	}
	if (c->bref.type == HAMMER2_BREF_TYPE_VOLUME) {
		c->flags &= ~CHAIN_DIRTY;
		return (0);
	}
	if (c->bref.type == HAMMER2_BREF_TYPE_INODE ||
	    c->bref.type == HAMMER2_BREF_TYPE_INDIRECT)
		table_stats(c);
	if (c->bref.type != HAMMER2_BREF_TYPE_DATA)
		c->bref.methods = HAMMER2_ENC_METHODS(
		    meta_check(HAMMER2_DEC_CHECK(c->bref.methods)),
		    HAMMER2_DEC_COMP(c->bref.methods));
	if (c->pbuf != NULL) {
		image = c->pbuf;
		len = c->psize;
	} else {
		image = c->data;
		len = c->bref.type == HAMMER2_BREF_TYPE_DATA ? c->psize :
		    c->bytes;
	}
	c->bref.data_off = c->new_off;
	c->bref.mirror_tid = tid;
	c->bref.modify_tid = tid;
	if ((error = hammer2_check_compute(&c->bref, image, len)) != 0)
		return (error);
	error = ops->write(mp->vol->ctx, c->new_off & HAMMER2_OFF_MASK, image,
	    len);
	if (error != 0)
		return (error);
	if (c->pbuf != NULL)
		hammer2_free(mp->vol, c->pbuf, c->psize);
	c->pbuf = NULL;
	c->new_off = 0;
	c->flags &= ~CHAIN_DIRTY;
	return (0);
}

/* The header copy after idx that fits the volume (format 11.3 step 6). */
static int
next_header(const struct hammer2_volume_data *vd, int idx)
{
	int j = (idx + 1) % HAMMER2_NUM_VOLHDRS;

	if ((uint64_t)j * HAMMER2_ZONE_BYTES64 + 4 * MB > vd->volu_size)
		j = 0;
	return (j);
}

int
flush_all(struct hammer2_mount *mp)
{
	struct hammer2_io_ops *ops = &mp->vol->ops;
	struct hammer2_volume_data *vd = mp->vd;
	uint64_t tid;
	int error, j;

	if (mp->error != 0)
		return (mp->error);
	if (!(mp->vchain.flags & CHAIN_DIRTY) && !mp->fmap_dirty) {
		chain_drop_kids(mp, &mp->vchain);
		mp->gen++;
		return (0);
	}
	tid = (vd->mirror_tid > vd->freemap_tid ? vd->mirror_tid :
	    vd->freemap_tid) + 1;
	hammer2_fmap_txn_begin(mp->fmap);
	if ((error = prepare(mp, &mp->vchain, NULL, 0)) != 0) {
		prepare_undo(mp, &mp->vchain);
		hammer2_fmap_txn_abort(mp->fmap);
		return (error);
	}
	hammer2_fmap_txn_commit(mp->fmap);
	if ((error = write_chain(mp, &mp->vchain, tid)) != 0 ||
	    (error = hammer2_fmap_flush(mp->fmap, tid)) != 0)
		goto fail;
	vd->mirror_tid = tid;
	vd->freemap_tid = tid;
	hammer2_volhdr_seal(vd);
	if ((error = ops->barrier(mp->vol->ctx)) != 0)
		goto fail;
	j = next_header(vd, mp->hdr_index);
	if ((error = ops->write(mp->vol->ctx,
	    (uint64_t)j * HAMMER2_ZONE_BYTES64, vd,
	    HAMMER2_VOLUME_BYTES)) != 0 ||
	    (error = ops->barrier(mp->vol->ctx)) != 0)
		goto fail;
	mp->hdr_index = j;
	mp->fmap_dirty = 0;
	mp->dirty_bytes = 0;
	chain_drop_kids(mp, &mp->vchain);
	mp->gen++;
	return (0);
fail:
	mp->error = EROFS;
	return (EIO);
}
