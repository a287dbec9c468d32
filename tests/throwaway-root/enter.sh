#!/bin/bash
# Runs a scenario as root in a throwaway root: in this mount namespace /usr, /etc and
# /var are overlays whose writes land in a tmpfs mounted on LAYERS, so dpkg, ldconfig
# and `cmake --install` change nothing the rest of the machine sees, and all of it goes
# when the namespace's last process exits. tests/install.rs runs it as
#   unshare --mount --propagation private --pid --mount-proc --fork --kill-child \
#       bash enter.sh LAYERS SCENARIO ARGS...
# with ZMQRS_HOST_MNT_NS set to the test's own mount namespace: nothing is mounted
# unless this is another one.
set -euo pipefail
layers=$1
shift
if [ -z "${ZMQRS_HOST_MNT_NS:-}" ] || [ "$(readlink /proc/self/ns/mnt)" = "$ZMQRS_HOST_MNT_NS" ]; then
    echo "enter.sh: not in a mount namespace of its own; refusing to mount over /usr" >&2
    exit 1
fi
mount -t tmpfs -o mode=0755 zmqrs-throwaway "$layers"
for dir in usr etc var; do
    mkdir -p "$layers/$dir/upper" "$layers/$dir/work"
    mount -t overlay -o "lowerdir=/$dir,upperdir=$layers/$dir/upper,workdir=$layers/$dir/work" \
        zmqrs-throwaway "/$dir"
done
export SCRATCH=$layers/scratch TMPDIR=$layers/scratch
mkdir "$SCRATCH"
echo "== throwaway root: /usr, /etc and /var are overlays on a tmpfs"
exec bash "$@"
