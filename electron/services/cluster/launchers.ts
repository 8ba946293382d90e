/** What the launchers are written from: the job's world and its run id. */
export interface LauncherSettings {
  runId: string;
  nodes: number;
  gpusPerNode: number;
  /** Seconds a node waits for the master (and torchrun's rendezvous for the others): the config's distributed_timeout_s. */
  timeoutS: number;
}

/** Environment every launcher sets: the trainer on the path, no network for Hugging Face libraries, unbuffered events. */
const COMMON_ENV = `export PYTHONPATH="$JOB_DIR/trainer\${PYTHONPATH:+:$PYTHONPATH}"
export AIRLOCK_SCHEMA_DIR="$JOB_DIR/schemas/json"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
export HF_HOME="\${HF_HOME:-$JOB_DIR/cache/huggingface}"
export PYTHONUNBUFFERED=1 PYTHONIOENCODING=utf-8`;

/**
 * launch_torchrun.sh: run once on every node with NNODES, NODE_RANK, MASTER_ADDR and MASTER_PORT set. It checks
 * the node (the job's files, the master's address), then starts torchrun, which starts the trainer's processes.
 */
export function torchrunLauncher(settings: LauncherSettings): string {
  return `#!/usr/bin/env bash
# Airlock cluster job ${settings.runId}: ${settings.nodes} node(s) x ${settings.gpusPerNode} process(es).
# Run on every node:  NNODES=${settings.nodes} NODE_RANK=<0..${settings.nodes - 1}> MASTER_ADDR=<node 0's address> MASTER_PORT=29500 bash launch_torchrun.sh
# Optional: AIRLOCK_PYTHON (default python3), AIRLOCK_CONNECT_TIMEOUT_S (default ${settings.timeoutS}),
#           AIRLOCK_NPROC_PER_NODE (default ${settings.gpusPerNode}). See README.md.
set -euo pipefail

JOB_DIR="$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)"
RUN_ID='${settings.runId}'
GPUS_PER_NODE=${settings.gpusPerNode}

missing=()
for name in NNODES NODE_RANK MASTER_ADDR MASTER_PORT; do
  if [ -z "\${!name:-}" ]; then missing+=("$name"); fi
done
if [ \${#missing[@]} -gt 0 ]; then
  echo "launch_torchrun.sh: \${missing[*]} not set. Run it on every node as:" >&2
  echo "  NNODES=${settings.nodes} NODE_RANK=<0..${settings.nodes - 1}> MASTER_ADDR=<node 0's address> MASTER_PORT=29500 bash $0" >&2
  exit 2
fi

# The world is the exported job's: a wrong NNODES or NODE_RANK would only show after a timeout, or deep in training.
if [ "$NNODES" != ${settings.nodes} ] || ! [[ "$NODE_RANK" =~ ^[0-9]+$ ]] || [ "$NODE_RANK" -ge ${settings.nodes} ]; then
  echo "launch_torchrun.sh: this job was exported for ${settings.nodes} node${settings.nodes === 1 ? '' : 's'}: set NNODES=${settings.nodes} and NODE_RANK 0..${settings.nodes - 1} (got NNODES=$NNODES NODE_RANK=$NODE_RANK)." >&2
  echo "  Another number of nodes needs a new export: airlock cluster export ... --nodes N." >&2
  exit 2
fi
NODE_RANK=$((10#$NODE_RANK))
if ! [[ "$MASTER_PORT" =~ ^[0-9]+$ ]] || [ "$MASTER_PORT" -lt 1 ] || [ "$MASTER_PORT" -gt 65535 ]; then
  echo "launch_torchrun.sh: MASTER_PORT must be a TCP port number (1-65535), not '$MASTER_PORT'; for example MASTER_PORT=29500." >&2
  exit 2
fi

PYTHON="\${AIRLOCK_PYTHON:-python3}"
CONNECT_TIMEOUT_S="\${AIRLOCK_CONNECT_TIMEOUT_S:-${settings.timeoutS}}"
# One process per GPU; a node without GPUs runs as many processes on the CPU (the trainer picks gloo there).
NPROC="\${AIRLOCK_NPROC_PER_NODE:-$GPUS_PER_NODE}"
if command -v nvidia-smi >/dev/null 2>&1; then
  visible=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU' || true)
  if [ "$visible" -gt 0 ] && [ "$visible" -lt "$NPROC" ]; then
    echo "launch_torchrun.sh: $NPROC processes per node but only $visible GPU(s) visible here." >&2
  fi
fi

${COMMON_ENV}

OUT="$JOB_DIR/out"
mkdir -p "$OUT/logs"
LOG="$OUT/logs/node-$NODE_RANK.log"
if [ "$NODE_RANK" = 0 ]; then
  STDOUT="$OUT/events.jsonl"   # rank 0's events: what \`airlock runs import\` reads
  cp "$JOB_DIR/config.yaml" "$JOB_DIR/job.json" "$OUT/"
else
  STDOUT="$OUT/logs/node-$NODE_RANK.stdout"
fi
cd "$JOB_DIR"   # the config names data/ and model relative to the job folder

STARTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
EXIT_CODE=1
RECORDED=0
record_attempt() {
  [ "$RECORDED" = 1 ] && return 0
  RECORDED=1
  printf '{"node_rank":%d,"host":"%s","started_at":"%s","ended_at":"%s","exit_code":%d,"nnodes":%d,"nproc_per_node":%d}\\n' \\
    "$NODE_RANK" "$(hostname)" "$STARTED_AT" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$EXIT_CODE" "$NNODES" "$NPROC" >>"$OUT/attempts.jsonl"
}
trap 'record_attempt' EXIT

# Where the nodes share out/, the others' last lines must be in before node 0 seals it: each node's attempt
# line is the last thing it writes. A node that died without one is waited for AIRLOCK_SEAL_WAIT_S (30) s at most.
wait_for_other_nodes() {
  local rank mine theirs deadline=$((SECONDS + \${AIRLOCK_SEAL_WAIT_S:-30}))
  mine=$(grep -c '"node_rank":0,' "$OUT/attempts.jsonl" || true)
  for rank in $(seq 1 $((NNODES - 1))); do
    [ -f "$OUT/logs/node-$rank.log" ] || continue   # that node's out/ is its own
    while theirs=$(grep -c '"node_rank":'"$rank"',' "$OUT/attempts.jsonl" || true); [ "$theirs" -lt "$mine" ] && [ "$SECONDS" -lt "$deadline" ]; do
      sleep 0.5
    done
  done
}

# The node's terminal says why it stopped: the last error event this attempt wrote (from byte $2 of file $1), in words.
explain_failure() {
  "$PYTHON" - "$1" "$2" "$NODE_RANK" "$3" "$LOG" <<'PY' >&2 || true
import json, sys
path, offset, rank, code, log = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
last = None
try:
    with open(path, "rb") as handle:
        handle.seek(offset)
        for line in handle:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and event.get("type") == "error":
                last = event
except OSError:
    pass
if last is None:
    print(f"launch_torchrun.sh: node {rank} stopped (exit code {code}); see {log}.")
else:
    print(f"launch_torchrun.sh: node {rank} stopped: {last.get('code')}: {last.get('message')}")
    if last.get("hint"):
        print(f"  What to do: {last['hint']}")
    print(f"  Details: {log}")
PY
}

# The node check: the job's files match MANIFEST.sha256, and the master is usable (node 0 listens, the others reach it).
if [ "$NODE_RANK" = 0 ]; then
  if [ "$NNODES" -gt 1 ]; then
    echo "launch_torchrun.sh: node 0: waiting up to $CONNECT_TIMEOUT_S s for node(s) 1..$((NNODES - 1)) on $MASTER_ADDR:$MASTER_PORT" >&2
  fi
else
  echo "launch_torchrun.sh: node $NODE_RANK: connecting to the master $MASTER_ADDR:$MASTER_PORT (up to $CONNECT_TIMEOUT_S s)" >&2
fi
CHECK_FROM=$(stat -c %s "$STDOUT" 2>/dev/null || echo 0)
set +e
CHECK=$("$PYTHON" -m airlock_trainer cluster-check --job "$JOB_DIR" --node-rank "$NODE_RANK" --nnodes "$NNODES" \\
  --master-addr "$MASTER_ADDR" --master-port "$MASTER_PORT" --timeout "$CONNECT_TIMEOUT_S" 2>>"$LOG")
EXIT_CODE=$?
set -e
if [ "$EXIT_CODE" -ne 0 ]; then
  [ -n "$CHECK" ] && printf '%s\\n' "$CHECK" >>"$STDOUT"
  explain_failure "$STDOUT" "$CHECK_FROM" "$EXIT_CODE"
  record_attempt
  # A refused start is a failed attempt like any other: node 0 seals out/ so that it can be imported.
  if [ "$NODE_RANK" = 0 ]; then
    wait_for_other_nodes
    "$PYTHON" -m airlock_trainer cluster-seal --out "$OUT" || true
  fi
  exit "$EXIT_CODE"
fi

RESUME=()
if [ -f "$OUT/checkpoints/last.ckpt" ]; then RESUME=(--resume); fi

TRAIN_FROM=$(stat -c %s "$STDOUT" 2>/dev/null || echo 0)
set +e
"$PYTHON" -m torch.distributed.run --nnodes "$NNODES" --node-rank "$NODE_RANK" --nproc-per-node "$NPROC" \\
  --master-addr "$MASTER_ADDR" --master-port "$MASTER_PORT" --rdzv-conf "timeout=$CONNECT_TIMEOUT_S" \\
  -m airlock_trainer train --config "$JOB_DIR/config.yaml" --run-dir "$OUT" --run-id "$RUN_ID" \${RESUME[@]+"\${RESUME[@]}"} \\
  >>"$STDOUT" 2>>"$LOG"
EXIT_CODE=$?
set -e
if [ "$EXIT_CODE" -ne 0 ]; then explain_failure "$STDOUT" "$TRAIN_FROM" "$EXIT_CODE"; fi
record_attempt

if [ "$NODE_RANK" = 0 ]; then
  wait_for_other_nodes
  # Its log goes to the terminal: a line appended to out/ while it hashes out/ would break the seal.
  "$PYTHON" -m airlock_trainer cluster-seal --out "$OUT" || echo "launch_torchrun.sh: could not write $OUT/MANIFEST.sha256" >&2
fi
exit "$EXIT_CODE"
`;
}

/**
 * job.sbatch: one SLURM job of N nodes × G tasks. srun starts every task; Lightning's SLURM environment gives the
 * ranks. A pre-emption warning (USR1, 120 s ahead) requeues the job, which resumes from out/checkpoints/last.ckpt.
 */
export function slurmBatch(settings: LauncherSettings): string {
  return `#!/usr/bin/env bash
# Airlock cluster job ${settings.runId}: submit from the job folder with  sbatch job.sbatch  (see README.md).
#SBATCH --job-name=airlock-${settings.runId}
#SBATCH --nodes=${settings.nodes}
#SBATCH --ntasks-per-node=${settings.gpusPerNode}
#SBATCH --gpus-per-node=${settings.gpusPerNode}
#SBATCH --requeue
#SBATCH --signal=B:USR1@120
#SBATCH --open-mode=append
set -euo pipefail

JOB_DIR="\${AIRLOCK_JOB_DIR:-\${SLURM_SUBMIT_DIR:-$(pwd)}}"
if [ ! -f "$JOB_DIR/job.json" ]; then
  echo "job.sbatch: $JOB_DIR is not the job folder. Submit from it (cd <job> && sbatch job.sbatch) or set AIRLOCK_JOB_DIR." >&2
  exit 2
fi
RUN_ID='${settings.runId}'
PYTHON="\${AIRLOCK_PYTHON:-python3}"
CONNECT_TIMEOUT_S="\${AIRLOCK_CONNECT_TIMEOUT_S:-${settings.timeoutS}}"

${COMMON_ENV}
export MASTER_ADDR="\${MASTER_ADDR:-$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)}"
export MASTER_PORT="\${MASTER_PORT:-$((20000 + SLURM_JOB_ID % 10000))}"

OUT="$JOB_DIR/out"
mkdir -p "$OUT/logs"
cp "$JOB_DIR/config.yaml" "$JOB_DIR/job.json" "$OUT/"
cd "$JOB_DIR"

# Pre-emption: SLURM sends USR1 to this script 120 s before it stops the job; put the job back in the queue.
# Its tasks are then stopped (the trainer saves a checkpoint on SIGTERM) and the requeued job resumes.
requeue() {
  echo "job.sbatch: pre-emption signal: requeueing job $SLURM_JOB_ID" >&2
  scontrol requeue "$SLURM_JOB_ID"
}
trap requeue USR1

STARTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
record_attempts() {
  local ended_at
  ended_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  for rank in $(seq 0 $((SLURM_JOB_NUM_NODES - 1))); do
    printf '{"node_rank":%d,"host":"%s","started_at":"%s","ended_at":"%s","exit_code":%d,"nnodes":%d,"nproc_per_node":%d}\\n' \\
      "$rank" "$(scontrol show hostnames "$SLURM_JOB_NODELIST" | sed -n "$((rank + 1))p")" "$STARTED_AT" "$ended_at" "$1" \\
      "$SLURM_JOB_NUM_NODES" "$SLURM_NTASKS_PER_NODE" >>"$OUT/attempts.jsonl"
  done
}

# Wait for a step in the background, so that the USR1 trap runs while it works.
run_step() {
  "$@" &
  local pid=$!
  local code=0
  while true; do
    wait "$pid" && code=0 || code=$?
    if kill -0 "$pid" 2>/dev/null; then continue; fi   # wait was interrupted by the trap
    return "$code"
  done
}

# The node check on every node (one task each): the job's files, and the master's address.
set +e
run_step srun --nodes="$SLURM_JOB_NUM_NODES" --ntasks-per-node=1 --kill-on-bad-exit=1 --open-mode=append \\
  --output="$OUT/logs/check-node-%n.stdout" --error="$OUT/logs/node-%n.log" \\
  bash -c '"$0" -m airlock_trainer cluster-check --job "$1" --node-rank "$SLURM_NODEID" --nnodes "$SLURM_JOB_NUM_NODES" --master-addr "$MASTER_ADDR" --master-port "$MASTER_PORT" --timeout "$2"' \\
  "$PYTHON" "$JOB_DIR" "$CONNECT_TIMEOUT_S"
EXIT_CODE=$?
set -e
if [ "$EXIT_CODE" -ne 0 ]; then
  cat "$OUT"/logs/check-node-*.stdout >>"$OUT/events.jsonl" 2>/dev/null || true
  echo "job.sbatch: a node failed its check; see $OUT/logs/check-node-*.stdout and node-*.log" >&2
  record_attempts "$EXIT_CODE"
  "$PYTHON" -m airlock_trainer cluster-seal --out "$OUT" || true
  exit "$EXIT_CODE"
fi
rm -f "$OUT"/logs/check-node-*.stdout

RESUME=()
if [ -f "$OUT/checkpoints/last.ckpt" ]; then RESUME=(--resume); fi

set +e
run_step srun --kill-on-bad-exit=1 --open-mode=append --output="$OUT/events.jsonl" --error="$OUT/logs/node-%n.log" \\
  "$PYTHON" -m airlock_trainer train --config "$JOB_DIR/config.yaml" --run-dir "$OUT" --run-id "$RUN_ID" \${RESUME[@]+"\${RESUME[@]}"}
EXIT_CODE=$?
set -e
record_attempts "$EXIT_CODE"
"$PYTHON" -m airlock_trainer cluster-seal --out "$OUT" || echo "job.sbatch: could not write $OUT/MANIFEST.sha256" >&2
exit "$EXIT_CODE"
`;
}
