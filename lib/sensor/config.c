/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/conf.h"
#include "mamori/sensor.h"

#ifndef MAMORI_DATADIR
#define MAMORI_DATADIR "/usr/share/mamori"
#endif

/* Public resolvers a device has no reason to query directly when its gateway resolves for
 * it; Mirai's resolver picks among 8.8.8.8, 74.82.42.42, 64.6.64.6 and 4.2.2.2
 * (bot/resolv.c). */
#define DEFAULT_RESOLVERS                                                                          \
	"8.8.8.8,8.8.4.4,1.1.1.1,1.0.0.1,9.9.9.9,149.112.112.112,208.67.222.222,208.67.220.220,"   \
	"64.6.64.6,64.6.65.6,74.82.42.42,4.2.2.2,4.2.2.1,2001:4860:4860::8888,"                    \
	"2001:4860:4860::8844,2606:4700:4700::1111,2606:4700:4700::1001,2620:fe::fe"

mamori_err
mamori_portset_parse(const char *s, struct mamori_portset *out)
{
	struct mamori_portset ps = {.n = 0};
	const char *p = s;

	while (*p != '\0') {
		char *end;
		unsigned long v;

		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		if (*p < '0' || *p > '9')
			return MAMORI_E_MALFORMED;
		v = strtoul(p, &end, 10);
		if (v == 0 || v > 65535)
			return MAMORI_E_MALFORMED;
		if (ps.n >= MAMORI_SENSOR_PORTS_MAX)
			return MAMORI_E_TOOBIG;
		ps.v[ps.n++] = (uint16_t)v;
		p = end;
		if (*p != '\0' && *p != ',' && *p != ' ')
			return MAMORI_E_MALFORMED;
	}
	if (ps.n == 0)
		return MAMORI_E_MALFORMED;
	*out = ps;
	return MAMORI_OK;
}

/* The built-in defaults are constants known to parse; a failure would be a bug caught by
 * test_sensor, which checks the defaults. */
static void
must(mamori_err e)
{
	(void)e;
}

void
mamori_sensor_config_default(struct mamori_sensor_config *c)
{
	struct mamori_diag d;

	memset(c, 0, sizeof(*c));
	must(mamori_cidrset_parse("any", &c->home_net, &d));
	(void)snprintf(c->data_dir, sizeof(c->data_dir), "%s", MAMORI_DATADIR);
	c->workers = 1;
	c->max_flows = 131072;
	c->max_hosts = 32768;
	c->max_streams = 4096;
	c->max_alerts = 4096;
	c->max_timeline = 16384;
	c->flow_timeout = 120;
	c->tcp_closed_timeout = 10;
	c->embryonic_timeout = 10;
	c->host_timeout = 600;
	c->alert_window = 60;
	c->scan_window = 60;
	c->scan_hosts = 32;
	/* Telnet, SSH and the ports Mirai and its successors scan or exploit: TR-069 7547,
	 * Huawei 37215, Realtek 52869, ADB 5555, HTTP alternates, DVR 81/8000/9000, RTSP 554 */
	must(mamori_portset_parse("23,2323,22,80,8080,8081,81,7547,37215,52869,5555,8000,9000,554,"
	                          "8443,2222,23231,60001",
	    &c->scan_ports));
	must(mamori_portset_parse("23,2323", &c->telnet_ports));
	must(mamori_portset_parse("48101", &c->report_ports));
	c->bruteforce_attempts = 3;
	c->ssh_attempts = 10;
	c->ddos_pps = 1000;
	c->http_flood_rps = 100;
	c->dns_flood_qps = 100;
	must(mamori_cidrset_parse(DEFAULT_RESOLVERS, &c->public_resolvers, &d));
	c->detect_resolvers = true;
}

static mamori_err
set_u32(const char *value, uint64_t min, uint64_t max, uint32_t *out, const char *key,
    struct mamori_diag *d)
{
	uint64_t v;
	mamori_err e = mamori_conf_u64(value, min, max, &v);

	if (e != MAMORI_OK)
		return mamori_diag_set(d, e, 0, 0, "%s must be a whole number from %llu to %llu",
		    key, (unsigned long long)min, (unsigned long long)max);
	*out = (uint32_t)v;
	return MAMORI_OK;
}

static mamori_err
set_path(char *dst, size_t cap, const char *value, const char *key, struct mamori_diag *d)
{
	if (strlen(value) >= cap || value[0] == '\0')
		return mamori_diag_set(
		    d, MAMORI_E_TOOBIG, 0, 0, "%s: empty or longer than %zu bytes", key, cap - 1);
	memcpy(dst, value, strlen(value) + 1);
	return MAMORI_OK;
}

mamori_err
mamori_sensor_config_set(
    struct mamori_sensor_config *c, const char *key, const char *value, struct mamori_diag *d)
{
	static const struct {
		const char *key;
		size_t off;
		uint64_t min, max;
	} nums[] = {
#define N(k, lo, hi) {#k, offsetof(struct mamori_sensor_config, k), lo, hi}
	    N(max_flows, 64, MAMORI_SENSOR_FLOWS_MAX),
	    N(max_hosts, 64, MAMORI_SENSOR_HOSTS_MAX),
	    N(max_streams, 16, MAMORI_SENSOR_STREAMS_MAX),
	    N(max_alerts, 16, MAMORI_SENSOR_ALERTS_MAX),
	    N(max_timeline, 16, MAMORI_SENSOR_TIMELINE_MAX),
	    N(flow_timeout, 1, 86400),
	    N(tcp_closed_timeout, 1, 3600),
	    N(embryonic_timeout, 1, 3600),
	    N(host_timeout, 1, 86400),
	    N(alert_window, 1, 86400),
	    N(scan_window, 1, 86400),
	    N(scan_hosts, 2, 2000),
	    N(bruteforce_attempts, 1, 100000),
	    N(ssh_attempts, 1, 100000),
	    N(ddos_pps, 10, 100000000),
	    N(http_flood_rps, 1, 10000000),
	    N(dns_flood_qps, 1, 10000000),
#undef N
	};
	mamori_err e;

	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		if (strcmp(key, nums[i].key) == 0)
			return set_u32(value, nums[i].min, nums[i].max,
			    (uint32_t *)(void *)((uint8_t *)c + nums[i].off), key, d);
	if (strcmp(key, "home_net") == 0)
		return mamori_cidrset_parse(value, &c->home_net, d);
	if (strcmp(key, "public_resolvers") == 0)
		return mamori_cidrset_parse(value, &c->public_resolvers, d);
	if (strcmp(key, "detect_resolvers") == 0) {
		e = mamori_conf_bool(value, &c->detect_resolvers);
		return e == MAMORI_OK ? e
		                      : mamori_diag_set(d, e, 0, 0, "%s must be yes or no", key);
	}
	if (strcmp(key, "data_dir") == 0)
		return set_path(c->data_dir, sizeof(c->data_dir), value, key, d);
	if (strcmp(key, "rules_file") == 0)
		return set_path(c->rules_file, sizeof(c->rules_file), value, key, d);
	if (strcmp(key, "credentials") == 0) {
		if (c->ncreds_files >= sizeof(c->creds_files) / sizeof(c->creds_files[0]))
			return mamori_diag_set(
			    d, MAMORI_E_TOOBIG, 0, 0, "at most 4 credentials files");
		e = set_path(
		    c->creds_files[c->ncreds_files], sizeof(c->creds_files[0]), value, key, d);
		if (e == MAMORI_OK)
			c->ncreds_files++;
		return e;
	}
	if (strcmp(key, "scan_ports") == 0 || strcmp(key, "telnet_ports") == 0 ||
	    strcmp(key, "report_ports") == 0) {
		struct mamori_portset *ps = key[0] == 's'   ? &c->scan_ports
		                            : key[0] == 't' ? &c->telnet_ports
		                                            : &c->report_ports;

		e = mamori_portset_parse(value, ps);
		return e == MAMORI_OK ? e
		                      : mamori_diag_set(d, e, 0, 0,
		                            "%s must list 1 to %d ports (1-65535), comma-separated",
		                            key, MAMORI_SENSOR_PORTS_MAX);
	}
	return mamori_diag_set(d, MAMORI_E_NOTFOUND, 0, 0, "unknown key '%s'", key);
}

static mamori_err
conf_cb(void *arg, const char *section, const char *key, const char *value, struct mamori_diag *d)
{
	if (strcmp(section, "sensor") != 0)
		return mamori_diag_set(d, MAMORI_E_NOTFOUND, 0, 0,
		    "key '%s' outside the [sensor] section (section '%s')", key, section);
	return mamori_sensor_config_set(arg, key, value, d);
}

mamori_err
mamori_sensor_config_load(struct mamori_sensor_config *c, const char *path, struct mamori_diag *d)
{
	struct mamori_buf b;
	struct mamori_conf_parser p;
	struct mamori_sensor_config tmp = *c;
	mamori_err e;

	mamori_buf_init(&b, MAMORI_CONF_FILE_MAX);
	e = mamori_read_file(path, &b);
	if (e != MAMORI_OK) {
		mamori_buf_free(&b);
		return mamori_diag_set(d, e, 0, 0, "cannot read: %s",
		    e == MAMORI_E_TOOBIG ? "larger than 1 MiB" : mamori_strerror(e));
	}
	mamori_conf_init(&p, conf_cb, &tmp);
	e = mamori_conf_parse(&p, b.p, b.len, d);
	mamori_buf_free(&b);
	if (e == MAMORI_OK)
		*c = tmp;
	return e;
}
