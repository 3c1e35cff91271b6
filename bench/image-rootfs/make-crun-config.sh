#!/bin/bash
# make-crun-config.sh ROOTFS_PATH HOSTNAME [args...] : prints an OCI runtime config from `crun spec`'s default.
root=$1; host=$2; shift 2
args=$(printf '%s\n' "$@" | jq -R . | jq -s .)
jq --arg root "$root" --arg host "$host" --argjson args "$args" '
  .process.terminal = false | .process.args = $args | .process.cwd = "/" |
  .root = {path: $root, readonly: false} | .hostname = $host' "$(dirname "$0")/crun-spec-default.json"
