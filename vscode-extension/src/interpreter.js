'use strict';
/**
 * Finds a Python interpreter that can run the debug adapter (`python -m dap_server`).
 *
 * Everything the search needs from the machine (the OS, the environment, which files exist, running a
 * probe) comes in as a `host`, so each OS's branch can be tested on any OS; `nodeHost()` is the real one.
 */
const childProcess = require('child_process');
const fs = require('fs');
const path = require('path');

/** Names of the virtual environment folders looked for in the workspace and the folders above it. */
const VENV_FOLDER_NAMES = ['.venv', 'venv'];
/** Python run to check that an interpreter can import the adapter (without starting it). */
const PROBE_SCRIPT = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('dap_server') else 3)";
const PROBE_TIMEOUT_MS = 15000;
const PROBE_MISSING_PACKAGE = 3;

/**
 * @typedef {{ command: string, args: string[], source: string }} Candidate
 *   an interpreter: `command` with `args` before `-m dap_server`, and where it was found
 * @typedef {{ ok: true, reason?: undefined } | { ok: false, reason: string }} ProbeResult
 * @typedef {object} Host
 * @property {string} platform  `process.platform` of the machine the adapter runs on
 * @property {Record<string, string | undefined>} env  its environment
 * @property {(file: string) => Promise<boolean>} isFile
 * @property {(command: string, args: string[]) => Promise<ProbeResult>} probe  runs PROBE_SCRIPT
 * @typedef {object} Search
 * @property {string | undefined} configured  `wasmtime-dap.pythonPath` when the user set it
 * @property {Candidate | undefined} pythonExtension  the interpreter selected in the Python extension
 * @property {string | undefined} workspaceRoot
 * @typedef {{ found: Candidate, tried: Array<{ candidate: Candidate, reason: string }> }
 *   | { found: undefined, tried: Array<{ candidate: Candidate, reason: string }> }} SearchResult
 */

/** `path.win32` for Windows, `path.posix` elsewhere: paths are built for the OS the adapter runs on. */
function pathsFor(platform) {
  return platform === 'win32' ? path.win32 : path.posix;
}

/** The interpreters inside a virtual environment folder, in the order they are tried. */
function venvInterpreters(venv, platform) {
  const paths = pathsFor(platform);
  if (platform === 'win32') {
    return [paths.join(venv, 'Scripts', 'python.exe')];
  }
  return [paths.join(venv, 'bin', 'python3'), paths.join(venv, 'bin', 'python')];
}

/** Interpreters on PATH, by name: Windows has `python` and the `py` launcher, other systems `python3`. */
function pathInterpreters(platform) {
  if (platform === 'win32') {
    return [
      { command: 'python', args: [], source: 'PATH' },
      { command: 'py', args: ['-3'], source: 'PATH (Python launcher)' },
    ];
  }
  return [
    { command: 'python3', args: [], source: 'PATH' },
    { command: 'python', args: [], source: 'PATH' },
  ];
}

/** The workspace folder and each folder above it, nearest first (a venv often sits at a repository's root). */
function selfAndAncestors(folder, platform) {
  const paths = pathsFor(platform);
  const folders = [];
  for (let current = folder; ; current = paths.dirname(current)) {
    folders.push(current);
    if (paths.dirname(current) === current) {
      return folders;
    }
  }
}

/** A bare name (`python3`) is looked up on PATH; a relative path (`.venv/bin/python`) is taken from the workspace. */
function resolveConfigured(pythonPath, workspaceRoot, platform) {
  const paths = pathsFor(platform);
  const isBareName = !pythonPath.includes('/') && !pythonPath.includes('\\');
  if (isBareName || paths.isAbsolute(pythonPath) || workspaceRoot === undefined) {
    return pythonPath;
  }
  return paths.join(workspaceRoot, pythonPath);
}

/**
 * The candidates in the order they are tried. A `wasmtime-dap.pythonPath` the user set is the only one:
 * a setting that does not work is reported, never silently replaced by another interpreter.
 * @param {Search} search
 * @param {Host} host
 * @returns {Promise<Candidate[]>}
 */
async function candidates(search, host) {
  const { platform } = host;
  if (search.configured !== undefined && search.configured.trim() !== '') {
    const command = resolveConfigured(search.configured.trim(), search.workspaceRoot, platform);
    return [{ command, args: [], source: 'the wasmtime-dap.pythonPath setting' }];
  }
  const found = [];
  if (search.pythonExtension !== undefined) {
    found.push(search.pythonExtension);
  }
  const venvs = [];
  if (host.env.VIRTUAL_ENV) {
    venvs.push({ folder: host.env.VIRTUAL_ENV, source: 'the active virtual environment (VIRTUAL_ENV)' });
  }
  if (search.workspaceRoot !== undefined) {
    const paths = pathsFor(platform);
    for (const folder of selfAndAncestors(search.workspaceRoot, platform)) {
      for (const name of VENV_FOLDER_NAMES) {
        venvs.push({ folder: paths.join(folder, name), source: `a virtual environment (${paths.join(folder, name)})` });
      }
    }
  }
  for (const venv of venvs) {
    for (const interpreter of venvInterpreters(venv.folder, platform)) {
      if (await host.isFile(interpreter)) {
        found.push({ command: interpreter, args: [], source: venv.source });
        break;
      }
    }
  }
  found.push(...pathInterpreters(platform));
  const seen = new Set();
  return found.filter((candidate) => {
    const key = [candidate.command, ...candidate.args].join('\0');
    return !seen.has(key) && seen.add(key);
  });
}

/**
 * Tries each candidate in turn and returns the first that can import the adapter, with the reasons the
 * others were passed over.
 * @param {Search} search
 * @param {Host} host
 * @returns {Promise<SearchResult>}
 */
async function findInterpreter(search, host) {
  const tried = [];
  for (const candidate of await candidates(search, host)) {
    const result = await host.probe(candidate.command, candidate.args);
    if (result.ok) {
      return { found: candidate, tried };
    }
    tried.push({ candidate, reason: result.reason });
  }
  return { found: undefined, tried };
}

/** What the user reads when no interpreter can run the adapter: a short toast and the details for the log. */
function describeFailure(result) {
  const toast =
    'wasmtime: no Python interpreter found that can run the debug adapter. Install the wasmtime-dap package ' +
    "into your project's virtual environment (python -m pip install PATH/TO/wasmtime-dap) and select it with " +
    '"Python: Select Interpreter", or set wasmtime-dap.pythonPath to a Python that has it. ' +
    'The interpreters tried are listed in the "Wasmtime Debugger" output.';
  const details = [
    'No Python interpreter could import the debug adapter (the dap_server module of wasmtime-dap). Tried:',
    ...result.tried.map(({ candidate, reason }) => `  ${displayCommand(candidate)} (from ${candidate.source}): ${reason}`),
  ];
  return { toast, details };
}

function displayCommand(candidate) {
  return [candidate.command, ...candidate.args].map((part) => (part.includes(' ') ? `"${part}"` : part)).join(' ');
}

/** The real machine. */
function nodeHost() {
  return {
    platform: process.platform,
    env: process.env,
    async isFile(file) {
      try {
        return (await fs.promises.stat(file)).isFile();
      } catch {
        return false;
      }
    },
    probe(command, args) {
      return new Promise((resolve) => {
        // execFile passes each argument as it is (no shell): paths with spaces need no quoting.
        childProcess.execFile(
          command,
          [...args, '-c', PROBE_SCRIPT],
          { timeout: PROBE_TIMEOUT_MS, windowsHide: true },
          (error) => resolve(probeResult(error)),
        );
      });
    },
  };
}

/** @returns {ProbeResult} */
function probeResult(error) {
  if (!error) {
    return { ok: true };
  }
  if (error.code === 'ENOENT') {
    return { ok: false, reason: 'not found' };
  }
  if (error.code === PROBE_MISSING_PACKAGE) {
    return { ok: false, reason: 'runs, but cannot import dap_server (wasmtime-dap is not installed for it)' };
  }
  if (error.killed) {
    return { ok: false, reason: `did not answer within ${PROBE_TIMEOUT_MS / 1000} s` };
  }
  return { ok: false, reason: `failed: ${String(error.message).split('\n')[0]}` };
}

module.exports = { describeFailure, findInterpreter, nodeHost, probeResult };
