/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * vk_main.c - main() of the vkernel: check the whole command line, set
 * up the host resources (RAM memfd, disk images, pidfile, terminal), then
 * start vCPU 0 in core_boot() and turn the main thread into the receiver
 * of process signals.  Any problem before the kernel starts is one line
 * on stderr and a non-zero exit: 2 for bad usage, 1 when the host cannot
 * provide what was asked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vk.h"

extern const char __executable_start[];

static struct plat_bootinfo vk_bootinfo;

int
main(int argc, char **argv)
{
	struct vk_options opt;
	uint64_t dsize;
	void *ram;
	int i, fd, error;

	if (vk_parse_options(argc, argv, &opt) != 0)
		return (PLAT_EXIT_USAGE);
	for (i = 0; i < opt.ndisk; i++) {
		error = vk_disk_open(opt.disk[i], &fd, &dsize);
		if (error != 0) {
			fprintf(stderr, "vkernel: -r %s: %s\n", opt.disk[i],
			    error == EBUSY ? "in use by another vkernel" :
			    error == EINVAL ? "not a regular file or disk" :
			    strerror(error));
			return (PLAT_EXIT_USAGE);
		}
	}
	vk_halt_init(opt.pidfile);
	error = vk_mem_init(opt.mem_bytes, &ram);
	if (error != 0) {
		fprintf(stderr, "vkernel: cannot set up %llu MB of RAM: %s\n",
		    (unsigned long long)(opt.mem_bytes >> 20),
		    strerror(error));
		vk_die(1);
	}

	vk_bootinfo.bi_version = PLAT_VERSION;
	vk_bootinfo.bi_ncpu = (uint32_t)opt.ncpu;
	vk_bootinfo.bi_name = "vkernel";
	vk_bootinfo.bi_physmem = opt.mem_bytes;
	vk_bootinfo.bi_dmap = (uint64_t)(uintptr_t)ram;
	vk_bootinfo.bi_nmem = 1;
	vk_bootinfo.bi_mem[0].mr_pa = 0;
	vk_bootinfo.bi_mem[0].mr_len = opt.mem_bytes;
	vk_bootinfo.bi_cons_irq = VK_IRQ_CONSOLE;
	vk_bootinfo.bi_image_base = (uint64_t)(uintptr_t)__executable_start;

	vk_param_init(opt.nenv, opt.env);
	vk_trap_init();
	vk_cons_init();
	atexit(vk_cons_restore);
	vk_cpus_init(opt.ncpu);
	vk_cons_start_input();
	if (vk_cpu_boot(&vk_bootinfo) != 0) {
		fprintf(stderr, "vkernel: cannot start cpu0\n");
		vk_die(1);
	}
	vk_signal_loop();
}
