/* Runs a few SQL statements through SQLite's bytecode interpreter (sqlite3VdbeExec) for the benchmarks
   and the comparison with gdb. */
#include <stdio.h>
#include "sqlite3.h"

/* sqlean's copy of the amalgamation ends with a hook registering its extensions; none are built here. */
int sqlite3_sqlean_init(sqlite3 *db, char **error, const void *api) {
  (void)db, (void)error, (void)api;
  return SQLITE_OK;
}

static int row(void *count, int columns, char **values, char **names) {
  ++*(int *)count;
  for (int i = 0; i < columns; i++) printf("%s=%s ", names[i], values[i] ? values[i] : "NULL");
  printf("\n");
  return 0;
}
int main(void) {
  sqlite3 *db;
  int rows = 0;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) return 1;
  const char *sql =
      "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL);"
      "INSERT INTO t(name, score) VALUES ('ada', 3.5), ('bob', 2.25), ('cy', 4.0);"
      "SELECT name, score * 2 AS doubled FROM t WHERE score > 3 ORDER BY name;";
  char *error = 0;
  int rc = sqlite3_exec(db, sql, row, &rows, &error); /* BREAK: exec */
  if (rc != SQLITE_OK) { printf("error: %s\n", error); sqlite3_free(error); }
  sqlite3_close(db);
  return rows == 2 ? 0 : 1;
}
