-- nvim-dap configuration for this example. From this directory (examples/zig), after
-- `python ../build.py grades.zig`, run in Neovim:
--   :luafile nvim-dap.lua
--   :edit grades.zig   then set a breakpoint and :DapContinue
local dap = require("dap")

dap.adapters.wasmtime = dap.adapters.wasmtime or {
  type = "executable",
  command = "python3", -- an interpreter that can import wasmtime-dap
  args = { "-m", "dap_server" },
}

dap.configurations.zig = {
  {
    type = "wasmtime",
    request = "launch",
    name = "Debug grades (Zig)",
    program = "${workspaceFolder}/build/grades.wasm",
    args = {},
    cwd = "${workspaceFolder}",
    stopOnEntry = false,
  },
}
