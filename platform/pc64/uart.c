/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * uart.c - the console: a 16550 UART on COM1 (I/O port 0x3f8), 115200
 * baud, 8 data bits, no parity, 1 stop bit.
 *
 * Output polls the transmit-holding-register-empty bit before each byte.
 * One plat_cons_write() call goes out whole, not mixed with another
 * CPU's: a CPU waits while another CPU's write drains.  That wait cannot
 * deadlock: a CPU re-entering on itself (an exception or NMI in the
 * middle of a write) goes straight through, and a writer that waited
 * CONS_WAIT_NS for a holder that never finishes (a CPU stopped in a
 * panic) writes anyway.  So output works before interrupts exist, in
 * exception handlers and in a panic.  The core writes
 * bare "\n" line ends (as to a terminal with output post-processing); a
 * raw serial line has none, so this driver sends "\r\n" for each "\n".
 *
 * Input arrives by interrupt (ISA IRQ 4 through the IOAPIC; trap.c calls
 * uart_intr() before core_dev_intr(bi_cons_irq)).  The handler empties
 * the receive FIFO into a small ring; plat_cons_getc() pops it, and
 * also drains the UART itself when the ring is empty, so a reader with
 * interrupts disabled (a panic, an early monitor) still gets input.
 * Bytes arriving while the ring is full are dropped.
 *
 * Protection: the ring and the UART's receive side are guarded by
 * uart_rx_lock, a spin lock taken with interrupts disabled; the transmit
 * side by uart_tx_owner ([a], the writing CPU or -1) as described above.
 */
#include <sys/types.h>
#include <plat/plat.h>
#include <pc64/cpufunc.h>
#include <pc64/pc64.h>

#define COM1		0x3f8
#define UART_RBR	0	/* receive buffer (read) */
#define UART_THR	0	/* transmit holding (write) */
#define UART_DLL	0	/* divisor low (DLAB = 1) */
#define UART_IER	1	/* interrupt enable */
#define UART_DLM	1	/* divisor high (DLAB = 1) */
#define UART_FCR	2	/* FIFO control (write) */
#define UART_LCR	3	/* line control */
#define UART_MCR	4	/* modem control */
#define UART_LSR	5	/* line status */

#define IER_RDA		0x01	/* received data available */
#define FCR_ENABLE	0x01
#define FCR_CLR_RX	0x02
#define FCR_CLR_TX	0x04
#define LCR_8N1		0x03
#define LCR_DLAB	0x80
#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT2	0x08	/* gates the IRQ line on PCs */
#define LSR_DR		0x01	/* data ready */
#define LSR_THRE	0x20	/* transmit holding register empty */

#define UART_CLOCK	115200	/* divisor 1 */
#define UART_BAUD	115200

#define RX_RING		256	/* power of two */
#define CONS_WAIT_NS	200000000ULL	/* give up on a stuck writer: 200 ms */

static uint8_t	uart_rx_ring[RX_RING];	/* [uart_rx_lock] */
static uint32_t	uart_rx_head;		/* [uart_rx_lock] next to pop */
static uint32_t	uart_rx_tail;		/* [uart_rx_lock] next to fill */
static uint64_t	uart_rx_dropped;	/* [uart_rx_lock] ring full */
static int	uart_rx_lock;
static int	uart_tx_owner = -1;	/* [a] CPU inside plat_cons_write */

static void
rx_lock(void)
{
	while (__atomic_exchange_n(&uart_rx_lock, 1, __ATOMIC_ACQUIRE) != 0)
		while (__atomic_load_n(&uart_rx_lock, __ATOMIC_RELAXED) != 0)
			cpu_pause();
}

static void
rx_unlock(void)
{
	__atomic_store_n(&uart_rx_lock, 0, __ATOMIC_RELEASE);
}

/* Move everything the UART holds into the ring.  Lock held. */
static void
rx_drain(void)
{
	uint8_t c;

	while (inb(COM1 + UART_LSR) & LSR_DR) {
		c = inb(COM1 + UART_RBR);
		if (uart_rx_tail - uart_rx_head == RX_RING) {
			uart_rx_dropped++;
			continue;
		}
		uart_rx_ring[uart_rx_tail++ % RX_RING] = c;
	}
}

/*
 * uart_init - program COM1 for 115200 8N1 with FIFOs, receive interrupt
 * enabled (it reaches the CPU once the IOAPIC pin is routed).
 *
 * Context: boot CPU, once, before any console output.
 */
void
uart_init(void)
{
	uint16_t div = UART_CLOCK / UART_BAUD;

	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, div & 0xff);
	outb(COM1 + UART_DLM, div >> 8);
	outb(COM1 + UART_LCR, LCR_8N1);
	/* Trigger level 1 byte: every byte interrupts. */
	outb(COM1 + UART_FCR, FCR_ENABLE | FCR_CLR_RX | FCR_CLR_TX);
	outb(COM1 + UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
	(void)inb(COM1 + UART_LSR);
	while (inb(COM1 + UART_LSR) & LSR_DR)
		(void)inb(COM1 + UART_RBR);
	outb(COM1 + UART_IER, IER_RDA);
}

/*
 * uart_intr - the receive interrupt: drain the FIFO into the ring.  The
 * IOAPIC pin is edge-triggered, so the FIFO must be left empty or no new
 * edge would come.
 *
 * Context: interrupt, on the CPU the IOAPIC routes COM1 to.
 */
void
uart_intr(void)
{
	rx_lock();
	rx_drain();
	rx_unlock();
}

static void
uart_putb(uint8_t c)
{
	while ((inb(COM1 + UART_LSR) & LSR_THRE) == 0)
		cpu_pause();
	outb(COM1 + UART_THR, c);
}

/*
 * Become the console's writer, unless this CPU already is (re-entry).
 * Returns whether the caller must release it.  Interrupts disabled.
 */
static bool
tx_acquire(int me)
{
	uint64_t deadline = 0, now;
	int free;

	if (__atomic_load_n(&uart_tx_owner, __ATOMIC_RELAXED) == me)
		return (false);
	for (;;) {
		free = -1;
		if (__atomic_compare_exchange_n(&uart_tx_owner, &free, me,
		    false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return (true);
		now = plat_clock_ns();
		if (deadline == 0)
			deadline = now + CONS_WAIT_NS;
		else if (now > deadline)
			return (false);	/* the holder is stuck: write anyway */
		cpu_pause();
	}
}

void
plat_cons_write(const char *buf, size_t len)
{
	uint64_t flags;
	bool release;
	size_t i;

	flags = read_rflags();
	cli();
	release = tx_acquire(pc64_curcpu()->pc_cpu);
	for (i = 0; i < len; i++) {
		if (buf[i] == '\n')
			uart_putb('\r');
		uart_putb((uint8_t)buf[i]);
	}
	if (release)
		__atomic_store_n(&uart_tx_owner, -1, __ATOMIC_RELEASE);
	if (flags & PSL_I)
		sti();
}

int
plat_cons_getc(void)
{
	uint64_t flags;
	int c = -1;

	flags = read_rflags();
	cli();
	rx_lock();
	if (uart_rx_head == uart_rx_tail)
		rx_drain();
	if (uart_rx_head != uart_rx_tail)
		c = uart_rx_ring[uart_rx_head++ % RX_RING];
	rx_unlock();
	if (flags & PSL_I)
		sti();
	return (c);
}
