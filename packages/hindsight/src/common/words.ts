/** `1 hit`, `3 hits`: a count and its noun, for messages people read. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
