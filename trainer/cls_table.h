/* A feature table: what every classifier step reads. Rows of float
 * features with a class per row, built from flow records
 * (cls_features.h), a CSV file, or a test. Missing values are NAN until
 * cls_clean() imputes them. */
#ifndef CLS_TABLE_H
#define CLS_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The dictionary of one categorical column: code i stands for names[i],
 * codes given in order of first appearance in the file. n == 0: the
 * column is numeric. */
struct cls_cat {
	char **names;
	size_t n;
};

struct cls_table {
	size_t rows, cols;
	float *x;        /* rows * cols, row-major */
	uint32_t *y;     /* class of each row, < n_classes */
	char **names;    /* cols column names */
	char **classes;  /* n_classes class names */
	size_t n_classes;
	size_t cap;      /* rows allocated */
	/* NULL when no column is categorical, else cols entries kept in step
	 * with names[] (cls_clean drops and adds them with their columns), so
	 * a scoring caller codes new rows as the file was coded: see
	 * cls_table_code_cell(). */
	struct cls_cat *cats;
};

/* An empty table with these columns (names copied). 0 or -ENOMEM. */
int cls_table_init(struct cls_table *t, const char *const *names, size_t cols);
/* Appends a row of cols values with class `label` (added to classes when
 * new). 0 or -ENOMEM. */
int cls_table_add(struct cls_table *t, const float *row, const char *label);
void cls_table_free(struct cls_table *t);

/* The index of class `label`, or -1. */
long cls_table_class_index(const struct cls_table *t, const char *label);

#define CLS_CSV_MAX_LINE (1u << 20) /* 1 MiB: no sane feature row is longer */

/* Loads a CSV file into *t (which need not be initialised; on success the
 * caller frees it with cls_table_free).
 *
 * The first non-blank line is the header: names separated by ',', spaces
 * around them trimmed, each unique. Cells may be wrapped in double quotes
 * ("" inside is a quote; a quoted cell cannot span lines). Every later
 * non-blank line is a row with as many cells as the header. The column
 * named label_column holds the class (text, must not be empty or missing);
 * the columns named in drop_columns (n_drop of them, each must exist) are
 * skipped. Every other column is a feature:
 *  - a cell that is empty, "?", "NA", "NaN" or "nan" is missing (NAN);
 *  - a column whose present cells are all decimal numbers ([+-]digits
 *    [.digits][e[+-]digits], or [+-]inf as %g prints it; no hex) is
 *    numeric, parsed as float (a finite number beyond float's range is
 *    an error);
 *  - any other column is categorical: its distinct texts are coded 0, 1,
 *    2... in order of first appearance and kept in t->cats.
 * Classes are numbered in order of first appearance too.
 *
 * On error returns -EINVAL (bad input: err gets "FILE:LINE: column NAME:
 * what", or "FILE:LINE: what" when no single column is at fault), -ENOENT
 * / -EIO (cannot open or read) or -ENOMEM, and *t is left freed (all
 * zero): nothing is half loaded. err may be NULL. */
int cls_table_read_csv(const char *path, const char *label_column, const char *const *drop_columns,
		       size_t n_drop, struct cls_table *t, char *err, size_t errlen);
/* The same on len bytes in memory (need not be NUL-terminated); `name`
 * stands for FILE in error messages. */
int cls_table_read_csv_mem(const char *data, size_t len, const char *name,
			   const char *label_column, const char *const *drop_columns, size_t n_drop,
			   struct cls_table *t, char *err, size_t errlen);

/* Writes t as CSV: the column names, then a last column "label" with the
 * class names; values with %.9g (a float reads back bit for bit), missing
 * as an empty cell, categorical columns as their codes. Names holding ',',
 * '"' or outer spaces are quoted. Returns 0, -EINVAL when a feature column
 * is itself named "label" (the file could not be read back), or -EIO. */
int cls_table_write_csv(const struct cls_table *t, FILE *out);

/* Codes one cell text of column col the way cls_table_read_csv coded the
 * file: a number for a numeric column, the dictionary code for a
 * categorical one. Returns 0 (*out set; NAN when the cell is missing),
 * -ENOENT for a category the file never had, -EINVAL for text in a
 * numeric column or -ENOMEM (*out = NAN for all three). Linear in the
 * column's categories. */
int cls_table_code_cell(const struct cls_table *t, size_t col, const char *cell, float *out);

#endif
