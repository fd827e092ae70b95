#!/bin/sh
# pam_mamori.so behind a real OpenSSH server, attacked by hydra with Mirai's credential table, in
# network namespaces (root only, skipped otherwise):
#
#   attacker ns "$NS_A"  vA 10.77.0.1/24 (+ 10.77.0.2)  --veth--  vD 10.77.0.5/24  device ns "$NS_D"
#
# sshd runs in the device namespace inside a private mount namespace holding a temporary
# /etc/pam.d (services sshd and mamori-sshd: auth, account with permission=shell, password:
# pam_mamori; session: pam_permit), copies of /etc/passwd, shadow and group with the test users
# added, a tmpfs /run, and a private /dev whose /dev/log is a listener (tests/cli/lib-pam.sh).
# Checks: password + TOTP over keyboard-interactive logs in; the password alone does not; a role
# without "shell" is refused; a must-change account cannot run a command; hydra finds nothing
# and the guesses evaluated for its source stay within `mamori cred throttle bound`; the
# per-user backoff slows but never locks out the administrator, who logs in from another address
# once it has passed; no log holds a password. Nothing leaves the namespaces; everything is
# removed on exit. Run from the repo root; MAMORI = the program, MAMORI_PAM = the module;
# CRED_SSHD_DEBUG=DIR keeps a copy of the work directory (logs, store, hydra's output) there.
set -u
. tests/net/lib-netns.sh # tests/lib.sh, and netns_kill
. tests/cli/lib-pam.sh

ATT_IP=10.77.0.1
ATT_IP2=10.77.0.2
DEV_IP=10.77.0.5
MIRAI=$SHARED/credentials/mirai_scanner_table.tsv

why_not() {
	[ "$(id -u)" -eq 0 ] || { echo "not root"; return 1; }
	for _t in ip hydra ssh ssh-keygen setsid unshare timeout mount umount ss; do
		command -v "$_t" >/dev/null 2>&1 || { echo "$_t not installed"; return 1; }
	done
	[ -x /usr/sbin/sshd ] || { echo "openssh-server (/usr/sbin/sshd) not installed"; return 1; }
	[ -x "$PAM_PY" ] || { echo "$PAM_PY not installed"; return 1; }
	[ -f "$MIRAI" ] || { echo "$MIRAI missing (MAMORI_SHARED_DATA)"; return 1; }
	ip netns add "mamprobe$$" 2>/dev/null || { echo "cannot create a network namespace"; return 1; }
	ip netns del "mamprobe$$"
	return 0
}
if ! why=$(why_not); then
	echo "SKIP cred_sshd: $why"
	echo "0 passed, 0 failed"
	exit 0
fi
case $MAMORI in /*) ;; *) MAMORI=$(pwd)/$MAMORI ;; esac
MAMORI_PAM=${MAMORI_PAM:-$(pwd)/build/release/pam_mamori.so}
if [ ! -x "$MAMORI" ] || [ ! -f "$MAMORI_PAM" ]; then
	echo "FAIL cred_sshd: $MAMORI or $MAMORI_PAM is not built" >&2
	T_FAIL=1; summary; exit 1
fi
REPO=$(pwd)

W=""; NS_A=""; NS_D=""; BG=""
down() {
	set +e
	for _p in $BG; do kill "$_p" 2>/dev/null; done
	netns_kill $NS_A $NS_D
	for _p in $BG; do wait "$_p" 2>/dev/null; done
	BG=""
	[ -n "$NS_A" ] && ip netns del "$NS_A" 2>/dev/null
	[ -n "$NS_D" ] && ip netns del "$NS_D" 2>/dev/null
	[ -n "$W" ] && case $W in /tmp/mamori-sshd.*) rm -rf "$W" ;; esac
	NS_A=""; NS_D=""; W=""
}
trap 'down' EXIT
trap 'down; exit 130' INT
trap 'down; exit 143' TERM
trap 'down; exit 129' HUP
trap 'down; exit 141' PIPE

W=$(mktemp -d /tmp/mamori-sshd.XXXXXX) || exit 1
chmod 755 "$W"
NS_A=mamSA$$; NS_D=mamSD$$
S=$W/accounts
ALL=$W/all.log # stderr of every mamori and ssh run
SYSLOG=$W/syslog.txt

setup_fail() {
	echo "FAIL cred_sshd: setup: $1" >&2
	[ -s "$W/sshd.log" ] && tail -n 20 "$W/sshd.log" >&2
	T_FAIL=$((T_FAIL + 1)); summary; exit 1
}
cred() { "$MAMORI" cred -s "$S" "$@" 2>> "$ALL"; }
rand_pw() { printf '%s-%s-%s' "$1" "$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')" "$2"; }
json() { "$PAM_PY" -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$1"; }

# ---- the store: admin (password + TOTP), root (strong password), viewer1 (no "shell"),
#      fresh (provisioned label password, must change)
cred init >/dev/null || setup_fail "init"
PW_ADMIN=$(rand_pw Heron lantern)
PW_ROOT=$(rand_pw Basalt orchard)
PW_VIEW=$(rand_pw Quince harbour)
for _u in admin:admin root:admin viewer1:viewer; do
	cred add "${_u%%:*}" --role "${_u#*:}" --no-password >/dev/null < /dev/null ||
		setup_fail "add ${_u%%:*}"
done
printf '%s\n' "$PW_ADMIN" | cred passwd admin || setup_fail "passwd admin"
printf '%s\n' "$PW_ROOT" | cred passwd root || setup_fail "passwd root"
printf '%s\n' "$PW_VIEW" | cred passwd viewer1 || setup_fail "passwd viewer1"
head -c 32 /dev/urandom > "$W/device-secret"; chmod 600 "$W/device-secret"
PW_FRESH=$(cred provision --device-secret "$W/device-secret" --serial SN0042 --user fresh \
	--role operator) || setup_fail "provision fresh"
cred totp enroll admin --no-qr --json > "$W/enroll.json" || setup_fail "totp enroll"
SECRET=$(json "$W/enroll.json" 'print(d["secret"])')
RECOVERY=$(json "$W/enroll.json" 'print(d["recovery_codes"][0])')
code_at() { "$MAMORI" cred totp code --secret "$SECRET" --time "$1" 2>> "$ALL"; }
T0=$(date +%s)
cred totp verify admin "$(code_at "$T0")" >/dev/null || setup_fail "totp verify"

# ---- users, PAM services, sshd configuration
mkdir -p "$W/etc" "$W/pam.d" "$W/bin" "$W/home" "$W/client" "$W/ask" "$W/drop"
chmod 1777 "$W/drop"; chmod 700 "$W/client"
cp /etc/passwd /etc/group "$W/etc/" && cp -p /etc/shadow "$W/etc/" || setup_fail "copy passwd"
uid=4242
for _u in admin viewer1 fresh; do
	mkdir -m 700 "$W/home/$_u"; chown "$uid:$uid" "$W/home/$_u"
	echo "$_u:x:$uid:$uid:mamori test:$W/home/$_u:/bin/sh" >> "$W/etc/passwd"
	echo "$_u:x:$uid:" >> "$W/etc/group"
	echo "$_u:*:19000:0:99999:7:::" >> "$W/etc/shadow"
	uid=$((uid + 1))
done
for _svc in sshd mamori-sshd; do
	{
		printf 'auth     required %s store=%s\n' "$MAMORI_PAM" "$S"
		printf 'account  required %s store=%s permission=shell\n' "$MAMORI_PAM" "$S"
		printf 'password required %s store=%s\n' "$MAMORI_PAM" "$S"
		printf 'session  required pam_permit.so\n'
	} > "$W/pam.d/$_svc"
done
printf '%-8s required pam_deny.so\n' auth account password session > "$W/pam.d/other"
ssh-keygen -q -t ed25519 -N '' -C mamori-test -f "$W/hostkey" || setup_fail "ssh-keygen"
cat > "$W/sshd_config" <<EOF
ListenAddress $DEV_IP:22
HostKey $W/hostkey
PidFile $W/sshd.pid
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication yes
PermitEmptyPasswords no
PermitRootLogin yes
PubkeyAuthentication no
HostbasedAuthentication no
MaxAuthTries 6
MaxStartups 100
LoginGraceTime 30
UseDNS no
LogLevel VERBOSE
EOF
# OpenSSH names its PAM service after its program name (__progname): sshd runs as mamori-sshd.
ln -s /usr/sbin/sshd "$W/bin/mamori-sshd"

cat > "$W/device.sh" <<EOF
set -u
. '$REPO/tests/cli/lib-pam.sh'
mount --bind '$W/pam.d' /etc/pam.d || exit 1
for f in passwd shadow group; do mount --bind "$W/etc/\$f" "/etc/\$f" || exit 1; done
mount -t tmpfs -o mode=755,size=1m mamori-run /run || exit 1
mkdir -m 755 /run/sshd || exit 1
pam_private_dev '$W' '$SYSLOG' || exit 1
'$W/bin/mamori-sshd' -t -f '$W/sshd_config' 2> '$W/sshd.log' || exit 1
'$W/bin/mamori-sshd' -D -e -f '$W/sshd_config' 2>> '$W/sshd.log'
pam_private_dev_down
EOF

# askpass: answers keyboard-interactive and password prompts from the files in $W/ask
cat > "$W/askpass" <<EOF
#!/bin/sh
printf '%s\n' "\$1" >> '$W/ask/prompts'
case \$1 in
*"New password"*|*"new password"*) cat '$W/ask/new' 2>/dev/null || exit 1 ;;
*"erification code"*) cat '$W/ask/code' 2>/dev/null || exit 1 ;;
*assword*) cat '$W/ask/pw' 2>/dev/null || exit 1 ;;
*) exit 1 ;;
esac
EOF
chmod 755 "$W/askpass"

# ---- the namespaces
ip netns add "$NS_A" && ip netns add "$NS_D" || setup_fail "ip netns add"
ip link add vA netns "$NS_A" type veth peer name vD netns "$NS_D" || setup_fail "veth"
ip -n "$NS_A" addr add "$ATT_IP/24" dev vA && ip -n "$NS_A" addr add "$ATT_IP2/24" dev vA &&
	ip -n "$NS_D" addr add "$DEV_IP/24" dev vD || setup_fail "addresses"
for _n in "$NS_A" "$NS_D"; do
	ip -n "$_n" link set lo up || setup_fail "lo"
	ip netns exec "$_n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 || setup_fail "sysctl"
done
ip -n "$NS_A" link set vA up && ip -n "$NS_D" link set vD up || setup_fail "link up"

ip netns exec "$NS_D" unshare -m --propagation private sh "$W/device.sh" &
BG="$BG $!"
_i=0
until ip netns exec "$NS_D" ss -Hltn "sport = :22" 2>/dev/null | grep -q LISTEN; do
	_i=$((_i + 1))
	[ $_i -lt 100 ] || setup_fail "sshd does not listen on $DEV_IP:22"
	sleep 0.1
done

# login OUT SRC USER METHODS COMMAND: ssh from the attacker namespace (answers in $W/ask/)
login() {
	timeout 30 ip netns exec "$NS_A" env HOME="$W/client" SSH_ASKPASS="$W/askpass" \
		SSH_ASKPASS_REQUIRE=force DISPLAY=:0 setsid -w ssh -F /dev/null -b "$2" \
		-o PreferredAuthentications="$4" -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o NumberOfPasswordPrompts=1 -o ConnectTimeout=10 \
		-o LogLevel=ERROR "$3@$DEV_IP" "$5" < /dev/null > "$1" 2>&1
	_login_rc=$?
	cat "$1" >> "$ALL"
	return $_login_rc
}
# answer PASSWORD [CODE [NEW]]
answer() {
	rm -f "$W/ask/pw" "$W/ask/code" "$W/ask/new"
	printf '%s\n' "$1" > "$W/ask/pw"
	[ $# -lt 2 ] || printf '%s\n' "$2" > "$W/ask/code"
	[ $# -lt 3 ] || printf '%s\n' "$3" > "$W/ask/new"
}
no() { ! "$@"; }

# ---- logins
answer "$PW_ADMIN" "$(code_at $((T0 + 30)))"
login "$W/o1" "$ATT_IP" admin keyboard-interactive "echo LOGGED-IN; id -un; touch $W/drop/admin-ran"
ok "admin: password + TOTP over keyboard-interactive logs in" grep -q LOGGED-IN "$W/o1"
ok "  ... and runs as admin" sh -c "grep -qx admin '$W/o1' && test -e '$W/drop/admin-ran'"
ok "  ... both prompts were asked" sh -c "grep -q 'Password' '$W/ask/prompts' && grep -q 'Verification code' '$W/ask/prompts'"
answer "$PW_ADMIN" "$(code_at $((T0 + 30)))"
ok "admin: the same code again (replay) is refused" no login "$W/o2" "$ATT_IP" admin keyboard-interactive "echo LOGGED-IN"
answer "$PW_ADMIN"
login "$W/o3" "$ATT_IP" admin password "echo LOGGED-IN"
ok "admin: the password alone (password method) is refused" no grep -q LOGGED-IN "$W/o3"
answer "$PW_VIEW"
login "$W/o4" "$ATT_IP" viewer1 keyboard-interactive "echo LOGGED-IN"
ok "viewer1 (role without shell): refused at the account stage" no grep -q LOGGED-IN "$W/o4"
answer "$PW_FRESH"
login "$W/o5" "$ATT_IP" fresh password "touch $W/drop/fresh-ran; echo LOGGED-IN"
ok "fresh (must change), password method: no command runs" sh -c "! grep -q LOGGED-IN '$W/o5' && ! test -e '$W/drop/fresh-ran'"
answer "$PW_FRESH" "" xc3511
login "$W/o6" "$ATT_IP" fresh keyboard-interactive "touch $W/drop/fresh-ran; echo LOGGED-IN"
ok "fresh, keyboard-interactive: xc3511 refused as the new password, no command runs" sh -c "! grep -q LOGGED-IN '$W/o6' && ! test -e '$W/drop/fresh-ran'"
answer "$(rand_pw Not right)"
ok "root with a wrong password is refused" no login "$W/o7" "$ATT_IP" root password "echo LOGGED-IN"

# ---- hydra with Mirai's table, from 10.77.0.1
grep -v '^#' "$MIRAI" | awk -F '\t' 'NR > 1 && NF >= 2 { print $1 ":" $2 }' > "$W/pairs.txt"
PAIRS=$(wc -l < "$W/pairs.txt")
cred throttle reset >/dev/null # the source's record counts hydra's guesses only
sleep 0.5
LOG0=$(wc -l < "$SYSLOG") # the log lines before hydra's
# -w 5: when sshd drops a connection after MaxAuthTries, hydra waits this long (default 32 s)
# before it gives the task's next pair a new one
H0=$(date +%s)
(cd "$W" && timeout 300 ip netns exec "$NS_A" hydra -I -C "$W/pairs.txt" -t 4 -w 5 \
	"ssh://$DEV_IP" > "$W/hydra.out" 2>&1)
H1=$(date +%s)
ELAPSED=$((H1 - H0))
[ "$ELAPSED" -ge 1 ] || ELAPSED=1
cred throttle list --json > "$W/throttle.json"
ok "hydra ran to its end" grep -q "1 of 1 target completed" "$W/hydra.out"
ok "hydra: 0 valid passwords" grep -q "0 valid password" "$W/hydra.out"
ok "hydra: no login line" no grep -q "login:" "$W/hydra.out"
sleep 0.5 # the listener writes asynchronously
tail -n "+$((LOG0 + 1))" "$SYSLOG" > "$W/syslog-hydra.txt"
ATTEMPTS=$(grep -cE "pam_mamori\([a-z-]*sshd:auth\): auth (denied|throttled|accepted) for user .* from $ATT_IP: " "$W/syslog-hydra.txt")
THROTTLED=$(grep -cE "pam_mamori\([a-z-]*sshd:auth\): auth throttled for user .* from $ATT_IP: " "$W/syslog-hydra.txt")
EVALUATED=$(json "$W/throttle.json" \
	'print(next((r["evaluated"] for r in d if r["key"] == "s:'"$ATT_IP"'"), -1))')
BOUND=$("$MAMORI" cred throttle bound "$ELAPSED" 2>> "$ALL")
HOUR=$("$MAMORI" cred throttle bound 3600 2>> "$ALL")
echo "cred_sshd: hydra: $PAIRS pairs, $ATTEMPTS attempts reached PAM ($THROTTLED throttled) in ${ELAPSED}s; s:$ATT_IP evaluated $EVALUATED, bound for ${ELAPSED}s $BOUND, per hour $HOUR" >&2
ok "most of hydra's $PAIRS guesses reached pam_mamori ($ATTEMPTS)" test "$ATTEMPTS" -ge $((PAIRS / 2))
ok "the source record exists (evaluated $EVALUATED)" test "${EVALUATED:--1}" -gt 0
ok "evaluated $EVALUATED <= throttle bound $BOUND for ${ELAPSED}s" test "${EVALUATED:-99999}" -le "${BOUND:-0}"
ok "most of hydra's attempts were throttled, not evaluated" test "$THROTTLED" -gt 0

# ---- after the attack the administrator still logs in, from another address (no lock-out:
#      the per-user record only delays guesses; wait for its backoff if it has one)
UNTIL=$(json "$W/throttle.json" 'print(next((r["until"] for r in d if r["key"] == "u:admin"), 0))')
UFAIL=$(json "$W/throttle.json" 'print(next((r["failures"] for r in d if r["key"] == "u:admin"), 0))')
NOW=$(date +%s)
WAITED=0
if [ "${UNTIL:-0}" -ge "$NOW" ] && [ $((UNTIL - NOW)) -le 120 ]; then
	WAITED=$((UNTIL - NOW + 1)); sleep "$WAITED"
fi
echo "cred_sshd: u:admin after hydra: $UFAIL failures; waited ${WAITED}s for its backoff" >&2
answer "$PW_ADMIN" "$RECOVERY"
login "$W/o9" "$ATT_IP2" admin keyboard-interactive "echo LOGGED-IN"
ok "admin from $ATT_IP2 after the attack: password + recovery code log in" grep -q LOGGED-IN "$W/o9"

# ---- the logs
pam_log_wait "$SYSLOG" "auth denied" >/dev/null
ok "syslog: pam_mamori logged denials from hydra" grep -q "auth denied for user root from $ATT_IP" "$SYSLOG"
ok "syslog: the missing code over the password method" grep -q "auth denied for user admin from $ATT_IP: no one-time code given" "$SYSLOG"
ok "syslog: viewer1 refused for want of shell" grep -q "account denied for user viewer1: role lacks the permission 'shell'" "$SYSLOG"
ok "syslog: fresh must change" grep -q "account of user fresh: must change password" "$SYSLOG"
ok "sshd log: the accepted keyboard-interactive login" grep -q "Accepted keyboard-interactive/pam for admin from $ATT_IP" "$W/sshd.log"
SECRETS="$PW_ADMIN $PW_ROOT $PW_VIEW $PW_FRESH $SECRET $RECOVERY"
lacks_all() {
	for _f in "$@"; do
		for _s in $SECRETS; do
			if grep -qF -- "$_s" "$_f"; then echo "  a secret is in $_f" >&2; return 1; fi
		done
	done
}
ok "no password, code or secret in the syslog capture, sshd's log or any output" lacks_all "$SYSLOG" "$W/sshd.log" "$ALL" "$W/hydra.out"

if [ "$T_FAIL" -gt 0 ]; then
	echo "--- sshd.log (last 30)" >&2; tail -n 30 "$W/sshd.log" >&2
	echo "--- syslog (last 30)" >&2; tail -n 30 "$SYSLOG" >&2
	echo "--- askpass prompts" >&2; cat "$W/ask/prompts" >&2
	echo "--- hydra" >&2; tail -n 8 "$W/hydra.out" >&2
fi
[ -n "${CRED_SSHD_DEBUG:-}" ] && cp -r "$W" "$CRED_SSHD_DEBUG"
summary
