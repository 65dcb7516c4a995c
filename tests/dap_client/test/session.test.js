// VS Code's own DAP test client against wasmtime-dap. Run by tests/dap/test_dap_client.py,
// which sets DAP_PYTHON, DAP_REPO and (for the end-to-end part) DAP_PROGRAMS, DAP_MARKERS and DAP_SOURCES.
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

const programs = JSON.parse(process.env.DAP_PROGRAMS || '{}');
const markers = JSON.parse(process.env.DAP_MARKERS || '{}');
const sources = process.env.DAP_SOURCES;
const sourceOf = (name) => path.join(sources, name);

async function launchAndConfigure(dc, launchArgs, configure) {
  await dc.initializeRequest({ adapterID: 'wasmtime', supportsInvalidatedEvent: true });
  const initialized = dc.waitForEvent('initialized');
  await dc.launchRequest(launchArgs);
  await initialized;
  await configure();
  await dc.configurationDoneRequest();
}

async function topFrame(dc) {
  const stack = await dc.stackTraceRequest({ threadId: 1 });
  return stack.body.stackFrames[0];
}

(programs.basics ? describe : describe.skip)('wasmtime-dap debugging C programs', function () {
  let dc;
  beforeEach(() => { dc = newClient(); return dc.start(); });
  afterEach(() => dc.stop());

  it('stops at a breakpoint, shows the stack and runs to the end', async function () {
    const location = { path: sourceOf('basics.c'), line: markers['basics.c'].square_body };
    await dc.hitBreakpoint({ program: programs.basics }, location);
    const threads = await dc.threadsRequest();
    assert.deepStrictEqual(threads.body.threads.map((t) => t.id), [1]);
    const frame = await topFrame(dc);
    assert.strictEqual(frame.source.path, location.path);
    const scopes = await dc.scopesRequest({ frameId: frame.id });
    assert.ok(scopes.body.scopes.length > 0);
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
  });

  it('applies breakpoints set before launch and says so with breakpoint events', async function () {
    const lines = markers['basics.c'];
    await dc.initializeRequest({ adapterID: 'wasmtime' });
    const early = await dc.setBreakpointsRequest({
      source: { path: sourceOf('basics.c') },
      breakpoints: [{ line: lines.no_code }],
    });
    assert.strictEqual(early.body.breakpoints[0].verified, false);
    const changed = dc.waitForEvent('breakpoint');
    await dc.launchRequest({ program: programs.basics });
    const event = await changed;
    assert.strictEqual(event.body.breakpoint.id, early.body.breakpoints[0].id);
    assert.strictEqual(event.body.breakpoint.verified, true);
    assert.strictEqual(event.body.breakpoint.line, lines.sum_return);
    await Promise.all([
      dc.configurationDoneRequest(),
      dc.assertStoppedLocation('breakpoint', { path: sourceOf('basics.c'), line: lines.sum_return }),
    ]);
  });

  it('evaluates, assigns in the console only, sets variables and steps', async function () {
    const lines = markers['types.c'];
    const location = { path: sourceOf('types.c'), line: lines.all_initialised };
    await dc.hitBreakpoint({ program: programs.types }, location);
    const frame = await topFrame(dc);
    const hover = await dc.evaluateRequest({ expression: 'global_counter,x', frameId: frame.id, context: 'hover' });
    assert.strictEqual(hover.body.result, '0x2a');
    await assert.rejects(
      dc.evaluateRequest({ expression: 'global_counter = 1', frameId: frame.id, context: 'watch' }),
      /assignment/,
    );
    const assigned = await dc.evaluateRequest({ expression: 'global_counter = 7', frameId: frame.id, context: 'repl' });
    assert.strictEqual(assigned.body.result, '7');

    const scopes = await dc.scopesRequest({ frameId: frame.id });
    const locals = scopes.body.scopes.find((scope) => scope.name === 'Locals');
    const set = await dc.setVariableRequest({ variablesReference: locals.variablesReference, name: 'small', value: '5' });
    assert.strictEqual(set.body.value, '5');
    const numbers = (await dc.variablesRequest({ variablesReference: locals.variablesReference }))
      .body.variables.find((variable) => variable.name === 'numbers');
    assert.strictEqual(numbers.indexedVariables, 4);
    const memory = await dc.customRequest('readMemory', { memoryReference: numbers.memoryReference, count: 16 });
    assert.deepStrictEqual([...Buffer.from(memory.body.data, 'base64')].filter((_, i) => i % 4 === 0), [10, 20, 30, 40]);
    const rows = await dc.disassembleRequest({
      memoryReference: frame.instructionPointerReference, instructionOffset: -2, instructionCount: 5,
    });
    assert.strictEqual(rows.body.instructions[2].address, frame.instructionPointerReference);

    await Promise.all([
      dc.nextRequest({ threadId: 1 }),
      dc.assertStoppedLocation('step', { path: location.path, line: lines.all_initialised + 1 }),
    ]);
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
  });

  it('stops on a trap and explains it', async function () {
    await launchAndConfigure(dc, { program: programs.traps, args: ['divzero'] }, () =>
      dc.setExceptionBreakpointsRequest({ filters: ['trap'] }));
    const stopped = await dc.waitForEvent('stopped');
    assert.strictEqual(stopped.body.reason, 'exception');
    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    assert.match(info.body.description, /divide by zero/);
  });

  it('changes breakpoints while running without stopping, then pauses', async function () {
    await launchAndConfigure(dc, { program: programs.heavy, args: ['forever'] }, async () => {});
    const placed = await dc.setBreakpointsRequest({
      source: { path: sourceOf('heavy.c') }, breakpoints: [{ line: markers['heavy.c'].heavy_done }],
    });
    assert.strictEqual(placed.body.breakpoints[0].verified, true);
    const stopped = dc.waitForEvent('stopped');
    await dc.pauseRequest({ threadId: 1 });
    assert.strictEqual((await stopped).body.reason, 'pause');  // the first stop: none for the change
    assert.match((await topFrame(dc)).name, /spin_forever/);
    await Promise.all([dc.terminateRequest(), dc.waitForEvent('terminated')]);
  });
});
