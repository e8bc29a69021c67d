/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2cmd_write.c - the `hammer2` commands that change an image, through
 * the core's read-write mount (fs/hammer2/hammer2_rw.h): pfs-create,
 * pfs-delete, snapshot, put, rm, mkdir, setcomp, setcheck, bulkfree.
 * main() opens the image read-write under an exclusive lock and flushes
 * once after the command; nothing reaches the image unless that flush
 * completes (a failed command may leave earlier automatic flushes of
 * its own, each a consistent state).
 *
 * Locking: single-threaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "h2cli.h"
#include "h2fmt.h"
#include "h2tree.h"

/* Resolve path (no symlinks followed) to an inode number. */
static int
rw_resolve(struct hammer2_wpfs *pfs, const char *path, uint64_t *inump)
{
	uint64_t inum = 1;
	const char *p = path, *e;
	int error;

	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		for (e = p; *e != '\0' && *e != '/'; e++)
			;
		error = hammer2_rw_lookup(pfs, inum, p, (size_t)(e - p), &inum);
		if (error != 0)
			return (error);
		p = e;
	}
	*inump = inum;
	return (0);
}

/*
 * Split path into its parent directory (resolved) and last name (a
 * pointer into path, trailing slashes excluded).
 */
static int
rw_parent(struct hammer2_wpfs *pfs, char *path, uint64_t *dirp,
    const char **namep, size_t *lenp)
{
	char *slash, *end = path + strlen(path);
	int error;

	while (end > path && end[-1] == '/')
		*--end = '\0';
	if (end == path)
		return (EINVAL);	/* the root has no parent entry */
	slash = strrchr(path, '/');
	if (slash == NULL) {
		*dirp = 1;
		*namep = path;
	} else {
		*slash = '\0';
		error = rw_resolve(pfs, path, dirp);
		*slash = '/';
		if (error != 0)
			return (error);
		*namep = slash + 1;
	}
	*lenp = strlen(*namep);
	return (0);
}

static int
wfail(struct h2cli *cli, const char *what, int error)
{
	h2img_warn(&cli->img, what, error);
	return (H2_EXIT_ERR);
}

int
h2cmd_pfs_create(struct h2cli *cli, int argc, char **argv)
{
	int error;

	if (argc != 2)
		return (h2cli_usage(argv[0], "NAME"));
	if ((error = hammer2_rw_pfs_create(cli->img.mp, argv[1])) != 0)
		return (wfail(cli, argv[1], error));
	return (H2_EXIT_OK);
}

int
h2cmd_pfs_delete(struct h2cli *cli, int argc, char **argv)
{
	int error;

	if (argc != 2)
		return (h2cli_usage(argv[0], "NAME"));
	if ((error = hammer2_rw_pfs_delete(cli->img.mp, argv[1])) != 0)
		return (wfail(cli, argv[1], error));
	return (H2_EXIT_OK);
}

int
h2cmd_snapshot(struct h2cli *cli, int argc, char **argv)
{
	char name[HAMMER2_INODE_MAXNAME];
	const char *label = cli->img.label != NULL ? cli->img.label : "DATA";
	struct tm tm;
	time_t now;
	int error;

	if (argc > 2)
		return (h2cli_usage(argv[0], "[NAME]"));
	if (argc == 2) {
		snprintf(name, sizeof(name), "%s", argv[1]);
	} else {
		now = time(NULL);
		localtime_r(&now, &tm);
		snprintf(name, sizeof(name), "%.200s.%04d%02d%02d.%02d%02d%02d",
		    label, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		    tm.tm_hour, tm.tm_min, tm.tm_sec);
	}
	if ((error = hammer2_rw_snapshot(cli->img.wpfs, name)) != 0)
		return (wfail(cli, name, error));
	printf("%s\n", name);
	return (H2_EXIT_OK);
}

/*
 * put walks the host tree with tools/common/h2tree.c, as newfs_hammer2
 * -d does: each entry is named relative to its directory's descriptor
 * and no host symlink is followed, so neither depth nor path length is
 * limited, only each name.  Regular files are read only where SEEK_DATA
 * says there is data, and 64 KB blocks of zeros are not written, so
 * holes stay holes.  pc->tr.path is the host entry being copied; after
 * a failure it names the one that failed, and pc->failop the host call
 * (NULL when it was not one), for h2cmd_put() to report.
 */
#define PUT_BLOCK	65536

/* Host inodes with several links already copied: (dev, ino) -> inum. */
struct put_link {
	dev_t		dev;
	ino_t		ino;
	uint64_t	inum;
};

struct put_ctx {
	struct h2tree	 tr;		/* first: the walk's h2tree is ours */
	struct h2cli	*cli;
	struct put_link	*links;
	size_t		 nlinks, caplinks;
	char		*buf;		/* PUT_BLOCK */
	const char	*failop;	/* the host call that failed */
};

/* A host call failed on pc->tr.path: remember which, return its errno. */
static int
put_hostfail(struct put_ctx *pc, const char *op, int error)
{
	pc->failop = op;
	return (error);
}

/* The walk's h2tree_fail_fn: the host step that failed, as put says it. */
static int
put_treefail(struct h2tree *t, enum h2tree_step step, int error)
{
	struct put_ctx *pc = (struct put_ctx *)t;

	switch (step) {
	case H2TREE_OPENDIR:
	case H2TREE_OPEN_DIR:
		return (put_hostfail(pc, "opening directory", error));
	case H2TREE_READDIR:
		return (put_hostfail(pc, "reading directory", error));
	case H2TREE_NOMEM:
		return (error);
	case H2TREE_DIR_REPLACED:
		return (put_hostfail(pc, "opening directory (replaced "
		    "meanwhile)", error));
	case H2TREE_PARENT_STAT:
		return (put_hostfail(pc, "stat of the parent", error));
	case H2TREE_MOVED:
		return (put_hostfail(pc, "going back up (moved meanwhile)",
		    error));
	case H2TREE_OPEN_FILE:
		return (put_hostfail(pc, "opening", error));
	case H2TREE_FILE_REPLACED:
		return (put_hostfail(pc, "opening (replaced meanwhile)",
		    error));
	}
	return (error);
}

/*
 * The data of the regular file fd (size bytes by fstatat) into inum,
 * extent by extent (h2tree_data_next()); 64 KB blocks of zeros are
 * skipped.  A file that ends early is copied as far as it goes.
 */
static int
put_file_data(struct put_ctx *pc, int fd, uint64_t inum, uint64_t size)
{
	struct hammer2_wpfs *pfs = pc->cli->img.wpfs;
	struct h2tree_data d;
	uint64_t off;
	size_t len;
	int error;

	h2tree_data_init(&d, fd, size, pc->buf, PUT_BLOCK);
	while ((error = h2tree_data_next(&d, &off, &len)) == 0 && len > 0) {
		if (pc->buf[0] == 0 && memcmp(pc->buf, pc->buf + 1,
		    len - 1) == 0)
			continue;
		if ((error = hammer2_rw_write(pfs, inum, off, pc->buf,
		    len)) != 0)
			return (error);
	}
	if (error != 0)
		return (put_hostfail(pc, "reading", error));
	return (hammer2_rw_truncate(pfs, inum, d.size));
}

static int put_entry(struct put_ctx *pc, int *dfdp, const char *hname,
    uint64_t dir, const char *name, size_t len);

/* The walk's h2tree_entry_fn: host entry name of *dfdp as name in dir. */
static int
put_tree_entry(struct h2tree *t, int *dfdp, const char *name, uint64_t dir)
{
	return (put_entry((struct put_ctx *)t, dfdp, name, dir, name,
	    strlen(name)));
}

/*
 * Host entry hname of *dfdp (pc->tr.path) as name in directory dir: a hard
 * link to an inode copied before, or a new inode with its data or its
 * entries, then its times.
 */
static int
put_entry(struct put_ctx *pc, int *dfdp, const char *hname, uint64_t dir,
    const char *name, size_t len)
{
	struct hammer2_wpfs *pfs = pc->cli->img.wpfs;
	struct hammer2_rw_create cr;
	struct hammer2_attr attr;
	struct put_link *pl;
	struct stat st;
	char target[4096];
	uint64_t inum;
	ssize_t tl;
	size_t i;
	int fd, error;

	if (fstatat(*dfdp, hname, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return (put_hostfail(pc, "lstat", errno));
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
		for (i = 0; i < pc->nlinks; i++) {
			pl = &pc->links[i];
			if (pl->dev == st.st_dev && pl->ino == st.st_ino)
				return (hammer2_rw_link(pfs, pl->inum, dir,
				    name, len));
		}
	}
	memset(&cr, 0, sizeof(cr));
	cr.mode = st.st_mode & 07777;
	cr.uid = st.st_uid;
	cr.gid = st.st_gid;
	if (S_ISDIR(st.st_mode))
		cr.type = HAMMER2_OBJTYPE_DIRECTORY;
	else if (S_ISREG(st.st_mode))
		cr.type = HAMMER2_OBJTYPE_REGFILE;
	else if (S_ISLNK(st.st_mode)) {
		cr.type = HAMMER2_OBJTYPE_SOFTLINK;
		tl = readlinkat(*dfdp, hname, target, sizeof(target));
		if (tl < 0)
			return (put_hostfail(pc, "readlink", errno));
		if ((size_t)tl >= sizeof(target))
			return (put_hostfail(pc, "readlink", ENAMETOOLONG));
		cr.target = target;
		cr.targetlen = (size_t)tl;
	} else if (S_ISFIFO(st.st_mode))
		cr.type = HAMMER2_OBJTYPE_FIFO;
	else if (S_ISSOCK(st.st_mode))
		cr.type = HAMMER2_OBJTYPE_SOCKET;
	else {
		cr.type = S_ISCHR(st.st_mode) ? HAMMER2_OBJTYPE_CDEV :
		    HAMMER2_OBJTYPE_BDEV;
		cr.rmajor = major(st.st_rdev);
		cr.rminor = minor(st.st_rdev);
	}
	if ((error = hammer2_rw_create(pfs, dir, name, len, &cr,
	    &inum)) != 0)
		return (error);
	if (S_ISREG(st.st_mode)) {
		if ((error = h2tree_open_file(&pc->tr, *dfdp, hname, &st,
		    &fd)) != 0)
			return (error);
		error = put_file_data(pc, fd, inum, (uint64_t)st.st_size);
		close(fd);
	} else if (S_ISDIR(st.st_mode))
		error = h2tree_subdir(&pc->tr, dfdp, hname, &st,
		    put_tree_entry, inum);
	if (error != 0)
		return (error);
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
		if (pc->nlinks == pc->caplinks) {
			pc->caplinks = pc->caplinks ? 2 * pc->caplinks : 64;
			pl = realloc(pc->links, pc->caplinks * sizeof(*pl));
			if (pl == NULL)
				return (ENOMEM);
			pc->links = pl;
		}
		pc->links[pc->nlinks++] = (struct put_link){ st.st_dev,
		    st.st_ino, inum };
	}
	memset(&attr, 0, sizeof(attr));
	attr.mtime = (uint64_t)st.st_mtim.tv_sec * 1000000 +
	    (uint64_t)st.st_mtim.tv_nsec / 1000;
	attr.atime = (uint64_t)st.st_atim.tv_sec * 1000000 +
	    (uint64_t)st.st_atim.tv_nsec / 1000;
	return (hammer2_rw_setattr(pfs, inum, HAMMER2_SETATTR_MTIME |
	    HAMMER2_SETATTR_ATIME, &attr));
}

static int rm_tree(struct hammer2_wpfs *pfs, uint64_t dir,
    const char *name);

/*
 * put HOSTPATH PATH.  A failure names PATH, the host entry being copied
 * and, for a host call, which one: "IMG: /dst: reading tree/.../f: ...".
 */
int
h2cmd_put(struct h2cli *cli, int argc, char **argv)
{
	char what[H2_PATH_STRLEN + 256], pbuf[H2_PATH_STRLEN];
	struct put_ctx pc;
	const char *name;
	uint64_t dir;
	size_t len;
	int error, cwd = AT_FDCWD;

	if (argc != 3)
		return (h2cli_usage(argv[0], "HOSTPATH PATH"));
	memset(&pc, 0, sizeof(pc));
	pc.cli = cli;
	if ((pc.buf = malloc(PUT_BLOCK)) == NULL ||
	    h2tree_init(&pc.tr, argv[1], strlen(argv[1]), put_treefail) != 0) {
		free(pc.buf);
		return (wfail(cli, argv[0], ENOMEM));
	}
	error = rw_parent(cli->img.wpfs, argv[2], &dir, &name, &len);
	if (error == 0) {
		/* HOSTPATH as given: relative to the cwd, like lstat(2). */
		error = put_entry(&pc, &cwd, argv[1], dir, name, len);
		/* Leave nothing half-copied behind (out of space, mostly). */
		if (error != 0 && error != EEXIST)
			(void)rm_tree(cli->img.wpfs, dir, name);
		if (error != 0) {
			snprintf(what, sizeof(what), "%s: %s %s", argv[2],
			    pc.failop != NULL ? pc.failop : "copying",
			    h2tree_path_str(&pc.tr, pbuf, sizeof(pbuf)));
			h2img_warn(&cli->img, what, error);
		}
	} else {
		h2img_warn(&cli->img, argv[2], error);
	}
	free(pc.buf);
	h2tree_fini(&pc.tr);
	free(pc.links);
	return (error != 0 ? H2_EXIT_ERR : H2_EXIT_OK);
}

/* The names in a directory, copied (the directory changes meanwhile). */
struct names {
	char	**v;
	size_t	  n, cap;
	int	  failed;
};

static int
names_add(void *arg, const struct hammer2_dirent *de)
{
	struct names *nm = arg;
	char **v;

	if (de->cookie <= HAMMER2_COOKIE_DOTDOT)
		return (0);
	if (nm->n == nm->cap) {
		nm->cap = nm->cap ? 2 * nm->cap : 32;
		if ((v = realloc(nm->v, nm->cap * sizeof(*v))) == NULL)
			return (nm->failed = 1);
		nm->v = v;
	}
	if ((nm->v[nm->n] = strndup(de->name, de->namlen)) == NULL)
		return (nm->failed = 1);
	nm->n++;
	return (0);
}

static void
names_free(struct names *nm)
{
	size_t i;

	for (i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
}

static int
dir_names(struct hammer2_wpfs *pfs, uint64_t dir, struct names *nm)
{
	int error;

	memset(nm, 0, sizeof(*nm));
	error = hammer2_rw_readdir(pfs, dir, 0, names_add, nm);
	if (error == 0 && nm->failed)
		error = ENOMEM;
	return (error);
}

static int
rm_tree(struct hammer2_wpfs *pfs, uint64_t dir, const char *name)
{
	struct hammer2_attr attr;
	struct names nm;
	uint64_t inum;
	size_t i;
	int error;

	if ((error = hammer2_rw_lookup(pfs, dir, name, strlen(name),
	    &inum)) != 0 ||
	    (error = hammer2_rw_getattr(pfs, inum, &attr)) != 0)
		return (error);
	if (attr.type == HAMMER2_OBJTYPE_DIRECTORY) {
		if ((error = dir_names(pfs, inum, &nm)) != 0) {
			names_free(&nm);
			return (error);
		}
		for (i = 0; i < nm.n && error == 0; i++)
			error = rm_tree(pfs, inum, nm.v[i]);
		names_free(&nm);
		if (error != 0)
			return (error);
	}
	return (hammer2_rw_remove(pfs, dir, name, strlen(name),
	    attr.type == HAMMER2_OBJTYPE_DIRECTORY));
}

int
h2cmd_rm(struct h2cli *cli, int argc, char **argv)
{
	const char *name;
	char *copy;
	uint64_t dir;
	size_t len;
	int i, error, rc = H2_EXIT_OK;

	if (argc < 2)
		return (h2cli_usage(argv[0], "PATH ..."));
	for (i = 1; i < argc; i++) {
		if ((copy = strdup(argv[i])) == NULL)
			return (wfail(cli, argv[i], ENOMEM));
		error = rw_parent(cli->img.wpfs, copy, &dir, &name, &len);
		if (error == 0)
			error = rm_tree(cli->img.wpfs, dir, name);
		free(copy);
		if (error != 0)
			rc = wfail(cli, argv[i], error);
	}
	return (rc);
}

int
h2cmd_mkdir(struct h2cli *cli, int argc, char **argv)
{
	struct hammer2_rw_create cr;
	const char *name;
	uint64_t dir, inum;
	size_t len;
	int i, error, rc = H2_EXIT_OK;

	if (argc < 2)
		return (h2cli_usage(argv[0], "PATH ..."));
	memset(&cr, 0, sizeof(cr));
	cr.type = HAMMER2_OBJTYPE_DIRECTORY;
	cr.mode = 0755;
	cr.uid = getuid();
	cr.gid = getgid();
	for (i = 1; i < argc; i++) {
		error = rw_parent(cli->img.wpfs, argv[i], &dir, &name, &len);
		if (error == 0)
			error = hammer2_rw_create(cli->img.wpfs, dir, name, len,
			    &cr, &inum);
		if (error != 0)
			rc = wfail(cli, argv[i], error);
	}
	return (rc);
}

/* Apply (mask, attr) to inum and, for a directory, everything below. */
static int
set_tree(struct hammer2_wpfs *pfs, uint64_t inum, int mask,
    const struct hammer2_attr *val)
{
	struct hammer2_attr attr;
	struct names nm;
	uint64_t kid;
	size_t i;
	int error;

	if ((error = hammer2_rw_setattr(pfs, inum, mask, val)) != 0 ||
	    (error = hammer2_rw_getattr(pfs, inum, &attr)) != 0)
		return (error);
	if (attr.type != HAMMER2_OBJTYPE_DIRECTORY)
		return (0);
	if ((error = dir_names(pfs, inum, &nm)) != 0) {
		names_free(&nm);
		return (error);
	}
	for (i = 0; i < nm.n && error == 0; i++) {
		error = hammer2_rw_lookup(pfs, inum, nm.v[i], strlen(nm.v[i]),
		    &kid);
		if (error == 0)
			error = set_tree(pfs, kid, mask, val);
	}
	names_free(&nm);
	return (error);
}

static int
set_cmd(struct h2cli *cli, int argc, char **argv, int mask,
    const struct hammer2_attr *val)
{
	uint64_t inum;
	int error;

	if ((error = rw_resolve(cli->img.wpfs, argv[2], &inum)) != 0 ||
	    (error = set_tree(cli->img.wpfs, inum, mask, val)) != 0)
		return (wfail(cli, argv[2], error));
	(void)argc;
	return (H2_EXIT_OK);
}

int
h2cmd_setcomp(struct h2cli *cli, int argc, char **argv)
{
	static const char *names[] = { "none", "autozero", "lz4", "zlib" };
	struct hammer2_attr val;
	char *colon, *end;
	long level = 0;
	int algo;

	if (argc != 3)
		return (h2cli_usage(argv[0], "ALGO[:LEVEL] PATH"));
	if ((colon = strchr(argv[1], ':')) != NULL) {
		*colon = '\0';
		level = strtol(colon + 1, &end, 10);
		if (*end != '\0' || level < 1 || level > 9) {
			fprintf(stderr, "hammer2: setcomp: level must be "
			    "1..9\n");
			return (H2_EXIT_USAGE);
		}
	}
	for (algo = 0; algo < 4; algo++)
		if (strcasecmp(argv[1], names[algo]) == 0)
			break;
	if (algo == 4 || (level != 0 && algo != HAMMER2_COMP_ZLIB)) {
		fprintf(stderr, "hammer2: setcomp: unknown algorithm '%s' "
		    "(none, autozero, lz4, zlib[:1-9])\n", argv[1]);
		return (H2_EXIT_USAGE);
	}
	memset(&val, 0, sizeof(val));
	val.comp_algo = (uint8_t)(level << 4 | algo);
	return (set_cmd(cli, argc, argv, HAMMER2_SETATTR_COMP, &val));
}

int
h2cmd_setcheck(struct h2cli *cli, int argc, char **argv)
{
	static const char *names[] = { "none", "disabled", "crc32",
	    "xxhash64", "sha192" };
	struct hammer2_attr val;
	int algo;

	if (argc != 3)
		return (h2cli_usage(argv[0], "ALGO PATH"));
	for (algo = 0; algo < 5; algo++)
		if (strcasecmp(argv[1], names[algo]) == 0)
			break;
	if (algo == 5) {
		fprintf(stderr, "hammer2: setcheck: unknown algorithm '%s' "
		    "(none, disabled, crc32, xxhash64, sha192)\n", argv[1]);
		return (H2_EXIT_USAGE);
	}
	memset(&val, 0, sizeof(val));
	val.check_algo = (uint8_t)algo;
	return (set_cmd(cli, argc, argv, HAMMER2_SETATTR_CHECK, &val));
}

int
h2cmd_bulkfree(struct h2cli *cli, int argc, char **argv)
{
	struct hammer2_bulkfree_stats st;
	int error;

	if (argc != 1)
		return (h2cli_usage(argv[0], ""));
	memset(&st, 0, sizeof(st));
	if ((error = hammer2_rw_bulkfree(cli->img.mp, &st)) != 0)
		return (wfail(cli, "bulkfree", error));
	printf("bulkfree: %llu blockrefs scanned, %llu skipped, "
	    "%llu x 16 KB staged, %llu x 16 KB freed\n",
	    (unsigned long long)st.scanned, (unsigned long long)st.bad,
	    (unsigned long long)st.staged, (unsigned long long)st.freed);
	return (H2_EXIT_OK);
}
