/* SPDX-License-Identifier: MIT */
/* The finding catalog, the report model and the conformance view (docs/findings.md). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mamori/finding.h"
#include "mamori/report.h"

#define ETSI(x) "ETSI EN 303 645 " x
#define JC(x)                                                                                      \
	"JC-STAR \u2605"                                                                           \
	"1 " x
#define OWASP(x) "OWASP IoT 2018 " x
#define CRA(x)   "EU CRA Annex I Part I " x

/* JC-STAR ★1 requirements, named descriptively (no clause numbers). */
#define JC_DEFPW   "no common default passwords"
#define JC_PWCHG   "authentication value changeable"
#define JC_ACCESS  "access control"
#define JC_UPDATE  "secure update"
#define JC_UNUSED  "unused services and interfaces disabled"
#define JC_STORE   "secure storage of credentials"
#define JC_VULN    "vulnerability handling"
#define JC_PRIVACY "personal data protection"

/* Keep in step with docs/findings.md (tests/test_finding.c checks every id is there). */
static const struct mamori_finding_kind catalog[] = {
    {"account.empty-password", MAMORI_SEV_CRITICAL, "Account with an empty password",
        "Give every account a password that is unique per device or set by the user at first "
        "use, or lock the account ('!' or '*' in /etc/shadow) if nobody logs in with it.",
        {ETSI("5.1-1"), JC(JC_ACCESS), OWASP("I1"), OWASP("I9"), CRA("(2)(b)"), CRA("(2)(d)")}},
    {"account.default-password", MAMORI_SEV_CRITICAL,
        "Account password found in a default-credential dictionary",
        "Remove the shared factory password: generate a unique random password per device at "
        "manufacture (printed on the label) or force the user to set one at first login.",
        {ETSI("5.1-1"), ETSI("5.1-2"), JC(JC_DEFPW), OWASP("I1"), CRA("(2)(b)"), CRA("(2)(d)")}},
    {"account.store-shared-password", MAMORI_SEV_CRITICAL,
        "Password hash in a mamori account store shipped with the image",
        "Ship the store without passwords: run 'mamori cred provision' per device at "
        "manufacture (a unique password from the device secret) or leave the account without a "
        "password until first use.",
        {ETSI("5.1-1"), ETSI("5.1-2"), JC(JC_DEFPW), OWASP("I1"), CRA("(2)(b)"), CRA("(2)(d)")}},
    {"account.store-unreadable", MAMORI_SEV_MEDIUM, "mamori account store that does not parse",
        "Rebuild the store with 'mamori cred' (it refuses every login while it is damaged, "
        "truncated or edited by hand).",
        {ETSI("5.1-1"), JC(JC_ACCESS), OWASP("I1"), CRA("(2)(d)")}},
    {"account.uid0", MAMORI_SEV_HIGH, "Account other than root with UID 0",
        "Keep root as the only UID 0 account: give each service its own unprivileged UID and "
        "remove or renumber the alias.",
        {ETSI("5.6-7"), JC(JC_ACCESS), OWASP("I9"), CRA("(2)(d)")}},
    {"account.login-shell", MAMORI_SEV_MEDIUM, "Non-root account with a login shell and a password",
        "Set the shell of service accounts to /sbin/nologin and lock their passwords, unless a "
        "person must log in with the account.",
        {ETSI("5.6-7"), JC(JC_ACCESS), OWASP("I9"), CRA("(2)(j)")}},
    {"credential.hardcoded", MAMORI_SEV_HIGH,
        "Hard-coded credential in a script or configuration file",
        "Remove the credential from the image; generate a unique value per device at "
        "manufacture or first boot, or have the user set it, and keep it outside the firmware.",
        {ETSI("5.1-1"), ETSI("5.4-3"), JC(JC_DEFPW), JC(JC_STORE), OWASP("I1"), CRA("(2)(d)")}},
    {"key.private", MAMORI_SEV_HIGH, "Private key embedded in the image",
        "Do not ship private keys in firmware: generate them on each device at first boot or "
        "provision them per device into protected storage (secure element, TPM).",
        {ETSI("5.4-1"), ETSI("5.4-3"), ETSI("5.4-4"), JC(JC_STORE), OWASP("I7"), CRA("(2)(e)")}},
    {"key.host-shared", MAMORI_SEV_CRITICAL, "SSH or TLS host key shared by every unit",
        "Remove the host key from the image and generate it on each device at first boot "
        "(dropbearkey or ssh-keygen in the init script).",
        {ETSI("5.4-3"), ETSI("5.4-4"), JC(JC_STORE), OWASP("I7"), CRA("(2)(d)"), CRA("(2)(e)")}},
    {"cert.weak", MAMORI_SEV_MEDIUM, "Weak or expired certificate",
        "Replace the certificate with one using RSA of at least 2048 bits or ECDSA P-256 and a "
        "SHA-256 signature, valid for the product's support period.",
        {ETSI("5.5-1"), OWASP("I7"), CRA("(2)(e)")}},
    {"service.telnet", MAMORI_SEV_HIGH, "Telnet server started at boot",
        "Remove the Telnet daemon from the boot scripts; if remote access is needed, use SSH "
        "with per-device keys.",
        {ETSI("5.5-1"), ETSI("5.6-1"), JC(JC_UNUSED), OWASP("I2"), OWASP("I9"), CRA("(2)(j)")}},
    {"service.ftp", MAMORI_SEV_HIGH, "FTP server started at boot",
        "Remove the FTP server from the boot scripts; transfer files over SFTP or HTTPS with "
        "authentication instead.",
        {ETSI("5.5-1"), ETSI("5.6-1"), JC(JC_UNUSED), OWASP("I2"), OWASP("I9"), CRA("(2)(j)")}},
    {"service.tftp", MAMORI_SEV_HIGH, "TFTP server started at boot",
        "Remove the TFTP server from the boot scripts: TFTP has no authentication, so serve "
        "files with it only in a supervised recovery mode, if at all.",
        {ETSI("5.5-4"), ETSI("5.6-1"), JC(JC_UNUSED), OWASP("I2"), OWASP("I9"), CRA("(2)(d)"),
            CRA("(2)(j)")}},
    {"service.rlogin", MAMORI_SEV_HIGH, "rlogin, rsh or rexec service enabled",
        "Remove rlogind, rshd and rexecd and their inetd entries; use SSH with per-device keys "
        "for remote access.",
        {ETSI("5.5-1"), ETSI("5.6-1"), JC(JC_UNUSED), OWASP("I2"), OWASP("I9"), CRA("(2)(j)")}},
    {"service.bindshell", MAMORI_SEV_CRITICAL, "Shell bound to a network port without login",
        "Remove the command that binds a shell to a port (such as nc -l -e /bin/sh or "
        "telnetd -l /bin/sh) from the boot scripts: it gives anyone on the network a root shell.",
        {ETSI("5.5-4"), ETSI("5.6-1"), JC(JC_ACCESS), JC(JC_UNUSED), OWASP("I2"), CRA("(2)(d)"),
            CRA("(2)(j)")}},
    {"service.upnp-open", MAMORI_SEV_MEDIUM, "UPnP port mapping open to any client",
        "Disable UPnP by default, or turn on secure mode (miniupnpd secure_mode=yes) and limit "
        "its allow rules to LAN clients mapping their own address on high ports.",
        {ETSI("5.5-5"), ETSI("5.6-1"), JC(JC_UNUSED), OWASP("I2"), OWASP("I9"), CRA("(2)(b)"),
            CRA("(2)(j)")}},
    {"service.insecure", MAMORI_SEV_MEDIUM, "Insecure or unknown network service started at boot",
        "Start only the services the product needs; remove the others, and bind management "
        "services to the LAN side behind authentication.",
        {ETSI("5.6-1"), JC(JC_UNUSED), OWASP("I2"), OWASP("I9"), CRA("(2)(j)")}},
    {"service.configured-not-started", MAMORI_SEV_LOW, "Service configured but never started",
        "Remove the unused configuration and binary from the image, so that a later change "
        "cannot enable the service by accident.",
        {ETSI("5.6-6"), CRA("(2)(j)")}},
    {"console.shell", MAMORI_SEV_HIGH, "Shell on the serial console without login",
        "Require a login on the serial console (getty and login instead of /bin/sh, no "
        "autologin), or disable the console in production builds.",
        {ETSI("5.6-4"), JC(JC_ACCESS), JC(JC_UNUSED), OWASP("I9"), OWASP("I10"), CRA("(2)(d)")}},
    {"component.vulnerable", MAMORI_SEV_HIGH, "Component version with known vulnerabilities",
        "Update the component to a release that fixes the listed CVEs (or backport the fixes) "
        "and ship the update to devices already in the field.",
        {ETSI("5.2-3"), JC(JC_VULN), OWASP("I5"), CRA("(2)(a)")}},
    {"component.end-of-life", MAMORI_SEV_MEDIUM, "Component no longer maintained upstream",
        "Move to a maintained release of the component, so that security fixes keep coming "
        "for the product's support period.",
        {ETSI("5.2-3"), JC(JC_VULN), OWASP("I5"), CRA("(2)(c)")}},
    {"binary.hardening", MAMORI_SEV_LOW, "Executables built without exploit mitigations",
        "Build with -fstack-protector-strong, -D_FORTIFY_SOURCE=2, -fPIE -pie and "
        "-Wl,-z,relro,-z,now and a non-executable stack, and strip symbols from release images.",
        {ETSI("5.6-9"), CRA("(2)(k)")}},
    {"update.unverified", MAMORI_SEV_HIGH, "Firmware update flashed without a signature check",
        "Verify a signature over the whole image (Ed25519 or ECDSA P-256, key pinned in the "
        "device) before flashing, download over HTTPS, and refuse older versions.",
        {ETSI("5.3-2"), ETSI("5.3-7"), ETSI("5.3-9"), ETSI("5.3-10"), JC(JC_UPDATE), OWASP("I4"),
            CRA("(2)(f)")}},
    {"fs.world-writable", MAMORI_SEV_MEDIUM, "World-writable file or directory",
        "Remove write permission for others (chmod o-w) in the build; a directory that must be "
        "shared, like /tmp, needs the sticky bit.",
        {ETSI("5.6-7"), JC(JC_ACCESS), OWASP("I9"), CRA("(2)(f)")}},
    {"fs.setuid", MAMORI_SEV_MEDIUM, "Set-user-ID or set-group-ID executable",
        "Drop the setuid and setgid bits from programs that do not need them; for BusyBox, "
        "keep the bit only on a separate binary for su and passwd.",
        {ETSI("5.6-7"), JC(JC_ACCESS), OWASP("I9"), CRA("(2)(d)")}},
    {"fs.hostile-name", MAMORI_SEV_MEDIUM, "Archive member with an absolute or '..' name",
        "Build the image with relative member names only: a name that climbs out of the root "
        "attacks whatever unpacks the image, the device's own updater included.",
        {OWASP("I4"), CRA("(2)(f)")}},
    {"data.plaintext-personal", MAMORI_SEV_MEDIUM, "Personal data stored in plaintext",
        "Do not ship user data in the image; encrypt personal data the device stores with a "
        "per-device key in protected storage, and keep only what the product needs.",
        {JC(JC_PRIVACY), OWASP("I6"), OWASP("I7"), CRA("(2)(e)")}},
    {"container.unknown", MAMORI_SEV_INFO, "No Linux file system found in the image",
        "If the image is encrypted or obfuscated, audit the unpacked root file system (a "
        "directory) instead; otherwise report the container format to the mamori developers.",
        {NULL}},
};

#define NCATALOG (sizeof(catalog) / sizeof(catalog[0]))

static const struct mamori_provision etsi[] = {
    {"5.1-1", "Passwords unique per device or defined by the user"},
    {"5.1-2", "Pre-installed passwords resist automated attacks"},
    {"5.1-3", "Best-practice cryptography for authentication"},
    {"5.1-4", "Simple mechanism to change the authentication value"},
    {"5.1-5", "Brute-force attacks over network interfaces impracticable"},
    {"5.2-1", "Vulnerability disclosure policy published"},
    {"5.2-2", "Disclosed vulnerabilities acted on in a timely manner"},
    {"5.2-3", "Vulnerabilities monitored, identified and rectified"},
    {"5.3-1", "All software components securely updateable"},
    {"5.3-2", "Update mechanism for the secure installation of updates"},
    {"5.3-3", "Updates simple for the user to apply"},
    {"5.3-4", "Automatic mechanisms used for software updates"},
    {"5.3-5", "Device checks for security updates"},
    {"5.3-6", "Automatic updates and notifications enabled and configurable"},
    {"5.3-7", "Best-practice cryptography for secure update mechanisms"},
    {"5.3-8", "Security updates timely"},
    {"5.3-9", "Authenticity and integrity of updates verified"},
    {"5.3-10", "Updates over a network verified via a trust relationship"},
    {"5.3-11", "User informed that a security update is required"},
    {"5.3-12", "User notified when an update disrupts basic functioning"},
    {"5.3-13", "Defined support period published"},
    {"5.3-14", "Rationale published for devices that cannot be updated"},
    {"5.3-15", "Replacement plan for devices that cannot be updated"},
    {"5.3-16", "Model designation clearly recognisable"},
    {"5.4-1", "Sensitive security parameters stored securely"},
    {"5.4-2", "Hard-coded per-device identity resists tampering"},
    {"5.4-3", "No hard-coded critical security parameters in software"},
    {"5.4-4", "Critical security parameters for updates and communication unique per device"},
    {"5.5-1", "Best-practice cryptography to communicate securely"},
    {"5.5-2", "Reviewed or evaluated implementations used"},
    {"5.5-3", "Cryptographic algorithms and primitives updateable"},
    {"5.5-4", "Network access to functionality only after authentication"},
    {"5.5-5", "Security-relevant configuration over the network only after authentication"},
    {"5.5-6", "Critical security parameters encrypted in transit"},
    {"5.5-7", "Confidentiality of critical security parameters on remote interfaces"},
    {"5.5-8", "Secure management processes for critical security parameters"},
    {"5.6-1", "Unused network and logical interfaces disabled"},
    {"5.6-2", "Minimal unauthenticated disclosure of security-relevant information"},
    {"5.6-3", "Physical interfaces not unnecessarily exposed"},
    {"5.6-4", "Physically accessible debug interface disabled in software"},
    {"5.6-5", "Only used or required software services enabled"},
    {"5.6-6", "Code minimised to the functionality needed"},
    {"5.6-7", "Software runs with least necessary privileges"},
    {"5.6-8", "Hardware-level access control for memory"},
    {"5.6-9", "Secure development processes"},
    {"5.7-1", "Software verified with secure boot"},
    {"5.7-2", "User alerted to unauthorised software changes"},
    {"5.8-1", "Personal data in transit protected with best-practice cryptography"},
    {"5.8-2", "Sensitive personal data in transit confidential"},
    {"5.8-3", "External sensing capabilities documented"},
    {"5.9-1", "Resilience to network and power outages"},
    {"5.9-2", "Local operation without network, clean recovery after power loss"},
    {"5.9-3", "Orderly connection to networks"},
    {"5.10-1", "Telemetry examined for security anomalies"},
    {"5.11-1", "User data erasable in a simple manner"},
    {"5.11-2", "Personal data removable from associated services"},
    {"5.11-3", "Clear instructions on deleting personal data"},
    {"5.11-4", "Clear confirmation that personal data was deleted"},
    {"5.12-1", "Installation and maintenance in minimal steps"},
    {"5.12-2", "Guidance on secure set-up"},
    {"5.12-3", "Guidance on checking the set-up is secure"},
    {"5.13-1", "Input via user interfaces, APIs and networks validated"},
};

static const struct mamori_provision jcstar[] = {
    {JC_DEFPW, "No password common to every unit; unique or user-set passwords"},
    {JC_PWCHG, "The user can change passwords and other authentication values"},
    {JC_ACCESS, "Functions reachable only by authenticated, authorised users"},
    {JC_UPDATE, "Software updates authenticated and integrity-checked"},
    {JC_UNUSED, "Services, ports and interfaces not needed are disabled"},
    {JC_STORE, "Passwords, keys and other credentials stored securely"},
    {JC_VULN, "Known vulnerabilities handled and fixed"},
    {JC_PRIVACY, "Personal data protected"},
};

static const struct mamori_provision owasp[] = {
    {"I1", "Weak, Guessable, or Hardcoded Passwords"},
    {"I2", "Insecure Network Services"},
    {"I3", "Insecure Ecosystem Interfaces"},
    {"I4", "Lack of Secure Update Mechanism"},
    {"I5", "Use of Insecure or Outdated Components"},
    {"I6", "Insufficient Privacy Protection"},
    {"I7", "Insecure Data Transfer and Storage"},
    {"I8", "Lack of Device Management"},
    {"I9", "Insecure Default Settings"},
    {"I10", "Lack of Physical Hardening"},
};

static const struct mamori_provision cra[] = {
    {"(1)", "Appropriate level of cybersecurity based on the risks"},
    {"(2)(a)", "No known exploitable vulnerabilities"},
    {"(2)(b)", "Secure by default configuration"},
    {"(2)(c)", "Vulnerabilities addressable through security updates"},
    {"(2)(d)", "Protection from unauthorised access (authentication, access management)"},
    {"(2)(e)", "Confidentiality of stored, transmitted and processed data"},
    {"(2)(f)", "Integrity of data, commands, programs and configuration"},
    {"(2)(g)", "Data minimisation"},
    {"(2)(h)", "Availability of essential functions, resilience against denial of service"},
    {"(2)(i)", "Minimal negative impact on other devices and networks"},
    {"(2)(j)", "Limited attack surfaces, including external interfaces"},
    {"(2)(k)", "Exploitation mitigation mechanisms"},
    {"(2)(l)", "Recording and monitoring of relevant internal activity"},
    {"(2)(m)", "Secure and easy removal of all data and settings"},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct mamori_standard standards[MAMORI_STANDARDS_N] = {
    {"etsi-en-303-645", "ETSI EN 303 645 V2.1.1", ETSI(""), etsi, NELEM(etsi)},
    {"jc-star-1",
        "JC-STAR \u2605"
        "1",
        JC(""), jcstar, NELEM(jcstar)},
    {"owasp-iot-2018", "OWASP IoT Top 10 (2018)", OWASP(""), owasp, NELEM(owasp)},
    {"eu-cra-annex-i", "EU Cyber Resilience Act, Annex I Part I", CRA(""), cra, NELEM(cra)},
};

static const char *const sev_names[] = {"info", "low", "medium", "high", "critical"};

const char *
mamori_severity_name(enum mamori_severity s)
{
	if ((unsigned)s >= NELEM(sev_names))
		return "unknown";
	return sev_names[s];
}

mamori_err
mamori_severity_parse(const char *s, enum mamori_severity *out)
{
	size_t i;

	if (s == NULL || out == NULL)
		return MAMORI_E_INVAL;
	for (i = 0; i < NELEM(sev_names); i++) {
		if (strcasecmp(s, sev_names[i]) == 0) {
			*out = (enum mamori_severity)i;
			return MAMORI_OK;
		}
	}
	return MAMORI_E_INVAL;
}

const struct mamori_finding_kind *
mamori_finding_kind(const char *id)
{
	size_t i;

	if (id == NULL)
		return NULL;
	for (i = 0; i < NCATALOG; i++)
		if (strcmp(catalog[i].id, id) == 0)
			return &catalog[i];
	return NULL;
}

const struct mamori_finding_kind *
mamori_finding_kinds(size_t *n)
{
	*n = NCATALOG;
	return catalog;
}

void
mamori_report_init(struct mamori_report *r)
{
	memset(r, 0, sizeof(*r));
}

static void
component_free(struct mamori_component *c)
{
	size_t i;

	free(c->name);
	free(c->version);
	free(c->path);
	for (i = 0; i < c->ncves; i++)
		free(c->cves[i]);
}

void
mamori_report_free(struct mamori_report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nf; i++) {
		free(r->f[i].path);
		free(r->f[i].evidence);
	}
	free(r->f);
	for (i = 0; i < r->nc; i++)
		component_free(&r->c[i]);
	free(r->c);
	free(r->target_kind);
	free(r->target_path);
	memset(r, 0, sizeof(*r));
}

static char *
dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* Where to cut s (length n) at most max bytes in, without splitting a UTF-8 sequence whose
 * lead byte is in the kept part. Invalid bytes are cut anywhere; the writers escape them. */
static size_t
evidence_cut(const char *s, size_t n, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t cut, back;

	if (n <= max)
		return n;
	cut = max;
	for (back = 0; back < 3 && cut > back && (u[cut - back] & 0xc0) == 0x80; back++)
		;
	/* u[cut - back] is the first byte that is not a continuation at or before the cut */
	if (back > 0 && cut >= back && u[cut - back] >= 0xc0)
		return cut - back;
	return cut;
}

/* Grows an array of elements of size sz so that one more fits below limit. */
static mamori_err
grow(void **p, size_t *cap, size_t n, size_t sz, size_t limit)
{
	size_t ncap, bytes;
	void *np;

	if (n >= limit)
		return MAMORI_E_TOOBIG;
	if (n < *cap)
		return MAMORI_OK;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > limit)
		ncap = limit;
	if (!mamori_mul_size(ncap, sz, &bytes))
		return MAMORI_E_NOMEM;
	np = realloc(*p, bytes);
	if (np == NULL)
		return MAMORI_E_NOMEM;
	*p = np;
	*cap = ncap;
	return MAMORI_OK;
}

mamori_err
mamori_report_add(struct mamori_report *r, const char *id, int sev, const char *path, uint32_t line,
    uint64_t offset, const char *evidence)
{
	const struct mamori_finding_kind *k;
	struct mamori_finding f;
	size_t plen = 0, elen;
	void *arr;
	mamori_err e;

	if (r == NULL || id == NULL || sev > (int)MAMORI_SEV_CRITICAL)
		return MAMORI_E_INVAL;
	k = mamori_finding_kind(id);
	if (k == NULL)
		return MAMORI_E_NOTFOUND;
	if (path != NULL) {
		plen = strnlen(path, MAMORI_FINDING_PATH_MAX + 1);
		/* paths come from the image: refuse rather than keep a misleading prefix */
		if (plen > MAMORI_FINDING_PATH_MAX)
			return MAMORI_E_TOOBIG;
	}
	arr = r->f;
	e = grow(&arr, &r->capf, r->nf, sizeof(*r->f), MAMORI_REPORT_FINDINGS_MAX);
	r->f = arr;
	if (e != MAMORI_OK)
		return e;
	memset(&f, 0, sizeof(f));
	f.kind = k;
	f.severity = sev < 0 ? k->severity : (enum mamori_severity)sev;
	f.line = line;
	f.offset = offset;
	if (path != NULL && (f.path = dupn(path, plen)) == NULL)
		return MAMORI_E_NOMEM;
	if (evidence != NULL) {
		elen = strnlen(evidence, MAMORI_FINDING_EVIDENCE_MAX + 1);
		elen = evidence_cut(evidence, elen, MAMORI_FINDING_EVIDENCE_MAX);
		if ((f.evidence = dupn(evidence, elen)) == NULL) {
			free(f.path);
			return MAMORI_E_NOMEM;
		}
	}
	r->f[r->nf++] = f;
	return MAMORI_OK;
}

mamori_err
mamori_report_addf(struct mamori_report *r, const char *id, int sev, const char *path,
    uint32_t line, const char *fmt, ...)
{
	/* room for a sequence straddling the cap, which evidence_cut then drops whole */
	char tmp[MAMORI_FINDING_EVIDENCE_MAX + 8];
	va_list ap;
	int n;

	if (fmt == NULL)
		return MAMORI_E_INVAL;
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return MAMORI_E_INVAL;
	return mamori_report_add(r, id, sev, path, line, 0, tmp);
}

static bool
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

mamori_err
mamori_report_component(struct mamori_report *r, const char *name, const char *version,
    const char *path, struct mamori_component **out)
{
	struct mamori_component c;
	size_t i;
	void *arr;
	mamori_err e;

	if (r == NULL || name == NULL || out == NULL)
		return MAMORI_E_INVAL;
	if (strnlen(name, MAMORI_FINDING_PATH_MAX + 1) > MAMORI_FINDING_PATH_MAX ||
	    (version != NULL &&
	        strnlen(version, MAMORI_FINDING_PATH_MAX + 1) > MAMORI_FINDING_PATH_MAX) ||
	    (path != NULL && strnlen(path, MAMORI_FINDING_PATH_MAX + 1) > MAMORI_FINDING_PATH_MAX))
		return MAMORI_E_TOOBIG;
	/* the same component found twice (a check run twice, a hard link) is one entry */
	for (i = 0; i < r->nc; i++) {
		if (str_eq(r->c[i].name, name) && str_eq(r->c[i].version, version) &&
		    str_eq(r->c[i].path, path)) {
			*out = &r->c[i];
			return MAMORI_OK;
		}
	}
	arr = r->c;
	e = grow(&arr, &r->capc, r->nc, sizeof(*r->c), MAMORI_REPORT_COMPONENTS_MAX);
	r->c = arr;
	if (e != MAMORI_OK)
		return e;
	memset(&c, 0, sizeof(c));
	c.name = strdup(name);
	c.version = version != NULL ? strdup(version) : NULL;
	c.path = path != NULL ? strdup(path) : NULL;
	if (c.name == NULL || (version != NULL && c.version == NULL) ||
	    (path != NULL && c.path == NULL)) {
		component_free(&c);
		return MAMORI_E_NOMEM;
	}
	r->c[r->nc] = c;
	*out = &r->c[r->nc++];
	return MAMORI_OK;
}

mamori_err
mamori_component_add_cve(struct mamori_component *c, const char *cve)
{
	size_t i, n;
	char *d;

	if (c == NULL || cve == NULL || cve[0] == '\0')
		return MAMORI_E_INVAL;
	n = strnlen(cve, MAMORI_CVE_ID_MAX + 1);
	if (n > MAMORI_CVE_ID_MAX)
		return MAMORI_E_TOOBIG;
	for (i = 0; i < c->ncves; i++)
		if (strcmp(c->cves[i], cve) == 0)
			return MAMORI_OK;
	if (c->ncves >= MAMORI_COMPONENT_CVES_MAX)
		return MAMORI_E_TOOBIG;
	if ((d = dupn(cve, n)) == NULL)
		return MAMORI_E_NOMEM;
	c->cves[c->ncves++] = d;
	return MAMORI_OK;
}

static int
cmp_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int
cmp_finding(const void *pa, const void *pb)
{
	const struct mamori_finding *a = pa, *b = pb;
	int c;

	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	if ((c = strcmp(a->kind->id, b->kind->id)) != 0)
		return c;
	if ((c = cmp_str(a->path, b->path)) != 0)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->offset != b->offset)
		return a->offset < b->offset ? -1 : 1;
	/* last, so that the order never depends on the order checks ran in */
	return cmp_str(a->evidence, b->evidence);
}

void
mamori_report_sort(struct mamori_report *r)
{
	if (r->nf > 1)
		qsort(r->f, r->nf, sizeof(*r->f), cmp_finding);
}

size_t
mamori_report_count_at_least(const struct mamori_report *r, enum mamori_severity sev)
{
	size_t i, n = 0;

	for (i = 0; i < r->nf; i++)
		if (r->f[i].severity >= sev)
			n++;
	return n;
}

/* Conformance */

const struct mamori_standard *
mamori_standards(size_t *n)
{
	*n = MAMORI_STANDARDS_N;
	return standards;
}

mamori_err
mamori_standard_lookup(const char *ref, size_t *std, size_t *prov)
{
	size_t s, p, plen;

	if (ref == NULL || std == NULL || prov == NULL)
		return MAMORI_E_INVAL;
	for (s = 0; s < MAMORI_STANDARDS_N; s++) {
		plen = strlen(standards[s].prefix);
		if (strncmp(ref, standards[s].prefix, plen) != 0)
			continue;
		for (p = 0; p < standards[s].nprov; p++) {
			if (strcmp(ref + plen, standards[s].prov[p].id) == 0) {
				*std = s;
				*prov = p;
				return MAMORI_OK;
			}
		}
	}
	return MAMORI_E_NOTFOUND;
}

const char *
mamori_conf_result_name(enum mamori_conf_result res)
{
	switch (res) {
	case MAMORI_CONF_PASS:
		return "pass";
	case MAMORI_CONF_FAIL:
		return "fail";
	case MAMORI_CONF_NOT_ASSESSABLE:
		return "not-assessable";
	}
	return "unknown";
}

/* Marks in c.rows[s][p].result, as PASS, every provision some catalog kind maps to (the
 * assessable ones); the others stay NOT_ASSESSABLE. */
static void
mark_assessable(struct mamori_conformance *c)
{
	size_t k, i, s, p;

	for (s = 0; s < MAMORI_STANDARDS_N; s++)
		for (p = 0; p < standards[s].nprov; p++)
			c->rows[s][p].result = MAMORI_CONF_NOT_ASSESSABLE;
	for (k = 0; k < NCATALOG; k++) {
		for (i = 0; i < NELEM(catalog[k].standards) && catalog[k].standards[i] != NULL;
		     i++) {
			if (mamori_standard_lookup(catalog[k].standards[i], &s, &p) == MAMORI_OK)
				c->rows[s][p].result = MAMORI_CONF_PASS;
		}
	}
}

void
mamori_conformance_free(struct mamori_conformance *c)
{
	size_t s;

	if (c == NULL)
		return;
	for (s = 0; s < MAMORI_STANDARDS_N; s++)
		free(c->rows[s]);
	free(c->idx);
	memset(c, 0, sizeof(*c));
}

mamori_err
mamori_conformance_compute(const struct mamori_report *r, struct mamori_conformance *out)
{
	struct mamori_conformance c;
	size_t s, p, i, k, total = 0, used = 0, ks, kp;
	bool unpacked = true;
	mamori_err e = MAMORI_OK;

	if (r == NULL || out == NULL)
		return MAMORI_E_INVAL;
	memset(&c, 0, sizeof(c));
	for (s = 0; s < MAMORI_STANDARDS_N; s++) {
		c.rows[s] = calloc(standards[s].nprov, sizeof(*c.rows[s]));
		if (c.rows[s] == NULL) {
			e = MAMORI_E_NOMEM;
			goto out;
		}
	}
	/* first pass: how many (finding, provision) pairs, to size one index array */
	for (i = 0; i < r->nf; i++) {
		const struct mamori_finding_kind *kind = r->f[i].kind;

		if (strcmp(kind->id, "container.unknown") == 0)
			unpacked = false;
		for (k = 0; k < NELEM(kind->standards) && kind->standards[k] != NULL; k++) {
			if (mamori_standard_lookup(kind->standards[k], &ks, &kp) == MAMORI_OK) {
				c.rows[ks][kp].nfindings++;
				total++;
			}
		}
	}
	mark_assessable(&c);
	if (total > 0 && (c.idx = calloc(total, sizeof(*c.idx))) == NULL) {
		e = MAMORI_E_NOMEM;
		goto out;
	}
	for (s = 0; s < MAMORI_STANDARDS_N; s++) {
		for (p = 0; p < standards[s].nprov; p++) {
			struct mamori_conf_row *row = &c.rows[s][p];

			row->prov = &standards[s].prov[p];
			row->findings = c.idx != NULL ? c.idx + used : NULL;
			used += row->nfindings;
			if (row->nfindings > 0)
				row->result = MAMORI_CONF_FAIL;
			else if (!unpacked)
				row->result = MAMORI_CONF_NOT_ASSESSABLE;
			row->nfindings = 0; /* refilled below */
			c.counts[s][row->result]++;
		}
	}
	for (i = 0; i < r->nf; i++) {
		const struct mamori_finding_kind *kind = r->f[i].kind;

		for (k = 0; k < NELEM(kind->standards) && kind->standards[k] != NULL; k++) {
			if (mamori_standard_lookup(kind->standards[k], &ks, &kp) == MAMORI_OK) {
				struct mamori_conf_row *row = &c.rows[ks][kp];

				/* row->findings points into c.idx; write through c.idx */
				c.idx[(size_t)(row->findings - c.idx) + row->nfindings++] = i;
			}
		}
	}
	*out = c;
	return MAMORI_OK;
out:
	mamori_conformance_free(&c);
	return e;
}
