// Loaded into the service by bench/probe/first.ts (--import): the event loop's long turns and GC pauses, with
// wall-clock times, written to PROBE_OUT when the process exits.
import { writeFileSync } from 'node:fs';
import { Server } from 'node:http';
import { PerformanceObserver } from 'node:perf_hooks';

const out = process.env.PROBE_OUT;
const turns = [];
const gcs = [];
const clock = { epochMs: Date.now(), hrUs: Number(process.hrtime.bigint() / 1000n) };
let last = performance.now();
setInterval(() => {
  const now = performance.now();
  // A 1 ms timer fires late by the length of the turn that held it.
  if (now - last > 6) turns.push([Math.round(performance.timeOrigin + last), Math.round(now - last)]);
  last = now;
}, 1).unref();
new PerformanceObserver((list) => {
  for (const e of list.getEntries())
    gcs.push([Math.round(performance.timeOrigin + e.startTime), e.duration, e.detail?.kind]);
}).observe({ entryTypes: ['gc'] });
// Each request's times: its connection accepted, its request emitted (headers parsed), its response finished.
const requests = [];
const emit = Server.prototype.emit;
Server.prototype.emit = function (event, ...args) {
  const now = Date.now();
  if (event === 'connection') {
    args[0].acceptedAt = now;
    args[0].served = 0;
  } else if (event === 'request') {
    const [req, res] = args;
    const socket = req.socket;
    const row = [socket.acceptedAt, now, 0, socket.served++];
    res.once('finish', () => {
      row[2] = Date.now();
      requests.push(row);
    });
  }
  return emit.call(this, event, ...args);
};
process.on('exit', () => {
  if (out) writeFileSync(out, JSON.stringify({ clock, turns, gcs, requests }));
});
