/* SPDX-License-Identifier: MIT */
/* One-time passwords (lib/cred/otp.c): the RFC 4226 Appendix D HOTP values, the RFC 6238
 * Appendix B TOTP table for SHA1, SHA256 and SHA512, the RFC 4648 base32 vectors and refusals,
 * the checks (window, replay, HOTP look-ahead and resynchronisation), the key URI and the
 * terminal QR code. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "mamori/cred.h"

#define KEY20  "12345678901234567890"
#define KEY32  "12345678901234567890123456789012"
#define KEY64  "1234567890123456789012345678901234567890123456789012345678901234"
#define B32_20 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" /* base32 of KEY20 */

static void
algo_names(void)
{
	static const struct {
		const char *s;
		enum mamori_otp_algo a;
	} ok[] = {{"sha1", MAMORI_OTP_SHA1}, {"SHA1", MAMORI_OTP_SHA1}, {"Sha1", MAMORI_OTP_SHA1},
	    {"sha256", MAMORI_OTP_SHA256}, {"SHA256", MAMORI_OTP_SHA256},
	    {"sha512", MAMORI_OTP_SHA512}, {"ShA512", MAMORI_OTP_SHA512}};
	static const char *const bad[] = {"", "sha", "sha-1", "SHA 1", "md5", "sha1 ", "sha384"};
	enum mamori_otp_algo a;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		a = MAMORI_OTP_SHA512;
		CHECK_OK(mamori_otp_algo_parse(ok[i].s, &a));
		CHECK(a == ok[i].a);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = (enum mamori_otp_algo)7;
		CHECK(mamori_otp_algo_parse(bad[i], &a) == MAMORI_E_INVAL);
		CHECK(a == (enum mamori_otp_algo)7); /* untouched on failure */
	}
	CHECK(mamori_otp_algo_parse(NULL, &a) == MAMORI_E_INVAL);
	CHECK(strcmp(mamori_otp_algo_name(MAMORI_OTP_SHA1), "SHA1") == 0);
	CHECK(strcmp(mamori_otp_algo_name(MAMORI_OTP_SHA256), "SHA256") == 0);
	CHECK(strcmp(mamori_otp_algo_name(MAMORI_OTP_SHA512), "SHA512") == 0);
	CHECK(mamori_otp_algo_name((enum mamori_otp_algo)9) != NULL);
}

/* RFC 4226 Appendix D. */
static void
rfc4226_hotp(void)
{
	static const uint32_t want[10] = {
	    755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489};

	for (uint64_t c = 0; c < 10; c++) {
		uint32_t code = 0;

		CHECK_OK(mamori_hotp((const uint8_t *)KEY20, 20, MAMORI_OTP_SHA1, c, 6, &code));
		CHECK(code == want[c]);
	}
}

static void
hotp_refusals(void)
{
	uint8_t big[MAMORI_CRED_OTP_SECRET_MAX + 1];
	uint32_t code = 4242;

	memset(big, 'k', sizeof(big));
	CHECK(mamori_hotp((const uint8_t *)KEY20, 20, MAMORI_OTP_SHA1, 0, 5, &code) ==
	      MAMORI_E_INVAL);
	CHECK(mamori_hotp((const uint8_t *)KEY20, 20, MAMORI_OTP_SHA1, 0, 9, &code) ==
	      MAMORI_E_INVAL);
	CHECK(
	    mamori_hotp((const uint8_t *)KEY20, 0, MAMORI_OTP_SHA1, 0, 6, &code) == MAMORI_E_INVAL);
	CHECK(mamori_hotp(big, sizeof(big), MAMORI_OTP_SHA1, 0, 6, &code) == MAMORI_E_INVAL);
	CHECK(mamori_hotp((const uint8_t *)KEY20, 20, (enum mamori_otp_algo)3, 0, 6, &code) ==
	      MAMORI_E_INVAL);
	CHECK(mamori_hotp(NULL, 20, MAMORI_OTP_SHA1, 0, 6, &code) == MAMORI_E_INVAL);
	CHECK(
	    mamori_hotp((const uint8_t *)KEY20, 20, MAMORI_OTP_SHA1, 0, 6, NULL) == MAMORI_E_INVAL);
	CHECK(code == 4242);
	CHECK(mamori_totp((const uint8_t *)KEY20, 20, MAMORI_OTP_SHA1, 59, 0, 6, &code) ==
	      MAMORI_E_INVAL);
	CHECK(code == 4242);
	/* the limits themselves are accepted: 64-byte keys, 7 and 8 digits */
	CHECK_OK(mamori_hotp(big, MAMORI_CRED_OTP_SECRET_MAX, MAMORI_OTP_SHA512, 1, 7, &code));
	CHECK(code < 10000000u);
	CHECK_OK(mamori_hotp((const uint8_t *)KEY20, 20, MAMORI_OTP_SHA1, 0, 8, &code));
	CHECK(code % 1000000u == 755224u); /* the same truncation, two more digits */
}

/* RFC 6238 Appendix B: each algorithm with its own seed length, 8 digits, period 30. */
static void
rfc6238_totp(void)
{
	static const struct {
		uint64_t t;
		uint32_t sha1, sha256, sha512;
	} rows[] = {
	    {59u, 94287082u, 46119246u, 90693936u},
	    {1111111109u, 7081804u, 68084774u, 25091201u},
	    {1111111111u, 14050471u, 67062674u, 99943326u},
	    {1234567890u, 89005924u, 91819424u, 93441116u},
	    {2000000000u, 69279037u, 90698825u, 38618901u},
	    {20000000000u, 65353130u, 77737706u, 47863826u},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint32_t c1 = 0, c256 = 0, c512 = 0;
		char s[16];

		CHECK_OK(mamori_totp(
		    (const uint8_t *)KEY20, 20, MAMORI_OTP_SHA1, rows[i].t, 30, 8, &c1));
		CHECK_OK(mamori_totp(
		    (const uint8_t *)KEY32, 32, MAMORI_OTP_SHA256, rows[i].t, 30, 8, &c256));
		CHECK_OK(mamori_totp(
		    (const uint8_t *)KEY64, 64, MAMORI_OTP_SHA512, rows[i].t, 30, 8, &c512));
		CHECK(c1 == rows[i].sha1);
		CHECK(c256 == rows[i].sha256);
		CHECK(c512 == rows[i].sha512);
		if (c1 != rows[i].sha1 || c256 != rows[i].sha256 || c512 != rows[i].sha512)
			fprintf(stderr, "  t=%llu: got %u %u %u\n", (unsigned long long)rows[i].t,
			    c1, c256, c512);
		/* 1111111109 gives "07081804": the leading zero is the formatter's job */
		(void)snprintf(s, sizeof(s), "%08u", c1);
		CHECK(strlen(s) == 8);
	}
}

/* RFC 4648 section 10, without padding, and back (with and without padding). */
static void
base32_rfc4648(void)
{
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const enc[] = {
	    "", "MY", "MZXQ", "MZXW6", "MZXW6YQ", "MZXW6YTB", "MZXW6YTBOI"};
	static const char *const padded[] = {
	    "", "MY======", "MZXQ====", "MZXW6===", "MZXW6YQ=", "MZXW6YTB", "MZXW6YTBOI======"};

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		char out[32];
		uint8_t dec[16];
		size_t n = 99, plen = strlen(plain[i]);

		CHECK(mamori_base32_encode((const uint8_t *)plain[i], plen, out, sizeof(out)) ==
		      strlen(enc[i]));
		CHECK(strcmp(out, enc[i]) == 0);
		CHECK_OK(mamori_base32_decode(enc[i], strlen(enc[i]), dec, sizeof(dec), &n, NULL));
		CHECK(n == plen && memcmp(dec, plain[i], plen) == 0);
		n = 99;
		CHECK_OK(
		    mamori_base32_decode(padded[i], strlen(padded[i]), dec, sizeof(dec), &n, NULL));
		CHECK(n == plen && memcmp(dec, plain[i], plen) == 0);
		/* exactly enough room decodes; one byte less is too big */
		if (plen > 0) {
			n = 99;
			CHECK_OK(mamori_base32_decode(enc[i], strlen(enc[i]), dec, plen, &n, NULL));
			CHECK(n == plen);
			n = 99;
			CHECK(mamori_base32_decode(enc[i], strlen(enc[i]), dec, plen - 1, &n,
			          NULL) == MAMORI_E_TOOBIG);
			CHECK(n == 99);
		}
	}
}

static void
base32_round_trip(void)
{
	uint8_t in[MAMORI_CRED_OTP_SECRET_MAX + 7], dec[sizeof(in)];
	char out[2 * sizeof(in)];
	uint32_t x = 0x9e3779b9u;

	for (size_t len = 0; len <= sizeof(in); len++) {
		size_t n, m = 0;

		for (size_t i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			in[i] = (uint8_t)(x >> 24);
		}
		n = mamori_base32_encode(in, len, out, sizeof(out));
		CHECK(n == (len * 8 + 4) / 5);
		CHECK(strlen(out) == n);
		CHECK(strspn(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") == n);
		CHECK_OK(mamori_base32_decode(out, n, dec, sizeof(dec), &m, NULL));
		CHECK(m == len && memcmp(dec, in, len) == 0);
		/* the NUL needs room: a cap of exactly n is refused, n + 1 accepted */
		if (len > 0) {
			char small[2 * sizeof(in)];

			memset(small, 'x', sizeof(small));
			CHECK(mamori_base32_encode(in, len, small, n) == 0);
			CHECK(small[0] == '\0');
			CHECK(mamori_base32_encode(in, len, small, n + 1) == n);
		}
	}
	CHECK(mamori_base32_encode((const uint8_t *)"f", 1, out, 0) == 0);
}

static void
base32_lenient(void)
{
	uint8_t dec[32];
	size_t n = 0;

	/* lower case, spaces (as authenticator apps show secrets), padding */
	CHECK_OK(mamori_base32_decode("mzxw 6ytb oi", 12, dec, sizeof(dec), &n, NULL));
	CHECK(n == 6 && memcmp(dec, "foobar", 6) == 0);
	CHECK_OK(mamori_base32_decode(" MzXw6YtBoI ====== ", 19, dec, sizeof(dec), &n, NULL));
	CHECK(n == 6 && memcmp(dec, "foobar", 6) == 0);
	CHECK_OK(mamori_base32_decode(
	    "gezd gnbv gy3t qojq gezd gnbv gy3t qojq", 39, dec, sizeof(dec), &n, NULL));
	CHECK(n == 20 && memcmp(dec, KEY20, 20) == 0);
	/* non-zero unused bits in the last character are ignored, as oathtool does */
	CHECK_OK(mamori_base32_decode("MZXW6YTBOJ", 10, dec, sizeof(dec), &n, NULL));
	CHECK(n == 6 && memcmp(dec, "foobar", 6) == 0);
	CHECK_OK(mamori_base32_decode("MZ", 2, dec, sizeof(dec), &n, NULL));
	CHECK(n == 1 && dec[0] == 'f');
	/* spaces and padding only: nothing */
	n = 9;
	CHECK_OK(mamori_base32_decode("  ==", 4, NULL, 0, &n, NULL));
	CHECK(n == 0);
	CHECK_OK(mamori_base32_decode(NULL, 0, NULL, 0, &n, NULL));
	CHECK(n == 0);
}

static void
base32_refusals(void)
{
	static const struct {
		const char *s;
		size_t off;
	} bad[] = {
	    {"MZX!W6", 3},
	    {"MZXW61", 5},    /* '1' is not in the alphabet */
	    {"MZXW60", 5},    /* nor is '0' */
	    {"MZXW6\tYQ", 5}, /* only spaces are skipped */
	    {"MZ-XW", 2},
	    {"MZ=XW", 3}, /* data after padding */
	    {"MZXW6YQ=A", 8},
	    {"\xc3\xa9", 0},
	    {"M", 0}, /* 1, 3 or 6 characters after a group end nowhere */
	    {"MZX", 2},
	    {"MZXW6Y", 5},
	    {"MZXW6YTBO ", 8},
	};
	uint8_t dec[16];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mamori_diag d;
		size_t n = 77;

		memset(&d, 0, sizeof(d));
		memset(dec, 0xaa, sizeof(dec));
		CHECK(mamori_base32_decode(bad[i].s, strlen(bad[i].s), dec, sizeof(dec), &n, &d) ==
		      MAMORI_E_MALFORMED);
		CHECK(d.off == bad[i].off);
		CHECK(d.msg[0] != '\0');
		CHECK(n == 77);
		CHECK(dec[0] == 0xaa); /* nothing written */
		if (d.off != bad[i].off)
			fprintf(stderr, "  %s: offset %zu, want %zu (%s)\n", bad[i].s, d.off,
			    bad[i].off, d.msg);
	}
	/* the message names the offset */
	{
		struct mamori_diag d;
		size_t n;

		CHECK(mamori_base32_decode("GEZDGNBV GY3T*QOJQ", 18, dec, sizeof(dec), &n, &d) ==
		      MAMORI_E_MALFORMED);
		CHECK(d.off == 13);
		CHECK(strstr(d.msg, "13") != NULL);
	}
	/* an embedded NUL within len is a bad character, not the end */
	{
		size_t n;
		struct mamori_diag d;

		CHECK(mamori_base32_decode("MZ\0XW", 5, dec, sizeof(dec), &n, &d) ==
		      MAMORI_E_MALFORMED);
		CHECK(d.off == 2);
	}
	{
		size_t n;

		CHECK(mamori_base32_decode("MZXW6YTBOI", 10, dec, 5, &n, NULL) == MAMORI_E_TOOBIG);
		CHECK(
		    mamori_base32_decode("MZ", 2, dec, sizeof(dec), NULL, NULL) == MAMORI_E_INVAL);
	}
}

static void
totp_init(struct mamori_cred_otp *o, unsigned digits)
{
	memset(o, 0, sizeof(*o));
	o->kind = MAMORI_OTP_TOTP;
	o->algo = MAMORI_OTP_SHA1;
	o->digits = digits;
	o->period = 30;
	o->counter = 0;
	memcpy(o->secret, KEY20, 20);
	o->secret_len = 20;
}

/* The code of step s of o, formatted. */
static void
code_at(const struct mamori_cred_otp *o, uint64_t s, char out[16])
{
	uint32_t v = 0;

	CHECK_OK(mamori_hotp(o->secret, o->secret_len, o->algo, s, o->digits, &v));
	(void)snprintf(out, 16, "%0*u", (int)o->digits, v);
}

static void
check_totp(void)
{
	const uint64_t now = 1700000015u, step = now / 30;
	struct mamori_cred_otp o;
	char c[16];

	/* now: accepted once, then the step is spent */
	totp_init(&o, 6);
	code_at(&o, step, c);
	CHECK(mamori_otp_check(&o, c, now));
	CHECK(o.counter == step + 1);
	CHECK(!mamori_otp_check(&o, c, now));
	CHECK(!mamori_otp_check(&o, c, now + 10)); /* same step later on */
	CHECK(o.counter == step + 1);
	/* the steps either side of now */
	totp_init(&o, 6);
	code_at(&o, step - 1, c);
	CHECK(mamori_otp_check(&o, c, now));
	CHECK(o.counter == step);
	totp_init(&o, 6);
	code_at(&o, step + 1, c);
	CHECK(mamori_otp_check(&o, c, now));
	CHECK(o.counter == step + 2);
	/* after step + 1 was used, the earlier steps are spent too */
	code_at(&o, step, c);
	CHECK(!mamori_otp_check(&o, c, now));
	/* two steps away: refused, counter untouched */
	totp_init(&o, 6);
	code_at(&o, step - 2, c);
	CHECK(!mamori_otp_check(&o, c, now));
	code_at(&o, step + 2, c);
	CHECK(!mamori_otp_check(&o, c, now));
	CHECK(o.counter == 0);
	/* a counter past now - 1 narrows the window */
	totp_init(&o, 6);
	o.counter = step;
	code_at(&o, step - 1, c);
	CHECK(!mamori_otp_check(&o, c, now));
	CHECK(o.counter == step);
	/* 8 digits with SHA256 and another period */
	totp_init(&o, 8);
	o.algo = MAMORI_OTP_SHA256;
	memcpy(o.secret, KEY32, 32);
	o.secret_len = 32;
	code_at(&o, 59 / 30, c);
	CHECK(strcmp(c, "46119246") == 0);
	CHECK(mamori_otp_check(&o, c, 59));
	totp_init(&o, 6);
	o.period = 60;
	code_at(&o, now / 60, c);
	CHECK(mamori_otp_check(&o, c, now));
	CHECK(o.counter == now / 60 + 1);
	/* a pending enrolment is checked the same way and stays pending */
	totp_init(&o, 6);
	o.pending = true;
	code_at(&o, step, c);
	CHECK(mamori_otp_check(&o, c, now));
	CHECK(o.pending);
	/* time 0: no step below 0 */
	totp_init(&o, 6);
	code_at(&o, 0, c);
	CHECK(mamori_otp_check(&o, c, 0));
	CHECK(o.counter == 1);
	/* the end of time does not wrap the counter */
	totp_init(&o, 6);
	o.period = 1;
	code_at(&o, UINT64_MAX - 1, c);
	CHECK(mamori_otp_check(&o, c, UINT64_MAX - 1));
	CHECK(o.counter == UINT64_MAX);
	CHECK(!mamori_otp_check(&o, c, UINT64_MAX));
}

static void
check_code_shape(void)
{
	static const char *const bad[] = {"", "12345", "1234567", "12a456", "12345 ", " 12345",
	    "-12345", "+12345", "123 45", "١٢٣٤٥٦", "12345\n"};
	const uint64_t now = 1700000015u;
	struct mamori_cred_otp o;
	char c[16], more[32];

	totp_init(&o, 6);
	code_at(&o, now / 30, c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(!mamori_otp_check(&o, bad[i], now));
	CHECK(!mamori_otp_check(&o, NULL, now));
	/* the right code with something after it */
	(void)snprintf(more, sizeof(more), "%s0", c);
	CHECK(!mamori_otp_check(&o, more, now));
	(void)snprintf(more, sizeof(more), "%s ", c);
	CHECK(!mamori_otp_check(&o, more, now));
	(void)snprintf(more, sizeof(more), "0%s", c);
	CHECK(!mamori_otp_check(&o, more, now));
	CHECK(o.counter == 0);
	/* unusable structures refuse everything */
	o.kind = MAMORI_OTP_NONE;
	CHECK(!mamori_otp_check(&o, c, now));
	totp_init(&o, 6);
	o.digits = 9;
	CHECK(!mamori_otp_check(&o, "123456789", now));
	totp_init(&o, 6);
	o.period = 0;
	CHECK(!mamori_otp_check(&o, c, now));
	totp_init(&o, 6);
	o.secret_len = 0;
	CHECK(!mamori_otp_check(&o, c, now));
	totp_init(&o, 6);
	o.secret_len = MAMORI_CRED_OTP_SECRET_MAX + 1;
	CHECK(!mamori_otp_check(&o, c, now));
	CHECK(!mamori_otp_check(NULL, c, now));
	/* and the untouched structure still takes it */
	totp_init(&o, 6);
	CHECK(mamori_otp_check(&o, c, now));
}

static void
check_hotp(void)
{
	static const char *const rfc[10] = {"755224", "287082", "359152", "969429", "338314",
	    "254676", "287922", "162583", "399871", "520489"};
	struct mamori_cred_otp o;
	char c[16];

	totp_init(&o, 6);
	o.kind = MAMORI_OTP_HOTP;
	o.period = 0; /* unused by HOTP */
	CHECK(mamori_otp_check(&o, rfc[0], 12345));
	CHECK(o.counter == 1);
	CHECK(!mamori_otp_check(&o, rfc[0], 12345)); /* replay */
	/* look-ahead: counter 3 while 1 is expected */
	CHECK(mamori_otp_check(&o, rfc[3], 0));
	CHECK(o.counter == 4);
	CHECK(!mamori_otp_check(&o, rfc[1], 0)); /* skipped codes are spent */
	CHECK(!mamori_otp_check(&o, rfc[2], 0));
	CHECK(mamori_otp_check(&o, rfc[4], 0));
	CHECK(o.counter == 5);
	/* resync: the far end of the look-ahead is accepted, one past it is not */
	code_at(&o, o.counter + MAMORI_CRED_HOTP_LOOKAHEAD + 1, c);
	CHECK(!mamori_otp_check(&o, c, 0));
	CHECK(o.counter == 5);
	code_at(&o, o.counter + MAMORI_CRED_HOTP_LOOKAHEAD, c);
	CHECK(mamori_otp_check(&o, c, 0));
	CHECK(o.counter == 5 + MAMORI_CRED_HOTP_LOOKAHEAD + 1);
	/* pending enrolment: same rules, pending left for the caller */
	totp_init(&o, 6);
	o.kind = MAMORI_OTP_HOTP;
	o.pending = true;
	CHECK(mamori_otp_check(&o, rfc[9], 0));
	CHECK(o.counter == 10 && o.pending);
	/* the top of the counter space: UINT64_MAX itself is never usable */
	totp_init(&o, 6);
	o.kind = MAMORI_OTP_HOTP;
	o.counter = UINT64_MAX - 3;
	code_at(&o, UINT64_MAX, c);
	CHECK(!mamori_otp_check(&o, c, 0));
	code_at(&o, UINT64_MAX - 1, c);
	CHECK(mamori_otp_check(&o, c, 0));
	CHECK(o.counter == UINT64_MAX);
	CHECK(!mamori_otp_check(&o, c, 0));
}

static void
uri(void)
{
	struct mamori_cred_otp o;
	struct mamori_buf b;

	totp_init(&o, 6);
	mamori_buf_init(&b, 4096);
	CHECK_OK(mamori_otp_uri(&o, "mamori", "admin", &b));
	CHECK_OK(mamori_buf_putc(&b, '\0'));
	CHECK(b.p != NULL &&
	      strcmp((const char *)b.p, "otpauth://totp/mamori:admin?secret=" B32_20
	                                "&issuer=mamori&algorithm=SHA1&digits=6&period=30") == 0);
	mamori_buf_reset(&b);

	/* RFC 3986 percent-encoding of issuer and account; other parameters */
	o.algo = MAMORI_OTP_SHA256;
	o.digits = 8;
	o.period = 60;
	CHECK_OK(mamori_otp_uri(&o, "ACME Corp", "a b@c", &b));
	CHECK_OK(mamori_buf_putc(&b, '\0'));
	CHECK(b.p != NULL && strcmp((const char *)b.p,
	                         "otpauth://totp/ACME%20Corp:a%20b%40c?secret=" B32_20
	                         "&issuer=ACME%20Corp&algorithm=SHA256&digits=8&period=60") == 0);
	mamori_buf_reset(&b);
	CHECK_OK(mamori_otp_uri(&o, "x:y/z?é", "Az09-._~", &b));
	CHECK_OK(mamori_buf_putc(&b, '\0'));
	CHECK(b.p != NULL && strncmp((const char *)b.p,
	                         "otpauth://totp/x%3Ay%2Fz%3F%C3%A9:Az09-._~?secret=", 50) == 0);
	mamori_buf_reset(&b);

	/* HOTP, no issuer: no prefix, no issuer parameter, the counter instead of the period */
	totp_init(&o, 6);
	o.kind = MAMORI_OTP_HOTP;
	o.counter = 42;
	o.algo = MAMORI_OTP_SHA512;
	CHECK_OK(mamori_otp_uri(&o, NULL, "dev-1", &b));
	CHECK_OK(mamori_buf_putc(&b, '\0'));
	CHECK(
	    b.p != NULL && strcmp((const char *)b.p, "otpauth://hotp/dev-1?secret=" B32_20
	                                             "&algorithm=SHA512&digits=6&counter=42") == 0);
	mamori_buf_reset(&b);
	CHECK_OK(mamori_otp_uri(&o, "", "dev-1", &b)); /* empty issuer: none */
	CHECK(b.len > 15 && memcmp(b.p, "otpauth://hotp/dev-1?", 21) == 0);
	mamori_buf_free(&b);

	/* refusals leave the buffer as it was */
	{
		char longname[300];

		mamori_buf_init(&b, 60);
		CHECK_OK(mamori_buf_append(&b, "kept", 4));
		totp_init(&o, 6);
		CHECK(mamori_otp_uri(&o, "mamori", "admin", &b) == MAMORI_E_TOOBIG);
		CHECK(b.len == 4 && memcmp(b.p, "kept", 4) == 0);
		memset(longname, 'a', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		mamori_buf_free(&b);
		mamori_buf_init(&b, 1u << 16);
		CHECK(mamori_otp_uri(&o, longname, "admin", &b) == MAMORI_E_TOOBIG);
		CHECK(mamori_otp_uri(&o, "i", longname, &b) == MAMORI_E_TOOBIG);
		CHECK(mamori_otp_uri(&o, "i", "", &b) == MAMORI_E_INVAL);
		CHECK(mamori_otp_uri(&o, "i", NULL, &b) == MAMORI_E_INVAL);
		o.kind = MAMORI_OTP_NONE;
		CHECK(mamori_otp_uri(&o, "i", "a", &b) == MAMORI_E_INVAL);
		totp_init(&o, 5);
		CHECK(mamori_otp_uri(&o, "i", "a", &b) == MAMORI_E_INVAL);
		CHECK(b.len == 0);
		mamori_buf_free(&b);
	}
}

/* Display columns (code points) of line [p, p + n) if it holds only the four cells, else 0. */
static size_t
qr_columns(const uint8_t *p, size_t n)
{
	size_t cols = 0;

	for (size_t i = 0; i < n;) {
		if (p[i] == ' ') {
			i++;
		} else if (n - i >= 3 && p[i] == 0xe2 && p[i + 1] == 0x96 &&
		           (p[i + 2] == 0x80 || p[i + 2] == 0x84 || p[i + 2] == 0x88)) {
			i += 3;
		} else {
			return 0;
		}
		cols++;
	}
	return cols;
}

static bool
qr_line_is(const uint8_t *p, size_t n, const char *cell)
{
	size_t k = strlen(cell);

	if (n == 0 || n % k != 0)
		return false;
	for (size_t i = 0; i < n; i += k) {
		if (memcmp(p + i, cell, k) != 0)
			return false;
	}
	return true;
}

static void
qr(void)
{
	static const char *const texts[] = {
	    "otpauth://totp/mamori:admin?secret=" B32_20
	    "&issuer=mamori&algorithm=SHA1&digits=6&period=30",
	    "x",
	    "otpauth://totp/ACME%20Corp:a%20b%40c?secret="
	    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBV"
	    "GY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20Corp&algorithm=SHA512&digits=8&"
	    "period=30",
	};
	struct mamori_buf b;

	for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		size_t lines = 0, cols = 0, start = 0;
		bool same = true;

		mamori_buf_init(&b, 1u << 20);
		CHECK_OK(mamori_qr_text(texts[t], &b));
		CHECK(b.len > 0);
		if (b.len == 0) {
			mamori_buf_free(&b);
			continue;
		}
		CHECK(b.p[b.len - 1] == '\n');
		for (size_t i = 0; i < b.len; i++) {
			size_t c;

			if (b.p[i] != '\n')
				continue;
			c = qr_columns(b.p + start, i - start);
			if (lines == 0)
				cols = c;
			else if (c != cols)
				same = false;
			/* the top quiet zone is light on both halves; the last line has only
			 * its upper half inside the drawing (an odd number of rows) */
			if (lines == 0)
				CHECK(qr_line_is(b.p + start, i - start, "\xe2\x96\x88"));
			if (i + 1 == b.len)
				CHECK(qr_line_is(b.p + start, i - start, "\xe2\x96\x80"));
			lines++;
			start = i + 1;
		}
		CHECK(same);
		/* a version-v symbol is 17 + 4v modules; with the quiet zone, cols = that + 8 */
		CHECK(cols >= 21 + 8 && (cols - 8 - 17) % 4 == 0 && cols - 8 <= 177);
		CHECK(lines == (cols + 1) / 2);
		/* the dark modules (spaces) are in there */
		CHECK(memchr(b.p, ' ', b.len) != NULL);
		mamori_buf_free(&b);
	}

	/* appends, and a refusal leaves what was there */
	{
		size_t n;

		mamori_buf_init(&b, 1u << 20);
		CHECK_OK(mamori_buf_append(&b, "head\n", 5));
		CHECK_OK(mamori_qr_text("x", &b));
		CHECK(b.len > 5 && memcmp(b.p, "head\n", 5) == 0);
		n = b.len;
		b.max = n + 100;
		CHECK(mamori_qr_text("x", &b) == MAMORI_E_TOOBIG);
		CHECK(b.len == n);
		mamori_buf_free(&b);
		/* a cap of exactly what is drawn is enough, one byte less is not */
		n -= 5;
		mamori_buf_init(&b, 5 + n);
		CHECK_OK(mamori_buf_append(&b, "head\n", 5));
		CHECK_OK(mamori_qr_text("x", &b));
		CHECK(b.len == 5 + n);
		mamori_buf_free(&b);
		mamori_buf_init(&b, 5 + n - 1);
		CHECK_OK(mamori_buf_append(&b, "head\n", 5));
		CHECK(mamori_qr_text("x", &b) == MAMORI_E_TOOBIG);
		CHECK(b.len == 5);
		mamori_buf_free(&b);
	}
	/* limits: 2048 bytes fit (version 40-M takes 2331), 2049 are refused */
	{
		static char big[2050];

		memset(big, 'a', sizeof(big) - 1);
		big[2048] = '\0';
		mamori_buf_init(&b, 1u << 20);
		CHECK_OK(mamori_qr_text(big, &b));
		mamori_buf_reset(&b);
		big[2048] = 'a';
		big[2049] = '\0';
		CHECK(mamori_qr_text(big, &b) == MAMORI_E_TOOBIG);
		CHECK(mamori_qr_text("", &b) == MAMORI_E_INVAL);
		CHECK(mamori_qr_text(NULL, &b) == MAMORI_E_INVAL);
		CHECK(b.len == 0);
		mamori_buf_free(&b);
	}
}

int
main(void)
{
	static const struct check_case cases[] = {
	    CHECK_CASE(algo_names),
	    CHECK_CASE(rfc4226_hotp),
	    CHECK_CASE(hotp_refusals),
	    CHECK_CASE(rfc6238_totp),
	    CHECK_CASE(base32_rfc4648),
	    CHECK_CASE(base32_round_trip),
	    CHECK_CASE(base32_lenient),
	    CHECK_CASE(base32_refusals),
	    CHECK_CASE(check_totp),
	    CHECK_CASE(check_code_shape),
	    CHECK_CASE(check_hotp),
	    CHECK_CASE(uri),
	    CHECK_CASE(qr),
	};

	return check_run("test_cred_otp", cases, sizeof(cases) / sizeof(cases[0]));
}
