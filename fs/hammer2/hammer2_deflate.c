/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_deflate.c - a zlib (RFC 1950) / deflate (RFC 1951) encoder
 * for the ZLIB-compressed DATA blocks HAMMER2 writes (format 10.3), the
 * counterpart of hammer2_inflate.c.  Inputs are one logical block (at
 * most 64 KB); the output is one zlib stream (2-byte header, deflate
 * blocks, Adler-32) that zlib's own inflate accepts.
 *
 * Matching: LZ77 over hash chains of 3-byte prefixes, with one step of
 * lazy evaluation (a match is emitted only when the match starting one
 * byte later is not longer).  The level (6..9, as format 10.3 clamps
 * it) sets, as zlib's levels do, how many chain links a search may
 * follow (a quarter of them once the deferred match is already good),
 * the match length that ends a search, and the deferred match length
 * from which the next position is not searched at all.  Candidates are
 * compared eight bytes at a time.  Positions are 16-bit (inputs are at
 * most 64 KB) and live in the caller's scratch with the symbols.
 *
 * Coding: symbols are gathered into blocks of at most DF_SYMS; each
 * block is sent with the fixed codes or with its own Huffman codes,
 * whichever is fewer bits.  Code lengths are limited to 15 (7 for the
 * code-length code) and every code is made complete, as zlib's inflate
 * requires: lengths are first taken from a Huffman tree, then codes too
 * long are clamped, symbols are lengthened until the Kraft sum fits and
 * shortened until it is exactly full.
 *
 * Every byte goes through one bounds-checked writer: when the stream
 * would not fit dstcap the result is ENOSPC and nothing past dstcap was
 * written.
 *
 * Locking: none, and no state: everything lives in the caller's ws.
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>

#include <fs/hammer2/hammer2.h>
#include <fs/hammer2/hammer2_zlib.h>

#define DF_MAXIN	65536
#define DF_HASHBITS	15
#define DF_NONE		0xFFFF		/* empty chain link */
#define DF_SYMS		16384		/* symbols per deflate block */
#define DF_NLIT		286		/* literal/length codes used */
#define DF_NLIT_FIXED	288		/* the fixed code defines 288 */
#define DF_EOB		256
#define DF_CLBITS	7		/* longest code-length code */

struct df_code {
	uint16_t	code[DF_NLIT_FIXED];	/* bit-reversed, ready to send */
	uint8_t		len[DF_NLIT_FIXED];
};

/* Scratch of df_lengths (kept off the stack: kernel stacks are small). */
struct df_tree {
	uint32_t	freq[DF_NLIT];
	uint16_t	leaf[DF_NLIT];
	uint16_t	parent[2 * DF_NLIT];
	uint32_t	w[2 * DF_NLIT];
	uint8_t		depth[2 * DF_NLIT];
	uint8_t		all[DF_NLIT + H2Z_NDIST];
};

struct df_state {
	/* Output. */
	uint8_t		*out;
	size_t		 cap, pos;
	uint64_t	 acc;
	unsigned int	 nacc;
	int		 overflow;
	/* Matching. */
	const uint8_t	*in;
	size_t		 n;
	unsigned int	 chain, good, lazy, nice;
	uint16_t	 head[1 << DF_HASHBITS];
	uint16_t	 prev[DF_MAXIN];
	/* The block being gathered: lit (dist 0) or length with distance. */
	uint16_t	 sym[DF_SYMS];
	uint16_t	 dist[DF_SYMS];
	unsigned int	 nsym;
	uint32_t	 lfreq[DF_NLIT], dfreq[H2Z_NDIST];
	/* Codes of the block being sent. */
	struct df_code	 lit, dst, cl;
	uint8_t		 rle[DF_NLIT + H2Z_NDIST];	/* code-length symbols */
	uint8_t		 rlex[DF_NLIT + H2Z_NDIST];	/* their extra bits */
	unsigned int	 nrle;
	struct df_tree	 t;
};

CTASSERT(sizeof(struct df_state) <= HAMMER2_DEFLATE_WS_BYTES);

/* Output: bits LSB first, whole bytes to out while they fit. */
static void
df_put(struct df_state *s, uint32_t bits, unsigned int n)
{
	s->acc |= (uint64_t)bits << s->nacc;
	s->nacc += n;
	while (s->nacc >= 8) {
		if (s->pos < s->cap)
			s->out[s->pos++] = (uint8_t)s->acc;
		else
			s->overflow = 1;
		s->acc >>= 8;
		s->nacc -= 8;
	}
}

static void
df_align(struct df_state *s)
{
	if (s->nacc > 0)
		df_put(s, 0, 8 - s->nacc);
}

/* The code whose base value is the last one <= v in base[0..n). */
static unsigned int
df_code_of(const uint16_t *base, unsigned int n, unsigned int v)
{
	unsigned int lo = 0, hi = n - 1, mid;

	while (lo < hi) {
		mid = (lo + hi + 1) / 2;
		if (base[mid] <= v)
			lo = mid;
		else
			hi = mid - 1;
	}
	return (lo);
}

#define df_len_code(len)	df_code_of(h2z_len_base, H2Z_NLEN, (len))
#define df_dist_code(dist)	df_code_of(h2z_dist_base, H2Z_NDIST, (dist))

/*
 * Huffman code lengths for freq[0..n) limited to maxbits, complete.
 * At least two symbols get a code (an unused one is given a count of
 * one when needed), so the code is never a lone incomplete one.
 */
static void
df_lengths(struct df_tree *t, const uint32_t *f, unsigned int n,
    unsigned int maxbits, uint8_t *len)
{
	uint32_t *freq = t->freq, *w = t->w;
	uint16_t *leaf = t->leaf, *parent = t->parent;
	uint8_t *depth = t->depth;
	unsigned int m, i, j, k, nused, li, ni, nn, pick[2];
	uint32_t kraft, full;

	memcpy(freq, f, n * sizeof(*freq));
	for (nused = 0, i = 0; i < n; i++)
		nused += freq[i] != 0;
	for (i = 0; nused < 2 && i < n; i++)
		if (freq[i] == 0) {
			freq[i] = 1;
			nused++;
		}
	/* Leaves sorted by weight (insertion sort: n <= 286). */
	for (m = 0, i = 0; i < n; i++) {
		len[i] = 0;
		if (freq[i] == 0)
			continue;
		for (j = m; j > 0 && freq[leaf[j - 1]] > freq[i]; j--)
			leaf[j] = leaf[j - 1];
		leaf[j] = (uint16_t)i;
		m++;
	}
	for (i = 0; i < m; i++)
		w[i] = freq[leaf[i]];
	/* Two queues: leaves in order, internal nodes as made (ascending). */
	li = 0;
	ni = m;
	for (nn = m; nn < 2 * m - 1; nn++) {
		for (k = 0; k < 2; k++) {
			if (li < m && (ni >= nn || w[li] <= w[ni]))
				pick[k] = li++;
			else
				pick[k] = ni++;
		}
		w[nn] = w[pick[0]] + w[pick[1]];
		parent[pick[0]] = parent[pick[1]] = (uint16_t)nn;
	}
	depth[2 * m - 2] = 0;
	for (i = 2 * m - 2; i-- > 0;)
		depth[i] = (uint8_t)(depth[parent[i]] + 1);
	/* Clamp, then make the Kraft sum (in units of 2^-maxbits) exact. */
	full = (uint32_t)1 << maxbits;
	kraft = 0;
	for (i = 0; i < m; i++) {
		if (depth[i] > maxbits)
			depth[i] = (uint8_t)maxbits;
		kraft += full >> depth[i];
	}
	while (kraft > full) {		/* lengthen the longest short one */
		for (k = m, i = 0; i < m; i++)
			if (depth[i] < maxbits &&
			    (k == m || depth[i] > depth[k]))
				k = i;
		kraft -= full >> (depth[k] + 1);
		depth[k]++;
	}
	while (kraft < full) {		/* shorten the longest that fits */
		for (k = m, i = 0; i < m; i++)
			if (depth[i] > 1 && (full >> depth[i]) <=
			    full - kraft && (k == m || depth[i] > depth[k]))
				k = i;
		kraft += full >> depth[k];
		depth[k]--;
	}
	for (i = 0; i < m; i++)
		len[leaf[i]] = depth[i];
}

/* Canonical codes for len[0..n), bit-reversed for LSB-first sending. */
static void
df_codes(struct df_code *c, unsigned int n)
{
	uint16_t count[H2Z_MAXBITS + 2], next[H2Z_MAXBITS + 2];
	unsigned int i, b, code, r;

	memset(count, 0, sizeof(count));
	for (i = 0; i < n; i++)
		count[c->len[i]]++;
	count[0] = 0;
	code = 0;
	for (b = 1; b <= H2Z_MAXBITS; b++) {
		code = (code + count[b - 1]) << 1;
		next[b] = (uint16_t)code;
	}
	for (i = 0; i < n; i++) {
		if (c->len[i] == 0)
			continue;
		code = next[c->len[i]]++;
		for (r = 0, b = 0; b < c->len[i]; b++)
			r |= ((code >> b) & 1) << (c->len[i] - 1 - b);
		c->code[i] = (uint16_t)r;
	}
}

/* The fixed codes of RFC 1951 3.2.6. */
static void
df_fixed(struct df_state *s)
{
	unsigned int i;

	for (i = 0; i < DF_NLIT_FIXED; i++)
		s->lit.len[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
	for (i = 0; i < H2Z_NDIST; i++)
		s->dst.len[i] = 5;
	df_codes(&s->lit, DF_NLIT_FIXED);
	df_codes(&s->dst, H2Z_NDIST);
}

/* Bits the block's symbols take with the codes in s->lit/s->dst. */
static uint64_t
df_body_bits(const struct df_state *s)
{
	uint64_t bits = 0;
	unsigned int i;

	for (i = 0; i < DF_NLIT; i++)
		bits += (uint64_t)s->lfreq[i] * (s->lit.len[i] +
		    (i > DF_EOB ? h2z_len_extra[i - 257] : 0));
	for (i = 0; i < H2Z_NDIST; i++)
		bits += (uint64_t)s->dfreq[i] * (s->dst.len[i] +
		    h2z_dist_extra[i]);
	return (bits);
}

/*
 * Run-length code the lengths of nlit literal/length and ndist distance
 * codes into s->rle (symbols 0..18, extra bits in s->rlex); count them.
 */
static void
df_rle(struct df_state *s, unsigned int nlit, unsigned int ndist,
    uint32_t *clfreq)
{
	uint8_t *all = s->t.all;
	unsigned int i, run, tot = nlit + ndist;

	memcpy(all, s->lit.len, nlit);
	memcpy(all + nlit, s->dst.len, ndist);
	s->nrle = 0;
	for (i = 0; i < tot; i += run) {
		for (run = 1; i + run < tot && all[i + run] == all[i]; run++)
			;
		if (all[i] == 0 && run >= 11) {
			run = run > 138 ? 138 : run;
			s->rle[s->nrle] = 18;
			s->rlex[s->nrle++] = (uint8_t)(run - 11);
		} else if (all[i] == 0 && run >= 3) {
			s->rle[s->nrle] = 17;
			s->rlex[s->nrle++] = (uint8_t)(run - 3);
		} else if (all[i] != 0 && run >= 4) {
			/* The length itself, then repeats of 3..6. */
			s->rle[s->nrle] = all[i];
			s->rlex[s->nrle++] = 0;
			run = run - 1 > 6 ? 7 : run;
			s->rle[s->nrle] = 16;
			s->rlex[s->nrle++] = (uint8_t)(run - 1 - 3);
		} else {
			run = 1;
			s->rle[s->nrle] = all[i];
			s->rlex[s->nrle++] = 0;
		}
	}
	memset(clfreq, 0, H2Z_NCLEN * sizeof(*clfreq));
	for (i = 0; i < s->nrle; i++)
		clfreq[s->rle[i]]++;
}

static void
df_send_symbols(struct df_state *s)
{
	unsigned int i, c, v;

	for (i = 0; i < s->nsym; i++) {
		v = s->sym[i];
		if (s->dist[i] == 0) {
			df_put(s, s->lit.code[v], s->lit.len[v]);
			continue;
		}
		c = df_len_code(v);
		df_put(s, s->lit.code[257 + c], s->lit.len[257 + c]);
		df_put(s, v - h2z_len_base[c], h2z_len_extra[c]);
		v = s->dist[i];
		c = df_dist_code(v);
		df_put(s, s->dst.code[c], s->dst.len[c]);
		df_put(s, v - h2z_dist_base[c], h2z_dist_extra[c]);
	}
	df_put(s, s->lit.code[DF_EOB], s->lit.len[DF_EOB]);
}

/* Send the gathered symbols (plus end-of-block) as one deflate block. */
static void
df_block(struct df_state *s, int final)
{
	static const uint8_t xbits[3] = { 2, 3, 7 };	/* of codes 16..18 */
	uint32_t clfreq[H2Z_NCLEN];
	uint64_t fixed_bits, dyn_bits;
	unsigned int nlit, ndist, ncl, i;

	s->lfreq[DF_EOB]++;
	df_fixed(s);
	fixed_bits = 3 + df_body_bits(s);

	df_lengths(&s->t, s->lfreq, DF_NLIT, H2Z_MAXBITS, s->lit.len);
	s->lit.len[DF_NLIT] = s->lit.len[DF_NLIT + 1] = 0;
	df_lengths(&s->t, s->dfreq, H2Z_NDIST, H2Z_MAXBITS, s->dst.len);
	for (nlit = DF_NLIT; nlit > 257 && s->lit.len[nlit - 1] == 0; nlit--)
		;
	for (ndist = H2Z_NDIST; ndist > 1 && s->dst.len[ndist - 1] == 0;
	    ndist--)
		;
	df_rle(s, nlit, ndist, clfreq);
	df_lengths(&s->t, clfreq, H2Z_NCLEN, DF_CLBITS, s->cl.len);
	for (ncl = H2Z_NCLEN; ncl > 4 && s->cl.len[h2z_clen_order[ncl - 1]] ==
	    0; ncl--)
		;
	dyn_bits = 3 + 5 + 5 + 4 + 3 * ncl + df_body_bits(s);
	for (i = 0; i < s->nrle; i++)
		dyn_bits += s->cl.len[s->rle[i]] +
		    (s->rle[i] >= 16 ? xbits[s->rle[i] - 16] : 0);

	if (fixed_bits <= dyn_bits) {
		df_fixed(s);
		df_put(s, final | (1 << 1), 3);
	} else {
		df_codes(&s->lit, DF_NLIT);
		df_codes(&s->dst, H2Z_NDIST);
		df_codes(&s->cl, H2Z_NCLEN);
		df_put(s, final | (2 << 1), 3);
		df_put(s, nlit - 257, 5);
		df_put(s, ndist - 1, 5);
		df_put(s, ncl - 4, 4);
		for (i = 0; i < ncl; i++)
			df_put(s, s->cl.len[h2z_clen_order[i]], 3);
		for (i = 0; i < s->nrle; i++) {
			df_put(s, s->cl.code[s->rle[i]], s->cl.len[s->rle[i]]);
			if (s->rle[i] >= 16)
				df_put(s, s->rlex[i], xbits[s->rle[i] - 16]);
		}
	}
	df_send_symbols(s);
	s->nsym = 0;
	memset(s->lfreq, 0, sizeof(s->lfreq));
	memset(s->dfreq, 0, sizeof(s->dfreq));
}

static void
df_literal(struct df_state *s, unsigned int c)
{
	if (s->nsym == DF_SYMS)
		df_block(s, 0);
	s->sym[s->nsym] = (uint16_t)c;
	s->dist[s->nsym++] = 0;
	s->lfreq[c]++;
}

static void
df_match(struct df_state *s, unsigned int len, unsigned int dist)
{
	if (s->nsym == DF_SYMS)
		df_block(s, 0);
	s->sym[s->nsym] = (uint16_t)len;
	s->dist[s->nsym++] = (uint16_t)dist;
	s->lfreq[257 + df_len_code(len)]++;
	s->dfreq[df_dist_code(dist)]++;
}

static inline unsigned int
df_hash(const uint8_t *p)
{
	return ((((unsigned int)p[0] << 10) ^ ((unsigned int)p[1] << 5) ^
	    p[2]) & ((1u << DF_HASHBITS) - 1));
}

/* Chain position p (which has 3 bytes ahead of it). */
static inline void
df_insert(struct df_state *s, size_t p)
{
	unsigned int h = df_hash(s->in + p);

	s->prev[p] = s->head[h];
	s->head[h] = (uint16_t)p;
}

/* How many leading bytes of a and b (at most max) are equal. */
static inline size_t
df_common(const uint8_t *a, const uint8_t *b, size_t max)
{
	uint64_t x, y;
	size_t n = 0;

	while (n + 8 <= max) {
		memcpy(&x, a + n, 8);
		memcpy(&y, b + n, 8);
		if (x != y)
			return (n + (size_t)(__builtin_ctzll(x ^ y) >> 3));
		n += 8;
	}
	while (n < max && a[n] == b[n])
		n++;
	return (n);
}

/*
 * The longest earlier match for p (3 bytes ahead), searched harder the
 * shorter the match deferred at p - 1 (prevlen); then chain p.
 */
static unsigned int
df_find(struct df_state *s, size_t p, unsigned int prevlen,
    unsigned int *distp)
{
	const uint8_t *in = s->in;
	size_t maxlen = s->n - p, cand, len;
	unsigned int best = 0, links = s->chain;

	if (maxlen > H2Z_MAXMATCH)
		maxlen = H2Z_MAXMATCH;
	if (prevlen >= s->good)
		links >>= 2;
	cand = s->head[df_hash(in + p)];
	while (cand != DF_NONE && links-- > 0 && p - cand <= H2Z_WINDOW) {
		if (in[cand + best] == in[p + best] && in[cand] == in[p]) {
			len = df_common(in + cand, in + p, maxlen);
			if (len > best) {
				best = (unsigned int)len;
				*distp = (unsigned int)(p - cand);
				if (len >= s->nice || len == maxlen)
					break;
			}
		}
		cand = s->prev[cand];
	}
	df_insert(s, p);
	return (best >= H2Z_MINMATCH ? best : 0);
}

static void
df_lz77(struct df_state *s)
{
	size_t p, end, q, n = s->n;
	unsigned int len, dist = 0, plen = 0, pdist = 0;
	int have = 0;

	for (p = 0; p < n;) {
		if (n - p < H2Z_MINMATCH)
			len = 0;
		else if (have && plen >= s->lazy) {
			df_insert(s, p);	/* good enough: no search */
			len = 0;
		} else
			len = df_find(s, p, have ? plen : 0, &dist);
		if (have) {
			if (plen != 0 && len <= plen) {
				/* The match deferred at p - 1 wins. */
				df_match(s, plen, pdist);
				end = p - 1 + plen;
				for (q = p + 1; q < end; q++)
					if (n - q >= H2Z_MINMATCH)
						df_insert(s, q);
				p = end;
				have = 0;
				continue;
			}
			df_literal(s, s->in[p - 1]);
		}
		if (len >= s->nice) {
			df_match(s, len, dist);
			for (q = p + 1; q < p + len; q++)
				if (n - q >= H2Z_MINMATCH)
					df_insert(s, q);
			p += len;
			have = 0;
			continue;
		}
		plen = len;
		pdist = dist;
		have = 1;
		p++;
	}
	if (have)
		df_literal(s, s->in[n - 1]);
}

/* Per level 6..9: chain links, good, lazy and nice lengths (zlib's). */
static const uint16_t df_levels[4][4] = {
	{ 128, 8, 16, 128 },
	{ 256, 8, 32, 128 },
	{ 1024, 32, 128, 258 },
	{ 4096, 32, 258, 258 },
};

int
hammer2_zlib_deflate(const void *src, size_t srclen, void *dst,
    size_t dstcap, int level, size_t *outlen, void *ws)
{
	struct df_state *s = ws;
	uint32_t adler;

	if (srclen > DF_MAXIN)
		return (EINVAL);
	if (level < 6)
		level = 6;
	if (level > 9)
		level = 9;
	s->out = dst;
	s->cap = dstcap;
	s->pos = 0;
	s->acc = 0;
	s->nacc = 0;
	s->overflow = 0;
	s->in = src;
	s->n = srclen;
	s->chain = df_levels[level - 6][0];
	s->good = df_levels[level - 6][1];
	s->lazy = df_levels[level - 6][2];
	s->nice = df_levels[level - 6][3];
	memset(s->head, 0xFF, sizeof(s->head));
	s->nsym = 0;
	memset(s->lfreq, 0, sizeof(s->lfreq));
	memset(s->dfreq, 0, sizeof(s->dfreq));

	/* RFC 1950 header: deflate, 32 KB window; the level hint. */
	df_put(s, 0x78, 8);
	df_put(s, level >= 7 ? 0xDA : 0x9C, 8);
	df_lz77(s);
	df_block(s, 1);
	df_align(s);
	adler = h2z_adler32(src, srclen);
	df_put(s, adler >> 24, 8);
	df_put(s, (adler >> 16) & 0xFF, 8);
	df_put(s, (adler >> 8) & 0xFF, 8);
	df_put(s, adler & 0xFF, 8);
	if (s->overflow)
		return (ENOSPC);
	*outlen = s->pos;
	return (0);
}
