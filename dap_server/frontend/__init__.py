"""``wasmtime-dap debug PROGRAM.wasm [ARGS...]``: a gdb-style terminal debugger driving our DAP server.

``main(argv)`` takes the arguments after ``debug``. In batch mode its result is the program's exit
code (or, when the program did not run to its end, 1 if a command failed and 0 otherwise).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence

from dap_server.frontend.client import DapClient, DapError
from dap_server.frontend.completion import Completer
from dap_server.frontend.console import Console
from dap_server.frontend.formatting import Style

PROMPT = "(wasm) "
REPEATABLE = {"next", "n", "step", "s", "continue", "c", "finish", "fin", "stepi", "si", "nexti", "ni", "list", "l"}
HISTORY_FILE = "~/.local/state/wasmtime-dap/history"  # gdb keeps ~/.gdb_history; XDG puts state here


class _Script(argparse.Action):
    """Keeps -x FILE and -ex COMMAND in the order they were given, as gdb does."""

    def __call__(self, parser, namespace, value, option_string=None):  # type: ignore[no-untyped-def]
        kind = "file" if option_string == "-x" else "command"
        namespace.script = [*(namespace.script or []), (kind, value)]


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="wasmtime-dap debug",
        description="Debug a WebAssembly program in Wasmtime from the terminal, gdb-style.",
        epilog="Example: wasmtime-dap debug --batch -ex 'break main' -ex run -ex bt prog.wasm",
    )
    parser.add_argument("--batch", action="store_true", help="run the -x/-ex commands, then exit")
    parser.add_argument("-x", metavar="FILE", action=_Script, dest="script", help="run the commands in FILE")
    parser.add_argument("-ex", metavar="COMMAND", action=_Script, dest="script", help="run COMMAND (repeatable)")
    parser.add_argument("--dir", action="append", default=[], help="give the program access to a directory")
    parser.add_argument("program", help="the .wasm module to debug")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the program")
    parser.set_defaults(script=[])
    return parser.parse_args(argv)


def script_lines(script: list[tuple[str, str]]) -> list[str]:
    lines: list[str] = []
    for kind, value in script:
        if kind == "command":
            lines.append(value)
            continue
        try:
            with open(value, encoding="utf-8") as handle:
                lines.extend(handle.read().splitlines())
        except OSError as error:
            raise SystemExit(f"wasmtime-dap debug: cannot read {value}: {error.strerror}") from None
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_arguments(sys.argv[1:] if argv is None else argv)
    lines = script_lines(options.script)
    launch_arguments = {
        "program": os.path.abspath(options.program),
        "args": options.args,
        "cwd": os.getcwd(),
        "dirs": options.dir,
        "stopOnEntry": False,
    }
    style = Style.for_stream(sys.stdout)
    confirm = _answer_yes if options.batch or not sys.stdin.isatty() else _ask
    console: Console | None = None
    try:
        interactive = not options.batch and sys.stdin.isatty()
        console = Console(DapClient, sys.stdout, sys.stderr, style, confirm, interactive)
        console.start(launch_arguments)
        for line in lines:
            console.execute(line)
            if console.quit_requested:
                break
        if not options.batch and not console.quit_requested:
            interact(console)
    except DapError as error:  # the adapter refused to launch or went away
        print(style.paint("error", f"wasmtime-dap debug: {error}"), file=sys.stderr)
        return 1
    finally:
        if console is not None:
            console.close()
    if not options.batch:
        return 0
    if console.exit_code is not None:
        return console.exit_code
    return 1 if console.command_failed else 0


def _answer_yes(question: str) -> bool:
    """gdb's answer to its own questions when the input is not a terminal."""
    print(f"{question} [answered Y; input not from terminal]")
    return True


def _ask(question: str) -> bool:
    try:
        return input(f"{question} ").strip().lower().startswith("y")
    except (EOFError, KeyboardInterrupt):
        print()
        return False


def interact(console: Console) -> None:
    """Read commands until ``quit`` or end of input; an empty line repeats a stepping command.

    With readline: line editing, a history kept in HISTORY_FILE, and tab completion of command
    names and of expressions (through the adapter's ``completions`` request).
    """
    history = _setup_readline(console)
    previous = ""
    try:
        while not console.quit_requested:
            try:
                line = input(PROMPT)
            except EOFError:
                print("quit")
                return
            except KeyboardInterrupt:
                print("\nQuit")
                continue
            if not line.strip() and previous.split()[:1] and previous.split()[0] in REPEATABLE:
                line = previous
            previous = line
            console.execute(line)
    finally:
        if history is not None:
            history()


def _setup_readline(console: Console) -> Callable[[], None] | None:
    """Line editing, history and completion where the readline module exists; returns the history saver."""
    try:
        import readline
    except ImportError:
        return None
    completer = Completer(console)
    readline.set_completer(completer.complete)
    readline.set_completer_delims(" \t\n;")
    readline.parse_and_bind("tab: complete")
    path = os.path.expanduser(HISTORY_FILE)
    with contextlib.suppress(OSError):
        readline.read_history_file(path)

    def save() -> None:
        with contextlib.suppress(OSError):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            readline.set_history_length(1000)
            readline.write_history_file(path)

    return save
