import Table from 'cli-table3';
import pc from 'picocolors';

/**
 * A table for people. Colours come from picocolors only (cli-table3's own
 * colouring ignores NO_COLOR and pipes), so piped output is plain text.
 */
export function renderTable(head: string[], rows: string[][], opts: { borderless?: boolean } = {}): string {
  const table = new Table({
    head: head.map((h) => pc.bold(h)),
    style: { head: [], border: [], 'padding-left': opts.borderless ? 0 : 1, 'padding-right': opts.borderless ? 2 : 1 },
    chars: opts.borderless ? BORDERLESS : NO_ROW_RULES,
    wordWrap: false,
  });
  for (const row of rows) table.push(row); // not push(...rows): a long list would pass more arguments than the stack holds
  return table.toString();
}

/** Rows without rules between them: a list of runs reads faster without. */
const NO_ROW_RULES = { 'left-mid': '', mid: '', 'mid-mid': '', 'right-mid': '' };

const BORDERLESS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '',
};
