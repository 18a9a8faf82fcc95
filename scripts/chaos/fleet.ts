// The processes of a chaos run on one database (a SQLite file or a PostgreSQL schema): worker processes and the API
// (the production entry points) and a submitter speaking HTTP to the API, each restarted after a kill -9, with the
// ids the API acknowledged collected from the submitter's output.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKER_ENTRY = 'src/worker-main.ts';
const API_ENTRY = 'src/main.ts';
const SUBMITTER_ENTRY = 'scripts/chaos/submitter.ts';

export interface FleetOptions {
  /** The DATABASE_URL every process uses: a SQLite file's path or a postgres:// URL. */
  databaseUrl: string;
  workers: number;
  /** The loopback port each API process listens on (each keeps its own across its restarts). */
  apiPorts: number[];
}

interface Member {
  name: string;
  entry: string;
  env: Record<string, string>;
  proc: ChildProcess;
  exited: Promise<void>;
  /** The last output of the process, shown when the run fails. */
  tail: string;
  /** Whether it is meant to be running (false once it finished, was killed, or the run is stopping). */
  wanted: boolean;
}

export interface Fleet {
  /** Ids the submitter acknowledged: what counts as accepted. */
  readonly accepted: ReadonlySet<string>;
  /**
   * Resolves once every API process answers /ready (false if one did not within `timeoutMs`): the run's clock
   * starts there, so processes slow to start on a loaded machine do not eat the window meant for kills.
   */
  apiReady(timeoutMs: number): Promise<boolean>;
  /** Starts the submitter, which submits until `until` (epoch ms) and exits; restarted after a kill until then. */
  startSubmitter(until: number): void;
  /** kill -9 of a random live process (the submitter only while it submits); returns its name. */
  killRandom(): Promise<string | null>;
  /** Resolves once the submitter has passed its deadline and exited by itself. */
  submitterDone(): Promise<void>;
  /** SIGTERM to all, then SIGKILL to any still running after `graceMs`. */
  stop(graceMs: number): Promise<void>;
  /** Processes that died without being killed (each was started again): a robustness failure. */
  readonly unexpectedExits: readonly string[];
  /** The last output of every process, for a failure report. */
  tails(): string;
}

export function startFleet(options: FleetOptions): Fleet {
  const accepted = new Set<string>();
  const unexpectedExits: string[] = [];
  let submitted = false;
  let onSubmitted: () => void = () => {};
  const submittedPromise = new Promise<void>((resolve) => {
    onSubmitted = resolve;
  });
  const workerEnv = {
    DATABASE_URL: options.databaseUrl,
    // Small pools: every process holds its pool (and, on PostgreSQL, one more connection to listen).
    DATABASE_POOL_SIZE: '3',
    WORKER_CONCURRENCY: '4',
    PROCESSING_DELAY_MS: '30',
    RETRY_BACKOFF_MS: '100',
    SHUTDOWN_GRACE_SECONDS: '2',
    LOG_LEVEL: 'warn',
  };
  const members: Member[] = [];
  for (let i = 0; i < options.workers; i++) members.push(launch(`worker-${i}`, WORKER_ENTRY, workerEnv));
  // The APIs take no work themselves here, so every attempt runs in a worker process that may be killed.
  options.apiPorts.forEach((port, i) => {
    const name = options.apiPorts.length === 1 ? 'api' : `api-${i}`;
    members.push(
      launch(name, API_ENTRY, {
        ...workerEnv,
        HOST: '127.0.0.1',
        PORT: String(port),
        WORKER_CONCURRENCY: '0',
        ALLOW_FAULT_INJECTION: 'true',
        MAX_QUEUE_SIZE: '10000000',
      }),
    );
  });
  let submitUntil = Number.POSITIVE_INFINITY;

  function launch(name: string, entry: string, env: Record<string, string>): Member {
    const proc = spawn(process.execPath, ['--import', 'tsx', entry], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const member: Member = {
      name,
      entry,
      env,
      proc,
      tail: '',
      wanted: true,
      // 'close' comes after the output is read, so a final "submitted" line is seen before the exit.
      exited: new Promise((resolve) => proc.once('close', () => resolve())),
    };
    proc.once('close', (code, signal) => {
      if (!member.wanted) return;
      unexpectedExits.push(`${name} exited by itself (${code ?? signal})`);
      replace(member);
    });
    const keep = (line: string) => {
      member.tail = `${member.tail}${line}\n`.slice(-4000);
    };
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (name !== 'submitter') return keep(line);
      if (line.startsWith('accepted ')) accepted.add(line.slice('accepted '.length));
      else if (line === 'submitted') {
        submitted = true;
        member.wanted = false;
        onSubmitted();
      } else keep(line);
    });
    createInterface({ input: proc.stderr! }).on('line', keep);
    return member;
  }

  function replace(old: Member): void {
    const i = members.indexOf(old);
    const fresh = launch(old.name, old.entry, old.env);
    fresh.tail = old.tail;
    members[i] = fresh;
  }

  return {
    accepted,
    async apiReady(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (const port of options.apiPorts) {
        for (;;) {
          try {
            const res = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(1000) });
            if (res.ok) break;
          } catch {
            // Not listening yet.
          }
          if (Date.now() >= deadline) return false;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      return true;
    },
    startSubmitter(until) {
      submitUntil = until;
      members.push(
        launch('submitter', SUBMITTER_ENTRY, {
          CHAOS_API_URLS: options.apiPorts.map((port) => `http://127.0.0.1:${port}/graphql`).join(','),
          CHAOS_SUBMIT_UNTIL: String(until),
        }),
      );
    },
    async killRandom() {
      const live = members.filter((m) => m.proc.exitCode === null && m.proc.signalCode === null && m.wanted);
      const victim = live[Math.floor(Math.random() * live.length)];
      if (!victim) return null;
      victim.wanted = false;
      victim.proc.kill('SIGKILL');
      await victim.exited;
      // The submitter is not started again once its deadline has passed: submissions are over.
      if (victim.name !== 'submitter' || Date.now() < submitUntil) replace(victim);
      else {
        submitted = true;
        onSubmitted();
      }
      return victim.name;
    },
    submitterDone() {
      return submitted ? Promise.resolve() : submittedPromise;
    },
    async stop(graceMs) {
      for (const m of members) {
        m.wanted = false;
        if (m.proc.exitCode === null && m.proc.signalCode === null) m.proc.kill('SIGTERM');
      }
      const timer = setTimeout(() => {
        for (const m of members) if (m.proc.exitCode === null) m.proc.kill('SIGKILL');
      }, graceMs);
      await Promise.all(members.map((m) => m.exited));
      clearTimeout(timer);
    },
    unexpectedExits,
    tails() {
      return members.map((m) => `--- ${m.name}\n${m.tail}`).join('\n');
    },
  };
}
