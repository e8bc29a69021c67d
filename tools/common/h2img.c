/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2img.c - the host side of the HAMMER2 core's io_ops for the tools:
 * pread(2) on an image file opened read-only, malloc(3), a pthread mutex
 * for the core's block cache, and a report hook that remembers the last
 * problem per thread so an error message can say which block was bad.
 * See h2img.h; docs/tools.md describes the tools built on it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "h2img.h"
#include "h2fmt.h"

const char *h2_progname = "hammer2";

static __thread char	h2_lastrep_buf[320];
static __thread int	h2_lastrep_set;

static int
h2img_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct h2img *img = ctx;
	size_t done = 0;
	ssize_t n;

	if (off > img->size || len > img->size - off)
		return (EIO);
	while (done < len) {
		n = pread(img->fd, (char *)buf + done, len - done,
		    (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (EIO);
		done += (size_t)n;
	}
	return (0);
}

int
h2img_pread(struct h2img *img, uint64_t off, void *buf, size_t len)
{
	return (h2img_read(img, off, buf, len));
}

static void *
h2img_alloc(void *ctx, size_t len)
{
	(void)ctx;
	return (malloc(len));
}

static void
h2img_free(void *ctx, void *ptr, size_t len)
{
	(void)ctx;
	(void)len;
	free(ptr);
}

static void
h2img_lock(void *ctx)
{
	pthread_mutex_lock(&((struct h2img *)ctx)->mu);
}

static void
h2img_unlock(void *ctx)
{
	pthread_mutex_unlock(&((struct h2img *)ctx)->mu);
}

static void
h2img_report(void *ctx, const struct hammer2_report *rep)
{
	struct h2img *img = ctx;

	if (rep->kind != HAMMER2_REPORT_NOTE) {
		if (rep->bref != NULL)
			snprintf(h2_lastrep_buf, sizeof(h2_lastrep_buf),
			    "%s (%s block at 0x%016llx)", rep->reason,
			    h2_breftype_name(rep->bref->type),
			    (unsigned long long)rep->offset);
		else
			snprintf(h2_lastrep_buf, sizeof(h2_lastrep_buf),
			    "%s (volume header, offset 0x%llx)", rep->reason,
			    (unsigned long long)rep->offset);
		h2_lastrep_set = 1;
	}
	if (img->report != NULL)
		img->report(img->report_arg, rep);
}

static int
h2img_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct h2img *img = ctx;
	size_t done = 0;
	ssize_t n;

	if (off > img->size || len > img->size - off)
		return (EIO);
	if (img->cut_after >= 0 && img->nwrites >= img->cut_after)
		return (EIO);
	img->nwrites++;
	while (done < len) {
		n = pwrite(img->fd, (const char *)buf + done, len - done,
		    (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (EIO);
		done += (size_t)n;
	}
	return (0);
}

static int
h2img_barrier(void *ctx)
{
	struct h2img *img = ctx;

	if (img->cut_after >= 0 && img->nwrites >= img->cut_after)
		return (EIO);
	return (fdatasync(img->fd) == 0 ? 0 : EIO);
}

static uint64_t
h2img_now_us(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

static void
h2img_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	if (getrandom(buf, len, 0) != (ssize_t)len)
		memset(buf, 0x5a, len);		/* never on Linux >= 3.17 */
}

static const struct hammer2_io_ops h2img_rw_ops = {
	.read = h2img_read,
	.alloc = h2img_alloc,
	.free = h2img_free,
	.lock = h2img_lock,
	.unlock = h2img_unlock,
	.report = h2img_report,
	.write = h2img_write,
	.barrier = h2img_barrier,
};

static const struct hammer2_io_ops h2img_ops = {
	.read = h2img_read,
	.alloc = h2img_alloc,
	.free = h2img_free,
	.lock = h2img_lock,
	.unlock = h2img_unlock,
	.report = h2img_report,
};

int
h2img_parse_spec(const char *spec, char **pathp, char **labelp)
{
	struct stat st;
	const char *at;

	*pathp = NULL;
	*labelp = NULL;
	if (spec == NULL || *spec == '\0')
		return (EINVAL);
	at = strrchr(spec, '@');
	if (at == NULL || stat(spec, &st) == 0) {
		*pathp = strdup(spec);
		return (*pathp == NULL ? ENOMEM : 0);
	}
	if (at == spec || at[1] == '\0' || strchr(at + 1, '/') != NULL)
		return (EINVAL);
	*pathp = strndup(spec, (size_t)(at - spec));
	*labelp = strdup(at + 1);
	if (*pathp == NULL || *labelp == NULL) {
		free(*pathp);
		free(*labelp);
		*pathp = *labelp = NULL;
		return (ENOMEM);
	}
	return (0);
}

/* Why hammer2_vol_open failed, in words. */
static const char *
h2img_open_error(int error)
{
	switch (error) {
	case EINVAL:
		return ("not a HAMMER2 image (no volume header found)");
	case EIO:
		return ("no valid volume header (every copy fails its "
		    "check codes)");
	case ENOTSUP:
		return ("unsupported HAMMER2 image (other endianness, "
		    "several volumes or unknown version)");
	case EUCLEAN:
		return ("corrupt volume header");
	default:
		return (h2_strerror(error));
	}
}

int
h2img_open_file(struct h2img *img, const char *spec, h2img_report_fn report,
    void *report_arg, const char **errp)
{
	struct stat st;
	off_t end;
	int error, rw;

	rw = img->rw;
	memset(img, 0, sizeof(*img));
	img->fd = -1;
	img->rw = rw;
	img->cut_after = -1;
	img->report = report;
	img->report_arg = report_arg;
	pthread_mutex_init(&img->mu, NULL);
	img->spec = strdup(spec != NULL ? spec : "");
	error = h2img_parse_spec(spec, &img->path, &img->label);
	if (img->spec == NULL && error == 0)
		error = ENOMEM;
	if (error != 0) {
		if (errp != NULL)
			*errp = error == EINVAL ?
			    "bad IMAGE[@LABEL] argument" : h2_strerror(error);
		goto fail;
	}
	img->fd = open(img->path, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (img->fd < 0 || fstat(img->fd, &st) != 0) {
		error = errno;
		goto fail_errno;
	}
	if (rw && flock(img->fd, LOCK_EX | LOCK_NB) != 0) {
		error = errno;
		if (errp != NULL)
			*errp = error == EWOULDBLOCK ? "image is in use by "
			    "another writer" : strerror(error);
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		error = EISDIR;
		goto fail_errno;
	}
	img->size = (uint64_t)st.st_size;
	if (S_ISBLK(st.st_mode)) {
		end = lseek(img->fd, 0, SEEK_END);
		img->size = end > 0 ? (uint64_t)end : 0;
	}
	return (0);
fail_errno:
	if (errp != NULL)
		*errp = strerror(error);
fail:
	h2img_close(img);
	return (error);
}

int
h2img_open_vol(struct h2img *img, int copy, int cache_blocks,
    const char **errp)
{
	struct hammer2_open_args args;
	int error;

	memset(&args, 0, sizeof(args));
	args.ops = img->rw ? &h2img_rw_ops : &h2img_ops;
	args.ctx = img;
	args.media_size = img->size;
	args.copy = copy;
	args.cache_blocks = cache_blocks;
	error = hammer2_vol_open(&args, &img->vol);
	if (error != 0) {
		img->vol = NULL;
		if (errp != NULL)
			*errp = h2img_open_error(error);
		return (error);
	}
	h2img_lastrep_clear();
	return (0);
}

int
h2img_open(struct h2img *img, const char *spec, int copy, int cache_blocks,
    h2img_report_fn report, void *report_arg, const char **errp)
{
	int error;

	error = h2img_open_file(img, spec, report, report_arg, errp);
	if (error != 0)
		return (error);
	error = h2img_open_vol(img, copy, cache_blocks, errp);
	if (error != 0)
		h2img_close(img);
	return (error);
}

int
h2img_mount(struct h2img *img)
{
	return (hammer2_pfs_mount(img->vol, img->label, &img->pfs));
}

int
h2img_rw_mount(struct h2img *img, int nopfs, uint64_t dirty_limit)
{
	struct hammer2_rw_args args;
	const char *cut;
	int error;

	if (!img->rw || img->vol == NULL)
		return (EINVAL);
	cut = getenv("H2IMG_CUT_AFTER");
	img->cut_after = cut != NULL && *cut != '\0' ? atol(cut) : -1;
	memset(&args, 0, sizeof(args));
	args.now_us = h2img_now_us;
	args.random = h2img_random;
	args.ctx = img;
	args.dirty_limit = dirty_limit;
	if ((error = hammer2_rw_open(img->vol, &args, &img->mp)) != 0)
		return (error);
	if (nopfs)
		return (0);
	error = hammer2_rw_pfs_get(img->mp, img->label, &img->wpfs);
	if (error != 0) {
		(void)hammer2_rw_close(img->mp, 0);
		img->mp = NULL;
	}
	return (error);
}

void
h2img_close(struct h2img *img)
{
	if (img->wpfs != NULL)
		(void)hammer2_rw_pfs_put(img->wpfs);
	if (img->mp != NULL)
		(void)hammer2_rw_close(img->mp, 0);
	if (img->pfs != NULL)
		hammer2_pfs_unmount(img->pfs);
	if (img->vol != NULL)
		hammer2_vol_close(img->vol);
	if (img->fd >= 0)
		close(img->fd);
	free(img->spec);
	free(img->path);
	free(img->label);
	pthread_mutex_destroy(&img->mu);
	memset(img, 0, sizeof(*img));
	img->fd = -1;
}

const char *
h2img_name(const struct h2img *img)
{
	return (img->spec != NULL ? img->spec : "?");
}

const char *
h2_strerror(int error)
{
	switch (error) {
	case EUCLEAN:
		return ("image is corrupt");
	case ENOTSUP:
		return ("not supported");
	case EIO:
		return ("input/output error");
	default:
		return (strerror(error));
	}
}

const char *
h2img_lastrep(void)
{
	return (h2_lastrep_set ? h2_lastrep_buf : NULL);
}

void
h2img_lastrep_clear(void)
{
	h2_lastrep_set = 0;
	h2_lastrep_buf[0] = '\0';
}

void
h2img_warnx(const struct h2img *img, const char *what, const char *msg)
{
	const char *detail = h2img_lastrep();

	fprintf(stderr, "%s: %s: ", h2_progname, h2img_name(img));
	if (what != NULL)
		fprintf(stderr, "%s: ", what);
	fprintf(stderr, "%s", msg);
	if (detail != NULL)
		fprintf(stderr, ": %s", detail);
	fputc('\n', stderr);
	h2img_lastrep_clear();
}

void
h2img_warn(const struct h2img *img, const char *what, int error)
{
	if (error != EIO && error != EUCLEAN)
		h2img_lastrep_clear();
	h2img_warnx(img, what, h2_strerror(error));
}
