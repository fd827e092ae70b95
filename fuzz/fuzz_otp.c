/* SPDX-License-Identifier: MIT */
/* One-time passwords (lib/cred/otp.c) on arbitrary bytes. The input is base32 text for
 * mamori_base32_decode; a refusal must name an offset inside the input. What decodes must
 * encode and decode back to itself, and becomes an OTP record: its first bytes choose kind,
 * algorithm, digits, period, counter and clock (invalid values included), all of it is the
 * secret. mamori_otp_check then runs on the raw input as a code, on the right code for a step
 * in or out of the window, and on that code again (replay), each time against a plain
 * reference of the documented rule: the candidates in ascending order, the first match
 * moves the counter past it. Last, the key URI of the record is written into a small capped
 * buffer, which must be left as it was on failure. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/cred.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX 4096u

static uint64_t
ld(const uint8_t *p, size_t n, size_t at, size_t w)
{
	uint64_t v = 0;

	for (size_t i = 0; i < w; i++)
		v = v << 8 | (at + i < n ? p[at + i] : 0u);
	return v;
}

static bool
usable(const struct mamori_cred_otp *o)
{
	return (o->kind == MAMORI_OTP_TOTP || o->kind == MAMORI_OTP_HOTP) &&
	       (unsigned)o->algo <= MAMORI_OTP_SHA512 && o->digits >= 6 && o->digits <= 8 &&
	       o->secret_len >= 1 && o->secret_len <= MAMORI_CRED_OTP_SECRET_MAX &&
	       (o->kind == MAMORI_OTP_HOTP || o->period >= 1);
}

/* The rule as documented, written the plain way: returns the new counter via *next. */
static bool
reference(const struct mamori_cred_otp *o, const char *code, uint64_t now, uint64_t *next)
{
	size_t len;
	uint64_t base;
	int from, to;

	if (!usable(o))
		return false;
	len = strnlen(code, 16);
	if (len != o->digits || strspn(code, "0123456789") != len)
		return false;
	if (o->kind == MAMORI_OTP_TOTP) {
		base = now / o->period;
		from = -(int)MAMORI_CRED_OTP_WINDOW;
		to = (int)MAMORI_CRED_OTP_WINDOW;
	} else {
		base = o->counter;
		from = 0;
		to = (int)MAMORI_CRED_HOTP_LOOKAHEAD;
	}
	for (int k = from; k <= to; k++) {
		uint64_t s;
		uint32_t v;
		char want[16];

		if (k < 0 && base < (uint64_t)-k)
			continue;
		if (k > 0 && base > UINT64_MAX - (uint64_t)k)
			continue;
		s = k < 0 ? base - (uint64_t)-k : base + (uint64_t)k;
		if (s < o->counter || s == UINT64_MAX)
			continue;
		if (mamori_hotp(o->secret, o->secret_len, o->algo, s, o->digits, &v) != MAMORI_OK)
			abort();
		(void)snprintf(want, sizeof(want), "%0*u", (int)o->digits, v);
		if (strcmp(want, code) == 0) {
			*next = s + 1;
			return true;
		}
	}
	return false;
}

/* mamori_otp_check against the reference. */
static void
check(struct mamori_cred_otp *o, const char *code, uint64_t now)
{
	uint64_t next = o->counter; /* unchanged unless the reference accepts */
	bool want, got;

	want = reference(o, code, now, &next);
	got = mamori_otp_check(o, code, now);
	if (got != want || o->counter != next)
		abort(); /* a different verdict, or a counter moved elsewhere (or on refusal) */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t step_off[5] = {0, -1, 1, -2, 2}; /* 0 (a missing byte): now */
	uint8_t dec[MAMORI_CRED_OTP_SECRET_MAX], again[MAMORI_CRED_OTP_SECRET_MAX];
	char enc[2 * MAMORI_CRED_OTP_SECRET_MAX], code[16], account[MAMORI_CRED_OTP_SECRET_MAX + 1];
	struct mamori_cred_otp o;
	struct mamori_diag d;
	struct mamori_buf b;
	size_t n = 0, m = 0, k;
	uint64_t now, target;
	uint32_t v;
	mamori_err e;

	if (size > INPUT_MAX)
		return 0;
	memset(&d, 0, sizeof(d));
	e = mamori_base32_decode((const char *)data, size, dec, sizeof(dec), &n, &d);
	if (e == MAMORI_E_MALFORMED && d.off >= size)
		abort(); /* the offset must point into the input */
	if (e != MAMORI_OK)
		return 0;
	if (n > sizeof(dec))
		abort();

	/* encode and decode back */
	k = mamori_base32_encode(dec, n, enc, sizeof(enc));
	if (k != (n * 8 + 4) / 5 || strlen(enc) != k)
		abort();
	if (mamori_base32_decode(enc, k, again, sizeof(again), &m, NULL) != MAMORI_OK || m != n ||
	    memcmp(again, dec, n) != 0)
		abort();

	/* an OTP record made of the bytes */
	memset(&o, 0, sizeof(o));
	o.kind = (enum mamori_otp_kind)(ld(dec, n, 0, 1) % 3);
	o.algo = (enum mamori_otp_algo)(ld(dec, n, 1, 1) % 4);
	o.digits = 5 + (unsigned)(ld(dec, n, 2, 1) % 5);
	o.period = (uint32_t)ld(dec, n, 3, 1) % 91;
	o.counter = ld(dec, n, 4, 1) & 0x80 ? ld(dec, n, 5, 8) : ld(dec, n, 5, 2);
	now = ld(dec, n, 4, 1) & 0x40 ? ld(dec, n, 13, 8) : 1700000000u + ld(dec, n, 13, 2);
	memcpy(o.secret, dec, n);
	o.secret_len = n;

	/* the raw input as a code */
	k = size < sizeof(code) - 1 ? size : sizeof(code) - 1;
	memcpy(code, data, k);
	code[k] = '\0';
	check(&o, code, now);

	/* the right code for a step near now (or near the counter), then again */
	if (o.kind == MAMORI_OTP_TOTP && o.period > 0)
		target = now / o.period + (uint64_t)step_off[ld(dec, n, 21, 1) % 5];
	else
		target = o.counter + (ld(dec, n, 21, 1) % 13);
	if (mamori_hotp(o.secret, o.secret_len, o.algo, target, o.digits, &v) == MAMORI_OK) {
		(void)snprintf(code, sizeof(code), "%0*u", (int)o.digits, v);
		check(&o, code, now);
		check(&o, code, now);
		o.pending = !o.pending;
		check(&o, code, now);
	}

	/* the key URI into a small capped buffer, after some bytes already there */
	k = n < sizeof(account) - 1 ? n : sizeof(account) - 1;
	memcpy(account, dec, k);
	account[k] = '\0';
	mamori_buf_init(&b, 40 + 4 * (size_t)ld(dec, n, 22, 1));
	if (mamori_buf_append(&b, "pre", 3) != MAMORI_OK)
		abort();
	e = mamori_otp_uri(&o, (ld(dec, n, 0, 1) & 0x80) ? NULL : account + k / 2, account, &b);
	if (e != MAMORI_OK && (b.len != 3 || memcmp(b.p, "pre", 3) != 0))
		abort();
	if (e == MAMORI_OK) {
		if (b.len < 3 + 15 || memcmp(b.p + 3, "otpauth://", 10) != 0)
			abort();
		for (size_t i = 3; i < b.len; i++) {
			if (b.p[i] <= ' ' || b.p[i] >= 0x7f)
				abort(); /* everything is percent-encoded */
		}
	}
	mamori_buf_wipe_free(&b);
	return 0;
}
