/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_zlib.c - the deflate tables and Adler-32 that the zlib
 * decoder and encoder share (hammer2_zlib.h).
 *
 * Locking: none; constant tables and a pure function.
 */
#include <sys/types.h>

#include <fs/hammer2/hammer2_zlib.h>

#ifndef MIN
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#endif

/* Length codes 257..285: base lengths and extra bits. */
const uint16_t h2z_len_base[H2Z_NLEN] = {
	3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
	35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
};
const uint8_t h2z_len_extra[H2Z_NLEN] = {
	0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
	3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
};
/* Distance codes 0..29. */
const uint16_t h2z_dist_base[H2Z_NDIST] = {
	1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
	257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
	8193, 12289, 16385, 24577,
};
const uint8_t h2z_dist_extra[H2Z_NDIST] = {
	0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
	7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
};
/* Order in which code-length code lengths are transmitted. */
const uint8_t h2z_clen_order[H2Z_NCLEN] = {
	16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
};

uint32_t
h2z_adler32(const uint8_t *p, size_t len)
{
	uint32_t a = 1, b = 0;
	size_t n;

	while (len > 0) {
		n = MIN(len, (size_t)5552);	/* keeps b below 2^32 */
		len -= n;
		while (n-- > 0) {
			a += *p++;
			b += a;
		}
		a %= 65521;
		b %= 65521;
	}
	return ((b << 16) | a);
}
