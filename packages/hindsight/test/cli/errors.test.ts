import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { Sandbox, WORKFLOWS } from './helpers.js';

/**
 * Every mistake a user can make on the command line ends the same way: one
 * line on stderr with an HS_E_ code, exit code 1, and the store as it was.
 */
describe('bad input gives one error line with a code, exit 1, and leaves the store intact', () => {
  let sb: Sandbox;
  let runsBefore: unknown;
  let truncated: string;
  const file = (name: string) => path.join(sb.dir, name);

  before(async () => {
    sb = new Sandbox();
    await sb.ok(['workflow', 'start', 'approval', '--input', '{"item":"chair"}', '--workflow-id', 'keep-1']);
    await sb.ok(['workflow', 'start', 'greet', '--input', '{"name":"eve"}', '--workflow-id', 'keep-2']);
    await sb.ok(['workflow', 'export', 'keep-1', '-o', file('keep-1.json')]);
    const text = readFileSync(file('keep-1.json'), 'utf8');
    truncated = file('truncated.json');
    writeFileSync(truncated, text.slice(0, Math.floor(text.length / 2)));
    runsBefore = await sb.json(['workflow', 'list']);
  });
  afterEach(async () => {
    assert.deepEqual(await sb.json(['workflow', 'list']), runsBefore, 'the store\'s runs are unchanged');
  });
  after(() => sb.dispose());

  it('malformed JSON in --input names the flag and shows how to quote JSON in a shell', async () => {
    const { line } = await sb.fails(['workflow', 'start', 'greet', '--input', '{name: "x"}'], 'HS_E_INVALID_INPUT');
    assert.match(line, /^error --input is not valid JSON \(.*\): \{name: "x"\}; wrap the JSON in single quotes for the shell, e\.g\. --input '\{"orderId": 42\}'/);
  });

  it('malformed JSON in --payload and --args names its flag', async () => {
    assert.match((await sb.fails(['workflow', 'signal', 'keep-1', 'approve', '--payload', '{"by":'], 'HS_E_INVALID_INPUT')).line, /--payload is not valid JSON/);
    assert.match((await sb.fails(['workflow', 'query', 'keep-1', 'status', '--args', '[1,'], 'HS_E_INVALID_INPUT')).line, /--args is not valid JSON/);
    assert.match((await sb.fails(['workflow', 'query', 'keep-1', 'status', '--args', '{"a":1}'], 'HS_E_INVALID_INPUT')).line, /--args must be a JSON array/);
  });

  it('a truncated history file is refused by import and by replay, naming the file', async () => {
    const imp = await sb.fails(['workflow', 'import', truncated], 'HS_E_HISTORY_FILE');
    assert.match(imp.line, /truncated\.json: the file ends too early \(truncated\); export it again/);
    const rep = await sb.fails(['replay', truncated, '--workflows', WORKFLOWS], 'HS_E_HISTORY_FILE');
    assert.match(rep.line, /truncated\.json: the file ends too early/);
    assert.equal(rep.stdout, '', 'nothing was replayed');
  });

  it('a JSON file that is not a history, or a missing file, is refused by import', async () => {
    writeFileSync(file('package.json'), '{"name":"not-a-history"}');
    assert.match((await sb.fails(['workflow', 'import', file('package.json')], 'HS_E_HISTORY_FILE')).line, /not a Hindsight history/);
    assert.match((await sb.fails(['workflow', 'import', file('nope.json')], 'HS_E_FILE_NOT_FOUND')).line, /nope\.json does not exist/);
  });

  it('an unknown workflow id is reported by every command that looks a run up', async () => {
    const lookups = [
      ['workflow', 'show', 'ghost'],
      ['workflow', 'history', 'ghost'],
      ['workflow', 'export', 'ghost'],
      ['workflow', 'signal', 'ghost', 'approve'],
      ['workflow', 'cancel', 'ghost'],
      ['workflow', 'result', 'ghost'],
      ['workflow', 'fork', 'ghost', '--at', '1'],
      ['replay', '--run', 'ghost', '--workflows', WORKFLOWS],
    ];
    for (const args of lookups) {
      const { line } = await sb.fails(args, 'HS_E_WORKFLOW_NOT_FOUND');
      assert.match(line, /no workflow run with id ghost; list runs with `hindsight workflow list`/, args.join(' '));
    }
  });

  it('a missing --workflows module is refused by worker, dev, replay and workflow start', async () => {
    for (const args of [
      ['worker', '--workflows', 'missing.js'],
      ['dev', '--workflows', 'missing.js'],
      ['replay', file('keep-1.json'), '--workflows', 'missing.js'],
      ['workflow', 'start', 'greet', '--workflows', 'missing.js'],
    ]) {
      const { line } = await sb.fails(args, 'HS_E_WORKFLOWS_NOT_FOUND');
      assert.match(line, /workflows module missing\.js does not exist/, args.join(' '));
    }
    assert.match((await sb.fails(['worker'], 'HS_E_USAGE')).line, /required option '--workflows <module\.js>' not specified/);
    assert.match((await sb.fails(['replay', file('keep-1.json')], 'HS_E_USAGE')).line, /--workflows/);
  });

  it('a module that exports no workflows is refused', async () => {
    writeFileSync(file('empty.mjs'), 'export const x = 1;\n');
    assert.match((await sb.fails(['worker', '--workflows', file('empty.mjs')], 'HS_E_NO_WORKFLOWS')).line, /exports no workflows/);
  });

  it('bad flag values are refused before anything runs', async () => {
    assert.match((await sb.fails(['worker', '--workflows', WORKFLOWS, '--lease-timeout', 'soon'], 'HS_E_BAD_DURATION')).line, /--lease-timeout "soon" is not a duration/);
    assert.match((await sb.fails(['worker', '--workflows', WORKFLOWS, '--log', 'xml'], 'HS_E_INVALID_INPUT')).line, /--log must be one of json, pretty/);
    assert.match((await sb.fails(['worker', '--workflows', WORKFLOWS, '--concurrency', '0'], 'HS_E_INVALID_INPUT')).line, /--concurrency must be a whole number/);
    assert.match((await sb.fails(['workflow', 'list', '--status', 'DONE'], 'HS_E_INVALID_INPUT')).line, /--status "DONE" is not a run status/);
    assert.match((await sb.fails(['workflow', 'list', '--since', 'yesterday'], 'HS_E_INVALID_INPUT')).line, /--since "yesterday" is neither/);
    assert.match((await sb.fails(['workflow', 'list', '--cursor', 'garbage'], 'HS_E_BAD_CURSOR')).line, /cursor/);
    assert.match((await sb.fails(['workflow', 'result', 'keep-1', '--timeout', 'never'], 'HS_E_BAD_DURATION')).line, /--timeout/);
    assert.match((await sb.fails(['workflow', 'list', '--durability', 'fast'], 'HS_E_INVALID_INPUT')).line, /--durability must be full or normal/);
  });

  it('unknown commands and options are usage errors on one line', async () => {
    assert.match((await sb.fails(['workflow', 'lst'], 'HS_E_USAGE')).line, /unknown command 'lst' \(Did you mean list\?\); run with --help/);
    assert.match((await sb.fails(['workflow', 'list', '--colour'], 'HS_E_USAGE')).line, /unknown option '--colour'/);
    assert.match((await sb.fails(['replay', '--workflows', WORKFLOWS], 'HS_E_USAGE')).line, /nothing to replay/);
  });

  it('an unknown workflow name with --workflows starts nothing', async () => {
    assert.match((await sb.fails(['workflow', 'start', 'gret', '--workflows', WORKFLOWS], 'HS_E_UNKNOWN_WORKFLOW')).line, /unknown workflow 'gret'/);
  });

  it('a command that reads runs does not create a store where there is none', async () => {
    const nowhere = file('typo/hindsight.db');
    const { line } = await sb.fails(['workflow', 'list'], 'HS_E_STORE_NOT_FOUND', { store: nowhere });
    assert.match(line, /no store at .*typo\/hindsight\.db; pass --store/);
    assert.ok(!existsSync(path.dirname(nowhere)));
  });
});
