/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_io.c - from a blockref to verified bytes.  Every blockref is
 * validated before use (type, radix, offset inside the volume, no 64 KB
 * crossing, key alignment, dirent name length), every block read is
 * checked against the blockref's check code, and metadata blocks
 * (inodes, indirect blocks, freemap blocks, long dirent names) are kept
 * in a small per-volume cache of verified blocks so that tree descents
 * do not re-read and re-hash the same indirect blocks.
 *
 * The cache finds a block through a hash of its data_off (chains of
 * slot indexes) and picks the least recently used unreferenced slot
 * from the tail of an LRU list, so neither a hit nor a miss scans every
 * slot under the lock.
 *
 * Locking: the cache slots, chains and list are protected by
 * io_ops->lock [L].  A slot with refs > 0 is never reused; the thread
 * that claimed a slot for loading fills its buffer without the lock
 * (its key is 0 and it is off the hash meanwhile, so nobody else
 * matches it).
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>

#include <fs/hammer2/hammer2_private.h>

static inline void
vol_lock(struct hammer2_vol *vol)
{
	if (vol->ops.lock != NULL)
		vol->ops.lock(vol->ctx);
}

static inline void
vol_unlock(struct hammer2_vol *vol)
{
	if (vol->ops.unlock != NULL)
		vol->ops.unlock(vol->ctx);
}

static int
bad_bref(struct hammer2_vol *vol, const struct hammer2_blockref *bref,
    const char *reason)
{
	return (hammer2_report(vol, HAMMER2_REPORT_CORRUPT, EUCLEAN, bref,
	    hammer2_bref_offset(bref), reason));
}

int
hammer2_bref_validate(struct hammer2_vol *vol,
    const struct hammer2_blockref *bref)
{
	unsigned int radix = hammer2_bref_radix(bref);
	uint64_t off = hammer2_bref_offset(bref);
	uint64_t size;
	int need_media = 1;

	switch (bref->type) {
	case HAMMER2_BREF_TYPE_EMPTY:
		return (0);
	case HAMMER2_BREF_TYPE_INODE:
		if (radix != HAMMER2_RADIX_MIN)
			return (bad_bref(vol, bref, "inode block is not 1 KB"));
		break;
	case HAMMER2_BREF_TYPE_INDIRECT:
	case HAMMER2_BREF_TYPE_DATA:
		if (radix < HAMMER2_RADIX_MIN || radix > HAMMER2_RADIX_MAX)
			return (bad_bref(vol, bref,
			    "block radix out of range"));
		if (bref->type == HAMMER2_BREF_TYPE_DATA &&
		    (bref->keybits < HAMMER2_RADIX_MIN ||
		    bref->keybits > HAMMER2_PBUFRADIX))
			return (bad_bref(vol, bref,
			    "data block key range is not 1..64 KB"));
		break;
	case HAMMER2_BREF_TYPE_DIRENT:
		if (bref->embed.dirent.namlen == 0 ||
		    bref->embed.dirent.namlen >= HAMMER2_INODE_MAXNAME)
			return (bad_bref(vol, bref, "bad dirent name length"));
		if (bref->keybits != 0)
			return (bad_bref(vol, bref,
			    "dirent covers a key range"));
		if (bref->embed.dirent.namlen <= HAMMER2_DIRENT_INLINE) {
			need_media = 0;
			break;
		}
		if (radix < HAMMER2_RADIX_MIN || radix > HAMMER2_RADIX_MAX)
			return (bad_bref(vol, bref,
			    "long dirent name block has a bad radix"));
		break;
	case HAMMER2_BREF_TYPE_FREEMAP_NODE:
	case HAMMER2_BREF_TYPE_FREEMAP_LEAF:
		if (radix != 15)
			return (bad_bref(vol, bref,
			    "freemap block is not 32 KB"));
		break;
	default:
		return (bad_bref(vol, bref, "unknown blockref type"));
	}

	if (bref->keybits > 64)
		return (bad_bref(vol, bref, "keybits above 64"));
	if (bref->keybits == 64 ? bref->key != 0 :
	    (bref->key & ((1ULL << bref->keybits) - 1)) != 0)
		return (bad_bref(vol, bref, "key not aligned to its range"));
	if (bref->type == HAMMER2_BREF_TYPE_INODE && bref->keybits != 0)
		return (bad_bref(vol, bref, "inode covers a key range"));
	if (!need_media)
		return (0);

	size = 1ULL << radix;
	if (off < HAMMER2_VOLUME_BYTES)
		return (bad_bref(vol, bref, "block inside the volume header"));
	if ((off & HAMMER2_PBUFMASK64) + size > HAMMER2_PBUFSIZE)
		return (bad_bref(vol, bref, "block crosses a 64 KB boundary"));
	if (off >= vol->vol_size || size > vol->vol_size - off)
		return (bad_bref(vol, bref, "block beyond the volume end"));
	return (0);
}

/* Read the media block of an already validated bref and verify it. */
static int
io_read_verify(struct hammer2_vol *vol, const struct hammer2_blockref *bref,
    void *buf, size_t len, struct hammer2_check_result *res)
{
	uint64_t off = hammer2_bref_offset(bref);
	int error;

	error = vol->ops.read(vol->ctx, off, buf, len);
	if (error != 0)
		return (hammer2_report(vol, HAMMER2_REPORT_IO, EIO, bref, off,
		    "read failed"));
	error = hammer2_check_verify(bref, buf, len, res);
	if (error == EIO)
		return (hammer2_report(vol, HAMMER2_REPORT_CHECK, EIO, bref,
		    off, "check code mismatch"));
	if (error != 0)
		return (hammer2_report(vol, HAMMER2_REPORT_CORRUPT, EUCLEAN,
		    bref, off, "unknown check method"));
	return (0);
}

int
hammer2_block_read(struct hammer2_vol *vol,
    const struct hammer2_blockref *bref, void *buf, size_t bufsize,
    struct hammer2_check_result *res)
{
	size_t len;
	int error;

	if (res != NULL)
		memset(res, 0, sizeof(*res));
	error = hammer2_bref_validate(vol, bref);
	if (error != 0)
		return (error);
	len = hammer2_bref_bytes(bref);
	if (len == 0)
		return (0);
	if (len > bufsize)
		return (EINVAL);
	return (io_read_verify(vol, bref, buf, len, res));
}

/* Does cache slot s hold exactly the block bref points at? */
static inline bool
cslot_match(const struct hammer2_cslot *s, const struct hammer2_blockref *bref)
{
	return (s->data_off == bref->data_off && s->methods == bref->methods &&
	    memcmp(s->check, bref->check.buf, sizeof(s->check)) == 0);
}

/* The hash chain for data_off (Fibonacci hashing; nhash is 2^k). */
static inline int32_t *
cache_chain(struct hammer2_vol *vol, uint64_t data_off)
{
	return (&vol->hash[((data_off * 0x9E3779B97F4A7C15ULL) >> 32) &
	    (uint64_t)(vol->nhash - 1)]);
}

static void
cache_unhash(struct hammer2_vol *vol, int32_t i)
{
	int32_t *pp = cache_chain(vol, vol->cache[i].data_off);

	while (*pp != i)
		pp = &vol->cache[*pp].hnext;
	*pp = vol->cache[i].hnext;
	vol->cache[i].hnext = -1;
}

static void
lru_remove(struct hammer2_vol *vol, int32_t i)
{
	struct hammer2_cslot *s = &vol->cache[i];

	if (s->lprev >= 0)
		vol->cache[s->lprev].lnext = s->lnext;
	else
		vol->lru_head = s->lnext;
	if (s->lnext >= 0)
		vol->cache[s->lnext].lprev = s->lprev;
	else
		vol->lru_tail = s->lprev;
}

/* Make slot i the most (head) or least (tail) recently used. */
static void
lru_move(struct hammer2_vol *vol, int32_t i, bool head)
{
	struct hammer2_cslot *s = &vol->cache[i];

	lru_remove(vol, i);
	if (head) {
		s->lprev = -1;
		s->lnext = vol->lru_head;
		if (vol->lru_head >= 0)
			vol->cache[vol->lru_head].lprev = i;
		else
			vol->lru_tail = i;
		vol->lru_head = i;
	} else {
		s->lnext = -1;
		s->lprev = vol->lru_tail;
		if (vol->lru_tail >= 0)
			vol->cache[vol->lru_tail].lnext = i;
		else
			vol->lru_head = i;
		vol->lru_tail = i;
	}
}

int
hammer2_cache_init(struct hammer2_vol *vol)
{
	int i;

	vol->nhash = 1;
	while (vol->nhash < vol->ncache)
		vol->nhash <<= 1;
	vol->cache = hammer2_alloc(vol, sizeof(*vol->cache) * vol->ncache);
	if (vol->cache == NULL)
		return (ENOMEM);
	memset(vol->cache, 0, sizeof(*vol->cache) * vol->ncache);
	vol->hash = hammer2_alloc(vol, sizeof(*vol->hash) * vol->nhash);
	if (vol->hash == NULL)
		return (ENOMEM);
	for (i = 0; i < vol->nhash; i++)
		vol->hash[i] = -1;
	/* Slot 0 is reused first, as the tail. */
	for (i = 0; i < vol->ncache; i++) {
		vol->cache[i].hnext = -1;
		vol->cache[i].lprev = i + 1 < vol->ncache ? i + 1 : -1;
		vol->cache[i].lnext = i - 1;
	}
	vol->lru_head = vol->ncache - 1;
	vol->lru_tail = 0;
	return (0);
}

void
hammer2_cache_fini(struct hammer2_vol *vol)
{
	int i;

	if (vol->cache != NULL) {
		for (i = 0; i < vol->ncache; i++)
			hammer2_free(vol, vol->cache[i].buf, HAMMER2_ALLOC_MAX);
		hammer2_free(vol, vol->cache,
		    sizeof(*vol->cache) * vol->ncache);
		vol->cache = NULL;
	}
	hammer2_free(vol, vol->hash, sizeof(*vol->hash) * vol->nhash);
	vol->hash = NULL;
}

int
hammer2_blk_get(struct hammer2_vol *vol, const struct hammer2_blockref *bref,
    struct hammer2_blk *blk)
{
	struct hammer2_cslot *s;
	size_t len;
	void *buf;
	int32_t i, victim, *chain;
	int error;

	memset(blk, 0, sizeof(*blk));
	blk->slot = -1;
	error = hammer2_bref_validate(vol, bref);
	if (error != 0)
		return (error);
	len = hammer2_bref_bytes(bref);
	if (len == 0)
		return (bad_bref(vol, bref, "blockref has no media block"));

	vol_lock(vol);
	for (i = *cache_chain(vol, bref->data_off); i >= 0; i = s->hnext) {
		s = &vol->cache[i];
		if (cslot_match(s, bref)) {
			s->refs++;
			lru_move(vol, i, true);
			vol_unlock(vol);
			blk->data = s->buf;
			blk->len = s->len;
			blk->slot = i;
			return (0);
		}
	}
	for (victim = vol->lru_tail; victim >= 0;
	    victim = vol->cache[victim].lprev)
		if (vol->cache[victim].refs == 0)
			break;
	if (victim >= 0) {
		s = &vol->cache[victim];
		if (s->data_off != 0)
			cache_unhash(vol, victim);
		s->data_off = 0;	/* nobody matches it while loading */
		s->refs = 1;
		lru_move(vol, victim, true);
	}
	vol_unlock(vol);

	if (victim < 0) {
		/* Every slot is in use: a private, uncached buffer. */
		buf = hammer2_alloc(vol, len);
		if (buf == NULL)
			return (ENOMEM);
		error = io_read_verify(vol, bref, buf, len, NULL);
		if (error != 0) {
			hammer2_free(vol, buf, len);
			return (error);
		}
		blk->data = buf;
		blk->len = len;
		blk->priv = buf;
		return (0);
	}

	s = &vol->cache[victim];
	if (s->buf == NULL)
		s->buf = hammer2_alloc(vol, HAMMER2_ALLOC_MAX);
	error = s->buf == NULL ? ENOMEM :
	    io_read_verify(vol, bref, s->buf, len, NULL);
	vol_lock(vol);
	if (error != 0) {
		s->refs = 0;
		lru_move(vol, victim, false);	/* reuse it first */
	} else {
		s->data_off = bref->data_off;
		s->methods = bref->methods;
		memcpy(s->check, bref->check.buf, sizeof(s->check));
		s->len = len;
		chain = cache_chain(vol, s->data_off);
		s->hnext = *chain;
		*chain = victim;
	}
	vol_unlock(vol);
	if (error != 0)
		return (error);
	blk->data = s->buf;
	blk->len = len;
	blk->slot = victim;
	return (0);
}

void
hammer2_blk_put(struct hammer2_vol *vol, struct hammer2_blk *blk)
{
	if (blk->slot >= 0) {
		vol_lock(vol);
		vol->cache[blk->slot].refs--;
		vol_unlock(vol);
	} else if (blk->priv != NULL) {
		hammer2_free(vol, blk->priv, blk->len);
	}
	memset(blk, 0, sizeof(*blk));
	blk->slot = -1;
}
