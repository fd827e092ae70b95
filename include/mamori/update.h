/* SPDX-License-Identifier: MIT */
/* Signed update bundles (docs/formats/update-bundle.md): keys, signing, and verification that
 * streams — the manifest is authenticated first, then every payload block is hashed and
 * compared with the signed list before it is handed to the writer. Ed25519 and BLAKE2b from
 * libsodium, SHA-256 from OpenSSL. */
#ifndef MAMORI_UPDATE_H
#define MAMORI_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/err.h"

#define MAMORI_UPD_HEADER_LEN    64u
#define MAMORI_UPD_SIG_LEN       72u /* key id + Ed25519 signature */
#define MAMORI_UPD_KEYID_LEN     8u
#define MAMORI_UPD_MANIFEST_MAX  ((uint32_t)4 << 20) /* bytes of a manifest */
#define MAMORI_UPD_SIGS_MAX      8u                  /* signatures in a bundle */
#define MAMORI_UPD_PAYLOADS_MAX  8u                  /* payloads in a bundle */
#define MAMORI_UPD_PAYLOAD_MAX   ((uint64_t)1 << 40) /* bytes of payload in all */
#define MAMORI_UPD_BLOCK_MIN     ((uint32_t)4 << 10)
#define MAMORI_UPD_BLOCK_MAX     ((uint32_t)16 << 20)
#define MAMORI_UPD_BLOCK_DEFAULT ((uint32_t)1 << 20)
#define MAMORI_UPD_COMPAT_MAX    64u                 /* bytes of the compatible string */
#define MAMORI_UPD_VERSION_MAX   32u                 /* bytes of the version string */
#define MAMORI_UPD_CLASS_MAX     32u                 /* bytes of a slot class */
#define MAMORI_UPD_KEYS_MAX      16u                 /* trusted public keys */
#define MAMORI_UPD_PATH_MAX      1024u               /* bytes of a slot or state path */
#define MAMORI_UPD_URL_MAX       1024u               /* bytes of a URL */
#define MAMORI_UPD_JITTER_MAX    86400u              /* seconds a check may wait first */
#define MAMORI_UPD_DIR_MAX       ((uint64_t)1 << 30) /* bytes of a directory slot's tar */

/* Why a bundle was refused; each has its own exit code in `mamori update` (the value + 9 for
 * the refusals, see cli/cmd_update.c). */
enum mamori_upd_refusal {
	MAMORI_UPD_ACCEPTED = 0,
	MAMORI_UPD_BAD_SIGNATURE, /* a trusted key's signature does not verify */
	MAMORI_UPD_UNKNOWN_KEY,   /* no signature by a trusted key */
	MAMORI_UPD_WRONG_PRODUCT, /* compatible string differs */
	MAMORI_UPD_DOWNGRADE,     /* security counter below the stored one */
	MAMORI_UPD_EXPIRED,       /* expiry passed */
	MAMORI_UPD_TRUNCATED,     /* input ended early, or bytes after the end */
	MAMORI_UPD_OVERSIZED,     /* a length above its limit */
	MAMORI_UPD_CORRUPT_BLOCK, /* a payload block's hash differs from the signed list */
	MAMORI_UPD_MALFORMED,     /* header or manifest breaks a rule */
	MAMORI_UPD_THRESHOLD,     /* fewer valid trusted signatures than required */
	MAMORI_UPD_WRITE_FAILED,  /* the writer refused a block */
};

const char *mamori_upd_refusal_name(enum mamori_upd_refusal r); /* "bad signature" ... */

struct mamori_upd_pubkey {
	uint8_t id[MAMORI_UPD_KEYID_LEN];
	uint8_t pk[32];
};

struct mamori_upd_seckey {
	uint8_t id[MAMORI_UPD_KEYID_LEN];
	uint8_t sk[64]; /* libsodium: seed || public key; wiped by mamori_upd_seckey_wipe */
};

void mamori_upd_seckey_wipe(struct mamori_upd_seckey *k);
/* The key id of a public key: BLAKE2b-256 of it, first 8 bytes. */
void mamori_upd_keyid(const uint8_t pk[32], uint8_t id[MAMORI_UPD_KEYID_LEN]);

/* Creates a key pair in new files (never overwrites: MAMORI_E_IO with "exists"); the secret
 * file is created 0600. */
MAMORI_MUST_CHECK mamori_err mamori_upd_keygen(
    const char *secret_path, const char *public_path, struct mamori_diag *d);
MAMORI_MUST_CHECK mamori_err mamori_upd_write_pubkey(
    const char *path, const struct mamori_upd_pubkey *k, struct mamori_diag *d);
MAMORI_MUST_CHECK mamori_err mamori_upd_load_pubkey(
    const char *path, struct mamori_upd_pubkey *k, struct mamori_diag *d);
/* Refuses a file that group or others may read (MAMORI_E_PERM) and one whose key id does not
 * match its public half (MAMORI_E_MALFORMED). */
MAMORI_MUST_CHECK mamori_err mamori_upd_load_seckey(
    const char *path, struct mamori_upd_seckey *k, struct mamori_diag *d);

/* What to sign. */
struct mamori_upd_input {
	const char *slot_class;
	const char *path; /* a regular file (or a block device), read twice: hashed, then copied */
};

struct mamori_upd_sign_opts {
	const char *compatible;
	const char *version;
	uint64_t counter;
	uint64_t expires; /* Unix time, 0 = never */
	uint64_t created; /* Unix time */
	uint32_t block_size;
};

/* Something that makes Ed25519 signatures for a key id: a secret key file in memory, or a
 * key inside a PKCS#11 token. */
struct mamori_upd_signer {
	uint8_t id[MAMORI_UPD_KEYID_LEN];
	mamori_err (*sign)(
	    void *ctx, const uint8_t *msg, size_t n, uint8_t sig[64], struct mamori_diag *d);
	void *ctx;
};

/* The signer of a secret key held in memory (k must outlive it). */
void mamori_upd_signer_of(const struct mamori_upd_seckey *k, struct mamori_upd_signer *s);

/* Writes a bundle to out_path (through a temporary file, renamed when complete), signed by
 * every key of keys[0..nkeys). Memory stays at one block plus the manifest. */
MAMORI_MUST_CHECK mamori_err mamori_upd_sign(const struct mamori_upd_sign_opts *o,
    const struct mamori_upd_seckey *keys, size_t nkeys, const struct mamori_upd_input *in,
    size_t nin, const char *out_path, struct mamori_diag *d);
/* The same with any signers (PKCS#11 keys). */
MAMORI_MUST_CHECK mamori_err mamori_upd_sign_with(const struct mamori_upd_sign_opts *o,
    const struct mamori_upd_signer *keys, size_t nkeys, const struct mamori_upd_input *in,
    size_t nin, const char *out_path, struct mamori_diag *d);

/* Where the bundle comes from: fills buf[0..len) and sets *got; *got < len only at the end of
 * the input. */
typedef mamori_err (*mamori_upd_read_fn)(void *ctx, uint8_t *buf, size_t len, size_t *got);
/* Where authenticated blocks go, in order: payload index, its slot class, byte offset within
 * the payload. Called only with bytes whose hash matched the signed list. */
typedef mamori_err (*mamori_upd_write_fn)(void *ctx, size_t payload, const char *slot_class,
    uint64_t offset, const uint8_t *buf, size_t len);
/* Called once the manifest is authenticated and the policy holds, before the first payload
 * byte: the writer may open its slots here (may be NULL). */
struct mamori_upd_manifest;
typedef mamori_err (*mamori_upd_begin_fn)(void *ctx, const struct mamori_upd_manifest *m);

struct mamori_upd_policy {
	const struct mamori_upd_pubkey *keys;
	size_t nkeys;
	unsigned threshold;     /* 0 counts as 1 */
	const char *compatible; /* NULL: not checked (verify without --compatible) */
	uint64_t min_counter;   /* refuse a bundle whose counter is below */
	uint64_t now;           /* Unix time, for the expiry */
};

struct mamori_upd_payload {
	char slot_class[MAMORI_UPD_CLASS_MAX + 1];
	uint64_t size;
	uint64_t nblocks;
	const uint8_t *hashes; /* 32 * nblocks, inside the manifest */
};

struct mamori_upd_manifest {
	uint32_t block_size;
	uint64_t counter, expires, created;
	char compatible[MAMORI_UPD_COMPAT_MAX + 1];
	char version[MAMORI_UPD_VERSION_MAX + 1];
	size_t npayloads;
	struct mamori_upd_payload p[MAMORI_UPD_PAYLOADS_MAX];
	uint64_t payload_bytes;
};

struct mamori_upd_result {
	enum mamori_upd_refusal refusal;
	struct mamori_upd_manifest m; /* filled once parsed (hashes no longer valid after return) */
	char signed_by[MAMORI_UPD_SIGS_MAX]
	              [2 * MAMORI_UPD_KEYID_LEN + 1]; /* key ids that verified */
	size_t nsigned;
	uint64_t bytes; /* bytes of the bundle read */
};

/* Reads a bundle from rd, checks it against pol, and hands every authenticated payload block
 * to wr (NULL: verify only). MAMORI_OK when accepted; otherwise MAMORI_E_BADSIG and
 * res->refusal says why, with d naming what and the byte offset; I/O errors of rd or wr are
 * returned as they are. */
MAMORI_MUST_CHECK mamori_err mamori_upd_verify(mamori_upd_read_fn rd, void *rctx,
    const struct mamori_upd_policy *pol, mamori_upd_begin_fn begin, mamori_upd_write_fn wr,
    void *wctx, struct mamori_upd_result *res, struct mamori_diag *d);

/* --- A/B installation (docs/formats/update-config.md) --- */

struct mamori_upd_slotpair {
	char cls[MAMORI_UPD_CLASS_MAX + 1];
	char path[2][MAMORI_UPD_PATH_MAX]; /* slot a, slot b */
	bool block;                        /* a block device (sized) rather than a file */
	bool dir;                          /* a directory: the payload is a tar archive */
};

struct mamori_upd_config {
	char compatible[MAMORI_UPD_COMPAT_MAX + 1];
	char state_dir[MAMORI_UPD_PATH_MAX]; /* state, bootenv (file backend), lock */
	unsigned max_tries;                  /* boots on trial before falling back */
	unsigned threshold;
	struct mamori_upd_pubkey keys[MAMORI_UPD_KEYS_MAX];
	size_t nkeys;
	struct mamori_upd_slotpair slots[MAMORI_UPD_PAYLOADS_MAX];
	size_t nslots;
	char server[MAMORI_UPD_URL_MAX];   /* check: the update server's base URL, or "" */
	char ca_file[MAMORI_UPD_PATH_MAX]; /* CA certificates for https, or "" for the system's */
	bool grub;                         /* boot environment in a GRUB grubenv, not a file */
	char grubenv[MAMORI_UPD_PATH_MAX];
	bool uboot;                             /* ... or in the U-Boot environment */
	char uboot_config[MAMORI_UPD_PATH_MAX]; /* fw_env.config for libubootenv */
	unsigned jitter;                        /* check: wait up to this many seconds first */
};

struct mamori_upd_status {
	uint64_t counter; /* the stored security counter */
	bool valid[2];    /* slot holds a complete authenticated image */
	char version[2][MAMORI_UPD_VERSION_MAX + 1];
	int active, good; /* 0 = a, 1 = b */
	bool trial;       /* active slot not yet marked good */
	unsigned tries;   /* boots left on trial */
	bool fell_back;   /* set by mamori_upd_boot when it fell back */
};

/* Reads the INI config; keys are loaded from the files it names. d: file:line and why. */
MAMORI_MUST_CHECK mamori_err mamori_upd_config_load(
    const char *path, struct mamori_upd_config *c, struct mamori_diag *d);
MAMORI_MUST_CHECK mamori_err mamori_upd_status_read(
    const struct mamori_upd_config *c, struct mamori_upd_status *st, struct mamori_diag *d);
/* Verifies the bundle from rd while writing it into the inactive slots, then records it
 * (state: valid, version, counter raised) and boots it on trial (boot environment). Each step
 * is an atomic file replacement, so an interruption at any point leaves the active slot and
 * the boot state as they were. MAMORI_E_BADSIG with res->refusal for a refused bundle. */
MAMORI_MUST_CHECK mamori_err mamori_upd_install(const struct mamori_upd_config *c,
    mamori_upd_read_fn rd, void *rctx, uint64_t now, struct mamori_upd_result *res,
    struct mamori_diag *d);
/* Commits the slot on trial as the good one. */
MAMORI_MUST_CHECK mamori_err mamori_upd_mark_good(
    const struct mamori_upd_config *c, struct mamori_upd_status *st, struct mamori_diag *d);
/* What the boot script does at each boot with the file backend: counts a trial boot down,
 * and falls back to the good slot when none is left. */
MAMORI_MUST_CHECK mamori_err mamori_upd_boot(
    const struct mamori_upd_config *c, struct mamori_upd_status *st, struct mamori_diag *d);

/* --- download (lib/update/fetch.c, libcurl) --- */

struct mamori_upd_fetch;

/* Starts an http:// or https:// download (certificates verified against ca_file, or the
 * system's store when it is NULL or ""; redirects only to https). */
MAMORI_MUST_CHECK mamori_err mamori_upd_fetch_open(
    const char *url, const char *ca_file, struct mamori_upd_fetch **out, struct mamori_diag *d);
/* A mamori_upd_read_fn over the download: resumes a broken transfer (Range) up to 5 times;
 * MAMORI_E_IO for an HTTP error or when the retries are spent. */
MAMORI_MUST_CHECK mamori_err mamori_upd_fetch_read(
    void *ctx, uint8_t *buf, size_t len, size_t *got);
unsigned mamori_upd_fetch_resumed(const struct mamori_upd_fetch *f);
/* Why the download failed ("URL: The requested URL returned error: 404"), or "". */
const char *mamori_upd_fetch_error(const struct mamori_upd_fetch *f);
void mamori_upd_fetch_close(struct mamori_upd_fetch *f);
/* A small text file (at most cap - 1 bytes, cap <= 4096) into out, NUL-terminated. */
MAMORI_MUST_CHECK mamori_err mamori_upd_fetch_small(
    const char *url, const char *ca_file, char *out, size_t cap, struct mamori_diag *d);

/* --- keys in a PKCS#11 token (lib/update/pkcs11.c, p11-kit) --- */

struct mamori_upd_hsm;

/* Generates an Ed25519 key pair inside the token (private key sensitive, not extractable;
 * refuses a label already in use) and writes its public key file. */
MAMORI_MUST_CHECK mamori_err mamori_upd_hsm_keygen(const char *module, const char *token,
    const char *pin, const char *key_label, const char *public_path, struct mamori_diag *d);
/* Opens the token (module: a PKCS#11 library path), logs in, finds the key pair by label. */
MAMORI_MUST_CHECK mamori_err mamori_upd_hsm_open(const char *module, const char *token,
    const char *pin, const char *key_label, struct mamori_upd_hsm **out, struct mamori_diag *d);
const struct mamori_upd_pubkey *mamori_upd_hsm_pubkey(const struct mamori_upd_hsm *h);
/* A mamori_upd_signer sign function (ctx: the hsm); the token signs, libsodium checks. */
MAMORI_MUST_CHECK mamori_err mamori_upd_hsm_sign(
    void *ctx, const uint8_t *msg, size_t n, uint8_t sig[64], struct mamori_diag *d);
void mamori_upd_hsm_close(struct mamori_upd_hsm *h);

#endif
