/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * acpi.c - find the interrupt controllers and the CPUs in the ACPI MADT.
 *
 * The RSDP is found by its signature on a 16-byte boundary in the first
 * KiB of the EBDA or in the BIOS area 0xe0000-0xfffff; it leads to the
 * XSDT (ACPI 2+) or RSDT, whose entries lead to the MADT ("APIC").  From
 * the MADT we keep the local APIC address, the enabled CPUs' APIC ids,
 * every IOAPIC with its first GSI, and the ISA interrupt source
 * overrides.  Without ACPI we fall back to what every PC has: the boot
 * CPU alone, the local APIC at 0xfee00000 and one IOAPIC at 0xfec00000
 * serving GSI 0 on.  Nothing else of ACPI is parsed yet.
 *
 * Context: acpi_init() runs once on the boot CPU; acpi_madt is [I]
 * afterwards.  Tables are read through the direct map; firmware marks
 * them reserved in the memory map, so the core never reuses them.
 */
#include <sys/types.h>
#include <string.h>
#include <pc64/cpufunc.h>
#include <pc64/pc64.h>

struct acpi_rsdp {
	char		rp_sig[8];		/* "RSD PTR " */
	uint8_t		rp_cksum;		/* over the first 20 bytes */
	char		rp_oem[6];
	uint8_t		rp_rev;			/* 0: ACPI 1.0, 2+: has XSDT */
	uint32_t	rp_rsdt;
	uint32_t	rp_len;
	uint64_t	rp_xsdt;
	uint8_t		rp_xcksum;
	uint8_t		rp_rsvd[3];
} __attribute__((packed));

struct acpi_sdt {
	char		sdt_sig[4];
	uint32_t	sdt_len;
	uint8_t		sdt_rev;
	uint8_t		sdt_cksum;
	char		sdt_oem[6];
	char		sdt_oemtable[8];
	uint32_t	sdt_oemrev;
	uint32_t	sdt_creator;
	uint32_t	sdt_creatorrev;
} __attribute__((packed));

struct acpi_madt {
	struct acpi_sdt	madt_hdr;
	uint32_t	madt_lapic;
	uint32_t	madt_flags;
	uint8_t		madt_entries[];
} __attribute__((packed));

#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_ISO		2
#define MADT_LAPIC_OVERRIDE	5
#define MADT_LAPIC_ENABLED	0x1

#define LAPIC_DEFAULT_PA	0xfee00000
#define IOAPIC_DEFAULT_PA	0xfec00000

struct acpi_madt_info acpi_madt;

static const void *
acpi_map(uint64_t pa, size_t len)
{
	if (pa + len < pa || pa + len > BOOT_DMAP_SIZE)
		return (NULL);
	return (PHYS_TO_DMAP(pa));
}

static int
acpi_cksum_ok(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len-- > 0)
		sum += *b++;
	return (sum == 0);
}

static const struct acpi_rsdp *
acpi_scan(uint64_t pa, size_t len)
{
	const struct acpi_rsdp *rp;
	uint64_t off;

	for (off = 0; off + sizeof(*rp) <= len; off += 16) {
		rp = acpi_map(pa + off, sizeof(*rp));
		if (rp != NULL && memcmp(rp->rp_sig, "RSD PTR ", 8) == 0 &&
		    acpi_cksum_ok(rp, 20))
			return (rp);
	}
	return (NULL);
}

static const struct acpi_rsdp *
acpi_find_rsdp(void)
{
	const struct acpi_rsdp *rp;
	uint64_t ebda;

	ebda = (uint64_t)*(const uint16_t *)PHYS_TO_DMAP(0x40e) << 4;
	if (ebda >= 0x80000 && ebda < 0xa0000 &&
	    (rp = acpi_scan(ebda, 1024)) != NULL)
		return (rp);
	return (acpi_scan(0xe0000, 0x20000));
}

/* The table with signature sig, checked, or NULL. */
static const struct acpi_sdt *
acpi_find_table(const struct acpi_rsdp *rp, const char *sig)
{
	const struct acpi_sdt *root, *t;
	uint64_t pa, rootpa;
	size_t esize, i, n;

	if (rp->rp_rev >= 2 && rp->rp_xsdt != 0) {
		rootpa = rp->rp_xsdt;
		esize = 8;
	} else {
		rootpa = rp->rp_rsdt;
		esize = 4;
	}
	root = acpi_map(rootpa, sizeof(*root));
	if (root == NULL || acpi_map(rootpa, root->sdt_len) == NULL ||
	    !acpi_cksum_ok(root, root->sdt_len))
		return (NULL);
	n = (root->sdt_len - sizeof(*root)) / esize;
	for (i = 0; i < n; i++) {
		if (esize == 8)
			memcpy(&pa, (const char *)(root + 1) + i * 8, 8);
		else
			pa = ((const uint32_t *)(root + 1))[i];
		t = acpi_map(pa, sizeof(*t));
		if (t == NULL || memcmp(t->sdt_sig, sig, 4) != 0)
			continue;
		if (acpi_map(pa, t->sdt_len) != NULL &&
		    acpi_cksum_ok(t, t->sdt_len))
			return (t);
	}
	return (NULL);
}

static void
madt_entry(struct acpi_madt_info *am, const uint8_t *e)
{
	uint32_t u32;
	uint64_t u64;
	uint16_t u16;

	switch (e[0]) {
	case MADT_LAPIC:
		memcpy(&u32, e + 4, 4);
		if ((u32 & MADT_LAPIC_ENABLED) && am->am_ncpu < PLAT_MAXCPU)
			am->am_apic_id[am->am_ncpu++] = e[3];
		break;
	case MADT_IOAPIC:
		if (am->am_nioapic == ACPI_MAXIOAPIC)
			break;
		am->am_ioapic[am->am_nioapic].ai_id = e[2];
		memcpy(&am->am_ioapic[am->am_nioapic].ai_pa, e + 4, 4);
		memcpy(&am->am_ioapic[am->am_nioapic].ai_gsi_base, e + 8, 4);
		am->am_nioapic++;
		break;
	case MADT_ISO:
		if (e[2] != 0 || am->am_niso == ACPI_MAXISO)
			break;			/* bus 0 is ISA */
		am->am_iso[am->am_niso].is_isa = e[3];
		memcpy(&am->am_iso[am->am_niso].is_gsi, e + 4, 4);
		memcpy(&u16, e + 8, 2);
		am->am_iso[am->am_niso].is_flags = u16;
		am->am_niso++;
		break;
	case MADT_LAPIC_OVERRIDE:
		memcpy(&u64, e + 4, 8);
		am->am_lapic_pa = u64;
		break;
	}
}

/*
 * acpi_init - fill acpi_madt from the firmware's tables, or with the PC
 * defaults when there are none.
 *
 * Context: boot CPU, once, interrupts disabled.
 */
void
acpi_init(void)
{
	struct acpi_madt_info *am = &acpi_madt;
	const struct acpi_rsdp *rp;
	const struct acpi_madt *madt = NULL;
	const uint8_t *e, *end;

	rp = acpi_find_rsdp();
	if (rp != NULL)
		madt = (const struct acpi_madt *)acpi_find_table(rp, "APIC");
	if (madt != NULL) {
		am->am_lapic_pa = madt->madt_lapic;
		e = madt->madt_entries;
		end = (const uint8_t *)madt + madt->madt_hdr.sdt_len;
		while (e + 2 <= end && e[1] >= 2 && e + e[1] <= end) {
			madt_entry(am, e);
			e += e[1];
		}
	}
	if (am->am_lapic_pa == 0)
		am->am_lapic_pa = LAPIC_DEFAULT_PA;
	/* am_ncpu == 0 (no MADT): smp.c then runs the boot CPU alone. */
	if (am->am_nioapic == 0) {
		am->am_ioapic[0].ai_pa = IOAPIC_DEFAULT_PA;
		am->am_ioapic[0].ai_gsi_base = 0;
		am->am_nioapic = 1;
	}
}
