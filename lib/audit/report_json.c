/* SPDX-License-Identifier: MIT */
/* The JSON report of DESIGN.md §4; the shape is described in docs/findings.md. */
#include <string.h>

#include "mamori/json.h"
#include "mamori/report.h"

static void
kstr_or_null(struct mamori_json *j, const char *key, const char *s)
{
	mamori_json_key(j, key);
	if (s != NULL)
		mamori_json_str(j, s);
	else
		mamori_json_null(j);
}

static void
write_finding(struct mamori_json *j, const struct mamori_finding *f)
{
	size_t i;

	mamori_json_obj_begin(j);
	mamori_json_kstr(j, "id", f->kind->id);
	mamori_json_kstr(j, "severity", mamori_severity_name(f->severity));
	mamori_json_kstr(j, "title", f->kind->title);
	kstr_or_null(j, "path", f->path);
	mamori_json_key(j, "line");
	if (f->line > 0)
		mamori_json_u64(j, f->line);
	else
		mamori_json_null(j);
	/* a byte offset only where there is no line, and only when one was given */
	if (f->line == 0 && f->offset > 0)
		mamori_json_ku64(j, "offset", f->offset);
	kstr_or_null(j, "evidence", f->evidence);
	mamori_json_key(j, "standards");
	mamori_json_arr_begin(j);
	for (i = 0; i < sizeof(f->kind->standards) / sizeof(f->kind->standards[0]) &&
	            f->kind->standards[i] != NULL;
	     i++)
		mamori_json_str(j, f->kind->standards[i]);
	mamori_json_arr_end(j);
	mamori_json_kstr(j, "remediation", f->kind->remediation);
	mamori_json_obj_end(j);
}

static void
write_component(struct mamori_json *j, const struct mamori_component *c)
{
	size_t i;

	mamori_json_obj_begin(j);
	mamori_json_kstr(j, "name", c->name);
	kstr_or_null(j, "version", c->version);
	kstr_or_null(j, "path", c->path);
	mamori_json_key(j, "cves");
	mamori_json_arr_begin(j);
	for (i = 0; i < c->ncves && i < MAMORI_COMPONENT_CVES_MAX; i++)
		mamori_json_str(j, c->cves[i]);
	mamori_json_arr_end(j);
	mamori_json_key(j, "end_of_life");
	mamori_json_bool(j, c->end_of_life);
	mamori_json_obj_end(j);
}

static void
write_conformance(struct mamori_json *j, const struct mamori_conformance *c)
{
	const struct mamori_standard *std;
	size_t nstd, s, p, i;

	std = mamori_standards(&nstd);
	mamori_json_obj_begin(j);
	for (s = 0; s < nstd; s++) {
		mamori_json_key(j, std[s].key);
		mamori_json_arr_begin(j);
		for (p = 0; p < std[s].nprov; p++) {
			const struct mamori_conf_row *row = &c->rows[s][p];

			mamori_json_obj_begin(j);
			mamori_json_kstr(j, "provision", row->prov->id);
			mamori_json_kstr(j, "title", row->prov->title);
			mamori_json_kstr(j, "result", mamori_conf_result_name(row->result));
			mamori_json_key(j, "findings");
			mamori_json_arr_begin(j);
			for (i = 0; i < row->nfindings; i++)
				mamori_json_u64(j, row->findings[i]);
			mamori_json_arr_end(j);
			mamori_json_obj_end(j);
		}
		mamori_json_arr_end(j);
	}
	mamori_json_obj_end(j);
}

mamori_err
mamori_report_json(const struct mamori_report *r, const char *tool_version, struct mamori_buf *out)
{
	struct mamori_conformance conf;
	struct mamori_json j;
	size_t counts[MAMORI_SEV_CRITICAL + 1] = {0};
	size_t i, start;
	int s;
	mamori_err e;

	if (r == NULL || tool_version == NULL || out == NULL)
		return MAMORI_E_INVAL;
	e = mamori_conformance_compute(r, &conf);
	if (e != MAMORI_OK)
		return e;
	for (i = 0; i < r->nf; i++)
		if ((unsigned)r->f[i].severity <= MAMORI_SEV_CRITICAL)
			counts[r->f[i].severity]++;
	start = out->len;
	mamori_json_init(&j, out);
	mamori_json_obj_begin(&j);
	mamori_json_kstr(&j, "tool", "mamori");
	mamori_json_kstr(&j, "version", tool_version);
	mamori_json_key(&j, "target");
	mamori_json_obj_begin(&j);
	kstr_or_null(&j, "kind", r->target_kind);
	kstr_or_null(&j, "path", r->target_path);
	kstr_or_null(&j, "sha256", r->target_sha256[0] != '\0' ? r->target_sha256 : NULL);
	mamori_json_obj_end(&j);
	mamori_json_key(&j, "summary");
	mamori_json_obj_begin(&j);
	for (s = MAMORI_SEV_CRITICAL; s >= MAMORI_SEV_INFO; s--)
		mamori_json_ku64(&j, mamori_severity_name((enum mamori_severity)s), counts[s]);
	mamori_json_obj_end(&j);
	mamori_json_key(&j, "findings");
	mamori_json_arr_begin(&j);
	for (i = 0; i < r->nf; i++)
		write_finding(&j, &r->f[i]);
	mamori_json_arr_end(&j);
	mamori_json_key(&j, "components");
	mamori_json_arr_begin(&j);
	for (i = 0; i < r->nc; i++)
		write_component(&j, &r->c[i]);
	mamori_json_arr_end(&j);
	mamori_json_key(&j, "conformance");
	write_conformance(&j, &conf);
	mamori_json_obj_end(&j);
	e = mamori_json_err(&j);
	if (e == MAMORI_OK)
		e = mamori_buf_putc(out, '\n');
	if (e != MAMORI_OK)
		out->len = start; /* nothing half-written on failure */
	mamori_conformance_free(&conf);
	return e;
}
