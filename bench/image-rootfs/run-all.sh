#!/bin/bash
# Three passes; each pass runs every variant 50x sequentially and 50x at parallelism 10 (copy-med: 20x), order rotated per pass.
cd "$(dirname "$0")"
V=(base copy ovl ovl-ns crun-ovl crun-copy ovl-med copy-med)
printf 'pass\tvariant\tn\tpar\ttotal_s\tmean_lat_s\tp50_s\tp90_s\tfails\n'
for pass in 1 2 3; do
  for k in "${!V[@]}"; do
    v=${V[$(( (k + pass) % ${#V[@]} ))]}
    n=50; [ $v = copy-med ] && n=20
    for p in 1 10; do echo -ne "$pass\t"; ./bench.sh round $v $n $p; done
  done
done
