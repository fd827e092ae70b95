/* SPDX-License-Identifier: MIT */
/* passwd, shadow and group line parsers (see include/mamori/accounts.h). Each accepted line is
 * copied once into a NUL-separated buffer that the entry's string fields point into. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/accounts.h"

#define FIELDS_MAX 9 /* shadow has the most */

static size_t
kind_min_fields(enum mamori_accounts_kind k)
{
	/* the fields a line needs to mean anything: a name and a password field, plus the id for
	 * passwd and group; everything after that may be missing (tolerated as "") */
	return k == MAMORI_ACCOUNTS_SHADOW ? 2 : 3;
}

static size_t
kind_max_fields(enum mamori_accounts_kind k)
{
	switch (k) {
	case MAMORI_ACCOUNTS_PASSWD:
		return 7;
	case MAMORI_ACCOUNTS_SHADOW:
		return 9;
	case MAMORI_ACCOUNTS_GROUP:
		return 4;
	}
	return 0;
}

static void
note_bad(struct mamori_accounts *s, size_t line, size_t off, const char *why)
{
	s->nbad_total++;
	if (s->nbad >= MAMORI_ACCOUNTS_BAD_MAX)
		return;
	s->bad[s->nbad].line = line;
	s->bad[s->nbad].off = off;
	(void)snprintf(s->bad[s->nbad].why, sizeof(s->bad[s->nbad].why), "%s", why);
	s->nbad++;
}

/* A decimal id of at most 10 digits that fits 32 bits. */
static bool
parse_id(const char *s, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (s[0] == '\0')
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Parses one line (without its line end). Returns NULL and sets *why when malformed, or the
 * entry's buffer (owned by the caller) with e filled. */
static char *
parse_line(enum mamori_accounts_kind kind, const uint8_t *p, size_t n, struct mamori_account *e,
    const char **why, bool *nomem)
{
	const char *f[FIELDS_MAX];
	size_t nf = 0, start = 0;
	char *buf;

	*nomem = false;
	if (n > MAMORI_ACCOUNTS_LINE_MAX) {
		*why = "line too long";
		return NULL;
	}
	if (memchr(p, '\0', n) != NULL) {
		*why = "NUL byte in line";
		return NULL;
	}
	buf = malloc(n + 1);
	if (buf == NULL) {
		*nomem = true;
		return NULL;
	}
	memcpy(buf, p, n);
	buf[n] = '\0';
	for (size_t i = 0; i <= n; i++) {
		if (i < n && buf[i] != ':')
			continue;
		/* field [start, i) */
		if (nf >= kind_max_fields(kind)) {
			*why = "too many fields";
			goto bad;
		}
		if (i - start > (nf == 0 ? MAMORI_ACCOUNT_NAME_MAX : MAMORI_ACCOUNT_FIELD_MAX)) {
			*why = "field too long";
			goto bad;
		}
		buf[i] = '\0';
		f[nf++] = buf + start;
		start = i + 1;
	}
	if (nf < kind_min_fields(kind)) {
		*why = "too few fields";
		goto bad;
	}
	if (f[0][0] == '\0') {
		*why = "empty name";
		goto bad;
	}
	memset(e, 0, sizeof(*e));
	e->name = f[0];
	e->passwd = f[1];
	e->gecos = e->home = e->shell = e->members = "";
	e->nfields = nf;
	if (kind != MAMORI_ACCOUNTS_SHADOW) {
		if (!parse_id(f[2], &e->id)) {
			*why = kind == MAMORI_ACCOUNTS_PASSWD ? "uid is not a number"
			                                      : "gid is not a number";
			goto bad;
		}
		e->has_id = true;
	}
	if (kind == MAMORI_ACCOUNTS_PASSWD) {
		if (nf > 3 && f[3][0] != '\0') {
			if (!parse_id(f[3], &e->gid)) {
				*why = "gid is not a number";
				goto bad;
			}
			e->has_gid = true;
		}
		if (nf > 4)
			e->gecos = f[4];
		if (nf > 5)
			e->home = f[5];
		if (nf > 6)
			e->shell = f[6];
	} else if (kind == MAMORI_ACCOUNTS_GROUP && nf > 3) {
		e->members = f[3];
	}
	e->buf_ = buf;
	return buf;
bad:
	free(buf);
	return NULL;
}

mamori_err
mamori_accounts_parse(enum mamori_accounts_kind kind, const uint8_t *p, size_t n,
    struct mamori_accounts *out, struct mamori_diag *d)
{
	struct mamori_accounts s;
	size_t pos = 0, line = 0;
	mamori_err ret = MAMORI_E_INVAL;

	memset(&s, 0, sizeof(s));
	s.kind = kind;
	if (out == NULL || (p == NULL && n > 0) || kind_max_fields(kind) == 0)
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0, "accounts: bad arguments");
	if (n > MAMORI_ACCOUNTS_FILE_MAX)
		return mamori_diag_set(d, MAMORI_E_TOOBIG, MAMORI_ACCOUNTS_FILE_MAX, 0,
		    "accounts file of %zu bytes exceeds %zu", n, MAMORI_ACCOUNTS_FILE_MAX);
	while (pos < n) {
		const uint8_t *nl = memchr(p + pos, '\n', n - pos);
		size_t len = nl != NULL ? (size_t)(nl - (p + pos)) : n - pos;
		size_t next = pos + len + (nl != NULL ? 1 : 0);
		struct mamori_account e;
		const char *why = NULL;
		bool nomem;
		char *buf;

		line++;
		if (line > MAMORI_ACCOUNTS_MAX) {
			ret = mamori_diag_set(d, MAMORI_E_TOOBIG, pos, line,
			    "accounts file has more than %d lines", MAMORI_ACCOUNTS_MAX);
			goto out;
		}
		if (len > 0 && p[pos + len - 1] == '\r')
			len--; /* CRLF */
		if (len == 0 || p[pos] == '#' || p[pos] == '+' || p[pos] == '-') {
			pos = next;
			continue;
		}
		buf = parse_line(kind, p + pos, len, &e, &why, &nomem);
		if (buf == NULL) {
			if (nomem) {
				ret =
				    mamori_diag_set(d, MAMORI_E_NOMEM, pos, line, "out of memory");
				goto out;
			}
			note_bad(&s, line, pos, why);
			pos = next;
			continue;
		}
		e.line = line;
		e.off = pos;
		if (s.n % 64 == 0) {
			/* s.n < MAMORI_ACCOUNTS_MAX, so this cannot overflow */
			struct mamori_account *na = realloc(s.a, (s.n + 64) * sizeof(*na));

			if (na == NULL) {
				free(buf);
				ret =
				    mamori_diag_set(d, MAMORI_E_NOMEM, pos, line, "out of memory");
				goto out;
			}
			s.a = na;
		}
		s.a[s.n++] = e;
		pos = next;
	}
	*out = s;
	return MAMORI_OK;
out:
	mamori_accounts_free(&s);
	return ret;
}

void
mamori_accounts_free(struct mamori_accounts *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->n; i++)
		free(a->a[i].buf_);
	free(a->a);
	a->a = NULL;
	a->n = 0;
}

const struct mamori_account *
mamori_accounts_find(const struct mamori_accounts *a, const char *name)
{
	for (size_t i = 0; a != NULL && i < a->n; i++)
		if (strcmp(a->a[i].name, name) == 0)
			return &a->a[i];
	return NULL;
}

bool
mamori_account_locked(const char *passwd)
{
	/* "" is no password at all, the opposite of locked */
	if (passwd[0] == '\0')
		return false;
	return passwd[0] == '!' || passwd[0] == '*' || strcmp(passwd, "x") == 0;
}

bool
mamori_account_login_shell(const char *shell)
{
	static const char *const nologin[] = {
	    "nologin",
	    "false",
	    "true",
	    "sync",
	    "shutdown",
	    "halt",
	    "reboot",
	    "null",
	};
	const char *base = strrchr(shell, '/');

	if (shell[0] == '\0')
		return true; /* login(1) falls back to /bin/sh */
	base = base != NULL ? base + 1 : shell;
	for (size_t i = 0; i < sizeof(nologin) / sizeof(nologin[0]); i++)
		if (strcmp(base, nologin[i]) == 0)
			return false;
	return base[0] != '\0';
}
