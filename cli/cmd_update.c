/* SPDX-License-Identifier: MIT */
/* mamori update: keygen, sign, verify. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cmd.h"
#include "mamori/buf.h"
#include "mamori/json.h"
#include "mamori/update.h"

static const char update_usage[] =
    "usage: mamori update keygen -s SECRET.key -p PUBLIC.pub\n"
    "       mamori update sign -s SECRET.key [-s ...] --compatible NAME --version X.Y.Z\n"
    "                          --counter N [--expires DATE] [--block-size BYTES]\n"
    "                          -o BUNDLE SLOTCLASS=IMAGE [SLOTCLASS=IMAGE...]\n"
    "       mamori update keygen --pkcs11-module SO --token LABEL --key-label LABEL\n"
    "                          [--pin-file FILE] -p PUBLIC.pub\n"
    "       mamori update sign ... --pkcs11-module SO --token LABEL --key-label LABEL\n"
    "                          [--pin-file FILE]    (the key signs inside the token)\n"
    "       mamori update verify -p PUBLIC.pub [-p ...] [--threshold N] [--compatible NAME]\n"
    "                          [--counter MIN] [--json] BUNDLE|-\n"
    "       mamori update install -c CONFIG BUNDLE|URL|-\n"
    "       mamori update check -c CONFIG [--no-jitter]\n"
    "       mamori update status -c CONFIG [--json]\n"
    "       mamori update mark-good -c CONFIG\n"
    "       mamori update boot -c CONFIG     (the boot script's step, for the file backend)\n"
    "\n"
    "Signed OTA update bundles: a manifest (product, version, security counter, expiry, and\n"
    "the SHA-256 of every block, 1 MiB by default, of every payload) signed with Ed25519, then the payloads.\n"
    "A device authenticates the manifest first and then checks each block against it before\n"
    "using it, so nothing unauthenticated is ever written (docs/formats/update-bundle.md).\n"
    "\n"
    "  keygen   a new key pair; the secret file is created 0600 and never overwritten\n"
    "  sign     write BUNDLE; each SLOTCLASS=IMAGE is a payload for that slot class\n"
    "           (rootfs=rootfs.img kernel=uImage); -s more than once signs with several keys\n"
    "  verify   check a bundle all the way through without writing anything\n"
    "  install  verify while writing into the inactive A/B slots, then boot them on trial\n"
    "           (CONFIG: docs/formats/update-config.md); refused bundles change nothing\n"
    "           a URL (http:// or https://) streams through verification into the slot,\n"
    "           resuming a broken download\n"
    "  check    ask the server (config: server) for SERVER/COMPATIBLE/latest, holding\n"
    "           \"COUNTER FILE\"; install FILE when its counter is above this device's\n"
    "  status   active slot, trial and boots left, stored security counter, slot versions\n"
    "  mark-good  commit the slot on trial; without it the device falls back after\n"
    "           max_tries boots\n"
    "  boot     the boot script's step with the file backend: count one boot of the slot on\n"
    "           trial, fall back when its tries are used up, then print the status\n"
    "\n";

/* In two parts: C11 compilers need only support string literals of 4095 bytes. */
static const char update_options[] =
    "options:\n"
    "  -s SECRET.key       keygen: the secret key file to create; sign: a signing key\n"
    "                      (repeat for several signatures)\n"
    "  -p PUBLIC.pub       keygen: the public key file to create; verify: a trusted key\n"
    "                      (repeat for key rotation)\n"
    "  -o BUNDLE           sign: the bundle to write\n"
    "  -c CONFIG           install, check, status, mark-good, boot: the device's configuration\n"
    "  --version X.Y.Z     sign: the version shown to people (the counter decides order)\n"
    "  --block-size BYTES  sign: a power of two from 4 KiB to 16 MiB (default 1 MiB)\n"
    "  --no-jitter         check: ask the server now rather than after the random delay\n"
    "  --pkcs11-module SO, --token LABEL, --key-label LABEL, --pin-file FILE\n"
    "                      keygen and sign inside a PKCS#11 token; the PIN comes from the\n"
    "                      file (mode 0600) or $MAMORI_PKCS11_PIN\n"
    "  --compatible NAME   the product: sign writes it, verify requires it\n"
    "  --counter N         sign: the security counter; verify: refuse anything below N\n"
    "  --expires DATE      YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or @UNIXTIME (UTC)\n"
    "  --threshold N       verify: valid signatures of trusted keys required (default 1)\n"
    "  --json              verify, status: the result as JSON on standard output\n"
    "\n"
    "examples:\n"
    "  mamori update keygen -s release.key -p release.pub\n"
    "  mamori update sign -s release.key --compatible acme-cam-v2 --version 2.1.0 \\\n"
    "      --counter 7 -o cam-2.1.0.mup rootfs=rootfs.squashfs\n"
    "  mamori update verify -p release.pub --compatible acme-cam-v2 cam-2.1.0.mup\n"
    "\n"
    "Exit codes: 0 accepted, 2 usage, 3 I/O or key error; a refused bundle: 10 bad signature,\n"
    "11 unknown key, 12 wrong product, 13 downgrade, 14 expired, 15 truncated or trailing\n"
    "bytes, 16 oversized, 17 corrupt block, 18 malformed, 19 below the signature threshold.\n";

static void
usage(FILE *f)
{
	fputs(update_usage, f);
	fputs(update_options, f);
}

#define EXIT_REFUSED_BASE 9

/* PKCS#11 options shared by keygen and sign. */
struct p11opt {
	const char *module, *token, *label, *pinfile;
};

enum { O_P11_MODULE = 300, O_P11_TOKEN, O_P11_LABEL, O_P11_PIN };

static bool
p11_option(struct p11opt *p, int ch)
{
	switch (ch) {
	case O_P11_MODULE:
		p->module = optarg;
		return true;
	case O_P11_TOKEN:
		p->token = optarg;
		return true;
	case O_P11_LABEL:
		p->label = optarg;
		return true;
	case O_P11_PIN:
		p->pinfile = optarg;
		return true;
	default:
		return false;
	}
}

/* The PIN from --pin-file (a file only its owner can read) or $MAMORI_PKCS11_PIN. */
static bool
p11_pin(const struct p11opt *p, char pin[256])
{
	const char *env = getenv("MAMORI_PKCS11_PIN");
	struct stat st;
	ssize_t n;
	int fd;

	if (p->pinfile == NULL) {
		if (env == NULL || strlen(env) >= 256) {
			cli_err("PKCS#11: give --pin-file FILE or set MAMORI_PKCS11_PIN");
			return false;
		}
		(void)snprintf(pin, 256, "%s", env);
		return true;
	}
	fd = open(p->pinfile, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
		cli_err("--pin-file %s: %s", p->pinfile,
		    fd < 0 ? strerror(errno) : "readable by others (chmod 600 it)");
		if (fd >= 0)
			(void)close(fd);
		return false;
	}
	n = read(fd, pin, 255);
	(void)close(fd);
	if (n <= 0) {
		cli_err("--pin-file %s: empty or unreadable", p->pinfile);
		return false;
	}
	pin[n] = '\0';
	pin[strcspn(pin, "\r\n")] = '\0';
	return true;
}

static bool
p11_complete(const struct p11opt *p, const char *verb)
{
	if (p->module == NULL && p->token == NULL && p->label == NULL)
		return true;
	if (p->module == NULL || p->token == NULL || p->label == NULL) {
		cli_err("update %s: --pkcs11-module, --token and --key-label go together", verb);
		return false;
	}
	return true;
}

static int
do_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"pkcs11-module", required_argument, NULL, O_P11_MODULE},
	    {"token", required_argument, NULL, O_P11_TOKEN},
	    {"key-label", required_argument, NULL, O_P11_LABEL},
	    {"pin-file", required_argument, NULL, O_P11_PIN},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct p11opt p11 = {NULL, NULL, NULL, NULL};
	const char *sec = NULL, *pub = NULL;
	struct mamori_diag d;
	char pin[256];
	mamori_err e;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "s:p:h", opts, NULL)) != -1) {
		if (ch == 's')
			sec = optarg;
		else if (ch == 'p')
			pub = optarg;
		else if (!p11_option(&p11, ch)) {
			usage(ch == 'h' ? stdout : stderr);
			return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (!p11_complete(&p11, "keygen"))
		return EXIT_USAGE;
	if (pub == NULL || optind != argc || (p11.module == NULL) == (sec == NULL)) {
		cli_err("update keygen: -s SECRET.key -p PUBLIC.pub, or --pkcs11-module SO "
		        "--token LABEL --key-label LABEL -p PUBLIC.pub");
		return EXIT_USAGE;
	}
	mamori_diag_clear(&d);
	if (p11.module != NULL) {
		if (!p11_pin(&p11, pin))
			return EXIT_USAGE;
		e = mamori_upd_hsm_keygen(p11.module, p11.token, pin, p11.label, pub, &d);
		sodium_memzero(pin, sizeof(pin));
		if (e != MAMORI_OK) {
			cli_diag("update keygen", e, &d);
			return EXIT_RUNTIME;
		}
		if (!cli_quiet)
			fprintf(stderr,
			    "mamori: generated Ed25519 key '%s' inside token '%s' (it never leaves "
			    "it); wrote %s\n",
			    p11.label, p11.token, pub);
		return EXIT_OK;
	}
	if (mamori_upd_keygen(sec, pub, &d) != MAMORI_OK) {
		cli_diag("update keygen", MAMORI_E_IO, &d);
		return EXIT_RUNTIME;
	}
	if (!cli_quiet)
		fprintf(stderr, "mamori: wrote %s (keep it secret, mode 0600) and %s\n", sec, pub);
	return EXIT_OK;
}

static int
do_sign(int argc, char **argv)
{
	enum { O_COMPAT = 256, O_VERSION, O_COUNTER, O_EXPIRES, O_BLOCK };
	static const struct option opts[] = {
	    {"compatible", required_argument, NULL, O_COMPAT},
	    {"version", required_argument, NULL, O_VERSION},
	    {"counter", required_argument, NULL, O_COUNTER},
	    {"expires", required_argument, NULL, O_EXPIRES},
	    {"block-size", required_argument, NULL, O_BLOCK},
	    {"output", required_argument, NULL, 'o'},
	    {"pkcs11-module", required_argument, NULL, O_P11_MODULE},
	    {"token", required_argument, NULL, O_P11_TOKEN},
	    {"key-label", required_argument, NULL, O_P11_LABEL},
	    {"pin-file", required_argument, NULL, O_P11_PIN},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct mamori_upd_seckey keys[MAMORI_UPD_SIGS_MAX];
	struct mamori_upd_signer signers[MAMORI_UPD_SIGS_MAX];
	struct p11opt p11 = {NULL, NULL, NULL, NULL};
	struct mamori_upd_hsm *hsm = NULL;
	struct mamori_upd_input in[MAMORI_UPD_PAYLOADS_MAX];
	struct mamori_upd_sign_opts o = {NULL, NULL, 0, 0, 0, MAMORI_UPD_BLOCK_DEFAULT};
	const char *keyfiles[MAMORI_UPD_SIGS_MAX], *out = NULL;
	char classes[MAMORI_UPD_PAYLOADS_MAX][MAMORI_UPD_CLASS_MAX + 2];
	size_t nkeys = 0, nin = 0;
	bool have_counter = false;
	struct mamori_diag d;
	mamori_err e;
	int ch, rc = EXIT_OK;
	uint64_t v;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "s:o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (nkeys == MAMORI_UPD_SIGS_MAX) {
				cli_err("update sign: at most %u keys", MAMORI_UPD_SIGS_MAX);
				return EXIT_USAGE;
			}
			keyfiles[nkeys++] = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case O_COMPAT:
			o.compatible = optarg;
			break;
		case O_VERSION:
			o.version = optarg;
			break;
		case O_COUNTER:
			if (!cli_parse_u64(optarg, &o.counter)) {
				cli_err("--counter: '%s' is not a number", optarg);
				return EXIT_USAGE;
			}
			have_counter = true;
			break;
		case O_EXPIRES:
			if (!cli_parse_date(optarg, &o.expires)) {
				cli_err(
				    "--expires: '%s' is not YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or @UNIX",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case O_BLOCK:
			if (!cli_parse_u64(optarg, &v) || v > MAMORI_UPD_BLOCK_MAX) {
				cli_err("--block-size: '%s' is not a number up to 16 MiB", optarg);
				return EXIT_USAGE;
			}
			o.block_size = (uint32_t)v;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			if (p11_option(&p11, ch))
				break;
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!p11_complete(&p11, "sign"))
		return EXIT_USAGE;
	if ((nkeys == 0 && p11.module == NULL) || out == NULL || o.compatible == NULL ||
	    o.version == NULL || !have_counter || optind == argc) {
		cli_err(
		    "update sign: needs -s (or a PKCS#11 key), --compatible, --version, --counter, -o and at least "
		    "one SLOTCLASS=IMAGE");
		return EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');

		if (eq == NULL || eq == argv[i] || eq[1] == '\0' ||
		    (size_t)(eq - argv[i]) > MAMORI_UPD_CLASS_MAX) {
			cli_err("update sign: '%s' is not SLOTCLASS=IMAGE", argv[i]);
			return EXIT_USAGE;
		}
		if (nin == MAMORI_UPD_PAYLOADS_MAX) {
			cli_err("update sign: at most %u payloads", MAMORI_UPD_PAYLOADS_MAX);
			return EXIT_USAGE;
		}
		memcpy(classes[nin], argv[i], (size_t)(eq - argv[i]));
		classes[nin][eq - argv[i]] = '\0';
		in[nin].slot_class = classes[nin];
		in[nin].path = eq + 1;
		nin++;
	}
	o.created = (uint64_t)time(NULL);
	for (size_t k = 0; k < nkeys; k++) {
		mamori_diag_clear(&d);
		e = mamori_upd_load_seckey(keyfiles[k], &keys[k], &d);
		if (e != MAMORI_OK) {
			cli_diag("update sign", e, &d);
			for (size_t j = 0; j < k; j++)
				mamori_upd_seckey_wipe(&keys[j]);
			return EXIT_RUNTIME;
		}
	}
	mamori_diag_clear(&d);
	if (p11.module != NULL) {
		char pin[256];

		if (nkeys == MAMORI_UPD_SIGS_MAX || !p11_pin(&p11, pin)) {
			for (size_t k = 0; k < nkeys; k++)
				mamori_upd_seckey_wipe(&keys[k]);
			return EXIT_USAGE;
		}
		e = mamori_upd_hsm_open(p11.module, p11.token, pin, p11.label, &hsm, &d);
		sodium_memzero(pin, sizeof(pin));
		if (e != MAMORI_OK) {
			cli_diag("update sign", e, &d);
			for (size_t k = 0; k < nkeys; k++)
				mamori_upd_seckey_wipe(&keys[k]);
			return EXIT_RUNTIME;
		}
	}
	for (size_t k = 0; k < nkeys; k++)
		mamori_upd_signer_of(&keys[k], &signers[k]);
	if (hsm != NULL) {
		memcpy(signers[nkeys].id, mamori_upd_hsm_pubkey(hsm)->id, MAMORI_UPD_KEYID_LEN);
		signers[nkeys].sign = mamori_upd_hsm_sign;
		signers[nkeys].ctx = hsm;
	}
	e = mamori_upd_sign_with(&o, signers, nkeys + (hsm != NULL), in, nin, out, &d);
	mamori_upd_hsm_close(hsm);
	for (size_t k = 0; k < nkeys; k++)
		mamori_upd_seckey_wipe(&keys[k]);
	if (e != MAMORI_OK) {
		cli_diag("update sign", e, &d);
		rc = e == MAMORI_E_INVAL ? EXIT_USAGE : EXIT_RUNTIME;
	} else if (!cli_quiet) {
		fprintf(stderr,
		    "mamori: wrote %s: %s %s, counter %llu, %zu payload%s, %zu signature%s\n", out,
		    o.compatible, o.version, (unsigned long long)o.counter, nin,
		    nin == 1 ? "" : "s", nkeys + (p11.module != NULL),
		    nkeys + (p11.module != NULL) == 1 ? "" : "s");
	}
	return rc;
}

static mamori_err
fd_read(void *ctx, uint8_t *buf, size_t len, size_t *got)
{
	int fd = *(int *)ctx;

	*got = 0;
	while (*got < len) {
		ssize_t n = read(fd, buf + *got, len - *got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return MAMORI_E_IO;
		if (n == 0)
			break;
		*got += (size_t)n;
	}
	return MAMORI_OK;
}

/* A bundle from a file or "-" (standard input): its descriptor, or -1 once the error is said. */
static int
open_bundle(const char *verb, const char *src)
{
	int fd = strcmp(src, "-") == 0 ? STDIN_FILENO : open(src, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		cli_err("update %s: %s: %s", verb, src, strerror(errno));
	return fd;
}

static void
close_bundle(int fd)
{
	if (fd != STDIN_FILENO)
		(void)close(fd);
}

/* The exit code of a refused bundle (10..) or a failure (3), with its message; 0 when e is
 * MAMORI_OK. diag_what names the failure ("update install" or the bundle). */
static int
bundle_exit(const char *verb, const char *src, const char *diag_what, mamori_err e,
    const struct mamori_upd_result *res, const struct mamori_diag *d)
{
	if (e == MAMORI_E_BADSIG) {
		cli_err("update %s: %s: %s", verb, src, d->msg);
		return EXIT_REFUSED_BASE + (int)res->refusal;
	}
	if (e != MAMORI_OK) {
		cli_diag(diag_what, e, d);
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

static void
verify_json(const struct mamori_upd_result *res, const struct mamori_diag *d, bool ok)
{
	struct mamori_buf b;
	struct mamori_json j;

	mamori_buf_init(&b, (size_t)1 << 20);
	mamori_json_init(&j, &b);
	mamori_json_obj_begin(&j);
	mamori_json_kstr(&j, "result", ok ? "accepted" : mamori_upd_refusal_name(res->refusal));
	if (!ok)
		mamori_json_kstr(&j, "reason", d->msg);
	if (res->m.block_size != 0) {
		mamori_json_kstr(&j, "compatible", res->m.compatible);
		mamori_json_kstr(&j, "version", res->m.version);
		mamori_json_ku64(&j, "counter", res->m.counter);
		mamori_json_ku64(&j, "expires", res->m.expires);
		mamori_json_ku64(&j, "created", res->m.created);
		mamori_json_ku64(&j, "block_size", res->m.block_size);
		mamori_json_key(&j, "payloads");
		mamori_json_arr_begin(&j);
		for (size_t i = 0; i < res->m.npayloads; i++) {
			mamori_json_obj_begin(&j);
			mamori_json_kstr(&j, "slot_class", res->m.p[i].slot_class);
			mamori_json_ku64(&j, "size", res->m.p[i].size);
			mamori_json_obj_end(&j);
		}
		mamori_json_arr_end(&j);
	}
	mamori_json_key(&j, "signed_by");
	mamori_json_arr_begin(&j);
	for (size_t i = 0; i < res->nsigned; i++)
		mamori_json_str(&j, res->signed_by[i]);
	mamori_json_arr_end(&j);
	mamori_json_ku64(&j, "bytes_read", res->bytes);
	mamori_json_obj_end(&j);
	if (mamori_json_err(&j) == MAMORI_OK && mamori_buf_putc(&b, '\n') == MAMORI_OK)
		(void)fwrite(b.p, 1, b.len, stdout);
	mamori_buf_free(&b);
}

static int
do_verify(int argc, char **argv)
{
	enum { O_COMPAT = 256, O_COUNTER, O_THRESHOLD, O_JSON };
	static const struct option opts[] = {
	    {"compatible", required_argument, NULL, O_COMPAT},
	    {"counter", required_argument, NULL, O_COUNTER},
	    {"threshold", required_argument, NULL, O_THRESHOLD},
	    {"json", no_argument, NULL, O_JSON},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct mamori_upd_pubkey keys[MAMORI_UPD_KEYS_MAX];
	struct mamori_upd_policy pol;
	struct mamori_upd_result res;
	struct mamori_diag d;
	size_t nkeys = 0;
	bool json = false;
	uint64_t v;
	mamori_err e;
	int ch, fd;

	memset(&pol, 0, sizeof(pol));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (nkeys == MAMORI_UPD_KEYS_MAX) {
				cli_err("update verify: at most %u keys", MAMORI_UPD_KEYS_MAX);
				return EXIT_USAGE;
			}
			mamori_diag_clear(&d);
			e = mamori_upd_load_pubkey(optarg, &keys[nkeys], &d);
			if (e != MAMORI_OK) {
				cli_diag("update verify", e, &d);
				return EXIT_RUNTIME;
			}
			nkeys++;
			break;
		case O_COMPAT:
			pol.compatible = optarg;
			break;
		case O_COUNTER:
			if (!cli_parse_u64(optarg, &pol.min_counter)) {
				cli_err("--counter: '%s' is not a number", optarg);
				return EXIT_USAGE;
			}
			break;
		case O_THRESHOLD:
			if (!cli_parse_u64(optarg, &v) || v == 0 || v > MAMORI_UPD_SIGS_MAX) {
				cli_err("--threshold: '%s' is not 1 to %u", optarg,
				    MAMORI_UPD_SIGS_MAX);
				return EXIT_USAGE;
			}
			pol.threshold = (unsigned)v;
			break;
		case O_JSON:
			json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (nkeys == 0 || optind + 1 != argc) {
		cli_err("update verify: -p PUBLIC.pub and one BUNDLE (or - for standard input)");
		return EXIT_USAGE;
	}
	pol.keys = keys;
	pol.nkeys = nkeys;
	pol.now = (uint64_t)time(NULL);
	fd = open_bundle("verify", argv[optind]);
	if (fd < 0)
		return EXIT_RUNTIME;
	e = mamori_upd_verify(fd_read, &fd, &pol, NULL, NULL, NULL, &res, &d);
	close_bundle(fd);
	if (json)
		verify_json(&res, &d, e == MAMORI_OK);
	if (e != MAMORI_OK)
		return bundle_exit("verify", argv[optind], argv[optind], e, &res, &d);
	if (!json && !cli_quiet)
		printf(
		    "%s: accepted: %s %s, counter %llu, %zu payload%s, %llu bytes, signed by %s\n",
		    argv[optind], res.m.compatible, res.m.version,
		    (unsigned long long)res.m.counter, res.m.npayloads,
		    res.m.npayloads == 1 ? "" : "s", (unsigned long long)res.m.payload_bytes,
		    res.signed_by[0]);
	return EXIT_OK;
}

static void
status_print(const struct mamori_upd_status *st, bool json)
{
	if (json) {
		struct mamori_buf b;
		struct mamori_json j;

		mamori_buf_init(&b, (size_t)64 << 10);
		mamori_json_init(&j, &b);
		mamori_json_obj_begin(&j);
		mamori_json_kstr(&j, "active", st->active ? "b" : "a");
		mamori_json_kstr(&j, "good", st->good ? "b" : "a");
		mamori_json_key(&j, "trial");
		mamori_json_bool(&j, st->trial);
		mamori_json_ku64(&j, "tries_left", st->tries);
		mamori_json_ku64(&j, "counter", st->counter);
		mamori_json_key(&j, "slots");
		mamori_json_obj_begin(&j);
		for (int i = 0; i < 2; i++) {
			mamori_json_key(&j, i ? "b" : "a");
			mamori_json_obj_begin(&j);
			mamori_json_key(&j, "valid");
			mamori_json_bool(&j, st->valid[i]);
			mamori_json_kstr(&j, "version", st->version[i]);
			mamori_json_obj_end(&j);
		}
		mamori_json_obj_end(&j);
		mamori_json_obj_end(&j);
		if (mamori_json_err(&j) == MAMORI_OK && mamori_buf_putc(&b, '\n') == MAMORI_OK)
			(void)fwrite(b.p, 1, b.len, stdout);
		mamori_buf_free(&b);
		return;
	}
	printf("active slot %c%s, known good %c, security counter %llu\n", 'a' + st->active,
	    st->trial ? " (on trial)" : "", 'a' + st->good, (unsigned long long)st->counter);
	if (st->trial)
		printf("  %u boot%s left to mark it good before falling back to %c\n", st->tries,
		    st->tries == 1 ? "" : "s", 'a' + st->good);
	for (int i = 0; i < 2; i++)
		printf("  slot %c: %s%s%s\n", 'a' + i,
		    st->valid[i] ? "valid" : "INVALID (incomplete)",
		    st->version[i][0] ? ", version " : "", st->version[i]);
}

/* Installs from a file, standard input ("-") or an http(s) URL; the exit code. */
static int
install_from(const struct mamori_upd_config *c, const char *src)
{
	struct mamori_upd_fetch *f = NULL;
	struct mamori_upd_result res;
	struct mamori_diag d;
	mamori_err e;
	int fd = -1;

	mamori_diag_clear(&d);
	if (strncmp(src, "http://", 7) == 0 || strncmp(src, "https://", 8) == 0) {
		e = mamori_upd_fetch_open(src, c->ca_file, &f, &d);
		if (e != MAMORI_OK) {
			cli_diag("update install", e, &d);
			return EXIT_RUNTIME;
		}
		e = mamori_upd_install(c, mamori_upd_fetch_read, f, (uint64_t)time(NULL), &res, &d);
		if (e == MAMORI_E_IO && mamori_upd_fetch_error(f)[0] != '\0')
			(void)mamori_diag_set(&d, e, 0, 0, "%s", mamori_upd_fetch_error(f));
		if (e == MAMORI_OK && mamori_upd_fetch_resumed(f) > 0 && !cli_quiet)
			fprintf(stderr, "mamori: the download was resumed %u time%s\n",
			    mamori_upd_fetch_resumed(f),
			    mamori_upd_fetch_resumed(f) == 1 ? "" : "s");
		mamori_upd_fetch_close(f);
	} else {
		fd = open_bundle("install", src);
		if (fd < 0)
			return EXIT_RUNTIME;
		e = mamori_upd_install(c, fd_read, &fd, (uint64_t)time(NULL), &res, &d);
		close_bundle(fd);
	}
	if (e != MAMORI_OK)
		return bundle_exit("install", src, "update install", e, &res, &d);
	if (!cli_quiet)
		fprintf(stderr,
		    "mamori: installed %s %s (counter %llu) into the inactive slot; it boots next, "
		    "on trial: run 'mamori update mark-good' once it works\n",
		    res.m.compatible, res.m.version, (unsigned long long)res.m.counter);
	return EXIT_OK;
}

/* Automatic update: SERVER/COMPATIBLE/latest holds "COUNTER NAME"; a counter above the stored
 * one installs SERVER/COMPATIBLE/NAME. The pointer is untrusted: only the bundle's signed
 * manifest decides what is installed (its expiry bounds a server that stops offering
 * updates). */
static int
check(const struct mamori_upd_config *c, bool nojitter)
{
	char url[MAMORI_UPD_URL_MAX * 2], text[256], name[128];
	struct mamori_upd_status st;
	struct mamori_diag d;
	unsigned long long counter;
	size_t base;
	int n = 0;

	if (c->server[0] == '\0') {
		cli_err("update check: no 'server' in [update] of the configuration");
		return EXIT_USAGE;
	}
	if (!nojitter && c->jitter > 0) {
		uint32_t wait = randombytes_uniform(c->jitter);

		if (!cli_quiet)
			fprintf(stderr, "mamori: waiting %u s (jitter) before asking the server\n",
			    wait);
		(void)sleep(wait);
	}
	mamori_diag_clear(&d);
	if (mamori_upd_status_read(c, &st, &d) != MAMORI_OK) {
		cli_diag("update check", MAMORI_E_IO, &d);
		return EXIT_RUNTIME;
	}
	base = strlen(c->server);
	(void)snprintf(url, sizeof(url), "%s%s%s/latest", c->server,
	    base > 0 && c->server[base - 1] == '/' ? "" : "/", c->compatible);
	if (mamori_upd_fetch_small(url, c->ca_file, text, sizeof(text), &d) != MAMORI_OK) {
		cli_diag("update check", MAMORI_E_IO, &d);
		return EXIT_RUNTIME;
	}
	if (sscanf(text, "%20llu %127[A-Za-z0-9._-]%n", &counter, name, &n) != 2 ||
	    (text[n] != '\0' && text[n] != '\n') || strstr(name, "..") != NULL) {
		cli_err("update check: %s: expected one line \"COUNTER FILENAME\"", url);
		return EXIT_RUNTIME;
	}
	if (counter <= st.counter) {
		if (!cli_quiet)
			printf("up to date: the server offers counter %llu, this device has %llu\n",
			    counter, (unsigned long long)st.counter);
		return EXIT_OK;
	}
	(void)snprintf(url, sizeof(url), "%s%s%s/%s", c->server,
	    base > 0 && c->server[base - 1] == '/' ? "" : "/", c->compatible, name);
	if (!cli_quiet)
		fprintf(stderr, "mamori: the server offers counter %llu (this device: %llu): %s\n",
		    counter, (unsigned long long)st.counter, url);
	return install_from(c, url);
}

/* install, status, mark-good, boot, check: the device side, all with -c CONFIG. */
static int
do_device(const char *verb, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},
	    {"no-jitter", no_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct mamori_upd_config *c;
	struct mamori_upd_status st;
	struct mamori_diag d;
	const char *cfg = NULL;
	bool json = false, nojitter = false, install = strcmp(verb, "install") == 0;
	mamori_err e;
	int ch, rc = EXIT_OK;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (ch == 'c') {
			cfg = optarg;
		} else if (ch == 'j') {
			json = true;
		} else if (ch == 'n') {
			nojitter = true;
		} else {
			usage(ch == 'h' ? stdout : stderr);
			return ch == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (cfg == NULL || optind != argc - (install ? 1 : 0)) {
		cli_err("update %s: -c CONFIG%s", verb, install ? " and one BUNDLE (or -)" : "");
		return EXIT_USAGE;
	}
	c = malloc(sizeof(*c));
	if (c == NULL)
		return EXIT_RUNTIME;
	mamori_diag_clear(&d);
	e = mamori_upd_config_load(cfg, c, &d);
	if (e != MAMORI_OK) {
		cli_diag("update", e, &d);
		free(c);
		return EXIT_RUNTIME;
	}
	if (install) {
		rc = install_from(c, argv[optind]);
	} else if (strcmp(verb, "check") == 0) {
		rc = check(c, nojitter);
	} else {
		if (strcmp(verb, "status") == 0)
			e = mamori_upd_status_read(c, &st, &d);
		else if (strcmp(verb, "mark-good") == 0)
			e = mamori_upd_mark_good(c, &st, &d);
		else
			e = mamori_upd_boot(c, &st, &d);
		if (e != MAMORI_OK) {
			cli_diag("update", e, &d);
			rc = EXIT_RUNTIME;
		} else {
			if (st.fell_back && !cli_quiet)
				fprintf(stderr,
				    "mamori: the slot on trial was never marked good: "
				    "fell back to slot %c\n",
				    'a' + st.active);
			status_print(&st, json);
		}
	}
	free(c);
	return rc;
}

int
cmd_update(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (strcmp(argv[1], "keygen") == 0)
		return do_keygen(argc - 1, argv + 1);
	if (strcmp(argv[1], "sign") == 0)
		return do_sign(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return do_verify(argc - 1, argv + 1);
	if (strcmp(argv[1], "install") == 0 || strcmp(argv[1], "status") == 0 ||
	    strcmp(argv[1], "mark-good") == 0 || strcmp(argv[1], "boot") == 0 ||
	    strcmp(argv[1], "check") == 0)
		return do_device(argv[1], argc - 1, argv + 1);
	cli_err("update: unknown action '%s' (keygen, sign, verify, install, check, status, "
	        "mark-good, boot)",
	    argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
