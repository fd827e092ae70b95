/* SPDX-License-Identifier: MIT */
/* SARIF 2.1.0 and CycloneDX 1.5 writers (report_std.h): shape checks here, and every document
 * validated against the published schemas in tests/schemas/ (README.md there says where they
 * come from) by tests/schemas/validate.py with Debian's python3-jsonschema. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "mamori/firmware.h"
#include "mamori/report.h"
#include "mamori/report_std.h"

#define PYTHON       "/usr/bin/python3"
#define VALIDATE     "tests/schemas/validate.py"
#define SARIF_SCHEMA "tests/schemas/sarif-2.1.0-rtm.5.json"
#define CDX_SCHEMA   "tests/schemas/bom-1.5.SNAPSHOT.schema.json"
#define OUT_MAX      ((size_t)64 << 20)

/* Writes n bytes to a temporary file and validates it against schema: the exit status of
 * validate.py (0 valid, 1 invalid, 2 usage), or -1 when it could not run. quiet drops the
 * errors it prints, for documents that are meant to fail. */
static int
validate_q(const char *schema, const uint8_t *p, size_t n, bool quiet)
{
	char path[] = "/tmp/mamori-report-std-XXXXXX";
	char cmd[512];
	FILE *f;
	int fd, st;

	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "wb");
	if (f == NULL) {
		close(fd);
		unlink(path);
		return -1;
	}
	if (fwrite(p, 1, n, f) != n) {
		fclose(f);
		unlink(path);
		return -1;
	}
	if (fclose(f) != 0) {
		unlink(path);
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "%s %s %s %s%s", PYTHON, VALIDATE, schema, path,
	    quiet ? " 2>/dev/null" : "");
	st = system(cmd);
	unlink(path);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int
validate(const char *schema, const uint8_t *p, size_t n)
{
	return validate_q(schema, p, n, false);
}

static int
invalid(const char *schema, const uint8_t *p, size_t n)
{
	return validate_q(schema, p, n, true) == 1;
}

static size_t
count(const struct mamori_buf *b, const char *needle)
{
	size_t n = 0, k = strlen(needle), i;

	for (i = 0; i + k <= b->len; i++)
		if (memcmp(b->p + i, needle, k) == 0)
			n++;
	return n;
}

static bool
has(const struct mamori_buf *b, const char *needle)
{
	return count(b, needle) > 0;
}

/* Replaces the first from (which must occur) by to, in place or growing b. */
static bool
replace(struct mamori_buf *b, const char *from, const char *to)
{
	size_t k = strlen(from), t = strlen(to), i;
	struct mamori_buf nb;

	for (i = 0; i + k <= b->len; i++) {
		if (memcmp(b->p + i, from, k) != 0)
			continue;
		mamori_buf_init(&nb, b->max);
		if (mamori_buf_append(&nb, b->p, i) != MAMORI_OK ||
		    mamori_buf_append(&nb, to, t) != MAMORI_OK ||
		    mamori_buf_append(&nb, b->p + i + k, b->len - i - k) != MAMORI_OK) {
			mamori_buf_free(&nb);
			return false;
		}
		mamori_buf_free(b);
		*b = nb;
		return true;
	}
	return false;
}

/* Every catalog kind once, at every kind of location, with hostile evidence and paths; and
 * components with CVEs (one shared by two components, one listed twice, one OSV id). */
static void
synthetic(struct mamori_report *r)
{
	static const char *const paths[] = {"/etc/init.d/rcS", "/weird dir/100%#?.conf",
	    "/bin/\x01\xff\xfe", NULL, "/", "/usr/sbin/telnetd"};
	const struct mamori_finding_kind *k;
	struct mamori_component *c;
	size_t n, i;

	mamori_report_init(r);
	r->target_kind = strdup("firmware");
	r->target_path = strdup("/images/fw dir/router.bin");
	memcpy(r->target_sha256, "68d93fcc7e354362aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    65);
	k = mamori_finding_kinds(&n);
	for (i = 0; i < n; i++) {
		CHECK_OK(mamori_report_add(r, k[i].id, i % 7 == 3 ? (int)MAMORI_SEV_INFO : -1,
		    paths[i % 6], (uint32_t)(i % 3 == 0 ? i + 1 : 0), i % 3 == 1 ? 4096 : 0,
		    i % 4 == 0 ? "tab\there\x1b[31m red\x7f nul-free \xc3\x28 bad \xff\xfe \"q\" \\"
		               : (i % 4 == 1 ? NULL : "telnetd -l /bin/sh \xe2\x98\x85 ok")));
	}
	CHECK_OK(mamori_report_add(r, "service.telnet", -1, "/etc/init0.d/S80telnetd.sh", 12, 0,
	    "telnetd -l /usr/sbin/login -u Alphanetworks:$image_sign"));
	CHECK_OK(mamori_report_add(r, "key.private", -1, "/etc/key.pem", 0, 0, ""));
	mamori_report_sort(r);
	CHECK_OK(mamori_report_component(r, "linux", "2.6.33.2", "/lib/modules/2.6.33.2", &c));
	CHECK_OK(mamori_report_component(r, "BusyBox", "1.14.1", "/bin/busybox", &c));
	CHECK_OK(mamori_component_add_cve(c, "CVE-2016-2148"));
	CHECK_OK(mamori_component_add_cve(c, "CVE-2011-2716"));
	c->end_of_life = true;
	CHECK_OK(mamori_report_component(r, "dnsmasq", "2.45", "/usr/sbin/dnsmasq", &c));
	CHECK_OK(mamori_component_add_cve(c, "CVE-2017-14491"));
	CHECK_OK(mamori_component_add_cve(c, "CVE-2011-2716"));
	CHECK_OK(mamori_report_component(r, "openssl", "0.9.8g", "/lib/libssl.so.0.9.8", &c));
	CHECK_OK(mamori_component_add_cve(c, "GHSA-xxxx-2222-abcd"));
	CHECK_OK(mamori_report_component(r, "uclibc", NULL, NULL, &c));
	CHECK_OK(mamori_report_component(r, "odd name/\x01", "1.0+b 2", "/lib/odd\xff", &c));
}

static void
test_sarif_synthetic(void)
{
	struct mamori_report r;
	struct mamori_buf b;
	size_t n;

	synthetic(&r);
	(void)mamori_finding_kinds(&n);
	mamori_buf_init(&b, OUT_MAX);
	CHECK_OK(mamori_report_sarif(&r, "0.9.0-test", &b));
	CHECK(b.len > 0 && b.p[b.len - 1] == '\n');
	CHECK(count(&b, "\"ruleId\":") == r.nf);
	CHECK(count(&b, "\"defaultConfiguration\":") == n); /* every kind used: one rule each */
	CHECK(has(&b, "\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\""));
	CHECK(has(&b, "\"uri\":\"etc/init0.d/S80telnetd.sh\",\"uriBaseId\":\"ROOTFS\""));
	CHECK(has(&b, "\"region\":{\"startLine\":12}"));
	CHECK(has(&b, "\"region\":{\"byteOffset\":4096}"));
	CHECK(has(&b, "\"uri\":\"weird%20dir/100%25%23%3F.conf\""));
	CHECK(has(&b, "\"uri\":\"bin/%01%FF%FE\""));
	CHECK(has(&b, "\"uri\":\".\""));
	CHECK(!has(&b, "\"uri\":\"/"));
	CHECK(has(&b, "\"name\":\"ServiceConfiguredNotStarted\""));
	CHECK(has(&b, "\"tags\":[\"ETSI EN 303 645 5.1-1\""));
	CHECK(has(&b, "\"level\":\"error\""));
	CHECK(has(&b, "\"level\":\"warning\""));
	CHECK(has(&b, "\"level\":\"note\""));
	CHECK(!has(&b, "\x1b") && !has(&b, "\xff"));
	CHECK(has(&b, "\\u001b[31m"));
	CHECK(!has(&b, "informationUri"));
	CHECK(validate(SARIF_SCHEMA, b.p, b.len) == 0);
	/* the check can fail: a wrong version and a non-integer line are both rejected */
	CHECK(replace(&b, "\"version\":\"2.1.0\"", "\"version\":\"2.1.1\""));
	CHECK(invalid(SARIF_SCHEMA, b.p, b.len));
	CHECK(replace(&b, "\"version\":\"2.1.1\"", "\"version\":\"2.1.0\""));
	CHECK(validate(SARIF_SCHEMA, b.p, b.len) == 0);
	CHECK(replace(&b, "\"startLine\":12", "\"startLine\":\"12\""));
	CHECK(invalid(SARIF_SCHEMA, b.p, b.len));
	mamori_buf_free(&b);
	mamori_report_free(&r);
}

static void
test_sarif_empty_and_errors(void)
{
	struct mamori_report r;
	struct mamori_buf b;

	mamori_report_init(&r);
	mamori_buf_init(&b, OUT_MAX);
	CHECK_OK(mamori_report_sarif(&r, "1", &b));
	CHECK(has(&b, "\"rules\":[]") && has(&b, "\"results\":[]"));
	CHECK(validate(SARIF_SCHEMA, b.p, b.len) == 0);
	CHECK(mamori_report_sarif(NULL, "1", &b) == MAMORI_E_INVAL);
	CHECK(mamori_report_sarif(&r, NULL, &b) == MAMORI_E_INVAL);
	mamori_buf_free(&b);
	/* out of room: nothing half-written is left behind */
	synthetic(&r);
	mamori_buf_init(&b, 600);
	CHECK_OK(mamori_buf_printf(&b, "keep"));
	CHECK(mamori_report_sarif(&r, "1", &b) == MAMORI_E_TOOBIG);
	CHECK(b.len == 4 && memcmp(b.p, "keep", 4) == 0);
	CHECK(mamori_report_cyclonedx(&r, "1", &b) == MAMORI_E_TOOBIG);
	CHECK(b.len == 4);
	mamori_buf_free(&b);
	mamori_report_free(&r);
}

static void
test_cyclonedx_synthetic(void)
{
	struct mamori_report r;
	struct mamori_buf b, b2;
	const char *s, *s2;

	synthetic(&r);
	mamori_buf_init(&b, OUT_MAX);
	mamori_buf_init(&b2, OUT_MAX);
	CHECK_OK(mamori_report_cyclonedx(&r, "0.9.0-test", &b));
	CHECK_OK(mamori_report_cyclonedx(&r, "0.9.0-test", &b2));
	CHECK(b.len > 0 && b.p[b.len - 1] == '\n');
	CHECK(has(&b,
	    "\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"serialNumber\":\"urn:uuid:"));
	s = strstr((const char *)b.p, "urn:uuid:");
	CHECK(s != NULL && s[23] == '4' && strchr("89ab", s[28]) != NULL);
	s2 = strstr((const char *)b2.p, "urn:uuid:");
	CHECK(s != NULL && s2 != NULL && memcmp(s, s2, 45) != 0); /* random per document */
	CHECK(has(&b, "\"type\":\"firmware\",\"bom-ref\":\"target\",\"name\":\"router.bin\""));
	CHECK(has(&b, "{\"alg\":\"SHA-256\",\"content\":\"68d93fcc7e354362"));
	CHECK(has(&b,
	    "\"tools\":{\"components\":[{\"type\":\"application\",\"name\":\"mamori\",\"version\":\"0.9.0-test\"}]}"));
	CHECK(has(
	    &b, "{\"type\":\"operating-system\",\"bom-ref\":\"component-1\",\"name\":\"linux\""));
	CHECK(
	    has(&b, "{\"type\":\"application\",\"bom-ref\":\"component-2\",\"name\":\"BusyBox\""));
	CHECK(has(&b, "{\"type\":\"library\",\"bom-ref\":\"component-4\",\"name\":\"openssl\""));
	CHECK(has(&b, "\"purl\":\"pkg:generic/busybox@1.14.1\""));
	CHECK(has(&b, "\"purl\":\"pkg:generic/odd%20name%2F%01@1.0%2Bb%202\""));
	CHECK(count(&b, "\"purl\":") == 5); /* uclibc has no version */
	CHECK(has(&b, "{\"name\":\"mamori:path\",\"value\":\"/bin/busybox\"}"));
	CHECK(has(&b, "{\"name\":\"mamori:end-of-life\",\"value\":\"true\"}"));
	CHECK(count(&b, "{\"id\":\"CVE-") == 3);
	CHECK(has(&b,
	    "{\"id\":\"CVE-2011-2716\",\"source\":{\"name\":\"NVD\",\"url\":\"https://nvd.nist.gov/vuln/detail/CVE-2011-2716\"},\"affects\":[{\"ref\":\"component-2\"},{\"ref\":\"component-3\"}]}"));
	CHECK(has(&b, "{\"id\":\"GHSA-xxxx-2222-abcd\",\"source\":{\"name\":\"OSV\""));
	CHECK(validate(CDX_SCHEMA, b.p, b.len) == 0);
	CHECK(validate(CDX_SCHEMA, b2.p, b2.len) == 0);
	/* the check can fail: a bad serial number and an unknown component type are rejected */
	CHECK(replace(&b, "\"serialNumber\":\"urn:uuid:", "\"serialNumber\":\"urn:uid:"));
	CHECK(invalid(CDX_SCHEMA, b.p, b.len));
	CHECK(replace(&b2, "\"type\":\"library\"", "\"type\":\"librarian\""));
	CHECK(invalid(CDX_SCHEMA, b2.p, b2.len));
	mamori_buf_free(&b);
	mamori_buf_free(&b2);
	mamori_report_free(&r);
}

static void
test_cyclonedx_empty(void)
{
	struct mamori_report r;
	struct mamori_buf b;

	mamori_report_init(&r);
	mamori_buf_init(&b, OUT_MAX);
	CHECK_OK(mamori_report_cyclonedx(&r, "1", &b));
	CHECK(has(&b, "\"name\":\"target\"") && !has(&b, "\"hashes\""));
	CHECK(has(&b, "\"components\":[],\"vulnerabilities\":[]"));
	CHECK(validate(CDX_SCHEMA, b.p, b.len) == 0);
	CHECK(mamori_report_cyclonedx(&r, "1", NULL) == MAMORI_E_INVAL);
	mamori_buf_free(&b);
	/* a version too long for a purl: the component is still listed, without one */
	{
		struct mamori_component *c;
		char big[3000];

		memset(big, '%', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		CHECK_OK(mamori_report_component(&r, "busybox", big, NULL, &c));
		mamori_buf_init(&b, OUT_MAX);
		CHECK_OK(mamori_report_cyclonedx(&r, "1", &b));
		CHECK(has(&b, "\"name\":\"busybox\",\"version\":\"%%%") && !has(&b, "\"purl\""));
		CHECK(validate(CDX_SCHEMA, b.p, b.len) == 0);
		mamori_buf_free(&b);
	}
	/* a directory target is named by its last element */
	r.target_kind = strdup("device");
	r.target_path = strdup("/srv/rootfs//");
	mamori_buf_init(&b, OUT_MAX);
	CHECK_OK(mamori_report_cyclonedx(&r, "1", &b));
	CHECK(has(&b, "\"type\":\"device\",\"bom-ref\":\"target\",\"name\":\"rootfs\""));
	CHECK(validate(CDX_SCHEMA, b.p, b.len) == 0);
	mamori_buf_free(&b);
	mamori_report_free(&r);
}

static void
test_trendnet(void)
{
	struct mamori_fw_opts o;
	struct mamori_report r;
	struct mamori_unpack_log log;
	struct mamori_diag d;
	struct mamori_buf b;
	char path[1024];
	size_t i, ncves = 0;

	snprintf(path, sizeof(path), "%s/firmware/trendnet_tew733gr_v1.02b01_rootfs.squashfs",
	    check_shared_data());
	mamori_fw_opts_default(&o);
	o.data_dir = "data";
	mamori_report_init(&r);
	mamori_unpack_log_init(&log);
	CHECK_OK(mamori_fw_audit(path, &o, &r, &log, &d));
	mamori_report_sort(&r);
	CHECK(r.nf > 0 && r.nc > 0);
	mamori_buf_init(&b, OUT_MAX);
	CHECK_OK(mamori_report_sarif(&r, "0.9.0-test", &b));
	CHECK(has(&b, "\"ruleId\":\"service.telnet\""));
	CHECK(has(&b, "\"uri\":\"etc/init0.d/S80telnetd.sh\""));
	CHECK(has(&b, "\"targetSha256\":\"68d93fcc7e354362"));
	CHECK(validate(SARIF_SCHEMA, b.p, b.len) == 0);
	mamori_buf_reset(&b);
	CHECK_OK(mamori_report_cyclonedx(&r, "0.9.0-test", &b));
	CHECK(has(&b, "\"name\":\"trendnet_tew733gr_v1.02b01_rootfs.squashfs\""));
	CHECK(has(&b, "\"content\":\"68d93fcc7e354362"));
	CHECK(has(&b, "\"purl\":\"pkg:generic/busybox@1.14.1\""));
	CHECK(has(&b, "\"purl\":\"pkg:generic/dnsmasq@2.45\""));
	for (i = 0; i < r.nc; i++)
		ncves += r.c[i].ncves;
	/* CVEs become vulnerabilities once a component lists some */
	CHECK(ncves > 0 ? has(&b, "\"source\":{\"name\":\"NVD\"")
	                : has(&b, "\"vulnerabilities\":[]"));
	CHECK(validate(CDX_SCHEMA, b.p, b.len) == 0);
	mamori_buf_free(&b);
	mamori_unpack_log_free(&log);
	mamori_report_free(&r);
}

int
main(void)
{
	static const struct check_case cases[] = {
	    CHECK_CASE(test_sarif_synthetic),
	    CHECK_CASE(test_sarif_empty_and_errors),
	    CHECK_CASE(test_cyclonedx_synthetic),
	    CHECK_CASE(test_cyclonedx_empty),
	    CHECK_CASE(test_trendnet),
	};

	return check_run("test_report_std", cases, sizeof(cases) / sizeof(cases[0]));
}
