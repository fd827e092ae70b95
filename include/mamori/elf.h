/* SPDX-License-Identifier: MIT */
/* ELF files from firmware images: 32/64-bit, either byte order, any machine. The parser reads
 * the file header, program headers, section headers, the dynamic section, the dynamic symbol
 * table and .modinfo, every offset, size and count checked against the file size and a named
 * limit, and reduces them to the exploit-mitigation facts a firmware audit reports (NX, PIE,
 * RELRO, stack canary, FORTIFY, stripped, static) and the kind of file. */
#ifndef MAMORI_ELF_H
#define MAMORI_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/err.h"

struct mamori_fstree;
struct mamori_report;

#define MAMORI_ELF_PHNUM_MAX    4096       /* program headers */
#define MAMORI_ELF_SHNUM_MAX    65536      /* section headers (extended numbering included) */
#define MAMORI_ELF_DYN_MAX      8192       /* dynamic entries read */
#define MAMORI_ELF_SYMS_MAX     (1u << 20) /* symbols read from one table */
#define MAMORI_ELF_SYMNAME_MAX  256        /* bytes of a symbol name compared */
#define MAMORI_ELF_INTERP_MAX   256        /* bytes of PT_INTERP kept (with the NUL) */
#define MAMORI_ELF_VERMAGIC_MAX 128        /* bytes of a module's vermagic kept (with the NUL) */
#define MAMORI_ELF_MODINFO_MAX  (1u << 20) /* bytes of .modinfo searched */

/* Well-known e_machine values (the ELF gABI registry). */
#define MAMORI_EM_SPARC        2
#define MAMORI_EM_386          3
#define MAMORI_EM_68K          4
#define MAMORI_EM_MIPS         8
#define MAMORI_EM_MIPS_RS3_LE  10
#define MAMORI_EM_SPARC32PLUS  18
#define MAMORI_EM_PPC          20
#define MAMORI_EM_PPC64        21
#define MAMORI_EM_ARM          40
#define MAMORI_EM_SH           42
#define MAMORI_EM_SPARCV9      43
#define MAMORI_EM_X86_64       62
#define MAMORI_EM_ARC          45
#define MAMORI_EM_ARC_COMPACT  93
#define MAMORI_EM_ARC_COMPACT2 195
#define MAMORI_EM_AARCH64      183
#define MAMORI_EM_RISCV        243

enum mamori_elf_kind {
	MAMORI_ELF_EXEC = 1, /* ET_EXEC, or ET_DYN that is a PIE executable (see pie) */
	MAMORI_ELF_SHARED,   /* ET_DYN shared object */
	MAMORI_ELF_MODULE,   /* ET_REL with .modinfo vermagic: a Linux kernel module */
	MAMORI_ELF_RELOC,    /* other ET_REL (object file) */
	MAMORI_ELF_CORE,     /* ET_CORE */
	MAMORI_ELF_OTHER,    /* ET_NONE or a processor/OS-specific type */
};

struct mamori_elf_info {
	uint8_t bits; /* 32 or 64 */
	bool big_endian;
	uint8_t osabi;
	uint16_t type;    /* e_type as stored */
	uint16_t machine; /* e_machine */
	uint32_t flags;   /* e_flags */
	enum mamori_elf_kind kind;
	size_t phnum, shnum;

	bool has_gnu_stack; /* PT_GNU_STACK present */
	bool nx;            /* PT_GNU_STACK present and without PF_X */
	bool pie;           /* ET_DYN with PT_INTERP and no DT_SONAME, or DF_1_PIE in DT_FLAGS_1 */
	bool relro;         /* PT_GNU_RELRO */
	bool bind_now;      /* DT_BIND_NOW, DF_BIND_NOW or DF_1_NOW: with relro, full RELRO */
	bool canary;        /* __stack_chk_fail / __stack_chk_guard / __stack_chk_fail_local */
	bool fortify;       /* at least one __*_chk symbol */
	size_t nfortify;    /* how many __*_chk symbols */
	bool stripped;      /* no SHT_SYMTAB section */
	bool dynamic;       /* PT_DYNAMIC present */
	bool soname;        /* DT_SONAME present */
	bool is_static;     /* an executable with no PT_INTERP */
	bool has_dynsym;    /* symbol names were searched: .dynsym/.symtab, or the dynamic string
	                     * table (DT_STRTAB) of a file without section headers */
	char interp[MAMORI_ELF_INTERP_MAX]; /* PT_INTERP, "" if none */
	char
	    vermagic[MAMORI_ELF_VERMAGIC_MAX]; /* modules: "2.6.33.2 mod_unload MIPS32_R2 32BIT " */
};

/* Parses the ELF file p[0..n). Fills *out only on success. MAMORI_E_NOTFOUND when p does not
 * start with the ELF magic, MAMORI_E_TRUNCATED when a header, table or string lies past the
 * end, MAMORI_E_MALFORMED for inconsistent fields (entry sizes, class, byte order),
 * MAMORI_E_TOOBIG past one of the limits above; d says which field and its byte offset. */
MAMORI_MUST_CHECK mamori_err mamori_elf_parse(
    const uint8_t *p, size_t n, struct mamori_elf_info *out, struct mamori_diag *d);

/* "MIPS", "ARM", "AArch64", "x86", "x86-64", "PowerPC", "PPC64", "SuperH", "SPARC", "m68k",
 * "RISC-V", "ARC", or "machine-N" written into buf. Returns buf. */
const char *mamori_elf_machine_name(uint16_t machine, char *buf, size_t len);
/* A label such as "MIPS32 LE" or "x86-64 LE" into buf. Returns buf. */
const char *mamori_elf_arch_label(const struct mamori_elf_info *e, char *buf, size_t len);

/* binary.hardening over every ELF file of t: one summary finding for the image (counts of
 * files with NX, PIE, RELRO, canary, FORTIFY, and the weakest files) and one finding per
 * system program directory (/bin, /sbin, /usr/bin, /usr/sbin) that holds executables lacking
 * a protection, naming them with what each lacks (see docs/internals/elf.md). Files that are
 * not ELF are skipped; ELF files that fail to parse are counted in the summary. */
MAMORI_MUST_CHECK mamori_err mamori_check_binaries(
    const struct mamori_fstree *t, struct mamori_report *r, struct mamori_diag *d);

/* Component identification (lib/audit/check_components.c): version strings and file names of
 * BusyBox, dnsmasq, OpenSSL, dropbear, OpenSSH, hostapd, uClibc, glibc, the Linux kernel
 * (module vermagic), lighttpd, boa, miniupnpd, curl, libupnp and mbed TLS are matched over t;
 * each (name, version) is added once with mamori_report_component(), and component.end-of-life
 * is raised for OpenSSL before 3.0, Linux before 4.19 and BusyBox before 1.30 (bases in
 * docs/internals/elf.md). Errors only for allocation failures or a report error. */
#define MAMORI_COMP_SCAN_MAX    ((uint64_t)64 << 20) /* files larger than this are not scanned */
#define MAMORI_COMP_VERSION_MAX 32                   /* bytes of a version string */

MAMORI_MUST_CHECK mamori_err mamori_check_components(
    const struct mamori_fstree *t, struct mamori_report *r, struct mamori_diag *d);

#endif
