#!/bin/bash
# Push each test image to the loopback registry, pull it back, unpack it; times each step (wall seconds).
set -uo pipefail
cd "$(dirname "$0")"
REG=127.0.0.1:5055
TIMEFORMAT='%R'
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>>pushpull.err; local rc=$?; e=$(date +%s.%N); printf '%s\t%.3f\trc=%d\n' "$label" "$(echo "$e - $s" | bc)" $rc; }
for img in src med; do
  for rep in 1 2 3; do
    rm -rf pulled-$img unpack-$img raw-$img
    label="$img push" t skopeo copy --dest-tls-verify=false oci:oci-$img:1 docker://$REG/test-$img:1
    label="$img pull" t skopeo copy --src-tls-verify=false docker://$REG/test-$img:1 oci:pulled-$img:1
    label="$img umoci-unpack" t umoci unpack --image pulled-$img:1 unpack-$img
    label="$img umoci-raw-unpack" t umoci raw unpack --image pulled-$img:1 raw-$img
    label="$img cp-a-rootfs" t cp -a raw-$img copy-$img
    rm -rf copy-$img
  done
done
