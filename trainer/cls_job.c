/* A classifier from the aggregator's labelled flows (cls_job.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cls_features.h"
#include "cls_job.h"
#include "sa_classifier_wire.h"
#include "sa_client.h"
#include "sa_model_wire.h"
#include "sa_time.h"
#include "sa_u64set.h"
#include "sa_wire.h"

#define FETCH_MAX 100000
#define TOP_FEATURES 10

/* A flow's identity: its Zeek uid, else addresses, ports, protocol and
 * start. */
static uint64_t flow_identity(const Sa__FlowRecord *f)
{
	uint64_t h = SA_FNV_START;
	uint64_t t = f->a_to_b && f->a_to_b->has_first_ns ? f->a_to_b->first_ns : 0;

	if (f->uid && f->uid[0])
		return sa_fnv1a(h, f->uid, strlen(f->uid));
	h = sa_fnv1a(h, f->addr_a.data, f->addr_a.len);
	h = sa_fnv1a(h, f->addr_b.data, f->addr_b.len);
	uint32_t ports[3] = {f->port_a, f->port_b, f->proto};
	h = sa_fnv1a(h, ports, sizeof(ports));
	return sa_fnv1a(h, &t, sizeof(t));
}

int cls_table_fetch(const struct cls_source *s, struct cls_table *t, size_t *duplicates, char *err,
		    size_t errlen)
{
	Sa__Query q = SA__QUERY__INIT;
	struct sa_u64set seen = {0};
	float *row = malloc(cls_feature_count * sizeof(*row));
	int rc = -1;

	*duplicates = 0;
	memset(t, 0, sizeof(*t));
	q.has_kind = q.has_from_ns = q.has_to_ns = q.has_node_id = q.has_limit = q.has_labelled = q.has_order = 1;
	q.kind = SA__QUERY_KIND__Q_FLOWS;
	q.from_ns = s->from_ns;
	q.to_ns = s->to_ns;
	q.node_id = s->node_id;
	q.limit = s->limit && s->limit < FETCH_MAX ? s->limit : FETCH_MAX;
	q.labelled = s->rules == NULL && !s->app_labels;
	q.order = SA__FLOW_ORDER__NEWEST_FIRST; /* a retrain learns what is happening now */
	Sa__Response *r = row ? sa_client_call(s->server, &q, s->timeout_ms, err, errlen) : NULL;
	if (!row)
		snprintf(err, errlen, "out of memory");
	if (!r)
		goto done;
	if (r->code != SA_OK) {
		snprintf(err, errlen, "the aggregator says: %s", r->message ? r->message : "error");
		goto done;
	}
	if (cls_table_init(t, cls_feature_names, cls_feature_count) != 0) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < r->n_flows; i++) {
		const Sa__FlowRecord *f = r->flows[i];
		const char *rule = s->rules ? cls_rules_match(s->rules, f) : NULL;
		const char *label = f->label && f->label[0] ? f->label : rule;
		if (!label && s->app_labels && f->app && f->app[0])
			label = f->app;
		if (!label || (rule && strcmp(rule, CLS_IGNORE) == 0))
			continue;
		int fresh = sa_u64set_add(&seen, flow_identity(f));
		if (fresh < 0 || (fresh && (cls_features(f, row), cls_table_add(t, row, label)) != 0)) {
			snprintf(err, errlen, "out of memory");
			cls_table_free(t);
			goto done;
		}
		*duplicates += fresh == 0;
	}
	rc = 0;
done:
	if (r)
		sa__response__free_unpacked(r, NULL);
	sa_u64set_free(&seen);
	free(row);
	return rc;
}

static void progress(void *ctx, const char *stage, double done)
{
	(void)ctx;
	fprintf(stderr, "\r\033[Ktrain classifier: %s %3.0f%%", stage, 100 * done);
}

/* Feature indices by total gain, largest first (at most n). */
static size_t top_features(const double *gain, size_t cols, size_t *idx, size_t n)
{
	size_t k = 0;

	for (size_t j = 0; j < cols; j++) {
		if (gain[j] <= 0)
			continue;
		size_t at = k < n ? k++ : n;
		while (at > 0 && gain[idx[at - 1]] < gain[j]) {
			if (at < n)
				idx[at] = idx[at - 1];
			at--;
		}
		if (at < n)
			idx[at] = j;
	}
	return k;
}

static void report(FILE *f, const struct cls_table *t, const struct cls_trained *r, size_t flows, size_t dups,
		   const struct cls_notes *notes)
{
	char p[96];
	size_t top[TOP_FEATURES];

	fprintf(f, "classifier: %zu labelled flows (%zu stored twice, counted once), %zu classes, %zu features\n",
		flows, dups, t->n_classes, t->cols);
	for (size_t i = 0; i < notes->n; i++)
		fprintf(f, "  cleaning: %s\n", notes->line[i]);
	fprintf(f, "split: %zu to train and search on, %zu held out (stratified)\n", r->train_rows, r->test_rows);
	fprintf(f, "search: %s\n", r->tried);
	cls_params_describe(&r->params, p, sizeof(p));
	fprintf(f, "chosen: %s; cross-validated macro-F1 %.4f over %u folds\n\n", p, r->cv_macro_f1, r->cv_folds);
	fprintf(f, "gradient-boosted trees on the held-out split:\n");
	cls_eval_print(&r->test, (const char *const *)t->classes, f);
	fprintf(f, "\nbaseline (logistic regression, liblinear) on the same split: accuracy %.4f, macro-F1 %.4f\n",
		r->baseline.accuracy, r->baseline.macro_f1);
	size_t n = top_features(r->importance, t->cols, top, TOP_FEATURES);
	fprintf(f, "most useful features (total gain):");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s %s %.3g", i ? "," : "", t->names[top[i]], r->importance[top[i]]);
	fprintf(f, "\ntimes: final fit %.3f s, search %.1f s, scoring %.0f ns per flow (%.2f M flows/s, one core)\n",
		r->train_s, r->search_s, r->score_ns, r->score_ns > 0 ? 1e3 / r->score_ns : 0);
}

/* Copies of the evaluation as the wire wants them. */
static double *per_class(const double *v, size_t k)
{
	double *out = malloc(k * sizeof(*out));

	if (out)
		memcpy(out, v, k * sizeof(*out));
	return out;
}

static int store(const struct cls_source *s, const struct cls_table *t, const struct cls_trained *r,
		 const struct cls_notes *notes, size_t flows, uint32_t *version, char *err, size_t errlen)
{
	Sa__Model m = SA__MODEL__INIT;
	Sa__Classifier c = SA__CLASSIFIER__INIT;
	Sa__TreeEnsemble forest;
	Sa__Query q = SA__QUERY__INIT;
	char kind[128], params[96], source[160], note[1024] = "";
	size_t k = t->n_classes, off = 0;
	int rc = -1;

	cls_params_describe(&r->params, params, sizeof(params));
	snprintf(kind, sizeof(kind), "xgboost trees: %s", params);
	snprintf(source, sizeof(source), "%zu labelled flows from %s", flows, s->server);
	for (size_t i = 0; i < notes->n && off < sizeof(note); i++)
		off += (size_t)snprintf(note + off, sizeof(note) - off, "%s%s", i ? "; " : "", notes->line[i]);
	if (sa_forest_pack(&r->forest, &forest) != 0) {
		snprintf(err, errlen, "cannot pack the forest");
		return -1;
	}
	c.n_classes = k;
	c.classes = t->classes;
	c.n_features = t->cols;
	c.features = t->names;
	c.forest = &forest;
	c.has_accuracy = c.has_macro_f1 = c.has_cv_macro_f1 = c.has_cv_folds = c.has_train_s = 1;
	c.has_search_s = c.has_score_ns = c.has_baseline_macro_f1 = c.has_baseline_accuracy = 1;
	c.has_train_rows = c.has_test_rows = 1;
	c.accuracy = r->test.accuracy;
	c.macro_f1 = r->test.macro_f1;
	c.n_precision = c.n_recall = c.n_f1 = c.n_support = c.n_class_share = k;
	c.precision = per_class(r->test.precision, k);
	c.recall = per_class(r->test.recall, k);
	c.f1 = per_class(r->test.f1, k);
	c.support = r->test.support;
	c.class_share = r->class_share;
	c.n_confusion = k * k;
	c.confusion = r->test.confusion;
	c.cv_macro_f1 = r->cv_macro_f1;
	c.cv_folds = r->cv_folds;
	c.params = params;
	c.train_s = r->train_s;
	c.search_s = r->search_s;
	c.score_ns = r->score_ns;
	c.n_importance = t->cols;
	c.importance = r->importance;
	c.baseline = "logistic regression (liblinear)";
	c.baseline_macro_f1 = r->baseline.macro_f1;
	c.baseline_accuracy = r->baseline.accuracy;
	c.train_rows = r->train_rows;
	c.test_rows = r->test_rows;
	c.source = source;
	m.series = "classifier";
	m.kind = kind;
	m.has_format = m.has_fit_s = m.has_select_s = m.has_train_points = 1;
	m.format = SA_MODEL_FORMAT;
	m.fit_s = r->train_s;
	m.select_s = r->search_s;
	m.train_points = (uint32_t)r->train_rows;
	m.note = note;
	m.classifier = &c;
	q.has_kind = 1;
	q.kind = SA__QUERY_KIND__Q_PUT_MODEL;
	q.model = &m;
	if (!c.precision || !c.recall || !c.f1) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	Sa__Response *resp = sa_client_call(s->server, &q, s->timeout_ms, err, errlen);
	if (resp && resp->code != SA_OK)
		snprintf(err, errlen, "the aggregator refused the model: %s", resp->message ? resp->message : "error");
	else if (resp && resp->n_models == 1) {
		*version = resp->models[0]->version;
		rc = 0;
	}
	if (resp)
		sa__response__free_unpacked(resp, NULL);
done:
	free(c.precision);
	free(c.recall);
	free(c.f1);
	return rc;
}

int cls_job_train(const struct cls_source *s, const struct cls_train_conf *tc, FILE *out)
{
	struct cls_table t;
	struct cls_trained r = {0};
	struct cls_notes notes = {0};
	struct cls_clean_report cr;
	struct cls_train_conf c = *tc;
	size_t dups;
	uint32_t version = 0;
	char err[512];
	int rc = -1;

	if (cls_table_fetch(s, &t, &dups, err, sizeof(err)) != 0) {
		fprintf(stderr, "train classifier: %s\n", err);
		return -1;
	}
	size_t flows = t.rows;
	if (flows == 0) {
		fprintf(stderr, "train classifier: no labelled flows in that range (import a labelled log with "
				"sa import zeek, or widen --from/--to)\n");
		goto done;
	}
	if (cls_clean(&t, NULL, &cr, &notes) != 0) {
		fprintf(stderr, "train classifier: out of memory while cleaning\n");
		goto done;
	}
	if (isatty(STDERR_FILENO))
		c.progress = progress;
	int trc = cls_train(&t, &c, &r, err, sizeof(err));
	if (c.progress)
		fprintf(stderr, "\r\033[K");
	if (trc != 0) {
		fprintf(stderr, "train classifier: %s\n", err);
		goto done;
	}
	report(out, &t, &r, flows, dups, &notes);
	if (store(s, &t, &r, &notes, flows, &version, err, sizeof(err)) != 0) {
		fprintf(stderr, "train classifier: %s\n", err);
		goto done;
	}
	fprintf(out, "stored as classifier v%u: the aggregator labels the flows it stores from now on\n", version);
	rc = 0;
done:
	cls_trained_free(&r);
	cls_notes_free(&notes);
	cls_table_free(&t);
	return rc;
}

int cls_job_importance(const struct cls_source *s, double *gain)
{
	Sa__Query q = SA__QUERY__INIT;
	char err[256];
	int rc = -1;

	memset(gain, 0, cls_feature_count * sizeof(*gain));
	q.has_kind = 1;
	q.kind = SA__QUERY_KIND__Q_MODELS;
	q.series = "classifier";
	Sa__Response *r = sa_client_call(s->server, &q, s->timeout_ms, err, sizeof(err));
	if (r && r->code == SA_OK && r->n_models > 0) {
		const Sa__Classifier *c = r->models[r->n_models - 1]->classifier;
		for (size_t j = 0; c && j < c->n_features && j < c->n_importance; j++) {
			int i = cls_feature_index(c->features[j]);
			if (i >= 0)
				gain[i] = c->importance[j];
		}
		rc = c ? 0 : -1;
	}
	if (r)
		sa__response__free_unpacked(r, NULL);
	return rc;
}

/* One column of the class rows over s's range, per class name. */
static Sa__Response *class_totals(const struct cls_source *s, const char *metric)
{
	Sa__Query q = SA__QUERY__INIT;
	char err[256];

	q.has_kind = q.has_dimension = q.has_from_ns = q.has_to_ns = q.has_node_id = q.has_limit = 1;
	q.kind = SA__QUERY_KIND__Q_TRACKED;
	q.dimension = SA_DIM_CLASS;
	q.metric = (char *)metric;
	q.from_ns = s->from_ns;
	q.to_ns = s->to_ns;
	q.node_id = s->node_id;
	q.limit = 10000;
	Sa__Response *r = sa_client_call(s->server, &q, s->timeout_ms, err, sizeof(err));
	if (r && r->code != SA_OK) {
		sa__response__free_unpacked(r, NULL);
		return NULL;
	}
	return r;
}

/* The entry of class name in a Q_TRACKED answer (keys are cut at 16 bytes). */
static uint64_t count_of(const Sa__Response *r, const char *name)
{
	size_t n = strlen(name) < 16 ? strlen(name) : 16;

	for (size_t i = 0; r && i < r->n_top; i++)
		if (r->top[i]->key.len == n && memcmp(r->top[i]->key.data, name, n) == 0)
			return r->top[i]->count;
	return 0;
}

int cls_job_drift(const struct cls_source *s, struct cls_drift *d)
{
	Sa__Query q = SA__QUERY__INIT;
	char err[256];
	int rc = -1;

	memset(d, 0, sizeof(*d));
	q.has_kind = 1;
	q.kind = SA__QUERY_KIND__Q_MODELS;
	q.series = "classifier";
	Sa__Response *m = sa_client_call(s->server, &q, s->timeout_ms, err, sizeof(err));
	Sa__Response *flows = class_totals(s, "flows"), *lab = class_totals(s, "labelled"),
		     *right = class_totals(s, "correct");
	const Sa__Classifier *c = m && m->code == SA_OK && m->n_models ? m->models[m->n_models - 1]->classifier : NULL;
	if (!c || !flows || !lab || !right)
		goto done;
	d->version = m->models[m->n_models - 1]->version;
	d->test_accuracy = c->accuracy;
	for (size_t k = 0; k < c->n_classes; k++) {
		d->flows += count_of(flows, c->classes[k]);
		d->labelled += count_of(lab, c->classes[k]);
		d->correct += count_of(right, c->classes[k]);
	}
	if (d->flows == 0)
		goto done;
	for (size_t k = 0; k < c->n_classes && k < c->n_class_share; k++)
		d->distance += fabs((double)count_of(flows, c->classes[k]) / (double)d->flows - c->class_share[k]);
	d->distance /= 2;
	d->live_accuracy = d->labelled ? (double)d->correct / (double)d->labelled : 0;
	rc = 0;
done:
	if (m)
		sa__response__free_unpacked(m, NULL);
	if (flows)
		sa__response__free_unpacked(flows, NULL);
	if (lab)
		sa__response__free_unpacked(lab, NULL);
	if (right)
		sa__response__free_unpacked(right, NULL);
	return rc;
}
