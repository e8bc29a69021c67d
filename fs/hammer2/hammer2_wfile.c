/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_wfile.c - file data on a read-write mount (format 4.4, 4.5):
 * writes into 64 KB logical blocks held as DATA chains (loaded and
 * decompressed first when a block exists on media), the move of embedded
 * data into a block when a file grows past 512 bytes, truncation (blocks
 * past the new end deleted, the tail of the last one zeroed), and reads
 * that take changed blocks from memory and the rest straight from media
 * through the read path, and SEEK_DATA/SEEK_HOLE over the chains.
 * Compression and the physical size of each block are settled by the
 * flush.
 *
 * Locking: the rw mount's caller serialisation (hammer2_chain.h).
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>

#include <fs/hammer2/hammer2_chain.h>

#define LMASK	HAMMER2_PBUFMASK64

static int
file_type_ok(const struct hammer2_chain *c)
{
	uint8_t type = ((const struct hammer2_inode_data *)c->data)->meta.type;

	if (type == HAMMER2_OBJTYPE_DIRECTORY)
		return (EISDIR);
	if (type != HAMMER2_OBJTYPE_REGFILE &&
	    type != HAMMER2_OBJTYPE_SOFTLINK)
		return (EINVAL);
	return (0);
}

/* The DATA chain for logical block lbase of inode c, made when absent. */
static int
data_block(struct hammer2_mount *mp, struct hammer2_chain *c, uint64_t lbase,
    struct hammer2_chain **dp)
{
	struct hammer2_blockref *base, bref;
	struct hammer2_chain *p, *d;
	int slot, error;

	error = chain_lookup(mp, c, lbase, &p, &slot);
	if (error == 0) {
		(void)chain_table(p, &base);
		if (base[slot].type != HAMMER2_BREF_TYPE_DATA ||
		    base[slot].key != lbase ||
		    base[slot].keybits != HAMMER2_PBUFRADIX)
			return (EUCLEAN);
		if ((error = chain_kid(mp, p, slot, dp)) != 0)
			return (error);
		chain_dirty(mp, *dp);
		return (0);
	}
	if (error != ENOENT)
		return (error);
	memset(&bref, 0, sizeof(bref));
	bref.type = HAMMER2_BREF_TYPE_DATA;
	bref.key = lbase;
	bref.keybits = HAMMER2_PBUFRADIX;
	bref.methods = HAMMER2_ENC_METHODS(INO(c)->meta.check_algo & 0x0F,
	    HAMMER2_COMP_NONE);
	if ((d = chain_new(mp, &bref, HAMMER2_PBUFSIZE)) == NULL)
		return (ENOMEM);
	if ((error = chain_insert(mp, c, &bref, d)) != 0) {
		chain_free(mp, d);
		return (error);
	}
	*dp = d;
	return (0);
}

/* Embedded bytes move into block 0; the inode gets a block table. */
static int
undirect(struct hammer2_mount *mp, struct hammer2_chain *c)
{
	struct hammer2_inode_data *ip = INO(c);
	struct hammer2_chain *d;
	uint8_t save[HAMMER2_EMBEDDED_BYTES];
	uint64_t size = ip->meta.size;
	int error;

	memcpy(save, ip->u.data, sizeof(save));
	ip->meta.op_flags &= ~HAMMER2_OPFLAG_DIRECTDATA;
	memset(ip->u.data, 0, sizeof(ip->u.data));
	chain_dirty(mp, c);
	if (size == 0)
		return (0);
	if ((error = data_block(mp, c, 0, &d)) != 0) {
		memcpy(ip->u.data, save, sizeof(save));
		ip->meta.op_flags |= HAMMER2_OPFLAG_DIRECTDATA;
		return (error);
	}
	memcpy(d->data, save, size < sizeof(save) ? size : sizeof(save));
	return (0);
}

int
wfile_write(struct hammer2_wpfs *pfs, struct hammer2_chain *c, uint64_t off,
    const void *buf, size_t len)
{
	struct hammer2_mount *mp = pfs->mp;
	struct hammer2_inode_data *ip = INO(c);
	struct hammer2_chain *d;
	const uint8_t *src = buf;
	uint64_t end, lbase, now;
	size_t n;
	int error;

	if ((error = file_type_ok(c)) != 0)
		return (error);
	if (len == 0)
		return (0);
	end = off + len;
	if (end < off || end > (1ULL << 62))
		return (EFBIG);
	if (ip->meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA) {
		if (end <= HAMMER2_EMBEDDED_BYTES) {
			memcpy(ip->u.data + off, src, len);
			goto done;
		}
		if ((error = undirect(mp, c)) != 0)
			return (error);
	}
	while (off < end) {
		lbase = off & ~LMASK;
		n = (size_t)((end < lbase + HAMMER2_PBUFSIZE ? end :
		    lbase + HAMMER2_PBUFSIZE) - off);
		if ((error = data_block(mp, c, lbase, &d)) != 0)
			break;
		memcpy(d->data + (off - lbase), src, n);
		src += n;
		off += n;
	}
	if (off == end - len)
		return (error);
	end = off;	/* what was written, on an error part way */
done:
	if (end > ip->meta.size)
		ip->meta.size = end;
	now = wnow(mp);
	ip->meta.mtime = ip->meta.ctime = now;
	chain_dirty(mp, c);
	return (error);
}

int
hammer2_rw_write(struct hammer2_wpfs *pfs, uint64_t inum, uint64_t off,
    const void *buf, size_t len)
{
	struct hammer2_chain *c;
	int error;

	if ((error = wspace(pfs->mp, len + 4 * HAMMER2_INODE_BYTES)) != 0)
		return (error);
	if ((error = wnode_get(pfs, inum, &c)) != 0)
		return (error);
	error = wfile_write(pfs, c, off, buf, len);
	wmaybe_flush(pfs->mp);
	return (error);
}

struct trunc_ctx {
	uint64_t	keys[64];
	int		n;
};

static int
trunc_collect(void *arg, struct hammer2_chain *p, int slot)
{
	struct trunc_ctx *tc = arg;
	struct hammer2_blockref *base;

	(void)chain_table(p, &base);
	tc->keys[tc->n++] = base[slot].key;
	return (tc->n == 64 ? HAMMER2_SCAN_STOP : 0);
}

int
wfile_truncate(struct hammer2_wpfs *pfs, uint64_t inum, uint64_t size)
{
	struct hammer2_mount *mp = pfs->mp;
	struct hammer2_inode_data *ip;
	struct hammer2_chain *c, *p, *d;
	struct hammer2_blockref *base;
	struct trunc_ctx tc;
	uint64_t lbase, from;
	int i, slot, error;

	if ((error = wnode_get(pfs, inum, &c)) != 0)
		return (error);
	if ((error = file_type_ok(c)) != 0)
		return (error);
	ip = INO(c);
	if (size > (1ULL << 62))
		return (EFBIG);
	if (ip->meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA) {
		if (size <= HAMMER2_EMBEDDED_BYTES) {
			if (size < ip->meta.size)
				memset(ip->u.data + size, 0,
				    HAMMER2_EMBEDDED_BYTES - size);
			goto done;
		}
		if ((error = undirect(mp, c)) != 0)
			return (error);
	}
	if (size < ip->meta.size) {
		/* Blocks wholly past the new end go. */
		from = (size + LMASK) & ~LMASK;
		do {
			tc.n = 0;
			if ((error = chain_scan(mp, c, from, UINT64_MAX,
			    trunc_collect, &tc)) != 0)
				return (error);
			for (i = 0; i < tc.n; i++) {
				if (chain_lookup(mp, c, tc.keys[i], &p,
				    &slot) == 0)
					chain_delete(mp, p, slot);
			}
		} while (tc.n == 64);
		/* The block the new end falls in keeps zeros past it. */
		lbase = size & ~LMASK;
		if (size != lbase &&
		    chain_lookup(mp, c, lbase, &p, &slot) == 0) {
			(void)chain_table(p, &base);
			if (base[slot].type != HAMMER2_BREF_TYPE_DATA)
				return (EUCLEAN);
			if ((error = chain_kid(mp, p, slot, &d)) != 0)
				return (error);
			memset(d->data + (size - lbase), 0,
			    HAMMER2_PBUFSIZE - (size - lbase));
			chain_dirty(mp, d);
		}
	}
done:
	ip->meta.size = size;
	ip->meta.mtime = ip->meta.ctime = wnow(mp);
	chain_dirty(mp, c);
	return (0);
}

int
hammer2_rw_truncate(struct hammer2_wpfs *pfs, uint64_t inum, uint64_t size)
{
	struct hammer2_chain *c;
	int error;

	/* Shrinking gives space back: it may use the headroom. */
	if ((error = wnode_get(pfs, inum, &c)) != 0)
		return (error);
	error = size < INO(c)->meta.size ? wspace_release(pfs->mp) :
	    wspace(pfs->mp, 4 * HAMMER2_INODE_BYTES);
	if (error != 0)
		return (error);
	error = wfile_truncate(pfs, inum, size);
	wmaybe_flush(pfs->mp);
	return (error);
}

/* Read [off, off + len) of one on-media DATA block through the reader. */
static int
read_media(struct hammer2_mount *mp, const struct hammer2_inode_data *ip,
    const struct hammer2_blockref *bref, uint64_t off, uint8_t *dst,
    size_t len)
{
	struct hammer2_inode *t = mp->tmpino;
	size_t got;
	int error;

	memset(t, 0, sizeof(*t));
	t->pfs = mp->rpfs;
	t->data.meta = ip->meta;
	t->data.meta.op_flags &= ~HAMMER2_OPFLAG_DIRECTDATA;
	t->data.u.blockset.blockref[0] = *bref;
	if ((error = hammer2_read(t, off, dst, len, &got)) != 0)
		return (error);
	if (got < len)
		memset(dst + got, 0, len - got);
	return (0);
}

int
hammer2_rw_read(struct hammer2_wpfs *pfs, uint64_t inum, uint64_t off,
    void *buf, size_t len, size_t *nread)
{
	struct hammer2_mount *mp = pfs->mp;
	const struct hammer2_inode_data *ip;
	struct hammer2_blockref *base;
	struct hammer2_chain *c, *p;
	uint8_t *dst = buf;
	uint64_t end, lbase;
	size_t n;
	int slot, error;

	*nread = 0;
	if ((error = wnode_get(pfs, inum, &c)) != 0)
		return (error);
	if ((error = file_type_ok(c)) != 0)
		return (error);
	ip = INO(c);
	if (off >= ip->meta.size || len == 0)
		return (0);
	if (len > ip->meta.size - off)
		len = (size_t)(ip->meta.size - off);
	end = off + len;
	if (ip->meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA) {
		memcpy(dst, ip->u.data + off, len);
		*nread = len;
		return (0);
	}
	/* Nothing changed below the inode: the media is the truth. */
	if (!(c->flags & CHAIN_DIRTY) && c->bref.data_off != 0) {
		memset(mp->tmpino, 0, sizeof(*mp->tmpino));
		mp->tmpino->pfs = mp->rpfs;
		mp->tmpino->bref = c->bref;
		memcpy(&mp->tmpino->data, ip, HAMMER2_INODE_BYTES);
		return (hammer2_read(mp->tmpino, off, buf, len, nread));
	}
	while (off < end) {
		lbase = off & ~LMASK;
		n = (size_t)((end < lbase + HAMMER2_PBUFSIZE ? end :
		    lbase + HAMMER2_PBUFSIZE) - off);
		error = chain_lookup(mp, c, lbase, &p, &slot);
		if (error == ENOENT) {
			memset(dst, 0, n);
		} else if (error != 0) {
			return (error);
		} else if (p->kids[slot] != NULL) {
			memcpy(dst, p->kids[slot]->data + (off - lbase), n);
		} else {
			(void)chain_table(p, &base);
			if ((error = read_media(mp, ip, &base[slot], off, dst,
			    n)) != 0)
				return (error);
		}
		dst += n;
		off += n;
	}
	*nread = len;
	return (0);
}

static int
seek_chain(void *arg, struct hammer2_chain *p, int slot)
{
	struct hammer2_blockref *base;

	(void)chain_table(p, &base);
	return (hammer2_seek_leaf(arg, &base[slot]));
}

int
hammer2_rw_seek(struct hammer2_wpfs *pfs, uint64_t inum, uint64_t off,
    int what, uint64_t *resp)
{
	struct hammer2_mount *mp = pfs->mp;
	struct hammer2_chain *c;
	struct hammer2_seek sk;
	int done, error;

	if ((error = wnode_get(pfs, inum, &c)) != 0)
		return (error);
	if ((error = hammer2_seek_start(&sk, INO(c), off, what, &done)) != 0)
		return (error);
	if (!done && (error = chain_scan(mp, c, off & ~LMASK, sk.size - 1,
	    seek_chain, &sk)) != 0)
		return (error);
	return (hammer2_seek_result(&sk, resp));
}
