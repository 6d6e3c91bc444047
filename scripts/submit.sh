#!/usr/bin/env bash
# Runs xent through SparkSubmit in client deploy mode, exactly as a user's spark-submit would:
# the shaded job/target/xent-job.jar is shipped to the executors.
#
#   scripts/submit.sh [--master URL] [--run-dir DIR] [--conf k=v]... (evaluate|generate|sql) ...
# Without --master it uses the cluster started by scripts/cluster.sh.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$root/job/target/xent-job.jar"
classpath_file="$root/job/target/spark-classpath.txt"
run_dir="${XENT_CLUSTER_DIR:-$root/job/target/cluster}"
master=""
submit_options=()

while [[ $# -gt 0 ]]; do
  case "$1" in
    --master) master="$2"; shift 2 ;;
    --run-dir) run_dir="$2"; shift 2 ;;
    --conf) submit_options+=(--conf "$2"); shift 2 ;;
    *) break ;;
  esac
done

if [[ ! -f "$jar" || ! -f "$classpath_file" ]]; then
  (cd "$root" && mvn -B -q -DskipTests -Dspotless.check.skip=true install) >&2
fi
if [[ -z "$master" ]]; then
  master="$("$root/scripts/cluster.sh" url --run-dir "$run_dir")" || {
    echo "submit.sh: no --master and no cluster running (scripts/cluster.sh start)" >&2
    exit 2
  }
fi

export SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
# shellcheck disable=SC2046
exec java $(cat "$root/job/target/classes/xent-jvm-options.txt") \
  -Dlog4j2.configurationFile="$root/conf/log4j2-cli.properties" \
  -cp "$(cat "$classpath_file")" org.apache.spark.deploy.SparkSubmit \
  --master "$master" --deploy-mode client --conf spark.driver.host=127.0.0.1 \
  "${submit_options[@]}" --class dev.xent.job.cli.XentCli "$jar" "$@"
