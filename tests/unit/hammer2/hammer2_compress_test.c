/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_compress_test.c - our LZ4 block decoder and zlib inflate
 * against the system liblz4 and zlib as oracles: data of several kinds
 * (random, text-like, runs, zeros) and sizes up to 64 KB is compressed
 * by the system library and must decompress to the original with ours,
 * in every zlib block type (stored, fixed, dynamic) and level; the
 * HAMMER2 block framing (LZ4 length prefix, zero padding) is decoded by
 * hammer2_decompress_block; truncated and mutated streams fail cleanly
 * (run under ASan/UBSan to prove no access outside the buffers).  LZ4
 * is also decoded into outputs of exactly the decoded size (an exact
 * malloc, and guard bytes after it inside a larger one), as the wild
 * copies must never write past the capacity.
 *
 * Our LZ4 encoder is checked the other way round: whatever it writes,
 * liblz4's LZ4_decompress_safe and our decoder both turn back into the
 * input, for every kind of data (including short-period repeats, i.e.
 * overlapping matches) and the sizes at the format's edges; it fits
 * liblz4's worst-case bound, refuses (ENOSPC) any capacity below its
 * output without writing past it, does not depend on what the scratch
 * held, and compresses about as well as LZ4_compress_default.  Our zlib
 * encoder likewise: the system zlib's uncompress and our inflate both
 * return its input at every level, skewed statistics (code length
 * limits) included; short outputs are ENOSPC with nothing written past
 * them; sizes are within 10% of zlib's compress2 at the same level.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <lz4.h>
#include <zlib.h>

#include "h2test.h"

#define MAXLEN	65536

static uint8_t ws[HAMMER2_INFLATE_WS_BYTES];

/* Fill buf with data of kind 0..4 (random, text, runs, zeros, mixed). */
static void
gen(uint8_t *buf, size_t len, int kind, unsigned *seed)
{
	static const char *words[] = {
		"hammer2 ", "dragonfly ", "block ", "inode ", "the ", "of ",
		"freemap ", "\n", "chain ", "flush ",
	};
	size_t i = 0, n;
	const char *w;

	switch (kind) {
	case 0:
		for (i = 0; i < len; i++)
			buf[i] = (uint8_t)rand_r(seed);
		break;
	case 1:
		while (i < len) {
			w = words[rand_r(seed) % 10];
			n = strlen(w);
			if (n > len - i)
				n = len - i;
			memcpy(buf + i, w, n);
			i += n;
		}
		break;
	case 2:
		while (i < len) {
			n = 1 + rand_r(seed) % 300;
			if (n > len - i)
				n = len - i;
			memset(buf + i, rand_r(seed) % 4, n);
			i += n;
		}
		break;
	case 3:
		memset(buf, 0, len);
		break;
	default:
		gen(buf, len / 2, 0, seed);
		gen(buf + len / 2, len - len / 2, 1, seed);
		break;
	}
}

/* Random data compressed by liblz4 decompresses to the original. */
static void
lz4_matches_liblz4(void **state)
{
	uint8_t *src = malloc(MAXLEN), *cmp = malloc(LZ4_compressBound(MAXLEN));
	uint8_t *out = malloc(MAXLEN);
	unsigned seed = 42;
	size_t len, outlen;
	int i, clen;

	for (i = 0; i < 300; i++) {
		len = i < 20 ? (size_t)i : (size_t)(rand_r(&seed) % MAXLEN) + 1;
		if (i % 7 == 0)
			len = MAXLEN;
		gen(src, len, i % 5, &seed);
		clen = LZ4_compress_default((char *)src, (char *)cmp, (int)len,
		    LZ4_compressBound(MAXLEN));
		assert_true(clen > 0 || len == 0);
		if (clen <= 0)
			continue;
		assert_int_equal(hammer2_lz4_decompress(cmp, (size_t)clen, out,
		    MAXLEN, &outlen), 0);
		assert_int_equal(outlen, len);
		assert_memory_equal(out, src, len);
		/* An output buffer one byte short is refused. */
		if (len > 0)
			assert_int_equal(hammer2_lz4_decompress(cmp,
			    (size_t)clen, out, len - 1, &outlen), EUCLEAN);
	}
	free(src);
	free(cmp);
	free(out);
}

#define GUARD		64	/* guard bytes after an exact-size output */
#define GUARDBYTE	0xA5

/* The guard bytes from p on are untouched. */
static void
check_guard(const uint8_t *p)
{
	int i;

	for (i = 0; i < GUARD; i++)
		assert_int_equal(p[i], GUARDBYTE);
}

/*
 * Decode src into an output of exactly cap bytes twice: a malloc of
 * exactly cap (ASan catches a write past it) and cap bytes followed by
 * GUARD guard bytes inside a larger allocation (caught without ASan).
 * The input is also an exact-size copy.  Returns the decoder's result;
 * both decodes must agree.
 */
static int
lz4_exact(const uint8_t *src, size_t srclen, size_t cap, uint8_t *want,
    size_t *outlen)
{
	uint8_t *in = malloc(srclen ? srclen : 1);
	uint8_t *out = malloc(cap ? cap : 1);
	uint8_t *big = malloc(cap + GUARD);
	size_t n1 = 0, n2 = 0;
	int rc1, rc2;

	memcpy(in, src, srclen);
	rc1 = hammer2_lz4_decompress(in, srclen, out, cap, &n1);
	memset(big, GUARDBYTE, cap + GUARD);
	rc2 = hammer2_lz4_decompress(in, srclen, big, cap, &n2);
	check_guard(big + cap);
	assert_true(rc1 == 0 || rc1 == EUCLEAN);
	assert_int_equal(rc1, rc2);
	if (rc1 == 0) {
		assert_int_equal(n1, n2);
		assert_true(n1 <= cap);
		assert_memory_equal(out, big, n1);
		if (want != NULL)
			memcpy(want, out, n1);
		*outlen = n1;
	}
	free(in);
	free(out);
	free(big);
	return (rc1);
}

/*
 * Outputs of exactly the decoded length, or a few bytes more (inside
 * the decoder's wild-copy slack): every length from 0 to 300 and random
 * ones up to 64 KB, every kind of data, compressed by liblz4 at several
 * acceleration levels, must decode exactly without writing past the
 * capacity; one byte less is refused.  Then truncated and mutated
 * streams into exact-size outputs fail cleanly, never past them.
 */
static void
lz4_exact_size_output(void **state)
{
	int bound = LZ4_compressBound(MAXLEN);
	uint8_t *src = malloc(MAXLEN), *cmp = malloc(bound);
	uint8_t *bad = malloc(bound), *got = malloc(MAXLEN);
	unsigned seed = 2026;
	size_t len, outlen, cut, slack;
	int i, j, clen, rc;

	for (i = 0; i < 1500; i++) {
		if (i <= 300)
			len = (size_t)i;
		else if (i % 50 == 0)
			len = MAXLEN;
		else if (i % 3 == 0)
			len = (size_t)(rand_r(&seed) % 2048) + 1;
		else
			len = (size_t)(rand_r(&seed) % MAXLEN) + 1;
		gen(src, len, i % 5, &seed);
		clen = LZ4_compress_fast((char *)src, (char *)cmp, (int)len,
		    bound, 1 + i % 4 * 3);
		assert_true(clen > 0);
		assert_int_equal(lz4_exact(cmp, (size_t)clen, len, got,
		    &outlen), 0);
		assert_int_equal(outlen, len);
		assert_memory_equal(got, src, len);
		slack = (size_t)(rand_r(&seed) % 40);
		assert_int_equal(lz4_exact(cmp, (size_t)clen, len + slack,
		    got, &outlen), 0);
		assert_int_equal(outlen, len);
		assert_memory_equal(got, src, len);
		if (len > 0)
			assert_int_equal(lz4_exact(cmp, (size_t)clen, len - 1,
			    NULL, &outlen), EUCLEAN);

		/* Damaged copies of this stream, same exact-size output. */
		for (j = 0; j < (i < 300 ? 4 : 12); j++) {
			memcpy(bad, cmp, (size_t)clen);
			cut = (size_t)clen;
			switch (j % 4) {
			case 0:		/* truncated */
				cut = (size_t)rand_r(&seed) % (size_t)clen;
				break;
			case 1:		/* one bit flipped */
				bad[rand_r(&seed) % clen] ^=
				    (uint8_t)(1 << (rand_r(&seed) % 8));
				break;
			case 2:		/* a random byte */
				bad[rand_r(&seed) % clen] =
				    (uint8_t)rand_r(&seed);
				break;
			default:	/* lengths stretched to the limit */
				bad[rand_r(&seed) % clen] = 0xFF;
				bad[rand_r(&seed) % clen] = 0xFF;
				break;
			}
			rc = lz4_exact(bad, cut, len, NULL, &outlen);
			if (rc == 0)
				assert_true(outlen <= len);
			/* A truncated stream never decodes to all of it. */
			if (j % 4 == 0 && rc == 0)
				assert_true(outlen < len);
		}
	}
	free(src);
	free(cmp);
	free(bad);
	free(got);
}

/* Deflate one buffer with zlib at a level and strategy. */
static size_t
zcompress(const uint8_t *src, size_t len, uint8_t *dst, size_t cap,
    int level, int strategy)
{
	z_stream z;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, level, Z_DEFLATED, 15, 8, strategy),
	    Z_OK);
	z.next_in = (Bytef *)src;
	z.avail_in = (uInt)len;
	z.next_out = dst;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return (z.total_out);
}

/* zlib streams of every block type and level inflate to the original. */
static void
zlib_matches_system_zlib(void **state)
{
	static const struct {
		int	level;
		int	strategy;
	} modes[] = {
		{ 0, Z_DEFAULT_STRATEGY },	/* stored blocks */
		{ 1, Z_DEFAULT_STRATEGY },
		{ 6, Z_DEFAULT_STRATEGY },
		{ 9, Z_DEFAULT_STRATEGY },
		{ 6, Z_FIXED },			/* fixed Huffman */
		{ 6, Z_HUFFMAN_ONLY },
		{ 6, Z_RLE },
	};
	size_t cap = compressBound(MAXLEN) + 64;
	uint8_t *src = malloc(MAXLEN), *cmp = malloc(cap);
	uint8_t *out = malloc(MAXLEN);
	unsigned seed = 7;
	size_t len, clen, outlen;
	int i;

	for (i = 0; i < 210; i++) {
		len = i < 10 ? (size_t)i : (size_t)(rand_r(&seed) % MAXLEN) + 1;
		if (i % 9 == 0)
			len = MAXLEN;
		gen(src, len, i % 5, &seed);
		clen = zcompress(src, len, cmp, cap, modes[i % 7].level,
		    modes[i % 7].strategy);
		assert_int_equal(hammer2_zlib_inflate(cmp, clen, out, MAXLEN,
		    &outlen, ws), 0);
		assert_int_equal(outlen, len);
		assert_memory_equal(out, src, len);
		/* Trailing zero padding (as on media) is ignored. */
		memset(cmp + clen, 0, 64);
		assert_int_equal(hammer2_zlib_inflate(cmp, clen + 64, out,
		    MAXLEN, &outlen, ws), 0);
		assert_int_equal(outlen, len);
		/* A damaged Adler-32 trailer is caught. */
		cmp[clen - 1] ^= 1;
		assert_int_equal(hammer2_zlib_inflate(cmp, clen, out, MAXLEN,
		    &outlen, ws), EUCLEAN);
	}
	free(src);
	free(cmp);
	free(out);
}

/* HAMMER2 framing: LZ4 length prefix, zero padding, zero-filled tail. */
static void
block_framing_decodes(void **state)
{
	uint8_t *src = malloc(MAXLEN), *phys = calloc(1, MAXLEN);
	uint8_t *out = malloc(MAXLEN);
	unsigned seed = 99;
	int32_t n;

	gen(src, 40000, 1, &seed);
	n = LZ4_compress_default((char *)src, (char *)phys + 4, 40000,
	    MAXLEN - 4);
	assert_true(n > 0 && n < 16384 - 4);
	memcpy(phys, &n, 4);
	memset(out, 0xAA, MAXLEN);
	assert_int_equal(hammer2_decompress_block(HAMMER2_ENC_METHODS(3,
	    HAMMER2_COMP_LZ4), phys, 16384, out, MAXLEN, ws), 0);
	assert_memory_equal(out, src, 40000);
	assert_int_equal(out[40000], 0);
	assert_int_equal(out[MAXLEN - 1], 0);
	/* A length prefix beyond the block is corruption. */
	n = 16384;
	memcpy(phys, &n, 4);
	assert_int_equal(hammer2_decompress_block(HAMMER2_ENC_METHODS(3,
	    HAMMER2_COMP_LZ4), phys, 16384, out, MAXLEN, ws), EUCLEAN);
	/* Raw blocks are copied, unknown compression is corruption. */
	assert_int_equal(hammer2_decompress_block(0, src, 1024, out, 4096,
	    ws), 0);
	assert_memory_equal(out, src, 1024);
	assert_int_equal(out[2000], 0);
	assert_int_equal(hammer2_decompress_block(0x3A, src, 1024, out, 4096,
	    ws), EUCLEAN);
	free(src);
	free(phys);
	free(out);
}

/* Truncated and mutated streams never escape their buffers. */
static void
damaged_streams_fail_cleanly(void **state)
{
	size_t cap = compressBound(MAXLEN) + 64;
	uint8_t *src = malloc(MAXLEN), *cmp = malloc(cap), *bad = malloc(cap);
	uint8_t *out = malloc(MAXLEN);
	unsigned seed = 5;
	size_t clen, outlen, cut;
	int i, j, rc;

	for (i = 0; i < 60; i++) {
		gen(src, 20000, 1 + i % 4, &seed);
		if (i & 1)
			clen = (size_t)LZ4_compress_default((char *)src,
			    (char *)cmp, 20000, (int)cap);
		else
			clen = zcompress(src, 20000, cmp, cap, 6,
			    Z_DEFAULT_STRATEGY);
		for (j = 0; j < 40; j++) {
			memcpy(bad, cmp, clen);
			cut = clen;
			if (j % 3 == 0)
				cut = (size_t)rand_r(&seed) % clen;
			else
				bad[rand_r(&seed) % clen] ^=
				    (uint8_t)(1 << (rand_r(&seed) % 8));
			/* Exact-size copy so ASan sees any overread. */
			uint8_t *exact = malloc(cut ? cut : 1);

			memcpy(exact, bad, cut);
			if (i & 1)
				rc = hammer2_lz4_decompress(exact, cut, out,
				    20000, &outlen);
			else
				rc = hammer2_zlib_inflate(exact, cut, out,
				    20000, &outlen, ws);
			assert_true(rc == 0 || rc == EUCLEAN);
			if (rc == 0)
				assert_true(outlen <= 20000);
			free(exact);
		}
	}
	free(src);
	free(cmp);
	free(bad);
	free(out);
}

/*
 * Fill buf with a repeat of period bytes (after a random first period),
 * with a random byte changed about every 1 KB when mutate is set: the
 * encoder's matches then overlap their own output (distance < length).
 */
static void
gen_periodic(uint8_t *buf, size_t len, size_t period, int mutate,
    unsigned *seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (i < period)
			buf[i] = (uint8_t)rand_r(seed);
		else
			buf[i] = buf[i - period];
		if (mutate && rand_r(seed) % 1024 == 0)
			buf[i] = (uint8_t)rand_r(seed);
	}
}

/*
 * Compress len bytes of src with our encoder into plenty of room and
 * check everything the contract promises: 0 and a length within
 * liblz4's bound, no write past the capacity, LZ4_decompress_safe and
 * hammer2_lz4_decompress (into an exact-size output) both give back
 * src, the same bytes again from scratch full of junk into an output of
 * exactly that length, and ENOSPC one byte short, again within bounds.
 * The input is an exact-size copy and the scratch an exact-size
 * allocation, so ASan sees any read past either.  Returns the length.
 */
static size_t
lz4_encode_checked(const uint8_t *data, size_t len)
{
	size_t cap = (size_t)LZ4_compressBound((int)len);
	uint8_t *src = malloc(len ? len : 1), *dec = malloc(len + 1);
	uint8_t *ws4 = malloc(HAMMER2_LZ4_WS_BYTES);
	uint8_t *out = malloc(cap + GUARD), *again;
	size_t clen, clen2, declen;

	memcpy(src, data, len);
	memset(ws4, 0, HAMMER2_LZ4_WS_BYTES);
	memset(out, GUARDBYTE, cap + GUARD);
	assert_int_equal(hammer2_lz4_compress(src, len, out, cap, &clen, ws4),
	    0);
	check_guard(out + cap);
	assert_true(clen >= 1 && clen <= cap);

	assert_int_equal(LZ4_decompress_safe((char *)out, (char *)dec,
	    (int)clen, (int)len), (int)len);
	assert_memory_equal(dec, src, len);
	assert_int_equal(lz4_exact(out, clen, len, dec, &declen), 0);
	assert_int_equal(declen, len);
	assert_memory_equal(dec, src, len);

	/* Exactly clen bytes of room suffice, whatever ws held before. */
	again = malloc(clen);
	memset(ws4, 0xFF, HAMMER2_LZ4_WS_BYTES);
	assert_int_equal(hammer2_lz4_compress(src, len, again, clen, &clen2,
	    ws4), 0);
	assert_int_equal(clen2, clen);
	assert_memory_equal(again, out, clen);
	free(again);

	/* One byte less is refused without a write past it. */
	memset(out, GUARDBYTE, clen - 1 + GUARD);
	assert_int_equal(hammer2_lz4_compress(src, len, out, clen - 1,
	    &clen2, ws4), ENOSPC);
	check_guard(out + clen - 1);

	free(src);
	free(ws4);
	free(out);
	free(dec);
	return (clen);
}

/*
 * Every kind of data at the sizes where the format's rules change: too
 * short for any match (up to 12 bytes, and 13), 4 KB and 64 KB
 * neighbours, and the largest allowed input, round-trips.
 */
static void
lz4_encoder_round_trips_at_edge_sizes(void **state)
{
	static const size_t sizes[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
		511, 512, 513, 4095, 4096, 4097, 65535, 65536,
	};
	uint8_t *src = malloc(MAXLEN);
	unsigned seed = 11;
	size_t i;
	int kind;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (kind = 0; kind < 7; kind++) {
			if (kind < 5)
				gen(src, sizes[i], kind, &seed);
			else
				gen_periodic(src, sizes[i], 1 + i % 15,
				    kind == 6, &seed);
			lz4_encode_checked(src, sizes[i]);
		}
	}
	free(src);
}

/* Random sizes of every kind of data round-trip. */
static void
lz4_encoder_round_trips_random_sizes(void **state)
{
	uint8_t *src = malloc(MAXLEN);
	unsigned seed = 1234;
	size_t len;
	int i;

	for (i = 0; i < 400; i++) {
		len = i % 3 == 0 ? (size_t)(rand_r(&seed) % 2048) :
		    (size_t)(rand_r(&seed) % MAXLEN) + 1;
		if (i % 6 == 5)
			gen_periodic(src, len, 1 + (size_t)rand_r(&seed) % 40,
			    1, &seed);
		else
			gen(src, len, i % 5, &seed);
		lz4_encode_checked(src, len);
	}
	free(src);
}

/*
 * Repeats of every period from 1 to 15 bytes (matches closer than
 * their own length, which decoders copy byte by byte or by pattern)
 * round-trip, and a pure repeat filling 64 KB becomes one long match.
 */
static void
lz4_encoder_handles_overlapping_matches(void **state)
{
	static const size_t sizes[] = { 13, 14, 20, 100, 4097, MAXLEN };
	uint8_t *src = malloc(MAXLEN);
	unsigned seed = 77;
	size_t period, i, clen;

	for (period = 1; period <= 15; period++) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			gen_periodic(src, sizes[i], period, 0, &seed);
			clen = lz4_encode_checked(src, sizes[i]);
			if (sizes[i] == MAXLEN)
				assert_true(clen < 512);
			gen_periodic(src, sizes[i], period, 1, &seed);
			lz4_encode_checked(src, sizes[i]);
		}
	}
	free(src);
}

/*
 * Short inputs over a two-letter alphabet are full of matches that run
 * into the end of the block, where a match may not start in the last
 * 12 bytes nor cover the last 5: every length up to 80 round-trips.
 */
static void
lz4_encoder_keeps_end_rules_on_short_inputs(void **state)
{
	uint8_t src[80];
	unsigned seed = 5;
	size_t len, j;
	int i;

	for (i = 0; i < 3000; i++) {
		len = (size_t)i % (sizeof(src) + 1);
		for (j = 0; j < len; j++)
			src[j] = "ab"[rand_r(&seed) % (i % 3 == 0 ? 1 : 2)];
		lz4_encode_checked(src, len);
	}
}

/*
 * Capacities from 0 up to just below the output all give ENOSPC and
 * leave the guard bytes after the capacity untouched; as HAMMER2 calls
 * it (dstcap = pblksize/2 - 8 for a 64 KB block), text fits and random
 * data does not.
 */
static void
lz4_encoder_refuses_short_output(void **state)
{
	uint8_t *src = malloc(MAXLEN), *ws4 = malloc(HAMMER2_LZ4_WS_BYTES);
	size_t cap = (size_t)LZ4_compressBound(MAXLEN);
	uint8_t *out = malloc(cap + GUARD);
	unsigned seed = 3;
	size_t len, clen, full, try;
	int i, kind;

	for (i = 0; i < 50; i++) {
		kind = i % 5;
		len = i < 10 ? (size_t)i * 7 : (size_t)(rand_r(&seed) % MAXLEN);
		gen(src, len, kind, &seed);
		assert_int_equal(hammer2_lz4_compress(src, len, out, cap,
		    &full, ws4), 0);
		for (try = 0; try < full; try += 1 + full / 23) {
			memset(out, GUARDBYTE, try + GUARD);
			assert_int_equal(hammer2_lz4_compress(src, len, out,
			    try, &clen, ws4), ENOSPC);
			check_guard(out + try);
		}
	}

	gen(src, MAXLEN, 1, &seed);
	assert_int_equal(hammer2_lz4_compress(src, MAXLEN, out,
	    MAXLEN / 2 - 8, &clen, ws4), 0);
	assert_true(clen <= MAXLEN / 2 - 8);
	gen(src, MAXLEN, 0, &seed);
	memset(out, GUARDBYTE, MAXLEN / 2 - 8 + GUARD);
	assert_int_equal(hammer2_lz4_compress(src, MAXLEN, out,
	    MAXLEN / 2 - 8, &clen, ws4), ENOSPC);
	check_guard(out + MAXLEN / 2 - 8);
	free(src);
	free(ws4);
	free(out);
}

/* More than 64 KB of input is EINVAL, before any byte is written. */
static void
lz4_encoder_rejects_more_than_64k(void **state)
{
	uint8_t *src = calloc(1, MAXLEN + 1);
	uint8_t *ws4 = malloc(HAMMER2_LZ4_WS_BYTES);
	uint8_t *out = malloc(MAXLEN * 2);
	size_t clen = 12345;

	memset(out, GUARDBYTE, MAXLEN * 2);
	assert_int_equal(hammer2_lz4_compress(src, MAXLEN + 1, out,
	    MAXLEN * 2, &clen, ws4), EINVAL);
	assert_int_equal(clen, 12345);
	check_guard(out);
	free(src);
	free(ws4);
	free(out);
}

/*
 * Loose ratio checks: 64 KB of zeros below 512 bytes, text-like and
 * mixed data within a quarter of LZ4_compress_default's size, random
 * data no larger than liblz4's worst-case bound.
 */
static void
lz4_encoder_ratio_near_liblz4(void **state)
{
	int bound = LZ4_compressBound(MAXLEN);
	uint8_t *src = malloc(MAXLEN), *ws4 = malloc(HAMMER2_LZ4_WS_BYTES);
	uint8_t *out = malloc(bound);
	unsigned seed = 8;
	size_t clen;
	int kind, ref;

	for (kind = 0; kind < 5; kind++) {
		gen(src, MAXLEN, kind, &seed);
		assert_int_equal(hammer2_lz4_compress(src, MAXLEN, out,
		    (size_t)bound, &clen, ws4), 0);
		ref = LZ4_compress_default((char *)src, (char *)out, MAXLEN,
		    bound);
		assert_true(ref > 0);
		print_message("kind %d: ours %zu, liblz4 %d bytes\n", kind,
		    clen, ref);
		if (kind == 3)
			assert_true(clen < 512);
		else if (kind == 0)
			assert_true(clen <= (size_t)bound);
		else
			assert_true(clen <= (size_t)ref + (size_t)ref / 4);
	}
	free(src);
	free(ws4);
	free(out);
}

/*
 * A HAMMER2 LZ4 block built from our encoder's output as the writer
 * builds it (payload at most pblksize/2 - 8 for a 64 KB logical block,
 * 4-byte length prefix, zero padding up to the power-of-2 physical
 * size) decodes to the logical block through hammer2_decompress_block.
 */
static void
lz4_encoder_output_in_hammer2_block(void **state)
{
	uint8_t *src = malloc(MAXLEN), *ws4 = malloc(HAMMER2_LZ4_WS_BYTES);
	uint8_t *phys = calloc(1, MAXLEN / 2), *out = malloc(MAXLEN);
	unsigned seed = 21;
	size_t clen, psize;
	int32_t n;

	gen(src, MAXLEN, 1, &seed);
	assert_int_equal(hammer2_lz4_compress(src, MAXLEN, phys + 4,
	    MAXLEN / 2 - 8, &clen, ws4), 0);
	for (psize = 1024; psize < clen + 4; psize *= 2)
		;
	n = (int32_t)clen;
	memcpy(phys, &n, 4);
	assert_int_equal(hammer2_decompress_block(HAMMER2_ENC_METHODS(3,
	    HAMMER2_COMP_LZ4), phys, psize, out, MAXLEN, ws), 0);
	assert_memory_equal(out, src, MAXLEN);
	free(src);
	free(ws4);
	free(phys);
	free(out);
}

/*
 * Our zlib encoder: whatever it writes, the system zlib's uncompress and
 * our inflate both turn back into the input, for every kind of data,
 * edge sizes and every level; the header is a valid zlib header.
 */
static void
zlib_encoder_round_trips(void **state)
{
	uint8_t *src = malloc(MAXLEN), *wsd = malloc(HAMMER2_DEFLATE_WS_BYTES);
	uint8_t *cmp = malloc(2 * MAXLEN), *out = malloc(MAXLEN);
	static const size_t edge[] = { 0, 1, 2, 3, 4, 5, 258, 259, 260,
	    32767, 32768, 32769, 65535, 65536 };
	unsigned seed = 77;
	size_t len, clen, outlen;
	uLongf zlen;
	int i, level;

	memset(wsd, 0x5A, HAMMER2_DEFLATE_WS_BYTES);	/* stale scratch */
	for (i = 0; i < 200; i++) {
		len = i < 14 * 5 ? edge[i / 5] :
		    (size_t)(rand_r(&seed) % MAXLEN) + 1;
		level = 6 + i % 4;
		gen(src, len, i % 5, &seed);
		assert_int_equal(hammer2_zlib_deflate(src, len, cmp,
		    2 * MAXLEN, level, &clen, wsd), 0);
		assert_true(clen >= 6);
		assert_int_equal(cmp[0], 0x78);
		assert_int_equal(((cmp[0] << 8) | cmp[1]) % 31, 0);
		zlen = MAXLEN;
		assert_int_equal(uncompress(out, &zlen, cmp, clen), Z_OK);
		assert_int_equal(zlen, len);
		assert_memory_equal(out, src, len);
		memset(out, 0xEE, MAXLEN);
		assert_int_equal(hammer2_zlib_inflate(cmp, clen, out, MAXLEN,
		    &outlen, ws), 0);
		assert_int_equal(outlen, len);
		assert_memory_equal(out, src, len);
	}
	free(src);
	free(wsd);
	free(cmp);
	free(out);
}

/*
 * Skewed symbol statistics (one byte value almost everywhere, a few
 * rare ones, long runs and 258-byte matches) need code lengths limited
 * to 15 and complete codes; zlib's inflate rejects anything else.
 */
static void
zlib_encoder_handles_skewed_codes(void **state)
{
	uint8_t *src = malloc(MAXLEN), *wsd = malloc(HAMMER2_DEFLATE_WS_BYTES);
	uint8_t *cmp = malloc(2 * MAXLEN), *out = malloc(MAXLEN);
	size_t clen, i, j, k;
	uLongf zlen;
	unsigned seed = 5;
	int v;

	for (v = 0; v < 6; v++) {
		/* Fibonacci-like counts of byte values: deep trees. */
		for (i = 0, j = 1, k = 1; i < MAXLEN; ) {
			size_t run = j, t;

			for (t = 0; t < run && i < MAXLEN; t++)
				src[i++] = (uint8_t)(k % 256);
			t = j + k;
			k = j;
			j = t > 4096 ? 1 + (size_t)rand_r(&seed) % 3 : t;
			if (v & 1)
				src[i - 1] ^= (uint8_t)rand_r(&seed);
		}
		if (v >= 4)
			for (i = 0; i < MAXLEN; i += 1 + rand_r(&seed) % 97)
				src[i] = (uint8_t)rand_r(&seed);
		assert_int_equal(hammer2_zlib_deflate(src, MAXLEN, cmp,
		    2 * MAXLEN, 6 + v % 4, &clen, wsd), 0);
		zlen = MAXLEN;
		assert_int_equal(uncompress(out, &zlen, cmp, clen), Z_OK);
		assert_int_equal(zlen, MAXLEN);
		assert_memory_equal(out, src, MAXLEN);
	}
	free(src);
	free(wsd);
	free(cmp);
	free(out);
}

/* Too small an output is ENOSPC, and nothing is written past it. */
static void
zlib_encoder_refuses_short_output(void **state)
{
	uint8_t *src = malloc(MAXLEN), *wsd = malloc(HAMMER2_DEFLATE_WS_BYTES);
	uint8_t *out = malloc(2 * MAXLEN + GUARD);
	unsigned seed = 9;
	size_t len, full, clen, try;
	int i;

	for (i = 0; i < 30; i++) {
		len = (size_t)(rand_r(&seed) % MAXLEN);
		gen(src, len, i % 5, &seed);
		assert_int_equal(hammer2_zlib_deflate(src, len, out,
		    2 * MAXLEN, 6, &full, wsd), 0);
		for (try = 0; try < full; try += 1 + full / 17) {
			memset(out, GUARDBYTE, try + GUARD);
			assert_int_equal(hammer2_zlib_deflate(src, len, out,
			    try, 6, &clen, wsd), ENOSPC);
			check_guard(out + try);
		}
		assert_int_equal(hammer2_zlib_deflate(src, len, out, full, 6,
		    &clen, wsd), 0);
		assert_int_equal(clen, full);
	}
	assert_int_equal(hammer2_zlib_deflate(src, MAXLEN + 1, out, MAXLEN,
	    6, &clen, wsd), EINVAL);
	free(src);
	free(wsd);
	free(out);
}

/*
 * Ratio: within 10% of the system zlib's size at the same level on
 * compressible data, and zeros below 200 bytes.
 */
static void
zlib_encoder_ratio_near_zlib(void **state)
{
	uint8_t *src = malloc(MAXLEN), *wsd = malloc(HAMMER2_DEFLATE_WS_BYTES);
	uint8_t *out = malloc(2 * MAXLEN);
	unsigned seed = 12;
	size_t clen;
	uLongf ref;
	int kind, level;

	for (kind = 1; kind < 5; kind++) {
		gen(src, MAXLEN, kind, &seed);
		for (level = 6; level <= 9; level += 3) {
			assert_int_equal(hammer2_zlib_deflate(src, MAXLEN, out,
			    2 * MAXLEN, level, &clen, wsd), 0);
			ref = 2 * MAXLEN;
			assert_int_equal(compress2(out, &ref, src, MAXLEN,
			    level), Z_OK);
			print_message("kind %d level %d: ours %zu, zlib %lu "
			    "bytes\n", kind, level, clen, (unsigned long)ref);
			if (kind == 3)
				assert_true(clen < 200);
			else
				assert_true(clen <= ref + ref / 10);
		}
	}
	free(src);
	free(wsd);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lz4_matches_liblz4),
		cmocka_unit_test(lz4_exact_size_output),
		cmocka_unit_test(zlib_matches_system_zlib),
		cmocka_unit_test(block_framing_decodes),
		cmocka_unit_test(damaged_streams_fail_cleanly),
		cmocka_unit_test(lz4_encoder_round_trips_at_edge_sizes),
		cmocka_unit_test(lz4_encoder_round_trips_random_sizes),
		cmocka_unit_test(lz4_encoder_handles_overlapping_matches),
		cmocka_unit_test(lz4_encoder_keeps_end_rules_on_short_inputs),
		cmocka_unit_test(lz4_encoder_refuses_short_output),
		cmocka_unit_test(lz4_encoder_rejects_more_than_64k),
		cmocka_unit_test(lz4_encoder_ratio_near_liblz4),
		cmocka_unit_test(lz4_encoder_output_in_hammer2_block),
		cmocka_unit_test(zlib_encoder_round_trips),
		cmocka_unit_test(zlib_encoder_handles_skewed_codes),
		cmocka_unit_test(zlib_encoder_refuses_short_output),
		cmocka_unit_test(zlib_encoder_ratio_near_zlib),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
