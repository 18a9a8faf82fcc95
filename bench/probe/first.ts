// A probe of the first 2,000 submissions after /ready (bench/cores.ts's cold figure), not part of `npm run bench`:
// each request's latency against the time since /ready, the service's long event-loop turns and GC pauses
// (bench/probe/loop.mjs), and with --prof a CPU profile of the service, summed over the window after /ready.
//   node --max-semi-space-size=64 --import tsx bench/probe/first.ts [--rounds 1] [--mode worker] [--prof]

import type { EventEmitter } from 'node:events';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { type CoresMode, database, ready, start } from '../cores.js';
import { quotePayload } from '../quote-payloads.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '1' },
    modes: { type: 'string', default: 'worker in the API process' },
    prof: { type: 'boolean', default: false },
    backlog: { type: 'string', default: '40000' },
    amount: { type: 'string', default: '2000' },
    bucket: { type: 'string', default: '250' },
    env: { type: 'string', default: '' },
    window: { type: 'string', default: '3000' },
  },
});
const LOOP = fileURLToPath(new URL('./loop.mjs', import.meta.url));
const BODY = JSON.stringify({
  query:
    'mutation Submit($input: SubmitQuoteInput!) { submitQuote(input: $input) { messageId status priority } }',
  variables: { input: { submission: quotePayload(1) } },
});
const bucketMs = Number(values.bucket);
// The client's side of each connection: when it was asked for, and when it connected (epoch ms).
const connects: [number, number][] = [];
const connect = net.connect;
(net as { connect: unknown }).connect = (...args: Parameters<typeof net.connect>) => {
  const row: [number, number] = [Date.now(), 0];
  connects.push(row);
  const socket = connect(...args);
  socket.once('connect', () => {
    row[1] = Date.now();
  });
  return socket;
};
const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

// Variants, separated by ';': "mode", "mode|KEY=V,KEY=V", or with "@/path/to/checkout" after the mode to start another
// checkout of the service (its node_modules linked to this one's), an A/B against older code.
const variants = values.modes!.split(';').map((v) => {
  const [modeAt, env] = v.split('|');
  const [mode, root] = modeAt!.split('@');
  const extra: Record<string, string> = {};
  for (const kv of (env ?? '').split(',').filter(Boolean)) {
    const [k, val] = kv.split('=');
    extra[k!] = val!;
  }
  for (const kv of values.env!.split(',').filter(Boolean)) {
    const [k, val] = kv.split('=');
    extra[k!] ??= val!;
  }
  return { name: v, mode: mode as CoresMode, env: extra, root };
});

for (let r = 0; r < Number(values.rounds); r++) {
  for (let k = 0; k < variants.length; k++) {
    const v = variants[(r + k) % variants.length]!;
    const db = await database(undefined, Number(values.backlog));
    const probeOut = `/tmp/probe-loop-${process.pid}.json`;
    const profDir = `/tmp/probe-prof-${process.pid}`;
    rmSync(profDir, { recursive: true, force: true });
    const nodeArgs = ['--import', LOOP, ...(values.prof ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])];
    const { proc, url } = await start(v.mode, db.url, '3000', {
      nodeArgs,
      env: { PROBE_OUT: probeOut, ...v.env },
    });
    const responses: [number, number][] = [];
    const perClient = new Map<unknown, number[]>();
    let readyAt = 0;
    try {
      await ready(url);
      readyAt = Date.now();
      connects.length = 0;
      const instance = autocannon({
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: BODY,
        connections: 50,
        pipelining: 1,
        amount: Number(values.amount),
      }) as unknown as Promise<autocannon.Result> & EventEmitter;
      instance.on('response', (c: unknown, _status: number, _bytes: number, ms: number) => {
        responses.push([Date.now() - readyAt, ms]);
        if (!perClient.has(c)) perClient.set(c, []);
        perClient.get(c)!.push(Math.round(ms));
      });
      const result = await instance;
      console.log(
        `\n== round ${r + 1} ${v.name}: p50 ${result.latency.p50} p99 ${result.latency.p99} max ${result.latency.max} ms, errors ${result.errors} timeouts ${result.timeouts}, ${(Date.now() - readyAt) / 1000} s`,
      );
    } finally {
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      await exited;
      await db.drop();
    }
    const probe = JSON.parse(readFileSync(probeOut, 'utf8')) as {
      clock: { epochMs: number; hrUs: number };
      turns: [number, number][];
      gcs: [number, number, number][];
      requests: [number, number, number, number][];
    };
    // Server side, requests answered after /ready: accept -> request event -> finish.
    const served = probe.requests.filter(([, , fin]) => fin >= readyAt);
    const firsts = served.filter(([, , , i]) => i === 0);
    const fmt = (xs: number[]) => `p50 ${pct(xs, 50)} p99 ${pct(xs, 99)} max ${Math.max(0, ...xs)}`;
    console.log(
      `  server: first requests ${firsts.length}: accept->request ${fmt(firsts.map(([a, q]) => q - a))}, request->finish ${fmt(firsts.map(([, q, f]) => f - q))}; accepted at (ms after ready) ${fmt(firsts.map(([a]) => a - readyAt))}`,
    );
    console.log(
      `  client: ${connects.length} connects asked at ${fmt(connects.map(([a]) => a - readyAt))}, connected at ${fmt(connects.map(([, c]) => c - readyAt))}`,
    );
    console.log(`  accepted at: ${JSON.stringify(firsts.map(([a]) => a - readyAt).sort((a, b) => a - b))}`);
    const rest = served.filter(([, , , i]) => i > 0);
    console.log(
      `  server: later requests ${rest.length}: request->finish ${fmt(rest.map(([, q, f]) => f - q))}`,
    );
    const slow = [...perClient.values()].map((l) => l.map((ms, i) => [i, ms]).filter(([, ms]) => ms! > 300));
    console.log(
      `  requests over 300 ms: ${slow.flat().length} on ${slow.filter((l) => l.length > 0).length} of ${perClient.size} connections; their index on the connection: ${JSON.stringify(
        slow
          .flat()
          .map(([i]) => i)
          .slice(0, 40),
      )}`,
    );
    const end = responses.at(-1)?.[0] ?? 0;
    const rows: string[] = [];
    const before = probe.turns.filter(([t]) => t >= readyAt - 3000 && t < readyAt);
    rows.push(
      `  warm-up's last 3 s: turns>6ms ${before.length}, longest ${Math.max(0, ...before.map((x) => x[1]))} ms`,
    );
    rows.push('  from ms | answered | p50 | p99 | max ms | long turns (>6ms): n, sum, max | gc: n, sum ms');
    for (let from = -bucketMs; from <= end; from += bucketMs) {
      const lat = responses.filter(([t]) => t >= from && t < from + bucketMs).map((x) => x[1]);
      const turns = probe.turns.filter(([t]) => t - readyAt >= from && t - readyAt < from + bucketMs);
      const gcs = probe.gcs.filter(([t]) => t - readyAt >= from && t - readyAt < from + bucketMs);
      rows.push(
        `  ${String(from).padStart(6)} | ${String(lat.length).padStart(4)} | ${pct(lat, 50)} | ${pct(lat, 99)} | ${Math.max(0, ...lat)} | ${turns.length}, ${turns.reduce((a, x) => a + x[1], 0)}, ${Math.max(0, ...turns.map((x) => x[1]))} | ${gcs.length}, ${gcs.reduce((a, x) => a + x[1], 0).toFixed(1)}`,
      );
    }
    console.log(rows.join('\n'));
    if (values.prof) summarise(profDir, probe.clock, readyAt, Number(values.window));
    rmSync(probeOut, { force: true });
  }
}

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
function summarise(dir: string, clock: { epochMs: number; hrUs: number }, readyAt: number, windowMs: number) {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return;
  const prof = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as {
    nodes: Node[];
    startTime: number;
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // hrtime µs -> epoch ms
  const toEpoch = (us: number) => clock.epochMs + (us - clock.hrUs) / 1000;
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  const files = new Map<string, number>();
  let t = prof.startTime;
  let total = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    t += prof.timeDeltas[i]!;
    const at = toEpoch(t) - readyAt;
    if (at < 0 || at > windowMs) continue;
    const dt = (prof.timeDeltas[i + 1] ?? 0) / 1000;
    total += dt;
    const n = byId.get(prof.samples[i]!)!;
    const name = (x: Node) =>
      `${x.callFrame.functionName || '(anon)'} ${x.callFrame.url.replace(/^.*\/h20\//, '')}:${x.callFrame.lineNumber + 1}`;
    self.set(name(n), (self.get(name(n)) ?? 0) + dt);
    const f = n.callFrame.url.replace(/^.*\/h20\//, '') || n.callFrame.functionName;
    files.set(f, (files.get(f) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
      const nm = name(byId.get(id)!);
      if (seen.has(nm)) continue;
      seen.add(nm);
      incl.set(nm, (incl.get(nm) ?? 0) + dt);
    }
  }
  const top = (m: Map<string, number>, k: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([n, ms]) => `    ${ms.toFixed(0).padStart(6)} ms  ${n}`)
      .join('\n');
  console.log(`  CPU profile, first ${windowMs} ms after /ready: ${total.toFixed(0)} ms sampled`);
  console.log(`  self by file:\n${top(files, 15)}`);
  console.log(`  self by function:\n${top(self, 25)}`);
  console.log(`  inclusive:\n${top(incl, 40)}`);
}
