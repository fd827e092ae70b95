#!/bin/sh
# audit firmware on a root file system that ships mamori account stores: a password hash in a
# store built into the image is shared by every device (account.store-shared-password), one
# from the dictionaries is found (account.default-password), a provisioned must-change account
# is reported as high, a store without passwords is clean, a damaged one is reported.
. tests/lib.sh
T=$(mktemp -d /tmp/mamori-audit-cred-XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
R=$T/rootfs
mkdir -p "$R/etc/mamori" "$R/opt/app"
m() { "$MAMORI" cred -s "$1" "$2" "$3" "$4" "$5" "$6" 2>/dev/null; }
S=$R/etc/mamori/accounts
"$MAMORI" cred -s "$S" init --class small 2>/dev/null
# root with Mirai's xc3511, as a legacy crypt(3) hash imported from a shadow file
printf 'root:%s:19000:0:99999:7:::\n' "$(openssl passwd -6 xc3511)" > "$T/shadow"
"$MAMORI" cred -s "$S" import "$T/shadow" --role admin 2>/dev/null
# an operator whose strong password was set at build time
echo "Quiet-Harbor-77-lantern" | "$MAMORI" cred -s "$S" add op --role operator 2>/dev/null
echo "Quiet-Harbor-77-lantern" | "$MAMORI" cred -s "$S" passwd op 2>/dev/null
# a label password provisioned into the image (must change, but the same on every device)
head -c 32 /dev/urandom > "$T/secret"; chmod 600 "$T/secret"
"$MAMORI" cred -s "$S" provision --device-secret "$T/secret" --serial SN1 --user admin >/dev/null 2>&1
# first-use accounts only: nothing shared
"$MAMORI" cred -s "$R/opt/app/users" init 2>/dev/null
"$MAMORI" cred -s "$R/opt/app/users" add owner --role admin --no-password 2>/dev/null
# a damaged copy
head -c -20 "$S" > "$R/etc/mamori/accounts.bak"

"$MAMORI" audit firmware "$R" --format json -o "$T/report.json" 2>"$T/err"
q() { python3 - "$T/report.json" "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
want = sys.argv[2:]
f = [x for x in d["findings"] if x["id"] == want[0] and (len(want) < 2 or want[1] in x.get("evidence", "")) and (len(want) < 3 or x["severity"] == want[2])]
sys.exit(0 if f else 1)
PY
}
ok "report written" test -s "$T/report.json"
ok "root's hash shipped in the image: critical" q account.store-shared-password "root (role admin) has a sha512crypt password" critical
ok "root's password found in the dictionaries" q account.default-password "root: password 'xc3511'"
ok "the operator's build-time password: critical" q account.store-shared-password "op (role operator) has a argon2id password in the image and no must-change" critical
ok "the provisioned admin: high (must change, still shared)" q account.store-shared-password "admin (role admin)" high
ok "first-use store: no shared password" sh -c '! python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if any(x[\"path\"]==\"/opt/app/users\" and x[\"id\"]==\"account.store-shared-password\" for x in d[\"findings\"]) else 1)" "$0"' "$T/report.json"
ok "the damaged store: unreadable, saying why" q account.store-unreadable "truncated"
ok "findings name the store line" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if any(x["id"]=="account.store-shared-password" and x.get("line",0)>1 for x in d["findings"]) else 1)' "$T/report.json"
summary
