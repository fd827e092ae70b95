/* SPDX-License-Identifier: MIT */
/* The Telnet session follower. The input is a sequence of chunks: one control byte c (bit 0:
 * 1 = from the client; c >> 1, plus 1: the chunk length), then the chunk's bytes. */
#include <stdint.h>
#include <string.h>

#include "mamori/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_event(void *arg, const struct mamori_telnet_event *ev)
{
	size_t *count = arg;

	/* every string handed out is NUL-terminated within its documented cap */
	if (ev->user == NULL || ev->pass == NULL ||
	    strnlen(ev->user, MAMORI_TELNET_FIELD_MAX + 1) > MAMORI_TELNET_FIELD_MAX ||
	    strnlen(ev->pass, MAMORI_TELNET_FIELD_MAX + 1) > MAMORI_TELNET_FIELD_MAX)
		__builtin_trap();
	if (ev->kind == MAMORI_TELNET_EV_COMMAND &&
	    (ev->line == NULL || ev->line_len > MAMORI_TELNET_LINE_MAX ||
	        ev->line[ev->line_len] != '\0'))
		__builtin_trap();
	(*count)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mamori_telnet t;
	size_t off = 0, events = 0, logins_max;

	mamori_telnet_init(&t, check_event, &events);
	while (off < size) {
		uint8_t c = data[off++];
		size_t len = (size_t)(c >> 1) + 1;

		if (len > size - off)
			len = size - off;
		mamori_telnet_feed(&t, (c & 1) != 0, data + off, len);
		off += len;
	}
	mamori_telnet_end(&t);
	/* the password is gone once the session ends */
	for (size_t i = 0; i < sizeof(t.pass); i++)
		if (t.pass[i] != 0)
			__builtin_trap();
	/* each line yields at most one event, plus one attempt reported at the end */
	logins_max = size + 1;
	if (events > logins_max)
		__builtin_trap();
	return 0;
}
