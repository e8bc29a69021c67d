/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2.c - main() of `hammer2 -f IMAGE[@LABEL] COMMAND [ARGS]`, the
 * offline counterpart of DragonFly's hammer2(8) for image files: parse
 * the global options, open the image through the shared host shim, mount
 * the PFS when the command needs one, and run the command.  Exit status
 * 0 on success, 1 on an error, 2 on bad usage.  docs/tools.md is the
 * manual.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h2cli.h"

#define CMD_VOL		0x01	/* needs the volume */
#define CMD_PFS		0x02	/* needs the PFS mounted */
#define CMD_ANYVOL	0x04	/* runs even when the volume does not open */
#define CMD_POSIMG	0x08	/* DragonFly form: `hammer2 CMD IMAGE` */
#define CMD_RW		0x10	/* changes the image: read-write mount */

struct h2cli_cmd {
	const char	*name;
	int		(*fn)(struct h2cli *, int, char **);
	int		 flags;
	const char	*args;
	const char	*help;
};

static const struct h2cli_cmd h2cli_cmds[] = {
	{ "volhdr", h2cmd_volhdr, CMD_VOL | CMD_ANYVOL | CMD_POSIMG, "",
	    "print every volume header copy and its check codes" },
	{ "show", h2cmd_show, CMD_VOL | CMD_POSIMG, "",
	    "print the blockref tree, verifying every block" },
	{ "freemap", h2cmd_freemap, CMD_VOL | CMD_POSIMG, "",
	    "print the freemap leaves and their segments" },
	{ "pfs-list", h2cmd_pfs_list, CMD_VOL, "",
	    "list the PFSs in the super-root" },
	{ "ls", h2cmd_ls, CMD_VOL | CMD_PFS, "[PATH ...]",
	    "list directories (long format, with inode numbers)" },
	{ "stat", h2cmd_stat, CMD_VOL | CMD_PFS, "PATH ...",
	    "print every attribute of an inode" },
	{ "cat", h2cmd_cat, CMD_VOL | CMD_PFS, "PATH ...",
	    "write file contents to standard output" },
	{ "get", h2cmd_get, CMD_VOL | CMD_PFS, "PATH HOSTDIR",
	    "extract a file or a tree into HOSTDIR" },
	{ "pfs-create", h2cmd_pfs_create, CMD_VOL | CMD_RW, "NAME",
	    "create an empty PFS" },
	{ "pfs-delete", h2cmd_pfs_delete, CMD_VOL | CMD_RW, "NAME",
	    "delete a PFS (its space returns after two bulkfrees)" },
	{ "snapshot", h2cmd_snapshot, CMD_VOL | CMD_PFS | CMD_RW, "[NAME]",
	    "snapshot the PFS (default name LABEL.YYYYMMDD.HHMMSS)" },
	{ "put", h2cmd_put, CMD_VOL | CMD_PFS | CMD_RW, "HOSTPATH PATH",
	    "copy a host file or tree to PATH (must not exist)" },
	{ "rm", h2cmd_rm, CMD_VOL | CMD_PFS | CMD_RW, "PATH ...",
	    "remove files, links and (recursively) directories" },
	{ "mkdir", h2cmd_mkdir, CMD_VOL | CMD_PFS | CMD_RW, "PATH ...",
	    "make directories (mode 0755)" },
	{ "setcomp", h2cmd_setcomp, CMD_VOL | CMD_PFS | CMD_RW,
	    "ALGO[:LEVEL] PATH", "set the compression of PATH (recursive)" },
	{ "setcheck", h2cmd_setcheck, CMD_VOL | CMD_PFS | CMD_RW,
	    "ALGO PATH", "set the check code of PATH (recursive)" },
	{ "bulkfree", h2cmd_bulkfree, CMD_VOL | CMD_RW, "",
	    "one bulkfree pass (two free a block)" },
};

#define NCMDS	(sizeof(h2cli_cmds) / sizeof(h2cli_cmds[0]))

static void
usage_all(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: hammer2 [-c copy] -f image[@label] command "
	    "[args]\n");
	fprintf(fp, "       hammer2 {volhdr|show|freemap} image\n\n");
	fprintf(fp, "  -f image[@label]  image file, and PFS (default DATA)\n");
	fprintf(fp, "  -c copy           use volume header copy 0..3 "
	    "(default: newest valid)\n\ncommands:\n");
	for (i = 0; i < NCMDS; i++)
		fprintf(fp, "  %-8s %-13s %s\n", h2cli_cmds[i].name,
		    h2cli_cmds[i].args, h2cli_cmds[i].help);
}

int
h2cli_usage(const char *cmd, const char *args)
{
	fprintf(stderr, "usage: hammer2 -f image[@label] %s %s\n", cmd, args);
	return (H2_EXIT_USAGE);
}

static const struct h2cli_cmd *
find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (strcmp(h2cli_cmds[i].name, name) == 0)
			return (&h2cli_cmds[i]);
	return (NULL);
}

/* Open the image (and the PFS) as the command asks; 0 or exit status. */
static int
open_for(struct h2cli *cli, const struct h2cli_cmd *cmd, const char *spec)
{
	const char *msg;
	int error;

	cli->img.rw = (cmd->flags & CMD_RW) != 0;
	error = h2img_open_file(&cli->img, spec, NULL, NULL, &msg);
	if (error != 0) {
		fprintf(stderr, "%s: %s: %s\n", h2_progname, spec, msg);
		return (H2_EXIT_ERR);
	}
	error = h2img_open_vol(&cli->img, cli->copy, 0, &cli->open_msg);
	if (error != 0) {
		cli->open_error = error;
		if ((cmd->flags & CMD_ANYVOL) != 0)
			return (0);
		h2img_warnx(&cli->img, NULL, cli->open_msg);
		return (H2_EXIT_ERR);
	}
	cli->vol_ok = 1;
	if ((cmd->flags & CMD_RW) != 0)
		error = h2img_rw_mount(&cli->img, (cmd->flags & CMD_PFS) == 0,
		    0);
	else if ((cmd->flags & CMD_PFS) == 0)
		return (0);
	else
		error = h2img_mount(&cli->img);
	if (error != 0) {
		if (error == ENOENT)
			fprintf(stderr, "%s: %s: no PFS labelled %s\n",
			    h2_progname, spec, cli->img.label != NULL ?
			    cli->img.label : "DATA");
		else
			h2img_warn(&cli->img, "mounting the PFS", error);
		return (H2_EXIT_ERR);
	}
	return (0);
}

int
main(int argc, char **argv)
{
	const struct h2cli_cmd *cmd;
	struct h2cli cli;
	const char *spec = NULL;
	char *end;
	int ch, rc;

	h2_progname = "hammer2";
	memset(&cli, 0, sizeof(cli));
	cli.img.fd = -1;
	cli.copy = HAMMER2_OPEN_COPY_BEST;
	while ((ch = getopt(argc, argv, "+c:f:h")) != -1) {
		switch (ch) {
		case 'c':
			cli.copy = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || cli.copy < 0 ||
			    cli.copy >= HAMMER2_NUM_VOLHDRS) {
				fprintf(stderr, "hammer2: -c: copy must be "
				    "0..3\n");
				return (H2_EXIT_USAGE);
			}
			break;
		case 'f':
			spec = optarg;
			break;
		case 'h':
			usage_all(stdout);
			return (H2_EXIT_OK);
		default:
			usage_all(stderr);
			return (H2_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage_all(stderr);
		return (H2_EXIT_USAGE);
	}
	cmd = find_cmd(argv[0]);
	if (cmd == NULL) {
		fprintf(stderr, "hammer2: unknown command '%s'\n", argv[0]);
		usage_all(stderr);
		return (H2_EXIT_USAGE);
	}
	if (spec == NULL && (cmd->flags & CMD_POSIMG) != 0 && argc == 2) {
		spec = argv[1];
		argc--;
	}
	if (spec == NULL) {
		fprintf(stderr, "hammer2: %s: no image given (-f image)\n",
		    cmd->name);
		return (H2_EXIT_USAGE);
	}
	rc = open_for(&cli, cmd, spec);
	if (rc != 0) {
		h2img_close(&cli.img);
		return (rc);
	}
	optind = 1;
	rc = cmd->fn(&cli, argc, argv);
	if (cli.img.mp != NULL && (ch = hammer2_rw_flush(cli.img.mp)) != 0) {
		h2img_warn(&cli.img, "writing the changes", ch);
		rc = H2_EXIT_ERR;
	}
	h2img_close(&cli.img);
	if (fflush(stdout) != 0 && rc == H2_EXIT_OK) {
		fprintf(stderr, "hammer2: standard output: %s\n",
		    strerror(errno));
		rc = H2_EXIT_ERR;
	}
	return (rc);
}
