#!/bin/bash
# bench.sh one VARIANT IDX    : run one container of VARIANT, print its wall time (seconds) to stdout
# bench.sh round VARIANT N P  : run N containers of VARIANT at parallelism P, print "variant N P total_s mean_latency_s p50 p90 fails"
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SMALL=$HERE/raw-src
MED=$HERE/raw-med
RUN=/var/tmp/rootfs-bench-run     # per-container dirs (same ext4 fs as the rootfs)
mkdir -p "$RUN"
NS=(--die-with-parent --unshare-pid --unshare-ipc --unshare-uts --unshare-net)
# today's kjob folderArgs on this host (merged /usr: /bin etc. are symlinks)
HOSTFOLDERS=(--ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/sbin /sbin --symlink usr/lib /lib --symlink usr/lib64 /lib64 --ro-bind /etc /etc --ro-bind /opt /opt)

crun_config() { # ROOT ID -> bundle config.json on stdout
  sed -e "s|@ROOT@|$1|" -e "s|@HOST@|$2|" "$HERE/crun-template.json"
}

one() {
  local v=$1 i=$2 id="rb-$1-$$-$2" d rc=0
  local s; s=$(date +%s%N)
  case $v in
    base)
      bwrap "${NS[@]}" --hostname "$id" --tmpfs / "${HOSTFOLDERS[@]}" --proc /proc --dev /dev --tmpfs /tmp --dir /root --chdir / -- /bin/true || rc=$? ;;
    copy|copy-med)
      local src=$SMALL; [ $v = copy-med ] && src=$MED
      d=$(mktemp -d "$RUN/$v.XXXXXX")
      cp -a --reflink=auto "$src" "$d/root" &&
      bwrap "${NS[@]}" --hostname "$id" --bind "$d/root" / --proc /proc --dev /dev --chdir / -- /bin/true || rc=$?
      rm -rf "$d" ;;
    copy-shm|copy-med-shm)  # per-container copy into tmpfs (RAM) instead of ext4
      local src=$SMALL; [ $v = copy-med-shm ] && src=$MED
      d=$(mktemp -d "/dev/shm/$v.XXXXXX")
      cp -a "$src" "$d/root" &&
      bwrap "${NS[@]}" --hostname "$id" --bind "$d/root" / --proc /proc --dev /dev --chdir / -- /bin/true || rc=$?
      rm -rf "$d" ;;
    ovl|ovl-med)
      local src=$SMALL; [ $v = ovl-med ] && src=$MED
      d=$(mktemp -d "$RUN/$v.XXXXXX"); mkdir "$d/u" "$d/w" "$d/m"
      mount -t overlay overlay -o "lowerdir=$src,upperdir=$d/u,workdir=$d/w" "$d/m" &&
      bwrap "${NS[@]}" --hostname "$id" --bind "$d/m" / --proc /proc --dev /dev --chdir / -- /bin/true || rc=$?
      umount "$d/m"; rm -rf "$d" ;;
    ovl-ns)   # overlay mounted inside a private mount namespace: it vanishes with the container's processes
      d=$(mktemp -d "$RUN/$v.XXXXXX"); mkdir "$d/u" "$d/w" "$d/m"
      unshare -m --propagation private sh -c 'mount -t overlay overlay -o "lowerdir=$1,upperdir=$2/u,workdir=$2/w" "$2/m" && shift 2 && exec "$@"' ovl "$SMALL" "$d" \
        bwrap "${NS[@]}" --hostname "$id" --bind "$d/m" / --proc /proc --dev /dev --chdir / -- /bin/true || rc=$?
      rm -rf "$d" ;;
    crun-ovl) # crun needs /sys/fs/cgroup/unified hidden on this hybrid host; same private mount ns holds the overlay
      d=$(mktemp -d "$RUN/$v.XXXXXX"); mkdir "$d/u" "$d/w" "$d/m"
      crun_config "$d/m" "$id" > "$d/config.json"
      unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; mount -t overlay overlay -o "lowerdir=$1,upperdir=$2/u,workdir=$2/w" "$2/m" && exec crun run --bundle "$2" "$3"' ovl "$SMALL" "$d" "$id" || rc=$?
      rm -rf "$d" ;;
    crun-copy)
      d=$(mktemp -d "$RUN/$v.XXXXXX")
      cp -a --reflink=auto "$SMALL" "$d/root" && crun_config "$d/root" "$id" > "$d/config.json" &&
      unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun run --bundle "$1" "$2"' crun "$d" "$id" || rc=$?
      rm -rf "$d" ;;
    *) echo "unknown variant $v" >&2; exit 2 ;;
  esac
  local e; e=$(date +%s%N)
  echo "$(( (e - s) / 1000 )) $rc"
}

round() {
  local v=$1 n=$2 p=$3 out; out=$(mktemp)
  local s; s=$(date +%s%N)
  seq 1 "$n" | xargs -P "$p" -I{} "$0" one "$v" {} > "$out"
  local e; e=$(date +%s%N)
  local total=$(( (e - s) / 1000 ))
  local fails; fails=$(awk '$2 != 0' "$out" | wc -l)
  sort -n "$out" | awk -v v="$v" -v n="$n" -v p="$p" -v total="$total" -v fails="$fails" '
    { a[NR] = $1; sum += $1 }
    END { printf "%s\t%d\t%d\t%.4f\t%.4f\t%.4f\t%.4f\t%d\n", v, n, p, total/1e6, sum/NR/1e6, a[int(NR*0.5)+ (NR%2)]/1e6, a[int(NR*0.9)]/1e6, fails }'
  rm -f "$out"
}

case $1 in
  one) one "$2" "$3" ;;
  round) round "$2" "$3" "$4" ;;
esac
