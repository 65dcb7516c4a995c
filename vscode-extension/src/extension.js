'use strict';
/** VS Code entry point: registers how `wasmtime` debug sessions are configured and started. */
const vscode = require('vscode');
const { adapterCommandLine, planAdapter } = require('./adapterCommand');
const {
  DEBUG_TYPE,
  defaultLaunchConfiguration,
  isEmptyConfiguration,
  validateConfiguration,
} = require('./debugConfiguration');
const { describeFailure, findInterpreter, nodeHost } = require('./interpreter');
const { selectedInterpreter } = require('./pythonExtension');

const OUTPUT_CHANNEL_NAME = 'Wasmtime Debugger';

/**
 * @param {vscode.ExtensionContext} context
 * @param {import('./interpreter').Host} host  the machine's facts (tests pass their own)
 */
function activate(context, host = nodeHost()) {
  const output = vscode.window.createOutputChannel(OUTPUT_CHANNEL_NAME);
  const adapters = new AdapterLocator(host, output);
  context.subscriptions.push(
    output,
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new WasmtimeAdapterFactory(adapters)),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new WasmtimeConfigurationProvider(adapters)),
  );
}

function deactivate() {}

/**
 * Decides how each session reaches the adapter. The interpreter is found before the session starts
 * (so a failure is one clear message and the launch stops there) and remembered for the factory.
 */
class AdapterLocator {
  constructor(host, output) {
    this.host = host;
    this.output = output;
    /** @type {Map<string, import('./interpreter').Candidate>} by workspace folder */
    this.interpreters = new Map();
  }

  plan(folder) {
    const settings = vscode.workspace.getConfiguration('wasmtime-dap', folder?.uri);
    return planAdapter({ pythonPath: settings.get('pythonPath'), serverPort: settings.get('serverPort') });
  }

  /** Finds the interpreter for sessions in `folder`; returns false (the user has been told why) when none works. */
  async prepare(folder) {
    const plan = this.plan(folder);
    if (plan.kind === 'server') {
      return true;
    }
    const result = await findInterpreter(
      {
        configured: plan.pythonPath,
        pythonExtension: plan.pythonPath === undefined ? await this.pythonExtensionInterpreter(folder) : undefined,
        workspaceRoot: folder?.uri.fsPath,
      },
      this.host,
    );
    if (result.found === undefined) {
      this.reportNoInterpreter(result);
      return false;
    }
    const { command, args } = adapterCommandLine(result.found);
    this.output.appendLine(`Debug adapter: ${[command, ...args].join(' ')} (from ${result.found.source})`);
    this.interpreters.set(folderKey(folder), result.found);
    return true;
  }

  async pythonExtensionInterpreter(folder) {
    try {
      return await selectedInterpreter(vscode.extensions, folder?.uri);
    } catch (error) {
      this.output.appendLine(`The Python extension did not say which interpreter is selected: ${error}`);
      return undefined;
    }
  }

  reportNoInterpreter(result) {
    const { toast, details } = describeFailure(result);
    for (const line of details) {
      this.output.appendLine(line);
    }
    const selectInterpreter = 'Select Interpreter';
    const openSettings = 'Open Settings';
    // Not awaited: the promise settles only when the toast is dismissed.
    vscode.window.showErrorMessage(toast, selectInterpreter, openSettings).then((choice) => {
      if (choice === selectInterpreter) {
        vscode.commands.executeCommand('python.setInterpreter');
      } else if (choice === openSettings) {
        vscode.commands.executeCommand('workbench.action.openSettings', 'wasmtime-dap.pythonPath');
      }
    });
  }

  /** @param {vscode.DebugSession} session */
  async descriptor(session) {
    const folder = session.workspaceFolder;
    const plan = this.plan(folder);
    if (plan.kind === 'server') {
      return new vscode.DebugAdapterServer(plan.port, plan.host);
    }
    if (!this.interpreters.has(folderKey(folder)) && !(await this.prepare(folder))) {
      throw new Error('no Python interpreter can run the wasmtime-dap debug adapter');
    }
    const { command, args } = adapterCommandLine(this.interpreters.get(folderKey(folder)));
    return new vscode.DebugAdapterExecutable(command, args, { cwd: folder?.uri.fsPath });
  }
}

function folderKey(folder) {
  return folder?.uri.fsPath ?? '';
}

class WasmtimeAdapterFactory {
  constructor(adapters) {
    this.adapters = adapters;
  }

  /** @param {vscode.DebugSession} session */
  createDebugAdapterDescriptor(session) {
    return this.adapters.descriptor(session);
  }
}

class WasmtimeConfigurationProvider {
  constructor(adapters) {
    this.adapters = adapters;
  }

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
      void vscode.window.showErrorMessage(`wasmtime: ${problem}`); // settles only when dismissed
      return undefined;
    }
    return config;
  }

  /**
   * @param {vscode.WorkspaceFolder | undefined} folder
   * @param {vscode.DebugConfiguration} config
   */
  async resolveDebugConfigurationWithSubstitutedVariables(folder, config) {
    return (await this.adapters.prepare(folder)) ? config : undefined;
  }
}

/** Lets the user choose one of the workspace's .wasm files. */
async function pickProgram() {
  // Packages in node_modules or a virtual environment may ship .wasm files of their own.
  const files = await vscode.workspace.findFiles('**/*.wasm', '**/{node_modules,.venv,venv}/**', 200);
  if (files.length === 0) {
    void vscode.window.showErrorMessage(
      'wasmtime: no .wasm file in this workspace. Build your program with debug info (-g) first, or add a launch.json.',
    );
    return undefined;
  }
  const items = files.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), fsPath: uri.fsPath }));
  const picked = await vscode.window.showQuickPick(items, { placeHolder: 'WebAssembly program to debug' });
  return picked?.fsPath;
}

module.exports = { activate, deactivate };
