/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2cmd_pfs.c - `hammer2 pfs-list`: the PFSs found in the super-root, in
 * key order, as DragonFly's hammer2(8) lists them (type, cluster id,
 * label), plus the subtype (SNAPSHOT) and the PFS's inode-number hint.
 * A PFS whose root inode cannot be read is listed with its error.
 */
#include <inttypes.h>
#include <stdio.h>

#include "h2cli.h"
#include "h2fmt.h"

struct pfs_ctx {
	struct h2cli	*cli;
	int		 nbad;
};

static int
pfs_one(void *arg, const struct hammer2_pfs_info *pi)
{
	struct pfs_ctx *pc = arg;
	char u[40], type[40], what[64];

	if (pi->error != 0) {
		pc->nbad++;
		snprintf(what, sizeof(what), "PFS root at 0x%016" PRIx64,
		    hammer2_bref_offset(pi->bref));
		h2img_warn(&pc->cli->img, what, pi->error);
		return (0);
	}
	snprintf(type, sizeof(type), "%s%s%s", h2_pfstype_name(pi->pfs_type),
	    pi->pfs_subtype != 0 ? "/" : "",
	    h2_pfssubtype_name(pi->pfs_subtype));
	printf("%-20s %s %-12" PRIu64 " %s\n", type,
	    h2_uuid_str(&pi->pfs_clid, u, sizeof(u)), pi->pfs_inum,
	    pi->label);
	return (0);
}

int
h2cmd_pfs_list(struct h2cli *cli, int argc, char **argv)
{
	struct pfs_ctx pc;
	int error;

	(void)argv;
	if (argc != 1)
		return (h2cli_usage("pfs-list", ""));
	pc.cli = cli;
	pc.nbad = 0;
	printf("%-20s %-36s %-12s %s\n", "Type", "ClusterId (pfs_clid)",
	    "Inum hint", "Label");
	error = hammer2_pfs_list(cli->img.vol, pfs_one, &pc);
	if (error != 0) {
		h2img_warn(&cli->img, "reading the super-root", error);
		return (H2_EXIT_ERR);
	}
	return (pc.nbad != 0 ? H2_EXIT_ERR : H2_EXIT_OK);
}
