#!/bin/sh
# `mamori sensor -r` on the committed captures of genuine tool traffic (hydra, nmap, hping3
# against an emulated BusyBox device; tests/data/pcap/netns/README.md). No root needed.
# Run from the repo root; MAMORI = the program.
set -u
. tests/lib.sh

D=tests/data/pcap/netns
NET=10.77.0.0/24,10.78.0.0/24
W=$(mktemp -d /tmp/mamori-fixt.XXXXXX) || exit 1
trap 'rm -rf "$W"' EXIT
trap 'rm -rf "$W"; exit 130' INT
trap 'rm -rf "$W"; exit 143' TERM

alerts() { grep -E '"event_type": ?"alert"' "$1" | grep -E "\"stage\": ?\"$2\""; }
lacks_stage() { [ -z "$(alerts "$1" "$2")" ]; }
brute_ok() {
	alerts "$1" bruteforce | grep -E '"src_ip": ?"10\.77\.0\.1"' |
		grep -E '"dest_ip": ?"10\.77\.0\.5"' | grep '"root' | grep -q 'vizxv'
}
scan_ok() {
	alerts "$1" scan | grep -E '"src_ip": ?"10\.77\.0\.1"' | grep -qE '"dest_port": ?23[,}]'
}
ddos_vector() {
	alerts "$1" ddos | grep -E '"dest_ip": ?"10\.78\.0\.80"' |
		grep -qE "\"vector\": ?\"($2)\""
}
addrs_ours() {
	! grep -oE '"(src|dest)_ip": ?"[^"]*"' "$1" | grep -vE '"10\.7[78]\.0\.[0-9]+"$' | grep -q .
}
# readme_packets NAME: the packet count tests/gen/make-netns-fixtures.sh wrote into the README.
readme_packets() {
	sed -n "s/^| $1\\.pcap | [0-9]* | \\([0-9]*\\) | .*/\\1/p" "$D/README.md"
}
# blocks FILE: with --block --dry-run the attacker 10.77.0.1 would be blocked, and nothing else
# (never the device or the flood victim).
blocks() {
	grep -q '^mamori: would block 10\.77\.0\.1 ' "$1" &&
		! grep '^mamori: would block ' "$1" | grep -qv '^mamori: would block 10\.77\.0\.1 '
}
stat_packets() {
	grep -E '"event_type": ?"stats"' "$1" | tail -n 1 |
		sed -n 's/.*"packets": *\([0-9][0-9]*\).*/\1/p'
}
all_counted() { [ "$(stat_packets "$W/$1.json")" = "$(readme_packets "$1")" ]; }

# run NAME [SENSOR OPTIONS...]: the sensor on $D/NAME.pcap into $W/NAME.json; exit status kept.
run() {
	n=$1; shift
	"$MAMORI" sensor -r "$D/$n.pcap" --home-net "$NET" --summary "$@" > "$W/$n.json" \
		2> "$W/$n.err"
	echo $? > "$W/$n.rc"
}

for n in hydra_telnet nmap_syn_23 hping3_floods; do
	ok "$n.pcap is present" test -s "$D/$n.pcap"
	ok "$n: README gives its packet count" test -n "$(readme_packets $n)"
done

# hydra: 8 one-attempt Telnet connections, 7 "Login incorrect", root/vizxv gets a shell.
run hydra_telnet --block --dry-run
ok "hydra: exit 0" test "$(cat "$W/hydra_telnet.rc")" -eq 0
ok "hydra: bruteforce 10.77.0.1 -> 10.77.0.5 naming root/vizxv" brute_ok "$W/hydra_telnet.json"
ok "hydra: no ddos" lacks_stage "$W/hydra_telnet.json" ddos
ok "hydra: --block --dry-run would block 10.77.0.1 only" blocks "$W/hydra_telnet.err"
ok "hydra: every packet counted" all_counted hydra_telnet

# nmap: SYNs to 10.78.0.0/26 port 23, twice each, no answers.
run nmap_syn_23
ok "nmap: exit 0" test "$(cat "$W/nmap_syn_23.rc")" -eq 0
ok "nmap: scan from 10.77.0.1 on port 23" scan_ok "$W/nmap_syn_23.json"
ok "nmap: no bruteforce" lacks_stage "$W/nmap_syn_23.json" bruteforce
ok "nmap: no ddos" lacks_stage "$W/nmap_syn_23.json" ddos
ok "nmap: every packet counted" all_counted nmap_syn_23

# hping3: 250 packets per vector in about 0.1 s, fewer than the default ddos_pps (1000), so the
# threshold is lowered to what this short sample can show.
printf '[sensor]\nddos_pps = 100\n' > "$W/floods.conf"
run hping3_floods -c "$W/floods.conf" --block --dry-run
f=$W/hping3_floods.json
ok "floods: exit 0" test "$(cat "$W/hping3_floods.rc")" -eq 0
ok "floods: ddos syn" ddos_vector "$f" syn
ok "floods: ddos ack" ddos_vector "$f" ack
ok "floods: ddos udp" ddos_vector "$f" 'udp|udp_plain'
ok "floods: ddos icmp" ddos_vector "$f" icmp
ok "floods: no bruteforce" lacks_stage "$f" bruteforce
ok "floods: --block --dry-run would block 10.77.0.1 only" blocks "$W/hping3_floods.err"
ok "floods: every packet counted" all_counted hping3_floods

for n in hydra_telnet nmap_syn_23 hping3_floods; do
	ok "$n: only namespace addresses in alerts" addrs_ours "$W/$n.json"
done

if [ "$T_FAIL" -gt 0 ]; then
	for n in hydra_telnet nmap_syn_23 hping3_floods; do
		echo "--- $n: rc $(cat "$W/$n.rc" 2>/dev/null), alerts by stage:" >&2
		grep -oE '"stage": ?"[a-z0-9]+"' "$W/$n.json" 2>/dev/null | sort | uniq -c >&2
		head -n 5 "$W/$n.err" >&2
	done
fi
summary
