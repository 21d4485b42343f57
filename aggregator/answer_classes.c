/* Series over all of the classifier's classes at once (answer.h): how far
 * each step's class mix is from the mix the newest classifier trained on,
 * and its accuracy on the flows that carry a ground-truth label. Both are
 * read from the class rows (dims, SCHEMA_DIM_CLASS) as `sa series --class`
 * reads them, one class at a time, and combined step by step. */
#include <math.h>
#include <string.h>

#include "answer.h"
#include "answer_store.h"
#include "sa_wire.h"
#include "schema.h"

/* One column of one class's rows over q's range and step; NULL on error
 * (r carries it). */
static Sa__Response *class_column(struct tsdb *db, const Sa__Query *q, const char *cls, const char *metric,
				  Sa__Response *r, struct sa_arena *a)
{
	Sa__Query cq = *q;

	sa__response__init(r);
	cq.metric = (char *)metric;
	cq.has_dims = 1;
	cq.dims = 1u << SCHEMA_DIM_CLASS;
	cq.class_name = (char *)cls;
	cq.has_agg = 1;
	cq.agg = SA__SERIES_AGG__AGG_SUM;
	return answer_series(db, &cq, r, a) == SA_OK ? r : NULL;
}

int answer_class_series(struct tsdb *db, const Sa__Query *q, Sa__Response *r, struct sa_arena *a)
{
	int drift = strcmp(q->metric, "class_drift") == 0;
	Sa__Model *m = answer_latest_model(db, "classifier", a);
	const Sa__Classifier *c = m ? m->classifier : NULL;

	if (!c || c->n_classes == 0 || (drift && c->n_class_share != c->n_classes))
		return answer_fail(r, SA_ERR_NOT_FOUND, "no classifier stored (sa train classifier)");
	size_t k = c->n_classes;
	Sa__Response *col = sa_arena_alloc(a, 2 * k * sizeof(*col));
	if (!col)
		return answer_fail(r, SA_ERR_INTERNAL, "out of memory");
	/* drift: flows per class; accuracy: labelled and correct per class. */
	for (size_t i = 0; i < k; i++) {
		Sa__Response *x = class_column(db, q, c->classes[i], drift ? "flows" : "labelled", &col[2 * i], a);
		Sa__Response *y = drift ? x : class_column(db, q, c->classes[i], "correct", &col[2 * i + 1], a);
		if (!x || !y) {
			*r = col[x ? 2 * i + 1 : 2 * i]; /* the refusal, with its reason */
			return (int)r->code;
		}
		if (x->n_points != col[0].n_points || y->n_points != col[0].n_points)
			return answer_fail(r, SA_ERR_INTERNAL, "class rows disagree in length");
	}
	*r = col[0];
	size_t n = col[0].n_points;
	Sa__SeriesPoint *pts = sa_arena_alloc(a, (n ? n : 1) * sizeof(*pts));
	r->points = sa_arena_alloc(a, (n ? n : 1) * sizeof(*r->points));
	if (!pts || !r->points)
		return answer_fail(r, SA_ERR_INTERNAL, "out of memory");
	for (size_t t = 0; t < n; t++) {
		double total = 0, hit = 0, dist = 0;
		for (size_t i = 0; i < k; i++) {
			total += col[2 * i].points[t]->value;
			hit += drift ? 0 : col[2 * i + 1].points[t]->value;
		}
		for (size_t i = 0; drift && total > 0 && i < k; i++)
			dist += fabs(col[2 * i].points[t]->value / total - c->class_share[i]);
		sa__series_point__init(&pts[t]);
		pts[t].has_t_ns = 1;
		pts[t].t_ns = col[0].points[t]->t_ns;
		/* A step without (labelled) flows has no mix and no accuracy. */
		pts[t].has_value = total > 0;
		pts[t].value = drift ? dist / 2 : hit / (total > 0 ? total : 1);
		r->points[t] = &pts[t];
	}
	r->n_points = n;
	return SA_OK;
}
