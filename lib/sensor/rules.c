/* SPDX-License-Identifier: MIT */
/* Exploit rules (docs/formats/exploit-rules.md): one rule per line,
 *   sid=N severity=1..3 uri="..." body="..." headers="..." any="..." msg="..." ref="..."
 * Every condition is a case-insensitive substring; all of a rule's conditions must match. */
#include <stdlib.h>
#include <string.h>

#include "mamori/conf.h"
#include "sensor_priv.h"

#define RULES_LINE_MAX 1024
#define RULES_FILE_MAX ((size_t)1024 * 1024)

_Static_assert(
    RULE_MSG_MAX <= RULE_PAT_MAX && RULE_REF_MAX <= RULE_PAT_MAX, "token buffer holds every value");

static char
lower(char c)
{
	static const char lo[] = "abcdefghijklmnopqrstuvwxyz";

	if (c >= 'A' && c <= 'Z')
		return lo[c - 'A'];
	return c;
}

/* Reads one key=value token at *pp; value bare or "quoted" with \" and \\ escapes. */
static mamori_err
token(
    const char **pp, const char *end, char *key, size_t kcap, char *val, size_t vcap, size_t *vlen)
{
	const char *p = *pp;
	size_t k = 0, v = 0;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end)
		return MAMORI_E_NOTFOUND;
	while (p < end && *p != '=' && *p != ' ' && *p != '\t') {
		if (k + 1 >= kcap)
			return MAMORI_E_TOOBIG;
		key[k++] = *p++;
	}
	key[k] = '\0';
	if (p == end || *p != '=' || k == 0)
		return MAMORI_E_MALFORMED;
	p++;
	if (p < end && *p == '"') {
		p++;
		while (p < end && *p != '"') {
			if (*p == '\\' && p + 1 < end)
				p++;
			if (v + 1 >= vcap)
				return MAMORI_E_TOOBIG;
			val[v++] = *p++;
		}
		if (p == end)
			return MAMORI_E_MALFORMED; /* no closing quote */
		p++;
	} else {
		while (p < end && *p != ' ' && *p != '\t') {
			if (v + 1 >= vcap)
				return MAMORI_E_TOOBIG;
			val[v++] = *p++;
		}
	}
	val[v] = '\0';
	*vlen = v;
	*pp = p;
	return MAMORI_OK;
}

static mamori_err
parse_rule(
    struct rule *r, const char *line, size_t n, struct mamori_diag *d, size_t off, size_t lineno)
{
	const char *p = line, *end = line + n;
	char key[16], val[RULE_PAT_MAX]; /* msg and ref are no longer (asserted below) */
	size_t vlen;
	mamori_err e;
	uint64_t num;

	memset(r, 0, sizeof(*r));
	for (;;) {
		e = token(&p, end, key, sizeof(key), val, sizeof(val), &vlen);
		if (e == MAMORI_E_NOTFOUND)
			break;
		if (e != MAMORI_OK)
			return mamori_diag_set(d, e, off + (size_t)(p - line), lineno, "%s",
			    e == MAMORI_E_TOOBIG ? "token too long" : "expected key=value");
		if (strcmp(key, "sid") == 0) {
			if (mamori_conf_u64(val, 1, UINT32_MAX, &num) != MAMORI_OK)
				return mamori_diag_set(
				    d, MAMORI_E_MALFORMED, off, lineno, "bad sid");
			r->sid = (uint32_t)num;
		} else if (strcmp(key, "severity") == 0) {
			if (mamori_conf_u64(val, 1, 3, &num) != MAMORI_OK)
				return mamori_diag_set(d, MAMORI_E_MALFORMED, off, lineno,
				    "severity must be 1, 2 or 3");
			r->severity = (unsigned)num;
		} else if (strcmp(key, "msg") == 0) {
			memcpy(r->msg, val, vlen + 1);
		} else if (strcmp(key, "ref") == 0) {
			memcpy(r->ref, val, vlen + 1);
		} else if (strcmp(key, "uri") == 0 || strcmp(key, "body") == 0 ||
		           strcmp(key, "headers") == 0 || strcmp(key, "any") == 0) {
			if (r->nconds >= RULE_CONDS_MAX)
				return mamori_diag_set(d, MAMORI_E_TOOBIG, off, lineno,
				    "more than %d conditions", RULE_CONDS_MAX);
			if (vlen == 0)
				return mamori_diag_set(
				    d, MAMORI_E_MALFORMED, off, lineno, "empty pattern");
			r->cond[r->nconds].field = key[0] == 'u'   ? RF_URI
			                           : key[0] == 'b' ? RF_BODY
			                           : key[0] == 'h' ? RF_HEADERS
			                                           : RF_ANY;
			for (size_t i = 0; i <= vlen; i++)
				r->cond[r->nconds].pat[i] = lower(val[i]);
			r->cond[r->nconds].len = vlen;
			r->nconds++;
		} else {
			return mamori_diag_set(
			    d, MAMORI_E_NOTFOUND, off, lineno, "unknown key '%s'", key);
		}
	}
	if (r->sid == 0 || r->severity == 0 || r->msg[0] == '\0' || r->ref[0] == '\0' ||
	    r->nconds == 0)
		return mamori_diag_set(d, MAMORI_E_MALFORMED, off, lineno,
		    "a rule needs sid, severity, msg, ref and at least one condition");
	return MAMORI_OK;
}

mamori_err
mamori_rules_parse(struct rules *rs, const uint8_t *p, size_t len, struct mamori_diag *d)
{
	size_t pos = 0, lineno = 0;
	struct rules out = {NULL, 0};
	mamori_err e = MAMORI_OK;

	if (len > RULES_FILE_MAX)
		return mamori_diag_set(
		    d, MAMORI_E_TOOBIG, 0, 0, "rules file over %zu bytes", RULES_FILE_MAX);
	while (pos < len) {
		const uint8_t *nl = memchr(p + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (p + pos)) : len - pos;
		const char *line = (const char *)p + pos;
		size_t i = 0;

		lineno++;
		if (n > RULES_LINE_MAX) {
			e = mamori_diag_set(
			    d, MAMORI_E_TOOBIG, pos, lineno, "line over %d bytes", RULES_LINE_MAX);
			goto out;
		}
		if (memchr(line, '\0', n) != NULL) {
			e = mamori_diag_set(d, MAMORI_E_MALFORMED, pos, lineno, "NUL byte");
			goto out;
		}
		while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
			i++;
		if (i < n && line[i] != '#') {
			size_t m = n;
			struct rule *nr;

			while (m > i && line[m - 1] == '\r')
				m--;
			if (out.n >= RULES_MAX) {
				e = mamori_diag_set(d, MAMORI_E_TOOBIG, pos, lineno,
				    "more than %d rules", RULES_MAX);
				goto out;
			}
			nr = realloc(out.v, (out.n + 1) * sizeof(*nr));
			if (nr == NULL) {
				e = MAMORI_E_NOMEM;
				goto out;
			}
			out.v = nr;
			e = parse_rule(&out.v[out.n], line + i, m - i, d, pos + i, lineno);
			if (e != MAMORI_OK)
				goto out;
			for (size_t k = 0; k < out.n; k++) {
				if (out.v[k].sid == out.v[out.n].sid) {
					e = mamori_diag_set(d, MAMORI_E_MALFORMED, pos, lineno,
					    "duplicate sid %u", (unsigned)out.v[k].sid);
					goto out;
				}
			}
			out.n++;
		}
		pos += n + (nl ? 1 : 0);
	}
out:
	if (e != MAMORI_OK) {
		free(out.v);
		return e;
	}
	*rs = out;
	return MAMORI_OK;
}

void
mamori_rules_free(struct rules *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

static bool
has(const char *hay, size_t n, const char *pat, size_t plen)
{
	if (hay == NULL || plen == 0 || plen > n)
		return hay != NULL && plen == 0;
	for (size_t i = 0; i + plen <= n; i++) {
		const char *c = memchr(hay + i, pat[0], n - i - plen + 1);

		if (c == NULL)
			return false;
		i = (size_t)(c - hay);
		if (memcmp(c, pat, plen) == 0)
			return true;
	}
	return false;
}

const struct rule *
mamori_rules_match(const struct rules *r, const char *uri, size_t urilen, const char *head,
    size_t headlen, const char *body, size_t bodylen)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct rule *ru = &r->v[i];
		bool all = true;

		for (size_t k = 0; k < ru->nconds && all; k++) {
			const char *pat = ru->cond[k].pat;
			size_t pl = ru->cond[k].len;

			switch (ru->cond[k].field) {
			case RF_URI:
				all = has(uri, urilen, pat, pl);
				break;
			case RF_BODY:
				all = has(body, bodylen, pat, pl);
				break;
			case RF_HEADERS:
				all = has(head, headlen, pat, pl);
				break;
			case RF_ANY:
				all = has(uri, urilen, pat, pl) || has(head, headlen, pat, pl) ||
				      has(body, bodylen, pat, pl);
				break;
			}
		}
		if (all)
			return ru;
	}
	return NULL;
}
