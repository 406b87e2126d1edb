/**
 * A real redis-server (Debian's package) for the queue tests: an ephemeral loopback port, a
 * temporary directory, optionally the append-only file. Never a mock. Missing, it fails with
 * the install hint (CI's .ci/run installs it), like the tshark and chromium tests.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function assertRedisInstalled(): void {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('redis-server is not installed: apt-get install -y redis-server (bash .ci/run does)');
  }
}

/** A free loopback port: bind port 0, read it back, release it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Every server started and not yet disposed: `disposeAllRedis` ends them (a timed-out test skips its finally). */
const running = new Set<RedisServer>();

export async function disposeAllRedis(): Promise<void> {
  await Promise.all([...running].map((server) => server.dispose()));
}

export class RedisServer {
  readonly dir = mkdtempSync(join(tmpdir(), 'synack-redis-'));
  private process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    readonly appendonly: boolean,
    readonly password: string | undefined,
  ) {}

  static async start(options: { appendonly?: boolean; password?: string } = {}): Promise<RedisServer> {
    assertRedisInstalled();
    const server = new RedisServer(await freePort(), options.appendonly ?? false, options.password);
    running.add(server);
    await server.launch();
    return server;
  }

  /** With the password when there is one. */
  get url(): string {
    return `redis://${this.password ? `:${this.password}@` : ''}127.0.0.1:${this.port}`;
  }

  /** Starts redis-server on the same port and directory (its AOF, if any, is read back). */
  async launch(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--save',
      '',
      '--appendonly',
      this.appendonly ? 'yes' : 'no',
      '--daemonize',
      'no',
      ...(this.password ? ['--requirepass', this.password] : []),
    ];
    this.process = spawn('redis-server', args, { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (this.cli('PING') === 'PONG') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`redis-server on port ${this.port} did not answer PING`);
  }

  /** A redis-cli command; its trimmed stdout. */
  cli(...args: string[]): string {
    const auth = this.password ? ['--no-auth-warning', '-a', this.password] : [];
    const r = spawnSync('redis-cli', ['-p', String(this.port), ...auth, ...args], { encoding: 'utf8' });
    return (r.stdout ?? '').trim();
  }

  /** SHUTDOWN (the AOF is flushed), then waits for the process to end. */
  async stop(): Promise<void> {
    const proc = this.process;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    await exited;
    this.process = undefined;
  }

  async dispose(): Promise<void> {
    running.delete(this);
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
