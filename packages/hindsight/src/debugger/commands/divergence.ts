import type { InfoTopic } from './spec.js';

/** `info divergence`: where the code at hand stops following the history, both sides (null when it follows it). */
export const divergenceTopics: readonly InfoTopic[] = [
  {
    names: ['divergence', 'diverge'],
    help: 'where the code stops following the history, both sides',
    run: (s) => ({ result: { kind: 'divergence', divergence: s.divergence ?? null } }),
  },
];
