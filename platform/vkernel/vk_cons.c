/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * vk_cons.c - the console: the terminal the vkernel was started from.
 *
 * When standard input is a terminal it is put in raw mode (no echo, no
 * line editing, no signal characters: ^C and ^\ reach the kernel as
 * bytes), keeping output post-processing so "\n" ends a line; the saved
 * modes come back on every exit path (vk_cons_restore is async-signal-
 * safe and called from halt, panic, fatal signals and atexit).  When
 * standard input is not a terminal it is read as a plain stream.
 *
 * Output is a synchronous write(2) to standard output.  Input is read by
 * one host thread that blocks in read(2), puts the bytes in a ring and
 * raises VK_IRQ_CONSOLE on cpu 0; it never calls into the core.
 *
 * Protection: the ring has one producer (the input thread) and any
 * number of consumers (plat_cons_getc on any vCPU), which claim bytes
 * with a compare-and-swap on the tail.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "vk.h"

#define CONS_RING	4096		/* power of two */

static struct termios cons_saved;
static volatile sig_atomic_t cons_raw;	/* saved modes need restoring */

static unsigned char cons_ring[CONS_RING];
static _Atomic uint32_t cons_head;	/* next byte the producer writes */
static _Atomic uint32_t cons_tail;	/* next byte a consumer takes */

void
vk_cons_restore(void)
{
	if (cons_raw) {
		tcsetattr(STDIN_FILENO, TCSANOW, &cons_saved);
		cons_raw = 0;
	}
}

void
vk_cons_init(void)
{
	struct termios t;

	signal(SIGPIPE, SIG_IGN);
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &cons_saved) != 0)
		return;
	t = cons_saved;
	t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
	    ICRNL | IXON | IXOFF);
	t.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_oflag |= OPOST | ONLCR;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
		cons_raw = 1;
}

void
plat_cons_write(const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(STDOUT_FILENO, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;		/* console gone: drop, never block */
		}
		buf += n;
		len -= (size_t)n;
	}
}

int
plat_cons_getc(void)
{
	uint32_t tail, head;
	int c;

	for (;;) {
		tail = atomic_load_explicit(&cons_tail, memory_order_relaxed);
		head = atomic_load_explicit(&cons_head, memory_order_acquire);
		if (tail == head)
			return (-1);
		c = cons_ring[tail & (CONS_RING - 1)];
		if (atomic_compare_exchange_weak_explicit(&cons_tail, &tail,
		    tail + 1, memory_order_release, memory_order_relaxed))
			return (c);
	}
}

static void
cons_put(unsigned char c)
{
	struct timespec ts = { 0, 1000000 };
	uint32_t head;

	head = atomic_load_explicit(&cons_head, memory_order_relaxed);
	/* Full: the kernel is not reading; wait rather than drop input. */
	while (head - atomic_load_explicit(&cons_tail, memory_order_acquire) >=
	    CONS_RING)
		nanosleep(&ts, NULL);
	cons_ring[head & (CONS_RING - 1)] = c;
	atomic_store_explicit(&cons_head, head + 1, memory_order_release);
}

static void *
cons_input_thread(void *arg)
{
	unsigned char buf[256];
	ssize_t n, i;

	(void)arg;
	for (;;) {
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;		/* end of input: the console goes quiet */
		for (i = 0; i < n; i++)
			cons_put(buf[i]);
		vk_raise_irq(0, VK_IRQ_CONSOLE);
	}
	return (NULL);
}

void
vk_cons_start_input(void)
{
	pthread_attr_t attr;
	pthread_t thr;
	sigset_t all, old;

	/* Host threads take no signals: those are for vCPUs and main. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&thr, &attr, cons_input_thread, NULL) == 0)
		pthread_setname_np(thr, "vk-console");
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}
