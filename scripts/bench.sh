#!/usr/bin/env bash
# End-to-end benchmark: every method in its own fresh JVM on the same generated Parquet data,
# cold (first query after the session is ready, the files in the OS page cache) and warm (minimum
# of the further passes), as markdown tables with ratios to Spark's bare scan measured in the
# same run. Checks that every method agrees on mean loss (1e-6 relative) and accuracy (exactly).
# `floor` is Spark's reader with every float read once from its batches: the least any reduction
# of the logits on Spark's reader costs, so xent's Spark path splits into that and its own work.
# `duckdb-scan` and `duckdb-loss` are DuckDB's bare scan and the loss in DuckDB SQL, on as many
# threads as Spark has cores; DuckDB's JDBC jar is fetched into job/target/bench-lib and put on
# the classpath of the JVMs that run them only (it is no dependency of xent's jar).
#
#   scripts/bench.sh                      the full suite: 1M × 100, 10M × 100 and 1000 × 131,072
#                                         float32 rows, then 10M-vs-1M scaling
#   scripts/bench.sh --rows N --classes C one data set only
#   scripts/bench.sh --scaling "1000000 10000000 30000000"
#                                         cost against rows (issue 15's goal 4): the --methods
#                                         (default scan xent-page duckdb-scan) on every data set,
#                                         interleaved in ONE JVM, as seconds per million rows
#   scripts/bench.sh --soft --rows N       soft labels (`generate --soft-labels`): dense softmax and
#                                         sigmoid (the same probability rows as targets) on both
#                                         readers, ratios to scan-soft (both list columns scanned)
#   options: --methods "scan floor hof udf mllib xent-sql xent-spark xent-page xent-audit
#                       xent-page-nocrc xent-per-row xent-per-row-spark duckdb-scan duckdb-loss"
#            --warm PASSES
#            --data DIR
#            --java-opts "..."  (added to every JVM, e.g. "-XX:UseAVX=2" to run as on an
#                         AVX2-only machine; DuckDB, native code, still uses what the CPU has)
#            --interleave "scan floor xent-spark xent-page xent-audit duckdb-scan"
#                         (also alternated in one JVM; "" for none)
# Data is generated once with `xent generate` and cached in --data (default job/target/bench).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rows=""
classes=100
methods="scan floor hof udf mllib xent-sql xent-spark xent-page xent-audit duckdb-scan duckdb-loss"
warm=3
interleave="scan floor xent-spark xent-page xent-audit duckdb-scan"
duckdb_version=2.0.0.1
data_dir="$root/job/target/bench"
java_opts=""
soft=""
scaling=""
methods_given=""
interleave_given=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rows) rows="$2"; shift 2 ;;
    --classes) classes="$2"; shift 2 ;;
    --methods) methods="$2"; methods_given=1; shift 2 ;;
    --soft) soft=1; shift ;;
    --scaling) scaling="$2"; shift 2 ;;
    --warm) warm="$2"; shift 2 ;;
    --interleave) interleave="$2"; interleave_given=1; shift 2 ;;
    --data) data_dir="$2"; shift 2 ;;
    --java-opts) java_opts="$2"; shift 2 ;;
    *) echo "bench.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done

if [[ -n "$soft" ]]; then
  [[ -n "$methods_given" ]] ||
    methods="scan-soft xent-soft-spark xent-soft-page xent-sigmoid-spark xent-sigmoid-page"
  [[ -n "$interleave_given" ]] ||
    interleave="scan-soft xent-soft-spark xent-soft-page xent-sigmoid-spark xent-sigmoid-page"
fi

[[ -f "$root/job/target/xent-job.jar" ]] || (cd "$root" && mvn -B -q -DskipTests package >&2)
jar="$root/job/target/xent-job.jar"
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)${java_opts:+, java $java_opts}"
results_dir="$data_dir/results"
mkdir -p "$results_dir"
spark_classpath="$jar:$(cat "$root/job/target/spark-classpath.txt")"
duckdb_jar="$root/job/target/bench-lib/duckdb_jdbc-$duckdb_version.jar"
if [[ " $methods $interleave " == *" duckdb-"* && ! -f "$duckdb_jar" ]]; then
  # -N: the root project only, or the reactor would copy it once per module.
  (cd "$root" && mvn -B -q -N dependency:copy -Dartifact="org.duckdb:duckdb_jdbc:$duckdb_version" \
    -DoutputDirectory="$root/job/target/bench-lib") >&2
fi

# The classpath of a JVM running the given methods: DuckDB's jar only where a DuckDB method runs.
classpath() {
  if [[ " $* " == *" duckdb-"* ]]; then
    echo "$spark_classpath:$duckdb_jar"
  else
    echo "$spark_classpath"
  fi
}

# Generates ROWS × CLASSES float32 rows once, in files of about 120 MB (Spark's split size);
# wide rows (≥ 50,000 classes) go into ONE file, the case that exhausts Spark's memory.
dataset() {
  local n="$1" c="$2" data="$data_dir/rows-$1-classes-$2${soft:+-soft}"
  if [[ ! -f "$data/_SUCCESS" ]]; then
    # Soft rows hold 12 bytes a class (float logit, double probability), not 4.
    local partitions=$(( n * c * (${soft:+8+}4) / 120000000 ))
    (( partitions >= 1 && c < 50000 )) || partitions=1
    "$root/scripts/xent" generate --output "$data" --rows "$n" --classes "$c" \
      --partitions "$partitions" ${soft:+--soft-labels} --overwrite >&2
  fi
  echo "$data"
}

# Reads a data set's files once, so that they are in the OS page cache (when they fit).
cache_files() {
  find "$1" -type f -name '*.parquet' -exec cat {} + > /dev/null
}

# Runs every method on one data set; prints the table and leaves the JSON lines in results/.
measure() {
  local n="$1" c="$2" data lines="$results_dir/rows-$1-classes-$2${soft:+-soft}.jsonl"
  data="$(dataset "$n" "$c")"
  : > "$lines"
  for method in $methods; do
    # Every fresh JVM starts with the files in the OS page cache: otherwise whichever method ran
    # first after they were evicted (the scan, first in the list) paid the disk read for all.
    cache_files "$data"
    # shellcheck disable=SC2046
    java $(cat "$root/job/target/classes/xent-jvm-options.txt") -Xmx6g $java_opts \
      -Dlog4j2.configurationFile="$root/conf/log4j2-cli.properties" \
      -cp "$(classpath "$method")" \
      dev.xent.job.bench.EndToEndBench "$method" "$data" "$warm" | tail -1 | tee -a "$lines" >&2
  done
  python3 "$root/scripts/bench_table.py" "$n" "$c" "$machine" < "$lines"
  echo
  # The same warm passes alternating in one JVM: a machine whose speed drifts between the fresh
  # JVMs above slows every method alike here.
  if [[ -n "$interleave" ]]; then
    local mixed="$results_dir/rows-$n-classes-$c${soft:+-soft}.interleaved.jsonl"
    cache_files "$data"
    # shellcheck disable=SC2046
    java $(cat "$root/job/target/classes/xent-jvm-options.txt") -Xmx6g $java_opts \
      -Dlog4j2.configurationFile="$root/conf/log4j2-cli.properties" \
      -cp "$(classpath "$interleave")" \
      dev.xent.job.bench.EndToEndBench "${interleave// /,}" "$data" "$(( warm + 2 ))" \
      | grep '^{' | tee "$mixed" >&2
    echo "Warm passes interleaved in one JVM ($(( warm + 2 )) rounds):"
    echo
    python3 "$root/scripts/bench_table.py" "$n" "$c" "$machine" < "$mixed"
    echo
  fi
}

if [[ -n "$scaling" ]]; then
  [[ -n "$methods_given" ]] || methods="scan xent-page duckdb-scan"
  paths=""
  for n in $scaling; do
    paths="${paths:+$paths,}$(dataset "$n" "$classes")"
  done
  lines="$results_dir/scaling-classes-$classes.interleaved.jsonl"
  for path in ${paths//,/ }; do
    cache_files "$path"
  done
  # shellcheck disable=SC2046
  java $(cat "$root/job/target/classes/xent-jvm-options.txt") -Xmx6g $java_opts \
    -Dlog4j2.configurationFile="$root/conf/log4j2-cli.properties" \
    -cp "$(classpath "$methods")" \
    dev.xent.job.bench.EndToEndBench "${methods// /,}" "$paths" "$(( warm + 2 ))" \
    | grep '^{' | tee "$lines" >&2
  python3 "$root/scripts/bench_table.py" --scaling-interleaved "$classes" "$machine" < "$lines"
  exit
fi
if [[ -n "$rows" ]]; then
  measure "$rows" "$classes"
  exit
fi
status=0
measure 1000000 100 || status=1
measure 10000000 100 || status=1
measure 1000 131072 || status=1
python3 "$root/scripts/bench_table.py" --scaling \
  "$results_dir/rows-1000000-classes-100.jsonl" "$results_dir/rows-10000000-classes-100.jsonl"
exit "$status"
