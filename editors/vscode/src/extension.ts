// Starts `dockopt server` for Dockerfiles: diagnostics, quick fixes, "fix all" and hover come
// from the server; this file only finds the binary and passes the settings on.
import * as vscode from 'vscode';
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
} from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

/** The settings the server reads (`initializationOptions`, then each change). */
function serverSettings(): { unsafeFixes: boolean; cacheMounts: boolean } {
  const config = vscode.workspace.getConfiguration('dockopt');
  return {
    unsafeFixes: config.get<boolean>('unsafeFixes', false),
    cacheMounts: config.get<boolean>('cacheMounts', false),
  };
}

async function start(): Promise<void> {
  const command =
    vscode.workspace.getConfiguration('dockopt').get<string>('path') || 'dockopt';
  const serverOptions: ServerOptions = { command, args: ['server'] };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'dockerfile' },
      { scheme: 'untitled', language: 'dockerfile' },
    ],
    initializationOptions: serverSettings(),
    // Sends `workspace/didChangeConfiguration` with the `dockopt` section on each change.
    synchronize: { configurationSection: 'dockopt' },
  };
  client = new LanguageClient('dockopt', 'dockopt', serverOptions, clientOptions);
  try {
    await client.start();
  } catch (e) {
    client = undefined;
    void vscode.window.showErrorMessage(
      `dockopt: could not start \`${command} server\` (${e}). Install dockopt (cargo install --path .) or set dockopt.path.`,
    );
  }
}

async function restart(): Promise<void> {
  await client?.stop();
  client = undefined;
  await start();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand('dockopt.restart', restart),
    // Another binary needs another server; the other settings reach the running one.
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('dockopt.path')) {
        void restart();
      }
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
