'use strict';
/** The interpreter selected in the Python extension (ms-python.python), when it is installed. */

const PYTHON_EXTENSION_ID = 'ms-python.python';
const SOURCE = "the Python extension's selected interpreter";

/**
 * @param {typeof import('vscode').extensions} extensions
 * @param {import('vscode').Uri | undefined} folderUri  the workspace folder the session runs in
 * @returns {Promise<{ command: string, args: string[], source: string } | undefined>}
 */
async function selectedInterpreter(extensions, folderUri) {
  const extension = extensions.getExtension(PYTHON_EXTENSION_ID);
  if (extension === undefined) {
    return undefined;
  }
  const api = extension.isActive ? extension.exports : await extension.activate();
  const environments = api?.environments;
  if (typeof environments?.getActiveEnvironmentPath === 'function') {
    const active = environments.getActiveEnvironmentPath(folderUri);
    const resolved = await environments.resolveEnvironment(active);
    const executable = resolved?.executable?.uri?.fsPath ?? active?.path;
    return executable ? { command: executable, args: [], source: SOURCE } : undefined;
  }
  // The API of Python extensions before 2023: the command line that runs the selected interpreter.
  const execCommand = api?.settings?.getExecutionDetails?.(folderUri)?.execCommand;
  if (Array.isArray(execCommand) && execCommand.length > 0) {
    return { command: execCommand[0], args: execCommand.slice(1), source: SOURCE };
  }
  return undefined;
}

module.exports = { selectedInterpreter, PYTHON_EXTENSION_ID };
