#!/bin/sh
# Rebuilds the capture fixtures in tests/data/pcap/netns/ from GENUINE tool traffic: hydra, nmap
# and hping3 against an emulated BusyBox device in network namespaces (tests/net/lib-netns.sh).
# Run as root from the repo root:  sh tests/gen/make-netns-fixtures.sh
# Traffic stays between the two namespaces it creates (10.77.0.0/24, 10.78.0.0/24); everything
# is removed on exit. Writes hydra_telnet.pcap, nmap_syn_23.pcap, hping3_floods.pcap, README.md.
set -u
. tests/net/lib-netns.sh

OUT=tests/data/pcap/netns
FLOOD_N=${FLOOD_N:-250}  # packets per flood vector: keeps the file near 70 KB
MAX_FILE=100000

why=$(netns_why_not) || { echo "make-netns-fixtures: cannot run: $why" >&2; exit 1; }
netns_up || exit 1
mkdir -p "$OUT"
die() { echo "make-netns-fixtures: $*" >&2; exit 1; }

# capture NAME SNAPLEN FUNCTION ARGS...: tcpdump on vA around one generator.
capture() {
	name=$1; snap=$2; shift 2
	netns_tcpdump "$NS_W/$name" "$snap" || die "tcpdump failed"
	"$@"
	sleep 0.5
	netns_stop "$NS_TCPDUMP" || die "tcpdump did not stop cleanly"
}

capture hydra_telnet.pcap 262144 netns_hydra "$NS_W/hydra.out"
capture nmap_syn_23.pcap 262144 netns_nmap "$NS_W/nmap.out"
capture hping3_floods.pcap 96 netns_floods "$FLOOD_N" "$NS_W/hping3.out"

# Ground truth from the capture, not from the tools' verdicts.
tcpdump -r "$NS_W/hydra_telnet.pcap" -A -n 2>/dev/null > "$NS_W/hydra.txt"
grep -q 'vizxv' "$NS_W/hydra.txt" || die "hydra capture: the password vizxv was never sent"
grep -q 'built-in shell' "$NS_W/hydra.txt" || die "hydra capture: no BusyBox shell banner"
n=$(grep -c 'Login incorrect' "$NS_W/hydra.txt")
[ "$n" -ge 7 ] || die "hydra capture: $n 'Login incorrect' (want 7)"
n=$(tcpdump -r "$NS_W/nmap_syn_23.pcap" -n 'tcp[tcpflags] == tcp-syn and dst port 23' \
	2>/dev/null | awk '{print $5}' | sort -u | wc -l)
[ "$n" -eq 64 ] || die "nmap capture: SYNs to $n addresses (want 64)"
for f in hydra_telnet nmap_syn_23 hping3_floods; do
	sz=$(wc -c < "$NS_W/$f.pcap")
	[ "$sz" -lt $MAX_FILE ] || die "$f.pcap is $sz bytes (limit $MAX_FILE)"
	cp "$NS_W/$f.pcap" "$OUT/$f.pcap"
done

# shellcheck disable=SC2086 # the filter is several words, or none
count() { tcpdump -r "$OUT/$1" -n $2 2>/dev/null | wc -l; }
info() {
	printf '| %s | %s | %s | %s |\n' "$1" "$(wc -c < "$OUT/$1")" "$(count "$1" "")" \
		"$(sha256sum "$OUT/$1" | cut -c1-16)"
}
hydra_v=$(hydra -h 2>&1 | head -1 | awk '{print $1, $2}')
nmap_v=$(nmap --version | head -1)
hping_v=$(hping3 -v 2>&1 | head -1 | sed 's/ (\$Id.*//')
busybox_v=$(/bin/busybox 2>&1 | head -1 | sed 's/ multi-call binary.*//')
tcpdump_v=$(tcpdump --version 2>&1 | head -1)
kernel=$(uname -r)
today=$(date -u +%Y-%m-%d)
# rate FILTER: "N packets in S s (R/s)" for the flood packets matching FILTER.
rate() {
	tcpdump -r "$OUT/hping3_floods.pcap" -n -tt "$1" 2>/dev/null | awk '
		NR == 1 { a = $1 } { b = $1; n++ }
		END { d = b - a; r = 0; if (d > 0) r = (n - 1) / d
			printf "%d packets in %.3f s (%d/s)", n, d, r }'
}
syn_r=$(rate 'tcp[tcpflags] == tcp-syn')
ack_r=$(rate 'tcp[tcpflags] == tcp-ack')
udp_r=$(rate udp)
icmp_r=$(rate icmp)

cat > "$OUT/README.md" <<EOF
# Genuine tool traffic against an emulated BusyBox device (network namespaces)

Made with \`sh tests/gen/make-netns-fixtures.sh\` (as root) on $today (UTC), Linux $kernel,
Debian 12. Everything ran between two network namespaces joined by a veth pair; no other
network was reachable. Real tools, real BusyBox; nothing here is synthetic. All files are
classic libpcap, link type Ethernet, captured with tcpdump on the attacker's side (\`vA\`).

Tool versions (Debian 12 packages):

- $hydra_v (\`hydra -h | head -1\`)
- $nmap_v (\`nmap --version\`)
- $hping_v (\`hping3 -v\`)
- $busybox_v (busybox-static, in a chroot on the device side; \`busybox | head -1\`)
- $tcpdump_v

## Setup (tests/net/lib-netns.sh, netns_up)

| | Address | What runs there |
|---|---|---|
| attacker namespace | 10.77.0.1/24 on \`vA\`; route 10.78.0.0/24 via 10.77.0.5 | hydra, nmap, hping3, tcpdump |
| device namespace | 10.77.0.5/24 on \`vD\`; ip_forward = 0 | \`chroot ROOT /bin/telnetd -F -l /bin/login -p 23\` (hostname \`camera\`), \`chroot ROOT /bin/httpd -f -h /www -c /etc/httpd.conf -p 80\` |
| "beyond" the device | 10.78.0.0/24 | nothing: packets to it reach \`vD\` and are dropped (no replies) |

The device's /etc/shadow has one account: root, password \`vizxv\` (from Mirai's scanner.c
table), hashed with \`openssl passwd -1\`. IPv6 is disabled in both namespaces.

## Files

| File | Bytes | Packets | SHA-256 (first 16 hex digits) |
|---|---|---|---|
$(info hydra_telnet.pcap)
$(info nmap_syn_23.pcap)
$(info hping3_floods.pcap)

### hydra_telnet.pcap: Telnet dictionary attack with Mirai credentials

    printf '%s\n' $NS_WAVE1 > pairs.txt
    ip netns exec ATT hydra -I -C pairs.txt -t 4 -w 5 telnet://10.77.0.5
    printf '%s\n' $NS_WAVE2 > pairs.txt
    ip netns exec ATT hydra -I -C pairs.txt -t 4 -w 5 telnet://10.77.0.5
    printf '%s\n' $NS_WAVE3 > pairs.txt
    ip netns exec ATT hydra -I -C pairs.txt -t 4 -w 5 telnet://10.77.0.5
    (tcpdump: ip netns exec ATT tcpdump -Z root -i vA --immediate-mode -U -n -s 262144 -w hydra_telnet.pcap)

Eight TCP connections 10.77.0.1 -> 10.77.0.5:23 in three hydra runs (4, 3, then 1 at a time),
one login attempt each: \`user\\r\\0\`, then \`password\\r\\0\` 0.1 s later, after hydra's
telnet option replies and a WILL LINEMODE. Seven end with BusyBox's \`Login incorrect\` after
its 3-second failure delay (hydra answers the new \`camera login: \` prompt with an empty line,
then closes); root/vizxv gets the \`BusyBox v1.35.0 ... built-in shell (ash)\` banner and the
\`~ # \` prompt, after which hydra closes. BusyBox telnetd listens with a backlog of 1: some
connections retransmit their SYN after 1 s, and one that lands in a full accept queue stays
silent until hydra sends its user name 5 s later (-w 5). Hydra's own verdict is not trusted
(see tests/net/lib-netns.sh, netns_hydra); the capture was checked for the vizxv attempt, the
shell banner and seven \`Login incorrect\`.

Expected: \`bruteforce\` from 10.77.0.1 against 10.77.0.5 (8 attempts), evidence naming
root/vizxv; no \`ddos\`.

### nmap_syn_23.pcap: SYN scan of TCP 23 across 64 addresses

    ip netns exec ATT nmap -n -Pn -sS -p 23 --max-retries 1 -T4 --max-rtt-timeout 200ms 10.78.0.0/26

nmap's raw SYNs from 10.77.0.1 to 10.78.0.0-63 port 23, each sent twice (one retransmission),
no answers, all within about 3 s; an ARP exchange for the next hop 10.77.0.5 comes first.
nmap's own fingerprint, not Mirai's: one source port and one sequence number for every probe of
the run (so seq != destination address), window 1024, a single MSS 1460 option.

Expected: \`scan\` from 10.77.0.1 (64 distinct destinations on port 23); no \`bruteforce\`, no
\`ddos\`.

### hping3_floods.pcap: four short floods (snaplen 96)

    ip netns exec ATT hping3 -q -S -p 80 -c $FLOOD_N -i u200 10.78.0.80
    ip netns exec ATT hping3 -q --udp -p 80 -c $FLOOD_N -i u200 10.78.0.80
    ip netns exec ATT hping3 -q -A -p 80 -c $FLOOD_N -i u200 10.78.0.80
    ip netns exec ATT hping3 -q --icmp -c $FLOOD_N -i u200 10.78.0.80
    (0.3 s apart; tcpdump as above with -s 96)

From 10.77.0.1 to 10.78.0.80, no payload:

- SYN to port 80: $syn_r
- UDP to port 80: $udp_r
- ACK to port 80: $ack_r
- ICMP echo: $icmp_r

hping3's defaults: source port counting up by one from a random base, random TCP sequence/ack
numbers, window 512, no TCP options; ICMP id = hping3's pid, sequence counting up by 256 (a
byte-order quirk). No replies (the device does not forward). The file holds only $FLOOD_N packets per vector to stay small, fewer than the default
\`ddos_pps\` (1000): tests/cli/netns_fixtures.sh reads it with \`ddos_pps = 100\`. The live
test (tests/net/sensor_netns.sh) sends 3,000 per vector and uses the defaults.

Expected (with ddos_pps = 100): \`ddos\` against 10.78.0.80 with vectors syn, ack, udp (or
udp_plain) and icmp; no \`bruteforce\`.
EOF
echo "make-netns-fixtures: wrote $OUT:"
ls -l "$OUT"
