/**
 * The Hindsight extension: starts the project's `hindsight dap` for sessions of type `hindsight`,
 * picks runs and recordings, reverse steps, the timeline view, and `vscode://hindsight.hindsight/debug` links.
 *
 * Compiled to CommonJS (this package has no "type": "module"): VS Code 1.85's extension host loads
 * extensions with require(), and cannot load an ES module as `main`.
 */
import * as vscode from 'vscode';
import { AdapterFactory, ConfigurationProvider } from './adapter.js';
import { registerPicks } from './picks.js';
import { registerSessionCommands } from './session.js';
import { registerTimeline } from './timelineView.js';
import { LinkHandler } from './uri.js';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory('hindsight', new AdapterFactory()),
    vscode.debug.registerDebugConfigurationProvider('hindsight', new ConfigurationProvider()),
    vscode.window.registerUriHandler(new LinkHandler()),
  );
  registerPicks(context);
  registerSessionCommands(context);
  registerTimeline(context);
}

export function deactivate(): void {
  // every registration is in context.subscriptions, which VS Code disposes
}
