/* SPDX-License-Identifier: MIT */
/* The terminal summary of a report. Everything that comes from the image (paths, evidence) is
 * escaped, so that a crafted file name cannot move the cursor or rewrite the screen. */
#include <inttypes.h>
#include <string.h>

#include "mamori/json.h"
#include "mamori/report.h"

#define ANSI_RESET "\033[0m"
#define ANSI_BOLD  "\033[1m"
#define ANSI_GREEN "\033[32m"
#define ANSI_RED   "\033[31m"

static const char *const sev_color[] = {
    "\033[2m",    /* info: dim */
    "\033[36m",   /* low: cyan */
    "\033[33m",   /* medium: yellow */
    "\033[31m",   /* high: red */
    "\033[1;31m", /* critical: bold red */
};

/* Code points a terminal may act on: C1 controls (U+009B is CSI) and the bidirectional
 * overrides and isolates that reorder what is shown. */
static bool
unsafe_cp(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* Appends s with control bytes, unsafe code points and invalid UTF-8 written as \xNN. */
static mamori_err
put_safe(struct mamori_buf *b, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *s = (const uint8_t *)str;
	size_t n = strlen(str), i = 0, len;
	uint32_t cp;
	mamori_err e;

	while (i < n) {
		if (s[i] >= 0x20 && s[i] < 0x7f) {
			len = 1;
			while (i + len < n && s[i + len] >= 0x20 && s[i + len] < 0x7f)
				len++;
			if ((e = mamori_buf_append(b, s + i, len)) != MAMORI_OK)
				return e;
			i += len;
			continue;
		}
		if (s[i] >= 0x80 && (len = mamori_utf8_seq(s + i, n - i, &cp)) > 0 &&
		    !unsafe_cp(cp)) {
			if ((e = mamori_buf_append(b, s + i, len)) != MAMORI_OK)
				return e;
			i += len;
			continue;
		}
		/* one byte escaped; an unsafe but valid sequence goes byte by byte */
		{
			char esc[4] = {'\\', 'x', hex[s[i] >> 4], hex[s[i] & 15]};

			if ((e = mamori_buf_append(b, esc, sizeof(esc))) != MAMORI_OK)
				return e;
		}
		i++;
	}
	return MAMORI_OK;
}

static mamori_err
put_str(struct mamori_buf *b, const char *s)
{
	return mamori_buf_append(b, s, strlen(s));
}

static mamori_err
put_color(struct mamori_buf *b, bool color, const char *code)
{
	return color ? put_str(b, code) : MAMORI_OK;
}

static mamori_err
write_header(const struct mamori_report *r, struct mamori_buf *b)
{
	mamori_err e;

	e = put_str(b, "mamori audit");
	if (e == MAMORI_OK && r->target_kind != NULL) {
		e = put_str(b, ": ");
		if (e == MAMORI_OK)
			e = put_safe(b, r->target_kind);
	}
	if (e == MAMORI_OK && r->target_path != NULL) {
		e = put_str(b, " ");
		if (e == MAMORI_OK)
			e = put_safe(b, r->target_path);
	}
	if (e == MAMORI_OK)
		e = put_str(b, "\n");
	if (e == MAMORI_OK && r->target_sha256[0] != '\0')
		e = mamori_buf_printf(b, "sha256 %.64s\n", r->target_sha256);
	return e;
}

static mamori_err
write_counts(const struct mamori_report *r, bool color, struct mamori_buf *b)
{
	size_t counts[MAMORI_SEV_CRITICAL + 1] = {0};
	size_t i;
	int s;
	mamori_err e;

	for (i = 0; i < r->nf; i++)
		if ((unsigned)r->f[i].severity <= MAMORI_SEV_CRITICAL)
			counts[r->f[i].severity]++;
	e = put_str(b, "Findings:");
	for (s = MAMORI_SEV_CRITICAL; s >= MAMORI_SEV_INFO && e == MAMORI_OK; s--) {
		e = put_str(b, " ");
		if (e == MAMORI_OK && counts[s] > 0)
			e = put_color(b, color, sev_color[s]);
		if (e == MAMORI_OK)
			e = mamori_buf_printf(
			    b, "%zu %s", counts[s], mamori_severity_name((enum mamori_severity)s));
		if (e == MAMORI_OK && counts[s] > 0)
			e = put_color(b, color, ANSI_RESET);
		if (e == MAMORI_OK && s > MAMORI_SEV_INFO)
			e = put_str(b, ",");
	}
	if (e == MAMORI_OK)
		e = mamori_buf_printf(b, " (%zu total)\n", r->nf);
	return e;
}

static mamori_err
write_finding(const struct mamori_finding *f, bool color, struct mamori_buf *b)
{
	char sev[16];
	size_t i;
	mamori_err e;

	/* upper-case severity word, padded so the ids line up */
	for (i = 0; i + 1 < sizeof(sev) && mamori_severity_name(f->severity)[i] != '\0'; i++)
		sev[i] = (char)(mamori_severity_name(f->severity)[i] & ~0x20);
	sev[i] = '\0';
	e = put_str(b, "  ");
	if (e == MAMORI_OK && (unsigned)f->severity <= MAMORI_SEV_CRITICAL)
		e = put_color(b, color, sev_color[f->severity]);
	if (e == MAMORI_OK)
		e = mamori_buf_printf(b, "%-8s", sev);
	if (e == MAMORI_OK)
		e = put_color(b, color, ANSI_RESET);
	if (e == MAMORI_OK)
		e = mamori_buf_printf(b, "  %s  %s\n", f->kind->id, f->kind->title);
	if (e == MAMORI_OK && f->path != NULL) {
		e = put_str(b, "            ");
		if (e == MAMORI_OK)
			e = put_safe(b, f->path);
		if (e == MAMORI_OK && f->line > 0)
			e = mamori_buf_printf(b, ":%" PRIu32, f->line);
		else if (e == MAMORI_OK && f->offset > 0)
			e = mamori_buf_printf(b, " (offset %" PRIu64 ")", f->offset);
		if (e == MAMORI_OK)
			e = put_str(b, "\n");
	}
	if (e == MAMORI_OK && f->evidence != NULL && f->evidence[0] != '\0') {
		e = put_str(b, "            ");
		if (e == MAMORI_OK)
			e = put_safe(b, f->evidence);
		if (e == MAMORI_OK)
			e = put_str(b, "\n");
	}
	return e;
}

/* s and spaces up to width columns (a UTF-8 character counts as one column). */
static mamori_err
put_padded(struct mamori_buf *b, const char *s, size_t width)
{
	size_t cols = 0, i;
	mamori_err e;

	for (i = 0; s[i] != '\0'; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			cols++;
	e = put_str(b, "  ");
	if (e == MAMORI_OK)
		e = put_str(b, s);
	for (; e == MAMORI_OK && cols <= width; cols++)
		e = put_str(b, " ");
	return e;
}

static mamori_err
write_conformance(const struct mamori_report *r, bool color, struct mamori_buf *b)
{
	struct mamori_conformance conf;
	const struct mamori_standard *std;
	size_t nstd, s;
	mamori_err e;

	e = mamori_conformance_compute(r, &conf);
	if (e != MAMORI_OK)
		return e;
	std = mamori_standards(&nstd);
	e = put_str(b, "\nConformance (from the image alone):\n");
	for (s = 0; s < nstd && e == MAMORI_OK; s++) {
		size_t pass = conf.counts[s][MAMORI_CONF_PASS];
		size_t fail = conf.counts[s][MAMORI_CONF_FAIL];

		e = put_padded(b, std[s].name, 40);
		if (e == MAMORI_OK && pass > 0)
			e = put_color(b, color, ANSI_GREEN);
		if (e == MAMORI_OK)
			e = mamori_buf_printf(b, "%zu pass", pass);
		if (e == MAMORI_OK && pass > 0)
			e = put_color(b, color, ANSI_RESET);
		if (e == MAMORI_OK)
			e = put_str(b, " / ");
		if (e == MAMORI_OK && fail > 0)
			e = put_color(b, color, ANSI_RED);
		if (e == MAMORI_OK)
			e = mamori_buf_printf(b, "%zu fail", fail);
		if (e == MAMORI_OK && fail > 0)
			e = put_color(b, color, ANSI_RESET);
		if (e == MAMORI_OK)
			e = mamori_buf_printf(b, " / %zu not assessable\n",
			    conf.counts[s][MAMORI_CONF_NOT_ASSESSABLE]);
	}
	mamori_conformance_free(&conf);
	return e;
}

mamori_err
mamori_report_text(const struct mamori_report *r, bool color, size_t top_n, struct mamori_buf *out)
{
	size_t start, i, shown;
	mamori_err e;

	if (r == NULL || out == NULL)
		return MAMORI_E_INVAL;
	start = out->len;
	e = write_header(r, out);
	if (e == MAMORI_OK)
		e = write_counts(r, color, out);
	shown = top_n < r->nf ? top_n : r->nf;
	if (e == MAMORI_OK && shown > 0) {
		e = color ? mamori_buf_printf(out, "\n" ANSI_BOLD "Top findings:" ANSI_RESET "\n")
		          : put_str(out, "\nTop findings:\n");
		for (i = 0; i < shown && e == MAMORI_OK; i++)
			e = write_finding(&r->f[i], color, out);
		if (e == MAMORI_OK && shown < r->nf)
			e = mamori_buf_printf(out, "  ... and %zu more\n", r->nf - shown);
	}
	if (e == MAMORI_OK)
		e = write_conformance(r, color, out);
	if (e != MAMORI_OK)
		out->len = start;
	return e;
}
