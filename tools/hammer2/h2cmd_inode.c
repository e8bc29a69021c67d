/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2cmd_inode.c - the commands that look at the namespace of the mounted
 * PFS: `ls` (a long listing with inode numbers), `stat` (every attribute
 * of one inode and where its block lives) and `cat` (file contents to
 * standard output).  Paths are resolved by the core from the PFS root;
 * `ls` and `stat` do not follow a final symlink, `cat` does.  Every
 * error names the image, the path and the reason; processing goes on
 * with the next path and the exit status is 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h2cli.h"
#include "h2fmt.h"

#define CAT_CHUNK	(1024 * 1024)

static int
resolve(struct h2cli *cli, const char *path, int flags,
    struct hammer2_inode *ip)
{
	int error;

	h2img_lastrep_clear();
	error = hammer2_lookup_path(cli->img.pfs, path, flags, ip);
	if (error != 0)
		h2img_warn(&cli->img, path, error);
	return (error);
}

/* "YYYY-MM-DD hh:mm" (UTC) of a HAMMER2 time. */
static void
ls_time(uint64_t usec, char *buf, size_t len)
{
	char full[64];

	h2_time_str(usec, full, sizeof(full));
	snprintf(buf, len, "%.16s", full);
}

/* One long-format line for inode ip shown under name. */
static int
ls_line(struct h2cli *cli, const struct hammer2_inode *ip, const char *name,
    size_t namlen, const char *path)
{
	struct hammer2_attr a;
	char mode[16], tm[32], nm[1100], target[4100], tshow[4400];
	size_t tlen;
	int error = 0;

	hammer2_getattr(ip, &a);
	h2_mode_str(a.ifmt, a.mode, mode, sizeof(mode));
	ls_time(a.mtime, tm, sizeof(tm));
	h2_name_str(name, namlen, nm, sizeof(nm));
	printf("%8" PRIu64 " %s %3" PRIu64 " %5u %5u %12" PRIu64 " %s %s",
	    a.inum, mode, a.nlinks, a.uid, a.gid, a.size, tm, nm);
	if (a.type == HAMMER2_OBJTYPE_SOFTLINK) {
		h2img_lastrep_clear();
		error = hammer2_readlink(ip, target, sizeof(target), &tlen);
		if (error == 0)
			printf(" -> %s", h2_name_str(target, tlen, tshow,
			    sizeof(tshow)));
	}
	putchar('\n');
	if (error != 0)
		h2img_warn(&cli->img, path, error);
	return (error);
}

struct ls_ctx {
	struct h2cli		*cli;
	const char		*dir;
	struct hammer2_inode	 ip;
	int			 nerr;
};

static int
ls_one(void *arg, const struct hammer2_dirent *de)
{
	struct ls_ctx *lc = arg;
	char path[4400], nm[1100];
	size_t dlen;
	int error;

	if (de->cookie == HAMMER2_COOKIE_DOT ||
	    de->cookie == HAMMER2_COOKIE_DOTDOT)
		return (0);
	h2_name_str(de->name, de->namlen, nm, sizeof(nm));
	dlen = strlen(lc->dir);
	snprintf(path, sizeof(path), "%s%s%s", lc->dir,
	    dlen > 0 && lc->dir[dlen - 1] == '/' ? "" : "/", nm);
	h2img_lastrep_clear();
	error = hammer2_inode_get(lc->cli->img.pfs, de->inum, &lc->ip);
	if (error != 0) {
		lc->nerr++;
		h2img_warn(&lc->cli->img, path, error);
		return (0);
	}
	if (ls_line(lc->cli, &lc->ip, de->name, de->namlen, path) != 0)
		lc->nerr++;
	return (0);
}

int
h2cmd_ls(struct h2cli *cli, int argc, char **argv)
{
	struct hammer2_inode ip;
	struct ls_ctx *lc;
	const char *path;
	int i, error, rc = H2_EXIT_OK;

	lc = malloc(sizeof(*lc));
	if (lc == NULL) {
		h2img_warn(&cli->img, NULL, ENOMEM);
		return (H2_EXIT_ERR);
	}
	for (i = 1; i < argc || (i == 1 && argc == 1); i++) {
		path = argc == 1 ? "/" : argv[i];
		if (resolve(cli, path, 0, &ip) != 0) {
			rc = H2_EXIT_ERR;
			continue;
		}
		if (ip.data.meta.type != HAMMER2_OBJTYPE_DIRECTORY) {
			if (ls_line(cli, &ip, path, strlen(path), path) != 0)
				rc = H2_EXIT_ERR;
			continue;
		}
		if (argc > 2)
			printf("%s%s:\n", i > 1 ? "\n" : "", path);
		memset(lc, 0, sizeof(*lc));
		lc->cli = cli;
		lc->dir = path;
		h2img_lastrep_clear();
		error = hammer2_readdir(&ip, 0, ls_one, lc);
		if (error != 0)
			h2img_warn(&cli->img, path, error);
		if (error != 0 || lc->nerr != 0)
			rc = H2_EXIT_ERR;
	}
	free(lc);
	return (rc);
}

static void
stat_flags(uint8_t op)
{
	printf("%-12s 0x%02x%s%s%s\n", "op_flags", op,
	    (op & HAMMER2_OPFLAG_DIRECTDATA) ? " directdata" : "",
	    (op & HAMMER2_OPFLAG_PFSROOT) ? " pfsroot" : "",
	    (op & HAMMER2_OPFLAG_COPYIDS) ? " copyids" : "");
}

static int
stat_one(struct h2cli *cli, const char *path)
{
	struct hammer2_inode ip;
	struct hammer2_attr a;
	const struct hammer2_inode_meta *m = &ip.data.meta;
	char buf[4400], t[4100], u[40];
	size_t tlen;
	int error;

	if (resolve(cli, path, 0, &ip) != 0)
		return (H2_EXIT_ERR);
	hammer2_getattr(&ip, &a);
	printf("%-12s %s\n", "path", path);
	printf("%-12s %" PRIu64 "\n", "inode", a.inum);
	printf("%-12s %s\n", "type", h2_objtype_name(a.type));
	printf("%-12s %04o (%s)\n", "mode", a.mode,
	    h2_mode_str(a.ifmt, a.mode, buf, sizeof(buf)));
	printf("%-12s %" PRIu64 "\n", "nlinks", a.nlinks);
	printf("%-12s %u\n", "uid", a.uid);
	printf("%-12s %u\n", "gid", a.gid);
	printf("%-12s %" PRIu64 "\n", "size", a.size);
	printf("%-12s %s\n", "ctime", h2_time_str(a.ctime, buf, sizeof(buf)));
	printf("%-12s %s\n", "mtime", h2_time_str(a.mtime, buf, sizeof(buf)));
	printf("%-12s %s\n", "atime", h2_time_str(a.atime, buf, sizeof(buf)));
	printf("%-12s %s\n", "btime", h2_time_str(a.btime, buf, sizeof(buf)));
	printf("%-12s %" PRIu64 "\n", "iparent", a.iparent);
	printf("%-12s 0x%08x\n", "uflags", a.uflags);
	stat_flags(a.op_flags);
	printf("%-12s %s level %u\n", "comp_algo",
	    h2_comp_name(a.comp_algo & 0x0F), a.comp_algo >> 4);
	printf("%-12s %s\n", "check_algo", h2_check_name(a.check_algo));
	printf("%-12s %" PRIu64 " bytes (advisory)\n", "data", a.data_blocks);
	if (a.type == HAMMER2_OBJTYPE_CDEV || a.type == HAMMER2_OBJTYPE_BDEV)
		printf("%-12s %u, %u\n", "rdev", a.rmajor, a.rminor);
	if (m->op_flags & HAMMER2_OPFLAG_PFSROOT) {
		printf("%-12s %s%s%s\n", "pfs_type",
		    h2_pfstype_name(m->pfs_type), m->pfs_subtype ? "/" : "",
		    h2_pfssubtype_name(m->pfs_subtype));
		printf("%-12s %s\n", "pfs_clid",
		    h2_uuid_str(&m->pfs_clid, u, sizeof(u)));
		printf("%-12s %s\n", "pfs_fsid",
		    h2_uuid_str(&m->pfs_fsid, u, sizeof(u)));
	}
	printf("%-12s ", "block");
	h2cli_print_bref(stdout, 0, &ip.bref, NULL, 0);
	if (a.type == HAMMER2_OBJTYPE_SOFTLINK) {
		h2img_lastrep_clear();
		error = hammer2_readlink(&ip, t, sizeof(t), &tlen);
		if (error != 0) {
			h2img_warn(&cli->img, path, error);
			return (H2_EXIT_ERR);
		}
		printf("%-12s %s\n", "target", h2_name_str(t, tlen, buf,
		    sizeof(buf)));
	}
	return (H2_EXIT_OK);
}

int
h2cmd_stat(struct h2cli *cli, int argc, char **argv)
{
	int i, rc = H2_EXIT_OK;

	if (argc < 2)
		return (h2cli_usage("stat", "PATH ..."));
	for (i = 1; i < argc; i++) {
		if (i > 1)
			putchar('\n');
		if (stat_one(cli, argv[i]) != H2_EXIT_OK)
			rc = H2_EXIT_ERR;
	}
	return (rc);
}

/* Write all of buf to fd; 0 or an errno. */
static int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return (errno);
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

static int
cat_one(struct h2cli *cli, const char *path, char *buf)
{
	struct hammer2_inode ip;
	uint64_t off = 0;
	size_t n;
	int error;

	if (resolve(cli, path, HAMMER2_LOOKUP_FOLLOW, &ip) != 0)
		return (H2_EXIT_ERR);
	for (;;) {
		h2img_lastrep_clear();
		error = hammer2_read(&ip, off, buf, CAT_CHUNK, &n);
		if (error != 0) {
			h2img_warn(&cli->img, path, error);
			return (H2_EXIT_ERR);
		}
		if (n == 0)
			return (H2_EXIT_OK);
		fflush(stdout);
		error = write_all(STDOUT_FILENO, buf, n);
		if (error != 0) {
			fprintf(stderr, "%s: standard output: %s\n",
			    h2_progname, strerror(error));
			return (H2_EXIT_ERR);
		}
		off += n;
	}
}

int
h2cmd_cat(struct h2cli *cli, int argc, char **argv)
{
	char *buf;
	int i, rc = H2_EXIT_OK;

	if (argc < 2)
		return (h2cli_usage("cat", "PATH ..."));
	buf = malloc(CAT_CHUNK);
	if (buf == NULL) {
		h2img_warn(&cli->img, NULL, ENOMEM);
		return (H2_EXIT_ERR);
	}
	for (i = 1; i < argc; i++)
		if (cat_one(cli, argv[i], buf) != H2_EXIT_OK)
			rc = H2_EXIT_ERR;
	free(buf);
	return (rc);
}
