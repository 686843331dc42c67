import { inspect, type InspectOptionsStylized } from 'node:util';
import { toMillis, type Duration } from '../common/duration.js';
import type { StepDefinition, WorkflowDefinition } from '../workflow/define.js';
import type { ChildOptions, SignalWaitOptions, WorkflowContext } from '../workflow/context.js';
import type { RunMachine } from './machine.js';
import { ContinueAsNew } from './outputs.js';

/** The `ctx` workflow code receives: a thin, checked front of its RunMachine. */
export class RunContext implements WorkflowContext {
  constructor(private readonly m: RunMachine) {}

  get workflowId(): string { return this.m.workflowId; }
  get runId(): string { return this.m.runId; }
  get workflowType(): string { return this.m.workflowType; }
  get taskQueue(): string { return this.m.taskQueue; }
  get isReplaying(): boolean { return this.m.isReplaying; }
  get isCancelled(): boolean { return this.m.isCancelled; }

  /** What a debugger or console.log shows: the run it belongs to, not the engine's internals. */
  [inspect.custom](_depth: number, options: InspectOptionsStylized): string {
    const { workflowId, runId, workflowType, taskQueue } = this;
    return `WorkflowContext ${inspect({ workflowId, runId, workflowType, taskQueue }, { ...options, depth: 0 })}`;
  }

  step<A extends unknown[], R>(step: StepDefinition<A, R>, ...args: A): Promise<Awaited<R>> {
    this.m.assertActive(`ctx.step('${step?.name}')`);
    return this.m.commandStep(step as StepDefinition<any[], any>, args) as Promise<Awaited<R>>;
  }

  sleep(duration: Duration): Promise<void> {
    this.m.assertActive('ctx.sleep()');
    return this.m.commandSleep(toMillis(duration, 'sleep duration'));
  }

  now(): number {
    return this.m.now();
  }

  random(): number {
    return this.m.random();
  }

  uuid(): string {
    return this.m.uuid();
  }

  waitForSignal<T = unknown>(name: string, options: SignalWaitOptions = {}): Promise<T | undefined> {
    this.m.assertActive(`ctx.waitForSignal('${name}')`);
    const timeout = options.timeout === undefined ? undefined : toMillis(options.timeout, 'signal timeout');
    return this.m.commandWaitForSignal(name, timeout) as Promise<T | undefined>;
  }

  onQuery(name: string, handler: (...args: any[]) => unknown): void {
    this.m.onQuery(name, handler);
  }

  child<I, O>(workflow: WorkflowDefinition<I, O>, input: I, options: ChildOptions = {}): Promise<O> {
    this.m.assertActive(`ctx.child('${workflow?.name}')`);
    return this.m.commandChild(workflow, input, options) as Promise<O>;
  }

  continueAsNew(input: unknown): never {
    throw new ContinueAsNew(input);
  }

  patched(patchId: string): boolean {
    this.m.assertActive(`ctx.patched('${patchId}')`);
    return this.m.commandPatched(patchId);
  }
}
