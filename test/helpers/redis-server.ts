// Throwaway redis-server processes on loopback for the Cluster and outage tests. They never
// touch the shared server on 6379: each one gets a free port and a temporary directory.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** True when `redis-server` and `redis-cli` are on the PATH. */
export function haveRedisBinaries(): boolean {
  return ['redis-server', 'redis-cli'].every(
    (bin) => spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0,
  )
}

/** Sends one inline command and returns the first reply line, or null if nothing answers. */
export async function redisCommand(port: number, command: string): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = new Socket()
    let reply = ''
    const done = (value: string | null) => {
      socket.destroy()
      resolve(value)
    }
    socket.setTimeout(500, () => done(null))
    socket.on('error', () => done(null))
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8')
      if (reply.includes('\r\n')) done(reply)
    })
    socket.connect(port, '127.0.0.1', () => socket.write(`${command}\r\n`))
  })
}

export interface RedisProcess {
  readonly port: number
  /** SIGKILLs the process and waits for it to exit (an abrupt outage). */
  kill(): Promise<void>
  /** Starts it again on the same port. */
  restart(): Promise<void>
  /** Kills it and removes its directory. Safe to call twice. */
  cleanup(): Promise<void>
}

/**
 * Starts a redis-server on a free loopback port and waits until it answers PING. The port was
 * only free a moment ago (other processes pick ports too), so a server that exits at once is
 * started again on another port, up to three times.
 */
export async function startRedisServer(extraArgs: string[] = []): Promise<RedisProcess> {
  let lastError: unknown
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startRedisServerOnce(extraArgs)
    } catch (err) {
      lastError = err
    }
  }
  throw lastError
}

async function startRedisServerOnce(extraArgs: string[]): Promise<RedisProcess> {
  const port = await freePort()
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-redis-'))
  let child: ChildProcess | undefined
  const start = async () => {
    const c = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'].concat(
        ['--daemonize', 'no', '--dir', dir],
        extraArgs,
      ),
      { stdio: 'ignore' },
    )
    child = c
    const exited = new Promise<never>((_, reject) =>
      c.once('exit', (code) => reject(new Error(`redis-server on ${port} exited (${code})`))),
    )
    exited.catch(() => {}) // only observed while starting
    await Promise.race([waitFor(port, (reply) => reply.startsWith('+PONG'), 'PING'), exited])
  }
  const kill = async () => {
    const c = child
    child = undefined
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return
    const exited = new Promise((resolve) => c.once('exit', resolve))
    c.kill('SIGKILL')
    await exited
  }
  const cleanup = async () => {
    await kill()
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await start()
  } catch (err) {
    await cleanup()
    throw err
  }
  return { port, kill, restart: start, cleanup }
}

async function waitFor(port: number, ok: (reply: string) => boolean, command: string) {
  for (let i = 0; i < 100; i++) {
    const reply = await redisCommand(port, command)
    if (reply !== null && ok(reply)) return
    await sleep(100)
  }
  throw new Error(`redis on port ${port} did not answer ${command} in time`)
}

/** A three-master Redis Cluster on loopback. */
export interface RedisCluster {
  readonly ports: readonly number[]
  cleanup(): Promise<void>
}

/** Starts three cluster-enabled servers, joins them with redis-cli and waits for cluster_state:ok. */
export async function startRedisCluster(): Promise<RedisCluster> {
  // A loaded machine can make one attempt fail (a port taken, a slow join): try twice.
  try {
    return await startRedisClusterOnce()
  } catch {
    return startRedisClusterOnce()
  }
}

async function startRedisClusterOnce(): Promise<RedisCluster> {
  const nodes: RedisProcess[] = []
  const cleanup = async () => {
    for (const node of nodes) await node.cleanup()
  }
  try {
    for (let i = 0; i < 3; i++) {
      nodes.push(
        // The bus port defaults to port + 10000, which may be taken or above 65535 for a port
        // the OS handed out: give it a free port of its own (Redis 7's cluster-port).
        await startRedisServer([
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${i}.conf`,
          '--cluster-port',
          String(await freePort()),
        ]),
      )
    }
    const create = spawnSync(
      'redis-cli',
      ['--cluster', 'create']
        .concat(nodes.map((n) => `127.0.0.1:${n.port}`))
        .concat(['--cluster-replicas', '0', '--cluster-yes']),
      { encoding: 'utf8', timeout: 30_000 },
    )
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}`)
    for (const node of nodes) {
      await waitFor(node.port, (reply) => reply.includes('cluster_state:ok'), 'CLUSTER INFO')
    }
    return { ports: nodes.map((n) => n.port), cleanup }
  } catch (err) {
    await cleanup()
    throw err
  }
}
