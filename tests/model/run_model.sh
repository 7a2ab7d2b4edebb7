#!/bin/sh
# Runs one configuration of a model (docs/model/parking.pml, cancel.pml) with
# spin, in the current directory (a build directory: pan.* and trails are
# written here).
#
#   run_model.sh <model.pml> <expect> <spin -D flags...>
#
# <expect> is "verify" (pass when spin finds no error) or "error" (pass only
# when spin finds an error: a bug switch must be caught by the model).
# Flags starting with -D go to spin (model configuration); the special flag
# LIVENESS checks the LTL claim with weak fairness (pan -a -f) instead of
# safety (invalid end states + assertions).
set -eu
if [ $# -lt 3 ]; then
    echo "usage: $0 <model.pml> verify|error -DCFG_... [-DBUG_...] [LIVENESS]" >&2
    exit 2
fi
model=$1
expect=$2
shift 2
if ! command -v spin >/dev/null 2>&1; then
    echo "run_model.sh: 'spin' not found: install the Debian package 'spin' (apt-get install spin)" >&2
    exit 2
fi
if ! command -v "${CC:-cc}" >/dev/null 2>&1; then
    echo "run_model.sh: C compiler '${CC:-cc}' not found: install the Debian package 'gcc' (or set CC)" >&2
    exit 2
fi
defs=""
liveness=0
for arg in "$@"; do
    case $arg in
    LIVENESS) liveness=1 ;;
    -D*) defs="$defs $arg" ;;
    *) echo "run_model.sh: unknown argument $arg" >&2; exit 2 ;;
    esac
done
[ $liveness -eq 1 ] && defs="$defs -DLIVENESS"
name=$(basename "$model" .pml)
cp "$model" "./$name.pml"
rm -f "./$name.pml.trail" pan pan.*
# shellcheck disable=SC2086
spin $defs -a "./$name.pml"
if [ $liveness -eq 1 ]; then
    "${CC:-cc}" -O0 -w -DNFAIR=3 -DMEMLIM=2048 -o pan pan.c
    panflags="-a -f -m200000"
else
    "${CC:-cc}" -O2 -w -DSAFETY -DCOLLAPSE -DMEMLIM=3072 -o pan pan.c
    panflags="-m200000"
fi
echo "== spin$defs -a $name.pml; ./pan $panflags"
# shellcheck disable=SC2086
./pan $panflags >pan.out 2>&1 || true
cat pan.out
errors=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' pan.out | head -n 1)
if [ -z "$errors" ]; then
    echo "run_model.sh: pan did not report an error count" >&2
    exit 1
fi
# Safety runs: -O2 and COLLAPSE (state compression, exact): the configurations
# with the spawner and a temporary worker store 5-25 million states. MEMLIM:
# 3 GiB at most (about 1 GiB used by the largest).
if grep -q -e "max search depth too small" -e "MEMLIM" -e "out of memory" pan.out; then
    echo "run_model.sh: the search was truncated (depth or memory limit): not a full verification" >&2
    exit 1
fi
if [ "$expect" = verify ]; then
    [ "$errors" -eq 0 ] && { echo "PASS: verified, no error"; exit 0; }
    echo "FAIL: spin found an error; trail:" >&2
    # shellcheck disable=SC2086
    spin $defs -t -p -g -l "./$name.pml" 2>&1 | tail -n 80 >&2
    exit 1
fi
if [ "$errors" -gt 0 ]; then
    echo "PASS: spin found the error the bug switch introduces; last steps of the trail:"
    # shellcheck disable=SC2086
    spin $defs -t -p "./$name.pml" 2>&1 | grep -E "^ *[0-9]+:[[:space:]]+proc|violated|invalid|timeout" | tail -n 25
    exit 0
fi
echo "FAIL: spin found no error with$defs: the model no longer catches this defect" >&2
exit 1
