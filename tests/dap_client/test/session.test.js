// VS Code's own DAP test client against wasmtime-dap. Run by tests/dap/test_dap_client.py,
// which sets DAP_PYTHON, DAP_REPO and (for the end-to-end part) DAP_PROGRAM/DAP_SOURCE/DAP_BREAK_LINE.
'use strict';

const assert = require('assert');
const path = require('path');
const { DebugClient } = require('@vscode/debugadapter-testsupport');

const repo = process.env.DAP_REPO;
const python = process.env.DAP_PYTHON || 'python3';
assert.ok(repo, 'DAP_REPO must name the repository root');

function newClient() {
  const env = { ...process.env, PYTHONPATH: repo };
  const client = new DebugClient(python, path.join(repo, 'dap_server', '__main__.py'), 'wasmtime', { env });
  client.defaultTimeout = 60000;
  return client;
}

describe('wasmtime-dap without a program', function () {
  let dc;
  beforeEach(() => { dc = newClient(); return dc.start(); });
  afterEach(() => dc.stop());

  it('answers initialize with capabilities', async function () {
    const response = await dc.initializeRequest();
    assert.strictEqual(response.body.supportsConfigurationDoneRequest, true);
    assert.strictEqual(response.body.supportsLogPoints, true);
    const filters = response.body.exceptionBreakpointFilters.map((f) => f.filter).sort();
    assert.deepStrictEqual(filters, ['abort', 'trap']);
  });

  it('refuses a launch of a missing program, saying why', async function () {
    await assert.rejects(  // launch() sends initialize first
      dc.launch({ program: path.join(repo, 'no', 'such.wasm') }),
      /program not found/,
    );
  });

  it('refuses unknown requests and stepping back', async function () {
    await dc.initializeRequest();
    await assert.rejects(dc.customRequest('noSuchRequest'), /unsupported request/);
    await assert.rejects(dc.stepBackRequest({ threadId: 1 }), /not supported/);
  });

  it('answers threads with no threads before launch', async function () {
    await dc.initializeRequest();
    const response = await dc.threadsRequest();
    assert.deepStrictEqual(response.body.threads, []);
  });
});

const program = process.env.DAP_PROGRAM;
const source = process.env.DAP_SOURCE;
const breakLine = Number(process.env.DAP_BREAK_LINE);

(program ? describe : describe.skip)('wasmtime-dap debugging a C program', function () {
  let dc;
  beforeEach(() => { dc = newClient(); return dc.start(); });
  afterEach(() => dc.stop());

  it('stops at a breakpoint, shows the stack and runs to the end', async function () {
    await dc.hitBreakpoint({ program }, { path: source, line: breakLine });
    const threads = await dc.threadsRequest();
    assert.deepStrictEqual(threads.body.threads.map((t) => t.id), [1]);
    const stack = await dc.stackTraceRequest({ threadId: 1 });
    assert.strictEqual(stack.body.stackFrames[0].source.path, source);
    const scopes = await dc.scopesRequest({ frameId: stack.body.stackFrames[0].id });
    assert.ok(scopes.body.scopes.length > 0);
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
  });
});
