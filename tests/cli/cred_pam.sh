#!/bin/sh
# pam_mamori.so end to end with pamtester, against a store made by `mamori cred`: the provisioned
# label password logs in only to change it; a Mirai default is refused as the new password, a
# strong one accepted; TOTP with replay protection and recovery codes; a store with the wrong
# mode or cut short fails closed; a locked account is refused at the account stage; throttling
# shows; and no password, code or secret is ever printed or logged.
# Runs inside a private mount namespace (the script re-executes itself under unshare -m) with a
# temporary /etc/pam.d holding one service and a private /dev whose /dev/log is a listener
# (tests/cli/lib-pam.sh): nothing is written to the real /etc or /dev. Root only, else skipped.
# Environment: MAMORI (the program), MAMORI_PAM (the module; default build/release/...).
set -u
. tests/lib.sh
. tests/cli/lib-pam.sh

why=""
if [ "$(id -u)" -ne 0 ]; then
	why="not root"
else
	for _tool in pamtester unshare timeout mount umount; do
		command -v "$_tool" >/dev/null 2>&1 || { why="$_tool not installed"; break; }
	done
	[ -n "$why" ] || [ -x "$PAM_PY" ] || why="$PAM_PY not installed"
	[ -n "$why" ] || unshare -m true 2>/dev/null || why="cannot create a mount namespace"
fi
if [ -n "$why" ]; then
	echo "SKIP cred_pam: $why"
	echo "0 passed, 0 failed"
	exit 0
fi
case $MAMORI in /*) ;; *) MAMORI=$(pwd)/$MAMORI ;; esac
MAMORI_PAM=${MAMORI_PAM:-$(pwd)/build/release/pam_mamori.so}
if [ ! -x "$MAMORI" ] || [ ! -f "$MAMORI_PAM" ]; then
	echo "FAIL cred_pam: $MAMORI or $MAMORI_PAM is not built" >&2
	T_FAIL=1; summary; exit 1
fi
if [ -z "${MAMORI_PAM_NS:-}" ]; then
	export MAMORI MAMORI_PAM
	MAMORI_PAM_NS=1 exec unshare -m --propagation private sh "$0" "$@"
fi

# ---- from here on: inside the private mount namespace
t=$(mktemp -d /tmp/mamori-pam.XXXXXX) || exit 1
cleanup() {
	set +e
	pam_private_dev_down
	umount /etc/pam.d 2>/dev/null
	case $t in /tmp/mamori-pam.*) rm -rf "$t" ;; esac
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
S=$t/accounts
SYSLOG=$t/syslog.txt
ALL=$t/all.log   # everything pamtester and mamori printed on stderr (and pamtester's stdout)

mkdir "$t/pam.d"
for _st in auth account password; do
	printf '%-8s required %s store=%s\n' "$_st" "$MAMORI_PAM" "$S"
done > "$t/pam.d/mamori-test"
for _st in auth password; do
	printf '%-8s required %s store=%s first_use\n' "$_st" "$MAMORI_PAM" "$S"
done > "$t/pam.d/mamori-first"
printf 'account  required %s store=%s\n' "$MAMORI_PAM" "$S" >> "$t/pam.d/mamori-first"
printf 'auth     required %s store=%s always_ask_code\n' "$MAMORI_PAM" "$S" > "$t/pam.d/mamori-uniform"
printf '%-8s required pam_deny.so\n' auth account password session > "$t/pam.d/other"
if ! mount --bind "$t/pam.d" /etc/pam.d || ! pam_private_dev "$t" "$SYSLOG"; then
	echo "FAIL cred_pam: cannot set up the private /etc/pam.d and /dev" >&2
	T_FAIL=1; summary; exit 1
fi

# answers LINE...: what pamtester reads from standard input next, one line per prompt
answers() { printf '%s\n' "$@" > "$t/in"; }
# pam ARGS...: pamtester ARGS with the answers; its output in $t/last (and appended to $ALL)
pam() {
	timeout 20 pamtester "$@" < "$t/in" > "$t/last" 2>&1
	_pam_rc=$?
	cat "$t/last" >> "$ALL"
	return $_pam_rc
}
no() { ! "$@"; }
said() { grep -q -- "$1" "$t/last"; }
# cred ARGS...: mamori cred on the store; stderr to $ALL, stdout to $t/out
cred() { "$MAMORI" cred -s "$S" "$@" > "$t/out" 2>> "$ALL"; }
code_at() { "$MAMORI" cred totp code --secret "$SECRET" --time "$1" 2>> "$ALL"; }
json() { "$PAM_PY" -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$1"; }
# lacks FILE STRING...: none of the strings occurs in FILE
lacks() {
	_lk_f=$1; shift
	for _lk_s in "$@"; do
		[ -n "$_lk_s" ] || continue
		if grep -qF -- "$_lk_s" "$_lk_f"; then
			echo "  secret found in $_lk_f" >&2
			return 1
		fi
	done
	return 0
}

# ---- a store and the device's label password
ok "init the store (mode 0600)" sh -c "'$MAMORI' cred -s '$S' init 2>>'$ALL' && test \"\$(stat -c %a '$S')\" = 600"
head -c 32 /dev/urandom > "$t/secret"; chmod 600 "$t/secret"
"$MAMORI" cred -s "$S" provision --device-secret "$t/secret" --serial SN0042 --user admin \
	> "$t/label" 2>> "$ALL"
P=$(cat "$t/label")
ok "provision prints the label password (19 characters)" test "${#P}" -eq 19

answers "$P"
ok "label password: authenticate succeeds" pam mamori-test admin authenticate
ok "label password: authenticate acct_mgmt fails (must change)" no pam mamori-test admin authenticate acct_mgmt
ok "  ... pamtester says a new password is required" said "new one required"
answers "not-the-label"
ok "a wrong password fails" no pam mamori-test admin authenticate
answers "$P"
ok "an unknown user fails" no pam mamori-test mallory authenticate

# ---- the change
answers "$P" xc3511 xc3511
ok "chauthtok to xc3511 is refused" no pam mamori-test admin chauthtok
ok "  ... saying why (BAD PASSWORD, Mirai)" sh -c "grep -q 'BAD PASSWORD' '$t/last' && grep -qi 'mirai' '$t/last'"
N1=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
N1="Kiwi-$N1-lantern"
answers "not-the-label" "$N1" "$N1"
ok "chauthtok with a wrong current password is refused" no pam mamori-test admin chauthtok
answers "$P" "$N1" "$N1"
ok "chauthtok to a strong password is accepted" pam mamori-test admin chauthtok
answers "$P"
ok "the label password no longer works" no pam mamori-test admin authenticate
answers "$N1"
ok "the new password: authenticate acct_mgmt succeeds" pam mamori-test admin authenticate acct_mgmt
answers "$N1" "$N1" "$N1"
ok "chauthtok to the current password is refused" no pam mamori-test admin chauthtok
ok "  ... saying so" said "it is the current password"
# One handle that authenticated is not asked for the current password again.
N=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
N="Plum-$N-harbour"
answers "$N1" "$N" "$N"
ok "authenticate chauthtok in one handle: no current-password prompt" pam mamori-test admin authenticate chauthtok
ok "  ... and only the two new-password prompts" sh -c "! grep -q 'Current password' '$t/last'"
answers "$N"
ok "after it: authenticate acct_mgmt with the newest password" pam mamori-test admin authenticate acct_mgmt

# ---- TOTP
cred totp enroll admin --no-qr --json
cp "$t/out" "$t/enroll.json"
SECRET=$(json "$t/enroll.json" 'print(d["secret"])')
R1=$(json "$t/enroll.json" 'print(d["recovery_codes"][0])')
R2=$(json "$t/enroll.json" 'print(d["recovery_codes"][1])')
R3=$(json "$t/enroll.json" 'print(d["recovery_codes"][2])')
ok "totp enroll --json gives a secret and recovery codes" sh -c "test -n '$SECRET' && test -n '$R3'"
answers "$N"
ok "pending enrolment: the password alone still works" pam mamori-test admin authenticate
now=$(date +%s)
ok "totp verify confirms the enrolment" cred totp verify admin "$(code_at "$now")"
C1=$(code_at $((now + 30)))
answers "$N"
ok "password without a code now fails" no pam mamori-test admin authenticate
ok "  ... the code was asked for" said "Verification code"
cred throttle reset  # failures from "local" add up across phases (a success keeps the source's record)
answers "$N" "$C1"
ok "password + the next step's code: authenticate acct_mgmt succeeds" pam mamori-test admin authenticate acct_mgmt
answers "$N" "$C1"
ok "the same code again (replay) fails" no pam mamori-test admin authenticate
answers "$N" "$(code_at $((now + 7200)))"
ok "a wrong code fails" no pam mamori-test admin authenticate
answers "$P" "$(code_at $((now + 60)))"
ok "the old label password with a good code fails" no pam mamori-test admin authenticate
cred throttle reset  # failures from "local" add up across phases (a success keeps the source's record)
answers "$N" "$R1"
ok "a recovery code stands in for the code" pam mamori-test admin authenticate acct_mgmt
answers "$N" "$R1"
ok "  ... once only" no pam mamori-test admin authenticate

# ---- the store fails closed
chmod 644 "$S"
answers "$N" "$R2"
ok "store mode 0644: authenticate fails" no pam mamori-test admin authenticate
ok "  ... as 'cannot retrieve authentication info'" said "cannot retrieve authentication info"
ok "store mode 0644: acct_mgmt fails" no pam mamori-test admin acct_mgmt
chmod 600 "$S"
cp -p "$S" "$t/store.bak"
sed '$d' "$t/store.bak" > "$S"
answers "$N" "$R2"
ok "store cut short (last line gone): authenticate fails" no pam mamori-test admin authenticate
ok "store cut short: acct_mgmt fails" no pam mamori-test admin acct_mgmt
: > "$S"
ok "empty store: authenticate fails" no pam mamori-test admin authenticate
rm -f "$S"
ok "no store: authenticate fails" no pam mamori-test admin authenticate
cp -p "$t/store.bak" "$S"
cred throttle reset  # failures from "local" add up across phases (a success keeps the source's record)
ok "store restored: authenticate acct_mgmt succeeds" pam mamori-test admin authenticate acct_mgmt

# ---- lock, unlock
ok "lock admin" cred lock admin
answers "$N" "$R3"
ok "locked: acct_mgmt fails" no pam mamori-test admin acct_mgmt
ok "locked: authenticate fails even with the right password and code" no pam mamori-test admin authenticate
ok "unlock admin" cred unlock admin
ok "unlocked: acct_mgmt succeeds" pam mamori-test admin acct_mgmt
cred throttle reset  # failures from "local" add up across phases (a success keeps the source's record)
answers "$N" "$R3"
ok "unlocked: the unused recovery code still works" pam mamori-test admin authenticate acct_mgmt

# ---- first use (an account without a password), only with the first_use option
ok "add fresh --no-password" sh -c "'$MAMORI' cred -s '$S' add fresh --role operator --no-password < /dev/null 2>>'$ALL'"
F=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
F="Fig-$F-meadow"
answers "" "$F" "$F"
ok "no password yet, without first_use: authenticate fails" no pam mamori-test fresh authenticate
ok "no password yet, without first_use: chauthtok alone is refused" no pam mamori-test fresh chauthtok
cred throttle reset  # failures from "local" add up across phases (a success keeps the source's record)
answers "" "$F" "$F"
ok "first_use: authenticate chauthtok sets the first password" pam mamori-first fresh authenticate chauthtok
answers "$F"
ok "first_use: then the password logs in (acct_mgmt too)" pam mamori-first fresh authenticate acct_mgmt
answers ""
ok "first_use: an empty password no longer does" no pam mamori-first fresh authenticate

# ---- always_ask_code: the prompt no longer tells who has a second factor
cred throttle reset
answers "$F" "123456"
ok "always_ask_code: an account without a code logs in, its answer ignored" pam mamori-uniform fresh authenticate
ok "  ... but was asked for one too" said "Verification code"
answers "nope" "123456"
ok "always_ask_code: an unknown user is asked the same" no pam mamori-uniform nobody-here authenticate
ok "  ... the prompt appeared" said "Verification code"
answers "$N" "000000"
ok "always_ask_code: the enrolled admin still needs the right code" no pam mamori-uniform admin authenticate
cred throttle reset

# ---- throttling: one source guessing an unknown user
# (back to back: the 6th guess comes well within the 1 s wait that follows the 5th failure)
i=0
while [ $i -lt 8 ]; do
	answers "guess-$i"
	pam -I rhost=10.77.0.9 mamori-test mallory authenticate
	i=$((i + 1))
done
pam_log_wait "$SYSLOG" "auth throttled for user mallory" >/dev/null
ok "repeated failures from one source get throttled (in the log)" grep -q "auth throttled for user mallory from 10.77.0.9: throttled, retry in" "$SYSLOG"
cred throttle list --json
# mallory: 1 failure from local before, 8 guesses from 10.77.0.9 now; about 5 evaluated
ok "throttle list: u:mallory has >= 5 failures, fewer than its 9 guesses evaluated" json "$t/out" \
	'sys.exit(0 if any(r["key"] == "u:mallory" and r["failures"] >= 5 and r["evaluated"] < 9 for r in d) else 1)'
ok "throttle list: s:10.77.0.9 has a record" json "$t/out" \
	'sys.exit(0 if any(r["key"] == "s:10.77.0.9" and r["failures"] >= 4 for r in d) else 1)'

# ---- the logs
pam_log_wait "$SYSLOG" "auth denied" >/dev/null
ok "syslog: denied attempts are logged with the reason" grep -q "auth denied for user admin from local: wrong password" "$SYSLOG"
ok "syslog: a missing code is logged" grep -q "auth denied for user admin from local: no one-time code given" "$SYSLOG"
ok "syslog: the unusable store is named" grep -q "account store $S unusable: .*mode 0644" "$SYSLOG"
ok "syslog: the blocklist refusal is logged" grep -q "password change refused for user admin: .*" "$SYSLOG"
ok "syslog: the must-change account stage is logged" grep -q "account of user admin: must change password" "$SYSLOG"
ok "syslog: the locked account stage is logged" grep -q "account denied for user admin: disabled" "$SYSLOG"
# (not the 6-digit code here: a process id in the log may contain the same digits)
ok "syslog: no password, code or secret" lacks "$SYSLOG" "$P" "$N1" "$N" "$F" "$SECRET" "$R1" "$R2" "$R3" xc3511 not-the-label
ok "printed output: no password, code or secret" lacks "$ALL" "$P" "$N1" "$N" "$F" "$SECRET" "$R1" "$R2" "$R3" "$C1" xc3511 not-the-label

if [ "$T_FAIL" -gt 0 ]; then
	echo "--- syslog (last 40 lines)" >&2
	tail -n 40 "$SYSLOG" >&2
fi
summary
