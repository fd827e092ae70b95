/* SPDX-License-Identifier: MIT */
/* mamori vulndb: import NVD and OSV records, list what the database holds, match a version. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "mamori/buf.h"
#include "mamori/json.h"
#include "mamori/vulndb.h"

static const char vulndb_usage[] =
    "usage: mamori vulndb [--db FILE] import [-q] FILE...\n"
    "       mamori vulndb [--db FILE] list [--json]\n"
    "       mamori vulndb [--db FILE] match COMPONENT VERSION [--json]\n"
    "\n"
    "The vulnerability database behind the firmware audit's component.vulnerable findings:\n"
    "the components mamori identifies (busybox 1.14.1, dnsmasq 2.45, openssl 0.9.8g, ...) are\n"
    "matched against the affected version ranges of the records it holds.\n"
    "\n"
    "  import FILE...   add NVD CVE JSON 2.0 files (API responses, 2.0 data feeds, single\n"
    "                   records) and OSV JSON files, plain or gzip-compressed; a record\n"
    "                   imported again replaces the old one; each file is all or nothing\n"
    "  list             records per product (CPE vendor:product, or OSV package)\n"
    "  match C V        the vulnerabilities of component C at version V, most severe first\n"
    "\n"
    "options:\n"
    "  --db FILE        the database (default: $MAMORI_VULNDB, else the build's own,\n"
    "                   made by `make` from the NVD records in data/vulndb/)\n"
    "  --json           JSON output (list, match)\n"
    "  -q, --quiet      no per-file line from import\n"
    "\n"
    "examples:\n"
    "  mamori vulndb import nvdcve-2.0-2024.json.gz osv/*.json\n"
    "  mamori vulndb match dnsmasq 2.45\n"
    "\n"
    "Formats, tables and the version order: docs/formats/vulndb.md.\n"
    "Exit codes: 0 done (match: none found), 1 match found vulnerabilities, 2 usage,\n"
    "3 a file could not be read or imported (the files before it stay imported).\n";

struct list_ctx {
	bool json;
	struct mamori_json *j;
};

static void
list_row(void *arg, const char *vendor, const char *product, size_t records, size_t kev)
{
	struct list_ctx *c = arg;

	if (c->json) {
		mamori_json_obj_begin(c->j);
		mamori_json_kstr(c->j, "vendor", vendor);
		mamori_json_kstr(c->j, "product", product);
		mamori_json_ku64(c->j, "records", records);
		mamori_json_ku64(c->j, "known_exploited", kev);
		mamori_json_obj_end(c->j);
	} else {
		char name[2 * MAMORI_VULNDB_NAME_MAX + 8];

		(void)snprintf(
		    name, sizeof(name), "%s%s%s", vendor[0] ? vendor : "osv", ":", product);
		printf("  %-48s %6zu", name, records);
		if (kev > 0)
			printf("  (%zu known exploited)", kev);
		putchar('\n');
	}
}

static int
write_json(struct mamori_buf *b)
{
	if (fwrite(b->p, 1, b->len, stdout) != b->len || fflush(stdout) != 0) {
		cli_err("vulndb: cannot write the output");
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

static int
do_list(struct mamori_vulndb *db, const char *path, bool json)
{
	struct mamori_buf b;
	struct mamori_json j;
	struct list_ctx c = {json, &j};
	struct mamori_diag d;
	size_t records = 0, ranges = 0;
	mamori_err e;
	int rc = EXIT_OK;

	mamori_buf_init(&b, (size_t)64 << 20);
	mamori_json_init(&j, &b);
	if (json) {
		mamori_json_obj_begin(&j);
		mamori_json_kstr(&j, "database", path);
		mamori_json_key(&j, "products");
		mamori_json_arr_begin(&j);
	} else {
		printf("%s\n", path);
	}
	e = mamori_vulndb_summary(db, &records, &ranges, list_row, &c, &d);
	if (e != MAMORI_OK) {
		cli_diag("vulndb list", e, &d);
		mamori_buf_free(&b);
		return EXIT_RUNTIME;
	}
	if (json) {
		mamori_json_arr_end(&j);
		mamori_json_ku64(&j, "records", records);
		mamori_json_ku64(&j, "affected_rows", ranges);
		mamori_json_obj_end(&j);
		if (mamori_json_err(&j) != MAMORI_OK || mamori_buf_putc(&b, '\n') != MAMORI_OK) {
			cli_err("vulndb list: output too large");
			rc = EXIT_RUNTIME;
		} else {
			rc = write_json(&b);
		}
	} else {
		printf("%zu records, %zu affected version ranges\n", records, ranges);
	}
	mamori_buf_free(&b);
	return rc;
}

static int
do_match(struct mamori_vulndb *db, const char *name, const char *version, bool json)
{
	struct mamori_vuln *v = NULL;
	struct mamori_diag d;
	size_t n = 0;
	mamori_err e = mamori_vulndb_match(db, name, version, &v, &n, &d);
	int rc = EXIT_OK;

	if (e != MAMORI_OK) {
		cli_diag("vulndb match", e, &d);
		return EXIT_RUNTIME;
	}
	if (json) {
		struct mamori_buf b;
		struct mamori_json j;

		mamori_buf_init(&b, (size_t)64 << 20);
		mamori_json_init(&j, &b);
		mamori_json_obj_begin(&j);
		mamori_json_kstr(&j, "component", name);
		mamori_json_kstr(&j, "version", version);
		mamori_json_key(&j, "vulnerabilities");
		mamori_json_arr_begin(&j);
		for (size_t i = 0; i < n; i++) {
			mamori_json_obj_begin(&j);
			mamori_json_kstr(&j, "id", v[i].id);
			mamori_json_kstr(&j, "severity", v[i].severity);
			if (v[i].score >= 0) {
				mamori_json_key(&j, "score");
				mamori_json_double(&j, v[i].score);
			}
			mamori_json_key(&j, "known_exploited");
			mamori_json_bool(&j, v[i].kev);
			if (v[i].fixed[0] != '\0')
				mamori_json_kstr(&j, "fixed", v[i].fixed);
			mamori_json_kstr(&j, "summary", v[i].summary);
			mamori_json_obj_end(&j);
		}
		mamori_json_arr_end(&j);
		mamori_json_obj_end(&j);
		if (mamori_json_err(&j) != MAMORI_OK || mamori_buf_putc(&b, '\n') != MAMORI_OK) {
			cli_err("vulndb match: output too large");
			rc = EXIT_RUNTIME;
		} else {
			rc = write_json(&b);
		}
		mamori_buf_free(&b);
	} else {
		for (size_t i = 0; i < n; i++) {
			char score[16] = "-";

			if (v[i].score >= 0)
				(void)snprintf(score, sizeof(score), "%.1f", v[i].score);
			printf("%-16s %4s %-8s %-3s %s%s\n", v[i].id, score,
			    v[i].severity[0] ? v[i].severity : "-", v[i].kev ? "KEV" : "",
			    v[i].fixed[0] ? "fixed in " : "", v[i].fixed);
		}
		printf("%s %s: %zu known vulnerabilit%s\n", name, version, n, n == 1 ? "y" : "ies");
	}
	free(v);
	return rc == EXIT_OK && n > 0 ? EXIT_VERDICT : rc;
}

static int
do_import(struct mamori_vulndb *db, char **files, int nfiles, bool quiet)
{
	for (int i = 0; i < nfiles; i++) {
		struct mamori_buf b;
		struct mamori_vulndb_stats st;
		struct mamori_diag d;
		mamori_err e;

		mamori_buf_init(&b, MAMORI_VULNDB_FILE_MAX);
		e = mamori_read_file(files[i], &b);
		if (e != MAMORI_OK) {
			mamori_buf_free(&b);
			cli_err("vulndb import: %s: %s", files[i],
			    e == MAMORI_E_TOOBIG ? "larger than 512 MiB" : mamori_strerror(e));
			return EXIT_RUNTIME;
		}
		mamori_diag_clear(&d);
		e = mamori_vulndb_import(db, files[i], b.p, b.len, &st, &d);
		mamori_buf_free(&b);
		if (e != MAMORI_OK) {
			cli_diag("vulndb import", e, &d);
			return EXIT_RUNTIME;
		}
		if (!quiet)
			fprintf(stderr, "mamori: %s: %s, %zu records, %zu affected ranges%s\n",
			    files[i], st.format, st.records, st.ranges,
			    st.rejected + st.skipped > 0 ? " (some skipped)" : "");
		if (!quiet && st.rejected > 0)
			fprintf(stderr, "mamori: %s: %zu rejected or withdrawn records removed\n",
			    files[i], st.rejected);
		if (!quiet && st.skipped > 0)
			fprintf(stderr,
			    "mamori: %s: %zu GIT ranges or distribution packages skipped (their "
			    "versions are not upstream versions)\n",
			    files[i], st.skipped);
	}
	return EXIT_OK;
}

int
cmd_vulndb(int argc, char **argv)
{
	enum { O_DB = 256, O_JSON };
	static const struct option opts[] = {
	    {"db", required_argument, NULL, O_DB},
	    {"json", no_argument, NULL, O_JSON},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *dbpath = NULL, *verb;
	bool json = false, quiet = false;
	struct mamori_vulndb *db = NULL;
	struct mamori_diag d;
	mamori_err e;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (ch) {
		case O_DB:
			dbpath = optarg;
			break;
		case O_JSON:
			json = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(vulndb_usage, stdout);
			return EXIT_OK;
		default:
			fputs(vulndb_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cli_err("vulndb: what to do? (import, list, match)");
		fputs(vulndb_usage, stderr);
		return EXIT_USAGE;
	}
	verb = argv[optind++];
	dbpath = mamori_vulndb_default_path(dbpath);
	if (strcmp(verb, "import") == 0) {
		if (optind >= argc) {
			cli_err("vulndb import: which files? (NVD CVE JSON 2.0 or OSV)");
			return EXIT_USAGE;
		}
		e = mamori_vulndb_open(dbpath, true, &db, &d);
	} else if (strcmp(verb, "list") == 0 || strcmp(verb, "match") == 0) {
		if (strcmp(verb, "list") == 0 ? optind != argc : optind + 2 != argc) {
			cli_err(strcmp(verb, "list") == 0 ? "vulndb list: takes no arguments"
			                                  : "vulndb match: COMPONENT VERSION");
			return EXIT_USAGE;
		}
		e = mamori_vulndb_open(dbpath, false, &db, &d);
	} else {
		cli_err("vulndb: unknown action '%s' (import, list, match)", verb);
		return EXIT_USAGE;
	}
	if (e != MAMORI_OK) {
		cli_diag("vulndb", e, &d);
		if (e == MAMORI_E_NOTFOUND)
			cli_err(
			    "vulndb: create it with: mamori vulndb --db %s import FILE...", dbpath);
		return EXIT_RUNTIME;
	}
	if (strcmp(verb, "import") == 0)
		rc = do_import(db, argv + optind, argc - optind, quiet);
	else if (strcmp(verb, "list") == 0)
		rc = do_list(db, dbpath, json);
	else
		rc = do_match(db, argv[optind], argv[optind + 1], json);
	mamori_vulndb_close(db);
	return rc;
}
