/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

char *
vec_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long sz;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		p = malloc((size_t)sz + 1);
		if (p != NULL && fread(p, 1, (size_t)sz, f) != (size_t)sz) {
			free(p);
			p = NULL;
		}
		if (p != NULL) {
			p[sz] = '\0';
			if (len != NULL)
				*len = (size_t)sz;
		}
	}
	fclose(f);
	return p;
}

int
vec_load(const char *path, struct vec_file *vf)
{
	char *line, *next;
	size_t lineno = 0, cap = 0;
	struct vec_record *cur = NULL;

	memset(vf, 0, sizeof(*vf));
	if ((vf->text = vec_read_file(path, NULL)) == NULL) {
		fprintf(stderr, "vec: cannot read %s\n", path);
		return -1;
	}
	for (line = vf->text; line != NULL; line = next) {
		char *colon;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		(void)lineno;
		if (line[0] == '#')
			continue;
		if (line[0] == '\0' || line[0] == '\r') {
			cur = NULL;
			continue;
		}
		colon = strstr(line, ": ");
		if (colon == NULL) {
			colon = strchr(line, ':');
			if (colon == NULL || colon[1] != '\0')
				continue;
		}
		if (cur == NULL) {
			if (vf->n == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				struct vec_record *nr = realloc(vf->rec, ncap * sizeof(*nr));

				if (nr == NULL)
					return -1;
				vf->rec = nr;
				cap = ncap;
			}
			cur = &vf->rec[vf->n++];
			memset(cur, 0, sizeof(*cur));
			cur->line = lineno;
		}
		*colon = '\0';
		if (cur->n < VEC_MAX_FIELDS) {
			cur->f[cur->n].key = line;
			cur->f[cur->n].value = colon[1] ? colon + 2 : colon + 1;
			cur->n++;
		}
	}
	return 0;
}

void
vec_free(struct vec_file *vf)
{
	free(vf->text);
	free(vf->rec);
	memset(vf, 0, sizeof(*vf));
}

const char *
vec_get(const struct vec_record *r, const char *key)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->f[i].key, key) == 0)
			return r->f[i].value;
	return NULL;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long
vec_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (*hex) {
		int hi, lo;

		if (*hex == ' ') {
			hex++;
			continue;
		}
		hi = hexval(hex[0]);
		lo = hex[1] ? hexval(hex[1]) : -1;
		if (hi < 0 || lo < 0 || n >= cap)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
		hex += 2;
	}
	return (long)n;
}
