/* SPDX-License-Identifier: MIT */
/* The default-credential dictionary: user/password pairs from Mirai's table and public
 * default-password lists, kept as a set of keyed 64-bit hashes (no passwords in memory). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sensor_priv.h"

#define CREDS_MAX       100000 /* pairs in all dictionaries together */
#define CREDS_FILE_MAX  ((size_t)16 * 1024 * 1024)
#define CREDS_FIELD_MAX 128

struct creds {
	uint64_t *slot; /* open addressing; 0 = empty */
	size_t cap, n;
	uint64_t seed;
};

static uint64_t
pair_hash(const struct creds *cr, const char *user, size_t ul, const char *pass, size_t pl)
{
	char tmp[2 * CREDS_FIELD_MAX + 2];
	uint64_t h;

	memcpy(tmp, user, ul);
	tmp[ul] = '\0';
	memcpy(tmp + ul + 1, pass, pl);
	h = mamori_hash(tmp, ul + 1 + pl, cr->seed);
	return h ? h : 1;
}

static mamori_err
add(struct creds *cr, const char *user, size_t ul, const char *pass, size_t pl)
{
	uint64_t h;
	size_t i;

	if (ul > CREDS_FIELD_MAX || pl > CREDS_FIELD_MAX)
		return MAMORI_E_TOOBIG;
	if (cr->n >= CREDS_MAX)
		return MAMORI_E_TOOBIG;
	h = pair_hash(cr, user, ul, pass, pl);
	for (i = h & (cr->cap - 1); cr->slot[i] != 0; i = (i + 1) & (cr->cap - 1))
		if (cr->slot[i] == h)
			return MAMORI_OK;
	cr->slot[i] = h;
	cr->n++;
	return MAMORI_OK;
}

bool
creds_has(const struct creds *cr, const char *user, const char *pass)
{
	size_t ul = strlen(user), pl = strlen(pass);
	uint64_t h;

	if (cr == NULL || ul > CREDS_FIELD_MAX || pl > CREDS_FIELD_MAX)
		return false;
	h = pair_hash(cr, user, ul, pass, pl);
	for (size_t i = h & (cr->cap - 1); cr->slot[i] != 0; i = (i + 1) & (cr->cap - 1))
		if (cr->slot[i] == h)
			return true;
	return false;
}

size_t
creds_count(const struct creds *cr)
{
	return cr ? cr->n : 0;
}

void
creds_free(struct creds *cr)
{
	if (cr == NULL)
		return;
	free(cr->slot);
	free(cr);
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && ((*s)[*n - 1] == '\r' || (*s)[*n - 1] == '\n'))
		(*n)--;
}

static bool
none_word(const char *s, size_t n)
{
	return (n == 6 && memcmp(s, "(none)", 6) == 0) || (n == 7 && memcmp(s, "<BLANK>", 7) == 0);
}

/* One line of a dictionary. Formats by file: .tsv "user<TAB>pass[<TAB>...]"; .csv the SecLists
 * "Vendor,Username,Password,Comments" layout; otherwise "user:pass" or "user pass". */
static mamori_err
parse_line(struct creds *cr, const char *line, size_t n, int kind)
{
	const char *u = line, *p, *sep;
	size_t ul, pl;

	trim(&line, &n);
	if (n == 0 || line[0] == '#')
		return MAMORI_OK;
	if (kind == 1 && n >= 17 && memcmp(line, "username\tpassword", 17) == 0)
		return MAMORI_OK; /* the header row */
	if (kind == 2) {          /* csv: skip the vendor column */
		const char *c1 = memchr(line, ',', n);

		if (c1 == NULL)
			return MAMORI_E_MALFORMED;
		u = c1 + 1;
		n -= (size_t)(u - line);
		sep = memchr(u, ',', n);
		if (sep == NULL)
			return MAMORI_E_MALFORMED;
		p = sep + 1;
		pl = n - (size_t)(p - u);
		{
			const char *c3 = memchr(p, ',', pl);

			if (c3 != NULL)
				pl = (size_t)(c3 - p);
		}
		if (pl == 5 && memcmp(p, "<N/A>", 5) == 0)
			return MAMORI_OK;
	} else {
		sep = memchr(line, kind == 1 ? '\t' : ':', n);
		if (sep == NULL && kind == 0)
			sep = memchr(line, ' ', n);
		if (sep == NULL)
			return MAMORI_E_MALFORMED;
		p = sep + 1;
		pl = n - (size_t)(p - line);
		if (kind == 1) {
			const char *t = memchr(p, '\t', pl);

			if (t != NULL)
				pl = (size_t)(t - p);
		}
	}
	ul = (size_t)(sep - u);
	if (none_word(u, ul))
		ul = 0;
	if (none_word(p, pl))
		pl = 0;
	if (kind == 2 && ul == 5 && memcmp(u, "<N/A>", 5) == 0)
		ul = 0;
	return add(cr, u, ul, p, pl);
}

static mamori_err
load_file(struct creds *cr, const char *path, struct mamori_diag *d)
{
	struct mamori_buf b;
	size_t pos = 0, line = 0, plen = strlen(path);
	int kind = 0;
	mamori_err e;

	if (plen > 4 && strcmp(path + plen - 4, ".tsv") == 0)
		kind = 1;
	else if (plen > 4 && strcmp(path + plen - 4, ".csv") == 0)
		kind = 2;
	mamori_buf_init(&b, CREDS_FILE_MAX);
	e = mamori_read_file(path, &b);
	if (e != MAMORI_OK) {
		mamori_buf_free(&b);
		return mamori_diag_set(d, e, 0, 0, "%s: cannot read: %s", path, mamori_strerror(e));
	}
	while (pos < b.len) {
		const uint8_t *nl = memchr(b.p + pos, '\n', b.len - pos);
		size_t n = nl ? (size_t)(nl - (b.p + pos)) : b.len - pos;

		line++;
		/* the header row of the CSV */
		if (!(kind == 2 && line == 1)) {
			e = parse_line(cr, (const char *)b.p + pos, n, kind);
			if (e != MAMORI_OK) {
				mamori_buf_free(&b);
				return mamori_diag_set(d, e, pos, line, "%s:%zu: %s", path, line,
				    e == MAMORI_E_TOOBIG ? "field or dictionary too large"
				                         : "expected a user and a password");
			}
		}
		pos += n + (nl ? 1 : 0);
	}
	mamori_buf_free(&b);
	return MAMORI_OK;
}

mamori_err
creds_load(struct creds **out, const struct mamori_sensor_config *c, struct mamori_diag *d)
{
	static const char *shipped[] = {
	    "credentials/mirai_scanner_table.tsv",
	    "credentials/seclists_mirai-botnet.txt",
	    "credentials/seclists_telnet-betterdefaultpasslist.txt",
	    "credentials/seclists_default-passwords_iot-excerpt.csv",
	};
	struct creds *cr = calloc(1, sizeof(*cr));
	char path[MAMORI_SENSOR_PATH_MAX + 64];
	mamori_err e = MAMORI_E_NOMEM;

	if (cr == NULL)
		return MAMORI_E_NOMEM;
	cr->cap = 1u << 18; /* > 2 * CREDS_MAX: probes stay short */
	cr->slot = calloc(cr->cap, sizeof(uint64_t));
	if (cr->slot == NULL)
		goto out;
	if (getentropy(&cr->seed, sizeof(cr->seed)) != 0)
		cr->seed = 0x6d616d6f7269ull;
	for (size_t i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", c->data_dir, shipped[i]);
		e = load_file(cr, path, d);
		if (e != MAMORI_OK)
			goto out;
	}
	for (size_t i = 0; i < c->ncreds_files; i++) {
		e = load_file(cr, c->creds_files[i], d);
		if (e != MAMORI_OK)
			goto out;
	}
	*out = cr;
	return MAMORI_OK;
out:
	creds_free(cr);
	return e;
}
