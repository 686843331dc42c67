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
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { HindsightError, columnBuffer } from '../../src/common/index.js';
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
    const memory = (await import(new URL(`file://${root}/dist/src/common/memory.js`).href)) as { columnBuffer: typeof columnBuffer };
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
    // a decode's large columns do without it: plain memory, zeroed
    const plain = new Uint32Array(memory.columnBuffer(4 << 20));
    assert.equal(plain.length, 1 << 20);
    assert.ok(plain.every((w) => w === 0));
  });
});

describe('memory for the columns of a decode', () => {
  /** Anonymous memory in huge pages, in kB, of this process. */
  const hugeKb = (): number => Number(/AnonHugePages:\s+(\d+) kB/.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'))![1]);
  const thp = (): string => /\[(\w+)\]/.exec(readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'))![1]!;

  it('a large column is zeroed, exactly its size, and backed by huge pages where the kernel gives them on request', () => {
    const bytes = 8 * 1024 * 1024 + 12;
    const before = hugeKb();
    const buffer = columnBuffer(bytes);
    assert.equal(buffer.byteLength, bytes);
    const words = new Uint32Array(buffer, 0, bytes >> 2);
    assert.ok(words.every((w) => w === 0), 'zeroed, as an ArrayBuffer is');
    for (let i = 0; i < words.length; i++) words[i] = word(i);
    for (let i = 0; i < words.length; i += 4099) assert.equal(words[i], word(i));
    if (thp() !== 'never') assert.ok(hugeKb() - before >= 4096, `huge pages: ${before} kB before, ${hugeKb()} kB after`);
  });

  it('a column of half a huge page is backed by a huge page too: its one fault, not 256 of 4 KiB', () => {
    const before = hugeKb();
    const words = new Uint32Array(columnBuffer(3 << 19));
    assert.equal(words.length, 3 << 17);
    words.fill(1);
    if (thp() !== 'never') assert.ok(hugeKb() - before >= 2048, `huge pages: ${before} kB before, ${hugeKb()} kB after`);
  });

  /** Resident anonymous memory of this process, in kB. */
  const anonKb = (): number => Number(/Anonymous:\s+(\d+) kB/.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'))![1]);
  /** Waits (10 s at most) until this process holds `kb` more resident anonymous memory than `before`. */
  const residentAbove = async (before: number, kb: number): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (anonKb() - before < kb && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  };
  /** Collects garbage and lets the finalizers run (Node runs a native buffer's on a later turn), so that memory figures hold still. */
  const settle = async (): Promise<void> => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    for (let r = 0; r < 3; r++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };

  it('a large column becomes resident without being touched (its pages are faulted in by a helper thread, not by the decode)', async () => {
    const bytes = 64 << 20;
    await settle();
    const before = anonKb();
    const buffer = columnBuffer(bytes);
    await residentAbove(before, (bytes >> 10) * 0.9);
    assert.ok(anonKb() - before >= (bytes >> 10) * 0.9, `resident: ${anonKb() - before} kB of ${bytes >> 10} kB, 10 s after it was allocated`);
    assert.ok(new Uint32Array(buffer).every((w) => w === 0), 'still zeroed');
  });

  it('only the part of a large column that will be written is faulted in ahead: room it may never use stays out of memory', async () => {
    await settle();
    const before = anonKb();
    const buffer = columnBuffer(64 << 20, 16 << 20);
    await residentAbove(before, (16 << 10) * 0.9);
    await new Promise((r) => setTimeout(r, 200)); // a helper that went on would be well past 16 MiB by now
    const resident = anonKb() - before;
    assert.ok(resident >= (16 << 10) * 0.9 && resident < 32 << 10, `resident: ${resident} kB for 16 MiB to be written of 64 MiB`);
    assert.equal(buffer.byteLength, 64 << 20);
  });

  it('what is written into a large column while its pages are faulted in is kept, every word', async () => {
    const words = new Uint32Array(columnBuffer(128 << 20));
    for (let i = 0; i < words.length; i++) words[i] = word(i);
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 0; i < words.length; i++) if (words[i] !== word(i)) assert.fail(`word ${i} is ${words[i]}, not ${word(i)}`);
  });

  it('a large column dropped before its pages are all resident is released (the helper is stopped first), as often as it is asked', async () => {
    await settle();
    const before = anonKb();
    for (let r = 0; r < 8; r++) {
      columnBuffer(256 << 20);
      await settle();
    }
    assert.ok(anonKb() - before < 256 << 10, `${anonKb() - before} kB still resident after 8 columns of 256 MiB were dropped`);
  });

  it('a small column is zeroed and exactly its size', () => {
    const buffer = columnBuffer(4096);
    assert.equal(buffer.byteLength, 4096);
    assert.ok(new Uint8Array(buffer).every((b) => b === 0));
  });
});
