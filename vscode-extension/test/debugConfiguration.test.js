'use strict';
const assert = require('assert');
const {
  defaultLaunchConfiguration,
  isEmptyConfiguration,
  validateConfiguration,
} = require('../src/debugConfiguration');

describe('debug configurations', () => {
  it('recognises the empty configuration of a workspace without launch.json', () => {
    assert.ok(isEmptyConfiguration({}));
    assert.ok(!isEmptyConfiguration({ type: 'wasmtime', request: 'launch', name: 'x' }));
  });

  it('builds a valid default launch configuration for a picked program', () => {
    const config = defaultLaunchConfiguration('/ws/build/hello.wasm');
    assert.strictEqual(config.type, 'wasmtime');
    assert.strictEqual(config.request, 'launch');
    assert.strictEqual(config.program, '/ws/build/hello.wasm');
    assert.strictEqual(validateConfiguration(config), undefined);
  });

  it('requires a program for launch', () => {
    assert.match(validateConfiguration({ request: 'launch' }), /"program"/);
    assert.match(validateConfiguration({ request: 'launch', program: ' ' }), /"program"/);
  });

  it('requires string arrays for args, dirs and wasmtimeArgs', () => {
    for (const key of ['args', 'dirs', 'wasmtimeArgs']) {
      const message = validateConfiguration({ request: 'launch', program: 'a.wasm', [key]: ['ok', 3] });
      assert.match(message, new RegExp(`"${key}" attribute must be an array of strings`));
    }
    assert.strictEqual(validateConfiguration({ request: 'launch', program: 'a.wasm', args: ['1', '2'] }), undefined);
  });

  it('requires a valid port for attach', () => {
    assert.match(validateConfiguration({ request: 'attach' }), /"port"/);
    assert.match(validateConfiguration({ request: 'attach', port: 70000 }), /"port"/);
    assert.strictEqual(validateConfiguration({ request: 'attach', port: 1234 }), undefined);
  });

  it('rejects an unknown request kind', () => {
    assert.match(validateConfiguration({ request: 'restart' }), /Unknown request "restart"/);
  });
});
