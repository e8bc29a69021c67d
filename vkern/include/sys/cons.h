/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * cons.h - the kernel console: output through the platform, input as a
 * byte stream with a line editor for the monitor.
 */
#ifndef _SYS_CONS_H_
#define _SYS_CONS_H_

#include <sys/types.h>

void	cons_write(const char *buf, size_t len);

/*
 * cons_getc_wait - next input byte; idles the CPU until one arrives.
 * Context: thread on the console CPU; blocks.
 */
int	cons_getc_wait(void);

#endif /* !_SYS_CONS_H_ */
