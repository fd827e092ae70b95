/* SPDX-License-Identifier: MIT */
/* File-system checks over the tree: fs.world-writable (one summary per image), fs.setuid (one
 * per file), update.unverified (a heuristic over shell scripts: fetch + flash, no signature
 * check) and data.plaintext-personal (SQLite files whose schema names personal data, read from
 * the schema text in the file: no SQLite library). */
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
		ret = personal_data(t, r);
	return ret;
}
