"""``python -m dap_server``: the DAP server on stdio."""

import sys

from dap_server.cli import main

sys.exit(main())
