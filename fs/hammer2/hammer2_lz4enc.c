/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_lz4enc.c - encoder for one raw LZ4 block (no frame, no length
 * prefix), the counterpart of hammer2_lz4.c, for the LZ4-compressed
 * DATA blocks HAMMER2 writes (format 10.2: the caller adds the 4-byte
 * length prefix and keeps the result only if it is small enough).
 *
 * The one idea: a single greedy pass.  Each position probed hashes its
 * next 4 bytes into a table of 16-bit positions (the caller's scratch;
 * inputs are at most 64 KB, so every position and every distance fits
 * the format's 2-byte offset).  When the remembered position holds the
 * same 4 bytes, the match is grown backwards over pending literals and
 * forwards 8 bytes at a time, and emitted at once; nothing is ever
 * reconsidered.  Probes that keep failing advance faster and faster
 * (one more byte per step every LZ4E_SKIPTRIG misses), so incompressible
 * input costs little; the first match resets the pace.
 *
 * The block format's end rules are kept so every decoder accepts the
 * result: no match starts in the last LZ4E_MFLIMIT (12) bytes and the
 * last LZ4E_LASTLITS (5) bytes are always literals.  Every sequence is
 * sized before it is written, so nothing is written past dstcap; when
 * the output would not fit, ENOSPC.
 *
 * Locking: none, and no state: the hash table lives in the caller's ws.
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>

#include <fs/hammer2/hammer2.h>

#define LZ4E_MAXIN	65536	/* positions fit in 16 bits */
#define LZ4E_MINMATCH	4
#define LZ4E_LASTLITS	5	/* the block always ends in literals */
#define LZ4E_MFLIMIT	12	/* no match starts this close to the end */
#define LZ4E_HASHLOG	13	/* 8192 16-bit slots: all of ws */
#define LZ4E_MINHASHLOG	8
#define LZ4E_SKIPTRIG	6	/* misses before the probe step grows */
#define LZ4E_RUNMASK	15	/* nibble value meaning "more bytes follow" */

_Static_assert(((size_t)sizeof(uint16_t) << LZ4E_HASHLOG) <=
    HAMMER2_LZ4_WS_BYTES, "hash table must fit the caller's scratch");

static inline uint32_t
lz4e_load32(const uint8_t *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, 4);
	return (v);
}

static inline uint64_t
lz4e_load64(const uint8_t *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, 8);
	return (v);
}

/* Multiplicative hash of 4 bytes into hashlog bits. */
static inline uint32_t
lz4e_hash(uint32_t v, unsigned int hashlog)
{
	return ((v * 2654435761u) >> (32 - hashlog));
}

/*
 * Number of equal bytes at p and m (m before p), not reading at or past
 * limit from p.
 */
static inline size_t
lz4e_count(const uint8_t *p, const uint8_t *m, const uint8_t *limit)
{
	const uint8_t *start = p;
	uint64_t diff;

	while (limit - p >= 8) {
		diff = lz4e_load64(p) ^ lz4e_load64(m);
		if (diff != 0) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			p += (size_t)__builtin_ctzll(diff) >> 3;
#else
			p += (size_t)__builtin_clzll(diff) >> 3;
#endif
			return ((size_t)(p - start));
		}
		p += 8;
		m += 8;
	}
	while (p < limit && *p == *m) {
		p++;
		m++;
	}
	return ((size_t)(p - start));
}

/* Bytes an extended length of n (n >= 15 in a nibble) takes. */
static inline size_t
lz4e_extbytes(size_t n)
{
	return (n >= LZ4E_RUNMASK ? (n - LZ4E_RUNMASK) / 255 + 1 : 0);
}

/* Write the extension bytes of length n (already known to be >= 15). */
static inline uint8_t *
lz4e_putext(uint8_t *op, size_t n)
{
	n -= LZ4E_RUNMASK;
	while (n >= 255) {
		*op++ = 255;
		n -= 255;
	}
	*op++ = (uint8_t)n;
	return (op);
}

/*
 * Write one sequence: litlen literals from lit, then, when mlen is not
 * 0, a match of mlen bytes at distance dist.  Returns the new output
 * position, or NULL (nothing written) when it would pass oend.  Literals
 * that precede a match have at least LZ4E_MFLIMIT readable bytes after
 * them, so they are copied 8 bytes at a time when the output has room.
 */
static inline uint8_t *
lz4e_sequence(uint8_t *op, uint8_t *oend, const uint8_t *lit,
    size_t litlen, size_t dist, size_t mlen)
{
	size_t need, n;
	uint8_t *token;

	need = 1 + lz4e_extbytes(litlen) + litlen;
	if (mlen != 0)
		need += 2 + lz4e_extbytes(mlen - LZ4E_MINMATCH);
	if (need > (size_t)(oend - op))
		return (NULL);

	token = op++;
	if (litlen >= LZ4E_RUNMASK) {
		*token = LZ4E_RUNMASK << 4;
		op = lz4e_putext(op, litlen);
	} else
		*token = (uint8_t)(litlen << 4);
	if (mlen != 0 && (size_t)(oend - op) - litlen >= 8) {
		/* Over-copies at most 7 bytes, inside both buffers. */
		for (n = 0; n < litlen; n += 8)
			__builtin_memcpy(op + n, lit + n, 8);
	} else
		memcpy(op, lit, litlen);
	op += litlen;
	if (mlen == 0)
		return (op);

	op[0] = (uint8_t)dist;
	op[1] = (uint8_t)(dist >> 8);
	op += 2;
	mlen -= LZ4E_MINMATCH;
	if (mlen >= LZ4E_RUNMASK) {
		*token |= LZ4E_RUNMASK;
		op = lz4e_putext(op, mlen);
	} else
		*token |= (uint8_t)mlen;
	return (op);
}

int
hammer2_lz4_compress(const void *src, size_t srclen, void *dst,
    size_t dstcap, size_t *outlen, void *ws)
{
	const uint8_t *base = src;
	const uint8_t *ip, *anchor, *ref, *mflimit, *mlimit;
	uint8_t *op = dst;
	uint8_t *oend = op + dstcap;
	uint16_t *tab = ws;
	unsigned int hashlog, misses;
	uint32_t h, seq;
	size_t mlen;

	if (srclen > LZ4E_MAXIN)
		return (EINVAL);
	anchor = base;
	if (srclen <= LZ4E_MFLIMIT)
		goto last;

	/* A smaller table for a small input: less to clear. */
	hashlog = LZ4E_MINHASHLOG;
	while (hashlog < LZ4E_HASHLOG && ((size_t)1 << hashlog) < srclen)
		hashlog++;
	memset(tab, 0, sizeof(*tab) << hashlog);

	mflimit = base + srclen - LZ4E_MFLIMIT;	/* last match start */
	mlimit = base + srclen - LZ4E_LASTLITS;	/* matches end by here */
	ip = base + 1;				/* slot 0 already names 0 */
	for (;;) {
		/* Find a match, stepping faster while none turns up. */
		misses = 1 << LZ4E_SKIPTRIG;
		for (;;) {
			if (ip > mflimit)
				goto last;
			seq = lz4e_load32(ip);
			h = lz4e_hash(seq, hashlog);
			ref = base + tab[h];
			tab[h] = (uint16_t)(ip - base);
			if (ref < ip && lz4e_load32(ref) == seq)
				break;
			ip += misses++ >> LZ4E_SKIPTRIG;
		}

		/* Grow it back over the pending literals, then forward. */
		while (ip > anchor && ref > base && ip[-1] == ref[-1]) {
			ip--;
			ref--;
		}
		for (;;) {
			mlen = LZ4E_MINMATCH + lz4e_count(ip + LZ4E_MINMATCH,
			    ref + LZ4E_MINMATCH, mlimit);
			op = lz4e_sequence(op, oend, anchor,
			    (size_t)(ip - anchor), (size_t)(ip - ref), mlen);
			if (op == NULL)
				return (ENOSPC);
			ip += mlen;
			anchor = ip;
			if (ip > mflimit)
				goto last;

			/*
			 * Remember a position inside the match, then try
			 * for a second match right here, with no literals.
			 */
			tab[lz4e_hash(lz4e_load32(ip - 2), hashlog)] =
			    (uint16_t)(ip - 2 - base);
			seq = lz4e_load32(ip);
			h = lz4e_hash(seq, hashlog);
			ref = base + tab[h];
			tab[h] = (uint16_t)(ip - base);
			if (ref >= ip || lz4e_load32(ref) != seq)
				break;
		}
		ip++;
	}

last:
	op = lz4e_sequence(op, oend, anchor, srclen - (size_t)(anchor - base),
	    0, 0);
	if (op == NULL)
		return (ENOSPC);
	*outlen = (size_t)(op - (uint8_t *)dst);
	return (0);
}
