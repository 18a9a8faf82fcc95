// Hand-drawn SVG chart of the last 10 minutes: queue depth as a line, throughput (messages finished per
// 30 s) as bars, with the same figures in words for screen readers.
import type { Sample } from './useStatsHistory.js';
import { WINDOW_MS } from './useStatsHistory.js';

const W = 600;
const H = 160;
const PAD = { left: 34, right: 34, top: 10, bottom: 22 };
const BUCKET_MS = 30_000;

export function QueueChart({ samples }: { samples: Sample[] }) {
  const now = samples.at(-1)?.at ?? Date.now();
  const start = now - WINDOW_MS;
  const buckets = Array.from({ length: WINDOW_MS / BUCKET_MS }, (_, i) => ({
    at: start + i * BUCKET_MS,
    finished: 0,
  }));
  for (const s of samples) {
    const index = Math.min(buckets.length - 1, Math.floor((s.at - start) / BUCKET_MS));
    const bucket = buckets[index];
    if (bucket) bucket.finished += s.finished;
  }
  const maxDepth = Math.max(5, ...samples.map((s) => s.depth));
  const maxFinished = Math.max(5, ...buckets.map((b) => b.finished));
  const x = (t: number) => PAD.left + ((t - start) / WINDOW_MS) * (W - PAD.left - PAD.right);
  const yDepth = (d: number) => H - PAD.bottom - (d / maxDepth) * (H - PAD.top - PAD.bottom);
  const yDone = (n: number) => H - PAD.bottom - (n / maxFinished) * (H - PAD.top - PAD.bottom);
  const barWidth = (W - PAD.left - PAD.right) / buckets.length - 2;
  const line = samples
    .map((s, i) => `${i ? 'L' : 'M'}${x(s.at).toFixed(1)},${yDepth(s.depth).toFixed(1)}`)
    .join(' ');

  return (
    <figure className="chart">
      <figcaption>
        <span className="legend depth">Queue depth (pending + processing)</span>
        <span className="legend done">Finished per 30 s</span>
      </figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label="Queue depth and throughput over the last 10 minutes"
      >
        <line className="axis" x1={PAD.left} x2={W - PAD.right} y1={H - PAD.bottom} y2={H - PAD.bottom} />
        {buckets.map((b) =>
          b.finished > 0 ? (
            <rect
              key={b.at}
              className="bar"
              x={x(b.at) + 1}
              width={barWidth}
              y={yDone(b.finished)}
              height={H - PAD.bottom - yDone(b.finished)}
            />
          ) : null,
        )}
        {samples.length > 1 ? <path className="depth-line" d={line} /> : null}
        <text className="tick" x={PAD.left - 4} y={PAD.top + 8} textAnchor="end">
          {maxDepth}
        </text>
        <text className="tick done" x={W - PAD.right + 4} y={PAD.top + 8}>
          {maxFinished}
        </text>
        <text className="tick" x={PAD.left} y={H - 6}>
          −10 min
        </text>
        <text className="tick" x={W - PAD.right} y={H - 6} textAnchor="end">
          now
        </text>
      </svg>
      <p className="visually-hidden">
        Depth now {samples.at(-1)?.depth ?? 0}; {buckets.reduce((n, b) => n + b.finished, 0)} messages
        finished in the last 10 minutes.
      </p>
    </figure>
  );
}
