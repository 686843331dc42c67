// Decodes a recording of a store three times in a process of its own, as `hindsight debug` does,
// and prints {events, rates, addedBytes} as JSON: the benchmark's own process has run the load
// generator by then, and its heap would slow the decode by a third.
import { decodeRecording } from 'hindsight/recorder';
import { openRecordings } from 'hindsight/store';

const [store, id] = process.argv.slice(2);
const recordings = openRecordings({ path: store! });
const recording = recordings.get(id!)!;
recordings.close();
const rates: number[] = [];
let events = 0;
let addedBytes = 0;
for (let r = 0; r < 3; r++) {
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  events = decodeRecording(recording).length;
  rates.push(events / ((performance.now() - t0) / 1000));
  if (r === 0) addedBytes = process.memoryUsage().rss - before; // later decodes find the earlier ones' memory not yet collected
}
console.log(JSON.stringify({ events, rates, addedBytes }));
