/* SPDX-License-Identifier: MIT */
/* mamori audit firmware: glue between the firmware audit library and output. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "mamori/finding.h"
#include "mamori/firmware.h"
#include "mamori/report.h"
#include "mamori/report_html.h"
#include "mamori/report_std.h"

static const char audit_usage[] =
    "usage: mamori audit firmware IMAGE|DIR [options]\n"
    "\n"
    "Unpacks a firmware image in memory (nothing is written to disk) or reads a root file\n"
    "system directory, and reports what makes the device easy prey: default and hard-coded\n"
    "passwords, Telnet and other insecure services started at boot, shells on the serial\n"
    "console, private keys, outdated components, binaries without exploit mitigations, world-\n"
    "writable and set-uid files, unverified update scripts. Each finding carries a remediation\n"
    "and the provisions of ETSI EN 303 645, JC-STAR, OWASP IoT Top 10 and the EU CRA it maps to.\n"
    "Component versions (BusyBox, dnsmasq, OpenSSL, the kernel, ...) are matched against the\n"
    "vulnerability database of `mamori vulndb` (NVD and OSV records; CVE ids in the report).\n"
    "\n"
    "options:\n"
    "  --format FORMAT      text: a summary for people (default on a terminal)\n"
    "                       json: the full report (default otherwise; docs/findings.md)\n"
    "                       sarif: SARIF 2.1.0 for code-scanning dashboards\n"
    "                       cyclonedx: a CycloneDX 1.5 SBOM of the components found\n"
    "                       html: one self-contained page to hand to a customer\n"
    "  -o, --output FILE    write the report to FILE\n"
    "  --creds FILE         more user:password pairs to try on password hashes (repeatable)\n"
    "  --fail-on SEVERITY   exit 1 when a finding is at least this severe\n"
    "                       (critical, high, medium, low, info)\n"
    "  --top N              findings listed in the text summary (default 15)\n"
    "  --vulndb FILE        the vulnerability database (default: $MAMORI_VULNDB, else the\n"
    "                       one built from data/vulndb; see mamori vulndb --help)\n"
    "  -q, --quiet          no unpacking log and no progress line on standard error\n"
    "                       (progress is shown only when standard error is a terminal)\n"
    "\n"
    "Containers found at any offset and opened recursively: SquashFS 2, 3 and 4 in both byte\n"
    "orders (gzip, LZMA including vendor LZMA, LZO, xz, LZ4, zstd), JFFS2, UBI and UBIFS, CPIO\n"
    "and tar (and the images stored as files inside them), legacy U-Boot uImage and TRX headers,\n"
    "gzip, xz, LZMA-alone, bzip2 and zstd streams. Caps on total size, expansion ratio, nesting\n"
    "and file count stop decompression bombs. On a terminal, a progress line shows the stage.\n"
    "\n"
    "examples:\n"
    "  mamori audit firmware router.bin\n"
    "  mamori audit firmware rootfs/ --format json -o report.json --fail-on high\n"
    "\n"
    "Exit codes: 0 done (nothing at --fail-on), 1 a finding at --fail-on or above, 2 usage,\n"
    "3 the input could not be read or holds no Linux file system.\n";

enum { F_TEXT = 0, F_JSON, F_SARIF, F_CYCLONEDX, F_HTML };

/* Progress on a terminal: one line on standard error, rewritten at most ten times a second and
 * whenever the stage changes, erased at the end. Nothing when stderr is not a terminal. */
struct progress {
	const char *stage;
	struct timespec last;
	const char *target;
};

static void
progress(void *ctx, const char *stage, uint64_t done, uint64_t total)
{
	struct progress *p = ctx;
	struct timespec now;
	char amount[64] = "";

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (p->stage != NULL && strcmp(p->stage, stage) == 0 &&
	    (now.tv_sec - p->last.tv_sec) * 1000 + (now.tv_nsec - p->last.tv_nsec) / 1000000 < 100)
		return;
	p->stage = stage;
	p->last = now;
	if (strcmp(stage, "done") == 0) {
		fputs("\r\033[K", stderr);
		cli_progress_line = 0;
		return;
	}
	if (total > 0 && (strcmp(stage, "reading") == 0 || strcmp(stage, "hashing") == 0 ||
	                     strcmp(stage, "unpacking") == 0))
		(void)snprintf(amount, sizeof(amount), " %.1f of %.1f MiB",
		    (double)done / (1 << 20), (double)total / (1 << 20));
	else if (total > 0)
		(void)snprintf(amount, sizeof(amount), " (check %llu of %llu)",
		    (unsigned long long)done + 1, (unsigned long long)total);
	fprintf(stderr, "\r\033[Kmamori: %s: %s%s", p->target, stage, amount);
	fflush(stderr);
	cli_progress_line = 1;
}

int
cmd_audit(int argc, char **argv)
{
	enum { O_FORMAT = 256, O_CREDS, O_FAILON, O_TOP, O_VULNDB };
	static const struct option opts[] = {
	    {"format", required_argument, NULL, O_FORMAT},
	    {"output", required_argument, NULL, 'o'},
	    {"creds", required_argument, NULL, O_CREDS},
	    {"fail-on", required_argument, NULL, O_FAILON},
	    {"top", required_argument, NULL, O_TOP},
	    {"vulndb", required_argument, NULL, O_VULNDB},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *creds[16];
	size_t ncreds = 0, top = 15;
	const char *outpath = NULL, *vulndb = NULL;
	int json = -1, ch, rc = EXIT_OK;
	bool quiet = false, fail_set = false;
	enum mamori_severity fail_on = MAMORI_SEV_CRITICAL;
	struct mamori_fw_opts fo;
	struct progress prog = {NULL, {0, 0}, NULL};
	struct mamori_report r;
	struct mamori_unpack_log log;
	struct mamori_diag d;
	struct mamori_buf out;
	mamori_err e;
	FILE *f = stdout;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(audit_usage, stdout);
		return EXIT_OK;
	}
	if (argc < 2 || strcmp(argv[1], "firmware") != 0) {
		cli_err(argc < 2 ? "audit: what to audit? (firmware)"
		                 : "audit: unknown target '%s' (firmware)",
		    argc < 2 ? "" : argv[1]);
		fputs(audit_usage, stderr);
		return EXIT_USAGE;
	}
	argc--;
	argv++;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
		char *end;

		switch (ch) {
		case O_FORMAT:
			if (strcmp(optarg, "json") == 0) {
				json = F_JSON;
			} else if (strcmp(optarg, "text") == 0) {
				json = F_TEXT;
			} else if (strcmp(optarg, "sarif") == 0) {
				json = F_SARIF;
			} else if (strcmp(optarg, "cyclonedx") == 0) {
				json = F_CYCLONEDX;
			} else if (strcmp(optarg, "html") == 0) {
				json = F_HTML;
			} else {
				cli_err(
				    "--format: '%s' is not text, json, sarif, cyclonedx or html",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 'o':
			outpath = optarg;
			break;
		case O_CREDS:
			if (ncreds >= sizeof(creds) / sizeof(creds[0])) {
				cli_err("--creds: at most 16 files");
				return EXIT_USAGE;
			}
			creds[ncreds++] = optarg;
			break;
		case O_FAILON:
			if (mamori_severity_parse(optarg, &fail_on) != MAMORI_OK) {
				cli_err(
				    "--fail-on: '%s' is not critical, high, medium, low or info",
				    optarg);
				return EXIT_USAGE;
			}
			fail_set = true;
			break;
		case O_TOP:
			top = strtoul(optarg, &end, 10);
			if (optarg[0] < '0' || optarg[0] > '9' || *end != '\0' || top > 100000) {
				cli_err("--top: '%s' is not a number up to 100000", optarg);
				return EXIT_USAGE;
			}
			break;
		case O_VULNDB:
			vulndb = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(audit_usage, stdout);
			return EXIT_OK;
		default:
			fputs(audit_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		cli_err("audit firmware: give exactly one IMAGE or DIR");
		return EXIT_USAGE;
	}
	if (json < 0)
		json = outpath != NULL || !isatty(STDOUT_FILENO) ? F_JSON : F_TEXT;
	mamori_fw_opts_default(&fo);
	if (getenv("MAMORI_DATA_DIR") != NULL)
		fo.data_dir = getenv("MAMORI_DATA_DIR");
	fo.creds_files = creds;
	fo.ncreds_files = ncreds;
	fo.vulndb = vulndb;
	if (!quiet && isatty(STDERR_FILENO)) {
		prog.target = argv[optind];
		fo.progress = progress;
		fo.progress_ctx = &prog;
	}
	mamori_report_init(&r);
	mamori_unpack_log_init(&log);
	mamori_diag_clear(&d);
	e = mamori_fw_audit(argv[optind], &fo, &r, &log, &d);
	if (cli_progress_line) {
		fputs("\r\033[K", stderr);
		cli_progress_line = 0;
	}
	if (!quiet && log.text.len > 0)
		fprintf(stderr, "mamori: unpacking %s:\n%.*s", argv[optind], (int)log.text.len,
		    (const char *)log.text.p);
	if (e != MAMORI_OK && e != MAMORI_E_NOTFOUND) {
		cli_diag(argv[optind], e, &d);
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (e == MAMORI_E_NOTFOUND) {
		cli_diag(argv[optind], e, &d);
		rc = EXIT_RUNTIME;
	}
	mamori_buf_init(&out, (size_t)256 << 20);
	switch (json) {
	case F_JSON:
		e = mamori_report_json(&r, MAMORI_VERSION, &out);
		break;
	case F_SARIF:
		e = mamori_report_sarif(&r, MAMORI_VERSION, &out);
		break;
	case F_CYCLONEDX:
		e = mamori_report_cyclonedx(&r, MAMORI_VERSION, &out);
		break;
	case F_HTML:
		e = mamori_report_html(&r, MAMORI_VERSION, &out);
		break;
	default:
		e = mamori_report_text(&r, outpath == NULL && isatty(STDOUT_FILENO), top, &out);
		break;
	}
	if (e != MAMORI_OK) {
		cli_err("report: %s", mamori_strerror(e));
		mamori_buf_free(&out);
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (outpath != NULL) {
		f = fopen(outpath, "w");
		if (f == NULL) {
			cli_err("%s: cannot open for writing: %s", outpath, strerror(errno));
			mamori_buf_free(&out);
			rc = EXIT_RUNTIME;
			goto out;
		}
	}
	if (fwrite(out.p, 1, out.len, f) != out.len || (f != stdout ? fclose(f) : fflush(f)) != 0) {
		cli_err("%s: write error", outpath ? outpath : "standard output");
		rc = EXIT_RUNTIME;
	}
	mamori_buf_free(&out);
	if (rc == EXIT_OK && fail_set && mamori_report_count_at_least(&r, fail_on) > 0)
		rc = EXIT_VERDICT;
out:
	mamori_unpack_log_free(&log);
	mamori_report_free(&r);
	return rc;
}
