"""``python -m dap_server.frontend PROGRAM.wasm``: the terminal debugger without the ``debug`` word."""

import sys

from dap_server.frontend import main

sys.exit(main())
