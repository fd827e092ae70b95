/* SPDX-License-Identifier: MIT */
/* One-time passwords (include/mamori/cred.h, docs/formats/cred-store.md): RFC 4226 HOTP and
 * RFC 6238 TOTP over OpenSSL's HMAC, RFC 4648 base32, the checks with replay protection, the
 * Key Uri Format of Google Authenticator and a QR code for a terminal (libqrencode). */
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <qrencode.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mamori/cred.h"

#define DIGITS_MIN    6u
#define DIGITS_MAX    8u
#define URI_LABEL_MAX 256u        /* bytes of an issuer or an account name in a key URI */
#define QR_TEXT_MAX   2048u       /* bytes of text put in a QR code (version 40-M holds 2331) */
#define QR_QUIET      ((size_t)4) /* modules of quiet zone on each side */

/* Base32 of the largest secret, with its NUL. */
#define SECRET_B32_MAX ((MAMORI_CRED_OTP_SECRET_MAX * 8u + 4u) / 5u + 1u)

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static const uint32_t ten_pow[DIGITS_MAX + 1] = {
    1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u};

const char *
mamori_otp_algo_name(enum mamori_otp_algo a)
{
	switch (a) {
	case MAMORI_OTP_SHA1:
		return "SHA1";
	case MAMORI_OTP_SHA256:
		return "SHA256";
	case MAMORI_OTP_SHA512:
		return "SHA512";
	}
	return "unknown";
}

mamori_err
mamori_otp_algo_parse(const char *s, enum mamori_otp_algo *out)
{
	if (s == NULL || out == NULL)
		return MAMORI_E_INVAL;
	if (strcasecmp(s, "sha1") == 0)
		*out = MAMORI_OTP_SHA1;
	else if (strcasecmp(s, "sha256") == 0)
		*out = MAMORI_OTP_SHA256;
	else if (strcasecmp(s, "sha512") == 0)
		*out = MAMORI_OTP_SHA512;
	else
		return MAMORI_E_INVAL;
	return MAMORI_OK;
}

static const EVP_MD *
algo_md(enum mamori_otp_algo a)
{
	switch (a) {
	case MAMORI_OTP_SHA1:
		return EVP_sha1();
	case MAMORI_OTP_SHA256:
		return EVP_sha256();
	case MAMORI_OTP_SHA512:
		return EVP_sha512();
	}
	return NULL;
}

mamori_err
mamori_hotp(const uint8_t *key, size_t keylen, enum mamori_otp_algo algo, uint64_t counter,
    unsigned digits, uint32_t *code)
{
	uint8_t msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned maclen = 0, off;
	const EVP_MD *md = algo_md(algo);
	uint32_t bin;

	if (key == NULL || code == NULL || md == NULL)
		return MAMORI_E_INVAL;
	if (keylen == 0 || keylen > MAMORI_CRED_OTP_SECRET_MAX)
		return MAMORI_E_INVAL;
	if (digits < DIGITS_MIN || digits > DIGITS_MAX)
		return MAMORI_E_INVAL;
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(counter >> (56 - 8 * i));
	/* keylen <= MAMORI_CRED_OTP_SECRET_MAX, so the int conversion is exact */
	if (HMAC(md, key, (int)keylen, msg, sizeof(msg), mac, &maclen) == NULL || maclen < 20 ||
	    maclen > sizeof(mac)) {
		OPENSSL_cleanse(mac, sizeof(mac));
		return MAMORI_E_NOMEM;
	}
	/* RFC 4226 5.3 dynamic truncation: the low nibble of the last byte picks 4 bytes; with
	 * maclen >= 20, off + 3 <= 18 stays inside the MAC */
	off = mac[maclen - 1] & 0x0fu;
	bin = (uint32_t)(mac[off] & 0x7fu) << 24 | (uint32_t)mac[off + 1] << 16 |
	      (uint32_t)mac[off + 2] << 8 | mac[off + 3];
	OPENSSL_cleanse(mac, sizeof(mac));
	*code = bin % ten_pow[digits];
	return MAMORI_OK;
}

mamori_err
mamori_totp(const uint8_t *key, size_t keylen, enum mamori_otp_algo algo, uint64_t unixtime,
    uint32_t period, unsigned digits, uint32_t *code)
{
	if (period == 0)
		return MAMORI_E_INVAL;
	return mamori_hotp(key, keylen, algo, unixtime / period, digits, code);
}

size_t
mamori_base32_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t need, o = 0, nbits = 0;
	unsigned acc = 0;

	if (out == NULL || cap == 0)
		return 0;
	out[0] = '\0';
	if (in == NULL && len != 0)
		return 0;
	/* ceil(len * 8 / 5) characters plus the NUL, computed without overflow */
	if (len / 5 > (SIZE_MAX - 16) / 8)
		return 0;
	need = len / 5 * 8 + (len % 5 * 8 + 4) / 5;
	if (need >= cap)
		return 0;
	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8 | in[i]) & 0xfffu; /* at most 12 bits are live */
		nbits += 8;
		while (nbits >= 5) {
			nbits -= 5;
			out[o++] = b32_alphabet[(acc >> nbits) & 0x1fu];
		}
	}
	if (nbits > 0)
		out[o++] = b32_alphabet[(acc << (5 - nbits)) & 0x1fu];
	out[o] = '\0';
	return o;
}

/* The 5-bit value of a base32 character in either case, or -1. */
static int
b32_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

mamori_err
mamori_base32_decode(
    const char *s, size_t len, uint8_t *out, size_t cap, size_t *outlen, struct mamori_diag *d)
{
	size_t nchars = 0, last = 0, nbytes, o = 0, nbits = 0;
	bool padding = false;
	unsigned acc = 0;

	if ((s == NULL && len != 0) || outlen == NULL)
		return MAMORI_E_INVAL;
	/* first pass: validate and count, so that out is written only for a good input */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ')
			continue;
		if (c == '=') {
			padding = true;
			continue;
		}
		if (b32_value(c) < 0)
			return mamori_diag_set(d, MAMORI_E_MALFORMED, i, 0,
			    "base32: invalid character at offset %zu", i);
		if (padding)
			return mamori_diag_set(d, MAMORI_E_MALFORMED, i, 0,
			    "base32: data after '=' padding at offset %zu", i);
		nchars++;
		last = i;
	}
	/* 1, 3 or 6 characters past a whole group cannot end a byte string (RFC 4648 6); the
	 * unused low bits of a valid last character are ignored, as oathtool does */
	switch (nchars % 8) {
	case 1:
	case 3:
	case 6:
		return mamori_diag_set(d, MAMORI_E_MALFORMED, last, 0,
		    "base32: incomplete final group at offset %zu", last);
	default:
		break;
	}
	nbytes = nchars / 8 * 5 + nchars % 8 * 5 / 8;
	if (nbytes > cap)
		return mamori_diag_set(d, MAMORI_E_TOOBIG, 0, 0,
		    "base32: %zu bytes decoded, room for %zu", nbytes, cap);
	if (nbytes > 0 && out == NULL)
		return MAMORI_E_INVAL;
	for (size_t i = 0; i < len && o < nbytes; i++) {
		int v = b32_value((unsigned char)s[i]);

		if (v < 0)
			continue;                        /* a space or padding, checked above */
		acc = (acc << 5 | (unsigned)v) & 0xfffu; /* at most 12 bits are live */
		nbits += 5;
		if (nbits >= 8) {
			nbits -= 8;
			out[o++] = (uint8_t)(acc >> nbits);
		}
	}
	*outlen = o;
	return MAMORI_OK;
}

/* Whether o can produce codes at all. */
static bool
otp_usable(const struct mamori_cred_otp *o)
{
	if (o->kind != MAMORI_OTP_TOTP && o->kind != MAMORI_OTP_HOTP)
		return false;
	if (algo_md(o->algo) == NULL)
		return false;
	if (o->digits < DIGITS_MIN || o->digits > DIGITS_MAX)
		return false;
	if (o->secret_len == 0 || o->secret_len > MAMORI_CRED_OTP_SECRET_MAX)
		return false;
	if (o->kind == MAMORI_OTP_TOTP && o->period == 0)
		return false;
	return true;
}

bool
mamori_otp_check(struct mamori_cred_otp *o, const char *code, uint64_t now)
{
	char want[DIGITS_MAX + 1], got[DIGITS_MAX + 1];
	uint64_t lo, hi, found = 0;
	bool ok = false;

	if (o == NULL || code == NULL || !otp_usable(o))
		return false;
	/* exactly o->digits ASCII digits; never read past the code's NUL */
	for (size_t i = 0; i < o->digits; i++) {
		if (code[i] < '0' || code[i] > '9')
			return false;
	}
	if (code[o->digits] != '\0')
		return false;
	memset(got, 0, sizeof(got));
	memcpy(got, code, o->digits);

	if (o->kind == MAMORI_OTP_TOTP) {
		uint64_t step = now / o->period;

		lo = step >= MAMORI_CRED_OTP_WINDOW ? step - MAMORI_CRED_OTP_WINDOW : 0;
		if (lo < o->counter)
			lo = o->counter; /* steps below the counter were used or are too old */
		hi = step > UINT64_MAX - MAMORI_CRED_OTP_WINDOW ? UINT64_MAX
		                                                : step + MAMORI_CRED_OTP_WINDOW;
	} else {
		lo = o->counter;
		hi = lo > UINT64_MAX - MAMORI_CRED_HOTP_LOOKAHEAD ? UINT64_MAX
		                                                  : lo + MAMORI_CRED_HOTP_LOOKAHEAD;
	}
	/* the counter moves past the step used, so UINT64_MAX is never usable; that also keeps
	 * c <= hi from wrapping below */
	if (hi == UINT64_MAX)
		hi--;
	/* every candidate is computed and compared, whichever matches; the first match wins */
	for (uint64_t c = lo; c <= hi; c++) {
		uint32_t v;

		if (mamori_hotp(o->secret, o->secret_len, o->algo, c, o->digits, &v) != MAMORI_OK)
			break;
		(void)snprintf(want, sizeof(want), "%0*lu", (int)o->digits, (unsigned long)v);
		if (CRYPTO_memcmp(want, got, o->digits) == 0 && !ok) {
			ok = true;
			found = c;
		}
	}
	OPENSSL_cleanse(want, sizeof(want));
	OPENSSL_cleanse(got, sizeof(got));
	if (ok)
		o->counter = found + 1;
	return ok;
}

/* Appends s percent-encoded: RFC 3986 unreserved bytes as they are, every other byte %XX. */
static mamori_err
put_pct(struct mamori_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	mamori_err e = MAMORI_OK;

	for (; *s != '\0' && e == MAMORI_OK; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			e = mamori_buf_putc(b, c);
		} else {
			char t[3] = {'%', hex[c >> 4], hex[c & 0x0fu]};

			e = mamori_buf_append(b, t, sizeof(t));
		}
	}
	return e;
}

mamori_err
mamori_otp_uri(const struct mamori_cred_otp *o, const char *issuer, const char *account,
    struct mamori_buf *out)
{
	char secret[SECRET_B32_MAX];
	size_t start;
	mamori_err e;

	if (o == NULL || account == NULL || out == NULL || !otp_usable(o))
		return MAMORI_E_INVAL;
	if (account[0] == '\0')
		return MAMORI_E_INVAL;
	if (issuer != NULL && issuer[0] == '\0')
		issuer = NULL; /* an empty issuer is no issuer */
	/* the names come from the caller (a user name, a device name): bound them */
	if (strnlen(account, URI_LABEL_MAX + 1) > URI_LABEL_MAX ||
	    (issuer != NULL && strnlen(issuer, URI_LABEL_MAX + 1) > URI_LABEL_MAX))
		return MAMORI_E_TOOBIG;
	if (mamori_base32_encode(o->secret, o->secret_len, secret, sizeof(secret)) == 0)
		return MAMORI_E_INVAL;

	start = out->len;
	e = mamori_buf_printf(out, "otpauth://%s/", o->kind == MAMORI_OTP_TOTP ? "totp" : "hotp");
	if (e == MAMORI_OK && issuer != NULL) {
		e = put_pct(out, issuer);
		if (e == MAMORI_OK)
			e = mamori_buf_putc(out, ':');
	}
	if (e == MAMORI_OK)
		e = put_pct(out, account);
	if (e == MAMORI_OK)
		e = mamori_buf_printf(out, "?secret=%s", secret);
	if (e == MAMORI_OK && issuer != NULL) {
		e = mamori_buf_printf(out, "&issuer=");
		if (e == MAMORI_OK)
			e = put_pct(out, issuer);
	}
	if (e == MAMORI_OK)
		e = mamori_buf_printf(
		    out, "&algorithm=%s&digits=%u", mamori_otp_algo_name(o->algo), o->digits);
	if (e == MAMORI_OK && o->kind == MAMORI_OTP_TOTP)
		e = mamori_buf_printf(out, "&period=%lu", (unsigned long)o->period);
	else if (e == MAMORI_OK)
		e = mamori_buf_printf(out, "&counter=%llu", (unsigned long long)o->counter);
	mamori_wipe(secret, sizeof(secret));
	if (e != MAMORI_OK && out->len > start) {
		/* nothing half written stays, and the secret in it is wiped */
		mamori_wipe(out->p + start, out->len - start);
		out->len = start;
	}
	return e;
}

/* Whether module (x, y) of the drawing (QR code plus quiet zone) is light. Outside the
 * drawing is the terminal's own background, taken as dark. */
static bool
qr_light(const QRcode *q, size_t x, size_t y)
{
	size_t w = (size_t)q->width;

	if (y >= w + 2 * QR_QUIET)
		return false;
	if (x < QR_QUIET || y < QR_QUIET || x >= w + QR_QUIET || y >= w + QR_QUIET)
		return true; /* quiet zone */
	return (q->data[(y - QR_QUIET) * w + (x - QR_QUIET)] & 1u) == 0;
}

mamori_err
mamori_qr_text(const char *text, struct mamori_buf *out)
{
	static const char *const cell[4] = {
	    " ",            /* both dark */
	    "\xe2\x96\x84", /* lower half light: U+2584 */
	    "\xe2\x96\x80", /* upper half light: U+2580 */
	    "\xe2\x96\x88", /* both light: U+2588 */
	};
	size_t start, side, need;
	mamori_err e = MAMORI_OK;
	QRcode *q;

	if (text == NULL || out == NULL || text[0] == '\0')
		return MAMORI_E_INVAL;
	if (strnlen(text, QR_TEXT_MAX + 1) > QR_TEXT_MAX)
		return MAMORI_E_TOOBIG;
	errno = 0;
	q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (q == NULL) {
		if (errno == ERANGE)
			return MAMORI_E_TOOBIG;
		return errno == EINVAL ? MAMORI_E_INVAL : MAMORI_E_NOMEM;
	}
	if (q->width <= 0 || q->width > 177) { /* version 40 is 177 modules wide */
		QRcode_free(q);
		return MAMORI_E_INVAL;
	}
	side = (size_t)q->width + 2 * QR_QUIET;
	/* the exact size first (at most 93 lines of 185 cells of 3 bytes), so that a buffer cap
	 * is checked once and nothing is left half drawn */
	need = 0;
	start = out->len;
	for (int pass = 0; pass < 2 && e == MAMORI_OK; pass++) {
		for (size_t y = 0; e == MAMORI_OK && y < side; y += 2) {
			for (size_t x = 0; e == MAMORI_OK && x < side; x++) {
				unsigned k = (qr_light(q, x, y) ? 2u : 0u) |
				             (qr_light(q, x, y + 1) ? 1u : 0u);

				if (pass == 0)
					need += strlen(cell[k]);
				else
					e = mamori_buf_append(out, cell[k], strlen(cell[k]));
			}
			if (pass == 0)
				need++;
			else if (e == MAMORI_OK)
				e = mamori_buf_putc(out, '\n');
		}
		if (pass == 0)
			e = mamori_buf_reserve(out, need);
	}
	QRcode_free(q);
	if (e != MAMORI_OK)
		out->len = start;
	return e;
}
