/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_mkseed.c - make fuzz seeds (h2fuzz_img.h format) from a real
 * HAMMER2 image: the non-zero parts of volume header copy 0 and of every
 * block the core's walker reaches from it (topology and freemap), except
 * data blocks larger than a limit, which are left out (they read back
 * as zeros).  With -n N only the first N blocks are kept and the seed
 * asks the target to reseal its check codes.  Run by run.sh at fuzzing
 * time, so no image-derived seed is committed.
 *
 * usage: hammer2_mkseed [-d maxdata] [-n nblocks] IMAGE OUT
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fs/hammer2/hammer2.h>

#include "h2fuzz_img.h"

struct seed {
	int		 fd;
	uint64_t	 size;
	FILE		*out;
	size_t		 maxdata;
	long		 nblocks;	/* < 0: no limit */
	uint8_t		 buf[65536];
};

static int
ms_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct seed *s = ctx;

	if (off > s->size || len > s->size - off)
		return (EIO);
	return (pread(s->fd, buf, len, (off_t)off) == (ssize_t)len ? 0 : EIO);
}

static void *
ms_alloc(void *ctx, size_t len)
{
	return (malloc(len));
}

static void
ms_free(void *ctx, void *p, size_t len)
{
	free(p);
}

static const struct hammer2_io_ops ms_ops = {
	.read = ms_read, .alloc = ms_alloc, .free = ms_free,
};

/* Emit the non-zero 1 KB pieces of len bytes at off as records. */
static void
emit(struct seed *s, uint64_t off, size_t len)
{
	static const uint8_t zero[1024];
	uint32_t o32;
	uint16_t l16;
	size_t i;

	if (len > sizeof(s->buf) || ms_read(s, off, s->buf, len) != 0)
		return;
	for (i = 0; i < len; i += 1024) {
		if (memcmp(s->buf + i, zero, 1024) == 0)
			continue;
		o32 = (uint32_t)((off + i) / H2FZ_OFFUNIT);
		l16 = 1024;
		fwrite(&o32, 4, 1, s->out);
		fwrite(&l16, 2, 1, s->out);
		fwrite(s->buf + i, 1, 1024, s->out);
	}
}

static int
ms_cb(void *arg, const struct hammer2_walk_ent *e)
{
	struct seed *s = arg;
	size_t len = hammer2_bref_bytes(e->bref);

	if (len == 0 || e->error != 0)
		return (HAMMER2_WALK_CONTINUE);
	if (e->bref->type == HAMMER2_BREF_TYPE_DATA && len > s->maxdata)
		return (HAMMER2_WALK_CONTINUE);
	if (s->nblocks == 0)
		return (HAMMER2_WALK_STOP);
	if (s->nblocks > 0)
		s->nblocks--;
	emit(s, hammer2_bref_offset(e->bref), len);
	return (HAMMER2_WALK_CONTINUE);
}

int
main(int argc, char **argv)
{
	const struct hammer2_volume_data *vd;
	struct hammer2_open_args args;
	struct hammer2_vol *vol;
	struct seed *s;
	struct stat st;
	uint8_t flags = 0;
	int ch;

	s = calloc(1, sizeof(*s));
	s->maxdata = 4096;
	s->nblocks = -1;
	while ((ch = getopt(argc, argv, "d:n:")) != -1) {
		switch (ch) {
		case 'd':
			s->maxdata = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			s->nblocks = strtol(optarg, NULL, 0);
			flags |= H2FZ_RESEAL;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 2)
		goto usage;
	s->fd = open(argv[optind], O_RDONLY);
	if (s->fd < 0 || fstat(s->fd, &st) != 0) {
		perror(argv[optind]);
		return (1);
	}
	s->size = (uint64_t)st.st_size;
	memset(&args, 0, sizeof(args));
	args.ops = &ms_ops;
	args.ctx = s;
	args.media_size = s->size;
	args.copy = HAMMER2_OPEN_COPY_BEST;
	if (hammer2_vol_open(&args, &vol) != 0) {
		fprintf(stderr, "%s: not a usable HAMMER2 image\n",
		    argv[optind]);
		return (1);
	}
	s->out = fopen(argv[optind + 1], "wb");
	if (s->out == NULL) {
		perror(argv[optind + 1]);
		return (1);
	}
	fwrite(&flags, 1, 1, s->out);
	emit(s, 0, HAMMER2_VOLUME_BYTES);
	vd = hammer2_vol_header(vol, NULL);
	(void)hammer2_walk(vol, vd->sroot_blockset.blockref,
	    HAMMER2_SET_COUNT, 0, ms_cb, s);
	(void)hammer2_walk(vol, vd->freemap_blockset.blockref,
	    HAMMER2_SET_COUNT, 0, ms_cb, s);
	hammer2_vol_close(vol);
	if (fclose(s->out) != 0) {
		perror(argv[optind + 1]);
		return (1);
	}
	return (0);
usage:
	fprintf(stderr, "usage: hammer2_mkseed [-d maxdata] [-n nblocks] "
	    "image out\n");
	return (2);
}
