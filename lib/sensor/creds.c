/* SPDX-License-Identifier: MIT */
/* The default-credential dictionary: user/password pairs from Mirai's table and public
 * default-password lists, kept as a set of keyed 64-bit hashes (no passwords in memory). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mamori/dict.h"
#include "sensor_priv.h"

#define CREDS_MAX       100000 /* pairs in all dictionaries together */
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

static mamori_err
add_cb(void *arg, const char *user, size_t ul, const char *pass, size_t pl)
{
	return add(arg, user, ul, pass, pl);
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
		e = mamori_dict_read(path, add_cb, cr, d);
		if (e != MAMORI_OK)
			goto out;
	}
	for (size_t i = 0; i < c->ncreds_files; i++) {
		e = mamori_dict_read(c->creds_files[i], add_cb, cr, d);
		if (e != MAMORI_OK)
			goto out;
	}
	*out = cr;
	return MAMORI_OK;
out:
	creds_free(cr);
	return e;
}
