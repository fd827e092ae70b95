/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/conf.h"

void
mamori_conf_init(struct mamori_conf_parser *c, mamori_conf_fn fn, void *arg)
{
	c->fn = fn;
	c->arg = arg;
	c->section[0] = '\0';
	c->lineno = 0;
	c->off = 0;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

mamori_err
mamori_conf_line(struct mamori_conf_parser *c, const char *line, size_t len, struct mamori_diag *d)
{
	char buf[MAMORI_CONF_LINE_MAX + 1];
	char key[MAMORI_CONF_NAME_MAX];
	size_t i = 0, k, end;
	mamori_err e;

	c->lineno++;
	if (len > MAMORI_CONF_LINE_MAX)
		return mamori_diag_set(d, MAMORI_E_TOOBIG, c->off, c->lineno,
		    "line longer than %d bytes", MAMORI_CONF_LINE_MAX);
	if (memchr(line, '\0', len) != NULL)
		return mamori_diag_set(
		    d, MAMORI_E_MALFORMED, c->off, c->lineno, "NUL byte in line");
	memcpy(buf, line, len);
	buf[len] = '\0';
	while (i < len && is_space(buf[i]))
		i++;
	end = len;
	while (end > i && is_space(buf[end - 1]))
		end--;
	buf[end] = '\0';
	if (i == end || buf[i] == '#' || buf[i] == ';')
		return MAMORI_OK;
	if (buf[i] == '[') {
		if (buf[end - 1] != ']')
			return mamori_diag_set(d, MAMORI_E_MALFORMED, c->off, c->lineno,
			    "section header without closing ']'");
		i++;
		for (k = 0; i < end - 1; i++, k++) {
			if (!is_name_char(buf[i]) || k + 1 >= sizeof(c->section))
				return mamori_diag_set(
				    d, MAMORI_E_MALFORMED, c->off, c->lineno, "bad section name");
			c->section[k] = buf[i];
		}
		if (k == 0)
			return mamori_diag_set(
			    d, MAMORI_E_MALFORMED, c->off, c->lineno, "empty section name");
		c->section[k] = '\0';
		return MAMORI_OK;
	}
	for (k = 0; i < end && is_name_char(buf[i]); i++, k++) {
		if (k + 1 >= sizeof(key))
			return mamori_diag_set(d, MAMORI_E_TOOBIG, c->off, c->lineno,
			    "key longer than %d bytes", MAMORI_CONF_NAME_MAX - 1);
		key[k] = buf[i];
	}
	key[k] = '\0';
	while (i < end && is_space(buf[i]))
		i++;
	if (k == 0 || i >= end || buf[i] != '=')
		return mamori_diag_set(
		    d, MAMORI_E_MALFORMED, c->off, c->lineno, "expected 'key = value'");
	i++;
	while (i < end && is_space(buf[i]))
		i++;
	e = c->fn(c->arg, c->section, key, buf + i, d);
	if (e != MAMORI_OK && d != NULL) {
		d->line = c->lineno;
		d->off = c->off;
		if (d->msg[0] == '\0')
			(void)mamori_diag_set(d, e, c->off, c->lineno, "bad value for '%s'", key);
	}
	return e;
}

mamori_err
mamori_conf_parse(struct mamori_conf_parser *c, const uint8_t *p, size_t len, struct mamori_diag *d)
{
	size_t pos = 0;
	mamori_err e;

	if (len > MAMORI_CONF_FILE_MAX)
		return mamori_diag_set(
		    d, MAMORI_E_TOOBIG, 0, 0, "file larger than %zu bytes", MAMORI_CONF_FILE_MAX);
	while (pos < len) {
		const uint8_t *nl = memchr(p + pos, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - (p + pos)) : len - pos;

		c->off = pos;
		mamori_diag_clear(d);
		e = mamori_conf_line(c, (const char *)p + pos, llen, d);
		if (e != MAMORI_OK)
			return e;
		pos += llen + (nl ? 1 : 0);
	}
	return MAMORI_OK;
}

mamori_err
mamori_conf_u64(const char *value, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (value[0] < '0' || value[0] > '9')
		return MAMORI_E_MALFORMED;
	errno = 0;
	v = strtoull(value, &end, 10);
	if (errno != 0 || *end != '\0')
		return MAMORI_E_MALFORMED;
	if (v < min || v > max)
		return MAMORI_E_TOOBIG;
	*out = v;
	return MAMORI_OK;
}

mamori_err
mamori_conf_bool(const char *value, bool *out)
{
	if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0 || strcmp(value, "1") == 0 ||
	    strcmp(value, "on") == 0) {
		*out = true;
		return MAMORI_OK;
	}
	if (strcmp(value, "no") == 0 || strcmp(value, "false") == 0 || strcmp(value, "0") == 0 ||
	    strcmp(value, "off") == 0) {
		*out = false;
		return MAMORI_OK;
	}
	return MAMORI_E_MALFORMED;
}
