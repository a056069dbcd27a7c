#!/usr/bin/env bash
# Record iacguard's JSON and SARIF output on fixtures/ and ../shared/corpus into DIR, so that a
# behaviour-preserving change can be proved byte for byte:
#   scripts/snapshot_outputs.sh /tmp/before   # on the old tree
#   scripts/snapshot_outputs.sh /tmp/after    # on the new tree
#   diff -r /tmp/before /tmp/after && echo identical
set -uo pipefail
out="${1:?usage: snapshot_outputs.sh DIR [IACGUARD]}"
iacguard="${2:-iacguard}"
cd "$(dirname "$0")/.."
mkdir -p "$out"
targets=(fixtures)
[ -d ../shared/corpus ] && targets+=(../shared/corpus)
for target in "${targets[@]}"; do
  name="$(basename "$target")"
  for fmt in json sarif; do
    for jobs in 1 2; do
      "$iacguard" check "$target" --min-certainty possible --output-format "$fmt" \
        --jobs "$jobs" --exit-zero >"$out/$name.jobs$jobs.$fmt" 2>"$out/$name.jobs$jobs.$fmt.stderr"
      echo "rc=$?" >>"$out/$name.jobs$jobs.$fmt.stderr"
    done
  done
done
ls -l "$out"
