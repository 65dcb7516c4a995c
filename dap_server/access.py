"""Who may drive a TCP server: whoever shows its token.

Every local process, of any user, and every web page the user visits can open a connection
to a loopback port, and a session can run programs as the user who started the server. So a
TCP server makes a secret at start and hands it only to its user (printed on its own standard
output, written to a file only that user can read, or taken from the environment of the
process that started it, which also only that user can read); a session must show it in
``initialize``, ``launch`` or ``attach`` (``authToken``) before it can start anything. Over
stdio no token is needed: only the process that started the server holds its pipes.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

# A launcher that starts the server itself (an editor, say) can choose the token and put it here.
TOKEN_VARIABLE = "WASMTIME_DAP_TOKEN"
TOKEN_ATTRIBUTE = "authToken"


def server_token() -> str:
    """The token of a TCP server: the launcher's, taken out of the environment (so that the
    programs the server starts do not inherit it), or a new random one."""
    return os.environ.pop(TOKEN_VARIABLE, "") or secrets.token_urlsafe(32)


def write_token_file(path: Path, token: str) -> None:
    """Write ``token`` to ``path``, readable by this user only.

    The file is made afresh beside ``path`` (mode 0600) and renamed over it, so neither an
    existing file's permissions nor a link planted at ``path`` can expose the token."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".wasmtime-dap-token-")
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(token + "\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Gate:
    """One session's admission: closed until the server's token is shown (always open without one)."""

    def __init__(self, token: str | None) -> None:
        self._token = token
        self.is_open = token is None

    def offer(self, token: str) -> bool:
        """Open the gate if ``token`` is the server's; whether it is open now."""
        if not self.is_open and self._token is not None:
            self.is_open = secrets.compare_digest(token.encode(), self._token.encode())
        return self.is_open
