#!/usr/bin/env bash
# npm run test:cluster — the sweep's Slurm target tested for real (issue #20): installs Debian's
# slurm-wlm and munge when missing, starts a one-node cluster on this machine (munged, slurmctld,
# slurmd, all configured under a temporary folder and listening on loopback), exports a 4-trial
# sweep with a tiny step budget, submits it with sbatch, waits for the array, collects the results,
# checks there are 4 run records, and stops the daemons whatever happens. Needs root (apt-get and
# the daemons). Ends with one "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
started=$(date +%s)

log() { printf '[test-cluster %3ss] %s\n' "$(($(date +%s) - started))" "$*"; }
fail() {
  log "FAILED: $*"
  echo "0 passed, 1 failed"
  exit 1
}

[ "$(id -u)" -eq 0 ] || fail "run as root: the test installs packages and starts the Slurm daemons"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  log "installing slurm-wlm and munge (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq slurm-wlm munge >/dev/null || fail "apt-get install slurm-wlm munge"
fi

work="$(mktemp -d /tmp/ppo-slurm-XXXXXX)"
chmod 755 "$work"
host="$(hostname -s)"
export SLURM_CONF="$work/slurm.conf"
pids=()

stop_daemons() {
  # Only the daemons this script started, by the pids they wrote.
  for pidfile in "$work/slurmd.pid" "$work/slurmctld.pid" "$work/munged.pid"; do
    if [ -s "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
  done
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 1
  log "daemons stopped; logs and results kept in $work"
}
trap stop_daemons EXIT

# --- munge: its own key, socket and pid file, so no munged already running is touched.
mkdir -p "$work/munge"
chmod 700 "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
socket="$work/munge/munge.socket"
munged --force --key-file="$work/munge/munge.key" --socket="$socket" --pid-file="$work/munged.pid" \
  --log-file="$work/munged.log" --seed-file="$work/munge/munge.seed" || fail "munged did not start (see $work/munged.log)"
log "munged started"

# --- slurm: one node, this host, two CPUs, nothing but the plugins a one-node test needs.
cpus=$(($(nproc) < 2 ? $(nproc) : 2))
mkdir -p "$work/state" "$work/spool"
cat >"$SLURM_CONF" <<EOF
ClusterName=ppolab
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$work/jobcomp.txt
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=2048 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -c || fail "slurmctld did not start (see $work/slurmctld.log)"
slurmd || fail "slurmd did not start (see $work/slurmd.log)"
log "slurmctld and slurmd started ($host, $cpus CPUs)"

for _ in $(seq 1 30); do
  state="$(sinfo -h -n "$host" -o %T 2>/dev/null || true)"
  [ "$state" = "idle" ] && break
  sleep 1
done
[ "$state" = "idle" ] || fail "the node is \"$state\", not idle, after 30 s (see $work/slurmd.log)"
log "node $host is idle"

# --- the sweep: 4 trials of a tiny network for 128 steps each, on generated data.
npm run --silent cli -- generate-sample --out "$work/data.csv" --bars 800 >/dev/null
cat >"$work/sweep.json" <<'EOF'
{
  "data": "data.csv",
  "base": {
    "env": { "numEnvs": 2, "lookback": 10, "episodeLength": 50 },
    "ppo": { "numSteps": 32, "minibatchSize": 32, "epochs": 1 },
    "network": { "hidden": [16] },
    "eval": { "everyUpdates": 1, "minTrades": 0 }
  },
  "steps": 128,
  "method": "grid",
  "trials": 4,
  "seed": 1,
  "parameters": { "ppo.learningRate": { "values": [0.0003, 0.001] }, "ppo.entropyCoef": { "values": [0, 0.01] } }
}
EOF
npm run --silent cli -- sweep export --spec "$work/sweep.json" --to slurm --out "$work/export" \
  --cpus 1 --memory 512M --time 00:10:00 --results "$work/results" --workdir "$repo" || fail "sweep export"
job="$(sbatch --parsable "$work/export/sweep.sbatch")" || fail "sbatch refused the script"
log "submitted job array $job ($(grep -- '--array' "$work/export/sweep.sbatch"))"

deadline=$(($(date +%s) + 600))
while [ -n "$(squeue -h -j "$job" 2>/dev/null)" ]; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "the array was still queued or running after 600 s: $(squeue -h -j "$job")"
  sleep 2
done
log "array $job finished; task states from the job completion log:"
sed -E 's/^JobId=([0-9]+) .*JobState=([A-Z_]+) .*StartTime=([^ ]+) EndTime=([^ ]+) .*ArrayJobId=([0-9]+) ArrayTaskId=([0-9]+) .*ExitCode=([0-9:]+) *$/  task \5_\6 (job \1): \2, exit \7, \3 → \4/' "$work/jobcomp.txt" | sort
completed="$(grep -c 'JobState=COMPLETED' "$work/jobcomp.txt" || true)"
[ "$completed" -eq 4 ] || fail "$completed of 4 array tasks completed (logs: $work/results/slurm-*.out)"

npm run --silent cli -- sweep collect "$work/results" --spec "$work/export/sweep.json" --out "$work/runs.jsonl" || fail "sweep collect"
records="$(node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const ok = lines.filter((r) => r.format === "ppo-trading-lab/run" && r.source === "sweep" && r.error === null && r.timesteps === 128);
  console.log(ok.map((r) => r.sweep.trial).join(","));
' "$work/runs.jsonl")"
[ "$records" = "0,1,2,3" ] || fail "expected run records of trials 0,1,2,3 with 128 timesteps, got \"$records\""
log "collected 4 run records (trials $records) in $work/runs.jsonl"
log "done in $(($(date +%s) - started)) s"
echo "1 passed, 0 failed"
