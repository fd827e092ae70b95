/* SPDX-License-Identifier: MIT */
/* Report writers (JSON, text) over the finding model of finding.h, and the conformance view:
 * for each standard the catalog maps to, every provision with pass, fail or not-assessable.
 * See docs/findings.md. */
#ifndef MAMORI_REPORT_H
#define MAMORI_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "mamori/buf.h"
#include "mamori/err.h"
#include "mamori/finding.h"

#define MAMORI_CVE_ID_MAX 32 /* "CVE-2021-12345678" and OSV ids fit well within */

/* Adds a CVE (or OSV) id to c: MAMORI_E_TOOBIG past MAMORI_COMPONENT_CVES_MAX or for an id
 * longer than MAMORI_CVE_ID_MAX; an id already present is not added twice. */
MAMORI_MUST_CHECK mamori_err mamori_component_add_cve(struct mamori_component *c, const char *cve);

/* One provision of a standard. */
struct mamori_provision {
	const char *id;    /* "5.1-1", "I1", "(2)(b)", "access control" */
	const char *title; /* what the provision asks, in a few words */
};

/* A standard the catalog maps findings to. A catalog standards string is prefix + id. */
struct mamori_standard {
	const char *key;    /* "etsi-en-303-645": the key in the JSON conformance object */
	const char *name;   /* "ETSI EN 303 645 V2.1.1" */
	const char *prefix; /* "ETSI EN 303 645 " */
	const struct mamori_provision *prov;
	size_t nprov;
};

#define MAMORI_STANDARDS_N 4

/* The standards, in report order; *n gets MAMORI_STANDARDS_N. */
const struct mamori_standard *mamori_standards(size_t *n);
/* Resolves a catalog standards string ("OWASP IoT 2018 I2") to its standard and provision
 * indices: MAMORI_E_NOTFOUND if it names none. */
MAMORI_MUST_CHECK mamori_err mamori_standard_lookup(const char *ref, size_t *std, size_t *prov);

enum mamori_conf_result {
	MAMORI_CONF_PASS = 0,       /* a check covers it and no finding maps to it */
	MAMORI_CONF_FAIL,           /* at least one finding maps to it */
	MAMORI_CONF_NOT_ASSESSABLE, /* no check of a static image covers it, or nothing was unpacked
	                             */
};

const char *mamori_conf_result_name(
    enum mamori_conf_result res); /* "pass", "fail", "not-assessable" */

struct mamori_conf_row {
	const struct mamori_provision *prov;
	enum mamori_conf_result result;
	const size_t *findings; /* indices into r->f of the findings mapped to it */
	size_t nfindings;
};

struct mamori_conformance {
	struct mamori_conf_row *rows[MAMORI_STANDARDS_N]; /* rows[s][p]: standard s, provision p */
	size_t counts[MAMORI_STANDARDS_N][3];             /* per standard, per result */
	size_t *idx;                                      /* storage behind every row's findings */
};

/* Computes the conformance of r. A provision is assessable when some catalog kind maps to it;
 * it fails when a finding of r maps to it. When r holds a container.unknown finding (nothing
 * was unpacked), provisions that would pass are not-assessable instead. */
MAMORI_MUST_CHECK mamori_err mamori_conformance_compute(
    const struct mamori_report *r, struct mamori_conformance *out);
void mamori_conformance_free(struct mamori_conformance *c);

/* The JSON report of DESIGN.md §4 (docs/findings.md), appended to out. Findings are written
 * in r's order (call mamori_report_sort first); the conformance indices refer to that order. */
MAMORI_MUST_CHECK mamori_err mamori_report_json(
    const struct mamori_report *r, const char *tool_version, struct mamori_buf *out);
/* A terminal summary appended to out: counts per severity, the top_n first findings with
 * path:line and evidence (control bytes and invalid UTF-8 shown as \xNN, so image content
 * cannot drive the terminal), then pass/fail/not-assessable counts per standard. color adds
 * ANSI colours. */
MAMORI_MUST_CHECK mamori_err mamori_report_text(
    const struct mamori_report *r, bool color, size_t top_n, struct mamori_buf *out);

#endif
