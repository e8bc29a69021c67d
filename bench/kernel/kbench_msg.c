/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * kbench_msg.c - message costs, measured inside the kernel (`kbench msg'):
 *
 *   msg.domsg_inline	lwkt_domsg to a target that completes in the
 *			caller (put-only port): the EASYNC fast path
 *   msg.domsg_local	lwkt_domsg round trip to cpu0's service thread
 *			from a thread on cpu0: queue, two switches, reply
 *   msg.domsg_cross	the same to cpu1's service thread (IPI each way)
 *   msg.send_cross	per message, 32 lwkt_sendmsg in flight to cpu1's
 *			service thread, replies collected on a thread port
 *
 * The cross-CPU cases need two CPUs and are skipped with a note on one.
 * bench/msg.py runs this beside the host anchors.  Locking: none; the
 * bench runs in the monitor's thread.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <sys/msgport.h>
#include <sys/kbench.h>
#include <plat/plat.h>

#define INLINE_OPS	2000000
#define LOCAL_OPS	200000
#define CROSS_OPS	50000
#define SEND_BATCH	32
#define SEND_ROUNDS	2000

static int
kb_inline_putport(lwkt_port_t port, lwkt_msg_t msg)
{
	return (0);
}

static void
kb_reply_dispatch(netmsg_t nm)
{
	lwkt_replymsg(&nm->nm_lmsg, 0);
}

static void
kb_domsg_inline(void)
{
	struct lwkt_port target, rport;
	struct netmsg_base nm;
	uint64_t t0;
	int i;

	lwkt_initport_putonly(&target, kb_inline_putport);
	lwkt_initport_thread(&rport, curthread);
	netmsg_init(&nm, &rport, 0, NULL);
	t0 = plat_clock_ns();
	for (i = 0; i < INLINE_OPS; i++)
		lwkt_domsg(&target, &nm.nm_lmsg, 0);
	kbench_report("msg.domsg_inline", plat_clock_ns() - t0, INLINE_OPS);
}
KBENCH(msg, domsg_inline, kb_domsg_inline);

static uint64_t
kb_domsg_rounds(int cpu, int ops)
{
	struct lwkt_port rport;
	struct netmsg_base nm;
	lwkt_port_t port;
	uint64_t t0;
	int i;

	lwkt_migratecpu(0);
	lwkt_initport_thread(&rport, curthread);
	netmsg_init(&nm, &rport, 0, kb_reply_dispatch);
	port = netisr_cpuport(cpu);
	t0 = plat_clock_ns();
	for (i = 0; i < ops; i++)
		lwkt_domsg(port, &nm.nm_lmsg, 0);
	return (plat_clock_ns() - t0);
}

static void
kb_domsg(void)
{
	kbench_report("msg.domsg_local", kb_domsg_rounds(0, LOCAL_OPS),
	    LOCAL_OPS);
	if (ncpus < 2) {
		kprintf("kbench msg.domsg_cross: skipped (one CPU)\n");
		return;
	}
	kbench_report("msg.domsg_cross", kb_domsg_rounds(1, CROSS_OPS),
	    CROSS_OPS);
}
KBENCH(msg, domsg, kb_domsg);

static void
kb_send_cross(void)
{
	static struct netmsg_base nm[SEND_BATCH];
	struct lwkt_port rport;
	lwkt_port_t port;
	uint64_t t0;
	int i, r;

	if (ncpus < 2) {
		kprintf("kbench msg.send_cross: skipped (one CPU)\n");
		return;
	}
	lwkt_migratecpu(0);
	lwkt_initport_thread(&rport, curthread);
	port = netisr_cpuport(1);
	for (i = 0; i < SEND_BATCH; i++)
		netmsg_init(&nm[i], &rport, 0, kb_reply_dispatch);
	t0 = plat_clock_ns();
	for (r = 0; r < SEND_ROUNDS; r++) {
		for (i = 0; i < SEND_BATCH; i++)
			lwkt_sendmsg(port, &nm[i].nm_lmsg);
		for (i = 0; i < SEND_BATCH; i++)
			lwkt_waitport(&rport, 0);
	}
	kbench_report("msg.send_cross", plat_clock_ns() - t0,
	    (uint64_t)SEND_ROUNDS * SEND_BATCH);
}
KBENCH(msg, send_cross, kb_send_cross);
