#!/usr/bin/env bash
# Installs the Debian packages MMS builds and tests with, when any is missing.
# Idempotent and quiet when everything is there already.
set -euo pipefail

pkgs=(clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libssl-dev gcc make
      iproute2 iputils-ping openssh-server openssh-client dnsutils ethtool
      prometheus iperf3 libclang-rt-14-dev perl tcpdump python3 nftables curl snmp snmpd)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: need root to install ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
