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

void	lwkt_token_init(lwkt_token_t tok, const char *desc);
void	lwkt_gettoken(lwkt_token_t tok);	/* exclusive; may switch */
void	lwkt_gettoken_shared(lwkt_token_t tok);	/* shared; may switch */
int	lwkt_trytoken(lwkt_token_t tok);	/* exclusive, never blocks */
void	lwkt_reltoken(lwkt_token_t tok);	/* must be the newest ref */
int	lwkt_token_held(lwkt_token_t tok);	/* any mode, by curthread */
int	lwkt_token_held_excl(lwkt_token_t tok);

lwkt_token_t lwkt_token_pool_lookup(const void *ptr);
void	lwkt_getpooltoken(const void *ptr);
void	lwkt_relpooltoken(const void *ptr);

/* Scheduler side: release all / take all (all or nothing). */
void	lwkt_relalltokens(thread_t td);
int	lwkt_getalltokens(thread_t td, int sorted);

#define ASSERT_LWKT_TOKEN_HELD(tok)	KKASSERT(lwkt_token_held(tok))
#define ASSERT_LWKT_TOKEN_HELD_EXCL(tok) KKASSERT(lwkt_token_held_excl(tok))
#define ASSERT_NO_TOKENS_HELD(td)					\
	KKASSERT((td)->td_toks_stop == &(td)->td_toks_array[0])

#endif /* !_SYS_TOKEN_H_ */
