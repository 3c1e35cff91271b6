#!/bin/bash
# Builds a small OCI image layout (busybox static + applet symlinks) with umoci.
set -euo pipefail
cd "$(dirname "$0")"
rm -rf oci-src bundle-build
umoci init --layout oci-src
umoci new --image oci-src:1
umoci unpack --image oci-src:1 bundle-build
R=bundle-build/rootfs
mkdir -p $R/bin $R/sbin $R/usr/bin $R/usr/sbin $R/etc $R/tmp $R/root $R/proc $R/dev $R/sys $R/work
cp /usr/bin/busybox $R/bin/busybox
for a in $(/usr/bin/busybox --list-full); do
  [ "$a" = bin/busybox ] && continue
  mkdir -p "$R/$(dirname $a)"; ln -sf /bin/busybox "$R/$a"
done
echo 'root:x:0:0:root:/root:/bin/sh' > $R/etc/passwd
echo 'root:x:0:' > $R/etc/group
echo 'from-the-image' > $R/etc/image-marker
chmod 1777 $R/tmp
umoci repack --image oci-src:1 bundle-build
umoci config --image oci-src:1 --config.entrypoint /bin/sh --config.entrypoint -c \
  --config.cmd 'echo hello from $GREETING in $(pwd)' \
  --config.env PATH=/usr/sbin:/usr/bin:/sbin:/bin --config.env GREETING=image \
  --config.workingdir /work
umoci ls --layout oci-src
umoci stat --image oci-src:1 | head -20
rm -rf bundle-build
