/* SPDX-License-Identifier: MIT */
/* Network services and consoles an image starts at boot, read from the boot model
 * (mamori/initsys.h): service.telnet/ftp/tftp/rlogin/bindshell/insecure when started,
 * service.configured-not-started (low) when configured but never started, service.upnp-open
 * from the miniupnpd configuration, console.shell from inittab, getty and OpenWrt ttylogin. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/initsys.h"

enum svc {
	SVC_NONE = 0,
	SVC_TELNET,
	SVC_FTP,
	SVC_TFTP,
	SVC_RLOGIN,
	SVC_BINDSHELL,
	SVC_INSECURE,
};

static const char *const svc_id[] = {"", "service.telnet", "service.ftp", "service.tftp",
    "service.rlogin", "service.bindshell", "service.insecure"};

static bool
name_in(const char *b, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(b, list[i]) == 0)
			return true;
	return false;
}

static const char *const telnet_names[] = {"telnetd", "utelnetd", "in.telnetd", NULL};
static const char *const ftp_names[] = {"ftpd", "vsftpd", "proftpd", "pure-ftpd", "bftpd",
    "in.ftpd", "wu-ftpd", "stupid-ftpd", "tftpd-hpa-ftp", NULL};
static const char *const tftp_names[] = {
    "tftpd", "in.tftpd", "atftpd", "opentftpd", "tftpd-hpa", NULL};
static const char *const rlogin_names[] = {
    "rlogind", "in.rlogind", "rshd", "in.rshd", "rexecd", "in.rexecd", NULL};
static const char *const insecure_names[] = {"fingerd", "in.fingerd", "talkd", "in.talkd", "ntalkd",
    "in.ntalkd", "rwhod", "in.rwhod", "rexd", NULL};
/* programs whose name says what they are: IoTGoat's /usr/bin/shellback and its kind */
static const char *const backdoor_words[] = {
    "shellback", "bindshell", "backdoor", "rootshell", "bind_shell", NULL};

static bool
is_shell_path(const char *s)
{
	const char *b = mamori_init_basename(s);

	return strcmp(b, "sh") == 0 || strcmp(b, "ash") == 0 || strcmp(b, "bash") == 0 ||
	       strcmp(b, "dash") == 0 || strcmp(b, "hush") == 0 || strcmp(b, "zsh") == 0;
}

/* nc / netcat / ncat listening: the option cluster holds 'l' ("-l", "-lp", "-lnvp"). */
static bool
nc_listens(const struct mamori_init_cmd *c, bool *execs)
{
	bool listen = false;

	*execs = false;
	for (size_t i = 1; i < c->argc; i++) {
		const char *a = c->argv[i];

		if (a[0] != '-' || a[1] == '-')
			continue;
		if (strchr(a + 1, 'l') != NULL)
			listen = true;
		if (strchr(a + 1, 'e') != NULL || strchr(a + 1, 'c') != NULL)
			*execs = true;
	}
	return listen;
}

/* The classification of a command, and a note for the evidence. */
static enum svc
classify(const struct mamori_init_cmd *c, char *note, size_t notecap, int *sev)
{
	const char *b = mamori_init_basename(c->argv[0]);

	note[0] = '\0';
	*sev = -1;
	if (name_in(b, telnet_names)) {
		for (size_t i = 1; i + 1 < c->argc; i++)
			if (strcmp(c->argv[i], "-l") == 0 && is_shell_path(c->argv[i + 1])) {
				snprintf(
				    note, notecap, "; the login program is a shell: no password");
				*sev = MAMORI_SEV_CRITICAL;
			}
		return SVC_TELNET;
	}
	if (name_in(b, ftp_names))
		return SVC_FTP;
	if (name_in(b, tftp_names))
		return SVC_TFTP;
	if (name_in(b, rlogin_names))
		return SVC_RLOGIN;
	if (name_in(b, insecure_names))
		return SVC_INSECURE;
	if (strcmp(b, "nc") == 0 || strcmp(b, "netcat") == 0 || strcmp(b, "ncat") == 0) {
		bool execs;

		if (!nc_listens(c, &execs))
			return SVC_NONE;
		if (execs)
			return SVC_BINDSHELL;
		snprintf(note, notecap, "; an unknown listener (netcat without a program)");
		return SVC_INSECURE;
	}
	if (strcmp(b, "socat") == 0) {
		bool listen = false, shell = false;

		for (size_t i = 1; i < c->argc; i++) {
			if (strstr(c->argv[i], "-LISTEN") != NULL ||
			    strstr(c->argv[i], "-listen") != NULL)
				listen = true;
			if ((strncmp(c->argv[i], "EXEC:", 5) == 0 ||
			        strncmp(c->argv[i], "SYSTEM:", 7) == 0 ||
			        strncmp(c->argv[i], "exec:", 5) == 0) &&
			    strstr(c->argv[i], "sh") != NULL)
				shell = true;
		}
		return listen && shell ? SVC_BINDSHELL : SVC_NONE;
	}
	for (size_t i = 0; backdoor_words[i] != NULL; i++)
		if (strstr(b, backdoor_words[i]) != NULL) {
			snprintf(note, notecap,
			    "; an unknown listener: the program's name says shell backdoor (a name "
			    "heuristic)%s",
			    c->binary == MAMORI_INIT_BIN_PRESENT
			        ? ""
			        : " and its binary is not in the image, so its port is not visible");
			return SVC_BINDSHELL;
		}
	return SVC_NONE;
}

/* The port a command line names: -p N (telnetd, dropbear style), or the one recorded. */
static void
cmd_port(const struct mamori_init_cmd *c, char *out, size_t cap)
{
	snprintf(out, cap, "%s", c->port);
	for (size_t i = 1; i + 1 < c->argc && out[0] == '\0'; i++)
		if (strcmp(c->argv[i], "-p") == 0)
			snprintf(out, cap, "%s", c->argv[i + 1]);
}

/* Appends to a NUL-terminated buffer; what does not fit is cut. */
static void app(char *buf, size_t cap, const char *fmt, ...) MAMORI_PRINTF(3, 4);

static void
app(char *buf, size_t cap, const char *fmt, ...)
{
	size_t n = strnlen(buf, cap);
	va_list ap;

	if (n + 1 >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, cap - n, fmt, ap);
	va_end(ap);
}

/* The argv joined, for when it differs from the text as written (variables expanded). */
static void
joined(const struct mamori_init_cmd *c, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < c->argc && n < cap; i++) {
		int k = snprintf(out + n, cap - n, "%s%s", i ? " " : "", c->argv[i]);

		if (k < 0)
			break;
		n += (size_t)k;
	}
}

struct seen {
	char id[MAMORI_FINDING_ID_MAX];
	const char *file;
	uint32_t line;
};

struct ctx {
	const struct mamori_fstree *t;
	struct mamori_report *r;
	struct mamori_initsys *m;
	struct seen *seen;
	size_t nseen, capseen;
};

/* One finding per id, file and line. */
static mamori_err
add_once(
    struct ctx *C, const char *id, int sev, const char *file, uint32_t line, const char *evidence)
{
	for (size_t i = 0; i < C->nseen; i++)
		if (strcmp(C->seen[i].id, id) == 0 && C->seen[i].line == line &&
		    strcmp(C->seen[i].file, file) == 0)
			return MAMORI_OK;
	if (C->nseen == C->capseen) {
		size_t nc = C->capseen ? C->capseen * 2 : 16;
		void *np = realloc(C->seen, nc * sizeof(*C->seen));

		if (np == NULL)
			return MAMORI_E_NOMEM;
		C->seen = np;
		C->capseen = nc;
	}
	snprintf(C->seen[C->nseen].id, sizeof(C->seen[0].id), "%s", id);
	C->seen[C->nseen].file = file;
	C->seen[C->nseen].line = line;
	C->nseen++;
	return mamori_report_add(C->r, id, sev, file, line, 0, evidence);
}

static mamori_err
check_cmd(struct ctx *C, const struct mamori_init_cmd *c)
{
	char note[192], port[24], exp[256], ev[MAMORI_FINDING_EVIDENCE_MAX] = "";
	int sev;
	enum svc s = classify(c, note, sizeof(note), &sev);
	const char *id;

	if (s == SVC_NONE)
		return MAMORI_OK;
	cmd_port(c, port, sizeof(port));
	joined(c, exp, sizeof(exp));
	id = svc_id[s];
	if (c->started == MAMORI_INIT_NO) {
		snprintf(ev, sizeof(ev), "%s — configured (%s) but not started: %s", c->text,
		    id + 8, c->reason);
		return add_once(C, "service.configured-not-started", -1, c->file, c->line, ev);
	}
	if (c->binary == MAMORI_INIT_BIN_ABSENT && C->m->full_rootfs) {
		snprintf(ev, sizeof(ev), "%s — configured (%s) but %s is not in the image", c->text,
		    id + 8, c->argv[0]);
		return add_once(C, "service.configured-not-started", -1, c->file, c->line, ev);
	}
	if (c->started == MAMORI_INIT_UNKNOWN && sev < 0)
		sev = MAMORI_SEV_MEDIUM;
	app(ev, sizeof(ev), "%s", c->text);
	if (strstr(c->text, exp) == NULL)
		app(ev, sizeof(ev), " (expands to: %s)", exp);
	if (port[0] != '\0')
		app(ev, sizeof(ev), "; port %s", port);
	if (c->started == MAMORI_INIT_YES)
		app(ev, sizeof(ev), " — started: %s", c->reason);
	else
		app(ev, sizeof(ev), " — start not certain: %s", c->reason);
	app(ev, sizeof(ev), "%s", note);
	return add_once(C, id, sev, c->file, c->line, ev);
}

/* ---- consoles ---- */

static bool
getty_autologin(const struct mamori_init_cmd *c)
{
	const char *b = mamori_init_basename(c->argv[0]);
	bool noissue_shell = false;

	if (strstr(b, "getty") == NULL)
		return false;
	for (size_t i = 1; i < c->argc; i++) {
		if (strcmp(c->argv[i], "-a") == 0 || strncmp(c->argv[i], "--autologin", 11) == 0)
			return true;
		/* agetty -n -l /bin/sh: no login prompt, a shell as the login program */
		if (strcmp(c->argv[i], "-l") == 0 && i + 1 < c->argc &&
		    is_shell_path(c->argv[i + 1]))
			noissue_shell = true;
	}
	return noissue_shell;
}

static mamori_err
check_console(struct ctx *C, const struct mamori_init_cmd *c)
{
	char ev[MAMORI_FINDING_EVIDENCE_MAX];
	bool shell = false;

	if (c->started != MAMORI_INIT_YES)
		return MAMORI_OK;
	if (c->source == MAMORI_INIT_SRC_INITTAB && is_shell_path(c->argv[0]) &&
	    (c->argc == 1 || (c->argv[1][0] == '-' && strcmp(c->argv[1], "-c") != 0)))
		shell = true;
	if (c->source == MAMORI_INIT_SRC_INITTAB &&
	    strcmp(mamori_init_basename(c->argv[0]), "login") == 0)
		for (size_t i = 1; i < c->argc; i++)
			if (strcmp(c->argv[i], "-f") == 0)
				shell = true;
	if (!shell && !getty_autologin(c))
		return MAMORI_OK;
	snprintf(ev, sizeof(ev), "%s — %s: a root shell on the console without a password (%s)",
	    c->text, shell ? "shell started by init" : "getty with automatic login", c->reason);
	return add_once(C, "console.shell", -1, c->file, c->line, ev);
}

static mamori_err
ttylogin_cb(void *ctx, const struct mamori_uci_opt *o)
{
	struct ctx *C = ctx;
	char ev[MAMORI_FINDING_EVIDENCE_MAX];

	if (strcmp(o->stype, "system") != 0 || strcmp(o->key, "ttylogin") != 0 ||
	    strcmp(o->value, "0") != 0)
		return MAMORI_OK;
	snprintf(ev, sizeof(ev),
	    "option ttylogin '0' — OpenWrt's serial console gives a shell without asking for a "
	    "password");
	return add_once(C, "console.shell", -1, "/etc/config/system", o->line, ev);
}

/* ---- UPnP ---- */

struct upnp {
	int enabled, secure; /* -1 not set */
	uint32_t enabled_line, secure_line;
	/* the current perm_rule */
	size_t rule_index;
	bool allow;
	char ext[32], addr[48], intp[32];
	uint32_t rule_line;
	bool open;
	uint32_t open_line;
	char open_desc[256];
};

static bool
range_wide(const char *r)
{
	unsigned long lo, hi;
	char *e;

	lo = strtoul(r, &e, 10);
	if (e == r)
		return false;
	if (*e != '-')
		return false;
	hi = strtoul(e + 1, &e, 10);
	return *e == '\0' && lo <= 1024 && hi >= 65535;
}

static bool
any_addr(const char *a)
{
	return strcmp(a, "0.0.0.0/0") == 0 || strcmp(a, "0.0.0.0/0.0.0.0") == 0 ||
	       strcmp(a, "::/0") == 0;
}

static void
rule_done(struct upnp *u)
{
	if (u->allow && any_addr(u->addr) && (u->ext[0] == '\0' || range_wide(u->ext)) &&
	    !u->open) {
		u->open = true;
		u->open_line = u->rule_line;
		snprintf(u->open_desc, sizeof(u->open_desc),
		    "perm_rule allow ext_ports %s int_addr %s int_ports %s (line %u)",
		    u->ext[0] != '\0' ? u->ext : "any", u->addr,
		    u->intp[0] != '\0' ? u->intp : "any", u->rule_line);
	}
	u->allow = false;
	u->ext[0] = u->addr[0] = u->intp[0] = '\0';
}

static mamori_err
upnp_cb(void *ctx, const struct mamori_uci_opt *o)
{
	struct upnp *u = ctx;

	if (strcmp(o->stype, "upnpd") == 0) {
		if (strcmp(o->key, "enabled") == 0) {
			u->enabled = strcmp(o->value, "1") == 0 ? 1 : 0;
			u->enabled_line = o->line;
		} else if (strcmp(o->key, "secure_mode") == 0) {
			u->secure = strcmp(o->value, "0") == 0 ? 0 : 1;
			u->secure_line = o->line;
		}
		return MAMORI_OK;
	}
	if (strcmp(o->stype, "perm_rule") != 0)
		return MAMORI_OK;
	if (o->sindex != u->rule_index) {
		rule_done(u);
		u->rule_index = o->sindex;
	}
	u->rule_line = o->sline;
	if (strcmp(o->key, "action") == 0)
		u->allow = strcmp(o->value, "allow") == 0;
	else if (strcmp(o->key, "ext_ports") == 0)
		snprintf(u->ext, sizeof(u->ext), "%s", o->value);
	else if (strcmp(o->key, "int_addr") == 0)
		snprintf(u->addr, sizeof(u->addr), "%s", o->value);
	else if (strcmp(o->key, "int_ports") == 0)
		snprintf(u->intp, sizeof(u->intp), "%s", o->value);
	return MAMORI_OK;
}

static mamori_err
check_upnp_uci(struct ctx *C)
{
	const struct mamori_fs_node *n = mamori_fstree_resolve(C->t, "/etc/config/upnpd");
	struct upnp u;
	char ev[MAMORI_FINDING_EVIDENCE_MAX];
	mamori_err ret;

	if (n == NULL || n->type != MAMORI_FS_REG || n->data == NULL ||
	    n->size > MAMORI_SH_SCRIPT_MAX)
		return MAMORI_OK;
	memset(&u, 0, sizeof(u));
	u.enabled = u.secure = -1;
	u.rule_index = (size_t)-1;
	ret = mamori_uci_parse(n->data, (size_t)n->size, upnp_cb, &u, NULL);
	if (ret != MAMORI_OK)
		return ret == MAMORI_E_NOMEM ? ret : MAMORI_OK;
	rule_done(&u);
	if (u.enabled != 1 || (u.secure != 0 && !u.open))
		return MAMORI_OK;
	snprintf(ev, sizeof(ev), "miniupnpd enabled (line %u)%s%s%s%s%s", u.enabled_line,
	    u.secure == 0 ? "; secure_mode 0: any LAN host may map ports to any other host" : "",
	    u.secure == 0 && u.open ? "; " : "", u.open ? u.open_desc : "",
	    u.open ? ": any internal address may open any high port from the Internet" : "", "");
	return add_once(C, "service.upnp-open", -1, "/etc/config/upnpd",
	    u.secure == 0 ? u.secure_line : u.open_line, ev);
}

/* miniupnpd.conf: "secure_mode=no", "allow 1024-65535 0.0.0.0/0 1024-65535". */
static mamori_err
check_upnp_conf(struct ctx *C, const char *path)
{
	const struct mamori_fs_node *n = mamori_fstree_resolve(C->t, path);
	char ev[MAMORI_FINDING_EVIDENCE_MAX], line[256];
	size_t pos = 0, len;
	uint32_t ln = 0, hit = 0;
	bool insecure = false, open = false;
	char rule[160] = "";

	if (n == NULL || n->type != MAMORI_FS_REG || n->data == NULL ||
	    n->size > MAMORI_SH_SCRIPT_MAX)
		return MAMORI_OK;
	len = (size_t)n->size;
	while (pos < len) {
		size_t e = pos, k;

		while (e < len && n->data[e] != '\n')
			e++;
		k = e - pos < sizeof(line) - 1 ? e - pos : sizeof(line) - 1;
		memcpy(line, n->data + pos, k);
		line[k] = '\0';
		pos = e < len ? e + 1 : e;
		ln++;
		if (strncmp(line, "secure_mode=no", 14) == 0) {
			insecure = true;
			hit = hit ? hit : ln;
		} else if (strncmp(line, "allow ", 6) == 0) {
			char ext[32], addr[48];

			if (sscanf(line + 6, "%31s %47s", ext, addr) == 2 && range_wide(ext) &&
			    any_addr(addr) && !open) {
				open = true;
				snprintf(rule, sizeof(rule), "%s (line %u)", line, ln);
				hit = hit ? hit : ln;
			}
		}
	}
	if (!insecure && !open)
		return MAMORI_OK;
	snprintf(ev, sizeof(ev), "%s%s%s", insecure ? "secure_mode=no" : "",
	    insecure && open ? "; " : "", rule);
	return add_once(C, "service.upnp-open", -1, path, hit, ev);
}

mamori_err
mamori_check_services(const struct mamori_fstree *t, struct mamori_report *r, struct mamori_diag *d)
{
	struct ctx C = {0};
	const struct mamori_fs_node *sys;
	mamori_err ret;

	C.t = t;
	C.r = r;
	ret = mamori_initsys_build(t, &C.m, d);
	if (ret != MAMORI_OK)
		return ret;
	for (size_t i = 0; i < C.m->ncmd && ret == MAMORI_OK; i++) {
		ret = check_cmd(&C, &C.m->cmd[i]);
		if (ret == MAMORI_OK)
			ret = check_console(&C, &C.m->cmd[i]);
	}
	sys = mamori_fstree_resolve(t, "/etc/config/system");
	if (ret == MAMORI_OK && sys != NULL && sys->type == MAMORI_FS_REG && sys->data != NULL &&
	    sys->size <= MAMORI_SH_SCRIPT_MAX) {
		ret = mamori_uci_parse(sys->data, (size_t)sys->size, ttylogin_cb, &C, NULL);
		if (ret == MAMORI_E_TOOBIG || ret == MAMORI_E_MALFORMED)
			ret = MAMORI_OK;
	}
	if (ret == MAMORI_OK)
		ret = check_upnp_uci(&C);
	if (ret == MAMORI_OK)
		ret = check_upnp_conf(&C, "/etc/miniupnpd.conf");
	if (ret == MAMORI_OK)
		ret = check_upnp_conf(&C, "/etc/miniupnpd/miniupnpd.conf");
	free(C.seen);
	mamori_initsys_free(C.m);
	return ret;
}
