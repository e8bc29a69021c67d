/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_check.c - check codes of blocks (format 3.4, 3.7, 9): compute
 * the code a blockref's check method asks for over a block's physical
 * bytes, and compare it with the one the blockref stores.  Every block
 * the core reads passes through hammer2_check_verify() before any of
 * its bytes is used.
 *
 * Locking: none; pure functions over caller memory.
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>

#include <fs/hammer2/hammer2.h>

/*
 * SHA192: SHA-256, then the third 64-bit word (host order) is XORed
 * with the fourth and the first 24 bytes are kept.
 */
static void
check_sha192(const void *data, size_t len, uint8_t out[24])
{
	uint8_t digest[32];
	uint64_t w2, w3;

	hammer2_sha256(data, len, digest);
	memcpy(&w2, digest + 16, 8);
	memcpy(&w3, digest + 24, 8);
	w2 ^= w3;
	memcpy(digest + 16, &w2, 8);
	memcpy(out, digest, 24);
}

/*
 * Compute the code for method over data into out; *lenp gets the number
 * of meaningful bytes.  Returns EUCLEAN for an unknown method.
 */
static int
check_code(int method, const void *data, size_t len, uint8_t out[24],
    int *lenp)
{
	uint32_t crc;
	uint64_t xxh;

	memset(out, 0, 24);
	switch (method) {
	case HAMMER2_CHECK_NONE:
	case HAMMER2_CHECK_DISABLED:
		*lenp = 0;
		return (0);
	case HAMMER2_CHECK_ISCSI32:
	case HAMMER2_CHECK_FREEMAP:
		crc = hammer2_icrc32c(data, len, 0);
		memcpy(out, &crc, 4);
		*lenp = 4;
		return (0);
	case HAMMER2_CHECK_XXHASH64:
		xxh = hammer2_xxh64(data, len, HAMMER2_XXH64_SEED);
		memcpy(out, &xxh, 8);
		*lenp = 8;
		return (0);
	case HAMMER2_CHECK_SHA192:
		check_sha192(data, len, out);
		*lenp = 24;
		return (0);
	default:
		*lenp = 0;
		return (EUCLEAN);
	}
}

int
hammer2_check_verify(const struct hammer2_blockref *bref, const void *data,
    size_t len, struct hammer2_check_result *res)
{
	struct hammer2_check_result local;
	int error;

	if (res == NULL)
		res = &local;
	res->method = HAMMER2_DEC_CHECK(bref->methods);
	error = check_code(res->method, data, len, res->computed, &res->len);
	memset(res->expected, 0, sizeof(res->expected));
	if (error != 0)
		return (error);
	memcpy(res->expected, bref->check.buf, (size_t)res->len);
	if (memcmp(res->expected, res->computed, (size_t)res->len) != 0)
		return (EIO);
	return (0);
}

int
hammer2_check_compute(struct hammer2_blockref *bref, const void *data,
    size_t len)
{
	uint8_t code[24];
	int clen, error;

	error = check_code(HAMMER2_DEC_CHECK(bref->methods), data, len, code,
	    &clen);
	if (error != 0)
		return (error);
	memcpy(bref->check.buf, code, (size_t)clen);
	return (0);
}
