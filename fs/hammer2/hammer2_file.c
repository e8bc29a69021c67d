/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_file.c - reading file data (format 4.4, 4.5, 10).  Small files
 * and symlinks keep their bytes in the inode (DIRECTDATA).  Otherwise
 * the inode's block table maps 64 KB logical blocks, keyed by their
 * file offset, to DATA blockrefs; a read scans the requested key range
 * once, in order, zero-filling holes (missing blockrefs) and the tail of
 * short blocks, and decompressing LZ4 or zlib blocks straight into the
 * caller's buffer when it wants the whole logical block, or into a
 * bounce buffer when it wants part of one.  Each block's check code is
 * verified before any byte of it is returned; on a failure the whole
 * read fails (EIO, or EUCLEAN for an undecodable block) and the
 * caller's buffer holds unspecified bytes.  SEEK_DATA/SEEK_HOLE scan
 * the same table for the first DATA leaf, or the first gap between
 * leaves, at or after an offset; the read-write side feeds its chains
 * through the same steps (hammer2_seek_*).
 *
 * Locking: none; scratch buffers belong to one call.
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>

#include <fs/hammer2/hammer2_private.h>

int
hammer2_decompress_block(uint8_t methods, const void *src, size_t srclen,
    void *dst, size_t dstcap, void *ws)
{
	const uint8_t *p = src;
	size_t out = 0;
	int32_t n;
	int error;

	switch (HAMMER2_DEC_COMP(methods)) {
	case HAMMER2_COMP_NONE:
	case HAMMER2_COMP_AUTOZERO:
		out = MIN(srclen, dstcap);
		memcpy(dst, src, out);
		error = 0;
		break;
	case HAMMER2_COMP_LZ4:
		if (srclen < 4)
			return (EUCLEAN);
		memcpy(&n, p, sizeof(n));
		if (n <= 0 || (size_t)n > srclen - 4)
			return (EUCLEAN);
		error = hammer2_lz4_decompress(p + 4, (size_t)n, dst, dstcap,
		    &out);
		break;
	case HAMMER2_COMP_ZLIB:
		error = hammer2_zlib_inflate(src, srclen, dst, dstcap, &out,
		    ws);
		break;
	default:
		error = EUCLEAN;
		break;
	}
	if (error != 0)
		return (error);
	memset((uint8_t *)dst + out, 0, dstcap - out);
	return (0);
}

struct read_ctx {
	struct hammer2_vol	*vol;
	uint8_t			*dst;		/* byte at file offset `off` */
	uint64_t		 off;		/* first byte wanted */
	uint64_t		 end;		/* one past the last */
	uint64_t		 cursor;	/* next byte to produce */
	uint8_t			*scratch;	/* phys + logical + ws */
};

#define READ_SCRATCH	(2 * HAMMER2_PBUFSIZE + HAMMER2_INFLATE_WS_BYTES)

/* Zero dst for file bytes [cursor, upto). */
static void
read_zero(struct read_ctx *rc, uint64_t upto)
{
	if (upto > rc->cursor) {
		memset(rc->dst + (rc->cursor - rc->off), 0, upto - rc->cursor);
		rc->cursor = upto;
	}
}

static int
read_one(void *arg, const struct hammer2_blockref *bref)
{
	struct read_ctx *rc = arg;
	struct hammer2_vol *vol = rc->vol;
	uint64_t bstart = bref->key, bend, from, to;
	size_t plen = hammer2_bref_bytes(bref), lsize;
	uint8_t *pbuf, *lbuf;
	int comp, error;
	bool whole;

	if (bref->type != HAMMER2_BREF_TYPE_DATA)
		return (hammer2_report(vol, HAMMER2_REPORT_CORRUPT, EUCLEAN,
		    bref, hammer2_bref_offset(bref),
		    "unexpected blockref type in a file"));
	lsize = (size_t)1 << bref->keybits;		/* validated <= 64 KB */
	bend = hammer2_bref_keyend(bref);		/* inclusive */
	read_zero(rc, MIN(bstart, rc->end));
	from = MAX(bstart, rc->cursor);
	to = bend >= rc->end ? rc->end : bend + 1;
	if (from >= to)
		return (0);
	comp = HAMMER2_DEC_COMP(bref->methods);

	/* Whole raw block wanted: read it straight into place. */
	if ((comp == HAMMER2_COMP_NONE || comp == HAMMER2_COMP_AUTOZERO) &&
	    from == bstart && plen <= lsize && bstart + plen <= to) {
		error = hammer2_block_read(vol, bref,
		    rc->dst + (from - rc->off), plen, NULL);
		if (error != 0)
			return (error);
		rc->cursor = bstart + plen;
		read_zero(rc, to);
		return (0);
	}

	if (rc->scratch == NULL) {
		rc->scratch = hammer2_alloc(vol, READ_SCRATCH);
		if (rc->scratch == NULL)
			return (ENOMEM);
	}
	pbuf = rc->scratch;
	error = hammer2_block_read(vol, bref, pbuf, HAMMER2_PBUFSIZE, NULL);
	if (error != 0)
		return (error);

	/*
	 * Whole logical block wanted: decode straight into place (the
	 * decoder may scribble anywhere in its lsize bytes before it
	 * fails).  Otherwise into the bounce buffer, then copy the part
	 * wanted.
	 */
	whole = from == bstart && to - bstart == lsize;
	lbuf = whole ? rc->dst + (from - rc->off) : pbuf + HAMMER2_PBUFSIZE;
	error = hammer2_decompress_block(bref->methods, pbuf, plen, lbuf,
	    lsize, pbuf + 2 * HAMMER2_PBUFSIZE);
	if (error != 0)
		return (hammer2_report(vol, HAMMER2_REPORT_CORRUPT, error, bref,
		    hammer2_bref_offset(bref), "undecodable data block"));
	if (!whole)
		memcpy(rc->dst + (from - rc->off), lbuf + (from - bstart),
		    to - from);
	rc->cursor = to;
	return (0);
}

int
hammer2_read(const struct hammer2_inode *ip, uint64_t off, void *buf,
    size_t len, size_t *nread)
{
	const struct hammer2_inode_meta *m = &ip->data.meta;
	struct hammer2_vol *vol = ip->pfs->vol;
	const struct hammer2_blockref *base;
	struct read_ctx rc;
	int count, error;

	*nread = 0;
	if (m->type == HAMMER2_OBJTYPE_DIRECTORY)
		return (EISDIR);
	if (m->type != HAMMER2_OBJTYPE_REGFILE &&
	    m->type != HAMMER2_OBJTYPE_SOFTLINK)
		return (EINVAL);
	if (off >= m->size || len == 0)
		return (0);
	if (len > m->size - off)
		len = (size_t)(m->size - off);

	if (m->op_flags & HAMMER2_OPFLAG_DIRECTDATA) {
		/* size <= 512 was checked when the inode was loaded. */
		memcpy(buf, ip->data.u.data + off, len);
		*nread = len;
		return (0);
	}

	rc.vol = vol;
	rc.dst = buf;
	rc.off = off;
	rc.end = off + len;
	rc.cursor = off;
	rc.scratch = NULL;
	count = hammer2_inode_table(&ip->data, &base);
	error = hammer2_table_scan(vol, base, count,
	    off & ~HAMMER2_PBUFMASK64, rc.end - 1, read_one, &rc);
	if (error == 0)
		read_zero(&rc, rc.end);
	hammer2_free(vol, rc.scratch, READ_SCRATCH);
	if (error != 0)
		return (error);
	*nread = len;
	return (0);
}

int
hammer2_readlink(const struct hammer2_inode *ip, char *buf, size_t bufsize,
    size_t *lenp)
{
	const struct hammer2_inode_meta *m = &ip->data.meta;
	size_t n;
	int error;

	*lenp = 0;
	if (m->type != HAMMER2_OBJTYPE_SOFTLINK)
		return (EINVAL);
	if (m->size > bufsize)
		return (ENAMETOOLONG);
	error = hammer2_read(ip, 0, buf, (size_t)m->size, &n);
	if (error != 0)
		return (error);
	*lenp = n;
	return (0);
}

int
hammer2_bmap(const struct hammer2_inode *ip, uint64_t off,
    struct hammer2_blockref *bref)
{
	const struct hammer2_blockref *base;
	int count, error;

	count = hammer2_inode_table(&ip->data, &base);
	if (count == 0)
		return (ENOENT);
	error = hammer2_table_lookup(ip->pfs->vol, base, count, off, bref);
	if (error != 0)
		return (error);
	if (bref->type != HAMMER2_BREF_TYPE_DATA)
		return (ENOENT);
	return (0);
}

int
hammer2_seek_start(struct hammer2_seek *sk, const struct hammer2_inode_data *ip,
    uint64_t off, int what, int *done)
{
	*done = 0;
	if (ip->meta.type != HAMMER2_OBJTYPE_REGFILE ||
	    (what != HAMMER2_SEEK_DATA && what != HAMMER2_SEEK_HOLE))
		return (EINVAL);
	if (off >= ip->meta.size)
		return (ENXIO);
	sk->off = off;
	sk->size = ip->meta.size;
	sk->res = off;
	sk->what = what;
	sk->found = 0;
	if (ip->meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA) {
		/* All of [0, size) is data. */
		sk->res = what == HAMMER2_SEEK_DATA ? off : sk->size;
		sk->found = 1;
		*done = 1;
	}
	return (0);
}

int
hammer2_seek_leaf(struct hammer2_seek *sk, const struct hammer2_blockref *bref)
{
	uint64_t end = hammer2_bref_keyend(bref);

	if (bref->type != HAMMER2_BREF_TYPE_DATA || end < sk->off)
		return (0);
	if (sk->what == HAMMER2_SEEK_DATA) {
		sk->res = MAX(bref->key, sk->off);
		sk->found = 1;
		return (HAMMER2_SCAN_STOP);
	}
	if (bref->key > sk->res) {		/* a hole before this leaf */
		sk->found = 1;
		return (HAMMER2_SCAN_STOP);
	}
	sk->res = end == UINT64_MAX ? end : end + 1;
	return (0);
}

int
hammer2_seek_result(const struct hammer2_seek *sk, uint64_t *resp)
{
	if (sk->what == HAMMER2_SEEK_DATA) {
		if (!sk->found || sk->res >= sk->size)
			return (ENXIO);
		*resp = sk->res;
		return (0);
	}
	*resp = MIN(sk->res, sk->size);		/* EOF is a hole */
	return (0);
}

static int
seek_one(void *arg, const struct hammer2_blockref *bref)
{
	return (hammer2_seek_leaf(arg, bref));
}

int
hammer2_seek(const struct hammer2_inode *ip, uint64_t off, int what,
    uint64_t *resp)
{
	const struct hammer2_blockref *base;
	struct hammer2_seek sk;
	int count, done, error;

	if ((error = hammer2_seek_start(&sk, &ip->data, off, what,
	    &done)) != 0)
		return (error);
	if (!done) {
		count = hammer2_inode_table(&ip->data, &base);
		error = hammer2_table_scan(ip->pfs->vol, base, count,
		    off & ~HAMMER2_PBUFMASK64, sk.size - 1, seek_one, &sk);
		if (error != 0)
			return (error);
	}
	return (hammer2_seek_result(&sk, resp));
}
