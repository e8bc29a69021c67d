/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2test.c - the host shim the HAMMER2 tests run the core over: reads
 * with pread, memory from malloc (counted, so tests see leaks), the
 * cache lock as a pthread mutex, and bit flips applied to read data to
 * simulate corruption without copying 2 GB images.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "h2test.h"
#include <fs/hammer2/hammer2_private.h>
#include <fs/hammer2/hammer2_newfs.h>

/* Read from the file (zeros past its end) and apply the overlay. */
void
h2t_pread(struct h2t_img *img, uint64_t off, void *buf, size_t len)
{
	uint64_t lo, hi;
	size_t done = 0, want;
	ssize_t n;
	int i;

	memset(buf, 0, len);
	while (done < len && off + done < img->fsize) {
		want = len - done;
		if (want > img->fsize - (off + done))
			want = (size_t)(img->fsize - (off + done));
		n = pread(img->fd, (char *)buf + done, want,
		    (off_t)(off + done));
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	for (i = 0; i < img->npages; i++) {
		lo = img->page_off[i] > off ? img->page_off[i] : off;
		hi = img->page_off[i] + H2T_PAGE < off + len ?
		    img->page_off[i] + H2T_PAGE : off + len;
		if (lo < hi)
			memcpy((uint8_t *)buf + (lo - off),
			    img->page[i] + (lo - img->page_off[i]), hi - lo);
	}
}

static int
h2t_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct h2t_img *img = ctx;

	if (off > img->size || len > img->size - off)
		return (EIO);
	h2t_pread(img, off, buf, len);
	return (0);
}

static void *
h2t_alloc(void *ctx, size_t len)
{
	struct h2t_img *img = ctx;

	__atomic_add_fetch(&img->live_allocs, 1, __ATOMIC_RELAXED);
	return (malloc(len));
}

static void
h2t_free(void *ctx, void *p, size_t len)
{
	struct h2t_img *img = ctx;

	(void)len;
	__atomic_sub_fetch(&img->live_allocs, 1, __ATOMIC_RELAXED);
	free(p);
}

static void
h2t_lock(void *ctx)
{
	pthread_mutex_lock(&((struct h2t_img *)ctx)->mu);
}

static void
h2t_unlock(void *ctx)
{
	pthread_mutex_unlock(&((struct h2t_img *)ctx)->mu);
}

static void
h2t_report(void *ctx, const struct hammer2_report *rep)
{
	struct h2t_img *img = ctx;

	img->nreports++;
	img->last_kind = rep->kind;
	img->last_error = rep->error;
	img->last_offset = rep->offset;
	snprintf(img->last_reason, sizeof(img->last_reason), "%s",
	    rep->reason);
	if (getenv("H2T_VERBOSE") != NULL)
		fprintf(stderr, "report: kind %d error %d off 0x%llx: %s\n",
		    rep->kind, rep->error, (unsigned long long)rep->offset,
		    rep->reason);
}

static int
h2t_pwrite_all(int fd, uint64_t off, const void *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = pwrite(fd, buf, len, (off_t)off);
		if (n <= 0)
			return (EIO);
		buf = (const char *)buf + n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return (0);
}

static int
h2t_write_op(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct h2t_img *img = ctx;

	img->nwrites++;
	if (img->on_write != NULL)
		img->on_write(img->on_write_arg, off, len);
	if (img->cut && img->nwrites > img->cut_after)
		return (EIO);
	if (off > img->size || len > img->size - off)
		return (EIO);
	return (h2t_pwrite_all(img->fd, off, buf, len));
}

static int
h2t_barrier_op(void *ctx)
{
	struct h2t_img *img = ctx;

	if (img->cut && img->nwrites >= img->cut_after)
		return (EIO);
	if (img->nosync)
		return (0);
	return (fdatasync(img->fd) == 0 ? 0 : EIO);
}

const struct hammer2_io_ops h2t_ops = {
	.read = h2t_read,
	.alloc = h2t_alloc,
	.free = h2t_free,
	.lock = h2t_lock,
	.unlock = h2t_unlock,
	.report = h2t_report,
	.write = h2t_write_op,
	.barrier = h2t_barrier_op,
};

static int
h2t_img_fd(struct h2t_img *img, int fd)
{
	struct stat st;

	memset(img, 0, sizeof(*img));
	img->fd = fd;
	if (fd < 0 || fstat(fd, &st) != 0)
		return (-1);
	img->size = (uint64_t)st.st_size;
	img->fsize = img->size;
	pthread_mutex_init(&img->mu, NULL);
	return (0);
}

int
h2t_img_create(struct h2t_img *img, const char *path, uint64_t size)
{
	int fd;

	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0 && ftruncate(fd, (off_t)size) != 0) {
		close(fd);
		fd = -1;
	}
	return (h2t_img_fd(img, fd));
}

int
h2t_img_open_rw(struct h2t_img *img, const char *path)
{
	return (h2t_img_fd(img, open(path, O_RDWR)));
}

static int
h2t_nf_zero(void *ctx, uint64_t off, uint64_t len)
{
	struct h2t_img *img = ctx;

	return (fallocate(img->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
	    (off_t)off, (off_t)len) == 0 ? 0 : EIO);
}

static void
h2t_nf_random(void *ctx, void *buf, size_t len)
{
	static uint64_t x = 0x9E3779B97F4A7C15ULL;
	uint8_t *p = buf;

	while (len-- > 0) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		*p++ = (uint8_t)x;
	}
}

int
h2t_newfs(struct h2t_img *img, struct hammer2_newfs_layout *lay)
{
	struct hammer2_newfs_args args;
	struct hammer2_newfs_ops ops;

	memset(&args, 0, sizeof(args));
	args.size = img->size;
	args.now_us = 1700000000000000ULL;
	args.comp_algo = -1;
	args.check_algo = -1;
	memset(&ops, 0, sizeof(ops));
	ops.write = h2t_write_op;
	ops.zero = h2t_nf_zero;
	ops.flush = h2t_barrier_op;
	ops.random = h2t_nf_random;
	ops.alloc = h2t_alloc;
	ops.free = h2t_free;
	ops.ctx = img;
	return (hammer2_newfs(&args, &ops, lay));
}

int
h2t_copy_sparse(const char *src, const char *dst)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "cp --sparse=always '%s' '%s'", src, dst);
	return (system(cmd) == 0 ? 0 : -1);
}

int
h2t_img_open(struct h2t_img *img, const char *path)
{
	return (h2t_img_fd(img, open(path, O_RDONLY)));
}

void
h2t_img_close(struct h2t_img *img)
{
	h2t_reset(img);
	if (img->fd >= 0)
		close(img->fd);
	pthread_mutex_destroy(&img->mu);
	img->fd = -1;
}

/* The overlay page holding off, made on first use. */
static uint8_t *
h2t_page(struct h2t_img *img, uint64_t off)
{
	uint64_t base = off & ~(uint64_t)(H2T_PAGE - 1);
	uint8_t *p;
	int i;

	for (i = 0; i < img->npages; i++)
		if (img->page_off[i] == base)
			return (img->page[i]);
	if (img->npages == H2T_MAXPAGES)
		abort();
	p = malloc(H2T_PAGE);
	h2t_pread(img, base, p, H2T_PAGE);
	img->page_off[img->npages] = base;
	img->page[img->npages++] = p;
	return (p);
}

void
h2t_write(struct h2t_img *img, uint64_t off, const void *buf, size_t len)
{
	const uint8_t *b = buf;
	size_t n;

	while (len > 0) {
		n = H2T_PAGE - (size_t)(off & (H2T_PAGE - 1));
		if (n > len)
			n = len;
		memcpy(h2t_page(img, off) + (off & (H2T_PAGE - 1)), b, n);
		off += n;
		b += n;
		len -= n;
	}
}

void
h2t_flip(struct h2t_img *img, uint64_t off, uint8_t mask)
{
	h2t_page(img, off)[off & (H2T_PAGE - 1)] ^= mask;
}

void
h2t_reset(struct h2t_img *img)
{
	int i;

	for (i = 0; i < img->npages; i++)
		free(img->page[i]);
	img->npages = 0;
}

int
h2t_vol_open(struct h2t_img *img, struct hammer2_vol **volp)
{
	struct hammer2_open_args args;

	memset(&args, 0, sizeof(args));
	args.ops = &h2t_ops;
	args.ctx = img;
	args.media_size = img->size;
	args.copy = HAMMER2_OPEN_COPY_BEST;
	return (hammer2_vol_open(&args, volp));
}

const char *
h2t_refdir(void)
{
	static const char *dir = H2T_REFDIR;
	struct stat st;

	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		printf("SKIPPED: reference images not found (%s)\n", dir);
		fflush(stdout);
		return (NULL);
	}
	return (dir);
}

char *
h2t_unpack(const char *refdir, const char *name)
{
	char xz[1024], out[1024], tmp[1100], cmd[4096];
	struct stat sx, so;

	snprintf(xz, sizeof(xz), "%s/images/%s.img.xz", refdir, name);
	snprintf(out, sizeof(out), "%s/%s.img", H2T_WORKDIR, name);
	if (stat(xz, &sx) != 0)
		return (NULL);
	if (stat(out, &so) == 0 && so.st_mtime >= sx.st_mtime)
		return (strdup(out));
	mkdir(H2T_WORKDIR, 0755);
	snprintf(tmp, sizeof(tmp), "%s.%ld", out, (long)getpid());
	snprintf(cmd, sizeof(cmd),
	    "xz -dc '%s' | cp --sparse=always /dev/stdin '%s' && mv '%s' '%s'",
	    xz, tmp, tmp, out);
	if (system(cmd) != 0) {
		unlink(tmp);
		return (NULL);
	}
	return (strdup(out));
}

struct map_walk {
	struct h2t_map	*map;
	uint64_t	 setbase;	/* header offset of the root set */
	h2t_map_hook	 hook;
	void		*arg;
};

static int
map_cb(void *arg, const struct hammer2_walk_ent *e)
{
	struct map_walk *mw = arg;
	struct h2t_map *map = mw->map;
	const struct hammer2_blockref *b = e->bref, *p = e->parent;
	struct h2t_loc l;

	if (p == NULL) {
		l.parent = H2T_NONE;
		l.bref_at = mw->setbase + (uint64_t)e->index * 128;
	} else {
		l.parent = hammer2_bref_offset(p);
		l.bref_at = l.parent +
		    (p->type == HAMMER2_BREF_TYPE_INODE ? 0x200 : 0) +
		    (uint64_t)e->index * 128;
	}
	l.type = b->type;
	l.blk = hammer2_bref_offset(b);
	if (hammer2_bref_radix(b) != 0) {
		if (map->n == map->cap) {
			map->cap = map->cap ? 2 * map->cap : 1024;
			map->v = realloc(map->v, map->cap * sizeof(*map->v));
		}
		map->v[map->n++] = l;
	}
	if (mw->hook != NULL)
		mw->hook(mw->arg, e, &l);
	return (0);
}

int
h2t_map_build(struct h2t_img *img, struct h2t_map *map, h2t_map_hook hook,
    void *arg)
{
	const struct hammer2_volume_data *vd;
	struct hammer2_vol *vol;
	struct map_walk mw;
	int error;

	memset(map, 0, sizeof(*map));
	error = h2t_vol_open(img, &vol);
	if (error != 0)
		return (error);
	vd = hammer2_vol_header(vol, NULL);
	mw.map = map;
	mw.hook = hook;
	mw.arg = arg;
	mw.setbase = 0x200;
	error = hammer2_walk(vol, vd->sroot_blockset.blockref, 4, 0, map_cb,
	    &mw);
	mw.setbase = 0x800;
	if (error == 0)
		error = hammer2_walk(vol, vd->freemap_blockset.blockref, 4, 0,
		    map_cb, &mw);
	hammer2_vol_close(vol);
	return (error);
}

void
h2t_map_free(struct h2t_map *map)
{
	free(map->v);
	memset(map, 0, sizeof(*map));
}

const struct h2t_loc *
h2t_loc_of(const struct h2t_map *map, uint64_t blk)
{
	size_t i;

	for (i = 0; i < map->n; i++)
		if (map->v[i].blk == blk)
			return (&map->v[i]);
	fprintf(stderr, "h2t_loc_of: no blockref for 0x%llx\n",
	    (unsigned long long)blk);
	abort();
}

void
h2t_reseal_header(struct h2t_img *img, uint64_t hoff)
{
	struct hammer2_volume_data *vd = malloc(sizeof(*vd));

	h2t_pread(img, hoff, vd, sizeof(*vd));
	hammer2_volhdr_seal(vd);
	h2t_write(img, hoff, vd, sizeof(*vd));
	free(vd);
}

void
h2t_reseal(struct h2t_img *img, const struct h2t_map *map, uint64_t blk)
{
	const struct h2t_loc *l;
	struct hammer2_blockref bref;
	uint8_t *buf = malloc(65536);

	for (;;) {
		l = h2t_loc_of(map, blk);
		h2t_pread(img, l->bref_at, &bref, sizeof(bref));
		h2t_pread(img, blk, buf, hammer2_bref_bytes(&bref));
		if (hammer2_check_compute(&bref, buf,
		    hammer2_bref_bytes(&bref)) != 0)
			abort();
		h2t_write(img, l->bref_at + 0x40, &bref.check, 64);
		if (l->parent == H2T_NONE)
			break;
		blk = l->parent;
	}
	h2t_reseal_header(img, 0);
	free(buf);
}
