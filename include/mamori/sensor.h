/* SPDX-License-Identifier: MIT */
/* The gateway sensor: decodes frames, tracks flows and hosts under hard memory caps, runs a
 * detector for every stage of the Mirai kill chain, aggregates alerts per source, target and
 * window, and keeps a per-device kill-chain timeline. The library never prints: alerts go to a
 * callback, and formatting functions render them as EVE JSON or text into a buffer. */
#ifndef MAMORI_SENSOR_H
#define MAMORI_SENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/buf.h"
#include "mamori/capfile.h"
#include "mamori/err.h"
#include "mamori/ip.h"

/* Hard limits on configuration values (docs/formats/sensor-config.md lists them). */
#define MAMORI_SENSOR_MAX_WORKERS  64
#define MAMORI_SENSOR_FLOWS_MAX    ((uint64_t)16 * 1024 * 1024) /* max_flows upper bound */
#define MAMORI_SENSOR_HOSTS_MAX    ((uint64_t)4 * 1024 * 1024)
#define MAMORI_SENSOR_STREAMS_MAX  ((uint64_t)1024 * 1024)
#define MAMORI_SENSOR_ALERTS_MAX   ((uint64_t)1024 * 1024) /* open aggregated alerts */
#define MAMORI_SENSOR_TIMELINE_MAX ((uint64_t)1024 * 1024) /* hosts in the timeline */
#define MAMORI_SENSOR_PORTS_MAX    64                      /* ports in one port list */
#define MAMORI_SENSOR_PATH_MAX     1024
#define MAMORI_STREAM_HEAD_MAX     8192  /* bytes kept per direction for HTTP/report/C&C */
#define MAMORI_STREAM_OOO_MAX      16384 /* out-of-order bytes held per direction */
#define MAMORI_ALERT_ITEMS_MAX     16    /* distinct evidence items kept per alert */
#define MAMORI_ALERT_ITEM_LEN      160   /* bytes per evidence item */
#define MAMORI_TIMELINE_PEERS_MAX  8     /* peers listed per stage */

enum mamori_stage {
	MAMORI_STAGE_SCAN = 0,
	MAMORI_STAGE_BRUTEFORCE,
	MAMORI_STAGE_INFECTION,
	MAMORI_STAGE_DOWNLOAD,
	MAMORI_STAGE_EXPLOIT,
	MAMORI_STAGE_REPORT,
	MAMORI_STAGE_C2,
	MAMORI_STAGE_DDOS,
	MAMORI_STAGE_COUNT
};

const char *mamori_stage_name(enum mamori_stage s);

struct mamori_portset {
	uint16_t v[MAMORI_SENSOR_PORTS_MAX];
	size_t n;
};

/* Configuration: defaults from mamori_sensor_config_default(), then a file, then flags. */
struct mamori_sensor_config {
	struct mamori_cidrset home_net;          /* "any" by default: every host gets a timeline */
	char data_dir[MAMORI_SENSOR_PATH_MAX];   /* credential lists and exploit rules */
	char rules_file[MAMORI_SENSOR_PATH_MAX]; /* "" = <data_dir>/sensor/exploit.rules */
	char creds_files[4][MAMORI_SENSOR_PATH_MAX]; /* extra dictionaries (user:pass lines) */
	size_t ncreds_files;
	unsigned workers;      /* per-worker tables; live capture sets this */
	uint32_t max_flows;    /* per worker */
	uint32_t max_hosts;    /* per worker */
	uint32_t max_streams;  /* per worker: TCP flows whose payload is inspected */
	uint32_t max_alerts;   /* open aggregated alerts */
	uint32_t max_timeline; /* hosts kept in the kill-chain timeline */
	uint32_t flow_timeout; /* seconds without packets before a flow expires */
	uint32_t tcp_closed_timeout;
	uint32_t embryonic_timeout; /* seconds for a flow whose responder never answered */
	uint32_t host_timeout;
	uint32_t alert_window; /* seconds: one aggregated alert per source, target, window */
	uint32_t scan_window;  /* seconds */
	uint32_t scan_hosts;   /* distinct destinations on scan ports that make a scan */
	struct mamori_portset scan_ports;
	struct mamori_portset telnet_ports;
	struct mamori_portset report_ports;
	uint32_t bruteforce_attempts; /* login attempts per source/target/window */
	uint32_t ssh_attempts;        /* SSH connections per source/target/window */
	uint32_t ddos_pps;            /* packets per second per target and vector */
	uint32_t http_flood_rps;      /* HTTP requests per second per source and target */
	uint32_t dns_flood_qps;       /* queries per second under one domain from one source */
	struct mamori_cidrset public_resolvers;
	bool detect_resolvers; /* report home hosts that query public resolvers (low) */
};

void mamori_sensor_config_default(struct mamori_sensor_config *c);
/* Reads a config file (docs/formats/sensor-config.md); unknown sections and keys are errors.
 * d gets the line and byte offset. */
MAMORI_MUST_CHECK mamori_err mamori_sensor_config_load(
    struct mamori_sensor_config *c, const char *path, struct mamori_diag *d);
/* Parses one "key = value" of the [sensor] section (also used for command-line overrides). */
MAMORI_MUST_CHECK mamori_err mamori_sensor_config_set(
    struct mamori_sensor_config *c, const char *key, const char *value, struct mamori_diag *d);
MAMORI_MUST_CHECK mamori_err mamori_portset_parse(const char *s, struct mamori_portset *out);

/* One aggregated alert, as handed to the alert callback. Pointers valid during the call. */
struct mamori_alert {
	uint32_t sid;
	uint32_t rev;
	const char *signature;
	const char *category;
	unsigned severity; /* 1 high, 2 medium, 3 low */
	enum mamori_stage stage;
	bool has_src, has_dst; /* false: many (e.g. spoofed sources, scan targets) */
	struct mamori_ip src, dst;
	uint16_t sport, dport; /* of the first event */
	uint8_t proto;
	uint64_t flow_id;
	uint64_t first_us, last_us;
	uint64_t count;
	uint64_t distinct_dst; /* estimated distinct destinations (scan) */
	uint64_t distinct_src; /* estimated distinct sources (spoofed floods) */
	const char *items_key; /* name of the evidence list ("credentials", "commands", ...) */
	char items[MAMORI_ALERT_ITEMS_MAX][MAMORI_ALERT_ITEM_LEN]; /* JSON values, pre-rendered */
	size_t nitems;
	uint64_t items_dropped;
	char extra[384]; /* more evidence: JSON members without braces ("\"vector\":\"syn\"") */
	bool blocked;    /* the IPS added the source */
};

typedef void (*mamori_alert_fn)(void *arg, const struct mamori_alert *a);
/* Called (under the sensor's lock) when a high-severity source should be blocked. */
typedef void (*mamori_block_fn)(
    void *arg, const struct mamori_ip *src, const struct mamori_alert *a);

struct mamori_sensor_stats {
	uint64_t packets, bytes, decode_errors, non_ip, fragments, tunneled;
	uint64_t flows, flow_evictions, flow_expired, flows_active_max;
	uint64_t host_evictions, streams, stream_drops, tcp_gaps;
	uint64_t alerts[MAMORI_STAGE_COUNT]; /* aggregated alerts emitted per stage */
	uint64_t events[MAMORI_STAGE_COUNT]; /* detector hits before aggregation */
	uint64_t alerts_dropped;             /* aggregation table full */
};

struct mamori_sensor;

/* Loads the credential dictionaries and exploit rules named by c (d says which file and line
 * failed). */
MAMORI_MUST_CHECK mamori_err mamori_sensor_new(const struct mamori_sensor_config *c,
    mamori_alert_fn on_alert, void *arg, struct mamori_sensor **out, struct mamori_diag *d);
void mamori_sensor_set_block(struct mamori_sensor *s, mamori_block_fn fn, void *arg);
/* One captured frame, on worker w (0 when reading files). Thread-safe across distinct w. */
void mamori_sensor_packet(struct mamori_sensor *s, unsigned w, const struct mamori_cap_rec *rec);
#define MAMORI_SENSOR_BATCH 32 /* frames decoded ahead by mamori_sensor_packets() */

/* The same for n frames in order (all valid during the call): decodes a batch ahead and
 * prefetches the flow-table memory it will touch; several times faster on large tables. */
void mamori_sensor_packets(
    struct mamori_sensor *s, unsigned w, const struct mamori_cap_rec *recs, size_t n);
/* Emits aggregated alerts whose window has passed at time now_us (live mode calls it each
 * second with the wall clock; file mode is driven by packet time). */
void mamori_sensor_tick(struct mamori_sensor *s, uint64_t now_us);
/* End of input: ends open sessions and emits every pending alert. */
void mamori_sensor_finish(struct mamori_sensor *s);
void mamori_sensor_get_stats(struct mamori_sensor *s, struct mamori_sensor_stats *st);
/* The per-device kill-chain timeline as JSON lines ({"event_type":"mamori_timeline",...}) or
 * as a text table, appended to out. */
MAMORI_MUST_CHECK mamori_err mamori_sensor_timeline(
    struct mamori_sensor *s, bool json, struct mamori_buf *out);
MAMORI_MUST_CHECK mamori_err mamori_sensor_stats_format(
    const struct mamori_sensor_stats *st, bool json, struct mamori_buf *out);
void mamori_sensor_free(struct mamori_sensor *s);

/* Renders an alert as one EVE JSON line (with the newline), or one text line. */
MAMORI_MUST_CHECK mamori_err mamori_alert_eve(const struct mamori_alert *a, struct mamori_buf *out);
MAMORI_MUST_CHECK mamori_err mamori_alert_text(
    const struct mamori_alert *a, struct mamori_buf *out);
/* "2016-10-21T11:10:00.123456+0000" */
void mamori_format_time(uint64_t us, char out[40]);

#endif
