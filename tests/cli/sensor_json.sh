#!/bin/sh
# Every line the sensor writes in EVE mode is one valid JSON object with the fields EVE readers
# expect, over every capture the project has (shared data, fixtures, synthetic attacks), with
# --summary. Python's json module is the independent judge.
. tests/lib.sh
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
set --
for f in "$SHARED"/pcap/*/*.pcap "$SHARED"/pcap/benign/iot_sentinel/*.pcap tests/data/pcap/*/*.pcap \
    tests/data/pcapng/*.pcapng; do
  [ -f "$f" ] && set -- "$@" "$f"
done
"$MAMORI" sensor -q --summary -r "$@" > "$t/all.json" 2> "$t/err"
ok "sensor reads all $# captures (exit 0)" test $? -eq 0
cat > "$t/check.py" <<'PY'
import json, sys
stages = {"scan", "bruteforce", "infection", "download", "exploit", "report", "c2", "ddos"}
alerts = timelines = stats = 0
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    o = json.loads(line)
    t = o["event_type"]
    if t == "alert":
        alerts += 1
        a, m = o["alert"], o["mamori"]
        assert isinstance(o["flow_id"], int) and o["timestamp"].endswith("+0000"), n
        assert a["severity"] in (1, 2, 3) and a["gid"] == 1 and a["signature"], n
        assert a["action"] in ("allowed", "blocked") and o["proto"], n
        assert m["stage"] in stages and m["count"] >= 1 and isinstance(m["evidence"], dict), n
        assert "src_ip" in o or "dest_ip" in o, n
    elif t == "mamori_timeline":
        timelines += 1
        assert o["host"] and o["stages"], n
        for s in o["stages"]:
            assert s["stage"] in stages and s["role"] in ("source", "target"), n
    elif t == "stats":
        stats += 1
        assert o["stats"]["packets"] > 0, n
    else:
        raise AssertionError("line %d: event_type %s" % (n, t))
assert alerts > 30 and timelines > 10 and stats == 1, (alerts, timelines, stats)
print(alerts, timelines)
PY
ok "every line is valid JSON with the EVE fields" python3 "$t/check.py" "$t/all.json"
"$MAMORI" sensor -q -r "$@" --format text > "$t/all.txt"
ok "text mode: one line per alert" test "$(wc -l < "$t/all.txt")" -eq "$(grep -c '"event_type":"alert"' "$t/all.json")"
summary
