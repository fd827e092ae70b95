/* SPDX-License-Identifier: MIT */
/* Credentials written into scripts and configuration files. Each rule is small and reads one
 * kind of file line by line (see docs/internals/accounts.md):
 *   telnetd   any text file: `telnetd ... -u user:password`, with one level of shell variables
 *             resolved from `VAR=value` / VAR=`cat FILE` / VAR=$(cat FILE) in the same script
 *             (the Alpha Networks `-u Alphanetworks:$image_sign` backdoor) → critical
 *   ppp       pap-secrets, chap-secrets: "client server secret" lines → high
 *   snmp      snmpd.conf ro/rwcommunity, com2sec; UCI `option community` → high for public,
 *             private or write access, else medium
 *   webadmin  *.xml: <account> entries with <name> and <password>: empty → account.empty-password
 *             (medium when the image sets it from devdata uipasswd at factory setup, else high),
 *             non-empty → credential.hardcoded high
 *   wifi      wpa_passphrase= / wpa_psk= (hostapd), WPAPSK= (Ralink .dat), UCI `option key` in a
 *             wifi-iface section → medium (a key shared by every unit)
 * Files over CRED_FILE_MAX bytes and files with a NUL byte in their first CRED_SNIFF bytes (not
 * text) are skipped; lines longer than CRED_LINE_MAX are skipped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/audit.h"

#define CRED_FILE_MAX  ((size_t)1024 * 1024)
#define CRED_SNIFF     8192
#define CRED_LINE_MAX  4096
#define CRED_VALUE_MAX 256
#define CRED_VAR_MAX   64

struct text {
	const char *p;
	size_t n;
};

struct line_it {
	struct text t;
	size_t pos;
	size_t no;
};

static bool
next_line(struct line_it *it, struct text *line)
{
	while (it->pos < it->t.n) {
		const char *s = it->t.p + it->pos;
		const char *nl = memchr(s, '\n', it->t.n - it->pos);
		size_t len = nl != NULL ? (size_t)(nl - s) : it->t.n - it->pos;

		it->pos += len + (nl != NULL ? 1 : 0);
		it->no++;
		if (len > 0 && s[len - 1] == '\r')
			len--;
		if (len > CRED_LINE_MAX)
			continue;
		line->p = s;
		line->n = len;
		return true;
	}
	return false;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Next whitespace-separated token of l starting at *pos; quotes around it are removed. */
static bool
token(struct text l, size_t *pos, struct text *tok)
{
	size_t i = *pos, start;

	while (i < l.n && is_space(l.p[i]))
		i++;
	if (i >= l.n)
		return false;
	start = i;
	if (l.p[i] == '"' || l.p[i] == '\'') {
		const char *q = memchr(l.p + i + 1, l.p[i], l.n - i - 1);

		if (q != NULL) {
			tok->p = l.p + i + 1;
			tok->n = (size_t)(q - tok->p);
			*pos = (size_t)(q - l.p) + 1;
			return true;
		}
	}
	while (i < l.n && !is_space(l.p[i]))
		i++;
	tok->p = l.p + start;
	tok->n = i - start;
	*pos = i;
	return true;
}

static bool
tok_is(struct text t, const char *s)
{
	return t.n == strlen(s) && memcmp(t.p, s, t.n) == 0;
}

static const char *
find(const char *p, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	for (size_t i = 0; m <= n && i <= n - m; i++)
		if (p[i] == needle[0] && memcmp(p + i, needle, m) == 0)
			return p + i;
	return NULL;
}

static void
copy_text(char *dst, size_t cap, struct text t)
{
	size_t n = t.n < cap - 1 ? t.n : cap - 1;

	memcpy(dst, t.p, n);
	dst[n] = '\0';
}

static bool
is_text(const struct mamori_fs_node *nd)
{
	size_t n = nd->size < CRED_SNIFF ? (size_t)nd->size : CRED_SNIFF;

	return nd->type == MAMORI_FS_REG && nd->data != NULL && nd->size <= CRED_FILE_MAX &&
	       memchr(nd->data, '\0', n) == NULL;
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

/* ---- telnetd -u ---------------------------------------------------------------------- */

/* The value of $name in the script: the last `name=...` line before line `before`. A value of
 * `cat FILE` (backquotes or $(...)) is read from the tree: its first line. */
static bool
resolve_var(const struct mamori_fstree *t, struct text script, struct text name, size_t before,
    char *val, size_t cap, char *how, size_t howcap)
{
	struct line_it it = {script, 0, 0};
	struct text l, found = {NULL, 0};

	while (next_line(&it, &l) && it.no < before) {
		size_t i = 0;

		while (i < l.n && is_space(l.p[i]))
			i++;
		if (l.n - i > name.n && memcmp(l.p + i, name.p, name.n) == 0 &&
		    l.p[i + name.n] == '=') {
			found.p = l.p + i + name.n + 1;
			found.n = l.n - i - name.n - 1;
		}
	}
	if (found.p == NULL)
		return false;
	while (found.n > 0 && is_space(found.p[found.n - 1]))
		found.n--;
	if (found.n >= 2 && (found.p[0] == '"' || found.p[0] == '\'') &&
	    found.p[found.n - 1] == found.p[0]) {
		found.p++;
		found.n -= 2;
	}
	if ((found.n > 6 && memcmp(found.p, "`cat ", 5) == 0 && found.p[found.n - 1] == '`') ||
	    (found.n > 7 && memcmp(found.p, "$(cat ", 6) == 0 && found.p[found.n - 1] == ')')) {
		struct text f = {found.p + (found.p[0] == '`' ? 5 : 6), 0};
		char path[MAMORI_FS_PATH_MAX];
		const struct mamori_fs_node *nd;
		struct text fl;
		struct line_it fit;

		f.n = (size_t)(found.p + found.n - 1 - f.p);
		while (f.n > 0 && is_space(f.p[0])) {
			f.p++;
			f.n--;
		}
		while (f.n > 0 && is_space(f.p[f.n - 1]))
			f.n--;
		copy_text(path, sizeof(path), f);
		nd = mamori_fstree_resolve(t, path);
		if (nd == NULL || nd->type != MAMORI_FS_REG || (nd->size > 0 && !is_text(nd)))
			return false;
		fit.t.p = nd->size > 0 ? (const char *)nd->data : "";
		fit.t.n = (size_t)nd->size;
		fit.pos = fit.no = 0;
		if (!next_line(&fit, &fl))
			fl.n = 0; /* an empty file: the variable is empty */
		copy_text(val, cap, fl);
		(void)snprintf(how, howcap, "$%.*s from %.80s", (int)name.n, name.p, path);
		return true;
	}
	copy_text(val, cap, found);
	(void)snprintf(how, howcap, "$%.*s set in the script", (int)name.n, name.p);
	return true;
}

/* Expands one field ("Alphanetworks" or "$image_sign" / "${image_sign}"). */
static void
expand(const struct mamori_fstree *t, struct text script, struct text v, size_t line, char *out,
    size_t cap, char *how, size_t howcap)
{
	how[0] = '\0';
	if (v.n > 1 && v.p[0] == '$') {
		struct text name = {v.p + 1, v.n - 1};

		if (name.n > 2 && name.p[0] == '{' && name.p[name.n - 1] == '}') {
			name.p++;
			name.n -= 2;
		}
		if (name.n <= CRED_VAR_MAX &&
		    resolve_var(t, script, name, line, out, cap, how, howcap))
			return;
		(void)snprintf(how, howcap, "$%.*s not resolved", (int)name.n, name.p);
	}
	copy_text(out, cap, v);
}

static mamori_err
rule_telnetd(const struct mamori_fstree *t, const struct mamori_fs_node *nd, struct text all,
    struct text l, size_t no, struct mamori_report *r)
{
	struct text tok, arg, u, p;
	size_t pos = 0;
	bool seen_telnetd = false, found = false;
	char user[CRED_VALUE_MAX], pass[CRED_VALUE_MAX], hu[128], hp[128], how[264];
	const char *colon;

	while (token(l, &pos, &tok)) {
		if (!seen_telnetd) {
			const char *b = tok.p;
			size_t n = tok.n;

			for (size_t i = 0; i < tok.n; i++)
				if (tok.p[i] == '/') {
					b = tok.p + i + 1;
					n = tok.n - i - 1;
				}
			seen_telnetd = n == 7 && memcmp(b, "telnetd", 7) == 0;
			continue;
		}
		if (tok_is(tok, "-u") && token(l, &pos, &arg)) {
			found = true;
			break;
		}
		if (tok.n > 2 && memcmp(tok.p, "-u", 2) == 0 && memchr(tok.p, ':', tok.n) != NULL) {
			arg.p = tok.p + 2;
			arg.n = tok.n - 2;
			found = true;
			break;
		}
	}
	if (!found)
		return MAMORI_OK;
	colon = memchr(arg.p, ':', arg.n);
	if (colon == NULL)
		return MAMORI_OK;
	u.p = arg.p;
	u.n = (size_t)(colon - arg.p);
	p.p = colon + 1;
	p.n = arg.n - u.n - 1;
	expand(t, all, u, no, user, sizeof(user), hu, sizeof(hu));
	expand(t, all, p, no, pass, sizeof(pass), hp, sizeof(hp));
	if (hu[0] != '\0' && hp[0] != '\0')
		(void)snprintf(how, sizeof(how), " (%s; %s)", hu, hp);
	else if (hu[0] != '\0' || hp[0] != '\0')
		(void)snprintf(how, sizeof(how), " (%s)", hu[0] != '\0' ? hu : hp);
	else
		how[0] = '\0';
	while (l.n > 0 && is_space(l.p[0])) {
		l.p++;
		l.n--;
	}
	return mamori_report_addf(r, "credential.hardcoded", MAMORI_SEV_CRITICAL, nd->path,
	    (uint32_t)no, "telnetd started with a fixed login: user '%s' password '%s'%s: %.*s",
	    user, pass, how, (int)(l.n < 200 ? l.n : 200), l.p);
}

/* ---- PPP, SNMP, Wi-Fi ------------------------------------------------------------------ */

static mamori_err
rule_ppp(const struct mamori_fs_node *nd, struct text l, size_t no, const char *which,
    struct mamori_report *r)
{
	struct text f[3];
	size_t pos = 0, i;

	for (i = 0; i < 3 && token(l, &pos, &f[i]); i++)
		;
	if (i < 3 || f[0].n == 0 || f[0].p[0] == '#')
		return MAMORI_OK;
	return mamori_report_addf(r, "credential.hardcoded", MAMORI_SEV_HIGH, nd->path,
	    (uint32_t)no, "PPP %s secret: client '%.*s' server '%.*s' secret '%.*s'", which,
	    (int)f[0].n, f[0].p, (int)f[1].n, f[1].p, (int)f[2].n, f[2].p);
}

static mamori_err
add_community(
    const struct mamori_fs_node *nd, size_t no, struct text c, bool rw, struct mamori_report *r)
{
	bool known = tok_is(c, "public") || tok_is(c, "private");

	if (c.n == 0 || c.p[0] == '$')
		return MAMORI_OK;
	return mamori_report_addf(r, "credential.hardcoded",
	    rw || known ? MAMORI_SEV_HIGH : MAMORI_SEV_MEDIUM, nd->path, (uint32_t)no,
	    "SNMP %s community '%.*s'%s", rw ? "read-write" : "read-only", (int)c.n, c.p,
	    known ? " (a well-known default)" : "");
}

static mamori_err
rule_snmpd_conf(const struct mamori_fs_node *nd, struct text l, size_t no, struct mamori_report *r)
{
	struct text k, v, tmp;
	size_t pos = 0;

	if (!token(l, &pos, &k) || !token(l, &pos, &v))
		return MAMORI_OK;
	if (tok_is(k, "rocommunity") || tok_is(k, "rocommunity6"))
		return add_community(nd, no, v, false, r);
	if (tok_is(k, "rwcommunity") || tok_is(k, "rwcommunity6"))
		return add_community(nd, no, v, true, r);
	/* com2sec NAME SOURCE COMMUNITY: access is decided elsewhere, count it as read-only */
	if (tok_is(k, "com2sec") && token(l, &pos, &tmp) && token(l, &pos, &v))
		return add_community(nd, no, v, false, r);
	return MAMORI_OK;
}

/* UCI: `option <name> '<value>'`. */
static bool
uci_option(struct text l, struct text *name, struct text *val)
{
	struct text k;
	size_t pos = 0;

	return token(l, &pos, &k) && tok_is(k, "option") && token(l, &pos, name) &&
	       token(l, &pos, val);
}

static bool
has_suffix(struct text t, const char *s)
{
	size_t m = strlen(s);

	return t.n >= m && memcmp(t.p + t.n - m, s, m) == 0;
}

static mamori_err
add_wifi(const struct mamori_fs_node *nd, size_t no, const char *what, struct text v,
    struct mamori_report *r)
{
	if (v.n == 0 || v.p[0] == '$')
		return MAMORI_OK; /* empty or filled in at run time */
	return mamori_report_addf(r, "credential.hardcoded", MAMORI_SEV_MEDIUM, nd->path,
	    (uint32_t)no, "Wi-Fi key in %s: '%.*s' (the same on every unit unless replaced)", what,
	    (int)v.n, v.p);
}

/* key=value lines: hostapd wpa_passphrase/wpa_psk, Ralink WPAPSK<n>. */
static mamori_err
rule_wifi_kv(const struct mamori_fs_node *nd, struct text l, size_t no, struct mamori_report *r)
{
	size_t i = 0;
	const char *eq;
	struct text k, v;

	while (i < l.n && is_space(l.p[i]))
		i++;
	eq = memchr(l.p + i, '=', l.n - i);
	if (eq == NULL)
		return MAMORI_OK;
	k.p = l.p + i;
	k.n = (size_t)(eq - k.p);
	v.p = eq + 1;
	v.n = l.n - i - k.n - 1;
	if (v.n >= 2 && (v.p[0] == '"' || v.p[0] == '\'') && v.p[v.n - 1] == v.p[0]) {
		v.p++;
		v.n -= 2;
	}
	if (tok_is(k, "wpa_passphrase") || tok_is(k, "wpa_psk"))
		return add_wifi(nd, no, "a hostapd configuration", v, r);
	if (k.n >= 6 && memcmp(k.p, "WPAPSK", 6) == 0) {
		for (size_t j = 6; j < k.n; j++)
			if (k.p[j] < '0' || k.p[j] > '9')
				return MAMORI_OK;
		return add_wifi(nd, no, "a Ralink driver profile", v, r);
	}
	return MAMORI_OK;
}

/* ---- default web-admin accounts in XML ------------------------------------------------ */

static bool
xml_value(const char *p, size_t n, const char *open, const char *close, struct text *out,
    const char **end)
{
	const char *a = find(p, n, open), *b;

	if (a == NULL)
		return false;
	a += strlen(open);
	b = find(a, n - (size_t)(a - p), close);
	if (b == NULL)
		return false;
	out->p = a;
	out->n = (size_t)(b - a);
	*end = b + strlen(close);
	return true;
}

static size_t
line_of(struct text all, const char *at)
{
	size_t no = 1;

	for (const char *s = all.p; s < at; s++)
		no += *s == '\n';
	return no;
}

static bool
plain(struct text v)
{
	return memchr(v.p, '<', v.n) == NULL && memchr(v.p, '"', v.n) == NULL &&
	       memchr(v.p, '\n', v.n) == NULL && memchr(v.p, '$', v.n) == NULL;
}

static mamori_err
rule_xml_accounts(
    const struct mamori_fs_node *nd, struct text all, bool devdata, struct mamori_report *r)
{
	const char *s = all.p, *e = all.p + all.n;

	for (;;) {
		struct text block, name, pass;
		const char *bend, *q, *qe, *nend, *pend;

		if (!xml_value(s, (size_t)(e - s), "<account>", "</account>", &block, &bend))
			return MAMORI_OK;
		q = block.p;
		qe = block.p + block.n;
		while (xml_value(q, (size_t)(qe - q), "<name>", "</name>", &name, &nend)) {
			const char *nextname = find(nend, (size_t)(qe - nend), "<name>");
			size_t lim = (size_t)((nextname != NULL ? nextname : qe) - nend);
			mamori_err ret;

			q = nend;
			if (!xml_value(nend, lim, "<password>", "</password>", &pass, &pend) ||
			    !plain(name) || !plain(pass) || name.n == 0)
				continue;
			if (pass.n == 0)
				ret = mamori_report_addf(r, "account.empty-password",
				    devdata ? MAMORI_SEV_MEDIUM : MAMORI_SEV_HIGH, nd->path,
				    (uint32_t)line_of(all, pass.p),
				    "web admin '%.*s' has an empty default password%s", (int)name.n,
				    name.p,
				    devdata
				        ? " (overwritten from devdata uipasswd at factory setup: "
				          "default from devdata)"
				        : "");
			else
				ret = mamori_report_addf(r, "credential.hardcoded", MAMORI_SEV_HIGH,
				    nd->path, (uint32_t)line_of(all, pass.p),
				    "web admin '%.*s' has the default password '%.*s'", (int)name.n,
				    name.p, (int)pass.n, pass.p);
			if (ret != MAMORI_OK)
				return ret;
		}
		s = bend;
	}
}

/* ---- driver ------------------------------------------------------------------------- */

static mamori_err
scan_file(const struct mamori_fstree *t, const struct mamori_fs_node *nd, bool devdata,
    struct mamori_report *r)
{
	struct text all = {(const char *)nd->data, (size_t)nd->size}, l;
	struct line_it it = {all, 0, 0};
	const char *base = base_name(nd->path);
	bool ppp = strcmp(base, "pap-secrets") == 0 || strcmp(base, "chap-secrets") == 0;
	bool snmpd = strcmp(base, "snmpd.conf") == 0;
	bool uci = strncmp(nd->path, "/etc/config/", 12) == 0;
	bool wifi_iface = false;
	size_t bl = strlen(base);
	mamori_err ret = MAMORI_OK;

	while (ret == MAMORI_OK && next_line(&it, &l)) {
		struct text k, v;
		size_t pos = 0;

		if (find(l.p, l.n, "telnetd") != NULL && find(l.p, l.n, "-u") != NULL)
			ret = rule_telnetd(t, nd, all, l, it.no, r);
		if (ret != MAMORI_OK)
			break;
		if (ppp)
			ret = rule_ppp(nd, l, it.no, base[0] == 'p' ? "PAP" : "CHAP", r);
		else if (snmpd)
			ret = rule_snmpd_conf(nd, l, it.no, r);
		else if (uci && token(l, &pos, &k) && tok_is(k, "config"))
			wifi_iface = token(l, &pos, &v) && tok_is(v, "wifi-iface");
		else if (uci && uci_option(l, &k, &v) && has_suffix(k, "community"))
			ret = add_community(nd, it.no, v, k.n >= 2 && memcmp(k.p, "rw", 2) == 0, r);
		else if (uci && wifi_iface && uci_option(l, &k, &v) && tok_is(k, "key"))
			ret = add_wifi(nd, it.no, "the UCI wireless configuration", v, r);
		else
			ret = rule_wifi_kv(nd, l, it.no, r);
	}
	if (ret == MAMORI_OK && bl > 4 && strcmp(base + bl - 4, ".xml") == 0)
		ret = rule_xml_accounts(nd, all, devdata, r);
	return ret;
}

mamori_err
mamori_check_credentials(
    const struct mamori_fstree *t, struct mamori_report *r, struct mamori_diag *d)
{
	size_t n;
	bool devdata = false;

	if (t == NULL || r == NULL)
		return MAMORI_E_INVAL;
	n = mamori_fstree_count(t);
	/* Alpha Networks images replace the default web password at factory setup from the
	 * per-unit manufacturing data (`devdata get -e uipasswd`) */
	for (size_t i = 0; i < n && !devdata; i++) {
		const struct mamori_fs_node *nd = mamori_fstree_at(t, i);

		devdata = is_text(nd) && find((const char *)nd->data, (size_t)nd->size,
		                             "devdata get -e uipasswd") != NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const struct mamori_fs_node *nd = mamori_fstree_at(t, i);
		mamori_err ret;

		if (!is_text(nd))
			continue;
		ret = scan_file(t, nd, devdata, r);
		if (ret != MAMORI_OK)
			return mamori_diag_set(d, ret, 0, 0, "%s: cannot add a finding: %s",
			    nd->path, mamori_strerror(ret));
	}
	return MAMORI_OK;
}
