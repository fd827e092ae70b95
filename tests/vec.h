/* SPDX-License-Identifier: MIT */
/* Test vectors as data: blank-line-separated records of "key: value" lines, '#' comments. */
#ifndef MAMORI_VEC_H
#define MAMORI_VEC_H

#include <stddef.h>
#include <stdint.h>

#define VEC_MAX_FIELDS 32

struct vec_field {
	char *key;
	char *value;
};

struct vec_record {
	struct vec_field f[VEC_MAX_FIELDS];
	size_t n;
	size_t line; /* line of the record's first field */
};

struct vec_file {
	char *text;
	struct vec_record *rec;
	size_t n;
};

/* The whole file, NUL-terminated (malloc'd; *len without the NUL when len is not NULL), or
 * NULL when it cannot be read. */
char *vec_read_file(const char *path, size_t *len);
/* Loads a vector file; returns 0 or -1 (with a message on stderr). */
int vec_load(const char *path, struct vec_file *vf);
void vec_free(struct vec_file *vf);
/* The value of key in r, or NULL. */
const char *vec_get(const struct vec_record *r, const char *key);
/* Decodes hex into out (cap bytes); returns the length or -1. */
long vec_hex(const char *hex, uint8_t *out, size_t cap);

#endif
