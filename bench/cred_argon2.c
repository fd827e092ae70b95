/* SPDX-License-Identifier: MIT */
/* cred_argon2: the hashing half of bench/cred. What one password verification costs on this
 * machine with each of mamori's device classes (Argon2id through mamori_cred_hash_verify) and,
 * beside them, with crypt(3) yescrypt and sha512crypt at libxcrypt's default cost (what
 * pam_unix writes and checks on Debian 12), through the same function (crypt_rn).
 *
 *   cred_argon2 time [RUNS]    one line per scheme, RUNS (30) timed verifications of a wrong
 *                              password after one untimed warm-up:
 *                              "SCHEME KIND median_ms p95_ms min_ms max_ms"
 *   cred_argon2 hash SCHEME    the hash of the password on standard input (one line)
 *   cred_argon2 verify HASH    one verification of the password on standard input against
 *                              HASH ("-": none, the baseline process); prints
 *                              "accepted|denied|none maxrss_before_kib maxrss_after_kib"
 *
 * SCHEME: small, medium, large (mamori_cred_class_params), yescrypt, sha512crypt. p95 is the
 * nearest-rank 95th percentile. Exit 0, 1 on any failure (message on stderr). */
#include <crypt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "mamori/cred.h"

#define RUNS_DEFAULT 30u
#define RUNS_MAX     10000u

static const char *const schemes[] = {"small", "medium", "large", "yescrypt", "sha512crypt"};
#define N_SCHEMES (sizeof(schemes) / sizeof(schemes[0]))

/* The hash of pw with scheme into out; false (with a message) on failure. */
static bool
make_hash(const char *scheme, const char *pw, char out[MAMORI_CRED_HASH_MAX])
{
	enum mamori_cred_class c;
	struct crypt_data *cd;
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *prefix, *r;
	bool good = false;

	if (mamori_cred_class_parse(scheme, &c) == MAMORI_OK) {
		mamori_err e = mamori_cred_hash(pw, strlen(pw), c, out);
		if (e != MAMORI_OK)
			fprintf(stderr, "cred_argon2: hash %s: %s\n", scheme, mamori_strerror(e));
		return e == MAMORI_OK;
	}
	if (strcmp(scheme, "yescrypt") == 0)
		prefix = "$y$";
	else if (strcmp(scheme, "sha512crypt") == 0)
		prefix = "$6$";
	else {
		fprintf(stderr, "cred_argon2: unknown scheme '%s'\n", scheme);
		return false;
	}
	/* count 0: libxcrypt's default cost, as pam_unix and passwd use it */
	if (crypt_gensalt_rn(prefix, 0, NULL, 0, setting, (int)sizeof(setting)) == NULL) {
		fprintf(stderr, "cred_argon2: crypt_gensalt %s failed\n", prefix);
		return false;
	}
	cd = calloc(1, sizeof(*cd));
	if (cd == NULL)
		return false;
	r = crypt_rn(pw, setting, cd, (int)sizeof(*cd));
	if (r != NULL && r[0] != '*' && strlen(r) < MAMORI_CRED_HASH_MAX) {
		memcpy(out, r, strlen(r) + 1);
		good = true;
	} else
		fprintf(stderr, "cred_argon2: crypt %s failed\n", prefix);
	free(cd);
	return good;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
cmd_time(unsigned runs)
{
	static const char pw[] = "Basalt-orchard-7f3a9c";
	static const char guess[] = "Basalt-orchard-7f3a9d";
	char hash[MAMORI_CRED_HASH_MAX];
	double *ms;
	bool ok;

	ms = calloc(runs, sizeof(*ms));
	if (ms == NULL)
		return 1;
	for (size_t s = 0; s < N_SCHEMES; s++) {
		if (!make_hash(schemes[s], pw, hash))
			goto fail;
		/* the right password once (is the hash usable at all?), untimed: also the warm-up
		 */
		if (mamori_cred_hash_verify(hash, pw, strlen(pw), &ok) != MAMORI_OK || !ok) {
			fprintf(stderr, "cred_argon2: %s does not verify its own password\n",
			    schemes[s]);
			goto fail;
		}
		for (unsigned i = 0; i < runs; i++) {
			double t0 = now_ms();
			if (mamori_cred_hash_verify(hash, guess, strlen(guess), &ok) != MAMORI_OK ||
			    ok) {
				fprintf(stderr, "cred_argon2: %s accepted a wrong password\n",
				    schemes[s]);
				goto fail;
			}
			ms[i] = now_ms() - t0;
		}
		qsort(ms, runs, sizeof(*ms), cmp_double);
		double median = runs % 2 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
		size_t rank = (size_t)((95u * runs + 99u) / 100u); /* ceil(0.95 n), nearest rank */
		printf("%s %s %.2f %.2f %.2f %.2f\n", schemes[s], mamori_cred_hash_kind(hash),
		    median, ms[rank - 1], ms[0], ms[runs - 1]);
		fflush(stdout);
	}
	free(ms);
	return 0;
fail:
	free(ms);
	return 1;
}

/* One line from standard input, without its newline, into pw. */
static bool
read_password(char pw[MAMORI_CRED_PASSWORD_MAX + 2])
{
	size_t n;

	if (fgets(pw, MAMORI_CRED_PASSWORD_MAX + 2, stdin) == NULL) {
		fprintf(stderr, "cred_argon2: no password on standard input\n");
		return false;
	}
	n = strcspn(pw, "\n");
	pw[n] = '\0';
	return true;
}

static long
maxrss_kib(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return ru.ru_maxrss; /* Linux: KiB */
}

static int
cmd_verify(const char *hash)
{
	char pw[MAMORI_CRED_PASSWORD_MAX + 2];
	const char *verdict = "none";
	long before, after;
	bool ok = false;

	if (!read_password(pw))
		return 1;
	before = maxrss_kib();
	if (strcmp(hash, "-") != 0) {
		mamori_err e = mamori_cred_hash_verify(hash, pw, strlen(pw), &ok);
		if (e != MAMORI_OK) {
			fprintf(stderr, "cred_argon2: verify: %s\n", mamori_strerror(e));
			return 1;
		}
		verdict = ok ? "accepted" : "denied";
	}
	after = maxrss_kib();
	memset(pw, 0, sizeof(pw));
	printf("%s %ld %ld\n", verdict, before, after);
	return 0;
}

static int
cmd_hash(const char *scheme)
{
	char pw[MAMORI_CRED_PASSWORD_MAX + 2];
	char hash[MAMORI_CRED_HASH_MAX];
	bool good;

	if (!read_password(pw))
		return 1;
	good = make_hash(scheme, pw, hash);
	memset(pw, 0, sizeof(pw));
	if (!good)
		return 1;
	printf("%s\n", hash);
	return 0;
}

static int
usage(void)
{
	fprintf(stderr, "usage: cred_argon2 time [RUNS] | hash SCHEME | verify HASH|-\n"
	                "SCHEME: small medium large yescrypt sha512crypt; passwords on stdin\n");
	return 2;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "time") == 0 && argc <= 3) {
		unsigned long runs = RUNS_DEFAULT;
		if (argc == 3) {
			char *end;
			runs = strtoul(argv[2], &end, 10);
			if (*end != '\0' || runs < 1 || runs > RUNS_MAX)
				return usage();
		}
		return cmd_time((unsigned)runs);
	}
	if (argc == 3 && strcmp(argv[1], "hash") == 0)
		return cmd_hash(argv[2]);
	if (argc == 3 && strcmp(argv[1], "verify") == 0)
		return cmd_verify(argv[2]);
	return usage();
}
