/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * newfs_hammer2.c - `newfs_hammer2 [-L LABEL]... [-C CHECK] [-c COMP]
 * [-s SIZE] IMAGE`: make an empty HAMMER2 file system in an image file
 * or a block device.  This is argument parsing and file I/O only; the
 * format itself is written by the core (fs/hammer2/hammer2_newfs.c)
 * through write/zero/flush callbacks.  A missing image is created
 * sparse with ftruncate (then -s is required); an existing file smaller
 * than -s is grown.  Exit status 0 on success, 1 on an error, 2 on bad
 * usage.  docs/tools.md is the manual.
 */
#include <sys/stat.h>
#include <sys/random.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <fs/hammer2/hammer2.h>
#include <fs/hammer2/hammer2_newfs.h>

#define EXIT_USAGE	2

static const char *progname = "newfs_hammer2";

/* Bad usage: one line on stderr (the reason, or the synopsis), exit 2. */
static void
usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "%s: %s (usage: %s [-L label]... [-C check] "
		    "[-c comp] [-s size] image)\n", progname, why, progname);
	else
		fprintf(stderr, "usage: %s [-L label]... [-C check] "
		    "[-c comp] [-s size] image\n", progname);
	exit(EXIT_USAGE);
}

/* SIZE: a number with an optional k, m, g or t suffix (powers of 2). */
static int
parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	if (*s < '0' || *s > '9')
		return (EINVAL);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return (EINVAL);
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	case 't': case 'T':
		shift = 40;
		break;
	default:
		return (EINVAL);
	}
	if (*end != '\0' && end[1] != '\0')
		return (EINVAL);
	if (shift != 0 && v > (UINT64_MAX >> shift))
		return (EINVAL);
	*out = (uint64_t)v << shift;
	return (0);
}

static int
parse_check(const char *s)
{
	static const struct { const char *n; int v; } t[] = {
		{ "none", HAMMER2_CHECK_NONE },
		{ "disabled", HAMMER2_CHECK_DISABLED },
		{ "crc32", HAMMER2_CHECK_ISCSI32 },
		{ "iscsi32", HAMMER2_CHECK_ISCSI32 },
		{ "xxhash64", HAMMER2_CHECK_XXHASH64 },
		{ "sha192", HAMMER2_CHECK_SHA192 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcasecmp(s, t[i].n) == 0)
			return (t[i].v);
	return (-1);
}

/* COMP: none, autozero, lz4 or zlib[:LEVEL] (level 1..9). */
static int
parse_comp(const char *s)
{
	const char *colon = strchr(s, ':');
	size_t n = colon != NULL ? (size_t)(colon - s) : strlen(s);
	int algo, level = 0;

	if (n == 4 && strncasecmp(s, "none", 4) == 0)
		algo = HAMMER2_COMP_NONE;
	else if (n == 8 && strncasecmp(s, "autozero", 8) == 0)
		algo = HAMMER2_COMP_AUTOZERO;
	else if (n == 3 && strncasecmp(s, "lz4", 3) == 0)
		algo = HAMMER2_COMP_LZ4;
	else if (n == 4 && strncasecmp(s, "zlib", 4) == 0)
		algo = HAMMER2_COMP_ZLIB;
	else
		return (-1);
	if (colon != NULL) {
		if (algo != HAMMER2_COMP_ZLIB || colon[1] < '1' ||
		    colon[1] > '9' || colon[2] != '\0')
			return (-1);
		level = colon[1] - '0';
	}
	return (level << 4 | algo);
}

struct dev {
	int		 fd;
	const char	*path;
};

static int
dev_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct dev *d = ctx;
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = pwrite(d->fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return (errno);
		}
		if (n == 0)
			return (EIO);
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return (0);
}

static int
dev_zero(void *ctx, uint64_t off, uint64_t len)
{
	struct dev *d = ctx;
	static char zbuf[65536];
	size_t n;
	int error;

#ifdef FALLOC_FL_PUNCH_HOLE
	if (fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
	    (off_t)off, (off_t)len) == 0)
		return (0);
#endif
	while (len > 0) {
		n = len > sizeof(zbuf) ? sizeof(zbuf) : (size_t)len;
		if ((error = dev_write(ctx, off, zbuf, n)) != 0)
			return (error);
		off += n;
		len -= n;
	}
	return (0);
}

static int
dev_flush(void *ctx)
{
	struct dev *d = ctx;

	return (fsync(d->fd) == 0 ? 0 : errno);
}

static void
dev_random(void *ctx, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: getrandom: %s\n", progname,
			    strerror(errno));
			exit(1);
		}
		p += n;
		len -= (size_t)n;
	}
}

static void *
dev_alloc(void *ctx, size_t len)
{
	return (malloc(len));
}

static void
dev_free(void *ctx, void *p, size_t len)
{
	free(p);
}

static void
print_uuid(const struct hammer2_uuid *u)
{
	printf("%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    u->time_low, u->time_mid, u->time_hi_and_version,
	    u->clock_seq_hi, u->clock_seq_low, u->node[0], u->node[1],
	    u->node[2], u->node[3], u->node[4], u->node[5]);
}

int
main(int argc, char **argv)
{
	struct hammer2_newfs_args args;
	struct hammer2_newfs_layout lay;
	struct hammer2_newfs_ops ops;
	struct hammer2_volume_data vd;
	struct timespec ts;
	struct stat st;
	struct dev d;
	uint64_t size = 0, have;
	const char *image;
	off_t end;
	int ch, error, created = 0, ssize = 0, i, npfs;

	memset(&args, 0, sizeof(args));
	args.comp_algo = -1;
	args.check_algo = -1;
	opterr = 0;
	while ((ch = getopt(argc, argv, "L:s:C:c:")) != -1) {
		switch (ch) {
		case 'L':
			if (strcasecmp(optarg, "none") == 0) {
				args.nodefault = 1;
				break;
			}
			if (args.nlabels >= HAMMER2_NEWFS_MAXLABELS - 1)
				usage("at most 3 labels besides LOCAL");
			if (*optarg == '\0' ||
			    strlen(optarg) >= HAMMER2_INODE_MAXNAME)
				usage("a label is 1 to 255 bytes");
			args.labels[args.nlabels++] = optarg;
			break;
		case 's':
			if (parse_size(optarg, &size) != 0 || size == 0)
				usage("bad size (a number with an optional "
				    "k, m, g or t suffix)");
			ssize = 1;
			break;
		case 'C':
			if ((args.check_algo = parse_check(optarg)) < 0)
				usage("bad check method (none, disabled, "
				    "crc32, xxhash64, sha192)");
			break;
		case 'c':
			if ((args.comp_algo = parse_comp(optarg)) < 0)
				usage("bad compression (none, autozero, lz4, "
				    "zlib[:1-9])");
			break;
		default:
			usage(optopt != 0 && strchr("LsCc", optopt) != NULL ?
			    "option requires an argument" : "unknown option");
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage(argc == 0 ? "no image given" : "one image only");
	image = argv[0];
	for (i = 0; i < args.nlabels; i++)
		if (strcmp(args.labels[i], "LOCAL") == 0)
			usage("LOCAL is always made; do not name it with -L");
	npfs = 1 + (args.nlabels > 0 ? args.nlabels : !args.nodefault);

	d.path = image;
	d.fd = open(image, O_RDWR);
	if (d.fd < 0 && errno == ENOENT) {
		if (!ssize)
			usage("the image does not exist: -s size is needed");
		d.fd = open(image, O_RDWR | O_CREAT | O_EXCL, 0644);
		created = 1;
	}
	if (d.fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", progname, image,
		    strerror(errno));
		return (1);
	}
	if (fstat(d.fd, &st) != 0 || (end = lseek(d.fd, 0, SEEK_END)) < 0) {
		fprintf(stderr, "%s: %s: %s\n", progname, image,
		    strerror(errno));
		goto fail;
	}
	have = (uint64_t)end;
	if (!ssize)
		size = have;
	if (hammer2_newfs_layout(size, npfs, &lay) != 0) {
		fprintf(stderr, "%s: %s: size %" PRIu64 " bytes is too small "
		    "(a HAMMER2 volume needs at least %llu MiB)\n", progname,
		    image, size, HAMMER2_NEWFS_MINSIZE >> 20);
		goto fail;
	}
	if (have < size) {
		if (!S_ISREG(st.st_mode)) {
			fprintf(stderr, "%s: %s: device has %" PRIu64
			    " bytes, fewer than -s %" PRIu64 "\n", progname,
			    image, have, size);
			goto fail;
		}
		if (ftruncate(d.fd, (off_t)size) != 0) {
			fprintf(stderr, "%s: %s: ftruncate: %s\n", progname,
			    image, strerror(errno));
			goto fail;
		}
	}

	clock_gettime(CLOCK_REALTIME, &ts);
	args.now_us = (uint64_t)ts.tv_sec * 1000000 +
	    (uint64_t)ts.tv_nsec / 1000;
	args.size = size;
	memset(&ops, 0, sizeof(ops));
	ops.write = dev_write;
	ops.zero = dev_zero;
	ops.flush = dev_flush;
	ops.random = dev_random;
	ops.alloc = dev_alloc;
	ops.free = dev_free;
	ops.ctx = &d;
	error = hammer2_newfs(&args, &ops, &lay);
	if (error != 0) {
		fprintf(stderr, "%s: %s: %s\n", progname, image,
		    error == EEXIST ? "two labels are the same (or hash "
		    "the same)" : strerror(error));
		goto fail;
	}
	if (pread(d.fd, &vd, sizeof(vd), 0) != (ssize_t)sizeof(vd)) {
		fprintf(stderr, "%s: %s: read back: %s\n", progname, image,
		    strerror(errno));
		goto fail;
	}
	close(d.fd);

	printf("---------------------------------------------\n");
	printf("total volume size   %" PRIu64 " (%.2f GiB)\n", lay.volu_size,
	    (double)lay.volu_size / (1 << 30));
	printf("boot area size      %" PRIu64 " MiB\n",
	    (lay.boot_end - lay.boot_beg) >> 20);
	printf("aux area size       %" PRIu64 " MiB\n",
	    (lay.aux_end - lay.aux_beg) >> 20);
	printf("freemap reserved    %" PRIu64 " MiB\n", lay.reserved >> 20);
	printf("allocator size      %" PRIu64 " (%.2f GiB)\n",
	    lay.allocator_size, (double)lay.allocator_size / (1 << 30));
	printf("volume headers      %d\n", lay.nheaders);
	printf("fsid                ");
	print_uuid(&vd.fsid);
	printf("\nPFSs                LOCAL");
	if (args.nlabels == 0 && !args.nodefault)
		printf(" DATA");
	for (i = 0; i < args.nlabels; i++)
		printf(" %s", args.labels[i]);
	printf("\n");
	return (0);
fail:
	close(d.fd);
	if (created)
		unlink(image);
	return (1);
}
