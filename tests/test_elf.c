/* SPDX-License-Identifier: MIT */
/* ELF parser (lib/audit/elf.c), binary.hardening (check_binaries.c) and component
 * identification (check_components.c): host binaries whose hardening readelf shows, hand-built
 * MIPS/ARM/PowerPC/AArch64 files in both byte orders, hostile headers, every truncation, and
 * the real TRENDnet TEW-733GR image of ../shared/data/firmware (ground truth in its README). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mamori/buf.h"
#include "mamori/elf.h"
#include "mamori/finding.h"
#include "mamori/fstree.h"
#include "mamori/squashfs.h"

/* ---- a small ELF writer for hand-built files ---- */

struct spec {
	bool is64, be;
	uint16_t machine, type;
	bool gnu_stack, stack_exec, relro, interp, dynamic, bind_now, flags1_pie;
	bool canary, fortify, symtab, modinfo;
	bool sstrip; /* no section headers; PT_LOAD + DT_STRTAB lead to the names */
};

struct w {
	uint8_t *p;
	size_t cap;
	bool be;
};

static void
put(struct w *w, size_t off, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned sh = w->be ? (n - 1 - i) * 8 : i * 8;

		if (off + i < w->cap)
			w->p[off + i] = (uint8_t)(v >> sh);
	}
}

static size_t
put_bytes(struct w *w, size_t off, const void *s, size_t n)
{
	if (off + n <= w->cap)
		memcpy(w->p + off, s, n);
	return off + n;
}

#define ELF_CAP 4096

/* Offsets of the pieces of a built file, for tests that corrupt them. */
struct layout {
	size_t len, phoff, shoff, dynoff, dynsymoff, nph, nsh;
};

static const char dynstr[] = "\0puts\0__stack_chk_fail\0__memcpy_chk\0__sprintf_chk";
static const char shstr[] = "\0.shstrtab\0.dynstr\0.dynsym\0.symtab\0.modinfo";
static const char modinfo[] = "license=GPL\0vermagic=2.6.33.2 mod_unload MIPS32_R2 32BIT \0";
static const char interp[] = "/lib/ld-uClibc.so.0";

/* Builds an ELF file from s into buf (ELF_CAP bytes); returns its layout. */
static struct layout
build(const struct spec *s, uint8_t *buf)
{
	struct w w = {buf, ELF_CAP, s->be};
	size_t ehsz = s->is64 ? 64 : 52, phsz = s->is64 ? 56 : 32, shsz = s->is64 ? 64 : 40;
	size_t symsz = s->is64 ? 24 : 16, dynsz = s->is64 ? 16 : 8, ws = s->is64 ? 8 : 4;
	size_t off, nph = 0, ph[6][3] = {{0}}, sh_dynstr, sh_shstr, sh_dynsym, sh_mod = 0;
	size_t dt_strtab = 0;
	uint32_t phtypes[6], phflags[6];
	struct layout l;

	memset(buf, 0, ELF_CAP);
	memset(&l, 0, sizeof(l));
	memcpy(buf, "\177ELF", 4);
	buf[4] = s->is64 ? 2 : 1;
	buf[5] = s->be ? 2 : 1;
	buf[6] = 1;
	put(&w, 16, s->type, 2);
	put(&w, 18, s->machine, 2);
	put(&w, 20, 1, 4);

	/* Program headers: decide which, data follows the table. */
	if (s->sstrip) {
		phtypes[nph] = 1; /* PT_LOAD of the whole file at 0x400000 */
		phflags[nph++] = 5;
	}
	if (s->interp) {
		phtypes[nph] = 3;
		phflags[nph++] = 4;
	}
	if (s->dynamic) {
		phtypes[nph] = 2;
		phflags[nph++] = 6;
	}
	if (s->gnu_stack) {
		phtypes[nph] = 0x6474e551u;
		phflags[nph++] = s->stack_exec ? 7 : 6;
	}
	if (s->relro) {
		phtypes[nph] = 0x6474e552u;
		phflags[nph++] = 4;
	}
	l.phoff = nph ? ehsz : 0;
	off = ehsz + nph * phsz;

	for (size_t i = 0; i < nph; i++) {
		if (phtypes[i] == 3) {
			ph[i][0] = off;
			ph[i][1] = sizeof(interp);
			off = put_bytes(&w, off, interp, sizeof(interp));
		} else if (phtypes[i] == 2) {
			size_t at = off;

			l.dynoff = off;
			ph[i][0] = off;
			put(&w, at, 1, (unsigned)ws); /* DT_NEEDED */
			put(&w, at + ws, 1, (unsigned)ws);
			at += dynsz;
			if (s->bind_now) {
				put(&w, at, 30, (unsigned)ws); /* DT_FLAGS */
				put(&w, at + ws, 8, (unsigned)ws);
				at += dynsz;
			}
			if (s->sstrip) {
				dt_strtab = at;
				put(&w, at, 5, (unsigned)ws); /* DT_STRTAB, DT_STRSZ */
				put(&w, at + dynsz, 10, (unsigned)ws);
				put(&w, at + dynsz + ws, sizeof(dynstr), (unsigned)ws);
				at += 2 * dynsz;
			}
			if (s->flags1_pie) {
				put(&w, at, 0x6ffffffbu, (unsigned)ws);
				put(&w, at + ws, 0x08000000u, (unsigned)ws);
				at += dynsz;
			}
			at += dynsz; /* DT_NULL */
			ph[i][1] = at - off;
			off = at;
		}
	}
	/* String tables, symbols, .modinfo. */
	sh_dynstr = off;
	if (dt_strtab != 0)
		put(&w, dt_strtab + ws, 0x400000u + sh_dynstr, (unsigned)ws);
	off = put_bytes(&w, off, dynstr, sizeof(dynstr));
	sh_shstr = off;
	off = put_bytes(&w, off, shstr, sizeof(shstr));
	if (s->modinfo) {
		sh_mod = off;
		off = put_bytes(&w, off, modinfo, sizeof(modinfo));
	}
	off = (off + 7) & ~(size_t)7;
	sh_dynsym = off;
	l.dynsymoff = off;
	{
		/* null, puts, then the canary and FORTIFY names as asked */
		uint32_t names[4] = {0, 1, 0, 0};
		size_t nsym = 2;

		if (s->canary)
			names[nsym++] = 6;
		if (s->fortify)
			names[nsym++] = 23;
		for (size_t i = 0; i < nsym; i++)
			put(&w, off + i * symsz, names[i], 4);
		off += nsym * symsz;
		/* section headers */
		l.shoff = off;
		l.nsh = 4u + (s->symtab ? 1u : 0u) + (s->modinfo ? 1u : 0u);
		{
			size_t at = off + shsz; /* [0] is null */
			size_t o_off = s->is64 ? 24 : 16, o_size = s->is64 ? 32 : 20;
			size_t o_link = s->is64 ? 40 : 24, o_ent = s->is64 ? 56 : 36;

			/* [1] .shstrtab */
			put(&w, at, 1, 4);
			put(&w, at + 4, 3, 4);
			put(&w, at + o_off, sh_shstr, (unsigned)ws);
			put(&w, at + o_size, sizeof(shstr), (unsigned)ws);
			at += shsz;
			/* [2] .dynstr */
			put(&w, at, 11, 4);
			put(&w, at + 4, 3, 4);
			put(&w, at + o_off, sh_dynstr, (unsigned)ws);
			put(&w, at + o_size, sizeof(dynstr), (unsigned)ws);
			at += shsz;
			/* [3] .dynsym */
			put(&w, at, 19, 4);
			put(&w, at + 4, 11, 4);
			put(&w, at + o_off, sh_dynsym, (unsigned)ws);
			put(&w, at + o_size, nsym * symsz, (unsigned)ws);
			put(&w, at + o_link, 2, 4);
			put(&w, at + o_ent, symsz, (unsigned)ws);
			at += shsz;
			if (s->symtab) {
				put(&w, at, 27, 4);
				put(&w, at + 4, 2, 4);
				put(&w, at + o_off, sh_dynsym, (unsigned)ws);
				put(&w, at + o_size, nsym * symsz, (unsigned)ws);
				put(&w, at + o_link, 2, 4);
				put(&w, at + o_ent, symsz, (unsigned)ws);
				at += shsz;
			}
			if (s->modinfo) {
				put(&w, at, 35, 4);
				put(&w, at + 4, 1, 4);
				put(&w, at + o_off, sh_mod, (unsigned)ws);
				put(&w, at + o_size, sizeof(modinfo), (unsigned)ws);
				at += shsz;
			}
			l.len = at;
		}
	}
	if (s->sstrip) {
		/* sstrip drops the section header table, which is last */
		l.len = l.shoff;
		l.shoff = 0;
		l.nsh = 0;
		ph[0][0] = 0;
		ph[0][1] = l.len;
		ph[0][2] = 0x400000u;
	}
	/* program header table */
	for (size_t i = 0; i < nph; i++) {
		size_t at = ehsz + i * phsz;

		put(&w, at + (s->is64 ? 16 : 8), ph[i][2], (unsigned)ws); /* p_vaddr */
		put(&w, at, phtypes[i], 4);
		if (s->is64) {
			put(&w, at + 4, phflags[i], 4);
			put(&w, at + 8, ph[i][0], 8);
			put(&w, at + 32, ph[i][1], 8);
			put(&w, at + 40, ph[i][1], 8);
		} else {
			put(&w, at + 4, ph[i][0], 4);
			put(&w, at + 16, ph[i][1], 4);
			put(&w, at + 20, ph[i][1], 4);
			put(&w, at + 24, phflags[i], 4);
		}
	}
	l.nph = nph;
	/* header fields that point at the tables */
	put(&w, s->is64 ? 32 : 28, l.phoff, (unsigned)ws);
	put(&w, s->is64 ? 40 : 32, l.shoff, (unsigned)ws);
	put(&w, s->is64 ? 52 : 40, ehsz, 2);
	put(&w, s->is64 ? 54 : 42, nph ? phsz : 0, 2);
	put(&w, s->is64 ? 56 : 44, nph, 2);
	put(&w, s->is64 ? 58 : 46, l.nsh ? shsz : 0, 2);
	put(&w, s->is64 ? 60 : 48, l.nsh, 2);
	put(&w, s->is64 ? 62 : 50, l.nsh ? 1 : 0, 2);
	return l;
}

/* The MIPS32 BE executable of a typical 2010 router: no PT_GNU_STACK, no RELRO, no canary. */
static const struct spec mips_be = {
    .is64 = false,
    .be = true,
    .machine = MAMORI_EM_MIPS,
    .type = 2,
    .interp = true,
    .dynamic = true,
};

/* A hardened ARM LE PIE. */
static const struct spec arm_le = {
    .is64 = false,
    .be = false,
    .machine = MAMORI_EM_ARM,
    .type = 3,
    .gnu_stack = true,
    .relro = true,
    .interp = true,
    .dynamic = true,
    .bind_now = true,
    .canary = true,
    .fortify = true,
};

/* ---- host binaries ---- */

static bool
parse_file(const char *path, struct mamori_elf_info *e)
{
	struct mamori_buf b;
	struct mamori_diag d;
	bool ok;

	mamori_buf_init(&b, (size_t)256 << 20);
	if (mamori_read_file(path, &b) != MAMORI_OK) {
		fprintf(stderr, "cannot read %s\n", path);
		mamori_buf_free(&b);
		return false;
	}
	ok = mamori_elf_parse(b.p, b.len, e, &d) == MAMORI_OK;
	if (!ok)
		fprintf(stderr, "%s: %s\n", path, d.msg);
	mamori_buf_free(&b);
	return ok;
}

static void
host_ls(void)
{
	struct mamori_elf_info e;
	char l[32];

	/* readelf -lW /bin/ls: DYN with INTERP, GNU_STACK RW, GNU_RELRO; -d: FLAGS_1 PIE, no
	 * BIND_NOW; --dyn-syms: __stack_chk_fail, __memcpy_chk; no .symtab. */
	CHECK(parse_file("/bin/ls", &e));
	CHECK(e.bits == 64 && !e.big_endian && e.machine == MAMORI_EM_X86_64);
	CHECK(strcmp(mamori_elf_arch_label(&e, l, sizeof(l)), "x86-64 LE") == 0);
	CHECK(e.kind == MAMORI_ELF_EXEC && e.pie && e.nx && e.has_gnu_stack);
	CHECK(e.relro && !e.bind_now && e.canary && e.fortify && e.stripped && !e.is_static);
	CHECK(strcmp(e.interp, "/lib64/ld-linux-x86-64.so.2") == 0);
}

static void
host_ls_sstripped(void)
{
	struct mamori_buf b;
	struct mamori_elf_info e;

	/* /bin/ls with its section header table cut off as sstrip does (e_shoff, e_shentsize,
	 * e_shnum, e_shstrndx zeroed): canary and FORTIFY still found through DT_STRTAB. */
	mamori_buf_init(&b, (size_t)64 << 20);
	CHECK_OK(mamori_read_file("/bin/ls", &b));
	if (b.len > 64) {
		memset(b.p + 40, 0, 8);
		memset(b.p + 58, 0, 6);
		CHECK_OK(mamori_elf_parse(b.p, b.len, &e, NULL));
		CHECK(e.shnum == 0 && e.stripped && e.has_dynsym && e.canary && e.fortify);
		CHECK(e.pie && e.nx && e.relro);
	}
	CHECK(b.len > 64);
	mamori_buf_free(&b);
}

static void
host_gcc(void)
{
	struct mamori_elf_info e;

	/* Debian's gcc driver: EXEC (not PIE), NX, partial RELRO, no canary, no FORTIFY. */
	CHECK(parse_file("/usr/bin/gcc", &e));
	CHECK(e.kind == MAMORI_ELF_EXEC && !e.pie && e.nx && e.relro && !e.bind_now);
	CHECK(!e.canary && !e.fortify && e.dynamic && !e.is_static);
}

static void
host_busybox_static(void)
{
	struct mamori_elf_info e;

	/* busybox-static: EXEC, no PT_INTERP, no PT_DYNAMIC, stripped; NX and RELRO present. */
	CHECK(parse_file("/bin/busybox", &e));
	CHECK(e.kind == MAMORI_ELF_EXEC && e.is_static && !e.dynamic && e.interp[0] == '\0');
	CHECK(e.nx && e.relro && e.stripped && !e.pie && !e.has_dynsym);
}

static void
host_shared(void)
{
	struct mamori_elf_info e;

	/* libz.so.1: DYN without INTERP (a shared object), NX, RELRO, canary, FORTIFY. */
	CHECK(parse_file("/usr/lib/x86_64-linux-gnu/libz.so.1", &e));
	CHECK(e.kind == MAMORI_ELF_SHARED && !e.pie && e.nx && e.relro);
	CHECK(e.canary && e.fortify && !e.is_static);
}

/* ---- hand-built files ---- */

static void
built_mips_be(void)
{
	uint8_t buf[ELF_CAP];
	struct layout l = build(&mips_be, buf);
	struct mamori_elf_info e;
	char m[24], lab[32];

	CHECK_OK(mamori_elf_parse(buf, l.len, &e, NULL));
	CHECK(e.bits == 32 && e.big_endian && e.machine == MAMORI_EM_MIPS);
	CHECK(strcmp(mamori_elf_machine_name(e.machine, m, sizeof(m)), "MIPS") == 0);
	CHECK(strcmp(mamori_elf_arch_label(&e, lab, sizeof(lab)), "MIPS32 BE") == 0);
	CHECK(e.kind == MAMORI_ELF_EXEC && !e.pie && !e.nx && !e.has_gnu_stack);
	CHECK(!e.relro && !e.canary && !e.fortify && e.stripped && !e.is_static);
	CHECK(strcmp(e.interp, interp) == 0 && e.phnum == 2 && e.shnum == 4);
}

static void
built_arm_le(void)
{
	uint8_t buf[ELF_CAP];
	struct layout l = build(&arm_le, buf);
	struct mamori_elf_info e;
	char lab[32];

	CHECK_OK(mamori_elf_parse(buf, l.len, &e, NULL));
	CHECK(e.bits == 32 && !e.big_endian && e.machine == MAMORI_EM_ARM);
	CHECK(strcmp(mamori_elf_arch_label(&e, lab, sizeof(lab)), "ARM32 LE") == 0);
	CHECK(e.kind == MAMORI_ELF_EXEC && e.pie && e.nx && e.relro && e.bind_now);
	CHECK(e.canary && e.fortify && e.nfortify == 1 && e.stripped);
}

static void
built_variants(void)
{
	uint8_t buf[ELF_CAP];
	struct mamori_elf_info e;
	struct spec s;
	struct layout l;

	/* Executable stack: PT_GNU_STACK with PF_X is present but gives no NX. */
	s = mips_be;
	s.gnu_stack = true;
	s.stack_exec = true;
	l = build(&s, buf);
	CHECK_OK(mamori_elf_parse(buf, l.len, &e, NULL));
	CHECK(e.has_gnu_stack && !e.nx);

	/* PPC64 BE shared object with a .symtab: not stripped, not PIE. */
	memset(&s, 0, sizeof(s));
	s.is64 = true;
	s.be = true;
	s.machine = MAMORI_EM_PPC64;
	s.type = 3;
	s.dynamic = true;
	s.gnu_stack = true;
	s.symtab = true;
	s.canary = true;
	l = build(&s, buf);
	CHECK_OK(mamori_elf_parse(buf, l.len, &e, NULL));
	CHECK(e.bits == 64 && e.big_endian && e.kind == MAMORI_ELF_SHARED && !e.pie);
	CHECK(!e.stripped && e.canary && e.nx);

	/* AArch64 static PIE: ET_DYN, DF_1_PIE, no interpreter. */
	memset(&s, 0, sizeof(s));
	s.is64 = true;
	s.machine = MAMORI_EM_AARCH64;
	s.type = 3;
	s.dynamic = true;
	s.flags1_pie = true;
	s.gnu_stack = true;
	s.relro = true;
	l = build(&s, buf);
	CHECK_OK(mamori_elf_parse(buf, l.len, &e, NULL));
	CHECK(e.kind == MAMORI_ELF_EXEC && e.pie && e.is_static && e.nx && e.relro);

	/* sstrip'ed MIPS BE and x86-64 LE (no section headers): canary and FORTIFY from the
	 * dynamic string table through DT_STRTAB and PT_LOAD. */
	s = arm_le;
	s.be = true;
	s.machine = MAMORI_EM_MIPS;
	s.sstrip = true;
	l = build(&s, buf);
	CHECK_OK(mamori_elf_parse(buf, l.len, &e, NULL));
	CHECK(e.shnum == 0 && e.stripped && e.has_dynsym && e.canary && e.fortify);
	/* every name of the string table counts, not only those a symbol uses */
	CHECK(e.nfortify == 2 && e.pie && e.nx && e.relro && e.bind_now);
	s.is64 = true;
	s.be = false;
	s.machine = MAMORI_EM_X86_64;
	l = build(&s, buf);
	CHECK_OK(mamori_elf_parse(buf, l.len, &e, NULL));
	CHECK(e.canary);
	{
		struct w ww = {buf, ELF_CAP, false};

		put(&ww, 64 + 16, 0x10000000u, 8); /* PT_LOAD p_vaddr */
	}
	CHECK_OK(mamori_elf_parse(buf, l.len, &e, NULL));
	/* DT_STRTAB outside every PT_LOAD: nothing searched, nothing found */
	CHECK(!e.has_dynsym && !e.canary && !e.fortify);

	/* MIPS LE kernel module: ET_REL with .modinfo vermagic. */
	memset(&s, 0, sizeof(s));
	s.machine = MAMORI_EM_MIPS;
	s.type = 1;
	s.modinfo = true;
	s.symtab = true;
	l = build(&s, buf);
	CHECK_OK(mamori_elf_parse(buf, l.len, &e, NULL));
	CHECK(e.kind == MAMORI_ELF_MODULE && e.phnum == 0);
	CHECK(strcmp(e.vermagic, "2.6.33.2 mod_unload MIPS32_R2 32BIT ") == 0);

	/* The same without .modinfo is a plain object file. */
	s.modinfo = false;
	l = build(&s, buf);
	CHECK_OK(mamori_elf_parse(buf, l.len, &e, NULL));
	CHECK(e.kind == MAMORI_ELF_RELOC && e.vermagic[0] == '\0');
}

static void
machine_names(void)
{
	static const struct {
		uint16_t m;
		const char *name;
	} want[] = {{8, "MIPS"}, {40, "ARM"}, {183, "AArch64"}, {3, "x86"}, {62, "x86-64"},
	    {20, "PowerPC"}, {21, "PPC64"}, {42, "SuperH"}, {2, "SPARC"}, {43, "SPARC"},
	    {4, "m68k"}, {243, "RISC-V"}, {93, "ARC"}, {195, "ARC"}, {9999, "machine-9999"}};
	char buf[24];

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK(strcmp(mamori_elf_machine_name(want[i].m, buf, sizeof(buf)), want[i].name) ==
		      0);
}

/* ---- hostile files ---- */

static mamori_err
parse_buf(const uint8_t *p, size_t n, struct mamori_diag *d)
{
	struct mamori_elf_info e;

	memset(&e, 0xa5, sizeof(e));
	return mamori_elf_parse(p, n, &e, d);
}

static void
hostile_headers(void)
{
	uint8_t buf[ELF_CAP];
	struct layout l = build(&mips_be, buf);
	struct w w = {buf, ELF_CAP, true};
	struct mamori_diag d;
	uint8_t save[ELF_CAP];

	memcpy(save, buf, sizeof(save));
	CHECK(parse_buf((const uint8_t *)"MZ\x90\x00", 4, &d) == MAMORI_E_NOTFOUND);
	CHECK(parse_buf(buf, 10, &d) == MAMORI_E_TRUNCATED);
	buf[4] = 3; /* class */
	CHECK(parse_buf(buf, l.len, &d) == MAMORI_E_MALFORMED && d.off == 4);
	memcpy(buf, save, sizeof(buf));
	buf[5] = 0; /* byte order */
	CHECK(parse_buf(buf, l.len, &d) == MAMORI_E_MALFORMED && d.off == 5);

	/* e_phoff past the end */
	memcpy(buf, save, sizeof(buf));
	put(&w, 28, 0xfffffff0u, 4);
	CHECK(parse_buf(buf, l.len, &d) == MAMORI_E_TRUNCATED && d.off == 28);
	/* e_phoff inside the ELF header */
	memcpy(buf, save, sizeof(buf));
	put(&w, 28, 8, 4);
	CHECK(parse_buf(buf, l.len, &d) == MAMORI_E_MALFORMED);
	/* phnum huge */
	memcpy(buf, save, sizeof(buf));
	put(&w, 44, MAMORI_ELF_PHNUM_MAX + 1, 2);
	CHECK(parse_buf(buf, l.len, &d) == MAMORI_E_TOOBIG && d.off == 44);
	/* phnum = PN_XNUM takes sh[0].sh_info: 0x7fffffff */
	memcpy(buf, save, sizeof(buf));
	put(&w, 44, 0xffff, 2);
	put(&w, l.shoff + 28, 0x7fffffffu, 4);
	CHECK(parse_buf(buf, l.len, &d) == MAMORI_E_TOOBIG);
	/* phnum within the limit but the table runs past the end */
	memcpy(buf, save, sizeof(buf));
	put(&w, 44, 200, 2);
	CHECK(parse_buf(buf, l.len, &d) == MAMORI_E_TRUNCATED);
	/* wrong entry sizes */
	memcpy(buf, save, sizeof(buf));
	put(&w, 42, 33, 2);
	CHECK(parse_buf(buf, l.len, &d) == MAMORI_E_MALFORMED && d.off == 42);
	memcpy(buf, save, sizeof(buf));
	put(&w, 46, 0, 2);
	CHECK(parse_buf(buf, l.len, &d) == MAMORI_E_MALFORMED);
	/* e_shnum 0 with a huge sh[0].sh_size (extended numbering) */
	memcpy(buf, save, sizeof(buf));
	put(&w, 48, 0, 2);
	put(&w, l.shoff + 20, 0xffffffffu, 4);
	CHECK(parse_buf(buf, l.len, &d) == MAMORI_E_TOOBIG);
	/* e_shnum 0 through extended numbering (sh[0].sh_size 0) with e_shstrndx 298: the
	 * first fuzzer crash (fuzz/corpus/elf/crash-shstrndx-no-sections) */
	memcpy(buf, save, sizeof(buf));
	put(&w, 48, 0, 2);
	put(&w, 50, 298, 2);
	CHECK(parse_buf(buf, l.len, &d) == MAMORI_E_MALFORMED && d.off == 50);
	/* e_shstrndx out of range */
	memcpy(buf, save, sizeof(buf));
	put(&w, 50, 9, 2);
	CHECK(parse_buf(buf, l.len, &d) == MAMORI_E_MALFORMED && d.off == 50);
	/* segment whose offset + size wraps 32 bits */
	memcpy(buf, save, sizeof(buf));
	put(&w, l.phoff + 4, 0xffffff00u, 4);
	put(&w, l.phoff + 16, 0x200, 4);
	CHECK(parse_buf(buf, l.len, &d) == MAMORI_E_TRUNCATED && d.off == l.phoff);
	/* sh_size overflow of the .dynsym section */
	memcpy(buf, save, sizeof(buf));
	put(&w, l.shoff + 3 * 40 + 16, 0x100, 4);
	put(&w, l.shoff + 3 * 40 + 20, 0xffffff80u, 4);
	CHECK(parse_buf(buf, l.len, &d) == MAMORI_E_TRUNCATED && d.off == l.shoff + 3 * 40);
	/* symbol table linking to a missing string table */
	memcpy(buf, save, sizeof(buf));
	put(&w, l.shoff + 3 * 40 + 24, 77, 4);
	CHECK(parse_buf(buf, l.len, &d) == MAMORI_E_MALFORMED);
	/* symbol entry size that is not a symbol */
	memcpy(buf, save, sizeof(buf));
	put(&w, l.shoff + 3 * 40 + 36, 12, 4);
	CHECK(parse_buf(buf, l.len, &d) == MAMORI_E_MALFORMED);
	/* empty interpreter */
	memcpy(buf, save, sizeof(buf));
	buf[52 + 2 * 32] = 0; /* the string after the two program headers */
	CHECK(parse_buf(buf, l.len, &d) == MAMORI_E_MALFORMED);
}

static void
hostile_64(void)
{
	uint8_t buf[ELF_CAP];
	struct spec s = arm_le;
	struct layout l;
	struct w w = {buf, ELF_CAP, false};
	struct mamori_diag d;

	s.is64 = true;
	s.machine = MAMORI_EM_AARCH64;
	l = build(&s, buf);
	CHECK_OK(parse_buf(buf, l.len, &d));
	/* 64-bit offsets that wrap: e_shoff near 2^64 */
	put(&w, 40, 0xffffffffffffff00ull, 8);
	CHECK(parse_buf(buf, l.len, &d) == MAMORI_E_TRUNCATED);
	l = build(&s, buf);
	/* section offset + size wrapping 2^64 */
	put(&w, l.shoff + 3 * 64 + 24, 0xffffffffffffff00ull, 8);
	put(&w, l.shoff + 3 * 64 + 32, 0x200, 8);
	CHECK(parse_buf(buf, l.len, &d) == MAMORI_E_TRUNCATED);
	l = build(&s, buf);
	/* symbol count past the limit (the file is too short first: size check comes first) */
	put(&w, l.shoff + 3 * 64 + 32, (uint64_t)24 * (MAMORI_ELF_SYMS_MAX + 1), 8);
	CHECK(parse_buf(buf, l.len, &d) == MAMORI_E_TRUNCATED);
}

static void
overlapping(void)
{
	uint8_t buf[ELF_CAP];
	struct layout l = build(&arm_le, buf);
	struct w w = {buf, ELF_CAP, false};
	struct mamori_elf_info e;

	/* .dynsym laid over .dynstr and the program header table over the data: odd but inside
	 * the file, so it parses (names out of range are ignored). */
	put(&w, l.shoff + 3 * 40 + 16, l.dynoff, 4);
	put(&w, l.shoff + 2 * 40 + 16, l.phoff, 4);
	CHECK_OK(mamori_elf_parse(buf, l.len, &e, NULL));
	/* every section on the same bytes, the section header table itself */
	for (size_t i = 1; i < l.nsh; i++) {
		put(&w, l.shoff + i * 40 + 16, l.shoff, 4);
		put(&w, l.shoff + i * 40 + 20, l.nsh * 40, 4);
	}
	put(&w, l.shoff + 3 * 40 + 36, 0, 4);
	CHECK_OK(mamori_elf_parse(buf, l.len, &e, NULL));
}

static void
dynamic_without_end(void)
{
	static uint8_t big[(MAMORI_ELF_DYN_MAX + 2) * 8 + ELF_CAP];
	struct spec s = mips_be;
	struct layout l;
	struct w w = {big, sizeof(big), true};
	struct mamori_diag d;
	size_t at;

	s.gnu_stack = true;
	l = build(&s, big);
	/* Move the shdr table out of the way: put the dynamic segment after it. */
	at = (l.len + 7) & ~(size_t)7;
	for (size_t i = 0; i < MAMORI_ELF_DYN_MAX + 1; i++) {
		put(&w, at + i * 8, 1, 4);
		put(&w, at + i * 8 + 4, 1, 4);
	}
	put(&w, 52 + 32 + 4, at, 4);
	put(&w, 52 + 32 + 16, (MAMORI_ELF_DYN_MAX + 1) * 8, 4);
	CHECK(parse_buf(big, at + (MAMORI_ELF_DYN_MAX + 1) * 8, &d) == MAMORI_E_TOOBIG);
}

static void
every_truncation(void)
{
	const struct spec *specs[] = {&mips_be, &arm_le};
	uint8_t buf[ELF_CAP];

	for (size_t k = 0; k < 2; k++) {
		struct layout l = build(specs[k], buf);

		for (size_t n = 0; n < l.len; n++) {
			uint8_t *copy = malloc(n ? n : 1);
			struct mamori_elf_info e;
			mamori_err err;

			/* An exact-size copy so that ASan sees any read past n. */
			memcpy(copy, buf, n);
			err = mamori_elf_parse(copy, n, &e, NULL);
			CHECK(err == (n < 4 ? MAMORI_E_NOTFOUND : MAMORI_E_TRUNCATED));
			free(copy);
		}
	}
}

static void
every_byte_flip(void)
{
	uint8_t buf[ELF_CAP], copy[ELF_CAP];
	struct layout l = build(&arm_le, buf);
	static const uint8_t vals[] = {0x00, 0xff, 0x7f, 0x80, 0x01};

	/* No crash and no read past the end, whatever the byte becomes. */
	for (size_t i = 0; i < l.len; i++)
		for (size_t v = 0; v < sizeof(vals); v++) {
			uint8_t *exact = malloc(l.len);
			struct mamori_elf_info e;

			memcpy(copy, buf, l.len);
			copy[i] = vals[v];
			memcpy(exact, copy, l.len);
			(void)!mamori_elf_parse(exact, l.len, &e, NULL);
			free(exact);
		}
	CHECK(true);
}

/* ---- checks over a tree ---- */

static void
tree_add(struct mamori_fstree *t, const char *path, const void *p, size_t n)
{
	bool clamped;

	CHECK_OK(mamori_fstree_add(
	    t, path, strlen(path), MAMORI_FS_REG, 0755, 0, 0, p, n, NULL, &clamped, NULL));
}

static bool
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static mamori_err
new_tree(struct mamori_fstree **t)
{
	struct mamori_fs_limits l;

	mamori_fs_limits_default(&l);
	return mamori_fstree_new(&l, t);
}

static const struct mamori_finding *
find_finding(const struct mamori_report *r, const char *id, const char *path)
{
	for (size_t i = 0; i < r->nf; i++)
		if (strcmp(r->f[i].kind->id, id) == 0 && r->f[i].path != NULL &&
		    strcmp(r->f[i].path, path) == 0)
			return &r->f[i];
	return NULL;
}

static const struct mamori_component *
find_comp(const struct mamori_report *r, const char *name)
{
	for (size_t i = 0; i < r->nc; i++)
		if (strcmp(r->c[i].name, name) == 0)
			return &r->c[i];
	return NULL;
}

static void
binaries_tree(void)
{
	uint8_t mips[ELF_CAP], arm[ELF_CAP], ko[ELF_CAP];
	struct layout lm = build(&mips_be, mips), la = build(&arm_le, arm), lk;
	struct spec s = {.machine = MAMORI_EM_MIPS, .be = true, .type = 1, .modinfo = true};
	struct mamori_fstree *t;
	struct mamori_report r;
	const struct mamori_finding *f;

	lk = build(&s, ko);
	mamori_report_init(&r);
	CHECK_OK(new_tree(&t));
	tree_add(t, "/usr/sbin/httpd", mips, lm.len);
	tree_add(t, "/usr/sbin/dnsmasq", mips, lm.len);
	tree_add(t, "/usr/sbin/safe", arm, la.len);
	tree_add(t, "/bin/busybox", mips, lm.len);
	tree_add(t, "/lib/modules/2.6.33.2/x.ko", ko, lk.len);
	tree_add(t, "/usr/sbin/broken", mips, 60); /* ELF magic, truncated */
	tree_add(t, "/etc/passwd", "root:x:0:0::/:/bin/sh\n", 22);
	CHECK_OK(mamori_check_binaries(t, &r, NULL));

	f = find_finding(&r, "binary.hardening", "/");
	CHECK(f != NULL);
	if (f != NULL) {
		CHECK(f->severity == MAMORI_SEV_MEDIUM);
		CHECK(strstr(f->evidence,
		          "5 ELF files (MIPS32 BE x4, ARM32 LE x1): 4 executables, "
		          "0 shared objects, 1 kernel modules, 1 not parsable") != NULL);
		CHECK(strstr(f->evidence, "of 4 programs and libraries: 1 with NX, 1 of 4 "
		                          "executables PIE, 1 RELRO, 1 canary, 1 FORTIFY") != NULL);
		CHECK(strstr(f->evidence, "weakest: /bin/busybox, /usr/sbin/dnsmasq, "
		                          "/usr/sbin/httpd") != NULL);
	}
	f = find_finding(&r, "binary.hardening", "/usr/sbin");
	CHECK(f != NULL);
	if (f != NULL) {
		CHECK(f->severity == MAMORI_SEV_MEDIUM);
		CHECK(strcmp(f->evidence,
		          "2 of 3 ELF executables in /usr/sbin lack a protection. "
		          "No NX, PIE, RELRO, canary, FORTIFY: dnsmasq, httpd.") == 0);
	}
	CHECK(find_finding(&r, "binary.hardening", "/bin") != NULL);
	CHECK(find_finding(&r, "binary.hardening", "/sbin") == NULL);
	CHECK(r.nf == 3);
	mamori_report_free(&r);
	mamori_fstree_free(t);
}

static void
binaries_cap(void)
{
	uint8_t mips[ELF_CAP];
	struct layout lm = build(&mips_be, mips);
	struct mamori_fstree *t;
	struct mamori_report r;
	const struct mamori_finding *f;
	char path[64];

	/* 200 weak executables: the evidence stays under the cap and says how many it left out. */
	mamori_report_init(&r);
	CHECK_OK(new_tree(&t));
	for (int i = 0; i < 200; i++) {
		snprintf(path, sizeof(path), "/usr/bin/program-with-a-long-name-%03d", i);
		tree_add(t, path, mips, lm.len);
	}
	CHECK_OK(mamori_check_binaries(t, &r, NULL));
	f = find_finding(&r, "binary.hardening", "/usr/bin");
	CHECK(f != NULL);
	if (f != NULL) {
		CHECK(strlen(f->evidence) < MAMORI_FINDING_EVIDENCE_MAX);
		CHECK(strstr(f->evidence, "200 of 200 ELF executables in /usr/bin") != NULL);
		CHECK(strstr(f->evidence, " more)") != NULL);
	}
	mamori_report_free(&r);
	mamori_fstree_free(t);
}

static void
components_tree(void)
{
	static const char busybox[] = "\177ELF....BusyBox v1.14.1 (2013-09-17 11:14:47 CST)";
	static const char dnsmasq[] = "x\0dnsmasq-%s\0dnsmasq-2.45\0";
	static const char crypto[] = "..OpenSSL 0.9.8g 19 Oct 2007\0";
	static const char hostapd[] = "hostapd v0.5.9\n";
	static const char ko[] = "license=GPL\0vermagic=2.6.33.2 mod_unload MIPS32_R2 32BIT \0";
	static const char upnp[] = "Server: OS/1.0 UPnP/1.1 MiniUPnPd/%s\0MiniUPnPd/1.9\0";
	static const char mbed[] = "mbed TLS 2.14.1";
	static const char drop[] = "SSH-2.0-dropbear_2017.75\r\n";
	struct mamori_fstree *t;
	struct mamori_report r;
	const struct mamori_component *c;
	bool clamped;

	mamori_report_init(&r);
	CHECK_OK(new_tree(&t));
	tree_add(t, "/bin/busybox", busybox, sizeof(busybox));
	tree_add(t, "/usr/sbin/dnsmasq", dnsmasq, sizeof(dnsmasq));
	tree_add(t, "/lib/libcrypto.so.0.9.8", crypto, sizeof(crypto));
	tree_add(t, "/usr/sbin/openssl", crypto, sizeof(crypto));
	tree_add(t, "/lib/libssl.so.0.9.8", "x", 1);
	tree_add(t, "/usr/sbin/hostapd", hostapd, sizeof(hostapd));
	tree_add(t, "/lib/libuClibc-0.9.30.1.so", "x", 1);
	tree_add(t, "/lib/modules/2.6.33.2/kernel/nf.ko", ko, sizeof(ko));
	tree_add(t, "/usr/sbin/miniupnpd", upnp, sizeof(upnp));
	tree_add(t, "/usr/lib/libmbedtls.so.12", mbed, sizeof(mbed));
	tree_add(t, "/usr/sbin/dropbear", drop, sizeof(drop));
	/* the marker in an unrelated file is not read */
	tree_add(t, "/etc/motd", "BusyBox v9.9.9", 14);
	CHECK_OK(mamori_fstree_add(t, "/lib/libc.so.0", 14, MAMORI_FS_LNK, 0777, 0, 0, NULL, 0,
	    "libuClibc-0.9.30.1.so", &clamped, NULL));
	CHECK_OK(mamori_check_components(t, &r, NULL));

	c = find_comp(&r, "busybox");
	CHECK(c != NULL && strcmp(c->version, "1.14.1") == 0 && c->end_of_life);
	CHECK(c != NULL && strcmp(c->path, "/bin/busybox") == 0);
	c = find_comp(&r, "dnsmasq");
	CHECK(c != NULL && strcmp(c->version, "2.45") == 0 && !c->end_of_life);
	c = find_comp(&r, "openssl");
	CHECK(c != NULL && strcmp(c->version, "0.9.8g") == 0 && c->end_of_life);
	c = find_comp(&r, "hostapd");
	CHECK(c != NULL && strcmp(c->version, "0.5.9") == 0);
	c = find_comp(&r, "uclibc");
	CHECK(c != NULL && strcmp(c->version, "0.9.30.1") == 0);
	c = find_comp(&r, "linux");
	CHECK(c != NULL && strcmp(c->version, "2.6.33.2") == 0 && c->end_of_life);
	c = find_comp(&r, "miniupnpd");
	CHECK(c != NULL && strcmp(c->version, "1.9") == 0);
	c = find_comp(&r, "mbedtls");
	CHECK(c != NULL && strcmp(c->version, "2.14.1") == 0);
	c = find_comp(&r, "dropbear");
	CHECK(c != NULL && strcmp(c->version, "2017.75") == 0);
	/* one OpenSSL (the soname 0.9.8 is not a second one), one of each */
	CHECK(r.nc == 9);
	CHECK(find_finding(&r, "component.end-of-life", "/bin/busybox") != NULL);
	CHECK(find_finding(&r, "component.end-of-life", "/lib/libcrypto.so.0.9.8") != NULL);
	CHECK(find_finding(&r, "component.end-of-life", "/lib/modules/2.6.33.2/kernel/nf.ko") !=
	      NULL);
	CHECK(r.nf == 3);
	mamori_report_free(&r);
	mamori_fstree_free(t);
}

static void
components_names_and_host(void)
{
	struct mamori_fstree *t;
	struct mamori_report r;
	const struct mamori_component *c;
	struct mamori_buf b;

	/* No version string: the soname gives the series; a current BusyBox is not end of life;
	 * glibc's banner from the host's libc. */
	mamori_report_init(&r);
	CHECK_OK(new_tree(&t));
	tree_add(t, "/usr/lib/libssl.so.1.0.0", "x", 1);
	tree_add(t, "/bin/busybox", "BusyBox v1.36.1 (Debian", 23);
	mamori_buf_init(&b, (size_t)64 << 20);
	CHECK_OK(mamori_read_file("/lib/x86_64-linux-gnu/libc.so.6", &b));
	tree_add(t, "/lib/x86_64-linux-gnu/libc.so.6", b.p, b.len);
	mamori_buf_free(&b);
	CHECK_OK(mamori_check_components(t, &r, NULL));
	c = find_comp(&r, "openssl");
	CHECK(c != NULL && strcmp(c->version, "1.0.0") == 0 && c->end_of_life);
	c = find_comp(&r, "busybox");
	CHECK(c != NULL && strcmp(c->version, "1.36.1") == 0 && !c->end_of_life);
	c = find_comp(&r, "glibc");
	CHECK(c != NULL && strncmp(c->version, "2.", 2) == 0 &&
	      c->version[strlen(c->version) - 1] != '.');
	mamori_report_free(&r);
	mamori_fstree_free(t);
}

static void
components_more(void)
{
	static const struct {
		const char *path, *content, *name, *version;
	} cases[] = {
	    {"/usr/sbin/sshd", "OpenSSH_2.*,OpenSSH_3.0*\nOpenSSH_7.4p1 Debian-10", "openssh",
	        "7.4p1"},
	    {"/usr/sbin/lighttpd", "Server: lighttpd/1.4.45\r\n", "lighttpd", "1.4.45"},
	    {"/bin/boa", "Boa/0.94.13", "boa", "0.94.13"},
	    {"/usr/lib/libupnp.so.6", "UPnP/1.0, Portable SDK for UPnP devices/1.6.19", "libupnp",
	        "1.6.19"},
	    {"/usr/lib/libcurl.so.4", "CLIENT libcurl 7.88.1\r\n", "curl", "7.88.1"},
	    {"/usr/lib/libmbedcrypto.so.7", "Mbed TLS 3.4.0", "mbedtls", "3.4.0"},
	    {"/lib/libc-2.19.so", "x", "glibc", "2.19"},
	};
	/* versions that are not: no dot, a pattern, too long */
	static const char *const not_versions[] = {
	    "BusyBox v1", "BusyBox v1.%s", "BusyBox v1.2222222222222222222222222222222222222222"};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mamori_fstree *t;
		struct mamori_report r;
		const struct mamori_component *c;

		mamori_report_init(&r);
		CHECK_OK(new_tree(&t));
		tree_add(t, cases[i].path, cases[i].content, strlen(cases[i].content) + 1);
		CHECK_OK(mamori_check_components(t, &r, NULL));
		c = find_comp(&r, cases[i].name);
		CHECK(c != NULL && strcmp(c->version, cases[i].version) == 0 && r.nc == 1);
		CHECK(r.nf == 0);
		mamori_report_free(&r);
		mamori_fstree_free(t);
	}
	for (size_t i = 0; i < sizeof(not_versions) / sizeof(not_versions[0]); i++) {
		struct mamori_fstree *t;
		struct mamori_report r;

		mamori_report_init(&r);
		CHECK_OK(new_tree(&t));
		tree_add(t, "/bin/busybox", not_versions[i], strlen(not_versions[i]));
		CHECK_OK(mamori_check_components(t, &r, NULL));
		CHECK(r.nc == 0);
		mamori_report_free(&r);
		mamori_fstree_free(t);
	}
}

/* ---- the TRENDnet TEW-733GR image ---- */

static void
trendnet(void)
{
	char path[512];
	struct mamori_buf img;
	struct mamori_fstree *t = NULL;
	struct mamori_report r;
	struct mamori_diag d;
	const struct mamori_finding *f;
	const struct mamori_component *c;
	struct fwant {
		const char *name, *version;
	} want[] = {{"busybox", "1.14.1"}, {"dnsmasq", "2.45"}, {"openssl", "0.9.8g"},
	    {"hostapd", "0.5.9"}, {"uclibc", "0.9.30.1"}, {"linux", "2.6.33.2"}};

	snprintf(path, sizeof(path), "%s/firmware/trendnet_tew733gr_v1.02b01_rootfs.squashfs",
	    check_shared_data());
	mamori_buf_init(&img, (size_t)64 << 20);
	CHECK_OK(mamori_read_file(path, &img));
	mamori_report_init(&r);
	CHECK_OK(new_tree(&t));
	CHECK_OK(mamori_squashfs_read(img.p, img.len, t, &d));
	CHECK_OK(mamori_check_binaries(t, &r, NULL));
	CHECK_OK(mamori_check_components(t, &r, NULL));

	/* README: 119 ELF files (MIPS32 LE); checksec: usr/sbin all NX disabled (PT_GNU_STACK RWE),
	 * no canary, no RELRO, no PIE, no FORTIFY. readelf -lW on the extracted files: only four
	 * uClibc libraries (ld-uClibc, libuClibc, libdl, libpthread) carry PT_GNU_RELRO, and the
	 * uClibc libraries have PT_INTERP and DT_SONAME (libraries, not PIEs). We count 44 ELF
	 * executables in usr/sbin where the README's checksec run counted 43. */
	f = find_finding(&r, "binary.hardening", "/");
	CHECK(f != NULL);
	if (f != NULL) {
		CHECK(starts(f->evidence,
		    "119 ELF files (MIPS32 LE): 48 executables, 58 shared "
		    "objects, 13 kernel modules; of 106 programs and libraries: "
		    "0 with NX, 0 of 48 executables PIE, 4 RELRO, 0 canary, 0 "
		    "FORTIFY; weakest: /bin/busybox, "));
		CHECK(f->severity == MAMORI_SEV_MEDIUM);
	}
	f = find_finding(&r, "binary.hardening", "/usr/sbin");
	CHECK(f != NULL);
	if (f != NULL) {
		const char *g = strstr(f->evidence, "No NX, PIE, RELRO, canary, FORTIFY: ");

		CHECK(starts(f->evidence,
		    "44 of 44 ELF executables in /usr/sbin lack a "
		    "protection. No NX, PIE, RELRO, canary, FORTIFY: Parse2DB, "));
		/* one group, every name listed, nothing left out */
		CHECK(
		    g != NULL && strstr(g + 1, "No ") == NULL && strstr(f->evidence, "(+") == NULL);
		CHECK(strstr(f->evidence, " dnsmasq,") != NULL &&
		      strstr(f->evidence, " hostapd,") != NULL &&
		      strstr(f->evidence, " telnetd,") != NULL &&
		      strstr(f->evidence, " xmldb.") != NULL);
		CHECK(f->severity == MAMORI_SEV_MEDIUM);
	}
	CHECK(find_finding(&r, "binary.hardening", "/sbin") != NULL);
	CHECK(find_finding(&r, "binary.hardening", "/bin") != NULL);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		c = find_comp(&r, want[i].name);
		CHECK(c != NULL && strcmp(c->version, want[i].version) == 0);
		if (c == NULL || strcmp(c->version, want[i].version) != 0)
			fprintf(stderr, "component %s: want %s, got %s\n", want[i].name,
			    want[i].version, c != NULL ? c->version : "nothing");
	}
	c = find_comp(&r, "openssl");
	CHECK(c != NULL && c->end_of_life);
	c = find_comp(&r, "busybox");
	CHECK(c != NULL && c->end_of_life);
	mamori_report_free(&r);
	mamori_fstree_free(t);
	mamori_buf_free(&img);
}

int
main(void)
{
	static const struct check_case cases[] = {
	    CHECK_CASE(host_ls),
	    CHECK_CASE(host_ls_sstripped),
	    CHECK_CASE(host_gcc),
	    CHECK_CASE(host_busybox_static),
	    CHECK_CASE(host_shared),
	    CHECK_CASE(built_mips_be),
	    CHECK_CASE(built_arm_le),
	    CHECK_CASE(built_variants),
	    CHECK_CASE(machine_names),
	    CHECK_CASE(hostile_headers),
	    CHECK_CASE(hostile_64),
	    CHECK_CASE(overlapping),
	    CHECK_CASE(dynamic_without_end),
	    CHECK_CASE(every_truncation),
	    CHECK_CASE(every_byte_flip),
	    CHECK_CASE(binaries_tree),
	    CHECK_CASE(binaries_cap),
	    CHECK_CASE(components_tree),
	    CHECK_CASE(components_names_and_host),
	    CHECK_CASE(components_more),
	    CHECK_CASE(trendnet),
	};

	return check_run("test_elf", cases, sizeof(cases) / sizeof(cases[0]));
}
