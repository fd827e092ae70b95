/* SPDX-License-Identifier: MIT */
/* The signature scan and recursive carving over arbitrary bytes, with small budgets so that
 * bombs and deep nesting are cut quickly. */
#include <stdint.h>
#include <stdlib.h>

#include "mamori/fstree.h"
#include "mamori/unpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mamori_fs_limits l;
	struct mamori_unpack_opts o;
	struct mamori_unpack_log log;
	struct mamori_fstree *t;
	struct mamori_diag d;
	mamori_err e;

	mamori_fs_limits_default(&l);
	l.max_bytes = (uint64_t)16 << 20;
	l.max_files = 4096;
	mamori_unpack_opts_default(&o);
	o.blob_budget = (uint64_t)8 << 20;
	if (mamori_fstree_new(&l, &t) != MAMORI_OK)
		abort();
	mamori_unpack_log_init(&log);
	e = mamori_unpack(data, size, &o, t, &log, &d);
	if (e == MAMORI_OK && log.filesystems == 0)
		abort(); /* success means a file system was read */
	mamori_unpack_log_free(&log);
	mamori_fstree_free(t);
	return 0;
}
