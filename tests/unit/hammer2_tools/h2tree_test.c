/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2tree_test.c - unit tests (CMocka) of the host-tree walk that
 * newfs_hammer2 -d and hammer2 put share (tools/common/h2tree): the
 * data reader returns exactly the blocks that hold data of a sparse
 * file (and all of a dense one), each block-aligned and the last ending
 * at the size, and lowers the size of a file that ends early; the path
 * buffer grows past PATH_MAX and pops back; names come sorted without
 * "." and ".."; a walk 100 directories deep (past H2TREE_KEEPFD, so
 * parents are closed and reopened through "..") visits every entry
 * with the right path and leaves no descriptor open; a subdirectory
 * replaced by a file is reported as a failed step.  Runs in a
 * temporary directory on the host file system.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "h2tree.h"

#define BLK	65536

static char tmpdir[] = "/tmp/h2tree_test.XXXXXX";

static int
test_setup(void **state)
{
	(void)state;
	return (mkdtemp(tmpdir) == NULL ? -1 : 0);
}

static int
test_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return (system(cmd) == 0 ? 0 : -1);
}

static int
open_in_tmp(const char *name, int flags)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return (open(path, flags, 0644));
}

/* Every block the reader returns, in order. */
struct seen {
	uint64_t	off[64];
	size_t		len[64];
	int		n;
};

static void
read_all(int fd, uint64_t size, struct seen *s, uint64_t *sizep,
    const uint8_t *expect)
{
	struct h2tree_data d;
	char *buf = malloc(BLK);
	uint64_t off;
	size_t len;

	memset(s, 0, sizeof(*s));
	h2tree_data_init(&d, fd, size, buf, BLK);
	for (;;) {
		assert_int_equal(h2tree_data_next(&d, &off, &len), 0);
		if (len == 0)
			break;
		assert_true(s->n < 64);
		assert_int_equal(off % BLK, 0);
		if (expect != NULL)
			assert_memory_equal(buf, expect + off, len);
		s->off[s->n] = off;
		s->len[s->n++] = len;
	}
	*sizep = d.size;
	free(buf);
}

/*
 * A sparse file: data at 100 (block 0), across the 1 MiB boundary
 * (blocks 15 and 16) and 10 bytes at the end; the reader returns those
 * four blocks only (when the host can tell holes), the last one ending
 * at the size, with the file's bytes.
 */
static void
data_reader_returns_only_data_blocks(void **state)
{
	uint64_t size = 40 * BLK + 10, got;
	uint8_t *img = calloc(1, size);
	struct seen s;
	int fd, i;

	(void)state;
	fd = open_in_tmp("sparse", O_RDWR | O_CREAT | O_TRUNC);
	assert_true(fd >= 0);
	for (i = 0; i < 50; i++)
		img[100 + i] = (uint8_t)(i + 1);
	for (i = 0; i < 3000; i++)
		img[16 * BLK - 1500 + i] = (uint8_t)(i * 7 + 3);
	memset(img + size - 10, 0xAB, 10);
	assert_int_equal(pwrite(fd, img + 100, 50, 100), 50);
	assert_int_equal(pwrite(fd, img + 16 * BLK - 1500, 3000,
	    16 * BLK - 1500), 3000);
	assert_int_equal(pwrite(fd, img + size - 10, 10, size - 10), 10);
	read_all(fd, size, &s, &got, img);
	assert_int_equal(got, size);
	if (lseek(fd, 0, SEEK_HOLE) == (off_t)size) {
		print_message("host file system reports no holes: "
		    "%d blocks read\n", s.n);
		assert_int_equal(s.n, 41);
	} else {
		assert_int_equal(s.n, 4);
		assert_int_equal(s.off[0], 0);
		assert_int_equal(s.off[1], 15 * BLK);
		assert_int_equal(s.off[2], 16 * BLK);
		assert_int_equal(s.off[3], 40 * BLK);
		assert_int_equal(s.len[3], 10);
	}
	close(fd);
	free(img);
}

/* A dense file comes back whole; one that ends early lowers size. */
static void
data_reader_reads_dense_and_short_files(void **state)
{
	uint64_t size = 3 * BLK + 777, got;
	uint8_t *img = malloc(size);
	struct seen s;
	size_t i;
	int fd;

	(void)state;
	for (i = 0; i < size; i++)
		img[i] = (uint8_t)(i * 131 + 7);
	fd = open_in_tmp("dense", O_RDWR | O_CREAT | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, img, size), (ssize_t)size);
	read_all(fd, size, &s, &got, img);
	assert_int_equal(got, size);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.len[3], 777);

	/* Asked for more than the file holds (it shrank meanwhile). */
	read_all(fd, size + 5 * BLK, &s, &got, img);
	assert_int_equal(got, size);
	close(fd);
	free(img);
}

static int
fail_count(struct h2tree *t, enum h2tree_step step, int error)
{
	(void)t;
	(void)step;
	(void)error;
	return (EIO);
}

/* The path grows past PATH_MAX and pops back exactly. */
static void
path_grows_past_path_max_and_pops_back(void **state)
{
	struct h2tree t;
	size_t old[100];
	char name[200];
	int i;

	(void)state;
	assert_int_equal(h2tree_init(&t, "ROOTxx", 4, fail_count), 0);
	assert_string_equal(t.path, "ROOT");
	memset(name, 'n', 120);
	name[120] = '\0';
	for (i = 0; i < 100; i++)
		assert_int_equal(h2tree_path_push(&t, name, &old[i]), 0);
	assert_int_equal(t.plen, 4 + 100 * 121);
	assert_true(t.plen > PATH_MAX);
	assert_int_equal(strlen(t.path), t.plen);
	for (i = 99; i >= 0; i--)
		h2tree_path_pop(&t, old[i]);
	assert_string_equal(t.path, "ROOT");
	h2tree_fini(&t);
}

/* Names sorted, without "." and ".."; an empty directory has none. */
static void
names_come_sorted(void **state)
{
	static const char *want[] = { "A", "a", "b.txt", "zz" };
	struct h2tree t;
	char **names;
	size_t n, i;
	int dfd, fd;

	(void)state;
	dfd = open_in_tmp("", O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	assert_int_equal(mkdirat(dfd, "names", 0755), 0);
	assert_int_equal(mkdirat(dfd, "empty", 0755), 0);
	for (i = 4; i-- > 0;) {
		char p[64];

		snprintf(p, sizeof(p), "names/%s", want[i]);
		fd = openat(dfd, p, O_WRONLY | O_CREAT, 0644);
		assert_true(fd >= 0);
		close(fd);
	}
	assert_int_equal(h2tree_init(&t, tmpdir, strlen(tmpdir), fail_count),
	    0);
	fd = openat(dfd, "names", O_RDONLY | O_DIRECTORY);
	assert_int_equal(h2tree_names(&t, fd, &names, &n), 0);
	assert_int_equal(n, 4);
	for (i = 0; i < n; i++)
		assert_string_equal(names[i], want[i]);
	h2tree_names_free(names, n);
	close(fd);
	fd = openat(dfd, "empty", O_RDONLY | O_DIRECTORY);
	assert_int_equal(h2tree_names(&t, fd, &names, &n), 0);
	assert_int_equal(n, 0);
	assert_null(names);
	close(fd);
	h2tree_fini(&t);
	close(dfd);
}

/* The walk's context: what it saw. */
struct walk {
	struct h2tree	 t;		/* first, as h2tree.h asks */
	int		 files, dirs, maxdepth;
	size_t		 deepest;	/* path length at the bottom file */
	int		 fails;
	enum h2tree_step last;
};

static int
walk_fail(struct h2tree *t, enum h2tree_step step, int error)
{
	struct walk *w = (struct walk *)t;

	(void)error;
	w->fails++;
	w->last = step;
	return (ESTALE);
}

static int
walk_entry(struct h2tree *t, int *dfdp, const char *name, uint64_t dir)
{
	struct walk *w = (struct walk *)t;
	struct stat st;
	size_t n = strlen(name);

	/* t->path ends in "/name". */
	assert_true(t->plen > n && t->path[t->plen - n - 1] == '/');
	assert_memory_equal(t->path + t->plen - n, name, n);
	assert_int_equal(fstatat(*dfdp, name, &st, AT_SYMLINK_NOFOLLOW), 0);
	if (S_ISDIR(st.st_mode)) {
		w->dirs++;
		if (t->depth > w->maxdepth)
			w->maxdepth = t->depth;
		return (h2tree_subdir(t, dfdp, name, &st, walk_entry,
		    dir + 1));
	}
	w->files++;
	if (t->plen > w->deepest)
		w->deepest = t->plen;
	return (0);
}

static int
count_fds(void)
{
	char p[64];
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++) {
		snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
		if (access(p, F_OK) == 0)
			n++;
	}
	return (n);
}

/*
 * A chain of 100 directories with 100-byte names and a file in each:
 * every entry is seen, the deepest path is past PATH_MAX, and no
 * descriptor is left open afterwards.
 */
static void
walk_goes_deeper_than_the_open_descriptors(void **state)
{
	struct walk w;
	char name[101], rel[256];
	int dfd, top, sub, i, fd, before;

	(void)state;
	memset(name, 'd', 100);
	name[100] = '\0';
	top = open_in_tmp("", O_RDONLY | O_DIRECTORY);
	assert_int_equal(mkdirat(top, "deep", 0755), 0);
	dfd = openat(top, "deep", O_RDONLY | O_DIRECTORY);
	for (i = 0; i < 100; i++) {
		snprintf(rel, sizeof(rel), "f%d", i);
		fd = openat(dfd, rel, O_WRONLY | O_CREAT, 0644);
		assert_true(fd >= 0);
		close(fd);
		assert_int_equal(mkdirat(dfd, name, 0755), 0);
		sub = openat(dfd, name, O_RDONLY | O_DIRECTORY);
		assert_true(sub >= 0);
		close(dfd);
		dfd = sub;
	}
	close(dfd);

	before = count_fds();
	memset(&w, 0, sizeof(w));
	assert_int_equal(h2tree_init(&w.t, "SRC", 3, walk_fail), 0);
	dfd = openat(top, "deep", O_RDONLY | O_DIRECTORY);
	assert_int_equal(h2tree_dir(&w.t, &dfd, walk_entry, 0), 0);
	assert_true(dfd >= 0);
	close(dfd);
	assert_int_equal(w.fails, 0);
	assert_int_equal(w.files, 100);
	assert_int_equal(w.dirs, 100);
	assert_true(w.maxdepth >= 99);
	assert_true(w.deepest > PATH_MAX);
	assert_int_equal(w.t.plen, 3);
	assert_int_equal(count_fds(), before);
	h2tree_fini(&w.t);
	close(top);
}

/* A subdirectory that is a file by the time it is opened: a step fails. */
static void
replaced_subdirectory_is_a_failed_step(void **state)
{
	struct walk w;
	struct stat st;
	int top, fd;

	(void)state;
	top = open_in_tmp("", O_RDONLY | O_DIRECTORY);
	assert_int_equal(mkdirat(top, "swap", 0755), 0);
	assert_int_equal(fstatat(top, "swap", &st, 0), 0);
	assert_int_equal(unlinkat(top, "swap", AT_REMOVEDIR), 0);
	fd = openat(top, "swap", O_WRONLY | O_CREAT, 0644);
	close(fd);
	memset(&w, 0, sizeof(w));
	assert_int_equal(h2tree_init(&w.t, "SRC", 3, walk_fail), 0);
	assert_int_equal(h2tree_subdir(&w.t, &top, "swap", &st, walk_entry,
	    0), ESTALE);
	assert_int_equal(w.fails, 1);
	assert_true(w.last == H2TREE_OPEN_DIR ||
	    w.last == H2TREE_DIR_REPLACED);
	h2tree_fini(&w.t);
	if (top >= 0)
		close(top);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(data_reader_returns_only_data_blocks),
		cmocka_unit_test(data_reader_reads_dense_and_short_files),
		cmocka_unit_test(path_grows_past_path_max_and_pops_back),
		cmocka_unit_test(names_come_sorted),
		cmocka_unit_test(walk_goes_deeper_than_the_open_descriptors),
		cmocka_unit_test(replaced_subdirectory_is_a_failed_step),
	};

	return (cmocka_run_group_tests(tests, test_setup, test_teardown));
}
