"""The editor recipes (docs/editors.md, examples/*/nvim-dap.lua) run as those editors run them.

No editor's user interface runs here. Each recipe is read by the language it is written in
(LuaJIT, the Lua that Neovim embeds, through lupa; Emacs itself in batch mode; Python's TOML
reader for Helix's languages.toml), and the adapter command and launch configuration it yields
drive a session the way that editor's DAP client does: the command started as written in the
directory the editor runs in, the configuration's variables and functions expanded, then
initialize, launch, setBreakpoints and configurationDone, a breakpoint stop with its stack,
and the program's exit.
"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
from lupa import luajit21

from adapters.wasm.wasmtime_cli import find_wasmtime
from tests.conftest import EXAMPLE_SOURCES, line_of, require_built, require_tool
from tests.dap.client import StdioServer

REPO = Path(__file__).resolve().parents[2]
EDITORS_DOC = REPO / "docs" / "editors.md"
EMACS_TIMEOUT = 60

# Per example: a line to break on (text that occurs once in its source) and the function it is in.
STOPS = {
    "inventory": ("double line = order->count", "order_total"),
    "shapes": ("double result = width_ * height_;", "area"),
    "grades": ("sum += student.score;", "average"),
    "library": ("if book.author == author", "find_by_author"),
}
FILETYPES = {"inventory": "c", "shapes": "cpp", "grades": "zig", "library": "rust"}


def exit_code_without_debugger(program: Path) -> int:
    return subprocess.run([str(find_wasmtime().path), "run", str(program)], capture_output=True).returncode


def doc_block(heading: str, language: str) -> str:
    """The fenced ``language`` block in the section of docs/editors.md whose heading names ``heading``."""
    sections = re.split(r"^## ", EDITORS_DOC.read_text(), flags=re.MULTILINE)
    (section,) = [s for s in sections if heading in s.splitlines()[0]]
    (block,) = re.findall(rf"```{language}\n(.*?)```", section, flags=re.DOTALL)
    return block


def run_session(
    server_env: dict[str, str],
    command: list[str],
    cwd: Path,
    client: dict[str, Any],
    launch: dict[str, Any],
    example: str,
) -> tuple[str, int]:
    """Start the adapter and debug ``example`` as an editor's DAP client does.

    Returns the name of the function the breakpoint stopped in, and the program's exit code."""
    text, _ = STOPS[example]
    source = EXAMPLE_SOURCES[example]
    server = StdioServer(server_env, command, cwd)
    dap = server.client
    try:
        dap.ok("initialize", {**client, "pathFormat": "path", "linesStartAt1": True, "columnsStartAt1": True})
        launched = dap.send_request("launch", launch)  # answered once configuration is done
        dap.event("initialized")
        breakpoints = dap.ok(
            "setBreakpoints", {"source": {"path": str(source)}, "breakpoints": [{"line": line_of(example, text)}]}
        )
        assert breakpoints["breakpoints"][0]["verified"], breakpoints
        dap.ok("setExceptionBreakpoints", {"filters": []})
        dap.ok("configurationDone")
        reply = dap.response(launched)
        assert reply["success"], reply.get("message")
        stop = dap.event("stopped")["body"]
        assert stop["reason"] == "breakpoint"
        top = dap.ok("stackTrace", {"threadId": stop["threadId"]})["stackFrames"][0]
        assert Path(top["source"]["path"]) == source and top["line"] == line_of(example, text)
        dap.ok("setBreakpoints", {"source": {"path": str(source)}, "breakpoints": []})
        dap.ok("continue", {"threadId": stop["threadId"]})
        exit_code = dap.event("exited")["body"]["exitCode"]
        dap.event("terminated")
        dap.ok("disconnect")
    finally:
        assert server.close() == 0
    assert not dap.schema_failures, dap.schema_failures
    return top["name"], exit_code


# -- Neovim (nvim-dap) ------------------------------------------------------------------------------


class NvimDap:
    """An nvim-dap set-up evaluated in LuaJIT with ``require("dap")`` and the ``vim`` calls it makes."""

    def __init__(
        self, lua_source: str, cwd: Path, typed_program: Path | None = None, reads_launch_json: bool = False
    ) -> None:
        """``reads_launch_json``: an nvim-dap that offers .vscode/launch.json's configurations itself."""
        self.cwd = cwd
        lua = luajit21.LuaRuntime(unpack_returned_tuples=True)
        self.dap = lua.eval("{ adapters = {}, configurations = {} }")
        if reads_launch_json:
            self.dap.providers = lua.eval('{ configs = { ["dap.launch.json"] = function() return {} end } }')
        lua.globals().package.loaded["dap"] = self.dap
        typed = str(typed_program) if typed_program else ""
        lua.globals().vim = lua.table_from(
            {
                "fn": lua.table_from(
                    {
                        "getcwd": lambda: str(cwd),
                        "input": lambda *prompt_and_default: typed,  # what the user types at the prompt
                    }
                )
            }
        )
        lua.execute(lua_source)

    def adapter_command(self, name: str) -> list[str]:
        adapter = self.dap.adapters[name]
        assert adapter.type == "executable"
        return [adapter.command, *self._plain(adapter.args)]

    def configuration(self, filetype: str) -> dict[str, Any]:
        """The first configuration for ``filetype``, as nvim-dap sends it: functions called, variables expanded."""
        return self._plain(self.dap.configurations[filetype][1])

    def _plain(self, value: Any) -> Any:
        if luajit21.lua_type(value) == "table":
            keys = list(value.keys())
            if keys == list(range(1, len(keys) + 1)):
                return [self._plain(value[key]) for key in keys]
            return {key: self._plain(value[key]) for key in keys}
        if luajit21.lua_type(value) == "function":
            return self._plain(value())
        if isinstance(value, str):
            return value.replace("${workspaceFolder}", str(self.cwd))
        return value


NVIM_CLIENT = {"clientID": "neovim", "clientName": "neovim", "adapterID": "nvim-dap"}


@pytest.mark.parametrize("example", sorted(STOPS))
def test_each_examples_nvim_dap_lua_debugs_it(example, examples, server_env):
    directory = EXAMPLE_SOURCES[example].parent
    recipe = NvimDap((directory / "nvim-dap.lua").read_text(), directory)
    configuration = recipe.configuration(FILETYPES[example])
    assert Path(configuration["program"]) == require_built(examples, example)
    command = recipe.adapter_command(configuration["type"])
    function, exit_code = run_session(server_env, command, directory, NVIM_CLIENT, configuration, example)
    assert STOPS[example][1] in function
    assert exit_code == exit_code_without_debugger(examples[example])


@pytest.mark.parametrize("example", sorted(STOPS))
def test_each_example_offers_its_configuration_once_to_an_nvim_dap_that_reads_launch_json(example):
    directory = EXAMPLE_SOURCES[example].parent
    older = NvimDap((directory / "nvim-dap.lua").read_text(), directory).configuration(FILETYPES[example])
    newer = NvimDap((directory / "nvim-dap.lua").read_text(), directory, reads_launch_json=True)
    assert FILETYPES[example] not in newer.dap.configurations  # launch.json's is the one offered
    launch_json = (directory / ".vscode" / "launch.json").read_text().replace("${workspaceFolder}", str(directory))
    (from_launch_json,) = json.loads(launch_json)["configurations"]
    assert from_launch_json == older  # and it is the same


def test_the_neovim_recipe_in_the_docs_debugs_the_program_typed_at_its_prompt(examples, server_env):
    directory = EXAMPLE_SOURCES["inventory"].parent
    recipe = NvimDap(doc_block("Neovim", "lua"), directory, typed_program=examples["inventory"])
    configurations = [recipe.configuration(filetype) for filetype in ("c", "cpp", "rust", "zig")]
    assert all(configuration == configurations[0] for configuration in configurations)
    command = recipe.adapter_command(configurations[0]["type"])
    function, exit_code = run_session(server_env, command, directory, NVIM_CLIENT, configurations[0], "inventory")
    assert function == "order_total" and exit_code == exit_code_without_debugger(examples["inventory"])


# -- Emacs (dape) -----------------------------------------------------------------------------------

# Loads the recipe with what it takes from dape (its list of configurations and `dape-cwd`, the
# project's root as dape finds it) and prints the configuration as dape uses it, from a buffer
# visiting the source: the adapter command, and the launch arguments from the :keyword entries,
# values evaluated by dape's rules (a function is called, a bound symbol is replaced by its value).
DAPE_READER = """
(require 'json)
(require 'project)
(defvar dape-configs nil)
(defun dape-cwd ()
  (or (let ((project (project-current))) (and project (expand-file-name (project-root project))))
      default-directory))
(provide 'dape)
(load (car command-line-args-left) nil t)
(set-buffer (find-file-noselect (cadr command-line-args-left)))
(defun recipe-value (value)
  (cond ((functionp value) (funcall value))
        ((and (symbolp value) (boundp value) (not (eq (symbol-value value) value)))
         (recipe-value (symbol-value value)))
        (t value)))
(let ((config (alist-get 'wasmtime dape-configs)) (arguments nil))
  (while config
    (when (keywordp (car config))
      (setq arguments (append arguments (list (car config) (recipe-value (cadr config))))))
    (setq config (cddr config)))
  (princ (json-encode (list :command (plist-get (alist-get 'wasmtime dape-configs) 'command)
                            :args (plist-get (alist-get 'wasmtime dape-configs) 'command-args)
                            :launch arguments))))
"""


def test_the_emacs_dape_recipe_in_the_docs_debugs_the_example(examples, server_env, tmp_path):
    directory = EXAMPLE_SOURCES["inventory"].parent
    recipe = tmp_path / "wasmtime-dape.el"
    recipe.write_text(doc_block("Emacs", "elisp"))
    reader = tmp_path / "read-recipe.el"
    reader.write_text(DAPE_READER)
    emacs = require_tool("emacs", "reading the dape recipe", "apt-get install emacs-nox")
    command = [emacs, "--batch", "-Q", "-l", str(reader), str(recipe), str(EXAMPLE_SOURCES["inventory"])]
    completed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=EMACS_TIMEOUT, check=True)
    dape = json.loads(completed.stdout)
    assert dape["launch"]["cwd"].rstrip("/") == str(directory)
    assert (directory / dape["launch"]["program"]).resolve() == examples["inventory"]
    client = {"clientID": "dape", "adapterID": "wasmtime"}
    function, exit_code = run_session(
        server_env, [dape["command"], *dape["args"]], directory, client, dape["launch"], "inventory"
    )
    assert function == "order_total" and exit_code == exit_code_without_debugger(examples["inventory"])


# -- Helix ------------------------------------------------------------------------------------------


def test_the_helix_recipe_in_the_docs_debugs_the_file_picked_for_its_template(examples, server_env):
    directory = EXAMPLE_SOURCES["inventory"].parent
    (language,) = tomllib.loads(doc_block("Helix", "toml"))["language"]
    debugger = language["debugger"]
    assert language["name"] == "c" and debugger["transport"] == "stdio"
    (template,) = debugger["templates"]
    picked = str(examples["inventory"].relative_to(directory))  # the file chosen at the completion prompt
    launch = {key: value.replace("{0}", picked) for key, value in template["args"].items()}
    client = {"clientID": "hx", "clientName": "helix", "adapterID": debugger["name"]}
    function, exit_code = run_session(
        server_env, [debugger["command"], *debugger["args"]], directory, client, launch, "inventory"
    )
    assert template["request"] == "launch"
    assert function == "order_total" and exit_code == exit_code_without_debugger(examples["inventory"])
