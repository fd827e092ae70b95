/* SPDX-License-Identifier: MIT */
/* The finding catalog, the report model, conformance and the JSON and text writers. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "check.h"
#include "mamori/buf.h"
#include "mamori/finding.h"
#include "mamori/report.h"

#define NSTD_SLOTS 8 /* sizeof(kind->standards) / sizeof(kind->standards[0]) */

/* DESIGN.md §4 and the additions. */
static const char *const required_ids[] = {
    "account.empty-password",
    "account.default-password",
    "account.uid0",
    "credential.hardcoded",
    "key.private",
    "cert.weak",
    "service.telnet",
    "service.insecure",
    "service.configured-not-started",
    "console.shell",
    "component.vulnerable",
    "component.end-of-life",
    "binary.hardening",
    "update.unverified",
    "fs.world-writable",
    "fs.setuid",
    "service.ftp",
    "service.tftp",
    "service.rlogin",
    "service.bindshell",
    "service.upnp-open",
    "key.host-shared",
    "data.plaintext-personal",
    "account.login-shell",
    "fs.hostile-name",
    "container.unknown",
};

/* NUL-terminated copy of b's bytes (the writers do not terminate). */
static char *
text_of(const struct mamori_buf *b)
{
	char *s = malloc(b->len + 1);

	if (s == NULL)
		abort();
	memcpy(s, b->p, b->len);
	s[b->len] = '\0';
	return s;
}

/* Feeds s to a Python program on stdin; true when it exits 0. quiet hides its traceback, for
 * the cases expected to fail. */
static bool
python_run(const char *prog, const char *s, bool quiet)
{
	char cmd[4096];
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "python3 -c '%s'%s", prog, quiet ? " 2>/dev/null" : "");
	p = popen(cmd, "w");
	if (p == NULL)
		return false;
	fputs(s, p);
	st = pclose(p);
	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void
catalog_integrity(void)
{
	const struct mamori_finding_kind *k;
	size_t n, i, j, s, p;

	k = mamori_finding_kinds(&n);
	CHECK(n >= sizeof(required_ids) / sizeof(required_ids[0]));
	for (i = 0; i < sizeof(required_ids) / sizeof(required_ids[0]); i++)
		CHECK(mamori_finding_kind(required_ids[i]) != NULL);
	for (i = 0; i < n; i++) {
		size_t nstd = 0;

		CHECK(k[i].id != NULL && strlen(k[i].id) < MAMORI_FINDING_ID_MAX);
		CHECK(strchr(k[i].id, '.') != NULL);
		CHECK(mamori_finding_kind(k[i].id) == &k[i]);
		for (j = i + 1; j < n; j++)
			CHECK(strcmp(k[i].id, k[j].id) != 0);
		CHECK(k[i].severity >= MAMORI_SEV_INFO && k[i].severity <= MAMORI_SEV_CRITICAL);
		CHECK(k[i].title != NULL && k[i].title[0] != '\0');
		CHECK(k[i].remediation != NULL && strlen(k[i].remediation) > 40);
		/* the array stays NULL-terminated */
		CHECK(k[i].standards[NSTD_SLOTS - 1] == NULL);
		while (nstd < NSTD_SLOTS && k[i].standards[nstd] != NULL) {
			CHECK_OK(mamori_standard_lookup(k[i].standards[nstd], &s, &p));
			nstd++;
		}
		/* container.unknown says the audit saw nothing; it maps to no provision */
		if (strcmp(k[i].id, "container.unknown") == 0)
			CHECK(nstd == 0 && k[i].severity == MAMORI_SEV_INFO);
		else
			CHECK(nstd >= 1);
	}
	CHECK(mamori_finding_kind("no.such-id") == NULL);
	CHECK(mamori_finding_kind(NULL) == NULL);
}

static void
standards_tables(void)
{
	const struct mamori_standard *std;
	size_t n, s, p, q, gs, gp;
	char ref[128];

	std = mamori_standards(&n);
	CHECK(n == MAMORI_STANDARDS_N);
	CHECK(strcmp(std[0].key, "etsi-en-303-645") == 0);
	CHECK(strcmp(std[1].key, "jc-star-1") == 0);
	CHECK(strcmp(std[2].key, "owasp-iot-2018") == 0);
	CHECK(strcmp(std[3].key, "eu-cra-annex-i") == 0);
	CHECK(std[2].nprov == 10);
	for (s = 0; s < n; s++) {
		for (p = 0; p < std[s].nprov; p++) {
			for (q = p + 1; q < std[s].nprov; q++)
				CHECK(strcmp(std[s].prov[p].id, std[s].prov[q].id) != 0);
			snprintf(ref, sizeof(ref), "%s%s", std[s].prefix, std[s].prov[p].id);
			CHECK_OK(mamori_standard_lookup(ref, &gs, &gp));
			CHECK(gs == s && gp == p);
		}
	}
	CHECK_OK(mamori_standard_lookup("ETSI EN 303 645 5.1-1", &gs, &gp));
	CHECK(gs == 0 && strcmp(std[0].prov[gp].id, "5.1-1") == 0);
	CHECK(mamori_standard_lookup("ETSI EN 303 645 5.1", &gs, &gp) == MAMORI_E_NOTFOUND);
	CHECK(mamori_standard_lookup("OWASP IoT 2018 I11", &gs, &gp) == MAMORI_E_NOTFOUND);
	CHECK(mamori_standard_lookup("", &gs, &gp) == MAMORI_E_NOTFOUND);
}

/* Every catalog entry is documented in docs/findings.md exactly as in the code: its table row
 * (id, severity, title, standards) and its remediation. */
static void
docs_list_every_id(void)
{
	const struct mamori_finding_kind *k;
	struct mamori_buf b, row;
	char *doc, *want;
	size_t n, i, j;

	mamori_buf_init(&b, 1 << 20);
	if (mamori_read_file("docs/findings.md", &b) != MAMORI_OK) {
		fprintf(stderr, "cannot read docs/findings.md (run from the repository root)\n");
		CHECK(0);
		return;
	}
	doc = text_of(&b);
	k = mamori_finding_kinds(&n);
	mamori_buf_init(&row, 1 << 16);
	for (i = 0; i < n; i++) {
		mamori_buf_reset(&row);
		CHECK_OK(mamori_buf_printf(&row, "| `%s` | %s | %s | ", k[i].id,
		    mamori_severity_name(k[i].severity), k[i].title));
		for (j = 0; j < NSTD_SLOTS && k[i].standards[j] != NULL; j++)
			CHECK_OK(
			    mamori_buf_printf(&row, "%s%s", j ? "<br>" : "", k[i].standards[j]));
		CHECK_OK(mamori_buf_printf(&row, "%s |\n", j ? "" : "none"));
		CHECK_OK(mamori_buf_printf(&row, "- `%s`: %s\n", k[i].id, k[i].remediation));
		want = text_of(&row);
		*strchr(want, '\n') = '\0'; /* the row, then the remediation after it */
		if (strstr(doc, want) == NULL || strstr(doc, want + strlen(want) + 1) == NULL) {
			fprintf(stderr, "docs/findings.md does not match the catalog for %s\n",
			    k[i].id);
			CHECK(0);
		}
		free(want);
	}
	mamori_buf_free(&row);
	free(doc);
	mamori_buf_free(&b);
}

static void
severity_words(void)
{
	enum mamori_severity s;

	CHECK(strcmp(mamori_severity_name(MAMORI_SEV_CRITICAL), "critical") == 0);
	CHECK(strcmp(mamori_severity_name(MAMORI_SEV_INFO), "info") == 0);
	CHECK_OK(mamori_severity_parse("medium", &s));
	CHECK(s == MAMORI_SEV_MEDIUM);
	CHECK_OK(mamori_severity_parse("HIGH", &s));
	CHECK(s == MAMORI_SEV_HIGH);
	s = MAMORI_SEV_LOW;
	CHECK(mamori_severity_parse("severe", &s) == MAMORI_E_INVAL);
	CHECK(mamori_severity_parse("", &s) == MAMORI_E_INVAL);
	CHECK(s == MAMORI_SEV_LOW); /* untouched on failure */
}

static void
report_add_sort_count(void)
{
	struct mamori_report r;

	mamori_report_init(&r);
	CHECK_OK(mamori_report_add(&r, "fs.setuid", -1, "/bin/busybox", 0, 0, NULL));
	CHECK_OK(mamori_report_add(&r, "service.telnet", -1, "/etc/init.d/rcS", 7, 0, "telnetd"));
	CHECK_OK(mamori_report_add(&r, "service.telnet", -1, "/etc/init.d/rcS", 3, 0, "telnetd"));
	CHECK_OK(mamori_report_add(&r, "account.empty-password", -1, "/etc/shadow", 1, 0, "root"));
	CHECK_OK(mamori_report_add(&r, "binary.hardening", MAMORI_SEV_HIGH, NULL, 0, 0, "x"));
	CHECK_OK(mamori_report_add(&r, "container.unknown", -1, NULL, 0, 4096, NULL));
	CHECK(r.nf == 6);
	CHECK(r.f[0].severity == MAMORI_SEV_MEDIUM);
	CHECK(r.f[4].severity == MAMORI_SEV_HIGH); /* raised by the check */
	mamori_report_sort(&r);
	CHECK(strcmp(r.f[0].kind->id, "account.empty-password") == 0);
	CHECK(strcmp(r.f[1].kind->id, "binary.hardening") == 0);
	CHECK(strcmp(r.f[2].kind->id, "service.telnet") == 0 && r.f[2].line == 3);
	CHECK(strcmp(r.f[3].kind->id, "service.telnet") == 0 && r.f[3].line == 7);
	CHECK(strcmp(r.f[4].kind->id, "fs.setuid") == 0);
	CHECK(strcmp(r.f[5].kind->id, "container.unknown") == 0 && r.f[5].offset == 4096);
	CHECK(mamori_report_count_at_least(&r, MAMORI_SEV_CRITICAL) == 1);
	CHECK(mamori_report_count_at_least(&r, MAMORI_SEV_HIGH) == 4);
	CHECK(mamori_report_count_at_least(&r, MAMORI_SEV_MEDIUM) == 5);
	CHECK(mamori_report_count_at_least(&r, MAMORI_SEV_INFO) == 6);
	CHECK_OK(mamori_report_addf(&r, "account.default-password", -1, "/etc/shadow", 2,
	    "account %s has password %s", "admin", "admin"));
	CHECK(strcmp(r.f[6].evidence, "account admin has password admin") == 0);
	mamori_report_free(&r);
	CHECK(r.nf == 0 && r.f == NULL);
	mamori_report_free(&r); /* twice is harmless */
}

static void
report_add_errors(void)
{
	struct mamori_report r;
	char *longpath;

	mamori_report_init(&r);
	CHECK(mamori_report_add(&r, "service.telnot", -1, NULL, 0, 0, NULL) == MAMORI_E_NOTFOUND);
	CHECK(mamori_report_addf(&r, "nope", -1, NULL, 0, "%d", 1) == MAMORI_E_NOTFOUND);
	CHECK(mamori_report_add(&r, "fs.setuid", 5, NULL, 0, 0, NULL) == MAMORI_E_INVAL);
	CHECK(mamori_report_add(&r, NULL, -1, NULL, 0, 0, NULL) == MAMORI_E_INVAL);
	longpath = malloc(MAMORI_FINDING_PATH_MAX + 2);
	if (longpath == NULL)
		abort();
	memset(longpath, 'a', MAMORI_FINDING_PATH_MAX + 1);
	longpath[MAMORI_FINDING_PATH_MAX + 1] = '\0';
	CHECK(mamori_report_add(&r, "fs.setuid", -1, longpath, 0, 0, NULL) == MAMORI_E_TOOBIG);
	longpath[MAMORI_FINDING_PATH_MAX] = '\0';
	CHECK_OK(mamori_report_add(&r, "fs.setuid", -1, longpath, 0, 0, NULL));
	CHECK(r.nf == 1 && strlen(r.f[0].path) == MAMORI_FINDING_PATH_MAX);
	free(longpath);
	mamori_report_free(&r);
}

static void
evidence_cap(void)
{
	struct mamori_report r;
	char ev[MAMORI_FINDING_EVIDENCE_MAX + 100];

	mamori_report_init(&r);
	memset(ev, 'a', sizeof(ev) - 1);
	ev[sizeof(ev) - 1] = '\0';
	CHECK_OK(mamori_report_add(&r, "credential.hardcoded", -1, "/etc/x", 1, 0, ev));
	CHECK(strlen(r.f[0].evidence) == MAMORI_FINDING_EVIDENCE_MAX);
	/* a 2-byte character straddling the cap is dropped whole */
	ev[MAMORI_FINDING_EVIDENCE_MAX - 1] = (char)0xc3;
	ev[MAMORI_FINDING_EVIDENCE_MAX] = (char)0xa9;
	CHECK_OK(mamori_report_add(&r, "credential.hardcoded", -1, "/etc/x", 1, 0, ev));
	CHECK(strlen(r.f[1].evidence) == MAMORI_FINDING_EVIDENCE_MAX - 1);
	/* a 3-byte one ending exactly at the cap is kept */
	memset(ev, 'a', sizeof(ev) - 1);
	memcpy(ev + MAMORI_FINDING_EVIDENCE_MAX - 3, "\xe2\x98\x85", 3);
	CHECK_OK(mamori_report_add(&r, "credential.hardcoded", -1, "/etc/x", 1, 0, ev));
	CHECK(strlen(r.f[2].evidence) == MAMORI_FINDING_EVIDENCE_MAX);
	/* stray continuation bytes are not a character: cut at the cap */
	memset(ev, 0x80, sizeof(ev) - 1);
	CHECK_OK(mamori_report_add(&r, "credential.hardcoded", -1, "/etc/x", 1, 0, ev));
	CHECK(strlen(r.f[3].evidence) == MAMORI_FINDING_EVIDENCE_MAX);
	/* formatted evidence is cut the same way */
	CHECK_OK(mamori_report_addf(&r, "credential.hardcoded", -1, "/etc/x", 1, "%0600d", 7));
	CHECK(strlen(r.f[4].evidence) == MAMORI_FINDING_EVIDENCE_MAX);
	mamori_report_free(&r);
}

static void
components(void)
{
	struct mamori_report r;
	struct mamori_component *c, *c2;
	char id[32];
	size_t i;

	mamori_report_init(&r);
	CHECK_OK(mamori_report_component(&r, "busybox", "1.14.1", "/bin/busybox", &c));
	CHECK_OK(mamori_component_add_cve(c, "CVE-2016-2148"));
	CHECK_OK(mamori_component_add_cve(c, "CVE-2016-2148"));
	CHECK(c->ncves == 1);
	CHECK(
	    mamori_component_add_cve(c, "CVE-0000-00000000000000000000000000") == MAMORI_E_TOOBIG);
	CHECK_OK(mamori_report_component(&r, "busybox", "1.14.1", "/bin/busybox", &c2));
	CHECK(c2 == c && r.nc == 1);
	CHECK_OK(mamori_report_component(&r, "dnsmasq", NULL, NULL, &c2));
	CHECK(r.nc == 2 && c2->version == NULL);
	for (i = 0; i < MAMORI_COMPONENT_CVES_MAX; i++) {
		snprintf(id, sizeof(id), "CVE-2020-%zu", 1000 + i);
		CHECK_OK(mamori_component_add_cve(c2, id));
	}
	CHECK(mamori_component_add_cve(c2, "CVE-2021-1") == MAMORI_E_TOOBIG);
	CHECK(c2->ncves == MAMORI_COMPONENT_CVES_MAX);
	mamori_report_free(&r);
}

/* A report like a small router image's, with hostile evidence. */
static void
sample_report(struct mamori_report *r)
{
	struct mamori_component *c;

	mamori_report_init(r);
	r->target_kind = strdup("firmware");
	r->target_path = strdup("tew733gr.squashfs");
	memset(r->target_sha256, 'a', 64);
	if (r->target_kind == NULL || r->target_path == NULL)
		abort();
	CHECK_OK(mamori_report_add(r, "service.telnet", -1, "/etc/init0.d/S80telnetd.sh", 3, 0,
	    "telnetd -l /usr/sbin/login -u Alphanetworks:\"wrgn80\"\\ \x01\x1f\x1b[2J\xff\xc3\xa9"));
	CHECK_OK(mamori_report_add(r, "binary.hardening", -1, "/usr/sbin/httpd", 0, 0x40, "no NX"));
	CHECK_OK(mamori_report_component(r, "busybox", "1.14.1", "/bin/busybox", &c));
	CHECK_OK(mamori_component_add_cve(c, "CVE-2016-2148"));
	c->end_of_life = true;
}

static const char json_shape[] =
    "import json,sys\n"
    "d=json.load(sys.stdin)\n"
    "assert d[\"tool\"]==\"mamori\" and d[\"version\"]==\"9.9-test\"\n"
    "assert d[\"target\"]=={\"kind\":\"firmware\",\"path\":\"tew733gr.squashfs\",\"sha256\":\"a\"*64}\n"
    "assert d[\"summary\"]=={\"critical\":0,\"high\":1,\"medium\":0,\"low\":1,\"info\":0}\n"
    "f=d[\"findings\"]\n"
    "assert len(f)==2 and f[0][\"id\"]==\"service.telnet\" and f[0][\"line\"]==3\n"
    "assert f[0][\"evidence\"]==\"telnetd -l /usr/sbin/login -u Alphanetworks:\\\"wrgn80\\\"\\\\ \\x01\\x1f\\x1b[2J\\xff\\xe9\"\n"
    "assert \"ETSI EN 303 645 5.6-1\" in f[0][\"standards\"] and f[0][\"remediation\"]\n"
    "assert f[1][\"line\"] is None and f[1][\"offset\"]==64 and f[1][\"path\"]==\"/usr/sbin/httpd\"\n"
    "assert set(f[0])>={\"id\",\"severity\",\"title\",\"path\",\"line\",\"evidence\",\"standards\",\"remediation\"}\n"
    "assert d[\"components\"]==[{\"name\":\"busybox\",\"version\":\"1.14.1\",\"path\":\"/bin/busybox\",\"cves\":[\"CVE-2016-2148\"],\"end_of_life\":True}]\n"
    "c=d[\"conformance\"]\n"
    "assert list(c)==[\"etsi-en-303-645\",\"jc-star-1\",\"owasp-iot-2018\",\"eu-cra-annex-i\"]\n"
    "e={p[\"provision\"]:p for p in c[\"etsi-en-303-645\"]}\n"
    "assert e[\"5.6-1\"][\"result\"]==\"fail\" and e[\"5.6-1\"][\"findings\"]==[0]\n"
    "assert e[\"5.6-9\"][\"findings\"]==[1] and e[\"5.1-1\"][\"result\"]==\"pass\"\n"
    "assert e[\"5.2-1\"][\"result\"]==\"not-assessable\" and e[\"5.2-1\"][\"title\"]\n"
    "o={p[\"provision\"]:p[\"result\"] for p in c[\"owasp-iot-2018\"]}\n"
    "assert o[\"I2\"]==\"fail\" and o[\"I1\"]==\"pass\" and o[\"I3\"]==\"not-assessable\"\n";

static void
json_output(void)
{
	struct mamori_report r;
	struct mamori_buf b;
	char *s;

	sample_report(&r);
	mamori_buf_init(&b, 1 << 20);
	CHECK_OK(mamori_report_json(&r, "9.9-test", &b));
	s = text_of(&b);
	/* escapes as written, not only as parsed */
	CHECK(strstr(s, "\\u0001\\u001f\\u001b[2J\\u00ff\xc3\xa9") != NULL);
	CHECK(strstr(s, "Alphanetworks:\\\"wrgn80\\\"\\\\ ") != NULL);
	CHECK(strchr(s, '\x1b') == NULL);
	CHECK(python_run("import json,sys; json.load(sys.stdin)", s, false));
	CHECK(python_run(json_shape, s, false));
	/* the shape check itself fails on a wrong document */
	CHECK(!python_run(json_shape, "{\"tool\":\"other\"}", true));
	free(s);
	mamori_buf_free(&b);
	mamori_report_free(&r);
}

static void
json_empty_and_capped(void)
{
	struct mamori_report r;
	struct mamori_buf b;
	char *s;

	mamori_report_init(&r);
	mamori_buf_init(&b, 1 << 20);
	CHECK_OK(mamori_report_json(&r, "0", &b));
	s = text_of(&b);
	CHECK(strstr(s, "\"target\":{\"kind\":null,\"path\":null,\"sha256\":null}") != NULL);
	CHECK(strstr(s, "\"findings\":[],\"components\":[]") != NULL);
	CHECK(python_run(
	    "import json,sys; d=json.load(sys.stdin); assert d[\"summary\"][\"info\"]==0", s,
	    false));
	free(s);
	mamori_buf_free(&b);
	/* a buffer cap too small leaves the buffer as it was */
	sample_report(&r);
	mamori_buf_init(&b, 300);
	CHECK_OK(mamori_buf_append(&b, "x", 1));
	CHECK(mamori_report_json(&r, "0", &b) == MAMORI_E_TOOBIG);
	CHECK(b.len == 1);
	mamori_buf_free(&b);
	mamori_report_free(&r);
}

static void
conformance_results(void)
{
	struct mamori_report r;
	struct mamori_conformance c;
	const struct mamori_standard *std;
	size_t n, s, p, gs, gp, total;

	std = mamori_standards(&n);
	mamori_report_init(&r);
	CHECK_OK(mamori_report_add(&r, "service.telnet", -1, "/etc/rc", 1, 0, "telnetd"));
	CHECK_OK(mamori_conformance_compute(&r, &c));
	for (s = 0; s < n; s++) {
		for (p = 0; p < std[s].nprov; p++) {
			const struct mamori_conf_row *row = &c.rows[s][p];
			char ref[128];
			bool mapped = false;
			size_t k;

			snprintf(ref, sizeof(ref), "%s%s", std[s].prefix, row->prov->id);
			for (k = 0; k < NSTD_SLOTS && r.f[0].kind->standards[k] != NULL; k++)
				if (strcmp(r.f[0].kind->standards[k], ref) == 0)
					mapped = true;
			if (mapped) {
				CHECK(row->result == MAMORI_CONF_FAIL);
				CHECK(row->nfindings == 1 && row->findings[0] == 0);
			} else {
				CHECK(row->result != MAMORI_CONF_FAIL && row->nfindings == 0);
			}
		}
		total = c.counts[s][0] + c.counts[s][1] + c.counts[s][2];
		CHECK(total == std[s].nprov);
	}
	CHECK_OK(mamori_standard_lookup("ETSI EN 303 645 5.6-1", &gs, &gp));
	CHECK(c.rows[gs][gp].result == MAMORI_CONF_FAIL);
	CHECK_OK(mamori_standard_lookup("ETSI EN 303 645 5.1-1", &gs, &gp));
	CHECK(c.rows[gs][gp].result == MAMORI_CONF_PASS);
	CHECK_OK(mamori_standard_lookup("ETSI EN 303 645 5.11-1", &gs, &gp));
	CHECK(c.rows[gs][gp].result == MAMORI_CONF_NOT_ASSESSABLE);
	CHECK(c.counts[0][MAMORI_CONF_FAIL] == 2); /* 5.5-1 and 5.6-1 */
	mamori_conformance_free(&c);

	/* nothing unpacked: nothing passes */
	CHECK_OK(mamori_report_add(&r, "container.unknown", -1, NULL, 0, 0, NULL));
	CHECK_OK(mamori_conformance_compute(&r, &c));
	for (s = 0; s < n; s++)
		CHECK(c.counts[s][MAMORI_CONF_PASS] == 0);
	CHECK_OK(mamori_standard_lookup("ETSI EN 303 645 5.6-1", &gs, &gp));
	CHECK(c.rows[gs][gp].result == MAMORI_CONF_FAIL);
	mamori_conformance_free(&c);
	mamori_report_free(&r);

	/* an empty report passes every assessable provision */
	mamori_report_init(&r);
	CHECK_OK(mamori_conformance_compute(&r, &c));
	CHECK(c.counts[0][MAMORI_CONF_FAIL] == 0 && c.counts[0][MAMORI_CONF_PASS] > 10);
	CHECK(c.counts[0][MAMORI_CONF_NOT_ASSESSABLE] > 10);
	CHECK(c.counts[2][MAMORI_CONF_PASS] == 8); /* all of OWASP but I3 and I8 */
	mamori_conformance_free(&c);
	mamori_report_free(&r);
	CHECK(strcmp(mamori_conf_result_name(MAMORI_CONF_NOT_ASSESSABLE), "not-assessable") == 0);
}

static void
text_output(void)
{
	struct mamori_report r;
	struct mamori_buf b;
	char *s;

	sample_report(&r);
	CHECK_OK(mamori_report_add(&r, "fs.setuid", -1, "/bin/\x1b]0;pwned\x07su", 0, 0, NULL));
	mamori_report_sort(&r);
	mamori_buf_init(&b, 1 << 20);
	CHECK_OK(mamori_report_text(&r, false, 2, &b));
	s = text_of(&b);
	CHECK(strstr(s, "Findings: 0 critical, 1 high, 1 medium, 1 low, 0 info (3 total)") != NULL);
	CHECK(strstr(s, "/etc/init0.d/S80telnetd.sh:3") != NULL);
	CHECK(strstr(s, "Alphanetworks:\"wrgn80\"\\ \\x01\\x1f\\x1b[2J\\xff\xc3\xa9") != NULL);
	CHECK(strstr(s, "/bin/\\x1b]0;pwned\\x07su") != NULL);
	CHECK(strstr(s, "/usr/sbin/httpd") == NULL); /* third finding, beyond top 2 */
	CHECK(strstr(s, "... and 1 more") != NULL);
	CHECK(strstr(s, "ETSI EN 303 645 V2.1.1") != NULL);
	/* ETSI: 5.5-1 and 5.6-1 (telnet), 5.6-7 (setuid), 5.6-9 (hardening) */
	CHECK(strstr(s, "pass / 4 fail / ") != NULL);
	CHECK(strstr(s, " not assessable\n") != NULL);
	CHECK(strchr(s, '\x1b') == NULL && strchr(s, '\x07') == NULL);
	free(s);
	mamori_buf_reset(&b);
	CHECK_OK(mamori_report_text(&r, true, 10, &b));
	s = text_of(&b);
	CHECK(strstr(s, "\033[31mHIGH") != NULL);
	CHECK(strstr(s, "/usr/sbin/httpd (offset 64)") != NULL);
	CHECK(strstr(s, "/bin/\x1b") == NULL);
	free(s);
	mamori_buf_free(&b);
	mamori_report_free(&r);
}

int
main(void)
{
	static const struct check_case cases[] = {
	    CHECK_CASE(catalog_integrity),
	    CHECK_CASE(standards_tables),
	    CHECK_CASE(docs_list_every_id),
	    CHECK_CASE(severity_words),
	    CHECK_CASE(report_add_sort_count),
	    CHECK_CASE(report_add_errors),
	    CHECK_CASE(evidence_cap),
	    CHECK_CASE(components),
	    CHECK_CASE(json_output),
	    CHECK_CASE(json_empty_and_capped),
	    CHECK_CASE(conformance_results),
	    CHECK_CASE(text_output),
	};

	signal(SIGPIPE, SIG_IGN); /* a Python that exits early must fail a check, not kill us */
	return check_run("test_finding", cases, sizeof(cases) / sizeof(cases[0]));
}
