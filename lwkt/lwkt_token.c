/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lwkt_token.c - serializing tokens (semantics in sys/token.h).
 *
 * t_count holds TOK_EXCLUSIVE, TOK_EXCLREQ and the number of shared
 * holders in units of TOK_INCR; t_ref points at the exclusive holder's
 * tokref.  A thread keeps a stack of tokrefs, one per acquisition; each
 * records what it actually holds (tr_held): an exclusive hold, a shared
 * count, or nothing because an outer ref of the same thread already
 * covers it (recursion).  Acquisition that fails after a few tries
 * leaves the ref on the stack and calls lwkt_switch(): the scheduler
 * runs the thread again only once it has taken every ref on its stack,
 * so lwkt_gettoken() returns holding the token.
 *
 * Protection: t_count and t_ref [a] (compare-and-swap); a thread's
 * tokref stack [s] (the thread itself, or the scheduler of its CPU while
 * it is switched out).
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <sys/token.h>
#include <plat/plat.h>

#include "lwkt_internal.h"

#define TOKEN_SPINS	5

static struct lwkt_token pool_tokens[LWKT_TOKEN_POOL_SIZE];

void
lwkt_token_init(lwkt_token_t tok, const char *desc)
{
	tok->t_count = 0;
	tok->t_ref = NULL;
	tok->t_collisions = 0;
	tok->t_desc = desc;
}

/* Does td hold tok (through an earlier ref than `below')? Which mode? */
static int
lwkt_token_mode_held(thread_t td, lwkt_token_t tok, struct lwkt_tokref *below)
{
	struct lwkt_tokref *ref;
	int mode = 0;

	for (ref = &td->td_toks_array[0]; ref < below; ref++) {
		if (ref->tr_tok != tok || ref->tr_held == TRH_UNHELD)
			continue;
		if (ref->tr_mode == TOK_EXCLUSIVE)
			return (TRH_EXCL);
		mode = TRH_SHARED;
	}
	return (mode);
}

/*
 * Try to take what `ref' asks for; sets ref->tr_held on success.  A
 * failed exclusive attempt marks the token TOK_EXCLREQ (new shared
 * holders then wait) unless `noreq': lwkt_trytoken gives up at once and
 * must not leave a request behind.
 */
static int
lwkt_tokref_try_req(thread_t td, struct lwkt_tokref *ref, int noreq)
{
	lwkt_token_t tok = ref->tr_tok;
	long count;
	int have = lwkt_token_mode_held(td, tok, ref);

	if (have == TRH_EXCL) {
		ref->tr_held = TRH_NONE;	/* recursion: already ours */
		return (1);
	}
	if (ref->tr_mode == TOK_EXCLUSIVE) {
		if (have == TRH_SHARED)
			panic("token %s: thread %s (%p) asks for it exclusive "
			    "while holding it shared", tok->t_desc,
			    td->td_comm, td);
		for (;;) {
			count = __atomic_load_n(&tok->t_count,
			    __ATOMIC_RELAXED);
			if ((count & ~TOK_EXCLREQ) != 0) {
				if (!noreq && (count & TOK_EXCLREQ) == 0 &&
				    !__atomic_compare_exchange_n(&tok->t_count,
				    &count, count | TOK_EXCLREQ, 0,
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
					continue;
				return (0);
			}
			if (__atomic_compare_exchange_n(&tok->t_count, &count,
			    TOK_EXCLUSIVE, 0, __ATOMIC_ACQUIRE,
			    __ATOMIC_RELAXED))
				break;
		}
		tok->t_ref = ref;
		ref->tr_held = TRH_EXCL;
		return (1);
	}
	/* Shared: wait behind a queued exclusive request, unless nested. */
	for (;;) {
		count = __atomic_load_n(&tok->t_count, __ATOMIC_RELAXED);
		if (count & TOK_EXCLUSIVE)
			return (0);
		if ((count & TOK_EXCLREQ) && have != TRH_SHARED)
			return (0);
		if (__atomic_compare_exchange_n(&tok->t_count, &count,
		    count + TOK_INCR, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			break;
	}
	ref->tr_held = TRH_SHARED;
	return (1);
}

static int
lwkt_tokref_try(thread_t td, struct lwkt_tokref *ref)
{
	return (lwkt_tokref_try_req(td, ref, 0));
}

/*
 * Give back what ref holds.  An exclusive hold is released with a plain
 * store: while we hold the token exclusively no one else can change
 * t_count except by setting the TOK_EXCLREQ hint, and wiping that hint
 * costs nothing but letting a shared holder in first.
 */
static void
lwkt_tokref_release(struct lwkt_tokref *ref)
{
	lwkt_token_t tok = ref->tr_tok;

	switch (ref->tr_held) {
	case TRH_EXCL:
		KKASSERT(tok->t_ref == ref);
		tok->t_ref = NULL;
		__atomic_store_n(&tok->t_count, 0, __ATOMIC_RELEASE);
		break;
	case TRH_SHARED:
		__atomic_fetch_sub(&tok->t_count, TOK_INCR, __ATOMIC_RELEASE);
		break;
	default:
		break;
	}
	ref->tr_held = TRH_UNHELD;
}

static void
lwkt_gettoken_mode(lwkt_token_t tok, long mode)
{
	thread_t td = curthread;
	struct lwkt_tokref *ref = td->td_toks_stop;
	int i;

	if (ref == &td->td_toks_array[LWKT_MAXTOKENS])
		panic("thread %s (%p) holds %d tokens, the most allowed",
		    td->td_comm, td, LWKT_MAXTOKENS);
	if (__predict_false(td->td_gd->gd_intr_nesting_level != 0) &&
	    lwkt_token_mode_held(td, tok, ref) == 0)
		panic("token %s taken inside an interrupt", tok->t_desc);
	ref->tr_tok = tok;
	ref->tr_mode = mode;
	ref->tr_held = TRH_UNHELD;
	ref->tr_owner = td;
	td->td_toks_stop = ref + 1;
	for (i = 0; i < TOKEN_SPINS; i++) {
		if (lwkt_tokref_try(td, ref))
			return;
		plat_cpu_yield_hint();
	}
	/* Contended: let the scheduler get it for us. */
	__atomic_fetch_add(&tok->t_collisions, 1, __ATOMIC_RELAXED);
	td->td_wmesg = tok->t_desc;
	lwkt_switch();
	td->td_wmesg = NULL;
	KKASSERT(ref->tr_held != TRH_UNHELD);
}

void
_lwkt_gettoken_slow(lwkt_token_t tok)
{
	lwkt_gettoken_mode(tok, TOK_EXCLUSIVE);
}

void
lwkt_gettoken_shared(lwkt_token_t tok)
{
	lwkt_gettoken_mode(tok, 0);
}

int
lwkt_trytoken(lwkt_token_t tok)
{
	thread_t td = curthread;
	struct lwkt_tokref *ref = td->td_toks_stop;

	if (ref == &td->td_toks_array[LWKT_MAXTOKENS])
		return (0);
	ref->tr_tok = tok;
	ref->tr_mode = TOK_EXCLUSIVE;
	ref->tr_held = TRH_UNHELD;
	ref->tr_owner = td;
	if (!lwkt_tokref_try_req(td, ref, 1))
		return (0);
	td->td_toks_stop = ref + 1;
	return (1);
}

void
_lwkt_reltoken_slow(lwkt_token_t tok)
{
	thread_t td = curthread;
	struct lwkt_tokref *ref = td->td_toks_stop - 1;

	if (ref < &td->td_toks_array[0] || ref->tr_tok != tok)
		panic("lwkt_reltoken: %s (%p) releases %s, not its newest "
		    "token %s", td->td_comm, td, tok->t_desc,
		    ref < &td->td_toks_array[0] ? "(none)" :
		    ref->tr_tok->t_desc);
	lwkt_tokref_release(ref);
	td->td_toks_stop = ref;
}

int
lwkt_token_held(lwkt_token_t tok)
{
	thread_t td = curthread;

	return (lwkt_token_mode_held(td, tok, td->td_toks_stop) != 0);
}

int
lwkt_token_held_excl(lwkt_token_t tok)
{
	thread_t td = curthread;

	return (lwkt_token_mode_held(td, tok, td->td_toks_stop) == TRH_EXCL);
}

/* ------------------------------------------------------- scheduler side */

void
lwkt_relalltokens(thread_t td)
{
	struct lwkt_tokref *ref;

	for (ref = td->td_toks_stop - 1; ref >= &td->td_toks_array[0]; ref--)
		lwkt_tokref_release(ref);
}

/*
 * Take every token on td's stack, all or nothing.  With `sorted', take
 * them in ascending token address order, which ends livelock between
 * threads taking the same tokens in different orders.
 */
int
lwkt_getalltokens(thread_t td, int sorted)
{
	struct lwkt_tokref *ref, *best;
	uintptr_t last = 0;
	int n, i;

	if (!sorted) {
		for (ref = &td->td_toks_array[0]; ref < td->td_toks_stop;
		    ref++) {
			if (!lwkt_tokref_try(td, ref)) {
				__atomic_fetch_add(&ref->tr_tok->t_collisions,
				    1, __ATOMIC_RELAXED);
				while (--ref >= &td->td_toks_array[0])
					lwkt_tokref_release(ref);
				return (0);
			}
		}
		return (1);
	}
	/* Sorted: repeatedly take the lowest-addressed unheld token. */
	n = (int)(td->td_toks_stop - &td->td_toks_array[0]);
	for (i = 0; i < n; i++) {
		best = NULL;
		for (ref = &td->td_toks_array[0]; ref < td->td_toks_stop;
		    ref++) {
			if (ref->tr_held != TRH_UNHELD ||
			    (uintptr_t)ref->tr_tok < last)
				continue;
			if (best == NULL || ref->tr_tok < best->tr_tok ||
			    (ref->tr_tok == best->tr_tok && ref < best))
				best = ref;
		}
		if (best == NULL)
			break;
		if (!lwkt_tokref_try(td, best)) {
			__atomic_fetch_add(&best->tr_tok->t_collisions, 1,
			    __ATOMIC_RELAXED);
			lwkt_relalltokens(td);
			return (0);
		}
		last = (uintptr_t)best->tr_tok;
	}
	return (1);
}

/* ---------------------------------------------------------- pool tokens */

lwkt_token_t
lwkt_token_pool_lookup(const void *ptr)
{
	uintptr_t h = (uintptr_t)ptr;

	h ^= h >> 17;
	h *= 0x9e3779b97f4a7c15ull;
	return (&pool_tokens[(h >> 16) % LWKT_TOKEN_POOL_SIZE]);
}

void
lwkt_getpooltoken(const void *ptr)
{
	lwkt_gettoken(lwkt_token_pool_lookup(ptr));
}

void
lwkt_relpooltoken(const void *ptr)
{
	lwkt_reltoken(lwkt_token_pool_lookup(ptr));
}
