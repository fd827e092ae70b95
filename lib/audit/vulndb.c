/* SPDX-License-Identifier: MIT */
/* The vulnerability database (include/mamori/vulndb.h, docs/formats/vulndb.md): jansson reads
 * the records, SQLite keeps them. */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mamori/decomp.h"
#include "mamori/report.h"
#include "mamori/vulndb.h"

#ifndef MAMORI_VULNDB
#define MAMORI_VULNDB "/var/lib/mamori/vulndb.sqlite"
#endif

#define SCHEMA_VERSION 1

struct mamori_vulndb {
	sqlite3 *db;
	sqlite3_stmt *del, *ins_vuln, *ins_aff;
};

/* Component name → the CPE vendor:product pairs of its upstream project (NVD's dictionary). */
static const struct {
	const char *name, *vendor, *product;
} cpe_map[] = {
    {"busybox", "busybox", "busybox"},
    {"dnsmasq", "thekelleys", "dnsmasq"},
    {"openssl", "openssl", "openssl"},
    {"dropbear", "dropbear_ssh_project", "dropbear_ssh"},
    {"openssh", "openbsd", "openssh"},
    {"hostapd", "w1.fi", "hostapd"},
    {"glibc", "gnu", "glibc"},
    {"uclibc", "uclibc", "uclibc"},
    {"uclibc", "uclibc-ng_project", "uclibc-ng"},
    {"musl", "musl-libc", "musl"},
    {"linux", "linux", "linux_kernel"},
    {"lighttpd", "lighttpd", "lighttpd"},
    {"boa", "boa", "boa"},
    {"goahead", "embedthis", "goahead"},
    {"miniupnpd", "miniupnp_project", "miniupnpd"},
    {"miniupnpd", "miniupnp.free", "miniupnpd"},
    {"curl", "haxx", "curl"},
    {"curl", "haxx", "libcurl"},
    {"libupnp", "libupnp_project", "libupnp"},
    {"libupnp", "portable_sdk_for_upnp_project", "portable_sdk_for_upnp"},
    {"mbedtls", "arm", "mbed_tls"},
    {"mbedtls", "arm", "mbedtls"},
    {"wolfssl", "wolfssl", "wolfssl"},
    {"uhttpd", "openwrt", "uhttpd"},
};

static mamori_err
sqlerr(struct mamori_vulndb *db, struct mamori_diag *d, const char *what)
{
	int code = sqlite3_errcode(db->db);

	return mamori_diag_set(d,
	    code == SQLITE_NOTADB || code == SQLITE_CORRUPT ? MAMORI_E_MALFORMED : MAMORI_E_IO, 0,
	    0, "%s: %s", what, sqlite3_errmsg(db->db));
}

static const char schema[] =
    "CREATE TABLE vuln (id TEXT PRIMARY KEY, kind TEXT NOT NULL, summary TEXT NOT NULL,"
    " severity TEXT NOT NULL, score REAL, vector TEXT NOT NULL, kev INTEGER NOT NULL,"
    " aliases TEXT NOT NULL, published TEXT NOT NULL, modified TEXT NOT NULL,"
    " source TEXT NOT NULL);"
    "CREATE TABLE affected (vuln TEXT NOT NULL REFERENCES vuln(id) ON DELETE CASCADE,"
    " vendor TEXT NOT NULL, product TEXT NOT NULL, exact TEXT, start TEXT, start_incl INTEGER,"
    " end TEXT, end_incl INTEGER);"
    "CREATE INDEX affected_product ON affected(product);"
    "CREATE INDEX affected_vuln ON affected(vuln);"
    "PRAGMA user_version = 1;";

const char *
mamori_vulndb_default_path(const char *explicit_path)
{
	const char *env;

	if (explicit_path != NULL)
		return explicit_path;
	env = getenv("MAMORI_VULNDB");
	return env != NULL && env[0] != '\0' ? env : MAMORI_VULNDB;
}

void
mamori_vulndb_close(struct mamori_vulndb *db)
{
	if (db == NULL)
		return;
	sqlite3_finalize(db->del);
	sqlite3_finalize(db->ins_vuln);
	sqlite3_finalize(db->ins_aff);
	sqlite3_close(db->db);
	free(db);
}

static mamori_err
user_version(struct mamori_vulndb *db, const char *path, int *v, struct mamori_diag *d)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->db, "PRAGMA user_version", -1, &st, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? MAMORI_OK : sqlerr(db, d, path);
}

mamori_err
mamori_vulndb_open(const char *path, bool create, struct mamori_vulndb **out, struct mamori_diag *d)
{
	struct mamori_vulndb *db;
	struct stat sb;
	int flags = create ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
	int v = 0;
	mamori_err e;

	*out = NULL;
	if (strcmp(path, ":memory:") != 0 && !create && stat(path, &sb) != 0)
		return mamori_diag_set(
		    d, MAMORI_E_NOTFOUND, 0, 0, "no vulnerability database at %s", path);
	db = calloc(1, sizeof(*db));
	if (db == NULL)
		return MAMORI_E_NOMEM;
	if (sqlite3_open_v2(path, &db->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		e = mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: %s", path,
		    db->db != NULL ? sqlite3_errmsg(db->db) : "out of memory");
		mamori_vulndb_close(db);
		return e;
	}
	sqlite3_busy_timeout(db->db, 5000); /* another import holds the lock: wait, then fail */
	e = user_version(db, path, &v, d);
	if (e == MAMORI_OK && v == 0 && create) {
		if (sqlite3_exec(db->db, schema, NULL, NULL, NULL) != SQLITE_OK)
			e = sqlerr(db, d, "creating the tables");
		else
			v = SCHEMA_VERSION;
	}
	if (e == MAMORI_OK && v != SCHEMA_VERSION)
		e = mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0,
		    "%s: not a mamori vulnerability database (schema version %d, expected %d)",
		    path, v, SCHEMA_VERSION);
	if (e == MAMORI_OK &&
	    sqlite3_exec(db->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK)
		e = sqlerr(db, d, path);
	if (e != MAMORI_OK) {
		mamori_vulndb_close(db);
		return e;
	}
	*out = db;
	return MAMORI_OK;
}

/* --- version order --- */

static bool
prerelease(const char *s, size_t n)
{
	static const char *const words[] = {"alpha", "beta", "pre", "rc", "test"};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (n >= strlen(words[i]) && strncasecmp(s, words[i], strlen(words[i])) == 0)
			return true;
	return false;
}

/* The next piece at *s: a digit run or a letter run; other characters are separators. */
static bool
piece(const char **s, const char **p, size_t *n, bool *num)
{
	const char *q = *s;

	while (*q != '\0' && !isalnum((unsigned char)*q))
		q++;
	if (*q == '\0') {
		*s = q;
		return false;
	}
	*p = q;
	*num = isdigit((unsigned char)*q) != 0;
	while (
	    *q != '\0' && isalnum((unsigned char)*q) && (isdigit((unsigned char)*q) != 0) == *num)
		q++;
	*n = (size_t)(q - *p);
	*s = q;
	return true;
}

int
mamori_version_cmp(const char *a, const char *b)
{
	for (;;) {
		const char *pa = NULL, *pb = NULL;
		size_t na = 0, nb = 0;
		bool ka = false, kb = false;
		bool ha = piece(&a, &pa, &na, &ka), hb = piece(&b, &pb, &nb, &kb);

		if (!ha && !hb)
			return 0;
		if (!ha)
			return !kb && prerelease(pb, nb) ? 1 : -1;
		if (!hb)
			return !ka && prerelease(pa, na) ? -1 : 1;
		if (ka && kb) {
			while (na > 1 && *pa == '0')
				pa++, na--;
			while (nb > 1 && *pb == '0')
				pb++, nb--;
			if (na != nb)
				return na < nb ? -1 : 1;
			int c = memcmp(pa, pb, na);
			if (c != 0)
				return c < 0 ? -1 : 1;
		} else if (ka != kb) {
			/* "1.0rc1" vs "1.0.1": letters first, unless they are a pre-release word */
			return ka ? 1 : -1;
		} else {
			size_t m = na < nb ? na : nb;
			bool ra = prerelease(pa, na), rb = prerelease(pb, nb);
			int c = strncasecmp(pa, pb, m);

			if (ra != rb) /* "1.0.0-beta1" < "1.0.0a" */
				return ra ? -1 : 1;

			if (c != 0)
				return c < 0 ? -1 : 1;
			if (na != nb)
				return na < nb ? -1 : 1;
		}
	}
}

/* --- import --- */

struct imp {
	struct mamori_vulndb *db;
	const char *name;
	struct mamori_vulndb_stats *st;
	struct mamori_diag *d;
	size_t index; /* record number, 1-based */
	const char *id;
	size_t ranges;
};

static mamori_err
bad(struct imp *im, const char *field, const char *why)
{
	return mamori_diag_set(im->d, MAMORI_E_MALFORMED, 0, 0, "%s: record %zu (id %s): %s: %s",
	    im->name, im->index, im->id != NULL ? im->id : "?", field, why);
}

/* A string member of o, or NULL; MAMORI_E_MALFORMED when present with another type or longer
 * than max. */
static mamori_err
str_member(struct imp *im, json_t *o, const char *key, size_t max, const char **out)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return MAMORI_OK;
	if (!json_is_string(v))
		return bad(im, key, "not a string");
	if (json_string_length(v) >= max) {
		char why[64];

		(void)snprintf(why, sizeof(why), "longer than %zu bytes", max - 1);
		return bad(im, key, why);
	}
	*out = json_string_value(v);
	return MAMORI_OK;
}

static bool
id_ok(const char *s)
{
	if (s[0] == '\0')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.' && *s != ':')
			return false;
	return true;
}

/* Copies at most cap - 1 bytes of s, cut on a UTF-8 boundary, with control bytes as spaces. */
static void
clip(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	for (size_t i = 0; i < n; i++) {
		dst[i] = s[i];
		if ((unsigned char)dst[i] < 0x20)
			dst[i] = ' ';
	}
	dst[n] = '\0';
}

static mamori_err
stmt_done(struct imp *im, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? MAMORI_OK : sqlerr(im->db, im->d, im->name);
}

static mamori_err
delete_vuln(struct imp *im, const char *id)
{
	sqlite3_bind_text(im->db->del, 1, id, -1, SQLITE_TRANSIENT);
	return stmt_done(im, im->db->del);
}

struct vrow {
	const char *id, *kind, *severity, *vector, *aliases, *published, *modified;
	char summary[MAMORI_VULNDB_SUMMARY_MAX];
	char sev[16]; /* lower case, behind severity */
	double score; /* < 0: none */
	bool kev;
};

static mamori_err
insert_vuln(struct imp *im, const struct vrow *v)
{
	sqlite3_stmt *st = im->db->ins_vuln;
	const char *base = strrchr(im->name, '/');
	mamori_err e = delete_vuln(im, v->id);

	if (e != MAMORI_OK)
		return e;
	sqlite3_bind_text(st, 1, v->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, v->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, v->summary, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, v->severity, -1, SQLITE_TRANSIENT);
	if (v->score >= 0)
		sqlite3_bind_double(st, 5, v->score);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_text(st, 6, v->vector, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 7, v->kev ? 1 : 0);
	sqlite3_bind_text(st, 8, v->aliases, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 9, v->published, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 10, v->modified, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 11, base != NULL ? base + 1 : im->name, -1, SQLITE_TRANSIENT);
	e = stmt_done(im, st);
	if (e == MAMORI_OK)
		im->st->records++;
	return e;
}

static void
bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static mamori_err
insert_range(struct imp *im, const char *vendor, const char *product, const char *exact,
    const char *start, bool start_incl, const char *end, bool end_incl)
{
	sqlite3_stmt *st = im->db->ins_aff;

	if (++im->ranges > MAMORI_VULNDB_RANGES_MAX)
		return bad(im, "affected", "more than MAMORI_VULNDB_RANGES_MAX affected rows");
	sqlite3_bind_text(st, 1, im->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, vendor, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, product, -1, SQLITE_TRANSIENT);
	bind_opt(st, 4, exact);
	bind_opt(st, 5, start);
	sqlite3_bind_int(st, 6, start_incl ? 1 : 0);
	bind_opt(st, 7, end);
	sqlite3_bind_int(st, 8, end_incl ? 1 : 0);
	im->st->ranges++;
	return stmt_done(im, st);
}

/* Splits a CPE 2.3 formatted string into its fields (unescaping "\x"): "cpe", "2.3", part,
 * vendor, product, version, update, ... Returns the number of fields, or 0 when malformed. */
static size_t
cpe_fields(const char *cpe, char buf[MAMORI_VULNDB_CPE_MAX], const char *f[13])
{
	size_t nf = 0, k = 0;

	f[nf++] = buf;
	for (const char *s = cpe; *s; s++) {
		if (k + 1 >= MAMORI_VULNDB_CPE_MAX)
			return 0;
		if (*s == '\\' && s[1] != '\0') {
			buf[k++] = *++s;
		} else if (*s == ':') {
			if (nf == 13)
				return 0;
			buf[k++] = '\0';
			f[nf++] = buf + k;
		} else {
			buf[k++] = (char)tolower((unsigned char)*s);
		}
	}
	buf[k] = '\0';
	return nf;
}

static mamori_err
nvd_cpe(struct imp *im, json_t *m)
{
	const char *crit, *s_in, *s_ex, *e_in, *e_ex, *f[13];
	char buf[MAMORI_VULNDB_CPE_MAX], exact[MAMORI_VULNDB_VERSION_MAX * 2];
	json_t *vuln = json_object_get(m, "vulnerable");
	mamori_err e;
	size_t nf;

	if (!json_is_object(m))
		return bad(im, "cpeMatch", "not an object");
	if (!json_is_true(vuln))
		return MAMORI_OK; /* the platform of an AND node: not what is vulnerable */
	if ((e = str_member(im, m, "criteria", MAMORI_VULNDB_CPE_MAX, &crit)) != MAMORI_OK ||
	    (e = str_member(im, m, "versionStartIncluding", MAMORI_VULNDB_VERSION_MAX, &s_in)) !=
	        MAMORI_OK ||
	    (e = str_member(im, m, "versionStartExcluding", MAMORI_VULNDB_VERSION_MAX, &s_ex)) !=
	        MAMORI_OK ||
	    (e = str_member(im, m, "versionEndIncluding", MAMORI_VULNDB_VERSION_MAX, &e_in)) !=
	        MAMORI_OK ||
	    (e = str_member(im, m, "versionEndExcluding", MAMORI_VULNDB_VERSION_MAX, &e_ex)) !=
	        MAMORI_OK)
		return e;
	if (crit == NULL)
		return bad(im, "cpeMatch.criteria", "missing");
	nf = cpe_fields(crit, buf, f);
	if (nf < 7 || strcmp(f[0], "cpe") != 0 || strcmp(f[1], "2.3") != 0 || strlen(f[2]) != 1 ||
	    strchr("aoh", f[2][0]) == NULL)
		return bad(
		    im, "cpeMatch.criteria", "not a CPE 2.3 string (cpe:2.3:part:vendor:...)");
	if (strlen(f[3]) >= MAMORI_VULNDB_NAME_MAX || strlen(f[4]) >= MAMORI_VULNDB_NAME_MAX ||
	    strlen(f[5]) >= MAMORI_VULNDB_VERSION_MAX || strlen(f[6]) >= MAMORI_VULNDB_VERSION_MAX)
		return bad(im, "cpeMatch.criteria", "a field is too long");
	if (s_in != NULL || s_ex != NULL || e_in != NULL || e_ex != NULL)
		return insert_range(im, f[3], f[4], NULL, s_in != NULL ? s_in : s_ex, s_in != NULL,
		    e_in != NULL ? e_in : e_ex, e_in != NULL);
	if (strcmp(f[5], "*") == 0 || strcmp(f[5], "-") == 0)
		return insert_range(im, f[3], f[4], NULL, NULL, false, NULL, false);
	if (strcmp(f[6], "*") != 0 && strcmp(f[6], "-") != 0)
		(void)snprintf(exact, sizeof(exact), "%s-%s", f[5], f[6]);
	else
		(void)snprintf(exact, sizeof(exact), "%s", f[5]);
	return insert_range(im, f[3], f[4], exact, NULL, false, NULL, false);
}

static mamori_err
nvd_metrics(struct imp *im, json_t *metrics, struct vrow *v)
{
	static const char *const lists[] = {
	    "cvssMetricV31", "cvssMetricV30", "cvssMetricV40", "cvssMetricV2"};

	if (metrics == NULL)
		return MAMORI_OK;
	if (!json_is_object(metrics))
		return bad(im, "metrics", "not an object");
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		json_t *a = json_object_get(metrics, lists[i]), *pick = NULL, *m, *data, *x;
		size_t k;

		if (a == NULL)
			continue;
		if (!json_is_array(a))
			return bad(im, lists[i], "not an array");
		json_array_foreach(a, k, m)
		{
			json_t *type = json_object_get(m, "type");

			if (pick == NULL || (json_is_string(type) &&
			                        strcmp(json_string_value(type), "Primary") == 0)) {
				pick = m;
				if (json_is_string(type) &&
				    strcmp(json_string_value(type), "Primary") == 0)
					break;
			}
		}
		if (pick == NULL)
			continue;
		data = json_object_get(pick, "cvssData");
		if (!json_is_object(data))
			return bad(im, lists[i], "cvssData missing");
		x = json_object_get(data, "baseScore");
		if (!json_is_number(x) || json_number_value(x) < 0 || json_number_value(x) > 10)
			return bad(im, lists[i], "baseScore not a number from 0 to 10");
		v->score = json_number_value(x);
		x = json_object_get(data, "baseSeverity");
		if (x == NULL)
			x = json_object_get(pick, "baseSeverity"); /* where V2 keeps it */
		if (json_is_string(x) && json_string_length(x) < sizeof(v->sev)) {
			size_t w = 0;

			for (const char *c = json_string_value(x); *c; c++)
				v->sev[w++] = (char)tolower((unsigned char)*c);
			v->sev[w] = '\0';
			v->severity = v->sev;
		}
		x = json_object_get(data, "vectorString");
		if (json_is_string(x) && json_string_length(x) < MAMORI_VULNDB_FIELD_MAX)
			v->vector = json_string_value(x);
		return MAMORI_OK;
	}
	return MAMORI_OK;
}

/* The fields both formats share: id (checked), the dates (modified under its own key). */
static mamori_err
record_head(struct imp *im, json_t *o, const char *kind, const char *modified_key, struct vrow *v)
{
	const char *s;
	mamori_err e;

	memset(v, 0, sizeof(*v));
	v->kind = kind;
	v->severity = v->vector = v->aliases = v->published = v->modified = "";
	v->score = -1;
	if (!json_is_object(o))
		return bad(im, "record", "not an object");
	if ((e = str_member(im, o, "id", MAMORI_CVE_ID_MAX, &v->id)) != MAMORI_OK)
		return e;
	if (v->id == NULL || !id_ok(v->id))
		return bad(im, "id", "missing or not an id ([A-Za-z0-9-_.:])");
	im->id = v->id;
	im->ranges = 0;
	if ((e = str_member(im, o, "published", MAMORI_VULNDB_FIELD_MAX, &s)) != MAMORI_OK)
		return e;
	if (s != NULL)
		v->published = s;
	if ((e = str_member(im, o, modified_key, MAMORI_VULNDB_FIELD_MAX, &s)) != MAMORI_OK)
		return e;
	if (s != NULL)
		v->modified = s;
	return MAMORI_OK;
}

static mamori_err
nvd_record(struct imp *im, json_t *c)
{
	struct vrow v;
	const char *status;
	json_t *a, *x, *cfg;
	mamori_err e;
	size_t i, j, k;

	if ((e = record_head(im, c, "nvd", "lastModified", &v)) != MAMORI_OK ||
	    (e = str_member(im, c, "vulnStatus", MAMORI_VULNDB_FIELD_MAX, &status)) != MAMORI_OK)
		return e;
	if (status != NULL && strcmp(status, "Rejected") == 0) {
		im->st->rejected++;
		return delete_vuln(im, v.id);
	}
	a = json_object_get(c, "descriptions");
	if (a != NULL && !json_is_array(a))
		return bad(im, "descriptions", "not an array");
	json_array_foreach(a, i, x)
	{
		json_t *lang = json_object_get(x, "lang"), *val = json_object_get(x, "value");

		if (json_is_string(lang) && strcmp(json_string_value(lang), "en") == 0 &&
		    json_is_string(val)) {
			clip(v.summary, sizeof(v.summary), json_string_value(val));
			break;
		}
	}
	if ((e = nvd_metrics(im, json_object_get(c, "metrics"), &v)) != MAMORI_OK)
		return e;
	v.kev = json_object_get(c, "cisaExploitAdd") != NULL;
	if ((e = insert_vuln(im, &v)) != MAMORI_OK)
		return e;
	cfg = json_object_get(c, "configurations");
	if (cfg != NULL && !json_is_array(cfg))
		return bad(im, "configurations", "not an array");
	json_array_foreach(cfg, i, x)
	{
		json_t *nodes = json_object_get(x, "nodes"), *node;

		if (!json_is_array(nodes))
			return bad(im, "configurations.nodes", "not an array");
		json_array_foreach(nodes, j, node)
		{
			json_t *cm = json_object_get(node, "cpeMatch"), *m;

			if (json_is_true(json_object_get(node, "negate")))
				continue; /* "everything but": not a list of affected versions */
			if (!json_is_array(cm))
				return bad(im, "nodes.cpeMatch", "not an array");
			json_array_foreach(cm, k, m)
			{
				if ((e = nvd_cpe(im, m)) != MAMORI_OK)
					return e;
			}
		}
	}
	return MAMORI_OK;
}

static bool
distro(const char *eco)
{
	static const char *const names[] = {"debian", "ubuntu", "alpine", "red hat", "redhat",
	    "suse", "opensuse", "rocky linux", "almalinux", "photon os", "mageia", "wolfi",
	    "chainguard", "openeuler", "azure linux", "mariner"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i]);

		if (strncasecmp(eco, names[i], n) == 0 && (eco[n] == '\0' || eco[n] == ':'))
			return true;
	}
	return false;
}

static mamori_err
osv_affected(struct imp *im, json_t *af)
{
	json_t *pkg, *ranges, *versions, *r, *x;
	const char *name, *eco;
	char product[MAMORI_VULNDB_NAME_MAX];
	mamori_err e;
	size_t i, k;

	if (!json_is_object(af))
		return bad(im, "affected", "not an object");
	pkg = json_object_get(af, "package");
	if (pkg == NULL)
		return MAMORI_OK; /* ranges of a repository only (GIT): nothing to compare with */
	if (!json_is_object(pkg))
		return bad(im, "affected.package", "not an object");
	if ((e = str_member(im, pkg, "name", MAMORI_VULNDB_NAME_MAX, &name)) != MAMORI_OK ||
	    (e = str_member(im, pkg, "ecosystem", MAMORI_VULNDB_NAME_MAX, &eco)) != MAMORI_OK)
		return e;
	if (name == NULL || name[0] == '\0')
		return bad(im, "affected.package.name", "missing");
	if (eco != NULL && distro(eco)) {
		im->st->skipped++;
		return MAMORI_OK;
	}
	for (i = 0; name[i]; i++)
		product[i] = (char)tolower((unsigned char)name[i]);
	product[i] = '\0';
	ranges = json_object_get(af, "ranges");
	if (ranges != NULL && !json_is_array(ranges))
		return bad(im, "affected.ranges", "not an array");
	json_array_foreach(ranges, i, r)
	{
		json_t *type = json_object_get(r, "type"), *events = json_object_get(r, "events");
		const char *start = NULL;
		bool open = false;

		if (!json_is_string(type) || !json_is_array(events))
			return bad(im, "affected.ranges", "type or events missing");
		if (strcmp(json_string_value(type), "ECOSYSTEM") != 0 &&
		    strcmp(json_string_value(type), "SEMVER") != 0) {
			im->st->skipped++;
			continue;
		}
		json_array_foreach(events, k, x)
		{
			const char *intro, *fixed, *last;

			if (!json_is_object(x))
				return bad(im, "ranges.events", "not an object");
			if ((e = str_member(im, x, "introduced", MAMORI_VULNDB_VERSION_MAX,
			         &intro)) != MAMORI_OK ||
			    (e = str_member(im, x, "fixed", MAMORI_VULNDB_VERSION_MAX, &fixed)) !=
			        MAMORI_OK ||
			    (e = str_member(im, x, "last_affected", MAMORI_VULNDB_VERSION_MAX,
			         &last)) != MAMORI_OK)
				return e;
			if (intro != NULL) {
				start = strcmp(intro, "0") == 0 ? NULL : intro;
				open = true;
			} else if ((fixed != NULL || last != NULL) && open) {
				e = insert_range(im, "", product, NULL, start, true,
				    fixed != NULL ? fixed : last, fixed == NULL);
				if (e != MAMORI_OK)
					return e;
				open = false;
			}
		}
		if (open && (e = insert_range(im, "", product, NULL, start, true, NULL, false)) !=
		                MAMORI_OK)
			return e;
	}
	versions = json_object_get(af, "versions");
	if (versions != NULL && !json_is_array(versions))
		return bad(im, "affected.versions", "not an array");
	json_array_foreach(versions, i, x)
	{
		if (!json_is_string(x) || json_string_length(x) >= MAMORI_VULNDB_VERSION_MAX)
			return bad(im, "affected.versions", "not a string of at most 63 bytes");
		if ((e = insert_range(im, "", product, json_string_value(x), NULL, false, NULL,
		         false)) != MAMORI_OK)
			return e;
	}
	return MAMORI_OK;
}

static mamori_err
osv_record(struct imp *im, json_t *o)
{
	struct vrow v;
	char aliases[MAMORI_VULNDB_FIELD_MAX] = "", sev[16] = "";
	json_t *a, *x;
	mamori_err e;
	size_t i;

	if ((e = record_head(im, o, "osv", "modified", &v)) != MAMORI_OK)
		return e;
	if (json_object_get(o, "withdrawn") != NULL) {
		im->st->rejected++;
		return delete_vuln(im, v.id);
	}
	a = json_object_get(o, "aliases");
	if (a != NULL && !json_is_array(a))
		return bad(im, "aliases", "not an array");
	json_array_foreach(a, i, x)
	{
		size_t n = strlen(aliases);

		if (!json_is_string(x) || !id_ok(json_string_value(x)) ||
		    json_string_length(x) >= MAMORI_CVE_ID_MAX)
			return bad(im, "aliases", "not an id");
		if (n + json_string_length(x) + 2 < sizeof(aliases))
			(void)snprintf(aliases + n, sizeof(aliases) - n, "%s%s", n ? " " : "",
			    json_string_value(x));
	}
	v.aliases = aliases;
	x = json_object_get(o, "summary");
	if (!json_is_string(x) || json_string_length(x) == 0)
		x = json_object_get(o, "details");
	if (json_is_string(x))
		clip(v.summary, sizeof(v.summary), json_string_value(x));
	x = json_object_get(json_object_get(o, "database_specific"), "severity");
	if (json_is_string(x) && json_string_length(x) < sizeof(sev)) {
		for (i = 0; json_string_value(x)[i]; i++)
			sev[i] = (char)tolower((unsigned char)json_string_value(x)[i]);
		sev[i] = '\0';
		if (strcmp(sev, "moderate") == 0)
			(void)snprintf(sev, sizeof(sev), "medium");
		if (strcmp(sev, "critical") == 0 || strcmp(sev, "high") == 0 ||
		    strcmp(sev, "medium") == 0 || strcmp(sev, "low") == 0)
			v.severity = sev;
	}
	a = json_object_get(o, "severity");
	json_array_foreach(a, i, x)
	{
		json_t *score = json_object_get(x, "score");

		if (json_is_string(score) && json_string_length(score) < MAMORI_VULNDB_FIELD_MAX) {
			v.vector = json_string_value(score);
			break;
		}
	}
	if ((e = insert_vuln(im, &v)) != MAMORI_OK)
		return e;
	a = json_object_get(o, "affected");
	if (a != NULL && !json_is_array(a))
		return bad(im, "affected", "not an array");
	json_array_foreach(a, i, x)
	{
		if ((e = osv_affected(im, x)) != MAMORI_OK)
			return e;
	}
	return MAMORI_OK;
}

enum kind { K_NONE, K_NVD, K_OSV };

static enum kind
record_kind(json_t *o)
{
	if (!json_is_object(o) || !json_is_string(json_object_get(o, "id")))
		return K_NONE;
	if (json_object_get(o, "affected") != NULL || json_object_get(o, "schema_version") != NULL)
		return K_OSV;
	if (json_object_get(o, "configurations") != NULL ||
	    json_object_get(o, "sourceIdentifier") != NULL ||
	    json_object_get(o, "vulnStatus") != NULL)
		return K_NVD;
	if (json_object_get(o, "modified") != NULL)
		return K_OSV;
	return K_NONE;
}

static mamori_err
import_json(struct imp *im, json_t *root)
{
	json_t *list = NULL, *x;
	enum kind k = K_NONE;
	bool wrapped = false;
	mamori_err e;
	size_t i;

	if (json_is_object(root) && json_is_array(json_object_get(root, "vulnerabilities"))) {
		list = json_object_get(root, "vulnerabilities");
		k = K_NVD;
		wrapped = true;
	} else if (json_is_array(root)) {
		list = root;
		k = json_array_size(root) > 0 ? record_kind(json_array_get(root, 0)) : K_NVD;
	} else {
		k = record_kind(root);
	}
	if (k == K_NONE)
		return mamori_diag_set(im->d, MAMORI_E_MALFORMED, 0, 0,
		    "%s: neither NVD CVE JSON 2.0 nor OSV: expected {\"vulnerabilities\": [...]}, "
		    "a record with \"id\" and \"configurations\" (NVD) or \"affected\" (OSV), or "
		    "an array of records",
		    im->name);
	im->st->format = k == K_NVD ? "nvd" : "osv";
	if (list == NULL) {
		im->index = 1;
		return k == K_NVD ? nvd_record(im, root) : osv_record(im, root);
	}
	if (json_array_size(list) > MAMORI_VULNDB_RECORDS_MAX)
		return mamori_diag_set(im->d, MAMORI_E_TOOBIG, 0, 0,
		    "%s: more than %u records in one file", im->name, MAMORI_VULNDB_RECORDS_MAX);
	json_array_foreach(list, i, x)
	{
		im->index = i + 1;
		im->id = NULL;
		if (wrapped) {
			x = json_object_get(x, "cve");
			if (x == NULL)
				return bad(im, "vulnerabilities[]", "no \"cve\" object");
		} else if (record_kind(x) != k) {
			return bad(im, "record", "not of the same format as the first record");
		}
		e = k == K_NVD ? nvd_record(im, x) : osv_record(im, x);
		if (e != MAMORI_OK)
			return e;
	}
	return MAMORI_OK;
}

static mamori_err
prepare(struct mamori_vulndb *db, struct mamori_diag *d)
{
	if (db->del != NULL)
		return MAMORI_OK;
	if (sqlite3_prepare_v2(db->db, "DELETE FROM vuln WHERE id = ?1", -1, &db->del, NULL) !=
	        SQLITE_OK ||
	    sqlite3_prepare_v2(db->db,
	        "INSERT INTO vuln (id, kind, summary, severity, score, vector, kev, aliases,"
	        " published, modified, source) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
	        -1, &db->ins_vuln, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db->db,
	        "INSERT INTO affected (vuln, vendor, product, exact, start, start_incl, end,"
	        " end_incl) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
	        -1, &db->ins_aff, NULL) != SQLITE_OK)
		return sqlerr(db, d, "preparing the import");
	return MAMORI_OK;
}

mamori_err
mamori_vulndb_import(struct mamori_vulndb *db, const char *name, const uint8_t *p, size_t n,
    struct mamori_vulndb_stats *st, struct mamori_diag *d)
{
	struct imp im = {db, name, st, d, 0, NULL, 0};
	struct mamori_buf plain;
	json_error_t jerr;
	json_t *root;
	mamori_err e;

	memset(st, 0, sizeof(*st));
	mamori_buf_init(&plain, MAMORI_VULNDB_FILE_MAX);
	if (n > MAMORI_VULNDB_FILE_MAX)
		return mamori_diag_set(d, MAMORI_E_TOOBIG, 0, 0, "%s: larger than %zu MiB", name,
		    MAMORI_VULNDB_FILE_MAX >> 20);
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
		struct mamori_diag zd;

		mamori_diag_clear(&zd);
		e = mamori_decompress(
		    MAMORI_COMP_GZIP, p, n, MAMORI_VULNDB_FILE_MAX, &plain, NULL, &zd);
		if (e != MAMORI_OK) {
			mamori_buf_free(&plain);
			return mamori_diag_set(d, e, zd.off, 0, "%s: gzip: %s", name,
			    e == MAMORI_E_TOOBIG ? "larger than 512 MiB decompressed"
			                         : (zd.msg[0] ? zd.msg : mamori_strerror(e)));
		}
		p = plain.p;
		n = plain.len;
	}
	root = json_loadb((const char *)p, n, 0, &jerr);
	mamori_buf_free(&plain);
	if (root == NULL)
		return mamori_diag_set(d, MAMORI_E_MALFORMED, (uint64_t)jerr.position, 0,
		    "%s: not JSON: line %d column %d (byte %d): %s", name, jerr.line, jerr.column,
		    jerr.position, jerr.text);
	e = prepare(db, d);
	if (e == MAMORI_OK &&
	    sqlite3_exec(db->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		e = sqlerr(db, d, name);
	if (e == MAMORI_OK) {
		e = import_json(&im, root);
		if (e == MAMORI_OK && sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			e = sqlerr(db, d, name);
		if (e != MAMORI_OK)
			(void)sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
	}
	json_decref(root);
	if (e != MAMORI_OK)
		memset(st, 0, sizeof(*st)); /* nothing of the file stayed */
	return e;
}

/* --- match --- */

static double
rank(const struct mamori_vuln *v)
{
	return (v->kev ? 100.0 : 0.0) + (v->score >= 0 ? v->score : 5.0);
}

static int
by_rank(const void *a, const void *b)
{
	const struct mamori_vuln *x = a, *y = b;
	double rx = rank(x), ry = rank(y);

	if (rx != ry)
		return rx > ry ? -1 : 1;
	return strcmp(x->id, y->id);
}

static bool
in_row(sqlite3_stmt *st, const char *version)
{
	const char *exact = (const char *)sqlite3_column_text(st, 6);
	const char *start = (const char *)sqlite3_column_text(st, 7);
	const char *end = (const char *)sqlite3_column_text(st, 9);
	int c;

	if (exact != NULL)
		return mamori_version_cmp(version, exact) == 0;
	if (start != NULL) {
		c = mamori_version_cmp(version, start);
		if (c < 0 || (c == 0 && sqlite3_column_int(st, 8) == 0))
			return false;
	}
	if (end != NULL) {
		c = mamori_version_cmp(version, end);
		if (c > 0 || (c == 0 && sqlite3_column_int(st, 10) == 0))
			return false;
	}
	return true;
}

struct found {
	struct mamori_vuln *v;
	char (*aliases)[MAMORI_VULNDB_FIELD_MAX];
	size_t n, cap;
};

static mamori_err
keep(struct found *f, sqlite3_stmt *st)
{
	const char *id = (const char *)sqlite3_column_text(st, 0);
	const char *end = (const char *)sqlite3_column_text(st, 9);
	bool fixed = end != NULL && sqlite3_column_int(st, 10) == 0;
	struct mamori_vuln *v;

	if (id == NULL)
		return MAMORI_OK;
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].id, id) == 0) {
			/* several ranges of one record matched: keep the highest fix */
			if (fixed && (f->v[i].fixed[0] == '\0' ||
			                 mamori_version_cmp(end, f->v[i].fixed) > 0))
				clip(f->v[i].fixed, sizeof(f->v[i].fixed), end);
			return MAMORI_OK;
		}
	if (f->n == MAMORI_VULNDB_MATCHES_MAX)
		return MAMORI_E_TOOBIG;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		void *nv = realloc(f->v, cap * sizeof(*f->v));

		if (nv == NULL)
			return MAMORI_E_NOMEM;
		f->v = nv;
		nv = realloc(f->aliases, cap * sizeof(*f->aliases));
		if (nv == NULL)
			return MAMORI_E_NOMEM;
		f->aliases = nv;
		f->cap = cap;
	}
	v = &f->v[f->n];
	memset(v, 0, sizeof(*v));
	clip(v->id, sizeof(v->id), id);
	clip(v->severity, sizeof(v->severity),
	    sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1) : "");
	v->score = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_double(st, 2);
	v->kev = sqlite3_column_int(st, 3) != 0;
	clip(v->summary, sizeof(v->summary),
	    sqlite3_column_text(st, 4) ? (const char *)sqlite3_column_text(st, 4) : "");
	clip(f->aliases[f->n], sizeof(f->aliases[f->n]),
	    sqlite3_column_text(st, 5) ? (const char *)sqlite3_column_text(st, 5) : "");
	if (fixed)
		clip(v->fixed, sizeof(v->fixed), end);
	f->n++;
	return MAMORI_OK;
}

static mamori_err
query(struct mamori_vulndb *db, struct found *f, const char *vendor, const char *product,
    const char *version, struct mamori_diag *d)
{
	sqlite3_stmt *st = NULL;
	mamori_err e = MAMORI_OK;
	int rc;

	if (sqlite3_prepare_v2(db->db,
	        "SELECT v.id, v.severity, v.score, v.kev, v.summary, v.aliases, a.exact, a.start,"
	        " a.start_incl, a.end, a.end_incl FROM affected a JOIN vuln v ON v.id = a.vuln"
	        " WHERE a.product = ?2 AND a.vendor = ?1",
	        -1, &st, NULL) != SQLITE_OK)
		return sqlerr(db, d, "matching");
	sqlite3_bind_text(st, 1, vendor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, product, -1, SQLITE_STATIC);
	while (e == MAMORI_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		if (in_row(st, version))
			e = keep(f, st);
	if (e == MAMORI_OK && rc != SQLITE_DONE)
		e = sqlerr(db, d, "matching");
	else if (e == MAMORI_E_TOOBIG)
		e = mamori_diag_set(d, e, 0, 0, "%s %s: more than %u vulnerabilities matched",
		    product, version, MAMORI_VULNDB_MATCHES_MAX);
	sqlite3_finalize(st);
	return e;
}

static bool
alias_matched(const struct found *f, size_t i)
{
	const char *a = f->aliases[i];

	while (*a) {
		size_t n = strcspn(a, " ");

		for (size_t k = 0; k < f->n; k++)
			if (k != i && strlen(f->v[k].id) == n && strncmp(f->v[k].id, a, n) == 0)
				return true;
		a += n;
		a += strspn(a, " ");
	}
	return false;
}

mamori_err
mamori_vulndb_match(struct mamori_vulndb *db, const char *name, const char *version,
    struct mamori_vuln **out, size_t *n, struct mamori_diag *d)
{
	struct found f = {0};
	mamori_err e = MAMORI_OK;
	size_t w = 0;

	*out = NULL;
	*n = 0;
	if (version == NULL || !isdigit((unsigned char)version[0]))
		return MAMORI_OK;
	for (size_t i = 0; e == MAMORI_OK && i < sizeof(cpe_map) / sizeof(cpe_map[0]); i++)
		if (strcmp(cpe_map[i].name, name) == 0)
			e = query(db, &f, cpe_map[i].vendor, cpe_map[i].product, version, d);
	if (e == MAMORI_OK)
		e = query(db, &f, "", name, version, d);
	if (e != MAMORI_OK) {
		free(f.v);
		free(f.aliases);
		return e;
	}
	/* An OSV record that aliases a matched CVE says the same thing twice. */
	for (size_t i = 0; i < f.n; i++) {
		if (alias_matched(&f, i) && strncmp(f.v[i].id, "CVE-", 4) != 0)
			continue;
		if (w != i) {
			f.v[w] = f.v[i];
			memcpy(f.aliases[w], f.aliases[i], sizeof(f.aliases[w]));
		}
		w++;
	}
	free(f.aliases);
	if (w > 1)
		qsort(f.v, w, sizeof(*f.v), by_rank);
	if (w == 0) {
		free(f.v);
		f.v = NULL;
	}
	*out = f.v;
	*n = w;
	return MAMORI_OK;
}

mamori_err
mamori_vulndb_summary(struct mamori_vulndb *db, size_t *records, size_t *ranges,
    mamori_vulndb_product_fn fn, void *ctx, struct mamori_diag *d)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db->db,
	        "SELECT (SELECT count(*) FROM vuln), (SELECT count(*) FROM affected)", -1, &st,
	        NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return sqlerr(db, d, "counting");
	}
	*records = (size_t)sqlite3_column_int64(st, 0);
	*ranges = (size_t)sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	if (fn == NULL)
		return MAMORI_OK;
	if (sqlite3_prepare_v2(db->db,
	        "SELECT a.vendor, a.product, count(DISTINCT a.vuln),"
	        " count(DISTINCT CASE WHEN v.kev THEN v.id END)"
	        " FROM affected a JOIN vuln v ON v.id = a.vuln"
	        " GROUP BY a.vendor, a.product ORDER BY a.product, a.vendor",
	        -1, &st, NULL) != SQLITE_OK)
		return sqlerr(db, d, "listing");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(ctx, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1), (size_t)sqlite3_column_int64(st, 2),
		    (size_t)sqlite3_column_int64(st, 3));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? MAMORI_OK : sqlerr(db, d, "listing");
}

/* --- the check --- */

static int
severity_of(const struct mamori_vuln *v, size_t n)
{
	int sev = MAMORI_SEV_LOW;

	for (size_t i = 0; i < n; i++) {
		double s = v[i].score;
		int x = v[i].kev || s >= 9.0 ? MAMORI_SEV_CRITICAL
		        : s >= 7.0           ? MAMORI_SEV_HIGH
		        : s >= 4.0 || s < 0  ? MAMORI_SEV_MEDIUM
		                             : MAMORI_SEV_LOW;

		if (x > sev)
			sev = x;
	}
	return sev;
}

mamori_err
mamori_check_vulnerable(struct mamori_vulndb *db, struct mamori_report *r, struct mamori_diag *d)
{
	mamori_err e = MAMORI_OK;

	for (size_t i = 0; e == MAMORI_OK && i < r->nc; i++) {
		struct mamori_component *c = &r->c[i];
		struct mamori_vuln *v = NULL;
		char ev[MAMORI_FINDING_EVIDENCE_MAX], fixed[MAMORI_VULNDB_VERSION_MAX] = "";
		size_t n = 0, len, kev = 0;
		bool all_fixed = true;

		e = mamori_vulndb_match(db, c->name, c->version, &v, &n, d);
		if (e != MAMORI_OK || n == 0) {
			free(v);
			continue;
		}
		for (size_t k = 0; k < n; k++) {
			kev += v[k].kev;
			if (v[k].fixed[0] == '\0')
				all_fixed = false;
			else if (fixed[0] == '\0' || mamori_version_cmp(v[k].fixed, fixed) > 0)
				(void)snprintf(fixed, sizeof(fixed), "%s", v[k].fixed);
			if (k < MAMORI_COMPONENT_CVES_MAX &&
			    (e = mamori_component_add_cve(c, v[k].id)) != MAMORI_OK)
				break;
		}
		if (e != MAMORI_OK) {
			free(v);
			break;
		}
		len = (size_t)snprintf(ev, sizeof(ev), "%s %s: %zu known vulnerabilit%s", c->name,
		    c->version, n, n == 1 ? "y" : "ies");
		if (kev > 0 && len < sizeof(ev))
			len += (size_t)snprintf(ev + len, sizeof(ev) - len,
			    ", %zu in CISA's known-exploited catalog", kev);
		for (size_t k = 0; k < n && k < MAMORI_VULNDB_EVIDENCE_TOP && len < sizeof(ev);
		     k++) {
			char score[16] = "";

			if (v[k].score >= 0)
				(void)snprintf(score, sizeof(score), " %.1f", v[k].score);
			len += (size_t)snprintf(ev + len, sizeof(ev) - len, "%s%s%s%s",
			    k == 0 ? ": " : ", ", v[k].id, score, v[k].kev ? " KEV" : "");
		}
		if (n > MAMORI_VULNDB_EVIDENCE_TOP && len < sizeof(ev))
			len += (size_t)snprintf(ev + len, sizeof(ev) - len, " and %zu more",
			    n - MAMORI_VULNDB_EVIDENCE_TOP);
		if (all_fixed && fixed[0] != '\0' && len < sizeof(ev))
			(void)snprintf(ev + len, sizeof(ev) - len,
			    "; every matched range ends before %s", fixed);
		e = mamori_report_add(
		    r, "component.vulnerable", severity_of(v, n), c->path, 0, 0, ev);
		free(v);
	}
	return e;
}
