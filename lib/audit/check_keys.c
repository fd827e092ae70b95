/* SPDX-License-Identifier: MIT */
/* Private keys and certificates baked into an image. Every file of the tree is scanned:
 *   PEM      "-----BEGIN <label>-----" ... "-----END <label>-----" blocks anywhere in a file
 *            (text or binary): *PRIVATE KEY labels → key.private; CERTIFICATE → decoded and
 *            judged (below)
 *   OpenSSH  a file starting with the binary "openssh-key-v1\0" magic
 *   dropbear a file that is exactly a dropbear private key: a length-prefixed key type
 *            (ssh-rsa, ssh-dss, ecdsa-sha2-*, ssh-ed25519) and the private fields, each
 *            length-prefixed, ending exactly at the end of the file
 *   DER      a file that is exactly one DER SEQUENCE starting with INTEGER 0 (PKCS#1, PKCS#8)
 *            or INTEGER 1 + OCTET STRING (SEC1 EC key); or an X.509 certificate
 * A private key that is an SSH host key (ssh_host_*_key, dropbear_*_host_key, anything under
 * /etc/dropbear, every dropbear-format key) or that sits in one file with a certificate (a TLS
 * server's key and certificate) is key.host-shared: every unit of the model has the same one.
 * Certificates: cert.weak for an RSA or DSA key under 2048 bits, an EC key under 224 bits, or an
 * MD2/MD5/SHA-1 signature; certificates that pass are only logged (a finding would fail the
 * provision). Expiry is not judged: an image's age says nothing about the device's clock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/audit.h"
#include "mamori/buf.h"
#include "mamori/log.h"

#define KEY_FILE_MAX   ((uint64_t)64 * 1024 * 1024) /* larger files are not scanned */
#define KEY_PEM_MAX    ((size_t)64 * 1024)          /* bytes of one PEM block */
#define KEY_LABEL_MAX  48
#define KEY_BLOCKS_MAX 256 /* PEM blocks judged per file */
#define DER_DEPTH_MAX  8
#define SUBJECT_MAX    160

/* ---- small DER reader over struct mamori_reader --------------------------------------- */

/* One TLV: low-tag-number form only, definite lengths of at most 4 bytes. */
static mamori_err
der_tlv(struct mamori_reader *r, uint8_t *tag, struct mamori_span *val)
{
	uint8_t t, l0, b;
	size_t len = 0;
	mamori_err e;

	e = mamori_read_u8(r, &t);
	if (e != MAMORI_OK)
		return e;
	if ((t & 0x1f) == 0x1f)
		return MAMORI_E_UNSUPPORTED;
	e = mamori_read_u8(r, &l0);
	if (e != MAMORI_OK)
		return e;
	if (l0 < 0x80) {
		len = l0;
	} else {
		size_t nb = l0 & 0x7fu;

		if (nb == 0 || nb > 4)
			return MAMORI_E_MALFORMED; /* indefinite or absurd */
		for (size_t i = 0; i < nb; i++) {
			e = mamori_read_u8(r, &b);
			if (e != MAMORI_OK)
				return e;
			len = len << 8 | b;
		}
	}
	*tag = t;
	return mamori_read_span(r, len, val);
}

static mamori_err
der_expect(struct mamori_reader *r, uint8_t want, struct mamori_span *val)
{
	uint8_t tag;
	mamori_err e = der_tlv(r, &tag, val);

	if (e != MAMORI_OK)
		return e;
	return tag == want ? MAMORI_OK : MAMORI_E_MALFORMED;
}

static bool
span_is(struct mamori_span s, const uint8_t *p, size_t n)
{
	return s.len == n && memcmp(s.p, p, n) == 0;
}

/* Bits of an unsigned big-endian INTEGER's contents. */
static size_t
int_bits(struct mamori_span v)
{
	size_t i = 0, bits;
	uint8_t top;

	while (i < v.len && v.p[i] == 0)
		i++;
	if (i == v.len)
		return 0;
	top = v.p[i];
	bits = (v.len - i) * 8;
	while (!(top & 0x80)) {
		top = (uint8_t)(top << 1);
		bits--;
	}
	return bits;
}

#define OID(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

static const struct {
	const uint8_t *oid;
	size_t n;
	const char *name;
	bool weak;
} sig_algs[] = {
    {OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x02), "md2WithRSAEncryption", true},
    {OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x04), "md5WithRSAEncryption", true},
    {OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05), "sha1WithRSAEncryption", true},
    {OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b), "sha256WithRSAEncryption", false},
    {OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c), "sha384WithRSAEncryption", false},
    {OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d), "sha512WithRSAEncryption", false},
    {OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a), "RSASSA-PSS", false},
    {OID(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01), "ecdsa-with-SHA1", true},
    {OID(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02), "ecdsa-with-SHA256", false},
    {OID(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03), "ecdsa-with-SHA384", false},
    {OID(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04), "ecdsa-with-SHA512", false},
    {OID(0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x03), "dsa-with-sha1", true},
    {OID(0x2b, 0x65, 0x70), "Ed25519", false},
};

static const uint8_t oid_rsa[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
static const uint8_t oid_ec[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t oid_dsa[] = {0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01};
static const uint8_t oid_ed25519[] = {0x2b, 0x65, 0x70};

static const struct {
	const uint8_t *oid;
	size_t n;
	size_t bits;
} curves[] = {
    {OID(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x01), 192}, /* prime192v1 */
    {OID(0x2b, 0x81, 0x04, 0x00, 0x21), 224},                   /* secp224r1 */
    {OID(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07), 256}, /* prime256v1 */
    {OID(0x2b, 0x81, 0x04, 0x00, 0x0a), 256},                   /* secp256k1 */
    {OID(0x2b, 0x81, 0x04, 0x00, 0x22), 384},                   /* secp384r1 */
    {OID(0x2b, 0x81, 0x04, 0x00, 0x23), 521},                   /* secp521r1 */
};

struct cert_info {
	char subject[SUBJECT_MAX];
	const char *sig; /* NULL: unknown */
	bool sig_weak;
	const char *key; /* "RSA", "EC", "DSA", "Ed25519", NULL: unknown */
	size_t bits;     /* 0: unknown */
};

/* Appends "CN=..., O=..." from a Name (SEQUENCE OF SET OF SEQUENCE {OID, value}). */
static void
name_text(struct mamori_span name, char *out, size_t cap)
{
	static const uint8_t cn[] = {0x55, 0x04, 0x03}, o[] = {0x55, 0x04, 0x0a};
	struct mamori_reader r, rs, ra;
	struct mamori_span set, atv, oid, val;
	uint8_t tag;
	size_t used = 0;

	out[0] = '\0';
	mamori_reader_init(&r, name.p, name.len);
	while (der_expect(&r, 0x31, &set) == MAMORI_OK) {
		mamori_reader_init(&rs, set.p, set.len);
		while (der_expect(&rs, 0x30, &atv) == MAMORI_OK) {
			const char *k;
			int w;

			mamori_reader_init(&ra, atv.p, atv.len);
			if (der_expect(&ra, 0x06, &oid) != MAMORI_OK ||
			    der_tlv(&ra, &tag, &val) != MAMORI_OK)
				continue;
			if (span_is(oid, cn, sizeof(cn)))
				k = "CN";
			else if (span_is(oid, o, sizeof(o)))
				k = "O";
			else
				continue;
			/* printable bytes only; the value is attacker-chosen */
			w = snprintf(out + used, cap - used, "%s%s=", used > 0 ? ", " : "", k);
			if (w < 0 || (size_t)w >= cap - used)
				return;
			used += (size_t)w;
			for (size_t i = 0; i < val.len && used + 1 < cap; i++) {
				uint8_t ch = val.p[i] >= 0x20 && val.p[i] < 0x7f ? val.p[i] : '?';

				out[used++] = (char)ch;
			}
			out[used] = '\0';
		}
	}
}

static void
spki(struct mamori_span s, struct cert_info *ci)
{
	struct mamori_reader r, ra, rk;
	struct mamori_span alg, oid, params, bits, key, n;

	mamori_reader_init(&r, s.p, s.len);
	if (der_expect(&r, 0x30, &alg) != MAMORI_OK || der_expect(&r, 0x03, &bits) != MAMORI_OK)
		return;
	mamori_reader_init(&ra, alg.p, alg.len);
	if (der_expect(&ra, 0x06, &oid) != MAMORI_OK)
		return;
	if (span_is(oid, oid_rsa, sizeof(oid_rsa))) {
		ci->key = "RSA";
		/* BIT STRING: unused-bits byte, then RSAPublicKey SEQUENCE { n, e } */
		if (bits.len < 1)
			return;
		mamori_reader_init(&rk, bits.p + 1, bits.len - 1);
		if (der_expect(&rk, 0x30, &key) != MAMORI_OK)
			return;
		mamori_reader_init(&rk, key.p, key.len);
		if (der_expect(&rk, 0x02, &n) == MAMORI_OK)
			ci->bits = int_bits(n);
	} else if (span_is(oid, oid_ec, sizeof(oid_ec))) {
		ci->key = "EC";
		if (der_expect(&ra, 0x06, &params) != MAMORI_OK)
			return;
		for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
			if (span_is(params, curves[i].oid, curves[i].n))
				ci->bits = curves[i].bits;
	} else if (span_is(oid, oid_dsa, sizeof(oid_dsa))) {
		ci->key = "DSA";
		if (der_expect(&ra, 0x30, &params) != MAMORI_OK)
			return;
		mamori_reader_init(&rk, params.p, params.len);
		if (der_expect(&rk, 0x02, &n) == MAMORI_OK)
			ci->bits = int_bits(n);
	} else if (span_is(oid, oid_ed25519, sizeof(oid_ed25519))) {
		ci->key = "Ed25519";
		ci->bits = 256;
	}
}

/* Parses an X.509 certificate as far as the judgement needs. MAMORI_E_MALFORMED when the
 * bytes are not a certificate. */
static mamori_err
cert_parse(const uint8_t *p, size_t n, struct cert_info *ci)
{
	struct mamori_reader r, rt, ra;
	struct mamori_span cert, tbs, f, alg, oid;
	uint8_t tag;
	mamori_err e;

	memset(ci, 0, sizeof(*ci));
	mamori_reader_init(&r, p, n);
	e = der_expect(&r, 0x30, &cert);
	if (e != MAMORI_OK)
		return MAMORI_E_MALFORMED;
	mamori_reader_init(&r, cert.p, cert.len);
	if (der_expect(&r, 0x30, &tbs) != MAMORI_OK || der_expect(&r, 0x30, &alg) != MAMORI_OK)
		return MAMORI_E_MALFORMED;
	mamori_reader_init(&ra, alg.p, alg.len);
	if (der_expect(&ra, 0x06, &oid) != MAMORI_OK)
		return MAMORI_E_MALFORMED;
	for (size_t i = 0; i < sizeof(sig_algs) / sizeof(sig_algs[0]); i++) {
		if (span_is(oid, sig_algs[i].oid, sig_algs[i].n)) {
			ci->sig = sig_algs[i].name;
			ci->sig_weak = sig_algs[i].weak;
		}
	}
	mamori_reader_init(&rt, tbs.p, tbs.len);
	if (der_tlv(&rt, &tag, &f) != MAMORI_OK)
		return MAMORI_E_MALFORMED;
	if (tag == 0xa0 && der_tlv(&rt, &tag, &f) != MAMORI_OK) /* [0] version, then serial */
		return MAMORI_E_MALFORMED;
	if (tag != 0x02)
		return MAMORI_E_MALFORMED;
	/* signature AlgorithmIdentifier, issuer, validity, then subject (kept in f) */
	for (int i = 0; i < 4; i++)
		if (der_expect(&rt, 0x30, &f) != MAMORI_OK)
			return MAMORI_E_MALFORMED;
	name_text(f, ci->subject, sizeof(ci->subject));
	if (der_expect(&rt, 0x30, &f) != MAMORI_OK)
		return MAMORI_E_MALFORMED;
	spki(f, ci);
	return MAMORI_OK;
}

/* Bits of an RSA private key (PKCS#1, or PKCS#8 wrapping PKCS#1), 0 if not RSA. */
static size_t
rsa_private_bits(const uint8_t *p, size_t n)
{
	struct mamori_reader r, ra;
	struct mamori_span seq, v, alg, oid, inner;
	uint8_t tag;

	mamori_reader_init(&r, p, n);
	if (der_expect(&r, 0x30, &seq) != MAMORI_OK)
		return 0;
	mamori_reader_init(&r, seq.p, seq.len);
	if (der_expect(&r, 0x02, &v) != MAMORI_OK || der_tlv(&r, &tag, &alg) != MAMORI_OK)
		return 0;
	if (tag == 0x02) /* PKCS#1: version, n, ... */
		return int_bits(alg);
	if (tag != 0x30)
		return 0;
	mamori_reader_init(&ra, alg.p, alg.len);
	if (der_expect(&ra, 0x06, &oid) != MAMORI_OK || !span_is(oid, oid_rsa, sizeof(oid_rsa)) ||
	    der_expect(&r, 0x04, &inner) != MAMORI_OK)
		return 0;
	return rsa_private_bits(inner.p, inner.len);
}

/* ---- PEM ------------------------------------------------------------------------------- */

static int
b64val(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decodes the base64 body of a PEM block into out (cap bytes); header lines ("Proc-Type: ...")
 * are skipped. Returns the length, or 0 when the body is not base64. */
static size_t
pem_decode(const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
	size_t o = 0, i = 0;
	uint32_t acc = 0;
	unsigned nb = 0;

	while (i < n) {
		const uint8_t *nl = memchr(p + i, '\n', n - i);
		size_t end = nl != NULL ? (size_t)(nl - p) : n;

		if (memchr(p + i, ':', end - i) == NULL) {
			for (size_t j = i; j < end; j++) {
				int v;

				if (p[j] == '=' || p[j] == '\r' || p[j] == ' ' || p[j] == '\t')
					continue;
				v = b64val(p[j]);
				if (v < 0)
					return 0;
				acc = acc << 6 | (uint32_t)v;
				nb += 6;
				if (nb >= 8) {
					nb -= 8;
					if (o >= cap)
						return 0;
					out[o++] = (uint8_t)(acc >> nb);
				}
			}
		}
		i = end + 1;
	}
	return o;
}

static const uint8_t *
find_bytes(const uint8_t *p, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	while (n >= m) {
		const uint8_t *c = memchr(p, needle[0], n - m + 1);

		if (c == NULL)
			return NULL;
		if (memcmp(c, needle, m) == 0)
			return c;
		n -= (size_t)(c - p) + 1;
		p = c + 1;
	}
	return NULL;
}

static bool
has_suffix(const char *s, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static bool
host_key_path(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t bl;

	base = base != NULL ? base + 1 : path;
	bl = strlen(base);
	if (strncmp(path, "/etc/dropbear/", 14) == 0 && !has_suffix(base, bl, ".pub"))
		return true;
	if (strncmp(base, "ssh_host_", 9) == 0 && has_suffix(base, bl, "key"))
		return true;
	return strncmp(base, "dropbear_", 9) == 0 && has_suffix(base, bl, "host_key");
}

static uint32_t
line_at(const uint8_t *p, size_t off)
{
	uint32_t no = 1;

	for (size_t i = 0; i < off; i++)
		no += p[i] == '\n';
	return no;
}

/* line for text locations; otherwise the byte offset of the key in the file. */
static mamori_err
report_key(struct mamori_report *r, const struct mamori_fs_node *nd, uint32_t line, uint64_t off,
    bool host, const char *what, const char *extra)
{
	char ev[MAMORI_FINDING_EVIDENCE_MAX];

	if (host)
		(void)snprintf(ev, sizeof(ev),
		    "%s%s: a host key in the image is the same on every unit of the model", what,
		    extra);
	else
		(void)snprintf(ev, sizeof(ev), "%s%s", what, extra);
	return mamori_report_add(r, host ? "key.host-shared" : "key.private", -1, nd->path, line,
	    line != 0 ? 0 : off, ev);
}

static mamori_err
judge_cert(struct mamori_report *r, const struct mamori_fs_node *nd, uint32_t line, uint64_t off,
    const uint8_t *der, size_t n)
{
	struct cert_info ci;
	bool weak_key;
	char key[48];

	if (cert_parse(der, n, &ci) != MAMORI_OK) {
		mamori_log(MAMORI_LOG_INFO, "%s: certificate at offset %llu could not be parsed",
		    nd->path, (unsigned long long)off);
		return MAMORI_OK;
	}
	weak_key = ci.key != NULL && ci.bits > 0 &&
	           (strcmp(ci.key, "EC") == 0 ? ci.bits < 224
	                                      : strcmp(ci.key, "Ed25519") != 0 && ci.bits < 2048);
	if (ci.key != NULL && ci.bits > 0)
		(void)snprintf(key, sizeof(key), "%s %zu bits", ci.key, ci.bits);
	else
		(void)snprintf(key, sizeof(key), "%s key", ci.key != NULL ? ci.key : "unknown");
	if (!weak_key && !ci.sig_weak) {
		mamori_log(MAMORI_LOG_INFO, "%s:%u: certificate %s (%s, %s)", nd->path,
		    (unsigned)line, ci.subject, key, ci.sig != NULL ? ci.sig : "unknown signature");
		return MAMORI_OK;
	}
	(void)off;
	return mamori_report_addf(r, "cert.weak",
	    (weak_key && ci.bits < 1024) || (ci.sig != NULL && strncmp(ci.sig, "md", 2) == 0)
	        ? MAMORI_SEV_HIGH
	        : -1,
	    nd->path, line, "certificate '%s': %s%s, signed with %s%s", ci.subject, key,
	    weak_key ? " (too short)" : "", ci.sig != NULL ? ci.sig : "an unknown algorithm",
	    ci.sig_weak ? " (broken hash)" : "");
}

static mamori_err
scan_pem(struct mamori_report *r, const struct mamori_fs_node *nd, uint8_t *scratch)
{
	const uint8_t *p = nd->data, *end = nd->data + nd->size;
	bool has_cert = find_bytes(p, (size_t)nd->size, "-----BEGIN CERTIFICATE-----") != NULL;
	size_t blocks = 0;
	mamori_err ret;

	for (;;) {
		const uint8_t *b = find_bytes(p, (size_t)(end - p), "-----BEGIN "), *lab, *le,
		              *body, *e;
		char label[KEY_LABEL_MAX + 1], endm[KEY_LABEL_MAX + 16];
		size_t ll, dn;
		uint32_t line;
		bool host;

		if (b == NULL || blocks >= KEY_BLOCKS_MAX)
			return MAMORI_OK;
		lab = b + 11;
		le = find_bytes(lab,
		    (size_t)(end - lab) < KEY_LABEL_MAX + 5 ? (size_t)(end - lab)
		                                            : KEY_LABEL_MAX + 5,
		    "-----");
		p = lab;
		if (le == NULL)
			continue;
		ll = (size_t)(le - lab);
		memcpy(label, lab, ll);
		label[ll] = '\0';
		(void)snprintf(endm, sizeof(endm), "-----END %s-----", label);
		body = le + 5;
		e = find_bytes(body,
		    (size_t)(end - body) < KEY_PEM_MAX ? (size_t)(end - body) : KEY_PEM_MAX, endm);
		if (e == NULL)
			continue; /* a format string in a program, not a key */
		blocks++;
		p = e + strlen(endm);
		dn = pem_decode(body, (size_t)(e - body), scratch, KEY_PEM_MAX);
		if (dn < 16)
			continue; /* too short to be a key: a template or a test string */
		line = line_at(nd->data, (size_t)(b - nd->data));
		if (has_suffix(label, ll, "PRIVATE KEY")) {
			char what[160], extra[64] = "";
			size_t bits = rsa_private_bits(scratch, dn);
			bool enc = strstr(label, "ENCRYPTED") != NULL ||
			           find_bytes(body, (size_t)(e - body), "ENCRYPTED") != NULL;

			host = host_key_path(nd->path) || has_cert;
			(void)snprintf(what, sizeof(what), "PEM %s%s", label,
			    enc ? " (encrypted: the passphrase must be in the image too)" : "");
			if (bits > 0)
				(void)snprintf(extra, sizeof(extra), ", RSA %zu bits", bits);
			ret = report_key(r, nd, line, (uint64_t)(b - nd->data), host, what, extra);
		} else if (strcmp(label, "CERTIFICATE") == 0 ||
		           strcmp(label, "X509 CERTIFICATE") == 0 ||
		           strcmp(label, "TRUSTED CERTIFICATE") == 0) {
			ret = judge_cert(r, nd, line, (uint64_t)(b - nd->data), scratch, dn);
		} else {
			ret = MAMORI_OK;
		}
		if (ret != MAMORI_OK)
			return ret;
	}
}

/* ---- binary formats -------------------------------------------------------------------- */

/* A dropbear private key file: string type, then exactly the private fields. */
static const char *
dropbear_key(const uint8_t *p, size_t n)
{
	static const struct {
		const char *type;
		size_t min_fields, max_fields;
	} types[] = {
	    {"ssh-rsa", 5, 8},
	    {"ssh-dss", 5, 5},
	    {"ecdsa-sha2-nistp256", 3, 3},
	    {"ecdsa-sha2-nistp384", 3, 3},
	    {"ecdsa-sha2-nistp521", 3, 3},
	    {"ssh-ed25519", 1, 1},
	};
	struct mamori_reader r;
	struct mamori_span s;
	uint32_t len;
	size_t fields = 0;

	mamori_reader_init(&r, p, n);
	if (mamori_read_be32(&r, &len) != MAMORI_OK || len < 7 || len > 19 ||
	    mamori_read_span(&r, len, &s) != MAMORI_OK)
		return NULL;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (!span_is(s, (const uint8_t *)types[i].type, strlen(types[i].type)))
			continue;
		while (mamori_reader_left(&r) > 0) {
			struct mamori_span f;

			if (mamori_read_be32(&r, &len) != MAMORI_OK || len == 0 ||
			    mamori_read_span(&r, len, &f) != MAMORI_OK)
				return NULL;
			fields++;
			/* ed25519: one string holding the 32-byte seed and 32-byte public key */
			if (strcmp(types[i].type, "ssh-ed25519") == 0 && f.len != 64)
				return NULL;
		}
		return fields >= types[i].min_fields && fields <= types[i].max_fields
		           ? types[i].type
		           : NULL;
	}
	return NULL;
}

/* A file that is exactly one DER private key or certificate: 1 key, 2 certificate, 0 neither. */
static int
der_kind(const uint8_t *p, size_t n)
{
	struct mamori_reader r, rs;
	struct mamori_span seq, v, next;
	uint8_t tag;

	mamori_reader_init(&r, p, n);
	if (der_expect(&r, 0x30, &seq) != MAMORI_OK || mamori_reader_left(&r) != 0)
		return 0;
	mamori_reader_init(&rs, seq.p, seq.len);
	if (der_tlv(&rs, &tag, &v) != MAMORI_OK)
		return 0;
	if (tag == 0x30) {
		struct cert_info ci;

		return cert_parse(p, n, &ci) == MAMORI_OK ? 2 : 0;
	}
	if (tag != 0x02 || v.len != 1 || v.p[0] > 1 || der_tlv(&rs, &tag, &next) != MAMORI_OK)
		return 0;
	if (v.p[0] == 0) /* PKCS#1 (INTEGER n follows) or PKCS#8 (AlgorithmIdentifier) */
		return (tag == 0x02 && next.len >= 64) || tag == 0x30 ? 1 : 0;
	return tag == 0x04 && next.len >= 20 ? 1 : 0; /* SEC1 ECPrivateKey: version 1, key */
}

static mamori_err
scan_binary(struct mamori_report *r, const struct mamori_fs_node *nd)
{
	const uint8_t *p = nd->data;
	size_t n = (size_t)nd->size;
	const char *t;
	bool host = host_key_path(nd->path);

	if (n >= 15 && memcmp(p, "openssh-key-v1\0", 15) == 0)
		return report_key(r, nd, 0, 0, host, "OpenSSH private key (binary)", "");
	if (n <= KEY_PEM_MAX) {
		t = dropbear_key(p, n);
		if (t != NULL) {
			char what[80];

			(void)snprintf(what, sizeof(what), "dropbear %s private key", t);
			return report_key(r, nd, 0, 0, true, what, "");
		}
		switch (der_kind(p, n)) {
		case 1: {
			char extra[64] = "";
			size_t bits = rsa_private_bits(p, n);

			if (bits > 0)
				(void)snprintf(extra, sizeof(extra), ", RSA %zu bits", bits);
			return report_key(r, nd, 0, 0, host, "DER private key", extra);
		}
		case 2:
			return judge_cert(r, nd, 0, 0, p, n);
		default:
			break;
		}
	}
	return MAMORI_OK;
}

mamori_err
mamori_check_keys(const struct mamori_fstree *t, struct mamori_report *r, struct mamori_diag *d)
{
	uint8_t *scratch;
	size_t n;
	mamori_err ret = MAMORI_OK;

	if (t == NULL || r == NULL)
		return MAMORI_E_INVAL;
	scratch = malloc(KEY_PEM_MAX);
	if (scratch == NULL)
		return mamori_diag_set(d, MAMORI_E_NOMEM, 0, 0, "out of memory");
	n = mamori_fstree_count(t);
	for (size_t i = 0; i < n && ret == MAMORI_OK; i++) {
		const struct mamori_fs_node *nd = mamori_fstree_at(t, i);

		if (nd->type != MAMORI_FS_REG || nd->data == NULL || nd->size > KEY_FILE_MAX)
			continue;
		ret = scan_binary(r, nd);
		if (ret == MAMORI_OK)
			ret = scan_pem(r, nd, scratch);
		if (ret != MAMORI_OK)
			(void)mamori_diag_set(d, ret, 0, 0, "%s: cannot add a finding: %s",
			    nd->path, mamori_strerror(ret));
	}
	free(scratch);
	return ret;
}
