/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_sha256.c - SHA-256 (FIPS 180-4), the base of HAMMER2's
 * SHA192 check method (format 9.3: the 32-byte digest folded to 24
 * bytes by hammer2_check.c).  Written for clarity over speed: sha192 is
 * a rarely used check method.
 *
 * Locking: none; the context belongs to the caller.
 */
#include <sys/types.h>
#include <string.h>

#include <fs/hammer2/hammer2.h>

/* First 32 bits of the fractional parts of the cube roots of primes. */
static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
	0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
	0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
	0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t
ror32(uint32_t v, int r)
{
	return ((v >> r) | (v << (32 - r)));
}

static inline uint32_t
get_be32(const uint8_t *p)
{
	return (((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | (uint32_t)p[3]);
}

static inline void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Process one 64-byte block into the state. */
static void
sha256_block(uint32_t state[8], const uint8_t *blk)
{
	uint32_t w[64];
	uint32_t a, b, c, d, e, f, g, h, t1, t2, s0, s1;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = get_be32(blk + 4 * i);
	for (i = 16; i < 64; i++) {
		s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^
		    (w[i - 15] >> 3);
		s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^
		    (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}

	a = state[0]; b = state[1]; c = state[2]; d = state[3];
	e = state[4]; f = state[5]; g = state[6]; h = state[7];
	for (i = 0; i < 64; i++) {
		s1 = ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25);
		t1 = h + s1 + ((e & f) ^ (~e & g)) + sha256_k[i] + w[i];
		s0 = ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22);
		t2 = s0 + ((a & b) ^ (a & c) ^ (b & c));
		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	state[0] += a; state[1] += b; state[2] += c; state[3] += d;
	state[4] += e; state[5] += f; state[6] += g; state[7] += h;
}

/* hammer2_sha256_init - start a digest.  Context: any. */
void
hammer2_sha256_init(struct hammer2_sha256_ctx *ctx)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(ctx->state, iv, sizeof(iv));
	ctx->total = 0;
	ctx->blen = 0;
}

/* hammer2_sha256_update - hash len more bytes.  Context: any. */
void
hammer2_sha256_update(struct hammer2_sha256_ctx *ctx, const void *buf,
    size_t len)
{
	const uint8_t *p = buf;
	size_t n;

	ctx->total += len;
	if (ctx->blen > 0) {
		n = MIN(len, sizeof(ctx->block) - ctx->blen);
		memcpy(ctx->block + ctx->blen, p, n);
		ctx->blen += n;
		p += n;
		len -= n;
		if (ctx->blen < sizeof(ctx->block))
			return;
		sha256_block(ctx->state, ctx->block);
		ctx->blen = 0;
	}
	while (len >= 64) {
		sha256_block(ctx->state, p);
		p += 64;
		len -= 64;
	}
	if (len > 0) {
		memcpy(ctx->block, p, len);
		ctx->blen = len;
	}
}

/*
 * hammer2_sha256_final - pad, finish and write the 32-byte digest.  The
 * context must be initialised again before reuse.  Context: any.
 */
void
hammer2_sha256_final(struct hammer2_sha256_ctx *ctx, uint8_t digest[32])
{
	uint64_t bits = ctx->total * 8;
	int i;

	ctx->block[ctx->blen++] = 0x80;
	if (ctx->blen > 56) {
		memset(ctx->block + ctx->blen, 0, 64 - ctx->blen);
		sha256_block(ctx->state, ctx->block);
		ctx->blen = 0;
	}
	memset(ctx->block + ctx->blen, 0, 56 - ctx->blen);
	for (i = 0; i < 8; i++)
		ctx->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_block(ctx->state, ctx->block);
	for (i = 0; i < 8; i++)
		put_be32(digest + 4 * i, ctx->state[i]);
}

/* hammer2_sha256 - one-shot digest of buf.  Context: any. */
void
hammer2_sha256(const void *buf, size_t len, uint8_t digest[32])
{
	struct hammer2_sha256_ctx ctx;

	hammer2_sha256_init(&ctx);
	hammer2_sha256_update(&ctx, buf, len);
	hammer2_sha256_final(&ctx, digest);
}
