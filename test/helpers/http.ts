// Real HTTP for adapter tests: start an Express app or a Node server on 127.0.0.1:0, a client with a one-origin
// cookie jar (fetch), and a raw-socket request for header bytes fetch refuses to send.
import { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { connect } from 'node:net'
import type { Express } from 'express'

export interface Running {
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

/** Starts `app` (an Express app, or any Node HTTP server not yet listening) on 127.0.0.1:0. */
export async function listen(app: Express | Server): Promise<Running> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s instanceof Server ? s : (app as Server)))
  })
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((err) => (err ? reject(err) : resolve()))
      }),
  }
}

export interface Reply {
  readonly status: number
  readonly text: string
  readonly headers: Headers
  readonly setCookies: string[]
}

/** A browser-ish client: remembers cookies it is given (Max-Age=0 forgets), never follows redirects. */
export interface Client {
  readonly jar: Map<string, string>
  cookieHeader(): string | undefined
  request(path: string, init?: RequestInit & { headers?: Record<string, string> }): Promise<Reply>
}

export function client(base: string): Client {
  const jar = new Map<string, string>()
  const cookieHeader = (): string | undefined =>
    jar.size === 0 ? undefined : [...jar].map(([k, v]) => `${k}=${v}`).join('; ')
  return {
    jar,
    cookieHeader,
    async request(path, init = {}) {
      const headers: Record<string, string> = { ...init.headers }
      const cookie = cookieHeader()
      if (cookie !== undefined && headers.cookie === undefined) headers.cookie = cookie
      const res = await fetch(base + path, { ...init, headers, redirect: 'manual' })
      const setCookies = res.headers.getSetCookie()
      for (const line of setCookies) {
        const pair = line.split(';')[0] ?? ''
        const name = pair.slice(0, pair.indexOf('='))
        if (/;\s*Max-Age=0(;|$)/i.test(line)) jar.delete(name)
        else jar.set(name, pair.slice(pair.indexOf('=') + 1))
      }
      return { status: res.status, text: await res.text(), headers: res.headers, setCookies }
    },
  }
}

/** Sends raw header bytes (e.g. UTF-8 in a Cookie header) and returns the status code. */
export function rawStatus(port: number, path: string, headerLines: Buffer[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('error', reject)
    socket.on('end', () => {
      const head = Buffer.concat(chunks).toString('latin1')
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0))
    })
    socket.write(
      Buffer.concat([
        Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`),
        ...headerLines.flatMap((l) => [l, Buffer.from('\r\n')]),
        Buffer.from('\r\n'),
      ]),
    )
  })
}

/** A urlencoded form POST for `Client.request`. */
export function form(fields: Record<string, string>): {
  method: string
  headers: Record<string, string>
  body: string
} {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  }
}
