// The recorder benchmark's service: routing, JSON, a few layers of its own functions and awaits,
// as a small real service has. Served over HTTP by shop.ts, and called in process by
// handlers-load.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';

interface Item {
  readonly sku: string;
  readonly cents: number;
  readonly qty: number;
}

const catalog = new Map<string, number>();
for (let i = 0; i < 200; i++) catalog.set(`sku-${i}`, 100 + ((i * 37) % 900));

export function priceOf(sku: string): number {
  const cents = catalog.get(sku);
  if (cents === undefined) throw new Error(`unknown sku ${sku}`);
  return cents;
}

function lineTotal(item: Item): number {
  return item.qty > 10 ? Math.round(item.cents * item.qty * 0.9) : item.cents * item.qty;
}

async function loadCart(id: number): Promise<Item[]> {
  await Promise.resolve();
  const items: Item[] = [];
  for (let k = 0; k < 1 + (id % 5); k++) {
    const sku = `sku-${(id * 7 + k) % 200}`;
    items.push({ sku, cents: priceOf(sku), qty: 1 + ((id + k) % 12) });
  }
  return items;
}

async function quote(id: number): Promise<{ id: number; total: number; lines: number }> {
  const items = await loadCart(id);
  let total = 0;
  for (const item of items) total += lineTotal(item);
  return { id, total, lines: items.length };
}

export function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname.startsWith('/quote/')) return send(res, 200, await quote(Number(url.pathname.slice(7))));
  if (url.pathname === '/health') return send(res, 200, { ok: true });
  if (url.pathname === '/rss') return send(res, 200, { rss: process.memoryUsage().rss });
  send(res, 404, { error: 'not found' });
}

