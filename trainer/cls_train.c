/* Training a flow classifier (cls_train.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xgboost/c_api.h>

#include "cls_linear.h"
#include "cls_split.h"
#include "cls_train.h"
#include "cls_xgb_dump.h"

const struct cls_train_conf cls_train_defaults = {
	.folds = 5, .test_share = 0.2, .budget_s = 120, .seed = 1, .threads = 1,
};

/* Tried in this order while the budget lasts: the usual good default
 * first, then deeper, shallower, slower-learning and class-weighted ones.
 * Rounds are a ceiling: each fold stops early (PATIENCE rounds without a
 * lower error on its held-out part), and the final fit runs the folds'
 * mean of the rounds they kept. Fewer trees fit and score faster. */
static const struct cls_params grid[] = {
	{6, 100, 0.3, 0}, {6, 100, 0.3, 1}, {4, 150, 0.3, 0}, {8, 100, 0.3, 0},
	{6, 200, 0.1, 0}, {8, 200, 0.1, 1},
};
#define GRID_N (sizeof(grid) / sizeof(grid[0]))
/* The held-out error moves in steps of one row, and a rare class is learnt
 * after long flat stretches: with 10 rounds of patience every candidate
 * stopped at 3-6 rounds on sa-gen's capture and two of its eleven ssh test
 * flows went to http; with 30 the class-weighted one ran 8 and got them. */
#define PATIENCE 30

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void cls_params_describe(const struct cls_params *p, char *out, size_t len)
{
	snprintf(out, len, "depth %u, %u rounds, eta %g%s", p->depth, p->rounds, p->eta,
		 p->balanced ? ", balanced" : "");
}

/* The listed rows as one dense matrix (XGBoost and the forest both want
 * contiguous rows). */
static float *gather(const struct cls_table *t, const size_t *idx, size_t n)
{
	float *x = malloc(n * t->cols * sizeof(*x) + 1);

	for (size_t i = 0; x && i < n; i++)
		memcpy(x + i * t->cols, t->x + idx[i] * t->cols, t->cols * sizeof(*x));
	return x;
}

static int set_param(BoosterHandle b, const char *k, const char *v)
{
	return XGBoosterSetParam(b, k, v);
}

/* The listed rows with their classes (and, balanced, weights) as an
 * XGBoost matrix. */
static int matrix(const struct cls_table *t, const size_t *idx, size_t n, int balanced, DMatrixHandle *out,
		  char *err, size_t errlen)
{
	float *x = gather(t, idx, n), *label = malloc(n * sizeof(float) + 1), *w = NULL;
	size_t *count = balanced ? calloc(t->n_classes, sizeof(*count)) : NULL;
	int rc = -1;

	*out = NULL;
	if (!x || !label || (balanced && (!count || !(w = malloc(n * sizeof(float) + 1))))) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		label[i] = (float)t->y[idx[i]];
		if (count)
			count[t->y[idx[i]]]++;
	}
	for (size_t i = 0; w && i < n; i++)
		w[i] = (float)((double)n / ((double)t->n_classes * (double)count[t->y[idx[i]]]));
	if (XGDMatrixCreateFromMat(x, n, t->cols, NAN, out) != 0 ||
	    XGDMatrixSetFloatInfo(*out, "label", label, n) != 0 ||
	    (w && XGDMatrixSetFloatInfo(*out, "weight", w, n) != 0)) {
		rc = cls_xgb_fail(err, errlen, "matrix");
		goto done;
	}
	rc = 0;
done:
	if (rc != 0 && *out) {
		XGDMatrixFree(*out);
		*out = NULL;
	}
	free(x);
	free(label);
	free(w);
	free(count);
	return rc;
}

static int configure(BoosterHandle b, const struct cls_table *t, const struct cls_params *p,
		     const struct cls_train_conf *c)
{
	char v[32];
	int ok = set_param(b, "verbosity", "0") == 0 && set_param(b, "tree_method", "hist") == 0;

	/* Early stopping watches the share of rows misclassified, what the
	 * search scores: the log loss of a separable problem keeps falling
	 * long after every row is right, and would keep adding trees. */
	if (t->n_classes == 2) {
		ok = ok && set_param(b, "objective", "binary:logistic") == 0 && set_param(b, "eval_metric", "error") == 0;
	} else {
		snprintf(v, sizeof(v), "%zu", t->n_classes);
		ok = ok && set_param(b, "objective", "multi:softprob") == 0 && set_param(b, "num_class", v) == 0 &&
		     set_param(b, "eval_metric", "merror") == 0;
	}
	snprintf(v, sizeof(v), "%u", p->depth);
	ok = ok && set_param(b, "max_depth", v) == 0;
	snprintf(v, sizeof(v), "%g", p->eta);
	ok = ok && set_param(b, "eta", v) == 0;
	snprintf(v, sizeof(v), "%llu", (unsigned long long)(c->seed & 0x7fffffff));
	ok = ok && set_param(b, "seed", v) == 0;
	if (c->threads > 0) {
		snprintf(v, sizeof(v), "%d", c->threads);
		ok = ok && set_param(b, "nthread", v) == 0;
	}
	return ok ? 0 : -1;
}

/* The error on the evaluation rows after round r ("[r]\teval-merror:0.12"). */
static int eval_loss(BoosterHandle b, unsigned r, DMatrixHandle ev, double *loss)
{
	const char *name = "eval", *out, *colon;

	if (XGBoosterEvalOneIter(b, (int)r, &ev, &name, 1, &out) != 0 || (colon = strrchr(out, ':')) == NULL)
		return -1;
	*loss = strtod(colon + 1, NULL);
	return 0;
}

/* Fits p on the rows idx. With evaluation rows (n_eval > 0) it stops once
 * their error has not improved for PATIENCE rounds and keeps the trees of
 * the best round: *rounds (may be NULL) says how many rounds it kept. */
static int xgb_fit(const struct cls_table *t, const size_t *idx, size_t n, const size_t *eval, size_t n_eval,
		   const struct cls_params *p, const struct cls_train_conf *c, BoosterHandle *out,
		   unsigned *rounds, char *err, size_t errlen)
{
	DMatrixHandle dm = NULL, ev = NULL;
	BoosterHandle b = NULL;
	double best = INFINITY, loss;
	unsigned best_r = p->rounds - 1;
	int rc = -1;

	if (matrix(t, idx, n, p->balanced, &dm, err, errlen) != 0 ||
	    (n_eval && matrix(t, eval, n_eval, p->balanced, &ev, err, errlen) != 0))
		goto done;
	if (XGBoosterCreate(&dm, 1, &b) != 0 || configure(b, t, p, c) != 0) {
		rc = cls_xgb_fail(err, errlen, "booster");
		goto done;
	}
	for (unsigned r = 0; r < p->rounds; r++) {
		if (XGBoosterUpdateOneIter(b, (int)r, dm) != 0) {
			rc = cls_xgb_fail(err, errlen, "training");
			goto done;
		}
		if (!ev)
			continue;
		if (eval_loss(b, r, ev, &loss) != 0) {
			rc = cls_xgb_fail(err, errlen, "evaluation");
			goto done;
		}
		if (loss < best) {
			best = loss;
			best_r = r;
		} else if (r - best_r >= PATIENCE) {
			break;
		}
	}
	unsigned kept = best_r + 1;
	if (rounds)
		*rounds = kept;
	if (ev && kept < p->rounds) {
		BoosterHandle cut;
		if (XGBoosterSlice(b, 0, (int)kept, 1, &cut) != 0) {
			rc = cls_xgb_fail(err, errlen, "slice");
			goto done;
		}
		XGBoosterFree(b);
		b = cut;
	}
	*out = b;
	b = NULL;
	rc = 0;
done:
	if (b)
		XGBoosterFree(b);
	if (dm)
		XGDMatrixFree(dm);
	if (ev)
		XGDMatrixFree(ev);
	return rc;
}

/* XGBoost's own verdict on the listed rows (the search's judge; the
 * final model is judged as the forest it becomes). */
static int xgb_predict(BoosterHandle b, const struct cls_table *t, const size_t *idx, size_t n, uint32_t *cls,
		       char *err, size_t errlen)
{
	float *x = gather(t, idx, n);
	DMatrixHandle dm = NULL;
	bst_ulong len;
	const float *p;
	int rc = -1;

	if (!x) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (XGDMatrixCreateFromMat(x, n, t->cols, NAN, &dm) != 0 ||
	    XGBoosterPredict(b, dm, 0, 0, 0, &len, &p) != 0) {
		rc = cls_xgb_fail(err, errlen, "predict");
		goto done;
	}
	size_t k = t->n_classes == 2 ? 1 : t->n_classes;
	if (len != n * k) {
		snprintf(err, errlen, "xgboost: %llu predictions for %zu rows", (unsigned long long)len, n);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		if (k == 1) {
			cls[i] = p[i] >= 0.5f;
			continue;
		}
		uint32_t best = 0;
		for (size_t j = 1; j < k; j++)
			if (p[i * k + j] > p[i * k + best])
				best = (uint32_t)j;
		cls[i] = best;
	}
	rc = 0;
done:
	if (dm)
		XGDMatrixFree(dm);
	free(x);
	return rc;
}

/* Rows of the table in each part: train (is_test 0) or test. */
static size_t rows_where(const uint8_t *is_test, size_t n, uint8_t want, size_t *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (is_test[i] == want)
			out[k++] = i;
	return k;
}

/* Mean macro-F1 of p over the folds of the training rows, and the rounds
 * the folds kept (early stopping on each fold's held-out part, which then
 * scores it: the mild optimism of xgboost.cv, paid for by a final score on
 * the test split that no step has seen). */
static int cross_validate(const struct cls_table *t, const size_t *train, size_t n, const uint32_t *fold,
			  const struct cls_params *p, const struct cls_train_conf *c, double *score,
			  unsigned *rounds, char *err, size_t errlen)
{
	size_t *fit = malloc(n * sizeof(*fit) + 1), *hold = malloc(n * sizeof(*hold) + 1);
	uint32_t *truth = malloc(n * sizeof(*truth) + 1), *pred = malloc(n * sizeof(*pred) + 1);
	double sum = 0, kept = 0;
	int rc = -1;

	if (!fit || !hold || !truth || !pred) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	for (unsigned f = 0; f < c->folds; f++) {
		size_t nf = 0, nh = 0;
		BoosterHandle b;
		struct cls_eval e;

		for (size_t i = 0; i < n; i++) {
			if (fold[i] == f)
				hold[nh++] = train[i];
			else
				fit[nf++] = train[i];
		}
		unsigned used;
		if (xgb_fit(t, fit, nf, hold, nh, p, c, &b, &used, err, errlen) != 0)
			goto done;
		kept += used;
		int prc = xgb_predict(b, t, hold, nh, pred, err, errlen);
		XGBoosterFree(b);
		if (prc != 0)
			goto done;
		for (size_t i = 0; i < nh; i++)
			truth[i] = t->y[hold[i]];
		if (cls_eval_compute(&e, truth, pred, nh, t->n_classes) != 0) {
			snprintf(err, errlen, "out of memory");
			goto done;
		}
		sum += e.macro_f1;
		cls_eval_free(&e);
		if (c->progress)
			c->progress(c->ctx, "fold", (f + 1.0) / c->folds);
	}
	*score = sum / c->folds;
	*rounds = (unsigned)ceil(kept / c->folds);
	rc = 0;
done:
	free(fit);
	free(hold);
	free(truth);
	free(pred);
	return rc;
}

/* Total gain per column, from XGBoost's "f<column>" feature names. */
static int importance(BoosterHandle b, size_t cols, double *out)
{
	bst_ulong n, dim;
	const char **names;
	const bst_ulong *shape;
	const float *scores;

	if (XGBoosterFeatureScore(b, "{\"importance_type\": \"total_gain\"}", &n, &names, &dim, &shape,
				  &scores) != 0)
		return -1;
	for (bst_ulong i = 0; i < n; i++) {
		unsigned long j;
		if (sscanf(names[i], "f%lu", &j) == 1 && j < cols)
			out[j] = scores[i];
	}
	return 0;
}

/* Scores the test split with the forest, after checking that the forest
 * scores exactly as the booster it came from. */
static int evaluate_forest(struct cls_trained *r, BoosterHandle b, const struct cls_table *t, const size_t *test,
			   size_t n, char *err, size_t errlen)
{
	struct cls_booster_diff d;
	float *x = gather(t, test, n), *prob = malloc(n * sizeof(float) + 1);
	uint32_t *truth = malloc(n * sizeof(*truth) + 1), *pred = malloc(n * sizeof(*pred) + 1);
	int rc = -1;

	if (!x || !prob || !truth || !pred) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	if (cls_forest_check_booster(&r->forest, b, x, n, t->cols, &d, err, errlen) != 0)
		goto done;
	if (d.class_mismatch || d.max_rel > 1e-4) {
		snprintf(err, errlen, "the flattened forest disagrees with XGBoost on %zu of %zu test rows "
			 "(margin off by %.3g)", d.class_mismatch, n, d.max_rel);
		goto done;
	}
	/* Repeated until a measurable time has passed: a test split can be a
	 * few hundred rows. */
	double t0 = now_s(), t1;
	size_t reps = 0;
	do {
		cls_forest_predict(&r->forest, x, n, t->cols, pred, prob);
		reps++;
		t1 = now_s();
	} while (t1 - t0 < 0.2 && reps < 100000);
	r->score_ns = (t1 - t0) * 1e9 / ((double)n * (double)reps);
	for (size_t i = 0; i < n; i++)
		truth[i] = t->y[test[i]];
	if (cls_eval_compute(&r->test, truth, pred, n, t->n_classes) != 0) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	rc = 0;
done:
	free(x);
	free(prob);
	free(truth);
	free(pred);
	return rc;
}

static int baseline(struct cls_trained *r, const struct cls_table *t, const size_t *train, size_t n_train,
		    const size_t *test, size_t n_test, char *err, size_t errlen)
{
	struct cls_linear *m = cls_linear_fit(t, train, n_train, 1.0, err, errlen);
	uint32_t *truth = malloc(n_test * sizeof(*truth) + 1), *pred = malloc(n_test * sizeof(*pred) + 1);
	int rc = -1;

	if (!m || !truth || !pred || cls_linear_predict(m, t, test, n_test, pred) != 0) {
		if (m)
			snprintf(err, errlen, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n_test; i++)
		truth[i] = t->y[test[i]];
	if (cls_eval_compute(&r->baseline, truth, pred, n_test, t->n_classes) != 0) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	rc = 0;
done:
	cls_linear_free(m);
	free(truth);
	free(pred);
	return rc;
}

static int check_table(const struct cls_table *t, const struct cls_train_conf *c, char *err, size_t errlen)
{
	size_t *count = calloc(t->n_classes + 1, sizeof(*count));

	if (!count) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < t->rows; i++)
		count[t->y[i]]++;
	for (size_t k = 0; k < t->n_classes; k++) {
		/* Stratified: a class needs a row in the test split and one in
		 * each fold's training part. */
		if (count[k] < 2) {
			snprintf(err, errlen, "class %s has %zu row%s; at least 2 are needed (one to train on, one "
				 "to test)", t->classes[k], count[k], count[k] == 1 ? "" : "s");
			free(count);
			return -1;
		}
	}
	free(count);
	if (t->n_classes < 2) {
		snprintf(err, errlen, "%zu class%s: nothing to tell apart", t->n_classes,
			 t->n_classes == 1 ? "" : "es");
		return -1;
	}
	if (t->cols == 0) {
		snprintf(err, errlen, "no feature columns");
		return -1;
	}
	if (c->folds < 2) {
		snprintf(err, errlen, "at least 2 folds are needed");
		return -1;
	}
	return 0;
}

int cls_train(const struct cls_table *t, const struct cls_train_conf *c, struct cls_trained *r, char *err,
	      size_t errlen)
{
	size_t *train = NULL, *test = NULL;
	uint32_t *fold = NULL;
	BoosterHandle b = NULL;
	double t_start = now_s(), best = -1;
	size_t n_train, n_test;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (check_table(t, c, err, errlen) != 0)
		return -1;
	r->is_test = calloc(t->rows, 1);
	r->importance = calloc(t->cols, sizeof(double));
	r->class_share = calloc(t->n_classes, sizeof(double));
	train = malloc(t->rows * sizeof(*train));
	test = malloc(t->rows * sizeof(*test));
	fold = malloc(t->rows * sizeof(*fold));
	if (!r->is_test || !r->importance || !r->class_share || !train || !test || !fold) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	if (cls_split_train_test(t->y, t->rows, t->n_classes, c->test_share, c->seed, r->is_test) != 0) {
		snprintf(err, errlen, "cannot split the rows (test share %g)", c->test_share);
		goto done;
	}
	n_train = rows_where(r->is_test, t->rows, 0, train);
	n_test = rows_where(r->is_test, t->rows, 1, test);
	r->train_rows = n_train;
	r->test_rows = n_test;
	{
		uint32_t *ytrain = malloc(n_train * sizeof(*ytrain));
		if (!ytrain) {
			snprintf(err, errlen, "out of memory");
			goto done;
		}
		for (size_t i = 0; i < n_train; i++) {
			ytrain[i] = t->y[train[i]];
			r->class_share[ytrain[i]] += 1.0 / (double)n_train;
		}
		int frc = cls_split_kfold(ytrain, n_train, t->n_classes, c->folds, c->seed + 1, fold);
		free(ytrain);
		if (frc != 0) {
			snprintf(err, errlen, "cannot assign %u folds", c->folds);
			goto done;
		}
	}

	/* The search: every candidate on the same folds, while the budget
	 * lasts (the first always runs). */
	size_t off = 0;
	for (size_t g = 0; g < GRID_N; g++) {
		struct cls_params cand = grid[g];
		double score;
		char d[96];

		if (g > 0 && now_s() - t_start > c->budget_s)
			break;
		if (c->progress)
			c->progress(c->ctx, "search", (double)g / GRID_N);
		if (cross_validate(t, train, n_train, fold, &grid[g], c, &score, &cand.rounds, err, errlen) != 0)
			goto done;
		cls_params_describe(&cand, d, sizeof(d));
		off += (size_t)snprintf(r->tried + off, off < sizeof(r->tried) ? sizeof(r->tried) - off : 0,
					"%s%s: %.4f", g ? "; " : "", d, score);
		if (off >= sizeof(r->tried))
			off = sizeof(r->tried) - 1;
		if (score > best) {
			best = score;
			r->params = cand;
		}
	}
	r->cv_macro_f1 = best;
	r->cv_folds = c->folds;

	double t_fit = now_s();
	if (c->progress)
		c->progress(c->ctx, "final fit", 1.0);
	if (xgb_fit(t, train, n_train, NULL, 0, &r->params, c, &b, NULL, err, errlen) != 0)
		goto done;
	r->train_s = now_s() - t_fit;
	if (cls_forest_from_booster(b, t->n_classes == 2 ? 1 : (unsigned)t->n_classes, &r->forest, err,
				    errlen) != 0)
		goto done;
	if (importance(b, t->cols, r->importance) != 0) {
		cls_xgb_fail(err, errlen, "feature importance");
		goto done;
	}
	r->search_s = now_s() - t_start;
	if (evaluate_forest(r, b, t, test, n_test, err, errlen) != 0 ||
	    baseline(r, t, train, n_train, test, n_test, err, errlen) != 0)
		goto done;
	rc = 0;
done:
	if (b)
		XGBoosterFree(b);
	free(train);
	free(test);
	free(fold);
	if (rc != 0)
		cls_trained_free(r);
	return rc;
}

void cls_trained_free(struct cls_trained *r)
{
	cls_forest_free(&r->forest);
	cls_eval_free(&r->test);
	cls_eval_free(&r->baseline);
	free(r->importance);
	free(r->class_share);
	free(r->is_test);
	memset(r, 0, sizeof(*r));
}
