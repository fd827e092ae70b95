/* SPDX-License-Identifier: MIT */
/* The vulnerability-database import (NVD CVE JSON 2.0, OSV, gzip) into a private in-memory
 * database, then a match of a few versions against whatever was imported. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/vulndb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const probes[][2] = {
	    {"dnsmasq", "2.45"}, {"openssl", "0.9.8g"}, {"busybox", "1.14.1"}, {"x", "1.0rc1"}};
	struct mamori_vulndb *db = NULL;
	struct mamori_vulndb_stats st;
	struct mamori_diag d;

	if (size > ((size_t)1 << 20))
		return 0;
	if (mamori_vulndb_open(":memory:", true, &db, &d) != MAMORI_OK)
		return 0;
	memset(&d, 0, sizeof(d));
	if (mamori_vulndb_import(db, "fuzz.json", data, size, &st, &d) == MAMORI_OK) {
		for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
			struct mamori_vuln *v = NULL;
			size_t n = 0;

			if (mamori_vulndb_match(db, probes[i][0], probes[i][1], &v, &n, &d) ==
			    MAMORI_OK)
				free(v);
		}
	}
	mamori_vulndb_close(db);
	/* the version order on the input itself, split in two at the first NUL */
	if (size > 0 && memchr(data, 0, size) != NULL && data[size - 1] == 0) {
		const char *a = (const char *)data;
		size_t la = strlen(a);

		if (la + 1 < size)
			(void)mamori_version_cmp(a, a + la + 1);
	}
	return 0;
}
