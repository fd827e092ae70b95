/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "mamori/buf.h"
#include "mamori/dict.h"

enum kind { K_PAIRS, K_TSV, K_CSV };

static bool
none_word(const char *s, size_t n)
{
	return (n == 6 && memcmp(s, "(none)", 6) == 0) || (n == 7 && memcmp(s, "<BLANK>", 7) == 0);
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* One line: MAMORI_OK (a pair given to fn, or a line to skip) or MAMORI_E_MALFORMED. */
static mamori_err
line(const char *l, size_t n, enum kind k, size_t lineno, mamori_dict_fn fn, void *arg)
{
	const char *u = l, *p, *sep;
	size_t ul, pl;

	while (n > 0 && l[n - 1] == '\r')
		n--;
	if (n == 0 || l[0] == '#')
		return MAMORI_OK;
	if (k == K_TSV && n >= 17 && memcmp(l, "username\tpassword", 17) == 0)
		return MAMORI_OK;
	if (k == K_CSV) {
		const char *c1 = memchr(l, ',', n), *c3;

		if (lineno == 1)
			return MAMORI_OK; /* the header row */
		if (c1 == NULL)
			return MAMORI_E_MALFORMED;
		u = c1 + 1;
		n -= (size_t)(u - l);
		sep = memchr(u, ',', n);
		if (sep == NULL)
			return MAMORI_E_MALFORMED;
		p = sep + 1;
		pl = n - (size_t)(p - u);
		c3 = memchr(p, ',', pl);
		if (c3 != NULL)
			pl = (size_t)(c3 - p);
		if (pl == 5 && memcmp(p, "<N/A>", 5) == 0)
			return MAMORI_OK;
	} else {
		sep = memchr(l, k == K_TSV ? '\t' : ':', n);
		if (sep == NULL && k == K_PAIRS)
			sep = memchr(l, ' ', n);
		if (sep == NULL)
			return MAMORI_E_MALFORMED;
		p = sep + 1;
		pl = n - (size_t)(p - l);
		if (k == K_TSV) {
			const char *t = memchr(p, '\t', pl);

			if (t != NULL)
				pl = (size_t)(t - p);
		}
	}
	ul = (size_t)(sep - u);
	if (none_word(u, ul) || (ul == 5 && memcmp(u, "<N/A>", 5) == 0))
		ul = 0;
	if (none_word(p, pl))
		pl = 0;
	return fn(arg, u, ul, p, pl);
}

mamori_err
mamori_dict_read(const char *path, mamori_dict_fn fn, void *arg, struct mamori_diag *d)
{
	struct mamori_buf b;
	size_t pos = 0, lineno = 0;
	enum kind k = ends_with(path, ".tsv") ? K_TSV : ends_with(path, ".csv") ? K_CSV : K_PAIRS;
	mamori_err e;

	mamori_buf_init(&b, MAMORI_DICT_FILE_MAX);
	e = mamori_read_file(path, &b);
	if (e != MAMORI_OK) {
		mamori_buf_free(&b);
		return mamori_diag_set(d, e, 0, 0, "%s: cannot read: %s", path,
		    e == MAMORI_E_TOOBIG ? "larger than 16 MiB" : mamori_strerror(e));
	}
	while (pos < b.len) {
		const uint8_t *nl = memchr(b.p + pos, '\n', b.len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (b.p + pos)) : b.len - pos;

		lineno++;
		if (memchr(b.p + pos, '\0', n) != NULL)
			e = MAMORI_E_MALFORMED;
		else
			e = line((const char *)b.p + pos, n, k, lineno, fn, arg);
		if (e != MAMORI_OK) {
			mamori_buf_free(&b);
			return mamori_diag_set(d, e, pos, lineno, "%s:%zu: %s", path, lineno,
			    e == MAMORI_E_TOOBIG  ? "field or dictionary too large"
			    : e == MAMORI_E_NOMEM ? "out of memory"
			                          : "expected a user and a password");
		}
		pos += n + (nl != NULL ? 1 : 0);
	}
	mamori_buf_free(&b);
	return MAMORI_OK;
}
