/* Shadows WASI's <setjmp.h>, which refuses to compile without Wasm exception handling.
   Lua is built with LUAI_THROW = abort(), so it never calls setjmp or longjmp. */
