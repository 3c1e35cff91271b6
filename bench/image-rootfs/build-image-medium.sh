#!/bin/bash
# A ~100 MB image with many files (python3.11 stdlib + perl modules copied from the host), on top of the small one.
set -euo pipefail
cd "$(dirname "$0")"
rm -rf oci-med bundle-med
cp -a oci-src oci-med
umoci unpack --image oci-med:1 bundle-med
R=bundle-med/rootfs
mkdir -p $R/usr/lib $R/usr/share
cp -a /usr/lib/python3.11 /usr/lib/python3 $R/usr/lib/
cp -a /usr/share/perl /usr/share/perl5 $R/usr/share/
umoci repack --image oci-med:1 bundle-med
umoci gc --layout oci-med
rm -rf bundle-med
