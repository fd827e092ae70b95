/* SPDX-License-Identifier: MIT */
/* Password hashes: Argon2id from libsodium for everything new, crypt(3) from libxcrypt only to
 * verify legacy hashes until they are replaced (docs/formats/cred-store.md). */
#include <crypt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/cred.h"

static const struct {
	const char *name;
	unsigned long long t;
	size_t kib;
} classes[] = {
    [MAMORI_CRED_CLASS_SMALL] = {"small", 4, 9216},
    [MAMORI_CRED_CLASS_MEDIUM] = {"medium", 2, 19456},
    [MAMORI_CRED_CLASS_LARGE] = {"large", 3, 65536},
};

const char *
mamori_cred_class_name(enum mamori_cred_class c)
{
	return (unsigned)c < sizeof(classes) / sizeof(classes[0]) ? classes[c].name : "?";
}

mamori_err
mamori_cred_class_parse(const char *s, enum mamori_cred_class *out)
{
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		if (strcmp(s, classes[i].name) == 0) {
			*out = (enum mamori_cred_class)i;
			return MAMORI_OK;
		}
	}
	return MAMORI_E_INVAL;
}

struct mamori_cred_params
mamori_cred_class_params(enum mamori_cred_class c)
{
	struct mamori_cred_params p;

	if ((unsigned)c >= sizeof(classes) / sizeof(classes[0]))
		c = MAMORI_CRED_CLASS_DEFAULT;
	p.opslimit = classes[c].t;
	p.memlimit = classes[c].kib * 1024u;
	return p;
}

static bool
is_argon2id(const char *hash)
{
	return strncmp(hash, "$argon2id$", 10) == 0;
}

mamori_err
mamori_cred_hash(
    const char *pw, size_t len, enum mamori_cred_class c, char out[MAMORI_CRED_HASH_MAX])
{
	struct mamori_cred_params p = mamori_cred_class_params(c);
	char tmp[crypto_pwhash_STRBYTES];

	if (len > MAMORI_CRED_PASSWORD_MAX)
		return MAMORI_E_TOOBIG;
	if (sodium_init() < 0)
		return MAMORI_E_NOMEM;
	if (crypto_pwhash_str_alg(
	        tmp, pw, len, p.opslimit, p.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return MAMORI_E_NOMEM; /* libsodium fails only when it cannot get the memory */
	if (strlen(tmp) >= MAMORI_CRED_HASH_MAX)
		return MAMORI_E_TOOBIG;
	memcpy(out, tmp, strlen(tmp) + 1);
	return MAMORI_OK;
}

/* Every hash prefix mamori names; those marked crypt are verified by libxcrypt. */
static const struct {
	const char *prefix, *kind;
	bool crypt;
} kinds[] = {{"$argon2id$", "argon2id", false}, {"$argon2i$", "argon2i", false},
    {"$y$", "yescrypt", true}, {"$gy$", "gost-yescrypt", true}, {"$7$", "scrypt", true},
    {"$6$", "sha512crypt", true}, {"$5$", "sha256crypt", true}, {"$2b$", "bcrypt", true},
    {"$2a$", "bcrypt", true}, {"$2y$", "bcrypt", true}, {"$1$", "md5crypt", true}};

/* The table entry hash starts with, or -1. */
static int
kind_of(const char *hash)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strncmp(hash, kinds[i].prefix, strlen(kinds[i].prefix)) == 0)
			return (int)i;
	return -1;
}

/* Traditional DES: 13 characters of [a-zA-Z0-9./]. */
static bool
is_des(const char *hash)
{
	size_t n = strlen(hash);

	if (n != 13)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = hash[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		        (ch >= '0' && ch <= '9') || ch == '.' || ch == '/'))
			return false;
	}
	return true;
}

/* crypt(3) strings libxcrypt verifies for us; anything else is refused rather than guessed. */
static bool
is_crypt(const char *hash)
{
	int k = kind_of(hash);

	return k >= 0 ? kinds[k].crypt : is_des(hash);
}

bool
mamori_cred_hash_usable(const char *hash)
{
	return is_argon2id(hash) || is_crypt(hash);
}

mamori_err
mamori_cred_hash_verify(const char *hash, const char *pw, size_t len, bool *ok)
{
	struct crypt_data *cd;
	char *pwz;
	const char *r;
	size_t hl;

	if (len > MAMORI_CRED_PASSWORD_MAX)
		return MAMORI_E_TOOBIG;
	if (sodium_init() < 0)
		return MAMORI_E_NOMEM;
	if (is_argon2id(hash)) {
		*ok = crypto_pwhash_str_verify(hash, pw, len) == 0;
		return MAMORI_OK;
	}
	if (!is_crypt(hash))
		return MAMORI_E_UNSUPPORTED;
	if (memchr(pw, '\0', len) != NULL) {
		*ok = false; /* crypt(3) would stop at the NUL: never match a shorter password */
		return MAMORI_OK;
	}
	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return MAMORI_E_NOMEM;
	if ((pwz = malloc(len + 1)) == NULL) {
		free(cd);
		return MAMORI_E_NOMEM;
	}
	memcpy(pwz, pw, len);
	pwz[len] = '\0';
	r = crypt_rn(pwz, hash, cd, (int)sizeof(*cd));
	hl = strlen(hash);
	*ok = r != NULL && r[0] != '*' && strlen(r) == hl && sodium_memcmp(r, hash, hl) == 0;
	sodium_memzero(pwz, len);
	free(pwz);
	sodium_memzero(cd, sizeof(*cd));
	free(cd);
	return MAMORI_OK;
}

bool
mamori_cred_hash_needs_rehash(const char *hash, enum mamori_cred_class c)
{
	struct mamori_cred_params p = mamori_cred_class_params(c);

	if (!is_argon2id(hash))
		return true;
	if (sodium_init() < 0)
		return false;
	return crypto_pwhash_str_needs_rehash(hash, p.opslimit, p.memlimit) != 0;
}

const char *
mamori_cred_hash_kind(const char *hash)
{
	int k = kind_of(hash);

	if (hash[0] == '\0')
		return "none";
	if (k >= 0)
		return kinds[k].kind;
	return is_des(hash) ? "descrypt" : "unknown";
}

void
mamori_cred_hash_dummy(enum mamori_cred_class c, const char *pw, size_t len)
{
	/* A well-formed Argon2id string of the class's cost that no password matches (its hash
	 * is zeros): verifying against it costs exactly what a real verification costs. */
	struct mamori_cred_params p = mamori_cred_class_params(c);
	char dummy[MAMORI_CRED_HASH_MAX];
	bool ok;

	snprintf(dummy, sizeof(dummy),
	    "$argon2id$v=19$m=%zu,t=%llu,p=1$bWFtb3JpLWR1bW15LXNhbHQ$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	    p.memlimit / 1024u, p.opslimit);
	if (len > MAMORI_CRED_PASSWORD_MAX)
		len = MAMORI_CRED_PASSWORD_MAX;
	if (mamori_cred_hash_verify(dummy, pw, len, &ok) != MAMORI_OK)
		return;
}
