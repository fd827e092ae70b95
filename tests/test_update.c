/* SPDX-License-Identifier: MIT */
/* Signed update bundles (lib/update/bundle.c, lib/update/keys.c, docs/formats/update-bundle.md):
 * the RFC 8032 Ed25519 vectors through libsodium; key files; a bundle signed and read back
 * byte by byte against the spec; the forgery suite in the manner of signify's forgery.txt.sig
 * (every byte of header, manifest and signatures flipped, a byte of every payload block,
 * truncation at every region boundary, trailing bytes, keys, thresholds, policy); bundles
 * built here and signed with a test key, so that the signature is valid and only the parser's
 * rules are under test; and the refusals of mamori_upd_sign.
 * UPDATE_SEEDS=DIR also writes the seeds of fuzz/fuzz_update.c into DIR. */
#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "mamori/update.h"
#include "vec.h"

#define CONTEXT "mamori-update-v1" /* the signed message starts with these 16 bytes */
#define NOW     1800000000u        /* 2027-01-15, the device's clock in these tests */
#define BS      4096u              /* block size of the bundles made here */
#define PLEN    512u               /* bytes of a path in the temporary directory */

static char tmpdir[] = "/tmp/mamori_update_XXXXXX";
static unsigned long nverify; /* mamori_upd_verify runs, printed at the end */

static char *
tpath(char out[static 256], const char *name)
{
	(void)snprintf(out, PLEN, "%s/%s", tmpdir, name);
	return out;
}

/* Deterministic bytes (xorshift32), so that every flip changes a hash. */
static void
fill(uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t x = seed | 1u;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)(x >> 24);
	}
}

static bool
write_file(const char *path, const void *p, size_t n, mode_t mode)
{
	FILE *f = fopen(path, "wb");
	bool ok;

	if (f == NULL)
		return false;
	ok = fwrite(p, 1, n, f) == n;
	ok = fclose(f) == 0 && ok;
	return ok && chmod(path, mode) == 0;
}

static void
st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint64_t
ld(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

/* --- keys made from a fixed seed: tag + i for byte i (fuzz/fuzz_update.c uses 0xA0, 0xB0) */

struct tkey {
	struct mamori_upd_seckey sk;
	struct mamori_upd_pubkey pk;
};

static struct tkey key_a, key_b, key_c;

static void
tkey_make(struct tkey *k, uint8_t tag)
{
	uint8_t seed[32];

	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(tag + i);
	if (crypto_sign_seed_keypair(k->pk.pk, k->sk.sk, seed) != 0)
		abort();
	mamori_upd_keyid(k->pk.pk, k->pk.id);
	memcpy(k->sk.id, k->pk.id, MAMORI_UPD_KEYID_LEN);
}

/* --- a reader over memory and a writer that records what it is handed */

struct mem {
	const uint8_t *p;
	size_t n, off;
	size_t chunk;   /* at most this many bytes per call (0: as many as asked) */
	size_t fail_at; /* MAMORI_E_IO for a read that would pass this offset */
};

static mamori_err
mem_read(void *ctx, uint8_t *buf, size_t len, size_t *got)
{
	struct mem *m = ctx;
	size_t k = m->n - m->off;

	if (k > len)
		k = len;
	if (m->chunk != 0 && k > m->chunk)
		k = m->chunk;
	if (k > 0 && m->off + k > m->fail_at)
		return MAMORI_E_IO;
	if (k > 0)
		memcpy(buf, m->p + m->off, k);
	m->off += k;
	*got = k;
	return MAMORI_OK;
}

struct call {
	size_t payload;
	uint64_t off;
	size_t len;
	char cls[MAMORI_UPD_CLASS_MAX + 1];
};

struct rec {
	size_t calls, begins;
	uint64_t bytes;
	bool bad;          /* out of order, before begin, or beyond a copy buffer */
	size_t fail_after; /* the writer fails on call fail_after + 1 (0: never) */
	bool fail_begin;
	struct call log[16];
	uint8_t *copy[MAMORI_UPD_PAYLOADS_MAX]; /* what was written, when a buffer is given */
	uint64_t cap[MAMORI_UPD_PAYLOADS_MAX];
	uint64_t next[MAMORI_UPD_PAYLOADS_MAX];
	size_t last;
	/* seen by begin */
	uint32_t block_size;
	size_t npayloads;
	bool hashes_given;
};

static void
rec_init(struct rec *r)
{
	memset(r, 0, sizeof(*r));
}

static mamori_err
rec_begin(void *ctx, const struct mamori_upd_manifest *m)
{
	struct rec *r = ctx;

	r->begins++;
	r->block_size = m->block_size;
	r->npayloads = m->npayloads;
	r->hashes_given = m->npayloads > 0 && m->p[0].hashes != NULL;
	return r->fail_begin ? MAMORI_E_IO : MAMORI_OK;
}

static mamori_err
rec_write(void *ctx, size_t payload, const char *slot_class, uint64_t offset, const uint8_t *buf,
    size_t len)
{
	struct rec *r = ctx;

	if (r->fail_after != 0 && r->calls == r->fail_after)
		return MAMORI_E_IO;
	if (r->calls < sizeof(r->log) / sizeof(r->log[0])) {
		struct call *c = &r->log[r->calls];

		c->payload = payload;
		c->off = offset;
		c->len = len;
		(void)snprintf(c->cls, sizeof(c->cls), "%s", slot_class);
	}
	r->calls++;
	r->bytes += len;
	if (r->begins != 1 || payload >= MAMORI_UPD_PAYLOADS_MAX || payload < r->last ||
	    offset != r->next[payload]) {
		r->bad = true;
		return MAMORI_OK;
	}
	r->last = payload;
	r->next[payload] = offset + len;
	if (r->copy[payload] != NULL) {
		if (offset > r->cap[payload] || len > r->cap[payload] - offset)
			r->bad = true;
		else
			memcpy(r->copy[payload] + offset, buf, len);
	}
	return MAMORI_OK;
}

static mamori_err
verify_mem(const uint8_t *p, size_t n, const struct mamori_upd_policy *pol, struct rec *r,
    struct mamori_upd_result *res, struct mamori_diag *d)
{
	struct mem m = {p, n, 0, 0, SIZE_MAX};

	nverify++;
	rec_init(r);
	return mamori_upd_verify(mem_read, &m, pol, rec_begin, rec_write, r, res, d);
}

static bool
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* --- the bundle of most cases: 'kernel' 5000 bytes (2 blocks), 'rootfs' 3 blocks + 1000 bytes
 * (4 blocks), block size 4 KiB, signed by key A; and the same payloads signed by A and B */

#define KERNEL_LEN 5000u
#define ROOTFS_LEN (3u * BS + 1000u)

static uint8_t kernel[KERNEL_LEN], rootfs[ROOTFS_LEN];
static uint8_t *bun, *bun2; /* signed by A; by A and B */
static size_t bun_len, bun2_len, bun_mlen, bun_pstart;

struct blk {
	size_t payload, index; /* index: within the payload */
	uint64_t off;          /* within the payload */
	size_t len, at;        /* at: byte offset in the bundle */
};
static struct blk blks[8];
static size_t nblks;

static const struct mamori_upd_sign_opts main_opts = {
    "acme-cam-v2", "2.1.0", 7, NOW + 86400, NOW - 3600, BS};

static struct mamori_upd_policy
policy(const struct mamori_upd_pubkey *keys, size_t nkeys)
{
	struct mamori_upd_policy p;

	memset(&p, 0, sizeof(p));
	p.keys = keys;
	p.nkeys = nkeys;
	p.now = NOW;
	return p;
}

/* The blocks of the main bundle, at what byte they start in it, before how many bytes of
 * payload (all payloads together). */
static void
plan_blocks(void)
{
	const size_t sizes[2] = {KERNEL_LEN, ROOTFS_LEN};
	size_t at = bun_pstart;

	nblks = 0;
	for (size_t p = 0; p < 2; p++)
		for (size_t off = 0, i = 0; off < sizes[p]; off += BS, i++) {
			size_t len = sizes[p] - off < BS ? sizes[p] - off : BS;

			blks[nblks++] = (struct blk){p, i, off, len, at};
			at += len;
		}
}

static bool
setup(void)
{
	struct mamori_upd_seckey both[2];
	struct mamori_upd_input in[2];
	struct mamori_diag d;
	char kp[PLEN], rp[PLEN], out[PLEN];

	if (sodium_init() < 0 || mkdtemp(tmpdir) == NULL)
		return false;
	tkey_make(&key_a, 0xA0);
	tkey_make(&key_b, 0xB0);
	tkey_make(&key_c, 0xC0);
	fill(kernel, sizeof(kernel), 1);
	fill(rootfs, sizeof(rootfs), 2);
	if (!write_file(tpath(kp, "kernel.img"), kernel, sizeof(kernel), 0644) ||
	    !write_file(tpath(rp, "rootfs.img"), rootfs, sizeof(rootfs), 0644))
		return false;
	in[0] = (struct mamori_upd_input){"kernel", kp};
	in[1] = (struct mamori_upd_input){"rootfs", rp};
	if (mamori_upd_sign(&main_opts, &key_a.sk, 1, in, 2, tpath(out, "main.mup"), &d) !=
	    MAMORI_OK) {
		fprintf(stderr, "sign: %s\n", d.msg);
		return false;
	}
	bun = (uint8_t *)vec_read_file(out, &bun_len);
	both[0] = key_a.sk;
	both[1] = key_b.sk;
	if (mamori_upd_sign(&main_opts, both, 2, in, 2, tpath(out, "two.mup"), &d) != MAMORI_OK) {
		fprintf(stderr, "sign: %s\n", d.msg);
		return false;
	}
	bun2 = (uint8_t *)vec_read_file(out, &bun2_len);
	if (bun == NULL || bun2 == NULL || bun_len < MAMORI_UPD_HEADER_LEN)
		return false;
	bun_mlen = (size_t)ld(bun + 12, 4);
	bun_pstart = MAMORI_UPD_HEADER_LEN + bun_mlen + MAMORI_UPD_SIG_LEN;
	plan_blocks();
	return true;
}

static void
teardown(void)
{
	DIR *dir = opendir(tmpdir);
	struct dirent *e;
	char p[PLEN];

	while (dir != NULL && (e = readdir(dir)) != NULL)
		if (e->d_name[0] != '.' || (e->d_name[1] != '\0' && e->d_name[1] != '.'))
			(void)unlink(tpath(p, e->d_name));
	if (dir != NULL)
		closedir(dir);
	(void)rmdir(tmpdir);
	free(bun);
	free(bun2);
}

/* --- RFC 8032 */

static void
unhex(uint8_t *out, size_t n, const char *hex)
{
	size_t got = 0;

	if (sodium_hex2bin(out, n, hex, strlen(hex), NULL, &got, NULL) != 0 || got != n)
		abort();
}

/* RFC 8032 section 7.1 (https://www.rfc-editor.org/rfc/rfc8032#section-7.1), TEST 1, 2, 3
 * and 1024 (its message is 1023 bytes): secret key (the seed), public key, message,
 * signature, typed from the RFC's text. */
static const char *const rfc8032[][4] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
        "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e"
        "458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290"
        "ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
    {"f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
        "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
        "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12"
        "ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe57"
        "38829adb26c81b37c93a1b270b20329d658675fc6ea534e0810a4432826bf58c941efb65d57a338b"
        "bd2e26640f89ffbc1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4fe"
        "ba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e06203b33890cc9b8"
        "32f79ef80560ccb9a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bbc10"
        "3b6621fcde2beca1231d206be6cd9ec7aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53"
        "f1d8ac70bdcb7ed185ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2"
        "d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6"
        "079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f27088d78b7e883c8759d2c4f5c65adb7553"
        "878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2"
        "cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba"
        "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae078"
        "4504df543af8969be3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8"
        "fcffead94f3c7ca495e056a9b47acdb751fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301"
        "651339e22904cc8c42f58c30c04aafdb038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8"
        "ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34dff7310fdc82aebfd9"
        "04b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08d78ff4ef5d63653a65040cf9bfd4aca7"
        "984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a"
        "3ca8e1b939ae49e488acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a3"
        "2ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e6aed3fb0f9cd71a4"
        "3dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5fb93246f6b1116398a346f1a641f3b041"
        "e989f7914f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d9"
        "0d11faa933a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d"
        "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef"
        "68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0",
        "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f45"
        "28ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03"},
};

static void
rfc8032_vectors(void)
{
	CHECK(strlen(rfc8032[3][2]) == 2 * 1023);
	for (size_t v = 0; v < sizeof(rfc8032) / sizeof(rfc8032[0]); v++) {
		uint8_t seed[32], pk[32], want_pk[32], sk[64], sig[64], want_sig[64], msg[1023];
		size_t mlen = strlen(rfc8032[v][2]) / 2;

		unhex(seed, sizeof(seed), rfc8032[v][0]);
		unhex(want_pk, sizeof(want_pk), rfc8032[v][1]);
		unhex(msg, mlen, rfc8032[v][2]);
		unhex(want_sig, sizeof(want_sig), rfc8032[v][3]);
		CHECK(crypto_sign_seed_keypair(pk, sk, seed) == 0);
		CHECK(memcmp(pk, want_pk, 32) == 0);
		CHECK(crypto_sign_detached(sig, NULL, msg, mlen, sk) == 0);
		CHECK(memcmp(sig, want_sig, 64) == 0);
		CHECK(crypto_sign_verify_detached(want_sig, msg, mlen, want_pk) == 0);
		for (size_t bit = 0; bit < 512; bit += 37) { /* a flipped bit of R or S */
			sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			CHECK(crypto_sign_verify_detached(sig, msg, mlen, want_pk) != 0);
			sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		if (mlen > 0) { /* a flipped bit of the message */
			msg[mlen - 1] ^= 0x01;
			CHECK(crypto_sign_verify_detached(want_sig, msg, mlen, want_pk) != 0);
		}
		want_pk[0] ^= 0x01; /* another key */
		CHECK(crypto_sign_verify_detached(want_sig, msg, mlen, want_pk) != 0);
	}
}

/* --- key files */

/* A key file written by hand: comment line (if any), base64 of raw, newline. */
static bool
write_key(const char *path, const char *comment, const uint8_t *raw, size_t n)
{
	char b64[sodium_base64_ENCODED_LEN(128, sodium_base64_VARIANT_ORIGINAL)];
	char text[1024];
	int len;

	if (n > 128)
		return false;
	sodium_bin2base64(b64, sizeof(b64), raw, n, sodium_base64_VARIANT_ORIGINAL);
	len = snprintf(text, sizeof(text), "%s%s\n", comment, b64);
	return len > 0 && (size_t)len < sizeof(text) && write_file(path, text, (size_t)len, 0600);
}

static mamori_err
load_pub(const char *path, struct mamori_diag *d)
{
	struct mamori_upd_pubkey k;

	mamori_diag_clear(d);
	return mamori_upd_load_pubkey(path, &k, d);
}

static mamori_err
load_sec(const char *path, struct mamori_diag *d)
{
	struct mamori_upd_seckey k;
	mamori_err e;

	mamori_diag_clear(d);
	e = mamori_upd_load_seckey(path, &k, d);
	mamori_upd_seckey_wipe(&k);
	return e;
}

static void
key_files(void)
{
	char sec[PLEN], pub[PLEN], p2[PLEN], p3[PLEN], hex[17], want[128];
	uint8_t id[MAMORI_UPD_KEYID_LEN], rawp[42], raws[74], sig[64];
	struct mamori_upd_seckey sk;
	struct mamori_upd_pubkey pk;
	struct mamori_diag d;
	struct stat st;
	uint8_t *before, *after;
	size_t nb = 0, na = 0;
	char *text;

	tpath(sec, "k1.key");
	tpath(pub, "k1.pub");
	CHECK_OK(mamori_upd_keygen(sec, pub, &d));
	CHECK(stat(sec, &st) == 0 && (st.st_mode & 07777) == 0600);
	CHECK(stat(pub, &st) == 0 && (st.st_mode & 07777) == 0644);
	CHECK_OK(mamori_upd_load_seckey(sec, &sk, &d));
	CHECK_OK(mamori_upd_load_pubkey(pub, &pk, &d));
	CHECK(memcmp(sk.id, pk.id, MAMORI_UPD_KEYID_LEN) == 0);
	mamori_upd_keyid(pk.pk, id);
	CHECK(memcmp(id, pk.id, MAMORI_UPD_KEYID_LEN) == 0);
	{ /* the id is BLAKE2b-256 of the public key, its first 8 bytes */
		uint8_t h[32];

		crypto_generichash(h, sizeof(h), pk.pk, 32, NULL, 0);
		CHECK(memcmp(h, id, MAMORI_UPD_KEYID_LEN) == 0);
	}
	CHECK(memcmp(sk.sk + 32, pk.pk, 32) == 0);
	CHECK(crypto_sign_detached(sig, NULL, (const uint8_t *)"m", 1, sk.sk) == 0);
	CHECK(crypto_sign_verify_detached(sig, (const uint8_t *)"m", 1, pk.pk) == 0);
	mamori_upd_seckey_wipe(&sk);
	CHECK(sodium_is_zero((const uint8_t *)&sk, sizeof(sk)));
	sodium_bin2hex(hex, sizeof(hex), pk.id, MAMORI_UPD_KEYID_LEN);
	text = vec_read_file(pub, &nb);
	(void)snprintf(want, sizeof(want), "untrusted comment: mamori update public key %s\n", hex);
	CHECK(text != NULL && starts(text, want));
	free(text);

	/* never overwrites; half a pair is never left behind */
	before = (uint8_t *)vec_read_file(sec, &nb);
	mamori_diag_clear(&d);
	CHECK(mamori_upd_keygen(sec, pub, &d) == MAMORI_E_IO && strstr(d.msg, "exists") != NULL);
	after = (uint8_t *)vec_read_file(sec, &na);
	CHECK(before != NULL && after != NULL && na == nb && memcmp(before, after, nb) == 0);
	free(before);
	free(after);
	CHECK(mamori_upd_keygen(sec, tpath(p2, "k2.pub"), &d) == MAMORI_E_IO);
	CHECK(access(p2, F_OK) != 0);
	CHECK(mamori_upd_keygen(tpath(p3, "k3.key"), pub, &d) == MAMORI_E_IO);
	CHECK(access(p3, F_OK) != 0);

	/* a secret key that group or others may read */
	CHECK(chmod(sec, 0640) == 0);
	CHECK(load_sec(sec, &d) == MAMORI_E_PERM && strstr(d.msg, "0640") != NULL);
	CHECK(chmod(sec, 0604) == 0);
	CHECK(load_sec(sec, &d) == MAMORI_E_PERM && strstr(d.msg, "0604") != NULL);
	CHECK(chmod(sec, 0400) == 0);
	CHECK_OK(load_sec(sec, &d));
	CHECK(chmod(sec, 0600) == 0);

	/* hand-made files around key A */
	memcpy(rawp, "MU", 2);
	memcpy(rawp + 2, key_a.pk.id, 8);
	memcpy(rawp + 10, key_a.pk.pk, 32);
	memcpy(raws, "MS", 2);
	memcpy(raws + 2, key_a.sk.id, 8);
	memcpy(raws + 10, key_a.sk.sk, 64);
	tpath(p2, "hand.pub");
	tpath(p3, "hand.key");
	CHECK(write_key(p2, "untrusted comment: hand\n", rawp, sizeof(rawp)));
	CHECK_OK(load_pub(p2, &d));
	CHECK(write_key(p3, "untrusted comment: hand\n", raws, sizeof(raws)));
	CHECK_OK(load_sec(p3, &d));

	rawp[2] ^= 0x01; /* a changed key id */
	CHECK(write_key(p2, "untrusted comment: hand\n", rawp, sizeof(rawp)));
	CHECK(load_pub(p2, &d) == MAMORI_E_MALFORMED && strstr(d.msg, "key id") != NULL);
	rawp[2] ^= 0x01;
	raws[9] ^= 0x80;
	CHECK(write_key(p3, "untrusted comment: hand\n", raws, sizeof(raws)));
	CHECK(load_sec(p3, &d) == MAMORI_E_MALFORMED && strstr(d.msg, "key id") != NULL);
	raws[9] ^= 0x80;
	raws[10 + 63] ^= 0x01; /* a public half that the seed does not make */
	CHECK(write_key(p3, "untrusted comment: hand\n", raws, sizeof(raws)));
	CHECK(load_sec(p3, &d) == MAMORI_E_MALFORMED && strstr(d.msg, "seed") != NULL);
	raws[10 + 63] ^= 0x01;

	rawp[1] = 'S'; /* wrong magic */
	CHECK(write_key(p2, "untrusted comment: hand\n", rawp, sizeof(rawp)));
	CHECK(load_pub(p2, &d) == MAMORI_E_MALFORMED && d.line == 2 &&
	      strstr(d.msg, "line 2: not a mamori update public key") != NULL);
	rawp[1] = 'U';
	CHECK(
	    write_key(p2, "untrusted comment: hand\n", raws, sizeof(raws))); /* secret as public */
	CHECK(load_pub(p2, &d) == MAMORI_E_MALFORMED && d.line == 2);
	CHECK(
	    write_key(p3, "untrusted comment: hand\n", rawp, sizeof(rawp))); /* public as secret */
	CHECK(load_sec(p3, &d) == MAMORI_E_MALFORMED &&
	      strstr(d.msg, "not a mamori update secret key") != NULL);
	CHECK(write_key(p2, "untrusted comment: hand\n", rawp, sizeof(rawp) - 1)); /* short */
	CHECK(load_pub(p2, &d) == MAMORI_E_MALFORMED && d.line == 2);

	CHECK(write_file(p2, "untrusted comment: x\n!!!!notbase64!!!!\n", 39, 0600));
	CHECK(load_pub(p2, &d) == MAMORI_E_MALFORMED && strstr(d.msg, "line 2") != NULL);
	CHECK(write_key(p2, "", rawp, sizeof(rawp))); /* no comment line */
	CHECK(load_pub(p2, &d) == MAMORI_E_MALFORMED && d.line == 1 &&
	      strstr(d.msg, "line 1: expected \"untrusted comment: ...\"") != NULL);
	CHECK(write_file(p2, "untrusted comment: x", 20, 0600)); /* no second line */
	CHECK(load_pub(p2, &d) == MAMORI_E_MALFORMED && d.line == 1);
	CHECK(write_file(p2, "", 0, 0600));
	CHECK(load_pub(p2, &d) == MAMORI_E_MALFORMED && d.line == 1);
	{
		char big[600];

		memset(big, 'x', sizeof(big));
		memcpy(big, "untrusted comment: ", 19);
		big[sizeof(big) - 1] = '\n';
		CHECK(write_file(p2, big, 513, 0600));
		CHECK(load_pub(p2, &d) == MAMORI_E_TOOBIG &&
		      strstr(d.msg, "longer than a key file") != NULL);
		CHECK(write_file(p2, big, sizeof(big), 0600));
		CHECK(load_pub(p2, &d) == MAMORI_E_TOOBIG);
	}
	CHECK(load_pub(tpath(p2, "missing.pub"), &d) == MAMORI_E_IO &&
	      strstr(d.msg, "missing.pub") != NULL);
	CHECK(load_pub(tmpdir, &d) == MAMORI_E_IO); /* a directory */
	CHECK(symlink(pub, tpath(p2, "link.pub")) == 0);
	CHECK(load_pub(p2, &d) == MAMORI_E_IO); /* O_NOFOLLOW */
}

/* --- the bundle, read back against docs/formats/update-bundle.md */

static bool
sha256_is(const uint8_t *hash, const uint8_t *p, size_t n)
{
	uint8_t h[32];

	crypto_hash_sha256(h, p, n);
	return memcmp(h, hash, 32) == 0;
}

static void
format_conformance(void)
{
	const uint8_t *h = bun, *m = bun + MAMORI_UPD_HEADER_LEN, *s;
	const size_t sizes[2] = {KERNEL_LEN, ROOTFS_LEN};
	const uint8_t *data[2] = {kernel, rootfs};
	const char *cls[2] = {"kernel", "rootfs"};
	uint8_t *msg;
	size_t o;

	CHECK(memcmp(h, "MAMORIUP", 8) == 0);
	CHECK(ld(h + 8, 2) == 1 && ld(h + 10, 2) == 64 && ld(h + 16, 2) == 1 &&
	      ld(h + 18, 2) == 72 && ld(h + 20, 8) == KERNEL_LEN + ROOTFS_LEN);
	for (size_t i = 28; i < 64; i++)
		CHECK(h[i] == 0);
	CHECK(bun_len == bun_pstart + KERNEL_LEN + ROOTFS_LEN);
	CHECK(ld(m, 4) == BS && ld(m + 4, 8) == 7 && ld(m + 12, 8) == NOW + 86400 &&
	      ld(m + 20, 8) == NOW - 3600);
	o = 28;
	CHECK(ld(m + o, 2) == 11 && memcmp(m + o + 2, "acme-cam-v2", 11) == 0);
	o += 13;
	CHECK(ld(m + o, 2) == 5 && memcmp(m + o + 2, "2.1.0", 5) == 0);
	o += 7;
	CHECK(ld(m + o, 2) == 2);
	o += 2;
	for (size_t p = 0; p < 2; p++) {
		CHECK(ld(m + o, 2) == 6 && memcmp(m + o + 2, cls[p], 6) == 0);
		o += 8;
		CHECK(ld(m + o, 8) == sizes[p] && m[o + 8] == 1);
		o += 9;
		for (size_t off = 0; off < sizes[p]; off += BS, o += 32)
			CHECK(sha256_is(
			    m + o, data[p] + off, sizes[p] - off < BS ? sizes[p] - off : BS));
	}
	CHECK(o == bun_mlen);
	s = bun + MAMORI_UPD_HEADER_LEN + bun_mlen;
	CHECK(memcmp(s, key_a.pk.id, 8) == 0);
	msg = malloc(16 + 64 + bun_mlen);
	if (msg != NULL) {
		memcpy(msg, CONTEXT, 16);
		memcpy(msg + 16, bun, 64 + bun_mlen);
		CHECK(
		    crypto_sign_verify_detached(s + 8, msg, 16 + 64 + bun_mlen, key_a.pk.pk) == 0);
		free(msg);
	}
	CHECK(memcmp(bun + bun_pstart, kernel, KERNEL_LEN) == 0);
	CHECK(memcmp(bun + bun_pstart + KERNEL_LEN, rootfs, ROOTFS_LEN) == 0);
	/* the two-key bundle: the same header but S, then A's and B's entries */
	CHECK(bun2_len == bun_len + 72 && ld(bun2 + 16, 2) == 2);
	CHECK(memcmp(bun2 + 64 + bun_mlen, key_a.pk.id, 8) == 0);
	CHECK(memcmp(bun2 + 64 + bun_mlen + 72, key_b.pk.id, 8) == 0);
}

static void
sign_and_verify(void)
{
	struct mamori_upd_policy pol = policy(&key_a.pk, 1);
	struct mamori_upd_result res;
	struct mamori_diag d;
	struct rec r;
	uint8_t *ck = malloc(KERNEL_LEN), *cr = malloc(ROOTFS_LEN);
	char hex[17];
	mamori_err e;

	if (ck == NULL || cr == NULL)
		abort();
	memset(ck, 0, KERNEL_LEN);
	memset(cr, 0, ROOTFS_LEN);
	for (size_t chunk = 0; chunk < 8;
	     chunk += 3) { /* whole reads, then 3 and 6 bytes at a time */
		struct mem m = {bun, bun_len, 0, chunk, SIZE_MAX};

		rec_init(&r);
		r.copy[0] = ck;
		r.cap[0] = KERNEL_LEN;
		r.copy[1] = cr;
		r.cap[1] = ROOTFS_LEN;
		nverify++;
		e = mamori_upd_verify(mem_read, &m, &pol, rec_begin, rec_write, &r, &res, &d);
		CHECK_OK(e);
		CHECK(res.refusal == MAMORI_UPD_ACCEPTED && res.bytes == bun_len);
		CHECK(!r.bad && r.begins == 1 && r.hashes_given && r.block_size == BS &&
		      r.npayloads == 2);
		CHECK(r.calls == nblks && r.bytes == KERNEL_LEN + ROOTFS_LEN);
		for (size_t i = 0; i < nblks && i < 16; i++)
			CHECK(r.log[i].payload == blks[i].payload && r.log[i].off == blks[i].off &&
			      r.log[i].len == blks[i].len &&
			      strcmp(r.log[i].cls, blks[i].payload ? "rootfs" : "kernel") == 0);
		CHECK(memcmp(ck, kernel, KERNEL_LEN) == 0 && memcmp(cr, rootfs, ROOTFS_LEN) == 0);
	}
	CHECK(strcmp(res.m.compatible, "acme-cam-v2") == 0 && strcmp(res.m.version, "2.1.0") == 0);
	CHECK(res.m.counter == 7 && res.m.expires == NOW + 86400 && res.m.created == NOW - 3600);
	CHECK(res.m.npayloads == 2 && res.m.payload_bytes == KERNEL_LEN + ROOTFS_LEN);
	CHECK(strcmp(res.m.p[0].slot_class, "kernel") == 0 && res.m.p[0].size == KERNEL_LEN &&
	      res.m.p[0].nblocks == 2 && res.m.p[0].hashes == NULL);
	CHECK(strcmp(res.m.p[1].slot_class, "rootfs") == 0 && res.m.p[1].size == ROOTFS_LEN &&
	      res.m.p[1].nblocks == 4);
	sodium_bin2hex(hex, sizeof(hex), key_a.pk.id, 8);
	CHECK(res.nsigned == 1 && strcmp(res.signed_by[0], hex) == 0);
	free(ck);
	free(cr);

	/* verify only: no writer, no begin */
	{
		struct mem m = {bun, bun_len, 0, 0, SIZE_MAX};

		nverify++;
		CHECK_OK(mamori_upd_verify(mem_read, &m, &pol, NULL, NULL, NULL, &res, &d));
	}
	/* the same bundle from a file, through mamori_upd_sign's temporary and rename: signing
	 * again over an existing bundle replaces it */
	{
		struct mamori_upd_input in[2];
		char kp[PLEN], rp[PLEN], out[PLEN];
		uint8_t *again;
		size_t n = 0;

		in[0] = (struct mamori_upd_input){"kernel", tpath(kp, "kernel.img")};
		in[1] = (struct mamori_upd_input){"rootfs", tpath(rp, "rootfs.img")};
		CHECK_OK(
		    mamori_upd_sign(&main_opts, &key_a.sk, 1, in, 2, tpath(out, "main.mup"), &d));
		again = (uint8_t *)vec_read_file(out, &n);
		CHECK(again != NULL && n == bun_len &&
		      memcmp(again, bun, n) == 0); /* deterministic */
		free(again);
	}
}

/* --- the forgery suite */

/* What a flip of header byte off (xor 0x01) must be refused as, for a bundle of len bytes. */
static enum mamori_upd_refusal
header_flip_refusal(const uint8_t *b, size_t len, size_t off)
{
	uint32_t mlen = (uint32_t)ld(b + 12, 4);
	uint16_t nsigs = (uint16_t)ld(b + 16, 2);
	uint64_t pay = ld(b + 20, 8);

	if (off < 12 || (off >= 18 && off < 20) || off >= 28)
		return MAMORI_UPD_MALFORMED; /* magic, version, lengths, reserved */
	if (off < 16) {                      /* the manifest length */
		mlen ^= 1u << (8 * (off - 12));
		if (mlen == 0)
			return MAMORI_UPD_MALFORMED;
		if (mlen > MAMORI_UPD_MANIFEST_MAX)
			return MAMORI_UPD_OVERSIZED;
		if ((uint64_t)64 + mlen + 72u * nsigs > len)
			return MAMORI_UPD_TRUNCATED;
		return MAMORI_UPD_UNKNOWN_KEY; /* the entries start elsewhere: no id matches */
	}
	if (off < 18) {
		nsigs ^= (uint16_t)(1u << (8 * (off - 16)));
		return nsigs == 0                    ? MAMORI_UPD_MALFORMED
		       : nsigs > MAMORI_UPD_SIGS_MAX ? MAMORI_UPD_OVERSIZED
		                                     : MAMORI_UPD_BAD_SIGNATURE;
	}
	pay ^= (uint64_t)1 << (8 * (off - 20));
	return pay == 0                       ? MAMORI_UPD_MALFORMED
	       : pay > MAMORI_UPD_PAYLOAD_MAX ? MAMORI_UPD_OVERSIZED
	                                      : MAMORI_UPD_BAD_SIGNATURE;
}

static unsigned long nforged;

/* Flips byte off of the main bundle and checks the refusal; nothing may be handed on. */
static void
forge_one(uint8_t *b, size_t off, enum mamori_upd_refusal want)
{
	struct mamori_upd_policy pol = policy(&key_a.pk, 1);
	struct mamori_upd_result res;
	struct mamori_diag d;
	struct rec r;
	mamori_err e;
	bool good;

	b[off] ^= 0x01;
	e = verify_mem(b, bun_len, &pol, &r, &res, &d);
	b[off] ^= 0x01;
	nforged++;
	good = e == MAMORI_E_BADSIG && res.refusal == want && r.calls == 0 && r.begins == 0 &&
	       starts(d.msg, mamori_upd_refusal_name(want));
	CHECK(good);
	if (!good)
		fprintf(stderr, "  byte %zu flipped: %s (%s), want %s\n", off,
		    mamori_upd_refusal_name(res.refusal), d.msg, mamori_upd_refusal_name(want));
}

static void
forgery_signed_regions(void)
{
	uint8_t *b = malloc(bun_len);
	size_t sig_at = MAMORI_UPD_HEADER_LEN + bun_mlen;

	if (b == NULL)
		abort();
	memcpy(b, bun, bun_len);
	for (size_t off = 0; off < MAMORI_UPD_HEADER_LEN; off++)
		forge_one(b, off, header_flip_refusal(bun, bun_len, off));
	for (size_t off = MAMORI_UPD_HEADER_LEN; off < sig_at; off++)
		forge_one(b, off, MAMORI_UPD_BAD_SIGNATURE);
	for (size_t off = sig_at; off < bun_pstart; off++)
		forge_one(b, off,
		    off < sig_at + MAMORI_UPD_KEYID_LEN ? MAMORI_UPD_UNKNOWN_KEY
		                                        : MAMORI_UPD_BAD_SIGNATURE);
	CHECK(memcmp(b, bun, bun_len) == 0);
	free(b);
}

/* A byte of every payload block (its first, a middle one and its last, in turn): the blocks
 * before it are handed on, nothing of it or after it. */
static void
forgery_payload_blocks(void)
{
	struct mamori_upd_policy pol = policy(&key_a.pk, 1);
	uint8_t *b = malloc(bun_len);

	if (b == NULL)
		abort();
	memcpy(b, bun, bun_len);
	for (size_t k = 0; k < nblks; k++)
		for (int where = 0; where < 3; where++) {
			const struct blk *bk = &blks[k];
			size_t off = bk->at + (where == 0      ? 0
			                          : where == 1 ? bk->len / 2
			                                       : bk->len - 1);
			struct mamori_upd_result res;
			struct mamori_diag d;
			struct rec r;
			uint64_t before = 0;
			char want[96];
			mamori_err e;
			bool good;

			for (size_t j = 0; j < k; j++)
				before += blks[j].len;
			(void)snprintf(want, sizeof(want), "block %zu of payload '%s'", bk->index,
			    bk->payload ? "rootfs" : "kernel");
			b[off] ^= 0x01;
			e = verify_mem(b, bun_len, &pol, &r, &res, &d);
			b[off] ^= 0x01;
			nforged++;
			good = e == MAMORI_E_BADSIG && res.refusal == MAMORI_UPD_CORRUPT_BLOCK &&
			       r.begins == 1 && r.calls == k && r.bytes == before && !r.bad &&
			       d.off == bk->at && strstr(d.msg, want) != NULL &&
			       res.bytes == bk->at + bk->len;
			CHECK(good);
			if (!good)
				fprintf(stderr, "  payload byte %zu: %s (%s), %zu calls\n", off,
				    mamori_upd_refusal_name(res.refusal), d.msg, r.calls);
		}
	free(b);
}

/* The bundle cut to its first n bytes: truncated, at byte n, in the right region; only the
 * whole blocks before n handed on. */
static void
truncate_at(size_t n)
{
	struct mamori_upd_policy pol = policy(&key_a.pk, 1);
	struct mamori_upd_result res;
	struct mamori_diag d;
	struct rec r;
	const char *region = n < 64              ? "inside the header"
	                     : n < 64 + bun_mlen ? "inside the manifest"
	                     : n < bun_pstart    ? "inside the signatures"
	                                         : "inside the payload";
	size_t whole = 0;
	uint64_t bytes = 0;
	mamori_err e;
	bool good;

	for (size_t k = 0; k < nblks && blks[k].at + blks[k].len <= n; k++) {
		whole++;
		bytes += blks[k].len;
	}
	e = verify_mem(bun, n, &pol, &r, &res, &d);
	nforged++;
	good = e == MAMORI_E_BADSIG && res.refusal == MAMORI_UPD_TRUNCATED && d.off == n &&
	       strstr(d.msg, region) != NULL && r.calls == whole && r.bytes == bytes && !r.bad &&
	       r.begins == (n >= bun_pstart ? 1u : 0u);
	CHECK(good);
	if (!good)
		fprintf(stderr, "  cut at %zu: %s (%s), %zu calls\n", n,
		    mamori_upd_refusal_name(res.refusal), d.msg, r.calls);
}

static void
truncation(void)
{
	size_t edges[4 + 8];
	size_t ne = 0;

	edges[ne++] = 64;
	edges[ne++] = 64 + bun_mlen;
	edges[ne++] = bun_pstart;
	for (size_t k = 0; k < nblks; k++)
		edges[ne++] = blks[k].at + blks[k].len;
	for (size_t i = 0; i < ne; i++)
		for (size_t n = edges[i] - 1; n <= edges[i] + 1; n++)
			if (n < bun_len)
				truncate_at(n);
	for (size_t n = 0; n < 512 && n < bun_len; n++)
		truncate_at(n);
	truncate_at(bun_len - 1);
}

static void
trailing_bytes(void)
{
	struct mamori_upd_policy pol = policy(&key_a.pk, 1);
	uint8_t *b = malloc(bun_len + 100);
	struct mamori_upd_result res;
	struct mamori_diag d;
	struct rec r;

	if (b == NULL)
		abort();
	memcpy(b, bun, bun_len);
	memset(b + bun_len, 0, 100);
	for (size_t extra = 1; extra <= 100; extra += 99) {
		CHECK(verify_mem(b, bun_len + extra, &pol, &r, &res, &d) == MAMORI_E_BADSIG);
		CHECK(res.refusal == MAMORI_UPD_TRUNCATED && d.off == bun_len &&
		      strstr(d.msg, "trailing bytes") != NULL);
		/* every block was authenticated before the extra byte could be seen: the caller
		 * must not use the slots unless verify returns MAMORI_OK */
		CHECK(r.calls == nblks && !r.bad);
	}
	free(b);
}

static void
keys_and_threshold(void)
{
	struct mamori_upd_pubkey ab[2] = {key_a.pk, key_b.pk}, ca[2] = {key_c.pk, key_a.pk};
	struct mamori_upd_policy pol = policy(&key_b.pk, 1);
	struct mamori_upd_result res;
	struct mamori_diag d;
	struct rec r;
	char hex[17];
	uint8_t *b;

	/* signed by A only, B trusted only: unknown key, A's id named */
	sodium_bin2hex(hex, sizeof(hex), key_a.pk.id, 8);
	CHECK(verify_mem(bun, bun_len, &pol, &r, &res, &d) == MAMORI_E_BADSIG);
	CHECK(res.refusal == MAMORI_UPD_UNKNOWN_KEY && strstr(d.msg, hex) != NULL && r.calls == 0 &&
	      r.begins == 0);
	/* an untrusted key beside the trusted one, in either order */
	pol = policy(ca, 2);
	CHECK_OK(verify_mem(bun, bun_len, &pol, &r, &res, &d));
	/* signed by A and B: A alone trusted, threshold 2 */
	pol = policy(&key_a.pk, 1);
	pol.threshold = 2;
	CHECK(verify_mem(bun2, bun2_len, &pol, &r, &res, &d) == MAMORI_E_BADSIG);
	CHECK(res.refusal == MAMORI_UPD_THRESHOLD && strstr(d.msg, "2 required") != NULL &&
	      r.calls == 0 && r.begins == 0);
	pol.threshold = 1; /* B's entry is skipped as unknown */
	CHECK_OK(verify_mem(bun2, bun2_len, &pol, &r, &res, &d));
	CHECK(res.nsigned == 1);
	pol = policy(ab, 2);
	pol.threshold = 2;
	CHECK_OK(verify_mem(bun2, bun2_len, &pol, &r, &res, &d));
	CHECK(res.nsigned == 2 && r.calls == nblks);
	pol.threshold = 3;
	CHECK(verify_mem(bun2, bun2_len, &pol, &r, &res, &d) == MAMORI_E_BADSIG &&
	      res.refusal == MAMORI_UPD_THRESHOLD);
	/* the threshold counts signatures, not entries: bun (A only) with A and B trusted */
	pol.threshold = 2;
	CHECK(verify_mem(bun, bun_len, &pol, &r, &res, &d) == MAMORI_E_BADSIG &&
	      res.refusal == MAMORI_UPD_THRESHOLD);

	/* B's signature broken beside A's good one: refused when B is trusted, whatever the
	 * threshold; skipped when only A is */
	b = malloc(bun2_len);
	if (b == NULL)
		abort();
	memcpy(b, bun2, bun2_len);
	b[64 + bun_mlen + 72 + 8 + 10] ^= 0x01;
	sodium_bin2hex(hex, sizeof(hex), key_b.pk.id, 8);
	pol = policy(ab, 2);
	CHECK(verify_mem(b, bun2_len, &pol, &r, &res, &d) == MAMORI_E_BADSIG);
	CHECK(res.refusal == MAMORI_UPD_BAD_SIGNATURE && strstr(d.msg, hex) != NULL &&
	      strstr(d.msg, "entry 2") != NULL && d.off == 64 + bun_mlen + 72 && r.calls == 0);
	pol = policy(&key_a.pk, 1);
	CHECK_OK(verify_mem(b, bun2_len, &pol, &r, &res, &d));
	/* A's broken instead, B's good, both trusted */
	memcpy(b, bun2, bun2_len);
	b[64 + bun_mlen + 8 + 40] ^= 0x01;
	pol = policy(ab, 2);
	CHECK(verify_mem(b, bun2_len, &pol, &r, &res, &d) == MAMORI_E_BADSIG &&
	      res.refusal == MAMORI_UPD_BAD_SIGNATURE && strstr(d.msg, "entry 1") != NULL);
	free(b);

	/* no trusted keys at all is the caller's mistake */
	pol = policy(ab, 0);
	CHECK(verify_mem(bun, bun_len, &pol, &r, &res, &d) == MAMORI_E_INVAL);
	pol = policy(ab, MAMORI_UPD_KEYS_MAX + 1);
	CHECK(verify_mem(bun, bun_len, &pol, &r, &res, &d) == MAMORI_E_INVAL);
}

static void
refused_by_policy(
    const struct mamori_upd_policy *pol, enum mamori_upd_refusal want, const char *needle)
{
	struct mamori_upd_result res;
	struct mamori_diag d;
	struct rec r;
	bool good;

	good = verify_mem(bun, bun_len, pol, &r, &res, &d) == MAMORI_E_BADSIG &&
	       res.refusal == want && strstr(d.msg, needle) != NULL && r.calls == 0 &&
	       r.begins == 0 && res.bytes == bun_pstart;
	CHECK(good);
	if (!good)
		fprintf(stderr, "  policy: %s (%s), want %s\n",
		    mamori_upd_refusal_name(res.refusal), d.msg, mamori_upd_refusal_name(want));
}

static void
policy_checks(void)
{
	struct mamori_upd_policy pol = policy(&key_a.pk, 1);
	struct mamori_upd_result res;
	struct mamori_diag d;
	struct rec r;

	pol.min_counter = 8;
	refused_by_policy(&pol, MAMORI_UPD_DOWNGRADE, "security counter 7 is below the stored 8");
	pol.min_counter = 7; /* the same counter again is allowed (a re-install) */
	CHECK_OK(verify_mem(bun, bun_len, &pol, &r, &res, &d));
	pol.min_counter = UINT64_MAX;
	refused_by_policy(&pol, MAMORI_UPD_DOWNGRADE, "below");
	pol.min_counter = 0;
	pol.now = NOW + 86400; /* expires <= now */
	refused_by_policy(&pol, MAMORI_UPD_EXPIRED, "expired on 2027-01-16");
	pol.now = UINT64_MAX;
	refused_by_policy(&pol, MAMORI_UPD_EXPIRED, "expired");
	pol.now = NOW + 86399;
	CHECK_OK(verify_mem(bun, bun_len, &pol, &r, &res, &d));
	pol.now = NOW;
	pol.compatible = "acme-cam-v3";
	refused_by_policy(
	    &pol, MAMORI_UPD_WRONG_PRODUCT, "'acme-cam-v2', this device is 'acme-cam-v3'");
	pol.compatible = "acme-cam-v2x";
	refused_by_policy(&pol, MAMORI_UPD_WRONG_PRODUCT, "acme-cam-v2x");
	pol.compatible = "acme-cam-v";
	refused_by_policy(&pol, MAMORI_UPD_WRONG_PRODUCT, "acme-cam-v");
	pol.compatible = "acme-cam-v2";
	CHECK_OK(verify_mem(bun, bun_len, &pol, &r, &res, &d));
}

static void
callbacks_and_errors(void)
{
	struct mamori_upd_policy pol = policy(&key_a.pk, 1);
	struct mamori_upd_result res;
	struct mamori_diag d;
	struct rec r;
	mamori_err e;

	/* the writer refuses its third block: its error, nothing after */
	rec_init(&r);
	r.fail_after = 2;
	{
		struct mem m = {bun, bun_len, 0, 0, SIZE_MAX};

		e = mamori_upd_verify(mem_read, &m, &pol, rec_begin, rec_write, &r, &res, &d);
	}
	CHECK(e == MAMORI_E_IO && res.refusal == MAMORI_UPD_WRITE_FAILED && r.calls == 2);
	/* begin refuses: its error, no block */
	rec_init(&r);
	r.fail_begin = true;
	{
		struct mem m = {bun, bun_len, 0, 0, SIZE_MAX};

		e = mamori_upd_verify(mem_read, &m, &pol, rec_begin, rec_write, &r, &res, &d);
	}
	CHECK(e == MAMORI_E_IO && r.begins == 1 && r.calls == 0);
	/* the reader fails in each region: its error, at that offset */
	for (size_t at = 10; at < bun_len; at += 997) {
		struct mem m = {bun, bun_len, 0, 0, at};
		uint64_t bytes = 0;

		rec_init(&r);
		e = mamori_upd_verify(mem_read, &m, &pol, rec_begin, rec_write, &r, &res, &d);
		for (size_t k = 0; k < nblks && blks[k].at + blks[k].len <= at; k++)
			bytes += blks[k].len;
		CHECK(e == MAMORI_E_IO && res.refusal == MAMORI_UPD_ACCEPTED && r.bytes <= bytes);
	}
}

/* --- bundles built here: valid signatures, rules of the parser under test */

struct cb {
	uint8_t *p;
	size_t n, cap;
};

static void
cb_put(struct cb *b, const void *p, size_t n)
{
	if (n > b->cap - b->n) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap - b->n < n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (b->p == NULL)
			abort();
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void
cb_u(struct cb *b, uint64_t v, size_t n)
{
	uint8_t t[8];

	for (size_t i = 0; i < 8; i++)
		t[i] = (uint8_t)(v >> (8 * i));
	cb_put(b, t, n);
}

static void
cb_str(struct cb *b, const char *s)
{
	cb_u(b, strlen(s), 2);
	cb_put(b, s, strlen(s));
}

static void
cb_free(struct cb *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* The manifest up to the payloads. */
static void
man_head(struct cb *m, uint32_t bs, const char *compat, const char *version, uint16_t npayloads)
{
	cb_u(m, bs, 4);
	cb_u(m, 7, 8);
	cb_u(m, 0, 8);
	cb_u(m, NOW - 60, 8);
	cb_str(m, compat);
	cb_str(m, version);
	cb_u(m, npayloads, 2);
}

/* One payload: class, size, algorithm, then the SHA-256 of each bs-sized block of data, or
 * nzero zero hashes when data is NULL. */
static void
man_payload(struct cb *m, const char *cls, uint64_t size, uint8_t alg, const uint8_t *data,
    uint32_t bs, size_t nzero)
{
	uint8_t h[32];

	cb_str(m, cls);
	cb_u(m, size, 8);
	cb_u(m, alg, 1);
	if (data == NULL) {
		memset(h, 0, sizeof(h));
		for (size_t i = 0; i < nzero; i++)
			cb_put(m, h, sizeof(h));
		return;
	}
	for (uint64_t off = 0; off < size; off += bs) {
		crypto_hash_sha256(h, data + off, (size_t)(size - off < bs ? size - off : bs));
		cb_put(m, h, sizeof(h));
	}
}

struct hdr {
	uint16_t version;
	uint32_t mlen;
	uint16_t nsigs;
	uint64_t payload_bytes;
	size_t reserved_at; /* a reserved byte set to 1 (0: none) */
};

static struct hdr
hdr_for(const struct cb *man, uint64_t payload_bytes, uint16_t nsigs)
{
	return (struct hdr){1, (uint32_t)man->n, nsigs, payload_bytes, 0};
}

/* Header + manifest + one entry per key signing "mamori-update-v1" || header || manifest, as
 * docs/formats/update-bundle.md says; the payload bytes are the caller's to append. */
static void
seal(struct cb *out, const struct cb *man, const struct hdr *hd, const struct tkey *const *keys,
    size_t nkeys)
{
	uint8_t h[64];
	struct cb msg = {0};

	memset(h, 0, sizeof(h));
	memcpy(h, "MAMORIUP", 8);
	st16(h + 8, hd->version);
	st16(h + 10, 64);
	for (size_t i = 0; i < 4; i++)
		h[12 + i] = (uint8_t)(hd->mlen >> (8 * i));
	st16(h + 16, hd->nsigs);
	st16(h + 18, 72);
	for (size_t i = 0; i < 8; i++)
		h[20 + i] = (uint8_t)(hd->payload_bytes >> (8 * i));
	if (hd->reserved_at != 0)
		h[hd->reserved_at] = 1;
	cb_put(&msg, CONTEXT, 16);
	cb_put(&msg, h, 64);
	cb_put(&msg, man->p, man->n);
	cb_put(out, h, 64);
	cb_put(out, man->p, man->n);
	for (size_t k = 0; k < nkeys; k++) {
		uint8_t e[72];

		memcpy(e, keys[k]->pk.id, 8);
		if (crypto_sign_detached(e + 8, NULL, msg.p, msg.n, keys[k]->sk.sk) != 0)
			abort();
		cb_put(out, e, sizeof(e));
	}
	cb_free(&msg);
}

static const struct tkey *const only_a[1] = {&key_a};
static uint8_t pay[5000]; /* the payload of the bundles built here */

/* One payload of class cls (5000 bytes), block size bs, hash algorithm alg. */
static void
craft1(struct cb *out, uint32_t bs, const char *compat, const char *version, const char *cls,
    uint8_t alg)
{
	struct cb m = {0};
	struct hdr hd;

	man_head(&m, bs, compat, version, 1);
	man_payload(&m, cls, sizeof(pay), alg, pay, bs ? bs : BS, 0);
	hd = hdr_for(&m, sizeof(pay), 1);
	seal(out, &m, &hd, only_a, 1);
	cb_put(out, pay, sizeof(pay));
	cb_free(&m);
}

static unsigned long ncrafted;

/* A built bundle must be refused as why, the message naming needle, nothing handed on. */
static void
expect_refused(const char *name, struct cb *b, enum mamori_upd_refusal why, const char *needle)
{
	struct mamori_upd_policy pol = policy(&key_a.pk, 1);
	struct mamori_upd_result res;
	struct mamori_diag d;
	struct rec r;
	mamori_err e;
	bool good;

	e = verify_mem(b->p, b->n, &pol, &r, &res, &d);
	ncrafted++;
	good = e == MAMORI_E_BADSIG && res.refusal == why && strstr(d.msg, needle) != NULL &&
	       r.calls == 0 && r.begins == 0;
	CHECK(good);
	if (!good)
		fprintf(stderr, "  %s: %s (%s), want %s naming \"%s\"\n", name,
		    mamori_upd_refusal_name(res.refusal), d.msg, mamori_upd_refusal_name(why),
		    needle);
	cb_free(b);
}

static void
crafted_bundles(void)
{
	struct mamori_upd_policy pol = policy(&key_a.pk, 1);
	struct mamori_upd_result res;
	struct mamori_diag d;
	struct rec r;
	struct cb b = {0}, m = {0};
	struct hdr hd;
	uint8_t copy[sizeof(pay)];
	char c33[34], c65[66];

	memset(c33, 'a', 33);
	c33[33] = '\0';
	memset(c65, 'a', 65);
	c65[65] = '\0';

	/* the builder itself: accepted, the bytes handed on */
	craft1(&b, BS, "acme-cam-v2", "1.0.0", "rootfs", 1);
	rec_init(&r);
	r.copy[0] = copy;
	r.cap[0] = sizeof(copy);
	{
		struct mem mm = {b.p, b.n, 0, 0, SIZE_MAX};

		CHECK_OK(
		    mamori_upd_verify(mem_read, &mm, &pol, rec_begin, rec_write, &r, &res, &d));
	}
	CHECK(r.calls == 2 && memcmp(copy, pay, sizeof(pay)) == 0);
	cb_free(&b);
	/* the limits themselves are allowed */
	craft1(&b, MAMORI_UPD_BLOCK_MAX, c65 + 1, c33 + 1, c33 + 1, 1);
	CHECK_OK(verify_mem(b.p, b.n, &pol, &r, &res, &d));
	cb_free(&b);
	craft1(&b, BS, "A-Za.z_0+9", "1.0~rc1+B", "a_b-c", 1);
	CHECK_OK(verify_mem(b.p, b.n, &pol, &r, &res, &d));
	cb_free(&b);

	/* slot classes */
	craft1(&b, BS, "acme-cam-v2", "1.0.0", "../etc", 1);
	expect_refused("class ../etc", &b, MAMORI_UPD_MALFORMED, "slot class");
	craft1(&b, BS, "acme-cam-v2", "1.0.0", "ROOTFS", 1);
	expect_refused("class ROOTFS", &b, MAMORI_UPD_MALFORMED, "slot class");
	craft1(&b, BS, "acme-cam-v2", "1.0.0", "", 1);
	expect_refused("class empty", &b, MAMORI_UPD_MALFORMED, "slot class");
	craft1(&b, BS, "acme-cam-v2", "1.0.0", c33, 1);
	expect_refused("class 33", &b, MAMORI_UPD_MALFORMED, "slot class");
	craft1(&b, BS, "acme-cam-v2", "1.0.0", "root fs", 1);
	expect_refused("class space", &b, MAMORI_UPD_MALFORMED, "slot class");
	/* strings of the head */
	craft1(&b, BS, "acme cam", "1.0.0", "rootfs", 1);
	expect_refused("compatible space", &b, MAMORI_UPD_MALFORMED, "compatible");
	craft1(&b, BS, c65, "1.0.0", "rootfs", 1);
	expect_refused("compatible 65", &b, MAMORI_UPD_MALFORMED, "compatible");
	craft1(&b, BS, "", "1.0.0", "rootfs", 1);
	expect_refused("compatible empty", &b, MAMORI_UPD_MALFORMED, "compatible");
	craft1(&b, BS, "acme-cam-v2", c33, "rootfs", 1);
	expect_refused("version 33", &b, MAMORI_UPD_MALFORMED, "version");
	craft1(&b, BS, "acme-cam-v2", "1.0/2", "rootfs", 1);
	expect_refused("version slash", &b, MAMORI_UPD_MALFORMED, "version");
	/* block sizes and hash algorithms */
	craft1(&b, 3000, "acme-cam-v2", "1.0.0", "rootfs", 1);
	expect_refused("block 3000", &b, MAMORI_UPD_MALFORMED, "block size 3000");
	craft1(&b, (uint32_t)32 << 20, "acme-cam-v2", "1.0.0", "rootfs", 1);
	expect_refused("block 32 MiB", &b, MAMORI_UPD_MALFORMED, "block size 33554432");
	craft1(&b, 2048, "acme-cam-v2", "1.0.0", "rootfs", 1);
	expect_refused("block 2048", &b, MAMORI_UPD_MALFORMED, "block size 2048");
	craft1(&b, 0, "acme-cam-v2", "1.0.0", "rootfs", 1);
	expect_refused("block 0", &b, MAMORI_UPD_MALFORMED, "block size 0");
	craft1(&b, BS, "acme-cam-v2", "1.0.0", "rootfs", 2);
	expect_refused("hash 2", &b, MAMORI_UPD_MALFORMED, "hash algorithm 2");
	craft1(&b, BS, "acme-cam-v2", "1.0.0", "rootfs", 0);
	expect_refused("hash 0", &b, MAMORI_UPD_MALFORMED, "hash algorithm 0");

	/* two payloads: the same class twice */
	man_head(&m, BS, "acme-cam-v2", "1.0.0", 2);
	man_payload(&m, "rootfs", sizeof(pay), 1, pay, BS, 0);
	man_payload(&m, "rootfs", sizeof(pay), 1, pay, BS, 0);
	hd = hdr_for(&m, 2 * sizeof(pay), 1);
	seal(&b, &m, &hd, only_a, 1);
	cb_put(&b, pay, sizeof(pay));
	cb_put(&b, pay, sizeof(pay));
	expect_refused("class twice", &b, MAMORI_UPD_MALFORMED, "'rootfs' appears twice");
	cb_free(&m);
	/* sizes: 0; a sum that wraps around 2^64; a sum past 1 TiB; exactly 1 TiB (then the
	 * hashes cannot fit) */
	{
		static const struct {
			uint64_t size;
			enum mamori_upd_refusal why;
			const char *needle;
		} sz[] = {
		    {0, MAMORI_UPD_MALFORMED, "'kernel': size 0"},
		    {UINT64_MAX, MAMORI_UPD_OVERSIZED, "'kernel': size 18446744073709551615"},
		    {((uint64_t)1 << 63) + 1, MAMORI_UPD_OVERSIZED, "past 1 TiB"},
		    {MAMORI_UPD_PAYLOAD_MAX - sizeof(pay) + 1, MAMORI_UPD_OVERSIZED, "past 1 TiB"},
		    {MAMORI_UPD_PAYLOAD_MAX, MAMORI_UPD_OVERSIZED, "past 1 TiB"},
		    {MAMORI_UPD_PAYLOAD_MAX - sizeof(pay), MAMORI_UPD_MALFORMED,
		        "block hashes do not fit"},
		};

		for (size_t i = 0; i < sizeof(sz) / sizeof(sz[0]); i++) {
			man_head(&m, BS, "acme-cam-v2", "1.0.0", 2);
			man_payload(&m, "rootfs", sizeof(pay), 1, pay, BS, 0);
			man_payload(&m, "kernel", sz[i].size, 1, NULL, BS, 1);
			hd = hdr_for(&m, sizeof(pay), 1);
			seal(&b, &m, &hd, only_a, 1);
			cb_put(&b, pay, sizeof(pay));
			expect_refused("sizes", &b, sz[i].why, sz[i].needle);
			cb_free(&m);
		}
	}
	/* one payload past 1 TiB on its own (the header says 1 TiB) */
	man_head(&m, BS, "acme-cam-v2", "1.0.0", 1);
	man_payload(&m, "rootfs", MAMORI_UPD_PAYLOAD_MAX + 1, 1, NULL, BS, 1);
	hd = hdr_for(&m, MAMORI_UPD_PAYLOAD_MAX, 1);
	seal(&b, &m, &hd, only_a, 1);
	expect_refused("size 1 TiB + 1", &b, MAMORI_UPD_OVERSIZED, "'rootfs': size 1099511627777");
	cb_free(&m);
	/* payload counts */
	{
		static const uint16_t counts[] = {0, 9, 0xffff};

		for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
			man_head(&m, BS, "acme-cam-v2", "1.0.0", counts[i]);
			man_payload(&m, "rootfs", sizeof(pay), 1, pay, BS, 0);
			hd = hdr_for(&m, sizeof(pay), 1);
			seal(&b, &m, &hd, only_a, 1);
			cb_put(&b, pay, sizeof(pay));
			expect_refused("payload count", &b, MAMORI_UPD_MALFORMED, "payload count");
			cb_free(&m);
		}
	}
	man_head(&m, BS, "acme-cam-v2", "1.0.0", 2); /* says 2, has 1 */
	man_payload(&m, "rootfs", sizeof(pay), 1, pay, BS, 0);
	hd = hdr_for(&m, sizeof(pay), 1);
	seal(&b, &m, &hd, only_a, 1);
	cb_put(&b, pay, sizeof(pay));
	expect_refused("count 2, one payload", &b, MAMORI_UPD_MALFORMED, "ends inside slot class");
	cb_free(&m);

	/* the header's payload bytes against the manifest's sum; header fields */
	man_head(&m, BS, "acme-cam-v2", "1.0.0", 1);
	man_payload(&m, "rootfs", sizeof(pay), 1, pay, BS, 0);
	{
		static const uint64_t p[] = {sizeof(pay) - 1, sizeof(pay) + 1, 1};

		for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
			hd = hdr_for(&m, p[i], 1);
			seal(&b, &m, &hd, only_a, 1);
			cb_put(&b, pay, sizeof(pay));
			expect_refused(
			    "header payload bytes", &b, MAMORI_UPD_MALFORMED, "the header says");
		}
	}
	hd = hdr_for(&m, 0, 1);
	seal(&b, &m, &hd, only_a, 1);
	expect_refused("payload bytes 0", &b, MAMORI_UPD_MALFORMED, "payload bytes 0");
	hd = hdr_for(&m, MAMORI_UPD_PAYLOAD_MAX + 1, 1);
	seal(&b, &m, &hd, only_a, 1);
	expect_refused("payload bytes 1 TiB + 1", &b, MAMORI_UPD_OVERSIZED, "payload bytes");
	hd = hdr_for(&m, sizeof(pay), 1);
	hd.version = 2;
	seal(&b, &m, &hd, only_a, 1);
	expect_refused("format version 2", &b, MAMORI_UPD_MALFORMED, "format version 2");
	for (size_t at = 28; at < 64; at += 35) {
		hd = hdr_for(&m, sizeof(pay), 1);
		hd.reserved_at = at;
		seal(&b, &m, &hd, only_a, 1);
		cb_put(&b, pay, sizeof(pay));
		expect_refused("reserved byte", &b, MAMORI_UPD_MALFORMED, "reserved");
	}
	hd = hdr_for(&m, sizeof(pay), 0);
	seal(&b, &m, &hd, only_a, 1);
	cb_put(&b, pay, sizeof(pay));
	expect_refused("signature count 0", &b, MAMORI_UPD_MALFORMED, "signature count 0");
	hd = hdr_for(&m, sizeof(pay), 9);
	seal(&b, &m, &hd, only_a, 1);
	cb_put(&b, pay, sizeof(pay));
	expect_refused("signature count 9", &b, MAMORI_UPD_OVERSIZED, "signature count 9");
	{ /* A twice: the same key id in two entries */
		const struct tkey *aa[2] = {&key_a, &key_a};

		hd = hdr_for(&m, sizeof(pay), 2);
		seal(&b, &m, &hd, aa, 2);
		cb_put(&b, pay, sizeof(pay));
		expect_refused("key id twice", &b, MAMORI_UPD_MALFORMED, "signs twice");
	}
	{ /* C (untrusted) twice beside A: still malformed */
		const struct tkey *cac[3] = {&key_c, &key_a, &key_c};

		hd = hdr_for(&m, sizeof(pay), 3);
		seal(&b, &m, &hd, cac, 3);
		cb_put(&b, pay, sizeof(pay));
		expect_refused("untrusted id twice", &b, MAMORI_UPD_MALFORMED, "signs twice");
	}
	/* manifest lengths: 0; above 4 MiB (refused before anything more is read or allocated) */
	hd = hdr_for(&m, sizeof(pay), 1);
	hd.mlen = 0;
	seal(&b, &m, &hd, only_a, 1);
	expect_refused("manifest length 0", &b, MAMORI_UPD_MALFORMED, "manifest length 0");
	{
		static const uint32_t big[] = {MAMORI_UPD_MANIFEST_MAX + 1, UINT32_MAX};

		for (size_t i = 0; i < 2; i++) {
			struct mem mm;

			hd = hdr_for(&m, sizeof(pay), 1);
			hd.mlen = big[i];
			seal(&b, &m, &hd, only_a, 1);
			mm = (struct mem){b.p, b.n, 0, 0, SIZE_MAX};
			rec_init(&r);
			nverify++;
			CHECK(mamori_upd_verify(mem_read, &mm, &pol, rec_begin, rec_write, &r, &res,
			          &d) == MAMORI_E_BADSIG);
			CHECK(res.refusal == MAMORI_UPD_OVERSIZED && res.bytes == 64 &&
			      mm.off == 64 && strstr(d.msg, "manifest length") != NULL &&
			      d.off == 12);
			cb_free(&b);
		}
	}
	/* trailing bytes inside the manifest */
	cb_u(&m, 0, 1);
	hd = hdr_for(&m, sizeof(pay), 1);
	seal(&b, &m, &hd, only_a, 1);
	cb_put(&b, pay, sizeof(pay));
	expect_refused(
	    "manifest trailing byte", &b, MAMORI_UPD_MALFORMED, "1 bytes after the last field");
	cb_free(&m);
}

/* The manifest cut at every byte (the header says so, the signature covers it): each cut is
 * refused as malformed, naming the field it falls in. */
static void
manifest_cut_everywhere(void)
{
	static const struct {
		size_t end;
		const char *needle;
	} fields[] = {
	    {28, "shorter than its fixed fields"},
	    {28 + 2 + 11, "ends inside compatible"},
	    {41 + 2 + 5, "ends inside version"},
	    {48 + 2, "payload count"},
	    {50 + 2 + 6, "ends inside slot class"},
	    {58 + 9, "ends inside payload 1"},
	    {67 + 64, "2 block hashes do not fit"},
	};
	struct cb m = {0}, b = {0}, cut;
	struct hdr hd;

	man_head(&m, BS, "acme-cam-v2", "1.0.0", 1);
	man_payload(&m, "rootfs", sizeof(pay), 1, pay, BS, 0);
	CHECK(m.n == 131);
	cut = m;
	cut.n = 0;
	hd = hdr_for(&cut, sizeof(pay), 1);
	seal(&b, &cut, &hd, only_a, 1);
	expect_refused("manifest cut at 0", &b, MAMORI_UPD_MALFORMED, "manifest length 0");
	for (size_t n = 1, f = 0; n < m.n; n++) {
		char name[48];

		while (n >= fields[f].end)
			f++;
		cut.n = n;
		hd = hdr_for(&cut, sizeof(pay), 1);
		seal(&b, &cut, &hd, only_a, 1);
		cb_put(&b, pay, sizeof(pay));
		(void)snprintf(name, sizeof(name), "manifest cut at %zu", n);
		expect_refused(name, &b, MAMORI_UPD_MALFORMED, fields[f].needle);
	}
	cb_free(&m);
}

/* --- mamori_upd_sign's refusals */

static bool
tmp_leftovers(void)
{
	DIR *dir = opendir(tmpdir);
	struct dirent *e;
	bool found = false;

	while (dir != NULL && (e = readdir(dir)) != NULL)
		if (strstr(e->d_name, ".tmp.") != NULL)
			found = true;
	if (dir != NULL)
		closedir(dir);
	return found;
}

static void
sign_refused(const struct mamori_upd_sign_opts *o, const struct mamori_upd_seckey *keys,
    size_t nkeys, const struct mamori_upd_input *in, size_t nin, mamori_err want,
    const char *needle)
{
	struct mamori_diag d;
	char out[PLEN];
	mamori_err e;
	bool good;

	mamori_diag_clear(&d);
	e = mamori_upd_sign(o, keys, nkeys, in, nin, tpath(out, "refused.mup"), &d);
	good = e == want && strstr(d.msg, needle) != NULL && access(out, F_OK) != 0 &&
	       !tmp_leftovers();
	CHECK(good);
	if (!good)
		fprintf(
		    stderr, "  sign: %s (%s), want \"%s\"\n", mamori_strerror(e), d.msg, needle);
}

static void
sign_refusals(void)
{
	struct mamori_upd_seckey nine[9], aa[2] = {key_a.sk, key_a.sk};
	struct mamori_upd_input in[9];
	struct mamori_upd_sign_opts o;
	char kp[PLEN], rp[PLEN], ep[PLEN], mp[PLEN], c33[34], c65[66];

	memset(c33, 'a', 33);
	c33[33] = '\0';
	memset(c65, 'a', 65);
	c65[65] = '\0';
	for (size_t i = 0; i < 9; i++)
		nine[i] = key_a.sk;
	in[0] = (struct mamori_upd_input){"kernel", tpath(kp, "kernel.img")};
	in[1] = (struct mamori_upd_input){"rootfs", tpath(rp, "rootfs.img")};
#define RESET() (o = main_opts, in[0].slot_class = "kernel", in[1].slot_class = "rootfs")
	RESET();
	o.compatible = "acme cam";
	sign_refused(&o, &key_a.sk, 1, in, 2, MAMORI_E_INVAL, "compatible");
	o.compatible = "";
	sign_refused(&o, &key_a.sk, 1, in, 2, MAMORI_E_INVAL, "compatible");
	o.compatible = NULL;
	sign_refused(&o, &key_a.sk, 1, in, 2, MAMORI_E_INVAL, "compatible");
	o.compatible = c65;
	sign_refused(&o, &key_a.sk, 1, in, 2, MAMORI_E_INVAL, "compatible");
	RESET();
	o.version = "1.0/2";
	sign_refused(&o, &key_a.sk, 1, in, 2, MAMORI_E_INVAL, "version");
	o.version = c33;
	sign_refused(&o, &key_a.sk, 1, in, 2, MAMORI_E_INVAL, "version");
	o.version = NULL;
	sign_refused(&o, &key_a.sk, 1, in, 2, MAMORI_E_INVAL, "version");
	RESET();
	in[1].slot_class = "Rootfs";
	sign_refused(&o, &key_a.sk, 1, in, 2, MAMORI_E_INVAL, "slot class 'Rootfs'");
	in[1].slot_class = "../etc";
	sign_refused(&o, &key_a.sk, 1, in, 2, MAMORI_E_INVAL, "slot class '../etc'");
	in[1].slot_class = "";
	sign_refused(&o, &key_a.sk, 1, in, 2, MAMORI_E_INVAL, "slot class");
	in[1].slot_class = c33;
	sign_refused(&o, &key_a.sk, 1, in, 2, MAMORI_E_INVAL, "slot class");
	in[1].slot_class = "kernel";
	sign_refused(&o, &key_a.sk, 1, in, 2, MAMORI_E_INVAL, "'kernel' given twice");
	RESET();
	{
		static const uint32_t bad[] = {
		    3000, 2048, 0, (uint32_t)32 << 20, BS + 1, MAMORI_UPD_BLOCK_MAX + BS};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			o.block_size = bad[i];
			sign_refused(&o, &key_a.sk, 1, in, 2, MAMORI_E_INVAL, "block size");
		}
	}
	RESET();
	sign_refused(&o, aa, 2, in, 2, MAMORI_E_INVAL, "the same key given twice");
	sign_refused(&o, aa, 0, in, 2, MAMORI_E_INVAL, "signing keys");
	sign_refused(&o, nine, 9, in, 2, MAMORI_E_INVAL, "signing keys");
	sign_refused(&o, &key_a.sk, 1, in, 0, MAMORI_E_INVAL, "payloads");
	for (size_t i = 0; i < 9; i++)
		in[i] = in[i % 2];
	sign_refused(&o, &key_a.sk, 1, in, 9, MAMORI_E_INVAL, "payloads");
	CHECK(write_file(tpath(ep, "empty.img"), "", 0, 0644));
	in[1] = (struct mamori_upd_input){"rootfs", ep};
	sign_refused(&o, &key_a.sk, 1, in, 2, MAMORI_E_INVAL, "empty");
	in[1] = (struct mamori_upd_input){"rootfs", tpath(mp, "missing.img")};
	sign_refused(&o, &key_a.sk, 1, in, 2, MAMORI_E_IO, "missing.img");
	in[1] = (struct mamori_upd_input){"rootfs", tmpdir};
	sign_refused(&o, &key_a.sk, 1, in, 2, MAMORI_E_INVAL, "not a regular file");
	in[1] = (struct mamori_upd_input){"rootfs", rp};
	{ /* an output directory that does not exist */
		struct mamori_diag d;

		CHECK(mamori_upd_sign(&o, &key_a.sk, 1, in, 2, "/nonexistent/dir/x.mup", &d) ==
		      MAMORI_E_IO);
	}
	/* too many blocks for the manifest: 1 TiB + 1 of sparse file is refused before reading */
	{
		char bp[PLEN];
		FILE *f = fopen(tpath(bp, "big.img"), "wb");

		CHECK(f != NULL && fseeko(f, (off_t)MAMORI_UPD_PAYLOAD_MAX, SEEK_SET) == 0 &&
		      fputc(0, f) == 0);
		if (f != NULL)
			fclose(f);
		in[1] = (struct mamori_upd_input){"rootfs", bp};
		sign_refused(&o, &key_a.sk, 1, in, 2, MAMORI_E_TOOBIG, "larger than 1 TiB");
		(void)unlink(bp);
	}
#undef RESET
}

/* --- fuzz seeds: small bundles signed with the fuzz harness's keys (A: 0xA0 + i, B: 0xB0 + i),
 * each behind the harness's mode byte (fuzz/fuzz_update.c) */

static bool
write_seed(const char *dir, const char *name, uint8_t mode, const uint8_t *p, size_t n)
{
	char path[512];
	uint8_t *b = malloc(n + 1);
	bool ok;

	if (b == NULL)
		return false;
	b[0] = mode;
	memcpy(b + 1, p, n);
	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	ok = write_file(path, b, n + 1, 0644);
	free(b);
	return ok;
}

static void
fuzz_seeds(void)
{
	const char *dir = getenv("UPDATE_SEEDS");
	struct mamori_upd_sign_opts o = {"fuzz-board", "1.0", 7, 0, NOW - 60, BS};
	struct mamori_upd_seckey ab[2] = {key_a.sk, key_b.sk};
	struct mamori_upd_input in[2];
	struct mamori_diag d;
	char p1[PLEN], p2[PLEN], out[PLEN];
	uint8_t small[100], two[4100];
	uint8_t *b1, *b2;
	size_t n1 = 0, n2 = 0;

	if (dir == NULL)
		return;
	fill(small, sizeof(small), 3);
	fill(two, sizeof(two), 4);
	CHECK(write_file(tpath(p1, "s1.img"), small, sizeof(small), 0644));
	CHECK(write_file(tpath(p2, "s2.img"), two, sizeof(two), 0644));
	in[0] = (struct mamori_upd_input){"rootfs", p1};
	CHECK_OK(mamori_upd_sign(&o, &key_a.sk, 1, in, 1, tpath(out, "s1.mup"), &d));
	b1 = (uint8_t *)vec_read_file(out, &n1);
	in[0] = (struct mamori_upd_input){"kernel", p2};
	in[1] = (struct mamori_upd_input){"rootfs", p1};
	CHECK_OK(mamori_upd_sign(&o, ab, 2, in, 2, tpath(out, "s2.mup"), &d));
	b2 = (uint8_t *)vec_read_file(out, &n2);
	CHECK(b1 != NULL && b2 != NULL);
	if (b1 == NULL || b2 == NULL)
		return;
	/* mode: 1 re-sign, 2 re-hash, 4|8 read in pieces, 16 compatible, 32 threshold 2,
	 * 64 counter 8 required, 128 the writer fails */
	CHECK(write_seed(dir, "one-payload", 0x00, b1, n1));
	CHECK(write_seed(dir, "one-payload-resign", 0x03, b1, n1));
	CHECK(write_seed(dir, "two-keys", 0x10, b2, n2));
	CHECK(write_seed(dir, "two-keys-threshold", 0x21, b2, n2));
	CHECK(write_seed(dir, "two-keys-pieces", 0x0b, b2, n2));
	CHECK(write_seed(dir, "cut", 0x01, b1, 150));
	CHECK(write_seed(dir, "downgrade", 0x40, b1, n1));
	CHECK(write_seed(dir, "writer-fails", 0x80, b2, n2));
	b1[n1 - 1] ^= 0x01;
	CHECK(write_seed(dir, "corrupt-block", 0x00, b1, n1));
	free(b1);
	free(b2);
}

static void
totals(void)
{
	fprintf(stderr, "test_update: %lu verify runs, %lu forgeries refused, %lu built bundles\n",
	    nverify, nforged, ncrafted);
}

int
main(void)
{
	static const struct check_case cases[] = {
	    CHECK_CASE(rfc8032_vectors),
	    CHECK_CASE(key_files),
	    CHECK_CASE(format_conformance),
	    CHECK_CASE(sign_and_verify),
	    CHECK_CASE(forgery_signed_regions),
	    CHECK_CASE(forgery_payload_blocks),
	    CHECK_CASE(truncation),
	    CHECK_CASE(trailing_bytes),
	    CHECK_CASE(keys_and_threshold),
	    CHECK_CASE(policy_checks),
	    CHECK_CASE(callbacks_and_errors),
	    CHECK_CASE(crafted_bundles),
	    CHECK_CASE(manifest_cut_everywhere),
	    CHECK_CASE(sign_refusals),
	    CHECK_CASE(fuzz_seeds),
	    CHECK_CASE(totals),
	};
	int rc;

	fill(pay, sizeof(pay), 5);
	if (!setup()) {
		fprintf(stderr, "test_update: setup failed: %s\n", strerror(errno));
		printf("test_update: 0 passed, 1 failed\n");
		teardown();
		return 1;
	}
	rc = check_run("test_update", cases, sizeof(cases) / sizeof(cases[0]));
	teardown();
	return rc;
}
