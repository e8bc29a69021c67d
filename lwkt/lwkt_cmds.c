/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lwkt_cmds.c - the monitor's view of LWKT: `threads' (every thread per
 * CPU with state, priority, wait message and tokens held) and `cpus'
 * (switch, IPI, preemption and token-collision counters).
 *
 * A CPU's thread list belongs to that CPU, so `threads' asks each CPU by
 * IPI to copy its list into a snapshot, waits, then prints: the lists
 * are read where they may be read, and the printing happens here.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <sys/token.h>
#include <sys/monitor.h>
#include <stdio.h>
#include <string.h>

#define SNAP_MAX	64

struct thread_snap {
	char		ts_comm[24];
	char		ts_wmesg[16];
	char		ts_toks[40];
	const char	*ts_state;
	int		ts_pri;
	uint64_t	ts_switches;
};

static struct thread_snap snaps[SNAP_MAX];
static int nsnaps, nsnap_lost;

static const char *
thread_state(struct globaldata *gd, thread_t td)
{
	if (td == gd->gd_curthread)
		return ("running");
	if (td->td_flags & TDF_PREEMPT_LOCK)
		return ("preempted");
	if (td->td_flags & TDF_RUNQ)
		return ("runnable");
	if (td->td_flags & TDF_TSLEEPQ)
		return ("sleeping");
	if (td->td_flags & TDF_IDLE)
		return ("idle");
	return ("blocked");
}

static void
threads_snapshot(void *arg, int unused)
{
	struct globaldata *gd = mycpu;
	struct thread_snap *ts;
	struct lwkt_tokref *ref;
	thread_t td;
	size_t off;

	TAILQ_FOREACH(td, &gd->gd_tdallq, td_allq) {
		if (nsnaps == SNAP_MAX) {
			nsnap_lost++;
			continue;
		}
		ts = &snaps[nsnaps++];
		snprintf(ts->ts_comm, sizeof(ts->ts_comm), "%s", td->td_comm);
		snprintf(ts->ts_wmesg, sizeof(ts->ts_wmesg), "%s",
		    td->td_wmesg != NULL ? td->td_wmesg : "-");
		ts->ts_state = thread_state(gd, td);
		ts->ts_pri = td->td_pri;
		ts->ts_switches = td->td_switches;
		off = 0;
		ts->ts_toks[0] = '\0';
		for (ref = &td->td_toks_array[0]; ref < td->td_toks_stop &&
		    off < sizeof(ts->ts_toks); ref++)
			off += (size_t)snprintf(ts->ts_toks + off,
			    sizeof(ts->ts_toks) - off, "%s%s",
			    off != 0 ? "," : "", ref->tr_tok->t_desc);
		if (off == 0)
			snprintf(ts->ts_toks, sizeof(ts->ts_toks), "-");
	}
}

static int
cmd_threads(int argc, char **argv)
{
	struct thread_snap *ts;
	int cpu, i;

	kprintf("%-4s %-16s %-9s %3s %-10s %10s %s\n", "cpu", "thread",
	    "state", "pri", "wmesg", "switches", "tokens");
	for (cpu = 0; cpu < ncpus; cpu++) {
		if (!cpu_globaldata[cpu].gd_online)
			continue;
		nsnaps = nsnap_lost = 0;
		lwkt_wait_ipiq(cpu, lwkt_send_ipiq(cpu, threads_snapshot,
		    NULL));
		for (i = 0; i < nsnaps; i++) {
			ts = &snaps[i];
			kprintf("%-4d %-16s %-9s %3d %-10s %10llu %s\n", cpu,
			    ts->ts_comm, ts->ts_state, ts->ts_pri,
			    ts->ts_wmesg, (unsigned long long)ts->ts_switches,
			    ts->ts_toks);
		}
		if (nsnap_lost != 0)
			kprintf("     (%d more threads)\n", nsnap_lost);
	}
	return (0);
}
MONITOR_COMMAND(threads, "", "threads per CPU: state, priority, tokens",
    cmd_threads);

static int
cmd_cpus(int argc, char **argv)
{
	struct globaldata *gd;
	int cpu;

	kprintf("%-4s %-7s %9s %9s %9s %9s %9s %8s %8s\n", "cpu", "state",
	    "switches", "ipi-sent", "ipi-run", "ipi-saved", "tok-coll",
	    "preempt", "clock");
	for (cpu = 0; cpu < ncpus; cpu++) {
		gd = globaldata_find(cpu);
		kprintf("%-4d %-7s %9llu %9llu %9llu %9llu %9llu %8llu %8llu\n",
		    cpu, gd->gd_online ? "online" : "offline",
		    (unsigned long long)gd->gd_cnt_switch,
		    (unsigned long long)gd->gd_cnt_ipi_sent,
		    (unsigned long long)gd->gd_cnt_ipi_run,
		    (unsigned long long)gd->gd_cnt_ipi_avoided,
		    (unsigned long long)gd->gd_cnt_token_colls,
		    (unsigned long long)gd->gd_cnt_preempt,
		    (unsigned long long)gd->gd_cnt_clock);
	}
	return (0);
}
MONITOR_COMMAND(cpus, "", "per-CPU scheduler, IPI and token counters",
    cmd_cpus);
