/* Cleaning a feature table before training: what a CSV or a capture gives
 * is rarely fit to learn from as it is. Each step says what it did in one
 * line of a caller's note list, for the operator. */
#ifndef CLS_CLEAN_H
#define CLS_CLEAN_H

#include <stdbool.h>
#include <stddef.h>

#include "cls_table.h"

/* A growing list of one-line notes, NUL-terminated, no '\n'. Zero it to
 * start; cls_notes_free() releases it. */
struct cls_notes {
	char **line;
	size_t n, cap;
};

/* Appends one printf-formatted line. 0 or -ENOMEM. */
int cls_notes_add(struct cls_notes *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cls_notes_free(struct cls_notes *n);

struct cls_clean_opts {
	size_t min_rows;        /* classes with fewer rows are dropped; 0 means 2 */
	bool drop_duplicates;   /* remove rows equal to an earlier one (else count them) */
};

struct cls_clean_report {
	size_t duplicates;      /* rows equal to an earlier row in features and class */
	size_t duplicates_removed;
	size_t classes_dropped; /* below min_rows */
	size_t rows_dropped;    /* the rows of those classes */
	size_t cols_dropped;    /* constant (where present) or entirely missing */
	size_t cols_imputed;    /* columns that got a "<name>_missing" indicator */
	size_t cells_imputed;
};

/* Cleans t in place, in this order, because each step changes what the
 * next one sees:
 *  1. duplicates: rows whose features (missing equals missing) and class
 *     equal an earlier row's are counted, and removed when
 *     o->drop_duplicates (first kept);
 *  2. rare classes: a class with fewer than min_rows rows (default 2: a
 *     single example cannot be on both sides of a split) loses its rows
 *     and its name; the others keep their order and are renumbered 0..;
 *  3. useless columns: one entirely missing, or whose present values are
 *     all equal, is dropped; if a constant column had missing cells, its
 *     missingness is the only information left, so "<name>_missing" stays;
 *  4. missing values: a column with some missing cells gets them filled
 *     with the median of its present values (categorical columns: the most
 *     frequent code, lowest on ties, since a median of codes is no
 *     category's) and an indicator column "<name>_missing", 1 where the
 *     cell was missing, 0 elsewhere, appended after the existing columns.
 * t->cats follows its columns. o may be NULL (defaults), r and notes too.
 * Returns 0, or -ENOMEM, when t is consistent but only partly cleaned. */
int cls_clean(struct cls_table *t, const struct cls_clean_opts *o, struct cls_clean_report *r,
	      struct cls_notes *notes);

#endif
