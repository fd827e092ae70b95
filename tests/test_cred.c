/* SPDX-License-Identifier: MIT */
/* The account store, authentication and throttling (lib/cred): round trips, corruption that
 * must fail closed, the backoff schedule on an injected clock, legacy hashes, provisioning,
 * concurrent writers. */
#include <crypt.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "check.h"
#include "mamori/cred.h"

#define T0 1764028800u /* 2025-11-25T00:00:00Z */

static char dir[] = "/tmp/mamori-test-cred-XXXXXX";

static void
path(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

/* A store with the small class (fast), an admin with password "Tr0ub4dor&3xyz". */
static void
small_store(struct mamori_cred_store *s)
{
	struct mamori_cred_account *a;

	mamori_cred_store_defaults(s);
	s->cls = MAMORI_CRED_CLASS_SMALL;
	CHECK_OK(mamori_cred_add(s, "admin", "admin", T0, &a, NULL));
	CHECK_OK(mamori_cred_set_password(s, a, "Tr0ub4dor&3xyz", 14, NULL, false, T0, NULL));
}

static void
roundtrip(void)
{
	struct mamori_cred_store s, r;
	struct mamori_cred_account *a;
	struct mamori_buf b1, b2;
	char codes[MAMORI_CRED_RECOVERY_N][MAMORI_CRED_RECOVERY_LEN + 1];
	struct mamori_cred_result res;

	small_store(&s);
	snprintf(s.words[s.n_words++], sizeof(s.words[0]), "acme");
	CHECK_OK(mamori_cred_add(&s, "op1", "operator", T0, &a, NULL));
	a->expires = T0 + 86400;
	CHECK_OK(mamori_cred_otp_enroll(
	    &s, mamori_cred_find(&s, "admin"), MAMORI_OTP_TOTP, MAMORI_OTP_SHA256, 8, 30, codes));
	CHECK(mamori_cred_authenticate(&s, "nobody", "10.0.0.9", "x", 1, NULL, 0, T0, &res) ==
	      MAMORI_OK);
	CHECK_OK(mamori_cred_store_format(&s, &b1));
	CHECK_OK(mamori_cred_store_parse(b1.p, b1.len, &r, NULL));
	CHECK_OK(mamori_cred_store_format(&r, &b2));
	CHECK(b1.len == b2.len && memcmp(b1.p, b2.p, b1.len) == 0);
	CHECK(r.n_accounts == 2 && r.n_words == 1 && r.n_throttle == 2 && r.n_roles == 3);
	CHECK(r.accounts[0].otp.kind == MAMORI_OTP_TOTP && r.accounts[0].otp.digits == 8);
	CHECK(r.accounts[0].n_recovery == MAMORI_CRED_RECOVERY_N);
	CHECK(r.accounts[1].expires == T0 + 86400 && r.accounts[1].hash[0] == '\0');
	CHECK((r.accounts[1].flags & MAMORI_CRED_F_MUST_CHANGE) != 0);
	mamori_buf_free(&b1);
	mamori_buf_free(&b2);
	mamori_cred_store_free(&s);
	mamori_cred_store_free(&r);
}

/* Every truncation and every single-byte change of a store is refused with a reason. */
static void
fails_closed(void)
{
	struct mamori_cred_store s, r;
	struct mamori_buf b;
	struct mamori_diag d;
	size_t refused = 0, flips = 0;

	small_store(&s);
	CHECK_OK(mamori_cred_store_format(&s, &b));
	for (size_t n = 0; n < b.len; n++) {
		mamori_diag_clear(&d);
		if (mamori_cred_store_parse(b.p, n, &r, &d) != MAMORI_OK && d.msg[0] != '\0')
			refused++;
		else if (mamori_cred_store_parse(b.p, n, &r, &d) == MAMORI_OK)
			mamori_cred_store_free(&r);
	}
	CHECK(refused == b.len);
	for (size_t i = 0; i < b.len; i++) {
		uint8_t save = b.p[i];
		b.p[i] ^= 0x01;
		mamori_diag_clear(&d);
		if (mamori_cred_store_parse(b.p, b.len, &r, &d) != MAMORI_OK && d.msg[0] != '\0')
			flips++;
		else
			mamori_cred_store_free(&r);
		b.p[i] = save;
	}
	CHECK(flips == b.len);
	/* the reasons say where */
	mamori_diag_clear(&d);
	CHECK(mamori_cred_store_parse(b.p, b.len - 10, &r, &d) == MAMORI_E_TRUNCATED);
	CHECK(strstr(d.msg, "truncated") != NULL);
	mamori_diag_clear(&d);
	CHECK(mamori_cred_store_parse((const uint8_t *)"", 0, &r, &d) == MAMORI_E_TRUNCATED);
	CHECK(strstr(d.msg, "empty") != NULL);
	mamori_buf_free(&b);
	mamori_cred_store_free(&s);
}

/* Hand-made files with a valid checksum but broken content: the parser, not the checksum,
 * refuses them, with the line. */
static void
bad_content(void)
{
	static const char *bodies[] = {
	    "mamori-cred 2\n",
	    "mamori-cred 1\nclass huge\n",
	    "mamori-cred 1\nmin-length 4\n",
	    "mamori-cred 1\nrole admin *\naccount Root role=admin hash=- flags=- created=0 changed=0 login=0 expires=0\n",
	    "mamori-cred 1\nrole admin *\naccount a role=nope hash=- flags=- created=0 changed=0 login=0 expires=0\n",
	    "mamori-cred 1\nrole admin *\naccount a role=admin hash=plain flags=- created=0 changed=0 login=0 expires=0\n",
	    "mamori-cred 1\nrole admin *\naccount a role=admin hash=- flags=root created=0 changed=0 login=0 expires=0\n",
	    "mamori-cred 1\nrole admin *\naccount a role=admin hash=- flags=- created=99999999999999999999999 changed=0 login=0 expires=0\n",
	    "mamori-cred 1\nrole admin *\naccount a role=admin hash=- flags=- created=0 changed=0 login=0 expires=0\naccount a role=admin hash=- flags=- created=0 changed=0 login=0 expires=0\n",
	    "mamori-cred 1\nrole admin *\naccount a role=admin hash=- flags=- created=0 changed=0 login=0 expires=0\notp b kind=totp algo=sha1 digits=6 period=30 counter=0 pending=0 secret=GEZDGNBVGY3TQOJQ\n",
	    "mamori-cred 1\nrole admin *\naccount a role=admin hash=- flags=- created=0 changed=0 login=0 expires=0\notp a kind=totp algo=md5 digits=6 period=30 counter=0 pending=0 secret=GEZDGNBVGY3TQOJQ\n",
	    "mamori-cred 1\nrole admin *\naccount a role=admin hash=- flags=- created=0 changed=0 login=0 expires=0\notp a kind=totp algo=sha1 digits=6 period=30 counter=0 pending=0 secret=GEZ\n",
	    "mamori-cred 1\nrole admin *\nthrottle x:y failures=1 last=0 until=0 evaluated=1\n",
	    "mamori-cred 1\nrole admin *\nthrottle u:a failures=1 last=0 until=0 evaluated=1\naccount a role=admin hash=- flags=- created=0 changed=0 login=0 expires=0\n",
	    "mamori-cred 1\nrole admin  *\n",
	    "mamori-cred 1\nrole admin *\naccount a role=admin hash=- flags=- created=0 changed=0 login=0 expires=0\notp a kind=totp algo=sha1 digits=6 period=30 counter=0 pending=0 secret=GEZDGNBVGY3TQOJQ\nrecovery a $argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA\n",
	    "mamori-cred 1\nclass medium\n",
	    "mamori-cred 1\nrole admin *\nbogus line\n",
	};
	struct mamori_cred_store r;
	struct mamori_diag d;

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct mamori_buf b;
		uint8_t h[16];
		char hex[33];
		mamori_buf_init(&b, 65536);
		CHECK_OK(mamori_buf_append(&b, bodies[i], strlen(bodies[i])));
		crypto_generichash_blake2b(h, sizeof(h), b.p, b.len, NULL, 0);
		for (size_t k = 0; k < 16; k++)
			snprintf(hex + 2 * k, 3, "%02x", h[k]);
		CHECK_OK(mamori_buf_printf(&b, "end %s\n", hex));
		mamori_diag_clear(&d);
		CHECK(mamori_cred_store_parse(b.p, b.len, &r, &d) != MAMORI_OK);
		CHECK(strstr(d.msg, "line") != NULL || strstr(d.msg, "role") != NULL);
		if (strstr(d.msg, "line") == NULL && strstr(d.msg, "role") == NULL)
			fprintf(stderr, "case %zu: %s\n", i, d.msg);
		mamori_buf_free(&b);
	}
}

static void
files(void)
{
	char p[256], lock[256];
	struct mamori_cred_store s, r;
	struct mamori_diag d;
	struct stat st;
	int fd;

	path(p, sizeof(p), "accounts");
	small_store(&s);
	CHECK_OK(mamori_cred_store_create(p, &s, NULL));
	CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600);
	mamori_diag_clear(&d);
	CHECK(mamori_cred_store_create(p, &s, &d) == MAMORI_E_PERM); /* never overwritten */
	CHECK(strstr(d.msg, "exists") != NULL);
	mamori_cred_store_free(&s);
	CHECK_OK(mamori_cred_store_open(p, true, &r, NULL));
	CHECK(r.n_accounts == 1);
	r.accounts[0].last_login = T0 + 5;
	CHECK_OK(mamori_cred_store_commit(&r, NULL));
	mamori_cred_store_close(&r);
	CHECK_OK(mamori_cred_store_open(p, false, &r, NULL));
	CHECK(r.accounts[0].last_login == T0 + 5);
	mamori_cred_store_close(&r);
	path(lock, sizeof(lock), "accounts.lock");
	CHECK(stat(lock, &st) == 0 && (st.st_mode & 0777) == 0600);
	/* readable by others: refused */
	CHECK(chmod(p, 0644) == 0);
	mamori_diag_clear(&d);
	CHECK(mamori_cred_store_open(p, false, &r, &d) == MAMORI_E_PERM);
	CHECK(strstr(d.msg, "chmod 600") != NULL);
	CHECK(chmod(p, 0600) == 0);
	/* truncated on disk: refused, never empty */
	CHECK(truncate(p, 40) == 0);
	mamori_diag_clear(&d);
	CHECK(mamori_cred_store_open(p, false, &r, &d) != MAMORI_OK);
	CHECK(d.msg[0] != '\0');
	fd = open(p, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0);
	close(fd);
	mamori_diag_clear(&d);
	CHECK(mamori_cred_store_open(p, false, &r, &d) == MAMORI_E_TRUNCATED);
	path(p, sizeof(p), "missing");
	mamori_diag_clear(&d);
	CHECK(mamori_cred_store_open(p, false, &r, &d) == MAMORI_E_NOTFOUND);
}

/* Two processes, 40 read-modify-write cycles each on one store: no update is lost. */
static void
concurrent_writers(void)
{
	char p[256];
	struct mamori_cred_store s;
	pid_t pids[2];
	int status;

	path(p, sizeof(p), "concurrent");
	mamori_cred_store_defaults(&s);
	s.cls = MAMORI_CRED_CLASS_SMALL;
	CHECK_OK(mamori_cred_store_create(p, &s, NULL));
	mamori_cred_store_free(&s);
	for (int w = 0; w < 2; w++) {
		if ((pids[w] = fork()) == 0) {
			for (int i = 0; i < 40; i++) {
				struct mamori_cred_store t;
				struct mamori_cred_account *a;
				char name[32];
				snprintf(name, sizeof(name), "w%du%d", w, i);
				if (mamori_cred_store_open(p, true, &t, NULL) != MAMORI_OK)
					_exit(1);
				if (mamori_cred_add(&t, name, "viewer", T0, &a, NULL) !=
				        MAMORI_OK ||
				    mamori_cred_store_commit(&t, NULL) != MAMORI_OK)
					_exit(2);
				mamori_cred_store_close(&t);
			}
			_exit(0);
		}
	}
	for (int w = 0; w < 2; w++) {
		CHECK(waitpid(pids[w], &status, 0) == pids[w]);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	CHECK_OK(mamori_cred_store_open(p, false, &s, NULL));
	CHECK(s.n_accounts == 80);
	mamori_cred_store_close(&s);
}

static void
backoff_schedule(void)
{
	CHECK(mamori_cred_backoff_delay(0) == 0);
	CHECK(mamori_cred_backoff_delay(4) == 0);
	CHECK(mamori_cred_backoff_delay(5) == 1);
	CHECK(mamori_cred_backoff_delay(6) == 2);
	CHECK(mamori_cred_backoff_delay(14) == 512);
	CHECK(mamori_cred_backoff_delay(15) == 600);
	CHECK(mamori_cred_backoff_delay(UINT32_MAX) == 600);
	CHECK(mamori_cred_backoff_bound(0) == 5);
	CHECK(mamori_cred_backoff_bound(1) == 6);
	CHECK(mamori_cred_backoff_bound(3600) == 19);
	CHECK(mamori_cred_backoff_bound(86400) == 157); /* 18 by t=2823, then one per 600 s */
}

/* An attacker on an injected clock: guesses as fast as allowed for an hour; the evaluated
 * count never exceeds the bound, the right password still works after the wait (no lock),
 * and a throttled attempt is not evaluated even with the right password. */
static void
backoff_clock(void)
{
	struct mamori_cred_store s;
	struct mamori_cred_result res;
	uint64_t t = T0, evaluated = 0, throttled = 0;

	small_store(&s);
	while (t < T0 + 3600) {
		CHECK_OK(mamori_cred_authenticate(
		    &s, "admin", "192.0.2.66", "guess", 5, NULL, 0, t, &res));
		CHECK(res.verdict != MAMORI_CRED_ACCEPTED);
		if (res.evaluated)
			evaluated++;
		else
			throttled++;
		t += 1;
	}
	CHECK(evaluated <= mamori_cred_backoff_bound(3600));
	CHECK(evaluated >= mamori_cred_backoff_bound(3600) - 1);
	CHECK(throttled > 3000);
	/* the owner, right password, while throttled: not evaluated */
	CHECK_OK(mamori_cred_authenticate(
	    &s, "admin", "198.51.100.7", "Tr0ub4dor&3xyz", 14, NULL, 0, t, &res));
	CHECK(res.verdict == MAMORI_CRED_THROTTLED && !res.evaluated && res.retry_at > t);
	/* after the wait: accepted, and the records are cleared */
	t = res.retry_at;
	CHECK_OK(mamori_cred_authenticate(
	    &s, "admin", "198.51.100.7", "Tr0ub4dor&3xyz", 14, NULL, 0, t, &res));
	CHECK(res.verdict == MAMORI_CRED_ACCEPTED);
	CHECK(res.retry_at == 0 && s.accounts[0].last_login == t);
	mamori_cred_store_free(&s);
}

/* Unknown users get the same verdict, the same why-class and records as wrong passwords. */
static void
unknown_user(void)
{
	struct mamori_cred_store s;
	struct mamori_cred_result r1, r2;

	small_store(&s);
	CHECK_OK(mamori_cred_authenticate(&s, "admin", "a", "nope", 4, NULL, 0, T0, &r1));
	CHECK_OK(mamori_cred_authenticate(&s, "ghost", "b", "nope", 4, NULL, 0, T0, &r2));
	CHECK(r1.verdict == MAMORI_CRED_DENIED && r2.verdict == MAMORI_CRED_DENIED);
	CHECK(r1.evaluated && r2.evaluated);
	CHECK(s.n_throttle == 4); /* u:admin s:a u:ghost s:b */
	for (int i = 0; i < 4; i++)
		CHECK_OK(mamori_cred_authenticate(&s, "ghost", "b", "nope", 4, NULL, 0, T0, &r2));
	CHECK_OK(mamori_cred_authenticate(&s, "ghost", "c", "nope", 4, NULL, 0, T0, &r2));
	CHECK(r2.verdict == MAMORI_CRED_THROTTLED); /* unknown names back off too */
	mamori_cred_store_free(&s);
}

/* A login that succeeds clears the account's record but not the source's (else one valid
 * account would wipe an attacker's backoff); a day without failures starts a record afresh. */
static double
elapsed_ms(struct mamori_cred_store *s, const char *user, const char *src)
{
	struct timespec a, b;
	struct mamori_cred_result res;

	clock_gettime(CLOCK_MONOTONIC, &a);
	CHECK_OK(mamori_cred_authenticate(s, user, src, "not-it", 6, NULL, 0, T0, &res));
	clock_gettime(CLOCK_MONOTONIC, &b);
	CHECK(res.verdict == MAMORI_CRED_DENIED && res.evaluated);
	return (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
}

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* An unknown user costs what a wrong password costs (the dummy verification): the medians of
 * 9 attempts each are within a factor of 2 (without it the ratio would be about 1/1000). A
 * coarse check against a missing dummy, not a side-channel measurement. */
static void
unknown_user_timing(void)
{
	struct mamori_cred_store s;
	double known[9], unknown[9], ratio;
	char src[32];

	small_store(&s);
	for (int i = 0; i < 9; i++) {
		snprintf(src, sizeof(src), "10.0.%d.1", i); /* fresh sources: never throttled */
		known[i] = elapsed_ms(&s, "admin", src);
		snprintf(src, sizeof(src), "10.1.%d.1", i);
		unknown[i] = elapsed_ms(&s, i % 2 ? "ghost" : "nobody-at-all", src);
		s.n_throttle = 0; /* keep u: records from backing off */
	}
	qsort(known, 9, sizeof(double), cmp_double);
	qsort(unknown, 9, sizeof(double), cmp_double);
	ratio = unknown[4] / known[4];
	CHECK(ratio > 0.5 && ratio < 2.0);
	if (!(ratio > 0.5 && ratio < 2.0))
		fprintf(stderr, "median known %.2f ms, unknown %.2f ms\n", known[4], unknown[4]);
	mamori_cred_store_free(&s);
}

static void
source_record_kept(void)
{
	struct mamori_cred_store s;
	struct mamori_cred_result res;
	uint64_t t = T0;

	small_store(&s);
	for (int i = 0; i < 5; i++)
		CHECK_OK(
		    mamori_cred_authenticate(&s, "root", "192.0.2.66", "x", 1, NULL, 0, t, &res));
	CHECK_OK(mamori_cred_authenticate(
	    &s, "admin", "192.0.2.66", "Tr0ub4dor&3xyz", 14, NULL, 0, t + 1, &res));
	CHECK(res.verdict == MAMORI_CRED_ACCEPTED);
	CHECK_OK(mamori_cred_authenticate(&s, "root", "192.0.2.66", "x", 1, NULL, 0, t + 1, &res));
	CHECK(res.evaluated); /* the 6th failure of the source */
	CHECK_OK(mamori_cred_authenticate(&s, "ghost", "192.0.2.66", "x", 1, NULL, 0, t + 2, &res));
	CHECK(res.verdict == MAMORI_CRED_THROTTLED); /* waits 2 s after failure 6 */
	/* a day later, the count starts again */
	t += 2 * 86400u;
	CHECK_OK(mamori_cred_authenticate(&s, "root", "192.0.2.66", "x", 1, NULL, 0, t, &res));
	CHECK(res.evaluated && s.n_throttle >= 1);
	for (size_t i = 0; i < s.n_throttle; i++)
		if (strcmp(s.throttle[i].key, "s:192.0.2.66") == 0)
			CHECK(s.throttle[i].failures == 1 && s.throttle[i].evaluated == 1);
	mamori_cred_store_free(&s);
}

static void
legacy_upgrade(void)
{
	struct mamori_cred_store s;
	struct mamori_cred_account *a;
	struct mamori_cred_result res;
	static const char *prefixes[] = {"$6$", "$5$", "$y$", "$1$"};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		char salt[CRYPT_GENSALT_OUTPUT_SIZE];
		struct crypt_data cd;
		const char *h;
		CHECK(crypt_gensalt_rn(prefixes[i], 0, NULL, 0, salt, sizeof(salt)) != NULL);
		memset(&cd, 0, sizeof(cd));
		h = crypt_r("Legacy-pass-42", salt, &cd);
		CHECK(h != NULL && h[0] == '$');
		mamori_cred_store_defaults(&s);
		s.cls = MAMORI_CRED_CLASS_SMALL;
		CHECK_OK(mamori_cred_add(&s, "old", "admin", T0, &a, NULL));
		snprintf(a->hash, sizeof(a->hash), "%s", h);
		a->flags = 0;
		CHECK(mamori_cred_hash_needs_rehash(a->hash, s.cls));
		CHECK_OK(mamori_cred_authenticate(
		    &s, "old", NULL, "Legacy-pass-43", 14, NULL, 0, T0, &res));
		CHECK(res.verdict == MAMORI_CRED_DENIED && !res.upgraded);
		CHECK_OK(mamori_cred_authenticate(
		    &s, "old", NULL, "Legacy-pass-42", 14, NULL, 0, T0, &res));
		CHECK(res.verdict == MAMORI_CRED_ACCEPTED && res.upgraded);
		CHECK(strncmp(s.accounts[0].hash, "$argon2id$v=19$m=9216,t=4,p=1$", 30) == 0);
		CHECK_OK(mamori_cred_authenticate(
		    &s, "old", NULL, "Legacy-pass-42", 14, NULL, 0, T0, &res));
		CHECK(res.verdict == MAMORI_CRED_ACCEPTED && !res.upgraded);
		mamori_cred_store_free(&s);
	}
	/* a cost other than the store's class is upgraded too */
	small_store(&s);
	s.cls = MAMORI_CRED_CLASS_MEDIUM;
	CHECK(mamori_cred_hash_needs_rehash(s.accounts[0].hash, s.cls));
	CHECK_OK(
	    mamori_cred_authenticate(&s, "admin", NULL, "Tr0ub4dor&3xyz", 14, NULL, 0, T0, &res));
	CHECK(res.upgraded && strstr(s.accounts[0].hash, "m=19456,t=2") != NULL);
	mamori_cred_store_free(&s);
}

/* Must-change, first use, disabled, expired, roles. */
static void
account_states(void)
{
	struct mamori_cred_store s;
	struct mamori_cred_account *a;
	struct mamori_cred_result res;

	small_store(&s);
	CHECK(mamori_cred_account_ok(&s, "admin", "shell", T0) == MAMORI_CRED_ACCT_OK);
	CHECK_OK(mamori_cred_add(&s, "view", "viewer", T0, &a, NULL));
	CHECK(mamori_cred_account_ok(&s, "view", NULL, T0) == MAMORI_CRED_ACCT_MUST_CHANGE);
	/* no password: refused, unless first use is allowed, and then only for the change */
	CHECK_OK(mamori_cred_authenticate(&s, "view", NULL, "", 0, NULL, 0, T0, &res));
	CHECK(res.verdict == MAMORI_CRED_DENIED);
	CHECK_OK(mamori_cred_authenticate(
	    &s, "view", NULL, "", 0, NULL, MAMORI_CRED_AUTH_FIRST_USE, T0, &res));
	CHECK(res.verdict == MAMORI_CRED_ACCEPTED && res.must_change);
	CHECK_OK(mamori_cred_set_password(
	    &s, mamori_cred_find(&s, "view"), "Quiet-Harbor-77", 15, NULL, false, T0, NULL));
	CHECK(mamori_cred_account_ok(&s, "view", "login", T0) == MAMORI_CRED_ACCT_OK);
	CHECK(mamori_cred_account_ok(&s, "view", "shell", T0) == MAMORI_CRED_ACCT_NO_PERMISSION);
	a = mamori_cred_find(&s, "view");
	a->flags |= MAMORI_CRED_F_DISABLED;
	CHECK(mamori_cred_account_ok(&s, "view", NULL, T0) == MAMORI_CRED_ACCT_DISABLED);
	CHECK_OK(
	    mamori_cred_authenticate(&s, "view", NULL, "Quiet-Harbor-77", 15, NULL, 0, T0, &res));
	CHECK(res.verdict == MAMORI_CRED_DENIED);
	a->flags &= ~MAMORI_CRED_F_DISABLED;
	a->expires = T0 + 10;
	CHECK(mamori_cred_account_ok(&s, "view", NULL, T0 + 10) == MAMORI_CRED_ACCT_EXPIRED);
	CHECK_OK(mamori_cred_authenticate(
	    &s, "view", NULL, "Quiet-Harbor-77", 15, NULL, 0, T0 + 11, &res));
	CHECK(res.verdict == MAMORI_CRED_DENIED);
	CHECK(mamori_cred_account_ok(&s, "nobody", NULL, T0) == MAMORI_CRED_ACCT_UNKNOWN);
	mamori_cred_store_free(&s);
}

static void
second_factor(void)
{
	struct mamori_cred_store s;
	struct mamori_cred_account *a;
	struct mamori_cred_result res;
	char codes[MAMORI_CRED_RECOVERY_N][MAMORI_CRED_RECOVERY_LEN + 1];
	char code[16];
	uint32_t c;

	small_store(&s);
	a = mamori_cred_find(&s, "admin");
	CHECK_OK(mamori_cred_otp_enroll(&s, a, MAMORI_OTP_TOTP, MAMORI_OTP_SHA1, 6, 30, codes));
	CHECK(a->otp.pending && a->otp.secret_len == 20);
	CHECK(strlen(codes[0]) == 29 && codes[0][4] == '-' && codes[0][24] == '-');
	CHECK(a->n_recovery == 10 && strncmp(a->recovery[0], "$b2$", 4) == 0);
	CHECK(strcmp(codes[0], codes[1]) != 0);
	CHECK(!mamori_cred_wants_code(&s, "admin")); /* pending: not asked yet */
	a->otp.pending = false;
	CHECK(mamori_cred_wants_code(&s, "admin"));
	CHECK(!mamori_cred_wants_code(&s, "ghost"));
	/* password alone: denied */
	CHECK_OK(
	    mamori_cred_authenticate(&s, "admin", NULL, "Tr0ub4dor&3xyz", 14, NULL, 0, T0, &res));
	CHECK(res.verdict == MAMORI_CRED_DENIED);
	CHECK_OK(mamori_totp(a->otp.secret, a->otp.secret_len, MAMORI_OTP_SHA1, T0, 30, 6, &c));
	snprintf(code, sizeof(code), "%06u", (unsigned)c);
	CHECK_OK(
	    mamori_cred_authenticate(&s, "admin", NULL, "Tr0ub4dor&3xyz", 14, code, 0, T0, &res));
	CHECK(res.verdict == MAMORI_CRED_ACCEPTED && !res.recovery_used);
	/* replay: refused */
	CHECK_OK(mamori_cred_authenticate(
	    &s, "admin", NULL, "Tr0ub4dor&3xyz", 14, code, 0, T0 + 1, &res));
	CHECK(res.verdict == MAMORI_CRED_DENIED);
	/* a recovery code works once, with any case and dashes */
	for (char *p = codes[3]; *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	CHECK_OK(mamori_cred_authenticate(
	    &s, "admin", NULL, "Tr0ub4dor&3xyz", 14, codes[3], 0, T0 + 2, &res));
	CHECK(res.verdict == MAMORI_CRED_ACCEPTED && res.recovery_used && res.recovery_left == 9);
	CHECK_OK(mamori_cred_authenticate(
	    &s, "admin", NULL, "Tr0ub4dor&3xyz", 14, codes[3], 0, T0 + 3, &res));
	CHECK(res.verdict == MAMORI_CRED_DENIED);
	CHECK_OK(mamori_cred_authenticate(
	    &s, "admin", NULL, "Tr0ub4dor&3xyz", 14, "abcd-efgh-ijkl-mnop", 0, T0 + 4, &res));
	CHECK(res.verdict == MAMORI_CRED_DENIED); /* 16 symbols: not a recovery code */
	/* a right code with a wrong password: denied */
	CHECK_OK(
	    mamori_totp(a->otp.secret, a->otp.secret_len, MAMORI_OTP_SHA1, T0 + 60, 30, 6, &c));
	snprintf(code, sizeof(code), "%06u", (unsigned)c);
	CHECK_OK(mamori_cred_authenticate(&s, "admin", NULL, "wrong", 5, code, 0, T0 + 60, &res));
	CHECK(res.verdict == MAMORI_CRED_DENIED);
	mamori_cred_store_free(&s);
}

static void
provisioning(void)
{
	static const uint8_t secret[32] = "0123456789abcdef0123456789abcdef";
	char p1[MAMORI_CRED_PROVISION_LEN + 1], p2[MAMORI_CRED_PROVISION_LEN + 1];
	char p3[MAMORI_CRED_PROVISION_LEN + 1];

	CHECK_OK(mamori_cred_provision_password(secret, sizeof(secret), "SN0042", "admin", p1));
	CHECK_OK(mamori_cred_provision_password(secret, sizeof(secret), "SN0042", "admin", p2));
	CHECK(strcmp(p1, p2) == 0); /* reproducible: the label can be reprinted */
	CHECK(strlen(p1) == 19 && p1[4] == '-' && p1[9] == '-' && p1[14] == '-');
	CHECK(strpbrk(p1, "01ilo") == NULL);
	CHECK_OK(mamori_cred_provision_password(secret, sizeof(secret), "SN0043", "admin", p3));
	CHECK(strcmp(p1, p3) != 0); /* unique per device */
	CHECK_OK(mamori_cred_provision_password(secret, sizeof(secret), "SN0042", "root", p3));
	CHECK(strcmp(p1, p3) != 0);
	CHECK(mamori_cred_provision_password(secret, 8, "SN0042", "admin", p3) == MAMORI_E_INVAL);
}

static void
check_issues(void)
{
	struct mamori_cred_store s;
	struct mamori_cred_account *a;
	struct mamori_cred_issue *is;
	size_t n;
	bool no2fa = false, must = false, unused = false, weak = false;

	small_store(&s);
	s.cls = MAMORI_CRED_CLASS_MEDIUM; /* the admin's small-class hash is now too weak */
	CHECK_OK(mamori_cred_add(&s, "fresh", "operator", T0, &a, NULL));
	CHECK_OK(mamori_cred_check(&s, T0 + 100u * 86400u, &is, &n));
	for (size_t i = 0; i < n; i++) {
		no2fa |=
		    strcmp(is[i].id, "cred.admin-no-2fa") == 0 && strcmp(is[i].user, "admin") == 0;
		must |=
		    strcmp(is[i].id, "cred.no-password") == 0 && strcmp(is[i].user, "fresh") == 0;
		unused |= strcmp(is[i].id, "cred.unused") == 0;
		weak |= strcmp(is[i].id, "cred.weak-hash") == 0;
	}
	CHECK(no2fa && must && unused && weak);
	free(is);
	mamori_cred_find(&s, "admin")->flags |= MAMORI_CRED_F_DISABLED;
	CHECK_OK(mamori_cred_check(&s, T0, &is, &n));
	CHECK(n > 0 && strcmp(is[n - 1].id, "cred.no-admin") == 0);
	free(is);
	mamori_cred_store_free(&s);
}

static void
hash_kinds(void)
{
	char h[MAMORI_CRED_HASH_MAX];
	bool ok;

	CHECK_OK(mamori_cred_hash("pw", 2, MAMORI_CRED_CLASS_SMALL, h));
	CHECK(strcmp(mamori_cred_hash_kind(h), "argon2id") == 0);
	CHECK(!mamori_cred_hash_needs_rehash(h, MAMORI_CRED_CLASS_SMALL));
	CHECK_OK(mamori_cred_hash_verify(h, "pw", 2, &ok));
	CHECK(ok);
	CHECK_OK(mamori_cred_hash_verify(h, "pW", 2, &ok));
	CHECK(!ok);
	CHECK(mamori_cred_hash_verify("!", "pw", 2, &ok) == MAMORI_E_UNSUPPORTED);
	CHECK(mamori_cred_hash_verify("*", "", 0, &ok) == MAMORI_E_UNSUPPORTED);
	CHECK(strcmp(mamori_cred_hash_kind("$6$abc$def"), "sha512crypt") == 0);
	CHECK(strcmp(mamori_cred_hash_kind("abcdefghijklm"), "descrypt") == 0);
}

int
main(void)
{
	static const struct check_case cases[] = {
	    CHECK_CASE(hash_kinds),
	    CHECK_CASE(roundtrip),
	    CHECK_CASE(fails_closed),
	    CHECK_CASE(bad_content),
	    CHECK_CASE(files),
	    CHECK_CASE(concurrent_writers),
	    CHECK_CASE(backoff_schedule),
	    CHECK_CASE(backoff_clock),
	    CHECK_CASE(unknown_user),
	    CHECK_CASE(source_record_kept),
	    CHECK_CASE(unknown_user_timing),
	    CHECK_CASE(legacy_upgrade),
	    CHECK_CASE(account_states),
	    CHECK_CASE(second_factor),
	    CHECK_CASE(provisioning),
	    CHECK_CASE(check_issues),
	};
	int rc;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	rc = check_run("test_cred", cases, sizeof(cases) / sizeof(cases[0]));
	{
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			rc = 1;
	}
	return rc;
}
