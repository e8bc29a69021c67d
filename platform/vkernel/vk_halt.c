/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * vk_halt.c - every way out of the vkernel, and the pidfile.
 *
 * plat_halt() (halt, panic) and vk_die() restore the terminal, remove
 * the pidfile and _exit() with the status: all vCPUs stop with the
 * process.  The host signals that end a process (SIGTERM, SIGINT,
 * SIGHUP, SIGQUIT) are blocked in every thread and taken by the main
 * thread in vk_signal_loop(), which restores the terminal and then dies
 * of the same signal, so the parent sees how the vkernel ended.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>

#include "vk.h"

static const char *vk_pidfile;

void
vk_die(int status)
{
	vk_cons_restore();
	if (vk_pidfile != NULL)
		unlink(vk_pidfile);
	_exit(status);
}

void
plat_halt(int status)
{
	vk_die(status);
}

/*
 * Write our pid and keep the file locked while we run (lockf -ks -t 0
 * PIDFILE true tells whether it is live).  Returns 0 or an errno.
 */
static int
pidfile_write(const char *path)
{
	char buf[32];
	int fd, n;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return (errno);
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return (EBUSY);
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || write(fd, buf, (size_t)n) != n) {
		close(fd);
		return (errno != 0 ? errno : EIO);
	}
	return (0);			/* fd stays open: it holds the lock */
}

void
vk_halt_init(const char *pidfile)
{
	sigset_t mask;
	int error;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	if (pidfile == NULL)
		return;
	error = pidfile_write(pidfile);
	if (error != 0) {
		fprintf(stderr, "vkernel: -p %s: %s\n", pidfile,
		    error == EBUSY ? "in use by a running vkernel" :
		    strerror(error));
		exit(PLAT_EXIT_USAGE);
	}
	vk_pidfile = pidfile;
}

void
vk_signal_loop(void)
{
	char msg[64];
	sigset_t mask;
	int sig, n;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	for (;;) {
		if (sigwait(&mask, &sig) != 0)
			continue;
		vk_cons_restore();
		if (vk_pidfile != NULL)
			unlink(vk_pidfile);
		n = snprintf(msg, sizeof(msg), "\nvkernel: terminated by %s\n",
		    sigabbrev_np(sig) != NULL ? sigabbrev_np(sig) : "signal");
		plat_cons_write(msg, (size_t)n);
		signal(sig, SIG_DFL);
		pthread_sigmask(SIG_UNBLOCK, &mask, NULL);
		raise(sig);
		_exit(128 + sig);
	}
}
