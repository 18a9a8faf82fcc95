// The queue's figures as tiles: counts by status, capacity, age of the oldest wait, recent error rate.
import type { Stats } from '../live/useLiveStats.js';
import { formatCount, formatDuration, formatRelative, formatTime } from '../ui/format.js';

export function StatsTiles({ stats }: { stats: Stats }) {
  const depth = stats.pendingCount + stats.processingCount;
  const tiles: { key: string; label: string; value: string; note?: string; tone?: string }[] = [
    {
      key: 'pending',
      label: 'Pending',
      value: formatCount(stats.pendingCount),
      note:
        [
          stats.scheduledRetries ? `${stats.scheduledRetries} awaiting retry` : '',
          stats.scheduledCount && stats.nextScheduledAt
            ? `${stats.scheduledCount} scheduled, next ${formatTime(stats.nextScheduledAt)}`
            : '',
        ]
          .filter(Boolean)
          .join('; ') || undefined,
    },
    {
      key: 'processing',
      label: 'Processing',
      value: formatCount(stats.processingCount),
      note:
        stats.longestProcessing != null
          ? `longest ${formatDuration(stats.longestProcessing * 1000)}`
          : undefined,
    },
    { key: 'completed', label: 'Completed', value: formatCount(stats.completedCount) },
    {
      key: 'failed',
      label: 'Dead letters',
      value: formatCount(stats.deadLetterCount),
      tone: stats.deadLetterCount ? 'bad' : undefined,
    },
    { key: 'cancelled', label: 'Cancelled', value: formatCount(stats.cancelledCount) },
    {
      key: 'review',
      label: 'Awaiting review',
      value: formatCount(stats.reviewPendingCount),
      tone: stats.reviewPendingCount ? 'warn' : undefined,
    },
    {
      key: 'capacity',
      label: 'Queue use',
      value: `${Math.round((depth / Math.max(1, stats.maxSize)) * 100)}%`,
      note: `${formatCount(depth)} of ${formatCount(stats.maxSize)}`,
    },
    {
      key: 'errors',
      label: 'Errors, last 5 min',
      value: stats.recentErrorRate == null ? '–' : `${Math.round(stats.recentErrorRate * 100)}%`,
      note: `${formatCount(stats.recentAttempts)} attempts${stats.meanProcessingMs != null ? `, mean ${formatDuration(stats.meanProcessingMs)}` : ''}`,
    },
  ];
  return (
    <div className="tiles">
      {tiles.map((tile) => (
        <div key={tile.key} className={`tile${tile.tone ? ` ${tile.tone}` : ''}`} data-stat={tile.key}>
          <span className="tile-label">{tile.label}</span>
          <span className="tile-value">{tile.value}</span>
          {tile.note ? <span className="tile-note">{tile.note}</span> : null}
        </div>
      ))}
      {stats.oldestPending ? (
        <p className="muted small wide">
          Oldest pending since {formatRelative(stats.oldestPending).replace(' ago', '')}.
        </p>
      ) : null}
    </div>
  );
}
