/* bench/classify: one labelled data set through the trainer as sa train
 * classifier runs it (cls_clean, cls_train: split, search, final fit,
 * forest), printing our numbers as one line of JSON and writing the
 * cleaned table's train and test rows as CSV, so scikit-learn
 * (sklearn_ref.py) fits on exactly the same features and split.
 *
 * Sources:
 *   --zeek FILE...   Zeek conn.logs with labels (sa import's reader, then
 *                    the classifier's feature vector of each record)
 *   --csv FILE --label COL [--drop COL]...   a labelled CSV (NSL-KDD)
 *   --server EP [--rules FILE]   the labelled flows an aggregator holds
 *                    (labels from the records, else from the rules)
 * --classes A,B,... keeps only rows of those labels (e.g. the CTU logs'
 * Benign and Malicious, without Background). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cls_clean.h"
#include "cls_features.h"
#include "cls_job.h"
#include "cls_rules.h"
#include "cls_train.h"
#include "zeek_conn.h"

#define MAX_SOURCES 16
#define MAX_DROP 16

struct opts {
	const char *out, *csv, *label, *server, *rules, *classes;
	const char *zeek[MAX_SOURCES], *drop[MAX_DROP];
	size_t n_zeek, n_drop;
	double budget;
	unsigned long seed;
};

/* Whether label is one of the comma-separated list (NULL: every label). */
static int wanted(const char *list, const char *label)
{
	size_t n = strlen(label);

	if (!list)
		return 1;
	for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, label, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

static int load_zeek(const struct opts *o, struct cls_table *t)
{
	float *row = malloc(cls_feature_count * sizeof(*row));
	char err[256];

	if (!row || cls_table_init(t, cls_feature_names, cls_feature_count) != 0)
		return -1;
	for (size_t i = 0; i < o->n_zeek; i++) {
		struct zeek_reader *r = zeek_open(o->zeek[i], err, sizeof(err));
		Sa__FlowRecord *f;
		int rc;
		if (!r) {
			fprintf(stderr, "cls_bench: %s\n", err);
			free(row);
			return -1;
		}
		while ((rc = zeek_next(r, &f, err, sizeof(err))) == 1) {
			if (!f->label || !wanted(o->classes, f->label))
				continue;
			cls_features(f, row);
			if (cls_table_add(t, row, f->label) != 0) {
				rc = -1;
				snprintf(err, sizeof(err), "out of memory");
				break;
			}
		}
		zeek_close(r);
		if (rc < 0) {
			fprintf(stderr, "cls_bench: %s\n", err);
			free(row);
			return -1;
		}
	}
	free(row);
	return 0;
}

/* The rows of t with is_test == side, as their own table (for the CSV). */
static int part(const struct cls_table *t, const uint8_t *is_test, uint8_t side, const char *path)
{
	struct cls_table p;
	FILE *f;
	int rc = 0;

	if (cls_table_init(&p, (const char *const *)t->names, t->cols) != 0)
		return -1;
	for (size_t i = 0; i < t->rows && rc == 0; i++)
		if (is_test[i] == side)
			rc = cls_table_add(&p, t->x + i * t->cols, t->classes[t->y[i]]);
	if (rc == 0 && (f = fopen(path, "w")) != NULL) {
		rc = cls_table_write_csv(&p, f);
		rc |= fclose(f);
	} else {
		rc = -1;
	}
	cls_table_free(&p);
	return rc;
}

static void usage(void)
{
	fprintf(stderr, "usage: cls_bench --out DIR (--zeek FILE... | --csv FILE --label COL [--drop COL]... |\n"
			"                  --server EP [--rules FILE]) [--classes A,B] [--budget S] [--seed N]\n");
	exit(2);
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"out", 1, NULL, 'o'}, {"zeek", 1, NULL, 'z'}, {"csv", 1, NULL, 'c'}, {"label", 1, NULL, 'l'},
		{"drop", 1, NULL, 'd'}, {"server", 1, NULL, 's'}, {"rules", 1, NULL, 'r'},
		{"classes", 1, NULL, 'k'}, {"budget", 1, NULL, 'b'}, {"seed", 1, NULL, 'e'}, {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'o': o->out = optarg; break;
		case 'z':
			if (o->n_zeek == MAX_SOURCES)
				usage();
			o->zeek[o->n_zeek++] = optarg;
			break;
		case 'c': o->csv = optarg; break;
		case 'l': o->label = optarg; break;
		case 'd':
			if (o->n_drop == MAX_DROP)
				usage();
			o->drop[o->n_drop++] = optarg;
			break;
		case 's': o->server = optarg; break;
		case 'r': o->rules = optarg; break;
		case 'k': o->classes = optarg; break;
		case 'b': o->budget = atof(optarg); break;
		case 'e': o->seed = strtoul(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (!o->out || (!o->n_zeek + !o->csv + !o->server) != 2 || (o->csv && !o->label))
		usage();
}

static int load(const struct opts *o, struct cls_table *t)
{
	char err[512];

	if (o->n_zeek)
		return load_zeek(o, t);
	if (o->csv) {
		if (cls_table_read_csv(o->csv, o->label, o->drop, o->n_drop, t, err, sizeof(err)) != 0) {
			fprintf(stderr, "cls_bench: %s\n", err);
			return -1;
		}
		return 0;
	}
	struct cls_rules *rules = NULL;
	size_t dups;
	if (o->rules && (rules = cls_rules_load(o->rules, err, sizeof(err))) == NULL) {
		fprintf(stderr, "cls_bench: %s\n", err);
		return -1;
	}
	struct cls_source s = {.server = o->server, .timeout_ms = 60000, .limit = 100000, .rules = rules};
	int rc = cls_table_fetch(&s, t, &dups, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "cls_bench: %s\n", err);
	cls_rules_free(rules);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o = {.budget = 60, .seed = 1};
	struct cls_table t;
	struct cls_trained r;
	struct cls_train_conf c = cls_train_defaults;
	char err[512], path[4096];

	parse(argc, argv, &o);
	if (load(&o, &t) != 0)
		return 1;
	size_t raw_rows = t.rows;
	if (cls_clean(&t, NULL, NULL, NULL) != 0) {
		fprintf(stderr, "cls_bench: out of memory while cleaning\n");
		return 1;
	}
	c.budget_s = o.budget;
	c.seed = o.seed;
	if (cls_train(&t, &c, &r, err, sizeof(err)) != 0) {
		fprintf(stderr, "cls_bench: %s\n", err);
		return 1;
	}
	/* The per-class view on stderr: macro-F1 on a class of a few flows
	 * moves with one of them. */
	cls_eval_print(&r.test, (const char *const *)t.classes, stderr);
	fprintf(stderr, "search: %s\n", r.tried);
	snprintf(path, sizeof(path), "%s/train.csv", o.out);
	int wrc = part(&t, r.is_test, 0, path);
	snprintf(path, sizeof(path), "%s/test.csv", o.out);
	wrc |= part(&t, r.is_test, 1, path);
	if (wrc != 0) {
		fprintf(stderr, "cls_bench: cannot write the split to %s\n", o.out);
		return 1;
	}
	char params[96];
	cls_params_describe(&r.params, params, sizeof(params));
	printf("{\"rows\": %zu, \"rows_read\": %zu, \"features\": %zu, \"classes\": %zu, \"train_rows\": %zu, "
	       "\"test_rows\": %zu, \"macro_f1\": %.6f, \"accuracy\": %.6f, \"cv_macro_f1\": %.6f, "
	       "\"train_s\": %.6f, \"search_s\": %.3f, \"score_ns\": %.1f, \"params\": \"%s\", "
	       "\"baseline_macro_f1\": %.6f, \"baseline_accuracy\": %.6f}\n",
	       t.rows, raw_rows, t.cols, t.n_classes, r.train_rows, r.test_rows, r.test.macro_f1, r.test.accuracy,
	       r.cv_macro_f1, r.train_s, r.search_s, r.score_ns, params, r.baseline.macro_f1, r.baseline.accuracy);
	cls_trained_free(&r);
	cls_table_free(&t);
	return 0;
}
