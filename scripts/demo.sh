#!/usr/bin/env bash
# The first command to try: builds xent if needed, generates 200,000 rows × 100 classes of float32
# logits as Parquet, evaluates them on an embedded Spark (local[*]) and prints the metrics.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/xent-demo.XXXXXX")"
trap 'rm -rf "$work"' EXIT

"$root/scripts/xent" generate --output "$work/logits.parquet" --rows 200000 --classes 100 --seed 7
"$root/scripts/xent" evaluate --input "$work/logits.parquet" --logits logits --label label \
  --output "$work/metrics"
echo
echo "metrics.json:"
cat "$work/metrics/metrics.json"
