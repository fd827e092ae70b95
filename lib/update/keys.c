/* SPDX-License-Identifier: MIT */
/* Update signing keys (docs/formats/update-bundle.md, "Key files"): Ed25519 from libsodium,
 * one base64 line after an untrusted comment, as signify writes them. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mamori/update.h"

#define PUB_BYTES   42u  /* "MU" + id + pk */
#define SEC_BYTES   74u  /* "MS" + id + sk */
#define KEYFILE_MAX 512u /* bytes of a key file */

void
mamori_upd_keyid(const uint8_t pk[32], uint8_t id[MAMORI_UPD_KEYID_LEN])
{
	uint8_t h[32];

	crypto_generichash(h, sizeof(h), pk, 32, NULL, 0);
	memcpy(id, h, MAMORI_UPD_KEYID_LEN);
}

void
mamori_upd_seckey_wipe(struct mamori_upd_seckey *k)
{
	sodium_memzero(k, sizeof(*k));
}

static void
hexid(const uint8_t id[MAMORI_UPD_KEYID_LEN], char out[2 * MAMORI_UPD_KEYID_LEN + 1])
{
	sodium_bin2hex(out, 2 * MAMORI_UPD_KEYID_LEN + 1, id, MAMORI_UPD_KEYID_LEN);
}

/* Writes comment + base64(raw) to a new file (O_EXCL) of the given mode. */
static mamori_err
write_keyfile(const char *path, mode_t mode, const char *what, const uint8_t *id,
    const uint8_t *raw, size_t n, struct mamori_diag *d)
{
	char b64[sodium_base64_ENCODED_LEN(SEC_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	char hex[2 * MAMORI_UPD_KEYID_LEN + 1], text[KEYFILE_MAX];
	int fd, len;
	mamori_err e = MAMORI_OK;

	hexid(id, hex);
	sodium_bin2base64(b64, sizeof(b64), raw, n, sodium_base64_VARIANT_ORIGINAL);
	len = snprintf(
	    text, sizeof(text), "untrusted comment: mamori update %s key %s\n%s\n", what, hex, b64);
	sodium_memzero(b64, sizeof(b64));
	if (len < 0 || (size_t)len >= sizeof(text))
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0, "%s: key text too long", path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		e = mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: %s", path,
		    errno == EEXIST ? "exists (keygen never overwrites a key)" : strerror(errno));
		sodium_memzero(text, sizeof(text));
		return e;
	}
	if (fchmod(fd, mode) != 0 || write(fd, text, (size_t)len) != len || fsync(fd) != 0)
		e = mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: %s", path, strerror(errno));
	if (close(fd) != 0 && e == MAMORI_OK)
		e = mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: %s", path, strerror(errno));
	sodium_memzero(text, sizeof(text));
	if (e != MAMORI_OK)
		(void)unlink(path);
	return e;
}

mamori_err
mamori_upd_write_pubkey(const char *path, const struct mamori_upd_pubkey *k, struct mamori_diag *d)
{
	uint8_t raw[PUB_BYTES];

	raw[0] = 'M';
	raw[1] = 'U';
	memcpy(raw + 2, k->id, MAMORI_UPD_KEYID_LEN);
	memcpy(raw + 10, k->pk, 32);
	return write_keyfile(path, 0644, "public", k->id, raw, PUB_BYTES, d);
}

mamori_err
mamori_upd_keygen(const char *secret_path, const char *public_path, struct mamori_diag *d)
{
	uint8_t pk[32], sk[64], id[MAMORI_UPD_KEYID_LEN], raw[SEC_BYTES];
	mamori_err e;

	if (sodium_init() < 0)
		return mamori_diag_set(d, MAMORI_E_IO, 0, 0, "libsodium could not start");
	crypto_sign_keypair(pk, sk);
	mamori_upd_keyid(pk, id);
	raw[0] = 'M';
	raw[1] = 'S';
	memcpy(raw + 2, id, sizeof(id));
	memcpy(raw + 10, sk, sizeof(sk));
	e = write_keyfile(secret_path, 0600, "secret", id, raw, SEC_BYTES, d);
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(raw, sizeof(raw));
	if (e != MAMORI_OK)
		return e;
	{
		struct mamori_upd_pubkey k;

		memcpy(k.id, id, sizeof(id));
		memcpy(k.pk, pk, sizeof(pk));
		e = mamori_upd_write_pubkey(public_path, &k, d);
	}
	if (e != MAMORI_OK)
		(void)unlink(secret_path); /* half a pair is no pair */
	return e;
}

/* Reads a key file: the comment line, then one base64 line decoding to exactly want bytes
 * that start with magic. */
static mamori_err
read_keyfile(const char *path, const char *magic, uint8_t *raw, size_t want, bool secret,
    struct mamori_diag *d)
{
	char text[KEYFILE_MAX + 1];
	const char *line, *end;
	size_t bin = 0;
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		(void)close(fd);
		return mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: not a regular file", path);
	}
	if (secret && (st.st_mode & 077) != 0) {
		(void)close(fd);
		return mamori_diag_set(d, MAMORI_E_PERM, 0, 0,
		    "%s: mode %04o lets others read the secret key (chmod 600 it)", path,
		    (unsigned)(st.st_mode & 07777));
	}
	n = read(fd, text, sizeof(text));
	(void)close(fd);
	if (n < 0)
		return mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: %s", path, strerror(errno));
	if ((size_t)n > KEYFILE_MAX)
		return mamori_diag_set(
		    d, MAMORI_E_TOOBIG, KEYFILE_MAX, 0, "%s: longer than a key file", path);
	text[n] = '\0';
	if (strncmp(text, "untrusted comment: ", 19) != 0 || (line = strchr(text, '\n')) == NULL) {
		sodium_memzero(text, sizeof(text));
		return mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 1,
		    "%s: line 1: expected \"untrusted comment: ...\"", path);
	}
	line++;
	end = strchr(line, '\n');
	if (end == NULL)
		end = line + strlen(line);
	if (sodium_base642bin(raw, want, line, (size_t)(end - line), NULL, &bin, NULL,
	        sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin != want || memcmp(raw, magic, 2) != 0) {
		sodium_memzero(text, sizeof(text));
		sodium_memzero(raw, want);
		return mamori_diag_set(d, MAMORI_E_MALFORMED, (size_t)(line - text), 2,
		    "%s: line 2: not a mamori update %s key", path, secret ? "secret" : "public");
	}
	sodium_memzero(text, sizeof(text));
	return MAMORI_OK;
}

mamori_err
mamori_upd_load_pubkey(const char *path, struct mamori_upd_pubkey *k, struct mamori_diag *d)
{
	uint8_t raw[PUB_BYTES], id[MAMORI_UPD_KEYID_LEN];
	mamori_err e;

	if (sodium_init() < 0)
		return mamori_diag_set(d, MAMORI_E_IO, 0, 0, "libsodium could not start");
	e = read_keyfile(path, "MU", raw, sizeof(raw), false, d);
	if (e != MAMORI_OK)
		return e;
	memcpy(k->id, raw + 2, MAMORI_UPD_KEYID_LEN);
	memcpy(k->pk, raw + 10, 32);
	mamori_upd_keyid(k->pk, id);
	if (memcmp(id, k->id, sizeof(id)) != 0)
		return mamori_diag_set(
		    d, MAMORI_E_MALFORMED, 0, 2, "%s: the key id does not match the key", path);
	return MAMORI_OK;
}

mamori_err
mamori_upd_load_seckey(const char *path, struct mamori_upd_seckey *k, struct mamori_diag *d)
{
	uint8_t raw[SEC_BYTES], id[MAMORI_UPD_KEYID_LEN], pk[32];
	mamori_err e;

	if (sodium_init() < 0)
		return mamori_diag_set(d, MAMORI_E_IO, 0, 0, "libsodium could not start");
	e = read_keyfile(path, "MS", raw, sizeof(raw), true, d);
	if (e != MAMORI_OK)
		return e;
	memcpy(k->id, raw + 2, MAMORI_UPD_KEYID_LEN);
	memcpy(k->sk, raw + 10, 64);
	sodium_memzero(raw, sizeof(raw));
	/* the public half is the secret key's last 32 bytes; it must be the one the seed makes */
	if (crypto_sign_ed25519_sk_to_pk(pk, k->sk) != 0) {
		mamori_upd_seckey_wipe(k);
		return mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 2, "%s: not an Ed25519 key", path);
	}
	{
		uint8_t seed[32], pk2[32], sk2[64];

		crypto_sign_ed25519_sk_to_seed(seed, k->sk);
		crypto_sign_seed_keypair(pk2, sk2, seed);
		sodium_memzero(seed, sizeof(seed));
		sodium_memzero(sk2, sizeof(sk2));
		if (sodium_memcmp(pk, pk2, 32) != 0) {
			mamori_upd_seckey_wipe(k);
			return mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 2,
			    "%s: the public half does not belong to the seed", path);
		}
	}
	mamori_upd_keyid(pk, id);
	if (memcmp(id, k->id, sizeof(id)) != 0) {
		mamori_upd_seckey_wipe(k);
		return mamori_diag_set(
		    d, MAMORI_E_MALFORMED, 0, 2, "%s: the key id does not match the key", path);
	}
	return MAMORI_OK;
}
