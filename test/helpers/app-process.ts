// Starts a compiled test-app script in its own Node process; the script prints its port on
// stdout once listening. Used by the many-process and SIGKILL tests.
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export interface AppProcess {
  readonly child: ChildProcess
  readonly port: number
  readonly url: string
  /** SIGKILLs it (no chance to flush anything) and waits for it to exit. Safe to call twice. */
  kill(): Promise<void>
}

/** Runs `test/helpers/<name>.js` with `args` and waits for the port it prints. */
export function startAppProcess(name: string, args: string[]): Promise<AppProcess> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), `${name}.js`)
  const child = spawn(process.execPath, [script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const kill = () =>
    new Promise<void>((resolve) => {
      child.removeAllListeners('exit')
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGKILL')
    })
  return new Promise((resolve, reject) => {
    // A loaded machine can take seconds to start Node and connect a store; never forever.
    const timer = setTimeout(() => {
      void kill().then(() => reject(new Error(`app process ${name} did not start in 30 s`)))
    }, 30_000)
    const fail = (err: Error) => {
      clearTimeout(timer)
      reject(err)
    }
    child.once('error', fail)
    child.once('exit', (code) => fail(new Error(`app process exited early (${code})`)))
    child.stdout!.once('data', (chunk: Buffer) => {
      clearTimeout(timer)
      const port = Number(String(chunk).trim())
      resolve({ child, port, url: `http://127.0.0.1:${port}`, kill })
    })
  })
}
