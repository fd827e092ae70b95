/* SPDX-License-Identifier: MIT */
/* Credential dictionaries (data/credentials and user files), read the same way by the sensor
 * (flagging default pairs tried on the wire) and the audits (cracking password hashes). */
#ifndef MAMORI_DICT_H
#define MAMORI_DICT_H

#include <stddef.h>

#include "mamori/err.h"

#define MAMORI_DICT_FILE_MAX ((size_t)16 << 20) /* bytes in one dictionary file */

/* Called for every pair; user and pass are not NUL-terminated. A non-OK return stops the read
 * and is returned, with the file and line in the diagnostic. */
typedef mamori_err (*mamori_dict_fn)(
    void *arg, const char *user, size_t ul, const char *pass, size_t pl);

/* Reads one dictionary. Formats by file name: ".tsv" is "user<TAB>password[<TAB>...]" (a
 * "username<TAB>password" header row is skipped); ".csv" is SecLists'
 * "Vendor,Username,Password,Comments" (header row skipped; "<N/A>" passwords skipped);
 * anything else is "user:password" or "user password" lines. "(none)" and "<BLANK>" stand for
 * empty. Blank lines and '#' comments are skipped; CR before LF is ignored. */
MAMORI_MUST_CHECK mamori_err mamori_dict_read(
    const char *path, mamori_dict_fn fn, void *arg, struct mamori_diag *d);

#endif
