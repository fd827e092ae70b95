/* SPDX-License-Identifier: MIT */
/* The finding model shared by `audit firmware`, `audit device` and `agent check`: a report holds
 * findings (a stable dotted id from the catalog, a severity, where, evidence) and components
 * (name, version, where found, CVEs). Titles, default severities, remediations and the standard
 * provisions of each id live in one catalog (docs/findings.md), so checks only say what they
 * found and where. */
#ifndef MAMORI_FINDING_H
#define MAMORI_FINDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/buf.h"
#include "mamori/err.h"

#define MAMORI_FINDING_ID_MAX        48
#define MAMORI_FINDING_EVIDENCE_MAX  512 /* bytes of evidence kept per finding */
#define MAMORI_FINDING_PATH_MAX      4096
#define MAMORI_REPORT_FINDINGS_MAX   100000
#define MAMORI_REPORT_COMPONENTS_MAX 10000
#define MAMORI_COMPONENT_CVES_MAX    64

enum mamori_severity {
	MAMORI_SEV_INFO = 0,
	MAMORI_SEV_LOW,
	MAMORI_SEV_MEDIUM,
	MAMORI_SEV_HIGH,
	MAMORI_SEV_CRITICAL,
};

const char *mamori_severity_name(enum mamori_severity s); /* "critical" ... "info" */
MAMORI_MUST_CHECK mamori_err mamori_severity_parse(const char *s, enum mamori_severity *out);

/* One entry of the catalog. */
struct mamori_finding_kind {
	const char *id; /* "service.telnet" */
	enum mamori_severity severity;
	const char *title;
	const char *remediation;
	const char *standards[8]; /* "ETSI EN 303 645 5.1-1", "JC-STAR ★1 ...", "OWASP IoT 2018 I1",
	                             NULL-terminated */
};

/* The catalog entry of id, or NULL. */
const struct mamori_finding_kind *mamori_finding_kind(const char *id);
/* Every catalog entry, in order; *n gets the count. */
const struct mamori_finding_kind *mamori_finding_kinds(size_t *n);

struct mamori_finding {
	const struct mamori_finding_kind *kind;
	enum mamori_severity severity; /* the kind's, unless the check raised or lowered it */
	char *path;                    /* inside the image, or NULL */
	uint32_t line;                 /* 1-based, 0 if not a text location */
	uint64_t offset;               /* byte offset in the file, when line is 0 */
	char *evidence;                /* at most MAMORI_FINDING_EVIDENCE_MAX bytes */
};

struct mamori_component {
	char *name;
	char *version;
	char *path;
	char *cves[MAMORI_COMPONENT_CVES_MAX];
	size_t ncves;
	bool end_of_life;
};

struct mamori_report {
	struct mamori_finding *f;
	size_t nf, capf;
	struct mamori_component *c;
	size_t nc, capc;
	char *target_kind; /* "firmware", "device", "host" */
	char *target_path;
	char target_sha256[65];
};

void mamori_report_init(struct mamori_report *r);
void mamori_report_free(struct mamori_report *r);
/* Adds a finding of catalog id (MAMORI_E_NOTFOUND for an unknown id: a bug in a check).
 * sev < 0 keeps the catalog severity. Evidence is cut at MAMORI_FINDING_EVIDENCE_MAX bytes;
 * any bytes are allowed (writers escape them). */
MAMORI_MUST_CHECK mamori_err mamori_report_add(struct mamori_report *r, const char *id, int sev,
    const char *path, uint32_t line, uint64_t offset, const char *evidence);
MAMORI_MUST_CHECK mamori_err mamori_report_addf(struct mamori_report *r, const char *id, int sev,
    const char *path, uint32_t line, const char *fmt, ...) MAMORI_PRINTF(6, 7);
MAMORI_MUST_CHECK mamori_err mamori_report_component(struct mamori_report *r, const char *name,
    const char *version, const char *path, struct mamori_component **out);
/* Sorts findings by severity (highest first), then id, then path, then line. */
void mamori_report_sort(struct mamori_report *r);
/* Findings at or above sev. */
size_t mamori_report_count_at_least(const struct mamori_report *r, enum mamori_severity sev);

#endif
