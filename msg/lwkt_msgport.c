/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lwkt_msgport.c - the message API (initmsg, sendmsg, domsg, replymsg,
 * waitmsg, getport, abortmsg, dropmsg, forwardmsg) and the panic port.
 *
 * Everything here goes through the port's operation vector; this file
 * only enforces the ownership rule on the way in.  A message may be sent
 * only when DONE and not QUEUED (its owner has it back), replied only
 * when it is in progress (not DONE, not REPLY, not QUEUED).  Breaking
 * either panics with the message and port addresses.  The flag
 * transitions are documented in docs/msg.md.
 *
 * Locking: none of its own.  The callers own their messages; the ports
 * protect their queues (see sys/msgport.h, [p]).
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/msgport.h>

#include "msg_internal.h"

static const char *const msgport_kinds[] = {
	[MSGPORT_THREAD] = "thread",
	[MSGPORT_SPIN] = "spin",
	[MSGPORT_SERIALIZE] = "serializer",
	[MSGPORT_REPLYONLY] = "reply-only",
	[MSGPORT_PUTONLY] = "put-only",
	[MSGPORT_PANIC] = "panic",
};

const char *
lwkt_port_kindname(lwkt_port_t port)
{
	if (port->mp_kind <= 0 || port->mp_kind > MSGPORT_PANIC)
		return ("uninitialised");
	return (msgport_kinds[port->mp_kind]);
}

void
msgport_unsupported(lwkt_port_t port, const char *op)
{
	panic("%s: port %p (%s, %s port) does not support %s", op, port,
	    port->mp_name, lwkt_port_kindname(port), op);
}

/* --------------------------------------------- panicking operations */

static lwkt_msg_t
panic_getport(lwkt_port_t port)
{
	msgport_unsupported(port, "lwkt_getport");
}

static int
panic_putport(lwkt_port_t port, lwkt_msg_t msg)
{
	msgport_unsupported(port, "lwkt_putport");
}

static int
panic_waitmsg(lwkt_msg_t msg, int flags)
{
	msgport_unsupported(msg->ms_reply_port, "lwkt_waitmsg");
}

static lwkt_msg_t
panic_waitport(lwkt_port_t port, int flags)
{
	msgport_unsupported(port, "lwkt_waitport");
}

static void
panic_replyport(lwkt_port_t port, lwkt_msg_t msg)
{
	msgport_unsupported(port, "lwkt_replymsg");
}

static int
panic_dropmsg(lwkt_port_t port, lwkt_msg_t msg)
{
	msgport_unsupported(port, "lwkt_dropmsg");
}

void
msgport_init_common(lwkt_port_t port, int kind, const char *name)
{
	TAILQ_INIT(&port->mp_msgq);
	TAILQ_INIT(&port->mp_msgq_prio);
	port->mp_flags = 0;
	port->mp_kind = kind;
	port->mp_nwaiters = 0;
	port->mp_name = name;
	port->mpu_td = NULL;
	spin_init(&port->mp_spin, name);
	port->mp_tok = NULL;
	port->mp_data = NULL;
	port->mp_getport = panic_getport;
	port->mp_putport = panic_putport;
	port->mp_waitmsg = panic_waitmsg;
	port->mp_waitport = panic_waitport;
	port->mp_replyport = panic_replyport;
	port->mp_dropmsg = panic_dropmsg;
}

void
lwkt_initport_panic(lwkt_port_t port)
{
	msgport_init_common(port, MSGPORT_PANIC, "panic");
}

void
lwkt_port_setname(lwkt_port_t port, const char *name)
{
	port->mp_name = name;
}

/* ------------------------------------------------------ messages */

void
lwkt_initmsg(lwkt_msg_t msg, lwkt_port_t rport, int flags)
{
	msg->ms_target_port = NULL;
	msg->ms_reply_port = rport;
	msg->ms_abortfn = NULL;
	msg->ms_flags = MSGF_DONE | flags;
	msg->ms_error = 0;
	msg->u.ms_result64 = 0;
}

void
lwkt_initmsg_abortable(lwkt_msg_t msg, lwkt_port_t rport, int flags,
    void (*abortfn)(lwkt_msg_t))
{
	lwkt_initmsg(msg, rport, flags | MSGF_ABORTABLE);
	msg->ms_abortfn = abortfn;
}

/*
 * The owner may start msg only if it has it back: DONE, not on any
 * queue, not travelling.
 */
static void
msg_check_idle(lwkt_port_t port, lwkt_msg_t msg, const char *op)
{
	if ((msg->ms_flags & (MSGF_DONE | MSGF_QUEUED | MSGF_INTRANSIT)) !=
	    MSGF_DONE)
		panic("%s: message %p sent to port %p (%s) while still in "
		    "flight (flags %#x, last target %p)", op, msg, port,
		    port->mp_name, msg->ms_flags, msg->ms_target_port);
	KASSERT(msg->ms_reply_port != NULL,
	    ("%s: message %p has no reply port", op, msg));
}

int
lwkt_beginmsg(lwkt_port_t port, lwkt_msg_t msg)
{
	msg->ms_target_port = port;
	return (port->mp_putport(port, msg));
}

void
lwkt_sendmsg(lwkt_port_t port, lwkt_msg_t msg)
{
	int error;

	msg_check_idle(port, msg, "lwkt_sendmsg");
	msg->ms_flags &= ~(MSGF_REPLY | MSGF_SYNC | MSGF_DONE);
	if ((error = lwkt_beginmsg(port, msg)) != EASYNC)
		lwkt_replymsg(msg, error);	/* still an async reply */
}

int
lwkt_domsg(lwkt_port_t port, lwkt_msg_t msg, int flags)
{
	int error;

	msg_check_idle(port, msg, "lwkt_domsg");
	msg->ms_flags &= ~(MSGF_REPLY | MSGF_DONE);
	msg->ms_flags |= MSGF_SYNC;
	if ((error = lwkt_beginmsg(port, msg)) == EASYNC)
		return (lwkt_waitmsg(msg, flags));
	/* Completed in our context: a function call, nothing queued. */
	msg->ms_error = error;
	msg->ms_flags |= MSGF_DONE | MSGF_REPLY;
	return (error);
}

void
lwkt_forwardmsg(lwkt_port_t port, lwkt_msg_t msg)
{
	int error;

	if (msg->ms_flags & (MSGF_DONE | MSGF_QUEUED | MSGF_REPLY |
	    MSGF_INTRANSIT))
		panic("lwkt_forwardmsg: message %p forwarded to port %p (%s) "
		    "by a thread that does not own it (flags %#x)", msg, port,
		    port->mp_name, msg->ms_flags);
	if ((error = lwkt_beginmsg(port, msg)) != EASYNC)
		lwkt_replymsg(msg, error);
}

void
lwkt_replymsg(lwkt_msg_t msg, int error)
{
	lwkt_port_t port = msg->ms_reply_port;

	if (msg->ms_flags & MSGF_REPLY)
		panic("lwkt_replymsg: message %p replied twice (reply port "
		    "%p (%s), target port %p, flags %#x)", msg, port,
		    port->mp_name, msg->ms_target_port, msg->ms_flags);
	if (msg->ms_flags & (MSGF_DONE | MSGF_QUEUED | MSGF_INTRANSIT))
		panic("lwkt_replymsg: message %p is not in progress (flags "
		    "%#x, reply port %p (%s)): never sent, or still queued",
		    msg, msg->ms_flags, port, port->mp_name);
	msg->ms_error = error;
	msg->ms_flags |= MSGF_REPLY;
	port->mp_replyport(port, msg);
}

int
lwkt_waitmsg(lwkt_msg_t msg, int flags)
{
	return (msg->ms_reply_port->mp_waitmsg(msg, flags));
}

lwkt_msg_t
lwkt_getport(lwkt_port_t port)
{
	return (port->mp_getport(port));
}

lwkt_msg_t
lwkt_waitport(lwkt_port_t port, int flags)
{
	return (port->mp_waitport(port, flags));
}

void
lwkt_abortmsg(lwkt_msg_t msg)
{
	thread_t td = curthread;

	/*
	 * A racy look at a message we do not own: the target may reply at
	 * any moment, which abortfn must tolerate.  We still own the
	 * memory, since we have not waited for the reply yet.
	 */
	crit_enter_quick(td);
	if ((__atomic_load_n(&msg->ms_flags, __ATOMIC_ACQUIRE) &
	    (MSGF_ABORTABLE | MSGF_DONE | MSGF_REPLY)) == MSGF_ABORTABLE)
		msg->ms_abortfn(msg);
	crit_exit_quick(td);
}

int
lwkt_dropmsg(lwkt_msg_t msg)
{
	lwkt_port_t port = msg->ms_target_port;

	if ((msg->ms_flags & MSGF_DROPABLE) == 0)
		panic("lwkt_dropmsg: message %p (port %p) is not DROPABLE "
		    "(flags %#x)", msg, port, msg->ms_flags);
	if (port == NULL)
		return (ENOENT);
	return (port->mp_dropmsg(port, msg));
}
