/* SPDX-License-Identifier: MIT */
/* The vulnerability database (lib/audit/vulndb.c): the version order of
 * docs/formats/vulndb.md, NVD and OSV imports written here in the published shapes (the values
 * are made up unless a comment names the record), the must-fail imports (all or nothing), and
 * the shipped NVD data matched against the TRENDnet image's components. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check.h"
#include "mamori/finding.h"
#include "mamori/report.h"
#include "mamori/vulndb.h"

static struct mamori_vulndb *
mem(void)
{
	struct mamori_vulndb *db = NULL;
	struct mamori_diag d;

	if (mamori_vulndb_open(":memory:", true, &db, &d) != MAMORI_OK) {
		fprintf(stderr, "open: %s\n", d.msg);
		abort();
	}
	return db;
}

static mamori_err
imp(struct mamori_vulndb *db, const char *json, struct mamori_vulndb_stats *st,
    struct mamori_diag *d)
{
	mamori_diag_clear(d);
	return mamori_vulndb_import(db, "test.json", (const uint8_t *)json, strlen(json), st, d);
}

/* The ids matched for name/version, space-separated in rank order, into out. */
static const char *
ids(struct mamori_vulndb *db, const char *name, const char *version, char *out, size_t cap)
{
	struct mamori_vuln *v = NULL;
	struct mamori_diag d;
	size_t n = 0, len = 0;

	out[0] = '\0';
	if (mamori_vulndb_match(db, name, version, &v, &n, &d) != MAMORI_OK)
		return "error";
	for (size_t i = 0; i < n && len < cap; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? " " : "", v[i].id);
	free(v);
	return out;
}

static void
version_order(void)
{
	static const char *const asc[] = {"0.9.7", "0.9.8", "0.9.8g", "0.9.8za", "0.9.8zh",
	    "1.0.0-beta1", "1.0.0", "1.0.0a", "1.14.1", "1.14.10", "2.6.33.2", "2.6.33.20",
	    "2.78rc1", "2.78", "2017.75"};
	size_t n = sizeof(asc) / sizeof(asc[0]);

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			int c = mamori_version_cmp(asc[i], asc[j]);

			CHECK(i < j ? c < 0 : i > j ? c > 0 : c == 0);
			if (!(i < j ? c < 0 : i > j ? c > 0 : c == 0))
				fprintf(stderr, "  %s vs %s: %d\n", asc[i], asc[j], c);
		}
	CHECK(mamori_version_cmp("1.02", "1.2") == 0);    /* leading zeros */
	CHECK(mamori_version_cmp("2.6_1", "2.6.1") == 0); /* separators only separate */
	CHECK(mamori_version_cmp("1.0.0RC1", "1.0.0") < 0);
	CHECK(mamori_version_cmp("99999999999999999999", "1") > 0); /* no overflow */
	CHECK(mamori_version_cmp("", "") == 0);
}

/* dnsmasq's CVE-2017-14491 as NVD records it (versionEndIncluding 2.77), beside a
 * distribution entry and an AND node's platform, which must not count. */
static const char nvd_feed[] =
    "{\"format\":\"NVD_CVE\",\"version\":\"2.0\",\"vulnerabilities\":["
    "{\"cve\":{\"id\":\"CVE-2017-14491\",\"vulnStatus\":\"Modified\","
    "\"descriptions\":[{\"lang\":\"es\",\"value\":\"no\"},{\"lang\":\"en\",\"value\":\"Heap "
    "overflow in dnsmasq\"}],"
    "\"metrics\":{\"cvssMetricV31\":[{\"source\":\"x\",\"type\":\"Secondary\",\"cvssData\":"
    "{\"baseScore\":5.0,\"baseSeverity\":\"MEDIUM\"}},{\"source\":\"nvd@nist.gov\",\"type\":"
    "\"Primary\",\"cvssData\":{\"version\":\"3.1\",\"vectorString\":\"CVSS:3.1/AV:N\","
    "\"baseScore\":9.8,\"baseSeverity\":\"CRITICAL\"}}]},"
    "\"configurations\":[{\"nodes\":[{\"operator\":\"OR\",\"negate\":false,\"cpeMatch\":["
    "{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:thekelleys:dnsmasq:*:*:*:*:*:*:*:*\","
    "\"versionEndIncluding\":\"2.77\"}]}]},"
    "{\"operator\":\"AND\",\"nodes\":[{\"operator\":\"OR\",\"cpeMatch\":[{\"vulnerable\":true,"
    "\"criteria\":\"cpe:2.3:o:debian:debian_linux:9.0:*:*:*:*:*:*:*\"}]},{\"operator\":\"OR\","
    "\"cpeMatch\":[{\"vulnerable\":false,\"criteria\":\"cpe:2.3:a:thekelleys:dnsmasq:2.90:*:*:"
    "*:*:*:*:*\"}]}]}]}},"
    "{\"cve\":{\"id\":\"CVE-2099-0001\",\"vulnStatus\":\"Analyzed\",\"cisaExploitAdd\":"
    "\"2099-01-01\",\"metrics\":{\"cvssMetricV2\":[{\"type\":\"Primary\",\"cvssData\":"
    "{\"baseScore\":5.0},\"baseSeverity\":\"MEDIUM\"}]},"
    "\"configurations\":[{\"nodes\":[{\"cpeMatch\":["
    "{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:thekelleys:dnsmasq:2.45:*:*:*:*:*:*:*\"},"
    "{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:thekelleys:dnsmasq:*:*:*:*:*:*:*:*\","
    "\"versionStartExcluding\":\"2.80\",\"versionEndExcluding\":\"2.86\"}]}]}]}}]}";

static void
nvd_import_and_match(void)
{
	struct mamori_vulndb *db = mem();
	struct mamori_vulndb_stats st;
	struct mamori_vuln *v = NULL;
	struct mamori_diag d;
	char buf[256];
	size_t n = 0;

	CHECK_OK(imp(db, nvd_feed, &st, &d));
	CHECK(strcmp(st.format, "nvd") == 0);
	CHECK(st.records == 2);
	CHECK(st.ranges == 4); /* the Debian entry counts as a row; the platform does not */
	/* KEV first, then by score */
	CHECK(strcmp(ids(db, "dnsmasq", "2.45", buf, sizeof(buf)),
	          "CVE-2099-0001 CVE-2017-14491") == 0);
	CHECK(strcmp(ids(db, "dnsmasq", "2.77", buf, sizeof(buf)), "CVE-2017-14491") == 0);
	CHECK(strcmp(ids(db, "dnsmasq", "2.78", buf, sizeof(buf)), "") == 0);
	CHECK(strcmp(ids(db, "dnsmasq", "2.80", buf, sizeof(buf)), "") == 0); /* start excluded */
	CHECK(strcmp(ids(db, "dnsmasq", "2.85", buf, sizeof(buf)), "CVE-2099-0001") == 0);
	CHECK(strcmp(ids(db, "dnsmasq", "2.86", buf, sizeof(buf)), "") == 0); /* end excluded */
	CHECK(strcmp(ids(db, "dnsmasq", "unknown", buf, sizeof(buf)), "") == 0);
	CHECK(strcmp(ids(db, "busybox", "1.0", buf, sizeof(buf)), "") == 0);
	CHECK_OK(mamori_vulndb_match(db, "dnsmasq", "2.77", &v, &n, &d));
	CHECK(n == 1 && v != NULL);
	if (n == 1) {
		CHECK(v[0].score == 9.8);                      /* the Primary entry */
		CHECK(strcmp(v[0].severity, "critical") == 0); /* lower case */
		CHECK(strcmp(v[0].summary, "Heap overflow in dnsmasq") == 0); /* English */
		CHECK(!v[0].kev);
		CHECK(v[0].fixed[0] == '\0'); /* an included end names no fix */
	}
	free(v);
	CHECK_OK(mamori_vulndb_match(db, "dnsmasq", "2.85", &v, &n, &d));
	if (n == 1) {
		CHECK(v[0].kev);
		CHECK(strcmp(v[0].fixed, "2.86") == 0);
		CHECK(strcmp(v[0].severity, "medium") == 0); /* V2 keeps it beside cvssData */
	}
	free(v);
	/* importing again replaces, it does not duplicate */
	CHECK_OK(imp(db, nvd_feed, &st, &d));
	{
		size_t records = 0, ranges = 0;

		CHECK_OK(mamori_vulndb_summary(db, &records, &ranges, NULL, NULL, &d));
		CHECK(records == 2 && ranges == 4);
	}
	/* a record rejected later leaves the database */
	CHECK_OK(imp(db, "{\"id\":\"CVE-2017-14491\",\"vulnStatus\":\"Rejected\"}", &st, &d));
	CHECK(st.rejected == 1);
	CHECK(strcmp(ids(db, "dnsmasq", "2.45", buf, sizeof(buf)), "CVE-2099-0001") == 0);
	mamori_vulndb_close(db);
}

static void
nvd_shapes(void)
{
	struct mamori_vulndb *db = mem();
	struct mamori_vulndb_stats st;
	struct mamori_diag d;
	char buf[256];

	/* a single record; an escaped CPE; an update field; '*' meaning every version */
	CHECK_OK(imp(db,
	    "{\"id\":\"CVE-1\",\"sourceIdentifier\":\"x\",\"configurations\":[{\"nodes\":[{"
	    "\"cpeMatch\":[{\"vulnerable\":true,\"criteria\":"
	    "\"cpe:2.3:a:openssl:openssl:1.0.1:beta1:*:*:*:*:*:*\"},{\"vulnerable\":true,"
	    "\"criteria\":\"cpe:2.3:a:uclibc:uclibc:-:*:*:*:*:*:*:*\"},{\"vulnerable\":true,"
	    "\"criteria\":\"cpe:2.3:a:w1.fi:hostapd:0\\\\.5\\\\.9:*:*:*:*:*:*:*\"}]}]}]}",
	    &st, &d));
	CHECK(st.records == 1 && st.ranges == 3);
	CHECK(strcmp(ids(db, "openssl", "1.0.1-beta1", buf, sizeof(buf)), "CVE-1") == 0);
	CHECK(strcmp(ids(db, "openssl", "1.0.1", buf, sizeof(buf)), "") == 0);
	CHECK(strcmp(ids(db, "uclibc", "0.9.30.1", buf, sizeof(buf)), "CVE-1") == 0);
	CHECK(strcmp(ids(db, "hostapd", "0.5.9", buf, sizeof(buf)), "CVE-1") == 0);
	/* an array of single records */
	CHECK_OK(imp(db,
	    "[{\"id\":\"CVE-2\",\"vulnStatus\":\"Analyzed\",\"configurations\":[]},"
	    "{\"id\":\"CVE-3\",\"vulnStatus\":\"Analyzed\"}]",
	    &st, &d));
	CHECK(st.records == 2);
	mamori_vulndb_close(db);
}

/* Each must fail with its own message, and leave the database as it was. */
static void
must_fail(void)
{
	static const struct {
		const char *json, *msg;
	} bad[] = {
	    {"{\"vulnerabilities\":[{\"cve\":{\"id\":\"CVE-9\",\"configurations\":[]}}", "line 1"},
	    {"42", "not JSON: line 1"},
	    {"{\"hello\":1}", "neither NVD CVE JSON 2.0 nor OSV"},
	    {"{\"vulnerabilities\":[{\"cve\":{\"id\":\"CVE-9\",\"configurations\":[]}},{\"cve\":"
	     "{\"id\":\"CVE-123456789012345678901234567890123\"}}]}",
	        "record 2 (id ?): id: longer than 31 bytes"},
	    {"{\"vulnerabilities\":[{\"cve\":{\"id\":\"CVE-9\",\"configurations\":[]}},{\"cve\":"
	     "{\"id\":\"CVE 10\"}}]}",
	        "record 2 (id ?): id: missing or not an id"},
	    {"{\"vulnerabilities\":[{\"cve\":{\"id\":\"CVE-9\",\"configurations\":[]}},{\"nope\":"
	     "1}]}",
	        "no \"cve\" object"},
	    {"{\"id\":\"CVE-9\",\"configurations\":[{\"nodes\":[{\"cpeMatch\":[{\"vulnerable\":"
	     "true,\"criteria\":\"cpe:/a:x:y:1\"}]}]}]}",
	        "not a CPE 2.3 string"},
	    {"{\"id\":\"CVE-9\",\"configurations\":[{\"nodes\":[{\"cpeMatch\":[{\"vulnerable\":"
	     "true,\"criteria\":\"cpe:2.3:a:x:y:*:*:*:*:*:*:*:*\",\"versionEndExcluding\":"
	     "\"1234567890123456789012345678901234567890123456789012345678901234567890\"}]}]}]}",
	        "versionEndExcluding: longer than 63 bytes"},
	    {"{\"id\":\"CVE-9\",\"configurations\":{}}", "configurations: not an array"},
	    {"{\"id\":\"CVE-9\",\"vulnStatus\":\"x\",\"metrics\":{\"cvssMetricV31\":[{\"type\":"
	     "\"Primary\",\"cvssData\":{\"baseScore\":11}}]}}",
	        "baseScore not a number from 0 to 10"},
	    {"{\"id\":\"GHSA-1\",\"affected\":[{\"package\":{\"name\":\"x\"},\"ranges\":[{\"type\":"
	     "\"SEMVER\"}]}]}",
	        "type or events missing"},
	    {"[{\"id\":\"CVE-9\",\"vulnStatus\":\"x\"},{\"id\":\"OSV-1\",\"affected\":[]}]",
	        "not of the same format as the first record"},
	};
	struct mamori_vulndb *db = mem();
	struct mamori_vulndb_stats st;
	struct mamori_diag d;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t records = 1, ranges = 1;
		mamori_err e = imp(db, bad[i].json, &st, &d);

		CHECK(e == MAMORI_E_MALFORMED);
		CHECK(strstr(d.msg, bad[i].msg) != NULL);
		CHECK(strncmp(d.msg, "test.json: ", 11) == 0);
		if (e != MAMORI_E_MALFORMED || strstr(d.msg, bad[i].msg) == NULL)
			fprintf(stderr, "  case %zu: %s\n", i, d.msg);
		CHECK_OK(mamori_vulndb_summary(db, &records, &ranges, NULL, NULL, &d));
		CHECK(records == 0 && ranges == 0); /* all or nothing */
		CHECK(st.records == 0);
	}
	mamori_vulndb_close(db);
}

static const char osv[] =
    "[{\"schema_version\":\"1.6.0\",\"id\":\"OSV-2099-1\",\"modified\":\"2099-01-01T00:00:00Z\","
    "\"aliases\":[\"CVE-2099-7\"],\"summary\":\"a bug\",\"database_specific\":{\"severity\":"
    "\"MODERATE\"},\"severity\":[{\"type\":\"CVSS_V3\",\"score\":\"CVSS:3.1/AV:N\"}],"
    "\"affected\":[{\"package\":{\"ecosystem\":\"OSS-Fuzz\",\"name\":\"Dropbear\"},"
    "\"ranges\":[{\"type\":\"GIT\",\"events\":[{\"introduced\":\"abc\"}]},{\"type\":"
    "\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"2016.74\"},{\"introduced\":"
    "\"2018.76\"},{\"last_affected\":\"2019.78\"},{\"introduced\":\"2022.82\"}]}],"
    "\"versions\":[\"2017.75\"]},"
    "{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"dropbear\"},\"ranges\":[{\"type\":"
    "\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"2099.1-1\"}]}]}]},"
    "{\"id\":\"OSV-2099-2\",\"modified\":\"x\",\"withdrawn\":\"2099-01-02T00:00:00Z\","
    "\"affected\":[]}]";

static void
osv_import_and_match(void)
{
	struct mamori_vulndb *db = mem();
	struct mamori_vulndb_stats st;
	struct mamori_vuln *v = NULL;
	struct mamori_diag d;
	char buf[256];
	size_t n = 0;

	CHECK_OK(imp(db, osv, &st, &d));
	CHECK(strcmp(st.format, "osv") == 0);
	CHECK(st.records == 1 && st.rejected == 1);
	CHECK(st.skipped == 2); /* the GIT range and the Debian package */
	CHECK(st.ranges == 4);
	CHECK(strcmp(ids(db, "dropbear", "2016.73", buf, sizeof(buf)), "OSV-2099-1") == 0);
	CHECK(strcmp(ids(db, "dropbear", "2016.74", buf, sizeof(buf)), "") == 0);
	CHECK(strcmp(ids(db, "dropbear", "2017.75", buf, sizeof(buf)), "OSV-2099-1") == 0);
	CHECK(strcmp(ids(db, "dropbear", "2019.78", buf, sizeof(buf)), "OSV-2099-1") == 0);
	CHECK(strcmp(ids(db, "dropbear", "2020.79", buf, sizeof(buf)), "") == 0);
	CHECK(strcmp(ids(db, "dropbear", "2024.85", buf, sizeof(buf)), "OSV-2099-1") == 0);
	CHECK_OK(mamori_vulndb_match(db, "dropbear", "2016.73", &v, &n, &d));
	if (n == 1) {
		CHECK(strcmp(v[0].severity, "medium") == 0);
		CHECK(strcmp(v[0].fixed, "2016.74") == 0);
		CHECK(strcmp(v[0].summary, "a bug") == 0);
	}
	free(v);
	/* the CVE it aliases, from NVD: the OSV record is the same finding, shown once */
	CHECK_OK(imp(db,
	    "{\"id\":\"CVE-2099-7\",\"vulnStatus\":\"Analyzed\",\"configurations\":[{\"nodes\":[{"
	    "\"cpeMatch\":[{\"vulnerable\":true,\"criteria\":"
	    "\"cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:*:*:*:*:*:*:*:*\","
	    "\"versionEndExcluding\":\"2016.74\"}]}]}]}",
	    &st, &d));
	CHECK(strcmp(ids(db, "dropbear", "2016.73", buf, sizeof(buf)), "CVE-2099-7") == 0);
	CHECK(strcmp(ids(db, "dropbear", "2017.75", buf, sizeof(buf)), "OSV-2099-1") == 0);
	mamori_vulndb_close(db);
}

static void
gzip_input(void)
{
	struct mamori_vulndb *db = mem();
	struct mamori_vulndb_stats st;
	struct mamori_diag d;
	uLongf zl = compressBound(sizeof(nvd_feed)) + 64;
	uint8_t *z = malloc(zl);
	z_stream s;

	memset(&s, 0, sizeof(s));
	CHECK(z != NULL);
	if (z == NULL)
		return;
	CHECK(deflateInit2(&s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
	s.next_in = (Bytef *)(uintptr_t)nvd_feed;
	s.avail_in = (uInt)strlen(nvd_feed);
	s.next_out = z;
	s.avail_out = (uInt)zl;
	CHECK(deflate(&s, Z_FINISH) == Z_STREAM_END);
	zl = s.total_out;
	deflateEnd(&s);
	CHECK_OK(mamori_vulndb_import(db, "feed.json.gz", z, zl, &st, &d));
	CHECK(st.records == 2);
	/* cut short: a clear error, nothing imported */
	CHECK(mamori_vulndb_import(db, "cut.json.gz", z, zl / 2, &st, &d) != MAMORI_OK);
	CHECK(strncmp(d.msg, "cut.json.gz: gzip: ", 19) == 0);
	free(z);
	mamori_vulndb_close(db);
}

static void
open_errors(void)
{
	struct mamori_vulndb *db = NULL;
	struct mamori_diag d;
	FILE *f;

	CHECK(
	    mamori_vulndb_open("/nonexistent/vulndb.sqlite", false, &db, &d) == MAMORI_E_NOTFOUND);
	CHECK(strstr(d.msg, "no vulnerability database at /nonexistent") != NULL);
	CHECK(db == NULL);
	f = fopen("/tmp/mamori-test-notadb.sqlite", "w");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	fputs("this is not a database, but it is long enough to look like one to sqlite..."
	      "................................................................",
	    f);
	fclose(f);
	CHECK(mamori_vulndb_open("/tmp/mamori-test-notadb.sqlite", false, &db, &d) ==
	      MAMORI_E_MALFORMED);
	CHECK(db == NULL);
	remove("/tmp/mamori-test-notadb.sqlite");
}

/* The shipped data: the TRENDnet image's components have the CVEs NVD gives them. */
static void
shipped(void)
{
	static const char *const products[] = {"busybox", "dnsmasq", "openssl"};
	struct mamori_vulndb *db = mem();
	struct mamori_report r;
	struct mamori_component *c;
	struct mamori_diag d;
	char buf[2048];

	for (size_t i = 0; i < sizeof(products) / sizeof(products[0]); i++) {
		struct mamori_buf b;
		struct mamori_vulndb_stats st;
		char path[256];

		(void)snprintf(
		    path, sizeof(path), "%s/vulndb/nvd/%s.json", MAMORI_DATADIR, products[i]);
		mamori_buf_init(&b, MAMORI_VULNDB_FILE_MAX);
		CHECK_OK(mamori_read_file(path, &b));
		CHECK_OK(mamori_vulndb_import(db, path, b.p, b.len, &st, &d));
		mamori_buf_free(&b);
	}
	/* CVE-2017-14491: dnsmasq through 2.77; CVE-2014-0224: OpenSSL before 0.9.8za;
	 * CVE-2016-2148: BusyBox before 1.25.0 (their NVD records) */
	CHECK(strstr(ids(db, "dnsmasq", "2.45", buf, sizeof(buf)), "CVE-2017-14491") != NULL);
	CHECK(strstr(ids(db, "dnsmasq", "2.45", buf, sizeof(buf)), "CVE-2009-2957") != NULL);
	CHECK(strstr(ids(db, "dnsmasq", "2.78", buf, sizeof(buf)), "CVE-2017-14491") == NULL);
	CHECK(strstr(ids(db, "openssl", "0.9.8g", buf, sizeof(buf)), "CVE-2014-0224") != NULL);
	CHECK(strstr(ids(db, "openssl", "0.9.8za", buf, sizeof(buf)), "CVE-2014-0224") == NULL);
	CHECK(strstr(ids(db, "openssl", "0.9.8g", buf, sizeof(buf)), "CVE-2014-0160") == NULL);
	CHECK(strstr(ids(db, "openssl", "1.0.1f", buf, sizeof(buf)), "CVE-2014-0160") != NULL);
	CHECK(strstr(ids(db, "busybox", "1.14.1", buf, sizeof(buf)), "CVE-2016-2148") != NULL);

	mamori_report_init(&r);
	CHECK_OK(mamori_report_component(&r, "dnsmasq", "2.45", "/usr/sbin/dnsmasq", &c));
	CHECK_OK(mamori_report_component(&r, "openssl", "3.0.99", "/lib/libcrypto.so.3", &c));
	CHECK_OK(mamori_check_vulnerable(db, &r, &d));
	CHECK(r.nf == 1);
	if (r.nf == 1) {
		CHECK(strcmp(r.f[0].kind->id, "component.vulnerable") == 0);
		CHECK(r.f[0].severity == MAMORI_SEV_CRITICAL);
		CHECK(strcmp(r.f[0].path, "/usr/sbin/dnsmasq") == 0);
		CHECK(strstr(r.f[0].evidence, "dnsmasq 2.45: 24 known vulnerabilities") != NULL);
	}
	CHECK(r.c[0].ncves == 24);
	CHECK(r.c[1].ncves == 0);
	mamori_report_free(&r);
	mamori_vulndb_close(db);
}

int
main(void)
{
	static const struct check_case cases[] = {
	    CHECK_CASE(version_order),
	    CHECK_CASE(nvd_import_and_match),
	    CHECK_CASE(nvd_shapes),
	    CHECK_CASE(must_fail),
	    CHECK_CASE(osv_import_and_match),
	    CHECK_CASE(gzip_input),
	    CHECK_CASE(open_errors),
	    CHECK_CASE(shipped),
	};

	return check_run("test_vulndb", cases, sizeof(cases) / sizeof(cases[0]));
}
