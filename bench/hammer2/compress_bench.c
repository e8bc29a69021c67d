/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * compress_bench.c - our encoders against the host anchors in the same
 * run: the LZ4 block encoder (hammer2_lz4_compress) against liblz4's
 * LZ4_compress_default, and the zlib encoder (hammer2_zlib_deflate) at
 * levels 6 and 9 against zlib's compress2 at the same level, on 64 KB
 * blocks as HAMMER2 compresses them: pseudo-text (a fixed-seed
 * mix of words, numbers and punctuation), random bytes, and the files
 * named on the command line cut into 64 KB blocks (bench/hammer2/run.sh
 * passes this tree's own sources).  Each data set is 1 MiB or less of
 * blocks; one run compresses them all REPS times with one encoder; the
 * encoders alternate over RUNS runs (environment, default 7) and each
 * cell is the median.  Before timing, every block our encoder writes is
 * decoded by the system library (LZ4_decompress_safe, uncompress) and
 * compared.  Prints one table per codec.
 * Never a test: the machine is shared and timings vary.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lz4.h>
#include <zlib.h>

#include <fs/hammer2/hammer2.h>

#include "../anchors/anchor_clock.h"

#define BLK	65536
#define NBLK	16		/* blocks per data set */
#define REPS	8		/* passes over the set per run */
#define MAXRUNS	31

struct dataset {
	const char	*name;
	uint8_t		*data;
	size_t		 nblk;
};

static uint8_t ws[HAMMER2_DEFLATE_WS_BYTES];
static uint8_t out[NBLK][2 * BLK];
static size_t outlen[NBLK];

/* One encoder: 0 and *outlen, or nonzero. */
typedef int (*encoder_fn)(const uint8_t *src, uint8_t *dst, size_t cap,
    int level, size_t *outlen);
/* One decoder of the system library: 0 when dst holds BLK bytes. */
typedef int (*decoder_fn)(const uint8_t *src, size_t len, uint8_t *dst);

struct codec {
	const char	*name;
	int		 level;
	encoder_fn	 ours, lib;
	decoder_fn	 check;
};

static uint32_t
rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return ((uint32_t)(*s >> 33));
}

/* Words, numbers and punctuation, a few words much likelier than most. */
static void
gen_text(uint8_t *p, size_t len, uint64_t *s)
{
	static const char *words[] = {
		"the", "of", "and", "a", "to", "in", "is", "block", "inode",
		"chain", "flush", "freemap", "volume", "header", "mirror",
		"transaction", "snapshot", "directory", "hammer2", "data",
		"compression", "checksum", "radix", "indirect", "allocator",
		"lookup", "cluster", "bulkfree", "dedup", "media", "offset",
		"key", "that", "with", "for", "this", "when", "each", "from",
	};
	const size_t nwords = sizeof(words) / sizeof(words[0]);
	size_t i = 0, n;
	char tmp[32];
	uint32_t r;

	while (i < len) {
		r = rnd(s);
		if (r % 13 == 0)
			n = (size_t)snprintf(tmp, sizeof(tmp), "%u ",
			    (unsigned)(r >> 8) % 100000);
		else if (r % 17 == 0)
			n = (size_t)snprintf(tmp, sizeof(tmp), ".\n");
		else
			n = (size_t)snprintf(tmp, sizeof(tmp), "%s%s",
			    words[(r >> 4) % 8 < 5 ? (r >> 8) % 8 :
			    (r >> 8) % nwords], r % 11 == 0 ? ", " : " ");
		if (n > len - i)
			n = len - i;
		memcpy(p + i, tmp, n);
		i += n;
	}
}

/* The named files, concatenated, cut to at most NBLK whole blocks. */
static size_t
load_files(uint8_t *p, int argc, char **argv)
{
	size_t have = 0, n;
	FILE *f;
	int i;

	for (i = 0; i < argc && have < NBLK * BLK; i++) {
		if ((f = fopen(argv[i], "rb")) == NULL)
			continue;
		n = fread(p + have, 1, NBLK * BLK - have, f);
		have += n;
		fclose(f);
	}
	return (have / BLK);
}

static int
lz4_ours(const uint8_t *src, uint8_t *dst, size_t cap, int level,
    size_t *outlen)
{
	(void)level;
	return (hammer2_lz4_compress(src, BLK, dst, cap, outlen, ws));
}

static int
lz4_lib(const uint8_t *src, uint8_t *dst, size_t cap, int level,
    size_t *outlen)
{
	int n = LZ4_compress_default((const char *)src, (char *)dst, BLK,
	    (int)cap);

	(void)level;
	*outlen = (size_t)n;
	return (n <= 0);
}

static int
lz4_check(const uint8_t *src, size_t len, uint8_t *dst)
{
	return (LZ4_decompress_safe((const char *)src, (char *)dst, (int)len,
	    BLK) != BLK);
}

static int
zlib_ours(const uint8_t *src, uint8_t *dst, size_t cap, int level,
    size_t *outlen)
{
	return (hammer2_zlib_deflate(src, BLK, dst, cap, level, outlen, ws));
}

static int
zlib_lib(const uint8_t *src, uint8_t *dst, size_t cap, int level,
    size_t *outlen)
{
	uLongf n = cap;
	int error = compress2(dst, &n, src, BLK, level);

	*outlen = n;
	return (error != Z_OK);
}

static int
zlib_check(const uint8_t *src, size_t len, uint8_t *dst)
{
	uLongf n = BLK;

	return (uncompress(dst, &n, src, len) != Z_OK || n != BLK);
}

static const struct codec *cur;	/* what enc_ours/enc_lib run */

static void
enc_with(encoder_fn fn, const struct dataset *d)
{
	size_t b;

	for (b = 0; b < d->nblk; b++) {
		if (fn(d->data + b * BLK, out[b], sizeof(out[b]), cur->level,
		    &outlen[b]) != 0) {
			fprintf(stderr, "compress_bench: %s encoder failed\n",
			    cur->name);
			exit(1);
		}
	}
}

static void
enc_ours(const struct dataset *d)
{
	enc_with(cur->ours, d);
}

static void
enc_lib(const struct dataset *d)
{
	enc_with(cur->lib, d);
}

/* Total output bytes of one pass. */
static size_t
total_out(const struct dataset *d)
{
	size_t b, sum = 0;

	for (b = 0; b < d->nblk; b++)
		sum += outlen[b];
	return (sum);
}

/* Decode every block our encoder wrote with the system library. */
static void
verify(const struct dataset *d)
{
	static uint8_t dec[BLK];
	size_t b;

	enc_ours(d);
	for (b = 0; b < d->nblk; b++) {
		if (cur->check(out[b], outlen[b], dec) != 0 ||
		    memcmp(dec, d->data + b * BLK, BLK) != 0) {
			fprintf(stderr, "compress_bench: %s: %s block %zu "
			    "does not round-trip\n", cur->name, d->name, b);
			exit(1);
		}
	}
}

static double
run_ns(void (*enc)(const struct dataset *), const struct dataset *d)
{
	uint64_t t0 = anchor_now_ns();
	int r;

	for (r = 0; r < REPS; r++)
		enc(d);
	return ((double)(anchor_now_ns() - t0));
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

static void
row(const struct dataset *d, int runs)
{
	double ours[MAXRUNS], lib[MAXRUNS], bytes, mo, ml;
	size_t osz, lsz;
	int r;

	verify(d);
	osz = total_out(d);
	enc_lib(d);
	lsz = total_out(d);
	for (r = 0; r < runs; r++) {
		if (r % 2 == 0) {
			ours[r] = run_ns(enc_ours, d);
			lib[r] = run_ns(enc_lib, d);
		} else {
			lib[r] = run_ns(enc_lib, d);
			ours[r] = run_ns(enc_ours, d);
		}
	}
	bytes = (double)d->nblk * BLK * REPS;
	mo = bytes / median(ours, runs) * 1e9 / 1e6;
	ml = bytes / median(lib, runs) * 1e9 / 1e6;
	printf("| %-16s | %6zu | %8.3f | %8.3f | %9.0f | %9.0f | %6.2fx |\n",
	    d->name, d->nblk, (double)osz / (d->nblk * BLK),
	    (double)lsz / (d->nblk * BLK), mo, ml, ml / mo);
}

int
main(int argc, char **argv)
{
	static uint8_t text[NBLK * BLK], rand_[NBLK * BLK], files[NBLK * BLK];
	struct dataset sets[3] = {
		{ "pseudo-text", text, NBLK },
		{ "random", rand_, NBLK },
		{ "source files", files, 0 },
	};
	const char *env = getenv("RUNS");
	uint64_t s = 2026;
	int runs = env != NULL ? atoi(env) : 7, i;
	size_t j;

	if (runs < 1)
		runs = 1;
	if (runs > MAXRUNS)
		runs = MAXRUNS;
	gen_text(text, sizeof(text), &s);
	for (j = 0; j < sizeof(rand_); j++)
		rand_[j] = (uint8_t)rnd(&s);
	sets[2].nblk = load_files(files, argc - 1, argv + 1);

	static const struct codec codecs[] = {
		{ "LZ4", 0, lz4_ours, lz4_lib, lz4_check },
		{ "zlib level 6", 6, zlib_ours, zlib_lib, zlib_check },
		{ "zlib level 9", 9, zlib_ours, zlib_lib, zlib_check },
	};
	char anchor[64];
	size_t c;

	for (c = 0; c < sizeof(codecs) / sizeof(codecs[0]); c++) {
		cur = &codecs[c];
		if (c == 0)
			snprintf(anchor, sizeof(anchor), "liblz4 %s",
			    LZ4_versionString());
		else
			snprintf(anchor, sizeof(anchor), "zlib %s",
			    zlibVersion());
		printf("%s%s, 64 KB blocks: ours vs %s (host anchor), median "
		    "of %d runs; ratio = output/input; anchor/ours = the "
		    "anchor's MB/s over ours\n", c ? "\n" : "", cur->name,
		    anchor, runs);
		printf("| %-16s | %6s | %8s | %8s | %9s | %9s | %7s |\n",
		    "data", "blocks", "ratio", "ratio", "MB/s", "MB/s",
		    "anchor");
		printf("| %-16s | %6s | %8s | %8s | %9s | %9s | %7s |\n", "",
		    "", "ours", "anchor", "ours", "anchor", "/ ours");
		printf("|%s|%s|%s|%s|%s|%s|%s|\n", "------------------",
		    "--------", "----------", "----------", "-----------",
		    "-----------", "---------");
		for (i = 0; i < 3; i++)
			if (sets[i].nblk > 0)
				row(&sets[i], runs);
	}
	return (0);
}
