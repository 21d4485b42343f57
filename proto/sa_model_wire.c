/* Model wire form (see sa_model_wire.h). */
#include "sa_model_wire.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

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
