# Sourced by tests/net/*.sh and tests/gen/make-netns-fixtures.sh (POSIX sh, run as root from the
# repo root): an emulated IoT device (real BusyBox telnetd + /bin/login + httpd in a chroot) and an
# attacker, each in its own network namespace, joined by a veth pair that lives only inside them.
#
#   attacker ns "$NS_A"  vA 10.77.0.1/24  --veth--  vD 10.77.0.5/24  device ns "$NS_D"
#   the attacker routes 10.78.0.0/24 ("beyond" the device) via 10.77.0.5; the device does not
#   forward, so probes and floods towards 10.78.0.0/24 show on the wire and go no further.
#
# No address outside 10.77.0.0/24 and 10.78.0.0/24 is used; neither namespace has any other link.
# netns_up installs a trap; netns_down removes every namespace, mount, process and file it made.
# Every traffic generator here is bounded (counts, -t, list length, timeout).

. tests/lib.sh

NS_ATT_IP=10.77.0.1
NS_DEV_IP=10.77.0.5
NS_BEYOND=10.78.0.0/24
# shellcheck disable=SC2034 # for the scripts that source this file
NS_HOME_NET=10.77.0.0/24,10.78.0.0/24
NS_PASSWORD=vizxv               # root's password on the device: from Mirai's scanner.c table
NS_W=""; NS_A=""; NS_D=""; NS_R=""; NS_BG=""

# netns_why_not: prints why the namespace tests cannot run here (empty and status 0 if they can).
netns_why_not() {
	[ "$(id -u)" -eq 0 ] || { echo "not root"; return 1; }
	command -v ip >/dev/null 2>&1 || { echo "iproute2 (ip) not installed"; return 1; }
	ip netns list >/dev/null 2>&1 || { echo "'ip netns' unavailable"; return 1; }
	for _ns_t in hydra nmap hping3 tcpdump openssl chroot mount unshare ss timeout; do
		command -v "$_ns_t" >/dev/null 2>&1 || { echo "$_ns_t not installed"; return 1; }
	done
	[ -x /bin/busybox ] || { echo "busybox-static (/bin/busybox) not installed"; return 1; }
	for _ns_t in telnetd login httpd sh; do
		/bin/busybox --list | grep -qx "$_ns_t" || { echo "busybox lacks $_ns_t"; return 1; }
	done
	ip netns add "mamprobe$$" 2>/dev/null ||
		{ echo "cannot create a network namespace"; return 1; }
	ip netns del "mamprobe$$"
	return 0
}

# netns_bg CMD...: runs CMD in the background and remembers its pid for netns_down.
netns_bg() {
	"$@" &
	NS_BG="$NS_BG $!"
}

# netns_kill NS...: ends every process inside the namespaces (TERM, a moment, then KILL).
# Also used by tests/net/cred_sshd.sh and bench/cred, which build their own namespaces.
netns_kill() {
	for _ns_n in "$@"; do
		for _ns_p in $(ip netns pids "$_ns_n" 2>/dev/null); do kill "$_ns_p" 2>/dev/null; done
	done
	sleep 0.2
	for _ns_n in "$@"; do
		for _ns_p in $(ip netns pids "$_ns_n" 2>/dev/null); do kill -9 "$_ns_p" 2>/dev/null; done
	done
}

netns_down() {
	set +e
	for _ns_p in $NS_BG; do kill "$_ns_p" 2>/dev/null; done
	netns_kill $NS_A $NS_D
	for _ns_p in $NS_BG; do wait "$_ns_p" 2>/dev/null; done
	NS_BG=""
	if [ -n "$NS_R" ] && grep -q " $NS_R/dev/pts " /proc/mounts; then
		umount "$NS_R/dev/pts" || umount -l "$NS_R/dev/pts"
	fi
	[ -n "$NS_A" ] && ip netns del "$NS_A" 2>/dev/null
	[ -n "$NS_D" ] && ip netns del "$NS_D" 2>/dev/null
	[ -n "$NS_W" ] && case $NS_W in /tmp/mamori-netns.*) rm -rf "$NS_W" ;; esac
	NS_A=""; NS_D=""; NS_R=""; NS_W=""
}

# netns_up: builds the device root file system, both namespaces, the veth pair and the services;
# returns non-zero (after cleaning up) if any step fails. Sets NS_W (work dir), NS_A, NS_D, NS_R.
netns_up() {
	trap 'netns_down' EXIT
	trap 'netns_down; exit 130' INT
	trap 'netns_down; exit 143' TERM
	trap 'netns_down; exit 129' HUP
	trap 'netns_down; exit 141' PIPE
	NS_W=$(mktemp -d /tmp/mamori-netns.XXXXXX) || return 1
	chmod 755 "$NS_W"
	NS_A=mamA$$; NS_D=mamD$$; NS_R=$NS_W/root
	if ! netns_build; then
		echo "netns: setup failed" >&2
		netns_down
		return 1
	fi
}

netns_build() {
	mkdir -p "$NS_R/bin" "$NS_R/etc" "$NS_R/dev/pts" "$NS_R/tmp" "$NS_R/root" "$NS_R/www" || return 1
	cp /bin/busybox "$NS_R/bin/busybox" || return 1
	for _ns_t in sh login telnetd httpd; do ln -s busybox "$NS_R/bin/$_ns_t" || return 1; done
	echo 'root:x:0:0:root:/root:/bin/sh' > "$NS_R/etc/passwd"
	echo 'root:x:0:' > "$NS_R/etc/group"
	_ns_h=$(openssl passwd -1 "$NS_PASSWORD") || return 1
	echo "root:$_ns_h:19000:0:99999:7:::" > "$NS_R/etc/shadow"
	chmod 600 "$NS_R/etc/shadow"
	echo 'camera' > "$NS_R/etc/hostname"
	printf '/:admin:admin\n' > "$NS_R/etc/httpd.conf"
	printf '<html><body>IP camera</body></html>\n' > "$NS_R/www/index.html"
	mknod -m 666 "$NS_R/dev/null" c 1 3 || return 1
	mknod -m 666 "$NS_R/dev/tty" c 5 0 || return 1
	mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$NS_R/dev/pts" || return 1
	ln -sf pts/ptmx "$NS_R/dev/ptmx"

	ip netns add "$NS_A" || return 1
	ip netns add "$NS_D" || return 1
	# Created directly inside the namespaces: the names vA/vD never exist in the host namespace.
	ip link add vA netns "$NS_A" type veth peer name vD netns "$NS_D" || return 1
	ip -n "$NS_A" addr add "$NS_ATT_IP/24" dev vA || return 1
	ip -n "$NS_D" addr add "$NS_DEV_IP/24" dev vD || return 1
	for _ns_n in "$NS_A" "$NS_D"; do ip -n "$_ns_n" link set lo up || return 1; done
	# IPv4 only: no IPv6 router solicitations or MLD reports in the captures.
	for _ns_n in "$NS_A" "$NS_D"; do
		ip netns exec "$_ns_n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || return 1
	done
	ip -n "$NS_A" link set vA up || return 1
	ip -n "$NS_D" link set vD up || return 1
	ip -n "$NS_A" route add "$NS_BEYOND" via "$NS_DEV_IP" || return 1
	ip netns exec "$NS_D" sysctl -qw net.ipv4.ip_forward=0 || return 1

	# Own UTS namespace so the login prompt reads "camera login: ", not the host's name.
	netns_bg ip netns exec "$NS_D" unshare -u sh -c \
		"hostname camera && exec chroot '$NS_R' /bin/telnetd -F -l /bin/login -p 23"
	netns_bg ip netns exec "$NS_D" chroot "$NS_R" /bin/httpd -f -h /www -c /etc/httpd.conf -p 80
	netns_wait_port 23 || return 1
	netns_wait_port 80 || return 1
}

# netns_wait_port PORT: waits up to 5 s for the device to listen on TCP PORT.
netns_wait_port() {
	_ns_i=0
	while [ $_ns_i -lt 50 ]; do
		ip netns exec "$NS_D" ss -Hltn "sport = :$1" 2>/dev/null | grep -q LISTEN && return 0
		sleep 0.1; _ns_i=$((_ns_i + 1))
	done
	echo "netns: device does not listen on port $1" >&2
	return 1
}

# netns_tcpdump FILE [SNAPLEN [FILTER]]: starts tcpdump on vA (attacker side) writing FILE;
# sets NS_TCPDUMP to its pid. Waits until tcpdump is listening. --immediate-mode: without it
# packets still in the kernel ring block (up to 1 s old) are lost when tcpdump is stopped.
netns_tcpdump() {
	# shellcheck disable=SC2086 # FILTER is several words
	ip netns exec "$NS_A" tcpdump -Z root -i vA --immediate-mode -U -n -s "${2:-262144}" \
		-w "$1" ${3:-} 2>"$1.log" &
	NS_TCPDUMP=$!
	NS_BG="$NS_BG $NS_TCPDUMP"
	_ns_i=0
	while [ $_ns_i -lt 50 ]; do
		grep -q 'listening on' "$1.log" 2>/dev/null && return 0
		sleep 0.1; _ns_i=$((_ns_i + 1))
	done
	echo "netns: tcpdump did not start: $(cat "$1.log")" >&2
	return 1
}

# netns_stop PID [SIGNAL]: sends SIGNAL (default INT), then waits up to 10 s; returns the
# process's exit status, or 124 if it had to be killed. (A non-interactive sh starts background
# jobs with SIGINT ignored; a program may keep it ignored, so TERM is the surer stop.)
netns_stop() {
	kill -"${2:-INT}" "$1" 2>/dev/null
	_ns_i=0
	while [ $_ns_i -lt 100 ] && kill -0 "$1" 2>/dev/null; do sleep 0.1; _ns_i=$((_ns_i + 1)); done
	if kill -0 "$1" 2>/dev/null; then
		kill -9 "$1" 2>/dev/null; wait "$1" 2>/dev/null
		return 124
	fi
	wait "$1"
}

# The pairs hydra tries: eight entries of Mirai's scanner.c credential table, in three runs;
# only root/vizxv (the last, alone) is right on this device. Bounded: 8 attempts in all.
NS_WAVE1="root:xc3511 admin:admin root:888888 support:support"
NS_WAVE2="root:default admin:password user:user"
NS_WAVE3="root:vizxv"

# netns_hydra OUTFILE: hydra's Telnet module against the device, one run per wave, as many tasks
# as pairs (-t 4), so every pair gets its own connection and exactly one login attempt, as Mirai's
# scanner does. Why so: with fewer tasks than pairs, hydra reuses a connection after a failure,
# sends an empty line to BusyBox's re-prompt and loses step (pairs reported tried never go on
# the wire, or a wrong password is reported found); and when a pair succeeds while others are in
# flight, hydra exits without waiting for their answers, so the right pair runs alone, last.
# -w 5: BusyBox telnetd listens with a backlog of 1, so a connection that finds the accept queue
# full stays silent until the client sends first; hydra then sends after 5 s instead of 32 s.
# Each run at most 30 s; then waits (at most 5 s) until no connection to port 23 is left.
# hydra's verdict is kept in OUTFILE, but the capture, not hydra, is the ground truth.
netns_hydra() {
	: > "$1"
	for _ns_wave in "$NS_WAVE1" "$NS_WAVE2" "$NS_WAVE3"; do
		# shellcheck disable=SC2086 # one pair a line
		printf '%s\n' $_ns_wave > "$NS_W/pairs.txt"
		(cd "$NS_W" && timeout 30 ip netns exec "$NS_A" hydra -I -C "$NS_W/pairs.txt" \
			-t 4 -w 5 "telnet://$NS_DEV_IP" >> "$1" 2>&1)
		_ns_i=0
		while [ $_ns_i -lt 50 ] && ip netns exec "$NS_A" ss -Htn \
			"dst $NS_DEV_IP and dport = :23" 2>/dev/null | grep -q .; do
			sleep 0.1; _ns_i=$((_ns_i + 1))
		done
	done
}

# netns_nmap OUTFILE: nmap SYN scan of TCP 23 on 64 addresses beyond the device (10.78.0.0/26),
# no host discovery, one retransmission at most, at most 30 s.
netns_nmap() {
	timeout 30 ip netns exec "$NS_A" nmap -n -Pn -sS -p 23 --max-retries 1 -T4 \
		--max-rtt-timeout 200ms "${NS_BEYOND%.0/24}.0/26" > "$1" 2>&1
}

# netns_floods COUNT OUTFILE: four bounded hping3 floods of COUNT packets each, one every 200 us
# (2,000 to 4,000 packets/s measured), from the attacker to the victim 10.78.0.80 beyond the
# device: SYN to port 80, UDP to port 80, ACK to port 80, ICMP echo; 0.3 s apart. hping3's
# defaults: no payload, source port counting up from a random base, TCP window 512, no TCP
# options. The device does not forward, so there are no replies. Each run at most 10 s.
netns_floods() {
	: > "$2"
	for _ns_v in "-S -p 80" "--udp -p 80" "-A -p 80" "--icmp"; do
		# shellcheck disable=SC2086
		timeout 10 ip netns exec "$NS_A" hping3 -q $_ns_v -c "$1" -i u200 \
			"${NS_BEYOND%.0/24}.80" >> "$2" 2>&1
		sleep 0.3
	done
	return 0
}
