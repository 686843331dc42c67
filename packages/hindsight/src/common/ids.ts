import { randomUUID } from 'node:crypto';

export const newWorkerId = (): string => `worker-${process.pid}-${randomUUID().slice(0, 8)}`;
