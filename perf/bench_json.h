/*
 * Flat JSON objects, one per line: what srtpedge-bench's commands print
 * with --json and what `run`, `compare` and `report` read back. Values are
 * strings, numbers, booleans or null; no nesting (none of our rows nest).
 */
#ifndef BENCH_JSON_H
#define BENCH_JSON_H

#include <stdbool.h>
#include <stdio.h>

enum jtype { J_STR, J_NUM, J_BOOL, J_NULL };

struct jfield {
	char key[40];
	enum jtype t;
	char s[320];   /* a string's value, or a number's text as read */
	double n;      /* numbers and booleans */
};

#define JROW_MAX 64
struct jrow {
	unsigned n;
	struct jfield f[JROW_MAX];
};

/* One object from `line`: 0, or -1 when it is not a flat JSON object. */
int jrow_parse(const char *line, struct jrow *r);
const struct jfield *jrow_get(const struct jrow *r, const char *key);
/* The string (or NULL when missing or not a string). */
const char *jrow_str(const struct jrow *r, const char *key);
/* The number, or `dflt` when missing or not a number. */
double jrow_num(const struct jrow *r, const char *key, double dflt);
bool jrow_has_num(const struct jrow *r, const char *key);
bool jrow_true(const struct jrow *r, const char *key);
/* Set (replace or append) a field; -1 when the row is full. */
int jrow_set_str(struct jrow *r, const char *key, const char *v);
int jrow_set_num(struct jrow *r, const char *key, double v);
int jrow_set_bool(struct jrow *r, const char *key, bool v);
int jrow_set_null(struct jrow *r, const char *key);
void jrow_del(struct jrow *r, const char *key);
void jrow_print(FILE *f, const struct jrow *r);
/* A string in JSON quotes, escaped. */
void json_put_str(FILE *f, const char *s);

/* All rows of a JSON-lines file (empty lines skipped). Returns the count,
 * or -1 (with a message naming the file and line) on a line that does
 * not parse or a file that cannot be read. */
int jrows_load(const char *path, struct jrow **rows);

#endif
