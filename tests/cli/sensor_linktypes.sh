#!/bin/sh
# The same traffic through every link type and file format the sensor reads gives the same
# alerts: the Mirai infection capture and the hydra fixture, re-encapsulated by
# tests/gen/relink.py as Linux cooked v1 and v2, raw IP, IPv4, 802.1Q-tagged Ethernet, pcapng.
. tests/lib.sh
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
alerts() { "$MAMORI" sensor -q -r "$1" | sed 's/"flow_id":[0-9]*,//' | sort; }
for src in "$SHARED/pcap/synthetic/mirai_infection_synthetic.pcap" tests/data/pcap/netns/hydra_telnet.pcap; do
  [ -f "$src" ] || continue
  name=$(basename "$src" .pcap)
  alerts "$src" > "$t/$name.eth"
  ok "$name: Ethernet gives alerts" test -s "$t/$name.eth"
  for kind in sll sll2 raw ipv4 vlan pcapng; do
    python3 tests/gen/relink.py "$src" "$t/$name.$kind.cap" "$kind" || { ok "$name: convert to $kind" false; continue; }
    alerts "$t/$name.$kind.cap" > "$t/$name.$kind"
    ok "$name as $kind: the same alerts" cmp -s "$t/$name.eth" "$t/$name.$kind"
  done
done
summary
