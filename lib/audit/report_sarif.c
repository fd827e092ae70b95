/* SPDX-License-Identifier: MIT */
/* SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format) over the finding model: the
 * catalog kinds a report uses become rules, its findings results. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/json.h"
#include "mamori/report_std.h"

#define SARIF_SCHEMA   "https://json.schemastore.org/sarif-2.1.0.json"
#define SARIF_VERSION  "2.1.0"
#define SARIF_NAME_MAX (MAMORI_FINDING_ID_MAX + 1) /* a rule name is its id without punctuation */

static const char *
sarif_level(enum mamori_severity s)
{
	switch (s) {
	case MAMORI_SEV_CRITICAL:
	case MAMORI_SEV_HIGH:
		return "error";
	case MAMORI_SEV_MEDIUM:
		return "warning";
	case MAMORI_SEV_LOW:
	case MAMORI_SEV_INFO:
		break;
	}
	return "note";
}

/* "service.configured-not-started" -> "ServiceConfiguredNotStarted", cut to fit name. */
static void
rule_name(const char *id, char name[SARIF_NAME_MAX])
{
	size_t n = 0;
	int up = 1;

	for (; *id != '\0' && n + 1 < SARIF_NAME_MAX; id++) {
		char c = *id;

		if (c == '.' || c == '-' || c == '_') {
			up = 1;
			continue;
		}
		if (up && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		up = 0;
		name[n++] = c;
	}
	name[n] = '\0';
}

/* Bytes a URI path keeps as they are (RFC 3986 pchar and '/'); the rest is %XX-encoded, so
 * spaces, '%', '#', '?', control bytes and invalid UTF-8 from the image cannot break it. */
static int
uri_keep(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("-._~!$&'()*+,;=:@/", c) != NULL;
}

/* The image path as a URI relative to the root file system: no leading '/', %XX-encoded. */
static mamori_err
rel_uri(const char *path, struct mamori_buf *b)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)path;
	mamori_err e = MAMORI_OK;

	mamori_buf_reset(b);
	while (*p == '/')
		p++;
	if (*p == '\0')
		return mamori_buf_putc(b, '.'); /* the root itself */
	for (; *p != '\0' && e == MAMORI_OK; p++) {
		if (uri_keep(*p))
			e = mamori_buf_putc(b, *p);
		else
			e = mamori_buf_printf(b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
	}
	return e;
}

static void
write_rule(struct mamori_json *j, const struct mamori_finding_kind *k)
{
	char name[SARIF_NAME_MAX];
	size_t i;

	rule_name(k->id, name);
	mamori_json_obj_begin(j);
	mamori_json_kstr(j, "id", k->id);
	mamori_json_kstr(j, "name", name);
	mamori_json_key(j, "shortDescription");
	mamori_json_obj_begin(j);
	mamori_json_kstr(j, "text", k->title);
	mamori_json_obj_end(j);
	mamori_json_key(j, "help");
	mamori_json_obj_begin(j);
	mamori_json_kstr(j, "text", k->remediation);
	mamori_json_obj_end(j);
	mamori_json_key(j, "defaultConfiguration");
	mamori_json_obj_begin(j);
	mamori_json_kstr(j, "level", sarif_level(k->severity));
	mamori_json_obj_end(j);
	mamori_json_key(j, "properties");
	mamori_json_obj_begin(j);
	mamori_json_key(j, "tags");
	mamori_json_arr_begin(j);
	for (i = 0; i < sizeof(k->standards) / sizeof(k->standards[0]) && k->standards[i] != NULL;
	     i++)
		mamori_json_str(j, k->standards[i]);
	mamori_json_arr_end(j);
	mamori_json_kstr(j, "severity", mamori_severity_name(k->severity));
	mamori_json_obj_end(j);
	mamori_json_obj_end(j);
}

static mamori_err
write_result(struct mamori_json *j, const struct mamori_finding *f, size_t rule_index,
    struct mamori_buf *uri)
{
	mamori_err e;

	mamori_json_obj_begin(j);
	mamori_json_kstr(j, "ruleId", f->kind->id);
	mamori_json_ku64(j, "ruleIndex", rule_index);
	mamori_json_kstr(j, "level", sarif_level(f->severity));
	mamori_json_key(j, "message");
	mamori_json_obj_begin(j);
	/* message.text is required: the title stands in when a check gave no evidence */
	mamori_json_key(j, "text");
	if (f->evidence != NULL && f->evidence[0] != '\0')
		mamori_json_strn(j, (const uint8_t *)f->evidence,
		    strnlen(f->evidence, MAMORI_FINDING_EVIDENCE_MAX));
	else
		mamori_json_str(j, f->kind->title);
	mamori_json_obj_end(j);
	if (f->path != NULL) {
		e = rel_uri(f->path, uri);
		if (e != MAMORI_OK)
			return e;
		mamori_json_key(j, "locations");
		mamori_json_arr_begin(j);
		mamori_json_obj_begin(j);
		mamori_json_key(j, "physicalLocation");
		mamori_json_obj_begin(j);
		mamori_json_key(j, "artifactLocation");
		mamori_json_obj_begin(j);
		mamori_json_key(j, "uri");
		mamori_json_strn(j, uri->p, uri->len);
		mamori_json_kstr(j, "uriBaseId", "ROOTFS");
		mamori_json_obj_end(j);
		if (f->line > 0 || f->offset > 0) {
			mamori_json_key(j, "region");
			mamori_json_obj_begin(j);
			if (f->line > 0)
				mamori_json_ku64(j, "startLine", f->line);
			else
				mamori_json_ku64(j, "byteOffset", f->offset);
			mamori_json_obj_end(j);
		}
		mamori_json_obj_end(j);
		mamori_json_obj_end(j);
		mamori_json_arr_end(j);
	}
	mamori_json_key(j, "properties");
	mamori_json_obj_begin(j);
	mamori_json_kstr(j, "severity", mamori_severity_name(f->severity));
	mamori_json_obj_end(j);
	mamori_json_obj_end(j);
	return MAMORI_OK;
}

mamori_err
mamori_report_sarif(const struct mamori_report *r, const char *tool_version, struct mamori_buf *out)
{
	const struct mamori_finding_kind *kinds;
	struct mamori_json j;
	struct mamori_buf uri;
	size_t *rule = NULL; /* rule index of each catalog kind, SIZE_MAX when unused */
	size_t nkinds, nrules = 0, i, k, start;
	mamori_err e;

	if (r == NULL || tool_version == NULL || out == NULL)
		return MAMORI_E_INVAL;
	start = out->len;
	kinds = mamori_finding_kinds(&nkinds);
	for (i = 0; i < r->nf; i++)
		if (r->f[i].kind == NULL || r->f[i].kind < kinds || r->f[i].kind >= kinds + nkinds)
			return MAMORI_E_INVAL; /* every finding comes from the catalog */
	mamori_buf_init(&uri, 3 * MAMORI_FINDING_PATH_MAX + 2);
	rule = malloc((nkinds > 0 ? nkinds : 1) * sizeof(*rule));
	if (rule == NULL) {
		e = MAMORI_E_NOMEM;
		goto out;
	}
	for (k = 0; k < nkinds; k++)
		rule[k] = SIZE_MAX;
	for (i = 0; i < r->nf; i++)
		rule[r->f[i].kind - kinds] = 0;
	for (k = 0; k < nkinds; k++) /* rules in catalog order */
		if (rule[k] != SIZE_MAX)
			rule[k] = nrules++;

	mamori_json_init(&j, out);
	mamori_json_obj_begin(&j);
	mamori_json_kstr(&j, "$schema", SARIF_SCHEMA);
	mamori_json_kstr(&j, "version", SARIF_VERSION);
	mamori_json_key(&j, "runs");
	mamori_json_arr_begin(&j);
	mamori_json_obj_begin(&j);
	mamori_json_key(&j, "tool");
	mamori_json_obj_begin(&j);
	mamori_json_key(&j, "driver");
	mamori_json_obj_begin(&j);
	mamori_json_kstr(&j, "name", "mamori");
	mamori_json_kstr(&j, "version", tool_version);
	mamori_json_key(&j, "rules");
	mamori_json_arr_begin(&j);
	for (k = 0; k < nkinds; k++)
		if (rule[k] != SIZE_MAX)
			write_rule(&j, &kinds[k]);
	mamori_json_arr_end(&j);
	mamori_json_obj_end(&j);
	mamori_json_obj_end(&j);
	mamori_json_key(&j, "originalUriBaseIds");
	mamori_json_obj_begin(&j);
	mamori_json_key(&j, "ROOTFS");
	mamori_json_obj_begin(&j);
	mamori_json_key(&j, "description");
	mamori_json_obj_begin(&j);
	mamori_json_kstr(&j, "text", "The root file system of the audited target");
	mamori_json_obj_end(&j);
	mamori_json_obj_end(&j);
	mamori_json_obj_end(&j);
	mamori_json_key(&j, "results");
	mamori_json_arr_begin(&j);
	for (i = 0; i < r->nf; i++) {
		e = write_result(&j, &r->f[i], rule[r->f[i].kind - kinds], &uri);
		if (e != MAMORI_OK)
			goto out;
	}
	mamori_json_arr_end(&j);
	if (r->target_path != NULL || r->target_sha256[0] != '\0') {
		mamori_json_key(&j, "properties");
		mamori_json_obj_begin(&j);
		if (r->target_kind != NULL)
			mamori_json_kstr(&j, "targetKind", r->target_kind);
		if (r->target_path != NULL)
			mamori_json_kstr(&j, "targetPath", r->target_path);
		if (r->target_sha256[0] != '\0')
			mamori_json_kstr(&j, "targetSha256", r->target_sha256);
		mamori_json_obj_end(&j);
	}
	mamori_json_obj_end(&j);
	mamori_json_arr_end(&j);
	mamori_json_obj_end(&j);
	e = mamori_json_err(&j);
	if (e == MAMORI_OK)
		e = mamori_buf_putc(out, '\n');
out:
	if (e != MAMORI_OK)
		out->len = start; /* nothing half-written on failure */
	mamori_buf_free(&uri);
	free(rule);
	return e;
}
