-- Drives one debug session with nvim-dap in headless Neovim, as a user would from the editor:
-- load an example's nvim-dap.lua recipe, open its source, set a breakpoint, continue, look at the
-- stopped frame, its variables and an expression, then run to the program's exit.
-- Run as `nvim --headless -u NONE --cmd 'set rtp+=NVIM_DAP' -c 'runtime! plugin/dap.lua' -c 'luafile THIS'`
-- with $NVIM_DAP_TEST naming a JSON file of parameters; the outcome is written to params.result as JSON
-- (`error` says what went wrong), then Neovim quits.
local params = vim.fn.json_decode(vim.fn.readfile(vim.env.NVIM_DAP_TEST))
local TIMEOUT_MS = params.timeout_ms
local outcome = { offered = {} }

local function wait_for(what, condition)
  if not vim.wait(TIMEOUT_MS, condition, 20) then
    error("timed out waiting for " .. what)
  end
end

--- Sends a request in the session and waits for its answer.
local function request(session, command, arguments)
  local answer
  session:request(command, arguments, function(err, body)
    answer = { err = err, body = body }
  end)
  wait_for("the answer to " .. command, function()
    return answer ~= nil
  end)
  if answer.err then
    error(command .. " failed: " .. vim.inspect(answer.err))
  end
  return answer.body
end

local function run()
  local dap = require("dap")
  -- The user picks the first configuration offered; the names offered are kept for the test.
  vim.ui.select = function(items, opts, on_choice)
    for _, item in ipairs(items) do
      table.insert(outcome.offered, (opts.format_item or tostring)(item))
    end
    on_choice(items[1], 1)
  end

  vim.cmd("cd " .. vim.fn.fnameescape(params.folder))
  vim.cmd("luafile " .. vim.fn.fnameescape(params.recipe))
  if params.adapter_lua then -- another way to start the adapter, in Lua that sets dap.adapters.wasmtime
    assert(loadstring(params.adapter_lua))()
  end

  local events = {}
  dap.listeners.after.event_stopped.test = function(_, body)
    events.stopped = body
  end
  dap.listeners.after.event_exited.test = function(_, body)
    events.exit_code = body.exitCode
  end
  dap.listeners.after.event_terminated.test = function()
    events.terminated = true
  end

  vim.cmd("filetype on") -- as in any configured Neovim: the recipe keys its configurations by filetype
  vim.cmd("edit " .. vim.fn.fnameescape(params.source))
  vim.api.nvim_win_set_cursor(0, { params.line, 0 })
  dap.set_breakpoint()
  dap.continue()

  wait_for("the stop at the breakpoint", function()
    local session = dap.session()
    return events.stopped ~= nil and session ~= nil and session.current_frame ~= nil
  end)
  local session = dap.session()
  local frame = session.current_frame
  outcome.stop_reason = events.stopped.reason
  outcome.frame = { name = frame.name, line = frame.line, path = frame.source and frame.source.path }
  outcome.adapter_port = session.adapter.port

  outcome.variables = {}
  for _, scope in ipairs(request(session, "scopes", { frameId = frame.id }).scopes) do
    local variables = request(session, "variables", { variablesReference = scope.variablesReference })
    for _, variable in ipairs(variables.variables) do
      outcome.variables[variable.name] = variable.value
    end
  end
  local evaluated = request(session, "evaluate", { expression = params.expression, frameId = frame.id, context = "watch" })
  outcome.evaluated = evaluated.result

  dap.clear_breakpoints()
  dap.continue()
  wait_for("the program's end", function()
    return events.terminated == true
  end)
  outcome.exit_code = events.exit_code
end

local ok, err = xpcall(run, debug.traceback)
if not ok then
  outcome.error = err
  outcome.messages = vim.api.nvim_exec("messages", true)
end
vim.fn.writefile({ vim.fn.json_encode(outcome) }, params.result)
vim.cmd("qa!")
