-- nvim-dap configuration for this example. From this directory (examples/rust), after
-- `python ../build.py library.rs`, run in Neovim:
--   :luafile nvim-dap.lua
--   :edit library.rs   then set a breakpoint and :DapContinue
local dap = require("dap")

dap.adapters.wasmtime = dap.adapters.wasmtime or {
  type = "executable",
  command = "python3", -- an interpreter that can import wasmtime-dap
  args = { "-m", "dap_server" },
}

dap.configurations.rust = {
  {
    type = "wasmtime",
    request = "launch",
    name = "Debug library (Rust)",
    program = "${workspaceFolder}/build/library.wasm",
    args = {},
    cwd = "${workspaceFolder}",
    stopOnEntry = false,
  },
}
