import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CliError, findNode, locateCli, type Cli } from '../src/cli.js';
import { listRecordings, listRuns, orderRuns, recordingLine, runLine, type RunRow } from '../src/listing.js';
import { CLI, hindsightRuns, PKG, recordPrograms, REPO, type Runs } from './helpers.js';

const cli: Cli = { node: process.execPath, script: CLI };

describe('pickers: the store listed by the real CLI, what went wrong first', () => {
  let runs: Runs;
  let recordings: ReturnType<typeof recordPrograms>;
  before(async () => {
    runs = await (await hindsightRuns()).recordRuns();
    recordings = recordPrograms();
  });
  after(() => {
    runs?.dispose();
    recordings?.dispose();
  });

  it('runs: the failed run first, then the others newest first, as `workflow list --json` gives them', async () => {
    const listed = await listRuns(cli, runs.dir, runs.store);
    assert.deepEqual(listed.map((r) => `${r.workflowId}:${r.status}`), ['refund-1:FAILED', 'noisy-1:COMPLETED', 'basket-1:COMPLETED', 'orders-1:COMPLETED']);
    const line = runLine(listed[0]!, listed[0]!.createdAt + 90_000);
    assert.equal(line.id, listed[0]!.runId, 'the picker answers the run id, which names one run even when a workflow id is reused');
    assert.equal(line.label, '$(error) refund-1');
    assert.match(line.description, /^refund · FAILED · \d+ events · 2min ago$/);
    assert.match(line.detail ?? '', /refund of 250 is over the limit/);
  });

  it('recordings: the crash first although it is older, with its error; the normal exit after', async () => {
    const listed = await listRecordings(cli, recordings.dir, recordings.store);
    assert.deepEqual(listed.map((r) => `${r.trigger}:${r.command.at(-1)}`), ['crash:crash.js', 'exit:ok.js']);
    assert.ok(listed[0]!.createdAt < listed[1]!.createdAt, 'the CLI lists newest first; the picker moved the crash up');
    const line = recordingLine(listed[0]!);
    assert.match(line.label, /^\$\(error\) rec-[0-9a-f]+$/);
    assert.equal(line.detail, 'Error: boom 3');
  });

  it('a store that does not exist is the CLI\'s own one-line error, not an empty list', async () => {
    await assert.rejects(listRuns(cli, runs.dir, path.join(runs.dir, 'nope.db')), (err: Error) => {
      assert.ok(err instanceof CliError);
      assert.match(err.message, /^hindsight workflow list .* failed: .*nope\.db/);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
  });

  it('ordering is stable: within a status the CLI order stays', () => {
    const row = (workflowId: string, status: string): RunRow => ({ runId: workflowId, workflowId, workflowType: 't', status, eventCount: 1, createdAt: 0, error: null });
    const ordered = orderRuns([row('a', 'COMPLETED'), row('b', 'FAILED'), row('c', 'RUNNING'), row('d', 'BLOCKED'), row('e', 'FAILED')]);
    assert.deepEqual(ordered.map((r) => r.workflowId), ['b', 'e', 'd', 'a', 'c']);
  });
});

describe('the adapter: the project\'s own hindsight package, run by the user\'s Node', () => {
  let empty: string;
  before(() => {
    empty = mkdtempSync(path.join(tmpdir(), 'hindsight-noinstall-'));
  });
  after(() => rmSync(empty, { recursive: true, force: true }));

  it('found from a workspace folder that has hindsight installed (its bin, whatever its exports hide)', () => {
    assert.equal(locateCli([empty, REPO]), CLI);
  });

  it('a folder with an installed package that names its bin as a string is read too', () => {
    const fake = path.join(empty, 'proj');
    mkdirSync(path.join(fake, 'node_modules', 'hindsight', 'bin'), { recursive: true });
    writeFileSync(path.join(fake, 'node_modules', 'hindsight', 'package.json'), JSON.stringify({ name: 'hindsight', bin: 'bin/cli.js', main: 'bin/cli.js' }));
    writeFileSync(path.join(fake, 'node_modules', 'hindsight', 'bin', 'cli.js'), '');
    assert.equal(locateCli([fake]), path.join(fake, 'node_modules', 'hindsight', 'bin', 'cli.js'));
  });

  it('not installed: the setting hindsight.cliPath, else one line saying to npm i -D hindsight', () => {
    assert.equal(locateCli([empty], CLI), CLI);
    assert.throws(() => locateCli([empty]), /^CliError: the hindsight package is not installed \(looked in .*hindsight-noinstall-.*\); run `npm i -D hindsight` in your project, or set hindsight\.cliPath$/);
    assert.throws(() => locateCli([], undefined), /no workspace folder is open/);
    assert.throws(() => locateCli([empty], path.join(empty, 'gone.js')), /hindsight\.cliPath points at .*gone\.js, which does not exist/);
  });

  it('Node.js comes from PATH or hindsight.nodePath, never the editor\'s runtime; missing, it says what to install', () => {
    const bin = path.dirname(process.execPath);
    assert.equal(findNode(undefined, { PATH: [path.join(PKG, 'no-such-dir'), bin].join(path.delimiter) }), path.join(bin, 'node'));
    assert.equal(findNode(process.execPath, { PATH: '' }), process.execPath);
    assert.throws(() => findNode(undefined, { PATH: empty }), /^CliError: Node\.js is not on PATH; install Node\.js 20 or newer, or set hindsight\.nodePath$/);
    assert.throws(() => findNode(empty, {}), /hindsight\.nodePath points at .* which is not a file/);
  });
});
