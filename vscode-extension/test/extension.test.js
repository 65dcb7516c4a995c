'use strict';
const assert = require('assert');
const { loadExtensionWithFake } = require('./support/fakeVscode');
const { fakeHost } = require('./support/fakeHost');

const workspaceFolder = { uri: { fsPath: '/ws' } };
const launchConfig = { type: 'wasmtime', request: 'launch', name: 'n', program: 'a.wasm' };

function activated(facts = { withAdapter: ['python3'] }) {
  const loaded = loadExtensionWithFake();
  const context = { subscriptions: [] };
  loaded.extension.activate(context, fakeHost(facts));
  return { ...loaded, context };
}

/** Resolves a configuration the way VS Code does before a session starts, then asks for the adapter. */
async function startSession(state, { folder } = { folder: workspaceFolder }) {
  const provider = state.providers.get('wasmtime');
  const resolved = await provider.resolveDebugConfiguration(folder, launchConfig);
  const substituted = await provider.resolveDebugConfigurationWithSubstitutedVariables(folder, resolved);
  if (substituted === undefined) {
    return undefined;
  }
  return state.factories.get('wasmtime').createDebugAdapterDescriptor({ workspaceFolder: folder });
}

describe('extension activation', () => {
  it('registers a descriptor factory, a configuration provider and an output channel', () => {
    const { state, context } = activated();
    assert.ok(state.factories.has('wasmtime'));
    assert.ok(state.providers.has('wasmtime'));
    assert.strictEqual(context.subscriptions.length, 3);
  });
});

describe('adapter descriptor factory', () => {
  it('starts `python3 -m dap_server` in the workspace folder when python3 can import it', async () => {
    const { state, api } = activated();
    const descriptor = await startSession(state);
    assert.ok(descriptor instanceof api.DebugAdapterExecutable);
    assert.strictEqual(descriptor.command, 'python3');
    assert.deepStrictEqual(descriptor.args, ['-m', 'dap_server']);
    assert.deepStrictEqual(descriptor.options, { cwd: '/ws' });
    assert.deepStrictEqual(state.output, ['Debug adapter: python3 -m dap_server (from PATH)']);
  });

  it("uses the workspace's .venv before python3", async () => {
    const { state } = activated({ files: ['/ws/.venv/bin/python3'], withAdapter: ['/ws/.venv/bin/python3', 'python3'] });
    assert.strictEqual((await startSession(state)).command, '/ws/.venv/bin/python3');
  });

  it("uses the Python extension's selected interpreter", async () => {
    const { state } = activated({ withAdapter: ['/opt/py/bin/python', 'python3'] });
    const environments = {
      getActiveEnvironmentPath: (uri) => ({ id: 'x', path: `${uri.fsPath}/unused` }),
      resolveEnvironment: async () => ({ executable: { uri: { fsPath: '/opt/py/bin/python' } } }),
    };
    state.pythonExtension = { isActive: false, activate: async () => ({ environments }) };
    assert.strictEqual((await startSession(state)).command, '/opt/py/bin/python');
  });

  it("uses an older Python extension's execution details", async () => {
    const { state } = activated({ withAdapter: ['conda run -n wasm python'] });
    const settings = { getExecutionDetails: () => ({ execCommand: ['conda', 'run', '-n', 'wasm', 'python'] }) };
    state.pythonExtension = { isActive: true, exports: { settings } };
    const descriptor = await startSession(state);
    assert.deepStrictEqual([descriptor.command, ...descriptor.args], ['conda', 'run', '-n', 'wasm', 'python', '-m', 'dap_server']);
  });

  it('goes on without the Python extension when it fails, and logs why', async () => {
    const { state } = activated();
    state.pythonExtension = { isActive: false, activate: async () => Promise.reject(new Error('boom')) };
    assert.strictEqual((await startSession(state)).command, 'python3');
    assert.match(state.output[0], /Python extension did not say .*boom/);
  });

  it('uses wasmtime-dap.pythonPath', async () => {
    const { state } = activated({ withAdapter: ['/ws/.venv/bin/python'] });
    state.settings['wasmtime-dap.pythonPath'] = '.venv/bin/python';
    assert.strictEqual((await startSession(state)).command, '/ws/.venv/bin/python');
  });

  it('stops the launch with a toast saying what to do, and the details in the output, when no Python can import it', async () => {
    const { state } = activated({ withAdapter: [] });
    state.toastChoice = 'Open Settings';
    assert.strictEqual(await startSession(state), undefined);
    assert.strictEqual(state.errors.length, 1);
    assert.match(state.errors[0], /no Python interpreter found that can run the debug adapter/);
    assert.match(state.output[0], /No Python interpreter could import the debug adapter/);
    assert.deepStrictEqual(state.output.slice(1), [
      '  python3 (from PATH): cannot import dap_server',
      '  python (from PATH): cannot import dap_server',
    ]);
    await new Promise(setImmediate);
    assert.deepStrictEqual(state.commands, [['workbench.action.openSettings', 'wasmtime-dap.pythonPath']]);
  });

  it('connects to 127.0.0.1:<wasmtime-dap.serverPort> without looking for Python', async () => {
    const { state, api } = activated({ withAdapter: [] });
    state.settings['wasmtime-dap.serverPort'] = 4711;
    const descriptor = await startSession(state);
    assert.ok(descriptor instanceof api.DebugAdapterServer);
    assert.strictEqual(descriptor.port, 4711);
    assert.strictEqual(descriptor.host, '127.0.0.1');
    assert.deepStrictEqual(state.errors, []);
  });

  it('works without a workspace folder', async () => {
    const { state } = activated();
    const descriptor = await startSession(state, { folder: undefined });
    assert.strictEqual(descriptor.command, 'python3');
    assert.deepStrictEqual(descriptor.options, { cwd: undefined });
  });
});

describe('configuration provider', () => {
  it('offers the workspace .wasm files when there is no launch.json', async () => {
    const { state } = activated();
    state.workspaceFiles = ['/ws/build/list.wasm', '/ws/build/shapes.wasm'];
    state.quickPickChoice = (items) => items.find((item) => item.label === 'build/shapes.wasm');
    const config = await state.providers.get('wasmtime').resolveDebugConfiguration(workspaceFolder, {});
    assert.strictEqual(config.type, 'wasmtime');
    assert.strictEqual(config.request, 'launch');
    assert.strictEqual(config.program, '/ws/build/shapes.wasm');
  });

  it('aborts quietly when the picker is dismissed', async () => {
    const { state } = activated();
    state.workspaceFiles = ['/ws/build/list.wasm'];
    state.quickPickChoice = () => undefined;
    assert.strictEqual(await state.providers.get('wasmtime').resolveDebugConfiguration(workspaceFolder, {}), undefined);
    assert.deepStrictEqual(state.errors, []);
  });

  it('explains that a program must be built when the workspace has no .wasm file', async () => {
    const { state } = activated();
    assert.strictEqual(await state.providers.get('wasmtime').resolveDebugConfiguration(workspaceFolder, {}), undefined);
    assert.match(state.errors[0], /no \.wasm file/);
  });

  it('passes a valid configuration through unchanged', async () => {
    const { state } = activated();
    assert.strictEqual(await state.providers.get('wasmtime').resolveDebugConfiguration(workspaceFolder, launchConfig), launchConfig);
  });

  it('shows an error and cancels for an invalid configuration', async () => {
    const { state } = activated();
    const config = { type: 'wasmtime', request: 'attach', name: 'n' };
    assert.strictEqual(await state.providers.get('wasmtime').resolveDebugConfiguration(workspaceFolder, config), undefined);
    assert.match(state.errors[0], /^wasmtime: The "port" attribute/);
  });
});
