'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const Ajv = require('ajv');
const { launchEntrySchema, expandSnippetBody } = require('./support/launchSchema');

const root = path.join(__dirname, '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const [wasmtimeDebugger] = manifest.contributes.debuggers;
const LANGUAGES = ['c', 'cpp', 'rust', 'zig'];
const LAUNCH_ATTRIBUTES = [
  'program', 'args', 'env', 'cwd', 'dirs', 'preopens', 'stdin', 'wasmtimePath', 'wasmtimeArgs',
  'stopOnEntry', 'pathMappings', 'sourceMap', 'formatters', 'allowPrecompiled', 'wasmFile', 'backend', 'authToken',
];
const ATTACH_ATTRIBUTES = ['host', 'port', 'pathMappings', 'sourceMap', 'formatters', 'stopOnEntry', 'authToken'];

// Schema keywords VS Code understands beyond JSON Schema (shown in hovers and completions).
const VSCODE_KEYWORDS = ['markdownDescription', 'enumDescriptions', 'markdownEnumDescriptions', 'deprecationMessage'];

function validator(schema) {
  const ajv = new Ajv({ strict: true, allErrors: true, strictTypes: false });
  ajv.addVocabulary(VSCODE_KEYWORDS);
  return ajv.compile(schema);
}

function assertValid(validate, value, what) {
  assert.ok(validate(value), `${what}: ${JSON.stringify(validate.errors, null, 2)}`);
}

describe('package.json manifest', () => {
  it('has the fields VS Code and vsce require', () => {
    assert.match(manifest.name, /^[a-z0-9][a-z0-9-]*$/);
    assert.ok(manifest.publisher);
    assert.match(manifest.version, /^\d+\.\d+\.\d+$/);
    assert.match(manifest.engines.vscode, /^\^\d+\.\d+\.\d+$/);
    assert.ok(manifest.categories.includes('Debuggers'));
  });

  it('points main at an existing file that exports activate', () => {
    const main = path.join(root, manifest.main);
    assert.ok(fs.existsSync(main), `${main} is missing`);
    assert.match(fs.readFileSync(main, 'utf8'), /module\.exports = \{ activate, deactivate \}/);
  });

  it('activates when a wasmtime session is resolved', () => {
    assert.ok(manifest.activationEvents.includes('onDebugResolve:wasmtime'));
    assert.ok(manifest.activationEvents.includes('onDebugInitialConfigurations'));
  });

  it('contributes exactly one debugger of type "wasmtime" for C, C++, Rust and Zig', () => {
    assert.strictEqual(manifest.contributes.debuggers.length, 1);
    assert.strictEqual(wasmtimeDebugger.type, 'wasmtime');
    assert.ok(wasmtimeDebugger.label);
    assert.deepStrictEqual(wasmtimeDebugger.languages, LANGUAGES);
  });

  it('enables breakpoints in C, C++, Rust and Zig files', () => {
    assert.deepStrictEqual(manifest.contributes.breakpoints.map((entry) => entry.language), LANGUAGES);
  });

  it('declares the launch and attach attributes', () => {
    const { launch, attach } = wasmtimeDebugger.configurationAttributes;
    assert.deepStrictEqual(Object.keys(wasmtimeDebugger.configurationAttributes), ['launch', 'attach']);
    assert.deepStrictEqual(Object.keys(launch.properties), LAUNCH_ATTRIBUTES);
    assert.deepStrictEqual(launch.required, ['program']);
    assert.deepStrictEqual(Object.keys(attach.properties), ATTACH_ATTRIBUTES);
    assert.deepStrictEqual(attach.required, ['port']);
    for (const shared of ['pathMappings', 'sourceMap', 'authToken']) {
      assert.deepStrictEqual(launch.properties[shared], attach.properties[shared]);
    }
  });

  for (const request of ['launch', 'attach']) {
    describe(`${request} attributes`, () => {
      const { properties } = wasmtimeDebugger.configurationAttributes[request];
      for (const [name, schema] of Object.entries(properties)) {
        it(`"${name}" is a valid schema with a type, a description and a default it accepts`, () => {
          assert.ok(schema.type, 'type is missing');
          assert.ok((schema.description ?? '').length > 10, 'description is missing');
          assert.ok('default' in schema, 'default is missing');
          assertValid(validator(schema), schema.default, `default of ${name}`);
        });
      }

      it('yields a launch.json schema that VS Code can use', () => {
        validator(launchEntrySchema(wasmtimeDebugger, request));
      });
    });
  }

  it('has initial configurations that are valid launch.json entries', () => {
    assert.ok(wasmtimeDebugger.initialConfigurations.length > 0);
    for (const config of wasmtimeDebugger.initialConfigurations) {
      assertValid(validator(launchEntrySchema(wasmtimeDebugger, config.request)), config, config.name);
    }
  });

  it('has configuration snippets that expand to valid launch.json entries', () => {
    const requests = wasmtimeDebugger.configurationSnippets.map((snippet) => snippet.body.request);
    assert.deepStrictEqual([...new Set(requests)].sort(), ['attach', 'launch']);
    for (const snippet of wasmtimeDebugger.configurationSnippets) {
      assert.ok(snippet.label && snippet.description, 'label and description are required');
      const config = expandSnippetBody(snippet.body);
      assert.ok(!JSON.stringify(config).includes('${1'), `unexpanded tab stop in ${snippet.label}`);
      assertValid(validator(launchEntrySchema(wasmtimeDebugger, config.request)), config, snippet.label);
    }
  });

  it('rejects a launch entry without a program and an attach entry with a bad port', () => {
    const launch = validator(launchEntrySchema(wasmtimeDebugger, 'launch'));
    assert.ok(!launch({ type: 'wasmtime', request: 'launch', name: 'x' }));
    const attach = validator(launchEntrySchema(wasmtimeDebugger, 'attach'));
    assert.ok(!attach({ type: 'wasmtime', request: 'attach', name: 'x', port: 0 }));
    assert.ok(!attach({ type: 'wasmtime', request: 'attach', name: 'x', port: 1234, programm: 'typo' }));
  });

  it('declares the adapter settings with defaults', () => {
    const { properties } = manifest.contributes.configuration;
    assert.deepStrictEqual(Object.keys(properties), ['wasmtime-dap.pythonPath', 'wasmtime-dap.serverPort']);
    assert.strictEqual(properties['wasmtime-dap.pythonPath'].default, '');
    assert.strictEqual(properties['wasmtime-dap.serverPort'].default, 0);
    for (const schema of Object.values(properties)) {
      assert.ok(schema.markdownDescription);
      assertValid(validator(schema), schema.default, 'setting default');
    }
  });
});

describe('example launch.json files', () => {
  const examplesDir = path.join(root, '..', 'examples');
  const launchFiles = ['c', 'cpp', 'rust', 'zig'].map((lang) => path.join(examplesDir, lang, '.vscode', 'launch.json'));

  for (const file of launchFiles) {
    it(`${path.relative(examplesDir, file)} holds valid wasmtime configurations`, () => {
      const { version, configurations } = JSON.parse(fs.readFileSync(file, 'utf8'));
      assert.strictEqual(version, '0.2.0');
      assert.ok(configurations.length > 0);
      for (const config of configurations) {
        assertValid(validator(launchEntrySchema(wasmtimeDebugger, config.request)), config, config.name);
      }
    });
  }
});
