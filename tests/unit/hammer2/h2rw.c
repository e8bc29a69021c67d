/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2rw.c - helpers of the tests that drive the read-write core directly
 * (h2rw.h): file contents from a seed, newfs'd work images, read-write
 * and read-only mounts of image files, and the short forms of the
 * calls the tests repeat, asserting with CMocka.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "h2rw.h"

/*
 * -------------------------------------------------------------------
 * Contents and images
 * -------------------------------------------------------------------
 */

static uint64_t
xs64(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return (*x);
}

void
h2t_fill(uint8_t *buf, size_t len, uint64_t seed, bool text)
{
	static const char *const lines[4] = {
		"hammer2 chain flush freemap inode\n",
		"copy-on-write below the volume header\n",
		"indirect blocks split by key range\n",
		"dragonfly bsd wrote the reference\n",
	};
	uint64_t x = (seed + 1) * 0x9E3779B97F4A7C15ULL | 1;
	const char *w;
	size_t i = 0, n;

	while (i < len) {
		xs64(&x);
		if (text) {
			w = lines[x & 3];
			n = strlen(w);
		} else {
			w = (const char *)&x;
			n = sizeof(x);
		}
		if (n > len - i)
			n = len - i;
		memcpy(buf + i, w, n);
		i += n;
	}
}

void
h2t_workpath(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", H2T_WORKDIR, name);
}

void
h2t_mkfs(const char *path, uint64_t size)
{
	struct h2t_img img;

	assert_int_equal(h2t_img_create(&img, path, size), 0);
	img.nosync = true;
	assert_int_equal(h2t_newfs(&img, NULL), 0);
	h2t_img_close(&img);
}

/*
 * -------------------------------------------------------------------
 * Mounts
 * -------------------------------------------------------------------
 */

/* A clock that moves 1 ms per call: runs repeat exactly. */
static uint64_t
rwm_now(void *ctx)
{
	uint64_t *c = ctx;

	return (*c += 1000);
}

void
h2t_rw_mount(struct h2t_rwm *m, const char *path, uint64_t dirty_limit)
{
	struct hammer2_rw_args args;

	memset(m, 0, sizeof(*m));
	assert_int_equal(h2t_img_open_rw(&m->img, path), 0);
	m->img.nosync = true;
	assert_int_equal(h2t_vol_open(&m->img, &m->vol), 0);
	m->clock = 1700000000000000ULL;
	memset(&args, 0, sizeof(args));
	args.now_us = rwm_now;
	args.ctx = &m->clock;
	args.dirty_limit = dirty_limit;
	assert_int_equal(hammer2_rw_open(m->vol, &args, &m->mp), 0);
	assert_int_equal(hammer2_rw_pfs_get(m->mp, NULL, &m->pfs), 0);
}

int
h2t_rw_umount(struct h2t_rwm *m, int flush)
{
	hammer2_rw_pfs_put(m->pfs);
	return (h2t_rw_close(m, flush));
}

int
h2t_rw_close(struct h2t_rwm *m, int flush)
{
	int error;

	m->pfs = NULL;
	error = hammer2_rw_close(m->mp, flush);
	hammer2_vol_close(m->vol);
	assert_int_equal(m->img.live_allocs, 0);
	h2t_img_close(&m->img);
	return (error);
}

void
h2t_ro_mount(struct h2t_rom *r, const char *path, const char *label)
{
	assert_int_equal(h2t_img_open(&r->img, path), 0);
	assert_int_equal(h2t_vol_open(&r->img, &r->vol), 0);
	assert_int_equal(hammer2_pfs_mount(r->vol, label, &r->pfs), 0);
	assert_int_equal(hammer2_pfs_root(r->pfs, &r->root), 0);
}

void
h2t_ro_umount(struct h2t_rom *r)
{
	hammer2_pfs_unmount(r->pfs);
	hammer2_vol_close(r->vol);
	assert_int_equal(r->img.nreports, 0);
	assert_int_equal(r->img.live_allocs, 0);
	h2t_img_close(&r->img);
}

/*
 * -------------------------------------------------------------------
 * Short forms
 * -------------------------------------------------------------------
 */

uint64_t
h2t_rw_create(struct h2t_rwm *m, uint64_t dir, const char *name,
    uint8_t type, uint32_t mode)
{
	struct hammer2_rw_create cr;
	uint64_t inum = 0;

	memset(&cr, 0, sizeof(cr));
	cr.type = type;
	cr.mode = mode;
	assert_int_equal(hammer2_rw_create(m->pfs, dir, name, strlen(name),
	    &cr, &inum), 0);
	assert_true(inum >= HAMMER2_INODE_START);
	return (inum);
}

void
h2t_rw_setcomp(struct h2t_rwm *m, uint64_t inum, int comp)
{
	struct hammer2_attr a;

	memset(&a, 0, sizeof(a));
	a.comp_algo = (uint8_t)comp;
	assert_int_equal(hammer2_rw_setattr(m->pfs, inum, HAMMER2_SETATTR_COMP,
	    &a), 0);
}

uint64_t
h2t_rw_lookup(struct h2t_rwm *m, uint64_t dir, const char *name)
{
	uint64_t inum = 0;

	assert_int_equal(hammer2_rw_lookup(m->pfs, dir, name, strlen(name),
	    &inum), 0);
	return (inum);
}

uint64_t
h2t_rw_path(struct h2t_rwm *m, const char *path)
{
	char buf[4096], *p, *s;
	uint64_t dir = 1;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf; (s = strchr(p, '/')) != NULL; p = s + 1) {
		*s = '\0';
		dir = h2t_rw_lookup(m, dir, p);
	}
	return (h2t_rw_lookup(m, dir, p));
}

void
h2t_rw_fill(struct h2t_rwm *m, uint64_t inum, uint64_t off, size_t len,
    uint64_t seed, bool text)
{
	uint8_t *b = malloc(len);

	h2t_fill(b, len, seed, text);
	assert_int_equal(hammer2_rw_write(m->pfs, inum, off, b, len), 0);
	free(b);
}

void
h2t_rw_attr(struct h2t_rwm *m, uint64_t inum, struct hammer2_attr *a)
{
	assert_int_equal(hammer2_rw_getattr(m->pfs, inum, a), 0);
}

uint8_t *
h2t_rw_slurp(struct h2t_rwm *m, uint64_t inum, uint64_t size)
{
	uint8_t *b = malloc(size + 1);
	size_t n;

	assert_int_equal(hammer2_rw_read(m->pfs, inum, 0, b, size + 1, &n), 0);
	assert_int_equal(n, size);
	return (b);
}

uint64_t
h2t_ro_inum(struct h2t_rom *r, const char *path, struct hammer2_inode *ip)
{
	int error;

	error = hammer2_lookup_path(r->pfs, path, 0, ip);
	if (error == ENOENT)
		return (0);
	assert_int_equal(error, 0);
	return (ip->data.meta.inum);
}

int
h2t_ro_blockcomp(struct h2t_rom *r, uint64_t inum, uint64_t lb,
    size_t *bytes)
{
	struct hammer2_inode *ip = malloc(sizeof(*ip));
	struct hammer2_blockref bref;
	int comp = -1;

	assert_int_equal(hammer2_inode_get(r->pfs, inum, ip), 0);
	if (hammer2_bmap(ip, lb, &bref) == 0) {
		comp = HAMMER2_DEC_COMP(bref.methods);
		*bytes = hammer2_bref_bytes(&bref);
	}
	free(ip);
	return (comp);
}
