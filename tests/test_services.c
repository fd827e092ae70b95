/* SPDX-License-Identifier: MIT */
/* The boot model (lib/audit/initsys.c) and the service, console and file-system checks
 * (lib/audit/check_services.c, check_fs.c): the IoTGoat overlay from ../shared/data and
 * synthetic trees for each init system. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "mamori/finding.h"
#include "mamori/fstree.h"
#include "mamori/initsys.h"
#include "mamori/unpack.h"
#include "vec.h"

/* ---- helpers ---- */

static struct mamori_fstree *
tree_new(void)
{
	struct mamori_fs_limits l;
	struct mamori_fstree *t = NULL;

	mamori_fs_limits_default(&l);
	if (mamori_fstree_new(&l, &t) != MAMORI_OK)
		return NULL;
	return t;
}

static void
add_file(struct mamori_fstree *t, const char *path, uint32_t mode, const char *text)
{
	CHECK_OK(mamori_fstree_add(t, path, strlen(path), MAMORI_FS_REG, mode, 0, 0,
	    (const uint8_t *)text, strlen(text), NULL, NULL, NULL));
}

static void
add_link(struct mamori_fstree *t, const char *path, const char *target)
{
	CHECK_OK(mamori_fstree_add(
	    t, path, strlen(path), MAMORI_FS_LNK, 0777, 0, 0, NULL, 0, target, NULL, NULL));
}

/* A full root file system: binaries exist, so "absent" means absent. */
static void
add_bins(struct mamori_fstree *t)
{
	add_file(t, "/bin/busybox", 04755,
	    "\x7f"
	    "ELF busybox");
	add_link(t, "/bin/sh", "busybox");
}

static struct mamori_report R;

static void
run(const struct mamori_fstree *t)
{
	struct mamori_diag d = {0};

	mamori_report_free(&R);
	mamori_report_init(&R);
	CHECK_OK(mamori_check_services(t, &R, &d));
	CHECK_OK(mamori_check_fs(t, &R, &d));
}

/* The finding with this id at path (and line, unless 0) whose evidence holds ev (may be
 * NULL). */
static const struct mamori_finding *
find(const char *id, const char *path, uint32_t line, const char *ev)
{
	for (size_t i = 0; i < R.nf; i++) {
		const struct mamori_finding *f = &R.f[i];

		if (strcmp(f->kind->id, id) != 0)
			continue;
		if (path != NULL && (f->path == NULL || strcmp(f->path, path) != 0))
			continue;
		if (line != 0 && f->line != line)
			continue;
		if (ev != NULL && (f->evidence == NULL || strstr(f->evidence, ev) == NULL))
			continue;
		return f;
	}
	return NULL;
}

static size_t
count(const char *id)
{
	size_t n = 0;

	for (size_t i = 0; i < R.nf; i++)
		n += strcmp(R.f[i].kind->id, id) == 0;
	return n;
}

static void
dump(void)
{
	for (size_t i = 0; i < R.nf; i++)
		fprintf(stderr, "  %s %s %s:%u %s\n", R.f[i].kind->id,
		    mamori_severity_name(R.f[i].severity), R.f[i].path ? R.f[i].path : "-",
		    R.f[i].line, R.f[i].evidence ? R.f[i].evidence : "");
}

/* ---- the scanner ---- */

static void
scanner_basics(void)
{
	static const char s[] = "#!/bin/sh\n"
	                        "# telnetd in a comment\n"
	                        "A=/usr/sbin\n"
	                        "echo hi; $A/telnetd -p 23 & x=1 ; [ -f y ] && ftpd -D || tftpd\n"
	                        "long \\\n  --arg \"two words\" 'lit $A' 2>/dev/null >> /x\n"
	                        "cat > /etc/x <<EOF\n"
	                        "telnetd in a here-document\n"
	                        "EOF\n"
	                        "if true; then rlogind; fi\n"
	                        "for i in /etc/init.d/S??* /x; do $i start; done\n";
	struct mamori_sh_script sh;

	CHECK_OK(mamori_sh_parse((const uint8_t *)s, sizeof(s) - 1, NULL, NULL, &sh, NULL));
	/* echo, telnetd, [, ftpd, tftpd, long, cat, true, rlogind, $i */
	CHECK(sh.ncmd == 10);
	if (sh.ncmd == 10) {
		CHECK(strcmp(sh.cmd[1].argv[0], "/usr/sbin/telnetd") == 0);
		CHECK(sh.cmd[1].background && sh.cmd[1].line == 4);
		CHECK(strcmp(sh.cmd[3].argv[0], "ftpd") == 0 &&
		      strcmp(sh.cmd[4].argv[0], "tftpd") == 0);
		CHECK(sh.cmd[5].argc == 4 && sh.cmd[5].line == 5);
		CHECK(strcmp(sh.cmd[5].argv[2], "two words") == 0);
		CHECK(strcmp(sh.cmd[5].argv[1], "--arg") == 0);
		CHECK(strcmp(sh.cmd[5].argv[3], "lit $A") == 0);
		CHECK(strcmp(sh.cmd[6].argv[0], "cat") == 0 && sh.cmd[6].argc == 1);
		CHECK(strcmp(sh.cmd[8].argv[0], "rlogind") == 0 && sh.cmd[8].line == 10);
		CHECK(sh.cmd[6].line == 7 && sh.cmd[9].line == 11);
		CHECK(strcmp(sh.cmd[9].argv[0], "/etc/init.d/S??* /x") == 0);
		CHECK(strcmp(sh.cmd[1].text, "$A/telnetd -p 23") == 0);
	}
	mamori_sh_free(&sh);
}

/* C-style escapes of the vector files: \n \t \\ \". */
static void
unescape(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (; *in != '\0' && n + 1 < cap; in++) {
		if (*in == '\\' && in[1] != '\0') {
			in++;
			out[n++] = *in == 'n' ? '\n' : *in == 't' ? '\t' : *in;
		} else {
			out[n++] = *in;
		}
	}
	out[n] = '\0';
}

static void
scanner_vectors(void)
{
	struct vec_file vf;

	CHECK(vec_load("tests/vectors/initsys/scanner.vec", &vf) == 0);
	CHECK(vf.n >= 10);
	for (size_t i = 0; i < vf.n; i++) {
		const char *script = vec_get(&vf.rec[i], "script");
		const char *expect = vec_get(&vf.rec[i], "expect");
		char src[1024], want[1024], got[2048] = "";
		struct mamori_sh_script sh;

		CHECK(script != NULL && expect != NULL);
		if (script == NULL || expect == NULL)
			continue;
		unescape(script, src, sizeof(src));
		unescape(expect, want, sizeof(want));
		CHECK_OK(mamori_sh_parse((const uint8_t *)src, strlen(src), NULL, NULL, &sh, NULL));
		for (size_t c = 0; c < sh.ncmd; c++) {
			size_t n = strlen(got);

			snprintf(got + n, sizeof(got) - n, "%s%u%s%s:", c ? " ; " : "",
			    sh.cmd[c].line, sh.cmd[c].background ? "&" : "",
			    sh.cmd[c].stop_arm ? "-" : "");
			for (size_t a = 0; a < sh.cmd[c].argc; a++) {
				n = strlen(got);
				snprintf(got + n, sizeof(got) - n, "%s%s", a ? "|" : "",
				    sh.cmd[c].argv[a]);
			}
		}
		if (strcmp(got, want) != 0) {
			fprintf(stderr, "scanner.vec line %zu:\n  want %s\n  got  %s\n",
			    vf.rec[i].line, want, got);
			CHECK(strcmp(got, want) == 0);
		}
		mamori_sh_free(&sh);
	}
	vec_free(&vf);
}

static void
scanner_functions_and_case(void)
{
	static const char s[] = "#!/bin/sh /etc/rc.common\n"
	                        "START=50\n"
	                        "helper() { dropbear -p 22; }\n"
	                        "start()\n"
	                        "{\n"
	                        "\thelper\n"
	                        "}\n"
	                        "stop() {\n"
	                        "\tkillall dropbear\n"
	                        "}\n"
	                        "case \"$1\" in\n"
	                        "start|restart) telnetd ;;\n"
	                        "stop) tftpd; do_stop ;;\n"
	                        "esac\n"
	                        "do_stop() { rm -f /var/run/x.pid; }\n";
	struct mamori_sh_script sh;
	bool reach[8];
	const char *const roots[] = {"start"};

	CHECK_OK(mamori_sh_parse((const uint8_t *)s, sizeof(s) - 1, NULL, NULL, &sh, NULL));
	CHECK(sh.nfunc == 4);
	if (sh.nfunc == 4) {
		/* helper through start; not stop, nor do_stop called from the stop arm */
		mamori_sh_reachable(&sh, roots, 1, reach);
		CHECK(reach[0] && reach[1] && !reach[2] && !reach[3]);
	}
	for (size_t i = 0; i < sh.ncmd; i++) {
		if (strcmp(sh.cmd[i].argv[0], "dropbear") == 0)
			CHECK(sh.cmd[i].func == 0);
		if (strcmp(sh.cmd[i].argv[0], "killall") == 0)
			CHECK(sh.cmd[i].func == 2);
		if (strcmp(sh.cmd[i].argv[0], "telnetd") == 0)
			CHECK(sh.cmd[i].func == -1 && !sh.cmd[i].stop_arm);
		if (strcmp(sh.cmd[i].argv[0], "tftpd") == 0)
			CHECK(sh.cmd[i].stop_arm);
	}
	mamori_sh_free(&sh);
}

static void
scanner_hostile(void)
{
	/* unterminated quotes, substitutions and here-documents, deep braces, NUL bytes */
	static const char *const s[] = {"echo 'never closed\n", "x=\"$(\n", "a `b\n", "cat <<",
	    "{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{ x", "f() ( x )",
	    "case", "case x in", ")))", ";;;;&&||", "${", "$", "\\", "for", "for i in", "function",
	    "function f {", "}}}}}", "esac esac", "x=`cat /nonexistent`"};
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		struct mamori_sh_script sh;

		CHECK_OK(
		    mamori_sh_parse((const uint8_t *)s[i], strlen(s[i]), NULL, NULL, &sh, NULL));
		mamori_sh_free(&sh);
	}
	{
		const uint8_t nul[] = {'a', 0, 'b', ' ', 'c', '\n', 0};
		struct mamori_sh_script sh;

		CHECK_OK(mamori_sh_parse(nul, sizeof(nul), NULL, NULL, &sh, NULL));
		mamori_sh_free(&sh);
	}
	{
		struct mamori_sh_script sh;
		struct mamori_diag d = {0};

		CHECK(mamori_sh_parse((const uint8_t *)"x", MAMORI_SH_SCRIPT_MAX + 1, NULL, NULL,
		          &sh, &d) == MAMORI_E_TOOBIG);
		CHECK(strstr(d.msg, "limit") != NULL);
	}
}

static void
inittab_parse(void)
{
	static const char s[] = "# comment\n"
	                        "::sysinit:/etc/init.d/rcS\n"
	                        "broken line\n"
	                        "ttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100  \n"
	                        "id:3:initdefault:\n";
	struct mamori_inittab_entry *e;
	size_t n;
	struct mamori_diag d = {0};

	CHECK_OK(mamori_inittab_parse((const uint8_t *)s, sizeof(s) - 1, &e, &n, &d));
	CHECK(n == 3);
	if (n == 3) {
		CHECK(strcmp(e[0].action, "sysinit") == 0 && e[0].line == 2);
		CHECK(strcmp(e[1].id, "ttyS0") == 0);
		CHECK(strcmp(e[1].process, "/sbin/getty -L ttyS0 115200 vt100") == 0);
		CHECK(strcmp(e[2].action, "initdefault") == 0 && e[2].process[0] == '\0');
	}
	CHECK(d.line == 3);
	mamori_inittab_free(e, n);
}

static mamori_err
uci_collect(void *ctx, const struct mamori_uci_opt *o)
{
	char *out = ctx;
	size_t n = strlen(out);

	snprintf(out + n, 256 - n, "%s/%s/%zu/%s=%s@%u;", o->stype, o->sname, o->sindex, o->key,
	    o->value, o->line);
	return MAMORI_OK;
}

static void
uci_parse(void)
{
	static const char s[] = "config system\n"
	                        "\toption ttylogin '0'\n"
	                        "config perm_rule 'r1'\n"
	                        "  option int_addr 0.0.0.0/0   # a comment\n"
	                        "  list x \"a b\"\n"
	                        "option orphan 1\n";
	char out[256] = "";

	CHECK_OK(mamori_uci_parse((const uint8_t *)s, sizeof(s) - 1, uci_collect, out, NULL));
	CHECK(strcmp(out, "system//0/ttylogin=0@2;perm_rule/r1/1/int_addr=0.0.0.0/0@4;"
	                  "perm_rule/r1/1/x=a b@5;perm_rule/r1/1/orphan=1@6;") == 0);
}

/* ---- IoTGoat ---- */

static void
iotgoat(void)
{
	char dir[1024];
	struct mamori_fs_limits l;
	struct mamori_fstree *t = NULL;
	struct mamori_diag d = {0};

	snprintf(dir, sizeof(dir), "%s/firmware/iotgoat_overlay/rootfs", check_shared_data());
	mamori_fs_limits_default(&l);
	CHECK_OK(mamori_fstree_from_dir(dir, &l, &t, &d));
	if (t == NULL)
		return;
	run(t);
	/* the Telnet daemon and the bind shell, both from rc.local */
	CHECK(find("service.telnet", "/etc/rc.local", 5, "telnetd -p 65534") != NULL);
	CHECK(find("service.telnet", "/etc/rc.local", 5, "port 65534") != NULL);
	CHECK(find("service.bindshell", "/etc/rc.local", 4, "/usr/bin/shellback") != NULL);
	/* and again from /etc/init.d/shellback, enabled in /etc/config/shellback */
	CHECK(find("service.bindshell", "/etc/init.d/shellback", 23,
	          "enabled '1' in /etc/config/shellback") != NULL);
	CHECK(find("console.shell", "/etc/config/system", 4, "ttylogin '0'") != NULL);
	CHECK(find("service.upnp-open", "/etc/config/upnpd", 5, "secure_mode 0") != NULL);
	CHECK(find("service.upnp-open", "/etc/config/upnpd", 0, "0.0.0.0/0") != NULL);
	CHECK(find("data.plaintext-personal", "/usr/lib/lua/luci/controller/iotgoat/sensordata.db",
	          0, "sensors: name, email, birthdate") != NULL);
	/* not a full root file system: absent binaries say nothing */
	CHECK(count("service.configured-not-started") == 0);
	CHECK(count("update.unverified") == 0);
	if (check_failed_)
		dump();
	mamori_fstree_free(t);
}

/* ---- synthetic trees ---- */

static void
inittab_shells(void)
{
	struct mamori_fstree *t = tree_new();

	if (t == NULL)
		return;
	add_bins(t);
	add_file(t, "/etc/inittab", 0644,
	    "::sysinit:/etc/init.d/rcS\n"
	    "::respawn:-/bin/sh\n"
	    "ttyS0::askfirst:/bin/sh\n"
	    "tty1::respawn:/sbin/getty -a root 38400 tty1\n"
	    "tty2::respawn:/sbin/getty 38400 tty2\n"
	    "::restart:/bin/sh\n"
	    "::shutdown:/bin/umount -a -r\n");
	add_file(t, "/etc/init.d/rcS", 0755,
	    "#!/bin/sh\n"
	    "for i in /etc/init.d/S??* ; do\n"
	    "\t[ -x $i ] && $i start\n"
	    "done\n");
	add_file(t, "/etc/init.d/S50telnet", 0755,
	    "#!/bin/sh\n"
	    "case \"$1\" in\n"
	    "start)\n"
	    "\ttelnetd -l /bin/login\n"
	    "\t;;\n"
	    "stop)\n"
	    "\tkillall telnetd; tftpd -l\n"
	    "\t;;\n"
	    "esac\n");
	add_file(t, "/usr/sbin/telnetd", 0755,
	    "\x7f"
	    "ELF");
	add_file(t, "/usr/sbin/tftpd", 0755,
	    "\x7f"
	    "ELF");
	add_file(t, "/sbin/getty", 0755,
	    "\x7f"
	    "ELF");
	run(t);
	CHECK(find("console.shell", "/etc/inittab", 2, "-/bin/sh") != NULL);
	CHECK(find("console.shell", "/etc/inittab", 3, "/bin/sh") != NULL);
	CHECK(find("console.shell", "/etc/inittab", 4, "getty -a root") != NULL);
	CHECK(count("console.shell") == 3);
	CHECK(find("service.telnet", "/etc/init.d/S50telnet", 4, "run by /etc/init.d/rcS") != NULL);
	CHECK(find("service.configured-not-started", "/etc/init.d/S50telnet", 7, "tftpd") != NULL);
	CHECK(count("service.tftp") == 0);
	/* /bin/busybox is setuid in this tree */
	CHECK(find("fs.setuid", "/bin/busybox", 0, "setuid mode 4755") != NULL);
	if (check_failed_)
		dump();
	mamori_fstree_free(t);
}

static void
inetd_not_started(void)
{
	struct mamori_fstree *t = tree_new();

	if (t == NULL)
		return;
	add_bins(t);
	add_file(t, "/etc/inetd.conf", 0644,
	    "# services\n"
	    "telnet stream tcp nowait root /usr/sbin/telnetd telnetd -i\n"
	    "ftp stream tcp nowait root /usr/sbin/tcpd in.ftpd -l\n"
	    "echo stream tcp nowait root internal\n");
	add_file(t, "/usr/sbin/telnetd", 0755,
	    "\x7f"
	    "ELF");
	add_file(t, "/etc/init.d/rcS", 0755, "#!/bin/sh\nmount -a\n");
	run(t);
	CHECK(count("service.telnet") == 0);
	CHECK(count("service.ftp") == 0);
	CHECK(find("service.configured-not-started", "/etc/inetd.conf", 2,
	          "inetd is never started") != NULL);
	CHECK(find("service.configured-not-started", "/etc/inetd.conf", 3, "in.ftpd") != NULL);
	{
		const struct mamori_finding *f =
		    find("service.configured-not-started", "/etc/inetd.conf", 2, NULL);

		CHECK(f != NULL && f->severity == MAMORI_SEV_LOW);
	}
	/* once rcS starts inetd, the same lines are running services */
	add_file(t, "/etc/init.d/rcS", 0755, "#!/bin/sh\nmount -a\n/usr/sbin/inetd -f &\n");
	add_file(t, "/usr/sbin/inetd", 0755,
	    "\x7f"
	    "ELF");
	add_file(t, "/usr/sbin/in.ftpd", 0755,
	    "\x7f"
	    "ELF");
	run(t);
	CHECK(find("service.telnet", "/etc/inetd.conf", 2, "port 23") != NULL);
	CHECK(find("service.telnet", "/etc/inetd.conf", 2, "inetd is started by /etc/init.d/rcS") !=
	      NULL);
	CHECK(find("service.ftp", "/etc/inetd.conf", 3, "port 21") != NULL);
	if (check_failed_)
		dump();
	mamori_fstree_free(t);
}

static void
systemd_socket(void)
{
	struct mamori_fstree *t = tree_new();

	if (t == NULL)
		return;
	add_bins(t);
	add_file(t, "/lib/systemd/system/telnet.socket", 0644,
	    "[Unit]\nDescription=Telnet\n[Socket]\nListenStream=23\nAccept=yes\n"
	    "[Install]\nWantedBy=sockets.target\n");
	add_file(t, "/lib/systemd/system/telnet@.service", 0644,
	    "[Service]\nExecStart=-/usr/sbin/in.telnetd\nStandardInput=socket\n");
	add_link(t, "/etc/systemd/system/sockets.target.wants/telnet.socket",
	    "/lib/systemd/system/telnet.socket");
	add_file(t, "/lib/systemd/system/vsftpd.service", 0644,
	    "[Service]\nExecStart=/usr/sbin/vsftpd /etc/vsftpd.conf\n"
	    "[Install]\nWantedBy=multi-user.target\n");
	add_file(t, "/lib/systemd/system/serial-getty@.service", 0644,
	    "[Service]\nExecStart=-/sbin/agetty --autologin root --keep-baud 115200 %I $TERM\n");
	add_link(t, "/etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service",
	    "/lib/systemd/system/serial-getty@.service");
	add_file(t, "/usr/sbin/in.telnetd", 0755,
	    "\x7f"
	    "ELF");
	add_file(t, "/usr/sbin/vsftpd", 0755,
	    "\x7f"
	    "ELF");
	add_file(t, "/sbin/agetty", 0755,
	    "\x7f"
	    "ELF");
	run(t);
	CHECK(find("service.telnet", "/lib/systemd/system/telnet@.service", 2,
	          "socket-activated by telnet.socket") != NULL);
	CHECK(find("service.telnet", "/lib/systemd/system/telnet@.service", 2, "port 23") != NULL);
	CHECK(find("service.configured-not-started", "/lib/systemd/system/vsftpd.service", 2,
	          "not enabled") != NULL);
	CHECK(find("console.shell", "/lib/systemd/system/serial-getty@.service", 2,
	          "--autologin root") != NULL);
	CHECK(count("service.ftp") == 0);
	if (check_failed_)
		dump();
	mamori_fstree_free(t);
}

/* TRENDnet TEW-733GR: /etc/init.d/rcS and /etc/init0.d/S80telnetd.sh as they are in the image
 * (../shared/data/firmware/README.md); /etc/init0.d/rcS is shortened to its loop. */
static void
trendnet_like(void)
{
	struct mamori_fstree *t = tree_new();

	if (t == NULL)
		return;
	add_bins(t);
	add_file(t, "/etc/init.d/rcS", 0755,
	    "#!/bin/sh\n"
	    "for i in /etc/init.d/S??* ;do\n"
	    "\t# Ignore dangling symlinks (if any).\n"
	    "\t[ ! -f \"$i\" ] && continue\n"
	    "\t# Run the script.\n"
	    "\techo \"[$i]\"\n"
	    "\t$i\n"
	    "done\n"
	    "echo \"[$0] done!\"\n"
	    "/etc/init0.d/rcS\n");
	add_file(t, "/etc/init0.d/rcS", 0755,
	    "#!/bin/sh\n"
	    "for i in /etc/init0.d/S??* ; do\n"
	    "\t[ -x $i ] && $i start\n"
	    "done\n");
	add_file(t, "/etc/init0.d/S80telnetd.sh", 0755,
	    "#!/bin/sh\n"
	    "echo [$0]: $1 ... > /dev/console\n"
	    "is_default=`xmldbc -g /runtime/device/devconfsize`\n"
	    "if [ \"$1\" = \"start\" ] && [ \"$is_default\" = \"0\" ]; then\n"
	    "\tif [ -f \"/usr/sbin/login\" ]; then\n"
	    "\t\timage_sign=`cat /etc/config/image_sign`\n"
	    "\t\ttelnetd -l /usr/sbin/login -u Alphanetworks:$image_sign -i br0 &\n"
	    "\telse\n"
	    "\t\ttelnetd &\n"
	    "\tfi\n"
	    "else\n"
	    "\tkillall telnetd\n"
	    "fi\n");
	add_file(t, "/etc/config/image_sign", 0644, "wrgn80_trendnet_tew733gr\n");
	add_file(t, "/usr/sbin/telnetd", 0755,
	    "\x7f"
	    "ELF");
	add_file(t, "/usr/sbin/login", 0755,
	    "\x7f"
	    "ELF");
	run(t);
	CHECK(find("service.telnet", "/etc/init0.d/S80telnetd.sh", 7,
	          "telnetd -l /usr/sbin/login -u Alphanetworks:$image_sign -i br0") != NULL);
	CHECK(find("service.telnet", "/etc/init0.d/S80telnetd.sh", 7,
	          "Alphanetworks:wrgn80_trendnet_tew733gr") != NULL);
	CHECK(find("service.telnet", "/etc/init0.d/S80telnetd.sh", 7,
	          "run by /etc/init0.d/rcS line 3") != NULL);
	/* without the image_sign file the variable stays as written */
	add_file(t, "/etc/config/image_sign", 0644, "");
	run(t);
	CHECK(find("service.telnet", "/etc/init0.d/S80telnetd.sh", 7, "Alphanetworks:") != NULL);
	if (check_failed_)
		dump();
	mamori_fstree_free(t);
}

/* The real TRENDnet TEW-733GR image (../shared/data/firmware/README.md, ground truth 1):
 * BusyBox init without inittab runs /etc/init.d/rcS, whose loop runs /etc/init0.d/rcS, whose
 * loop runs S80telnetd.sh with "start". */
static void
trendnet_image(void)
{
	char path[1024];
	struct mamori_buf b;
	struct mamori_fs_limits l;
	struct mamori_fstree *t = NULL;
	struct mamori_unpack_opts o;
	struct mamori_unpack_log lg;
	struct mamori_diag d = {0};
	struct mamori_initsys *m = NULL;

	snprintf(path, sizeof(path), "%s/firmware/trendnet_tew733gr_v1.02b01_rootfs.squashfs",
	    check_shared_data());
	mamori_buf_init(&b, (size_t)64 << 20);
	CHECK_OK(mamori_read_file(path, &b));
	mamori_fs_limits_default(&l);
	CHECK_OK(mamori_fstree_new(&l, &t));
	mamori_unpack_opts_default(&o);
	mamori_unpack_log_init(&lg);
	if (t == NULL || b.len == 0)
		goto out;
	CHECK_OK(mamori_unpack(b.p, b.len, &o, t, &lg, &d));
	run(t);
	CHECK(find("service.telnet", "/etc/init0.d/S80telnetd.sh", 7,
	          "telnetd -l /usr/sbin/login -u Alphanetworks:$image_sign -i br0") != NULL);
	CHECK(find("service.telnet", "/etc/init0.d/S80telnetd.sh", 7,
	          "Alphanetworks:wrgn80_trendnet_tew733gr") != NULL);
	CHECK(find("service.telnet", "/etc/init0.d/S80telnetd.sh", 7,
	          "run by /etc/init0.d/rcS line 37") != NULL);
	/* killall telnetd is not a service, and the PHP/XML default nodes are not scripts */
	CHECK(find("service.telnet", "/etc/init0.d/S80telnetd.sh", 12, NULL) == NULL);
	CHECK_OK(mamori_initsys_build(t, &m, &d));
	if (m != NULL) {
		for (size_t i = 0; i < m->nscript; i++)
			CHECK(strstr(m->script[i].path, ".php") == NULL &&
			      strstr(m->script[i].path, ".xml") == NULL);
		mamori_initsys_free(m);
	}
	if (check_failed_)
		dump();
out:
	mamori_unpack_log_free(&lg);
	mamori_buf_free(&b);
	mamori_fstree_free(t);
}

static void
procd_enablement(void)
{
	struct mamori_fstree *t = tree_new();

	if (t == NULL)
		return;
	add_bins(t);
	add_file(t, "/etc/init.d/telnet", 0755,
	    "#!/bin/sh /etc/rc.common\n"
	    "START=50\n"
	    "USE_PROCD=1\n"
	    "start_service() {\n"
	    "\tprocd_open_instance\n"
	    "\tprocd_set_param command /usr/sbin/telnetd -F -l /bin/login.sh\n"
	    "\tprocd_close_instance\n"
	    "}\n"
	    "service_triggers() {\n"
	    "\tprocd_add_reload_trigger telnet\n"
	    "}\n");
	add_file(t, "/etc/init.d/tftpd", 0755,
	    "#!/bin/sh /etc/rc.common\n"
	    "START=60\n"
	    "start() {\n"
	    "\tservice_start /usr/sbin/tftpd -s /srv\n"
	    "}\n");
	add_file(t, "/usr/sbin/telnetd", 0755,
	    "\x7f"
	    "ELF");
	add_file(t, "/usr/sbin/tftpd", 0755,
	    "\x7f"
	    "ELF");
	add_link(t, "/etc/rc.d/S50telnet", "../init.d/telnet");
	add_file(t, "/etc/config/tftpd", 0644, "config tftpd\n\toption enabled '0'\n");
	run(t);
	CHECK(find("service.telnet", "/etc/init.d/telnet", 6, "enabled by /etc/rc.d/S50telnet") !=
	      NULL);
	CHECK(find("service.configured-not-started", "/etc/init.d/tftpd", 4,
	          "disabled in /etc/config/tftpd") != NULL);
	CHECK(count("service.tftp") == 0);
	if (check_failed_)
		dump();
	mamori_fstree_free(t);
}

static void
bindshells(void)
{
	struct mamori_fstree *t = tree_new();

	if (t == NULL)
		return;
	add_bins(t);
	add_link(t, "/usr/bin/nc", "../../bin/busybox");
	add_file(t, "/usr/bin/socat", 0755,
	    "\x7f"
	    "ELF");
	add_file(t, "/etc/rc.local", 0755,
	    "busybox nc -lp 4444 -e /bin/sh &\n"
	    "nc -l -p 9000 > /tmp/x &\n"
	    "socat TCP-LISTEN:31337,fork EXEC:/bin/sh &\n"
	    "nc example.org 80\n");
	run(t);
	CHECK(find("service.bindshell", "/etc/rc.local", 1, "nc -lp 4444 -e /bin/sh") != NULL);
	CHECK(find("service.insecure", "/etc/rc.local", 2, "unknown listener") != NULL);
	CHECK(find("service.bindshell", "/etc/rc.local", 3, "TCP-LISTEN") != NULL);
	CHECK(count("service.bindshell") == 2);
	CHECK(count("service.insecure") == 1);
	if (check_failed_)
		dump();
	mamori_fstree_free(t);
}

static void
update_scripts(void)
{
	struct mamori_fstree *t = tree_new();

	if (t == NULL)
		return;
	add_file(t, "/usr/sbin/fwupdate.sh", 0755,
	    "#!/bin/sh\n"
	    "# download and flash\n"
	    "wget -O /tmp/fw.bin \"$1\"\n"
	    "mtd -r write /tmp/fw.bin firmware\n");
	add_file(t, "/usr/sbin/fwupdate-signed.sh", 0755,
	    "#!/bin/sh\n"
	    "curl -o /tmp/fw.bin \"$1\"\n"
	    "curl -o /tmp/fw.sig \"$1.sig\"\n"
	    "openssl dgst -sha256 -verify /etc/fw.pub -signature /tmp/fw.sig /tmp/fw.bin || exit 1\n"
	    "dd if=/tmp/fw.bin of=/dev/mtdblock3\n");
	add_file(t, "/usr/sbin/fw-dd.sh", 0755,
	    "#!/bin/sh\n"
	    "tftp -g -r fw.bin 192.0.2.1\n"
	    "dd if=fw.bin of=/dev/mtd3 bs=64k\n");
	add_file(t, "/usr/sbin/only-flash.sh", 0755, "#!/bin/sh\nmtd write /tmp/x firmware\n");
	add_file(t, "/usr/sbin/commented.sh", 0755,
	    "#!/bin/sh\n# wget http://x/fw.bin\nmtd write /tmp/x firmware\n");
	run(t);
	CHECK(find("update.unverified", "/usr/sbin/fwupdate.sh", 4, "heuristic") != NULL);
	CHECK(find("update.unverified", "/usr/sbin/fw-dd.sh", 3, "tftp -g") != NULL);
	CHECK(find("update.unverified", "/usr/sbin/fwupdate-signed.sh", 0, NULL) == NULL);
	CHECK(count("update.unverified") == 2);
	if (check_failed_)
		dump();
	mamori_fstree_free(t);
}

/* Updater programs: ELF bytes as a multi-call binary carries them (NUL-separated strings). */
static void
add_elf(struct mamori_fstree *t, const char *path, const char *strings, size_t n)
{
	uint8_t buf[256];

	memcpy(buf,
	    "\x7f"
	    "ELF\1\1\1",
	    7);
	memset(buf + 7, 0, 9);
	memcpy(buf + 16, strings, n);
	CHECK_OK(mamori_fstree_add(
	    t, path, strlen(path), MAMORI_FS_REG, 0755, 0, 0, buf, 16 + n, NULL, NULL, NULL));
}

static void
update_programs(void)
{
	static const char multi[] = "seama\0/dev/mtdblock/%d\0MD5Init\0firmware";
	static const char signed_[] = "/dev/mtd%d\0RSA_verify\0firmware";
	struct mamori_fstree *t = tree_new();
	const struct mamori_finding *f;

	if (t == NULL)
		return;
	add_elf(t, "/htdocs/cgibin", multi, sizeof(multi));
	add_link(t, "/usr/sbin/fwupdater", "/htdocs/cgibin");
	add_link(t, "/htdocs/web/fwup.cgi", "../cgibin");
	add_file(t, "/etc/events/FWUPDATER.sh", 0755,
	    "#!/bin/sh\nkillall -9 servd\nfwupdater -i /var/firmware.seama\nreboot\n");
	add_elf(t, "/usr/sbin/fw_signed", signed_, sizeof(signed_)); /* verifies: not reported */
	add_elf(t, "/usr/sbin/mtdtool", multi, sizeof(multi));       /* not an updater's name */
	add_elf(t, "/usr/sbin/upgrade_ui", "firmware", sizeof("firmware")); /* writes no flash */
	run(t);
	f = find("update.unverified", "/htdocs/cgibin", 0, "heuristic");
	CHECK(f != NULL);
	if (f != NULL) {
		CHECK(strstr(f->evidence, "as /htdocs/web/fwup.cgi, /usr/sbin/fwupdater") != NULL);
		CHECK(strstr(f->evidence, "'MD5Init' (integrity, not authenticity)") != NULL);
		CHECK(
		    strstr(f->evidence,
		        "run by /etc/events/FWUPDATER.sh line 3: fwupdater -i /var/firmware.seama") !=
		    NULL);
	}
	CHECK(count("update.unverified") == 1);
	if (check_failed_)
		dump();
	mamori_fstree_free(t);
}

static void
fs_permissions(void)
{
	struct mamori_fstree *t = tree_new();

	if (t == NULL)
		return;
	CHECK_OK(
	    mamori_fstree_add(t, "/tmp", 4, MAMORI_FS_DIR, 01777, 0, 0, NULL, 0, NULL, NULL, NULL));
	CHECK_OK(mamori_fstree_add(
	    t, "/var/spool", 10, MAMORI_FS_DIR, 0777, 0, 0, NULL, 0, NULL, NULL, NULL));
	CHECK_OK(mamori_fstree_add(
	    t, "/var/lock", 9, MAMORI_FS_DIR, 01777, 0, 0, NULL, 0, NULL, NULL, NULL));
	add_file(t, "/etc/config/x", 0666, "x");
	add_file(t, "/tmp/y", 0666, "y");
	add_file(t, "/usr/bin/pkexec", 04755,
	    "\x7f"
	    "ELF");
	add_file(t, "/usr/bin/wall", 02755,
	    "\x7f"
	    "ELF");
	add_file(t, "/usr/bin/ok", 0755,
	    "\x7f"
	    "ELF");
	run(t);
	CHECK(count("fs.world-writable") == 1);
	CHECK(find("fs.world-writable", NULL, 0, "2 world-writable") != NULL);
	CHECK(find("fs.world-writable", NULL, 0, "/etc/config/x 0666") != NULL);
	CHECK(find("fs.world-writable", NULL, 0, "/var/spool 0777 dir") != NULL);
	CHECK(find("fs.world-writable", NULL, 0, "/tmp/y") == NULL);
	CHECK(find("fs.setuid", "/usr/bin/pkexec", 0, "setuid mode 4755") != NULL);
	CHECK(find("fs.setuid", "/usr/bin/wall", 0, "setgid mode 2755") != NULL);
	CHECK(count("fs.setuid") == 2);
	if (check_failed_)
		dump();
	mamori_fstree_free(t);
}

static void
sqlite_personal(void)
{
	struct mamori_fstree *t = tree_new();
	uint8_t db[400];
	static const char schema[] = "CREATE TABLE devices(id INTEGER, mac TEXT, hostname TEXT)"
	                             "CREATE TABLE \"users\"(uid INTEGER, \"phone_number\" TEXT, "
	                             "home_address TEXT, CHECK (uid > 0))";

	if (t == NULL)
		return;
	memset(db, 0, sizeof(db));
	memcpy(db, "SQLite format 3", 16);
	memcpy(db + 100, schema, sizeof(schema) - 1);
	CHECK_OK(mamori_fstree_add(
	    t, "/data/a.db", 10, MAMORI_FS_REG, 0644, 0, 0, db, sizeof(db), NULL, NULL, NULL));
	/* the same bytes without the magic are not a database */
	db[0] = 'X';
	CHECK_OK(mamori_fstree_add(
	    t, "/data/b.db", 10, MAMORI_FS_REG, 0644, 0, 0, db, sizeof(db), NULL, NULL, NULL));
	run(t);
	CHECK(find("data.plaintext-personal", "/data/a.db", 0,
	          "users: phone_number, home_address") != NULL);
	CHECK(find("data.plaintext-personal", "/data/a.db", 0, "devices") == NULL);
	CHECK(count("data.plaintext-personal") == 1);
	if (check_failed_)
		dump();
	mamori_fstree_free(t);
}

int
main(void)
{
	static const struct check_case cases[] = {
	    CHECK_CASE(scanner_basics),
	    CHECK_CASE(scanner_vectors),
	    CHECK_CASE(scanner_functions_and_case),
	    CHECK_CASE(scanner_hostile),
	    CHECK_CASE(inittab_parse),
	    CHECK_CASE(uci_parse),
	    CHECK_CASE(iotgoat),
	    CHECK_CASE(inittab_shells),
	    CHECK_CASE(inetd_not_started),
	    CHECK_CASE(systemd_socket),
	    CHECK_CASE(trendnet_like),
	    CHECK_CASE(trendnet_image),
	    CHECK_CASE(procd_enablement),
	    CHECK_CASE(bindshells),
	    CHECK_CASE(update_scripts),
	    CHECK_CASE(update_programs),
	    CHECK_CASE(fs_permissions),
	    CHECK_CASE(sqlite_personal),
	};
	int rc;

	mamori_report_init(&R);
	rc = check_run("test_services", cases, sizeof(cases) / sizeof(cases[0]));
	mamori_report_free(&R);
	return rc;
}
