/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * intr.h - device interrupt handlers.  A driver registers a handler for a
 * platform irq; core_dev_intr() calls it on the CPU the interrupt arrived
 * on, with interrupts disabled.  Handlers must not block: they note work
 * and wake whoever does it.
 *
 * Protection: the handler table is written only at attach time on the
 * boot CPU, before interrupts for that irq can arrive ([I]).
 */
#ifndef _SYS_INTR_H_
#define _SYS_INTR_H_

#include <sys/types.h>

#define MAX_IRQ		64

typedef void intr_handler_t(void *arg);

int	intr_register(int irq, intr_handler_t *func, void *arg,
	    const char *name);
uint64_t intr_count(int irq);
/* Run irq's handler (counts strays).  Interrupt context. */
void	intr_dispatch(int irq);

#endif /* !_SYS_INTR_H_ */
