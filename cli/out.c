#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"

struct cell {
	char *text;
	int is_num, is_none;
	double num;
	uint64_t u;
	int is_u64;
};

struct out_table {
	char *title;
	unsigned ncols;
	char **cols;
	struct cell *cells;
	size_t n, cap;
};

int out_format_parse(const char *name, enum out_format *f)
{
	if (strcmp(name, "table") == 0)
		*f = OUT_TABLE;
	else if (strcmp(name, "json") == 0)
		*f = OUT_JSON;
	else if (strcmp(name, "csv") == 0)
		*f = OUT_CSV;
	else
		return -1;
	return 0;
}

struct out_table *out_table_new(const char *title, unsigned ncols, const char *const *cols)
{
	struct out_table *t = calloc(1, sizeof(*t));

	t->title = strdup(title ? title : "");
	t->ncols = ncols;
	t->cols = calloc(ncols, sizeof(char *));
	for (unsigned i = 0; i < ncols; i++)
		t->cols[i] = strdup(cols[i]);
	return t;
}

void out_table_destroy(struct out_table **tp)
{
	struct out_table *t = *tp;

	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->cells[i].text);
	for (unsigned i = 0; i < t->ncols; i++)
		free(t->cols[i]);
	free(t->cols);
	free(t->cells);
	free(t->title);
	free(t);
	*tp = NULL;
}

static struct cell *add(struct out_table *t, const char *text)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->cells = realloc(t->cells, t->cap * sizeof(*t->cells));
	}
	struct cell *c = &t->cells[t->n++];
	memset(c, 0, sizeof(*c));
	c->text = strdup(text);
	return c;
}

void out_str(struct out_table *t, const char *s)
{
	add(t, s ? s : "");
}

void out_none(struct out_table *t)
{
	add(t, "")->is_none = 1;
}

void out_u64(struct out_table *t, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	struct cell *c = add(t, buf);
	c->is_u64 = 1;
	c->u = v;
}

void out_f64(struct out_table *t, double v, int decimals)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	struct cell *c = add(t, buf);
	c->is_num = 1;
	c->num = v;
}

void out_num(struct out_table *t, double v)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.9g", v);
	struct cell *c = add(t, buf);
	c->is_num = 1;
	c->num = v;
}

static void print_text(const struct out_table *t, FILE *fp)
{
	size_t *w = calloc(t->ncols, sizeof(size_t));

	for (unsigned i = 0; i < t->ncols; i++)
		w[i] = strlen(t->cols[i]);
	for (size_t i = 0; i < t->n; i++) {
		size_t l = strlen(t->cells[i].text);
		if (l > w[i % t->ncols])
			w[i % t->ncols] = l;
	}
	if (t->title[0])
		fprintf(fp, "%s\n", t->title);
	for (unsigned i = 0; i < t->ncols; i++)
		fprintf(fp, "%s%-*s", i ? "  " : "", (int)w[i], t->cols[i]);
	fputc('\n', fp);
	for (size_t i = 0; i < t->n; i++) {
		const struct cell *c = &t->cells[i];
		unsigned col = i % t->ncols;
		/* Numbers right-aligned, text left. */
		if (c->is_num || c->is_u64)
			fprintf(fp, "%s%*s", col ? "  " : "", (int)w[col], c->text);
		else
			fprintf(fp, "%s%-*s", col ? "  " : "", (int)w[col], c->text);
		if (col + 1 == t->ncols)
			fputc('\n', fp);
	}
	free(w);
}

static void print_csv_field(const char *s, FILE *fp)
{
	if (strpbrk(s, ",\"\n") == NULL) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

void out_table_print(const struct out_table *t, enum out_format f, FILE *fp)
{
	if (f == OUT_TABLE) {
		print_text(t, fp);
		return;
	}
	if (f == OUT_CSV) {
		for (unsigned i = 0; i < t->ncols; i++) {
			if (i)
				fputc(',', fp);
			print_csv_field(t->cols[i], fp);
		}
		fputc('\n', fp);
		for (size_t i = 0; i < t->n; i++) {
			print_csv_field(t->cells[i].text, fp);
			fputc((i + 1) % t->ncols ? ',' : '\n', fp);
		}
		return;
	}
	json_object *arr = json_object_new_array();
	for (size_t r = 0; r + t->ncols <= t->n; r += t->ncols) {
		json_object *o = json_object_new_object();
		for (unsigned i = 0; i < t->ncols; i++) {
			const struct cell *c = &t->cells[r + i];
			json_object *v = c->is_none ? NULL
				       : c->is_u64 ? json_object_new_uint64(c->u)
				       : c->is_num ? json_object_new_double(c->num)
						   : json_object_new_string(c->text);
			json_object_object_add(o, t->cols[i], v);
		}
		json_object_array_add(arr, o);
	}
	fprintf(fp, "%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
}

const char *out_human(double v, const char *unit, char *buf, size_t len)
{
	static const char *const prefix[] = {"", "k", "M", "G", "T", "P"};
	unsigned p = 0;

	while (v >= 1000 && p + 1 < sizeof(prefix) / sizeof(prefix[0])) {
		v /= 1000;
		p++;
	}
	snprintf(buf, len, p ? "%.1f %s%s" : "%.0f %s%s", v, prefix[p], unit);
	return buf;
}
