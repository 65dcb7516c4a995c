'use strict';
const assert = require('assert');
const { loadExtensionWithFake } = require('./support/fakeVscode');

const workspaceFolder = { uri: { fsPath: '/ws' } };

function activated() {
  const loaded = loadExtensionWithFake();
  const context = { subscriptions: [] };
  loaded.extension.activate(context);
  return { ...loaded, context };
}

describe('extension activation', () => {
  it('registers a descriptor factory and a configuration provider for "wasmtime"', () => {
    const { state, context } = activated();
    assert.ok(state.factories.has('wasmtime'));
    assert.ok(state.providers.has('wasmtime'));
    assert.strictEqual(context.subscriptions.length, 2);
  });
});

describe('adapter descriptor factory', () => {
  it('starts `python3 -m dap_server` in the workspace folder by default', () => {
    const { state, api } = activated();
    const descriptor = state.factories.get('wasmtime').createDebugAdapterDescriptor({ workspaceFolder });
    assert.ok(descriptor instanceof api.DebugAdapterExecutable);
    assert.strictEqual(descriptor.command, 'python3');
    assert.deepStrictEqual(descriptor.args, ['-m', 'dap_server']);
    assert.deepStrictEqual(descriptor.options, { cwd: '/ws' });
  });

  it('uses wasmtime-dap.pythonPath', () => {
    const { state } = activated();
    state.settings['wasmtime-dap.pythonPath'] = '.venv/bin/python';
    const descriptor = state.factories.get('wasmtime').createDebugAdapterDescriptor({ workspaceFolder });
    assert.strictEqual(descriptor.command, '/ws/.venv/bin/python');
  });

  it('connects to 127.0.0.1:<wasmtime-dap.serverPort> when it is set', () => {
    const { state, api } = activated();
    state.settings['wasmtime-dap.serverPort'] = 4711;
    const descriptor = state.factories.get('wasmtime').createDebugAdapterDescriptor({ workspaceFolder });
    assert.ok(descriptor instanceof api.DebugAdapterServer);
    assert.strictEqual(descriptor.port, 4711);
    assert.strictEqual(descriptor.host, '127.0.0.1');
  });

  it('works without a workspace folder', () => {
    const { state } = activated();
    const descriptor = state.factories.get('wasmtime').createDebugAdapterDescriptor({ workspaceFolder: undefined });
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
    const config = { type: 'wasmtime', request: 'launch', name: 'n', program: 'a.wasm' };
    assert.strictEqual(await state.providers.get('wasmtime').resolveDebugConfiguration(workspaceFolder, config), config);
  });

  it('shows an error and cancels for an invalid configuration', async () => {
    const { state } = activated();
    const config = { type: 'wasmtime', request: 'attach', name: 'n' };
    assert.strictEqual(await state.providers.get('wasmtime').resolveDebugConfiguration(workspaceFolder, config), undefined);
    assert.match(state.errors[0], /^wasmtime: The "port" attribute/);
  });
});
