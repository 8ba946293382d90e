import type { Run } from '../../../schemas/run.ts';
import { clusterOf, describeCluster, secondsBetween } from '../lib/cluster-run.ts';
import { formatDate, formatDuration } from '../lib/format.ts';

/** A cluster run brought back with runs.import: its nodes and devices, where it came from, and every node's attempts. */
export function ClusterRunFacts({ run }: { run: Pick<Run, 'details'> }) {
  const cluster = clusterOf(run);
  if (!cluster) return null;
  const lines = Array.isArray(cluster.attempts) ? cluster.attempts : [];
  // The launcher writes one line per node per attempt, in order: a node's nth line is its nth attempt.
  const attempts = lines.map((line, index) => ({ ...line, attempt: line.attempt ?? lines.slice(0, index).filter((other) => other.node_rank === line.node_rank).length + 1 }));
  return (
    <section className="card" aria-labelledby="cluster-run">
      <h2 id="cluster-run">Cluster run</h2>
      <p aria-label="Cluster">
        {describeCluster(cluster)}, imported from <span className="mono">{cluster.imported_from}</span>
      </p>
      {cluster.job_created_at && <p className="muted small">Job folder written {formatDate(cluster.job_created_at)}.</p>}
      {typeof cluster.attempts === 'number' && <p className="small">{cluster.attempts} attempt{cluster.attempts === 1 ? '' : 's'} on the cluster.</p>}
      {attempts.length > 0 && (
        <div className="table-scroll">
          <table aria-label="Attempts on the cluster">
            <thead>
              <tr>
                <th className="num">Attempt</th>
                <th className="num">Node</th>
                <th>Host</th>
                <th>Started</th>
                <th className="num">Duration</th>
                <th className="num">Exit code</th>
              </tr>
            </thead>
            <tbody>
              {attempts.map((attempt, index) => (
                <tr key={index}>
                  <td className="num">{attempt.attempt}</td>
                  <td className="num">{attempt.node_rank ?? '—'}</td>
                  <td className="mono">{attempt.host ?? '—'}</td>
                  <td>{formatDate(attempt.started_at)}</td>
                  <td className="num">{formatDuration(secondsBetween(attempt.started_at, attempt.ended_at))}</td>
                  <td className="num">{attempt.exit_code ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
