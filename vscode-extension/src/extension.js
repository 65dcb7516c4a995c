'use strict';
/** VS Code entry point: registers how `wasmtime` debug sessions are configured and started. */
const vscode = require('vscode');
const { planAdapter } = require('./adapterCommand');
const {
  DEBUG_TYPE,
  defaultLaunchConfiguration,
  isEmptyConfiguration,
  validateConfiguration,
} = require('./debugConfiguration');

/** @param {vscode.ExtensionContext} context */
function activate(context) {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new WasmtimeAdapterFactory()),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new WasmtimeConfigurationProvider()),
  );
}

function deactivate() {}

class WasmtimeAdapterFactory {
  /** @param {vscode.DebugSession} session */
  createDebugAdapterDescriptor(session) {
    const folder = session.workspaceFolder;
    const settings = vscode.workspace.getConfiguration('wasmtime-dap', folder?.uri);
    const plan = planAdapter(
      { pythonPath: settings.get('pythonPath'), serverPort: settings.get('serverPort') },
      folder?.uri.fsPath,
    );
    if (plan.kind === 'server') {
      return new vscode.DebugAdapterServer(plan.port, plan.host);
    }
    return new vscode.DebugAdapterExecutable(plan.command, plan.args, { cwd: plan.cwd });
  }
}

class WasmtimeConfigurationProvider {
  /**
   * @param {vscode.WorkspaceFolder | undefined} folder
   * @param {vscode.DebugConfiguration} config
   */
  async resolveDebugConfiguration(folder, config) {
    if (isEmptyConfiguration(config)) {
      const program = await pickProgram();
      if (program === undefined) {
        return undefined; // the user dismissed the picker: abort quietly
      }
      return defaultLaunchConfiguration(program);
    }
    const problem = validateConfiguration(config);
    if (problem !== undefined) {
      await vscode.window.showErrorMessage(`wasmtime: ${problem}`);
      return undefined;
    }
    return config;
  }
}

/** Lets the user choose one of the workspace's .wasm files. */
async function pickProgram() {
  const files = await vscode.workspace.findFiles('**/*.wasm', '**/node_modules/**', 200);
  if (files.length === 0) {
    await vscode.window.showErrorMessage(
      'wasmtime: no .wasm file in this workspace. Build your program with debug info (-g) first, or add a launch.json.',
    );
    return undefined;
  }
  const items = files.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), fsPath: uri.fsPath }));
  const picked = await vscode.window.showQuickPick(items, { placeHolder: 'WebAssembly program to debug' });
  return picked?.fsPath;
}

module.exports = { activate, deactivate };
