/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lwkt_testutil.h - what the LWKT unit tests share: booting a fake SMP
 * machine, starting threads on a given CPU, waiting for them from the
 * test (cpu0's thread0) and a reproducible pseudo-random schedule.
 *
 * The test's own code is thread0 on cpu0; the threads it starts run on
 * the simulated CPUs of fakeplat (see fakeplat.h for when each CPU
 * runs).  Worker threads never call CMocka: they record what they saw
 * in variables that the test checks once they are done.
 */
#ifndef _LWKT_TESTUTIL_H_
#define _LWKT_TESTUTIL_H_

#include <sys/types.h>
#include <sys/thread.h>

#define LT_RAM		(64ull << 20)

/* Boot ncpu CPUs and let them settle (once per test program). */
void	lt_boot(int ncpu);

/* Start func(arg) on cpu at priority pri; fails the test on error. */
thread_t lt_spawn(void (*func)(void *), void *arg, int cpu, int pri,
	    const char *name);

/*
 * Block thread0 until cond(arg) holds: other threads of cpu0 and the
 * other CPUs run meanwhile, and the fake clock moves (by 1 ms polls)
 * only when nothing else can happen.  Fails the test after `max_ms'
 * of fake time.
 */
void	lt_wait(int (*cond)(void *), void *arg, uint64_t max_ms);

/*
 * Run the other CPUs (thread0 does not block) until every one of them
 * is idle with nothing pending.
 */
void	lt_settle(void);

/* lt_wait until *counter >= target (read atomically), 30 s at most. */
void	lt_wait_count(const int *counter, int target);

/* A condition for lt_wait/fakeplat_run_until: the int at arg is non-0. */
int	lt_flag(void *arg);

/* Atomic helpers for counters shared between threads and CPUs. */
int	lt_load(const int *p);
void	lt_store(int *p, int v);
int	lt_inc(int *p);			/* returns the new value */

/* xorshift32: the same sequence for the same seed, every run. */
uint32_t lt_rand(uint32_t *state);

/* Spin `n' times at the platform's yield point (lets the others run). */
void	lt_yield_cpus(int n);

#endif /* !_LWKT_TESTUTIL_H_ */
