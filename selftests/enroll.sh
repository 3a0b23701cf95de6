#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# mms-enroll end to end, in a temporary directory removed on every exit path.
# No network, no namespaces: two state directories stand for an MA and a CM,
# a file carried between them stands for the USB key.
#
#   ma/ (MA state) <--- cm.bundle --- cm/ (CM state)
#       ma.pub     ------------------>    (trust anchor)
#
# Checks: init / pubkey / export / import / trust / revoke / show,
# decree revoke / cosign, the
# permissions of what is created, refusal of loose permissions, corrupted
# files, tampered or misaddressed bundles and revoked components, that no
# secret reaches stdout, and one-line errors with exit 1 (failure) or 2
# (command line misuse).
set -u
cd "$(dirname "$0")/.."
B=${B:-build}
E=$(pwd)/$B/mms-enroll
if [ ! -x "$E" ]; then
	echo "1..1"
	echo "not ok 1 - $E not built (make B=$B all)"
	exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/mms-enroll.$$.XXXXXX")
cleanup() { rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

n=0 failed=0
ok() { # ok COND-EXIT-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}
# run NAME CMD...: stdout to $T/NAME.out, stderr to $T/NAME.err, status in $rc
run() { local name=$1; shift; "$@" >"$T/$name.out" 2>"$T/$name.err"; rc=$?; }
mode() { stat -c %a "$1"; }
one_line_err() { [ "$(wc -l < "$T/$1.err")" -eq 1 ] && grep -q '^mms-enroll: ' "$T/$1.err"; }
field() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }

MA=$T/ma CM=$T/cm MA2=$T/ma2

# --- identities
run init_ma "$E" init --state "$MA" --name ma-1 --role ma
ok $rc "init MA"
run init_cm "$E" init --state "$CM" --name cm-1
ok $rc "init CM (default role cm)"
grep -q "created cm identity 'cm-1'" "$T/init_cm.out"; ok $? "init says what it made"
[ "$(mode "$MA")" = 700 ] && [ "$(mode "$CM")" = 700 ]; ok $? "state dirs are 0700"
[ "$(mode "$MA/identity")" = 600 ] && [ "$(mode "$CM/identity")" = 600 ]; ok $? "identity files are 0600"
cp "$CM/identity" "$T/cm.identity.orig"
run init_again "$E" init --state "$CM" --name other
[ $rc -eq 1 ] && one_line_err init_again && grep -q "already there" "$T/init_again.err"
ok $? "init over an identity refused with one line, exit 1"
cmp -s "$CM/identity" "$T/cm.identity.orig"; ok $? "the existing identity is untouched"

# --- public key, bundle, import
run pub "$E" pubkey --state "$MA" --out "$T/ma.pub"
ok $rc "pubkey --out writes the MA's public key"
run pub_stdout "$E" pubkey --state "$MA"
cmp -s "$T/pub_stdout.out" "$T/ma.pub"; ok $? "pubkey to stdout gives the same file"
run export "$E" export --state "$CM" --ma-pub "$T/ma.pub" --out "$T/cm.bundle"
ok $rc "CM exports a bundle sealed to the MA"
[ "$(mode "$T/cm.bundle")" = 600 ]; ok $? "bundle written 0600"
run show_cm "$E" show --state "$CM"
grep -q "^trusts *ma .* ma-1$" "$T/show_cm.out"; ok $? "after export the CM trusts the MA"
run import "$E" import --state "$MA" "$T/cm.bundle"
[ $rc -eq 0 ] && grep -q "^enrolled cm 'cm-1'" "$T/import.out"; ok $? "MA imports the bundle"
run import2 "$E" import --state "$MA" "$T/cm.bundle"
[ $rc -eq 0 ] && grep -q "already enrolled" "$T/import2.out"; ok $? "importing twice changes nothing"
run show_ma "$E" show --state "$MA"
cm_id=$(field "$CM/identity" id)
grep -q "^enrolled *cm *$cm_id *cm-1$" "$T/show_ma.out"; ok $? "show on the MA lists the CM"
[ "$(mode "$MA/registry")" = 600 ]; ok $? "registry is 0600"

# --- no secret on stdout
leak=0
for f in "$T"/*.out; do
	for k in sign-priv kex-priv; do
		for id in "$MA/identity" "$CM/identity"; do
			grep -q "$(field "$id" $k)" "$f" && leak=1
		done
	done
done
ok $leak "no private key appears in any command's output"

# --- refusals
chmod 644 "$CM/identity"
run loose "$E" show --state "$CM"
[ $rc -eq 1 ] && one_line_err loose && grep -q "0644" "$T/loose.err"
ok $? "identity 0644 refused with one line naming the mode"
chmod 600 "$CM/identity"
chmod 755 "$CM"
run loose_dir "$E" show --state "$CM"
[ $rc -eq 1 ] && grep -q "0755" "$T/loose_dir.err"; ok $? "state dir 0755 refused"
chmod 700 "$CM"

cp "$CM/identity" "$T/good.identity"
sed -i 's/^name cm-1$/name cm-9/' "$CM/identity"
cp "$CM/identity" "$T/bad.identity"
run corrupt "$E" show --state "$CM"
[ $rc -eq 1 ] && one_line_err corrupt && grep -q "checksum mismatch" "$T/corrupt.err"
ok $? "edited identity refused (checksum)"
cmp -s "$CM/identity" "$T/bad.identity"; ok $? "the refused file is left as it was"
cp "$T/good.identity" "$CM/identity"
run fixed "$E" show --state "$CM"
ok $rc "restored identity works again"

run init_ma2 "$E" init --state "$MA2" --name ma-2 --role ma
run other_ma "$E" import --state "$MA2" "$T/cm.bundle"
[ $rc -eq 1 ] && one_line_err other_ma && grep -q "sealed to MA" "$T/other_ma.err"
ok $? "bundle refused by an MA it was not sealed to"
cp "$T/cm.bundle" "$T/bad.bundle"
# flip every bit of byte 100 (setting it to a constant left the bundle as it
# was whenever the byte already held that value: 1 run in 256)
b=$(od -An -tu1 -j100 -N1 "$T/bad.bundle" | tr -d ' ')
printf "\\$(printf '%03o' $((b ^ 0xff)))" | dd of="$T/bad.bundle" bs=1 seek=100 conv=notrunc status=none
run tampered "$E" import --state "$MA" "$T/bad.bundle"
[ $rc -eq 1 ] && one_line_err tampered; ok $? "tampered bundle refused"
run not_bundle "$E" import --state "$MA" "$T/ma.pub"
[ $rc -eq 1 ] && grep -q "not an MMS enrollment bundle" "$T/not_bundle.err"; ok $? "a file that is no bundle refused"
run wrong_role "$E" export --state "$MA" --ma-pub "$T/ma.pub" --out "$T/x.bundle"
[ $rc -eq 1 ] && [ ! -e "$T/x.bundle" ]; ok $? "an MA cannot export a bundle"

run pub2 "$E" pubkey --state "$MA2" --out "$T/ma2.pub"
chmod 666 "$T/ma2.pub"
run anchor "$E" trust --state "$CM" --ma-pub "$T/ma2.pub"
[ $rc -eq 1 ] && grep -q "0666" "$T/anchor.err"; ok $? "world-writable MA key refused as a trust anchor"
chmod 644 "$T/ma2.pub"
run trust "$E" trust --state "$CM" --ma-pub "$T/ma2.pub"
run show_cm2 "$E" show --state "$CM"
[ "$(grep -c '^trusts' "$T/show_cm2.out")" -eq 2 ]; ok $? "CM trusts a second MA"
run cm_pub "$E" pubkey --state "$CM" --out "$T/cm.pub"
run trust_cm "$E" trust --state "$MA" --ma-pub "$T/cm.pub"
[ $rc -eq 1 ] && grep -q "not an MA" "$T/trust_cm.err"; ok $? "a CM key is refused as an MA key"

# --- revocation
run revoke "$E" revoke --state "$MA" --id "$cm_id"
[ $rc -eq 0 ] && grep -q "^revoked $cm_id ('cm-1')" "$T/revoke.out"; ok $? "MA revokes the CM"
run show_ma2 "$E" show --state "$MA"
grep -q "^revoked *$cm_id$" "$T/show_ma2.out" && ! grep -q "^enrolled" "$T/show_ma2.out"
ok $? "show lists it as revoked, no longer enrolled"
run reimport "$E" import --state "$MA" "$T/cm.bundle"
[ $rc -eq 1 ] && grep -q "revoked" "$T/reimport.err"; ok $? "a revoked CM cannot be imported again"

# --- a quorum decree revoking the CM at every MA (signed here, co-signed at MA2)
run decree_rv "$E" decree --state "$MA" --id "$cm_id" --out "$T/revoke.decree" revoke
[ $rc -eq 0 ] && grep -q "^decree [0-9]*: revoke $cm_id, 1 signature$" "$T/decree_rv.out"
ok $? "decree revoke: made and signed by the MA"
run cosign_rv "$E" cosign --state "$MA2" "$T/revoke.decree"
[ $rc -eq 0 ] && grep -q ": revoke $cm_id, 2 signatures$" "$T/cosign_rv.out"
ok $? "cosign at another MA: two signatures"
run trust_ma "$E" trust --state "$MA2" --ma-pub "$T/ma.pub"
ma_id=$(field "$MA/identity" id)
run decree_ma "$E" decree --state "$MA2" --id "$ma_id" --out "$T/bad.decree" revoke
[ $rc -eq 1 ] && one_line_err decree_ma && grep -q "trusted MA" "$T/decree_ma.err" &&
	[ ! -e "$T/bad.decree" ]
ok $? "decree revoke naming a trusted MA refused, nothing written"

# --- misuse: exit 2, one line
misuse() { # NAME ARGS...: expect exit 2 and a one-line message
	local name=$1; shift
	run "$name" "$E" "$@"
	[ $rc -eq 2 ] && one_line_err "$name"
}
run noargs "$E"; [ $rc -eq 2 ] && grep -q "^usage: mms-enroll" "$T/noargs.err"; ok $? "no command: usage, exit 2"
run help "$E" --help; [ $rc -eq 0 ] && grep -q "^  revoke" "$T/help.out"; ok $? "--help lists the commands, exit 0"
misuse unknown frob; ok $? "unknown command"
misuse missing init --state "$T/x"; ok $? "missing --name"
misuse extra show --state "$MA" extra; ok $? "unexpected argument"
misuse notaken show --state "$MA" --name x; ok $? "option not taken by the command"
misuse twice show --state "$MA" --state "$MA"; ok $? "option given twice"
misuse badid revoke --state "$MA" --id zz; ok $? "bad --id value"
misuse noid decree --state "$MA" --out "$T/x.decree" revoke; ok $? "decree revoke without --id"
misuse badaction decree --state "$MA" --out "$T/x.decree" banish; ok $? "unknown decree action"
misuse badrole init --state "$T/y" --name y --role boss; ok $? "bad --role value"
[ ! -e "$T/y" ] && [ ! -e "$T/x" ] && [ ! -e "$T/x.decree" ]; ok $? "misuse creates nothing"

echo "1..$n"
exit $failed
