/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_zlib.h - what the zlib/deflate decoder (hammer2_inflate.c)
 * and encoder (hammer2_deflate.c) share, private to the core: the
 * deflate alphabets of RFC 1951 (length and distance codes with their
 * base values and extra bits, the order of code-length code lengths)
 * and the Adler-32 of RFC 1950.
 *
 * Locking: none; constant tables and a pure function.
 */
#ifndef _FS_HAMMER2_HAMMER2_ZLIB_H_
#define _FS_HAMMER2_HAMMER2_ZLIB_H_

#include <sys/types.h>

#define H2Z_MAXBITS	15	/* longest literal/length or distance code */
#define H2Z_NLEN	29	/* length codes 257..285 */
#define H2Z_NDIST	30	/* distance codes 0..29 */
#define H2Z_NCLEN	19	/* code-length alphabet */
#define H2Z_WINDOW	32768	/* farthest back-reference */
#define H2Z_MINMATCH	3
#define H2Z_MAXMATCH	258

extern const uint16_t h2z_len_base[H2Z_NLEN];
extern const uint8_t h2z_len_extra[H2Z_NLEN];
extern const uint16_t h2z_dist_base[H2Z_NDIST];
extern const uint8_t h2z_dist_extra[H2Z_NDIST];
extern const uint8_t h2z_clen_order[H2Z_NCLEN];

uint32_t h2z_adler32(const uint8_t *p, size_t len);

#endif /* !_FS_HAMMER2_HAMMER2_ZLIB_H_ */
