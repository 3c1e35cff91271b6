#!/bin/bash
# For each variant: a "worker" shell starts a container running `sleep 300`, then the worker is SIGKILLed.
# Reports what is left: container processes, overlay mounts (host and any namespace), per-container dirs, crun state, cgroups.
cd "$(dirname "$0")"
SMALL=$PWD/raw-src; RUN=/var/tmp/rootfs-bench-crash; mkdir -p $RUN
NS="--die-with-parent --unshare-pid --unshare-ipc --unshare-uts --unshare-net"
report() {
  sleep 1
  echo "  sleep-300 processes left: $(pgrep -f 'sleep 30[0-9]' | wc -l)"
  echo "  overlay mounts on host: $(grep -c "$RUN" /proc/mounts)"
  echo "  overlay mounts in any mount ns: $(cat /proc/[0-9]*/mountinfo 2>/dev/null | grep "$RUN" | awk '{print $5}' | sort -u | wc -l)"
  echo "  dirs left in $RUN: $(ls $RUN | wc -l)   /run/crun entries: $(ls /run/crun 2>/dev/null | wc -l)   v1 memory cgroups named crash*: $(ls -d /sys/fs/cgroup/memory/crash* 2>/dev/null | wc -l)"
}
worker() { # $1 = variant; runs the container as its child, like kjob's worker
  local d; d=$(mktemp -d $RUN/$1.XXXX); mkdir $d/u $d/w $d/m
  case $1 in
    ovl) mount -t overlay overlay -o lowerdir=$SMALL,upperdir=$d/u,workdir=$d/w $d/m
         bwrap $NS --bind $d/m / --proc /proc --dev /dev -- /bin/sleep 300; umount $d/m; rm -rf $d ;;
    ovl-ns) unshare -m --propagation private sh -c 'mount -t overlay overlay -o "lowerdir=$1,upperdir=$2/u,workdir=$2/w" "$2/m" && exec bwrap '"$NS"' --bind "$2/m" / --proc /proc --dev /dev -- /bin/sleep 301' x $SMALL $d; rm -rf $d ;;
    crun-ovl) sed -e "s|@ROOT@|$d/m|" -e "s|@HOST@|c|" -e 's|"/bin/true"|"/bin/sleep", "302"|' crun-template.json > $d/config.json
         unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified; mount -t overlay overlay -o "lowerdir=$1,upperdir=$2/u,workdir=$2/w" "$2/m" && exec crun run --bundle "$2" "$3"' x $SMALL $d crash-$$; rm -rf $d ;;
  esac
}
for v in ovl ovl-ns crun-ovl; do
  echo "== $v: worker SIGKILLed while the container runs"
  worker $v & wpid=$!
  sleep 1.5
  kill -9 $wpid; wait $wpid 2>/dev/null
  report
done
