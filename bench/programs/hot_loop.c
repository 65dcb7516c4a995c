/* A loop whose body runs argv[1] times: for conditional breakpoints that are almost never true,
   and for the cost of running under the debugger with a breakpoint that is never hit. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  long rounds = argc > 1 ? atol(argv[1]) : 1000;
  if (rounds < 0) {
    puts("rounds must not be negative");  /* BREAK: never */
    return 1;
  }
  unsigned long total = 0;  /* BREAK: before_loop */
  for (long i = 0; i < rounds; i++) {
    total += (unsigned long)i ^ (total >> 3);  /* BREAK: loop_body */
  }
  printf("total=%lu\n", total);  /* BREAK: after_loop */
  return 0;
}
