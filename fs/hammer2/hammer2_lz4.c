/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_lz4.c - decoder for one raw LZ4 block (the block format, no
 * frame), as HAMMER2 stores LZ4-compressed DATA blocks after a 4-byte
 * length prefix (format 10.2; the prefix is handled by hammer2_file.c).
 *
 * A block is a run of sequences: a token byte (literal count in the
 * high nibble, match length - 4 in the low nibble, 15 meaning "more
 * length bytes follow, each added until one is not 255"), the literals,
 * then a 2-byte little-endian back-reference distance and the match.
 * The last sequence stops after its literals.  Every length and
 * distance is checked against both buffers: hostile input can only
 * produce EUCLEAN, never a read or write outside them.
 *
 * Speed comes from "wild" copies: once a run has been checked, it is
 * copied 8 or 16 bytes at a time, rounding its length up, as long as
 * both buffers have LZ4_WILD bytes of room past the run's end.  The
 * overshoot lands on output bytes that later sequences overwrite (or,
 * after the last one, past *outlen), and never leaves either buffer.
 * Near the ends of the buffers the runs are copied exactly.  The common
 * short sequence (no extended lengths, match from 8 or more bytes back)
 * has its own path with fixed-size copies and no loops.  Fixed-size
 * __builtin_memcpy calls compile to plain moves, even freestanding
 * (where memcpy is an ordinary call) and with general registers only
 * (pc64).
 *
 * Locking: none; pure function over caller memory.
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>

#include <fs/hammer2/hammer2.h>

#define LZ4_MINMATCH	4
#define LZ4_WILD	16	/* room a wild copy needs past a run's end */
#define LZ4_FASTIN	18	/* input room for the fast path: 16 + 2 */
#define LZ4_FASTOUT	(14 + 18 + LZ4_WILD) /* literals, match, slack */

static inline void
lz4_copy8(uint8_t *dst, const uint8_t *src)
{
	__builtin_memcpy(dst, src, 8);
}

/*
 * A match closer than 8 bytes is a repeating pattern of period dist.
 * Once its first 8 bytes are in place, the rest can be copied 8 bytes
 * at a time from lz4_period[dist] bytes back: the smallest multiple of
 * dist that is at least 8, so no 8-byte load overlaps its store.
 */
static const uint8_t lz4_period[8] = { 0, 8, 8, 9, 8, 10, 12, 14 };

/*
 * Read an extended length: add bytes while they are 255.  Returns false
 * when the input ends first or the total would overflow.
 */
static bool
lz4_extlen(const uint8_t **pp, const uint8_t *end, size_t *lenp)
{
	const uint8_t *p = *pp;
	size_t len = *lenp;
	uint8_t b;

	do {
		if (p >= end)
			return (false);
		b = *p++;
		if (len > SIZE_MAX / 2)
			return (false);
		len += b;
	} while (b == 255);
	*pp = p;
	*lenp = len;
	return (true);
}

int
hammer2_lz4_decompress(const void *src, size_t srclen, void *dst,
    size_t dstcap, size_t *outlen)
{
	const uint8_t *ip = src;
	const uint8_t *iend = ip + srclen;
	const uint8_t *match;
	uint8_t *op = dst;
	uint8_t *obase = dst;
	uint8_t *oend = op + dstcap;
	uint8_t *cpend;
	size_t litlen, matchlen, dist, n;
	uint8_t token;

	if (srclen == 0)
		return (EUCLEAN);
	for (;;) {
		if (ip >= iend)
			return (EUCLEAN);
		token = *ip++;

		/*
		 * Fast path for the common short sequence: at most 14
		 * literals and a match of at most 18 bytes from 8 or more
		 * bytes back, far from both buffer ends.  The literals are
		 * copied as 16 bytes, the match as 24; a closer match
		 * continues below with the room for a wild copy.
		 */
		litlen = token >> 4;
		matchlen = token & 0x0F;
		if (litlen != 15 && matchlen != 15 &&
		    iend - ip >= LZ4_FASTIN && oend - op >= LZ4_FASTOUT) {
			lz4_copy8(op, ip);
			lz4_copy8(op + 8, ip + 8);
			ip += litlen;
			op += litlen;
			dist = (size_t)ip[0] | ((size_t)ip[1] << 8);
			ip += 2;
			if (dist >= 8 && dist <= (size_t)(op - obase)) {
				match = op - dist;
				lz4_copy8(op, match);
				lz4_copy8(op + 8, match + 8);
				lz4_copy8(op + 16, match + 16);
				op += matchlen + LZ4_MINMATCH;
				continue;
			}
			if (dist == 0 || dist > (size_t)(op - obase))
				return (EUCLEAN);
			matchlen += LZ4_MINMATCH;
			match = op - dist;
			goto copymatch;
		}

		/* Literals (litlen and matchlen hold the token's nibbles). */
		if (litlen == 15 && !lz4_extlen(&ip, iend, &litlen))
			return (EUCLEAN);
		if (litlen > (size_t)(iend - ip) ||
		    litlen > (size_t)(oend - op))
			return (EUCLEAN);
		if ((size_t)(iend - ip) - litlen >= LZ4_WILD &&
		    (size_t)(oend - op) - litlen >= LZ4_WILD) {
			/* Reads and writes at most 15 bytes past the run. */
			for (n = 0; n < litlen; n += 16) {
				lz4_copy8(op + n, ip + n);
				lz4_copy8(op + n + 8, ip + n + 8);
			}
		} else
			memcpy(op, ip, litlen);
		ip += litlen;
		op += litlen;
		if (ip == iend)
			break;		/* the last sequence has no match */

		/* Match. */
		if (iend - ip < 2)
			return (EUCLEAN);
		dist = (size_t)ip[0] | ((size_t)ip[1] << 8);
		ip += 2;
		if (dist == 0 || dist > (size_t)(op - obase))
			return (EUCLEAN);
		if (matchlen == 15 && !lz4_extlen(&ip, iend, &matchlen))
			return (EUCLEAN);
		matchlen += LZ4_MINMATCH;
		if (matchlen > (size_t)(oend - op))
			return (EUCLEAN);
		match = op - dist;
copymatch:
		if ((size_t)(oend - op) - matchlen >= LZ4_WILD) {
			/*
			 * Writes at most 15 bytes past the match; every
			 * load is of bytes already final (below op).
			 */
			cpend = op + matchlen;
			if (dist < 8) {
				for (n = 0; n < 8; n++)
					op[n] = match[n];
				op += 8;
				match = op - lz4_period[dist];
			}
			while (op < cpend) {
				lz4_copy8(op, match);
				lz4_copy8(op + 8, match + 8);
				op += 16;
				match += 16;
			}
			op = cpend;
		} else if (dist >= matchlen) {
			memcpy(op, match, matchlen);
			op += matchlen;
		} else {
			/* Overlapping copy repeats the last dist bytes. */
			while (matchlen-- > 0)
				*op++ = *match++;
		}
	}
	*outlen = (size_t)(op - obase);
	return (0);
}
