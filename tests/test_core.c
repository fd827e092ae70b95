/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "check.h"
#include "mamori/buf.h"
#include "mamori/conf.h"
#include "mamori/ip.h"
#include "mamori/json.h"

static void
reader_bounds(void)
{
	const uint8_t b[5] = {1, 2, 3, 4, 5};
	struct mamori_reader r;
	struct mamori_span s;
	uint32_t v32;
	uint16_t v16;

	mamori_reader_init(&r, b, sizeof(b));
	CHECK_OK(mamori_read_be32(&r, &v32));
	CHECK(v32 == 0x01020304);
	CHECK(mamori_read_be16(&r, &v16) == MAMORI_E_TRUNCATED);
	CHECK(r.off == 4);
	CHECK(mamori_read_span(&r, 2, &s) == MAMORI_E_TRUNCATED);
	CHECK(mamori_read_span(&r, SIZE_MAX, &s) == MAMORI_E_TRUNCATED);
	CHECK_OK(mamori_read_span(&r, 1, &s));
	CHECK(s.len == 1 && s.p[0] == 5);
	CHECK(mamori_reader_left(&r) == 0);
}

static void
buf_cap(void)
{
	struct mamori_buf b;

	mamori_buf_init(&b, 10);
	CHECK_OK(mamori_buf_append(&b, "0123456789", 10));
	CHECK(mamori_buf_append(&b, "x", 1) == MAMORI_E_TOOBIG);
	CHECK(b.len == 10);
	mamori_buf_consume(&b, 4);
	CHECK(b.len == 6 && memcmp(b.p, "456789", 6) == 0);
	mamori_buf_reset(&b);
	CHECK_OK(mamori_buf_printf(&b, "%d-%s", 42, "ab"));
	CHECK(b.len == 5 && memcmp(b.p, "42-ab", 5) == 0);
	CHECK(mamori_buf_printf(&b, "%s", "toolong") == MAMORI_E_TOOBIG);
	mamori_buf_free(&b);
}

static void
json_escapes(void)
{
	struct mamori_buf b;
	struct mamori_json j;
	const uint8_t raw[] = {'a', '"', '\\', '\n', 0x01, 0xff, 0xc3, 0xa9};

	mamori_buf_init(&b, 4096);
	mamori_json_init(&j, &b);
	mamori_json_obj_begin(&j);
	mamori_json_key(&j, "s");
	mamori_json_strn(&j, raw, sizeof(raw));
	mamori_json_ku64(&j, "n", 18446744073709551615ull);
	mamori_json_key(&j, "a");
	mamori_json_arr_begin(&j);
	mamori_json_bool(&j, true);
	mamori_json_null(&j);
	mamori_json_arr_end(&j);
	mamori_json_obj_end(&j);
	CHECK_OK(mamori_json_err(&j));
	CHECK_OK(mamori_buf_putc(&b, 0));
	CHECK(strcmp((char *)b.p,
	          "{\"s\":\"a\\\"\\\\\\n\\u0001\\u00ff\xc3\xa9\",\"n\":18446744073709551615,"
	          "\"a\":[true,null]}") == 0);
	mamori_buf_free(&b);
}

struct conf_seen {
	int n;
	char last[64];
};

static mamori_err
conf_cb(void *arg, const char *section, const char *key, const char *value, struct mamori_diag *d)
{
	struct conf_seen *s = arg;

	(void)d;
	if (strcmp(key, "bad") == 0)
		return MAMORI_E_NOTFOUND;
	s->n++;
	snprintf(s->last, sizeof(s->last), "%s.%s=%s", section, key, value);
	return MAMORI_OK;
}

static void
conf_lines(void)
{
	struct mamori_conf_parser c;
	struct mamori_diag d;
	struct conf_seen s = {0, ""};
	const char *good = "# c\n\n[sensor]\n  home_net = 10.0.0.0/8 , fd00::/8  \n";
	const char *bad = "[a]\nx = 1\nbad = 2\n";
	uint64_t v;

	mamori_conf_init(&c, conf_cb, &s);
	CHECK_OK(mamori_conf_parse(&c, (const uint8_t *)good, strlen(good), &d));
	CHECK(s.n == 1 && strcmp(s.last, "sensor.home_net=10.0.0.0/8 , fd00::/8") == 0);
	mamori_conf_init(&c, conf_cb, &s);
	CHECK(mamori_conf_parse(&c, (const uint8_t *)bad, strlen(bad), &d) == MAMORI_E_NOTFOUND);
	CHECK(d.line == 3 && d.off == 10);
	mamori_conf_init(&c, conf_cb, &s);
	CHECK(mamori_conf_parse(&c, (const uint8_t *)"[x\n", 3, &d) == MAMORI_E_MALFORMED);
	CHECK(mamori_conf_parse(&c, (const uint8_t *)"a=\0\n", 4, &d) == MAMORI_E_MALFORMED);
	CHECK(mamori_conf_u64("12", 1, 20, &v) == MAMORI_OK && v == 12);
	CHECK(mamori_conf_u64("21", 1, 20, &v) == MAMORI_E_TOOBIG);
	CHECK(mamori_conf_u64("-1", 0, 20, &v) == MAMORI_E_MALFORMED);
	CHECK(mamori_conf_u64("1x", 0, 20, &v) == MAMORI_E_MALFORMED);
	CHECK(mamori_conf_u64("99999999999999999999999", 0, UINT64_MAX, &v) == MAMORI_E_MALFORMED);
}

static void
cidr_sets(void)
{
	struct mamori_cidrset s;
	struct mamori_ip a;
	struct mamori_diag d;
	char str[MAMORI_IP_STRLEN];

	CHECK_OK(mamori_cidrset_parse("192.168.0.0/16, 10.1.2.3,fd00::/8", &s, &d));
	CHECK(s.n == 3);
	CHECK_OK(mamori_ip_parse("192.168.77.1", &a));
	CHECK(mamori_cidrset_has(&s, &a));
	mamori_ip_str(&a, str);
	CHECK(strcmp(str, "192.168.77.1") == 0);
	CHECK_OK(mamori_ip_parse("192.169.0.1", &a));
	CHECK(!mamori_cidrset_has(&s, &a));
	CHECK_OK(mamori_ip_parse("10.1.2.3", &a));
	CHECK(mamori_cidrset_has(&s, &a));
	CHECK_OK(mamori_ip_parse("fd12::1", &a));
	CHECK(mamori_cidrset_has(&s, &a));
	CHECK(mamori_cidrset_parse("10.0.0.0/33", &s, &d) == MAMORI_E_MALFORMED);
	CHECK(mamori_cidrset_parse("10.0.0.300", &s, &d) == MAMORI_E_MALFORMED);
	CHECK(mamori_cidrset_parse("", &s, &d) == MAMORI_E_MALFORMED);
	CHECK_OK(mamori_cidrset_parse("any", &s, &d));
	CHECK(mamori_cidrset_has(&s, &a));
}

int
main(void)
{
	static const struct check_case cases[] = {
	    CHECK_CASE(reader_bounds),
	    CHECK_CASE(buf_cap),
	    CHECK_CASE(json_escapes),
	    CHECK_CASE(conf_lines),
	    CHECK_CASE(cidr_sets),
	};

	return check_run("test_core", cases, sizeof(cases) / sizeof(cases[0]));
}
