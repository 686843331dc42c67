import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LinkError, parseDebugLink, recordingLink } from '../src/launch.js';

/** Parses a whole link as VS Code hands it over: path and query apart. */
const parse = (link: string, defaults = {}) => {
  const u = new URL(link);
  assert.equal(`${u.protocol}//${u.host}`, 'vscode://hindsight.hindsight');
  return parseDebugLink(u.pathname, u.search.slice(1), defaults);
};

describe('debug links: vscode://hindsight.hindsight/debug?… becomes a launch configuration and an event to go to', () => {
  it('a run link gives a workflow-run launch with its store and module, and the event as a number', () => {
    const link = parse('vscode://hindsight.hindsight/debug?run=refund-1&store=%2Ftmp%2Fa%20b%2Fstore.db&workflows=%2Fsrv%2Fdist%2Fworkflows.js&event=42');
    assert.deepEqual(link, {
      config: { type: 'hindsight', request: 'launch', name: 'Hindsight: run refund-1', run: 'refund-1', store: '/tmp/a b/store.db', workflows: '/srv/dist/workflows.js' },
      event: 42,
    });
  });

  it('a recording link needs no workflows; without event there is none to go to', () => {
    assert.deepEqual(parse('vscode://hindsight.hindsight/debug?recording=rec-f4c9ea7d&store=%2Fvar%2Fhs.db'), {
      config: { type: 'hindsight', request: 'launch', name: 'Hindsight: recording rec-f4c9ea7d', recording: 'rec-f4c9ea7d', store: '/var/hs.db' },
    });
  });

  it('what the link leaves out comes from the defaults (settings, the launch configuration, the folder)', () => {
    const link = parse('vscode://hindsight.hindsight/debug?run=orders-1', { store: '/w/.hindsight/hindsight.db', workflows: '/w/dist/wf.js', cwd: '/w' });
    assert.deepEqual(link.config, { type: 'hindsight', request: 'launch', name: 'Hindsight: run orders-1', run: 'orders-1', workflows: '/w/dist/wf.js', store: '/w/.hindsight/hindsight.db', cwd: '/w' });
  });

  it('the link the recorder prints parses back to the same recording, store and event', () => {
    const made = recordingLink('rec-1', '/data/my store&co.db', 7);
    assert.deepEqual(parse(made), { config: { type: 'hindsight', request: 'launch', name: 'Hindsight: recording rec-1', recording: 'rec-1', store: '/data/my store&co.db' }, event: 7 });
  });

  it('bad links give one clear line each, saying what is wrong', () => {
    const cases: [string, RegExp][] = [
      ['vscode://hindsight.hindsight/open?run=a&workflows=w.js', /link path must be \/debug, not '\/open'; a link looks like vscode:\/\/hindsight\.hindsight\/debug\?run=/],
      ['vscode://hindsight.hindsight/debug', /names no run or recording; a link looks like/],
      ['vscode://hindsight.hindsight/debug?run=a&recording=b', /names both a run and a recording; keep one/],
      ['vscode://hindsight.hindsight/debug?run=a', /link for run a has no workflows=<compiled module\.js>/],
      ['vscode://hindsight.hindsight/debug?recording=r&workflows=w.js', /only workflow runs take/],
      ['vscode://hindsight.hindsight/debug?recording=r&event=-3', /event must be a trace event index \(0, 1, 2…\), not '-3'/],
      ['vscode://hindsight.hindsight/debug?recording=r&event=1.5', /not '1\.5'/],
      ['vscode://hindsight.hindsight/debug?recording=r&evnt=3', /unknown parameter 'evnt'; it takes run, recording, store, workflows, event/],
      ['vscode://hindsight.hindsight/debug?recording=r&store=', /'store' is empty/],
      ['vscode://hindsight.hindsight/debug?recording=r&recording=s', /gives 'recording' more than once/],
    ];
    for (const [link, expected] of cases) {
      assert.throws(() => parse(link), (err: Error) => {
        assert.ok(err instanceof LinkError, link);
        assert.match(err.message, expected, link);
        assert.doesNotMatch(err.message, /\n/, 'one line');
        return true;
      });
    }
  });
});
