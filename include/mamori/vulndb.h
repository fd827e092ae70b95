/* SPDX-License-Identifier: MIT */
/* The vulnerability database: NVD CVE JSON 2.0 and OSV records imported into SQLite, and the
 * match of a component version against them. Formats, tables, version order:
 * docs/formats/vulndb.md. */
#ifndef MAMORI_VULNDB_H
#define MAMORI_VULNDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/err.h"
#include "mamori/finding.h"
#include "mamori/report.h"

#define MAMORI_VULNDB_FILE_MAX     ((size_t)512 << 20) /* bytes of one import, decompressed */
#define MAMORI_VULNDB_RECORDS_MAX  2000000u            /* records in one import file */
#define MAMORI_VULNDB_RANGES_MAX   20000u              /* affected rows of one record */
#define MAMORI_VULNDB_SUMMARY_MAX  1024u               /* summary bytes kept */
#define MAMORI_VULNDB_CPE_MAX      512u                /* bytes of a CPE 2.3 string */
#define MAMORI_VULNDB_VERSION_MAX  64u                 /* bytes of a version */
#define MAMORI_VULNDB_NAME_MAX     128u                /* bytes of a vendor, product, package */
#define MAMORI_VULNDB_FIELD_MAX    256u  /* bytes of other kept text (dates, vector, aliases) */
#define MAMORI_VULNDB_MATCHES_MAX  4096u /* vulnerabilities matched for one component */
#define MAMORI_VULNDB_EVIDENCE_TOP 10u   /* ids named in a finding's evidence */

struct mamori_vulndb;

/* Opens the database at path (":memory:" for a private one). create: make the file and the
 * tables when absent; otherwise a missing file is MAMORI_E_NOTFOUND. A file that is not a
 * mamori vulnerability database (or a newer schema) is MAMORI_E_MALFORMED. */
MAMORI_MUST_CHECK mamori_err mamori_vulndb_open(
    const char *path, bool create, struct mamori_vulndb **out, struct mamori_diag *d);
void mamori_vulndb_close(struct mamori_vulndb *db);

/* The path to use: explicit if not NULL, else $MAMORI_VULNDB, else the compiled-in default. */
const char *mamori_vulndb_default_path(const char *explicit_path);

struct mamori_vulndb_stats {
	const char *format; /* "nvd" or "osv" after an import */
	size_t records;     /* imported (or replaced) */
	size_t ranges;      /* affected rows written */
	size_t rejected;    /* NVD records with vulnStatus Rejected, OSV withdrawn: skipped */
	size_t skipped;     /* OSV GIT ranges and distribution ecosystems: skipped */
};

/* Imports one file's bytes p[0..n) (JSON, or gzip-compressed JSON); name is the file name
 * kept as the source and used in messages. All or nothing: on error the database is as before
 * and d says which record and field, or the line and column of a JSON syntax error. */
MAMORI_MUST_CHECK mamori_err mamori_vulndb_import(struct mamori_vulndb *db, const char *name,
    const uint8_t *p, size_t n, struct mamori_vulndb_stats *st, struct mamori_diag *d);

/* One matched vulnerability. */
struct mamori_vuln {
	char id[MAMORI_CVE_ID_MAX];
	char severity[16]; /* "critical" ... "low", "" when the record has none */
	double score;      /* CVSS base score, -1 when none */
	bool kev;          /* in CISA's Known Exploited Vulnerabilities catalog */
	char fixed[MAMORI_VULNDB_VERSION_MAX]; /* the excluded end of the matched range, or "" */
	char summary[MAMORI_VULNDB_SUMMARY_MAX];
};

/* The vulnerabilities recorded for component name at version, highest score first, into
 * *out (malloc'd, *n entries, at most MAMORI_VULNDB_MATCHES_MAX). Unknown components and
 * versions that are not versions ("unknown") give none. */
MAMORI_MUST_CHECK mamori_err mamori_vulndb_match(struct mamori_vulndb *db, const char *name,
    const char *version, struct mamori_vuln **out, size_t *n, struct mamori_diag *d);

/* Records and affected rows in the database, and the number of records per product for
 * `vulndb list` (fn called once per product, sorted by name; may be NULL). */
typedef void (*mamori_vulndb_product_fn)(
    void *ctx, const char *vendor, const char *product, size_t records, size_t kev);
MAMORI_MUST_CHECK mamori_err mamori_vulndb_summary(struct mamori_vulndb *db, size_t *records,
    size_t *ranges, mamori_vulndb_product_fn fn, void *ctx, struct mamori_diag *d);

/* The order of docs/formats/vulndb.md: <0, 0, >0. */
int mamori_version_cmp(const char *a, const char *b);

/* component.vulnerable for every component of r that matches, with its ids added to the
 * component (most severe first). */
MAMORI_MUST_CHECK mamori_err mamori_check_vulnerable(
    struct mamori_vulndb *db, struct mamori_report *r, struct mamori_diag *d);

#endif
