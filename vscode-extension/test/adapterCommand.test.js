'use strict';
const assert = require('assert');
const path = require('path');
const { planAdapter } = require('../src/adapterCommand');

describe('planAdapter', () => {
  it('starts `python3 -m dap_server` by default', () => {
    assert.deepStrictEqual(planAdapter({}, '/ws'), {
      kind: 'executable',
      command: 'python3',
      args: ['-m', 'dap_server'],
      cwd: '/ws',
    });
  });

  it('uses the configured interpreter', () => {
    const plan = planAdapter({ pythonPath: '/opt/venv/bin/python' }, '/ws');
    assert.strictEqual(plan.command, '/opt/venv/bin/python');
    assert.deepStrictEqual(plan.args, ['-m', 'dap_server']);
  });

  it('resolves a relative interpreter path against the workspace folder', () => {
    const plan = planAdapter({ pythonPath: '.venv/bin/python' }, '/ws');
    assert.strictEqual(plan.command, path.join('/ws', '.venv/bin/python'));
  });

  it('keeps a relative interpreter path when there is no workspace folder', () => {
    assert.strictEqual(planAdapter({ pythonPath: '.venv/bin/python' }, undefined).command, '.venv/bin/python');
  });

  it('falls back to python3 for a blank interpreter setting', () => {
    assert.strictEqual(planAdapter({ pythonPath: '   ' }, '/ws').command, 'python3');
  });

  it('connects to a running adapter on loopback when serverPort is set', () => {
    assert.deepStrictEqual(planAdapter({ pythonPath: 'python3', serverPort: 4711 }, '/ws'), {
      kind: 'server',
      host: '127.0.0.1',
      port: 4711,
    });
  });

  it('treats serverPort 0 as "start the adapter"', () => {
    assert.strictEqual(planAdapter({ serverPort: 0 }, '/ws').kind, 'executable');
  });

  for (const bad of [-1, 65536, 1.5, Number.NaN]) {
    it(`rejects serverPort ${bad} with a clear error`, () => {
      assert.throws(() => planAdapter({ serverPort: bad }, '/ws'), /serverPort must be an integer between 0 and 65535/);
    });
  }
});
