/* SPDX-License-Identifier: MIT */
/* The HTML report: a synthetic report whose paths, evidence and components are hostile (script
 * tags, quotes, control bytes, invalid UTF-8, bidi overrides, very long evidence) and the real
 * TRENDnet TEW-733GR audit, each rendered to a temporary file and checked for structure and
 * escaping. With $MAMORI_HTML_OUT set to a directory, the pages are also written there as
 * hostile.html and trendnet.html (tests/cli/audit_html.sh opens them in headless Chromium). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "check.h"
#include "mamori/firmware.h"
#include "mamori/json.h"
#include "mamori/report.h"
#include "mamori/report_html.h"

#define HTML_MAX ((size_t)64 << 20)

/* Occurrences of needle in the NUL-terminated page. */
static size_t
count_of(const char *page, const char *needle)
{
	size_t n = 0, len = strlen(needle);
	const char *p = page;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += len;
	}
	return n;
}

/* True when needle occurs in page regardless of ASCII case. */
static bool
has_nocase(const char *page, const char *needle)
{
	size_t len = strlen(needle);

	for (; *page != '\0'; page++)
		if (strncasecmp(page, needle, len) == 0)
			return true;
	return false;
}

/* The page is valid UTF-8 without control bytes other than newline. */
static bool
clean_utf8(const char *page)
{
	const uint8_t *s = (const uint8_t *)page;
	size_t n = strlen(page), i = 0, len;
	uint32_t cp;

	while (i < n) {
		if (s[i] < 0x80) {
			if ((s[i] < 0x20 && s[i] != '\n') || s[i] == 0x7f)
				return false;
			i++;
			continue;
		}
		if ((len = mamori_utf8_seq(s + i, n - i, &cp)) == 0 || (cp >= 0x80 && cp <= 0x9f) ||
		    (cp >= 0x202a && cp <= 0x202e))
			return false;
		i += len;
	}
	return true;
}

/* Every '<' in the page opens one of the elements the writer emits (text never does). */
static bool
only_known_tags(const char *page)
{
	static const char *const known[] = {"!DOCTYPE", "html", "head", "meta", "title", "style",
	    "body", "header", "main", "section", "footer", "div", "p", "h1", "h2", "h3", "dl", "dt",
	    "dd", "code", "table", "thead", "tbody", "tr", "th", "td", "span", "strong", "br", "a",
	    "ol", "li"};
	const char *p = page;

	while ((p = strchr(p, '<')) != NULL) {
		size_t n, k;
		bool found = false;

		p++;
		if (*p == '/')
			p++;
		for (n = 0; p[n] == '!' || (p[n] >= 'a' && p[n] <= 'z') ||
		            (p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= '1' && p[n] <= '3');
		     n++)
			;
		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (strlen(known[k]) == n && strncmp(p, known[k], n) == 0)
				found = true;
		if (!found || (p[n] != '>' && p[n] != ' '))
			return false;
	}
	return true;
}

/* Every href="#finding-N" points at a row that exists (1 <= N <= nf). */
static bool
links_resolve(const char *page, size_t nf, size_t *nlinks)
{
	const char *p = page;
	size_t n = 0;

	while ((p = strstr(p, "href=\"#finding-")) != NULL) {
		unsigned long v;
		char *end;

		p += strlen("href=\"#finding-");
		v = strtoul(p, &end, 10);
		if (end == p || *end != '"' || v < 1 || v > nf)
			return false;
		n++;
	}
	*nlinks = n;
	return true;
}

/* The number shown in the summary card of a severity. */
static long
card_count(const char *page, const char *sev)
{
	char needle[64];
	const char *p;

	snprintf(needle, sizeof(needle), "id=\"count-%s\"><div class=\"n\">", sev);
	p = strstr(page, needle);
	return p != NULL ? strtol(p + strlen(needle), NULL, 10) : -1;
}

/* Renders r to a NUL-terminated string (and a temporary file, and $MAMORI_HTML_OUT/name
 * unless name is NULL). */
static char *
render(const struct mamori_report *r, const char *name)
{
	struct mamori_buf b;
	char tmp[] = "/tmp/mamori_html_XXXXXX";
	const char *dir = getenv("MAMORI_HTML_OUT");
	size_t len;
	int fd;

	mamori_buf_init(&b, HTML_MAX);
	CHECK_OK(mamori_report_html(r, "test", &b));
	CHECK_OK(mamori_buf_putc(&b, 0));
	if (b.len == 0)
		return NULL;
	fd = mkstemp(tmp);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK(write(fd, b.p, b.len - 1) == (ssize_t)(b.len - 1));
		close(fd);
		unlink(tmp);
	}
	if (dir != NULL && name != NULL) {
		char path[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, name);
		f = fopen(path, "wb");
		CHECK(f != NULL);
		if (f != NULL) {
			CHECK(fwrite(b.p, 1, b.len - 1, f) == b.len - 1);
			CHECK(fclose(f) == 0);
		}
	}
	return (char *)mamori_buf_take(&b, &len);
}

/* Structure every page has, whatever the report. */
static void
check_structure(const char *page, const struct mamori_report *r)
{
	size_t nlinks = 0;

	CHECK(strncmp(page, "<!DOCTYPE html>\n", 16) == 0);
	CHECK(strstr(page, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
	                   "'none'; style-src 'unsafe-inline'; img-src data:\">") != NULL);
	CHECK(!has_nocase(page, "<script"));
	CHECK(!has_nocase(page, "<img"));
	CHECK(!has_nocase(page, "<link"));
	CHECK(only_known_tags(page));
	CHECK(!has_nocase(page, "@import"));
	CHECK(!has_nocase(page, "url("));
	CHECK(clean_utf8(page));
	CHECK(count_of(page, "<tr") == count_of(page, "</tr>"));
	CHECK(count_of(page, "<td") == count_of(page, "</td>"));
	CHECK(count_of(page, "<code>") == count_of(page, "</code>"));
	CHECK(count_of(page, "<span") == count_of(page, "</span>"));
	CHECK(count_of(page, "<tr id=\"finding-") == r->nf);
	CHECK(count_of(page, "<tr class=\"component\">") == r->nc);
	CHECK(count_of(page, "<table class=\"conformance\">") == MAMORI_STANDARDS_N);
	CHECK(links_resolve(page, r->nf, &nlinks));
	CHECK(card_count(page, "critical") ==
	      (long)(mamori_report_count_at_least(r, MAMORI_SEV_CRITICAL)));
	CHECK(card_count(page, "high") ==
	      (long)(mamori_report_count_at_least(r, MAMORI_SEV_HIGH) -
	             mamori_report_count_at_least(r, MAMORI_SEV_CRITICAL)));
	CHECK(card_count(page, "info") ==
	      (long)(r->nf - mamori_report_count_at_least(r, MAMORI_SEV_LOW)));
	CHECK(strstr(page, "</html>\n") != NULL);
}

static void
test_hostile(void)
{
	struct mamori_report r;
	struct mamori_component *c = NULL;
	char *page, *longev;
	size_t i;

	mamori_report_init(&r);
	r.target_kind = strdup("firmware");
	r.target_path = strdup("/tmp/<script>alert(1)</script>.bin");
	memcpy(r.target_sha256, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    65);
	CHECK(r.target_kind != NULL && r.target_path != NULL);
	CHECK_OK(mamori_report_add(&r, "service.telnet", -1, "/etc/<script>alert(1)</script>", 3, 0,
	    "telnetd -l /bin/sh \"quoted\" 'single' & <b>bold</b>"));
	CHECK_OK(mamori_report_add(&r, "credential.hardcoded", MAMORI_SEV_CRITICAL,
	    "/bin/\x01\x1b[31mred\x7f", 0, 4096,
	    "ctl \x1b]0;title\x07 bell \xff\xfe bad \xc3 cut"));
	CHECK_OK(mamori_report_add(&r, "service.telnet", MAMORI_SEV_LOW,
	    "/etc/\xe2\x80\xae"
	    "evil.sh",
	    7, 0, "bidi \xe2\x80\xae override, C1 \xc2\x9b[2J"));
	CHECK_OK(mamori_report_add(&r, "service.telnet", MAMORI_SEV_INFO, NULL, 0, 0,
	    "<ScRiPt src=//x></sCrIpT><img src=x onerror=alert(1)>"));
	CHECK_OK(mamori_report_add(&r, "service.telnet", MAMORI_SEV_INFO, "/long", 0, 0, "x"));
	/* evidence far longer than the writer shows (a report built by hand, not cut at add) */
	longev = malloc(3 * MAMORI_HTML_FIELD_MAX + 1);
	CHECK(longev != NULL);
	if (longev != NULL) {
		for (i = 0; i < 3 * MAMORI_HTML_FIELD_MAX; i++)
			longev[i] = "<&>\"'a"[i % 6];
		longev[3 * MAMORI_HTML_FIELD_MAX] = '\0';
		free(r.f[4].evidence);
		r.f[4].evidence = longev;
	}
	CHECK_OK(mamori_report_component(
	    &r, "<img src=x onerror=alert(1)>", "1.0\"><script>", "/lib/'x'", &c));
	if (c != NULL) {
		CHECK_OK(mamori_component_add_cve(c, "CVE-2021-12345"));
		CHECK_OK(mamori_component_add_cve(c, "<script>x</script>"));
		c->end_of_life = true;
	}
	mamori_report_sort(&r);
	page = render(&r, "hostile.html");
	CHECK(page != NULL);
	if (page != NULL) {
		check_structure(page, &r);
		CHECK(
		    strstr(page, "<title>mamori audit report: "
		                 "/tmp/&lt;script&gt;alert(1)&lt;/script&gt;.bin</title>") != NULL);
		CHECK(strstr(page, "/etc/&lt;script&gt;alert(1)&lt;/script&gt;:3") != NULL);
		CHECK(strstr(page,
		          "&quot;quoted&quot; &#39;single&#39; &amp; &lt;b&gt;bold&lt;/b&gt;") !=
		      NULL);
		CHECK(
		    strstr(page, "<span class=\"esc\">\\x01</span><span class=\"esc\">\\x1b</span>"
		                 "[31mred<span class=\"esc\">\\x7f</span>") != NULL);
		CHECK(strstr(page, "bell <span class=\"esc\">\\xff</span><span class=\"esc\">\\xfe"
		                   "</span> bad <span class=\"esc\">\\xc3</span> cut") != NULL);
		CHECK(strstr(page, "\\xe2</span><span class=\"esc\">\\x80</span><span "
		                   "class=\"esc\">\\xae</span>evil.sh:7") != NULL);
		CHECK(strstr(page, "C1 <span class=\"esc\">\\xc2</span><span "
		                   "class=\"esc\">\\x9b</span>[2J") != NULL);
		CHECK(strstr(page, "&lt;ScRiPt src=//x&gt;&lt;/sCrIpT&gt;&lt;img") != NULL);
		CHECK(strstr(page, "offset 4096") != NULL);
		CHECK(count_of(page, "(cut at 8192 bytes)") == 1);
		CHECK(strlen(page) < 200000);
		CHECK(strstr(page, "&lt;img src=x onerror=alert(1)&gt;") != NULL);
		CHECK(strstr(page, "1.0&quot;&gt;&lt;script&gt;") != NULL);
		CHECK(strstr(page, "href=\"https://nvd.nist.gov/vuln/detail/CVE-2021-12345\"") !=
		      NULL);
		CHECK(strstr(page, "<span class=\"tag\">&lt;script&gt;x&lt;/script&gt;</span>") !=
		      NULL);
		CHECK(strstr(page, "eol-yes") != NULL);
		CHECK(card_count(page, "critical") == 1 && card_count(page, "high") == 1 &&
		      card_count(page, "low") == 1 && card_count(page, "info") == 2);
		CHECK(strstr(page, "id=\"count-total\"><div class=\"n\">5<") != NULL);
		/* service.telnet maps to provisions, so conformance links to its rows */
		CHECK(strstr(page, "<a href=\"#finding-") != NULL);
		CHECK(strstr(page, "res-fail\">Fail</span>") != NULL);
	}
	free(page);
	mamori_report_free(&r);
}

/* Random bytes, biased to HTML metacharacters and UTF-8 lead bytes, in every image field: the
 * page never holds a tag the writer did not emit, nor a control byte or invalid UTF-8. */
static void
test_random_fields(void)
{
	static const char pick[] = "<>&\"'/=sScript \x01\x1b\x7f\x80\xc2\xe2\xf0\xff\xae\x9b";
	uint32_t seed = 0x6d616d6fu;
	char field[4][200];
	int round;

	for (round = 0; round < 200; round++) {
		struct mamori_report r;
		struct mamori_component *c = NULL;
		char *page;
		size_t k, i, n;

		for (k = 0; k < 4; k++) {
			seed = seed * 1103515245u + 12345u;
			n = (seed >> 16) % (sizeof(field[k]) - 1);
			for (i = 0; i < n; i++) {
				seed = seed * 1103515245u + 12345u;
				field[k][i] = (seed >> 8) % 4 == 0
				                  ? (char)(seed >> 16 & 0xff)
				                  : pick[(seed >> 16) % (sizeof(pick) - 1)];
				if (field[k][i] == '\0')
					field[k][i] = '<';
			}
			field[k][n] = '\0';
		}
		mamori_report_init(&r);
		r.target_path = strdup(field[0]);
		r.target_kind = strdup(field[1]);
		CHECK_OK(mamori_report_add(&r, "service.telnet", -1, field[2], 1, 0, field[3]));
		CHECK_OK(mamori_report_component(&r, field[3], field[2], field[1], &c));
		if (c != NULL && field[0][0] != '\0') {
			mamori_err ce = mamori_component_add_cve(c, field[0]);

			CHECK(ce == MAMORI_OK || ce == MAMORI_E_TOOBIG);
		}
		page = render(&r, NULL);
		CHECK(page != NULL);
		if (page != NULL) {
			CHECK(only_known_tags(page));
			CHECK(clean_utf8(page));
			CHECK(!has_nocase(page, "<script"));
			CHECK(count_of(page, "<tr id=\"finding-") == 1);
		}
		free(page);
		mamori_report_free(&r);
	}
}

static void
test_empty_and_errors(void)
{
	struct mamori_report r;
	struct mamori_buf b;
	char *page;

	mamori_report_init(&r);
	page = render(&r, "empty.html");
	CHECK(page != NULL);
	if (page != NULL) {
		check_structure(page, &r);
		CHECK(strstr(page, "<title>mamori audit report: (no target)</title>") != NULL);
		CHECK(strstr(page, "No findings.") != NULL);
		CHECK(strstr(page, "No components identified.") != NULL);
	}
	free(page);
	/* a cap too small: an error and nothing appended */
	CHECK_OK(mamori_report_add(&r, "service.telnet", -1, "/etc/x", 1, 0, "telnetd"));
	mamori_buf_init(&b, 3000);
	CHECK_OK(mamori_buf_append(&b, "keep", 4));
	CHECK(mamori_report_html(&r, "test", &b) == MAMORI_E_TOOBIG);
	CHECK(b.len == 4 && memcmp(b.p, "keep", 4) == 0);
	CHECK(mamori_report_html(NULL, "test", &b) == MAMORI_E_INVAL);
	CHECK(mamori_report_html(&r, NULL, &b) == MAMORI_E_INVAL);
	CHECK(mamori_report_html(&r, "test", NULL) == MAMORI_E_INVAL);
	mamori_buf_free(&b);
	mamori_report_free(&r);
}

static void
test_trendnet(void)
{
	struct mamori_fw_opts o;
	struct mamori_report r;
	struct mamori_unpack_log log;
	struct mamori_diag d = {0};
	char path[4096];
	char *page;

	snprintf(path, sizeof(path), "%s/firmware/trendnet_tew733gr_v1.02b01_rootfs.squashfs",
	    check_shared_data());
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "test_report_html: %s not found, TRENDnet case skipped\n", path);
		return;
	}
	mamori_fw_opts_default(&o);
	o.data_dir = "data";
	mamori_report_init(&r);
	mamori_unpack_log_init(&log);
	CHECK_OK(mamori_fw_audit(path, &o, &r, &log, &d));
	mamori_report_sort(&r);
	CHECK(r.nf > 5 && r.nc >= 6);
	page = render(&r, "trendnet.html");
	CHECK(page != NULL);
	if (page != NULL) {
		check_structure(page, &r);
		CHECK(strstr(page, "trendnet_tew733gr_v1.02b01_rootfs.squashfs</title>") != NULL);
		CHECK(strstr(page, "68d93fcc7e354362") != NULL);
		CHECK(strstr(page, "/etc/init0.d/S80telnetd.sh") != NULL);
		CHECK(strstr(page, "Alphanetworks") != NULL);
		CHECK(strstr(page, "<code>service.telnet</code>") != NULL);
		CHECK(strstr(page, "<strong>dnsmasq</strong></td><td>2.45<") != NULL ||
		      strstr(page, "<strong>Dnsmasq</strong></td><td>2.45<") != NULL);
		CHECK(card_count(page, "critical") >= 1);
		CHECK(strstr(page, "ETSI EN 303 645") != NULL);
		CHECK(strstr(page, "id=\"std-owasp-iot-2018\"") != NULL);
	}
	free(page);
	mamori_unpack_log_free(&log);
	mamori_report_free(&r);
}

int
main(void)
{
	static const struct check_case cases[] = {
	    CHECK_CASE(test_hostile),
	    CHECK_CASE(test_random_fields),
	    CHECK_CASE(test_empty_and_errors),
	    CHECK_CASE(test_trendnet),
	};

	return check_run("test_report_html", cases, sizeof(cases) / sizeof(cases[0]));
}
