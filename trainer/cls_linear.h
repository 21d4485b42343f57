/* The baseline a tree model has to beat: multinomial logistic regression
 * (liblinear, L2-regularised) on signed-log-scaled, standardised features.
 * Flow features are counts and times spanning many decades; the log keeps
 * one elephant flow from deciding every weight. */
#ifndef CLS_LINEAR_H
#define CLS_LINEAR_H

#include <stddef.h>
#include <stdint.h>

#include "cls_table.h"

struct cls_linear;

/* Fits on the table's rows listed in idx (n of them). NULL with err set. */
struct cls_linear *cls_linear_fit(const struct cls_table *t, const size_t *idx, size_t n, double c,
				  char *err, size_t errlen);
/* The class of each listed row: 0 or -ENOMEM. */
int cls_linear_predict(const struct cls_linear *m, const struct cls_table *t, const size_t *idx, size_t n,
		       uint32_t *cls);
void cls_linear_free(struct cls_linear *m);

#endif
