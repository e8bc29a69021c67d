/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * msg_internal.h - what the files of msg/ share and nobody else needs:
 * queue helpers (callers hold the port's protection, [p]) and the panic
 * that names a port and the operation it does not support.
 */
#ifndef _MSG_INTERNAL_H_
#define _MSG_INTERNAL_H_

#include <sys/msgport.h>

/* Panic: "OP: port %p (NAME, KIND port) does not support OP". */
void	msgport_unsupported(lwkt_port_t port, const char *op) __dead2;

/* Fill the vector with panicking operations, set the kind and name. */
void	msgport_init_common(lwkt_port_t port, int kind, const char *name);

/* Queue msg on port ([p] held); sets QUEUED. */
static __inline void
msgport_enqueue(lwkt_port_t port, lwkt_msg_t msg)
{
	if (msg->ms_flags & MSGF_PRIORITY)
		TAILQ_INSERT_TAIL(&port->mp_msgq_prio, msg, ms_node);
	else
		TAILQ_INSERT_TAIL(&port->mp_msgq, msg, ms_node);
	msg->ms_flags |= MSGF_QUEUED;
}

/* Take msg off port ([p] held); clears QUEUED. */
static __inline void
msgport_remove(lwkt_port_t port, lwkt_msg_t msg)
{
	if (msg->ms_flags & MSGF_PRIORITY)
		TAILQ_REMOVE(&port->mp_msgq_prio, msg, ms_node);
	else
		TAILQ_REMOVE(&port->mp_msgq, msg, ms_node);
	msg->ms_flags &= ~MSGF_QUEUED;
}

/* The next message of port, priority first, dequeued; or NULL. */
static __inline lwkt_msg_t
msgport_first(lwkt_port_t port)
{
	lwkt_msg_t msg;

	if ((msg = TAILQ_FIRST(&port->mp_msgq_prio)) == NULL)
		msg = TAILQ_FIRST(&port->mp_msgq);
	if (msg != NULL)
		msgport_remove(port, msg);
	return (msg);
}

#endif /* !_MSG_INTERNAL_H_ */
