/* SPDX-License-Identifier: MIT */
/* Component identification from file contents and names, for the SBOM and the vulnerability
 * match, and component.end-of-life for series whose upstream support has ended.
 *
 * The patterns are a C table (below), each with where it comes from: a literal that the
 * upstream source compiles into the binary, followed by the version. Content rules search files
 * whose path matches a glob; name rules read the version from a file name (uClibc, sonames) and
 * only apply when no content rule identified that component anywhere in the tree, because a
 * name carries less (libssl.so.1.0.0 is every 1.0.x release). */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/elf.h"
#include "mamori/finding.h"
#include "mamori/fstree.h"

enum how {
	CONTENT, /* version follows marker in the file's bytes */
	NAME,    /* version follows marker in the base name, up to suffix (or the end) */
};

struct rule {
	const char *name; /* component name in the SBOM */
	const char *glob; /* fnmatch() on the whole path, '*' crossing '/' */
	enum how how;
	const char *marker; /* literal, no regex */
	const char *suffix; /* NAME: text that ends the version, or NULL */
	const char *need;   /* CONTENT: another literal the file must hold, or NULL */
	const char *source; /* where the pattern comes from */
};

static const struct rule rules[] = {
    {"busybox", "*busybox*", CONTENT, "BusyBox v", NULL, NULL,
        "BB_BANNER \"BusyBox v\" BB_VER in include/libbb.h"},
    {"dnsmasq", "*dnsmasq*", CONTENT, "dnsmasq-", NULL, NULL,
        "\"dnsmasq-\" VERSION, the CHAOS TXT version.bind answer (src/config.h)"},
    {"openssl", "*libcrypto*", CONTENT, "OpenSSL ", NULL, NULL,
        "OPENSSL_VERSION_TEXT \"OpenSSL 0.9.8g 19 Oct 2007\" in crypto/opensslv.h"},
    {"openssl", "*libssl*", CONTENT, "OpenSSL ", NULL, NULL, "OPENSSL_VERSION_TEXT"},
    {"openssl", "*/openssl", CONTENT, "OpenSSL ", NULL, NULL, "OPENSSL_VERSION_TEXT"},
    {"dropbear", "*dropbear*", CONTENT, "dropbear_", NULL, NULL,
        "LOCAL_IDENT \"SSH-2.0-dropbear_\" DROPBEAR_VERSION (sysoptions.h)"},
    {"openssh", "*ssh*", CONTENT, "OpenSSH_", NULL, NULL,
        "SSH_VERSION \"OpenSSH_7.4\" (version.h)"},
    {"hostapd", "*hostapd*", CONTENT, "hostapd v", NULL, NULL,
        "\"hostapd v\" VERSION_STR banner (hostapd/main.c, hostapd.c in 0.5)"},
    {"glibc", "*libc.so.6", CONTENT, "stable release version ", NULL, "GNU C Library",
        "banner \"GNU C Library (...) stable release version 2.36.\" (csu/version.c)"},
    {"glibc", "*libc-2.*", CONTENT, "release version ", NULL, "GNU C Library",
        "banner of csu/version.c"},
    {"linux", "*.ko", CONTENT, "vermagic=", NULL, NULL,
        "MODULE_INFO(vermagic, VERMAGIC_STRING) = UTS_RELEASE \" \" flags (linux/vermagic.h)"},
    {"lighttpd", "*lighttpd*", CONTENT, "lighttpd/", NULL, NULL,
        "PACKAGE_DESC \"lighttpd/\" PACKAGE_VERSION, the Server header"},
    {"boa", "*boa*", CONTENT, "Boa/", NULL, NULL, "SERVER_VERSION \"Boa/0.94.13\" (src/defines.h)"},
    {"miniupnpd", "*miniupnpd*", CONTENT, "MiniUPnPd/", NULL, NULL,
        "MINIUPNPD_SERVER_STRING ... \" MiniUPnPd/\" MINIUPNPD_VERSION (miniupnpd config.h)"},
    {"curl", "*libcurl*", CONTENT, "CLIENT libcurl ", NULL, NULL,
        "\"CLIENT \" LIBCURL_NAME \" \" LIBCURL_VERSION, DICT protocol (lib/dict.c)"},
    {"curl", "*/curl", CONTENT, "curl ", NULL, "libcurl",
        "\"curl \" CURL_VERSION \" (\" OS \")\" of --version (src/tool_help.c)"},
    {"libupnp", "*libupnp*", CONTENT, "Portable SDK for UPnP devices/", NULL, NULL,
        "SERVER header \"Portable SDK for UPnP devices/\" PACKAGE_VERSION (upnp/src)"},
    {"mbedtls", "*mbed*", CONTENT, "mbed TLS ", NULL, NULL,
        "MBEDTLS_VERSION_STRING_FULL \"mbed TLS 2.14.1\" (include/mbedtls/version.h)"},
    {"mbedtls", "*mbed*", CONTENT, "Mbed TLS ", NULL, NULL,
        "MBEDTLS_VERSION_STRING_FULL in 3.x (\"Mbed TLS 3.x\")"},
    {"uclibc", "*libuClibc-*.so", NAME, "libuClibc-", ".so", NULL,
        "uClibc installs libuClibc-$(VERSION).so (Rules.mak)"},
    {"uclibc", "*ld-uClibc-*.so", NAME, "ld-uClibc-", ".so", NULL, "ld-uClibc-$(VERSION).so"},
    {"glibc", "*/libc-2.*.so", NAME, "libc-", ".so", NULL,
        "glibc < 2.34 installs libc-$(VERSION).so"},
    {"openssl", "*libssl.so.*", NAME, "libssl.so.", NULL, NULL,
        "soname libssl.so.$(SHLIB_VERSION_NUMBER): the series, not the letter release"},
    {"openssl", "*libcrypto.so.*", NAME, "libcrypto.so.", NULL, NULL,
        "soname libcrypto.so.$(SHLIB_VERSION_NUMBER)"},
};

static const uint8_t *
find(const uint8_t *p, size_t n, const char *lit, size_t ll)
{
	while (n >= ll) {
		const uint8_t *q = memchr(p, (unsigned char)lit[0], n - ll + 1);

		if (q == NULL)
			return NULL;
		if (memcmp(q, lit, ll) == 0)
			return q;
		n -= (size_t)(q - p) + 1;
		p = q + 1;
	}
	return NULL;
}

static bool
verchar(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '.' || c == '-' || c == '_' || c == '+';
}

/* A version at p[0..n): a digit first, then version characters with at least one '.';
 * trailing '.', '-', '_' dropped; not followed by a pattern character.
 * Returns its length (0 if none), at most MAMORI_COMP_VERSION_MAX - 1. */
static size_t
version_at(const uint8_t *p, size_t n, char out[static MAMORI_COMP_VERSION_MAX])
{
	size_t k = 0;

	if (n == 0 || p[0] < '0' || p[0] > '9')
		return 0;
	while (k < n && k < MAMORI_COMP_VERSION_MAX - 1 && verchar(p[k]))
		k++;
	if (k < n && k == MAMORI_COMP_VERSION_MAX - 1 && verchar(p[k]))
		return 0; /* longer than any version: not one */
	/* "OpenSSH_2.*" (ssh's compat table) and "2.%d" are patterns, not versions. */
	if (k < n && (p[k] == '*' || p[k] == '%' || p[k] == '?'))
		return 0;
	while (k > 0 && (p[k - 1] == '.' || p[k - 1] == '-' || p[k - 1] == '_'))
		k--;
	/* Every component we identify numbers its releases with a dot ("1.14.1", "2017.75"). */
	if (memchr(p, '.', k) == NULL)
		return 0;
	memcpy(out, p, k);
	out[k] = '\0';
	return k;
}

static bool
content_version(
    const struct rule *ru, const uint8_t *p, size_t n, char v[static MAMORI_COMP_VERSION_MAX])
{
	size_t ml = strlen(ru->marker);
	const uint8_t *q = p;
	size_t left = n;

	if (ru->need != NULL && find(p, n, ru->need, strlen(ru->need)) == NULL)
		return false;
	/* The first occurrence followed by a version: format strings ("MiniUPnPd/%s") and prose
	 * are skipped. */
	for (;;) {
		const uint8_t *m = find(q, left, ru->marker, ml);
		size_t at;

		if (m == NULL)
			return false;
		at = (size_t)(m - p) + ml;
		if (version_at(p + at, n - at, v) > 0)
			return true;
		left = n - (size_t)(m - p) - 1;
		q = m + 1;
	}
}

static bool
name_version(const struct rule *ru, const char *path, char v[static MAMORI_COMP_VERSION_MAX])
{
	const char *base = strrchr(path, '/');
	size_t ml = strlen(ru->marker), len;

	base = base != NULL ? base + 1 : path;
	if (strncmp(base, ru->marker, ml) != 0)
		return false;
	base += ml;
	len = strlen(base);
	if (ru->suffix != NULL) {
		const char *s = strstr(base, ru->suffix);

		if (s == NULL)
			return false;
		len = (size_t)(s - base);
	}
	if (len == 0 || len >= MAMORI_COMP_VERSION_MAX)
		return false;
	/* The whole span must be a version, not just its start. */
	return version_at((const uint8_t *)base, len, v) == len;
}

static bool
known(const struct mamori_report *r, const char *name, const char *version)
{
	for (size_t i = 0; i < r->nc; i++)
		if (strcmp(r->c[i].name, name) == 0 &&
		    (version == NULL || strcmp(r->c[i].version, version) == 0))
			return true;
	return false;
}

/* The leading numbers of a version: "0.9.8g" -> {0, 9, 8}; "2.6.33.2" -> {2, 6, 33}. */
static void
numbers(const char *v, unsigned out[3])
{
	out[0] = out[1] = out[2] = 0;
	for (int i = 0; i < 3; i++) {
		unsigned x = 0;

		if (*v < '0' || *v > '9')
			return;
		while (*v >= '0' && *v <= '9') {
			if (x < 100000)
				x = x * 10 + (unsigned)(*v - '0');
			v++;
		}
		out[i] = x;
		if (*v != '.')
			return;
		v++;
	}
}

/* The end-of-life basis for name/version, written into buf; false if still supported or
 * unknown. */
static bool
eol_basis(const char *name, const char *v, char *buf, size_t len)
{
	unsigned n[3];

	numbers(v, n);
	if (strcmp(name, "openssl") == 0) {
		/* openssl.org/policies/releasestrat.html and the release announcements:
		 * 0.9.8 and 1.0.0 ended 2015-12-31, 1.0.1 2016-12-31, 1.1.0 2019-09-11,
		 * 1.0.2 2019-12-31, 1.1.1 2023-09-11. */
		static const struct {
			unsigned a, b, c;
			const char *end;
		} s[] = {{0, 9, 8, "2015-12-31"},
		    {1, 0, 0,
		        "2015-12-31 (1.0.1 and 1.0.2 share its soname: 2016-12-31, 2019-12-31)"},
		    {1, 0, 1, "2016-12-31"}, {1, 0, 2, "2019-12-31"}, {1, 1, 0, "2019-09-11"},
		    {1, 1, 1, "2023-09-11"}};

		if (n[0] == 0 && (n[1] < 9 || (n[1] == 9 && n[2] < 8))) {
			snprintf(buf, len,
			    "OpenSSL %s: series older than 0.9.8, unsupported since "
			    "before 2015 (openssl.org release strategy)",
			    v);
			return true;
		}
		for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
			if (n[0] == s[i].a && n[1] == s[i].b && n[2] == s[i].c) {
				snprintf(buf, len,
				    "OpenSSL %s: the %u.%u.%u series reached end of "
				    "life on %s (openssl.org/policies/releasestrat.html); no "
				    "security fixes since",
				    v, s[i].a, s[i].b, s[i].c, s[i].end);
				return true;
			}
		return false;
	}
	if (strcmp(name, "linux") == 0) {
		/* kernel.org/category/releases.html: only the listed longterm series get fixes;
		 * every series before 4.19 has ended (2.6.32 in 2016, 4.14 in January 2024). */
		if (n[0] < 4 || (n[0] == 4 && n[1] < 19)) {
			snprintf(buf, len,
			    "Linux %s: the %u.%u series is no longer maintained "
			    "(kernel.org releases: every series before 4.19 has ended, the last 2.6 "
			    "longterm in 2016)",
			    v, n[0], n[1]);
			return true;
		}
		return false;
	}
	if (strcmp(name, "busybox") == 0) {
		/* busybox.net news: fixes are released only on the current stable branches; the
		 * 1.29 branch and older had their last release in 2018. */
		if (n[0] < 1 || (n[0] == 1 && n[1] < 30)) {
			snprintf(buf, len,
			    "BusyBox %s: the %u.%u branch has had no fix release "
			    "since 2018 (busybox.net releases only the current stable branches)",
			    v, n[0], n[1]);
			return true;
		}
		return false;
	}
	return false;
}

static mamori_err
add(struct mamori_report *r, const char *name, const char *version, const char *path)
{
	struct mamori_component *c;
	char basis[256];
	mamori_err err;

	if (known(r, name, version))
		return MAMORI_OK;
	err = mamori_report_component(r, name, version, path, &c);
	if (err != MAMORI_OK)
		return err;
	if (eol_basis(name, version, basis, sizeof(basis))) {
		c->end_of_life = true;
		err = mamori_report_add(r, "component.end-of-life", -1, path, 0, 0, basis);
	}
	return err;
}

mamori_err
mamori_check_components(
    const struct mamori_fstree *t, struct mamori_report *r, struct mamori_diag *d)
{
	size_t n, nr = sizeof(rules) / sizeof(rules[0]);
	char v[MAMORI_COMP_VERSION_MAX];
	bool *by_content;
	mamori_err err = MAMORI_OK;

	if (t == NULL || r == NULL)
		return MAMORI_E_INVAL;
	by_content = calloc(nr, sizeof(*by_content));
	if (by_content == NULL)
		return MAMORI_E_NOMEM;
	n = mamori_fstree_count(t);
	/* Pass 1: contents. */
	for (size_t i = 0; err == MAMORI_OK && i < n; i++) {
		const struct mamori_fs_node *f = mamori_fstree_at(t, i);

		if (f == NULL || f->type != MAMORI_FS_REG || f->data == NULL || f->size == 0 ||
		    f->size > MAMORI_COMP_SCAN_MAX)
			continue;
		for (size_t k = 0; err == MAMORI_OK && k < nr; k++) {
			if (rules[k].how != CONTENT || fnmatch(rules[k].glob, f->path, 0) != 0)
				continue;
			if (!content_version(&rules[k], f->data, (size_t)f->size, v))
				continue;
			err = add(r, rules[k].name, v, f->path);
		}
	}
	/* Pass 2: names, for components no content rule found. */
	for (size_t k = 0; err == MAMORI_OK && k < nr; k++)
		by_content[k] = known(r, rules[k].name, NULL);
	for (size_t i = 0; err == MAMORI_OK && i < n; i++) {
		const struct mamori_fs_node *f = mamori_fstree_at(t, i);

		if (f == NULL || f->type == MAMORI_FS_DIR)
			continue;
		for (size_t k = 0; err == MAMORI_OK && k < nr; k++) {
			if (rules[k].how != NAME || by_content[k] ||
			    fnmatch(rules[k].glob, f->path, 0) != 0)
				continue;
			if (!name_version(&rules[k], f->path, v))
				continue;
			err = add(r, rules[k].name, v, f->path);
		}
	}
	if (err != MAMORI_OK)
		mamori_diag_set(d, err, 0, 0, "component identification: %s", mamori_strerror(err));
	free(by_content);
	return err;
}
