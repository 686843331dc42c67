import type { Command } from 'commander';
import { HindsightError } from '../../common/errors.js';
import { serveStdio, serveTcp } from '../../dap/index.js';
import { renderResult } from './debug/render.js';

export function register(program: Command): void {
  program
    .command('dap')
    .description('serve the Debug Adapter Protocol (for VS Code and other editors) on stdin/stdout, or on 127.0.0.1 with --port')
    .option('--port <n>', 'listen on 127.0.0.1:<n> instead of stdin/stdout (0 picks a free port and prints it)')
    .action(async (flags: { port?: string }) => {
      if (flags.port === undefined) {
        serveStdio({ render: renderResult });
        return;
      }
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new HindsightError('HS_E_USAGE', `--port takes a port number 0 to 65535, not '${flags.port}'`);
      const { port: bound } = await serveTcp(port, { render: renderResult });
      process.stdout.write(`hindsight dap: listening on 127.0.0.1:${bound}\n`);
    });
}
