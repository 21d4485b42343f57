/* Logistic regression baseline through liblinear (cls_linear.h). */
#include <errno.h>
#include <linear.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cls_linear.h"

struct cls_linear {
	struct model *model;
	size_t cols;
	double *mean, *scale; /* of the log-scaled training columns */
};

static double slog(float v)
{
	return v < 0 ? -log1p(-(double)v) : log1p((double)v);
}

static void quiet(const char *s)
{
	(void)s;
}

/* A row as liblinear wants it: 1-based indices, zeros left out, the bias
 * feature (index cols + 1, as liblinear's own tools append it), -1 ends.
 * At most cols + 2 nodes. */
static size_t row_nodes(const struct cls_linear *m, const float *row, struct feature_node *out)
{
	size_t k = 0;

	for (size_t j = 0; j < m->cols; j++) {
		double v = (slog(row[j]) - m->mean[j]) * m->scale[j];
		if (v != 0)
			out[k++] = (struct feature_node){(int)j + 1, v};
	}
	out[k++] = (struct feature_node){(int)m->cols + 1, 1};
	out[k].index = -1;
	return k + 1;
}

static int standardise(struct cls_linear *m, const struct cls_table *t, const size_t *idx, size_t n)
{
	m->mean = calloc(t->cols, sizeof(double));
	m->scale = calloc(t->cols, sizeof(double));
	if (!m->mean || !m->scale)
		return -ENOMEM;
	for (size_t j = 0; j < t->cols; j++) {
		double s = 0, ss = 0;
		for (size_t i = 0; i < n; i++)
			s += slog(t->x[idx[i] * t->cols + j]);
		m->mean[j] = s / (double)n;
		for (size_t i = 0; i < n; i++) {
			double d = slog(t->x[idx[i] * t->cols + j]) - m->mean[j];
			ss += d * d;
		}
		/* A constant column gets weight 0, not a division by zero. */
		m->scale[j] = ss > 0 ? 1 / sqrt(ss / (double)n) : 0;
	}
	return 0;
}

struct cls_linear *cls_linear_fit(const struct cls_table *t, const size_t *idx, size_t n, double c,
				  char *err, size_t errlen)
{
	struct cls_linear *m = calloc(1, sizeof(*m));
	struct feature_node *nodes = NULL;
	struct feature_node **rows = NULL;
	double *y = NULL;
	struct problem prob;
	struct parameter par = {.solver_type = L2R_LR, .eps = 0.01, .C = c};
	const char *bad;

	if (!m || n == 0 || n > INT32_MAX) {
		snprintf(err, errlen, "logistic regression: %s", m ? "no rows" : "out of memory");
		goto fail;
	}
	m->cols = t->cols;
	nodes = malloc(n * (t->cols + 2) * sizeof(*nodes));
	rows = malloc(n * sizeof(*rows));
	y = malloc(n * sizeof(*y));
	if (!nodes || !rows || !y || standardise(m, t, idx, n) != 0) {
		snprintf(err, errlen, "logistic regression: out of memory");
		goto fail;
	}
	struct feature_node *p = nodes;
	for (size_t i = 0; i < n; i++) {
		rows[i] = p;
		p += row_nodes(m, t->x + idx[i] * t->cols, p);
		y[i] = t->y[idx[i]];
	}
	prob = (struct problem){.l = (int)n, .n = (int)t->cols + 1, .y = y, .x = rows, .bias = 1};
	if ((bad = check_parameter(&prob, &par)) != NULL) {
		snprintf(err, errlen, "logistic regression: %s", bad);
		goto fail;
	}
	set_print_string_function(quiet);
	m->model = train(&prob, &par);
	/* The model keeps no pointer into the problem. */
	free(nodes);
	free(rows);
	free(y);
	if (!m->model) {
		snprintf(err, errlen, "logistic regression: liblinear failed");
		cls_linear_free(m);
		return NULL;
	}
	return m;
fail:
	free(nodes);
	free(rows);
	free(y);
	cls_linear_free(m);
	return NULL;
}

int cls_linear_predict(const struct cls_linear *m, const struct cls_table *t, const size_t *idx, size_t n,
		       uint32_t *cls)
{
	struct feature_node *row = malloc((m->cols + 2) * sizeof(*row));

	if (!row)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		row_nodes(m, t->x + idx[i] * t->cols, row);
		cls[i] = (uint32_t)predict(m->model, row);
	}
	free(row);
	return 0;
}

void cls_linear_free(struct cls_linear *m)
{
	if (!m)
		return;
	if (m->model)
		free_and_destroy_model(&m->model);
	free(m->mean);
	free(m->scale);
	free(m);
}
