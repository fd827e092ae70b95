/* SPDX-License-Identifier: MIT */
/* The HTML report: one page, inline CSS, no script. The image is hostile, so every string that
 * comes from it (paths, evidence, component names, versions, CVE ids) goes through put_text,
 * which escapes the HTML metacharacters and shows control bytes, invalid UTF-8 and the code
 * points that reorder or hide text as \xNN. A Content-Security-Policy forbids scripts anyway. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mamori/json.h"
#include "mamori/report.h"
#include "mamori/report_html.h"

/* The writer state: the first error sticks and every later call does nothing. */
struct html {
	struct mamori_buf *b;
	mamori_err e;
};

static void
put_raw(struct html *h, const char *s)
{
	if (h->e == MAMORI_OK)
		h->e = mamori_buf_append(h->b, s, strlen(s));
}

static void
put_u64(struct html *h, uint64_t v)
{
	if (h->e == MAMORI_OK)
		h->e = mamori_buf_printf(h->b, "%" PRIu64, v);
}

/* C1 controls, bidirectional overrides and isolates, zero-width and BOM characters: shown
 * escaped, so that a file name cannot reorder or hide what the reader sees. */
static bool
unsafe_cp(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

/* Appends s escaped for HTML text and attribute values, at most MAMORI_HTML_FIELD_MAX bytes
 * of it. markup adds a span around the \xNN escapes (never inside an attribute). */
static void
put_text(struct html *h, const char *str, bool markup)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *s = (const uint8_t *)str;
	size_t n = strlen(str), i = 0, len;
	bool cut = false;
	uint32_t cp;

	if (n > MAMORI_HTML_FIELD_MAX) {
		n = MAMORI_HTML_FIELD_MAX;
		cut = true;
	}
	while (i < n && h->e == MAMORI_OK) {
		if (s[i] >= 0x20 && s[i] < 0x7f) {
			const char *ent = NULL;

			switch (s[i]) {
			case '&':
				ent = "&amp;";
				break;
			case '<':
				ent = "&lt;";
				break;
			case '>':
				ent = "&gt;";
				break;
			case '"':
				ent = "&quot;";
				break;
			case '\'':
				ent = "&#39;";
				break;
			default:
				break;
			}
			if (ent != NULL) {
				put_raw(h, ent);
				i++;
				continue;
			}
			len = 1;
			while (i + len < n && s[i + len] >= 0x20 && s[i + len] < 0x7f &&
			       strchr("&<>\"'", s[i + len]) == NULL)
				len++;
			h->e = mamori_buf_append(h->b, s + i, len);
			i += len;
			continue;
		}
		if (s[i] >= 0x80 && (len = mamori_utf8_seq(s + i, n - i, &cp)) > 0 &&
		    !unsafe_cp(cp)) {
			h->e = mamori_buf_append(h->b, s + i, len);
			i += len;
			continue;
		}
		/* one byte escaped; an unsafe but valid sequence goes byte by byte */
		{
			char esc[5] = {'\\', 'x', hex[s[i] >> 4], hex[s[i] & 15], '\0'};

			if (markup)
				put_raw(h, "<span class=\"esc\">");
			put_raw(h, esc);
			if (markup)
				put_raw(h, "</span>");
		}
		i++;
	}
	if (cut) {
		if (markup)
			put_raw(h, "<span class=\"esc\">");
		put_raw(h, " \xe2\x80\xa6 (cut at ");
		put_u64(h, MAMORI_HTML_FIELD_MAX);
		put_raw(h, " bytes)");
		if (markup)
			put_raw(h, "</span>");
	}
}

static void
put_html(struct html *h, const char *s)
{
	put_text(h, s, true);
}

static const char *const sev_label[] = {"Info", "Low", "Medium", "High", "Critical"};

/* The severity of f, an out-of-range value shown as info. */
static enum mamori_severity
sev_of(const struct mamori_finding *f)
{
	return (unsigned)f->severity <= MAMORI_SEV_CRITICAL ? f->severity : MAMORI_SEV_INFO;
}

static void
put_sev_badge(struct html *h, enum mamori_severity s)
{
	put_raw(h, "<span class=\"badge sev-");
	put_raw(h, mamori_severity_name(s));
	put_raw(h, "\">");
	put_raw(h, sev_label[s]);
	put_raw(h, "</span>");
}

/* In pieces: C11 compilers need only take string literals of 4095 bytes. */
static const char *const style[] = {
    "<style>\n"
    ":root{--ink:#1f2933;--muted:#5f6b7a;--line:#d9dee5;--bg:#f5f7fa;--accent:#1d3557}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:14px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica "
    "Neue\",Arial,sans-serif;color:var(--ink);background:#fff}\n"
    "main{max-width:1200px;margin:0 auto;padding:0 32px 48px}\n"
    "header.top{background:var(--accent);color:#fff;padding:28px 32px 24px}\n"
    "header.top .inner{max-width:1136px;margin:0 auto}\n"
    "header.top h1{margin:0 0 4px;font-size:26px;font-weight:600;letter-spacing:.2px}\n"
    "header.top .sub{margin:0 0 18px;color:#c9d6ea;font-size:13px;text-transform:uppercase;"
    "letter-spacing:1.5px}\n"
    "header.top dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;margin:0}\n"
    "header.top dt{color:#c9d6ea}\n"
    "header.top dd{margin:0;overflow-wrap:anywhere;font-weight:500}\n"
    "header.top code{color:#fff;background:rgba(255,255,255,.12)}\n"
    "h2{font-size:19px;margin:36px 0 12px;padding-bottom:6px;border-bottom:2px solid "
    "var(--accent);color:var(--accent)}\n"
    "h3{font-size:15px;margin:24px 0 8px}\n"
    "p.note{color:var(--muted);margin:4px 0 12px}\n"
    "code{font:12.5px/1.45 ui-monospace,\"SFMono-Regular\",Menlo,Consolas,\"DejaVu Sans "
    "Mono\",monospace;background:var(--bg);border-radius:3px;padding:1px 4px;"
    "white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word}\n"
    ".esc{color:#b42318;background:#fde8e8;border-radius:2px}\n",
    "table{width:100%;border-collapse:collapse;margin:8px 0 4px;table-layout:auto}\n"
    "th,td{text-align:left;vertical-align:top;padding:7px 9px;border-bottom:1px solid "
    "var(--line)}\n"
    "th{background:var(--bg);font-size:12px;text-transform:uppercase;letter-spacing:.6px;"
    "color:var(--muted);border-bottom:2px solid var(--line)}\n"
    "tbody tr:nth-child(even){background:#fafbfc}\n"
    "td.num{white-space:nowrap;color:var(--muted)}\n"
    "td.where{overflow-wrap:anywhere}\n"
    "td.id code{word-break:normal}\n"
    "td.ev code{display:block;max-height:30em;overflow:auto}\n"
    "td.rem{color:#3a4754}\n"
    "table.findings{table-layout:fixed}\n"
    ".w-num{width:3.2em}.w-sev{width:7em}.w-id{width:15%}.w-where{width:14%}.w-ev{width:26%}"
    ".w-rem{width:19%}\n"
    "table.overview{width:auto;min-width:60%}table.overview td.c{text-align:right;"
    "font-variant-numeric:tabular-nums;padding-right:18px}\n"
    "a{color:#1d5fb4;text-decoration:none}\n"
    "a:hover{text-decoration:underline}\n"
    ".badge{display:inline-block;min-width:64px;text-align:center;padding:2px 8px;"
    "border-radius:10px;font-size:11.5px;font-weight:600;color:#fff;white-space:nowrap;"
    "letter-spacing:.3px}\n"
    ".sev-critical{background:#7a1020}.sev-high{background:#d1242f}"
    ".sev-medium{background:#d97706}.sev-low{background:#2f6fd0}.sev-info{background:#6b7785}\n"
    ".res-pass{background:#1a7f37}.res-fail{background:#d1242f}"
    ".res-not-assessable{background:#8c959f}\n"
    ".eol-yes{background:#d1242f}.eol-no{background:#1a7f37}\n"
    ".tag{display:inline-block;margin:1px 3px 1px 0;padding:0 6px;border:1px solid "
    "var(--line);border-radius:3px;font-size:11.5px;color:#3a4754}\n"
    ".cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0 8px}\n"
    ".card{flex:1 1 120px;border:1px solid var(--line);border-radius:6px;padding:10px 14px;"
    "border-top:5px solid #6b7785}\n"
    ".card .n{font-size:28px;font-weight:700;line-height:1.1}\n"
    ".card .l{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.8px}\n"
    ".card.c-critical{border-top-color:#7a1020}.card.c-high{border-top-color:#d1242f}"
    ".card.c-medium{border-top-color:#d97706}.card.c-low{border-top-color:#2f6fd0}"
    ".card.c-info{border-top-color:#6b7785}.card.c-total{border-top-color:var(--accent)}\n"
    ".card.zero .n{color:#b3bac3}\n"
    "ol.top{margin:8px 0;padding-left:22px}ol.top li{margin:5px 0}\n"
    "ol.top .badge{margin-right:8px}\n"
    ".conf-counts{margin:0 0 6px}.conf-counts .badge{margin-right:6px}\n"
    "footer{max-width:1200px;margin:0 auto;padding:16px 32px 32px;color:var(--muted);"
    "font-size:12px;border-top:1px solid var(--line)}\n"
    "@media print{body{font-size:10.5px}main{padding:0 0 12px;max-width:none}"
    "header.top{padding:14px 0}header.top .inner{max-width:none}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "thead{display:table-header-group}tr{break-inside:avoid}h2,h3{break-after:avoid}"
    "a{color:inherit}td.ev code{max-height:none;overflow:visible}}\n"
    "</style>\n",
};

static void
write_head(struct html *h, const struct mamori_report *r)
{
	size_t i;

	put_raw(h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	           "style-src 'unsafe-inline'; img-src data:\">\n"
	           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	           "<meta name=\"referrer\" content=\"no-referrer\">\n"
	           "<title>mamori audit report: ");
	put_text(h, r->target_path != NULL ? r->target_path : "(no target)", false);
	put_raw(h, "</title>\n");
	for (i = 0; i < sizeof(style) / sizeof(style[0]); i++)
		put_raw(h, style[i]);
	put_raw(h, "</head>\n<body>\n");
}

static void
write_header(struct html *h, const struct mamori_report *r, const char *tool_version)
{
	char date[32] = "";
	time_t now = time(NULL);
	struct tm tm;

	if (gmtime_r(&now, &tm) != NULL &&
	    strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", &tm) == 0)
		date[0] = '\0';
	put_raw(h, "<header class=\"top\"><div class=\"inner\">\n<p class=\"sub\">mamori ");
	put_text(h, r->target_kind != NULL ? r->target_kind : "", false);
	put_raw(h, " security audit</p>\n<h1>Security audit report</h1>\n<dl>\n<dt>Target</dt><dd "
	           "id=\"target\">");
	put_html(h, r->target_path != NULL ? r->target_path : "(none)");
	put_raw(h, "</dd>\n<dt>Kind</dt><dd>");
	put_html(h, r->target_kind != NULL ? r->target_kind : "(unknown)");
	put_raw(h, "</dd>\n<dt>SHA-256</dt><dd><code>");
	/* the digest is ours, but the struct could be filled by anyone: escape it too */
	{
		char sha[sizeof(r->target_sha256)];

		memcpy(sha, r->target_sha256, sizeof(sha) - 1);
		sha[sizeof(sha) - 1] = '\0';
		put_html(h, sha[0] != '\0' ? sha : "(none)");
	}
	put_raw(h, "</code></dd>\n<dt>Date</dt><dd>");
	put_raw(h, date);
	put_raw(h, "</dd>\n<dt>Tool</dt><dd>mamori ");
	put_html(h, tool_version);
	put_raw(h, "</dd>\n</dl>\n</div></header>\n<main>\n");
}

static void
put_anchor_link(struct html *h, size_t idx)
{
	put_raw(h, "<a href=\"#finding-");
	put_u64(h, (uint64_t)idx + 1);
	put_raw(h, "\">#");
	put_u64(h, (uint64_t)idx + 1);
	put_raw(h, "</a>");
}

static void
put_where(struct html *h, const struct mamori_finding *f)
{
	if (f->path == NULL) {
		put_raw(h, "\xe2\x80\x94");
		return;
	}
	put_raw(h, "<code>");
	put_html(h, f->path);
	if (f->line > 0) {
		put_raw(h, ":");
		put_u64(h, f->line);
	}
	put_raw(h, "</code>");
	if (f->line == 0 && f->offset > 0) {
		put_raw(h, " <span class=\"note\">offset ");
		put_u64(h, f->offset);
		put_raw(h, "</span>");
	}
}

static const char *const res_label[] = {"Pass", "Fail", "Not assessable"};

/* Pass, fail and not-assessable counts per standard, linking to each standard's table. */
static void
write_overview(struct html *h, const struct mamori_conformance *conf)
{
	const struct mamori_standard *std;
	size_t nstd, s;
	int res;

	std = mamori_standards(&nstd);
	put_raw(h, "<h3>Conformance at a glance</h3>\n<table class=\"overview\">\n<thead><tr><th>"
	           "Standard</th><th>Pass</th><th>Fail</th><th>Not assessable</th></tr></thead>\n"
	           "<tbody>\n");
	for (s = 0; s < nstd && s < MAMORI_STANDARDS_N; s++) {
		put_raw(h, "<tr><td><a href=\"#std-");
		put_raw(h, std[s].key);
		put_raw(h, "\">");
		put_html(h, std[s].name);
		put_raw(h, "</a></td>");
		for (res = MAMORI_CONF_PASS; res <= MAMORI_CONF_NOT_ASSESSABLE; res++) {
			put_raw(h, "<td class=\"c\">");
			put_u64(h, conf->counts[s][res]);
			put_raw(h, "</td>");
		}
		put_raw(h, "</tr>\n");
	}
	put_raw(h, "</tbody>\n</table>\n");
}

static void
write_summary(struct html *h, const struct mamori_report *r, const struct mamori_conformance *conf)
{
	size_t counts[MAMORI_SEV_CRITICAL + 1] = {0};
	size_t i, shown = 0;
	int s;

	for (i = 0; i < r->nf; i++)
		counts[sev_of(&r->f[i])]++;
	put_raw(h, "<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"cards\">\n");
	for (s = MAMORI_SEV_CRITICAL; s >= MAMORI_SEV_INFO; s--) {
		put_raw(h, "<div class=\"card c-");
		put_raw(h, mamori_severity_name((enum mamori_severity)s));
		put_raw(h, counts[s] == 0 ? " zero" : "");
		put_raw(h, "\" id=\"count-");
		put_raw(h, mamori_severity_name((enum mamori_severity)s));
		put_raw(h, "\"><div class=\"n\">");
		put_u64(h, counts[s]);
		put_raw(h, "</div><div class=\"l\">");
		put_raw(h, sev_label[s]);
		put_raw(h, "</div></div>\n");
	}
	put_raw(h, "<div class=\"card c-total\" id=\"count-total\"><div class=\"n\">");
	put_u64(h, r->nf);
	put_raw(h, "</div><div class=\"l\">Total findings</div></div>\n</div>\n");
	write_overview(h, conf);
	if (r->nf == 0) {
		put_raw(h, "<p class=\"note\">No findings.</p>\n</section>\n");
		return;
	}
	/* the most severe findings whatever r's order, each severity in r's order */
	put_raw(h, "<h3>Top findings</h3>\n<ol class=\"top\">\n");
	for (s = MAMORI_SEV_CRITICAL; s >= MAMORI_SEV_INFO && shown < MAMORI_HTML_TOP_MAX; s--)
		for (i = 0; i < r->nf && shown < MAMORI_HTML_TOP_MAX; i++) {
			const struct mamori_finding *f = &r->f[i];

			if ((int)sev_of(f) != s)
				continue;
			put_raw(h, "<li>");
			put_sev_badge(h, sev_of(f));
			put_raw(h, "<a href=\"#finding-");
			put_u64(h, (uint64_t)i + 1);
			put_raw(h, "\">");
			put_html(h, f->kind->title);
			put_raw(h, "</a>");
			if (f->path != NULL) {
				put_raw(h, " &mdash; ");
				put_where(h, f);
			}
			put_raw(h, "</li>\n");
			shown++;
		}
	put_raw(h, "</ol>\n");
	if (shown < r->nf) {
		put_raw(h, "<p class=\"note\">");
		put_u64(h, r->nf - shown);
		put_raw(h, " more in the <a href=\"#findings\">findings table</a>.</p>\n");
	}
	put_raw(h, "</section>\n");
}

static void
write_findings(struct html *h, const struct mamori_report *r)
{
	size_t i, k;

	put_raw(h, "<section id=\"findings\">\n<h2>Findings</h2>\n");
	if (r->nf == 0) {
		put_raw(h, "<p class=\"note\">No findings.</p>\n</section>\n");
		return;
	}
	put_raw(h, "<table class=\"findings\">\n<thead><tr><th class=\"w-num\">#</th><th "
	           "class=\"w-sev\">Severity</th><th class=\"w-id\">Finding</th><th "
	           "class=\"w-where\">Where</th><th class=\"w-ev\">Evidence</th><th "
	           "class=\"w-rem\">Remediation</th><th>Standards</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < r->nf; i++) {
		const struct mamori_finding *f = &r->f[i];

		put_raw(h, "<tr id=\"finding-");
		put_u64(h, (uint64_t)i + 1);
		put_raw(h, "\" class=\"finding\"><td class=\"num\">");
		put_u64(h, (uint64_t)i + 1);
		put_raw(h, "</td><td>");
		put_sev_badge(h, sev_of(f));
		put_raw(h, "</td><td class=\"id\"><strong>");
		put_html(h, f->kind->title);
		put_raw(h, "</strong><br><code>");
		put_html(h, f->kind->id);
		put_raw(h, "</code></td><td class=\"where\">");
		put_where(h, f);
		put_raw(h, "</td><td class=\"ev\">");
		if (f->evidence != NULL && f->evidence[0] != '\0') {
			put_raw(h, "<code>");
			put_html(h, f->evidence);
			put_raw(h, "</code>");
		} else {
			put_raw(h, "\xe2\x80\x94");
		}
		put_raw(h, "</td><td class=\"rem\">");
		put_html(h, f->kind->remediation);
		put_raw(h, "</td><td>");
		for (k = 0; k < sizeof(f->kind->standards) / sizeof(f->kind->standards[0]) &&
		            f->kind->standards[k] != NULL;
		     k++) {
			put_raw(h, "<span class=\"tag\">");
			put_html(h, f->kind->standards[k]);
			put_raw(h, "</span> ");
		}
		put_raw(h, "</td></tr>\n");
	}
	put_raw(h, "</tbody>\n</table>\n</section>\n");
}

/* "CVE-YYYY-N+" */
static bool
is_cve_id(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 10 || n > MAMORI_CVE_ID_MAX || strncmp(s, "CVE-", 4) != 0 || s[8] != '-')
		return false;
	for (i = 4; i < n; i++)
		if (i != 8 && (s[i] < '0' || s[i] > '9'))
			return false;
	return true;
}

static void
write_components(struct html *h, const struct mamori_report *r)
{
	size_t i, k;

	put_raw(h, "<section id=\"components\">\n<h2>Components</h2>\n");
	if (r->nc == 0) {
		put_raw(h, "<p class=\"note\">No components identified.</p>\n</section>\n");
		return;
	}
	put_raw(h, "<table class=\"components\">\n<thead><tr><th>Name</th><th>Version</th><th>Path"
	           "</th><th>Known vulnerabilities</th><th>End of life</th></tr></thead>\n"
	           "<tbody>\n");
	for (i = 0; i < r->nc; i++) {
		const struct mamori_component *c = &r->c[i];

		put_raw(h, "<tr class=\"component\"><td><strong>");
		put_html(h, c->name != NULL ? c->name : "");
		put_raw(h, "</strong></td><td>");
		if (c->version != NULL)
			put_html(h, c->version);
		else
			put_raw(h, "unknown");
		put_raw(h, "</td><td class=\"where\">");
		if (c->path != NULL) {
			put_raw(h, "<code>");
			put_html(h, c->path);
			put_raw(h, "</code>");
		} else {
			put_raw(h, "\xe2\x80\x94");
		}
		put_raw(h, "</td><td>");
		for (k = 0; k < c->ncves && k < MAMORI_COMPONENT_CVES_MAX; k++) {
			if (c->cves[k] == NULL)
				continue;
			if (is_cve_id(c->cves[k])) {
				/* a link, not a resource: nothing is fetched when the page loads */
				put_raw(h, "<a class=\"tag\" rel=\"noreferrer\" "
				           "href=\"https://nvd.nist.gov/vuln/detail/");
				put_raw(h, c->cves[k]);
				put_raw(h, "\">");
				put_raw(h, c->cves[k]);
				put_raw(h, "</a> ");
			} else {
				put_raw(h, "<span class=\"tag\">");
				put_html(h, c->cves[k]);
				put_raw(h, "</span> ");
			}
		}
		if (c->ncves == 0)
			put_raw(h, "none known");
		put_raw(h, "</td><td>");
		put_raw(h, c->end_of_life ? "<span class=\"badge eol-yes\">Yes</span>"
		                          : "<span class=\"badge eol-no\">No</span>");
		put_raw(h, "</td></tr>\n");
	}
	put_raw(h, "</tbody>\n</table>\n</section>\n");
}

static void
write_conformance(
    struct html *h, const struct mamori_report *r, const struct mamori_conformance *conf)
{
	const struct mamori_standard *std;
	size_t nstd, s, p, i;
	int res;

	std = mamori_standards(&nstd);
	put_raw(h, "<section id=\"conformance\">\n<h2>Conformance</h2>\n<p class=\"note\">Assessed "
	           "from the image alone: a provision fails when a finding maps to it, passes when "
	           "a check covers it and found nothing, and is not assessable when no check of "
	           "a static image covers it.</p>\n");
	for (s = 0; s < nstd && s < MAMORI_STANDARDS_N; s++) {
		put_raw(h, "<h3 id=\"std-");
		put_raw(h, std[s].key);
		put_raw(h, "\">");
		put_html(h, std[s].name);
		put_raw(h, "</h3>\n<p class=\"conf-counts\">");
		for (res = MAMORI_CONF_PASS; res <= MAMORI_CONF_NOT_ASSESSABLE; res++) {
			put_raw(h, "<span class=\"badge res-");
			put_raw(h, mamori_conf_result_name((enum mamori_conf_result)res));
			put_raw(h, "\">");
			put_u64(h, conf->counts[s][res]);
			put_raw(h, " ");
			put_raw(h, res_label[res]);
			put_raw(h, "</span>");
		}
		put_raw(h,
		    "</p>\n<table class=\"conformance\">\n<thead><tr><th>Provision</th><th>"
		    "Requirement</th><th>Result</th><th>Findings</th></tr></thead>\n<tbody>\n");
		for (p = 0; p < std[s].nprov; p++) {
			const struct mamori_conf_row *row = &conf->rows[s][p];
			unsigned rr = (unsigned)row->result <= MAMORI_CONF_NOT_ASSESSABLE
			                  ? (unsigned)row->result
			                  : MAMORI_CONF_NOT_ASSESSABLE;

			put_raw(h, "<tr><td class=\"num\">");
			put_html(h, row->prov->id);
			put_raw(h, "</td><td>");
			put_html(h, row->prov->title);
			put_raw(h, "</td><td><span class=\"badge res-");
			put_raw(h, mamori_conf_result_name((enum mamori_conf_result)rr));
			put_raw(h, "\">");
			put_raw(h, res_label[rr]);
			put_raw(h, "</span></td><td>");
			for (i = 0; i < row->nfindings && i < MAMORI_HTML_CONF_LINKS_MAX; i++) {
				if (row->findings[i] >= r->nf)
					continue;
				put_anchor_link(h, row->findings[i]);
				put_raw(h, " ");
			}
			if (row->nfindings > MAMORI_HTML_CONF_LINKS_MAX) {
				put_raw(h, "and ");
				put_u64(h, row->nfindings - MAMORI_HTML_CONF_LINKS_MAX);
				put_raw(h, " more");
			}
			put_raw(h, "</td></tr>\n");
		}
		put_raw(h, "</tbody>\n</table>\n");
	}
	put_raw(h, "</section>\n");
}

mamori_err
mamori_report_html(const struct mamori_report *r, const char *tool_version, struct mamori_buf *out)
{
	struct mamori_conformance conf;
	struct html h;
	size_t start;

	if (r == NULL || tool_version == NULL || out == NULL)
		return MAMORI_E_INVAL;
	h.e = mamori_conformance_compute(r, &conf);
	if (h.e != MAMORI_OK)
		return h.e;
	h.b = out;
	start = out->len;
	write_head(&h, r);
	write_header(&h, r, tool_version);
	write_summary(&h, r, &conf);
	write_findings(&h, r);
	write_components(&h, r);
	write_conformance(&h, r, &conf);
	put_raw(&h, "</main>\n<footer>Generated by mamori ");
	put_html(&h, tool_version);
	put_raw(&h, ", an open-source IoT security toolkit. Findings come from static analysis of "
	            "the image; a device in the field may differ.</footer>\n</body>\n</html>\n");
	if (h.e != MAMORI_OK)
		out->len = start; /* nothing half-written on failure */
	mamori_conformance_free(&conf);
	return h.e;
}
