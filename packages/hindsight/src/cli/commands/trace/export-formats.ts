import type { Command } from 'commander';
import { chromeTrace, speedscope } from '../../../analysis/index.js';
import { InvalidInputError } from '../../../common/errors.js';
import { println, writeJsonFile } from '../../output/json.js';
import { loadRecording } from './recording.js';

/** `hindsight`: the recording itself, to debug elsewhere; the others are for trace viewers. */
export const EXPORT_FORMATS = ['hindsight', 'chrome', 'speedscope'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function exportFormat(text: string): ExportFormat {
  if ((EXPORT_FORMATS as readonly string[]).includes(text)) return text as ExportFormat;
  throw new InvalidInputError(`--format ${JSON.stringify(text)} is not one of ${EXPORT_FORMATS.join(', ')}; use chrome for Perfetto and chrome://tracing, speedscope for speedscope.app`);
}

/** Writes the decoded recording as a file a trace viewer opens. */
export function exportForViewer(cmd: Command, id: string, format: Exclude<ExportFormat, 'hindsight'>, output: string): void {
  const { execution: ex, frameArgs } = loadRecording(cmd, id);
  const doc = format === 'chrome' ? chromeTrace(ex, { name: id, frameArgs }) : speedscope(ex, { name: id });
  writeJsonFile(output, doc);
  const open = format === 'chrome' ? 'open it in https://ui.perfetto.dev or chrome://tracing' : 'open it in https://www.speedscope.app';
  println(`Wrote ${id} (${ex.length} events) to ${output} in ${format} format; ${open}`);
}
