#!/usr/bin/env bash
# Runs conformance/*.pkt (or the scripts given) against the real Linux kernel with the packetdrill
# oracle, each in a fresh network namespace. Needs root, flex, bison and gcc; the oracle lives outside
# this repository (PACKETDRILL_KERNEL_CHECK, default ../shared/packetdrill/kernel-check).
# Prints PASS/FAIL per script and exits 1 if any fails, 2 if the oracle is missing.
set -u
cd "$(dirname "$0")/.."
check=${PACKETDRILL_KERNEL_CHECK:-../shared/packetdrill/kernel-check}
if [ ! -x "$check" ]; then
  echo "conformance-kernel: no packetdrill oracle at $check (set PACKETDRILL_KERNEL_CHECK)" >&2
  exit 2
fi
if [ $# -eq 0 ]; then set -- conformance/*.pkt; fi
exec "$check" "$@"
