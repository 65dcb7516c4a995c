"""Tab completion for the console: command names, ``info`` topics, and expressions through the adapter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dap_server.frontend import commands as cmd
from dap_server.frontend.client import DapError

if TYPE_CHECKING:
    from dap_server.frontend.console import Console


class Completer:
    """readline's completer: ``complete(text, state)`` gives the state-th candidate for ``text``."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._candidates: list[str] = []

    def complete(self, text: str, state: int) -> str | None:
        if state == 0:
            import readline

            self._candidates = self.candidates(readline.get_line_buffer(), readline.get_endidx())
        return self._candidates[state] if state < len(self._candidates) else None

    def candidates(self, line: str, cursor: int) -> list[str]:
        """What may replace the word before ``cursor`` in ``line``."""
        before = line[:cursor]
        words = before.split()
        current = "" if before.endswith(" ") or not words else words[-1]
        if len(words) == 0 or (len(words) == 1 and current):
            names = sorted({*cmd.COMMANDS, *cmd.ALIASES})
            return [name + " " for name in names if name.startswith(current)]
        if cmd.command_name_or_none(words[0]) == "info" and len(words) <= 2:
            return [topic + " " for topic in cmd.INFO_TOPICS if topic.startswith(current)]
        return self._expression_candidates(before, current)

    def _expression_candidates(self, before: str, current: str) -> list[str]:
        console = self._console
        frame = console.selected_frame_or_none()
        arguments: dict = {"text": before, "column": len(before) + 1}
        if frame is not None:
            arguments["frameId"] = frame["id"]
        try:
            targets = console.client.request("completions", arguments).get("targets", [])
        except DapError:
            return []
        start_of_word = len(before) - len(current)
        found = []
        for target in targets:
            label = target.get("text") or target.get("label", "")
            start = target.get("start")
            replaced = before[start:] if isinstance(start, int) else current
            # readline replaces only ``current``: keep what lies between the adapter's start and the word.
            prefix = before[start if isinstance(start, int) else start_of_word : start_of_word]
            if label.startswith(prefix) and (prefix + current).startswith(replaced[: len(prefix + current)]):
                found.append(label[len(prefix) :])
        return sorted(set(found))
