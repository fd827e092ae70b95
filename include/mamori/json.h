/* SPDX-License-Identifier: MIT */
#ifndef MAMORI_JSON_H
#define MAMORI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/buf.h"

#define MAMORI_JSON_MAX_DEPTH 16

/* A small streaming JSON writer onto a capped mamori_buf. Errors are sticky: check
 * mamori_json_err() once at the end. Commas are placed automatically. Strings are escaped;
 * bytes that are not valid UTF-8 are written as \u00XX of the byte, so any input is safe. */
struct mamori_json {
	struct mamori_buf *b;
	unsigned depth;
	bool first[MAMORI_JSON_MAX_DEPTH];
	bool after_key;
	mamori_err err;
};

void mamori_json_init(struct mamori_json *j, struct mamori_buf *b);
void mamori_json_obj_begin(struct mamori_json *j);
void mamori_json_obj_end(struct mamori_json *j);
void mamori_json_arr_begin(struct mamori_json *j);
void mamori_json_arr_end(struct mamori_json *j);
void mamori_json_key(struct mamori_json *j, const char *key);
void mamori_json_str(struct mamori_json *j, const char *s);
void mamori_json_strn(struct mamori_json *j, const uint8_t *s, size_t n);
void mamori_json_u64(struct mamori_json *j, uint64_t v);
void mamori_json_i64(struct mamori_json *j, int64_t v);
void mamori_json_double(struct mamori_json *j, double v);
void mamori_json_bool(struct mamori_json *j, bool v);
void mamori_json_null(struct mamori_json *j);
/* Shorthands: key + value. */
void mamori_json_kstr(struct mamori_json *j, const char *key, const char *s);
void mamori_json_ku64(struct mamori_json *j, const char *key, uint64_t v);
MAMORI_MUST_CHECK mamori_err mamori_json_err(const struct mamori_json *j);

/* Length (1..4) of the valid UTF-8 sequence at s[0..n), with its code point in *cp; 0 when
 * the bytes are not valid UTF-8 (overlong, surrogate, above U+10FFFF, cut short). */
size_t mamori_utf8_seq(const uint8_t *s, size_t n, uint32_t *cp);

/* Escapes n bytes as the body of a JSON string (no quotes) into b. */
MAMORI_MUST_CHECK mamori_err mamori_json_escape(struct mamori_buf *b, const uint8_t *s, size_t n);

#endif
