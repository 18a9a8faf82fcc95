// The queue view: live figures and chart, worker control, the message list with filters, dead letters, the
// fleet's processes, webhooks.
import { useStats } from '../live/StatsProvider.js';
import { DeadLetters } from './DeadLetters.js';
import { MessageTable } from './MessageTable.js';
import { QueueChart } from './QueueChart.js';
import { StatsTiles } from './StatsTiles.js';
import { useStatsHistory } from './useStatsHistory.js';
import { Webhooks } from './Webhooks.js';
import { WorkerControl } from './WorkerControl.js';
import { Workers } from './Workers.js';

export function Dashboard() {
  const { stats } = useStats();
  const samples = useStatsHistory(stats);
  return (
    <div className="dashboard">
      <section className="card" aria-labelledby="stats-title">
        <div className="card-title-row">
          <h2 id="stats-title">Queue</h2>
          {stats ? <WorkerControl paused={stats.workerPaused} /> : null}
        </div>
        {stats ? <StatsTiles stats={stats} /> : <p className="muted">Waiting for the first figures…</p>}
        <QueueChart samples={samples} />
      </section>
      <MessageTable />
      <DeadLetters />
      <Workers />
      <Webhooks />
    </div>
  );
}
