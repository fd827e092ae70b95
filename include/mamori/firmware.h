/* SPDX-License-Identifier: MIT */
/* The firmware audit as one call: read the image (or a directory), unpack it into an in-memory
 * tree, run every check, fill a report. The same checks run on a live root file system
 * (`audit device`, `agent check`), which is why they take a tree and not an image. */
#ifndef MAMORI_FIRMWARE_H
#define MAMORI_FIRMWARE_H

#include <stddef.h>
#include <stdint.h>

#include "mamori/err.h"
#include "mamori/finding.h"
#include "mamori/fstree.h"
#include "mamori/unpack.h"

#define MAMORI_FW_IMAGE_MAX ((size_t)2 << 30) /* bytes of an image read into memory */

/* Progress of an audit, for a terminal: the stage ("reading", "hashing", "unpacking",
 * "accounts", "vulnerabilities", ...), then bytes (or items) done of total, 0 when unknown.
 * Called on the auditing thread, often; the callee throttles. */
typedef void (*mamori_fw_progress_fn)(void *ctx, const char *stage, uint64_t done, uint64_t total);

struct mamori_fw_opts {
	const char *data_dir;           /* credential dictionaries (data/credentials) */
	const char *const *creds_files; /* more user:password files */
	size_t ncreds_files;
	const char *vulndb; /* the vulnerability database; NULL: mamori_vulndb_default_path() */
	struct mamori_fs_limits limits; /* the unpacked tree */
	struct mamori_unpack_opts unpack;
	size_t max_image;
	mamori_fw_progress_fn progress; /* may be NULL */
	void *progress_ctx;
};

void mamori_fw_opts_default(struct mamori_fw_opts *o);

/* Audits path (an image file, or a directory holding a root file system) into r: target kind,
 * path and SHA-256 of the image, findings, components. MAMORI_E_NOTFOUND when the image holds
 * no Linux file system (r then has a container.unknown finding and d says what was seen);
 * other errors for an unreadable input or a limit reached (d says which). */
MAMORI_MUST_CHECK mamori_err mamori_fw_audit(const char *path, const struct mamori_fw_opts *o,
    struct mamori_report *r, struct mamori_unpack_log *log, struct mamori_diag *d);

/* Every check over an already unpacked tree (what audit firmware runs after unpacking). */
MAMORI_MUST_CHECK mamori_err mamori_fw_check_tree(const struct mamori_fstree *t,
    const struct mamori_fw_opts *o, struct mamori_report *r, struct mamori_diag *d);

#endif
