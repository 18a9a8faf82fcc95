// Every environment variable the service reads, validated once at start (nothing else reads process.env).
import proxyAddr from 'proxy-addr';
import { z } from 'zod';

const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, `a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, `a whole number from ${min} to ${max}`)
        .max(max, `a whole number from ${min} to ${max}`),
    );

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'true or false' }))
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

// grpc is a valid value of the standard variables that this service does not ship an exporter for: accepted here,
// refused in loadConfig only when traces would be exported (a shell may set it for other programs).
const otlpProtocol = z
  .string()
  .trim()
  .pipe(z.enum(['http/protobuf', 'http/json', 'grpc'], { message: 'http/protobuf or http/json' }));

const ROLES = ['submitter', 'reviewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export interface ApiKey {
  key: string;
  role: Role;
  name: string | undefined;
}

// A bad entry is named by its position, never by its text: the text is a key, and the message reaches stderr.
const apiKeys = z
  .string()
  .trim()
  .transform((raw, ctx): ApiKey[] => {
    const keys: ApiKey[] = [];
    const entries = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    entries.forEach((entry, index) => {
      const [key, role, name, ...rest] = entry.split(':');
      const problem = !key
        ? 'the key is empty'
        : role === undefined
          ? 'it has no role'
          : !(ROLES as readonly string[]).includes(role)
            ? `its role is not one of ${ROLES.join(', ')}`
            : rest.length > 0
              ? 'it has more than three parts (keys and names may not contain ":")'
              : null;
      if (problem) {
        ctx.addIssue({
          code: 'custom',
          message: `key:role[:name] entries separated by commas, role one of ${ROLES.join(', ')}; entry ${index + 1} of ${entries.length}: ${problem}`,
        });
        return;
      }
      keys.push({ key: key!, role: role as Role, name: name || undefined });
    });
    return keys;
  });

/** Variables whose values may hold secrets (keys, passwords in URLs): an error names them but never shows the value. */
const SECRET = new Set(['API_KEYS', 'DATABASE_URL', 'REDIS_URL']);

const schema = z.object({
  PORT: int(0, 65535).default(4000),
  HOST: z.string().trim().min(1, 'a host name or address').default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .trim()
    .min(1, 'a file path, file: URL, :memory: or postgres:// URL')
    .default('./data/quotes.db'),
  REDIS_URL: z
    .string()
    .trim()
    .regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL')
    .optional(),
  /**
   * Beyond the contract: what this fleet's Redis keys and channels start with, so several fleets (or tests) share one
   * Redis without meeting.
   */
  REDIS_PREFIX: z.string().trim().min(1).max(100).default('quote-queue:'),
  WORKER_CONCURRENCY: int(0, 1000).default(4),
  /**
   * Beyond the contract: `npm start` runs its worker (WORKER_CONCURRENCY) in a child process at a lower CPU priority
   * (WORKER_NICE) rather than in the API's event loop, so underwriting never delays a request. Default true, except
   * with DATABASE_URL=:memory: (one process's database), where it runs in the API process; false: always there.
   */
  WORKER_PROCESS: bool.optional(),
  /**
   * Beyond the contract: the CPU priority (nice value) of the worker child process that `npm start` starts with
   * WORKER_PROCESS, above the API's 0: when both want a core the kernel runs the API first. 0: the same as the API.
   */
  WORKER_NICE: int(0, 19).default(10),
  /**
   * Beyond the contract: how long `npm start` warms the JIT before /ready turns 200, in ms: a scratch copy of the
   * service on a temporary database of the same engine takes real traffic over loopback meanwhile (docs/runtime.md).
   * 0: ready at once.
   */
  WARM_UP_MS: int(0, 600_000).default(3000),
  MAX_QUEUE_SIZE: int(1, 10_000_000).default(1000),
  MAX_ACTIVE_PER_OWNER: int(1, 10_000_000).optional(),
  RETENTION_HOURS: int(1, 24 * 365).default(24),
  API_KEYS: apiKeys.optional(),
  RATE_LIMIT_PER_SECOND: int(1, 1_000_000).optional(),
  ALLOW_FAULT_INJECTION: bool.default(false),
  PROCESSING_DELAY_MS: int(0, 3_600_000).default(0),
  RETRY_BACKOFF_MS: int(0, 300_000).default(1000),
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: bool.default(false),
  /**
   * Beyond the contract: the wait before a failed webhook call's first retry, in ms; each next one doubles (with
   * jitter, capped at an hour) for 24 hours. Tests shorten it.
   */
  WEBHOOK_RETRY_BASE_MS: int(1, 3_600_000).default(5000),
  /** Beyond the contract: every this many seconds a PENDING message waits raises its taking priority one level. */
  PRIORITY_AGING_SECONDS: int(0, 86_400 * 30).default(0),
  /**
   * Beyond the contract: connections each process keeps to PostgreSQL (a `postgres://` DATABASE_URL), plus one that
   * listens for other processes' changes. Ignored for SQLite.
   */
  DATABASE_POOL_SIZE: int(1, 1000).default(10),
  /**
   * Beyond the contract: whether each process holds a PostgreSQL connection that LISTENs for other processes'
   * commits. `false` behind a pooler in transaction mode, where LISTEN does not work: other processes' changes are
   * then noticed through REDIS_URL's wake-ups, or else by reading the log once a second.
   */
  DATABASE_LISTEN: bool.default(true),
  /**
   * Beyond the contract: a process that has not written its heartbeat for this long leaves the `workers` list
   * (a process beats every second, or every third of this when shorter).
   */
  FLEET_LEASE_SECONDS: int(1, 3600).default(10),
  /** Beyond the contract: SQLite `synchronous`; NORMAL loses nothing on a process crash (docs/guarantees.md). */
  SQLITE_SYNCHRONOUS: z.enum(['NORMAL', 'FULL'], { message: 'NORMAL or FULL' }).default('NORMAL'),
  /** Beyond the contract: seconds running attempts get to finish on SIGTERM before they go back to PENDING. */
  SHUTDOWN_GRACE_SECONDS: int(0, 3600).default(10),
  /**
   * Beyond the contract: the most pages (4 KiB each) the SQLite file may grow to (PRAGMA max_page_count);
   * past it writes answer STORAGE_UNAVAILABLE ("full"). Unset: no cap. Also how tests fill the disk.
   */
  SQLITE_MAX_PAGES: int(1, 2_147_483_647).optional(),
  /**
   * Beyond the contract: most an operation may cost, each list counting its selection once per item it is
   * expected to hold (docs/security.md); a costlier one is refused with BAD_USER_INPUT before it runs.
   */
  MAX_QUERY_COST: int(100, 100_000_000).default(20_000),
  /** Beyond the contract: WebSockets one client address may hold open at once; more are refused (429). */
  WS_MAX_CONNECTIONS_PER_CLIENT: int(1, 100_000).default(50),
  /**
   * Beyond the contract: subscriptions one key may hold open at once, WebSocket and SSE together; more are
   * refused with RATE_LIMITED. Default 1000 with keys, no limit in open mode (one local user).
   */
  MAX_SUBSCRIPTIONS_PER_KEY: int(1, 1_000_000).optional(),
  /**
   * Beyond the contract: proxies (addresses or CIDR ranges, comma-separated) whose X-Forwarded-For names the client
   * address for per-address limits; unset: the direct peer is the client (docs/security.md).
   */
  TRUST_PROXY: z
    .string()
    .trim()
    .transform((raw, ctx) => {
      const list = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      try {
        proxyAddr.compile(list);
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: `addresses or CIDR ranges separated by commas (${(error as Error).message})`,
        });
      }
      return list;
    })
    .optional(),
  /** Beyond the contract: TCP connections the server holds at once (server.maxConnections); more are dropped. */
  MAX_CONNECTIONS: int(1, 1_000_000).default(10_000),
  /** Set: spans are exported over OTLP/HTTP (the standard OTEL_EXPORTER_OTLP_* variables apply). */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().trim().url('an http(s) URL').optional(),
  /** The OTLP encoding, as the specification names it (default http/protobuf); the TRACES_ form wins. */
  OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol.optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol.optional(),
  OTEL_SERVICE_NAME: z.string().trim().min(1).default('quote-queue'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = Omit<
  z.infer<typeof schema>,
  | 'API_KEYS'
  | 'RATE_LIMIT_PER_SECOND'
  | 'MAX_SUBSCRIPTIONS_PER_KEY'
  | 'WORKER_PROCESS'
  | 'OTEL_EXPORTER_OTLP_PROTOCOL'
  | 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
> & {
  /** How spans are encoded: the traces variable, else the general one, else the specification's default. */
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: OtlpProtocol;
  WORKER_PROCESS: boolean;
  API_KEYS: ApiKey[] | undefined;
  /** Requests a key may make per second; undefined means no limit (open mode default). */
  RATE_LIMIT_PER_SECOND: number | undefined;
  /** Subscriptions a key may hold open at once; undefined means no limit (open mode default). */
  MAX_SUBSCRIPTIONS_PER_KEY: number | undefined;
};

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export class ConfigError extends Error {}

/** Parses the environment; throws ConfigError naming each bad variable and what it accepts. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "unset", as shells and compose files often export empty values.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0]);
      const value = SECRET.has(name) ? '(value not shown)' : JSON.stringify(present[name] ?? '');
      return `  ${i.path.join('.')}=${value}: expected ${i.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const keys = c.API_KEYS && c.API_KEYS.length > 0 ? c.API_KEYS : undefined;
  if (c.WORKER_PROCESS === true && c.DATABASE_URL === ':memory:') {
    throw new ConfigError(
      'WORKER_PROCESS=true needs a database both processes can open: a SQLite file or a postgres:// URL, not :memory:',
    );
  }
  if (!keys && !isLoopback(c.HOST)) {
    throw new ConfigError(
      `Refusing to start in open mode on HOST=${c.HOST}: without API_KEYS every caller is admin, so the service only listens on a loopback address (localhost, 127.0.0.0/8, ::1). Set API_KEYS=key:role[:name],... or HOST=127.0.0.1.`,
    );
  }
  const protocol = c.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? c.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  if (protocol === 'grpc' && c.OTEL_EXPORTER_OTLP_ENDPOINT) {
    throw new ConfigError(
      `OTEL_EXPORTER_OTLP_${c.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ? 'TRACES_' : ''}PROTOCOL=grpc: this service exports traces over OTLP/HTTP only; set http/protobuf (the default) or http/json, and point OTEL_EXPORTER_OTLP_ENDPOINT at the collector's OTLP/HTTP port (4318).`,
    );
  }
  const { OTEL_EXPORTER_OTLP_PROTOCOL: _general, ...rest } = c;
  return {
    ...rest,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol === 'grpc' ? 'http/protobuf' : protocol,
    API_KEYS: keys,
    WORKER_PROCESS: c.WORKER_PROCESS ?? c.DATABASE_URL !== ':memory:',
    RATE_LIMIT_PER_SECOND: c.RATE_LIMIT_PER_SECOND ?? (keys ? 200 : undefined),
    MAX_SUBSCRIPTIONS_PER_KEY: c.MAX_SUBSCRIPTIONS_PER_KEY ?? (keys ? 1000 : undefined),
  };
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
