// A TCP proxy on loopback that a test can cut or freeze, to simulate an outage of a shared
// server (PostgreSQL) that the test must not stop.
import { createServer, Socket, type Server } from 'node:net'

export interface TcpProxy {
  readonly port: number
  /** Resets every connection and refuses new ones (the server went away). */
  cut(): Promise<void>
  /** Keeps connections open but forwards nothing either way (a hung server or a partition). */
  freeze(): void
  /** Forwards again on the same port; frozen connections are reset so clients reconnect. */
  restore(): Promise<void>
  close(): Promise<void>
}

/** Starts a proxy from a free loopback port to 127.0.0.1:`targetPort`. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let frozen = false
  let port = 0
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
  }
  const onConnection = (client: Socket) => {
    track(client)
    if (frozen) return // accepted, never answered
    const upstream = new Socket()
    track(upstream)
    upstream.connect(targetPort, '127.0.0.1')
    client.on('data', (chunk) => frozen || upstream.write(chunk))
    upstream.on('data', (chunk) => frozen || client.write(chunk))
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  }
  let server: Server | undefined
  const listen = async () => {
    const s = createServer(onConnection)
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject)
      s.listen(port, '127.0.0.1', () => resolve())
    })
    port = (s.address() as { port: number }).port
    server = s
  }
  const stopListening = async () => {
    const s = server
    server = undefined
    for (const socket of sockets) socket.destroy()
    if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()))
  }
  await listen()
  return {
    get port() {
      return port
    },
    cut: stopListening,
    freeze() {
      frozen = true
    },
    async restore() {
      frozen = false
      for (const socket of sockets) socket.destroy()
      if (server === undefined) await listen()
    },
    close: stopListening,
  }
}
