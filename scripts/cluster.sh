#!/usr/bin/env bash
# A real Spark standalone cluster on this machine, from the Spark jars Maven resolved for xent:
# one Master and N Workers bound to 127.0.0.1, with pid and log files under a run directory.
#
#   scripts/cluster.sh start  [--workers N] [--worker-cores C] [--worker-memory M] [--run-dir DIR]
#   scripts/cluster.sh status [--run-dir DIR]     # master URL and workers, or "not running"
#   scripts/cluster.sh stop   [--run-dir DIR]     # ends only the processes it started (by pid)
#   scripts/cluster.sh url    [--run-dir DIR]     # the master URL alone
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
action="${1:-}"
[[ -n "$action" ]] && shift
run_dir="${XENT_CLUSTER_DIR:-$root/job/target/cluster}"
workers=2
worker_cores=1
worker_memory=2g
start_timeout=90

while [[ $# -gt 0 ]]; do
  case "$1" in
    --workers) workers="$2"; shift 2 ;;
    --worker-cores) worker_cores="$2"; shift 2 ;;
    --worker-memory) worker_memory="$2"; shift 2 ;;
    --run-dir) run_dir="$2"; shift 2 ;;
    *) echo "cluster.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done

alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

master_url() { grep -m1 -o 'spark://127\.0\.0\.1:[0-9]*' "$run_dir/master.log" 2>/dev/null || true; }

registered_workers() {
  grep -c 'Registering worker' "$run_dir/master.log" 2>/dev/null || true
}

# A Spark home whose jars/ are the provided Spark dependencies: Workers launch executors from it.
spark_home() {
  local home="$run_dir/spark-home"
  local classpath_file="$root/job/target/spark-classpath.txt"
  if [[ ! -f "$classpath_file" ]]; then
    (cd "$root" && mvn -B -q -DskipTests -Dspotless.check.skip=true install) >&2
  fi
  rm -rf "$home" && mkdir -p "$home/jars" "$home/conf"
  # The file has no final newline: read returns false on its last entry, which still counts.
  tr ':' '\n' < "$classpath_file" | while read -r jar || [[ -n "$jar" ]]; do
    [[ -n "$jar" ]] && ln -sf "$jar" "$home/jars/"
  done
  echo "$home"
}

java_options() {
  cat "$root/job/target/classes/xent-jvm-options.txt"
}

start() {
  if alive "$run_dir/master.pid"; then
    echo "cluster.sh: already running at $(master_url) (run dir $run_dir)" >&2
    exit 1
  fi
  mkdir -p "$run_dir"
  rm -f "$run_dir"/*.pid "$run_dir"/*.log
  local home
  home="$(spark_home)"
  export SPARK_HOME="$home" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1
  # shellcheck disable=SC2046
  nohup java $(java_options) -Xmx512m -cp "$home/jars/*" org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port 0 --webui-port 0 > "$run_dir/master.log" 2>&1 &
  echo $! > "$run_dir/master.pid"
  local waited=0
  until [[ -n "$(master_url)" ]]; do
    alive "$run_dir/master.pid" || { echo "cluster.sh: master died, see $run_dir/master.log" >&2; exit 1; }
    (( waited++ >= start_timeout )) && { echo "cluster.sh: master did not start" >&2; stop; exit 1; }
    sleep 1
  done
  local url
  url="$(master_url)"
  for ((i = 1; i <= workers; i++)); do
    mkdir -p "$run_dir/work-$i"
    # shellcheck disable=SC2046
    nohup java $(java_options) -Xmx512m -cp "$home/jars/*" org.apache.spark.deploy.worker.Worker \
      --host 127.0.0.1 --port 0 --webui-port 0 --cores "$worker_cores" --memory "$worker_memory" \
      --work-dir "$run_dir/work-$i" "$url" > "$run_dir/worker-$i.log" 2>&1 &
    echo $! > "$run_dir/worker-$i.pid"
  done
  waited=0
  until [[ "$(registered_workers)" -ge "$workers" ]]; do
    (( waited++ >= start_timeout )) && { echo "cluster.sh: workers did not register" >&2; stop; exit 1; }
    sleep 1
  done
  echo "$url"
}

status() {
  if ! alive "$run_dir/master.pid"; then
    echo "not running"
    return 0
  fi
  echo "master $(master_url) pid $(cat "$run_dir/master.pid")"
  for pid_file in "$run_dir"/worker-*.pid; do
    [[ -f "$pid_file" ]] || continue
    local name
    name="$(basename "$pid_file" .pid)"
    if alive "$pid_file"; then
      echo "$name pid $(cat "$pid_file") $(grep -m1 -o 'Successfully registered with master.*' \
        "$run_dir/$name.log" || true)"
    else
      echo "$name not running"
    fi
  done
}

stop() {
  local pid_file
  for pid_file in "$run_dir"/worker-*.pid "$run_dir/master.pid"; do
    [[ -f "$pid_file" ]] || continue
    if alive "$pid_file"; then
      kill "$(cat "$pid_file")" 2>/dev/null || true
    fi
  done
  for pid_file in "$run_dir"/worker-*.pid "$run_dir/master.pid"; do
    [[ -f "$pid_file" ]] || continue
    local waited=0
    while alive "$pid_file" && (( waited++ < 30 )); do sleep 1; done
    alive "$pid_file" && kill -9 "$(cat "$pid_file")" 2>/dev/null || true
    rm -f "$pid_file"
  done
  echo "stopped"
}

case "$action" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  url) alive "$run_dir/master.pid" && master_url || { echo "not running" >&2; exit 1; } ;;
  *) echo "usage: scripts/cluster.sh start|stop|status|url [--workers N] [--run-dir DIR]" >&2; exit 2 ;;
esac
