/* Runs a small Lua script in the Lua 5.4 interpreter: the multi-MB benchmark program. */
#include <stdio.h>

#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"

static const char *SCRIPT =
    "local squares = {}\n"
    "for i = 1, 200 do squares[i] = i * i end\n"
    "local words = {}\n"
    "for word in ('the quick brown fox jumps over the lazy dog'):gmatch('%a+') do\n"
    "  words[#words + 1] = word:upper()\n"
    "end\n"
    "return squares[200] + #table.concat(words, ' ')\n";

int main(void) {
  lua_State *state = luaL_newstate();
  luaL_openlibs(state);
  int status = luaL_loadstring(state, SCRIPT);  /* BREAK: script_loaded */
  if (status == LUA_OK) {
    status = lua_pcall(state, 0, 1, 0);
  }
  long long result = status == LUA_OK ? lua_tointeger(state, -1) : -1;
  printf("lua result=%lld\n", result);  /* BREAK: script_done */
  lua_close(state);
  return status;
}
