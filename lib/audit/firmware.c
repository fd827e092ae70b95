/* SPDX-License-Identifier: MIT */
/* audit firmware in one call: read, unpack, check (include/mamori/firmware.h). */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mamori/audit.h"
#include "mamori/elf.h"
#include "mamori/firmware.h"
#include "mamori/initsys.h"
#include "mamori/log.h"
#include "mamori/vulndb.h"

#ifndef MAMORI_DATADIR
#define MAMORI_DATADIR "/usr/share/mamori"
#endif

void
mamori_fw_opts_default(struct mamori_fw_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->data_dir = MAMORI_DATADIR;
	mamori_fs_limits_default(&o->limits);
	mamori_unpack_opts_default(&o->unpack);
	o->max_image = MAMORI_FW_IMAGE_MAX;
}

static char *
dupstr(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

/* component.vulnerable: the components found, against the vulnerability database. No database
 * is not an error (the audit still has much to say) but is said out loud. */
static mamori_err
check_vulndb(const struct mamori_fw_opts *o, struct mamori_report *r, struct mamori_diag *d)
{
	const char *path = mamori_vulndb_default_path(o->vulndb);
	struct mamori_vulndb *db = NULL;
	mamori_err e;

	if (r->nc == 0)
		return MAMORI_OK;
	e = mamori_vulndb_open(path, false, &db, d);
	if (e == MAMORI_E_NOTFOUND) {
		mamori_diag_clear(d);
		mamori_log(MAMORI_LOG_WARN,
		    "no vulnerability database at %s: component versions were not matched against "
		    "known vulnerabilities (mamori vulndb import FILE...)",
		    path);
		return MAMORI_OK;
	}
	if (e == MAMORI_OK)
		e = mamori_check_vulnerable(db, r, d);
	mamori_vulndb_close(db);
	return e;
}

static void
stage(const struct mamori_fw_opts *o, const char *what, uint64_t done, uint64_t total)
{
	if (o->progress != NULL)
		o->progress(o->progress_ctx, what, done, total);
}

mamori_err
mamori_fw_check_tree(const struct mamori_fstree *t, const struct mamori_fw_opts *o,
    struct mamori_report *r, struct mamori_diag *d)
{
	static const char *const names[] = {"accounts", "credentials", "keys", "services",
	    "file system", "binaries", "components", "vulnerabilities"};
	const uint64_t nchecks = sizeof(names) / sizeof(names[0]);
	struct mamori_audit_creds *creds = NULL;
	mamori_err e;

	e = mamori_audit_creds_load(o->data_dir, o->creds_files, o->ncreds_files, &creds, d);
	if (e != MAMORI_OK)
		return e;
	for (uint64_t i = 0; e == MAMORI_OK && i < nchecks; i++) {
		stage(o, names[i], i, nchecks);
		switch (i) {
		case 0:
			e = mamori_check_accounts(t, creds, r, d);
			if (e == MAMORI_OK)
				e = mamori_check_credstore(t, creds, r, d);
			break;
		case 1:
			e = mamori_check_credentials(t, r, d);
			break;
		case 2:
			e = mamori_check_keys(t, r, d);
			break;
		case 3:
			e = mamori_check_services(t, r, d);
			break;
		case 4:
			e = mamori_check_fs(t, r, d);
			break;
		case 5:
			e = mamori_check_binaries(t, r, d);
			break;
		case 6:
			e = mamori_check_components(t, r, d);
			break;
		default:
			e = check_vulndb(o, r, d);
			break;
		}
	}
	stage(o, "done", nchecks, nchecks);
	mamori_audit_creds_free(creds);
	if (e == MAMORI_OK)
		mamori_report_sort(r);
	return e;
}

static mamori_err
check_and_free(struct mamori_fstree *t, const struct mamori_fw_opts *o, struct mamori_report *r,
    struct mamori_diag *d)
{
	mamori_err e = mamori_fw_check_tree(t, o, r, d);

	mamori_fstree_free(t);
	return e;
}

mamori_err
mamori_fw_audit(const char *path, const struct mamori_fw_opts *o, struct mamori_report *r,
    struct mamori_unpack_log *log, struct mamori_diag *d)
{
	struct mamori_fstree *t = NULL;
	struct mamori_fs_limits lim = o->limits;
	struct mamori_buf img;
	struct stat st;
	mamori_err e, found;
	uint8_t hash[EVP_MAX_MD_SIZE];
	unsigned int hlen = 0;

	mamori_buf_init(&img, o->max_image);
	if (stat(path, &st) != 0)
		return mamori_diag_set(d, MAMORI_E_IO, 0, 0, "cannot open: %s", strerror(errno));
	r->target_path = dupstr(path);
	if (r->target_path == NULL)
		return MAMORI_E_NOMEM;
	if (S_ISDIR(st.st_mode)) {
		r->target_kind = dupstr("directory");
		if (r->target_kind == NULL)
			return MAMORI_E_NOMEM;
		stage(o, "reading", 0, 0);
		e = mamori_fstree_from_dir(path, &lim, &t, d);
		if (e != MAMORI_OK)
			return e;
		/* the log is informational: a full log loses the line, not the audit */
		if (mamori_buf_printf(&log->text, "directory %s: %zu files\n", path,
		        mamori_fstree_count(t)) != MAMORI_OK)
			log->errors += 0;
		log->filesystems = 1;
		return check_and_free(t, o, r, d);
	}
	r->target_kind = dupstr("firmware");
	if (r->target_kind == NULL)
		return MAMORI_E_NOMEM;
	stage(o, "reading", 0, (uint64_t)st.st_size);
	e = mamori_read_file(path, &img);
	if (e != MAMORI_OK) {
		mamori_buf_free(&img);
		return mamori_diag_set(d, e, 0, 0, "%s",
		    e == MAMORI_E_TOOBIG ? "image larger than the 2 GiB that are read into memory"
		                         : strerror(errno));
	}
	stage(o, "hashing", 0, img.len);
	/* OpenSSL's SHA-256 uses the CPU's SHA extensions: hashing is not the slow part of an
	 * audit (libsodium's portable code took more than half of a 190 MB image's audit) */
	if (EVP_Digest(img.p, img.len, hash, &hlen, EVP_sha256(), NULL) != 1 || hlen != 32) {
		mamori_buf_free(&img);
		return mamori_diag_set(d, MAMORI_E_NOMEM, 0, 0, "SHA-256 of the image failed");
	}
	for (unsigned i = 0; i < 32; i++)
		(void)snprintf(r->target_sha256 + (size_t)2 * i, 3, "%02x", hash[i]);
	lim.input_bytes = img.len;
	e = mamori_fstree_new(&lim, &t);
	if (e != MAMORI_OK) {
		mamori_buf_free(&img);
		return e;
	}
	stage(o, "unpacking", 0, img.len);
	{
		struct mamori_unpack_opts uo = o->unpack;

		uo.progress = o->progress;
		uo.progress_ctx = o->progress_ctx;
		found = mamori_unpack(img.p, img.len, &uo, t, log, d);
	}
	mamori_buf_free(&img);
	if (found == MAMORI_E_NOTFOUND) {
		struct mamori_diag keep = *d;

		mamori_fstree_free(t);
		e = mamori_report_add(r, "container.unknown", -1, NULL, 0, 0, d->msg);
		*d = keep;
		return e == MAMORI_OK ? MAMORI_E_NOTFOUND : e;
	}
	if (found != MAMORI_OK) {
		mamori_fstree_free(t);
		return found;
	}
	if (log->hostile_names > 0) {
		char ev[128];

		(void)snprintf(ev, sizeof(ev),
		    "%zu archive member name%s absolute or with '..'; re-rooted inside the image",
		    log->hostile_names, log->hostile_names == 1 ? " was" : "s were");
		e = mamori_report_add(r, "fs.hostile-name", -1, NULL, 0, 0, ev);
		if (e != MAMORI_OK) {
			mamori_fstree_free(t);
			return e;
		}
	}
	return check_and_free(t, o, r, d);
}
