import type { LauncherSettings } from './launchers.ts';

/** What the README tells the operator about this particular job. */
export interface ReadmeFacts extends LauncherSettings {
  configSha256: string;
  dataset: string | null;
  model: string;
  sharedPath: string | null;
  /** With a shared path: each file the cluster must hold there, and where it is on the workstation. */
  sharedFiles: { target: string; source: string }[];
}

/** The commands an operator runs for this job, as the CLI prints them too. */
export function jobCommands(folder: string, settings: Pick<LauncherSettings, 'nodes'>): { torchrun: string; slurm: string } {
  return {
    torchrun: `NNODES=${settings.nodes} NODE_RANK=<0..${settings.nodes - 1}> MASTER_ADDR=<node 0's address> MASTER_PORT=29500 bash ${folder}/launch_torchrun.sh`,
    slurm: `cd ${folder} && sbatch job.sbatch`,
  };
}

function sharedSection(facts: ReadmeFacts): string[] {
  if (!facts.sharedPath) return [];
  return [
    '## Data and model on the shared file system',
    '',
    `This job does not carry its data and model: its config reads them under \`${facts.sharedPath}\`, and every node's check`,
    'verifies them against the hashes in MANIFEST.sha256 before training. Copy them there from the workstation first:',
    '',
    '```',
    ...facts.sharedFiles.map((file) => `${file.source}  ->  ${file.target}`),
    '```',
    '',
  ];
}

/** README.md of a job folder: for the cluster's operator, who may never have seen Airlock. */
export function jobReadme(facts: ReadmeFacts): string {
  const commands = jobCommands('<job>', facts);
  return [
    `# Airlock cluster job ${facts.runId}`,
    '',
    `Fine-tunes ${facts.model}${facts.dataset ? ` on ${facts.dataset}` : ''} on ${facts.nodes} node(s) × ${facts.gpusPerNode} GPU(s)`,
    `(${facts.nodes * facts.gpusPerNode} processes). Config: \`config.yaml\` (SHA-256 ${facts.configSha256}).`,
    'Every file of this folder is listed with its SHA-256 in `MANIFEST.sha256` (`sha256sum -c MANIFEST.sha256` checks them);',
    'each node checks them again before it trains, so copy the folder whole and do not edit it.',
    '',
    '## What each node needs',
    '',
    '- This folder, at any path (the same path on every node is simplest; a shared file system is best, see Resuming).',
    '- Python 3 with the packages in `trainer/requirements.txt` (or `trainer/requirements-cuda.txt`); point',
    '  `AIRLOCK_PYTHON` at its interpreter. The trainer itself is in `trainer/` and needs no install.',
    '- No internet: the model is local and the Hugging Face libraries are kept offline.',
    '',
    ...sharedSection(facts),
    '## With torchrun (any machines that can reach each other)',
    '',
    'On every node, with its own NODE_RANK (0 on the master node):',
    '',
    '```',
    commands.torchrun,
    '```',
    '',
    '- `NNODES`, `NODE_RANK`, `MASTER_ADDR` (an address of node 0 the others can reach), `MASTER_PORT` (a free TCP port',
    '  on node 0, open between the nodes): required.',
    '- `AIRLOCK_PYTHON`: the Python to use (default `python3`).',
    `- \`AIRLOCK_CONNECT_TIMEOUT_S\`: seconds a node waits for the others, at the check and at torchrun's rendezvous (default ${facts.timeoutS}).`,
    `- \`AIRLOCK_NPROC_PER_NODE\`: processes per node (default ${facts.gpusPerNode}). A node without GPUs runs them on the CPU (gloo).`,
    '',
    'Before torchrun starts, each node runs `python -m airlock_trainer cluster-check`: the files against the manifest',
    '(JOB_FILE_CHANGED names a changed or missing file), node 0 must be able to listen on MASTER_ADDR:MASTER_PORT',
    '(MASTER_ADDRESS_INVALID), and every other node must reach it within the timeout (MASTER_UNREACHABLE names the',
    'node and the address). Node 0 waits for all the others before training starts. Every node must be started from the',
    'same job folder: a node whose `job.json` (run id, config SHA-256) differs from node 0\'s, such as a re-export copied to',
    'some nodes only, is refused at once with JOB_FILE_CHANGED on both nodes. `NNODES` must be the exported',
    `${facts.nodes} and \`NODE_RANK\` 0..${facts.nodes - 1}; the launcher refuses other values before it starts.`,
    '',
    '### Stopping a node',
    '',
    'torchrun runs the trainer\'s processes in their own session: killing only the `bash launch_torchrun.sh` process leaves',
    'them running (and holding their GPUs). Stop a node cleanly with Ctrl-C in its terminal, or send SIGINT or SIGTERM to',
    'torchrun (`kill -INT <pid>`, its pid from `pgrep -u $USER -f torch.distributed.run` on that node) or to the',
    'launcher\'s whole process group (`kill -TERM -- -<pgid>`, the pgid from `ps -o pgid= -p <launcher pid>`). torchrun',
    'then stops its workers; starting the same command again resumes from `out/checkpoints/last.ckpt` when there is one.',
    '',
    '## With SLURM',
    '',
    '```',
    commands.slurm,
    '```',
    '',
    `\`job.sbatch\` asks for ${facts.nodes} node(s), ${facts.gpusPerNode} task(s) and GPU(s) per node; \`srun\` starts the trainer on each`,
    'task and Lightning reads the ranks from SLURM. Options on the sbatch command line override the `#SBATCH` lines',
    '(for example `sbatch --partition=gpu --time=12:00:00 job.sbatch`). The job is requeued when SLURM signals',
    'pre-emption (USR1, 120 s ahead) and resumes from its last checkpoint. MASTER_PORT defaults to 20000 + job id % 10000.',
    '',
    '## Timeouts',
    '',
    `- The node check and torchrun's rendezvous wait \`AIRLOCK_CONNECT_TIMEOUT_S\` seconds (default ${facts.timeoutS}).`,
    `- During training, a process waits \`training.distributed_timeout_s\` (${facts.timeoutS} s) for the others; a node that dies`,
    '  stops the run with an error naming the missing rank instead of hanging.',
    '',
    '## What comes back',
    '',
    'Everything the run writes is in `out/`: `events.jsonl` (rank 0\'s events, every attempt), `model/` (the trained model),',
    '`checkpoints/`, `attempts.jsonl` (one line per node per attempt), `logs/node-<rank>.log` (each node\'s stderr), copies of',
    '`config.yaml` and `job.json`, and `MANIFEST.sha256` (written by node 0 when the run ends). Carry `out/` back to the',
    'workstation (any way you like) and run:',
    '',
    '```',
    'airlock runs import <job>/out',
    '```',
    '',
    'If the nodes share `out/` and a late node wrote after node 0 sealed it (`airlock runs import` then says',
    'RUN_IMPORT_CHANGED naming that file, often `attempts.jsonl` or `logs/node-<rank>.log`), re-seal it in the job folder',
    'once every node has ended: `PYTHONPATH=trainer python3 -m airlock_trainer cluster-seal --out out`. Node 0 waits up to',
    '`AIRLOCK_SEAL_WAIT_S` seconds (default 30) for the other nodes\' last lines before it seals.',
    '',
    '## Resuming',
    '',
    'Start the same command again: the launchers pass `--resume` when `out/checkpoints/last.ckpt` exists. Every node',
    'loads that checkpoint, so keep `out/` on a shared file system (or copy `out/checkpoints/` to every node first).',
    '',
    '## When nodes do not meet (NCCL debugging)',
    '',
    '- `NCCL_DEBUG=INFO` (and `NCCL_DEBUG_SUBSYS=INIT,NET`): NCCL logs which interfaces and transports it picks, in `out/logs/node-<rank>.log`.',
    '- `NCCL_SOCKET_IFNAME=eth0` (or `ib0`, `^lo,docker`): the network interface NCCL uses, when it picks one the other nodes cannot reach.',
    '- `GLOO_SOCKET_IFNAME=eth0`: the same for nodes without GPUs (gloo). Unset, the trainer uses the interface that routes to MASTER_ADDR, not the address the host name resolves to (often 127.0.1.1).',
    '- `NCCL_IB_DISABLE=1`: fall back to TCP when InfiniBand is absent or misconfigured.',
    '- `TORCH_DISTRIBUTED_DEBUG=DETAIL`: PyTorch reports mismatched collectives and which rank is waiting.',
    '- Firewalls: MASTER_PORT must be open from every node to node 0, and NCCL opens further ports between all nodes;',
    '  allow traffic between the nodes, or pick a MASTER_PORT the cluster allows.',
    '- MASTER_ADDR must be an address of node 0 as the other nodes see it (not 127.0.0.1 on a multi-node job).',
    '',
  ].join('\n');
}
