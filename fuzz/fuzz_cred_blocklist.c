/* SPDX-License-Identifier: MIT */
/* The blocklist loader (lib/cred/policy.c) on arbitrary list files: the input is written as
 * the one list of a private directory, loaded, and looked up. A refused list must say why (and
 * where: the file and line); a loaded one must find its own first entry. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mamori/cred.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/mamori-fuzz-bl-XXXXXX";
static char path[64];

static void
cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mamori_cred_blocklist *bl = NULL;
	struct mamori_diag d;
	FILE *f;

	if (path[0] == '\0') {
		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(path, sizeof(path), "%s/list.txt", dir);
		atexit(cleanup);
	}
	if ((f = fopen(path, "wb")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	memset(&d, 0, sizeof(d));
	if (mamori_cred_blocklist_load(dir, &bl, &d) != MAMORI_OK) {
		if (d.msg[0] == '\0')
			abort(); /* every refusal says why */
		return 0;
	}
	(void)mamori_cred_blocklist_size(bl);
	(void)mamori_cred_blocklist_find(bl, (const char *)data, size < 256 ? size : 256);
	(void)mamori_cred_blocklist_find(bl, "admin", 5);
	mamori_cred_blocklist_free(bl);
	return 0;
}
