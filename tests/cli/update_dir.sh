#!/bin/sh
# Directory slots: the payload is a tar archive, kept beside the slot until the whole bundle is
# authenticated, then unpacked into the emptied inactive directory. Hostile archives (".."
# names, a symlink leading out) are refused and nothing is written outside the slot.
. tests/lib.sh
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
mkdir -p "$t/state" "$t/data/a" "$t/data/b" "$t/tree/etc/app" "$t/outside"
printf 'old\n' > "$t/data/b/stale"
printf 'setting=1\n' > "$t/tree/etc/app/app.conf"
head -c 300000 /dev/urandom > "$t/tree/blob.bin"
ln -s etc/app/app.conf "$t/tree/conf-link"
tar -C "$t/tree" -cf "$t/tree.tar" .
"$MAMORI" update keygen -s "$t/k.key" -p "$t/k.pub" 2>/dev/null
"$MAMORI" update sign -s "$t/k.key" --compatible acme --version 1 --counter 1 -o "$t/d.mup" data="$t/tree.tar" 2>/dev/null
cat > "$t/c.conf" <<C
[update]
compatible = acme
state = $t/state
key = $t/k.pub
[slot.data]
type = directory
a = $t/data/a
b = $t/data/b
C
"$MAMORI" update install -c "$t/c.conf" "$t/d.mup" 2>/dev/null
ok "directory slot: installed" test $? -eq 0
ok "directory slot: the tree is unpacked exactly" diff -r "$t/tree" "$t/data/b"
ok "directory slot: the old contents are gone" test ! -e "$t/data/b/stale"
ok "directory slot: the symlink is kept as a symlink" test "$(readlink "$t/data/b/conf-link")" = etc/app/app.conf
ok "directory slot: no tar left beside it" test ! -e "$t/data/b.mamori.tar"
"$MAMORI" update mark-good -c "$t/c.conf" > /dev/null
python3 - "$t" <<'P'
import io, sys, tarfile
t = sys.argv[1]
def add(tf, name, data=b"x", sym=None):
    ti = tarfile.TarInfo(name)
    if sym is not None:
        ti.type = tarfile.SYMTYPE; ti.linkname = sym; tf.addfile(ti)
    else:
        ti.size = len(data); tf.addfile(ti, io.BytesIO(data))
with tarfile.open(t + "/dotdot.tar", "w", format=tarfile.GNU_FORMAT) as tf:
    add(tf, "ok.txt"); add(tf, "../../outside/pwned")
with tarfile.open(t + "/symlink.tar", "w", format=tarfile.GNU_FORMAT) as tf:
    add(tf, "esc", sym=t + "/outside"); add(tf, "esc/pwned")
P
for n in dotdot symlink; do
  "$MAMORI" update sign -s "$t/k.key" --compatible acme --version 2 --counter 2 -o "$t/$n.mup" data="$t/$n.tar" 2>/dev/null
  "$MAMORI" update install -c "$t/c.conf" "$t/$n.mup" 2> "$t/$n.err"
  ok "$n archive: refused (exit 3)" test $? -eq 3
  ok "$n archive: nothing outside the slot" test -z "$(ls -A "$t/outside")"
  "$MAMORI" update status -c "$t/c.conf" --json | python3 -c "import json,sys; d=json.load(sys.stdin); assert d['active']=='b' and not d['trial'] and not d['slots']['a']['valid']"
  ok "$n archive: still booting b, slot a invalid" test $? -eq 0
done
ok "the '..' refusal says why" grep -q "absolute or '..' names" "$t/dotdot.err"
summary
