/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * queue.h - intrusive doubly-linked tail queues, the BSD TAILQ interface
 * (written afresh; same names and semantics).  No locking of their own:
 * the structure embedding the head says what protects it.
 */
#ifndef _SYS_QUEUE_H_
#define _SYS_QUEUE_H_

#define TAILQ_HEAD(name, type)						\
struct name {								\
	struct type *tqh_first;						\
	struct type **tqh_last;						\
}

#define TAILQ_HEAD_INITIALIZER(head)	{ NULL, &(head).tqh_first }

#define TAILQ_ENTRY(type)						\
struct {								\
	struct type *tqe_next;						\
	struct type **tqe_prev;						\
}

#define TAILQ_FIRST(head)	((head)->tqh_first)
#define TAILQ_NEXT(elm, f)	((elm)->f.tqe_next)
#define TAILQ_EMPTY(head)	((head)->tqh_first == NULL)
#define TAILQ_LAST(head, hname)						\
	(*(((struct hname *)((head)->tqh_last))->tqh_last))
#define TAILQ_PREV(elm, hname, f)					\
	(*(((struct hname *)((elm)->f.tqe_prev))->tqh_last))

#define TAILQ_INIT(head) do {						\
	(head)->tqh_first = NULL;					\
	(head)->tqh_last = &(head)->tqh_first;				\
} while (0)

#define TAILQ_FOREACH(v, head, f)					\
	for ((v) = TAILQ_FIRST(head); (v) != NULL; (v) = TAILQ_NEXT(v, f))

#define TAILQ_FOREACH_SAFE(v, head, f, tv)				\
	for ((v) = TAILQ_FIRST(head);					\
	    (v) != NULL && ((tv) = TAILQ_NEXT(v, f), 1); (v) = (tv))

#define TAILQ_INSERT_HEAD(head, elm, f) do {				\
	if (((elm)->f.tqe_next = (head)->tqh_first) != NULL)		\
		(head)->tqh_first->f.tqe_prev = &(elm)->f.tqe_next;	\
	else								\
		(head)->tqh_last = &(elm)->f.tqe_next;			\
	(head)->tqh_first = (elm);					\
	(elm)->f.tqe_prev = &(head)->tqh_first;				\
} while (0)

#define TAILQ_INSERT_TAIL(head, elm, f) do {				\
	(elm)->f.tqe_next = NULL;					\
	(elm)->f.tqe_prev = (head)->tqh_last;				\
	*(head)->tqh_last = (elm);					\
	(head)->tqh_last = &(elm)->f.tqe_next;				\
} while (0)

#define TAILQ_INSERT_BEFORE(lelm, elm, f) do {				\
	(elm)->f.tqe_prev = (lelm)->f.tqe_prev;				\
	(elm)->f.tqe_next = (lelm);					\
	*(lelm)->f.tqe_prev = (elm);					\
	(lelm)->f.tqe_prev = &(elm)->f.tqe_next;			\
} while (0)

#define TAILQ_REMOVE(head, elm, f) do {					\
	if ((elm)->f.tqe_next != NULL)					\
		(elm)->f.tqe_next->f.tqe_prev = (elm)->f.tqe_prev;	\
	else								\
		(head)->tqh_last = (elm)->f.tqe_prev;			\
	*(elm)->f.tqe_prev = (elm)->f.tqe_next;				\
} while (0)

#endif /* !_SYS_QUEUE_H_ */
