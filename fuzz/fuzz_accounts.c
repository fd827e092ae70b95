/* SPDX-License-Identifier: MIT */
/* The passwd/shadow/group line parsers, then the account, credential and key checks over a tree
 * holding the input at the paths each rule reads (tiny cracking budgets keep runs short). */
#include <stdint.h>
#include <string.h>

#include "mamori/accounts.h"
#include "mamori/audit.h"
#include "mamori/finding.h"
#include "mamori/fstree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const paths[] = {
    "/etc/passwd",
    "/etc/shadow",
    "/etc/group",
    "/etc/init.d/S80telnetd.sh",
    "/etc/ppp/chap-secrets",
    "/etc/snmp/snmpd.conf",
    "/etc/config/wireless",
    "/etc/defnodes/defaultvalue.xml",
    "/etc/dropbear/dropbear_rsa_host_key",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum mamori_accounts_kind kinds[] = {
	    MAMORI_ACCOUNTS_PASSWD, MAMORI_ACCOUNTS_SHADOW, MAMORI_ACCOUNTS_GROUP};
	static char user[] = "root", pass[] = "admin";
	static struct mamori_audit_cred pair = {user, pass};
	static const char *pw[] = {pass};
	struct mamori_audit_creds dict;
	struct mamori_fs_limits l;
	struct mamori_fstree *t = NULL;
	struct mamori_report r;
	struct mamori_diag d;
	mamori_err e;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct mamori_accounts a;

		if (mamori_accounts_parse(kinds[i], data, size, &a, &d) != MAMORI_OK)
			continue;
		for (size_t k = 0; k < a.n; k++) {
			/* every string is terminated and every line number is in range */
			if (strlen(a.a[k].name) == 0 || a.a[k].line == 0 ||
			    strlen(a.a[k].shell) + strlen(a.a[k].members) > size)
				__builtin_trap();
			(void)mamori_account_locked(a.a[k].passwd);
			(void)mamori_account_login_shell(a.a[k].shell);
		}
		if (a.nbad > MAMORI_ACCOUNTS_BAD_MAX || a.nbad > a.nbad_total)
			__builtin_trap();
		mamori_accounts_free(&a);
	}
	if (size > 65536)
		return 0;
	mamori_fs_limits_default(&l);
	if (mamori_fstree_new(&l, &t) != MAMORI_OK)
		return 0;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (mamori_fstree_add(t, paths[i], strlen(paths[i]), MAMORI_FS_REG, 0644, 0, 0,
		        data, size, NULL, NULL, NULL) != MAMORI_OK)
			goto out;
	/* the $image_sign of the Alpha Networks script, read from the input too */
	if (mamori_fstree_add(t, "/etc/config/image_sign", 22, MAMORI_FS_REG, 0644, 0, 0, data,
	        size, NULL, NULL, NULL) != MAMORI_OK)
		goto out;
	memset(&dict, 0, sizeof(dict));
	dict.pairs = &pair;
	dict.npairs = 1;
	dict.passwords = pw;
	dict.npasswords = 1;
	dict.crack_ms = 5;
	dict.crack_tries = 4;
	dict.crack_total_ms = 20;
	mamori_report_init(&r);
	/* errors are allocation failures only; the findings are not judged here */
	e = mamori_check_accounts(t, &dict, &r, &d);
	if (e == MAMORI_OK)
		e = mamori_check_credentials(t, &r, &d);
	if (e == MAMORI_OK)
		e = mamori_check_keys(t, &r, &d);
	if (e != MAMORI_OK && e != MAMORI_E_NOMEM)
		__builtin_trap();
	mamori_report_free(&r);
out:
	mamori_fstree_free(t);
	return 0;
}
