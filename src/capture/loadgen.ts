/**
 * A small TCP load generator for capture tests: one echo server process and
 * several client processes, each keeping many connections open that exchange
 * a few request/response messages, then close and reconnect (connection
 * churn: new flows, new hashes, closes that delete sock flow table slots).
 * Separate processes let the scheduler put the two ends on different CPUs,
 * which is what gives RFS something to steer.
 *
 * Talks to `--host` (127.0.0.1 by default), stops by itself after
 * `--duration` seconds or `--max-connections` connections per client,
 * whichever comes first.
 *
 *   node dist/capture/loadgen.js [--role all|server|clients] [--host 127.0.0.1] [--port 7070]
 *        [--clients 2] [--connections 64] [--duration 3] [--min-exchanges 2]
 *        [--max-exchanges 40] [--max-connections 20000] [--seed N]
 *        [--pin-server CPUS] [--pin-clients CPUS]
 *
 * `--seed` makes the exchanges per connection a fixed sequence (client i uses
 * seed + i), so two runs with `--max-connections` and a long enough
 * `--duration` make the same connections with the same exchanges; timing
 * still differs. `--pin-server` / `--pin-clients` pin those processes (every
 * thread: taskset -a) to a CPU list, so the application does not move
 * between CPUs in reaction to steering.
 *
 * Roles: `all` (default) runs the server and the clients; `server` and
 * `clients` run one side each, so the two can live in different network
 * namespaces (`ip netns exec A node loadgen.js --role server --host 10.0.0.1`).
 * A server prints {"ready":true} once it listens and stops on SIGTERM or
 * after `--duration` + 10 s. `all` and `clients` print one JSON line at the
 * end: {"connections":N,"exchanges":N}.
 */
import { fork, spawnSync } from 'node:child_process';
import { createConnection, createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface LoadOptions {
  host: string;
  port: number;
  clients: number;
  connections: number;
  durationS: number;
  minExchanges: number;
  maxExchanges: number;
  maxConnections: number;
  /** 0: exchanges per connection from Math.random. */
  seed: number;
  pinServer: string;
  pinClients: string;
}

const DEFAULTS: LoadOptions = {
  host: '127.0.0.1',
  port: 7070,
  clients: 2,
  connections: 64,
  durationS: 3,
  minExchanges: 2,
  maxExchanges: 40,
  maxConnections: 20000,
  seed: 0,
  pinServer: '',
  pinClients: '',
};
const MESSAGE = Buffer.alloc(64, 0x61);

export function parseLoadArgs(argv: string[]): LoadOptions & { role: string } {
  const o: LoadOptions & { role: string } = { ...DEFAULTS, role: 'all' };
  const keys: Record<string, Exclude<keyof LoadOptions, 'host' | 'pinServer' | 'pinClients'>> = {
    '--port': 'port',
    '--clients': 'clients',
    '--connections': 'connections',
    '--duration': 'durationS',
    '--min-exchanges': 'minExchanges',
    '--max-exchanges': 'maxExchanges',
    '--max-connections': 'maxConnections',
    '--seed': 'seed',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--role') o.role = argv[++i];
    else if (a === '--host') o.host = argv[++i];
    else if (a === '--pin-server') o.pinServer = argv[++i];
    else if (a === '--pin-clients') o.pinClients = argv[++i];
    else if (keys[a]) {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) throw new Error(`loadgen: ${a} needs a non-negative number`);
      o[keys[a]] = v;
    } else throw new Error(`loadgen: unknown argument ${a}`);
  }
  return o;
}

/** Echoes every chunk back: each client message makes the server read and write once. */
function runServer(o: LoadOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const sockets = new Set<Socket>();
    const server = createServer((s) => {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('data', (d) => s.write(d));
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    });
    server.on('error', reject);
    server.listen(o.port, o.host, () => {
      if (process.send) process.send({ ready: true });
      else process.stdout.write(JSON.stringify({ ready: true }) + '\n');
    });
    const stop = (): void => {
      server.close();
      for (const s of sockets) s.destroy();
      resolve();
    };
    process.on('message', (m: { stop?: boolean }) => m.stop && stop());
    process.on('SIGTERM', stop);
    // A hard bound even if the parent vanished.
    setTimeout(stop, (o.durationS + 10) * 1000).unref();
  });
}

async function runClient(o: LoadOptions): Promise<{ connections: number; exchanges: number }> {
  const deadline = Date.now() + o.durationS * 1000;
  let connections = 0;
  let exchanges = 0;
  const random = o.seed > 0 ? mulberry32(o.seed) : Math.random;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      connections++;
      const want = o.minExchanges + Math.floor(random() * (o.maxExchanges - o.minExchanges + 1));
      let done = 0;
      let got = 0;
      const s = createConnection({ host: o.host, port: o.port });
      s.setNoDelay(true);
      s.on('connect', () => s.write(MESSAGE));
      s.on('data', (d) => {
        got += d.length;
        while (got >= MESSAGE.length) {
          got -= MESSAGE.length;
          done++;
          exchanges++;
          if (done >= want || Date.now() >= deadline) {
            s.end();
            return;
          }
          s.write(MESSAGE);
        }
      });
      s.on('error', () => resolve());
      s.on('close', () => resolve());
    });
  const lane = async (): Promise<void> => {
    while (Date.now() < deadline && connections < o.maxConnections) await one();
  };
  await Promise.all(Array.from({ length: o.connections }, lane));
  return { connections, exchanges };
}

/** A small seeded generator (mulberry32): a fixed sequence in [0, 1) per seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pins every thread of a process to a CPU list (taskset -a), when one is given. */
function pin(pid: number | undefined, cpus: string): void {
  if (!cpus || pid === undefined) return;
  const r = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`loadgen: taskset -c ${cpus} failed: ${r.stderr || r.error}`);
}

function roleArgs(o: LoadOptions, role: string, seed = o.seed): string[] {
  return [
    '--role',
    role,
    '--host',
    o.host,
    '--port',
    String(o.port),
    '--connections',
    String(o.connections),
    '--duration',
    String(o.durationS),
    '--min-exchanges',
    String(o.minExchanges),
    '--max-exchanges',
    String(o.maxExchanges),
    '--max-connections',
    String(o.maxConnections),
    '--seed',
    String(seed),
  ];
}

/** `--clients` client processes; their totals. */
async function runClients(o: LoadOptions): Promise<{ connections: number; exchanges: number }> {
  const self = fileURLToPath(import.meta.url);
  const results = await Promise.all(
    Array.from({ length: o.clients }, (_, i) => {
      const c = fork(self, roleArgs(o, 'client', o.seed > 0 ? o.seed + i : 0), { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
      pin(c.pid, o.pinClients);
      return new Promise<{ connections: number; exchanges: number }>((resolve, reject) => {
        c.once('message', (m) => resolve(m as { connections: number; exchanges: number }));
        c.once('exit', (code) => code !== 0 && reject(new Error(`loadgen: client exited with ${code}`)));
      });
    }),
  );
  return results.reduce((a, r) => ({ connections: a.connections + r.connections, exchanges: a.exchanges + r.exchanges }), { connections: 0, exchanges: 0 });
}

async function runAll(o: LoadOptions): Promise<void> {
  const server = fork(fileURLToPath(import.meta.url), roleArgs(o, 'server'), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  pin(server.pid, o.pinServer);
  await new Promise<void>((resolve, reject) => {
    server.once('message', () => resolve());
    server.once('exit', (code) => reject(new Error(`loadgen: server exited with ${code}`)));
  });
  const total = await runClients(o);
  server.send({ stop: true });
  await new Promise((r) => server.once('exit', r));
  process.stdout.write(JSON.stringify(total) + '\n');
}

async function main(): Promise<void> {
  const o = parseLoadArgs(process.argv.slice(2));
  if (o.role === 'server') await runServer(o);
  else if (o.role === 'clients') process.stdout.write(JSON.stringify(await runClients(o)) + '\n');
  else if (o.role === 'client') {
    const r = await runClient(o);
    process.send?.(r);
  } else await runAll(o);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}
