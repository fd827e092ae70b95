/* SPDX-License-Identifier: MIT */
/* DNS header + first question parser. */
#include <stdint.h>
#include <string.h>

#include "mamori/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mamori_dns_msg m;
	struct mamori_diag d;

	if (mamori_dns_parse(data, size, &m, &d) == MAMORI_OK) {
		/* the dotted text of a name of at most 255 wire bytes has at most 253 bytes */
		if (m.qname_len > MAMORI_DNS_NAME_MAX - 2 || strlen(m.qname) != m.qname_len ||
		    m.first_label_len > 63 || (m.nlabels == 0) != (m.qname_len == 0))
			__builtin_trap();
		for (size_t i = 0; i < m.qname_len; i++) {
			char c = m.qname[i];

			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			        c == '_' || c == '.' || c == '?'))
				__builtin_trap();
		}
	} else if (d.off > size) {
		__builtin_trap();
	}
	return 0;
}
