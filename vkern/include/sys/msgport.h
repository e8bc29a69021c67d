/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * msgport.h - LWKT messages and message ports, after DragonFly's.
 *
 * A message (struct lwkt_msg, usually the first member of a bigger
 * request) is sent to a target port and later replied to its reply port.
 * The one rule: only the current owner of a message touches it.  The
 * originator owns it before it is sent and after the reply arrives; the
 * target owns it in between; while it sits on a port queue or travels in
 * an IPI, the port (its protection rule below) owns it.
 *
 * What a port does is its operation vector (mp_putport, mp_replyport,
 * mp_waitmsg...): a thread port (one owner thread; other CPUs reach it by
 * IPI, no lock), a spin port (a spinlock; any thread may wait), a
 * serializer port (a token), reply-only, put-only and panic ports.
 * A put returns EASYNC when the message was queued and will be replied
 * later, or a completion code when the target ran the request in the
 * caller's context: lwkt_domsg() then returns at once, without queueing
 * or switching.  See docs/msg.md.
 *
 * Protection of the fields below:
 *   [I]  set by lwkt_initport_*() before the port is used, read-only after
 *   [o]  the current owner of the message (originator, then target)
 *   [p]  the port's rule: thread port, the owner's CPU in a critical
 *        section; spin port, mp_spin; serializer port, the token mp_tok
 */
#ifndef _SYS_MSGPORT_H_
#define _SYS_MSGPORT_H_

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/thread.h>
#include <sys/spinlock.h>
#include <sys/token.h>

/* A put that queued the message: the reply comes later (not an error). */
#ifndef EASYNC
#define EASYNC		99
#endif

struct lwkt_msg;
struct lwkt_port;
typedef struct lwkt_msg *lwkt_msg_t;
typedef struct lwkt_port *lwkt_port_t;

TAILQ_HEAD(lwkt_msg_queue, lwkt_msg);

struct lwkt_msg {
	TAILQ_ENTRY(lwkt_msg) ms_node;	/* [p] link on a port queue */
	lwkt_port_t	ms_target_port;	/* [o] where it was sent */
	lwkt_port_t	ms_reply_port;	/* [o] where the reply goes */
	void		(*ms_abortfn)(lwkt_msg_t); /* [o] MSGF_ABORTABLE */
	int		ms_flags;	/* [o], [p] while queued: MSGF_* */
	int		ms_error;	/* [o] completion code */
	union {
		void	*ms_resultp;
		int	ms_result;
		long	ms_lresult;
		int	ms_fds[2];
		int32_t	ms_result32;
		int64_t	ms_result64;
		off_t	ms_offset;
	} u;
	void		*ms_pad[2];	/* [o] free for the request's owner */
};

/*
 * ms_flags.  The low 16 bits are the messaging layer's; the high 16
 * (MSGF_USER0..3) belong to the handlers.
 *
 *  DONE	complete; also set on a message that was never sent
 *  REPLY	a reply happened or is under way (tells a reply from a
 *		request when both arrive on one port)
 *  QUEUED	on a port queue (target or reply port)
 *  SYNC	the originator waits on this very message (lwkt_domsg):
 *		the reply wakes it instead of queueing
 *  INTRANSIT	travelling in an IPI to a thread port's CPU
 *  DROPABLE	lwkt_dropmsg() may take it back off its target port
 *  ABORTABLE	ms_abortfn is valid (lwkt_initmsg_abortable)
 *  PRIORITY	goes on the port's priority queue, read first
 */
#define MSGF_DONE	0x0001
#define MSGF_REPLY	0x0002
#define MSGF_QUEUED	0x0004
#define MSGF_SYNC	0x0008
#define MSGF_INTRANSIT	0x0010
#define MSGF_DROPABLE	0x0040
#define MSGF_ABORTABLE	0x0080
#define MSGF_PRIORITY	0x0100
#define MSGF_USER0	0x00010000
#define MSGF_USER1	0x00020000
#define MSGF_USER2	0x00040000
#define MSGF_USER3	0x00080000

/* Port kinds (mp_kind), for assertions and panic messages. */
#define MSGPORT_THREAD		1
#define MSGPORT_SPIN		2
#define MSGPORT_SERIALIZE	3
#define MSGPORT_REPLYONLY	4
#define MSGPORT_PUTONLY		5
#define MSGPORT_PANIC		6

/* mp_flags */
#define MSGPORTF_WAITING	0x0001	/* a thread waits on the port */

struct lwkt_port {
	struct lwkt_msg_queue mp_msgq;	/* [p] requests and replies */
	struct lwkt_msg_queue mp_msgq_prio; /* [p] MSGF_PRIORITY ones */
	int		mp_flags;	/* [p] MSGPORTF_* */
	int		mp_kind;	/* [I] MSGPORT_* */
	int		mp_nwaiters;	/* [p] spin/serializer: SYNC waiters */
	const char	*mp_name;	/* [I] for panics and the monitor */
	thread_t	mpu_td;		/* [I] thread port: the owner */
	struct spinlock	mp_spin;	/* spin port: guards [p] */
	lwkt_token_t	mp_tok;		/* [I] serializer port: guards [p] */
	void		*mp_data;	/* [I] free for the port's creator */
	lwkt_msg_t	(*mp_getport)(lwkt_port_t);
	int		(*mp_putport)(lwkt_port_t, lwkt_msg_t);
	int		(*mp_waitmsg)(lwkt_msg_t, int);
	lwkt_msg_t	(*mp_waitport)(lwkt_port_t, int);
	void		(*mp_replyport)(lwkt_port_t, lwkt_msg_t);
	int		(*mp_dropmsg)(lwkt_port_t, lwkt_msg_t);
};

typedef int	lwkt_putport_t(lwkt_port_t, lwkt_msg_t);
typedef void	lwkt_replyport_t(lwkt_port_t, lwkt_msg_t);

/*
 * Port set-up.  Context: any thread, before the port is shared.
 *  thread:	owned by td; only td gets from or waits on it
 *  spin:	any thread may get from or wait on it
 *  serialize:	as spin, but guarded by tok (callers may already hold it)
 *  replyonly:	replies call replyfn (NULL: just mark DONE); nothing else
 *  putonly:	puts call putfn, which returns EASYNC or a completion code
 *  panic:	every operation panics naming the port
 */
void	lwkt_initport_thread(lwkt_port_t port, thread_t td);
void	lwkt_initport_spin(lwkt_port_t port);
void	lwkt_initport_serialize(lwkt_port_t port, lwkt_token_t tok);
void	lwkt_initport_replyonly(lwkt_port_t port, lwkt_replyport_t *replyfn);
void	lwkt_initport_replyonly_null(lwkt_port_t port);
void	lwkt_initport_putonly(lwkt_port_t port, lwkt_putport_t *putfn);
void	lwkt_initport_panic(lwkt_port_t port);
void	lwkt_port_setname(lwkt_port_t port, const char *name);
const char *lwkt_port_kindname(lwkt_port_t port);

/*
 * lwkt_initmsg - make msg a fresh, DONE message replying to rport, with
 * the extra MSGF_* flags given.  _abortable also records abortfn.
 * Context: the message's owner, any context.
 */
void	lwkt_initmsg(lwkt_msg_t msg, lwkt_port_t rport, int flags);
void	lwkt_initmsg_abortable(lwkt_msg_t msg, lwkt_port_t rport, int flags,
	    void (*abortfn)(lwkt_msg_t));

/*
 * lwkt_beginmsg - hand msg to port's putport.  Returns EASYNC if it was
 * queued, else the code of a completion that happened in the caller.
 * Context: the owner of msg; whatever port's put allows.
 */
int	lwkt_beginmsg(lwkt_port_t port, lwkt_msg_t msg);

/*
 * lwkt_sendmsg - asynchronous request: the reply always arrives on the
 * reply port, even when the target completed it synchronously.  Panics
 * if msg is still in flight (not DONE, or QUEUED).
 * Context: the owner of msg; thread or critical section for thread and
 * spin targets, thread for serializer targets.  Never blocks (thread
 * and spin ports).
 */
void	lwkt_sendmsg(lwkt_port_t port, lwkt_msg_t msg);

/*
 * lwkt_domsg - synchronous request.  If the target completes it in the
 * caller (no EASYNC), returns at once with DONE|REPLY set; otherwise
 * waits on the reply port (lwkt_waitmsg) and returns ms_error.
 * Context: thread that may wait on msg's reply port; may block.
 */
int	lwkt_domsg(lwkt_port_t port, lwkt_msg_t msg, int flags);

/*
 * lwkt_forwardmsg - send a request the caller received (and so owns:
 * not DONE, QUEUED or REPLY) on to another port; a synchronous
 * completion there replies it.  Context: the target that owns msg.
 */
void	lwkt_forwardmsg(lwkt_port_t port, lwkt_msg_t msg);

/*
 * lwkt_replymsg - complete msg with error and give it back to its
 * originator: wake the SYNC waiter, or queue it on the reply port.
 * Panics if msg was replied twice or never sent.
 * Context: the target that owns msg; critical section or interrupt
 * allowed for thread/spin reply ports; thread for serializer ones.
 */
void	lwkt_replymsg(lwkt_msg_t msg, int error);

/*
 * lwkt_waitmsg - wait until msg is DONE, take it off its reply port if
 * it was queued there, return ms_error.  flags: reserved (PCATCH later).
 * Context: thread allowed to wait on the reply port; may block.
 */
int	lwkt_waitmsg(lwkt_msg_t msg, int flags);

/*
 * lwkt_getport - take the next message (priority queue first) off port,
 * or NULL.  lwkt_waitport blocks until there is one.
 * Context: a thread allowed to read the port (thread port: its owner).
 */
lwkt_msg_t lwkt_getport(lwkt_port_t port);
lwkt_msg_t lwkt_waitport(lwkt_port_t port, int flags);

/*
 * lwkt_abortmsg - ask the target to finish msg early: calls ms_abortfn
 * if msg is ABORTABLE and not yet DONE or REPLY.  The originator must
 * still wait for the real reply; abortfn must cope with a reply racing
 * it.  Context: the originator, thread; abortfn may block.
 */
void	lwkt_abortmsg(lwkt_msg_t msg);

/*
 * lwkt_dropmsg - take a DROPABLE request back off its target port before
 * it was received; it becomes DONE (no reply).  Returns 0, or ENOENT if
 * it was no longer queued there.  Context: a thread that may read the
 * target port.
 */
int	lwkt_dropmsg(lwkt_msg_t msg);

/* lwkt_checkmsg - non-zero if msg is DONE.  Context: its originator. */
static __inline int
lwkt_checkmsg(lwkt_msg_t msg)
{
	return (__atomic_load_n(&msg->ms_flags, __ATOMIC_ACQUIRE) &
	    MSGF_DONE);
}

/* ------------------------------------------------------------------ */
/*
 * The per-CPU dispatch helper (msg/netisr.c): one service thread per
 * CPU ("netisr_cpuN"), each reading its own thread port.  A netmsg
 * carries the handler that the service thread runs; the handler owns
 * the message and must reply, forward or free it.  A SYNC message put on
 * the caller's own service port runs inline (no self-deadlock).
 */
struct netmsg_base;
typedef struct netmsg_base *netmsg_t;
typedef void	netisr_fn_t(netmsg_t);
typedef uint32_t netisr_hashfn_t(netmsg_t);

struct netmsg_base {
	struct lwkt_msg	nm_lmsg;	/* must stay first */
	netisr_fn_t	*nm_dispatch;	/* [o] run by the service thread */
};

#define NETISR_MAX	16

/* Context: the message's owner, any context. */
void	netmsg_init(netmsg_t nm, lwkt_port_t rport, int flags,
	    netisr_fn_t *dispatch);

/* The service port of cpu, of hash (hash % ncpus), of the caller. */
lwkt_port_t netisr_cpuport(int cpu);
lwkt_port_t netisr_hashport(uint32_t hash);
lwkt_port_t netisr_curport(void);	/* NULL outside service threads */
thread_t netisr_cputhread(int cpu);

/*
 * netisr_register - messages queued with netisr_queue(num, ...) run
 * handler on the CPU picked by hashfn (NULL: the caller's CPU).
 * Context: thread, at start-up.
 */
void	netisr_register(int num, netisr_fn_t *handler,
	    netisr_hashfn_t *hashfn);
/* Context: owner of nm, thread or critical section; never blocks. */
void	netisr_queue(int num, netmsg_t nm);

/*
 * netisr_barrier - return once every service thread has handled all
 * messages queued to it before the call.  Context: thread that is not
 * a service thread; blocks.
 */
void	netisr_barrier(void);

/* A reply port whose replies are simply marked DONE (nobody waits). */
extern struct lwkt_port netisr_adone_rport;
/* A reply port that panics: for messages that must never be replied. */
extern struct lwkt_port netisr_apanic_rport;

#endif /* !_SYS_MSGPORT_H_ */
