/* SPDX-License-Identifier: MIT */
/* Update bundles (docs/formats/update-bundle.md): signing, and verification that streams and
 * hands on only authenticated blocks. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mamori/buf.h"
#include "mamori/update.h"

#define CONTEXT     "mamori-update-v1"
#define CONTEXT_LEN 16u
#define HASH_LEN    32u
#define ALG_SHA256  1u

static const char magic[8] = {'M', 'A', 'M', 'O', 'R', 'I', 'U', 'P'};

const char *
mamori_upd_refusal_name(enum mamori_upd_refusal r)
{
	static const char *const names[] = {"accepted", "bad signature", "unknown key",
	    "wrong product", "downgrade", "expired", "truncated", "oversized", "corrupt block",
	    "malformed", "below the signature threshold", "write failed"};

	return (size_t)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

static void
st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
st32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
st64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
ld64(const uint8_t *p)
{
	return (uint64_t)mamori_load_le32(p) | (uint64_t)mamori_load_le32(p + 4) << 32;
}

static bool
sha256(const uint8_t *p, size_t n, uint8_t out[HASH_LEN])
{
	unsigned int len = 0;

	return EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) == 1 && len == HASH_LEN;
}

/* Characters a field may hold (docs/formats/update-bundle.md). */
static bool
charset_ok(const char *s, size_t n, const char *extra, bool upper)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (upper && c >= 'A' && c <= 'Z') || (c != '\0' && strchr(extra, c) != NULL))
			continue;
		return false;
	}
	return true;
}

static bool
compat_ok(const char *s, size_t n)
{
	return n <= MAMORI_UPD_COMPAT_MAX && charset_ok(s, n, "._+-", true);
}

static bool
version_ok(const char *s, size_t n)
{
	return n <= MAMORI_UPD_VERSION_MAX && charset_ok(s, n, "._+~-", true);
}

static bool
class_ok(const char *s, size_t n)
{
	return n <= MAMORI_UPD_CLASS_MAX && charset_ok(s, n, "_-", false);
}

static uint64_t
blocks_of(uint64_t size, uint32_t b)
{
	return size / b + (size % b != 0);
}

/* --- signing --- */

static mamori_err
put_str(struct mamori_buf *m, const char *s)
{
	uint8_t len[2];
	mamori_err e;

	st16(len, (uint16_t)strlen(s));
	e = mamori_buf_append(m, len, 2);
	return e == MAMORI_OK ? mamori_buf_append(m, s, strlen(s)) : e;
}

static mamori_err
put_u(struct mamori_buf *m, uint64_t v, size_t n)
{
	uint8_t b[8];

	st64(b, v);
	return mamori_buf_append(m, b, n);
}

/* Reads exactly n bytes (fewer only at the end of the file). */
static ssize_t
read_full(int fd, uint8_t *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static mamori_err
write_full(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return MAMORI_E_IO;
		p += w;
		n -= (size_t)w;
	}
	return MAMORI_OK;
}

static mamori_err
input_size(const char *path, int fd, uint64_t *size, struct mamori_diag *d)
{
	struct stat st;

	*size = 0;
	if (fstat(fd, &st) != 0)
		return mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: %s", path, strerror(errno));
	if (S_ISREG(st.st_mode)) {
		*size = (uint64_t)st.st_size;
	} else if (S_ISBLK(st.st_mode)) {
		off_t end = lseek(fd, 0, SEEK_END);

		if (end < 0 || lseek(fd, 0, SEEK_SET) != 0)
			return mamori_diag_set(
			    d, MAMORI_E_IO, 0, 0, "%s: %s", path, strerror(errno));
		*size = (uint64_t)end;
	} else {
		return mamori_diag_set(
		    d, MAMORI_E_INVAL, 0, 0, "%s: not a regular file or block device", path);
	}
	if (*size == 0)
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0, "%s: empty", path);
	return MAMORI_OK;
}

/* Hashes one input block by block into the manifest. */
static mamori_err
hash_input(const struct mamori_upd_input *in, uint32_t bs, uint8_t *buf, struct mamori_buf *m,
    uint64_t *size, struct mamori_diag *d)
{
	int fd = open(in->path, O_RDONLY | O_CLOEXEC);
	mamori_err e;
	uint64_t left;

	if (fd < 0)
		return mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: %s", in->path, strerror(errno));
	e = input_size(in->path, fd, size, d);
	if (e == MAMORI_OK && *size > MAMORI_UPD_PAYLOAD_MAX)
		e = mamori_diag_set(d, MAMORI_E_TOOBIG, 0, 0, "%s: larger than 1 TiB", in->path);
	if (e == MAMORI_OK && (e = put_str(m, in->slot_class)) == MAMORI_OK &&
	    (e = put_u(m, *size, 8)) == MAMORI_OK)
		e = put_u(m, ALG_SHA256, 1);
	for (left = *size; e == MAMORI_OK && left > 0;) {
		size_t n = left < bs ? (size_t)left : bs;
		uint8_t h[HASH_LEN];

		if (read_full(fd, buf, n) != (ssize_t)n)
			e = mamori_diag_set(
			    d, MAMORI_E_IO, 0, 0, "%s: read failed or the file shrank", in->path);
		else if (!sha256(buf, n, h))
			e = mamori_diag_set(d, MAMORI_E_IO, 0, 0, "SHA-256 failed");
		else if ((e = mamori_buf_append(m, h, HASH_LEN)) == MAMORI_E_NOMEM)
			e = mamori_diag_set(d, MAMORI_E_TOOBIG, 0, 0,
			    "the manifest would exceed %u MiB: use larger blocks (--block-size)",
			    MAMORI_UPD_MANIFEST_MAX >> 20);
		left -= n;
	}
	(void)close(fd);
	return e;
}

/* Copies an input into the bundle, checking each block against the hash just signed (the
 * file must not change between the two passes). */
static mamori_err
copy_input(const struct mamori_upd_input *in, uint64_t size, const uint8_t *hashes, uint32_t bs,
    uint8_t *buf, int out, struct mamori_diag *d)
{
	int fd = open(in->path, O_RDONLY | O_CLOEXEC);
	mamori_err e = MAMORI_OK;
	uint64_t left = size;

	if (fd < 0)
		return mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: %s", in->path, strerror(errno));
	for (uint64_t i = 0; e == MAMORI_OK && left > 0; i++) {
		size_t n = left < bs ? (size_t)left : bs;
		uint8_t h[HASH_LEN];

		if (read_full(fd, buf, n) != (ssize_t)n || !sha256(buf, n, h) ||
		    memcmp(h, hashes + i * HASH_LEN, HASH_LEN) != 0)
			e = mamori_diag_set(d, MAMORI_E_IO, 0, 0,
			    "%s: changed while it was being signed (block %llu)", in->path,
			    (unsigned long long)i);
		else if (write_full(out, buf, n) != MAMORI_OK)
			e = mamori_diag_set(
			    d, MAMORI_E_IO, 0, 0, "writing the bundle: %s", strerror(errno));
		left -= n;
	}
	(void)close(fd);
	return e;
}

static mamori_err
check_sign_opts(const struct mamori_upd_sign_opts *o, const struct mamori_upd_signer *keys,
    size_t nkeys, const struct mamori_upd_input *in, size_t nin, struct mamori_diag *d)
{
	uint32_t b = o->block_size;

	if (o->compatible == NULL || !compat_ok(o->compatible, strlen(o->compatible)))
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0,
		    "compatible: 1 to %u of [A-Za-z0-9._+-]", MAMORI_UPD_COMPAT_MAX);
	if (o->version == NULL || !version_ok(o->version, strlen(o->version)))
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0,
		    "version: 1 to %u of [A-Za-z0-9._+~-]", MAMORI_UPD_VERSION_MAX);
	if (b < MAMORI_UPD_BLOCK_MIN || b > MAMORI_UPD_BLOCK_MAX || (b & (b - 1)) != 0)
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0,
		    "block size %u: a power of two from 4 KiB to 16 MiB", b);
	if (nkeys == 0 || nkeys > MAMORI_UPD_SIGS_MAX)
		return mamori_diag_set(
		    d, MAMORI_E_INVAL, 0, 0, "1 to %u signing keys", MAMORI_UPD_SIGS_MAX);
	if (nin == 0 || nin > MAMORI_UPD_PAYLOADS_MAX)
		return mamori_diag_set(
		    d, MAMORI_E_INVAL, 0, 0, "1 to %u payloads", MAMORI_UPD_PAYLOADS_MAX);
	for (size_t i = 0; i < nkeys; i++)
		for (size_t j = 0; j < i; j++)
			if (memcmp(keys[i].id, keys[j].id, MAMORI_UPD_KEYID_LEN) == 0)
				return mamori_diag_set(
				    d, MAMORI_E_INVAL, 0, 0, "the same key given twice");
	for (size_t i = 0; i < nin; i++) {
		if (!class_ok(in[i].slot_class, strlen(in[i].slot_class)))
			return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0,
			    "slot class '%.40s': 1 to %u of [a-z0-9_-]", in[i].slot_class,
			    MAMORI_UPD_CLASS_MAX);
		for (size_t j = 0; j < i; j++)
			if (strcmp(in[i].slot_class, in[j].slot_class) == 0)
				return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0,
				    "slot class '%s' given twice", in[i].slot_class);
	}
	return MAMORI_OK;
}

static mamori_err
fsync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;
	mamori_err e = MAMORI_OK;

	if (slash == NULL)
		(void)snprintf(dir, sizeof(dir), ".");
	else if (snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path) >= (int)sizeof(dir))
		return MAMORI_E_IO;
	if (dir[0] == '\0')
		(void)snprintf(dir, sizeof(dir), "/");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return MAMORI_E_IO;
	if (fsync(fd) != 0)
		e = MAMORI_E_IO;
	(void)close(fd);
	return e;
}

static mamori_err
sign_file_key(void *ctx, const uint8_t *msg, size_t n, uint8_t sig[64], struct mamori_diag *d)
{
	const struct mamori_upd_seckey *k = ctx;

	(void)d;
	crypto_sign_detached(sig, NULL, msg, n, k->sk);
	return MAMORI_OK;
}

void
mamori_upd_signer_of(const struct mamori_upd_seckey *k, struct mamori_upd_signer *s)
{
	memcpy(s->id, k->id, MAMORI_UPD_KEYID_LEN);
	s->sign = sign_file_key;
	union {
		const struct mamori_upd_seckey *c;
		void *m;
	} u = {k};

	s->ctx = u.m;
}

mamori_err
mamori_upd_sign(const struct mamori_upd_sign_opts *o, const struct mamori_upd_seckey *keys,
    size_t nkeys, const struct mamori_upd_input *in, size_t nin, const char *out_path,
    struct mamori_diag *d)
{
	struct mamori_upd_signer s[MAMORI_UPD_SIGS_MAX];

	if (nkeys == 0 || nkeys > MAMORI_UPD_SIGS_MAX)
		return mamori_diag_set(
		    d, MAMORI_E_INVAL, 0, 0, "1 to %u signing keys", MAMORI_UPD_SIGS_MAX);
	for (size_t i = 0; i < nkeys; i++)
		mamori_upd_signer_of(&keys[i], &s[i]);
	return mamori_upd_sign_with(o, s, nkeys, in, nin, out_path, d);
}

mamori_err
mamori_upd_sign_with(const struct mamori_upd_sign_opts *o, const struct mamori_upd_signer *keys,
    size_t nkeys, const struct mamori_upd_input *in, size_t nin, const char *out_path,
    struct mamori_diag *d)
{
	struct mamori_buf m, msg;
	uint8_t header[MAMORI_UPD_HEADER_LEN], *buf = NULL;
	uint64_t sizes[MAMORI_UPD_PAYLOADS_MAX] = {0}, total = 0;
	size_t hash_at[MAMORI_UPD_PAYLOADS_MAX];
	char tmp[PATH_MAX] = ""; /* the out: label reads it before mkstemp fills it */
	int out = -1;
	mamori_err e;

	if (sodium_init() < 0)
		return mamori_diag_set(d, MAMORI_E_IO, 0, 0, "libsodium could not start");
	e = check_sign_opts(o, keys, nkeys, in, nin, d);
	if (e != MAMORI_OK)
		return e;
	mamori_buf_init(&m, MAMORI_UPD_MANIFEST_MAX);
	mamori_buf_init(&msg, CONTEXT_LEN + MAMORI_UPD_HEADER_LEN + MAMORI_UPD_MANIFEST_MAX);
	buf = malloc(o->block_size);
	if (buf == NULL)
		return MAMORI_E_NOMEM;
	if ((e = put_u(&m, o->block_size, 4)) != MAMORI_OK || (e = put_u(&m, o->counter, 8)) ||
	    (e = put_u(&m, o->expires, 8)) || (e = put_u(&m, o->created, 8)) ||
	    (e = put_str(&m, o->compatible)) || (e = put_str(&m, o->version)) ||
	    (e = put_u(&m, nin, 2)))
		goto out;
	for (size_t i = 0; i < nin; i++) {
		hash_at[i] = m.len + 2 + strlen(in[i].slot_class) + 8 + 1;
		e = hash_input(&in[i], o->block_size, buf, &m, &sizes[i], d);
		if (e != MAMORI_OK)
			goto out;
		if (sizes[i] > MAMORI_UPD_PAYLOAD_MAX - total) {
			e = mamori_diag_set(d, MAMORI_E_TOOBIG, 0, 0, "payloads larger than 1 TiB");
			goto out;
		}
		total += sizes[i];
	}
	memset(header, 0, sizeof(header));
	memcpy(header, magic, sizeof(magic));
	st16(header + 8, 1);
	st16(header + 10, MAMORI_UPD_HEADER_LEN);
	st32(header + 12, (uint32_t)m.len);
	st16(header + 16, (uint16_t)nkeys);
	st16(header + 18, MAMORI_UPD_SIG_LEN);
	st64(header + 20, total);
	if ((e = mamori_buf_append(&msg, CONTEXT, CONTEXT_LEN)) != MAMORI_OK ||
	    (e = mamori_buf_append(&msg, header, sizeof(header))) != MAMORI_OK ||
	    (e = mamori_buf_append(&msg, m.p, m.len)) != MAMORI_OK)
		goto out;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", out_path) >= (int)sizeof(tmp)) {
		tmp[0] = '\0'; /* a truncated name is not ours to unlink */
		e = mamori_diag_set(d, MAMORI_E_INVAL, 0, 0, "output path too long");
		goto out;
	}
	out = mkstemp(tmp);
	if (out < 0) {
		e = mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: %s", out_path, strerror(errno));
		goto out;
	}
	e = write_full(out, header, sizeof(header));
	if (e == MAMORI_OK)
		e = write_full(out, m.p, m.len);
	for (size_t k = 0; e == MAMORI_OK && k < nkeys; k++) {
		uint8_t sig[MAMORI_UPD_SIG_LEN];

		memcpy(sig, keys[k].id, MAMORI_UPD_KEYID_LEN);
		e = keys[k].sign(keys[k].ctx, msg.p, msg.len, sig + MAMORI_UPD_KEYID_LEN, d);
		if (e != MAMORI_OK)
			break;
		e = write_full(out, sig, sizeof(sig));
		if (e != MAMORI_OK)
			e = mamori_diag_set(d, e, 0, 0, "writing %s: %s", tmp, strerror(errno));
	}
	for (size_t i = 0; e == MAMORI_OK && i < nin; i++)
		e = copy_input(&in[i], sizes[i], m.p + hash_at[i], o->block_size, buf, out, d);
	if (e == MAMORI_OK && fsync(out) != 0)
		e = mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: %s", tmp, strerror(errno));
	/* closed on every path: a failed copy used to leak the descriptor */
	if (close(out) != 0 && e == MAMORI_OK)
		e = mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: %s", tmp, strerror(errno));
	out = -1;
	if (e == MAMORI_OK && rename(tmp, out_path) != 0)
		e = mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: %s", out_path, strerror(errno));
	if (e == MAMORI_OK && fsync_dir_of(out_path) != MAMORI_OK)
		e = mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: syncing its directory: %s", out_path,
		    strerror(errno));
out:
	if (out >= 0)
		(void)close(out);
	if (e != MAMORI_OK && out_path != NULL && strstr(tmp, ".tmp.") != NULL)
		(void)unlink(tmp);
	free(buf);
	mamori_buf_free(&m);
	mamori_buf_free(&msg);
	return e;
}

/* --- verification --- */

struct vr {
	mamori_upd_read_fn rd;
	void *rctx;
	struct mamori_upd_result *res;
	struct mamori_diag *d;
};

static mamori_err refuse(struct vr *v, enum mamori_upd_refusal why, uint64_t off, const char *fmt,
    ...) MAMORI_PRINTF(4, 5);

static mamori_err
refuse(struct vr *v, enum mamori_upd_refusal why, uint64_t off, const char *fmt, ...)
{
	char msg[MAMORI_DIAG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	v->res->refusal = why;
	return mamori_diag_set(
	    v->d, MAMORI_E_BADSIG, (size_t)off, 0, "%s: %s", mamori_upd_refusal_name(why), msg);
}

/* Exactly n bytes of region what, or a truncation refusal naming where the input ended. */
static mamori_err
take(struct vr *v, uint8_t *p, size_t n, const char *what)
{
	size_t got = 0;

	while (got < n) {
		size_t k = 0;
		uint64_t at = v->res->bytes + (uint64_t)got;
		mamori_err e = v->rd(v->rctx, p + got, n - got, &k);

		if (e != MAMORI_OK)
			return mamori_diag_set(v->d, e, (size_t)at, 0,
			    "reading the bundle at byte offset %llu", (unsigned long long)at);
		if (k == 0)
			return refuse(v, MAMORI_UPD_TRUNCATED, at,
			    "the bundle ends at byte offset %llu, inside the %s",
			    (unsigned long long)at, what);
		got += k;
	}
	v->res->bytes += n;
	return MAMORI_OK;
}

struct mreader {
	const uint8_t *p;
	size_t n, off;
	bool bad;
};

static const uint8_t *
mtake(struct mreader *r, size_t n)
{
	const uint8_t *q;

	if (r->bad || n > r->n - r->off) {
		r->bad = true;
		return NULL;
	}
	q = r->p + r->off;
	r->off += n;
	return q;
}

static mamori_err
mstr(struct vr *v, struct mreader *r, char *out, size_t max, bool (*ok)(const char *, size_t),
    const char *field)
{
	const uint8_t *q = mtake(r, 2);
	size_t at = r->off;
	uint16_t n = q != NULL ? mamori_load_le16(q) : 0;

	if (q == NULL || (q = mtake(r, n)) == NULL)
		return refuse(v, MAMORI_UPD_MALFORMED, MAMORI_UPD_HEADER_LEN + at,
		    "the manifest ends inside %s", field);
	if (n > max || !ok((const char *)q, n))
		return refuse(v, MAMORI_UPD_MALFORMED, MAMORI_UPD_HEADER_LEN + at,
		    "manifest %s: not 1 to %zu allowed characters", field, max);
	memcpy(out, q, n);
	out[n] = '\0';
	return MAMORI_OK;
}

static mamori_err
parse_manifest(struct vr *v, const uint8_t *p, size_t n, uint64_t payload_bytes)
{
	struct mamori_upd_manifest *m = &v->res->m;
	struct mreader r = {p, n, 0, false};
	const uint8_t *q;
	uint64_t total = 0;
	mamori_err e;

	memset(m, 0, sizeof(*m));
	q = mtake(&r, 4 + 8 + 8 + 8);
	if (q == NULL)
		return refuse(v, MAMORI_UPD_MALFORMED, MAMORI_UPD_HEADER_LEN,
		    "the manifest is shorter than its fixed fields");
	m->block_size = mamori_load_le32(q);
	m->counter = ld64(q + 4);
	m->expires = ld64(q + 12);
	m->created = ld64(q + 20);
	if (m->block_size < MAMORI_UPD_BLOCK_MIN || m->block_size > MAMORI_UPD_BLOCK_MAX ||
	    (m->block_size & (m->block_size - 1)) != 0)
		return refuse(v, MAMORI_UPD_MALFORMED, MAMORI_UPD_HEADER_LEN,
		    "block size %u is not a power of two from 4 KiB to 16 MiB", m->block_size);
	if ((e = mstr(v, &r, m->compatible, MAMORI_UPD_COMPAT_MAX, compat_ok, "compatible")) !=
	        MAMORI_OK ||
	    (e = mstr(v, &r, m->version, MAMORI_UPD_VERSION_MAX, version_ok, "version")) !=
	        MAMORI_OK)
		return e;
	q = mtake(&r, 2);
	if (q == NULL || mamori_load_le16(q) == 0 || mamori_load_le16(q) > MAMORI_UPD_PAYLOADS_MAX)
		return refuse(v, MAMORI_UPD_MALFORMED, MAMORI_UPD_HEADER_LEN + r.off,
		    "payload count: 1 to %u", MAMORI_UPD_PAYLOADS_MAX);
	m->npayloads = mamori_load_le16(q);
	for (size_t i = 0; i < m->npayloads; i++) {
		struct mamori_upd_payload *pl = &m->p[i];

		if ((e = mstr(v, &r, pl->slot_class, MAMORI_UPD_CLASS_MAX, class_ok,
		         "slot class")) != MAMORI_OK)
			return e;
		for (size_t j = 0; j < i; j++)
			if (strcmp(m->p[j].slot_class, pl->slot_class) == 0)
				return refuse(v, MAMORI_UPD_MALFORMED,
				    MAMORI_UPD_HEADER_LEN + r.off, "slot class '%s' appears twice",
				    pl->slot_class);
		q = mtake(&r, 9);
		if (q == NULL)
			return refuse(v, MAMORI_UPD_MALFORMED, MAMORI_UPD_HEADER_LEN + r.off,
			    "the manifest ends inside payload %zu", i + 1);
		pl->size = ld64(q);
		if (pl->size == 0 || pl->size > MAMORI_UPD_PAYLOAD_MAX - total)
			return refuse(v,
			    pl->size == 0 ? MAMORI_UPD_MALFORMED : MAMORI_UPD_OVERSIZED,
			    MAMORI_UPD_HEADER_LEN + r.off - 9,
			    "payload '%s': size %llu is 0 or takes the total past 1 TiB",
			    pl->slot_class, (unsigned long long)pl->size);
		total += pl->size;
		if (q[8] != ALG_SHA256)
			return refuse(v, MAMORI_UPD_MALFORMED, MAMORI_UPD_HEADER_LEN + r.off - 1,
			    "payload '%s': hash algorithm %u is not 1 (SHA-256)", pl->slot_class,
			    q[8]);
		pl->nblocks = blocks_of(pl->size, m->block_size);
		if (pl->nblocks > (r.n - r.off) / HASH_LEN)
			return refuse(v, MAMORI_UPD_MALFORMED, MAMORI_UPD_HEADER_LEN + r.off,
			    "payload '%s': %llu block hashes do not fit in the manifest",
			    pl->slot_class, (unsigned long long)pl->nblocks);
		pl->hashes = mtake(&r, (size_t)pl->nblocks * HASH_LEN);
	}
	if (r.off != r.n)
		return refuse(v, MAMORI_UPD_MALFORMED, MAMORI_UPD_HEADER_LEN + r.off,
		    "%zu bytes after the last field of the manifest", r.n - r.off);
	if (total != payload_bytes)
		return refuse(v, MAMORI_UPD_MALFORMED, 20,
		    "the header says %llu payload bytes, the manifest %llu",
		    (unsigned long long)payload_bytes, (unsigned long long)total);
	m->payload_bytes = total;
	return MAMORI_OK;
}

static mamori_err
check_signatures(struct vr *v, const struct mamori_upd_policy *pol, const uint8_t *msg,
    size_t msglen, const uint8_t *sigs, size_t nsigs)
{
	unsigned threshold = pol->threshold ? pol->threshold : 1;
	char unknown[MAMORI_UPD_SIGS_MAX * 18 + 1] = "";
	size_t trusted = 0;
	uint64_t at = MAMORI_UPD_HEADER_LEN + msglen - CONTEXT_LEN - MAMORI_UPD_HEADER_LEN;

	for (size_t i = 0; i < nsigs; i++) {
		const uint8_t *s = sigs + i * MAMORI_UPD_SIG_LEN;
		const struct mamori_upd_pubkey *k = NULL;
		char hex[2 * MAMORI_UPD_KEYID_LEN + 1];

		sodium_bin2hex(hex, sizeof(hex), s, MAMORI_UPD_KEYID_LEN);
		for (size_t j = 0; j < i; j++)
			if (memcmp(s, sigs + j * MAMORI_UPD_SIG_LEN, MAMORI_UPD_KEYID_LEN) == 0)
				return refuse(v, MAMORI_UPD_MALFORMED, at + i * MAMORI_UPD_SIG_LEN,
				    "key id %s signs twice", hex);
		for (size_t j = 0; j < pol->nkeys && k == NULL; j++)
			if (memcmp(pol->keys[j].id, s, MAMORI_UPD_KEYID_LEN) == 0)
				k = &pol->keys[j];
		if (k == NULL) {
			size_t n = strlen(unknown);

			(void)snprintf(unknown + n, sizeof(unknown) - n, "%s%s", n ? " " : "", hex);
			continue;
		}
		trusted++;
		if (crypto_sign_verify_detached(s + MAMORI_UPD_KEYID_LEN, msg, msglen, k->pk) != 0)
			return refuse(v, MAMORI_UPD_BAD_SIGNATURE, at + i * MAMORI_UPD_SIG_LEN,
			    "the signature of key %s (entry %zu) does not verify over the header "
			    "and manifest",
			    hex, i + 1);
		memcpy(v->res->signed_by[v->res->nsigned++], hex, sizeof(hex));
	}
	if (trusted == 0)
		return refuse(v, MAMORI_UPD_UNKNOWN_KEY, at,
		    "signed only by keys this device does not trust: %s", unknown);
	if (trusted < threshold)
		return refuse(v, MAMORI_UPD_THRESHOLD, at,
		    "%zu valid signature%s of trusted keys, %u required", trusted,
		    trusted == 1 ? "" : "s", threshold);
	return MAMORI_OK;
}

static mamori_err
check_policy(struct vr *v, const struct mamori_upd_policy *pol)
{
	const struct mamori_upd_manifest *m = &v->res->m;

	if (pol->compatible != NULL && strcmp(pol->compatible, m->compatible) != 0)
		return refuse(v, MAMORI_UPD_WRONG_PRODUCT, MAMORI_UPD_HEADER_LEN,
		    "the bundle is for '%s', this device is '%s'", m->compatible, pol->compatible);
	if (m->counter < pol->min_counter)
		return refuse(v, MAMORI_UPD_DOWNGRADE, MAMORI_UPD_HEADER_LEN + 4,
		    "security counter %llu is below the stored %llu (version %s)",
		    (unsigned long long)m->counter, (unsigned long long)pol->min_counter,
		    m->version);
	if (m->expires != 0 && m->expires <= pol->now) {
		char when[32] = "?";
		time_t t = (time_t)m->expires;
		struct tm tm;

		if (gmtime_r(&t, &tm) != NULL)
			(void)strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		return refuse(
		    v, MAMORI_UPD_EXPIRED, MAMORI_UPD_HEADER_LEN + 12, "expired on %s", when);
	}
	return MAMORI_OK;
}

static mamori_err
stream_payloads(struct vr *v, mamori_upd_write_fn wr, void *wctx, uint8_t *buf)
{
	const struct mamori_upd_manifest *m = &v->res->m;

	for (size_t i = 0; i < m->npayloads; i++) {
		const struct mamori_upd_payload *pl = &m->p[i];
		uint64_t off = 0;

		for (uint64_t b = 0; b < pl->nblocks; b++) {
			size_t n = pl->size - off < m->block_size ? (size_t)(pl->size - off)
			                                          : m->block_size;
			uint64_t at = v->res->bytes;
			uint8_t h[HASH_LEN];
			mamori_err e = take(v, buf, n, "payload");

			if (e != MAMORI_OK)
				return e;
			if (!sha256(buf, n, h))
				return mamori_diag_set(v->d, MAMORI_E_IO, 0, 0, "SHA-256 failed");
			if (sodium_memcmp(h, pl->hashes + b * HASH_LEN, HASH_LEN) != 0)
				return refuse(v, MAMORI_UPD_CORRUPT_BLOCK, at,
				    "block %llu of payload '%s' (payload bytes %llu..%llu) at byte "
				    "offset %llu does not match the signed hash",
				    (unsigned long long)b, pl->slot_class, (unsigned long long)off,
				    (unsigned long long)(off + n - 1), (unsigned long long)at);
			if (wr != NULL &&
			    (e = wr(wctx, i, pl->slot_class, off, buf, n)) != MAMORI_OK) {
				v->res->refusal = MAMORI_UPD_WRITE_FAILED;
				return e;
			}
			off += n;
		}
	}
	return MAMORI_OK;
}

mamori_err
mamori_upd_verify(mamori_upd_read_fn rd, void *rctx, const struct mamori_upd_policy *pol,
    mamori_upd_begin_fn begin, mamori_upd_write_fn wr, void *wctx, struct mamori_upd_result *res,
    struct mamori_diag *d)
{
	struct vr v = {rd, rctx, res, d};
	uint8_t header[MAMORI_UPD_HEADER_LEN], sigs[MAMORI_UPD_SIGS_MAX * MAMORI_UPD_SIG_LEN];
	uint8_t *msg = NULL, *buf = NULL, extra;
	uint32_t mlen;
	uint16_t nsigs;
	uint64_t payload_bytes;
	mamori_err e;
	size_t got = 0;

	memset(res, 0, sizeof(*res));
	mamori_diag_clear(d);
	if (sodium_init() < 0)
		return mamori_diag_set(d, MAMORI_E_IO, 0, 0, "libsodium could not start");
	if (pol->nkeys == 0 || pol->nkeys > MAMORI_UPD_KEYS_MAX)
		return mamori_diag_set(
		    d, MAMORI_E_INVAL, 0, 0, "1 to %u trusted keys", MAMORI_UPD_KEYS_MAX);
	e = take(&v, header, sizeof(header), "header");
	if (e != MAMORI_OK)
		return e;
	if (memcmp(header, magic, sizeof(magic)) != 0)
		return refuse(&v, MAMORI_UPD_MALFORMED, 0, "not a mamori update bundle (magic)");
	if (mamori_load_le16(header + 8) != 1)
		return refuse(&v, MAMORI_UPD_MALFORMED, 8,
		    "format version %u (this mamori reads 1)", mamori_load_le16(header + 8));
	if (mamori_load_le16(header + 10) != MAMORI_UPD_HEADER_LEN ||
	    mamori_load_le16(header + 18) != MAMORI_UPD_SIG_LEN)
		return refuse(
		    &v, MAMORI_UPD_MALFORMED, 10, "header or signature length is not 64/72");
	for (size_t i = 28; i < sizeof(header); i++)
		if (header[i] != 0)
			return refuse(
			    &v, MAMORI_UPD_MALFORMED, i, "reserved header byte is not zero");
	mlen = mamori_load_le32(header + 12);
	nsigs = mamori_load_le16(header + 16);
	payload_bytes = ld64(header + 20);
	if (mlen == 0 || mlen > MAMORI_UPD_MANIFEST_MAX)
		return refuse(&v, mlen == 0 ? MAMORI_UPD_MALFORMED : MAMORI_UPD_OVERSIZED, 12,
		    "manifest length %u (1 to %u)", mlen, MAMORI_UPD_MANIFEST_MAX);
	if (nsigs == 0 || nsigs > MAMORI_UPD_SIGS_MAX)
		return refuse(&v, nsigs == 0 ? MAMORI_UPD_MALFORMED : MAMORI_UPD_OVERSIZED, 16,
		    "signature count %u (1 to %u)", nsigs, MAMORI_UPD_SIGS_MAX);
	if (payload_bytes == 0 || payload_bytes > MAMORI_UPD_PAYLOAD_MAX)
		return refuse(&v, payload_bytes == 0 ? MAMORI_UPD_MALFORMED : MAMORI_UPD_OVERSIZED,
		    20, "payload bytes %llu (1 to 1 TiB)", (unsigned long long)payload_bytes);
	msg = malloc(CONTEXT_LEN + MAMORI_UPD_HEADER_LEN + (size_t)mlen);
	if (msg == NULL)
		return MAMORI_E_NOMEM;
	memcpy(msg, CONTEXT, CONTEXT_LEN);
	memcpy(msg + CONTEXT_LEN, header, sizeof(header));
	e = take(&v, msg + CONTEXT_LEN + MAMORI_UPD_HEADER_LEN, mlen, "manifest");
	if (e == MAMORI_OK)
		e = take(&v, sigs, (size_t)nsigs * MAMORI_UPD_SIG_LEN, "signatures");
	/* authenticate before parsing: the manifest parser only ever sees signed bytes */
	if (e == MAMORI_OK)
		e = check_signatures(
		    &v, pol, msg, CONTEXT_LEN + MAMORI_UPD_HEADER_LEN + mlen, sigs, nsigs);
	if (e == MAMORI_OK)
		e = parse_manifest(
		    &v, msg + CONTEXT_LEN + MAMORI_UPD_HEADER_LEN, mlen, payload_bytes);
	if (e == MAMORI_OK)
		e = check_policy(&v, pol);
	if (e == MAMORI_OK && begin != NULL)
		e = begin(wctx, &res->m);
	if (e == MAMORI_OK && (buf = malloc(res->m.block_size)) == NULL)
		e = MAMORI_E_NOMEM;
	if (e == MAMORI_OK)
		e = stream_payloads(&v, wr, wctx, buf);
	if (e == MAMORI_OK) {
		e = rd(rctx, &extra, 1, &got);
		if (e == MAMORI_OK && got != 0)
			e = refuse(&v, MAMORI_UPD_TRUNCATED, res->bytes,
			    "trailing bytes after the last payload, at byte offset %llu",
			    (unsigned long long)res->bytes);
	}
	free(buf);
	free(msg);
	/* the hashes pointed into msg */
	for (size_t i = 0; i < res->m.npayloads; i++)
		res->m.p[i].hashes = NULL;
	return e;
}
