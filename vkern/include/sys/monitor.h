/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * monitor.h - the kernel monitor: a line-oriented command interpreter on
 * the console, the place a kernel developer lands before init exists and
 * the debugger entry after.  A subsystem adds a command where it lives:
 *
 *	MONITOR_COMMAND(uptime, "", "time since boot", cmd_uptime);
 *
 * A command gets argc/argv (argv[0] is its name) and returns 0 or an
 * errno; the monitor prints the error and goes on.
 */
#ifndef _SYS_MONITOR_H_
#define _SYS_MONITOR_H_

#include <sys/types.h>
#include <sys/linker_set.h>

#define MONITOR_MAXARGS	16
#define MONITOR_LINEMAX	256

struct monitor_cmd {
	const char	*mc_name;
	const char	*mc_args;	/* synopsis of the arguments */
	const char	*mc_help;	/* one line */
	int		(*mc_func)(int argc, char **argv);
};

#define MONITOR_COMMAND(name, args, help, func)				\
	static struct monitor_cmd __CONCAT(name, _monitor_cmd) = {	\
		#name, (args), (help), (func)				\
	};								\
	DATA_SET(monitor_cmd_set, __CONCAT(name, _monitor_cmd))

/* Line editor state, exposed so tests can feed it bytes. */
struct monitor_line {
	char	ml_buf[MONITOR_LINEMAX];
	size_t	ml_len;
	int	ml_last_cr;		/* previous byte was CR: skip one LF */
};

#define MONITOR_PROMPT	"damselfly> "

/* Feed one byte; returns 1 when ml_buf holds a complete line. */
int	monitor_line_feed(struct monitor_line *ml, int c);
/* Execute one line; returns the command's result (ENOENT: unknown). */
int	monitor_exec(char *line);
/* The interactive loop; never returns. */
void	monitor_run(void) __dead2;

#endif /* !_SYS_MONITOR_H_ */
