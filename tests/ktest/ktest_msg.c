/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * ktest_msg.c - messages and ports on real CPUs: `ktest msg'.
 *
 *   msg.sync_inline	a target that completes in the caller: lwkt_domsg
 *			is a function call (no queueing, no switch), and
 *			lwkt_sendmsg still delivers the reply to the port
 *   msg.async_reply	replies queue on thread, spin and serializer ports
 *			in order, each exactly once
 *   msg.cross_cpu	domsg to every CPU's service thread and to a
 *			thread port on another CPU runs there and returns
 *   msg.abort		abort while queued and while in progress: the
 *			sender still waits for the real reply
 *   msg.dispatch	hashing to CPUs, registered handlers, a SYNC
 *			message to one's own service port runs inline,
 *			netisr_barrier waits for earlier work
 *   msg.stress		threads on every CPU send, forward and reply for
 *			the given seconds (default 3); every message comes
 *			back exactly once
 *
 * Misuse (replying twice, sending a message in flight, panic ports)
 * panics, which would stop the kernel: tests/unit/msg/ covers it.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/errno.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <sys/token.h>
#include <sys/msgport.h>
#include <sys/ktest.h>
#include "ktest_util.h"
#include <cpu/x86_64/cpufunc.h>
#include <string.h>
#include <plat/plat.h>

#define ADD(v, n)	__atomic_fetch_add(&(v), (n), __ATOMIC_RELAXED)
#define LOAD(v)		__atomic_load_n(&(v), __ATOMIC_ACQUIRE)

/* A request of these tests: a netmsg plus bookkeeping. */
struct kt_msg {
	struct netmsg_base km_nm;
	int		km_op;		/* KM_* */
	int		km_seq;
	int		km_cpu;		/* where the handler ran */
	thread_t	km_td;		/* in which thread */
	int		km_hops;	/* forwards so far */
	int		km_aborted;	/* [a] set by the abort function */
	int		km_started;	/* [a] the handler began */
	int		km_finished;	/* [a] the handler replied */
	int		km_outstanding;	/* originator: sent, not back */
	void		*km_owner;	/* originator's cookie */
};

#define KM_ECHO		1	/* reply at once */
#define KM_SLOW		2	/* wait for the gate or an abort */
#define KM_QUIT		3	/* the worker replies and exits */

static volatile int kt_gate;
static int kt_nrunning;			/* [a] */

static void
kt_wait_zero(int *counter)
{
	while (LOAD(*counter) != 0)
		tsleep(counter, 0, "ktwait", 1);
}

/* ------------------------------------------------- a worker thread */

struct kt_worker {
	struct lwkt_port kw_port;
	thread_t	kw_td;
	int		kw_ready;	/* [a] */
	uint64_t	kw_handled;
};

static int
kt_run_op(struct kt_msg *m)
{
	int i;

	m->km_cpu = mycpuid;
	m->km_td = curthread;
	__atomic_store_n(&m->km_started, 1, __ATOMIC_RELEASE);
	if (m->km_op != KM_SLOW)
		return (0);
	/* Up to 5 s for the gate; an abort ends it early. */
	for (i = 0; i < 5 * hz && !kt_gate; i++) {
		if (LOAD(m->km_aborted))
			return (ECANCELED);
		tsleep(&m->km_aborted, 0, "ktslow", 1);
	}
	return (LOAD(m->km_aborted) ? ECANCELED : 0);
}

static void
kt_worker_main(void *arg)
{
	struct kt_worker *kw = arg;
	struct kt_msg *m;
	int error, op;

	for (;;) {
		m = (struct kt_msg *)lwkt_waitport(&kw->kw_port, 0);
		/* Aborted while queued: finish at once, do no work. */
		if (LOAD(m->km_aborted))
			error = EINTR;
		else
			error = kt_run_op(m);
		op = m->km_op;
		kw->kw_handled++;
		__atomic_store_n(&m->km_finished, 1, __ATOMIC_RELEASE);
		lwkt_replymsg(&m->km_nm.nm_lmsg, error);
		if (op == KM_QUIT)
			break;
	}
	if (__atomic_sub_fetch(&kt_nrunning, 1, __ATOMIC_SEQ_CST) == 0)
		wakeup(&kt_nrunning);
}

static struct kt_worker kt_workers[2];

static struct kt_worker *
kt_worker_start(int i, int cpu)
{
	struct kt_worker *kw = &kt_workers[i];

	memset(kw, 0, sizeof(*kw));
	ADD(kt_nrunning, 1);
	if (lwkt_create(kt_worker_main, kw, &kw->kw_td, TDF_NOSTART, cpu,
	    "ktmsg-w%d", i) != 0)
		panic("ktest msg: cannot create worker %d", i);
	lwkt_initport_thread(&kw->kw_port, kw->kw_td);
	lwkt_schedule(kw->kw_td);
	return (kw);
}

static void
kt_worker_stop(struct kt_worker *kw, lwkt_port_t rport)
{
	struct kt_msg q;

	memset(&q, 0, sizeof(q));
	netmsg_init(&q.km_nm, rport, 0, NULL);
	q.km_op = KM_QUIT;
	lwkt_domsg(&kw->kw_port, &q.km_nm.nm_lmsg, 0);
}

static void
kt_msg_init(struct kt_msg *m, lwkt_port_t rport, int op, int seq)
{
	memset(m, 0, sizeof(*m));
	netmsg_init(&m->km_nm, rport, 0, NULL);
	m->km_op = op;
	m->km_seq = seq;
}

/* ---------------------------------------------------- sync_inline */

static thread_t kt_inline_td;

static int
kt_inline_putport(lwkt_port_t port, lwkt_msg_t msg)
{
	kt_inline_td = curthread;
	msg->u.ms_result = 42;
	return (7);
}

static int
ktest_msg_sync_inline(int seconds)
{
	struct lwkt_port target, rport;
	struct kt_msg m;
	lwkt_msg_t r;
	uint64_t sw;
	int i, error;

	lwkt_initport_putonly(&target, kt_inline_putport);
	lwkt_initport_thread(&rport, curthread);
	kt_msg_init(&m, &rport, KM_ECHO, 0);
	sw = curthread->td_switches;
	for (i = 0; i < 1000; i++) {
		error = lwkt_domsg(&target, &m.km_nm.nm_lmsg, 0);
		if (error != 7 || m.km_nm.nm_lmsg.u.ms_result != 42)
			return (ktest_fail(EIO, "domsg returned %d", error));
	}
	if ((m.km_nm.nm_lmsg.ms_flags & (MSGF_DONE | MSGF_REPLY |
	    MSGF_QUEUED)) != (MSGF_DONE | MSGF_REPLY))
		return (ktest_fail(EIO, "flags %#x after an inline domsg",
		    m.km_nm.nm_lmsg.ms_flags));
	if (kt_inline_td != curthread)
		return (ktest_fail(EIO, "the target ran in another thread"));
	/* Interrupt threads may preempt now and then, never each call. */
	if (curthread->td_switches - sw > 100)
		return (ktest_fail(EIO, "1000 inline domsgs switched %llu "
		    "times", (unsigned long long)(curthread->td_switches - sw)));
	if (lwkt_getport(&rport) != NULL)
		return (ktest_fail(EIO, "inline domsg queued a reply"));

	/* sendmsg: the synchronous completion becomes a queued reply. */
	lwkt_sendmsg(&target, &m.km_nm.nm_lmsg);
	r = lwkt_getport(&rport);
	if (r != &m.km_nm.nm_lmsg || r->ms_error != 7 ||
	    (r->ms_flags & (MSGF_DONE | MSGF_REPLY | MSGF_QUEUED)) !=
	    (MSGF_DONE | MSGF_REPLY))
		return (ktest_fail(EIO, "sendmsg to an inline target: reply "
		    "%p error %d flags %#x", r, r ? r->ms_error : -1,
		    r ? r->ms_flags : 0));
	if (lwkt_getport(&rport) != NULL)
		return (ktest_fail(EIO, "reply queued twice"));
	return (0);
}
KTEST(msg, sync_inline, ktest_msg_sync_inline);

/* ---------------------------------------------------- async_reply */

#define ASYNC_N	16

/* Send ASYNC_N messages to kw, collect the replies on rport. */
static int
kt_async_round(struct kt_worker *kw, lwkt_port_t rport, const char *what)
{
	static struct kt_msg m[ASYNC_N];
	struct kt_msg *r;
	int i;

	for (i = 0; i < ASYNC_N; i++) {
		kt_msg_init(&m[i], rport, KM_ECHO, i);
		lwkt_sendmsg(&kw->kw_port, &m[i].km_nm.nm_lmsg);
	}
	for (i = 0; i < ASYNC_N; i++) {
		r = (struct kt_msg *)lwkt_waitport(rport, 0);
		if (r != &m[i])
			return (ktest_fail(EIO, "%s: reply %d is message %d",
			    what, i, r->km_seq));
		if ((r->km_nm.nm_lmsg.ms_flags & (MSGF_DONE | MSGF_REPLY |
		    MSGF_QUEUED | MSGF_INTRANSIT)) != (MSGF_DONE | MSGF_REPLY))
			return (ktest_fail(EIO, "%s: reply flags %#x", what,
			    r->km_nm.nm_lmsg.ms_flags));
		if (r->km_td != kw->kw_td)
			return (ktest_fail(EIO, "%s: handled by the wrong "
			    "thread", what));
	}
	if (lwkt_getport(rport) != NULL)
		return (ktest_fail(EIO, "%s: an extra reply", what));
	return (0);
}

static int
ktest_msg_async_reply(int seconds)
{
	struct lwkt_port tport, sport, zport;
	struct lwkt_token tok = LWKT_TOKEN_INITIALIZER(ktmsg);
	struct kt_worker *kw;
	int error = 0, cpu;

	lwkt_initport_thread(&tport, curthread);
	lwkt_initport_spin(&sport);
	lwkt_initport_serialize(&zport, &tok);
	for (cpu = 0; cpu < ncpus && error == 0; cpu += ncpus - 1) {
		kw = kt_worker_start(0, cpu);
		error = kt_async_round(kw, &tport, "thread port");
		if (error == 0)
			error = kt_async_round(kw, &sport, "spin port");
		if (error == 0)
			error = kt_async_round(kw, &zport, "serializer port");
		kt_worker_stop(kw, &tport);
		if (ncpus == 1)
			break;
	}
	kt_wait_zero(&kt_nrunning);
	return (error);
}
KTEST(msg, async_reply, ktest_msg_async_reply);

/* ------------------------------------------------------ cross_cpu */

static void
kt_echo_dispatch(netmsg_t nm)
{
	struct kt_msg *m = (struct kt_msg *)nm;

	m->km_cpu = mycpuid;
	m->km_td = curthread;
	lwkt_replymsg(&nm->nm_lmsg, 0);
}

static int
ktest_msg_cross_cpu(int seconds)
{
	struct lwkt_port rport, sport;
	struct kt_worker *kw;
	struct kt_msg m;
	int cpu, i, error;

	lwkt_initport_thread(&rport, curthread);
	lwkt_initport_spin(&sport);
	for (cpu = 0; cpu < ncpus; cpu++) {
		for (i = 0; i < 100; i++) {
			kt_msg_init(&m, (i & 1) ? &sport : &rport, KM_ECHO, i);
			m.km_nm.nm_dispatch = kt_echo_dispatch;
			error = lwkt_domsg(netisr_cpuport(cpu),
			    &m.km_nm.nm_lmsg, 0);
			if (error != 0 || m.km_cpu != cpu ||
			    m.km_td != netisr_cputhread(cpu))
				return (ktest_fail(EIO, "domsg to cpu%d ran on "
				    "cpu%d (%s), error %d", cpu, m.km_cpu,
				    m.km_td ? m.km_td->td_comm : "?", error));
		}
	}
	/* A plain thread port on the last CPU, domsg from cpu0. */
	lwkt_migratecpu(0);
	kw = kt_worker_start(1, ncpus - 1);
	for (i = 0; i < 100; i++) {
		kt_msg_init(&m, &rport, KM_ECHO, i);
		error = lwkt_domsg(&kw->kw_port, &m.km_nm.nm_lmsg, 0);
		if (error != 0 || m.km_cpu != ncpus - 1 || mycpuid != 0)
			return (ktest_fail(EIO, "domsg to a thread port on cpu%d"
			    " ran on cpu%d", ncpus - 1, m.km_cpu));
	}
	kt_worker_stop(kw, &rport);
	kt_wait_zero(&kt_nrunning);
	return (0);
}
KTEST(msg, cross_cpu, ktest_msg_cross_cpu);

/* ---------------------------------------------------------- abort */

static void
kt_abortfn(lwkt_msg_t msg)
{
	struct kt_msg *m = (struct kt_msg *)msg;

	__atomic_store_n(&m->km_aborted, 1, __ATOMIC_RELEASE);
	wakeup(&m->km_aborted);
}

static int
ktest_msg_abort(int seconds)
{
	struct lwkt_port rport;
	struct kt_worker *kw;
	struct kt_msg slow, m;
	int error, i;

	lwkt_initport_thread(&rport, curthread);
	kw = kt_worker_start(0, ncpus - 1);

	/* While queued: the worker is busy with `slow'. */
	kt_gate = 0;
	kt_msg_init(&slow, &rport, KM_SLOW, 0);
	lwkt_sendmsg(&kw->kw_port, &slow.km_nm.nm_lmsg);
	kt_msg_init(&m, &rport, KM_ECHO, 1);
	lwkt_initmsg_abortable(&m.km_nm.nm_lmsg, &rport, 0, kt_abortfn);
	lwkt_sendmsg(&kw->kw_port, &m.km_nm.nm_lmsg);
	for (i = 0; i < 5 * hz && !LOAD(slow.km_started); i++)
		tsleep(&kt_gate, 0, "ktabort", 1);
	lwkt_abortmsg(&m.km_nm.nm_lmsg);
	if (lwkt_checkmsg(&m.km_nm.nm_lmsg) || LOAD(m.km_started))
		return (ktest_fail(EIO, "aborted message done before its "
		    "turn"));
	kt_gate = 1;
	error = lwkt_waitmsg(&m.km_nm.nm_lmsg, 0);
	if (error != EINTR || !LOAD(m.km_finished) || LOAD(m.km_started))
		return (ktest_fail(EIO, "abort while queued: error %d, "
		    "finished %d, started %d", error, m.km_finished,
		    m.km_started));
	if ((error = lwkt_waitmsg(&slow.km_nm.nm_lmsg, 0)) != 0)
		return (ktest_fail(EIO, "slow message: error %d", error));

	/* While in progress: the handler sees the abort and ends early. */
	kt_gate = 0;
	kt_msg_init(&m, &rport, KM_SLOW, 2);
	lwkt_initmsg_abortable(&m.km_nm.nm_lmsg, &rport, 0, kt_abortfn);
	lwkt_sendmsg(&kw->kw_port, &m.km_nm.nm_lmsg);
	for (i = 0; i < 5 * hz && !LOAD(m.km_started); i++)
		tsleep(&kt_gate, 0, "ktabort", 1);
	lwkt_abortmsg(&m.km_nm.nm_lmsg);
	error = lwkt_waitmsg(&m.km_nm.nm_lmsg, 0);
	if (error != ECANCELED || !LOAD(m.km_finished))
		return (ktest_fail(EIO, "abort in progress: error %d, "
		    "finished %d", error, m.km_finished));

	/* After completion the abort function is not called. */
	m.km_aborted = 0;
	lwkt_abortmsg(&m.km_nm.nm_lmsg);
	if (m.km_aborted)
		return (ktest_fail(EIO, "abort function ran on a done "
		    "message"));
	kt_gate = 1;
	kt_worker_stop(kw, &rport);
	kt_wait_zero(&kt_nrunning);
	return (0);
}
KTEST(msg, abort, ktest_msg_abort);

/* ------------------------------------------------------- dispatch */

#define KT_NETISR	3		/* protocol number for the test */
#define DISPATCH_N	64

static int kt_dispatch_bad;		/* [a] */
static int kt_barrier_count;		/* [a] */

static uint32_t
kt_hash(netmsg_t nm)
{
	return ((uint32_t)((struct kt_msg *)nm)->km_seq);
}

static void
kt_proto_dispatch(netmsg_t nm)
{
	struct kt_msg *m = (struct kt_msg *)nm;

	if (m->km_seq % ncpus != mycpuid ||
	    curthread != netisr_cputhread(mycpuid) ||
	    netisr_curport() != netisr_cpuport(mycpuid))
		ADD(kt_dispatch_bad, 1);
	m->km_cpu = mycpuid;
	lwkt_replymsg(&nm->nm_lmsg, 0);
}

static void
kt_inner_dispatch(netmsg_t nm)
{
	struct kt_msg *m = (struct kt_msg *)nm;

	m->km_td = curthread;
	m->km_hops = *(int *)m->km_owner;	/* outer still running? */
	lwkt_replymsg(&nm->nm_lmsg, 0);
}

static void
kt_outer_dispatch(netmsg_t nm)
{
	struct kt_msg *m = (struct kt_msg *)nm, inner;
	struct lwkt_port rport;
	int running = 1;

	lwkt_initport_thread(&rport, curthread);
	kt_msg_init(&inner, &rport, KM_ECHO, 0);
	inner.km_nm.nm_dispatch = kt_inner_dispatch;
	inner.km_owner = &running;
	lwkt_domsg(netisr_curport(), &inner.km_nm.nm_lmsg, 0);
	running = 0;
	m->km_td = inner.km_td;
	m->km_hops = inner.km_hops;
	lwkt_replymsg(&nm->nm_lmsg, 0);
}

static void
kt_barrier_dispatch(netmsg_t nm)
{
	int i;

	for (i = 0; i < 2000; i++)
		cpu_pause();
	ADD(kt_barrier_count, 1);
	lwkt_replymsg(&nm->nm_lmsg, 0);
}

static int
ktest_msg_dispatch(int seconds)
{
	static struct kt_msg m[DISPATCH_N];
	struct lwkt_port rport;
	struct kt_msg *r;
	int i, cpu, seen = 0;

	for (i = 0; i < 4 * ncpus; i++)
		if (netisr_hashport(i) != netisr_cpuport(i % ncpus))
			return (ktest_fail(EIO, "hash %d maps elsewhere", i));

	/* Registered handler, messages hashed by km_seq. */
	lwkt_initport_thread(&rport, curthread);
	netisr_register(KT_NETISR, kt_proto_dispatch, kt_hash);
	kt_dispatch_bad = 0;
	for (i = 0; i < DISPATCH_N; i++) {
		kt_msg_init(&m[i], &rport, KM_ECHO, i);
		netisr_queue(KT_NETISR, &m[i].km_nm);
	}
	for (i = 0; i < DISPATCH_N; i++) {
		r = (struct kt_msg *)lwkt_waitport(&rport, 0);
		seen |= 1 << r->km_cpu;
	}
	if (kt_dispatch_bad != 0 || seen != (int)((1u << ncpus) - 1))
		return (ktest_fail(EIO, "%d messages ran on the wrong CPU or "
		    "thread; CPUs seen %#x", kt_dispatch_bad, seen));

	/* A SYNC message to one's own service port runs inline. */
	for (cpu = 0; cpu < ncpus; cpu++) {
		kt_msg_init(&m[0], &rport, KM_ECHO, 0);
		m[0].km_nm.nm_dispatch = kt_outer_dispatch;
		lwkt_domsg(netisr_cpuport(cpu), &m[0].km_nm.nm_lmsg, 0);
		if (m[0].km_td != netisr_cputhread(cpu) || m[0].km_hops != 1)
			return (ktest_fail(EIO, "own-port domsg on cpu%d did "
			    "not run inline", cpu));
	}

	/* The barrier returns after all earlier work. */
	kt_barrier_count = 0;
	for (i = 0; i < DISPATCH_N; i++) {
		kt_msg_init(&m[i], &netisr_adone_rport, KM_ECHO, i);
		m[i].km_nm.nm_dispatch = kt_barrier_dispatch;
		lwkt_sendmsg(netisr_hashport(i), &m[i].km_nm.nm_lmsg);
	}
	netisr_barrier();
	if (LOAD(kt_barrier_count) != DISPATCH_N)
		return (ktest_fail(EIO, "barrier returned after %d of %d",
		    kt_barrier_count, DISPATCH_N));
	for (i = 0; i < DISPATCH_N; i++)
		if (!lwkt_checkmsg(&m[i].km_nm.nm_lmsg))
			return (ktest_fail(EIO, "message %d not done", i));
	return (0);
}
KTEST(msg, dispatch, ktest_msg_dispatch);

/* --------------------------------------------------------- stress */

#define STRESS_THREADS_PER_CPU	2
#define STRESS_BATCH		8
#define STRESS_MAXT		(STRESS_THREADS_PER_CPU * PLAT_MAXCPU)

struct kt_stress {
	struct kt_msg	ks_msg[STRESS_BATCH];
	uint64_t	ks_rng;
	uint64_t	ks_sent, ks_back, ks_sync;
	uint64_t	ks_dup, ks_foreign;
	int		ks_cpu;
};

static struct kt_stress kt_stress[STRESS_MAXT];
static struct lwkt_port kt_spin_server;
static volatile int kt_stress_stop;
static uint64_t kt_handled, kt_forwards;	/* [a] */

static void
kt_stress_dispatch(netmsg_t nm)
{
	struct kt_msg *m = (struct kt_msg *)nm;

	/* Some messages hop on to another CPU before the reply. */
	if (m->km_hops > 0) {
		m->km_hops--;
		ADD(kt_forwards, 1);
		lwkt_forwardmsg(netisr_hashport((uint32_t)m->km_seq +
		    (uint32_t)m->km_hops), &nm->nm_lmsg);
		return;
	}
	ADD(kt_handled, 1);
	lwkt_replymsg(&nm->nm_lmsg, 0);
}

/* Threads serving the shared spin port. */
static void
kt_spin_server_main(void *arg)
{
	struct kt_msg *m;

	for (;;) {
		m = (struct kt_msg *)lwkt_waitport(&kt_spin_server, 0);
		if (m->km_op == KM_QUIT) {
			lwkt_replymsg(&m->km_nm.nm_lmsg, 0);
			break;
		}
		ADD(kt_handled, 1);
		lwkt_replymsg(&m->km_nm.nm_lmsg, 0);
	}
	if (__atomic_sub_fetch(&kt_nrunning, 1, __ATOMIC_SEQ_CST) == 0)
		wakeup(&kt_nrunning);
}

static void
kt_stress_send(struct kt_stress *ks, struct kt_msg *m, lwkt_port_t rport)
{
	uint32_t r = ktest_rnd(&ks->ks_rng);
	lwkt_port_t port;

	kt_msg_init(m, rport, KM_ECHO, (int)(r >> 8));
	m->km_nm.nm_dispatch = kt_stress_dispatch;
	m->km_owner = ks;
	m->km_hops = (r >> 4) & 3;
	if ((r & 7) == 0) {
		m->km_hops = 0;
		port = &kt_spin_server;
	} else {
		port = netisr_hashport(r >> 8);
	}
	m->km_outstanding = 1;
	if ((r & 0x30) == 0x30) {	/* now and then, synchronously */
		if (lwkt_domsg(port, &m->km_nm.nm_lmsg, 0) != 0)
			ks->ks_foreign++;
		m->km_outstanding = 0;
		ks->ks_sync++;
		ks->ks_back++;
	} else {
		lwkt_sendmsg(port, &m->km_nm.nm_lmsg);
	}
	ks->ks_sent++;
}

static void
kt_stress_main(void *arg)
{
	struct kt_stress *ks = arg;
	struct lwkt_port rport;
	struct kt_msg *m;
	int i, pending;

	lwkt_initport_thread(&rport, curthread);
	while (!kt_stress_stop) {
		pending = 0;
		for (i = 0; i < STRESS_BATCH; i++) {
			kt_stress_send(ks, &ks->ks_msg[i], &rport);
			pending += ks->ks_msg[i].km_outstanding;
		}
		while (pending-- > 0) {
			m = (struct kt_msg *)lwkt_waitport(&rport, 0);
			if (m->km_owner != ks ||
			    m < &ks->ks_msg[0] ||
			    m >= &ks->ks_msg[STRESS_BATCH])
				ks->ks_foreign++;
			else if (m->km_outstanding != 1)
				ks->ks_dup++;
			m->km_outstanding = 0;
			ks->ks_back++;
		}
		for (i = 0; i < STRESS_BATCH; i++)
			if (ks->ks_msg[i].km_outstanding)
				ks->ks_foreign++;	/* never came back */
		if (lwkt_getport(&rport) != NULL)
			ks->ks_dup++;
		if ((ktest_rnd(&ks->ks_rng) & 3) == 0)
			lwkt_yield();
	}
	if (__atomic_sub_fetch(&kt_nrunning, 1, __ATOMIC_SEQ_CST) == 0)
		wakeup(&kt_nrunning);
}

static int
ktest_msg_stress(int seconds)
{
	struct lwkt_port rport;
	struct kt_msg q;
	uint64_t deadline, sent = 0, back = 0, sync = 0, dup = 0, bad = 0;
	int i, n, error = 0;

	if (seconds == 0)
		seconds = 3;
	n = STRESS_THREADS_PER_CPU * ncpus;
	kt_stress_stop = 0;
	kt_handled = kt_forwards = 0;
	lwkt_initport_spin(&kt_spin_server);
	lwkt_port_setname(&kt_spin_server, "ktmsg-spin");
	kt_nrunning = n + ncpus;
	for (i = 0; i < ncpus; i++)
		if (lwkt_create(kt_spin_server_main, NULL, NULL, 0, i,
		    "ktmsg-srv%d", i) != 0)
			panic("ktest msg.stress: cannot create server %d", i);
	for (i = 0; i < n; i++) {
		memset(&kt_stress[i], 0, sizeof(kt_stress[i]));
		kt_stress[i].ks_rng = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
		if (lwkt_create(kt_stress_main, &kt_stress[i], NULL, 0,
		    i % ncpus, "ktmsg-s%d", i) != 0)
			panic("ktest msg.stress: cannot create sender %d", i);
	}
	deadline = plat_clock_ns() + (uint64_t)seconds * 1000000000ull;
	while (plat_clock_ns() < deadline)
		tsleep(&deadline, 0, "stress", hz / 10);
	kt_stress_stop = 1;
	/* Stop the spin servers once the senders are gone. */
	while (LOAD(kt_nrunning) > ncpus)
		tsleep(&kt_nrunning, 0, "kwait", hz / 10);
	lwkt_initport_thread(&rport, curthread);
	for (i = 0; i < ncpus; i++) {
		kt_msg_init(&q, &rport, KM_QUIT, 0);
		lwkt_domsg(&kt_spin_server, &q.km_nm.nm_lmsg, 0);
	}
	kt_wait_zero(&kt_nrunning);
	netisr_barrier();

	for (i = 0; i < n; i++) {
		sent += kt_stress[i].ks_sent;
		back += kt_stress[i].ks_back;
		sync += kt_stress[i].ks_sync;
		dup += kt_stress[i].ks_dup;
		bad += kt_stress[i].ks_foreign;
	}
	kprintf("msg.stress: %d CPUs, %d senders, %llu messages (%llu "
	    "sync), %llu forwards, %llu handled\n", ncpus, n,
	    (unsigned long long)sent, (unsigned long long)sync,
	    (unsigned long long)kt_forwards, (unsigned long long)kt_handled);
	if (sent != back || dup != 0 || bad != 0)
		error = ktest_fail(EIO, "%llu sent, %llu back, %llu twice, "
		    "%llu lost or foreign", (unsigned long long)sent,
		    (unsigned long long)back, (unsigned long long)dup,
		    (unsigned long long)bad);
	if (kt_handled != sent)
		error = ktest_fail(EIO, "%llu handled for %llu sent",
		    (unsigned long long)kt_handled, (unsigned long long)sent);
	if (sent < 100)
		error = ktest_fail(EIO, "only %llu messages in %d s",
		    (unsigned long long)sent, seconds);
	return (error);
}
KTEST(msg, stress, ktest_msg_stress);
