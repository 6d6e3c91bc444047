#!/usr/bin/env bash
# End-to-end benchmark: every method in its own fresh JVM on the same generated Parquet data,
# cold (first query after the session is ready) and warm (minimum of 3 further passes), as a
# markdown table with ratios to Spark's bare scan measured in the same run. Checks that every
# method agrees on mean loss (1e-6 relative) and accuracy (exactly).
#
#   scripts/bench.sh [--rows N] [--classes C] [--methods "scan hof udf mllib xent"] [--data DIR]
# Defaults: 1,000,000 rows × 100 float32 classes, all methods, data cached in job/target/bench.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rows=1000000
classes=100
methods="scan hof udf mllib xent"
data_dir="$root/job/target/bench"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rows) rows="$2"; shift 2 ;;
    --classes) classes="$2"; shift 2 ;;
    --methods) methods="$2"; shift 2 ;;
    --data) data_dir="$2"; shift 2 ;;
    *) echo "bench.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done

data="$data_dir/rows-$rows-classes-$classes"
if [[ ! -f "$data/_SUCCESS" ]]; then
  partitions=$(( rows / 125000 > 1 ? rows / 125000 : 1 ))
  "$root/scripts/xent" generate --output "$data" --rows "$rows" --classes "$classes" \
    --partitions "$partitions" --overwrite >&2
fi

jar="$root/job/target/xent-job.jar"
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
results=()
for method in $methods; do
  # shellcheck disable=SC2046
  line=$(java $(cat "$root/job/target/classes/xent-jvm-options.txt") \
    -Dlog4j2.configurationFile="$root/conf/log4j2-cli.properties" \
    -cp "$jar:$(cat "$root/job/target/spark-classpath.txt")" \
    dev.xent.job.bench.EndToEndBench "$method" "$data" 3 | tail -1)
  echo "$line" >&2
  results+=("$line")
done

machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf '%s\n' "${results[@]}" | python3 "$root/scripts/bench_table.py" "$rows" "$classes" "$machine"
