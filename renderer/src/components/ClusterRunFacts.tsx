import { clusterDetails, type Run } from '../../../schemas/run.ts';
import { describeCluster, describeNodes } from '../lib/cluster-run.ts';
import { formatDate, formatDuration } from '../lib/format.ts';
import { StatusBadge } from './StatusBadge.tsx';

/** A cluster run brought back with runs.import: its nodes and devices, where it came from, and each attempt on the cluster. */
export function ClusterRunFacts({ run }: { run: Pick<Run, 'details'> }) {
  const cluster = clusterDetails(run);
  if (!cluster) return null;
  const resumedHere = (run.details as { resumed_here?: unknown }).resumed_here;
  return (
    <section className="card" aria-labelledby="cluster-run">
      <h2 id="cluster-run">Cluster run</h2>
      <p aria-label="Cluster">
        {describeCluster(cluster)}, imported from <span className="mono">{cluster.imported_from}</span>
      </p>
      <p className="muted small">Job folder written {formatDate(cluster.job_created_at)}.</p>
      {typeof resumedHere === 'string' && (
        <p className="small" aria-label="Resumed here">
          Resumed on this workstation. {resumedHere}
        </p>
      )}
      {cluster.resume_refused && (
        <p className="small" role="note">
          Resume here is not possible: {cluster.resume_refused}
        </p>
      )}
      {cluster.attempts.length > 0 && (
        <div className="table-scroll">
          <table aria-label="Attempts on the cluster">
            <thead>
              <tr>
                <th className="num">Attempt</th>
                <th>Status</th>
                <th>Started</th>
                <th className="num">Duration</th>
                <th>Nodes</th>
              </tr>
            </thead>
            <tbody>
              {cluster.attempts.map((attempt) => (
                <tr key={attempt.attempt}>
                  <td className="num">{attempt.attempt}</td>
                  <td>
                    <StatusBadge status={attempt.status} />
                  </td>
                  <td>{formatDate(attempt.started_at)}</td>
                  <td className="num">{formatDuration(attempt.duration_s)}</td>
                  <td className="small">{describeNodes(attempt.nodes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
