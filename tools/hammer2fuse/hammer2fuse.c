/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2fuse.c - main() of `hammer2fuse IMAGE[@LABEL] MOUNTPOINT
 * [options]`: open the image and mount the PFS (default DATA) before
 * anything else, so that a bad image is reported on the terminal with
 * exit status 1, then mount through libfuse3's low-level API -
 * read-only, or read-write with -w - and serve requests (multi-threaded
 * unless -s) until unmounted with `fusermount3 -u MOUNTPOINT`.  Besides
 * libfuse's own options (-f, -d, -s, -o ...) it takes -w,
 * -o attr_timeout=S, -o entry_timeout=S, -o blockcache=N,
 * -o noreaddirplus and -o flush_interval=S.  docs/tools.md is the
 * manual.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h2fuse.h"

#define H2FUSE_TIMEOUT		3600.0	/* the image never changes */
#define H2FUSE_BLOCKCACHE	256	/* core cache: 64 KB slots */
#define H2FUSE_RW_TIMEOUT	1.0	/* -w: the image changes */
#define H2FUSE_FLUSH_SECS	5	/* -w: periodic flush */

struct h2fuse_opts {
	char	*spec;
	double	 attr_timeout;
	double	 entry_timeout;
	int	 blockcache;
	int	 noreaddirplus;
	int	 rw;
	int	 flush_secs;
	int	 help;
	int	 version;
};

#define H2OPT(t, p)	{ t, offsetof(struct h2fuse_opts, p), 1 }

static const struct fuse_opt h2fuse_optspec[] = {
	H2OPT("attr_timeout=%lf", attr_timeout),
	H2OPT("entry_timeout=%lf", entry_timeout),
	H2OPT("blockcache=%d", blockcache),
	H2OPT("noreaddirplus", noreaddirplus),
	H2OPT("flush_interval=%d", flush_secs),
	H2OPT("-w", rw),
	H2OPT("-h", help),
	H2OPT("--help", help),
	H2OPT("-V", version),
	H2OPT("--version", version),
	FUSE_OPT_END
};

/* The first non-option argument is the image; the rest go to libfuse. */
static int
h2fuse_optproc(void *data, const char *arg, int key,
    struct fuse_args *outargs)
{
	struct h2fuse_opts *o = data;

	if (key == FUSE_OPT_KEY_NONOPT && o->spec == NULL) {
		o->spec = strdup(arg);
		return (0);
	}
	return (1);
}

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: hammer2fuse [-w] image[@label] mountpoint [options]\n\n"
	    "Mount the PFS `label' (default DATA) of a HAMMER2 image "
	    "read-only,\nor read-write with -w.\n\n"
	    "hammer2fuse options:\n"
	    "    -w                     read-write (flushes at fsync, "
	    "unmount\n"
	    "                           and every flush_interval)\n"
	    "    -o flush_interval=S    -w: seconds between flushes "
	    "(default %d,\n"
	    "                           0: only fsync and unmount)\n"
	    "    -o attr_timeout=S      attribute cache time (default %.0f s)\n"
	    "    -o entry_timeout=S     name cache time (default %.0f s)\n"
	    "    -o blockcache=N        verified metadata blocks kept "
	    "(default %d)\n"
	    "    -o noreaddirplus       do not return attributes with "
	    "listings\n\n",
	    H2FUSE_FLUSH_SECS, H2FUSE_TIMEOUT, H2FUSE_TIMEOUT,
	    H2FUSE_BLOCKCACHE);
}

/* Report corruption met while serving, naming the image. */
static void
h2fuse_report(void *arg, const struct hammer2_report *rep)
{
	struct h2fuse *hf = arg;

	if (rep->kind == HAMMER2_REPORT_NOTE)
		return;
	fuse_log(FUSE_LOG_ERR, "hammer2fuse: %s: %s (block at 0x%llx)\n",
	    h2img_name(&hf->img), rep->reason,
	    (unsigned long long)rep->offset);
}

/* Add "-o fsname=IMAGE,subtype=hammer2" unless the name needs quoting. */
static void
h2fuse_names(struct fuse_args *args, const char *spec)
{
	char *opt;

	if (strchr(spec, ',') != NULL || strchr(spec, '\\') != NULL)
		return;
	if (asprintf(&opt, "-ofsname=%s,subtype=hammer2", spec) >= 0) {
		fuse_opt_add_arg(args, opt);
		free(opt);
	}
}

static int
h2fuse_run(struct h2fuse *hf, struct fuse_args *args,
    struct fuse_cmdline_opts *co)
{
	struct fuse_loop_config *lc;
	struct fuse_session *se;
	int rc = 1;

	se = hf->img.rw ?
	    fuse_session_new(args, &h2fuse_rwops, sizeof(h2fuse_rwops), hf) :
	    fuse_session_new(args, &h2fuse_ops, sizeof(h2fuse_ops), hf);
	if (se == NULL)
		return (1);
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, co->mountpoint) != 0)
		goto out_signals;
	fuse_daemonize(co->foreground);
	if (co->singlethread) {
		rc = fuse_session_loop(se);
	} else {
		lc = fuse_loop_cfg_create();
		if (lc == NULL) {
			rc = 1;
		} else {
			fuse_loop_cfg_set_clone_fd(lc, co->clone_fd);
			if (co->max_idle_threads != UINT_MAX)
				fuse_loop_cfg_set_idle_threads(lc,
				    co->max_idle_threads);
			fuse_loop_cfg_set_max_threads(lc, co->max_threads);
			rc = fuse_session_loop_mt(se, lc);
			fuse_loop_cfg_destroy(lc);
		}
	}
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
	return (rc != 0 ? 1 : 0);
}

int
main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts co;
	struct h2fuse_opts o;
	struct hammer2_inode root;
	struct h2fuse hf;
	const char *msg;
	int error, rc;

	h2_progname = "hammer2fuse";
	memset(&o, 0, sizeof(o));
	o.attr_timeout = -1;
	o.entry_timeout = -1;
	o.blockcache = H2FUSE_BLOCKCACHE;
	o.flush_secs = H2FUSE_FLUSH_SECS;
	rc = H2_EXIT_USAGE;
	memset(&co, 0, sizeof(co));
	if (fuse_opt_parse(&args, &o, h2fuse_optspec, h2fuse_optproc) != 0)
		goto out;
	if (o.help || o.version) {
		if (o.help) {
			usage(stdout);
			fuse_cmdline_help();
			fuse_lowlevel_help();
		} else {
			printf("hammer2fuse (HAMMER2 API %d), FUSE library %s\n",
			    HAMMER2_API_VERSION, fuse_pkgversion());
		}
		rc = H2_EXIT_OK;
		goto out;
	}
	if (o.spec != NULL)
		h2fuse_names(&args, o.spec);
	fuse_opt_add_arg(&args, o.rw ? "-odefault_permissions" :
	    "-oro,default_permissions");
	if (o.attr_timeout == -1)
		o.attr_timeout = o.rw ? H2FUSE_RW_TIMEOUT : H2FUSE_TIMEOUT;
	if (o.entry_timeout == -1)
		o.entry_timeout = o.rw ? H2FUSE_RW_TIMEOUT : H2FUSE_TIMEOUT;
	if (fuse_parse_cmdline(&args, &co) != 0)
		goto out;
	if (o.spec == NULL || co.mountpoint == NULL || o.blockcache < 1 ||
	    o.attr_timeout < 0 || o.entry_timeout < 0 || o.flush_secs < 0) {
		usage(stderr);
		goto out;
	}

	memset(&hf, 0, sizeof(hf));
	hf.attr_timeout = o.attr_timeout;
	hf.entry_timeout = o.entry_timeout;
	hf.readdirplus = !o.noreaddirplus;
	hf.flush_secs = o.flush_secs;
	hf.img.rw = o.rw;
	error = h2img_open(&hf.img, o.spec, HAMMER2_OPEN_COPY_BEST,
	    o.blockcache, h2fuse_report, &hf, &msg);
	if (error != 0) {
		fprintf(stderr, "hammer2fuse: %s: %s\n", o.spec, msg);
		rc = H2_EXIT_ERR;
		goto out;
	}
	hf.img.report = NULL;	/* quiet while mounting: errors say it */
	error = o.rw ? h2img_rw_mount(&hf.img, 0, 0) : h2img_mount(&hf.img);
	if (error == 0)
		error = h2fuse_icache_init(&hf);
	if (error != 0) {
		if (error == ENOENT)
			fprintf(stderr, "hammer2fuse: %s: no PFS labelled %s\n",
			    o.spec, hf.img.label != NULL ? hf.img.label :
			    "DATA");
		else
			h2img_warn(&hf.img, "mounting the PFS", error);
		rc = H2_EXIT_ERR;
		goto out_img;
	}
	hf.img.report = h2fuse_report;
	if (o.rw) {
		hf.rootinum = 1;
		if ((error = h2fuse_rw_start(&hf)) != 0) {
			h2img_warn(&hf.img, "starting", error);
			rc = H2_EXIT_ERR;
			goto out_img;
		}
		rc = h2fuse_run(&hf, &args, &co) != 0 ? H2_EXIT_ERR :
		    H2_EXIT_OK;
		h2fuse_rw_stop(&hf);
		/* Whatever the session did not flush (killed by a signal). */
		if ((error = hammer2_rw_flush(hf.img.mp)) != 0) {
			h2img_warn(&hf.img, "flushing", error);
			rc = H2_EXIT_ERR;
		}
		goto out_img;
	}
	/* File data is read in ascending block order: read ahead more. */
	(void)posix_fadvise(hf.img.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	hammer2_pfs_root(hf.img.pfs, &root);
	hf.rootinum = root.data.meta.inum;

	rc = h2fuse_run(&hf, &args, &co) != 0 ? H2_EXIT_ERR : H2_EXIT_OK;
out_img:
	h2fuse_icache_fini(&hf);
	h2img_close(&hf.img);
out:
	free(co.mountpoint);
	free(o.spec);
	fuse_opt_free_args(&args);
	return (rc);
}
