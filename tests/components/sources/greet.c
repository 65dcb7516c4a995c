/* A WASI command made into a component (jco new --wasi-command): the core module
 * "main" runs beside the wasi_snapshot_preview1 adapter and wit-component's shims. */
#include <stdio.h>

static int weigh(const char *word) {
  int weight = 0;
  for (const char *c = word; *c; c++) {
    weight += *c; /* BREAK: weigh_loop */
  }
  return weight;
}

int main(int argc, char **argv) {
  int total = 0;
  for (int i = 1; i < argc; i++) {
    total += weigh(argv[i]); /* BREAK: main_weigh */
  }
  printf("total weight %d\n", total);
  return total % 2; /* exits through wasi:cli/exit: 0 for an even total, else 1 */
}
