'use strict';
const assert = require('assert');
const childProcess = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { describeFailure, findInterpreter, nodeHost, probeResult } = require('../src/interpreter');
const { fakeHost } = require('./support/fakeHost');

const noSetting = { configured: undefined, pythonExtension: undefined };
const fromPythonExtension = (command) => ({ command, args: [], source: "the Python extension's selected interpreter" });

describe('findInterpreter', () => {
  describe('on Linux', () => {
    it("takes the workspace's .venv/bin/python3 before PATH", async () => {
      const host = fakeHost({
        files: ['/ws/.venv/bin/python3', '/ws/.venv/bin/python'],
        withAdapter: ['/ws/.venv/bin/python3', 'python3'],
      });
      const { found } = await findInterpreter({ ...noSetting, workspaceRoot: '/ws' }, host);
      assert.strictEqual(found.command, '/ws/.venv/bin/python3');
      assert.match(found.source, /virtual environment \(\/ws\/\.venv\)/);
    });

    it('takes bin/python of a venv that has no python3', async () => {
      const host = fakeHost({ files: ['/ws/venv/bin/python'], withAdapter: ['/ws/venv/bin/python'] });
      const { found } = await findInterpreter({ ...noSetting, workspaceRoot: '/ws' }, host);
      assert.strictEqual(found.command, '/ws/venv/bin/python');
    });

    it('falls back to python3, then python, on PATH', async () => {
      const host = fakeHost({ withAdapter: ['python'] });
      const { found, tried } = await findInterpreter({ ...noSetting, workspaceRoot: '/ws' }, host);
      assert.strictEqual(found.command, 'python');
      assert.deepStrictEqual(host.probed, ['python3', 'python']);
      assert.strictEqual(tried[0].reason, 'cannot import dap_server');
    });

    it('prefers the active virtual environment (VIRTUAL_ENV) to PATH', async () => {
      const host = fakeHost({
        env: { VIRTUAL_ENV: '/home/ann/envs/wasm' },
        files: ['/home/ann/envs/wasm/bin/python3'],
        withAdapter: ['/home/ann/envs/wasm/bin/python3', 'python3'],
      });
      const { found } = await findInterpreter({ ...noSetting, workspaceRoot: undefined }, host);
      assert.strictEqual(found.command, '/home/ann/envs/wasm/bin/python3');
    });
  });

  describe('on macOS', () => {
    it("finds the repository's .venv from a project folder inside it", async () => {
      const host = fakeHost({
        platform: 'darwin',
        files: ['/Users/ann/My Projects/wasmtime-dap/.venv/bin/python3'],
        withAdapter: ['/Users/ann/My Projects/wasmtime-dap/.venv/bin/python3'],
      });
      const search = { ...noSetting, workspaceRoot: '/Users/ann/My Projects/wasmtime-dap/examples/c' };
      const { found, tried } = await findInterpreter(search, host);
      assert.strictEqual(found.command, '/Users/ann/My Projects/wasmtime-dap/.venv/bin/python3');
      assert.deepStrictEqual(tried, []);
    });
  });

  describe('on Windows', () => {
    it('takes .venv\\Scripts\\python.exe, in a folder with spaces', async () => {
      const venvPython = 'C:\\Users\\Ann Lee\\proj\\.venv\\Scripts\\python.exe';
      const host = fakeHost({ platform: 'win32', files: [venvPython], withAdapter: [venvPython] });
      const { found } = await findInterpreter({ ...noSetting, workspaceRoot: 'C:\\Users\\Ann Lee\\proj' }, host);
      assert.strictEqual(found.command, venvPython);
      assert.match(found.source, /C:\\Users\\Ann Lee\\proj\\\.venv/);
    });

    it('never looks for bin/python3 in a Windows venv', async () => {
      const host = fakeHost({ platform: 'win32', files: ['C:\\proj\\.venv\\bin\\python3'] });
      await findInterpreter({ ...noSetting, workspaceRoot: 'C:\\proj' }, host);
      assert.deepStrictEqual(host.probed, ['python', 'py -3']);
    });

    it('falls back to python, then the py -3 launcher, on PATH', async () => {
      const host = fakeHost({ platform: 'win32', withAdapter: ['py -3'] });
      const { found } = await findInterpreter({ ...noSetting, workspaceRoot: 'D:\\work' }, host);
      assert.deepStrictEqual([found.command, found.args], ['py', ['-3']]);
    });

    it('resolves a relative pythonPath against the workspace folder', async () => {
      const host = fakeHost({ platform: 'win32', withAdapter: ['C:\\proj\\env\\Scripts\\python.exe'] });
      const search = { ...noSetting, configured: 'env\\Scripts\\python.exe', workspaceRoot: 'C:\\proj' };
      assert.strictEqual((await findInterpreter(search, host)).found.command, 'C:\\proj\\env\\Scripts\\python.exe');
    });
  });

  describe('the Python extension and the setting', () => {
    it("tries the Python extension's interpreter first", async () => {
      const host = fakeHost({
        files: ['/ws/.venv/bin/python3', '/opt/py/bin/python3'],
        withAdapter: ['/ws/.venv/bin/python3', '/opt/py/bin/python3'],
      });
      const search = { ...noSetting, pythonExtension: fromPythonExtension('/opt/py/bin/python3'), workspaceRoot: '/ws' };
      const { found } = await findInterpreter(search, host);
      assert.strictEqual(found.source, "the Python extension's selected interpreter");
    });

    it("moves on when the Python extension's interpreter lacks the adapter, and says why", async () => {
      const host = fakeHost({
        files: ['/ws/.venv/bin/python3', '/usr/bin/python3.12'],
        withAdapter: ['/ws/.venv/bin/python3'],
      });
      const search = { ...noSetting, pythonExtension: fromPythonExtension('/usr/bin/python3.12'), workspaceRoot: '/ws' };
      const { found, tried } = await findInterpreter(search, host);
      assert.strictEqual(found.command, '/ws/.venv/bin/python3');
      assert.deepStrictEqual(tried.map((attempt) => attempt.candidate.command), ['/usr/bin/python3.12']);
    });

    it('probes an interpreter found twice only once', async () => {
      const host = fakeHost({ files: ['/ws/.venv/bin/python3'] });
      const search = { ...noSetting, pythonExtension: fromPythonExtension('/ws/.venv/bin/python3'), workspaceRoot: '/ws' };
      await findInterpreter(search, host);
      assert.deepStrictEqual(host.probed, ['/ws/.venv/bin/python3', 'python3', 'python']);
    });

    it('uses only the configured pythonPath: a setting that fails is reported, not replaced', async () => {
      const host = fakeHost({ files: ['/ws/.venv/bin/python3'], withAdapter: ['/ws/.venv/bin/python3', 'python3'] });
      const search = { ...noSetting, configured: '/opt/old/bin/python', workspaceRoot: '/ws' };
      const result = await findInterpreter(search, host);
      assert.strictEqual(result.found, undefined);
      assert.deepStrictEqual(host.probed, ['/opt/old/bin/python']);
      assert.strictEqual(result.tried[0].reason, 'not found');
    });

    it('resolves a relative pythonPath against the workspace folder and keeps a bare name for PATH', async () => {
      const host = fakeHost({ withAdapter: ['/ws/.venv/bin/python', 'python3.12'] });
      const relative = await findInterpreter({ ...noSetting, configured: '.venv/bin/python', workspaceRoot: '/ws' }, host);
      assert.strictEqual(relative.found.command, '/ws/.venv/bin/python');
      const bare = await findInterpreter({ ...noSetting, configured: 'python3.12', workspaceRoot: '/ws' }, host);
      assert.strictEqual(bare.found.command, 'python3.12');
    });
  });
});

describe('describeFailure', () => {
  it('tells the user what to do, and lists each interpreter tried with its reason', async () => {
    const host = fakeHost({ platform: 'win32', files: ['C:\\My Work\\.venv\\Scripts\\python.exe'] });
    const result = await findInterpreter({ ...noSetting, workspaceRoot: 'C:\\My Work' }, host);
    const { toast, details } = describeFailure(result);
    assert.match(toast, /pip install/);
    assert.match(toast, /Python: Select Interpreter/);
    assert.match(toast, /wasmtime-dap\.pythonPath/);
    assert.deepStrictEqual(details.slice(1), [
      '  "C:\\My Work\\.venv\\Scripts\\python.exe" (from a virtual environment (C:\\My Work\\.venv)): cannot import dap_server',
      '  python (from PATH): cannot import dap_server',
      '  py -3 (from PATH (Python launcher)): cannot import dap_server',
    ]);
  });
});

describe('probeResult', () => {
  it('names the reason an interpreter cannot be used', () => {
    assert.deepStrictEqual(probeResult(null), { ok: true });
    assert.strictEqual(probeResult(Object.assign(new Error('spawn x ENOENT'), { code: 'ENOENT' })).reason, 'not found');
    assert.match(probeResult(Object.assign(new Error('exit 3'), { code: 3 })).reason, /cannot import dap_server/);
    assert.match(probeResult(Object.assign(new Error('timeout'), { killed: true })).reason, /did not answer/);
  });
});

describe('nodeHost (this machine)', function () {
  this.timeout(60000);
  const systemPython = ['python3', 'python'].find(
    (name) => childProcess.spawnSync(name, ['-c', 'import venv'], { stdio: 'ignore' }).status === 0,
  );

  it('probes a real venv in a folder with spaces: missing package, then present', async function () {
    if (systemPython === undefined) {
      this.skip(); // no Python on this machine
    }
    const venv = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wasmtime dap ')), 'my env');
    childProcess.execFileSync(systemPython, ['-m', 'venv', '--without-pip', venv]);
    const host = nodeHost();
    const search = { ...noSetting, workspaceRoot: undefined, configured: undefined };
    const venvHost = { ...host, env: { VIRTUAL_ENV: venv } };
    const before = await findInterpreter(search, venvHost);
    const venvAttempt = before.tried.find((attempt) => attempt.candidate.command.startsWith(venv));
    assert.match(venvAttempt.reason, /cannot import dap_server/);

    const purelib = childProcess
      .execFileSync(venvAttempt.candidate.command, ['-c', "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
      .toString()
      .trim();
    fs.mkdirSync(path.join(purelib, 'dap_server'));
    fs.writeFileSync(path.join(purelib, 'dap_server', '__init__.py'), '');
    const after = await findInterpreter(search, venvHost);
    assert.strictEqual(after.found.command, venvAttempt.candidate.command);
    fs.rmSync(path.dirname(venv), { recursive: true, force: true });
  });

  it('reports an interpreter that does not exist as not found', async () => {
    assert.deepStrictEqual(await nodeHost().probe('/nonexistent/bin/python3', []), { ok: false, reason: 'not found' });
  });
});
