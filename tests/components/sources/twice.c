// cflags: -nostdlib -Wl,--no-entry
/* The component's entry (wasi:cli/run): calls the two instances of scale.wasm. */
__attribute__((import_module("left"), import_name("scale"))) int left_scale(int);
__attribute__((import_module("right"), import_name("scale"))) int right_scale(int);

__attribute__((export_name("run"))) int run(void) {
  int total = left_scale(2) + right_scale(3) + left_scale(4); /* BREAK: run_total */
  return total != 21 + 31 + 42; /* 0: wasi:cli/run returns ok */
}
