// Spawns a TypeScript entry point as a real child process and waits for it to say it is ready.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Child {
  proc: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

export function spawnTs(
  entry: string,
  env: Record<string, string>,
  readyText: string | RegExp = 'ready',
  args: string[] = [],
  nodeArgs: string[] = [],
): Promise<Child> {
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | string>((resolve) =>
    proc.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (typeof readyText === 'string' ? out.includes(readyText) : readyText.test(out)) {
        resolve({ proc, output: () => out, exited });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (c: Buffer) => {
      out += c.toString();
    });
    void exited.then((code) => reject(new Error(`${entry} exited (${code}) before it was ready:\n${out}`)));
  });
}
