/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lwkt_msgport_test.c - message and port semantics on a one-CPU fake
 * machine: what completes in the caller, what queues, what the reply
 * port sees, abort and drop, and that every misuse panics with a
 * sentence naming the message or port.  The test runs as thread0 on
 * cpu0; worker threads are created on the same CPU.
 */
#include "cmocka_core.h"
#include <string.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <sys/token.h>
#include <sys/msgport.h>
#include <plat/plat.h>
#include "fakeplat.h"

extern int panicking;

static thread_t put_td;			/* who ran the put-only target */
static lwkt_msg_t stash[8];		/* messages a stash port kept */
static int nstash;
static int aborts;

static int
setup(void **state)
{
	fakeplat_boot(1, 64 << 20);
	return (0);
}

/* A put-only target that completes in the caller with code 7. */
static int
inline_put(lwkt_port_t port, lwkt_msg_t msg)
{
	put_td = curthread;
	msg->u.ms_result = 42;
	return (7);
}

/* A put-only target that keeps the message: the reply comes later. */
static int
stash_put(lwkt_port_t port, lwkt_msg_t msg)
{
	stash[nstash++] = msg;
	return (EASYNC);
}

static void
count_abort(lwkt_msg_t msg)
{
	aborts++;
}

static int
done_reply_flags(lwkt_msg_t msg)
{
	return (msg->ms_flags & (MSGF_DONE | MSGF_REPLY | MSGF_QUEUED |
	    MSGF_INTRANSIT));
}

/* domsg to a target that completes at once is a call in the caller. */
static void
domsg_completes_in_caller_without_switch(void **state)
{
	struct lwkt_port target, rport;
	struct lwkt_msg msg;
	uint64_t sw = curthread->td_switches;

	lwkt_initport_putonly(&target, inline_put);
	lwkt_initport_thread(&rport, curthread);
	lwkt_initmsg(&msg, &rport, 0);
	put_td = NULL;
	assert_int_equal(lwkt_domsg(&target, &msg, 0), 7);
	assert_ptr_equal(put_td, curthread);
	assert_int_equal(msg.u.ms_result, 42);
	assert_int_equal(msg.ms_error, 7);
	assert_int_equal(done_reply_flags(&msg), MSGF_DONE | MSGF_REPLY);
	assert_null(lwkt_getport(&rport));
	assert_int_equal(curthread->td_switches, sw);
}

/* sendmsg turns a completion in the caller into a queued reply. */
static void
sendmsg_sync_completion_becomes_queued_reply(void **state)
{
	struct lwkt_port target, rport;
	struct lwkt_msg msg;

	lwkt_initport_putonly(&target, inline_put);
	lwkt_initport_thread(&rport, curthread);
	lwkt_initmsg(&msg, &rport, 0);
	lwkt_sendmsg(&target, &msg);
	assert_int_equal(done_reply_flags(&msg),
	    MSGF_DONE | MSGF_REPLY | MSGF_QUEUED);
	assert_ptr_equal(lwkt_getport(&rport), &msg);
	assert_int_equal(msg.ms_error, 7);
	assert_int_equal(done_reply_flags(&msg), MSGF_DONE | MSGF_REPLY);
	assert_null(lwkt_getport(&rport));
}

/* EASYNC leaves the message in progress until the target replies. */
static void
easync_message_stays_in_progress_until_replied(void **state)
{
	struct lwkt_port target, rport;
	struct lwkt_msg msg;

	lwkt_initport_putonly(&target, stash_put);
	lwkt_initport_spin(&rport);
	lwkt_initmsg(&msg, &rport, 0);
	nstash = 0;
	lwkt_sendmsg(&target, &msg);
	assert_int_equal(nstash, 1);
	assert_ptr_equal(msg.ms_target_port, &target);
	assert_int_equal(done_reply_flags(&msg), 0);
	assert_false(lwkt_checkmsg(&msg));
	assert_null(lwkt_getport(&rport));
	lwkt_replymsg(stash[0], 3);
	assert_true(lwkt_checkmsg(&msg));
	assert_int_equal(lwkt_waitmsg(&msg, 0), 3);
	assert_int_equal(done_reply_flags(&msg), MSGF_DONE | MSGF_REPLY);
	assert_null(lwkt_getport(&rport));
}

/* Replies queue in order; PRIORITY ones are read first. */
static void
reply_port_queues_in_order_priority_first(void **state)
{
	struct lwkt_port target, rport;
	struct lwkt_msg m[3];
	int i;

	lwkt_initport_putonly(&target, stash_put);
	lwkt_initport_thread(&rport, curthread);
	nstash = 0;
	for (i = 0; i < 3; i++) {
		lwkt_initmsg(&m[i], &rport, i == 2 ? MSGF_PRIORITY : 0);
		lwkt_sendmsg(&target, &m[i]);
	}
	for (i = 0; i < 3; i++)
		lwkt_replymsg(stash[i], i);
	assert_ptr_equal(lwkt_getport(&rport), &m[2]);
	assert_ptr_equal(lwkt_getport(&rport), &m[0]);
	assert_ptr_equal(lwkt_waitport(&rport, 0), &m[1]);
	assert_null(lwkt_getport(&rport));
}

static struct lwkt_port worker_port;
static int worker_done;

static void
worker_main(void *arg)
{
	lwkt_msg_t msg;

	msg = lwkt_waitport(&worker_port, 0);
	msg->u.ms_result = curthread == arg ? 1 : 0;
	lwkt_replymsg(msg, 11);
	worker_done = 1;
}

/* domsg to a thread port blocks the caller until the owner replies. */
static void
domsg_to_thread_port_waits_for_owner(void **state)
{
	struct lwkt_port rport;
	struct lwkt_msg msg;
	thread_t td;

	assert_int_equal(lwkt_create(worker_main, NULL, &td, TDF_NOSTART, 0,
	    "msgworker"), 0);
	td->td_arg = td;
	lwkt_initport_thread(&worker_port, td);
	lwkt_schedule(td);
	lwkt_initport_thread(&rport, curthread);
	lwkt_initmsg(&msg, &rport, 0);
	worker_done = 0;
	assert_int_equal(lwkt_domsg(&worker_port, &msg, 0), 11);
	assert_int_equal(msg.u.ms_result, 1);
	assert_int_equal(done_reply_flags(&msg), MSGF_DONE | MSGF_REPLY);
	assert_null(lwkt_getport(&rport));
	while (!worker_done)
		lwkt_yield();
}

/* A serializer port queues replies under its token. */
static void
serializer_port_queues_replies(void **state)
{
	struct lwkt_token tok = LWKT_TOKEN_INITIALIZER(msgtest);
	struct lwkt_port target, rport;
	struct lwkt_msg msg;

	lwkt_initport_putonly(&target, inline_put);
	lwkt_initport_serialize(&rport, &tok);
	lwkt_initmsg(&msg, &rport, 0);
	lwkt_sendmsg(&target, &msg);
	lwkt_gettoken(&tok);			/* recursion is fine */
	assert_ptr_equal(lwkt_waitport(&rport, 0), &msg);
	lwkt_reltoken(&tok);
	assert_int_equal(msg.ms_error, 7);
}

/* abortmsg calls ms_abortfn only while the message is in progress. */
static void
abort_runs_only_while_in_progress(void **state)
{
	struct lwkt_port target, rport;
	struct lwkt_msg msg;

	lwkt_initport_putonly(&target, stash_put);
	lwkt_initport_thread(&rport, curthread);
	lwkt_initmsg_abortable(&msg, &rport, 0, count_abort);
	nstash = aborts = 0;
	lwkt_abortmsg(&msg);			/* never sent: no call */
	assert_int_equal(aborts, 0);
	lwkt_sendmsg(&target, &msg);
	lwkt_abortmsg(&msg);
	assert_int_equal(aborts, 1);
	assert_false(lwkt_checkmsg(&msg));	/* still the target's */
	lwkt_replymsg(stash[0], EINTR);
	assert_int_equal(lwkt_waitmsg(&msg, 0), EINTR);
	lwkt_abortmsg(&msg);			/* done: no call */
	assert_int_equal(aborts, 1);
}

/* dropmsg takes a queued DROPABLE request back, once. */
static void
dropmsg_takes_back_queued_request(void **state)
{
	struct lwkt_port target, rport;
	struct lwkt_msg msg;

	lwkt_initport_spin(&target);
	lwkt_initport_thread(&rport, curthread);
	lwkt_initmsg(&msg, &rport, MSGF_DROPABLE);
	lwkt_sendmsg(&target, &msg);
	assert_true(msg.ms_flags & MSGF_QUEUED);
	assert_int_equal(lwkt_dropmsg(&msg), 0);
	assert_true(lwkt_checkmsg(&msg));
	assert_null(lwkt_getport(&target));
	assert_int_equal(lwkt_dropmsg(&msg), ENOENT);
	assert_null(lwkt_getport(&rport));
}

/* -------------------------------------------------------- misuse */

static struct lwkt_port m_target, m_rport;
static struct lwkt_msg m_msg;

static void
misuse_setup(int flags)
{
	panicking = 0;
	fakeplat_console_clear();
	lwkt_initport_putonly(&m_target, stash_put);
	lwkt_initport_thread(&m_rport, curthread);
	lwkt_initmsg(&m_msg, &m_rport, flags);
	nstash = 0;
}

static void
misuse_expect(void (*fn)(void *), const char *what)
{
	assert_int_equal(fakeplat_catch_halt(fn, NULL), PLAT_EXIT_PANIC);
	if (strstr(fakeplat_console_output(), what) == NULL)
		fail_msg("expected \"%s\" in:\n%s", what,
		    fakeplat_console_output());
	panicking = 0;
}

static void
do_reply_twice(void *arg)
{
	lwkt_sendmsg(&m_target, &m_msg);
	lwkt_replymsg(&m_msg, 0);
	lwkt_replymsg(&m_msg, 0);
}

/* Replying twice panics naming the message. */
static void
reply_twice_panics(void **state)
{
	char want[96];

	misuse_setup(0);
	snprintf(want, sizeof(want), "message %p replied twice",
	    (void *)&m_msg);
	misuse_expect(do_reply_twice, want);
	lwkt_initport_thread(&m_rport, curthread);	/* drop the reply */
}

static void
do_send_in_flight(void *arg)
{
	lwkt_sendmsg(&m_target, &m_msg);
	lwkt_sendmsg(&m_target, &m_msg);
}

/* Sending a message that is still in flight panics. */
static void
send_in_flight_panics(void **state)
{
	char want[96];

	misuse_setup(0);
	snprintf(want, sizeof(want), "message %p sent to port %p",
	    (void *)&m_msg, (void *)&m_target);
	misuse_expect(do_send_in_flight, want);
	misuse_expect(do_send_in_flight, "while still in flight");
}

static void
do_reply_unsent(void *arg)
{
	lwkt_replymsg(&m_msg, 0);
}

/* Replying a message that was never sent panics. */
static void
reply_unsent_panics(void **state)
{
	misuse_setup(0);
	misuse_expect(do_reply_unsent, "is not in progress");
}

static struct lwkt_port p_port;

static void
do_panic_getport(void *arg)
{
	lwkt_getport(&p_port);
}

static void
do_panic_put(void *arg)
{
	lwkt_sendmsg(&p_port, &m_msg);
}

/* Every operation on a panic port panics naming port and operation. */
static void
panic_port_names_port_and_operation(void **state)
{
	char want[128];

	misuse_setup(0);
	lwkt_initport_panic(&p_port);
	snprintf(want, sizeof(want), "lwkt_getport: port %p (panic, panic "
	    "port) does not support lwkt_getport", (void *)&p_port);
	misuse_expect(do_panic_getport, want);
	misuse_setup(0);
	misuse_expect(do_panic_put, "does not support lwkt_putport");
}

/* A reply-only port refuses puts and gets. */
static void
replyonly_port_refuses_get(void **state)
{
	misuse_setup(0);
	lwkt_initport_replyonly_null(&p_port);
	lwkt_port_setname(&p_port, "sink");
	misuse_expect(do_panic_getport,
	    "(sink, reply-only port) does not support lwkt_getport");
}

static thread_t other_td;

static void
do_foreign_getport(void *arg)
{
	lwkt_getport(&p_port);
}

static void
idle_main(void *arg)
{
}

/* Only the owner of a thread port may read it. */
static void
thread_port_read_by_stranger_panics(void **state)
{
	misuse_setup(0);
	assert_int_equal(lwkt_create(idle_main, NULL, &other_td, TDF_NOSTART,
	    0, "owner"), 0);
	lwkt_initport_thread(&p_port, other_td);
	misuse_expect(do_foreign_getport, "does not own thread port");
	lwkt_schedule(other_td);		/* let it run and exit */
	lwkt_yield();
}

static void
do_drop_undropable(void *arg)
{
	lwkt_sendmsg(&m_target, &m_msg);
	lwkt_dropmsg(&m_msg);
}

/* dropmsg of a message not marked DROPABLE panics. */
static void
drop_undropable_panics(void **state)
{
	misuse_setup(0);
	misuse_expect(do_drop_undropable, "is not DROPABLE");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(domsg_completes_in_caller_without_switch),
		cmocka_unit_test(sendmsg_sync_completion_becomes_queued_reply),
		cmocka_unit_test(easync_message_stays_in_progress_until_replied),
		cmocka_unit_test(reply_port_queues_in_order_priority_first),
		cmocka_unit_test(domsg_to_thread_port_waits_for_owner),
		cmocka_unit_test(serializer_port_queues_replies),
		cmocka_unit_test(abort_runs_only_while_in_progress),
		cmocka_unit_test(dropmsg_takes_back_queued_request),
		cmocka_unit_test(reply_twice_panics),
		cmocka_unit_test(send_in_flight_panics),
		cmocka_unit_test(reply_unsent_panics),
		cmocka_unit_test(panic_port_names_port_and_operation),
		cmocka_unit_test(replyonly_port_refuses_get),
		cmocka_unit_test(thread_port_read_by_stranger_panics),
		cmocka_unit_test(drop_undropable_panics),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
