import { UsageError } from '../src/core/errors';

/**
 * The cluster targets of `sweep export` (issue #20): a Slurm job array and a Kubernetes Indexed
 * Job, each running one trial per task with `sweep run --trial I`, so every target writes the same
 * result-<i>.json files a local run does. Pure text and objects; cli/sweep.ts writes them.
 */

/** Resources each trial gets, whatever the target. */
export interface TrialResources {
  cpus: number;
  /** Slurm's form: a number with K, M, G or T (4G). */
  memory: string;
  /** HH:MM:SS, or D-HH:MM:SS. */
  time: string;
}

/** "4G" → Slurm's "4G" and Kubernetes' "4Gi"; anything else is refused with the forms allowed. */
export function parseMemory(text: string): { slurm: string; kubernetes: string } {
  const match = /^(\d+)([KMGT])$/i.exec(text);
  if (!match || Number(match[1]) === 0)
    throw new UsageError(`--memory must be a whole number with K, M, G or T, such as 4G or 512M; got "${text}".`);
  const unit = match[2].toUpperCase();
  return { slurm: `${match[1]}${unit}`, kubernetes: `${match[1]}${unit}i` };
}

/** "01:30:00" or "1-00:00:00" → seconds; the form Slurm's --time takes, checked. */
export function parseTimeLimit(text: string): number {
  const match = /^(?:(\d+)-)?(\d{1,2}):([0-5]\d):([0-5]\d)$/.exec(text);
  const seconds = match ? Number(match[1] ?? 0) * 86_400 + Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4]) : 0;
  if (!match || seconds === 0) throw new UsageError(`--time must be HH:MM:SS or D-HH:MM:SS, longer than zero; got "${text}".`);
  return seconds;
}

/** A single-quoted shell word: safe for any path. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface SlurmOptions {
  sweepId: string;
  trials: number;
  resources: TrialResources;
  /** Absolute paths as the compute nodes see them. */
  specPath: string;
  resultsDir: string;
  workdir: string;
  backend: string;
  partition?: string;
}

/**
 * A Slurm batch script for a job array, one array task per trial (`--array=0-(N-1)`); each task
 * runs the CLI for trial $SLURM_ARRAY_TASK_ID and writes result-<i>.json. Logs go to
 * RESULTS/slurm-<job>_<task>.out (%A the array's job id, %a the task id).
 */
export function slurmScript(o: SlurmOptions): string {
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=${o.sweepId}`,
    `#SBATCH --array=0-${o.trials - 1}`,
    `#SBATCH --cpus-per-task=${o.resources.cpus}`,
    `#SBATCH --mem=${o.resources.memory}`,
    `#SBATCH --time=${o.resources.time}`,
    `#SBATCH --output=${o.resultsDir}/slurm-%A_%a.out`,
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    '',
    `# Written by \`npm run cli -- sweep export --to slurm\`: submit with \`sbatch ${'sweep.sbatch'}\`,`,
    '# then gather the results with `npm run cli -- sweep collect RESULTS --out runs.jsonl`.',
    'set -euo pipefail',
    `cd ${shellQuote(o.workdir)}`,
    `exec npm run --silent cli -- sweep run --spec ${shellQuote(o.specPath)} --out ${shellQuote(o.resultsDir)} --trial "$SLURM_ARRAY_TASK_ID" --backend ${o.backend}`,
    '',
  ];
  return lines.join('\n');
}

/** Where a Kubernetes volume comes from: a PersistentVolumeClaim by name, or a path on the node. */
export type VolumeSource = { kind: 'pvc'; claimName: string } | { kind: 'host'; path: string };

/** `pvc:NAME` or `host:/PATH`, as --data-volume and --results-volume take them. */
export function parseVolume(text: string, flag: string): VolumeSource {
  const [kind, ...rest] = text.split(':');
  const value = rest.join(':');
  if (kind === 'pvc' && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(value) && value.length <= 253) return { kind: 'pvc', claimName: value };
  if (kind === 'host' && value.startsWith('/')) return { kind: 'host', path: value };
  throw new UsageError(
    `${flag} must be pvc:NAME (a PersistentVolumeClaim, lower-case letters, digits, - and .) or host:/ABSOLUTE/PATH (a hostPath); got "${text}".`,
  );
}

export interface KubernetesOptions {
  sweepId: string;
  trials: number;
  parallelism: number;
  resources: TrialResources;
  image: string;
  /** The spec as the pods read it (its data path under /data), shipped in a ConfigMap. */
  specText: string;
  dataVolume: VolumeSource;
  resultsVolume: VolumeSource;
  backend: string;
}

/** Where the pods see the spec, the data and the results. */
export const POD_PATHS = { spec: '/spec', data: '/data', results: '/results' } as const;

function volume(name: string, source: VolumeSource, readOnly: boolean) {
  return source.kind === 'pvc'
    ? { name, persistentVolumeClaim: { claimName: source.claimName, readOnly } }
    : { name, hostPath: { path: source.path, type: readOnly ? 'Directory' : 'DirectoryOrCreate' } };
}

/**
 * A `v1 List` of a ConfigMap holding the spec and a batch/v1 Job in Indexed completion mode:
 * completions = trials, `parallelism` pods at once, each running the image's CLI for trial
 * $(JOB_COMPLETION_INDEX). The index is declared from the pod's completion-index annotation so
 * the argument expands on any cluster version with Indexed Jobs (GA in 1.24). JSON, which
 * `kubectl apply -f` reads as it reads YAML.
 */
export function kubernetesManifest(o: KubernetesOptions) {
  const labels = { app: 'ppo-trading-lab', 'ppo-trading-lab/sweep': o.sweepId };
  const cpu = String(o.resources.cpus);
  const memory = parseMemory(o.resources.memory).kubernetes;
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${o.sweepId}-spec`, labels },
    data: { 'sweep.json': o.specText },
  };
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: o.sweepId, labels },
    spec: {
      completionMode: 'Indexed',
      completions: o.trials,
      parallelism: o.parallelism,
      // A failed trial writes its record with the error and exits 0; a crash is retried once per index at most.
      backoffLimit: o.trials,
      activeDeadlineSeconds: parseTimeLimit(o.resources.time) * Math.ceil(o.trials / o.parallelism),
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          // The image runs as the node user (uid 1000): volumes that honour fsGroup become writable to it.
          securityContext: { fsGroup: 1000 },
          containers: [
            {
              name: 'trial',
              image: o.image,
              args: [
                'sweep',
                'run',
                '--spec',
                `${POD_PATHS.spec}/sweep.json`,
                '--out',
                POD_PATHS.results,
                '--trial',
                '$(JOB_COMPLETION_INDEX)',
                '--backend',
                o.backend,
              ],
              env: [
                {
                  name: 'JOB_COMPLETION_INDEX',
                  valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } },
                },
              ],
              resources: { requests: { cpu, memory }, limits: { cpu, memory } },
              volumeMounts: [
                { name: 'spec', mountPath: POD_PATHS.spec, readOnly: true },
                { name: 'data', mountPath: POD_PATHS.data, readOnly: true },
                { name: 'results', mountPath: POD_PATHS.results },
              ],
            },
          ],
          volumes: [
            { name: 'spec', configMap: { name: configMap.metadata.name } },
            volume('data', o.dataVolume, true),
            volume('results', o.resultsVolume, false),
          ],
        },
      },
    },
  };
  return { apiVersion: 'v1', kind: 'List', items: [configMap, job] as const };
}
