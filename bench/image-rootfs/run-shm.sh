#!/bin/bash
# Second run: per-container copies into tmpfs, against the baseline and ext4 copies, 3 passes.
cd "$(dirname "$0")"
V=(base copy copy-shm copy-med-shm ovl-ns)
printf 'pass\tvariant\tn\tpar\ttotal_s\tmean_lat_s\tp50_s\tp90_s\tfails\n'
for pass in 1 2 3; do
  for k in "${!V[@]}"; do
    v=${V[$(( (k + pass) % ${#V[@]} ))]}
    n=50; [ $v = copy-med-shm ] && n=20
    for p in 1 10; do echo -ne "$pass\t"; ./bench.sh round $v $n $p; done
  done
done
