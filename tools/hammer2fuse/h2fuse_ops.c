/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2fuse_ops.c - the FUSE low-level operations of hammer2fuse: lookup,
 * getattr, readlink, opendir/readdir(plus)/releasedir, open/read/release,
 * lseek (SEEK_DATA/SEEK_HOLE) and statfs, each a thin translation onto the format core (fs/hammer2)
 * for the mounted PFS.  Nothing here writes.
 *
 * Caching: the image cannot change under the driver (it was opened
 * read-only and the volume header was chosen at mount), so the kernel is
 * told to keep everything: attributes and entries (including negative
 * ones) for the configured timeouts, file pages across opens
 * (keep_cache), directory listings (cache_readdir) and symlink targets
 * (FUSE_CAP_CACHE_SYMLINKS).  Open files and directories carry a copy of
 * their inode in fi->fh, so reads do not look the inode up again.
 *
 * Context: every operation may run on any of the session's threads at
 * once; the core is thread-safe through the h2img mutex, and the inode
 * cache has its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include "h2fuse.h"

#define H2FUSE_BLKSIZE	65536	/* st_blksize: one logical block */
#define H2FUSE_READAHEAD (1024 * 1024)	/* kernel read-ahead we ask for */
#define H2FUSE_PREFETCH	(1024 * 1024)	/* image read-ahead beyond a read */

/*
 * Per-thread read buffer, grown to the largest request seen and freed
 * when libfuse retires the worker thread.
 */
struct h2f_rbuf {
	char	*buf;
	size_t	 len;
};

static pthread_key_t	h2f_rbuf_key;
static pthread_once_t	h2f_rbuf_once = PTHREAD_ONCE_INIT;

static void
h2f_rbuf_free(void *p)
{
	struct h2f_rbuf *rb = p;

	free(rb->buf);
	free(rb);
}

static void
h2f_rbuf_init(void)
{
	if (pthread_key_create(&h2f_rbuf_key, h2f_rbuf_free) != 0)
		abort();
}

/* This thread's read buffer of at least len bytes, or NULL. */
static char *
h2f_rbuf_get(size_t len)
{
	struct h2f_rbuf *rb;
	char *nb;

	pthread_once(&h2f_rbuf_once, h2f_rbuf_init);
	rb = pthread_getspecific(h2f_rbuf_key);
	if (rb == NULL) {
		rb = calloc(1, sizeof(*rb));
		if (rb == NULL || pthread_setspecific(h2f_rbuf_key, rb) != 0) {
			free(rb);
			return (NULL);
		}
	}
	if (len > rb->len) {
		nb = realloc(rb->buf, len);
		if (nb == NULL)
			return (NULL);
		rb->buf = nb;
		rb->len = len;
	}
	return (rb->buf);
}

static struct h2fuse *
h2f(fuse_req_t req)
{
	return (fuse_req_userdata(req));
}

/* FUSE inode number <-> HAMMER2 inode number (the root is 1 in FUSE). */
static fuse_ino_t
h2f_ino(const struct h2fuse *hf, uint64_t inum)
{
	if (inum == hf->rootinum)
		return (FUSE_ROOT_ID);
	return ((fuse_ino_t)inum);
}

static uint64_t
h2f_inum(const struct h2fuse *hf, fuse_ino_t ino)
{
	if (ino == FUSE_ROOT_ID)
		return (hf->rootinum);
	return ((uint64_t)ino);
}

int
h2fuse_icache_init(struct h2fuse *hf)
{
	pthread_mutex_init(&hf->ic_mu, NULL);
	hf->icache = calloc(H2FUSE_ICACHE, sizeof(*hf->icache));
	return (hf->icache == NULL ? ENOMEM : 0);
}

void
h2fuse_icache_fini(struct h2fuse *hf)
{
	free(hf->icache);
	hf->icache = NULL;
	pthread_mutex_destroy(&hf->ic_mu);
}

/* Load inode ino (FUSE numbering) into *ip, through the cache. */
static int
h2f_iget(struct h2fuse *hf, fuse_ino_t ino, struct hammer2_inode *ip)
{
	struct h2fuse_islot *s = &hf->icache[ino & (H2FUSE_ICACHE - 1)];
	uint64_t inum;
	int error;

	pthread_mutex_lock(&hf->ic_mu);
	if (s->ino == ino) {
		*ip = s->ip;
		pthread_mutex_unlock(&hf->ic_mu);
		return (0);
	}
	pthread_mutex_unlock(&hf->ic_mu);

	inum = h2f_inum(hf, ino);
	if (inum == hf->rootinum)
		error = hammer2_pfs_root(hf->img.pfs, ip);
	else
		error = hammer2_inode_get(hf->img.pfs, inum, ip);
	if (error != 0)
		return (error);
	pthread_mutex_lock(&hf->ic_mu);
	s->ino = ino;
	s->ip = *ip;
	pthread_mutex_unlock(&hf->ic_mu);
	return (0);
}

static void
h2f_stat(const struct h2fuse *hf, const struct hammer2_inode *ip,
    struct stat *st)
{
	struct hammer2_attr a;

	hammer2_getattr(ip, &a);
	memset(st, 0, sizeof(*st));
	st->st_ino = h2f_ino(hf, a.inum);
	st->st_mode = (mode_t)(a.ifmt | a.mode);
	st->st_nlink = (nlink_t)a.nlinks;
	st->st_uid = a.uid;
	st->st_gid = a.gid;
	st->st_size = (off_t)a.size;
	st->st_blksize = H2FUSE_BLKSIZE;
	st->st_blocks = (blkcnt_t)((a.data_blocks + 511) / 512);
	st->st_rdev = makedev(a.rmajor, a.rminor);
	st->st_atim.tv_sec = (time_t)(a.atime / 1000000);
	st->st_atim.tv_nsec = (long)(a.atime % 1000000) * 1000;
	st->st_mtim.tv_sec = (time_t)(a.mtime / 1000000);
	st->st_mtim.tv_nsec = (long)(a.mtime % 1000000) * 1000;
	st->st_ctim.tv_sec = (time_t)(a.ctime / 1000000);
	st->st_ctim.tv_nsec = (long)(a.ctime % 1000000) * 1000;
}

static void
h2f_entry(const struct h2fuse *hf, const struct hammer2_inode *ip,
    struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	h2f_stat(hf, ip, &e->attr);
	e->ino = e->attr.st_ino;
	e->generation = 1;
	e->attr_timeout = hf->attr_timeout;
	e->entry_timeout = hf->entry_timeout;
}

static void
h2f_init(void *userdata, struct fuse_conn_info *conn)
{
	struct h2fuse *hf = userdata;

	if (conn->capable & FUSE_CAP_CACHE_SYMLINKS)
		conn->want |= FUSE_CAP_CACHE_SYMLINKS;
	if (conn->capable & FUSE_CAP_PARALLEL_DIROPS)
		conn->want |= FUSE_CAP_PARALLEL_DIROPS;
	if (!hf->readdirplus)
		conn->want &= ~(FUSE_CAP_READDIRPLUS |
		    FUSE_CAP_READDIRPLUS_AUTO);
	/* Nothing changes the image: no need to revalidate pages. */
	conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
	conn->time_gran = 1000;		/* HAMMER2 keeps microseconds */
	/* Larger read requests: fewer round trips for sequential reads. */
	conn->max_readahead = H2FUSE_READAHEAD;
}

static void
h2f_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct h2fuse *hf = h2f(req);
	struct hammer2_inode dip, ip;
	struct fuse_entry_param e;
	int error;

	error = h2f_iget(hf, parent, &dip);
	if (error == 0)
		error = hammer2_lookup_name(&dip, name, strlen(name), &ip);
	if (error == ENOENT) {
		/* A negative entry, cached like a positive one. */
		memset(&e, 0, sizeof(e));
		e.entry_timeout = hf->entry_timeout;
		fuse_reply_entry(req, &e);
		return;
	}
	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	h2f_entry(hf, &ip, &e);
	fuse_reply_entry(req, &e);
}

static void
h2f_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct h2fuse *hf = h2f(req);
	struct hammer2_inode ip;
	struct stat st;
	int error;

	error = h2f_iget(hf, ino, &ip);
	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	h2f_stat(hf, &ip, &st);
	fuse_reply_attr(req, &st, hf->attr_timeout);
}

static void
h2f_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct h2fuse *hf = h2f(req);
	struct hammer2_inode ip;
	char buf[4097];
	size_t len;
	int error;

	error = h2f_iget(hf, ino, &ip);
	if (error == 0)
		error = hammer2_readlink(&ip, buf, sizeof(buf) - 1, &len);
	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	buf[len] = '\0';
	fuse_reply_readlink(req, buf);
}

/* The inode copy an open file or directory keeps in fi->fh. */
static int
h2f_open_common(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
    int wantdir)
{
	struct h2fuse *hf = h2f(req);
	struct hammer2_inode *ip;
	int error, isdir;

	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return (EROFS);
	ip = malloc(sizeof(*ip));
	if (ip == NULL)
		return (ENOMEM);
	error = h2f_iget(hf, ino, ip);
	isdir = error == 0 &&
	    ip->data.meta.type == HAMMER2_OBJTYPE_DIRECTORY;
	if (error == 0 && wantdir && !isdir)
		error = ENOTDIR;
	if (error == 0 && !wantdir && isdir)
		error = EISDIR;
	if (error != 0) {
		free(ip);
		return (error);
	}
	fi->fh = (uint64_t)(uintptr_t)ip;
	fi->keep_cache = 1;
	if (wantdir)
		fi->cache_readdir = 1;
	return (0);
}

static void
h2f_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	int error = h2f_open_common(req, ino, fi, 0);

	if (error != 0)
		fuse_reply_err(req, error);
	else if (fuse_reply_open(req, fi) != 0)
		free((void *)(uintptr_t)fi->fh);
}

static void
h2f_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	int error = h2f_open_common(req, ino, fi, 1);

	if (error != 0)
		fuse_reply_err(req, error);
	else if (fuse_reply_open(req, fi) != 0)
		free((void *)(uintptr_t)fi->fh);
}

static void
h2f_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	free((void *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

/*
 * Ask the host to start reading the media blocks of file bytes
 * [off, off + len + H2FUSE_PREFETCH) into its page cache, so that the
 * image I/O of this request overlaps and that of the next one is done
 * while this one is decompressed and verified.
 */
static void
h2f_prefetch(struct h2fuse *hf, const struct hammer2_inode *ip, uint64_t off,
    size_t len)
{
	struct hammer2_blockref b;
	uint64_t o, end, size = ip->data.meta.size;

	if (ip->data.meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA)
		return;
	end = off + len + H2FUSE_PREFETCH;
	if (end > size || end < off)
		end = size;
	for (o = off & ~HAMMER2_PBUFMASK64; o < end; o += HAMMER2_PBUFSIZE)
		if (hammer2_bmap(ip, o, &b) == 0)
			(void)posix_fadvise(hf->img.fd,
			    (off_t)hammer2_bref_offset(&b),
			    (off_t)hammer2_bref_bytes(&b), POSIX_FADV_WILLNEED);
}

static void
h2f_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	const struct hammer2_inode *ip = (void *)(uintptr_t)fi->fh;
	size_t n;
	char *buf;
	int error;

	buf = h2f_rbuf_get(size);
	if (buf == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	h2f_prefetch(h2f(req), ip, (uint64_t)off, size);
	error = hammer2_read(ip, (uint64_t)off, buf, size, &n);
	if (error != 0)
		fuse_reply_err(req, error);
	else
		fuse_reply_buf(req, buf, n);
}

/* The state of one readdir(plus) reply being filled. */
struct h2f_fill {
	fuse_req_t	 req;
	struct h2fuse	*hf;
	int		 plus;
	char		*buf;
	size_t		 size, pos;
	struct hammer2_inode ip;
};

static int
h2f_fill_one(void *arg, const struct hammer2_dirent *de)
{
	struct h2f_fill *fl = arg;
	struct fuse_entry_param e;
	char name[HAMMER2_INODE_MAXNAME + 1];
	size_t need;

	/* A name the kernel cannot take (corrupt image): skip it. */
	if (de->namlen == 0 || de->namlen >= sizeof(name) ||
	    memchr(de->name, '/', de->namlen) != NULL ||
	    memchr(de->name, '\0', de->namlen) != NULL)
		return (0);
	memcpy(name, de->name, de->namlen);
	name[de->namlen] = '\0';
	memset(&e, 0, sizeof(e));
	e.attr.st_ino = h2f_ino(fl->hf, de->inum);
	e.attr.st_mode = (mode_t)hammer2_objtype_to_ifmt(de->type);
	if (!fl->plus) {
		need = fuse_add_direntry(fl->req, fl->buf + fl->pos,
		    fl->size - fl->pos, name, &e.attr, (off_t)de->next);
	} else {
		/*
		 * Entries with ino 0 carry no attributes and take no lookup
		 * reference: "." and "..", and names whose inode cannot be
		 * loaded (a later lookup reports the error).
		 */
		if (de->cookie > HAMMER2_COOKIE_DOTDOT &&
		    h2f_iget(fl->hf, e.attr.st_ino, &fl->ip) == 0)
			h2f_entry(fl->hf, &fl->ip, &e);
		need = fuse_add_direntry_plus(fl->req, fl->buf + fl->pos,
		    fl->size - fl->pos, name, &e, (off_t)de->next);
	}
	if (need > fl->size - fl->pos)
		return (1);	/* full: this entry is not consumed */
	fl->pos += need;
	return (0);
}

static void
h2f_readdir_common(fuse_req_t req, size_t size, off_t off,
    struct fuse_file_info *fi, int plus)
{
	const struct hammer2_inode *dip = (void *)(uintptr_t)fi->fh;
	struct h2f_fill *fl;
	int error;

	fl = calloc(1, sizeof(*fl));
	if (fl != NULL)
		fl->buf = malloc(size);
	if (fl == NULL || fl->buf == NULL) {
		if (fl != NULL)
			free(fl);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fl->req = req;
	fl->hf = h2f(req);
	fl->plus = plus;
	fl->size = size;
	error = hammer2_readdir(dip, (uint64_t)off, h2f_fill_one, fl);
	/* Entries before a damaged block are still worth returning. */
	if (error != 0 && fl->pos == 0)
		fuse_reply_err(req, error);
	else
		fuse_reply_buf(req, fl->buf, fl->pos);
	free(fl->buf);
	free(fl);
}

static void
h2f_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	h2f_readdir_common(req, size, off, fi, 0);
}

static void
h2f_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	h2f_readdir_common(req, size, off, fi, 1);
}

static void
h2f_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	free((void *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

static void
h2f_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct h2fuse *hf = h2f(req);
	const struct hammer2_volume_data *vd;
	struct hammer2_inode root;
	struct statvfs sv;

	vd = hammer2_vol_header(hf->img.vol, NULL);
	hammer2_pfs_root(hf->img.pfs, &root);
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = H2FUSE_BLKSIZE;
	sv.f_frsize = H2FUSE_BLKSIZE;
	sv.f_blocks = vd->volu_size / H2FUSE_BLKSIZE;
	sv.f_bfree = vd->allocator_free / H2FUSE_BLKSIZE;
	sv.f_bavail = sv.f_bfree;
	sv.f_files = root.bref.embed.stats.inode_count;
	sv.f_ffree = 0;
	sv.f_favail = 0;
	sv.f_namemax = HAMMER2_INODE_MAXNAME - 1;
	sv.f_flag = ST_RDONLY;
	fuse_reply_statfs(req, &sv);
}

static void
h2f_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
    struct fuse_file_info *fi)
{
	const struct hammer2_inode *ip = (void *)(uintptr_t)fi->fh;
	uint64_t res = 0;
	int error;

	error = off < 0 ? EINVAL : hammer2_seek(ip, (uint64_t)off,
	    h2fuse_seek_what(whence), &res);
	h2fuse_reply_seek(req, error, res);
}

const struct fuse_lowlevel_ops h2fuse_ops = {
	.init = h2f_init,
	.lookup = h2f_lookup,
	.getattr = h2f_getattr,
	.readlink = h2f_readlink,
	.open = h2f_open,
	.read = h2f_read,
	.release = h2f_release,
	.opendir = h2f_opendir,
	.readdir = h2f_readdir,
	.readdirplus = h2f_readdirplus,
	.releasedir = h2f_releasedir,
	.statfs = h2f_statfs,
	.lseek = h2f_lseek,
};
