/**
 * A trace export is written a piece at a time (writeJsonFile): a full ring's Chrome trace is more
 * JSON than one string can hold. What it writes is what JSON.stringify would.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { writeJsonFile } from '../../src/cli/output/json.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-json-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('a JSON document written a piece at a time', () => {
  it('is what JSON.stringify writes, for any document (arrays and the objects that hold them taken apart, undefined left out as it leaves it)', () => {
    const file = path.join(dir, 'doc.json');
    const value = fc.oneof(fc.jsonValue(), fc.constant(undefined));
    const doc = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, value, fc.array(tie('node')), fc.dictionary(fc.string(), tie('node'))),
    })).node;
    fc.assert(
      fc.property(fc.dictionary(fc.string(), doc), (d) => {
        writeJsonFile(file, d);
        assert.equal(readFileSync(file, 'utf8'), JSON.stringify(d));
      }),
    );
  });

  it('writes an array longer than one write (a trace of a million events) whole', () => {
    const file = path.join(dir, 'trace.json');
    const doc = { traceEvents: Array.from({ length: 1_000_000 }, (_, i) => ({ name: `f${i % 97}`, ph: i % 2 ? 'E' : 'B', ts: i, pid: 1, tid: 1 })), displayTimeUnit: 'ms' };
    writeJsonFile(file, doc);
    assert.equal(readFileSync(file, 'utf8'), JSON.stringify(doc));
  });
});
