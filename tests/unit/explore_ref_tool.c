/* Prints what cls_explore makes of a CSV file, for test_cls_explore_numpy.py.
 *
 *   explore_ref_tool FILE.csv [OUTDIR]
 *
 * FILE.csv: a header row of names, then rows of numbers with the class
 * label (any text) last; "nan" or an empty field is a missing value.
 * Classes are numbered in order of first appearance. Numbers are read
 * with strtof, as a float table holds them. With OUTDIR, also writes
 * report.txt and corr.svg, scree.svg, importance.svg (the importance is
 * the column's eta2, as a stand-in gain) and boxes.svg there.
 *
 * Output is one JSON object, every number %.17g:
 *   rows, cols, names, classes, class_rows,
 *   all: [per feature {count, missing, outliers, mean, std, min, p25,
 *         median, p75, max}], by_class: [per class [per feature ...]],
 *   eta2, corr (cols x cols), pairs: [[a, b, r, n, drop]...],
 *   n_pca, eigval, evr, cum, n90, n95, loadings (first 3 components).
 * Exit 2 on bad usage or input, 1 if a cls_explore call fails.
 *
 * The table is filled here rather than with cls_table_add, so the tool
 * tests cls_explore alone. */
#define _POSIX_C_SOURCE 200809L /* strdup, getline */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cls_explore.h"

#define MAX_COLS 1024

struct grow {
	void *p;
	size_t n, cap, size;
};

static int grow_push(struct grow *g, const void *item)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 1024;
		void *p = realloc(g->p, cap * g->size);
		if (!p)
			return -ENOMEM;
		g->p = p;
		g->cap = cap;
	}
	memcpy((char *)g->p + g->n++ * g->size, item, g->size);
	return 0;
}

/* Splits line at commas in place (no quoting: the test writes none). */
static size_t split(char *line, char **f, size_t max)
{
	size_t n = 0;
	line[strcspn(line, "\r\n")] = '\0';
	for (char *s = line; n < max;) {
		f[n++] = s;
		char *c = strchr(s, ',');
		if (!c)
			break;
		*c = '\0';
		s = c + 1;
	}
	return n;
}

static int read_csv(const char *path, struct cls_table *t)
{
	FILE *in = fopen(path, "r");
	char *line = NULL, *f[MAX_COLS + 1];
	size_t len = 0, n;
	struct grow x = {.size = sizeof(float)}, y = {.size = sizeof(uint32_t)};
	struct grow cl = {.size = sizeof(char *)};
	int rc = 2;

	memset(t, 0, sizeof(*t));
	if (!in || getline(&line, &len, in) < 0)
		goto out;
	n = split(line, f, MAX_COLS + 1);
	if (n < 2 || n > MAX_COLS)
		goto out;
	t->cols = n - 1;
	t->names = calloc(t->cols, sizeof(char *));
	for (size_t j = 0; t->names && j < t->cols; j++)
		t->names[j] = strdup(f[j]);
	while (getline(&line, &len, in) >= 0) {
		if (line[strspn(line, " \r\n")] == '\0')
			continue;
		if (split(line, f, MAX_COLS + 1) != n) {
			fprintf(stderr, "explore_ref_tool: row %zu: wrong field count\n", t->rows + 1);
			goto out;
		}
		for (size_t j = 0; j < t->cols; j++) {
			char *end;
			float v = *f[j] ? strtof(f[j], &end) : NAN;
			if (*f[j] && *end) {
				fprintf(stderr, "explore_ref_tool: row %zu: bad number '%s'\n", t->rows + 1, f[j]);
				goto out;
			}
			if (grow_push(&x, &v))
				goto out;
		}
		uint32_t k;
		for (k = 0; k < cl.n && strcmp(((char **)cl.p)[k], f[n - 1]) != 0; k++)
			;
		char *name = k == cl.n ? strdup(f[n - 1]) : NULL;
		if (k == cl.n && (!name || grow_push(&cl, &name)))
			goto out;
		if (grow_push(&y, &k))
			goto out;
		t->rows++;
	}
	t->x = x.p;
	t->y = y.p;
	t->classes = cl.p;
	t->n_classes = cl.n;
	t->cap = t->rows;
	x.p = y.p = cl.p = NULL; /* now the table's */
	cl.n = 0;
	rc = t->rows ? 0 : 2;
out:
	free(x.p);
	free(y.p);
	for (size_t k = 0; k < cl.n; k++)
		free(((char **)cl.p)[k]);
	free(cl.p);
	free(line);
	if (in)
		fclose(in);
	return rc;
}

static void table_free(struct cls_table *t)
{
	for (size_t j = 0; t->names && j < t->cols; j++)
		free(t->names[j]);
	for (size_t k = 0; k < t->n_classes; k++)
		free(t->classes[k]);
	free(t->names);
	free(t->classes);
	free(t->x);
	free(t->y);
}

/* A JSON string: the names the test writes are plain, but be safe. */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void json_doubles(const char *key, const double *v, size_t n)
{
	printf("\"%s\": [", key);
	for (size_t i = 0; i < n; i++)
		printf("%s%.17g", i ? ", " : "", v[i]);
	printf("],\n");
}

static void json_stats(const struct cls_feat_stats *s)
{
	printf("{\"count\": %zu, \"missing\": %zu, \"outliers\": %zu, \"mean\": %.17g, \"std\": %.17g, "
	       "\"min\": %.17g, \"p25\": %.17g, \"median\": %.17g, \"p75\": %.17g, \"max\": %.17g}",
	       s->count, s->missing, s->outliers, s->mean, s->std, s->min, s->p25, s->median, s->p75,
	       s->max);
}

static void print_json(const struct cls_explore *e)
{
	size_t p = e->cols;
	printf("{\"rows\": %zu, \"cols\": %zu,\n\"names\": [", e->rows, p);
	for (size_t j = 0; j < p; j++) {
		printf(j ? ", " : "");
		json_str(e->names[j]);
	}
	printf("],\n\"classes\": [");
	for (size_t k = 0; k < e->n_classes; k++) {
		printf(k ? ", " : "");
		json_str(e->classes[k]);
	}
	printf("],\n\"class_rows\": [");
	for (size_t k = 0; k < e->n_classes; k++)
		printf("%s%zu", k ? ", " : "", e->class_rows[k]);
	printf("],\n\"all\": [");
	for (size_t j = 0; j < p; j++) {
		printf(j ? ",\n" : "");
		json_stats(&e->all[j]);
	}
	printf("],\n\"by_class\": [");
	for (size_t k = 0; k < e->n_classes; k++) {
		printf(k ? ",\n[" : "[");
		for (size_t j = 0; j < p; j++) {
			printf(j ? ",\n" : "");
			json_stats(&e->by_class[k * p + j]);
		}
		printf("]");
	}
	printf("],\n");
	json_doubles("eta2", e->eta2, p);
	printf("\"corr\": [");
	for (size_t i = 0; i < p; i++) {
		printf(i ? ",\n[" : "[");
		for (size_t j = 0; j < p; j++)
			printf("%s%.17g", j ? ", " : "", e->corr[i * p + j]);
		printf("]");
	}
	printf("],\n\"corr_threshold\": %.17g,\n\"pairs\": [", e->corr_threshold);
	for (size_t i = 0; i < e->n_pairs; i++)
		printf("%s[%zu, %zu, %.17g, %zu, %zu]", i ? ", " : "", e->pairs[i].a, e->pairs[i].b,
		       e->pairs[i].r, e->pairs[i].n, e->pairs[i].drop);
	printf("],\n\"n_pca\": %zu, \"n90\": %zu, \"n95\": %zu,\n", e->n_pca, e->n90, e->n95);
	json_doubles("eigval", e->eigval, p);
	json_doubles("evr", e->evr, p);
	json_doubles("cum", e->cum, p);
	printf("\"loadings\": [");
	for (size_t c = 0; c < 3 && c < p; c++) {
		printf(c ? ",\n[" : "[");
		for (size_t j = 0; j < p; j++)
			printf("%s%.17g", j ? ", " : "", e->loadings[c * p + j]);
		printf("]");
	}
	printf("]}\n");
}

/* report.txt and the four plots in dir; 0 or the first error. */
static int write_outputs(const struct cls_explore *e, const char *dir)
{
	char path[4096];
	int rc;

	snprintf(path, sizeof(path), "%s/report.txt", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	rc = cls_explore_print(e, f, NULL);
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
	snprintf(path, sizeof(path), "%s/corr.svg", dir);
	if (rc == 0)
		rc = cls_explore_svg_corr(e, path, 0);
	snprintf(path, sizeof(path), "%s/scree.svg", dir);
	if (rc == 0)
		rc = cls_explore_svg_scree(e, path, 0);
	snprintf(path, sizeof(path), "%s/importance.svg", dir);
	if (rc == 0)
		rc = cls_explore_svg_importance(e, e->eta2, path, 0);
	snprintf(path, sizeof(path), "%s/boxes.svg", dir);
	if (rc == 0)
		rc = cls_explore_svg_boxes(e, NULL, 4, path);
	return rc;
}

int main(int argc, char **argv)
{
	struct cls_table t;
	struct cls_explore e;
	int rc;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: explore_ref_tool FILE.csv [OUTDIR]\n");
		return 2;
	}
	if (read_csv(argv[1], &t) != 0) {
		fprintf(stderr, "explore_ref_tool: cannot read %s\n", argv[1]);
		table_free(&t);
		return 2;
	}
	rc = cls_explore_run(&t, NULL, &e);
	if (rc < 0) {
		fprintf(stderr, "explore_ref_tool: cls_explore_run: %s\n", strerror(-rc));
		table_free(&t);
		return 1;
	}
	print_json(&e);
	if (argc == 3 && (rc = write_outputs(&e, argv[2])) < 0)
		fprintf(stderr, "explore_ref_tool: writing to %s: %s\n", argv[2], strerror(-rc));
	cls_explore_free(&e);
	table_free(&t);
	return rc < 0 ? 1 : 0;
}
