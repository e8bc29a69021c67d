/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_chain.c - chains: loading blocks of the topology into private
 * copies, and changing block tables (format 4.1-4.3).  Tables are kept
 * packed and sorted; a table read from media is normalised that way when
 * loaded (readers accept any order, writers may choose).  Inserting into
 * a full table moves a group of its entries into a new INDIRECT block:
 * for file data a range of (smallest keybits + 7) bits, for directories
 * and the inode index the fuller half of the smallest power-of-two
 * range holding every key; a range is widened until it takes at least
 * two entries.  Deleting the last entry of an indirect block deletes
 * the block.
 *
 * Locking: the rw mount's caller serialisation (hammer2_chain.h).
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <stdlib.h>
#include <string.h>

#include <fs/hammer2/hammer2_chain.h>

#define IND_DIR_BYTES	4096	/* first level under a directory inode */
#define IND_BYTES	16384	/* everything else */

int
chain_table(struct hammer2_chain *c, struct hammer2_blockref **basep)
{
	struct hammer2_inode_data *ip;

	switch (c->bref.type) {
	case HAMMER2_BREF_TYPE_INODE:
		ip = (struct hammer2_inode_data *)c->data;
		if (ip->meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA)
			break;
		*basep = ip->u.blockset.blockref;
		return (HAMMER2_SET_COUNT);
	case HAMMER2_BREF_TYPE_INDIRECT:
	case HAMMER2_BREF_TYPE_VOLUME:
		*basep = (struct hammer2_blockref *)c->data;
		return ((int)(c->bytes / HAMMER2_BLOCKREF_BYTES));
	}
	*basep = NULL;
	return (0);
}

/* Entries in use: tables are packed, so the first EMPTY ends them. */
static int
tbl_used(const struct hammer2_blockref *base, int cap)
{
	int n = cap;

	while (n > 0 && base[n - 1].type == HAMMER2_BREF_TYPE_EMPTY)
		n--;
	return (n);
}

static int
bref_keycmp(const void *a, const void *b)
{
	const struct hammer2_blockref *x = a, *y = b;

	if (x->type == HAMMER2_BREF_TYPE_EMPTY ||
	    y->type == HAMMER2_BREF_TYPE_EMPTY)
		return ((x->type == HAMMER2_BREF_TYPE_EMPTY) -
		    (y->type == HAMMER2_BREF_TYPE_EMPTY));
	return (x->key < y->key ? -1 : x->key > y->key);
}

static int
chain_is_table(uint8_t type)
{
	return (type == HAMMER2_BREF_TYPE_INODE ||
	    type == HAMMER2_BREF_TYPE_INDIRECT ||
	    type == HAMMER2_BREF_TYPE_VOLUME);
}

static size_t
chain_mem(const struct hammer2_chain *c)
{
	return (sizeof(*c) + c->bytes +
	    c->nslots * sizeof(struct hammer2_chain *));
}

struct hammer2_chain *
chain_new(struct hammer2_mount *mp, const struct hammer2_blockref *bref,
    size_t bytes)
{
	struct hammer2_vol *vol = mp->vol;
	struct hammer2_chain *c;

	if ((c = hammer2_alloc(vol, sizeof(*c))) == NULL)
		return (NULL);
	memset(c, 0, sizeof(*c));
	c->bref = *bref;
	c->bytes = (uint32_t)bytes;
	if ((c->data = hammer2_alloc(vol, bytes)) == NULL)
		goto fail;
	memset(c->data, 0, bytes);
	if (chain_is_table(bref->type)) {
		c->nslots = bref->type == HAMMER2_BREF_TYPE_INODE ?
		    HAMMER2_SET_COUNT : (uint32_t)(bytes /
		    HAMMER2_BLOCKREF_BYTES);
		c->kids = hammer2_alloc(vol, c->nslots * sizeof(*c->kids));
		if (c->kids == NULL)
			goto fail;
		memset(c->kids, 0, c->nslots * sizeof(*c->kids));
	}
	mp->chain_bytes += chain_mem(c);
	return (c);
fail:
	if (c->data != NULL)
		hammer2_free(vol, c->data, bytes);
	hammer2_free(vol, c, sizeof(*c));
	return (NULL);
}

void
chain_drop_kids(struct hammer2_mount *mp, struct hammer2_chain *c)
{
	uint32_t i;

	for (i = 0; i < c->nslots; i++) {
		if (c->kids[i] != NULL) {
			chain_free(mp, c->kids[i]);
			c->kids[i] = NULL;
		}
	}
}

void
chain_free(struct hammer2_mount *mp, struct hammer2_chain *c)
{
	struct hammer2_vol *vol = mp->vol;

	if (c->kids != NULL) {
		chain_drop_kids(mp, c);
		hammer2_free(vol, c->kids, c->nslots * sizeof(*c->kids));
	}
	mp->chain_bytes -= chain_mem(c);
	if (c->pbuf != NULL)
		hammer2_free(vol, c->pbuf, c->psize);
	hammer2_free(vol, c->data, c->bytes);
	hammer2_free(vol, c, sizeof(*c));
}

/* What the next flush will allocate for c, roughly. */
static uint64_t
chain_media(const struct hammer2_chain *c)
{
	return (c->bref.type == HAMMER2_BREF_TYPE_VOLUME ? 0 : c->bytes);
}

void
chain_dirty(struct hammer2_mount *mp, struct hammer2_chain *c)
{
	for (; c != NULL && !(c->flags & CHAIN_DIRTY); c = c->parent) {
		c->flags |= CHAIN_DIRTY;
		mp->dirty_bytes += chain_media(c);
	}
}

/* Sort and pack a table just read from media (no kids loaded yet). */
static void
chain_normalise(struct hammer2_chain *c)
{
	struct hammer2_blockref *base;
	int cap;

	cap = chain_table(c, &base);
	if (cap > 1)
		qsort(base, (size_t)cap, sizeof(*base), bref_keycmp);
}

int
chain_kid(struct hammer2_mount *mp, struct hammer2_chain *c, int i,
    struct hammer2_chain **kidp)
{
	struct hammer2_vol *vol = mp->vol;
	struct hammer2_blockref *base, *bref;
	struct hammer2_chain *kid;
	struct hammer2_blk blk;
	size_t plen;
	int error;

	if ((kid = c->kids[i]) != NULL) {
		*kidp = kid;
		return (0);
	}
	(void)chain_table(c, &base);
	bref = &base[i];
	if ((error = hammer2_bref_validate(vol, bref)) != 0)
		return (error);
	switch (bref->type) {
	case HAMMER2_BREF_TYPE_DATA:
		plen = hammer2_bref_bytes(bref);
		if ((kid = chain_new(mp, bref, HAMMER2_PBUFSIZE)) == NULL)
			return (ENOMEM);
		error = hammer2_block_read(vol, bref, mp->zbuf,
		    HAMMER2_PBUFSIZE, NULL);
		if (error == 0)
			error = hammer2_decompress_block(bref->methods,
			    mp->zbuf, plen, kid->data, HAMMER2_PBUFSIZE,
			    mp->ws);
		break;
	case HAMMER2_BREF_TYPE_INODE:
	case HAMMER2_BREF_TYPE_INDIRECT:
	case HAMMER2_BREF_TYPE_DIRENT:
		if (bref->type == HAMMER2_BREF_TYPE_DIRENT &&
		    bref->data_off == 0)
			return (EINVAL);
		if ((error = hammer2_blk_get(vol, bref, &blk)) != 0)
			return (error);
		if (bref->type == HAMMER2_BREF_TYPE_INODE &&
		    blk.len != HAMMER2_INODE_BYTES) {
			hammer2_blk_put(vol, &blk);
			return (EUCLEAN);
		}
		kid = chain_new(mp, bref, blk.len);
		if (kid != NULL)
			memcpy(kid->data, blk.data, blk.len);
		hammer2_blk_put(vol, &blk);
		if (kid == NULL)
			return (ENOMEM);
		chain_normalise(kid);
		break;
	default:
		return (EUCLEAN);
	}
	if (error != 0) {
		chain_free(mp, kid);
		return (error);
	}
	kid->parent = c;
	c->kids[i] = kid;
	*kidp = kid;
	return (0);
}

int
chain_find(struct hammer2_chain *c, uint64_t key)
{
	struct hammer2_blockref *base;
	int lo, hi, mid, n;

	n = chain_table(c, &base);
	n = tbl_used(base, n);
	lo = 0;
	hi = n;
	/* The last entry whose key is <= key. */
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (base[mid].key <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || hammer2_bref_keyend(&base[lo - 1]) < key)
		return (-1);
	return (lo - 1);
}

int
chain_lookup(struct hammer2_mount *mp, struct hammer2_chain *top,
    uint64_t key, struct hammer2_chain **parentp, int *slotp)
{
	struct hammer2_blockref *base;
	struct hammer2_chain *c = top;
	int depth, i, error;

	for (depth = 0; depth < HAMMER2_MAX_DEPTH; depth++) {
		if ((i = chain_find(c, key)) < 0)
			return (ENOENT);
		(void)chain_table(c, &base);
		if (base[i].type != HAMMER2_BREF_TYPE_INDIRECT) {
			*parentp = c;
			*slotp = i;
			return (0);
		}
		if ((error = chain_kid(mp, c, i, &c)) != 0)
			return (error);
	}
	return (EUCLEAN);
}

static int
clz64(uint64_t x)
{
	return (x == 0 ? 64 : __builtin_clzll(x));
}

/* Entries [a, b) of base grouped by key >> kb: the fullest group. */
static int
split_group(const struct hammer2_blockref *base, int n, int kb, int *ap,
    int *bp)
{
	int i, j, best = 0;

	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && (kb >= 64 ||
		    (base[j].key >> kb) == (base[i].key >> kb)); j++)
			;
		/* A lone entry or one as wide as the range is no gain. */
		if (j - i > best && base[i].keybits < kb) {
			best = j - i;
			*ap = i;
			*bp = j;
		}
	}
	return (best);
}

/*
 * Make room in the full table of c: move a group of its entries into a
 * new INDIRECT block (format 4.3).
 */
static int
chain_split(struct hammer2_mount *mp, struct hammer2_chain *c)
{
	struct hammer2_blockref *base, *ibase, ind;
	struct hammer2_chain *ic;
	uint64_t x;
	size_t bytes;
	int cap, i, a = 0, b = 0, kb, minkb, file, chk;

	cap = chain_table(c, &base);
	file = 0;
	minkb = 64;
	x = 0;
	for (i = 0; i < cap; i++) {
		if (base[i].type == HAMMER2_BREF_TYPE_DATA)
			file = 1;
		if (base[i].keybits < minkb)
			minkb = base[i].keybits;
		x |= (base[i].key ^ base[0].key) |
		    (hammer2_bref_keyend(&base[i]) ^ base[0].key);
	}
	if (file) {
		bytes = IND_BYTES;
		kb = minkb + 7;		/* 128 entries of the smallest */
	} else {
		bytes = c->bref.type == HAMMER2_BREF_TYPE_INODE ?
		    IND_DIR_BYTES : IND_BYTES;
		kb = 64 - clz64(x) - 1;	/* half the range of all keys */
		if (kb < 1)
			kb = 1;
	}
	if (bytes < (size_t)cap * HAMMER2_BLOCKREF_BYTES)
		bytes = (size_t)cap * HAMMER2_BLOCKREF_BYTES;
	for (; kb <= 64; kb++)
		if (split_group(base, cap, kb, &a, &b) >= 2)
			break;
	if (kb > 64)
		return (EUCLEAN);
	memset(&ind, 0, sizeof(ind));
	ind.type = HAMMER2_BREF_TYPE_INDIRECT;
	chk = c->bref.type == HAMMER2_BREF_TYPE_VOLUME ?
	    HAMMER2_CHECK_XXHASH64 :
	    meta_check(HAMMER2_DEC_CHECK(c->bref.methods));
	ind.methods = HAMMER2_ENC_METHODS(chk, HAMMER2_COMP_NONE);
	ind.keybits = (uint8_t)kb;
	ind.key = kb >= 64 ? 0 : (base[a].key >> kb) << kb;
	if ((ic = chain_new(mp, &ind, bytes)) == NULL)
		return (ENOMEM);
	(void)chain_table(ic, &ibase);
	memcpy(ibase, base + a, (size_t)(b - a) * sizeof(*base));
	for (i = a; i < b; i++) {
		ic->kids[i - a] = c->kids[i];
		if (ic->kids[i - a] != NULL)
			ic->kids[i - a]->parent = ic;
	}
	base[a] = ind;
	c->kids[a] = ic;
	ic->parent = c;
	memmove(base + a + 1, base + b, (size_t)(cap - b) * sizeof(*base));
	memmove(c->kids + a + 1, c->kids + b,
	    (size_t)(cap - b) * sizeof(*c->kids));
	for (i = cap - (b - a - 1); i < cap; i++) {
		memset(&base[i], 0, sizeof(base[i]));
		c->kids[i] = NULL;
	}
	chain_dirty(mp, c);
	chain_dirty(mp, ic);
	return (0);
}

int
chain_insert(struct hammer2_mount *mp, struct hammer2_chain *top,
    const struct hammer2_blockref *bref, struct hammer2_chain *kid)
{
	struct hammer2_blockref *base;
	struct hammer2_chain *c = top;
	int cap, n, i, pos, error, rounds;

	for (rounds = 0; rounds < 2 * HAMMER2_MAX_DEPTH; rounds++) {
		if ((cap = chain_table(c, &base)) == 0)
			return (EINVAL);
		if ((i = chain_find(c, bref->key)) >= 0) {
			if (base[i].type != HAMMER2_BREF_TYPE_INDIRECT)
				return (EEXIST);
			if ((error = chain_kid(mp, c, i, &c)) != 0)
				return (error);
			continue;
		}
		n = tbl_used(base, cap);
		if (n == cap) {
			if ((error = chain_split(mp, c)) != 0)
				return (error);
			continue;
		}
		for (pos = n; pos > 0 && base[pos - 1].key > bref->key; pos--)
			;
		memmove(base + pos + 1, base + pos,
		    (size_t)(n - pos) * sizeof(*base));
		memmove(c->kids + pos + 1, c->kids + pos,
		    (size_t)(n - pos) * sizeof(*c->kids));
		base[pos] = *bref;
		c->kids[pos] = kid;
		if (kid != NULL) {
			kid->parent = c;
			kid->bref = *bref;
			kid->flags &= ~CHAIN_DIRTY;	/* counted below */
			chain_dirty(mp, kid);
		} else
			chain_dirty(mp, c);
		return (0);
	}
	return (EUCLEAN);
}

void
chain_delete(struct hammer2_mount *mp, struct hammer2_chain *c, int slot)
{
	struct hammer2_blockref *base;
	struct hammer2_chain *p;
	int cap, n, i;

	cap = chain_table(c, &base);
	n = tbl_used(base, cap);
	if (c->kids[slot] != NULL)
		chain_free(mp, c->kids[slot]);
	memmove(base + slot, base + slot + 1,
	    (size_t)(n - slot - 1) * sizeof(*base));
	memmove(c->kids + slot, c->kids + slot + 1,
	    (size_t)(n - slot - 1) * sizeof(*c->kids));
	memset(&base[n - 1], 0, sizeof(base[n - 1]));
	c->kids[n - 1] = NULL;
	chain_dirty(mp, c);
	/* An emptied indirect block goes too. */
	if (n == 1 && c->bref.type == HAMMER2_BREF_TYPE_INDIRECT &&
	    (p = c->parent) != NULL) {
		cap = chain_table(p, &base);
		for (i = 0; i < cap; i++)
			if (p->kids[i] == c)
				break;
		if (i < cap)
			chain_delete(mp, p, i);
	}
}

static int
scan_depth(struct hammer2_mount *mp, struct hammer2_chain *c, uint64_t lo,
    uint64_t hi, chain_scan_cb cb, void *arg, int depth)
{
	struct hammer2_blockref *base;
	struct hammer2_chain *kid;
	int n, i, error;

	if (depth >= HAMMER2_MAX_DEPTH)
		return (EUCLEAN);
	n = chain_table(c, &base);
	n = tbl_used(base, n);
	for (i = 0; i < n; i++) {
		if (hammer2_bref_keyend(&base[i]) < lo)
			continue;
		if (base[i].key > hi)
			break;
		if (base[i].type == HAMMER2_BREF_TYPE_INDIRECT) {
			if ((error = chain_kid(mp, c, i, &kid)) != 0)
				return (error);
			error = scan_depth(mp, kid, lo, hi, cb, arg,
			    depth + 1);
		} else
			error = cb(arg, c, i);
		if (error != 0)
			return (error);
	}
	return (0);
}

int
chain_scan(struct hammer2_mount *mp, struct hammer2_chain *top, uint64_t lo,
    uint64_t hi, chain_scan_cb cb, void *arg)
{
	int error;

	error = scan_depth(mp, top, lo, hi, cb, arg, 0);
	return (error == HAMMER2_SCAN_STOP ? 0 : error);
}
