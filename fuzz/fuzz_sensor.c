/* SPDX-License-Identifier: MIT */
/* The whole sensor engine: the input is a sequence of frames, each
 *   [link selector (1)] [time step in ms (1)] [length (2, big-endian)] [frame bytes]
 * fed to a sensor whose tables are tiny (so eviction, expiry and stream limits run all the
 * time), then finished, with every alert rendered as EVE and text and the timeline and
 * statistics rendered too. Run from the repository root (it loads data/). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/sensor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int links[] = {1, 101, 113, 276, 228, 229, 0, 12};

static void
on_alert(void *arg, const struct mamori_alert *a)
{
	struct mamori_buf b;

	(void)arg;
	mamori_buf_init(&b, 1u << 20);
	if (mamori_alert_eve(a, &b) != MAMORI_OK || mamori_alert_text(a, &b) != MAMORI_OK)
		abort(); /* an alert always renders */
	mamori_buf_free(&b);
}

static void
on_block(void *arg, const struct mamori_ip *src, const struct mamori_alert *a)
{
	(void)arg;
	(void)src;
	(void)a;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *sets[][2] = {
	    {"max_flows", "64"},
	    {"max_hosts", "64"},
	    {"max_streams", "16"},
	    {"max_alerts", "16"},
	    {"max_timeline", "16"},
	    {"ddos_pps", "10"},
	    {"http_flood_rps", "2"},
	    {"dns_flood_qps", "3"},
	    {"scan_hosts", "3"},
	    {"bruteforce_attempts", "1"},
	    {"ssh_attempts", "2"},
	    {"alert_window", "2"},
	    {"flow_timeout", "3"},
	    {"embryonic_timeout", "1"},
	    {"data_dir", "data"},
	};
	struct mamori_sensor_config c;
	struct mamori_sensor *s;
	struct mamori_sensor_stats st;
	struct mamori_buf b;
	struct mamori_diag d;
	uint64_t ts = 1700000000ull * 1000000u;
	size_t off = 0;

	mamori_sensor_config_default(&c);
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		if (mamori_sensor_config_set(&c, sets[i][0], sets[i][1], &d) != MAMORI_OK)
			abort();
	if (mamori_sensor_new(&c, on_alert, NULL, &s, &d) != MAMORI_OK)
		abort(); /* run from the repository root, where data/ is */
	mamori_sensor_set_block(s, on_block, NULL);
	while (size - off >= 4) {
		struct mamori_cap_rec r;
		size_t len = (size_t)data[off + 2] << 8 | data[off + 3];

		r.linktype = links[data[off] & 7];
		ts += (uint64_t)data[off + 1] * 1000u;
		off += 4;
		if (len > size - off)
			len = size - off;
		r.ts_us = ts;
		r.data = data + off;
		r.caplen = (uint32_t)len;
		r.wirelen = (uint32_t)len + (data[off - 4] & 0x80 ? 100u : 0u); /* sometimes cut */
		r.off = off;
		mamori_sensor_packet(s, 0, &r);
		off += len;
	}
	mamori_sensor_finish(s);
	mamori_sensor_get_stats(s, &st);
	mamori_buf_init(&b, 16u << 20);
	if (mamori_sensor_timeline(s, true, &b) != MAMORI_OK ||
	    mamori_sensor_timeline(s, false, &b) != MAMORI_OK ||
	    mamori_sensor_stats_format(&st, true, &b) != MAMORI_OK)
		abort();
	mamori_buf_free(&b);
	mamori_sensor_free(s);
	return 0;
}
