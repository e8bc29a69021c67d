/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * vk_options.c - the vkernel's command line, after DragonFly's vkernel(7):
 *
 *	vkernel [-h] [-m size] [-n ncpus] [-r image]... [-e name=value[:...]]...
 *	    [-p pidfile]
 *
 * Every mistake is one line on stderr and exit status 2 (checked by the
 * caller); nothing is started before the whole line is valid.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/sysinfo.h>

#include "vk.h"
#include "size_arg.h"

void
vk_usage(FILE *f)
{
	fprintf(f,
"usage: vkernel [-h] [-m size] [-n ncpus] [-r image]... [-e name=value]...\n"
"               [-p pidfile]\n"
"  -m size     RAM, in bytes or with a K, M or G suffix (default 256M;\n"
"              at least 64M, at most the host's RAM plus swap)\n"
"  -n ncpus    virtual CPUs, each a host thread (default %d, 1..%d)\n"
"  -r image    a disk image file (read-write); repeat for more (at most %d)\n"
"  -e n=v[:..] kernel environment entries; repeatable (e.g. -e init=/sbin/init)\n"
"  -p pidfile  write the vkernel's pid to pidfile and hold a lock on it\n"
"  -h          this help\n"
"Exit status: 0 halt, 2 bad usage, 3 panic.  The console is this terminal\n"
"(raw mode, restored on exit); without a terminal, stdin/stdout as streams.\n",
	    VK_DEFCPU, PLAT_MAXCPU, VK_MAXDISK);
}

static int
host_backable(uint64_t bytes)
{
	struct sysinfo si;
	uint64_t limit;

	if (sysinfo(&si) != 0)
		return (1);
	limit = ((uint64_t)si.totalram + si.totalswap) * si.mem_unit;
	return (bytes <= limit);
}

static int
add_env(struct vk_options *opt, const char *arg)
{
	char *copy, *entry, *save;

	copy = strdup(arg);
	if (copy == NULL)
		return (ENOMEM);
	for (entry = strtok_r(copy, ":", &save); entry != NULL;
	    entry = strtok_r(NULL, ":", &save)) {
		if (strchr(entry, '=') == NULL || entry[0] == '=') {
			fprintf(stderr, "vkernel: -e %s: expected name=value\n",
			    arg);
			return (EINVAL);
		}
		if (opt->nenv == VK_MAXENV) {
			fprintf(stderr, "vkernel: -e: at most %d entries\n",
			    VK_MAXENV);
			return (EINVAL);
		}
		opt->env[opt->nenv++] = entry;
	}
	return (0);
}

int
vk_parse_options(int argc, char **argv, struct vk_options *opt)
{
	char *end;
	long n;
	int c, error;

	memset(opt, 0, sizeof(*opt));
	opt->mem_bytes = VK_DEFMEM;
	opt->ncpu = VK_DEFCPU;
	opterr = 0;
	while ((c = getopt(argc, argv, ":hm:n:r:e:p:")) != -1) {
		switch (c) {
		case 'h':
			vk_usage(stdout);
			exit(0);
		case 'm':
			error = size_arg_parse(optarg, &opt->mem_bytes);
			if (error != 0) {
				fprintf(stderr, "vkernel: -m %s: not a size "
				    "(e.g. 512m, 1g, 268435456)\n", optarg);
				return (EINVAL);
			}
			if (opt->mem_bytes < VK_MINMEM) {
				fprintf(stderr, "vkernel: -m %s: too small "
				    "(at least 64M)\n", optarg);
				return (EINVAL);
			}
			if (!host_backable(opt->mem_bytes)) {
				fprintf(stderr, "vkernel: -m %s: more than "
				    "this host's RAM and swap\n", optarg);
				return (EINVAL);
			}
			break;
		case 'n':
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    n < 1 || n > PLAT_MAXCPU) {
				fprintf(stderr, "vkernel: -n %s: expected a CPU "
				    "count from 1 to %d\n", optarg, PLAT_MAXCPU);
				return (EINVAL);
			}
			opt->ncpu = (int)n;
			break;
		case 'r':
			if (opt->ndisk == VK_MAXDISK) {
				fprintf(stderr, "vkernel: -r: at most %d disks\n",
				    VK_MAXDISK);
				return (EINVAL);
			}
			opt->disk[opt->ndisk++] = optarg;
			break;
		case 'e':
			if (add_env(opt, optarg) != 0)
				return (EINVAL);
			break;
		case 'p':
			opt->pidfile = optarg;
			break;
		case ':':
			fprintf(stderr, "vkernel: option -%c needs an argument "
			    "(see vkernel -h)\n", optopt);
			return (EINVAL);
		default:
			fprintf(stderr, "vkernel: unknown option -%c (see "
			    "vkernel -h)\n", optopt);
			return (EINVAL);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vkernel: unexpected argument '%s' (see "
		    "vkernel -h)\n", argv[optind]);
		return (EINVAL);
	}
	return (0);
}
