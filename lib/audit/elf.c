/* SPDX-License-Identifier: MIT */
/* ELF reader for the firmware audit: header, program headers, section headers, dynamic
 * section, symbol tables and .modinfo, reduced to hardening facts. The input is untrusted: every
 * table is checked to lie inside the file before it is read, counts are capped by the limits of
 * mamori/elf.h, and nothing is allocated. Field offsets follow the System V gABI (elf.h). */
#include <stdio.h>
#include <string.h>

#include "mamori/buf.h"
#include "mamori/elf.h"

#define ET_NONE 0
#define ET_REL  1
#define ET_EXEC 2
#define ET_DYN  3
#define ET_CORE 4

#define PT_LOAD      1
#define PT_DYNAMIC   2
#define PT_INTERP    3
#define PT_GNU_STACK 0x6474e551u
#define PT_GNU_RELRO 0x6474e552u
#define PF_X         1u

#define SHT_NOBITS 8u
#define SHT_SYMTAB 2u
#define SHT_DYNSYM 11u
#define SHN_XINDEX 0xffffu
#define PN_XNUM    0xffffu

#define DT_NULL     0
#define DT_STRTAB   5
#define DT_STRSZ    10
#define DT_SONAME   14
#define DT_BIND_NOW 24
#define DT_FLAGS    30
#define DT_FLAGS_1  0x6ffffffbu
#define DF_BIND_NOW 0x8u
#define DF_1_NOW    0x1u
#define DF_1_PIE    0x08000000u

struct elf {
	const uint8_t *p;
	size_t n;
	bool be;
	bool is64;
	struct mamori_diag *d;
};

/* A field of w bytes (1, 2, 4 or 8) at off; the caller checked off + w <= n. */
static uint64_t
ld(const struct elf *e, size_t off, unsigned w)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < w; i++) {
		unsigned k = e->be ? i : w - 1 - i;

		v = v << 8 | e->p[off + k];
	}
	return v;
}

/* A word that is 4 bytes in ELF32 and 8 in ELF64 (addresses, offsets, sizes). */
static uint64_t
ldw(const struct elf *e, size_t off)
{
	return ld(e, off, e->is64 ? 8 : 4);
}

/* [off, off + len) inside the file, computed without overflow. */
static bool
inside(const struct elf *e, uint64_t off, uint64_t len)
{
	return off <= e->n && len <= e->n - off;
}

/* The byte range of a table of count entries of entsz bytes at off, checked against the file. */
static mamori_err
table(const struct elf *e, uint64_t off, size_t count, size_t entsz, const char *what, size_t field)
{
	size_t bytes;

	if (!mamori_mul_size(count, entsz, &bytes) || !inside(e, off, bytes))
		return mamori_diag_set(e->d, MAMORI_E_TRUNCATED, field, 0,
		    "%s: %zu entries of %zu bytes at offset %llu pass the end of the %zu-byte file",
		    what, count, entsz, (unsigned long long)off, e->n);
	return MAMORI_OK;
}

struct shdr {
	uint32_t name, type, link, info;
	uint64_t off, size, entsize;
};

static void
read_shdr(const struct elf *e, size_t at, struct shdr *s)
{
	s->name = (uint32_t)ld(e, at, 4);
	s->type = (uint32_t)ld(e, at + 4, 4);
	if (e->is64) {
		s->off = ld(e, at + 24, 8);
		s->size = ld(e, at + 32, 8);
		s->link = (uint32_t)ld(e, at + 40, 4);
		s->info = (uint32_t)ld(e, at + 44, 4);
		s->entsize = ld(e, at + 56, 8);
	} else {
		s->off = ld(e, at + 16, 4);
		s->size = ld(e, at + 20, 4);
		s->link = (uint32_t)ld(e, at + 24, 4);
		s->info = (uint32_t)ld(e, at + 28, 4);
		s->entsize = ld(e, at + 36, 4);
	}
}

struct hdrs {
	uint16_t type;
	uint64_t phoff, shoff;
	size_t phnum, shnum, shstrndx;
	size_t phentsz, shentsz;
	bool strtab; /* DT_STRTAB seen: strtab_addr, strsz (DT_STRSZ) */
	uint64_t strtab_addr, strsz;
};

static bool
is_fortify_name(const char *s, size_t len)
{
	/* glibc and uClibc name their checked variants __<name>_chk (__memcpy_chk, __sprintf_chk);
	 * __stack_chk_fail does not end in "_chk" and is the canary, not FORTIFY. */
	return len > 6 && s[0] == '_' && s[1] == '_' && memcmp(s + len - 4, "_chk", 4) == 0;
}

static bool
is_canary_name(const char *s, size_t len)
{
	static const char *const names[] = {"__stack_chk_fail", "__stack_chk_guard",
	    "__stack_chk_fail_local", "__intel_security_cookie"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && memcmp(s, names[i], len) == 0)
			return true;
	return false;
}

/* Looks at every symbol of one table for the canary and FORTIFY names. */
static mamori_err
scan_symbols(const struct elf *e, const struct hdrs *h, const struct shdr *s, size_t shat,
    struct mamori_elf_info *o)
{
	size_t symsz = e->is64 ? 24 : 16, count, at;
	struct shdr str;

	if (s->entsize != 0 && s->entsize != symsz)
		return mamori_diag_set(e->d, MAMORI_E_MALFORMED, shat, 0,
		    "symbol table entry size %llu, expected %zu", (unsigned long long)s->entsize,
		    symsz);
	if (s->size / symsz > MAMORI_ELF_SYMS_MAX)
		return mamori_diag_set(e->d, MAMORI_E_TOOBIG, shat, 0,
		    "symbol table of %llu entries (limit %u)",
		    (unsigned long long)(s->size / symsz), MAMORI_ELF_SYMS_MAX);
	count = (size_t)(s->size / symsz);
	if (s->link == 0 || s->link >= h->shnum)
		return mamori_diag_set(e->d, MAMORI_E_MALFORMED, shat, 0,
		    "symbol table links to string table section %u of %zu", s->link, h->shnum);
	read_shdr(e, (size_t)h->shoff + (size_t)s->link * h->shentsz, &str);
	if (str.type == SHT_NOBITS)
		return mamori_diag_set(e->d, MAMORI_E_MALFORMED, shat, 0,
		    "symbol string table section %u has no bytes in the file", s->link);
	at = (size_t)s->off;
	o->has_dynsym = true;
	for (size_t i = 0; i < count; i++, at += symsz) {
		uint32_t nm = (uint32_t)ld(e, at, 4);
		const uint8_t *base, *nul;
		size_t avail, len;

		if (nm == 0 || nm >= str.size)
			continue;
		/* Section ranges were checked against the file in parse_sections. */
		base = e->p + (size_t)str.off + nm;
		avail = (size_t)str.size - nm;
		if (avail > MAMORI_ELF_SYMNAME_MAX)
			avail = MAMORI_ELF_SYMNAME_MAX;
		nul = memchr(base, '\0', avail);
		if (nul == NULL)
			continue;
		len = (size_t)(nul - base);
		if (is_canary_name((const char *)base, len))
			o->canary = true;
		else if (is_fortify_name((const char *)base, len))
			o->nfortify++;
	}
	o->fortify = o->nfortify > 0;
	return MAMORI_OK;
}

/* Copies the vermagic= value of a .modinfo section (NUL-separated key=value strings). */
static void
scan_modinfo(const struct elf *e, const struct shdr *s, struct mamori_elf_info *o)
{
	static const char key[] = "vermagic=";
	const uint8_t *p = e->p + (size_t)s->off;
	size_t n = (size_t)s->size, i = 0;

	if (n > MAMORI_ELF_MODINFO_MAX)
		n = MAMORI_ELF_MODINFO_MAX;
	while (i < n) {
		const uint8_t *nul = memchr(p + i, '\0', n - i);
		size_t len = nul != NULL ? (size_t)(nul - (p + i)) : n - i;

		if (len >= sizeof(key) - 1 && memcmp(p + i, key, sizeof(key) - 1) == 0) {
			size_t v = len - (sizeof(key) - 1);

			if (v >= sizeof(o->vermagic))
				v = sizeof(o->vermagic) - 1;
			memcpy(o->vermagic, p + i + sizeof(key) - 1, v);
			o->vermagic[v] = '\0';
			return;
		}
		i += len + 1;
	}
}

static bool
section_named(const struct elf *e, const struct shdr *strs, uint32_t name, const char *want)
{
	size_t wl = strlen(want) + 1;

	if (strs == NULL || name >= strs->size || strs->size - name < wl)
		return false;
	return memcmp(e->p + (size_t)strs->off + name, want, wl) == 0;
}

static mamori_err
parse_sections(const struct elf *e, const struct hdrs *h, struct mamori_elf_info *o)
{
	struct shdr strs, s;
	const struct shdr *names = NULL;
	bool have_dynsym = false, have_symtab = false;
	mamori_err err;

	/* Every section's bytes must lie inside the file before any is read. */
	for (size_t i = 0; i < h->shnum; i++) {
		size_t at = (size_t)h->shoff + i * h->shentsz;

		read_shdr(e, at, &s);
		if (s.type != SHT_NOBITS && !inside(e, s.off, s.size))
			return mamori_diag_set(e->d, MAMORI_E_TRUNCATED, at, 0,
			    "section %zu: %llu bytes at offset %llu pass the end of the %zu-byte file",
			    i, (unsigned long long)s.size, (unsigned long long)s.off, e->n);
	}
	if (h->shstrndx != 0) {
		read_shdr(e, (size_t)h->shoff + h->shstrndx * h->shentsz, &strs);
		if (strs.type != SHT_NOBITS)
			names = &strs;
	}
	o->stripped = true;
	for (size_t i = 0; i < h->shnum; i++) {
		size_t at = (size_t)h->shoff + i * h->shentsz;

		read_shdr(e, at, &s);
		if (s.type == SHT_SYMTAB && !have_symtab) {
			o->stripped = false;
			have_symtab = true;
			err = scan_symbols(e, h, &s, at, o);
			if (err != MAMORI_OK)
				return err;
		} else if (s.type == SHT_DYNSYM && !have_dynsym) {
			have_dynsym = true;
			err = scan_symbols(e, h, &s, at, o);
			if (err != MAMORI_OK)
				return err;
		} else if (h->type == ET_REL && s.type != SHT_NOBITS && o->vermagic[0] == '\0' &&
		           section_named(e, names, s.name, ".modinfo")) {
			scan_modinfo(e, &s, o);
		}
	}
	return MAMORI_OK;
}

static mamori_err
parse_dynamic(const struct elf *e, struct hdrs *h, uint64_t off, uint64_t size, size_t field,
    struct mamori_elf_info *o)
{
	size_t entsz = e->is64 ? 16 : 8, w = e->is64 ? 8 : 4;
	uint64_t count = size / entsz;

	for (uint64_t i = 0; i < count; i++) {
		size_t at = (size_t)off + (size_t)i * entsz;
		uint64_t tag, val;

		if (i >= MAMORI_ELF_DYN_MAX)
			return mamori_diag_set(e->d, MAMORI_E_TOOBIG, field, 0,
			    "dynamic section has more than %u entries before DT_NULL",
			    MAMORI_ELF_DYN_MAX);
		tag = ld(e, at, (unsigned)w);
		val = ld(e, at + w, (unsigned)w);
		if (tag == DT_NULL)
			break;
		switch (tag) {
		case DT_BIND_NOW:
			o->bind_now = true;
			break;
		case DT_FLAGS:
			if ((val & DF_BIND_NOW) != 0)
				o->bind_now = true;
			break;
		case DT_FLAGS_1:
			if ((val & DF_1_NOW) != 0)
				o->bind_now = true;
			if ((val & DF_1_PIE) != 0)
				o->pie = true;
			break;
		case DT_SONAME:
			o->soname = true;
			break;
		case DT_STRTAB:
			h->strtab = true;
			h->strtab_addr = val;
			break;
		case DT_STRSZ:
			h->strsz = val;
			break;
		default:
			break;
		}
	}
	return MAMORI_OK;
}

static mamori_err
parse_segments(const struct elf *e, struct hdrs *h, struct mamori_elf_info *o)
{
	mamori_err err;

	for (size_t i = 0; i < h->phnum; i++) {
		size_t at = (size_t)h->phoff + i * h->phentsz;
		uint32_t type = (uint32_t)ld(e, at, 4), flags;
		uint64_t off, filesz;

		if (e->is64) {
			flags = (uint32_t)ld(e, at + 4, 4);
			off = ld(e, at + 8, 8);
			filesz = ld(e, at + 32, 8);
		} else {
			off = ld(e, at + 4, 4);
			filesz = ld(e, at + 16, 4);
			flags = (uint32_t)ld(e, at + 24, 4);
		}
		/* A segment's file image must be in the file; PT_GNU_STACK and friends have 0. */
		if (!inside(e, off, filesz))
			return mamori_diag_set(e->d, MAMORI_E_TRUNCATED, at, 0,
			    "segment %zu: %llu bytes at offset %llu pass the end of the %zu-byte file",
			    i, (unsigned long long)filesz, (unsigned long long)off, e->n);
		if (type == PT_GNU_STACK) {
			o->has_gnu_stack = true;
			o->nx = (flags & PF_X) == 0;
		} else if (type == PT_GNU_RELRO) {
			o->relro = true;
		} else if (type == PT_INTERP && o->interp[0] == '\0') {
			size_t len = (size_t)filesz;
			const uint8_t *nul;

			if (len > sizeof(o->interp) - 1)
				len = sizeof(o->interp) - 1;
			nul = memchr(e->p + (size_t)off, '\0', len);
			if (nul != NULL)
				len = (size_t)(nul - (e->p + (size_t)off));
			memcpy(o->interp, e->p + (size_t)off, len);
			o->interp[len] = '\0';
			if (len == 0)
				return mamori_diag_set(e->d, MAMORI_E_MALFORMED, at, 0,
				    "segment %zu: empty PT_INTERP", i);
		} else if (type == PT_DYNAMIC && !o->dynamic) {
			o->dynamic = true;
			err = parse_dynamic(e, h, off, filesz, at, o);
			if (err != MAMORI_OK)
				return err;
		}
	}
	return MAMORI_OK;
}

/* Files without section headers (OpenWrt's sstrip removes them): the names the file imports
 * are still in the dynamic string table, found through DT_STRTAB and the PT_LOAD segment that
 * maps it. A name there is a symbol, a needed library or a version name; only symbol names
 * match the canary and FORTIFY patterns. */
static void
scan_dynstr(const struct elf *e, const struct hdrs *h, struct mamori_elf_info *o)
{
	for (size_t i = 0; i < h->phnum; i++) {
		size_t at = (size_t)h->phoff + i * h->phentsz, len, pos = 0;
		uint64_t off, vaddr, filesz, delta;
		const uint8_t *p;

		if (ld(e, at, 4) != PT_LOAD)
			continue;
		off = ldw(e, at + (e->is64 ? 8 : 4));
		vaddr = ldw(e, at + (e->is64 ? 16 : 8));
		filesz = ldw(e, at + (e->is64 ? 32 : 16));
		if (h->strtab_addr < vaddr || h->strtab_addr - vaddr >= filesz)
			continue;
		/* The segment lies inside the file (parse_segments); so does this part of it. */
		delta = h->strtab_addr - vaddr;
		len = (size_t)(filesz - delta);
		if (h->strsz < len)
			len = (size_t)h->strsz;
		p = e->p + (size_t)(off + delta);
		o->has_dynsym = true;
		while (pos < len) {
			const uint8_t *nul = memchr(p + pos, '\0', len - pos);
			size_t sl = nul != NULL ? (size_t)(nul - (p + pos)) : len - pos;

			if (sl <= MAMORI_ELF_SYMNAME_MAX) {
				if (is_canary_name((const char *)p + pos, sl))
					o->canary = true;
				else if (is_fortify_name((const char *)p + pos, sl))
					o->nfortify++;
			}
			pos += sl + 1;
		}
		o->fortify = o->nfortify > 0;
		return;
	}
}

/* Reads the file header and resolves extended numbering (gABI: e_shnum 0 and e_phnum
 * PN_XNUM / e_shstrndx SHN_XINDEX take their real values from section header 0). */
static mamori_err
parse_header(const struct elf *e, struct hdrs *h, struct mamori_elf_info *o)
{
	size_t ehsz = e->is64 ? 64 : 52, o_ph = e->is64 ? 32 : 28, o_sh = e->is64 ? 40 : 32;
	size_t o_rest = e->is64 ? 48 : 36;
	uint32_t phnum, shnum, shstrndx;
	struct shdr s0;
	mamori_err err;

	if (e->n < ehsz)
		return mamori_diag_set(e->d, MAMORI_E_TRUNCATED, e->n, 0,
		    "ELF%u header needs %zu bytes, file has %zu", e->is64 ? 64u : 32u, ehsz, e->n);
	h->type = (uint16_t)ld(e, 16, 2);
	o->type = h->type;
	o->machine = (uint16_t)ld(e, 18, 2);
	o->flags = (uint32_t)ld(e, o_rest, 4);
	h->phoff = ldw(e, o_ph);
	h->shoff = ldw(e, o_sh);
	h->phentsz = (size_t)ld(e, o_rest + 6, 2);
	phnum = (uint32_t)ld(e, o_rest + 8, 2);
	h->shentsz = (size_t)ld(e, o_rest + 10, 2);
	shnum = (uint32_t)ld(e, o_rest + 12, 2);
	shstrndx = (uint32_t)ld(e, o_rest + 14, 2);

	if (h->shoff != 0) {
		if (h->shentsz != (e->is64 ? 64u : 40u))
			return mamori_diag_set(e->d, MAMORI_E_MALFORMED, o_rest + 10, 0,
			    "section header entry size %zu, expected %u", h->shentsz,
			    e->is64 ? 64u : 40u);
		if (h->shoff < ehsz)
			return mamori_diag_set(e->d, MAMORI_E_MALFORMED, o_sh, 0,
			    "section header table at %llu overlaps the ELF header",
			    (unsigned long long)h->shoff);
		err = table(e, h->shoff, 1, h->shentsz, "section header 0", o_sh);
		if (err != MAMORI_OK)
			return err;
		read_shdr(e, (size_t)h->shoff, &s0);
		if (shnum == 0) {
			if (s0.size > MAMORI_ELF_SHNUM_MAX)
				return mamori_diag_set(e->d, MAMORI_E_TOOBIG, (size_t)h->shoff, 0,
				    "%llu section headers (limit %u)", (unsigned long long)s0.size,
				    MAMORI_ELF_SHNUM_MAX);
			shnum = (uint32_t)s0.size;
		}
		if (shstrndx == SHN_XINDEX)
			shstrndx = s0.link;
		if (phnum == PN_XNUM)
			phnum = s0.info;
	} else {
		shnum = 0;
		shstrndx = 0;
	}
	if (phnum > MAMORI_ELF_PHNUM_MAX)
		return mamori_diag_set(e->d, MAMORI_E_TOOBIG, o_rest + 8, 0,
		    "%u program headers (limit %u)", phnum, MAMORI_ELF_PHNUM_MAX);
	if (shnum > MAMORI_ELF_SHNUM_MAX)
		return mamori_diag_set(e->d, MAMORI_E_TOOBIG, o_rest + 12, 0,
		    "%u section headers (limit %u)", shnum, MAMORI_ELF_SHNUM_MAX);
	/* With no sections (e_shnum 0, or extended numbering giving 0) the index must be 0 too. */
	if (shstrndx != 0 && shstrndx >= shnum)
		return mamori_diag_set(e->d, MAMORI_E_MALFORMED, o_rest + 14, 0,
		    "section name table index %u, only %u sections", shstrndx, shnum);
	h->phnum = phnum;
	h->shnum = shnum;
	h->shstrndx = shstrndx;
	if (phnum > 0) {
		if (h->phentsz != (e->is64 ? 56u : 32u))
			return mamori_diag_set(e->d, MAMORI_E_MALFORMED, o_rest + 6, 0,
			    "program header entry size %zu, expected %u", h->phentsz,
			    e->is64 ? 56u : 32u);
		if (h->phoff < ehsz)
			return mamori_diag_set(e->d, MAMORI_E_MALFORMED, o_ph, 0,
			    "program header table at %llu overlaps the ELF header",
			    (unsigned long long)h->phoff);
		err = table(e, h->phoff, phnum, h->phentsz, "program header table", o_ph);
		if (err != MAMORI_OK)
			return err;
	}
	if (shnum > 0) {
		err = table(e, h->shoff, shnum, h->shentsz, "section header table", o_sh);
		if (err != MAMORI_OK)
			return err;
	}
	return MAMORI_OK;
}

mamori_err
mamori_elf_parse(const uint8_t *p, size_t n, struct mamori_elf_info *out, struct mamori_diag *d)
{
	struct mamori_elf_info o;
	struct elf e;
	struct hdrs h;
	mamori_err err;

	if (p == NULL && n > 0)
		return MAMORI_E_INVAL;
	if (n < 4 || memcmp(p, "\177ELF", 4) != 0)
		return mamori_diag_set(d, MAMORI_E_NOTFOUND, 0, 0, "no ELF magic");
	if (n < 16)
		return mamori_diag_set(d, MAMORI_E_TRUNCATED, n, 0, "ELF identification truncated");
	if (p[4] != 1 && p[4] != 2)
		return mamori_diag_set(d, MAMORI_E_MALFORMED, 4, 0, "ELF class %u", p[4]);
	if (p[5] != 1 && p[5] != 2)
		return mamori_diag_set(d, MAMORI_E_MALFORMED, 5, 0, "ELF byte order %u", p[5]);
	memset(&o, 0, sizeof(o));
	memset(&h, 0, sizeof(h));
	e.p = p;
	e.n = n;
	e.is64 = p[4] == 2;
	e.be = p[5] == 2;
	e.d = d;
	o.bits = e.is64 ? 64 : 32;
	o.big_endian = e.be;
	o.osabi = p[7];

	err = parse_header(&e, &h, &o);
	if (err != MAMORI_OK)
		goto out;
	o.phnum = h.phnum;
	o.shnum = h.shnum;
	err = parse_segments(&e, &h, &o);
	if (err != MAMORI_OK)
		goto out;
	err = parse_sections(&e, &h, &o);
	if (err != MAMORI_OK)
		goto out;
	if (!o.has_dynsym && h.strtab)
		scan_dynstr(&e, &h, &o);

	/* An ET_DYN with an interpreter is a PIE, unless it names itself with DT_SONAME: libc and
	 * the uClibc libraries carry PT_INTERP so that they can be run, and are libraries. */
	if (h.type == ET_DYN && o.interp[0] != '\0' && !o.soname)
		o.pie = true;
	switch (h.type) {
	case ET_EXEC:
		o.kind = MAMORI_ELF_EXEC;
		o.pie = false; /* DF_1_PIE on a fixed-address executable does not relocate it */
		break;
	case ET_DYN:
		o.kind = o.pie ? MAMORI_ELF_EXEC : MAMORI_ELF_SHARED;
		break;
	case ET_REL:
		o.kind = o.vermagic[0] != '\0' ? MAMORI_ELF_MODULE : MAMORI_ELF_RELOC;
		break;
	case ET_CORE:
		o.kind = MAMORI_ELF_CORE;
		break;
	default:
		o.kind = MAMORI_ELF_OTHER;
		break;
	}
	o.is_static = o.kind == MAMORI_ELF_EXEC && o.interp[0] == '\0';
	*out = o;
out:
	return err;
}

const char *
mamori_elf_machine_name(uint16_t machine, char *buf, size_t len)
{
	static const struct {
		uint16_t m;
		const char *name;
	} names[] = {
	    {MAMORI_EM_SPARC, "SPARC"},
	    {MAMORI_EM_386, "x86"},
	    {MAMORI_EM_68K, "m68k"},
	    {MAMORI_EM_MIPS, "MIPS"},
	    {MAMORI_EM_MIPS_RS3_LE, "MIPS"},
	    {MAMORI_EM_SPARC32PLUS, "SPARC"},
	    {MAMORI_EM_PPC, "PowerPC"},
	    {MAMORI_EM_PPC64, "PPC64"},
	    {MAMORI_EM_ARM, "ARM"},
	    {MAMORI_EM_SH, "SuperH"},
	    {MAMORI_EM_SPARCV9, "SPARC"},
	    {MAMORI_EM_X86_64, "x86-64"},
	    {MAMORI_EM_ARC, "ARC"},
	    {MAMORI_EM_ARC_COMPACT, "ARC"},
	    {MAMORI_EM_ARC_COMPACT2, "ARC"},
	    {MAMORI_EM_AARCH64, "AArch64"},
	    {MAMORI_EM_RISCV, "RISC-V"},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].m == machine) {
			snprintf(buf, len, "%s", names[i].name);
			return buf;
		}
	snprintf(buf, len, "machine-%u", machine);
	return buf;
}

const char *
mamori_elf_arch_label(const struct mamori_elf_info *e, char *buf, size_t len)
{
	char m[24];

	mamori_elf_machine_name(e->machine, m, sizeof(m));
	/* x86-64 and AArch64 carry their width in the name; the others get 32/64 appended. */
	if (e->machine == MAMORI_EM_X86_64 || e->machine == MAMORI_EM_AARCH64 ||
	    e->machine == MAMORI_EM_PPC64 || e->machine == MAMORI_EM_386)
		snprintf(buf, len, "%s %s", m, e->big_endian ? "BE" : "LE");
	else
		snprintf(buf, len, "%s%u %s", m, e->bits, e->big_endian ? "BE" : "LE");
	return buf;
}
