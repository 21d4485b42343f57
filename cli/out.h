/* Output tables rendered as aligned text, CSV or JSON (an array of objects
 * with typed values). Commands fill a table; the format is the user's. */
#ifndef OUT_H
#define OUT_H

#include <stdint.h>
#include <stdio.h>

enum out_format { OUT_TABLE, OUT_JSON, OUT_CSV };

struct out_table;

/* Returns 0 and sets *f, or -1 for an unknown name. */
int out_format_parse(const char *name, enum out_format *f);

struct out_table *out_table_new(const char *title, unsigned ncols, const char *const *cols);
void out_table_destroy(struct out_table **t);
/* Cells are added left to right; a row is complete after ncols cells. */
void out_str(struct out_table *t, const char *s);
void out_u64(struct out_table *t, uint64_t v);
void out_f64(struct out_table *t, double v, int decimals);
/* A measured value printed as it is (9 significant digits: a float's). */
void out_num(struct out_table *t, double v);
/* A cell without a value: empty in text and CSV, null in JSON. */
void out_none(struct out_table *t);
void out_table_print(const struct out_table *t, enum out_format f, FILE *fp);

/* Human units: "1.5 MB", "12.3 kpps"-style scaling with SI prefixes. */
const char *out_human(double v, const char *unit, char *buf, size_t len);

#endif
