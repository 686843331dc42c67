// A long workflow for the values benchmark: about 9 trace events per loop iteration, a step every 10,000.
import { step, workflow } from 'hindsight/workflow';

export const settle = step('settle', (_ctx, batch: number, balance: number) => ({ batch, balance }));

function fee(cents: number, i: number): number {
  return i % 7 === 0 ? Math.round(cents * 0.03) : 1;
}

export const ledger = workflow('ledger', async (ctx, n: number) => {
  let balance = 0;
  const receipts: { batch: number; balance: number }[] = [];
  for (let i = 0; i < n; i++) {
    const cents = (i * 37) % 1000;
    balance += cents - fee(cents, i);
    if (i % 10_000 === 9_999) receipts.push(await ctx.step(settle, i, balance));
  }
  return { balance, receipts: receipts.length };
});
