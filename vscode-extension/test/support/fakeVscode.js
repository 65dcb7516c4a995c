'use strict';
/**
 * The slice of the `vscode` module API that src/extension.js uses. The real module only exists
 * inside a running VS Code, so tests load the extension against this recording stand-in.
 */
const Module = require('module');

function createFakeVscode() {
  const state = {
    settings: {},
    workspaceFiles: [],
    quickPickChoice: (items) => items[0],
    errors: [],
    toastChoice: undefined,
    commands: [],
    output: [],
    pythonExtension: undefined,
    factories: new Map(),
    providers: new Map(),
  };

  class DebugAdapterExecutable {
    constructor(command, args, options) {
      Object.assign(this, { command, args, options });
    }
  }

  class DebugAdapterServer {
    constructor(port, host) {
      Object.assign(this, { port, host });
    }
  }

  const api = {
    DebugAdapterExecutable,
    DebugAdapterServer,
    debug: {
      registerDebugAdapterDescriptorFactory(type, factory) {
        state.factories.set(type, factory);
        return { dispose() {} };
      },
      registerDebugConfigurationProvider(type, provider) {
        state.providers.set(type, provider);
        return { dispose() {} };
      },
    },
    workspace: {
      getConfiguration(section) {
        return {
          get: (key) => state.settings[`${section}.${key}`],
        };
      },
      async findFiles() {
        return state.workspaceFiles.map((fsPath) => ({ fsPath }));
      },
      asRelativePath(uri) {
        return uri.fsPath.replace(/^\/ws\//, '');
      },
    },
    extensions: {
      getExtension(id) {
        return id === 'ms-python.python' ? state.pythonExtension : undefined;
      },
    },
    commands: {
      async executeCommand(...command) {
        state.commands.push(command);
      },
    },
    window: {
      createOutputChannel() {
        return { appendLine: (line) => state.output.push(line), dispose() {} };
      },
      async showErrorMessage(message) {
        state.errors.push(message);
        return state.toastChoice;
      },
      async showQuickPick(items) {
        return state.quickPickChoice(items);
      },
    },
  };
  return { api, state };
}

/** Loads src/extension.js with `require('vscode')` answered by a fresh fake. */
function loadExtensionWithFake() {
  const fake = createFakeVscode();
  const originalLoad = Module._load;
  Module._load = function load(request, ...rest) {
    return request === 'vscode' ? fake.api : originalLoad.call(this, request, ...rest);
  };
  try {
    const extensionPath = require.resolve('../../src/extension');
    delete require.cache[extensionPath];
    const extension = require(extensionPath);
    return { extension, ...fake };
  } finally {
    Module._load = originalLoad;
  }
}

module.exports = { loadExtensionWithFake };
