#!/bin/sh
# mamori cred end to end: RFC 4226/6238 vectors against oathtool, the policy on every
# dictionary password, provisioning and must-change, TOTP with replay protection, throttling
# on an injected clock, concurrent writers, a store that fails closed, and no secret in any
# message. Everything lives in a temporary directory.
. tests/lib.sh
T=$(mktemp -d /tmp/mamori-cred-XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
export MAMORI_CRED_STORE="$T/accounts"
LOG="$T/stderr.log"   # every message mamori printed to standard error in this test
: > "$LOG"
m() { "$MAMORI" cred "$@" 2>>"$LOG"; }
no() { ! "$@"; }

# ---- RFC 6238 Appendix B, all three algorithms, and oathtool agrees ----
K1=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ                                   # "12345678901234567890"
K256=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA             # 32 bytes
K512=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA
ok "done-when: totp code --time 59 --digits 8 prints 94287082" \
  test "$("$MAMORI" cred totp code --secret $K1 --time 59 --digits 8)" = 94287082
have_oath=0; command -v oathtool >/dev/null 2>&1 && have_oath=1
ok "oathtool is installed (tools/need-packages test)" test $have_oath = 1
while read -r t sha1 sha256 sha512; do
  ok "rfc6238 sha1 t=$t" test "$("$MAMORI" cred totp code --secret $K1 --time "$t" --digits 8)" = "$sha1"
  ok "rfc6238 sha256 t=$t" test "$("$MAMORI" cred totp code --secret $K256 --time "$t" --digits 8 --algorithm sha256)" = "$sha256"
  ok "rfc6238 sha512 t=$t" test "$("$MAMORI" cred totp code --secret $K512 --time "$t" --digits 8 --algorithm SHA512)" = "$sha512"
  if [ $have_oath = 1 ]; then
    ok "oathtool sha1 t=$t" test "$(oathtool -b --totp=sha1 -d 8 -N "@$t" $K1)" = "$sha1"
    ok "oathtool sha256 t=$t" test "$(oathtool -b --totp=sha256 -d 8 -N "@$t" $K256)" = "$sha256"
    ok "oathtool sha512 t=$t" test "$(oathtool -b --totp=sha512 -d 8 -N "@$t" $K512)" = "$sha512"
  fi
done <<'EOF'
59 94287082 46119246 90693936
1111111109 07081804 68084774 25091201
1111111111 14050471 67062674 99943326
1234567890 89005924 91819424 93441116
2000000000 69279037 90698825 38618901
20000000000 65353130 77737706 47863826
EOF
# RFC 4226 Appendix D, counters 0..9, six digits
c=0
for want in 755224 287082 359152 969429 338314 254676 287922 162583 399871 520489; do
  ok "rfc4226 counter $c" test "$("$MAMORI" cred totp code --secret $K1 --counter $c)" = "$want"
  [ $have_oath = 1 ] && ok "oathtool hotp counter $c" test "$(oathtool -b --hotp -c $c $K1)" = "$want"
  c=$((c + 1))
done
# random secrets and times: mamori and oathtool agree on 6, 7 and 8 digits
if [ $have_oath = 1 ]; then
  agree=0
  for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
    sec=$(head -c 20 /dev/urandom | base32 | tr -d '=')
    t=$(( $(od -An -N4 -tu4 /dev/urandom) ))
    d=$(( 6 + i % 3 ))
    [ "$("$MAMORI" cred totp code --secret "$sec" --time $t --digits $d)" = "$(oathtool -b --totp -d $d -N "@$t" "$sec")" ] && agree=$((agree + 1))
  done
  ok "oathtool agrees on 12 random secrets" test $agree = 12
fi
ok "totp code: bad base32 is a usage error" sh -c '"$MAMORI" cred totp code --secret "AB1!" 2>&1; test $? = 2' 
ok "totp code: bad base32 names the offset" sh -c '"$MAMORI" cred totp code --secret "ABC1" 2>&1 | grep -q "offset 3"'

# ---- help and usage ----
ok "cred --help teaches" sh -c '"$MAMORI" cred --help | grep -q "provision --device-secret"'
ok "mamori help cred" sh -c '"$MAMORI" help cred | grep -q "totp enroll"'
ok "unknown verb: usage error" sh -c '"$MAMORI" cred frobnicate 2>/dev/null; test $? = 2'
ok "missing store: clear error, exit 3" sh -c '"$MAMORI" cred -s "$0/none" list 2>&1 | grep -q "cannot open store"; "$MAMORI" cred -s "$0/none" list 2>/dev/null; test $? = 3' "$T"

# ---- init ----
ok "init" m init --word acme --word cam-200
ok "init is 0600" test "$(stat -c %a "$MAMORI_CRED_STORE")" = 600
ok "init never overwrites" sh -c '"$MAMORI" cred init 2>&1 | grep -q "refusing to overwrite"'

# ---- the policy: xc3511 and every dictionary password are refused, saying why ----
ok "done-when: add refuses xc3511, saying why" sh -c 'echo xc3511 | "$MAMORI" cred add root 2>&1 | grep -q "refused: it is a factory login from the Mirai"'
ok "xc3511: exit 1" sh -c 'echo xc3511 | "$MAMORI" cred add root 2>/dev/null; test $? = 1'
{
  grep -v '^#' "$SHARED/credentials/mirai_scanner_table.tsv" | tail -n +2 | cut -f2
  cut -d, -f3 "$SHARED/mirai/mirai_credentials.csv" | tail -n +2
  sed 's/^[^ ]* //' "$SHARED/credentials/seclists_mirai-botnet.txt"
  sed 's/^[^:]*://' "$SHARED/credentials/seclists_telnet-betterdefaultpasslist.txt"
  tail -n +2 "$SHARED/credentials/seclists_default-passwords_iot-excerpt.csv" | cut -d, -f3 | grep -v '^<'
} | tr -d '\r' | sort -u > "$T/dict"
n=0; refused=0; leaked=0
while IFS= read -r pw; do
  n=$((n + 1))
  msg=$(printf '%s\n' "$pw" | "$MAMORI" cred add dictuser 2>&1); rc=$?
  case $msg in *"password refused: "*) [ $rc = 1 ] && refused=$((refused + 1)) ;; *) echo "accepted? [$pw]: $msg" >&2 ;; esac
  # the message never repeats the password (checked for those long enough to be unambiguous)
  if [ ${#pw} -ge 5 ] && printf '%s' "${msg#*refused: }" | grep -qF -- "$pw"; then leaked=$((leaked + 1)); echo "leaked [$pw]: $msg" >&2; fi
done < "$T/dict"
echo "cred.sh: $n distinct dictionary passwords, $refused refused, $leaked messages repeating one" >&2
ok "every dictionary password refused ($n)" test $refused = $n
ok "dictionary list is not empty" test $n -gt 100
ok "no refusal message repeats the password" test $leaked = 0
ok "no dictionary user was created" sh -c '! "$MAMORI" cred list | grep -q dictuser'
ok "device word refused" sh -c 'echo "Acme-2024-cam" | "$MAMORI" cred add u1 2>&1 | grep -q "device word"'
ok "user name refused" sh -c 'echo "bob-the-builder" | "$MAMORI" cred add bob 2>&1 | grep -q "user name"'
ok "too short, saying how long" sh -c 'echo "Zq7#vLp" | "$MAMORI" cred add u1 2>&1 | grep -q "at least 8"'
ok "64 characters accepted" sh -c 'printf "%s\n" "$(head -c 48 /dev/urandom | base64 | tr -d "\n" | head -c 64)" | "$MAMORI" cred add longpw'
ok "a strong password accepted" sh -c 'echo "Quiet-Harbor-77-lantern" | "$MAMORI" cred add op1 --role operator'
ok "new accounts must change the password" sh -c '"$MAMORI" cred list --json | python3 -c "import json,sys; a={x[\"user\"]:x for x in json.load(sys.stdin)[\"accounts\"]}; sys.exit(0 if a[\"op1\"][\"must_change\"] else 1)"'
ok "verify a must-change account: exit 1, says so" sh -c 'echo "Quiet-Harbor-77-lantern" | "$MAMORI" cred verify op1 2>&1 | grep -q "only to change"'
ok "passwd clears must-change" sh -c 'echo "Silent-Meadow-38-kettle" | "$MAMORI" cred passwd op1 && echo "Silent-Meadow-38-kettle" | "$MAMORI" cred verify op1'
ok "old password no longer works" sh -c 'echo "Quiet-Harbor-77-lantern" | "$MAMORI" cred verify op1 2>/dev/null; test $? = 1'
ok "unknown role refused" sh -c 'echo "Silent-Meadow-38-kettle" | "$MAMORI" cred add u2 --role wizard 2>&1 | grep -q "no role"'
ok "invalid user name is a usage error" sh -c 'echo "Silent-Meadow-38-kettle" | "$MAMORI" cred add "Bad Name" 2>/dev/null; test $? = 2'

# ---- provisioning: unique per device, reproducible, must change ----
head -c 32 /dev/urandom > "$T/secret"; chmod 600 "$T/secret"
P=$(m provision --device-secret "$T/secret" --serial SN0042)
ok "provision prints a label password" sh -c 'echo "$0" | grep -Eq "^[2-9a-km-np-z]{4}(-[2-9a-km-np-z]{4}){3}$"' "$P"
cp "$MAMORI_CRED_STORE" "$T/other"
ok "provision is reproducible" test "$(m -s "$T/other" provision --device-secret "$T/secret" --serial SN0042)" = "$P"
ok "another serial, another password" test "$(m -s "$T/other" provision --device-secret "$T/secret" --serial SN0043)" != "$P"
ok "a readable device secret is refused" sh -c 'chmod 644 "$0/secret"; "$MAMORI" cred provision --device-secret "$0/secret" --serial X 2>&1 | grep -q "chmod 600"; rc=$?; chmod 600 "$0/secret"; exit $rc' "$T"
ok "provisioned admin: accepted only to change" sh -c 'echo "$0" | "$MAMORI" cred verify admin 2>&1 | grep -q "only to change"' "$P"
ok "the serial became a device word" sh -c 'echo "sn0042-Harbor!" | "$MAMORI" cred passwd admin 2>&1 | grep -q "device word"'
A=Lantern-Quiet-Harbor-93
ok "admin sets a password" sh -c 'echo "$0" | "$MAMORI" cred passwd admin' "$A"
ok "admin logs in" sh -c 'echo "$0" | "$MAMORI" cred verify admin' "$A"

# ---- TOTP: enrol, confirm, login needs the code, replay refused, recovery codes ----
m totp enroll admin --no-qr --json > "$T/enrol.json"
S=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["secret"])' "$T/enrol.json")
R1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["recovery_codes"][0])' "$T/enrol.json")
URI=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["uri"])' "$T/enrol.json")
ok "otpauth URI" sh -c 'case "$0" in otpauth://totp/mamori:admin\?secret=*"&issuer=mamori&algorithm=SHA1&digits=6&period=30") exit 0;; esac; exit 1' "$URI"
ok "enrolment pending: password alone still works" sh -c 'echo "$0" | "$MAMORI" cred verify admin' "$A"
NOW=$(date +%s)
C0=$("$MAMORI" cred totp code --secret "$S" --time "$NOW")
ok "totp verify confirms" m totp verify admin "$C0"
ok "the same code again: refused (replay)" sh -c '"$MAMORI" cred totp verify admin "$0" 2>/dev/null; test $? = 1' "$C0"
ok "password alone now denied" sh -c 'echo "$0" | "$MAMORI" cred verify admin 2>/dev/null; test $? = 1' "$A"
C1=$("$MAMORI" cred totp code --secret "$S" --time $((NOW + 30)))
ok "password + next code accepted" sh -c 'echo "$0" | "$MAMORI" cred verify admin --code "$1"' "$A" "$C1"
ok "password + that code again: replay refused" sh -c 'echo "$0" | "$MAMORI" cred verify admin --code "$1" 2>/dev/null; test $? = 1' "$A" "$C1"
ok "password + recovery code accepted once" sh -c 'echo "$0" | "$MAMORI" cred verify admin --code "$1"' "$A" "$R1"
ok "recovery code used up" sh -c 'echo "$0" | "$MAMORI" cred verify admin --code "$1" 2>/dev/null; test $? = 1' "$A" "$R1"
"$MAMORI" cred throttle reset 2>>"$LOG"
ok "list shows the factor" sh -c '"$MAMORI" cred list | grep -E "^admin +admin +argon2id +totp "'
ok "recovery codes are stored hashed" sh -c '! grep -qF "$0" "$MAMORI_CRED_STORE" && ! grep -qF "$(echo "$0" | tr -d -)" "$MAMORI_CRED_STORE"' "$R1"

# ---- throttling on an injected clock ----
TT=2000000000
for i in 1 2 3 4 5; do echo wrong | MAMORI_CRED_NOW=$TT "$MAMORI" cred verify op1 --source 192.0.2.66 2>>"$LOG"; done
ok "6th guess throttled, saying how long" sh -c 'echo wrong | MAMORI_CRED_NOW=$0 "$MAMORI" cred verify op1 --source 192.0.2.66 2>&1 | grep -q "retry in 1 s"' $TT
ino=$(stat -c %i "$MAMORI_CRED_STORE")
echo wrong | MAMORI_CRED_NOW=$TT "$MAMORI" cred verify op1 --source 192.0.2.66 2>/dev/null
ok "a throttled attempt does not rewrite the store" test "$(stat -c %i "$MAMORI_CRED_STORE")" = "$ino"
ok "right password while throttled: denied, not evaluated" sh -c 'echo Silent-Meadow-38-kettle | MAMORI_CRED_NOW=$0 "$MAMORI" cred verify op1 --source 198.51.100.7 2>/dev/null; test $? = 1' $TT
ok "after the wait: accepted (backoff, not a lock)" sh -c 'echo Silent-Meadow-38-kettle | MAMORI_CRED_NOW=$(($0 + 1)) "$MAMORI" cred verify op1 --source 198.51.100.7' $TT
ok "throttle list --json" sh -c '"$MAMORI" cred throttle list --json | python3 -c "import json,sys; r={x[\"key\"]:x for x in json.load(sys.stdin)}; sys.exit(0 if r[\"s:192.0.2.66\"][\"evaluated\"] == 5 else 1)"'
ok "throttle bound 3600 = 19" test "$("$MAMORI" cred throttle bound 3600)" = 19
ok "unknown user: the same answer as a wrong password" sh -c 'a=$(echo x | "$MAMORI" cred verify ghost --source 10.1.1.1 2>&1); b=$(echo x | "$MAMORI" cred verify op1 --source 10.1.1.2 2>&1); test "$a" = "$b"'
ok "throttle reset" sh -c '"$MAMORI" cred throttle reset && test "$("$MAMORI" cred throttle list --json)" = "[]"'

# ---- lock, roles, check ----
ok "lock" m lock op1
ok "locked: denied" sh -c 'echo Silent-Meadow-38-kettle | "$MAMORI" cred verify op1 2>/dev/null; test $? = 1'
ok "unlock" m unlock op1
ok "custom role" m role add camviewer login camera.view
ok "mod --role" m mod op1 --role camviewer
ok "role list" sh -c '"$MAMORI" cred role list | grep -qx "camviewer login camera.view"'
ok "a used role cannot be deleted" sh -c '"$MAMORI" cred role del camviewer 2>&1 | grep -q "used by op1"'
ok "check: JSON" sh -c '"$MAMORI" cred check --json | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if any(i[\"id\"]==\"cred.no-password\" or i[\"id\"]==\"cred.must-change\" for i in d[\"issues\"]) else 1)"'
ok "add --no-password" m add firstuse --no-password
ok "check: exit 1 with findings" sh -c '"$MAMORI" cred check >/dev/null 2>&1; test $? = 1'
ok "del" m del longpw

# ---- concurrent writers: two processes adding 15 accounts each, none lost ----
for w in a b; do
  ( for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
      "$MAMORI" cred add "w$w$i" --no-password 2>>"$LOG" || echo "lost w$w$i" >&2
    done ) &
done
wait
ok "30 concurrent adds, none lost" test "$("$MAMORI" cred list --json | python3 -c 'import json,sys; print(sum(1 for a in json.load(sys.stdin)["accounts"] if a["user"].startswith("w")))')" = 30
ok "no temporary file left" test ! -e "$MAMORI_CRED_STORE.tmp"

# ---- the store fails closed ----
cp "$MAMORI_CRED_STORE" "$T/good"
head -c -40 "$T/good" > "$MAMORI_CRED_STORE"
ok "truncated store: exit 3" sh -c 'echo x | "$MAMORI" cred verify admin 2>/dev/null; test $? = 3'
ok "truncated store: says truncated, with the line" sh -c '"$MAMORI" cred list 2>&1 | grep -Eq "line [0-9]+: .*truncated"'
sed 's/role=viewer/role=admin/' "$T/good" > "$MAMORI_CRED_STORE"
ok "edited store: checksum mismatch" sh -c '"$MAMORI" cred list 2>&1 | grep -q "checksum mismatch"'
: > "$MAMORI_CRED_STORE"
ok "empty store: refused, never read as empty" sh -c '"$MAMORI" cred list 2>&1 | grep -q "refusing to treat it as having no accounts"'
cp "$T/good" "$MAMORI_CRED_STORE"; chmod 644 "$MAMORI_CRED_STORE"
ok "store readable by others: refused" sh -c '"$MAMORI" cred list 2>&1 | grep -q "chmod 600"'
chmod 600 "$MAMORI_CRED_STORE"
if [ "$(id -u)" -eq 0 ]; then
  chown 4242 "$MAMORI_CRED_STORE"
  ok "a store not owned by root is refused (read as root)" sh -c '"$MAMORI" cred list 2>&1 | grep -q "owned by uid 4242, not root"'
  chown 0 "$MAMORI_CRED_STORE"
fi
ok "restored store works" sh -c 'echo "$0" | "$MAMORI" cred verify op1 2>&1 | grep -qv denied' Silent-Meadow-38-kettle

# ---- legacy crypt(3) hashes from a shadow file: they work, and become Argon2id at login ----
printf 'legacy6:%s:19000:0:99999:7:::\nlegacy5:%s:19000::::::\nlocked:!$6$x$y:19000::::::\nnopw::19000::::::\n' \
  "$(openssl passwd -6 'Old-Shadow-Pass-6')" "$(openssl passwd -5 'Old-Shadow-Pass-5')" > "$T/shadow"
ok "import: exit 1 when entries were skipped" sh -c '"$MAMORI" cred import "$0/shadow" --role operator 2>"$0/import.err"; test $? = 1' "$T"
ok "import: the locked entry is named and skipped" grep -q "locked (line 3): locked in the shadow file: skipped" "$T/import.err"
ok "import: sha512crypt and sha256crypt kept" sh -c '"$MAMORI" cred list | grep -Eq "^legacy6 +operator +sha512crypt" && "$MAMORI" cred list | grep -Eq "^legacy5 +operator +sha256crypt"'
ok "import: an empty hash becomes first use" sh -c '"$MAMORI" cred list | grep -Eq "^nopw .*first-use"'
ok "check flags the legacy hashes" sh -c '"$MAMORI" cred check | grep -q "cred.weak-hash *legacy6"'
ok "legacy password verifies" sh -c 'echo Old-Shadow-Pass-6 | "$MAMORI" cred verify legacy6'
ok "... and is now Argon2id" sh -c '"$MAMORI" cred list | grep -Eq "^legacy6 +operator +argon2id"'
ok "... and still verifies" sh -c 'echo Old-Shadow-Pass-6 | "$MAMORI" cred verify legacy6'
ok "a wrong password does not upgrade" sh -c 'echo nope | "$MAMORI" cred verify legacy5 --source 10.9.9.9 2>/dev/null; "$MAMORI" cred list | grep -Eq "^legacy5 +operator +sha256crypt"'
ok "import: already present is skipped" sh -c '"$MAMORI" cred import "$0/shadow" legacy6 2>&1 | grep -q "already in the store"' "$T"

# ---- no secret in any message ----
leak=0
for s in "$A" "$P" "$S" "$R1" Silent-Meadow-38-kettle Quiet-Harbor-77-lantern Old-Shadow-Pass-6; do
  grep -qF -- "$s" "$LOG" && { echo "secret in stderr: $s" >&2; leak=$((leak + 1)); }
done
ok "no password, OTP secret or recovery code on standard error" test $leak = 0
ok "stderr log is not empty (the check saw the messages)" test -s "$LOG"
summary
