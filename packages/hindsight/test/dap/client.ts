import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The built CLI: dist/test/dap -> dist/src/cli/main.js. */
export const CLI = path.resolve(here, '../../src/cli/main.js');

/**
 * A real DAP client (DebugClient from @vscode/debugadapter-testsupport) talking to `hindsight dap`
 * started as a child process, over its stdin and stdout. DebugClient spawns `runtime executable`
 * with no arguments, so the child is spawned here and the client connected to its pipes.
 */
export class AdapterClient extends DebugClient {
  child: ChildProcess | undefined;
  stderr = '';
  #exited: Promise<void> = Promise.resolve();

  constructor() {
    super(process.execPath, CLI, 'hindsight');
    // a launch replays the run first; values start a worker thread
    this.defaultTimeout = 20_000;
  }

  override start(): Promise<void> {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
    delete env.FORCE_COLOR;
    const child = spawn(process.execPath, [CLI, 'dap'], { stdio: ['pipe', 'pipe', 'pipe'], env });
    this.child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (this.stderr += s));
    this.connect(child.stdout!, child.stdin!);
    return Promise.resolve();
  }

  /** Disconnects, then waits for the adapter to exit (it exits by itself after disconnect). */
  override async stop(): Promise<void> {
    await this.disconnectRequest({}).catch(() => undefined);
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 5000);
    await this.#exited;
    clearTimeout(timer);
  }

  /** initialize, launch and configurationDone as an editor does them; resolves with the entry stop. */
  async open(args: Record<string, unknown>): Promise<DebugProtocol.StoppedEvent> {
    const [, , stopped] = await Promise.all([this.configurationSequence(), this.launch(args), this.waitForEvent('stopped')]);
    return stopped as DebugProtocol.StoppedEvent;
  }

  /** Sends a request that moves the cursor; resolves with the stopped event that follows it. */
  async moveBy(command: string, args: Record<string, unknown> = { threadId: 1 }): Promise<DebugProtocol.StoppedEvent> {
    const [, stopped] = await Promise.all([this.customRequest(command, args), this.waitForEvent('stopped')]);
    return stopped as DebugProtocol.StoppedEvent;
  }

  async frames(threadId = 1): Promise<DebugProtocol.StackFrame[]> {
    return (await this.stackTraceRequest({ threadId })).body.stackFrames;
  }

  /** The top frame as `function:line`. */
  async where(): Promise<string> {
    const [top] = await this.frames();
    return `${top!.name}:${top!.line}`;
  }

  /** The variables of a frame's scope, as `name=value`. */
  async scope(name: string, frame = 0): Promise<DebugProtocol.Variable[]> {
    const frames = await this.frames();
    const scopes = (await this.scopesRequest({ frameId: frames[frame]!.id })).body.scopes;
    const scope = scopes.find((s) => s.name === name);
    assert.ok(scope, `no scope ${name}; scopes: ${scopes.map((s) => s.name).join(', ')}`);
    return (await this.variablesRequest({ variablesReference: scope.variablesReference })).body.variables;
  }

  async children(v: DebugProtocol.Variable): Promise<DebugProtocol.Variable[]> {
    assert.ok(v.variablesReference > 0, `${v.name} does not expand`);
    return (await this.variablesRequest({ variablesReference: v.variablesReference })).body.variables;
  }

  async evaluate(expression: string, context: 'hover' | 'watch' | 'repl'): Promise<string> {
    const frameId = (await this.frames())[0]!.id;
    return (await this.evaluateRequest({ expression, context, frameId })).body.result;
  }

  /** A request that must fail: resolves with its message (which carries the HS_E_ code). */
  async refused(command: string, args: unknown = {}): Promise<string> {
    try {
      await this.customRequest(command, args);
    } catch (err) {
      return (err as Error).message;
    }
    assert.fail(`${command} succeeded; expected an error response`);
  }
}

export const show = (vars: readonly DebugProtocol.Variable[]): string[] => vars.map((v) => `${v.name}=${v.value}`);
