/** A real DAP client (DebugClient) on `hindsight dap` started the way the extension starts it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { cliEnv, type Cli } from '../src/cli.js';

export class Adapter extends DebugClient {
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  stderr = '';

  /** `cli` is what the extension's AdapterFactory would run: [node, script, 'dap']. */
  constructor(private readonly cli: Cli) {
    super(cli.node, cli.script, 'hindsight');
    this.defaultTimeout = 20_000; // a launch replays the run first
  }

  // DebugClient spawns its runtime with no arguments; the adapter needs `dap`, so it is spawned here
  override start(): Promise<void> {
    const child = spawn(this.cli.node, [this.cli.script, 'dap'], { stdio: ['pipe', 'pipe', 'pipe'], env: cliEnv() });
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (this.stderr += s));
    this.connect(child.stdout!, child.stdin!);
    return Promise.resolve();
  }

  override async stop(): Promise<void> {
    await this.disconnectRequest({}).catch(() => undefined);
    const timer = setTimeout(() => this.#child?.kill('SIGKILL'), 5000);
    await this.#exited;
    clearTimeout(timer);
  }

  /** A request that must fail: its one-line message. */
  async refused(command: string, args: unknown): Promise<string> {
    try {
      await this.customRequest(command, args);
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error(`${command} ${JSON.stringify(args)} succeeded; expected an error response`);
  }
}
