/* Model wire form (see sa_model_wire.h). */
#include "sa_model_wire.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cls_forest.h"
#include "sa_classifier_wire.h"

static int metrics_ok(const Sa__Model *pm)
{
	const double v[] = {pm->mae, pm->rmse, pm->mase, pm->fit_s};
	for (unsigned i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (isinf(v[i]) || v[i] < 0) /* NaN is allowed: "not measured" */
			return 0;
	return 1;
}

int sa_model_decode(const Sa__Model *pm, struct fc_model *out, const char **why)
{
	if (pm->format != SA_MODEL_FORMAT) {
		*why = pm->format < SA_MODEL_FORMAT ? "model format too old for this build (retrain it)" :
						      "model format newer than this build understands";
		return -EINVAL;
	}
	if (pm->series == NULL || pm->series[0] == '\0' || pm->step_s == 0) {
		*why = "model without a series or step";
		return -EINVAL;
	}
	if (pm->n_parts < 1 || pm->n_parts > 2) {
		*why = "a model has one or two parts";
		return -EINVAL;
	}
	if (!metrics_ok(pm)) {
		*why = "model metrics are negative or infinite";
		return -EINVAL;
	}
	struct fc_model *m = malloc(sizeof(*m));
	if (m == NULL) {
		*why = "out of memory";
		return -ENOMEM;
	}
	m->n_parts = (unsigned)pm->n_parts;
	for (size_t i = 0; i < pm->n_parts; i++) {
		const Sa__ModelPart *p = pm->parts[i];
		if (fc_part_unpack(&m->part[i], fc_kind_parse(p->kind), p->season, p->season2, p->params,
				   (unsigned)p->n_params, p->state, (unsigned)p->n_state, p->sigma,
				   p->sd_power) != 0) {
			free(m);
			*why = "model part does not fit its kind (sizes, ranges or non-finite values)";
			return -EINVAL;
		}
	}
	*out = *m;
	free(m);
	return 0;
}

void sa_model_encode(const struct fc_model *m, Sa__Model *pm, struct sa_model_parts *buf)
{
	unsigned n = m->n_parts == 2 ? 2 : 1;

	for (unsigned i = 0; i < n; i++) {
		const struct fc_part *p = &m->part[i];
		Sa__ModelPart *w = &buf->part[i];
		sa__model_part__init(w);
		w->kind = (char *)fc_kind_name(p->kind);
		w->has_season = w->has_season2 = w->has_sigma = 1;
		w->season = p->season;
		w->season2 = p->season2;
		w->sigma = p->sigma;
		w->has_sd_power = 1;
		w->sd_power = p->sd_power;
		w->n_params = fc_part_nparams(p->kind);
		w->params = buf->params[i];
		w->n_state = fc_part_nstate(p->kind, p->season, p->season2);
		w->state = buf->state[i];
		fc_part_pack(p, w->params, w->state);
		buf->ptr[i] = w;
	}
	pm->has_format = 1;
	pm->format = SA_MODEL_FORMAT;
	pm->n_parts = n;
	pm->parts = buf->ptr;
}

/* A share or score: finite and within [0, 1]. */
static int unit(double v)
{
	return v >= 0 && v <= 1;
}

static int unit_all(const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!unit(v[i]))
			return 0;
	return 1;
}

int sa_classifier_check(const Sa__Model *pm, const char **why)
{
	static _Thread_local char reason[200];
	const Sa__Classifier *c = pm->classifier;
	struct cls_forest f;
	size_t k;

	*why = reason;
	if (pm->format != SA_MODEL_FORMAT || !pm->series || strcmp(pm->series, "classifier") != 0) {
		*why = "a classifier is stored as series \"classifier\", format 2";
		return -EINVAL;
	}
	k = c->n_classes;
	if (k < 2 || k > 256 || c->n_features == 0 || c->n_features > 4096 || !c->forest) {
		*why = "a classifier needs 2..256 classes, 1..4096 features and a forest";
		return -EINVAL;
	}
	for (size_t i = 0; i < k; i++)
		if (!c->classes[i] || !c->classes[i][0]) {
			*why = "a classifier's class without a name";
			return -EINVAL;
		}
	if ((c->n_precision && c->n_precision != k) || (c->n_recall && c->n_recall != k) ||
	    (c->n_f1 && c->n_f1 != k) || (c->n_support && c->n_support != k) ||
	    (c->n_class_share && c->n_class_share != k) || (c->n_confusion && c->n_confusion != k * k) ||
	    (c->n_importance && c->n_importance != c->n_features)) {
		*why = "a classifier's per-class or per-feature lists disagree with its classes or features";
		return -EINVAL;
	}
	double scores[] = {c->accuracy, c->macro_f1, c->cv_macro_f1, c->baseline_macro_f1, c->baseline_accuracy};
	if (!unit_all(scores, sizeof(scores) / sizeof(scores[0])) || !unit_all(c->precision, c->n_precision) ||
	    !unit_all(c->recall, c->n_recall) || !unit_all(c->f1, c->n_f1) ||
	    !unit_all(c->class_share, c->n_class_share)) {
		*why = "a classifier's metric is not a number in [0, 1]";
		return -EINVAL;
	}
	for (size_t i = 0; i < c->n_importance; i++)
		if (!(c->importance[i] >= 0) || isinf(c->importance[i])) {
			*why = "a classifier's feature importance is negative or not a number";
			return -EINVAL;
		}
	if (sa_forest_unpack(c->forest, (uint32_t)c->n_features, &f, reason, sizeof(reason)) != 0)
		return -EINVAL;
	uint32_t margins = f.margins;
	cls_forest_free(&f);
	if (margins != (k == 2 ? 1 : k)) {
		*why = "a classifier's forest has the wrong number of margins for its classes";
		return -EINVAL;
	}
	return 0;
}
