/* Scoring flows at ingest (classify.h). */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cls_features.h"
#include "cls_forest.h"
#include "classify.h"
#include "sa_classifier_wire.h"
#include "sa_log.h"
#include "sa_wire.h"
#include "schema.h"

#define CLASSIFIER_SERIES "classifier"
#define SCORE_BLOCK 256 /* flows featurised and scored together */

static atomic_uint generation = 1;

struct classify {
	unsigned seen;           /* the generation last read */
	Sa__Model *model;        /* the newest classifier, or NULL */
	struct cls_forest forest; /* features remapped to the catalogue */
	float *rows;             /* SCORE_BLOCK x cls_feature_count */
	uint32_t cls[SCORE_BLOCK];
	float prob[SCORE_BLOCK];
};

void classify_models_changed(void)
{
	atomic_fetch_add(&generation, 1);
}

struct classify *classify_new(void)
{
	struct classify *c = calloc(1, sizeof(*c));

	if (c && (c->rows = malloc(SCORE_BLOCK * cls_feature_count * sizeof(float))) == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

static void drop_model(struct classify *c)
{
	if (c->model)
		sa__model__free_unpacked(c->model, NULL);
	c->model = NULL;
	cls_forest_free(&c->forest);
}

void classify_destroy(struct classify **cp)
{
	struct classify *c = *cp;

	if (!c)
		return;
	drop_model(c);
	free(c->rows);
	free(c);
	*cp = NULL;
}

/* Checks m and makes its forest read the catalogue's columns directly.
 * 0, or -EINVAL with the reason in err. */
static int adopt(struct classify *c, Sa__Model *m, char *err, size_t errlen)
{
	const Sa__Classifier *k = m->classifier;
	uint32_t *col = NULL;
	int rc = -EINVAL;

	if (!k || k->n_classes < 2 || k->n_features == 0 || !k->forest) {
		snprintf(err, errlen, "not a classifier");
		return -EINVAL;
	}
	if ((col = malloc(k->n_features * sizeof(*col))) == NULL)
		return -ENOMEM;
	for (size_t j = 0; j < k->n_features; j++) {
		int i = cls_feature_index(k->features[j]);
		if (i < 0) {
			snprintf(err, errlen, "it reads feature \"%.40s\", which flow records do not have",
				 k->features[j]);
			goto done;
		}
		col[j] = (uint32_t)i;
	}
	if (sa_forest_unpack(k->forest, (uint32_t)k->n_features, &c->forest, err, errlen) != 0)
		goto done;
	if (c->forest.margins != (k->n_classes == 2 ? 1 : k->n_classes)) {
		snprintf(err, errlen, "%u margins for %zu classes", c->forest.margins, k->n_classes);
		cls_forest_free(&c->forest);
		goto done;
	}
	for (uint32_t i = 0; i < c->forest.n_nodes; i++)
		if (c->forest.child[i] != i)
			c->forest.feature[i] = col[c->forest.feature[i]];
	c->model = m;
	rc = 0;
done:
	free(col);
	return rc;
}

/* Rereads the newest classifier; keeps none when it does not check out. */
static void reload(struct classify *c, struct tsdb *db)
{
	uint8_t from[SCHEMA_MODEL_KEY_MAX], to[SCHEMA_MODEL_KEY_MAX];
	size_t fl = schema_model_key(from, CLASSIFIER_SERIES, 0), tl = schema_model_key(to, CLASSIFIER_SERIES,
											UINT32_MAX);
	const uint8_t *k, *v;
	size_t kl, vl;
	Sa__Model *m = NULL;
	char err[160];

	struct tsdb_iter *it = tsdb_iter_new_reverse(db, TSDB_MODELS, from, fl, to, tl);
	if (it && tsdb_iter_next(it, &k, &kl, &v, &vl))
		m = sa__model__unpack(NULL, vl, v);
	tsdb_iter_destroy(&it);
	if (!m)
		return;
	if (c->model && c->model->version == m->version) {
		sa__model__free_unpacked(m, NULL);
		return;
	}
	drop_model(c);
	if (adopt(c, m, err, sizeof(err)) != 0) {
		sa_log(SA_LOG_WARN, "classify", "classifier v%u not used: %s", m->version, err);
		sa__model__free_unpacked(m, NULL);
		return;
	}
	sa_log(SA_LOG_INFO, "classify", "scoring flows with classifier v%u (%zu classes)", m->version,
	       m->classifier->n_classes);
}

static uint64_t dir_u64(const Sa__DirStats *d, int bytes)
{
	if (!d)
		return 0;
	return bytes ? (d->has_bytes ? d->bytes : 0) : (d->has_packets ? d->packets : 0);
}

int classify_flows(struct classify *c, struct tsdb *db, struct dimacc *da, uint32_t node,
		   Sa__FlowRecord **flows, size_t n, size_t *done)
{
	unsigned g = atomic_load(&generation);
	size_t w = cls_feature_count;

	*done = 0;
	if (g != c->seen) {
		c->seen = g;
		reload(c, db);
	}
	if (!c->model)
		return 0;
	const Sa__Classifier *k = c->model->classifier;
	for (size_t i0 = 0; i0 < n; i0 += SCORE_BLOCK) {
		size_t m = n - i0 < SCORE_BLOCK ? n - i0 : SCORE_BLOCK;
		for (size_t i = 0; i < m; i++)
			cls_features(flows[i0 + i], c->rows + i * w);
		cls_forest_predict(&c->forest, c->rows, m, w, c->cls, c->prob);
		for (size_t i = 0; i < m; i++) {
			Sa__FlowRecord *f = flows[i0 + i];
			const char *name = k->classes[c->cls[i]];
			int labelled = f->label && f->label[0];
			uint64_t v[DIM_COLS] = {
				dir_u64(f->a_to_b, 1) + dir_u64(f->b_to_a, 1),
				dir_u64(f->a_to_b, 0) + dir_u64(f->b_to_a, 0),
				1, (uint64_t)labelled, (uint64_t)(labelled && strcmp(f->label, name) == 0),
			};
			uint64_t last;
			int rc = dimacc_add_class(da, node, name, sa_flow_span(f, &last) / 1000000000u, v);
			if (rc != 0) {
				*done = i0 + i;
				return rc;
			}
			f->class_name = (char *)name;
			f->has_class_version = f->has_class_prob = 1;
			f->class_version = c->model->version;
			f->class_prob = c->prob[i];
		}
	}
	*done = n;
	return 0;
}
