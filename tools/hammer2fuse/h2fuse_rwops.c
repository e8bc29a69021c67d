/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2fuse_rwops.c - the FUSE low-level operations of `hammer2fuse -w`,
 * the read-write mount: every request goes to the core's read-write
 * mount (fs/hammer2/hammer2_rw.h) under one mutex.  FUSE inode numbers
 * are HAMMER2 inode numbers (the PFS root is 1 in both).  Changes
 * become durable at fsync/fsyncdir, every flush_interval seconds (a
 * thread of h2fuse_rw_start), when the dirty limit is reached, and at
 * unmount (destroy).  An open file holds its inode (hammer2_rw_hold),
 * so it outlives the unlink of its last name until its release.
 *
 * Protection: hf->rw_mu serialises every call into the core (the rw
 * API requires it) and guards hf->stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "h2fuse.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE	(1 << 0)	/* renameat2(2) */
#endif

static struct h2fuse *
h2w(fuse_req_t req)
{
	return (fuse_req_userdata(req));
}

static void
lock(struct h2fuse *hf)
{
	pthread_mutex_lock(&hf->rw_mu);
}

static void
unlock(struct h2fuse *hf)
{
	pthread_mutex_unlock(&hf->rw_mu);
}

static uint64_t
ts_us(const struct timespec *ts)
{
	return ((uint64_t)ts->tv_sec * 1000000 + (uint64_t)ts->tv_nsec / 1000);
}

static void
us_ts(uint64_t us, struct timespec *ts)
{
	ts->tv_sec = (time_t)(us / 1000000);
	ts->tv_nsec = (long)(us % 1000000) * 1000;
}

/* stat of inum; called with rw_mu held. */
static int
rw_stat(struct h2fuse *hf, uint64_t inum, struct stat *st)
{
	struct hammer2_attr a;
	int error;

	if ((error = hammer2_rw_getattr(hf->img.wpfs, inum, &a)) != 0)
		return (error);
	memset(st, 0, sizeof(*st));
	st->st_ino = inum;
	st->st_mode = (mode_t)(a.ifmt | a.mode);
	st->st_nlink = (nlink_t)(a.type == HAMMER2_OBJTYPE_DIRECTORY ? 1 :
	    a.nlinks);
	st->st_uid = a.uid;
	st->st_gid = a.gid;
	st->st_size = (off_t)a.size;
	st->st_blksize = 65536;
	st->st_blocks = (blkcnt_t)((a.size + 511) / 512);
	st->st_rdev = makedev(a.rmajor, a.rminor);
	us_ts(a.atime, &st->st_atim);
	us_ts(a.mtime, &st->st_mtim);
	us_ts(a.ctime, &st->st_ctim);
	return (0);
}

static int
rw_entry(struct h2fuse *hf, uint64_t inum, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = inum;
	e->generation = 1;
	e->attr_timeout = hf->attr_timeout;
	e->entry_timeout = hf->entry_timeout;
	return (rw_stat(hf, inum, &e->attr));
}

static void
reply_entry(fuse_req_t req, struct h2fuse *hf, int error, uint64_t inum)
{
	struct fuse_entry_param e;

	if (error == 0)
		error = rw_entry(hf, inum, &e);
	unlock(hf);
	if (error != 0)
		fuse_reply_err(req, error);
	else
		fuse_reply_entry(req, &e);
}

static void
w_init(void *userdata, struct fuse_conn_info *conn)
{
	if (conn->capable & FUSE_CAP_PARALLEL_DIROPS)
		conn->want &= ~FUSE_CAP_PARALLEL_DIROPS;
	conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
	conn->time_gran = 1000;
	conn->max_write = 1024 * 1024;
	conn->max_readahead = 1024 * 1024;
}

static void
w_destroy(void *userdata)
{
	struct h2fuse *hf = userdata;
	int error;

	lock(hf);
	hf->stop = 1;
	error = hammer2_rw_flush(hf->img.mp);
	unlock(hf);
	if (error != 0)
		fuse_log(FUSE_LOG_ERR, "hammer2fuse: %s: final flush: %s\n",
		    h2img_name(&hf->img), h2_strerror(error));
}

static void
w_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct h2fuse *hf = h2w(req);
	struct fuse_entry_param e;
	uint64_t inum;
	int error;

	lock(hf);
	error = hammer2_rw_lookup(hf->img.wpfs, parent, name, strlen(name),
	    &inum);
	if (error == ENOENT) {
		unlock(hf);
		memset(&e, 0, sizeof(e));
		e.entry_timeout = hf->entry_timeout;
		fuse_reply_entry(req, &e);
		return;
	}
	reply_entry(req, hf, error, inum);
}

static void
w_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct h2fuse *hf = h2w(req);
	struct stat st;
	int error;

	lock(hf);
	error = rw_stat(hf, ino, &st);
	unlock(hf);
	if (error != 0)
		fuse_reply_err(req, error);
	else
		fuse_reply_attr(req, &st, hf->attr_timeout);
}

static void
w_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
    struct fuse_file_info *fi)
{
	struct h2fuse *hf = h2w(req);
	struct hammer2_attr a;
	struct timespec now;
	struct stat st;
	int mask = 0, error;

	memset(&a, 0, sizeof(a));
	clock_gettime(CLOCK_REALTIME, &now);
	if (to_set & FUSE_SET_ATTR_MODE) {
		mask |= HAMMER2_SETATTR_MODE;
		a.mode = attr->st_mode & 07777;
	}
	if (to_set & FUSE_SET_ATTR_UID) {
		mask |= HAMMER2_SETATTR_UID;
		a.uid = attr->st_uid;
	}
	if (to_set & FUSE_SET_ATTR_GID) {
		mask |= HAMMER2_SETATTR_GID;
		a.gid = attr->st_gid;
	}
	if (to_set & FUSE_SET_ATTR_SIZE) {
		mask |= HAMMER2_SETATTR_SIZE;
		a.size = (uint64_t)attr->st_size;
	}
	if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_ATIME_NOW)) {
		mask |= HAMMER2_SETATTR_ATIME;
		a.atime = ts_us((to_set & FUSE_SET_ATTR_ATIME_NOW) ? &now :
		    &attr->st_atim);
	}
	if (to_set & (FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW)) {
		mask |= HAMMER2_SETATTR_MTIME;
		a.mtime = ts_us((to_set & FUSE_SET_ATTR_MTIME_NOW) ? &now :
		    &attr->st_mtim);
	}
	lock(hf);
	error = hammer2_rw_setattr(hf->img.wpfs, ino, mask, &a);
	if (error == 0)
		error = rw_stat(hf, ino, &st);
	unlock(hf);
	if (error != 0)
		fuse_reply_err(req, error);
	else
		fuse_reply_attr(req, &st, hf->attr_timeout);
}

static void
w_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct h2fuse *hf = h2w(req);
	char buf[4097];
	size_t n;
	int error;

	lock(hf);
	error = hammer2_rw_read(hf->img.wpfs, ino, 0, buf, sizeof(buf) - 1,
	    &n);
	unlock(hf);
	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	buf[n] = '\0';
	fuse_reply_readlink(req, buf);
}

static void
w_make(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
    dev_t rdev, const char *target)
{
	struct h2fuse *hf = h2w(req);
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct hammer2_rw_create cr;
	uint64_t inum = 0;
	int error;

	memset(&cr, 0, sizeof(cr));
	cr.mode = mode & 07777;
	cr.uid = ctx->uid;
	cr.gid = ctx->gid;
	switch (mode & S_IFMT) {
	case S_IFDIR:
		cr.type = HAMMER2_OBJTYPE_DIRECTORY;
		break;
	case S_IFREG:
		cr.type = HAMMER2_OBJTYPE_REGFILE;
		break;
	case S_IFLNK:
		cr.type = HAMMER2_OBJTYPE_SOFTLINK;
		cr.target = target;
		cr.targetlen = strlen(target);
		break;
	case S_IFIFO:
		cr.type = HAMMER2_OBJTYPE_FIFO;
		break;
	case S_IFSOCK:
		cr.type = HAMMER2_OBJTYPE_SOCKET;
		break;
	case S_IFCHR:
	case S_IFBLK:
		cr.type = S_ISCHR(mode) ? HAMMER2_OBJTYPE_CDEV :
		    HAMMER2_OBJTYPE_BDEV;
		cr.rmajor = major(rdev);
		cr.rminor = minor(rdev);
		break;
	default:
		fuse_reply_err(req, EINVAL);
		return;
	}
	lock(hf);
	error = hammer2_rw_create(hf->img.wpfs, parent, name, strlen(name),
	    &cr, &inum);
	reply_entry(req, hf, error, inum);
}

static void
w_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
    dev_t rdev)
{
	w_make(req, parent, name, mode, rdev, NULL);
}

static void
w_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	w_make(req, parent, name, (mode & 07777) | S_IFDIR, 0, NULL);
}

static void
w_symlink(fuse_req_t req, const char *target, fuse_ino_t parent,
    const char *name)
{
	w_make(req, parent, name, S_IFLNK | 0777, 0, target);
}

static void
w_remove(fuse_req_t req, fuse_ino_t parent, const char *name, int rmdir)
{
	struct h2fuse *hf = h2w(req);
	int error;

	lock(hf);
	error = hammer2_rw_remove(hf->img.wpfs, parent, name, strlen(name),
	    rmdir);
	unlock(hf);
	fuse_reply_err(req, error);
}

static void
w_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	w_remove(req, parent, name, 0);
}

static void
w_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	w_remove(req, parent, name, 1);
}

static void
w_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
    fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	struct h2fuse *hf = h2w(req);
	int error;

	if (flags & ~RENAME_NOREPLACE) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	lock(hf);
	error = hammer2_rw_rename(hf->img.wpfs, parent, name, strlen(name),
	    newparent, newname, strlen(newname),
	    (flags & RENAME_NOREPLACE) ? HAMMER2_RENAME_NOREPLACE : 0);
	unlock(hf);
	fuse_reply_err(req, error);
}

static void
w_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
    const char *newname)
{
	struct h2fuse *hf = h2w(req);
	int error;

	lock(hf);
	error = hammer2_rw_link(hf->img.wpfs, ino, newparent, newname,
	    strlen(newname));
	reply_entry(req, hf, error, ino);
}

static void
w_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct h2fuse *hf = h2w(req);
	struct hammer2_attr a;
	int error;

	lock(hf);
	error = hammer2_rw_getattr(hf->img.wpfs, ino, &a);
	if (error == 0 && a.type == HAMMER2_OBJTYPE_DIRECTORY)
		error = EISDIR;
	if (error == 0 && (fi->flags & O_TRUNC) && a.size != 0)
		error = hammer2_rw_truncate(hf->img.wpfs, ino, 0);
	if (error == 0)
		error = hammer2_rw_hold(hf->img.wpfs, ino);
	unlock(hf);
	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

static void
w_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
    struct fuse_file_info *fi)
{
	struct h2fuse *hf = h2w(req);
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct hammer2_rw_create cr;
	struct fuse_entry_param e;
	uint64_t inum = 0;
	int error;

	memset(&cr, 0, sizeof(cr));
	cr.type = HAMMER2_OBJTYPE_REGFILE;
	cr.mode = mode & 07777;
	cr.uid = ctx->uid;
	cr.gid = ctx->gid;
	lock(hf);
	error = hammer2_rw_create(hf->img.wpfs, parent, name, strlen(name),
	    &cr, &inum);
	if (error == 0)
		error = rw_entry(hf, inum, &e);
	if (error == 0)
		error = hammer2_rw_hold(hf->img.wpfs, inum);
	unlock(hf);
	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	fi->keep_cache = 1;
	fuse_reply_create(req, &e, fi);
}

static void
w_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	struct h2fuse *hf = h2w(req);
	size_t n;
	char *buf;
	int error;

	if ((buf = malloc(size ? size : 1)) == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	lock(hf);
	error = hammer2_rw_read(hf->img.wpfs, ino, (uint64_t)off, buf, size,
	    &n);
	unlock(hf);
	if (error != 0)
		fuse_reply_err(req, error);
	else
		fuse_reply_buf(req, buf, n);
	free(buf);
}

static void
w_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
    off_t off, struct fuse_file_info *fi)
{
	struct h2fuse *hf = h2w(req);
	struct hammer2_attr a;
	uint64_t o = (uint64_t)off;
	int error = 0;

	lock(hf);
	if (fi->flags & O_APPEND) {
		error = hammer2_rw_getattr(hf->img.wpfs, ino, &a);
		o = a.size;
	}
	if (error == 0)
		error = hammer2_rw_write(hf->img.wpfs, ino, o, buf, size);
	unlock(hf);
	if (error != 0)
		fuse_reply_err(req, error);
	else
		fuse_reply_write(req, size);
}

static void
w_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
    struct fuse_file_info *fi)
{
	struct h2fuse *hf = h2w(req);
	int error;

	lock(hf);
	error = hammer2_rw_flush(hf->img.mp);
	unlock(hf);
	fuse_reply_err(req, error);
}

static void
w_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct h2fuse *hf = h2w(req);
	int error;

	lock(hf);
	error = hammer2_rw_release(hf->img.wpfs, ino);
	unlock(hf);
	if (error != 0 && error != EINVAL)
		fuse_log(FUSE_LOG_ERR, "hammer2fuse: %s: inode %ju: %s\n",
		    h2img_name(&hf->img), (uintmax_t)ino, h2_strerror(error));
	fuse_reply_err(req, 0);
}

static void
w_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct h2fuse *hf = h2w(req);
	struct hammer2_attr a;
	int error;

	lock(hf);
	error = hammer2_rw_getattr(hf->img.wpfs, ino, &a);
	unlock(hf);
	if (error == 0 && a.type != HAMMER2_OBJTYPE_DIRECTORY)
		error = ENOTDIR;
	if (error != 0)
		fuse_reply_err(req, error);
	else
		fuse_reply_open(req, fi);
}

struct w_fill {
	fuse_req_t	 req;
	char		*buf;
	size_t		 size, pos;
};

static int
w_fill_one(void *arg, const struct hammer2_dirent *de)
{
	struct w_fill *fl = arg;
	char name[HAMMER2_INODE_MAXNAME + 1];
	struct stat st;
	size_t need;

	if (de->namlen == 0 || de->namlen >= sizeof(name) ||
	    memchr(de->name, '/', de->namlen) != NULL ||
	    memchr(de->name, '\0', de->namlen) != NULL)
		return (0);
	memcpy(name, de->name, de->namlen);
	name[de->namlen] = '\0';
	memset(&st, 0, sizeof(st));
	st.st_ino = de->inum;
	st.st_mode = (mode_t)hammer2_objtype_to_ifmt(de->type);
	need = fuse_add_direntry(fl->req, fl->buf + fl->pos,
	    fl->size - fl->pos, name, &st, (off_t)de->next);
	if (need > fl->size - fl->pos)
		return (1);
	fl->pos += need;
	return (0);
}

static void
w_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	struct h2fuse *hf = h2w(req);
	struct w_fill fl;
	int error;

	memset(&fl, 0, sizeof(fl));
	fl.req = req;
	fl.size = size;
	if ((fl.buf = malloc(size ? size : 1)) == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	lock(hf);
	error = hammer2_rw_readdir(hf->img.wpfs, ino, (uint64_t)off,
	    w_fill_one, &fl);
	unlock(hf);
	if (error != 0 && fl.pos == 0)
		fuse_reply_err(req, error);
	else
		fuse_reply_buf(req, fl.buf, fl.pos);
	free(fl.buf);
}

static void
w_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
    struct fuse_file_info *fi)
{
	w_fsync(req, ino, datasync, fi);
}

static void
w_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct h2fuse *hf = h2w(req);
	struct hammer2_rw_statfs sf;
	struct statvfs sv;
	int error;

	lock(hf);
	error = hammer2_rw_statfs(hf->img.wpfs, &sf);
	unlock(hf);
	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = 65536;
	sv.f_frsize = 65536;
	sv.f_blocks = sf.total / 65536;
	sv.f_bfree = sf.avail / 65536;
	sv.f_bavail = sv.f_bfree;
	sv.f_files = sf.inodes;
	sv.f_ffree = sf.avail / 1024;
	sv.f_favail = sv.f_ffree;
	sv.f_namemax = HAMMER2_INODE_MAXNAME - 1;
	fuse_reply_statfs(req, &sv);
}

static void
w_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence,
    struct fuse_file_info *fi)
{
	struct h2fuse *hf = h2w(req);
	uint64_t res = 0;
	int error = EINVAL;

	if (off >= 0) {
		lock(hf);
		error = hammer2_rw_seek(hf->img.wpfs, ino, (uint64_t)off,
		    h2fuse_seek_what(whence), &res);
		unlock(hf);
	}
	h2fuse_reply_seek(req, error, res);
}

const struct fuse_lowlevel_ops h2fuse_rwops = {
	.init = w_init,
	.destroy = w_destroy,
	.lookup = w_lookup,
	.getattr = w_getattr,
	.setattr = w_setattr,
	.readlink = w_readlink,
	.mknod = w_mknod,
	.mkdir = w_mkdir,
	.unlink = w_unlink,
	.rmdir = w_rmdir,
	.symlink = w_symlink,
	.rename = w_rename,
	.link = w_link,
	.open = w_open,
	.read = w_read,
	.write = w_write,
	.fsync = w_fsync,
	.release = w_release,
	.opendir = w_opendir,
	.readdir = w_readdir,
	.fsyncdir = w_fsyncdir,
	.statfs = w_statfs,
	.create = w_create,
	.lseek = w_lseek,
};

/* The periodic flush. */
static void *
flusher(void *arg)
{
	struct h2fuse *hf = arg;
	struct timespec ts;
	int error;

	for (;;) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += hf->flush_secs;
		lock(hf);
		while (!hf->stop && pthread_cond_timedwait(&hf->rw_cv,
		    &hf->rw_mu, &ts) == 0)
			;
		if (hf->stop) {
			unlock(hf);
			return (NULL);
		}
		error = hammer2_rw_flush(hf->img.mp);
		unlock(hf);
		if (error != 0)
			fuse_log(FUSE_LOG_ERR, "hammer2fuse: %s: flush: %s\n",
			    h2img_name(&hf->img), h2_strerror(error));
	}
}

int
h2fuse_rw_start(struct h2fuse *hf)
{
	pthread_mutex_init(&hf->rw_mu, NULL);
	pthread_cond_init(&hf->rw_cv, NULL);
	hf->stop = 0;
	if (hf->flush_secs <= 0)
		return (0);
	if (pthread_create(&hf->flush_thread, NULL, flusher, hf) != 0)
		return (EAGAIN);
	hf->flush_running = 1;
	return (0);
}

void
h2fuse_rw_stop(struct h2fuse *hf)
{
	lock(hf);
	hf->stop = 1;
	pthread_cond_broadcast(&hf->rw_cv);
	unlock(hf);
	if (hf->flush_running)
		pthread_join(hf->flush_thread, NULL);
	hf->flush_running = 0;
	pthread_cond_destroy(&hf->rw_cv);
	pthread_mutex_destroy(&hf->rw_mu);
}
