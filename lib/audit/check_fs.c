/* SPDX-License-Identifier: MIT */
/* File-system checks over the tree: fs.world-writable (one summary per image), fs.setuid (one
 * per file), update.unverified (heuristics over shell scripts: fetch + flash, no signature
 * check; and over updater programs: writes MTD, no signature-check symbol) and
 * data.plaintext-personal (SQLite files whose schema names personal data, read from the schema text
 * in the file: no SQLite library). */
#define _GNU_SOURCE /* memmem */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/initsys.h"

#define WW_LIST_MAX 24 /* paths named in the world-writable summary */

static void app(char *buf, size_t cap, const char *fmt, ...) MAMORI_PRINTF(3, 4);

static void
app(char *buf, size_t cap, const char *fmt, ...)
{
	size_t n = strnlen(buf, cap);
	va_list ap;

	if (n + 1 >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, cap - n, fmt, ap);
	va_end(ap);
}

static bool
below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static mamori_err
world_writable(const struct mamori_fstree *t, struct mamori_report *r)
{
	size_t n = mamori_fstree_count(t), count = 0, listed = 0;
	char ev[MAMORI_FINDING_EVIDENCE_MAX] = "";
	const char *first = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct mamori_fs_node *x = mamori_fstree_at(t, i);

		if (x->type != MAMORI_FS_REG && x->type != MAMORI_FS_DIR)
			continue;
		if ((x->mode & 0002) == 0)
			continue;
		if (x->type == MAMORI_FS_DIR && (x->mode & 01000) != 0)
			continue; /* sticky: like /tmp, others cannot remove what is not theirs */
		if (below(x->path, "/tmp") || below(x->path, "/var/tmp") || below(x->path, "/dev"))
			continue;
		if (first == NULL)
			first = x->path;
		count++;
		if (listed < WW_LIST_MAX) {
			app(ev, sizeof(ev), "%s%s %04o%s", listed ? ", " : "", x->path,
			    (unsigned)(x->mode & 07777), x->type == MAMORI_FS_DIR ? " dir" : "");
			listed++;
		}
	}
	if (count == 0)
		return MAMORI_OK;
	{
		char head[MAMORI_FINDING_EVIDENCE_MAX];

		snprintf(head, sizeof(head),
		    "%zu world-writable file(s)/dir(s) outside /tmp, "
		    "/var/tmp and /dev: %s%s",
		    count, ev, count > listed ? ", ..." : "");
		return mamori_report_add(r, "fs.world-writable", -1, first, 0, 0, head);
	}
}

static mamori_err
setuid_files(const struct mamori_fstree *t, struct mamori_report *r)
{
	size_t n = mamori_fstree_count(t), count = 0;
	mamori_err ret = MAMORI_OK;

	for (size_t i = 0; i < n && ret == MAMORI_OK; i++) {
		const struct mamori_fs_node *x = mamori_fstree_at(t, i);

		if (x->type != MAMORI_FS_REG || (x->mode & 06000) == 0)
			continue;
		count++;
		if (count <= MAMORI_CHECK_SETUID_MAX)
			ret = mamori_report_addf(r, "fs.setuid", -1, x->path, 0,
			    "%s%s mode %04o owner %u:%u", (x->mode & 04000) ? "setuid" : "",
			    (x->mode & 06000) == 06000 ? "+setgid"
			                               : ((x->mode & 04000) ? "" : "setgid"),
			    (unsigned)(x->mode & 07777), (unsigned)x->uid, (unsigned)x->gid);
	}
	if (ret == MAMORI_OK && count > MAMORI_CHECK_SETUID_MAX)
		ret = mamori_report_addf(r, "fs.setuid", -1, NULL, 0,
		    "%zu more set-id files not listed (limit %u)", count - MAMORI_CHECK_SETUID_MAX,
		    MAMORI_CHECK_SETUID_MAX);
	return ret;
}

/* ---- update.unverified ---- */

static bool
has_arg(const struct mamori_sh_cmd *c, const char *a)
{
	for (size_t i = 1; i < c->argc; i++)
		if (strcmp(c->argv[i], a) == 0)
			return true;
	return false;
}

static bool
arg_prefix(const struct mamori_sh_cmd *c, const char *pre)
{
	for (size_t i = 1; i < c->argc; i++)
		if (strncmp(c->argv[i], pre, strlen(pre)) == 0)
			return true;
	return false;
}

/* The command's program, past "busybox". */
static const char *
prog(const struct mamori_sh_cmd *c, size_t *k)
{
	*k = 0;
	if (strcmp(mamori_init_basename(c->argv[0]), "busybox") == 0 && c->argc > 1)
		*k = 1;
	return mamori_init_basename(c->argv[*k]);
}

static bool
is_fetch(const struct mamori_sh_cmd *c)
{
	size_t k;
	const char *b = prog(c, &k);

	return strcmp(b, "wget") == 0 || strcmp(b, "curl") == 0 || strcmp(b, "tftp") == 0 ||
	       strcmp(b, "ftpget") == 0 || strcmp(b, "uclient-fetch") == 0;
}

static bool
is_flash(const struct mamori_sh_cmd *c)
{
	size_t k;
	const char *b = prog(c, &k);

	if (strcmp(b, "mtd") == 0)
		return has_arg(c, "write");
	if (strcmp(b, "dd") == 0)
		return arg_prefix(c, "of=/dev/mtd");
	return strcmp(b, "mtd_write") == 0 || strcmp(b, "flashcp") == 0 ||
	       strcmp(b, "sysupgrade") == 0 || strcmp(b, "fw_upgrade") == 0 ||
	       strcmp(b, "nandwrite") == 0;
}

static bool
is_verify(const struct mamori_sh_cmd *c)
{
	size_t k;
	const char *b = prog(c, &k);

	if (strcmp(b, "openssl") == 0)
		return (has_arg(c, "dgst") && (has_arg(c, "-verify") || has_arg(c, "-signature") ||
		                                  has_arg(c, "-prverify"))) ||
		       has_arg(c, "pkeyutl") || has_arg(c, "rsautl") ||
		       (has_arg(c, "smime") && has_arg(c, "-verify")) ||
		       (has_arg(c, "cms") && has_arg(c, "-verify"));
	if (strcmp(b, "gpg") == 0 || strcmp(b, "gpg2") == 0)
		return has_arg(c, "--verify");
	return strcmp(b, "usign") == 0 || strcmp(b, "signify") == 0 ||
	       strcmp(b, "signify-openbsd") == 0 || strcmp(b, "gpgv") == 0 ||
	       strcmp(b, "rsa_verify") == 0 || strcmp(b, "ucert") == 0 ||
	       strcmp(b, "minisign") == 0;
}

static mamori_err
update_scripts(const struct mamori_fstree *t, struct mamori_report *r)
{
	size_t n = mamori_fstree_count(t);
	mamori_err ret = MAMORI_OK;

	for (size_t i = 0; i < n && ret == MAMORI_OK; i++) {
		const struct mamori_fs_node *x = mamori_fstree_at(t, i);
		struct mamori_sh_script sh;
		const struct mamori_sh_cmd *fetch = NULL, *flash = NULL;
		bool verify = false;
		size_t k;

		if (x->type != MAMORI_FS_REG || x->data == NULL || x->size < 2 ||
		    x->size > MAMORI_CHECK_SCRIPT_MAX)
			continue;
		/* shell scripts only: "#!" naming a shell */
		if (x->data[0] != '#' || x->data[1] != '!')
			continue;
		k = x->size < 128 ? (size_t)x->size : 128;
		{
			const uint8_t *nl = memchr(x->data, '\n', k);
			size_t hl = nl != NULL ? (size_t)(nl - x->data) : k;
			char head[129];

			memcpy(head, x->data, hl);
			head[hl] = '\0';
			if (strstr(head, "sh") == NULL || strstr(head, "lua") != NULL ||
			    strstr(head, "php") != NULL)
				continue;
		}
		if (mamori_sh_parse(x->data, (size_t)x->size, NULL, NULL, &sh, NULL) != MAMORI_OK)
			continue;
		for (size_t c = 0; c < sh.ncmd; c++) {
			if (fetch == NULL && is_fetch(&sh.cmd[c]))
				fetch = &sh.cmd[c];
			if (flash == NULL && is_flash(&sh.cmd[c]))
				flash = &sh.cmd[c];
			if (is_verify(&sh.cmd[c]))
				verify = true;
		}
		if (fetch != NULL && flash != NULL && !verify)
			ret = mamori_report_addf(r, "update.unverified", -1, x->path, flash->line,
			    "heuristic: the script fetches an image (%s, line %u) and flashes it "
			    "(%s, line %u) with no signature verification command (openssl dgst "
			    "-verify, usign, signify, gpg --verify, rsa_verify) anywhere in it",
			    fetch->text, fetch->line, flash->text, flash->line);
		mamori_sh_free(&sh);
	}
	return ret;
}

/* Programs that flash firmware: an ELF file reached under an updater's name (fwupdater,
 * fw_upgrade, sysupgrade, *flash*, ...; often a symlink into a multi-call binary) that writes
 * an MTD device and holds none of the names of a public-key signature check. A heuristic over
 * the bytes: what the program links or embeds, not what it executes. */
#define UPDATE_PROGRAMS_MAX 8u                   /* update.unverified findings for programs */
#define UPDATE_PROGRAM_MAX  ((uint64_t)32 << 20) /* bytes of an ELF file searched */

static const char *const updater_words[] = {
    "fwupd", "fw_up", "fwup", "upgrade", "update", "flash", "firmware", NULL};
static const char *const flash_marks[] = {"/dev/mtd", "mtd_write", "MEMERASE", NULL};
static const char *const verify_marks[] = {"RSA_verify", "RSA_public_decrypt", "EVP_DigestVerify",
    "EVP_VerifyFinal", "EVP_PKEY_verify", "ECDSA_verify", "ECDSA_do_verify", "mbedtls_pk_verify",
    "mbedtls_rsa_pkcs1_verify", "wc_SignatureVerify", "wc_RsaSSL_Verify", "wc_ecc_verify_hash",
    "crypto_sign_verify_detached", "crypto_sign_open", "ed25519_verify", "uECC_verify",
    "gpgme_op_verify", "usign", "signify", "gpgv", "dgst -verify", NULL};
static const char *const checksum_marks[] = {
    "MD5Init", "MD5_Init", "md5sum", "SHA1_Init", "SHA256_Init", "crc32", "checksum", NULL};

static const char *
mark_in(const uint8_t *p, size_t n, const char *const *marks)
{
	for (size_t i = 0; marks[i] != NULL; i++)
		if (memmem(p, n, marks[i], strlen(marks[i])) != NULL)
			return marks[i];
	return NULL;
}

static bool
updater_name(const char *path)
{
	const char *b = mamori_init_basename(path);
	char low[64];
	size_t i;

	for (i = 0; b[i] != '\0' && i + 1 < sizeof(low); i++)
		low[i] = (char)((b[i] >= 'A' && b[i] <= 'Z') ? b[i] + 32 : b[i]);
	low[i] = '\0';
	for (i = 0; updater_words[i] != NULL; i++)
		if (strstr(low, updater_words[i]) != NULL)
			return true;
	return false;
}

/* The first shell script line that runs name as a command: "PATH line N: text". */
static void
invoker(const struct mamori_fstree *t, const char *name, char *out, size_t cap)
{
	size_t n = mamori_fstree_count(t);

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const struct mamori_fs_node *x = mamori_fstree_at(t, i);
		struct mamori_sh_script sh;

		if (x->type != MAMORI_FS_REG || x->data == NULL || x->size < 2 ||
		    x->size > MAMORI_CHECK_SCRIPT_MAX || x->data[0] != '#' || x->data[1] != '!' ||
		    memmem(x->data, (size_t)x->size, name, strlen(name)) == NULL)
			continue;
		if (mamori_sh_parse(x->data, (size_t)x->size, NULL, NULL, &sh, NULL) != MAMORI_OK)
			continue;
		for (size_t c = 0; c < sh.ncmd; c++) {
			size_t k;

			if (strcmp(prog(&sh.cmd[c], &k), name) == 0) {
				(void)snprintf(out, cap, "; run by %s line %u: %s", x->path,
				    sh.cmd[c].line, sh.cmd[c].text);
				break;
			}
		}
		mamori_sh_free(&sh);
		if (out[0] != '\0')
			return;
	}
}

#define UPDATE_NAMES_MAX 4u /* names of one updater named in the evidence */

struct updater {
	const struct mamori_fs_node *f;
	const char *names[UPDATE_NAMES_MAX];
	size_t nnames;
};

static mamori_err
update_programs(const struct mamori_fstree *t, struct mamori_report *r)
{
	struct updater u[UPDATE_PROGRAMS_MAX];
	size_t n = mamori_fstree_count(t), nu = 0;
	mamori_err ret = MAMORI_OK;

	/* every name under which a flashing program without a signature check is reached */
	for (size_t i = 0; i < n; i++) {
		const struct mamori_fs_node *x = mamori_fstree_at(t, i), *f;
		size_t k;

		if ((x->type != MAMORI_FS_REG && x->type != MAMORI_FS_LNK) ||
		    !updater_name(x->path))
			continue;
		f = x->type == MAMORI_FS_LNK ? mamori_fstree_resolve(t, x->path) : x;
		if (f == NULL || f->type != MAMORI_FS_REG || f->data == NULL || f->size < 4 ||
		    f->size > UPDATE_PROGRAM_MAX ||
		    memcmp(f->data,
		        "\x7f"
		        "ELF",
		        4) != 0)
			continue;
		for (k = 0; k < nu && u[k].f != f; k++)
			;
		if (k == nu) {
			if (nu == UPDATE_PROGRAMS_MAX ||
			    mark_in(f->data, (size_t)f->size, flash_marks) == NULL ||
			    mark_in(f->data, (size_t)f->size, verify_marks) != NULL)
				continue;
			u[nu].f = f;
			u[nu++].nnames = 0;
		}
		if (u[k].nnames < UPDATE_NAMES_MAX)
			u[k].names[u[k].nnames++] = x->path;
	}
	for (size_t k = 0; k < nu && ret == MAMORI_OK; k++) {
		const struct mamori_fs_node *f = u[k].f;
		const char *flash = mark_in(f->data, (size_t)f->size, flash_marks);
		const char *sum = mark_in(f->data, (size_t)f->size, checksum_marks);
		char names[512] = "", via[512] = "", integrity[128] = "";

		for (size_t i = 0; i < u[k].nnames; i++) {
			app(names, sizeof(names), "%s%s", i ? ", " : "", u[k].names[i]);
			if (via[0] == '\0')
				invoker(t, mamori_init_basename(u[k].names[i]), via, sizeof(via));
		}
		if (sum != NULL)
			(void)snprintf(integrity, sizeof(integrity),
			    ", checks images with '%s' (integrity, not authenticity)", sum);
		ret = mamori_report_addf(r, "update.unverified", -1, f->path, 0,
		    "heuristic: the updater program (as %s) writes flash ('%s' in it)%s, and holds "
		    "none of the names of a public-key signature check (RSA_verify, EVP_DigestVerify, "
		    "mbedtls_pk_verify, crypto_sign_verify_detached, usign, ...)%s",
		    names, flash, integrity, via);
	}
	return ret;
}

/* ---- data.plaintext-personal ---- */

static const char *const personal_words[] = {"email", "e_mail", "mail", "phone", "mobile",
    "address", "ssn", "birth", "dob", "passport", "surname", "firstname", "first_name", "lastname",
    "last_name", "fullname", "full_name", "creditcard", "credit_card", "iban", NULL};

static bool
personal_column(const char *col)
{
	if (strcmp(col, "name") == 0 || strcmp(col, "username") == 0)
		return true;
	for (size_t i = 0; personal_words[i] != NULL; i++)
		if (strstr(col, personal_words[i]) != NULL)
			return true;
	return false;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Each "CREATE TABLE name(col type, ...)" in the file's bytes: the table name and the columns
 * that name personal data, appended to ev. */
static size_t
sqlite_schema(const uint8_t *p, size_t len, char *ev, size_t cap)
{
	static const char kw[] = "create table";
	size_t hits = 0;

	for (size_t i = 0; i + sizeof(kw) - 1 < len; i++) {
		size_t j = 0, e, tb;
		char tname[64], col[64];
		size_t tn = 0, cn = 0, depth = 0;
		bool first_word = true, named = false;

		while (j < sizeof(kw) - 1 && lower(p[i + j]) == kw[j])
			j++;
		if (j < sizeof(kw) - 1)
			continue;
		/* the statement runs to the matching ')' (capped: it is printable text) */
		tb = i + j;
		for (e = tb; e < len && e - tb < 4096 && p[e] != '('; e++)
			if (tn < sizeof(tname) - 1 && p[e] != ' ' && p[e] != '"' && p[e] != '`' &&
			    p[e] != '[' && p[e] != ']')
				tname[tn++] = (char)p[e];
		tname[tn] = '\0';
		if (e >= len || p[e] != '(')
			continue;
		for (e++; e < len && e - tb < 8192; e++) {
			uint8_t c = p[e];

			if (c == '(') {
				depth++;
				continue;
			}
			if (c == ')') {
				if (depth == 0)
					break;
				depth--;
				continue;
			}
			if (depth > 0)
				continue;
			if (c == ',') {
				first_word = true;
				cn = 0;
				continue;
			}
			if (c < 0x20 || c > 0x7e)
				break;
			if (!first_word)
				continue;
			if (c == ' ' || c == '"' || c == '`' || c == '[' || c == ']') {
				if (cn > 0) {
					col[cn] = '\0';
					first_word = false;
					if (personal_column(col)) {
						app(ev, cap, "%s%s%s",
						    named ? ", " : (hits ? "; " : ""),
						    named ? "" : tname, named ? "" : ": ");
						app(ev, cap, "%s", col);
						named = true;
						hits++;
					}
				}
				continue;
			}
			if (cn < sizeof(col) - 1)
				col[cn++] = (char)lower(c);
		}
		i = e < len ? e : len - 1;
	}
	return hits;
}

static mamori_err
personal_data(const struct mamori_fstree *t, struct mamori_report *r)
{
	static const uint8_t magic[16] = "SQLite format 3";
	size_t n = mamori_fstree_count(t);
	mamori_err ret = MAMORI_OK;

	for (size_t i = 0; i < n && ret == MAMORI_OK; i++) {
		const struct mamori_fs_node *x = mamori_fstree_at(t, i);
		char cols[MAMORI_FINDING_EVIDENCE_MAX] = "";

		if (x->type != MAMORI_FS_REG || x->data == NULL || x->size < 100 ||
		    memcmp(x->data, magic, sizeof(magic)) != 0)
			continue;
		/* the schema lives in sqlite_master, on the first pages: read at most 1 MiB */
		if (sqlite_schema(x->data, x->size < (1u << 20) ? (size_t)x->size : (1u << 20),
		        cols, sizeof(cols)) == 0)
			continue;
		ret = mamori_report_addf(r, "data.plaintext-personal", -1, x->path, 0,
		    "SQLite database, unencrypted, with columns that name personal data: %s", cols);
	}
	return ret;
}

mamori_err
mamori_check_fs(const struct mamori_fstree *t, struct mamori_report *r, struct mamori_diag *d)
{
	mamori_err ret;

	(void)d;
	ret = world_writable(t, r);
	if (ret == MAMORI_OK)
		ret = setuid_files(t, r);
	if (ret == MAMORI_OK)
		ret = update_scripts(t, r);
	if (ret == MAMORI_OK)
		ret = update_programs(t, r);
	if (ret == MAMORI_OK)
		ret = personal_data(t, r);
	return ret;
}
