/* SPDX-License-Identifier: MIT */
/* binary.hardening: exploit mitigations of every ELF file in a tree, reported so that a reader
 * sees the whole image at a glance and then the system program directories in detail:
 *   - one summary finding for the image (path "/"): how many ELF files, which architecture,
 *     how many programs and libraries have NX, PIE, RELRO, a stack canary and FORTIFY, and the
 *     weakest files;
 *   - one finding per system program directory (/bin, /sbin, /usr/bin, /usr/sbin) holding
 *     executables that lack a protection, grouping the files by what they lack
 *     ("No NX, PIE, RELRO, canary, FORTIFY: httpd, dnsmasq, ...").
 * Severity: medium when an executable has an executable stack (no NX), low otherwise, info for
 * a summary with nothing missing. Kernel modules and object files are counted but not judged:
 * the mitigations are properties of programs and shared libraries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/buf.h"
#include "mamori/elf.h"
#include "mamori/finding.h"
#include "mamori/fstree.h"

enum {
	MISS_NX = 1,
	MISS_PIE = 2,
	MISS_RELRO = 4,
	MISS_CANARY = 8,
	MISS_FORTIFY = 16,
	MISS_ALL = 31,
};

#define ARCH_LABELS_MAX 8 /* distinct architectures named in the summary */
#define WEAKEST_MAX     5 /* files named as weakest in the summary */

struct bin {
	const char *path;
	enum mamori_elf_kind kind;
	unsigned miss;
	unsigned nmiss;
};

struct arch {
	char label[32];
	size_t n;
};

static const char *const miss_names[] = {"NX", "PIE", "RELRO", "canary", "FORTIFY"};

static unsigned
popcount5(unsigned m)
{
	unsigned c = 0;

	for (unsigned i = 0; i < 5; i++)
		c += (m >> i) & 1u;
	return c;
}

static unsigned
missing(const struct mamori_elf_info *e)
{
	unsigned m = 0;

	if (!e->nx)
		m |= MISS_NX;
	if (e->kind == MAMORI_ELF_EXEC && !e->pie)
		m |= MISS_PIE;
	if (!e->relro)
		m |= MISS_RELRO;
	if (!e->canary)
		m |= MISS_CANARY;
	if (!e->fortify)
		m |= MISS_FORTIFY;
	return m;
}

static bool
judged(enum mamori_elf_kind k)
{
	return k == MAMORI_ELF_EXEC || k == MAMORI_ELF_SHARED;
}

/* Weakest first: most protections missing, executables before libraries, then path order. */
static int
cmp_weak(const void *a, const void *b)
{
	const struct bin *x = a, *y = b;

	if (x->nmiss != y->nmiss)
		return x->nmiss > y->nmiss ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind == MAMORI_ELF_EXEC ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* Appends s unless it would leave less than reserve bytes of room under the evidence cap. */
static bool
fits(const struct mamori_buf *b, size_t add, size_t reserve)
{
	return b->len + add + reserve < MAMORI_FINDING_EVIDENCE_MAX;
}

static mamori_err
summary(struct mamori_report *r, const struct bin *bins, size_t nb, size_t nbad,
    const struct arch *arch, size_t narch, size_t arch_other)
{
	size_t nexec = 0, nshared = 0, nmod = 0, nother = 0, njudged = 0, have[5] = {0};
	size_t nweak = 0, anymiss = 0, nxmiss = 0;
	struct bin *weak = NULL;
	struct mamori_buf b;
	mamori_err err;
	int sev;

	mamori_buf_init(&b, 4096);
	for (size_t i = 0; i < nb; i++) {
		switch (bins[i].kind) {
		case MAMORI_ELF_EXEC:
			nexec++;
			break;
		case MAMORI_ELF_SHARED:
			nshared++;
			break;
		case MAMORI_ELF_MODULE:
			nmod++;
			break;
		default:
			nother++;
			break;
		}
		if (!judged(bins[i].kind))
			continue;
		njudged++;
		for (unsigned k = 0; k < 5; k++)
			if ((bins[i].miss & (1u << k)) == 0 &&
			    (k != 1 || bins[i].kind == MAMORI_ELF_EXEC)) /* PIE: executables only */
				have[k]++;
		if (bins[i].miss != 0)
			anymiss++;
		if (bins[i].miss & MISS_NX)
			nxmiss++;
	}
	err = mamori_buf_printf(&b, "%zu ELF files (", nb);
	for (size_t i = 0; err == MAMORI_OK && i < narch; i++)
		err = mamori_buf_printf(&b, "%s%s", i ? ", " : "", arch[i].label);
	if (err == MAMORI_OK && arch_other > 0)
		err = mamori_buf_printf(&b, ", %zu other", arch_other);
	if (err == MAMORI_OK)
		err =
		    mamori_buf_printf(&b, "): %zu executables, %zu shared objects", nexec, nshared);
	if (err == MAMORI_OK && nmod > 0)
		err = mamori_buf_printf(&b, ", %zu kernel modules", nmod);
	if (err == MAMORI_OK && nother > 0)
		err = mamori_buf_printf(&b, ", %zu other", nother);
	if (err == MAMORI_OK && nbad > 0)
		err = mamori_buf_printf(&b, ", %zu not parsable", nbad);
	if (err == MAMORI_OK)
		err = mamori_buf_printf(&b,
		    "; of %zu programs and libraries: %zu with NX, %zu of %zu executables PIE, "
		    "%zu RELRO, %zu canary, %zu FORTIFY",
		    njudged, have[0], have[1], nexec, have[2], have[3], have[4]);
	if (err != MAMORI_OK)
		goto out;

	if (anymiss > 0) {
		weak = calloc(njudged, sizeof(*weak));
		if (weak == NULL) {
			err = MAMORI_E_NOMEM;
			goto out;
		}
		for (size_t i = 0; i < nb; i++)
			if (judged(bins[i].kind) && bins[i].miss != 0)
				weak[nweak++] = bins[i];
		qsort(weak, nweak, sizeof(*weak), cmp_weak);
		err = mamori_buf_printf(&b, "; weakest:");
		for (size_t i = 0; err == MAMORI_OK && i < nweak && i < WEAKEST_MAX; i++)
			err = mamori_buf_printf(&b, "%s %s", i ? "," : "", weak[i].path);
		if (err == MAMORI_OK && nweak > WEAKEST_MAX)
			err = mamori_buf_printf(&b, " (+%zu more)", nweak - WEAKEST_MAX);
		if (err != MAMORI_OK)
			goto out;
	}
	if (nxmiss > 0)
		sev = MAMORI_SEV_MEDIUM;
	else if (anymiss > 0)
		sev = MAMORI_SEV_LOW;
	else
		sev = MAMORI_SEV_INFO;
	err = mamori_buf_putc(&b, '\0');
	if (err == MAMORI_OK)
		err = mamori_report_add(r, "binary.hardening", sev, "/", 0, 0, (const char *)b.p);
out:
	free(weak);
	mamori_buf_free(&b);
	return err;
}

static bool
in_dir(const char *path, const char *dir)
{
	size_t dl = strlen(dir);

	return strncmp(path, dir, dl) == 0 && path[dl] == '/' && path[dl + 1] != '\0' &&
	       strchr(path + dl + 1, '/') == NULL;
}

/* "No NX, PIE: " for a mask. */
static mamori_err
put_mask(struct mamori_buf *b, unsigned m)
{
	mamori_err err = mamori_buf_printf(b, "No");
	bool first = true;

	for (unsigned k = 0; err == MAMORI_OK && k < 5; k++)
		if (m & (1u << k)) {
			err = mamori_buf_printf(b, "%s %s", first ? "" : ",", miss_names[k]);
			first = false;
		}
	if (err == MAMORI_OK)
		err = mamori_buf_printf(b, ":");
	return err;
}

static mamori_err
directory(struct mamori_report *r, const struct bin *bins, size_t nb, const char *dir)
{
	size_t total = 0, weak = 0, listed = 0, nxmiss = 0;
	struct mamori_buf b;
	bool cut = false;
	mamori_err err;

	for (size_t i = 0; i < nb; i++)
		if (bins[i].kind == MAMORI_ELF_EXEC && in_dir(bins[i].path, dir)) {
			total++;
			if (bins[i].miss != 0)
				weak++;
			if (bins[i].miss & MISS_NX)
				nxmiss++;
		}
	if (weak == 0)
		return MAMORI_OK;
	mamori_buf_init(&b, MAMORI_FINDING_EVIDENCE_MAX + 64);
	err = mamori_buf_printf(
	    &b, "%zu of %zu ELF executables in %s lack a protection.", weak, total, dir);
	/* Groups by missing set, the largest sets first; names until the evidence cap. */
	for (unsigned pc = 5; err == MAMORI_OK && pc >= 1 && !cut; pc--) {
		for (unsigned m = MISS_ALL; err == MAMORI_OK && m >= 1 && !cut; m--) {
			bool head = false;
			size_t names = 0;

			if (popcount5(m) != pc)
				continue;
			for (size_t i = 0; err == MAMORI_OK && i < nb; i++) {
				const char *base;
				size_t bl;

				if (bins[i].kind != MAMORI_ELF_EXEC || bins[i].miss != m ||
				    !in_dir(bins[i].path, dir))
					continue;
				base = bins[i].path + strlen(dir) + 1;
				bl = strlen(base);
				if (!head) {
					if (!fits(&b, 48 + bl, 16)) {
						cut = true;
						break;
					}
					err = mamori_buf_printf(&b, " ");
					if (err == MAMORI_OK)
						err = put_mask(&b, m);
					head = true;
				}
				if (!fits(&b, bl + 2, 16)) {
					cut = true;
					break;
				}
				if (err == MAMORI_OK)
					err =
					    mamori_buf_printf(&b, "%s %s", names ? "," : "", base);
				names++;
				listed++;
			}
			if (err == MAMORI_OK && head && !cut)
				err = mamori_buf_printf(&b, ".");
		}
		if (pc == 1)
			break;
	}
	if (err == MAMORI_OK && listed < weak)
		err = mamori_buf_printf(&b, " (+%zu more)", weak - listed);
	if (err == MAMORI_OK)
		err = mamori_buf_putc(&b, '\0');
	if (err == MAMORI_OK)
		err = mamori_report_add(r, "binary.hardening",
		    nxmiss > 0 ? MAMORI_SEV_MEDIUM : MAMORI_SEV_LOW, dir, 0, 0, (const char *)b.p);
	mamori_buf_free(&b);
	return err;
}

static void
count_arch(struct arch *arch, size_t *narch, size_t *other, const struct mamori_elf_info *e)
{
	char label[32];

	mamori_elf_arch_label(e, label, sizeof(label));
	for (size_t i = 0; i < *narch; i++)
		if (strcmp(arch[i].label, label) == 0) {
			arch[i].n++;
			return;
		}
	if (*narch == ARCH_LABELS_MAX) {
		(*other)++;
		return;
	}
	memcpy(arch[*narch].label, label, sizeof(label));
	arch[*narch].n = 1;
	(*narch)++;
}

mamori_err
mamori_check_binaries(const struct mamori_fstree *t, struct mamori_report *r, struct mamori_diag *d)
{
	static const char *const dirs[] = {"/bin", "/sbin", "/usr/bin", "/usr/sbin"};
	size_t n, nb = 0, nbad = 0, narch = 0, arch_other = 0;
	struct arch arch[ARCH_LABELS_MAX];
	struct bin *bins = NULL;
	mamori_err err = MAMORI_OK;

	if (t == NULL || r == NULL)
		return MAMORI_E_INVAL;
	n = mamori_fstree_count(t);
	if (n == 0)
		return MAMORI_OK;
	bins = calloc(n, sizeof(*bins));
	if (bins == NULL)
		return mamori_diag_set(d, MAMORI_E_NOMEM, 0, 0, "no memory for %zu files", n);
	for (size_t i = 0; i < n; i++) {
		const struct mamori_fs_node *f = mamori_fstree_at(t, i);
		struct mamori_elf_info e;

		if (f == NULL || f->type != MAMORI_FS_REG || f->data == NULL || f->size < 4 ||
		    memcmp(f->data, "\177ELF", 4) != 0)
			continue;
		/* A file the parser rejects is counted, not judged: its bytes are not a loadable
		 * program as far as we can tell, and the finding says how many there were. */
		if ((uint64_t)(size_t)f->size != f->size ||
		    mamori_elf_parse(f->data, (size_t)f->size, &e, NULL) != MAMORI_OK) {
			nbad++;
			continue;
		}
		bins[nb].path = f->path;
		bins[nb].kind = e.kind;
		bins[nb].miss = judged(e.kind) ? missing(&e) : 0;
		bins[nb].nmiss = popcount5(bins[nb].miss);
		nb++;
		count_arch(arch, &narch, &arch_other, &e);
	}
	if (nb == 0 && nbad == 0)
		goto out;
	/* Architectures named with their counts only when there are several. */
	if (narch > 1)
		for (size_t i = 0; i < narch; i++) {
			char l[32];
			size_t k = strlen(arch[i].label);

			if (k + 12 < sizeof(l)) {
				snprintf(l, sizeof(l), "%s x%zu", arch[i].label, arch[i].n);
				memcpy(arch[i].label, l, sizeof(l));
			}
		}
	err = summary(r, bins, nb, nbad, arch, narch, arch_other);
	for (size_t i = 0; err == MAMORI_OK && i < sizeof(dirs) / sizeof(dirs[0]); i++)
		err = directory(r, bins, nb, dirs[i]);
	if (err != MAMORI_OK)
		mamori_diag_set(d, err, 0, 0, "binary.hardening: %s", mamori_strerror(err));
out:
	free(bins);
	return err;
}
