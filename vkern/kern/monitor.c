/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * monitor.c - the kernel monitor: prompt, line editor, command table.
 *
 * Commands come from a linker set (MONITOR_COMMAND in <sys/monitor.h>),
 * so each subsystem keeps its commands beside its code and this file
 * only reads lines and dispatches.  The line editor understands
 * backspace/DEL, ^U (kill line) and ^C (abandon line), treats CR, LF and
 * CR LF each as one end of line, and echoes what it accepts, so the
 * console reads the same on a terminal, a serial line and a pipe.
 *
 * Protection: one monitor runs, on the boot CPU; its state is that
 * thread's.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/cons.h>
#include <sys/monitor.h>
#include <sys/errno.h>
#include <string.h>
#include <stdlib.h>
#include <stdio.h>

SET_DECLARE(monitor_cmd_set, struct monitor_cmd);

static void
ml_echo(const char *s, size_t n)
{
	cons_write(s, n);
}

int
monitor_line_feed(struct monitor_line *ml, int c)
{
	int last_cr = ml->ml_last_cr;

	ml->ml_last_cr = 0;
	switch (c) {
	case '\n':
		if (last_cr)
			return (0);	/* second half of CR LF */
		/* FALLTHROUGH */
	case '\r':
		ml->ml_last_cr = (c == '\r');
		ml->ml_buf[ml->ml_len] = '\0';
		ml_echo("\n", 1);
		return (1);
	case 0x7f:
	case '\b':
		if (ml->ml_len > 0) {
			ml->ml_len--;
			ml_echo("\b \b", 3);
		}
		return (0);
	case 0x15:			/* ^U */
		while (ml->ml_len > 0) {
			ml->ml_len--;
			ml_echo("\b \b", 3);
		}
		return (0);
	case 0x03:			/* ^C */
		ml->ml_len = 0;
		ml_echo("^C\n", 3);
		ml->ml_buf[0] = '\0';
		return (1);
	default:
		if (c < 0x20 || c > 0x7e)
			return (0);	/* other controls are ignored */
		if (ml->ml_len + 1 >= sizeof(ml->ml_buf)) {
			ml_echo("\a", 1);	/* full: refuse, keep line */
			return (0);
		}
		ml->ml_buf[ml->ml_len++] = (char)c;
		ml_echo((const char *)&ml->ml_buf[ml->ml_len - 1], 1);
		return (0);
	}
}

static int
monitor_split(char *line, char **argv)
{
	int argc = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (*p == '\0')
			break;
		if (argc == MONITOR_MAXARGS)
			return (-1);
		argv[argc++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
	}
	argv[argc] = NULL;
	return (argc);
}

static struct monitor_cmd *
monitor_lookup(const char *name)
{
	struct monitor_cmd **cmdp;

	SET_FOREACH(cmdp, monitor_cmd_set) {
		if (strcmp((*cmdp)->mc_name, name) == 0)
			return (*cmdp);
	}
	return (NULL);
}

int
monitor_exec(char *line)
{
	char *argv[MONITOR_MAXARGS + 1];
	struct monitor_cmd *cmd;
	int argc, error;

	argc = monitor_split(line, argv);
	if (argc == 0)
		return (0);
	if (argc < 0) {
		kprintf("monitor: too many arguments (at most %d)\n",
		    MONITOR_MAXARGS - 1);
		return (E2BIG);
	}
	cmd = monitor_lookup(argv[0]);
	if (cmd == NULL) {
		kprintf("monitor: unknown command '%s' (try 'help')\n",
		    argv[0]);
		return (ENOENT);
	}
	error = cmd->mc_func(argc, argv);
	if (error == EINVAL)
		kprintf("usage: %s %s\n", cmd->mc_name, cmd->mc_args);
	else if (error != 0)
		kprintf("%s: error %d\n", cmd->mc_name, error);
	return (error);
}

void
monitor_run(void)
{
	struct monitor_line ml;

	memset(&ml, 0, sizeof(ml));
	kputs("kernel monitor: type 'help' for commands\n");
	for (;;) {
		kputs(MONITOR_PROMPT);
		ml.ml_len = 0;
		while (!monitor_line_feed(&ml, cons_getc_wait()))
			;
		monitor_exec(ml.ml_buf);
	}
}

static int
cmd_compare(const void *a, const void *b)
{
	return (strcmp((*(struct monitor_cmd * const *)a)->mc_name,
	    (*(struct monitor_cmd * const *)b)->mc_name));
}

static int
cmd_help(int argc, char **argv)
{
	struct monitor_cmd **cmdp;
	char syn[48];

	/* Linker-set order is arbitrary; sort once so help reads well. */
	qsort(SET_BEGIN(monitor_cmd_set), SET_COUNT(monitor_cmd_set),
	    sizeof(struct monitor_cmd *), cmd_compare);
	SET_FOREACH(cmdp, monitor_cmd_set) {
		snprintf(syn, sizeof(syn), "%s %s", (*cmdp)->mc_name,
		    (*cmdp)->mc_args);
		kprintf("  %-22s %s\n", syn, (*cmdp)->mc_help);
	}
	return (0);
}
MONITOR_COMMAND(help, "", "list the commands", cmd_help);

static int
cmd_echo(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		kprintf("%s%s", i > 1 ? " " : "", argv[i]);
	kputs("\n");
	return (0);
}
MONITOR_COMMAND(echo, "[word ...]", "print the words", cmd_echo);
