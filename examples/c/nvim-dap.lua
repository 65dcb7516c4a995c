-- nvim-dap configuration for this example. From this directory (examples/c), after
-- `python ../build.py inventory.c`, run in Neovim:
--   :luafile nvim-dap.lua
--   :edit inventory.c   then set a breakpoint and :DapContinue
local dap = require("dap")

dap.adapters.wasmtime = dap.adapters.wasmtime or {
  type = "executable",
  command = "python3", -- an interpreter that can import wasmtime-dap
  args = { "-m", "dap_server" },
}

-- The same configuration as .vscode/launch.json, which newer nvim-dap (with dap.providers) reads by itself:
-- defined here only for an nvim-dap that does not, so that it is offered once.
if not (dap.providers and dap.providers.configs and dap.providers.configs["dap.launch.json"]) then
  dap.configurations.c = {
    {
      type = "wasmtime",
      request = "launch",
      name = "Debug inventory (C)",
      program = "${workspaceFolder}/build/inventory.wasm",
      args = {},
      cwd = "${workspaceFolder}",
      stopOnEntry = false,
    },
  }
end
