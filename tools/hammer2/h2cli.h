/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2cli.h - the commands of the `hammer2` host tool, each in the file
 * of its concept (h2cmd_volhdr.c, h2cmd_show.c, h2cmd_pfs.c,
 * h2cmd_inode.c, h2cmd_get.c, h2cmd_write.c), called by hammer2.c
 * after it has parsed the global options and opened the image.  A command returns the exit
 * status (H2_EXIT_*) and prints its own errors through h2img_warn().
 */
#ifndef _TOOLS_H2CLI_H_
#define _TOOLS_H2CLI_H_

#include <stdio.h>

#include "h2img.h"

/* What main opened for a command. */
struct h2cli {
	struct h2img	 img;
	int		 vol_ok;	/* volume opened (volhdr runs anyway) */
	int		 open_error;
	const char	*open_msg;
	int		 copy;		/* -c, or HAMMER2_OPEN_COPY_BEST */
};

int	h2cmd_volhdr(struct h2cli *cli, int argc, char **argv);
int	h2cmd_show(struct h2cli *cli, int argc, char **argv);
int	h2cmd_freemap(struct h2cli *cli, int argc, char **argv);
int	h2cmd_pfs_list(struct h2cli *cli, int argc, char **argv);
int	h2cmd_ls(struct h2cli *cli, int argc, char **argv);
int	h2cmd_stat(struct h2cli *cli, int argc, char **argv);
int	h2cmd_cat(struct h2cli *cli, int argc, char **argv);
int	h2cmd_get(struct h2cli *cli, int argc, char **argv);
int	h2cmd_pfs_create(struct h2cli *cli, int argc, char **argv);
int	h2cmd_pfs_delete(struct h2cli *cli, int argc, char **argv);
int	h2cmd_snapshot(struct h2cli *cli, int argc, char **argv);
int	h2cmd_put(struct h2cli *cli, int argc, char **argv);
int	h2cmd_rm(struct h2cli *cli, int argc, char **argv);
int	h2cmd_mkdir(struct h2cli *cli, int argc, char **argv);
int	h2cmd_setcomp(struct h2cli *cli, int argc, char **argv);
int	h2cmd_setcheck(struct h2cli *cli, int argc, char **argv);
int	h2cmd_bulkfree(struct h2cli *cli, int argc, char **argv);

/*
 * h2cli_print_bref - one line describing bref: type.radix, media offset,
 * key/keybits, TIDs and methods, then `check` (stored and computed
 * codes, when a check ran) and the outcome of reading it.
 */
void	h2cli_print_bref(FILE *fp, int indent,
	    const struct hammer2_blockref *bref,
	    const struct hammer2_check_result *check, int error);

/* Print a usage line for cmd on stderr and return H2_EXIT_USAGE. */
int	h2cli_usage(const char *cmd, const char *args);

#endif /* !_TOOLS_H2CLI_H_ */
