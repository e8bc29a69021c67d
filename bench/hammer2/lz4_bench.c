/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lz4_bench.c - our LZ4 block encoder (hammer2_lz4_compress) against
 * the host anchor, liblz4's LZ4_compress_default, in the same run, on
 * 64 KB blocks as HAMMER2 compresses them: pseudo-text (a fixed-seed
 * mix of words, numbers and punctuation), random bytes, and the files
 * named on the command line cut into 64 KB blocks (bench/hammer2/run.sh
 * passes this tree's own sources).  Each data set is 1 MiB or less of
 * blocks; one run compresses them all REPS times with one encoder; the
 * encoders alternate over RUNS runs (environment, default 7) and each
 * cell is the median.  Before timing, every block our encoder writes is
 * decoded by LZ4_decompress_safe and compared.  Prints one table.
 * Never a test: the machine is shared and timings vary.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lz4.h>

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

static uint8_t ws[HAMMER2_LZ4_WS_BYTES];
static uint8_t out[NBLK][BLK + BLK / 255 + 16];
static size_t outlen[NBLK];

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

static void
enc_ours(const struct dataset *d)
{
	size_t b;

	for (b = 0; b < d->nblk; b++) {
		if (hammer2_lz4_compress(d->data + b * BLK, BLK, out[b],
		    sizeof(out[b]), &outlen[b], ws) != 0) {
			fprintf(stderr, "lz4_bench: encoder failed\n");
			exit(1);
		}
	}
}

static void
enc_liblz4(const struct dataset *d)
{
	size_t b;
	int n;

	for (b = 0; b < d->nblk; b++) {
		n = LZ4_compress_default((const char *)d->data + b * BLK,
		    (char *)out[b], BLK, (int)sizeof(out[b]));
		if (n <= 0) {
			fprintf(stderr, "lz4_bench: liblz4 failed\n");
			exit(1);
		}
		outlen[b] = (size_t)n;
	}
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

/* Decode every block our encoder wrote with liblz4; exit on mismatch. */
static void
verify(const struct dataset *d)
{
	static char dec[BLK];
	size_t b;

	enc_ours(d);
	for (b = 0; b < d->nblk; b++) {
		if (LZ4_decompress_safe((const char *)out[b], dec,
		    (int)outlen[b], BLK) != BLK ||
		    memcmp(dec, d->data + b * BLK, BLK) != 0) {
			fprintf(stderr, "lz4_bench: %s block %zu does not "
			    "round-trip\n", d->name, b);
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
	enc_liblz4(d);
	lsz = total_out(d);
	for (r = 0; r < runs; r++) {
		if (r % 2 == 0) {
			ours[r] = run_ns(enc_ours, d);
			lib[r] = run_ns(enc_liblz4, d);
		} else {
			lib[r] = run_ns(enc_liblz4, d);
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

	printf("LZ4 block compression, 64 KB blocks: hammer2_lz4_compress "
	    "vs liblz4 %s\nLZ4_compress_default (host anchor), median of "
	    "%d runs; ratio = output/input; anchor/ours = liblz4's MB/s "
	    "over ours\n", LZ4_versionString(), runs);
	printf("| %-16s | %6s | %8s | %8s | %9s | %9s | %7s |\n", "data",
	    "blocks", "ratio", "ratio", "MB/s", "MB/s", "anchor");
	printf("| %-16s | %6s | %8s | %8s | %9s | %9s | %7s |\n", "",
	    "", "ours", "liblz4", "ours", "liblz4", "/ ours");
	printf("|%s|%s|%s|%s|%s|%s|%s|\n", "------------------", "--------",
	    "----------", "----------", "-----------", "-----------",
	    "---------");
	for (i = 0; i < 3; i++)
		if (sets[i].nblk > 0)
			row(&sets[i], runs);
	return (0);
}
