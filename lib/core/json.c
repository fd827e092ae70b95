/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mamori/json.h"

void
mamori_json_init(struct mamori_json *j, struct mamori_buf *b)
{
	j->b = b;
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
	j->err = MAMORI_OK;
}

static void
put(struct mamori_json *j, const char *s, size_t n)
{
	if (j->err == MAMORI_OK)
		j->err = mamori_buf_append(j->b, s, n);
}

/* A comma before every value or key but the first at its level; none after a key. */
static void
sep(struct mamori_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		put(j, ",", 1);
	j->first[j->depth] = false;
}

static void
open_(struct mamori_json *j, char c)
{
	sep(j);
	put(j, &c, 1);
	if (j->depth + 1 >= MAMORI_JSON_MAX_DEPTH) {
		if (j->err == MAMORI_OK)
			j->err = MAMORI_E_TOOBIG;
		return;
	}
	j->depth++;
	j->first[j->depth] = true;
}

static void
close_(struct mamori_json *j, char c)
{
	if (j->depth == 0) {
		if (j->err == MAMORI_OK)
			j->err = MAMORI_E_INVAL;
		return;
	}
	j->depth--;
	put(j, &c, 1);
}

void
mamori_json_obj_begin(struct mamori_json *j)
{
	open_(j, '{');
}

void
mamori_json_obj_end(struct mamori_json *j)
{
	close_(j, '}');
}

void
mamori_json_arr_begin(struct mamori_json *j)
{
	open_(j, '[');
}

void
mamori_json_arr_end(struct mamori_json *j)
{
	close_(j, ']');
}

size_t
mamori_utf8_seq(const uint8_t *s, size_t n, uint32_t *cp_out)
{
	uint32_t cp;
	size_t len, i;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp_out = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07u;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_out = cp;
	return len;
}

mamori_err
mamori_json_escape(struct mamori_buf *b, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, run = 0;
	mamori_err e;

	while (i < n) {
		uint8_t c = s[i];
		size_t ul;
		char esc[6];
		size_t elen = 0;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			run++;
			i++;
			continue;
		}
		if (c >= 0x80) {
			uint32_t cp;

			ul = mamori_utf8_seq(s + i, n - i, &cp);
			if (ul > 0) {
				run += ul;
				i += ul;
				continue;
			}
		}
		/* flush the plain run before the escape */
		e = mamori_buf_append(b, s + i - run, run);
		if (e != MAMORI_OK)
			return e;
		run = 0;
		esc[0] = '\\';
		switch (c) {
		case '"':
			esc[1] = '"';
			elen = 2;
			break;
		case '\\':
			esc[1] = '\\';
			elen = 2;
			break;
		case '\n':
			esc[1] = 'n';
			elen = 2;
			break;
		case '\r':
			esc[1] = 'r';
			elen = 2;
			break;
		case '\t':
			esc[1] = 't';
			elen = 2;
			break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			elen = 6;
			break;
		}
		e = mamori_buf_append(b, esc, elen);
		if (e != MAMORI_OK)
			return e;
		i++;
	}
	return mamori_buf_append(b, s + i - run, run);
}

void
mamori_json_strn(struct mamori_json *j, const uint8_t *s, size_t n)
{
	sep(j);
	put(j, "\"", 1);
	if (j->err == MAMORI_OK)
		j->err = mamori_json_escape(j->b, s, n);
	put(j, "\"", 1);
}

void
mamori_json_str(struct mamori_json *j, const char *s)
{
	mamori_json_strn(j, (const uint8_t *)s, strlen(s));
}

void
mamori_json_key(struct mamori_json *j, const char *key)
{
	mamori_json_str(j, key);
	put(j, ":", 1);
	j->after_key = true;
}

void
mamori_json_u64(struct mamori_json *j, uint64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%" PRIu64, v);

	sep(j);
	put(j, tmp, (size_t)n);
}

void
mamori_json_i64(struct mamori_json *j, int64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%" PRId64, v);

	sep(j);
	put(j, tmp, (size_t)n);
}

void
mamori_json_double(struct mamori_json *j, double v)
{
	char tmp[40];
	int n;

	if (!isfinite(v)) {
		mamori_json_null(j);
		return;
	}
	n = snprintf(tmp, sizeof(tmp), "%.6g", v);
	sep(j);
	put(j, tmp, (size_t)n);
}

void
mamori_json_bool(struct mamori_json *j, bool v)
{
	sep(j);
	put(j, v ? "true" : "false", v ? 4 : 5);
}

void
mamori_json_null(struct mamori_json *j)
{
	sep(j);
	put(j, "null", 4);
}

void
mamori_json_kstr(struct mamori_json *j, const char *key, const char *s)
{
	mamori_json_key(j, key);
	mamori_json_str(j, s);
}

void
mamori_json_ku64(struct mamori_json *j, const char *key, uint64_t v)
{
	mamori_json_key(j, key);
	mamori_json_u64(j, v);
}

mamori_err
mamori_json_err(const struct mamori_json *j)
{
	if (j->err == MAMORI_OK && j->depth != 0)
		return MAMORI_E_INVAL;
	return j->err;
}
