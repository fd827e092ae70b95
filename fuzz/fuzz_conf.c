/* SPDX-License-Identifier: MIT */
/* The INI-subset config parser with a callback that accepts every key. */
#include <stdint.h>

#include "mamori/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mamori_err
accept_all(
    void *arg, const char *section, const char *key, const char *value, struct mamori_diag *d)
{
	uint64_t v;
	bool b;

	(void)arg;
	(void)section;
	(void)key;
	(void)d;
	(void)mamori_conf_u64(value, 0, UINT64_MAX, &v);
	(void)mamori_conf_bool(value, &b);
	return MAMORI_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mamori_conf_parser c;
	struct mamori_diag d;

	mamori_conf_init(&c, accept_all, NULL);
	(void)mamori_conf_parse(&c, data, size, &d);
	return 0;
}
