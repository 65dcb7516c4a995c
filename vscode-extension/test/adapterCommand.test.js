'use strict';
const assert = require('assert');
const { adapterCommandLine, planAdapter } = require('../src/adapterCommand');

describe('planAdapter', () => {
  it('starts the adapter with an interpreter to be found when no interpreter is configured', () => {
    assert.deepStrictEqual(planAdapter({}), { kind: 'executable', pythonPath: undefined });
  });

  it('uses the configured interpreter', () => {
    assert.deepStrictEqual(planAdapter({ pythonPath: '/opt/venv/bin/python' }), {
      kind: 'executable',
      pythonPath: '/opt/venv/bin/python',
    });
  });

  it('treats a blank interpreter setting as not configured', () => {
    assert.strictEqual(planAdapter({ pythonPath: '   ' }).pythonPath, undefined);
  });

  it('connects to a running adapter on loopback when serverPort is set', () => {
    assert.deepStrictEqual(planAdapter({ pythonPath: 'python3', serverPort: 4711 }), {
      kind: 'server',
      host: '127.0.0.1',
      port: 4711,
    });
  });

  it('treats serverPort 0 as "start the adapter"', () => {
    assert.strictEqual(planAdapter({ serverPort: 0 }).kind, 'executable');
  });

  for (const bad of [-1, 65536, 1.5, Number.NaN]) {
    it(`rejects serverPort ${bad} with a clear error`, () => {
      assert.throws(() => planAdapter({ serverPort: bad }), /serverPort must be an integer between 0 and 65535/);
    });
  }
});

describe('adapterCommandLine', () => {
  it('runs the dap_server module after the interpreter\'s own arguments', () => {
    assert.deepStrictEqual(adapterCommandLine({ command: 'py', args: ['-3'], source: 'PATH' }), {
      command: 'py',
      args: ['-3', '-m', 'dap_server'],
    });
  });
});
