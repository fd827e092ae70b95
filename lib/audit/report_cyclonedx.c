/* SPDX-License-Identifier: MIT */
/* A CycloneDX 1.5 JSON SBOM over the report model: the audited target as the metadata
 * component, the components found in it, and their CVEs as vulnerabilities. */
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mamori/json.h"
#include "mamori/report.h"
#include "mamori/report_std.h"

#define CDX_SPEC_VERSION "1.5"
#define CDX_REF_MAX      32                  /* "component-" and a size_t */
#define CDX_PURL_MAX     (3 * 2 * 1024 + 32) /* name and version of 1 KiB each, all %XX */

/* Components that are programs rather than libraries; the kernel is the operating system. */
static const char *const applications[] = {"boa", "busybox", "curl", "dnsmasq", "dropbear",
    "hostapd", "lighttpd", "miniupnpd", "openssh", "uhttpd", "goahead", "mini_httpd", "thttpd",
    "vsftpd", "proftpd", "samba", "openvpn", "wpa_supplicant", "telnetd", "httpd"};

static const char *
component_type(const char *name)
{
	size_t i;

	if (strcasecmp(name, "linux") == 0)
		return "operating-system";
	for (i = 0; i < sizeof(applications) / sizeof(applications[0]); i++)
		if (strcasecmp(name, applications[i]) == 0)
			return "application";
	return "library";
}

static const char *
target_type(const char *kind)
{
	if (kind != NULL && strcmp(kind, "device") == 0)
		return "device";
	if (kind != NULL && strcmp(kind, "host") == 0)
		return "operating-system";
	return "firmware";
}

/* Bytes a purl name or version keeps as they are; the rest is %XX-encoded (purl spec). */
static int
purl_keep(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/* s %XX-encoded as a purl name or version into b; lower lower-cases ASCII letters. */
static mamori_err
purl_part(struct mamori_buf *b, const char *s, bool lower)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	mamori_err e = MAMORI_OK;
	unsigned char c;

	for (; *p != '\0' && e == MAMORI_OK; p++) {
		c = *p;
		if (lower && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (purl_keep(c))
			e = mamori_buf_putc(b, c);
		else
			e = mamori_buf_printf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
	return e;
}

/* pkg:generic/<name>@<version> (the name lower-cased, as purl types mostly want), into b;
 * MAMORI_E_TOOBIG past CDX_PURL_MAX. */
static mamori_err
purl(struct mamori_buf *b, const char *name, const char *version)
{
	mamori_err e;

	mamori_buf_reset(b);
	e = mamori_buf_printf(b, "pkg:generic/");
	if (e == MAMORI_OK)
		e = purl_part(b, name, true);
	if (e == MAMORI_OK)
		e = mamori_buf_putc(b, '@');
	if (e == MAMORI_OK)
		e = purl_part(b, version, false);
	return e;
}

static bool
purl_all_keep(const char *s)
{
	for (; *s != '\0'; s++)
		if (!purl_keep((unsigned char)*s))
			return false;
	return true;
}

static bool
is_sha256_hex(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		        (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return s[64] == '\0';
}

/* The last element of a path, without trailing slashes (a directory target). */
static void
basename_span(const char *path, const char **s, size_t *n)
{
	size_t end = strlen(path), beg;

	while (end > 1 && path[end - 1] == '/')
		end--;
	beg = end;
	while (beg > 0 && path[beg - 1] != '/')
		beg--;
	if (beg == end) { /* "/" or "" */
		*s = path;
		*n = end;
		return;
	}
	*s = path + beg;
	*n = end - beg;
}

/* urn:uuid: of a random (version 4) UUID. */
static mamori_err
serial_number(char urn[46])
{
	uint8_t u[16];

	if (sodium_init() < 0)
		return MAMORI_E_NOMEM;
	randombytes_buf(u, sizeof(u));
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	snprintf(urn, 46,
	    "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
	    u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
	    u[15]);
	return MAMORI_OK;
}

static mamori_err
utc_now(char ts[21])
{
	struct tm tm;
	time_t now = time(NULL);

	if (now == (time_t)-1 || gmtime_r(&now, &tm) == NULL ||
	    strftime(ts, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
		return MAMORI_E_IO;
	return MAMORI_OK;
}

/* One (CVE id, component index) pair; sorted by id, then component, to group by id. */
struct vuln_ref {
	const char *id;
	size_t comp;
};

static int
vuln_ref_cmp(const void *a, const void *b)
{
	const struct vuln_ref *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	if (c != 0)
		return c;
	return (x->comp > y->comp) - (x->comp < y->comp);
}

static void
bom_ref(char ref[CDX_REF_MAX], size_t i)
{
	snprintf(ref, CDX_REF_MAX, "component-%zu", i + 1);
}

static mamori_err
write_component(
    struct mamori_json *j, const struct mamori_component *c, size_t i, struct mamori_buf *tmp)
{
	char ref[CDX_REF_MAX];
	mamori_err e;

	bom_ref(ref, i);
	mamori_json_obj_begin(j);
	mamori_json_kstr(j, "type", component_type(c->name));
	mamori_json_kstr(j, "bom-ref", ref);
	mamori_json_kstr(j, "name", c->name);
	if (c->version != NULL && c->version[0] != '\0') {
		mamori_json_kstr(j, "version", c->version);
		e = purl(tmp, c->name, c->version);
		if (e == MAMORI_OK) {
			mamori_json_key(j, "purl");
			mamori_json_strn(j, tmp->p, tmp->len);
		} else if (e != MAMORI_E_TOOBIG) { /* a name too long for a purl just has none */
			return e;
		}
	}
	if (c->path != NULL || c->end_of_life) {
		mamori_json_key(j, "properties");
		mamori_json_arr_begin(j);
		if (c->path != NULL) {
			mamori_json_obj_begin(j);
			mamori_json_kstr(j, "name", "mamori:path");
			mamori_json_kstr(j, "value", c->path);
			mamori_json_obj_end(j);
		}
		if (c->end_of_life) {
			mamori_json_obj_begin(j);
			mamori_json_kstr(j, "name", "mamori:end-of-life");
			mamori_json_kstr(j, "value", "true");
			mamori_json_obj_end(j);
		}
		mamori_json_arr_end(j);
	}
	mamori_json_obj_end(j);
	return MAMORI_OK;
}

/* Where an id is published: NVD for CVE ids, OSV for the others (GHSA, OSV, PYSEC...). */
static void
write_vuln_source(struct mamori_json *j, const char *id, struct mamori_buf *tmp)
{
	bool cve = strncmp(id, "CVE-", 4) == 0;

	mamori_json_key(j, "source");
	mamori_json_obj_begin(j);
	mamori_json_kstr(j, "name", cve ? "NVD" : "OSV");
	mamori_buf_reset(tmp);
	if (mamori_buf_printf(tmp, "%s%s",
	        cve ? "https://nvd.nist.gov/vuln/detail/" : "https://osv.dev/vulnerability/",
	        id) == MAMORI_OK &&
	    purl_all_keep(id)) {
		mamori_json_key(j, "url");
		mamori_json_strn(j, tmp->p, tmp->len);
	}
	mamori_json_obj_end(j);
}

/* One vulnerability per distinct id in v[0..nv) (sorted), affecting every component that
 * lists it. */
static void
write_vulns(struct mamori_json *j, const struct vuln_ref *v, size_t nv, struct mamori_buf *tmp)
{
	char ref[CDX_REF_MAX];
	size_t i = 0, k;

	mamori_json_key(j, "vulnerabilities");
	mamori_json_arr_begin(j);
	while (i < nv) {
		mamori_json_obj_begin(j);
		mamori_json_kstr(j, "id", v[i].id);
		write_vuln_source(j, v[i].id, tmp);
		mamori_json_key(j, "affects");
		mamori_json_arr_begin(j);
		for (k = i; k < nv && strcmp(v[k].id, v[i].id) == 0; k++) {
			if (k > i && v[k].comp == v[k - 1].comp)
				continue; /* listed twice on one component */
			bom_ref(ref, v[k].comp);
			mamori_json_obj_begin(j);
			mamori_json_kstr(j, "ref", ref);
			mamori_json_obj_end(j);
		}
		mamori_json_arr_end(j);
		mamori_json_obj_end(j);
		i = k;
	}
	mamori_json_arr_end(j);
}

static void
write_metadata(
    struct mamori_json *j, const struct mamori_report *r, const char *tool_version, const char *ts)
{
	const char *name = "target";
	size_t nlen = strlen(name);

	if (r->target_path != NULL && r->target_path[0] != '\0')
		basename_span(r->target_path, &name, &nlen);
	mamori_json_key(j, "metadata");
	mamori_json_obj_begin(j);
	mamori_json_kstr(j, "timestamp", ts);
	mamori_json_key(j, "tools");
	mamori_json_obj_begin(j);
	mamori_json_key(j, "components");
	mamori_json_arr_begin(j);
	mamori_json_obj_begin(j);
	mamori_json_kstr(j, "type", "application");
	mamori_json_kstr(j, "name", "mamori");
	mamori_json_kstr(j, "version", tool_version);
	mamori_json_obj_end(j);
	mamori_json_arr_end(j);
	mamori_json_obj_end(j);
	mamori_json_key(j, "component");
	mamori_json_obj_begin(j);
	mamori_json_kstr(j, "type", target_type(r->target_kind));
	mamori_json_kstr(j, "bom-ref", "target");
	mamori_json_key(j, "name");
	mamori_json_strn(j, (const uint8_t *)name, nlen);
	if (is_sha256_hex(r->target_sha256)) {
		mamori_json_key(j, "hashes");
		mamori_json_arr_begin(j);
		mamori_json_obj_begin(j);
		mamori_json_kstr(j, "alg", "SHA-256");
		mamori_json_kstr(j, "content", r->target_sha256);
		mamori_json_obj_end(j);
		mamori_json_arr_end(j);
	}
	if (r->target_path != NULL) {
		mamori_json_key(j, "properties");
		mamori_json_arr_begin(j);
		mamori_json_obj_begin(j);
		mamori_json_kstr(j, "name", "mamori:path");
		mamori_json_kstr(j, "value", r->target_path);
		mamori_json_obj_end(j);
		mamori_json_arr_end(j);
	}
	mamori_json_obj_end(j);
	mamori_json_obj_end(j);
}

mamori_err
mamori_report_cyclonedx(
    const struct mamori_report *r, const char *tool_version, struct mamori_buf *out)
{
	struct mamori_json j;
	struct mamori_buf tmp;
	struct vuln_ref *v = NULL;
	char urn[46], ts[21];
	size_t nv = 0, i, k, start;
	mamori_err e;

	if (r == NULL || tool_version == NULL || out == NULL)
		return MAMORI_E_INVAL;
	start = out->len;
	mamori_buf_init(&tmp, CDX_PURL_MAX);
	e = serial_number(urn);
	if (e == MAMORI_OK)
		e = utc_now(ts);
	if (e != MAMORI_OK)
		goto out;
	for (i = 0; i < r->nc; i++)
		nv += r->c[i].ncves < MAMORI_COMPONENT_CVES_MAX ? r->c[i].ncves
		                                                : MAMORI_COMPONENT_CVES_MAX;
	if (nv > 0) {
		v = calloc(nv, sizeof(*v));
		if (v == NULL) {
			e = MAMORI_E_NOMEM;
			goto out;
		}
		nv = 0;
		for (i = 0; i < r->nc; i++)
			for (k = 0; k < r->c[i].ncves && k < MAMORI_COMPONENT_CVES_MAX; k++)
				if (r->c[i].cves[k] != NULL)
					v[nv++] = (struct vuln_ref){r->c[i].cves[k], i};
		qsort(v, nv, sizeof(*v), vuln_ref_cmp);
	}

	mamori_json_init(&j, out);
	mamori_json_obj_begin(&j);
	mamori_json_kstr(&j, "bomFormat", "CycloneDX");
	mamori_json_kstr(&j, "specVersion", CDX_SPEC_VERSION);
	mamori_json_kstr(&j, "serialNumber", urn);
	mamori_json_ku64(&j, "version", 1);
	write_metadata(&j, r, tool_version, ts);
	mamori_json_key(&j, "components");
	mamori_json_arr_begin(&j);
	for (i = 0; i < r->nc; i++) {
		e = write_component(&j, &r->c[i], i, &tmp);
		if (e != MAMORI_OK)
			goto out;
	}
	mamori_json_arr_end(&j);
	write_vulns(&j, v, nv, &tmp);
	mamori_json_obj_end(&j);
	e = mamori_json_err(&j);
	if (e == MAMORI_OK)
		e = mamori_buf_putc(out, '\n');
out:
	if (e != MAMORI_OK)
		out->len = start; /* nothing half-written on failure */
	free(v);
	mamori_buf_free(&tmp);
	return e;
}
