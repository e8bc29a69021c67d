/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lwkt_anchor.c - the host's own costs for what bench/lwkt.py measures
 * inside the kernel, in the same run:
 *
 *   futex_switch      two host threads pinned to one CPU ping-ponging
 *                     through a futex: time per switch (round trip / 2)
 *   futex_pingpong    the same with the threads on two CPUs: round trip
 *   mutex             uncontended pthread_mutex_lock + unlock
 *   cas_store         a compare-and-swap then a release store: the
 *                     hardware floor of an uncontended token
 *
 * Prints "anchor NAME: VALUE ns (N ops)" lines.
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "anchor_clock.h"

static _Atomic uint32_t ball;
static long word;
static int rounds;

static void
pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % (int)sysconf(_SC_NPROCESSORS_ONLN), &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* Wait until ball == want, sleeping in the futex. */
static void
await(uint32_t want)
{
	uint32_t v;

	while ((v = atomic_load(&ball)) != want)
		syscall(SYS_futex, &ball, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

static void
serve(uint32_t v)
{
	atomic_store(&ball, v);
	syscall(SYS_futex, &ball, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *
ponger(void *arg)
{
	int i;

	pin((int)(intptr_t)arg);
	for (i = 0; i < rounds; i++) {
		await(1);
		serve(0);
	}
	return (NULL);
}

static uint64_t
pingpong(int cpu_a, int cpu_b, int n)
{
	pthread_t t;
	uint64_t t0;
	int i;

	rounds = n;
	atomic_store(&ball, 0);
	pin(cpu_a);
	pthread_create(&t, NULL, ponger, (void *)(intptr_t)cpu_b);
	usleep(10000);
	t0 = anchor_now_ns();
	for (i = 0; i < n; i++) {
		serve(1);
		await(0);
	}
	t0 = anchor_now_ns() - t0;
	pthread_join(t, NULL);
	return (t0);
}

int
main(void)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	uint64_t t;
	int i, n;

	n = 100000;
	t = pingpong(0, 0, n);
	printf("anchor futex_switch: %.1f ns (%d ops)\n", (double)t / (2.0 * n),
	    2 * n);
	n = 50000;
	t = pingpong(0, 1, n);
	printf("anchor futex_pingpong: %.1f ns (%d ops)\n", (double)t / n, n);
	n = 10000000;
	t = anchor_now_ns();
	for (i = 0; i < n; i++) {
		pthread_mutex_lock(&m);
		pthread_mutex_unlock(&m);
	}
	t = anchor_now_ns() - t;
	printf("anchor mutex: %.1f ns (%d ops)\n", (double)t / n, n);
	t = anchor_now_ns();
	for (i = 0; i < n; i++) {
		long zero = 0;

		__atomic_compare_exchange_n(&word, &zero, 1, 0,
		    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
		__atomic_store_n(&word, 0, __ATOMIC_RELEASE);
	}
	t = anchor_now_ns() - t;
	printf("anchor cas_store: %.1f ns (%d ops)\n", (double)t / n, n);
	return (0);
}
