// cflags: -nostdlib -Wl,--no-entry
/* A core module without imports, instantiated twice by twice.wat: each instance has
 * its own linear memory, so its own `calls`. */
static int calls;

__attribute__((export_name("scale"))) int scale(int x) {
  calls++;
  int result = x * 10 + calls;
  return result; /* BREAK: scale_return */
}
