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
 * Locking: none; pure function over caller memory.
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>

#include <fs/hammer2/hammer2.h>

#define LZ4_MINMATCH	4

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
	uint8_t *op = dst;
	uint8_t *obase = dst;
	uint8_t *oend = op + dstcap;
	size_t litlen, matchlen, dist;
	uint8_t token;

	if (srclen == 0)
		return (EUCLEAN);
	for (;;) {
		if (ip >= iend)
			return (EUCLEAN);
		token = *ip++;

		/* Literals. */
		litlen = token >> 4;
		if (litlen == 15 && !lz4_extlen(&ip, iend, &litlen))
			return (EUCLEAN);
		if (litlen > (size_t)(iend - ip) ||
		    litlen > (size_t)(oend - op))
			return (EUCLEAN);
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
		matchlen = token & 0x0F;
		if (matchlen == 15 && !lz4_extlen(&ip, iend, &matchlen))
			return (EUCLEAN);
		matchlen += LZ4_MINMATCH;
		if (matchlen > (size_t)(oend - op))
			return (EUCLEAN);
		if (dist >= matchlen) {
			memcpy(op, op - dist, matchlen);
			op += matchlen;
		} else {
			/* Overlapping copy repeats the last dist bytes. */
			const uint8_t *from = op - dist;

			while (matchlen-- > 0)
				*op++ = *from++;
		}
	}
	*outlen = (size_t)(op - obase);
	return (0);
}
