// The VS Code side of mlpc: starts `mlpc lsp` as the language server of .mlp
// files (the highlighting comes from syntaxes/mlp.tmLanguage.json alone).
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

/** @type {LanguageClient | undefined} */
let client;

function createClient() {
  const command = vscode.workspace.getConfiguration("mlpc").get("path") || "mlpc";
  const serverOptions = { command, args: ["lsp"], transport: TransportKind.stdio };
  const clientOptions = {
    documentSelector: [
      { scheme: "file", language: "mlp" },
      { scheme: "untitled", language: "mlp" },
    ],
  };
  // The id "mlpc" makes the client read the `mlpc.trace.server` setting.
  return new LanguageClient("mlpc", "MLP Language Server", serverOptions, clientOptions);
}

async function startClient() {
  client = createClient();
  try {
    await client.start();
  } catch (err) {
    const command = vscode.workspace.getConfiguration("mlpc").get("path");
    vscode.window.showErrorMessage(
      `Could not start \`${command} lsp\`: ${err.message || err}. ` +
        "Set `mlpc.path` to the mlpc executable."
    );
  }
}

async function stopClient() {
  const running = client;
  client = undefined;
  if (running) {
    try {
      await running.stop();
    } catch {
      // A server that never started cannot be stopped; nothing is left to clean up.
    }
  }
}

async function restartClient() {
  await stopClient();
  await startClient();
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("mlpc.restartServer", restartClient),
    // A new executable needs a new client: the server options are fixed at creation.
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("mlpc.path")) {
        restartClient();
      }
    })
  );
  await startClient();
}

function deactivate() {
  return stopClient();
}

module.exports = { activate, deactivate };
