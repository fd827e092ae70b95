#!/bin/sh
# `mamori vulndb`: import (NVD, OSV, gzip, bad files), list, match, and their exit codes.
. tests/lib.sh
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
db=$t/v.sqlite
j() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$1"; }

"$MAMORI" vulndb --help > "$t/help"
ok "help: exit 0 and teaches the verbs" grep -q "match COMPONENT VERSION" "$t/help"
"$MAMORI" vulndb > /dev/null 2>&1
ok "no verb: usage (2)" test $? -eq 2
"$MAMORI" vulndb frob > /dev/null 2>&1
ok "unknown verb: usage (2)" test $? -eq 2
"$MAMORI" vulndb --db "$db" list > /dev/null 2> "$t/err"
ok "list without a database: exit 3" test $? -eq 3
ok "list without a database: says how to make one" grep -q "mamori vulndb --db $db import" "$t/err"

"$MAMORI" vulndb --db "$db" import data/vulndb/nvd/dnsmasq.json data/vulndb/nvd/openssl.json 2> "$t/imp"
ok "import: exit 0" test $? -eq 0
ok "import: a line per file" sh -c "grep -q 'dnsmasq.json: nvd, 24 records' '$t/imp' && grep -q 'openssl.json: nvd, 12 records' '$t/imp'"
gzip -c data/vulndb/nvd/busybox.json > "$t/busybox.json.gz"
"$MAMORI" vulndb --db "$db" import -q "$t/busybox.json.gz" 2> "$t/imp2"
ok "import: gzip, -q silent" sh -c "test $? -eq 0 && ! test -s '$t/imp2'"
"$MAMORI" vulndb --db "$db" list --json > "$t/list.json"
ok "list --json: three products, 52 records" j "$t/list.json" "assert d['records']==52 and {p['product'] for p in d['products']}>={'dnsmasq','openssl','busybox'}"
"$MAMORI" vulndb --db "$db" import data/vulndb/nvd/dnsmasq.json 2>/dev/null
"$MAMORI" vulndb --db "$db" list --json > "$t/list2.json"
ok "import again: replaced, not doubled" j "$t/list2.json" "assert d['records']==52"

"$MAMORI" vulndb --db "$db" match dnsmasq 2.45 > "$t/m.txt"
ok "match: vulnerable is exit 1" test $? -eq 1
ok "match: text names CVE-2017-14491 9.8" grep -q "^CVE-2017-14491 *9.8 critical" "$t/m.txt"
"$MAMORI" vulndb --db "$db" match dnsmasq 2.90 > "$t/m2.txt"
ok "match: dnsmasq 2.90 has none of these: exit 0" test $? -eq 0
"$MAMORI" vulndb --db "$db" match openssl 0.9.8g --json > "$t/m.json"
ok "match --json: CVE-2014-0224 fixed in 0.9.8za" j "$t/m.json" "assert any(v['id']=='CVE-2014-0224' and v['fixed']=='0.9.8za' for v in d['vulnerabilities'])"
ok "match --json: highest score first" j "$t/m.json" "s=[v.get('score',0) for v in d['vulnerabilities']]; assert s==sorted(s,reverse=True)"
MAMORI_VULNDB=$db "$MAMORI" vulndb match busybox 1.14.1 > /dev/null
ok "MAMORI_VULNDB picks the database" test $? -eq 1

# OSV, written here in the OSV schema (values made up)
cat > "$t/osv.json" <<'J'
{"schema_version": "1.6.0", "id": "OSV-2099-1", "modified": "2099-01-01T00:00:00Z",
 "summary": "test record", "database_specific": {"severity": "HIGH"},
 "affected": [{"package": {"ecosystem": "OSS-Fuzz", "name": "miniupnpd"},
   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"fixed": "2.2"}]}]}]}
J
"$MAMORI" vulndb --db "$db" import "$t/osv.json" 2> "$t/osv.err"
ok "import OSV" grep -q "osv.json: osv, 1 records, 1 affected ranges" "$t/osv.err"
"$MAMORI" vulndb --db "$db" match miniupnpd 2.0 > "$t/m3.txt"
ok "match OSV range" grep -q "^OSV-2099-1 .* high" "$t/m3.txt"

# bad files: exit 3, the file, where and why; the database is unchanged
printf '{"vulnerabilities": [\n  {"cve": {"id": "CVE-1"}}\n' > "$t/cut.json"
"$MAMORI" vulndb --db "$db" import "$t/cut.json" 2> "$t/e1"
ok "truncated JSON: exit 3" test $? -eq 3
ok "truncated JSON: file, line and column" grep -q "cut.json: not JSON: line 3" "$t/e1"
printf '{"vulnerabilities": [{"cve": {"id": "CVE-2"}}, {"cve": {"id": 7}}]}' > "$t/badid.json"
"$MAMORI" vulndb --db "$db" import "$t/badid.json" 2> "$t/e2"
ok "bad id: record and field named" grep -q "badid.json: record 2 (id ?): id: not a string" "$t/e2"
"$MAMORI" vulndb --db "$db" list --json > "$t/list3.json"
ok "bad files left nothing behind" j "$t/list3.json" "assert d['records']==53"
printf 'not a database at all, not even close..........................................' > "$t/junk.sqlite"
"$MAMORI" vulndb --db "$t/junk.sqlite" list 2> "$t/e3"
ok "not a database: exit 3 with a reason" sh -c "test $? -eq 3 && grep -q 'junk.sqlite' '$t/e3'"
"$MAMORI" vulndb --db "$db" import /nonexistent.json 2> "$t/e4"
ok "missing file: exit 3" sh -c "test $? -eq 3 && grep -q '/nonexistent.json' '$t/e4'"
summary
