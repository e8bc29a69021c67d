/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2tree.c - the host side of copying a directory tree into an image,
 * for `newfs_hammer2 -d` and `hammer2 put` (see h2tree.h): the path
 * kept for messages, a directory's names, the descent into a
 * subdirectory with a bounded number of open descriptors, and a regular
 * file's data extent by extent.  What an entry becomes in the image is
 * the tool's business.
 *
 * Locking: none; an h2tree and an h2tree_data belong to one thread.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h2fmt.h"
#include "h2tree.h"

int
h2tree_init(struct h2tree *t, const char *root, size_t len,
    h2tree_fail_fn *fail)
{
	memset(t, 0, sizeof(*t));
	t->fail = fail;
	t->pcap = len + 256;
	if ((t->path = malloc(t->pcap)) == NULL)
		return (ENOMEM);
	memcpy(t->path, root, len);
	t->path[len] = '\0';
	t->plen = len;
	return (0);
}

void
h2tree_fini(struct h2tree *t)
{
	free(t->path);
	t->path = NULL;
	t->plen = t->pcap = 0;
}

int
h2tree_path_push(struct h2tree *t, const char *name, size_t *oldp)
{
	size_t n = strlen(name), need = t->plen + 1 + n + 1;
	char *np;

	if (need > t->pcap) {
		if ((np = realloc(t->path, 2 * need)) == NULL)
			return (ENOMEM);
		t->path = np;
		t->pcap = 2 * need;
	}
	*oldp = t->plen;
	t->path[t->plen++] = '/';
	memcpy(t->path + t->plen, name, n + 1);
	t->plen += n;
	return (0);
}

void
h2tree_path_pop(struct h2tree *t, size_t len)
{
	t->plen = len;
	t->path[len] = '\0';
}

char *
h2tree_path_str(const struct h2tree *t, char *buf, size_t buflen)
{
	return (h2_path_str(t->path, t->plen, buf, buflen));
}

static int
name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

void
h2tree_names_free(char **names, size_t n)
{
	while (n > 0)
		free(names[--n]);
	free(names);
}

int
h2tree_names(struct h2tree *t, int dfd, char ***namesp, size_t *np)
{
	enum h2tree_step step = H2TREE_READDIR;
	struct dirent *de;
	char **names = NULL, **nv;
	size_t n = 0, cap = 0;
	DIR *dp;
	int fd, error = 0;

	/* A descriptor of its own: fdopendir() takes it, closedir() ends it. */
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (dp = fdopendir(fd)) == NULL) {
		error = errno;
		if (fd >= 0)
			close(fd);
		return (t->fail(t, H2TREE_OPENDIR, error));
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(dp)) == NULL) {
			error = errno;
			break;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap != 0 ? 2 * cap : 64;
			if ((nv = realloc(names, cap * sizeof(*names))) ==
			    NULL) {
				step = H2TREE_NOMEM;
				error = ENOMEM;
				break;
			}
			names = nv;
		}
		if ((names[n] = strdup(de->d_name)) == NULL) {
			step = H2TREE_NOMEM;
			error = ENOMEM;
			break;
		}
		n++;
	}
	closedir(dp);
	if (error != 0) {
		h2tree_names_free(names, n);
		return (t->fail(t, step, error));
	}
	if (n > 1)		/* names is NULL for an empty directory */
		qsort(names, n, sizeof(*names), name_cmp);
	*namesp = names;
	*np = n;
	return (0);
}

int
h2tree_dir(struct h2tree *t, int *dfdp, h2tree_entry_fn *fn, uint64_t dir)
{
	char **names;
	size_t nnames, i, plen;
	int rc;

	if ((rc = h2tree_names(t, *dfdp, &names, &nnames)) != 0)
		return (rc);
	for (i = 0; i < nnames && rc == 0; i++) {
		if (h2tree_path_push(t, names[i], &plen) != 0) {
			rc = t->fail(t, H2TREE_NOMEM, ENOMEM);
			break;
		}
		rc = fn(t, dfdp, names[i], dir);
		if (rc == 0)
			h2tree_path_pop(t, plen);
	}
	h2tree_names_free(names, nnames);
	return (rc);
}

/*
 * Open name of dfd read-only (O_NOFOLLOW and flags) into *fdp, checked
 * to be the object st describes.  Returns 0, or t->fail()'s value for
 * step opening or, when it is another object, step replaced.
 */
static int
open_same(struct h2tree *t, int dfd, const char *name, int flags,
    const struct stat *st, enum h2tree_step opening,
    enum h2tree_step replaced, int *fdp)
{
	struct stat fst;
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | flags);
	if (fd < 0)
		return (t->fail(t, opening, errno));
	if (fstat(fd, &fst) != 0 || fst.st_dev != st->st_dev ||
	    fst.st_ino != st->st_ino) {
		close(fd);
		return (t->fail(t, replaced, ESTALE));
	}
	*fdp = fd;
	return (0);
}

int
h2tree_subdir(struct h2tree *t, int *dfdp, const char *name,
    const struct stat *st, h2tree_entry_fn *fn, uint64_t dir)
{
	struct stat pst, cst;
	int cfd, rc, error, reopen = 0;

	if ((rc = open_same(t, *dfdp, name, O_DIRECTORY, st, H2TREE_OPEN_DIR,
	    H2TREE_DIR_REPLACED, &cfd)) != 0)
		return (rc);
	if (t->depth >= H2TREE_KEEPFD) {
		if (fstat(*dfdp, &pst) != 0) {
			error = errno;
			close(cfd);
			return (t->fail(t, H2TREE_PARENT_STAT, error));
		}
		close(*dfdp);
		*dfdp = -1;
		reopen = 1;
	}
	t->depth++;
	rc = h2tree_dir(t, &cfd, fn, dir);
	t->depth--;
	if (rc == 0 && reopen) {
		*dfdp = openat(cfd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (*dfdp < 0 || fstat(*dfdp, &cst) != 0 ||
		    cst.st_dev != pst.st_dev || cst.st_ino != pst.st_ino)
			rc = t->fail(t, H2TREE_MOVED, ESTALE);
	}
	if (cfd >= 0)
		close(cfd);
	return (rc);
}

int
h2tree_open_file(struct h2tree *t, int dfd, const char *name,
    const struct stat *st, int *fdp)
{
	return (open_same(t, dfd, name, O_NONBLOCK | O_NOCTTY, st,
	    H2TREE_OPEN_FILE, H2TREE_FILE_REPLACED, fdp));
}

void
h2tree_data_init(struct h2tree_data *d, int fd, uint64_t size, char *buf,
    size_t bsize)
{
	memset(d, 0, sizeof(*d));
	d->fd = fd;
	d->size = size;
	d->buf = buf;
	d->bsize = bsize;
}

/*
 * Find the next extent holding data below d->size, rounded out to
 * blocks.  Returns 0 when there is none.
 */
static int
data_extent(struct h2tree_data *d)
{
	uint64_t mask = (uint64_t)d->bsize - 1;
	off_t data, hole;

	if (d->pos >= d->size)
		return (0);
	data = lseek(d->fd, (off_t)d->pos, SEEK_DATA);
	if (data < 0 && errno == ENXIO)
		return (0);		/* a hole up to EOF */
	hole = data < 0 ? -1 : lseek(d->fd, data, SEEK_HOLE);
	if (data < 0 || hole < 0) {
		data = (off_t)d->pos;
		hole = (off_t)d->size;
	}
	d->off = (uint64_t)data & ~mask;
	d->end = ((uint64_t)hole + mask) & ~mask;
	if (d->end > d->size)
		d->end = d->size;
	if (d->end <= d->pos)
		return (0);		/* data only past size: it grew */
	d->pos = d->end;
	return (1);
}

int
h2tree_data_next(struct h2tree_data *d, uint64_t *offp, size_t *lenp)
{
	size_t len, got;
	ssize_t n;

	*lenp = 0;
	while (d->off >= d->end)
		if (!data_extent(d))
			return (0);
	len = d->end - d->off < d->bsize ? (size_t)(d->end - d->off) :
	    d->bsize;
	for (got = 0; got < len; got += (size_t)n) {
		n = pread(d->fd, d->buf + got, len - got,
		    (off_t)(d->off + got));
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n < 0)
			return (errno);
		if (n == 0) {		/* it shrank meanwhile */
			d->size = d->pos = d->end = d->off + got;
			break;
		}
	}
	*offp = d->off;
	*lenp = got;
	d->off += got;
	return (0);
}
