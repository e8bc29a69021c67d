/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_hash_test.c - the check-code primitives against known vectors:
 * CRC-32C (iSCSI), XXH64 (canonical and with HAMMER2's seed, values from
 * an independent implementation), SHA-256 (FIPS 180 examples), the
 * SHA192 fold, the directory hash (keys seen on real images), and
 * hammer2_check_verify for every method.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "h2test.h"

static uint8_t pattern[1000];

static void
fill_pattern(void)
{
	int i;

	for (i = 0; i < 1000; i++)
		pattern[i] = (uint8_t)(i * 7 + 3);
}

static void
hexdigest(const uint8_t *d, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/* CRC-32C matches the iSCSI check values and chains piecewise. */
static void
crc32c_known_vectors(void **state)
{
	uint8_t zero[512];
	uint32_t c;

	memset(zero, 0, sizeof(zero));
	assert_int_equal(hammer2_icrc32c("123456789", 9, 0), 0xE3069283);
	assert_int_equal(hammer2_icrc32c("", 0, 0), 0);
	assert_int_equal(hammer2_icrc32c(zero, 512, 0), 0x30FCEDC0);
	fill_pattern();
	assert_int_equal(hammer2_icrc32c(pattern, 1000, 0), 0xdd2edff7);
	c = hammer2_icrc32c(pattern, 333, 0);
	c = hammer2_icrc32c(pattern + 333, 1000 - 333, c);
	assert_int_equal(c, 0xdd2edff7);
}

/* XXH64 matches the canonical and HAMMER2-seeded reference values. */
static void
xxh64_known_vectors(void **state)
{
	static const struct {
		size_t		len;
		uint64_t	h;
	} v[] = {
		{ 0, 0x84566ac0f5a0cb84ULL }, { 1, 0x119fe6c5281d574ULL },
		{ 3, 0x383e3adef7f18d06ULL }, { 4, 0xdff7b43dbb9dc84aULL },
		{ 7, 0x659f10a3e2617adfULL }, { 8, 0xdbe6b8e2d8775c80ULL },
		{ 15, 0x65a0490257507b3eULL }, { 31, 0x157b97ce6b597395ULL },
		{ 32, 0x8cfa3043bdddb401ULL }, { 33, 0x148b86ea35235389ULL },
		{ 63, 0xda5b410c1fe93369ULL }, { 64, 0xae613104364c56e9ULL },
		{ 100, 0xcf8feeaa9672214ULL }, { 1000, 0x77ccd9baf1e8788dULL },
	};
	uint8_t zero[1024];
	size_t i;

	fill_pattern();
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(hammer2_xxh64(pattern, v[i].len,
		    HAMMER2_XXH64_SEED), v[i].h);
	memset(zero, 0, sizeof(zero));
	assert_int_equal(hammer2_xxh64(zero, 1024, HAMMER2_XXH64_SEED),
	    0xA85F7F8931B8CF1EULL);
	assert_int_equal(hammer2_xxh64("", 0, 0), 0xEF46DB3751D8E999ULL);
	assert_int_equal(hammer2_xxh64("abc", 3, 0), 0x44BC2CF5AD770999ULL);
	/* Unaligned input gives the same result. */
	memcpy(zero + 1, pattern, 100);
	assert_int_equal(hammer2_xxh64(zero + 1, 100, HAMMER2_XXH64_SEED),
	    0xcf8feeaa9672214ULL);
}

/* SHA-256 matches the FIPS 180 examples, one-shot and incremental. */
static void
sha256_known_vectors(void **state)
{
	struct hammer2_sha256_ctx ctx;
	uint8_t d[32], *buf;
	char hex[65];
	size_t i;

	hammer2_sha256("", 0, d);
	hexdigest(d, 32, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	hammer2_sha256("abc", 3, d);
	hexdigest(d, 32, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	hammer2_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmno"
	    "mnopnopq", 56, d);
	hexdigest(d, 32, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1");

	buf = malloc(1000000);
	memset(buf, 'a', 1000000);
	hammer2_sha256(buf, 1000000, d);
	hexdigest(d, 32, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
	/* Odd-sized pieces give the same digest. */
	hammer2_sha256_init(&ctx);
	for (i = 0; i < 1000000; i += 777)
		hammer2_sha256_update(&ctx, buf + i,
		    1000000 - i < 777 ? 1000000 - i : 777);
	hammer2_sha256_final(&ctx, d);
	hexdigest(d, 32, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
	free(buf);
}

/* Directory hashes equal the keys found on DragonFly-made images. */
static void
dirhash_matches_image_keys(void **state)
{
	static const struct {
		const char	*name;
		uint64_t	 h;
	} v[] = {
		{ "DATA", 0xC78FFF92381D8000ULL },
		{ "LOCAL", 0xDE25E1C43FE18000ULL },
		{ "BOOT", 0xD9B36CE135528000ULL },
		{ "ROOT", 0xB0D7DDDC6D0B8000ULL },
		{ "subdir", 0xB6774837FE408000ULL },
		{ "hello.txt", 0xD6E8905688708000ULL },
		{ "a", 0xC1D0433082E08000ULL },
		{ "SNAP1", 0xCCEB0C5F40B48000ULL },
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(hammer2_dirhash(v[i].name,
		    strlen(v[i].name)), v[i].h);
}

/* Every check method verifies its own code and rejects one bit flip. */
static void
check_verify_each_method(void **state)
{
	static const int methods[] = {
		HAMMER2_CHECK_ISCSI32, HAMMER2_CHECK_XXHASH64,
		HAMMER2_CHECK_SHA192, HAMMER2_CHECK_FREEMAP,
	};
	struct hammer2_blockref bref;
	struct hammer2_check_result res;
	uint8_t buf[1000];
	char hex[49];
	size_t i;

	fill_pattern();
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		memcpy(buf, pattern, sizeof(buf));
		memset(&bref, 0, sizeof(bref));
		bref.methods = HAMMER2_ENC_METHODS(methods[i], 0);
		assert_int_equal(hammer2_check_compute(&bref, buf, 1000), 0);
		assert_int_equal(hammer2_check_verify(&bref, buf, 1000, &res),
		    0);
		assert_int_equal(res.method, methods[i]);
		buf[500] ^= 0x10;
		assert_int_equal(hammer2_check_verify(&bref, buf, 1000, &res),
		    EIO);
		assert_memory_not_equal(res.expected, res.computed, res.len);
	}
	/* SHA192 is SHA-256 with the third word folded with the fourth. */
	memset(&bref, 0, sizeof(bref));
	bref.methods = HAMMER2_ENC_METHODS(HAMMER2_CHECK_SHA192, 0);
	hammer2_check_compute(&bref, pattern, 1000);
	hexdigest(bref.check.sha192.data, 24, hex);
	assert_string_equal(hex,
	    "1e9bc38cbf860b9ec31918b065f9b5247d28c544046dc4e8");
	/* NONE passes anything; an unknown method is corruption. */
	bref.methods = HAMMER2_ENC_METHODS(HAMMER2_CHECK_NONE, 0);
	assert_int_equal(hammer2_check_verify(&bref, buf, 1000, NULL), 0);
	bref.methods = HAMMER2_ENC_METHODS(9, 0);
	assert_int_equal(hammer2_check_verify(&bref, buf, 1000, NULL),
	    EUCLEAN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crc32c_known_vectors),
		cmocka_unit_test(xxh64_known_vectors),
		cmocka_unit_test(sha256_known_vectors),
		cmocka_unit_test(dirhash_matches_image_keys),
		cmocka_unit_test(check_verify_each_method),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
