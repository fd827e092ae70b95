/* SPDX-License-Identifier: MIT */
/* lib/sensor: configuration keys and ranges, config files, exploit rules (parse and match),
 * and the fixed-capacity ktab tables. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/sensor/sensor_priv.h"
#include "check.h"
#include "mamori/buf.h"
#include "mamori/conf.h"

/* ---- configuration -------------------------------------------------------------------- */

struct num_key {
	const char *key;
	size_t off;
	uint32_t min, max, def;
};

#define K(k, lo, hi, dflt)                                                                         \
	{                                                                                          \
#k, offsetof(struct mamori_sensor_config, k), lo, hi, dflt                         \
	}
static const struct num_key num_keys[] = {
    K(max_flows, 64, MAMORI_SENSOR_FLOWS_MAX, 131072),
    K(max_hosts, 64, MAMORI_SENSOR_HOSTS_MAX, 32768),
    K(max_streams, 16, MAMORI_SENSOR_STREAMS_MAX, 4096),
    K(max_alerts, 16, MAMORI_SENSOR_ALERTS_MAX, 4096),
    K(max_timeline, 16, MAMORI_SENSOR_TIMELINE_MAX, 16384),
    K(flow_timeout, 1, 86400, 120),
    K(tcp_closed_timeout, 1, 3600, 10),
    K(host_timeout, 1, 86400, 600),
    K(alert_window, 1, 86400, 60),
    K(scan_window, 1, 86400, 60),
    K(scan_hosts, 2, 2000, 32),
    K(bruteforce_attempts, 1, 100000, 3),
    K(ssh_attempts, 1, 100000, 10),
    K(ddos_pps, 10, 100000000, 1000),
    K(http_flood_rps, 1, 10000000, 100),
    K(dns_flood_qps, 1, 10000000, 100),
};
#undef K
#define NUM_KEYS (sizeof(num_keys) / sizeof(num_keys[0]))

static uint32_t
num_at(const struct mamori_sensor_config *c, size_t off)
{
	uint32_t v;

	memcpy(&v, (const uint8_t *)c + off, sizeof(v));
	return v;
}

static bool
ports_equal(const struct mamori_portset *ps, const uint16_t *v, size_t n)
{
	if (ps->n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (ps->v[i] != v[i])
			return false;
	return true;
}

static bool
has_ip(const struct mamori_cidrset *s, const char *a)
{
	struct mamori_ip ip;

	return mamori_ip_parse(a, &ip) == MAMORI_OK && mamori_cidrset_has(s, &ip);
}

static void
test_config_defaults(void)
{
	struct mamori_sensor_config c;
	static const uint16_t telnet[] = {23, 2323}, report[] = {48101};

	mamori_sensor_config_default(&c);
	for (size_t i = 0; i < NUM_KEYS; i++) {
		uint32_t v = num_at(&c, num_keys[i].off);

		CHECK(v == num_keys[i].def);
		CHECK(v >= num_keys[i].min && v <= num_keys[i].max);
	}
	CHECK(c.workers == 1);
	CHECK(c.detect_resolvers);
	CHECK(c.rules_file[0] == '\0');
	CHECK(c.ncreds_files == 0);
	CHECK(c.data_dir[0] != '\0');
	CHECK(c.scan_ports.n == 18);
	CHECK(c.scan_ports.v[0] == 23 && c.scan_ports.v[6] == 81);
	CHECK(ports_equal(&c.telnet_ports, telnet, 2));
	CHECK(ports_equal(&c.report_ports, report, 1));
	/* home_net "any": every address */
	CHECK(has_ip(&c.home_net, "192.168.1.10"));
	CHECK(has_ip(&c.home_net, "8.8.8.8"));
	CHECK(has_ip(&c.home_net, "fd00::1"));
	CHECK(has_ip(&c.public_resolvers, "8.8.8.8"));
	CHECK(has_ip(&c.public_resolvers, "74.82.42.42"));
	CHECK(has_ip(&c.public_resolvers, "2606:4700:4700::1111"));
	CHECK(!has_ip(&c.public_resolvers, "192.168.1.1"));
}

static void
test_config_numbers(void)
{
	for (size_t i = 0; i < NUM_KEYS; i++) {
		const struct num_key *k = &num_keys[i];
		struct mamori_sensor_config c;
		struct mamori_diag d;
		char v[32];

		mamori_sensor_config_default(&c);
		(void)snprintf(v, sizeof(v), "%lu", (unsigned long)k->min);
		CHECK_OK(mamori_sensor_config_set(&c, k->key, v, &d));
		CHECK(num_at(&c, k->off) == k->min);
		(void)snprintf(v, sizeof(v), "%lu", (unsigned long)k->max);
		CHECK_OK(mamori_sensor_config_set(&c, k->key, v, &d));
		CHECK(num_at(&c, k->off) == k->max);
		/* out of range: error, value unchanged */
		(void)snprintf(v, sizeof(v), "%lu", (unsigned long)k->min - 1);
		CHECK(mamori_sensor_config_set(&c, k->key, v, &d) == MAMORI_E_TOOBIG);
		CHECK(strstr(d.msg, k->key) != NULL);
		(void)snprintf(v, sizeof(v), "%llu", (unsigned long long)k->max + 1);
		CHECK(mamori_sensor_config_set(&c, k->key, v, &d) == MAMORI_E_TOOBIG);
		CHECK(num_at(&c, k->off) == k->max);
		CHECK(mamori_sensor_config_set(&c, k->key, "", &d) == MAMORI_E_MALFORMED);
		CHECK(mamori_sensor_config_set(&c, k->key, "-1", &d) == MAMORI_E_MALFORMED);
		CHECK(mamori_sensor_config_set(&c, k->key, "100x", &d) == MAMORI_E_MALFORMED);
		CHECK(mamori_sensor_config_set(&c, k->key, "99999999999999999999999", &d) ==
		      MAMORI_E_MALFORMED);
		CHECK(num_at(&c, k->off) == k->max);
	}
}

static void
test_config_other_keys(void)
{
	struct mamori_sensor_config c;
	struct mamori_diag d;
	char longpath[MAMORI_SENSOR_PATH_MAX + 1];
	static const uint16_t p[] = {23, 80, 65535};

	mamori_sensor_config_default(&c);
	CHECK_OK(mamori_sensor_config_set(&c, "home_net", "192.168.0.0/16,fd00::/8", &d));
	CHECK(has_ip(&c.home_net, "192.168.3.4"));
	CHECK(has_ip(&c.home_net, "fd00::5"));
	CHECK(!has_ip(&c.home_net, "10.0.0.1"));
	CHECK(mamori_sensor_config_set(&c, "home_net", "192.168.0.0/33", &d) != MAMORI_OK);
	CHECK(mamori_sensor_config_set(&c, "home_net", "nonsense", &d) != MAMORI_OK);
	CHECK(!has_ip(&c.home_net, "10.0.0.1")); /* unchanged by the failures */

	CHECK_OK(mamori_sensor_config_set(&c, "public_resolvers", "10.9.9.9", &d));
	CHECK(has_ip(&c.public_resolvers, "10.9.9.9"));
	CHECK(!has_ip(&c.public_resolvers, "8.8.8.8"));
	CHECK(mamori_sensor_config_set(&c, "public_resolvers", "1.2.3", &d) != MAMORI_OK);

	CHECK_OK(mamori_sensor_config_set(&c, "detect_resolvers", "no", &d));
	CHECK(!c.detect_resolvers);
	CHECK_OK(mamori_sensor_config_set(&c, "detect_resolvers", "on", &d));
	CHECK(c.detect_resolvers);
	CHECK(mamori_sensor_config_set(&c, "detect_resolvers", "maybe", &d) == MAMORI_E_MALFORMED);
	CHECK(c.detect_resolvers);

	memset(longpath, 'a', MAMORI_SENSOR_PATH_MAX);
	longpath[MAMORI_SENSOR_PATH_MAX] = '\0';
	CHECK_OK(mamori_sensor_config_set(&c, "data_dir", "/opt/mamori", &d));
	CHECK(strcmp(c.data_dir, "/opt/mamori") == 0);
	CHECK(mamori_sensor_config_set(&c, "data_dir", "", &d) == MAMORI_E_TOOBIG);
	CHECK(mamori_sensor_config_set(&c, "data_dir", longpath, &d) == MAMORI_E_TOOBIG);
	longpath[MAMORI_SENSOR_PATH_MAX - 1] = '\0'; /* 1023 bytes: fits */
	CHECK_OK(mamori_sensor_config_set(&c, "rules_file", longpath, &d));
	CHECK(strlen(c.rules_file) == MAMORI_SENSOR_PATH_MAX - 1);
	CHECK(mamori_sensor_config_set(&c, "rules_file", "", &d) == MAMORI_E_TOOBIG);

	for (int i = 0; i < 4; i++)
		CHECK_OK(mamori_sensor_config_set(&c, "credentials", "/etc/x.txt", &d));
	CHECK(c.ncreds_files == 4);
	CHECK(mamori_sensor_config_set(&c, "credentials", "/etc/y.txt", &d) == MAMORI_E_TOOBIG);
	CHECK(c.ncreds_files == 4);

	CHECK_OK(mamori_sensor_config_set(&c, "scan_ports", "23, 80,65535", &d));
	CHECK(ports_equal(&c.scan_ports, p, 3));
	CHECK_OK(mamori_sensor_config_set(&c, "telnet_ports", "2323", &d));
	CHECK(c.telnet_ports.n == 1 && c.telnet_ports.v[0] == 2323);
	CHECK_OK(mamori_sensor_config_set(&c, "report_ports", "48101,48102", &d));
	CHECK(c.report_ports.n == 2 && c.report_ports.v[1] == 48102);
	CHECK(mamori_sensor_config_set(&c, "scan_ports", "0", &d) == MAMORI_E_MALFORMED);
	CHECK(mamori_sensor_config_set(&c, "scan_ports", "65536", &d) == MAMORI_E_MALFORMED);
	CHECK(mamori_sensor_config_set(&c, "scan_ports", "", &d) == MAMORI_E_MALFORMED);
	CHECK(mamori_sensor_config_set(&c, "telnet_ports", "23;24", &d) == MAMORI_E_MALFORMED);
	CHECK(mamori_sensor_config_set(&c, "report_ports", "x", &d) == MAMORI_E_MALFORMED);
	{
		char many[64 * 6 + 8] = "";

		for (int i = 1; i <= MAMORI_SENSOR_PORTS_MAX + 1; i++) {
			char one[8];

			(void)snprintf(one, sizeof(one), "%d,", 1000 + i);
			strcat(many, one);
		}
		CHECK(mamori_sensor_config_set(&c, "scan_ports", many, &d) == MAMORI_E_TOOBIG);
	}
	CHECK(ports_equal(&c.scan_ports, p, 3));

	CHECK(mamori_sensor_config_set(&c, "no_such_key", "1", &d) == MAMORI_E_NOTFOUND);
	CHECK(strstr(d.msg, "no_such_key") != NULL);
	CHECK(mamori_sensor_config_set(&c, "workers", "2", &d) == MAMORI_E_NOTFOUND);
	CHECK(mamori_sensor_config_set(&c, "MAX_FLOWS", "1000", &d) == MAMORI_E_NOTFOUND);
}

static mamori_err
write_tmp(char *path, size_t cap, const char *text)
{
	int fd;
	FILE *f;

	(void)snprintf(path, cap, "/tmp/test_sensor.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return MAMORI_E_IO;
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		return MAMORI_E_IO;
	}
	(void)fputs(text, f);
	return fclose(f) == 0 ? MAMORI_OK : MAMORI_E_IO;
}

static void
test_config_load(void)
{
	static const char good[] = "# comment\n; another\n[sensor]\nmax_flows = 1000\n"
	                           "  home_net=10.0.0.0/8  \r\ndetect_resolvers = no\n";
	static const char unknown[] = "[sensor]\nmax_flows = 1000\nbogus_key = 1\n";
	static const char badval[] = "[sensor]\n\nscan_hosts = 1\n";
	static const char nosect[] = "max_flows = 1000\n";
	static const char othersect[] = "[sensor]\n[output]\nmax_flows = 1000\n";
	struct mamori_sensor_config c;
	struct mamori_diag d;
	char path[64];

	mamori_sensor_config_default(&c);
	CHECK_OK(write_tmp(path, sizeof(path), good));
	CHECK_OK(mamori_sensor_config_load(&c, path, &d));
	(void)unlink(path);
	CHECK(c.max_flows == 1000);
	CHECK(!c.detect_resolvers);
	CHECK(has_ip(&c.home_net, "10.1.2.3") && !has_ip(&c.home_net, "192.168.1.1"));

	/* an unknown key: error with its line and the line's byte offset; c unchanged */
	mamori_sensor_config_default(&c);
	CHECK_OK(write_tmp(path, sizeof(path), unknown));
	CHECK(mamori_sensor_config_load(&c, path, &d) == MAMORI_E_NOTFOUND);
	(void)unlink(path);
	CHECK(d.line == 3);
	CHECK(d.off == strlen("[sensor]\nmax_flows = 1000\n"));
	CHECK(strstr(d.msg, "bogus_key") != NULL);
	CHECK(c.max_flows == 131072);

	CHECK_OK(write_tmp(path, sizeof(path), badval));
	CHECK(mamori_sensor_config_load(&c, path, &d) == MAMORI_E_TOOBIG);
	(void)unlink(path);
	CHECK(d.line == 3 && d.off == 10);
	CHECK(c.scan_hosts == 32);

	CHECK_OK(write_tmp(path, sizeof(path), nosect));
	CHECK(mamori_sensor_config_load(&c, path, &d) == MAMORI_E_NOTFOUND);
	(void)unlink(path);
	CHECK(d.line == 1);

	CHECK_OK(write_tmp(path, sizeof(path), othersect));
	CHECK(mamori_sensor_config_load(&c, path, &d) == MAMORI_E_NOTFOUND);
	(void)unlink(path);
	CHECK(d.line == 3);
	CHECK(c.max_flows == 131072);

	CHECK(mamori_sensor_config_load(&c, "/nonexistent/mamori.conf", &d) != MAMORI_OK);
}

static void
test_config_example(void)
{
	struct mamori_sensor_config c, def;
	struct mamori_diag d;

	mamori_sensor_config_default(&c);
	mamori_sensor_config_default(&def);
	CHECK_OK(mamori_sensor_config_load(&c, "data/sensor/mamori-sensor.conf.example", &d));
	/* every key is commented out: loading the example changes nothing */
	CHECK(memcmp(&c, &def, sizeof(c)) == 0);
}

/* ---- exploit rules -------------------------------------------------------------------- */

static mamori_err
parse_str(struct rules *rs, const char *s, struct mamori_diag *d)
{
	return mamori_rules_parse(rs, (const uint8_t *)s, strlen(s), d);
}

static void
test_rules_file(void)
{
	struct mamori_buf b;
	struct rules rs;
	struct mamori_diag d;

	mamori_buf_init(&b, 1024 * 1024);
	CHECK_OK(mamori_read_file("data/sensor/exploit.rules", &b));
	CHECK_OK(mamori_rules_parse(&rs, b.p, b.len, &d));
	/* one rule per line starting with "sid=" (23 when this was written) */
	{
		size_t want = 0;

		for (size_t i = 0; i + 4 <= b.len; i++)
			if ((i == 0 || b.p[i - 1] == '\n') && memcmp(b.p + i, "sid=", 4) == 0)
				want++;
		CHECK(want >= 23);
		CHECK(rs.n == want);
	}
	mamori_buf_free(&b);
	if (rs.n >= 23) {
		CHECK(rs.v[0].sid == 9100001);
		CHECK(rs.v[0].severity == 1);
		CHECK(rs.v[0].nconds == 2);
		CHECK(rs.v[0].cond[0].field == RF_URI);
		CHECK(strcmp(rs.v[0].cond[0].pat, "/ctrlt/deviceupgrade_1") == 0);
		CHECK(rs.v[0].cond[1].field == RF_BODY);
		CHECK(strcmp(rs.v[0].cond[1].pat, "<newstatusurl>$(") == 0);
		CHECK(strcmp(rs.v[0].ref, "CVE-2017-17215") == 0);
		CHECK(rs.v[9].cond[1].field == RF_HEADERS);
		CHECK(rs.v[22].sid == 9100104);
		for (size_t i = 0; i < rs.n; i++) {
			CHECK(rs.v[i].sid >= 9100000 && rs.v[i].sid <= 9199999);
			CHECK(rs.v[i].nconds >= 1 && rs.v[i].nconds <= RULE_CONDS_MAX);
		}
	}
	mamori_rules_free(&rs);
	CHECK(rs.v == NULL && rs.n == 0);
}

static void
test_rules_syntax(void)
{
	struct rules rs;
	struct mamori_diag d;

	/* bare values, escapes, tabs, CRLF, comments and blank lines */
	CHECK_OK(parse_str(&rs,
	    "# c\n\n   \t\r\n  # indented comment\n"
	    "sid=7\tseverity=3 any=ABC msg=\"say \\\"hi\\\" \\\\ now\" ref=x\r\n"
	    "sid=8 severity=2 uri=\"a b\" headers=\"X: Y\" body=z any=w msg=m ref=r",
	    &d));
	CHECK(rs.n == 2);
	if (rs.n == 2) {
		CHECK(rs.v[0].sid == 7 && rs.v[0].severity == 3);
		CHECK(strcmp(rs.v[0].msg, "say \"hi\" \\ now") == 0);
		CHECK(strcmp(rs.v[0].cond[0].pat, "abc") == 0); /* lower-cased */
		CHECK(strcmp(rs.v[0].ref, "x") == 0);
		CHECK(rs.v[1].nconds == 4);
		CHECK(strcmp(rs.v[1].cond[0].pat, "a b") == 0);
		CHECK(strcmp(rs.v[1].cond[1].pat, "x: y") == 0);
		CHECK(rs.v[1].cond[3].field == RF_ANY);
	}
	mamori_rules_free(&rs);

	/* empty file and comments only: zero rules */
	CHECK_OK(parse_str(&rs, "", &d));
	CHECK(rs.n == 0);
	mamori_rules_free(&rs);
	CHECK_OK(parse_str(&rs, "# only\n\n", &d));
	CHECK(rs.n == 0);
	mamori_rules_free(&rs);
}

struct bad_rule {
	const char *text;
	size_t len; /* 0: strlen */
	mamori_err e;
	size_t line;
};

static void
test_rules_must_fail(void)
{
	static const char ok[] = "sid=1 severity=1 uri=/a msg=m ref=r\n";
	static const struct bad_rule bad[] = {
	    {"severity=1 uri=/a msg=m ref=r\n", 0, MAMORI_E_MALFORMED, 1}, /* no sid */
	    {"sid=1 uri=/a msg=m ref=r\n", 0, MAMORI_E_MALFORMED, 1},      /* no severity */
	    {"sid=1 severity=1 uri=/a ref=r\n", 0, MAMORI_E_MALFORMED, 1}, /* no msg */
	    {"sid=1 severity=1 uri=/a msg=m\n", 0, MAMORI_E_MALFORMED, 1}, /* no ref */
	    {"sid=1 severity=1 msg=m ref=r\n", 0, MAMORI_E_MALFORMED, 1},  /* no condition */
	    {"# x\nsid=1 severity=1 uri=/a msg=m ref=r\n\nsid=1 severity=2 any=b msg=n ref=s\n", 0,
	        MAMORI_E_MALFORMED, 4}, /* duplicate sid */
	    {"\nsid=1 severity=1 uri=/a msg=m ref=r foo=1\n", 0, MAMORI_E_NOTFOUND, 2},
	    {"sid=1 severity=1 uri=\"/a msg=m ref=r\n", 0, MAMORI_E_MALFORMED, 1}, /* unclosed */
	    {"sid=1 severity=4 uri=/a msg=m ref=r\n", 0, MAMORI_E_MALFORMED, 1},
	    {"sid=1 severity=0 uri=/a msg=m ref=r\n", 0, MAMORI_E_MALFORMED, 1},
	    {"sid=0 severity=1 uri=/a msg=m ref=r\n", 0, MAMORI_E_MALFORMED, 1},
	    {"sid=4294967296 severity=1 uri=/a msg=m ref=r\n", 0, MAMORI_E_MALFORMED, 1},
	    {"sid=x severity=1 uri=/a msg=m ref=r\n", 0, MAMORI_E_MALFORMED, 1},
	    {"sid=1 severity=1 uri=a uri=b body=c headers=d any=e msg=m ref=r\n", 0,
	        MAMORI_E_TOOBIG, 1}, /* 5 conditions */
	    {"sid=1 severity=1 uri=\"\" msg=m ref=r\n", 0, MAMORI_E_MALFORMED, 1}, /* empty */
	    {"sid=1 severity=1 uri=/a msg=m ref=r\nsid=2 severity=1 uri=/\0 msg=m ref=r\n", 72,
	        MAMORI_E_MALFORMED, 2},                                          /* NUL byte */
	    {"sid=1 severity=1 uri /a msg=m ref=r\n", 0, MAMORI_E_MALFORMED, 1}, /* no '=' */
	    {"=1\n", 0, MAMORI_E_MALFORMED, 1},                                  /* empty key */
	    {"sid=1 severity=1 averyveryverylongkey=1 msg=m ref=r\n", 0, MAMORI_E_TOOBIG, 1},
	    {"sid=1 severity=1 uri=/a msg=m ref=r # trailing comment\n", 0, MAMORI_E_MALFORMED, 1},
	};
	struct rules rs;
	struct mamori_diag d;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = bad[i].len ? bad[i].len : strlen(bad[i].text);
		mamori_err e;

		rs.v = NULL;
		rs.n = 99;
		memset(&d, 0, sizeof(d));
		e = mamori_rules_parse(&rs, (const uint8_t *)bad[i].text, n, &d);
		if (e != bad[i].e || d.line != bad[i].line)
			fprintf(stderr, "bad rule %zu: got %d line %zu (%s)\n", i, (int)e, d.line,
			    d.msg);
		CHECK(e == bad[i].e);
		CHECK(d.line == bad[i].line);
		CHECK(d.msg[0] != '\0');
		CHECK(rs.v == NULL && rs.n == 99); /* untouched on error */
	}

	/* over-long line: 1024 bytes pass the line check, 1025 do not */
	{
		char *buf = malloc(2 * 1100);
		size_t n;

		CHECK(buf != NULL);
		if (buf != NULL) {
			memcpy(buf, ok, strlen(ok));
			n = strlen(ok);
			memset(buf + n, '#', 1025);
			n += 1025;
			buf[n++] = '\n';
			CHECK(mamori_rules_parse(&rs, (const uint8_t *)buf, n, &d) ==
			      MAMORI_E_TOOBIG);
			CHECK(d.line == 2 && d.off == strlen(ok));
			n = strlen(ok) + 1024;
			buf[n++] = '\n';
			CHECK_OK(mamori_rules_parse(&rs, (const uint8_t *)buf, n, &d));
			CHECK(rs.n == 1);
			mamori_rules_free(&rs);
			free(buf);
		}
	}
	/* a pattern of RULE_PAT_MAX - 1 bytes fits, RULE_PAT_MAX does not */
	{
		char line[400];
		char pat[RULE_PAT_MAX + 1];

		memset(pat, 'p', RULE_PAT_MAX);
		pat[RULE_PAT_MAX - 1] = '\0';
		(void)snprintf(line, sizeof(line), "sid=1 severity=1 uri=\"%s\" msg=m ref=r", pat);
		CHECK_OK(parse_str(&rs, line, &d));
		mamori_rules_free(&rs);
		pat[RULE_PAT_MAX - 1] = 'p';
		pat[RULE_PAT_MAX] = '\0';
		(void)snprintf(line, sizeof(line), "sid=1 severity=1 uri=\"%s\" msg=m ref=r", pat);
		CHECK(parse_str(&rs, line, &d) == MAMORI_E_TOOBIG);
	}
	/* RULES_MAX rules parse; one more does not */
	{
		size_t cap = (RULES_MAX + 1) * 48, n = 0;
		char *buf = malloc(cap);

		CHECK(buf != NULL);
		if (buf != NULL) {
			for (int i = 1; i <= RULES_MAX; i++)
				n += (size_t)snprintf(buf + n, cap - n,
				    "sid=%d severity=2 any=x%d msg=m ref=r\n", i, i);
			CHECK_OK(mamori_rules_parse(&rs, (const uint8_t *)buf, n, &d));
			CHECK(rs.n == RULES_MAX);
			mamori_rules_free(&rs);
			n += (size_t)snprintf(buf + n, cap - n,
			    "sid=%d severity=2 any=y msg=m ref=r\n", RULES_MAX + 1);
			CHECK(mamori_rules_parse(&rs, (const uint8_t *)buf, n, &d) ==
			      MAMORI_E_TOOBIG);
			CHECK(d.line == RULES_MAX + 1);
			free(buf);
		}
	}
	/* over 1 MiB */
	{
		size_t n = 1024 * 1024 + 1;
		uint8_t *buf = malloc(n);

		CHECK(buf != NULL);
		if (buf != NULL) {
			memset(buf, '\n', n);
			CHECK(mamori_rules_parse(&rs, buf, n, &d) == MAMORI_E_TOOBIG);
			CHECK_OK(mamori_rules_parse(&rs, buf, n - 1, &d));
			CHECK(rs.n == 0);
			mamori_rules_free(&rs);
			free(buf);
		}
	}
}

static const struct rule *
match_str(const struct rules *rs, const char *uri, const char *head, const char *body)
{
	return mamori_rules_match(rs, uri, strlen(uri), head, strlen(head), body, strlen(body));
}

static void
test_rules_match(void)
{
	struct mamori_buf b;
	struct rules rs;
	struct mamori_diag d;
	const struct rule *r;
	/* as detect.c hands them over: URI percent-decoded and lower-cased, head lower-cased */
	static const char head[] =
	    "post /ctrlt/deviceupgrade_1 http/1.1\r\nhost: 10.0.0.5:37215\r\n"
	    "content-length: 100\r\n\r\n";
	static const char body[] =
	    "<?xml version=\"1.0\" ?><s:envelope><s:body><u:upgrade><newstatusurl>$(/bin/busybox "
	    "tftp)</newstatusurl></u:upgrade></s:body></s:envelope>";

	mamori_buf_init(&b, 1024 * 1024);
	CHECK_OK(mamori_read_file("data/sensor/exploit.rules", &b));
	CHECK_OK(mamori_rules_parse(&rs, b.p, b.len, &d));
	mamori_buf_free(&b);

	r = match_str(&rs, "/ctrlt/deviceupgrade_1", head, body);
	CHECK(r != NULL && r->sid == 9100001);
	/* one condition missing: no rule */
	CHECK(match_str(&rs, "/ctrlt/deviceupgrade_1", head, "<newstatusurl>http://x") == NULL);
	CHECK(match_str(&rs, "/ctrlt/other", "post /ctrlt/other http/1.1\r\n\r\n", body) == NULL);
	/* the body pattern in the URI does not stand in for the body */
	CHECK(match_str(&rs, "/ctrlt/deviceupgrade_1?<newstatusurl>$(", head, "") == NULL);
	/* any= matches in the body or in the head */
	r = match_str(
	    &rs, "/gponform/diag_form?images/", "", "xwebpageid=diag&dest_host=`busybox`");
	CHECK(r != NULL && r->sid == 9100003);
	r = match_str(
	    &rs, "/gponform/diag_form", "post / http/1.1\r\nx-a: dest_host=1\r\n\r\n", "");
	CHECK(r != NULL && r->sid == 9100003);
	/* headers= looks only at the head */
	r = match_str(&rs, "/hedwig.cgi", "post /hedwig.cgi http/1.1\r\ncookie: uid=aaa\r\n\r\n",
	    "wget http://x");
	CHECK(r != NULL && r->sid == 9100010);
	r = match_str(
	    &rs, "/hedwig.cgi", "post /hedwig.cgi http/1.1\r\n\r\n", "cookie: uid=aaa wget");
	CHECK(r == NULL);
	/* first matching rule wins: 9100001 before the generic 9100103 */
	r = match_str(&rs, "/ctrlt/deviceupgrade_1", head, "<newstatusurl>$(wget http://x)");
	CHECK(r != NULL && r->sid == 9100001);
	r = match_str(&rs, "/index.html", "get / http/1.1\r\n\r\n", "a=$(wget");
	CHECK(r != NULL && r->sid == 9100103);
	/* benign */
	CHECK(match_str(&rs, "/index.html", "get /index.html http/1.1\r\nhost: a\r\n\r\n", "") ==
	      NULL);
	/* empty and NULL inputs */
	CHECK(mamori_rules_match(&rs, NULL, 0, NULL, 0, NULL, 0) == NULL);
	CHECK(mamori_rules_match(&rs, "", 0, "", 0, "", 0) == NULL);
	mamori_rules_free(&rs);

	/* patterns are lower-cased; the matcher expects lower-cased input */
	CHECK_OK(parse_str(&rs, "sid=5 severity=2 uri=/A/B body=XyZ msg=m ref=r\n", &d));
	CHECK(match_str(&rs, "/a/b", "", "..xyz..") != NULL);
	CHECK(match_str(&rs, "/a/", "", "xyz") == NULL);
	CHECK(match_str(&rs, "/a/b", "", "xy") == NULL);
	/* a pattern at the very end, and a near miss before it */
	CHECK(match_str(&rs, "/a/a/b", "", "xyxyz") != NULL);
	mamori_rules_free(&rs);
}

/* ---- ktab ----------------------------------------------------------------------------- */

struct ev_count {
	size_t evicted, expired;
};

static void
on_evict(void *arg, void *val, bool expired)
{
	struct ev_count *c = arg;

	(void)val;
	if (expired)
		c->expired++;
	else
		c->evicted++;
}

struct kv {
	uint64_t k;
};

static uint32_t
timeout_10(const void *val, void *arg)
{
	(void)val;
	(void)arg;
	return 10;
}

static void
count_each(void *arg, void *key, void *val)
{
	size_t *n = arg;

	(void)key;
	(void)val;
	(*n)++;
}

static void
test_ktab_capacity(void)
{
	struct ktab t;
	struct ev_count ec = {0, 0};
	bool created, evicted;
	size_t nevicted = 0, visited = 0;
	enum { CAP = 100, N = 1000 };

	CHECK(ktab_init(&t, 0, 8, 8, NULL, NULL) == MAMORI_E_INVAL);
	CHECK(ktab_init(&t, 10, 12, 8, NULL, NULL) == MAMORI_E_INVAL); /* key not 8-aligned */
	CHECK_OK(ktab_init(&t, CAP, 8, sizeof(uint64_t), on_evict, &ec));
	for (uint64_t k = 1; k <= N; k++) {
		uint64_t *v = ktab_get(&t, &k, (uint32_t)k, true, &created, &evicted);

		CHECK(v != NULL && created);
		if (v != NULL) {
			CHECK(*v == 0); /* zeroed on creation */
			*v = k * 3;
		}
		if (evicted)
			nevicted++;
		CHECK(t.used <= t.cap);
		CHECK(t.used == (k < CAP ? k : CAP));
	}
	CHECK(nevicted == N - CAP);
	CHECK(ec.evicted == N - CAP && ec.expired == 0);
	CHECK(t.hwm == CAP);
	ktab_each(&t, count_each, &visited);
	CHECK(visited == CAP);
	/* the newest key survives (evictions sample the oldest) and keeps its value */
	{
		uint64_t k = N;
		uint64_t *v = ktab_get(&t, &k, N + 1, false, &created, &evicted);

		CHECK(v != NULL && !created && !evicted);
		CHECK(v != NULL && *v == N * 3);
	}
	/* keys still present give back their own values */
	{
		size_t found = 0;

		for (uint64_t k = 1; k <= N; k++) {
			uint64_t *v = ktab_get(&t, &k, N + 1, false, &created, &evicted);

			if (v != NULL) {
				found++;
				CHECK(*v == k * 3);
			}
		}
		CHECK(found == CAP);
	}
	ktab_free(&t);
}

static void
test_ktab_del_expire(void)
{
	struct ktab t;
	struct ev_count ec = {0, 0};
	bool created, evicted;
	uint64_t k;
	uint64_t *v;

	CHECK_OK(ktab_init(&t, 16, 8, sizeof(uint64_t), on_evict, &ec));
	for (k = 1; k <= 10; k++)
		CHECK(ktab_get(&t, &k, k <= 5 ? 100 : 200, true, &created, &evicted) != NULL);
	CHECK(t.used == 10);
	k = 3;
	ktab_del(&t, &k);
	CHECK(t.used == 9 && ec.expired == 1);
	CHECK(ktab_get(&t, &k, 200, false, &created, &evicted) == NULL);
	ktab_del(&t, &k); /* absent: nothing */
	CHECK(t.used == 9 && ec.expired == 1);
	k = 4;
	v = ktab_get(&t, &k, 200, false, &created, &evicted);
	CHECK(v != NULL);
	if (v != NULL)
		ktab_del_val(&t, v);
	CHECK(t.used == 8 && ec.expired == 2);
	/* the freed slots are reused before the table grows */
	k = 50;
	CHECK(ktab_get(&t, &k, 200, true, &created, &evicted) != NULL && created && !evicted);
	CHECK(t.hwm == 10 && t.used == 9);
	/* at 205: keys last used at 100 (1, 2, 5) are idle 105 s > 10; the others 5 s */
	CHECK(ktab_expire(&t, 205, timeout_10, NULL, 1000) == 3);
	CHECK(t.used == 6 && ec.expired == 5);
	k = 1;
	CHECK(ktab_get(&t, &k, 205, false, &created, &evicted) == NULL);
	k = 6;
	CHECK(ktab_get(&t, &k, 205, false, &created, &evicted) != NULL);
	/* a zero budget looks at nothing; idle exactly timeout seconds is kept */
	CHECK(ktab_expire(&t, 10000, timeout_10, NULL, 0) == 0);
	CHECK(ktab_expire(&t, 210, timeout_10, NULL, 1000) == 0);
	CHECK(ktab_expire(&t, 211, timeout_10, NULL, 1000) == 5); /* all but key 6 (used at 205) */
	CHECK(t.used == 1);
	CHECK(ktab_expire(&t, 216, timeout_10, NULL, 1000) == 1);
	CHECK(t.used == 0 && ec.evicted == 0 && ec.expired == 11);
	ktab_free(&t);
}

int
main(void)
{
	static const struct check_case cases[] = {
	    CHECK_CASE(test_config_defaults),
	    CHECK_CASE(test_config_numbers),
	    CHECK_CASE(test_config_other_keys),
	    CHECK_CASE(test_config_load),
	    CHECK_CASE(test_config_example),
	    CHECK_CASE(test_rules_file),
	    CHECK_CASE(test_rules_syntax),
	    CHECK_CASE(test_rules_must_fail),
	    CHECK_CASE(test_rules_match),
	    CHECK_CASE(test_ktab_capacity),
	    CHECK_CASE(test_ktab_del_expire),
	};

	return check_run("test_sensor", cases, sizeof(cases) / sizeof(cases[0]));
}
