/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lwkt_msgport_thread.c - thread ports: a port owned by one thread,
 * which alone gets messages from it and waits on it.
 *
 * The idea to hold first: the port's queues and flags, and the flags of
 * the messages on it, are touched only on the owner's CPU in a critical
 * section.  No lock, no atomic operation.  A put or a reply from another
 * CPU marks the message INTRANSIT and sends it by IPI (lwkt_send_ipiq)
 * to the owner's CPU, which does the local operation there; waking the
 * owner needs that CPU anyway.  If the owner is moving (TDF_MIGRATING)
 * or has moved, the IPI handler sends the message on after it.
 *
 * Waiting: the owner sets MSGPORTF_WAITING, takes itself off the run
 * queue and switches; a put or reply that finds WAITING clears it and
 * lwkt_schedule()s the owner.  Both sides run on the owner's CPU in a
 * critical section, so no wake-up can be lost, and a SYNC waiter cannot
 * run (and free its message) before the replier is done with it.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <sys/ipiq.h>
#include <sys/msgport.h>

#include "msg_internal.h"

/*
 * The CPU to hand a message for td to, or NULL if it is this one.
 * Context: critical section.
 */
static struct globaldata *
thread_port_remote_gd(thread_t td)
{
	struct globaldata *gd = mycpu;
	struct globaldata *tgd;

	tgd = __atomic_load_n(&td->td_gd, __ATOMIC_ACQUIRE);
	if (tgd != gd)
		return (tgd);
	/* td is ours: its flags are ours to read. */
	if (td->td_flags & TDF_MIGRATING)
		return (td->td_migrate_gd);
	return (NULL);
}

/* Wake the owner if it waits.  Context: owner's CPU, critical section. */
static void
thread_port_wake(lwkt_port_t port)
{
	if (port->mp_flags & MSGPORTF_WAITING) {
		port->mp_flags &= ~MSGPORTF_WAITING;
		lwkt_schedule(port->mpu_td);
	}
}

/*
 * Block until woken by thread_port_wake.
 * Context: the owner, on its CPU, in a critical section.
 */
static void
thread_port_sleep(lwkt_port_t port, const char *wmesg)
{
	thread_t td = port->mpu_td;

	port->mp_flags |= MSGPORTF_WAITING;
	td->td_wmesg = wmesg;
	lwkt_deschedule_self(td);
	lwkt_switch();
	td->td_wmesg = NULL;
	port->mp_flags &= ~MSGPORTF_WAITING;
}

static void
thread_port_assert_owner(lwkt_port_t port, const char *op)
{
	if (port->mpu_td != curthread)
		panic("%s: thread %s (%p) does not own thread port %p (%s), "
		    "%s does", op, curthread->td_comm, curthread, port,
		    port->mp_name, port->mpu_td->td_comm);
}

/* --------------------------------------------------------------- put */

/* Context: the owner's CPU, critical section. */
static void
thread_putport_local(lwkt_port_t port, lwkt_msg_t msg)
{
	msgport_enqueue(port, msg);
	thread_port_wake(port);
}

static void
thread_putport_ipi(void *arg, int unused)
{
	lwkt_msg_t msg = arg;
	lwkt_port_t port = msg->ms_target_port;
	struct globaldata *rgd;

	if ((rgd = thread_port_remote_gd(port->mpu_td)) != NULL) {
		lwkt_send_ipiq(rgd->gd_cpuid, thread_putport_ipi, msg);
		return;
	}
	msg->ms_flags &= ~MSGF_INTRANSIT;
	thread_putport_local(port, msg);
}

static int
thread_putport(lwkt_port_t port, lwkt_msg_t msg)
{
	thread_t cur = curthread;
	struct globaldata *rgd;

	crit_enter_quick(cur);
	if ((rgd = thread_port_remote_gd(port->mpu_td)) == NULL) {
		thread_putport_local(port, msg);
	} else {
		msg->ms_flags |= MSGF_INTRANSIT;
		lwkt_send_ipiq(rgd->gd_cpuid, thread_putport_ipi, msg);
	}
	crit_exit_quick(cur);
	return (EASYNC);
}

/* ------------------------------------------------------------- reply */

/*
 * A SYNC message is only marked DONE: its originator waits on it and
 * takes it from there.  Others are queued DONE on the reply port.
 * Context: the owner's CPU, critical section.
 */
static void
thread_replyport_local(lwkt_port_t port, lwkt_msg_t msg)
{
	if (msg->ms_flags & MSGF_SYNC) {
		__atomic_store_n(&msg->ms_flags, msg->ms_flags | MSGF_DONE,
		    __ATOMIC_RELEASE);
	} else {
		msgport_enqueue(port, msg);
		msg->ms_flags |= MSGF_DONE;
	}
	thread_port_wake(port);
}

static void
thread_replyport_ipi(void *arg, int unused)
{
	lwkt_msg_t msg = arg;
	lwkt_port_t port = msg->ms_reply_port;
	struct globaldata *rgd;

	if ((rgd = thread_port_remote_gd(port->mpu_td)) != NULL) {
		lwkt_send_ipiq(rgd->gd_cpuid, thread_replyport_ipi, msg);
		return;
	}
	msg->ms_flags &= ~MSGF_INTRANSIT;
	thread_replyport_local(port, msg);
}

static void
thread_replyport(lwkt_port_t port, lwkt_msg_t msg)
{
	thread_t cur = curthread;
	struct globaldata *rgd;

	crit_enter_quick(cur);
	if ((rgd = thread_port_remote_gd(port->mpu_td)) == NULL) {
		thread_replyport_local(port, msg);
	} else {
		msg->ms_flags |= MSGF_INTRANSIT;
		lwkt_send_ipiq(rgd->gd_cpuid, thread_replyport_ipi, msg);
	}
	crit_exit_quick(cur);
}

/* -------------------------------------------------------- get / wait */

static lwkt_msg_t
thread_getport(lwkt_port_t port)
{
	thread_t td = curthread;
	lwkt_msg_t msg;

	thread_port_assert_owner(port, "lwkt_getport");
	crit_enter_quick(td);
	msg = msgport_first(port);
	crit_exit_quick(td);
	return (msg);
}

static lwkt_msg_t
thread_waitport(lwkt_port_t port, int flags)
{
	thread_t td = curthread;
	lwkt_msg_t msg;

	thread_port_assert_owner(port, "lwkt_waitport");
	crit_enter_quick(td);
	while ((msg = msgport_first(port)) == NULL)
		thread_port_sleep(port, "waitport");
	crit_exit_quick(td);
	return (msg);
}

static int
thread_waitmsg(lwkt_msg_t msg, int flags)
{
	lwkt_port_t port = msg->ms_reply_port;
	thread_t td = curthread;

	thread_port_assert_owner(port, "lwkt_waitmsg");
	crit_enter_quick(td);
	while ((msg->ms_flags & MSGF_DONE) == 0)
		thread_port_sleep(port, "waitmsg");
	if (msg->ms_flags & MSGF_QUEUED)
		msgport_remove(port, msg);
	crit_exit_quick(td);
	return (msg->ms_error);
}

static int
thread_dropmsg(lwkt_port_t port, lwkt_msg_t msg)
{
	thread_t td = curthread;
	int error = ENOENT;

	thread_port_assert_owner(port, "lwkt_dropmsg");
	crit_enter_quick(td);
	if ((msg->ms_flags & (MSGF_REPLY | MSGF_QUEUED)) == MSGF_QUEUED) {
		msgport_remove(port, msg);
		msg->ms_flags |= MSGF_DONE;
		error = 0;
	}
	crit_exit_quick(td);
	return (error);
}

void
lwkt_initport_thread(lwkt_port_t port, thread_t td)
{
	KKASSERT(td != NULL);
	msgport_init_common(port, MSGPORT_THREAD, td->td_comm);
	port->mpu_td = td;
	port->mp_getport = thread_getport;
	port->mp_putport = thread_putport;
	port->mp_waitmsg = thread_waitmsg;
	port->mp_waitport = thread_waitport;
	port->mp_replyport = thread_replyport;
	port->mp_dropmsg = thread_dropmsg;
}
