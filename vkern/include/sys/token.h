/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * token.h - serializing tokens.  A token serializes its holders only
 * while they run: a thread that blocks (sleep, failed token, yield)
 * releases every token it has, and the scheduler takes them all back
 * before the thread runs again.  So tokens cannot deadlock, whatever the
 * order they are taken in, and code re-checks state after anything that
 * can block.  Exclusive and shared modes; recursion allowed; release in
 * reverse order.  Preemption keeps the preempted thread's tokens.
 */
#ifndef _SYS_TOKEN_H_
#define _SYS_TOKEN_H_

#include <sys/types.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>

struct lwkt_token {
	long		t_count;	/* [a] TOK_* bits + shared count */
	struct lwkt_tokref *t_ref;	/* [a] exclusive holder's ref */
	uint64_t	t_collisions;	/* [a] failed acquisitions */
	const char	*t_desc;	/* [I] */
};

typedef struct lwkt_token *lwkt_token_t;

#define TOK_EXCLUSIVE	0x1L		/* held exclusively */
#define TOK_EXCLREQ	0x2L		/* an exclusive request waits */
#define TOK_INCR	0x4L		/* one shared holder */

#define LWKT_TOKEN_INITIALIZER(name)	{ 0, NULL, 0, #name }
#define LWKT_TOKEN_POOL_SIZE	4001	/* prime */

/* What a tokref holds now (tr_held). */
#define TRH_NONE	0		/* covered by an outer ref */
#define TRH_EXCL	1		/* owns t_ref / TOK_EXCLUSIVE */
#define TRH_SHARED	2		/* one TOK_INCR of t_count */
#define TRH_UNHELD	3		/* not held (released, or wanted) */

void	lwkt_token_init(lwkt_token_t tok, const char *desc);
void	lwkt_gettoken_shared(lwkt_token_t tok);	/* shared; may switch */
int	lwkt_trytoken(lwkt_token_t tok);	/* exclusive, never blocks */
void	_lwkt_gettoken_slow(lwkt_token_t tok);
void	_lwkt_reltoken_slow(lwkt_token_t tok);
int	lwkt_token_held(lwkt_token_t tok);	/* any mode, by curthread */
int	lwkt_token_held_excl(lwkt_token_t tok);

lwkt_token_t lwkt_token_pool_lookup(const void *ptr);
void	lwkt_getpooltoken(const void *ptr);
void	lwkt_relpooltoken(const void *ptr);

/* Scheduler side: release all / take all (all or nothing). */
void	lwkt_relalltokens(thread_t td);
int	lwkt_getalltokens(thread_t td, int sorted);

/*
 * lwkt_gettoken - take tok exclusively; may switch away and come back
 * holding it.  The uncontended case is inline: one compare-and-swap and
 * a push of the tokref.  Everything else (contention, recursion, a full
 * token stack, interrupt context) goes to _lwkt_gettoken_slow.
 * Context: thread; may block (tokens are dropped and re-taken).
 */
static __always_inline void
lwkt_gettoken(lwkt_token_t tok)
{
	thread_t td = curthread;
	struct lwkt_tokref *ref = td->td_toks_stop;
	long zero = 0;

	if (__predict_true(ref < &td->td_toks_array[LWKT_MAXTOKENS] &&
	    td->td_gd->gd_intr_nesting_level == 0 &&
	    __atomic_compare_exchange_n(&tok->t_count, &zero, TOK_EXCLUSIVE,
	    0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))) {
		ref->tr_tok = tok;
		ref->tr_mode = TOK_EXCLUSIVE;
		ref->tr_held = TRH_EXCL;
		ref->tr_owner = td;
		tok->t_ref = ref;
		td->td_toks_stop = ref + 1;
		return;
	}
	_lwkt_gettoken_slow(tok);
}

/*
 * lwkt_reltoken - release the newest tokref, which must be for tok.  An
 * exclusive hold is released inline with a store (see lwkt_token.c).
 * Context: thread; never blocks.
 */
static __always_inline void
lwkt_reltoken(lwkt_token_t tok)
{
	thread_t td = curthread;
	struct lwkt_tokref *ref = td->td_toks_stop - 1;

	if (__predict_true(ref >= &td->td_toks_array[0] &&
	    ref->tr_tok == tok && ref->tr_held == TRH_EXCL)) {
		tok->t_ref = NULL;
		__atomic_store_n(&tok->t_count, 0, __ATOMIC_RELEASE);
		ref->tr_held = TRH_UNHELD;
		td->td_toks_stop = ref;
		return;
	}
	_lwkt_reltoken_slow(tok);
}

#define ASSERT_LWKT_TOKEN_HELD(tok)	KKASSERT(lwkt_token_held(tok))
#define ASSERT_LWKT_TOKEN_HELD_EXCL(tok) KKASSERT(lwkt_token_held_excl(tok))
#define ASSERT_NO_TOKENS_HELD(td)					\
	KKASSERT((td)->td_toks_stop == &(td)->td_toks_array[0])

#endif /* !_SYS_TOKEN_H_ */
