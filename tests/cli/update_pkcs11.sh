#!/bin/sh
# Update signing with the key inside a PKCS#11 token: SoftHSM2 (a token made here in a private
# directory), loaded through p11-kit. The key is generated in the token, never extractable;
# bundles it signs verify with the public key file; a wrong PIN and a reused label are refused.
. tests/lib.sh
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
MOD=/usr/lib/softhsm/libsofthsm2.so
[ -f "$MOD" ] && command -v softhsm2-util > /dev/null || { echo "SKIP: softhsm2 missing"; summary; exit; }
export SOFTHSM2_CONF=$t/softhsm2.conf
# under ASan: SoftHSM2's own leak in C_SignInit is suppressed (see the file); mamori's are not
export LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan-softhsm.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
# full stacks, so that the suppression can see the SoftHSM2 frames under OpenSSL's allocator
export ASAN_OPTIONS="fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
mkdir -p "$t/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$t" > "$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label mamori-test --pin 4321 --so-pin 8765 > /dev/null
printf '4321\n' > "$t/pin"; chmod 600 "$t/pin"
P="--pkcs11-module $MOD --token mamori-test --key-label release --pin-file $t/pin"
"$MAMORI" update keygen $P -p "$t/hsm.pub" 2> "$t/kg.err"
ok "keygen inside the token" grep -q "inside token 'mamori-test'" "$t/kg.err"
if command -v pkcs11-tool > /dev/null; then
  pkcs11-tool --module "$MOD" --token-label mamori-test --login --pin 4321 --list-objects --type privkey > "$t/objs" 2>/dev/null
  ok "the private key is sensitive and never extractable" sh -c "grep -q 'never extractable' '$t/objs' && grep -q 'sensitive' '$t/objs'"
fi
"$MAMORI" update keygen $P -p "$t/hsm2.pub" 2> "$t/kg2.err"
ok "keygen refuses a label in use" sh -c "test $? -eq 3 && grep -q 'already has a key labelled' '$t/kg2.err'"
head -c 2500000 /dev/urandom > "$t/img"
"$MAMORI" update sign $P --compatible acme --version 1.0 --counter 1 -o "$t/h.mup" rootfs="$t/img" 2>/dev/null
ok "sign with the token's key" test $? -eq 0
"$MAMORI" update verify -p "$t/hsm.pub" --compatible acme "$t/h.mup" > /dev/null
ok "the bundle verifies with the public key file" test $? -eq 0
"$MAMORI" update keygen -s "$t/file.key" -p "$t/file.pub" 2>/dev/null
"$MAMORI" update sign -s "$t/file.key" $P --compatible acme --version 1.1 --counter 2 -o "$t/two.mup" rootfs="$t/img" 2>/dev/null
"$MAMORI" update verify -p "$t/hsm.pub" -p "$t/file.pub" --threshold 2 "$t/two.mup" > /dev/null
ok "a file key and the token key together meet threshold 2" test $? -eq 0
printf '0000\n' > "$t/bad"; chmod 600 "$t/bad"
"$MAMORI" update sign --pkcs11-module "$MOD" --token mamori-test --key-label release --pin-file "$t/bad" --compatible acme --version 1 --counter 1 -o "$t/x.mup" rootfs="$t/img" 2> "$t/pin.err"
ok "a wrong PIN: exit 3, said, no bundle" sh -c "test $? -eq 3 && grep -q 'PIN is incorrect' '$t/pin.err' && ! test -e '$t/x.mup'"
chmod 644 "$t/pin"
"$MAMORI" update sign $P --compatible acme --version 1 --counter 1 -o "$t/y.mup" rootfs="$t/img" 2> "$t/perm.err"
ok "a PIN file others can read is refused" sh -c "test $? -eq 2 && grep -q 'readable by others' '$t/perm.err'"
"$MAMORI" update sign --pkcs11-module "$MOD" --token nosuch --key-label release --pin-file "$t/bad" --compatible acme --version 1 --counter 1 -o "$t/z.mup" rootfs="$t/img" 2> "$t/tok.err"
ok "an unknown token is named" grep -q "no token labelled 'nosuch'" "$t/tok.err"
summary
