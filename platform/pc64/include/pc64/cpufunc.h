/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * cpufunc.h - one-instruction wrappers (port I/O, MSRs, control
 * registers, cpuid, interrupt flag) for pc64 C code.  Everything here is
 * an inline with no state, usable in any context; what is safe to do
 * with each register is the caller's business.
 */
#ifndef _PC64_CPUFUNC_H_
#define _PC64_CPUFUNC_H_

#include <stdint.h>
#include <pc64/param.h>

static inline uint8_t
inb(uint16_t port)
{
	uint8_t v;

	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return (v);
}

static inline void
outb(uint16_t port, uint8_t v)
{
	__asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void
outl(uint16_t port, uint32_t v)
{
	__asm__ __volatile__("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint64_t
rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32 | lo);
}

static inline void
wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ __volatile__("wrmsr" : : "c"(msr), "a"((uint32_t)v),
	    "d"((uint32_t)(v >> 32)));
}

static inline uint64_t
rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32 | lo);
}

static inline void
cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ __volatile__("cpuid"
	    : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
	    : "a"(leaf), "c"(sub));
}

static inline uint64_t
rcr2(void)
{
	uint64_t v;

	__asm__ __volatile__("mov %%cr2, %0" : "=r"(v));
	return (v);
}

static inline uint64_t
rcr3(void)
{
	uint64_t v;

	__asm__ __volatile__("mov %%cr3, %0" : "=r"(v));
	return (v);
}

static inline void
lcr3(uint64_t v)
{
	__asm__ __volatile__("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline uint64_t
rcr0(void)
{
	uint64_t v;

	__asm__ __volatile__("mov %%cr0, %0" : "=r"(v));
	return (v);
}

static inline uint64_t
rcr4(void)
{
	uint64_t v;

	__asm__ __volatile__("mov %%cr4, %0" : "=r"(v));
	return (v);
}

static inline void
invlpg(uint64_t va)
{
	__asm__ __volatile__("invlpg (%0)" : : "r"(va) : "memory");
}

static inline uint64_t
read_rflags(void)
{
	uint64_t f;

	__asm__ __volatile__("pushfq; popq %0" : "=r"(f));
	return (f);
}

static inline void
cli(void)
{
	__asm__ __volatile__("cli" : : : "memory");
}

static inline void
sti(void)
{
	__asm__ __volatile__("sti" : : : "memory");
}

static inline void
cpu_pause(void)
{
	__asm__ __volatile__("pause");
}

/*
 * Short delay for slow ISA devices (the 8259s, the CMOS index): a write
 * to the unused POST port 0x80 takes about a microsecond on real iron.
 */
static inline void
io_delay(void)
{
	outb(0x80, 0);
}

#endif /* !_PC64_CPUFUNC_H_ */
