/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * malloc_anchor.c - glibc malloc + free of 64 B and 4 KiB on one thread,
 * then on one thread per CPU at once (time per op per thread): the host
 * anchor bench/vm.py prints beside kbench vm.  Prints
 * "anchor NAME: VALUE ns (N ops)" lines.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "anchor_clock.h"

#define OPS	1000000

static size_t size;
static pthread_barrier_t start;

static void
loop(void)
{
	void *volatile p;
	int i;

	for (i = 0; i < OPS; i++) {
		p = malloc(size);
		free(p);
	}
}

static void *
worker(void *arg)
{
	pthread_barrier_wait(&start);
	loop();
	return (NULL);
}

static void
run(const char *name, size_t sz, int nthreads)
{
	pthread_t t[64];
	uint64_t t0;
	int i;

	size = sz;
	pthread_barrier_init(&start, NULL, nthreads + 1);
	for (i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	t0 = anchor_now_ns();
	pthread_barrier_wait(&start);
	for (i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	printf("anchor %s: %.1f ns (%d ops)\n", name,
	    (double)(anchor_now_ns() - t0) / OPS, OPS);
	pthread_barrier_destroy(&start);
}

int
main(void)
{
	int n = (int)sysconf(_SC_NPROCESSORS_ONLN);

	if (n > 64)
		n = 64;
	run("malloc64.1cpu", 64, 1);
	run("malloc64.ncpu", 64, n);
	run("malloc4k.1cpu", 4096, 1);
	run("malloc4k.ncpu", 4096, n);
	return (0);
}
