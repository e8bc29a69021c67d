/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * netisr.c - the per-CPU dispatch helper: one service thread per CPU
 * ("netisr_cpuN"), each the owner of a thread port, running the
 * nm_dispatch handler of every message put on it.  Work is hashed to a
 * CPU (netisr_hashport), so everything about one flow or one object runs
 * in one thread on one CPU, in order, without locks.  The network stack
 * and the system-call layer build on it, as DragonFly's do.
 *
 * A SYNC message put on the caller's own service port runs inline in
 * the caller instead of being queued: a handler that domsg()s its own
 * CPU's port would otherwise wait on itself.  netisr_barrier() sends a
 * message through every service port and waits for all of them.
 *
 * Locking: the service ports are thread ports (owner CPU, critical
 * section).  netisr_cpu[] is [I] once netisr_init has run; the protocol
 * table is [I] after registration at start-up.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/errno.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <sys/msgport.h>
#include <plat/plat.h>

#define NETISR_BATCH	512	/* messages between yields */

struct netisr_cpu {
	struct lwkt_port nc_port;	/* [I] the service port */
	thread_t	nc_td;		/* [I] its thread */
	uint64_t	nc_handled;	/* [c] messages dispatched */
};

struct netisr_proto {
	netisr_fn_t	*np_handler;	/* [I] */
	netisr_hashfn_t	*np_hashfn;	/* [I] NULL: the caller's CPU */
};

static struct netisr_cpu netisr_cpu[PLAT_MAXCPU];
static struct netisr_proto netisr_protos[NETISR_MAX];
static lwkt_putport_t *netisr_thread_putport;	/* [I] wrapped */
static int netisr_ready;			/* [I] */
static int netisr_started;			/* [a] service loops begun */

struct lwkt_port netisr_adone_rport;
struct lwkt_port netisr_apanic_rport;

void
netmsg_init(netmsg_t nm, lwkt_port_t rport, int flags, netisr_fn_t *dispatch)
{
	lwkt_initmsg(&nm->nm_lmsg, rport, flags);
	nm->nm_dispatch = dispatch;
}

/*
 * The service ports' putport: a SYNC message put on the caller's own
 * port runs here, in the caller; everything else is queued as on any
 * thread port.  Context: as thread_putport.
 */
static int
netisr_putport(lwkt_port_t port, lwkt_msg_t msg)
{
	netmsg_t nm = (netmsg_t)msg;

	if ((msg->ms_flags & MSGF_SYNC) && port->mpu_td == curthread) {
		nm->nm_dispatch(nm);		/* replies: sets DONE */
		return (EASYNC);
	}
	return (netisr_thread_putport(port, msg));
}

static void
netisr_service_loop(void *arg)
{
	struct netisr_cpu *nc = arg;
	lwkt_msg_t msg;
	netmsg_t nm;
	int n;

	KKASSERT(nc->nc_td == curthread);
	__atomic_fetch_add(&netisr_started, 1, __ATOMIC_RELEASE);
	for (;;) {
		for (n = 0; n < NETISR_BATCH; n++) {
			if (n == 0)
				msg = lwkt_waitport(&nc->nc_port, 0);
			else if ((msg = lwkt_getport(&nc->nc_port)) == NULL)
				break;
			nm = (netmsg_t)msg;
			KASSERT(nm->nm_dispatch != NULL, ("netisr: message %p "
			    "on port %p has no handler", msg, &nc->nc_port));
			nm->nm_dispatch(nm);
			nc->nc_handled++;
		}
		lwkt_yield();
	}
}

lwkt_port_t
netisr_cpuport(int cpu)
{
	KASSERT(netisr_ready && cpu >= 0 && cpu < ncpus,
	    ("netisr_cpuport(%d): no such service port", cpu));
	return (&netisr_cpu[cpu].nc_port);
}

lwkt_port_t
netisr_hashport(uint32_t hash)
{
	return (netisr_cpuport((int)(hash % (uint32_t)ncpus)));
}

thread_t
netisr_cputhread(int cpu)
{
	return (netisr_cpuport(cpu)->mpu_td);
}

lwkt_port_t
netisr_curport(void)
{
	thread_t td = curthread;
	int cpu = td->td_gd->gd_cpuid;

	if (netisr_ready && netisr_cpu[cpu].nc_td == td)
		return (&netisr_cpu[cpu].nc_port);
	return (NULL);
}

void
netisr_register(int num, netisr_fn_t *handler, netisr_hashfn_t *hashfn)
{
	KASSERT(num >= 0 && num < NETISR_MAX && handler != NULL,
	    ("netisr_register: bad protocol %d", num));
	KASSERT(netisr_protos[num].np_handler == NULL ||
	    netisr_protos[num].np_handler == handler,
	    ("netisr_register: protocol %d registered twice", num));
	netisr_protos[num].np_hashfn = hashfn;
	netisr_protos[num].np_handler = handler;
}

void
netisr_queue(int num, netmsg_t nm)
{
	struct netisr_proto *np;
	lwkt_port_t port;

	KASSERT(num >= 0 && num < NETISR_MAX &&
	    netisr_protos[num].np_handler != NULL,
	    ("netisr_queue: protocol %d not registered", num));
	np = &netisr_protos[num];
	nm->nm_dispatch = np->np_handler;
	if (np->np_hashfn != NULL)
		port = netisr_hashport(np->np_hashfn(nm));
	else
		port = netisr_cpuport(mycpuid);
	lwkt_sendmsg(port, &nm->nm_lmsg);
}

static void
netisr_barrier_dispatch(netmsg_t nm)
{
	lwkt_replymsg(&nm->nm_lmsg, 0);
}

void
netisr_barrier(void)
{
	struct netmsg_base nm[PLAT_MAXCPU];
	struct lwkt_port rport;
	int cpu;

	KASSERT(netisr_curport() == NULL,
	    ("netisr_barrier: called from service thread %s",
	    curthread->td_comm));
	lwkt_initport_thread(&rport, curthread);
	for (cpu = 0; cpu < ncpus; cpu++) {
		netmsg_init(&nm[cpu], &rport, 0, netisr_barrier_dispatch);
		lwkt_sendmsg(netisr_cpuport(cpu), &nm[cpu].nm_lmsg);
	}
	for (cpu = 0; cpu < ncpus; cpu++)
		lwkt_waitmsg(&nm[cpu].nm_lmsg, 0);
}

/*
 * Create the service threads once every CPU runs.
 * Context: thread0 at start-up.
 */
static void
netisr_init(void *arg __unused)
{
	struct netisr_cpu *nc;
	int cpu;

	lwkt_initport_replyonly_null(&netisr_adone_rport);
	lwkt_port_setname(&netisr_adone_rport, "netisr_adone");
	lwkt_initport_panic(&netisr_apanic_rport);
	lwkt_port_setname(&netisr_apanic_rport, "netisr_apanic");
	for (cpu = 0; cpu < ncpus; cpu++) {
		nc = &netisr_cpu[cpu];
		if (lwkt_create(netisr_service_loop, nc, &nc->nc_td,
		    TDF_NOSTART | TDF_SYSTHREAD, cpu, "netisr_cpu%d",
		    cpu) != 0)
			panic("netisr: no memory for cpu%d's thread", cpu);
		lwkt_initport_thread(&nc->nc_port, nc->nc_td);
		netisr_thread_putport = nc->nc_port.mp_putport;
		nc->nc_port.mp_putport = netisr_putport;
		nc->nc_td->td_pri = TDPRI_SOFT_NORM;
	}
	netisr_ready = 1;
	for (cpu = 0; cpu < ncpus; cpu++)
		lwkt_schedule(netisr_cpu[cpu].nc_td);
	/*
	 * Let each reach its port and block before start-up goes on, so
	 * the monitor (or a test) starts with the run queues settled.
	 */
	while (__atomic_load_n(&netisr_started, __ATOMIC_ACQUIRE) < ncpus) {
		lwkt_yield();
		plat_cpu_yield_hint();
	}
}
SYSINIT(netisr, SI_SUB_RUN, SI_ORDER_FIRST, netisr_init, NULL);
