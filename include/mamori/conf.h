/* SPDX-License-Identifier: MIT */
#ifndef MAMORI_CONF_H
#define MAMORI_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/err.h"

#define MAMORI_CONF_LINE_MAX 1024 /* bytes per line, without the newline */
#define MAMORI_CONF_NAME_MAX 64   /* section and key names */
#define MAMORI_CONF_FILE_MAX ((size_t)1024 * 1024)

/* Called once per "key = value" line with the current section ("" before any [section]).
 * Returns MAMORI_OK, or an error with a message in d (unknown key, bad value). The line and
 * offset are filled in by the parser. */
typedef mamori_err (*mamori_conf_fn)(
    void *arg, const char *section, const char *key, const char *value, struct mamori_diag *d);

struct mamori_conf_parser {
	mamori_conf_fn fn;
	void *arg;
	char section[MAMORI_CONF_NAME_MAX];
	size_t lineno;
	size_t off; /* byte offset of the current line in the file */
};

void mamori_conf_init(struct mamori_conf_parser *c, mamori_conf_fn fn, void *arg);
/* One line, without its newline. Blank lines and lines starting with '#' or ';' are ignored.
 * NUL bytes and over-long lines are errors. */
MAMORI_MUST_CHECK mamori_err mamori_conf_line(
    struct mamori_conf_parser *c, const char *line, size_t len, struct mamori_diag *d);
/* A whole file's contents, line by line. d gets the line number and byte offset on error. */
MAMORI_MUST_CHECK mamori_err mamori_conf_parse(
    struct mamori_conf_parser *c, const uint8_t *p, size_t len, struct mamori_diag *d);

/* Value helpers for callbacks. */
MAMORI_MUST_CHECK mamori_err mamori_conf_u64(
    const char *value, uint64_t min, uint64_t max, uint64_t *out);
MAMORI_MUST_CHECK mamori_err mamori_conf_bool(const char *value, bool *out);

#endif
