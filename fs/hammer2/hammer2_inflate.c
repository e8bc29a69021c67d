/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_inflate.c - a zlib (RFC 1950) / deflate (RFC 1951) decoder for
 * HAMMER2's ZLIB-compressed DATA blocks (format 10.3).  HAMMER2 always
 * decompresses a whole block into one flat buffer of at most 64 KB, so
 * the output buffer itself serves as the sliding window and no heap is
 * needed: the decoder state lives in caller-provided scratch memory
 * (HAMMER2_INFLATE_WS_BYTES).
 *
 * Huffman codes are decoded through a 9-bit lookup table for short codes
 * and a canonical bit-at-a-time walk for longer ones.  Every input read
 * past the end, every back-reference before the start of the output and
 * every write past its end is detected and reported as EUCLEAN.
 *
 * Locking: none; all state is in the caller's scratch buffer.
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>

#include <fs/hammer2/hammer2.h>
#include <fs/hammer2/hammer2_zlib.h>

#define INF_MAXBITS	15		/* longest deflate code */
#define INF_FASTBITS	9		/* lookup table index width */
#define INF_MAXLIT	288		/* literal/length alphabet */
#define INF_MAXDIST	32		/* distance alphabet (30 used) */

/*
 * A canonical Huffman code: how many codes of each length, the symbols
 * in code order, and a table over the next INF_FASTBITS input bits whose
 * entries are (length << 9 | symbol), 0 meaning "longer code".
 */
struct inf_huff {
	uint16_t	count[INF_MAXBITS + 1];
	uint16_t	symbol[INF_MAXLIT];
	uint16_t	fast[1 << INF_FASTBITS];
};

struct inf_state {
	const uint8_t	*in;
	size_t		 inlen;
	size_t		 inpos;		/* next byte to load */
	uint64_t	 bitbuf;	/* LSB = next bit */
	unsigned int	 bitcnt;
	size_t		 pad;		/* zero bytes loaded past the end */
	uint8_t		*out;
	size_t		 outcap;
	size_t		 outpos;
	struct inf_huff	 lit;
	struct inf_huff	 dist;
	uint8_t		 lens[INF_MAXLIT + INF_MAXDIST];
};

CTASSERT(sizeof(struct inf_state) <= HAMMER2_INFLATE_WS_BYTES);

/*
 * Make at least n (<= 32) bits available.  Past the end of the input
 * zero bytes are loaded and counted; inf_overrun() tells whether any of
 * them was actually consumed.
 */
static inline void
inf_need(struct inf_state *s, unsigned int n)
{
	while (s->bitcnt < n) {
		uint64_t b = 0;

		if (s->inpos < s->inlen)
			b = s->in[s->inpos++];
		else
			s->pad++;
		s->bitbuf |= b << s->bitcnt;
		s->bitcnt += 8;
	}
}

static inline bool
inf_overrun(const struct inf_state *s)
{
	return (s->pad * 8 > s->bitcnt);
}

static inline uint32_t
inf_bits(struct inf_state *s, unsigned int n)
{
	uint32_t v;

	if (n == 0)
		return (0);
	inf_need(s, n);
	v = (uint32_t)(s->bitbuf & ((1ULL << n) - 1));
	s->bitbuf >>= n;
	s->bitcnt -= n;
	return (v);
}

/* Reverse the low len bits of code. */
static inline unsigned int
inf_reverse(unsigned int code, unsigned int len)
{
	unsigned int r = 0;

	while (len-- > 0) {
		r = (r << 1) | (code & 1);
		code >>= 1;
	}
	return (r);
}

/*
 * Build the code for n symbols with code lengths lens[] (0 = unused).
 * Over-subscribed length sets are rejected; incomplete ones are allowed
 * (an unassigned code then fails to decode).
 */
static int
inf_build(struct inf_huff *h, const uint8_t *lens, unsigned int n)
{
	uint16_t offs[INF_MAXBITS + 2];
	unsigned int len, sym, i, code, left;

	memset(h->count, 0, sizeof(h->count));
	memset(h->fast, 0, sizeof(h->fast));
	for (sym = 0; sym < n; sym++)
		h->count[lens[sym]]++;
	left = 1;
	for (len = 1; len <= INF_MAXBITS; len++) {
		left <<= 1;
		if (h->count[len] > left)
			return (EUCLEAN);
		left -= h->count[len];
	}
	offs[1] = 0;
	for (len = 1; len <= INF_MAXBITS; len++)
		offs[len + 1] = offs[len] + h->count[len];
	for (sym = 0; sym < n; sym++)
		if (lens[sym] != 0)
			h->symbol[offs[lens[sym]]++] = (uint16_t)sym;

	/* Fill the fast table with every code of at most FASTBITS bits. */
	code = 0;
	i = 0;
	for (len = 1; len <= INF_FASTBITS; len++) {
		unsigned int k;

		for (k = 0; k < h->count[len]; k++, i++, code++) {
			unsigned int r = inf_reverse(code, len);
			uint16_t e = (uint16_t)((len << 9) | h->symbol[i]);

			for (; r < (1U << INF_FASTBITS); r += 1U << len)
				h->fast[r] = e;
		}
		code <<= 1;
	}
	return (0);
}

/* Decode one symbol; returns -1 for an invalid code. */
static int
inf_decode(struct inf_state *s, const struct inf_huff *h)
{
	unsigned int len, code, first, index, count;
	uint16_t e;

	inf_need(s, INF_FASTBITS);
	e = h->fast[s->bitbuf & ((1U << INF_FASTBITS) - 1)];
	if (e != 0) {
		len = e >> 9;
		s->bitbuf >>= len;
		s->bitcnt -= len;
		return (e & 0x1FF);
	}
	code = first = index = 0;
	for (len = 1; len <= INF_MAXBITS; len++) {
		code |= inf_bits(s, 1);
		count = h->count[len];
		if (code - first < count)
			return (h->symbol[index + (code - first)]);
		index += count;
		first = (first + count) << 1;
		code <<= 1;
	}
	return (-1);
}

/* A stored (uncompressed) block. */
static int
inf_stored(struct inf_state *s)
{
	uint32_t len, nlen;

	/* Drop to a byte boundary, then give back whole buffered bytes. */
	s->bitbuf >>= s->bitcnt & 7;
	s->bitcnt -= s->bitcnt & 7;
	len = inf_bits(s, 16);
	nlen = inf_bits(s, 16);
	if (inf_overrun(s) || (len ^ 0xFFFF) != nlen)
		return (EUCLEAN);
	while (len > 0 && s->bitcnt > 0) {
		if (s->outpos >= s->outcap)
			return (EUCLEAN);
		s->out[s->outpos++] = (uint8_t)inf_bits(s, 8);
		len--;
	}
	if (inf_overrun(s) || len > s->inlen - s->inpos ||
	    len > s->outcap - s->outpos)
		return (EUCLEAN);
	memcpy(s->out + s->outpos, s->in + s->inpos, len);
	s->inpos += len;
	s->outpos += len;
	return (0);
}

/* Decode literals and matches until end-of-block with the current codes. */
static int
inf_codes(struct inf_state *s)
{
	int sym;
	size_t len, dist;

	for (;;) {
		sym = inf_decode(s, &s->lit);
		if (sym < 0 || inf_overrun(s))
			return (EUCLEAN);
		if (sym < 256) {
			if (s->outpos >= s->outcap)
				return (EUCLEAN);
			s->out[s->outpos++] = (uint8_t)sym;
			continue;
		}
		if (sym == 256)
			return (0);
		sym -= 257;
		if (sym >= 29)
			return (EUCLEAN);
		len = h2z_len_base[sym] + inf_bits(s, h2z_len_extra[sym]);
		sym = inf_decode(s, &s->dist);
		if (sym < 0 || sym >= 30)
			return (EUCLEAN);
		dist = h2z_dist_base[sym] + inf_bits(s, h2z_dist_extra[sym]);
		if (inf_overrun(s) || dist > s->outpos ||
		    len > s->outcap - s->outpos)
			return (EUCLEAN);
		if (dist >= len) {
			memcpy(s->out + s->outpos, s->out + s->outpos - dist,
			    len);
			s->outpos += len;
		} else {
			while (len-- > 0) {
				s->out[s->outpos] = s->out[s->outpos - dist];
				s->outpos++;
			}
		}
	}
}

/* Set up the fixed codes of block type 1. */
static int
inf_fixed(struct inf_state *s)
{
	unsigned int i;

	for (i = 0; i < 144; i++)
		s->lens[i] = 8;
	for (; i < 256; i++)
		s->lens[i] = 9;
	for (; i < 280; i++)
		s->lens[i] = 7;
	for (; i < INF_MAXLIT; i++)
		s->lens[i] = 8;
	if (inf_build(&s->lit, s->lens, INF_MAXLIT) != 0)
		return (EUCLEAN);
	for (i = 0; i < 30; i++)
		s->lens[i] = 5;
	return (inf_build(&s->dist, s->lens, 30));
}

/* Read the code descriptions of a dynamic block (type 2). */
static int
inf_dynamic(struct inf_state *s)
{
	unsigned int nlen, ndist, ncode, i, rep;
	int sym;
	uint8_t val;

	nlen = inf_bits(s, 5) + 257;
	ndist = inf_bits(s, 5) + 1;
	ncode = inf_bits(s, 4) + 4;
	if (nlen > 286 || ndist > 30)
		return (EUCLEAN);

	/* The code-length code, built in the dist slot for the moment. */
	memset(s->lens, 0, 19);
	for (i = 0; i < ncode; i++)
		s->lens[h2z_clen_order[i]] = (uint8_t)inf_bits(s, 3);
	if (inf_overrun(s) || inf_build(&s->dist, s->lens, 19) != 0)
		return (EUCLEAN);

	i = 0;
	while (i < nlen + ndist) {
		sym = inf_decode(s, &s->dist);
		if (sym < 0 || inf_overrun(s))
			return (EUCLEAN);
		if (sym < 16) {
			s->lens[i++] = (uint8_t)sym;
			continue;
		}
		if (sym == 16) {
			if (i == 0)
				return (EUCLEAN);
			val = s->lens[i - 1];
			rep = 3 + inf_bits(s, 2);
		} else if (sym == 17) {
			val = 0;
			rep = 3 + inf_bits(s, 3);
		} else {
			val = 0;
			rep = 11 + inf_bits(s, 7);
		}
		if (i + rep > nlen + ndist)
			return (EUCLEAN);
		while (rep-- > 0)
			s->lens[i++] = val;
	}
	if (s->lens[256] == 0)
		return (EUCLEAN);	/* no end-of-block code */
	if (inf_build(&s->lit, s->lens, nlen) != 0 ||
	    inf_build(&s->dist, s->lens + nlen, ndist) != 0)
		return (EUCLEAN);
	return (0);
}

int
hammer2_zlib_inflate(const void *src, size_t srclen, void *dst,
    size_t dstcap, size_t *outlen, void *ws)
{
	struct inf_state *s = ws;
	const uint8_t *in = src;
	uint32_t final, type, adler;
	int error;

	/* RFC 1950 header: deflate, window <= 32 KB, no preset dictionary. */
	if (srclen < 6)
		return (EUCLEAN);
	if ((in[0] & 0x0F) != 8 || (in[0] >> 4) > 7 ||
	    ((uint32_t)in[0] << 8 | in[1]) % 31 != 0 || (in[1] & 0x20))
		return (EUCLEAN);

	memset(s, 0, offsetof(struct inf_state, lit));
	s->in = in;
	s->inlen = srclen;
	s->inpos = 2;
	s->out = dst;
	s->outcap = dstcap;

	do {
		final = inf_bits(s, 1);
		type = inf_bits(s, 2);
		if (inf_overrun(s))
			return (EUCLEAN);
		switch (type) {
		case 0:
			error = inf_stored(s);
			break;
		case 1:
			error = inf_fixed(s);
			if (error == 0)
				error = inf_codes(s);
			break;
		case 2:
			error = inf_dynamic(s);
			if (error == 0)
				error = inf_codes(s);
			break;
		default:
			error = EUCLEAN;
			break;
		}
		if (error != 0)
			return (error);
	} while (!final);

	/* Adler-32 trailer, big-endian, at the next byte boundary. */
	s->bitbuf >>= s->bitcnt & 7;
	s->bitcnt -= s->bitcnt & 7;
	adler = inf_bits(s, 8) << 24;
	adler |= inf_bits(s, 8) << 16;
	adler |= inf_bits(s, 8) << 8;
	adler |= inf_bits(s, 8);
	if (inf_overrun(s) || adler != h2z_adler32(s->out, s->outpos))
		return (EUCLEAN);
	*outlen = s->outpos;
	return (0);
}
