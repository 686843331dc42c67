/**
 * The flight recorder's ring lives in a file mapped MAP_SHARED: what one
 * process writes there is plain memory, yet it is in the file for every other
 * mapping to see, and it stays there when the writer is SIGKILLed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HindsightError } from '../../src/common/index.js';
import { mapShared } from '../../src/recorder/shared-memory.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-shm-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The compiled wrapper, as a child process imports it. */
const WRAPPER_URL = new URL('../../src/recorder/shared-memory.js', import.meta.url).href;

/** A pattern no stale or zeroed page could pass for: every word differs from its neighbours and from 0. */
const word = (i: number): number => (Math.imul(i, 2654435761) ^ 0x9e3779b9) >>> 0;

describe('shared memory for the flight recorder', () => {
  it('what is written through one mapping is read back through a second mapping of the same file, and is in the file itself', () => {
    const file = path.join(dir, 'two-mappings.ring');
    const writer = new Uint32Array(mapShared(file, 4096));
    const reader = new Uint32Array(mapShared(file, 4096));
    for (let i = 0; i < writer.length; i++) writer[i] = word(i);
    for (let i = 0; i < reader.length; i++) assert.equal(reader[i], word(i), `word ${i}`);
    // And the other way round: the two are one memory, not copies.
    reader[7] = 0xdeadbeef;
    assert.equal(writer[7], 0xdeadbeef);
    const onDisk = readFileSync(file);
    assert.equal(onDisk.readUInt32LE(0), word(0));
    assert.equal(onDisk.readUInt32LE(7 * 4), 0xdeadbeef);
  });

  it('a new file is created with exactly the size asked, zero-filled, readable and writable by its owner only', () => {
    const file = path.join(dir, 'new.ring');
    const bytes = 3 * 4096 + 12;
    const buffer = mapShared(file, bytes);
    assert.equal(buffer.byteLength, bytes);
    assert.ok(new Uint8Array(buffer).every((b) => b === 0));
    const st = statSync(file);
    assert.equal(st.size, bytes);
    assert.equal(st.mode & 0o777, 0o600);
  });

  it('a child process SIGKILLed after writing 1,000,000 words leaves every word for the parent to read', async () => {
    const file = path.join(dir, 'killed.ring');
    const WORDS = 1_000_000;
    const script = `
      import { mapShared } from ${JSON.stringify(WRAPPER_URL)};
      const word = ${word.toString()};
      const ring = new Uint32Array(mapShared(${JSON.stringify(file)}, ${WORDS * 4}));
      for (let i = 0; i < ring.length; i++) ring[i] = word(i);
      console.log('ready');
      setInterval(() => {}, 60_000); // stay alive until killed: nothing gets a chance to flush or exit cleanly
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    let out = '';
    child.stdout.setEncoding('utf8');
    for await (const chunk of child.stdout) {
      out += chunk;
      if (out.includes('ready')) break;
    }
    assert.match(out, /ready/, 'the child wrote its pattern');
    child.kill('SIGKILL');
    const [code, signal] = await exited;
    assert.equal(code, null);
    assert.equal(signal, 'SIGKILL');

    const ring = new Uint32Array(mapShared(file, WORDS * 4));
    assert.equal(ring.length, WORDS);
    let wrong = 0;
    let firstWrong = -1;
    for (let i = 0; i < WORDS; i++) {
      if (ring[i] !== word(i)) {
        wrong++;
        if (firstWrong < 0) firstWrong = i;
      }
    }
    assert.equal(wrong, 0, `${wrong} of ${WORDS} words differ, the first at ${firstWrong}`);
  });

  it('mapping a path in a folder that does not exist throws an Error naming the path and the reason', () => {
    const file = path.join(dir, 'no-such-folder', 'ring');
    assert.throws(
      () => mapShared(file, 4096),
      (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.ok(err.message.includes(file), err.message);
        assert.match(err.message, /No such file or directory/);
        assert.equal((err as { syscall?: unknown }).syscall, 'open');
        return true;
      },
    );
  });

  it('sizes that cannot be mapped are refused before touching the file', () => {
    const file = path.join(dir, 'bad-size.ring');
    for (const bytes of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => mapShared(file, bytes), RangeError, `bytes = ${bytes}`);
    }
    assert.throws(() => mapShared(file, '4096' as unknown as number), RangeError);
    assert.throws(() => mapShared(`${file}\0x`, 4096), TypeError);
  });

  it('an existing file of the right size keeps its content when mapped again, as a reader maps a ring left behind', () => {
    const file = path.join(dir, 'left-behind.ring');
    const content = Buffer.alloc(8192);
    for (let i = 0; i < content.length / 4; i++) content.writeUInt32LE(word(i), i * 4);
    writeFileSync(file, content);
    const ring = new Uint32Array(mapShared(file, content.length));
    for (let i = 0; i < ring.length; i++) assert.equal(ring[i], word(i), `word ${i}`);
    assert.equal(statSync(file).size, content.length);
  });

  it('a shorter existing file keeps its content and is grown with zeros; a longer one is not cut short', () => {
    const file = path.join(dir, 'resized.ring');
    writeFileSync(file, Buffer.from([1, 2, 3, 4]));
    const grown = new Uint8Array(mapShared(file, 4096));
    assert.deepEqual([...grown.subarray(0, 6)], [1, 2, 3, 4, 0, 0]);
    assert.equal(statSync(file).size, 4096);
    const prefix = new Uint8Array(mapShared(file, 2));
    assert.deepEqual([...prefix], [1, 2]);
    assert.equal(statSync(file).size, 4096);
  });

  it('without the native part built, mapShared says so with HS_E_RECORDER_NATIVE and what to run', async () => {
    // A copy of the compiled wrapper in a package root that has no build/ folder.
    const root = path.join(dir, 'unbuilt');
    const here = path.dirname(fileURLToPath(import.meta.url));
    for (const rel of ['src/recorder/shared-memory.js', 'src/common/memory.js', 'src/common/errors.js']) {
      mkdirSync(path.dirname(path.join(root, 'dist', rel)), { recursive: true });
      copyFileSync(path.join(here, '../..', rel), path.join(root, 'dist', rel));
    }
    const unbuilt = (await import(new URL(`file://${root}/dist/src/recorder/shared-memory.js`).href)) as {
      mapShared: typeof mapShared;
    };
    assert.throws(
      () => unbuilt.mapShared(path.join(dir, 'never.ring'), 4096),
      (err: unknown) => {
        assert.ok(HindsightError.is(err, 'HS_E_RECORDER_NATIVE'));
        assert.match(err.message, /npm rebuild hindsight/);
        assert.ok(!err.message.includes('\n'), 'one line');
        assert.ok(err.cause instanceof Error, 'the load failure is kept as the cause');
        return true;
      },
    );
  });
});
