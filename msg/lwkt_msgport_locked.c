/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lwkt_msgport_locked.c - ports any thread may read and wait on, guarded
 * by a lock: spin ports (the port's own spinlock) and serializer ports
 * (a token the port's users share, which callers may already hold).
 * Also the two one-way kinds, reply-only and put-only ports.
 *
 * Locking: [p] in sys/msgport.h is mp_spin for a spin port, the token
 * mp_tok for a serializer port.  A waiter interlocks its sleep
 * (tsleep_interlock) before it drops the lock, so a put or reply made
 * after it looked cannot be missed.  Port waiters sleep on the port,
 * SYNC waiters on their message; the counters say whether anyone does,
 * so an unwatched port pays no wakeup().  wakeup() uses the address
 * only, so waking a message its originator already freed is harmless.
 * Serializer ports block with the token held: tsleep releases it while
 * the thread is off the CPU, as zsleep does with DragonFly's serializer.
 * Spin ports work in interrupt context; serializer ports need a thread.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/spinlock.h>
#include <sys/token.h>
#include <sys/msgport.h>

#include "msg_internal.h"

static void
locked_port_lock(lwkt_port_t port)
{
	if (port->mp_kind == MSGPORT_SPIN)
		spin_lock(&port->mp_spin);
	else
		lwkt_gettoken(port->mp_tok);
}

static void
locked_port_unlock(lwkt_port_t port)
{
	if (port->mp_kind == MSGPORT_SPIN)
		spin_unlock(&port->mp_spin);
	else
		lwkt_reltoken(port->mp_tok);
}

/*
 * Sleep on ident, the lock held and interlocked; returns with the lock
 * held again.  A spin port cannot sleep holding its spinlock; a token is
 * released by the switch itself.
 */
static void
locked_port_sleep(lwkt_port_t port, const volatile void *ident,
    const char *wmesg)
{
	tsleep_interlock(ident, 0);
	if (port->mp_kind == MSGPORT_SPIN) {
		spin_unlock(&port->mp_spin);
		tsleep(ident, PINTERLOCKED, wmesg, 0);
		spin_lock(&port->mp_spin);
	} else {
		tsleep(ident, PINTERLOCKED, wmesg, 0);
	}
}

static int
locked_putport(lwkt_port_t port, lwkt_msg_t msg)
{
	int wake;

	locked_port_lock(port);
	msgport_enqueue(port, msg);
	wake = port->mp_flags & MSGPORTF_WAITING;
	port->mp_flags &= ~MSGPORTF_WAITING;
	locked_port_unlock(port);
	if (wake)
		wakeup(port);
	return (EASYNC);
}

static void
locked_replyport(lwkt_port_t port, lwkt_msg_t msg)
{
	const volatile void *ident = NULL;

	locked_port_lock(port);
	if (msg->ms_flags & MSGF_SYNC) {
		if (port->mp_nwaiters != 0)
			ident = msg;
		__atomic_store_n(&msg->ms_flags, msg->ms_flags | MSGF_DONE,
		    __ATOMIC_RELEASE);
	} else {
		msgport_enqueue(port, msg);
		msg->ms_flags |= MSGF_DONE;
		if (port->mp_flags & MSGPORTF_WAITING) {
			port->mp_flags &= ~MSGPORTF_WAITING;
			ident = port;
		}
	}
	locked_port_unlock(port);
	if (ident != NULL)
		wakeup(ident);
}

static lwkt_msg_t
locked_getport(lwkt_port_t port)
{
	lwkt_msg_t msg;

	locked_port_lock(port);
	msg = msgport_first(port);
	locked_port_unlock(port);
	return (msg);
}

static lwkt_msg_t
locked_waitport(lwkt_port_t port, int flags)
{
	lwkt_msg_t msg;

	locked_port_lock(port);
	while ((msg = msgport_first(port)) == NULL) {
		port->mp_flags |= MSGPORTF_WAITING;
		locked_port_sleep(port, port, "waitport");
	}
	locked_port_unlock(port);
	return (msg);
}

static int
locked_waitmsg(lwkt_msg_t msg, int flags)
{
	lwkt_port_t port = msg->ms_reply_port;

	locked_port_lock(port);
	while ((msg->ms_flags & MSGF_DONE) == 0) {
		if (msg->ms_flags & MSGF_SYNC) {
			port->mp_nwaiters++;
			locked_port_sleep(port, msg, "waitmsg");
			port->mp_nwaiters--;
		} else {
			/* An async message is queued on the port when done. */
			port->mp_flags |= MSGPORTF_WAITING;
			locked_port_sleep(port, port, "waitmsg");
		}
	}
	if (msg->ms_flags & MSGF_QUEUED)
		msgport_remove(port, msg);
	locked_port_unlock(port);
	return (msg->ms_error);
}

static int
locked_dropmsg(lwkt_port_t port, lwkt_msg_t msg)
{
	int error = ENOENT;

	locked_port_lock(port);
	if ((msg->ms_flags & (MSGF_REPLY | MSGF_QUEUED)) == MSGF_QUEUED) {
		msgport_remove(port, msg);
		msg->ms_flags |= MSGF_DONE;
		error = 0;
	}
	locked_port_unlock(port);
	return (error);
}

static void
locked_port_vector(lwkt_port_t port)
{
	port->mp_getport = locked_getport;
	port->mp_putport = locked_putport;
	port->mp_waitmsg = locked_waitmsg;
	port->mp_waitport = locked_waitport;
	port->mp_replyport = locked_replyport;
	port->mp_dropmsg = locked_dropmsg;
}

void
lwkt_initport_spin(lwkt_port_t port)
{
	msgport_init_common(port, MSGPORT_SPIN, "spin");
	locked_port_vector(port);
}

void
lwkt_initport_serialize(lwkt_port_t port, lwkt_token_t tok)
{
	KKASSERT(tok != NULL);
	msgport_init_common(port, MSGPORT_SERIALIZE, tok->t_desc);
	port->mp_tok = tok;
	locked_port_vector(port);
}

/* ---------------------------------------------------- one-way ports */

/* The reply of a null reply-only port: nobody waits, just mark DONE. */
static void
null_replyport(lwkt_port_t port, lwkt_msg_t msg)
{
	__atomic_store_n(&msg->ms_flags, msg->ms_flags | MSGF_DONE,
	    __ATOMIC_RELEASE);
}

void
lwkt_initport_replyonly(lwkt_port_t port, lwkt_replyport_t *replyfn)
{
	msgport_init_common(port, MSGPORT_REPLYONLY, "reply-only");
	port->mp_replyport = replyfn != NULL ? replyfn : null_replyport;
}

void
lwkt_initport_replyonly_null(lwkt_port_t port)
{
	lwkt_initport_replyonly(port, NULL);
}

void
lwkt_initport_putonly(lwkt_port_t port, lwkt_putport_t *putfn)
{
	KKASSERT(putfn != NULL);
	msgport_init_common(port, MSGPORT_PUTONLY, "put-only");
	port->mp_putport = putfn;
}
