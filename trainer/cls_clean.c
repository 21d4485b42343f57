/* Cleaning a feature table in place (see cls_clean.h). */
#include "cls_clean.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cls_notes_add(struct cls_notes *n, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (n == NULL)
		return 0;
	if (n->n == n->cap) {
		size_t cap = n->cap ? 2 * n->cap : 8;
		char **l = realloc(n->line, cap * sizeof(*l));
		if (l == NULL)
			return -ENOMEM;
		n->line = l;
		n->cap = cap;
	}
	va_start(ap, fmt);
	int len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0 || (s = malloc((size_t)len + 1)) == NULL)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)len + 1, fmt, ap);
	va_end(ap);
	n->line[n->n++] = s;
	return 0;
}

void cls_notes_free(struct cls_notes *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->line[i]);
	free(n->line);
	memset(n, 0, sizeof(*n));
}

/* Keeps the rows with keep[i] set, in order. */
static void keep_rows(struct cls_table *t, const unsigned char *keep)
{
	size_t o = 0;
	for (size_t i = 0; i < t->rows; i++) {
		if (!keep[i])
			continue;
		if (o != i) {
			memmove(t->x + o * t->cols, t->x + i * t->cols, t->cols * sizeof(float));
			t->y[o] = t->y[i];
		}
		o++;
	}
	t->rows = o;
}

/* ---- 1. duplicates ---------------------------------------------------------- */

/* Missing equals missing, and -0 equals 0, as == has it. */
static int rows_equal(const struct cls_table *t, size_t a, size_t b)
{
	const float *p = t->x + a * t->cols, *q = t->x + b * t->cols;
	if (t->y[a] != t->y[b])
		return 0;
	for (size_t c = 0; c < t->cols; c++)
		if (!(p[c] == q[c] || (isnan(p[c]) && isnan(q[c]))))
			return 0;
	return 1;
}

static uint64_t hash_row(const struct cls_table *t, size_t i)
{
	const float *p = t->x + i * t->cols;
	uint64_t h = 14695981039346656037ULL ^ t->y[i];
	for (size_t c = 0; c < t->cols; c++) {
		/* The same bits for values rows_equal calls equal. */
		float v = isnan(p[c]) ? NAN : p[c] == 0 ? 0.0f : p[c];
		uint32_t b;
		memcpy(&b, &v, sizeof(b));
		h = (h ^ b) * 1099511628211ULL;
	}
	return h ^ (h >> 29);
}

static int dedup(struct cls_table *t, bool remove, struct cls_clean_report *r,
		 struct cls_notes *notes)
{
	size_t nslot = 16, dup = 0;
	while (nslot < 2 * t->rows)
		nslot *= 2;
	size_t *slot = calloc(nslot, sizeof(*slot));
	unsigned char *keep = malloc(t->rows ? t->rows : 1);
	if (slot == NULL || keep == NULL) {
		free(slot);
		free(keep);
		return -ENOMEM;
	}
	for (size_t i = 0; i < t->rows; i++) {
		size_t h = (size_t)hash_row(t, i) & (nslot - 1);
		keep[i] = 1;
		for (; slot[h]; h = (h + 1) & (nslot - 1))
			if (rows_equal(t, slot[h] - 1, i)) {
				keep[i] = 0;
				dup++;
				break;
			}
		if (keep[i])
			slot[h] = i + 1;
	}
	int ret = 0;
	r->duplicates = dup;
	if (dup) {
		ret = cls_notes_add(notes, "%zu of %zu rows repeat an earlier row (features and class): %s",
				    dup, t->rows, remove ? "removed" : "kept");
		if (remove) {
			keep_rows(t, keep);
			r->duplicates_removed = dup;
		}
	}
	free(slot);
	free(keep);
	return ret;
}

/* ---- 2. rare classes ---------------------------------------------------------- */

static int drop_rare(struct cls_table *t, size_t min_rows, struct cls_clean_report *r,
		     struct cls_notes *notes)
{
	size_t *count = calloc(t->n_classes ? t->n_classes : 1, sizeof(*count));
	uint32_t *code = malloc((t->n_classes ? t->n_classes : 1) * sizeof(*code));
	unsigned char *keep = calloc(t->rows ? t->rows : 1, 1);
	int ret = 0;

	if (count == NULL || code == NULL || keep == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < t->rows; i++)
		count[t->y[i]]++;
	size_t k = 0;
	for (size_t c = 0; c < t->n_classes; c++) {
		if (count[c] >= min_rows) {
			code[c] = (uint32_t)k;
			t->classes[k++] = t->classes[c];
			continue;
		}
		code[c] = UINT32_MAX;
		int e = cls_notes_add(notes, "class %s: %zu row%s, fewer than %zu: dropped", t->classes[c],
				      count[c], count[c] == 1 ? "" : "s", min_rows);
		ret = ret ? ret : e;
		free(t->classes[c]);
		r->classes_dropped++;
		r->rows_dropped += count[c];
	}
	t->n_classes = k;
	for (size_t i = 0; i < t->rows; i++) {
		keep[i] = code[t->y[i]] != UINT32_MAX;
		t->y[i] = keep[i] ? code[t->y[i]] : 0;
	}
	keep_rows(t, keep);
out:
	free(count);
	free(code);
	free(keep);
	return ret;
}

/* ---- 3 and 4. columns ---------------------------------------------------------- */

enum col_action { COL_KEEP, COL_DROP, COL_DROP_FLAG, COL_IMPUTE };

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

/* The median of v[0..n-1] (n >= 1, no NAN), sorting v. */
static float median(float *v, size_t n)
{
	qsort(v, n, sizeof(float), cmp_float);
	return n % 2 ? v[n / 2] : (float)(0.5 * ((double)v[n / 2 - 1] + v[n / 2]));
}

static int name_taken(const struct cls_table *t, char **extra, size_t n_extra, const char *s)
{
	for (size_t c = 0; c < t->cols; c++)
		if (strcmp(t->names[c], s) == 0)
			return 1;
	for (size_t c = 0; c < n_extra; c++)
		if (extra[c] && strcmp(extra[c], s) == 0)
			return 1;
	return 0;
}

/* "<name>_missing", or "<name>_missing_2"... when a column has that name. */
static char *flag_name(const struct cls_table *t, char **extra, size_t n_extra, const char *name)
{
	size_t len = strlen(name) + 32;
	char *s = malloc(len);
	if (s == NULL)
		return NULL;
	snprintf(s, len, "%s_missing", name);
	for (unsigned k = 2; name_taken(t, extra, n_extra, s); k++)
		snprintf(s, len, "%s_missing_%u", name, k);
	return s;
}

static int fix_columns(struct cls_table *t, struct cls_clean_report *r, struct cls_notes *notes)
{
	size_t cols = t->cols, rows = t->rows, nkeep = 0, nflag = 0;
	enum col_action *act = calloc(cols ? cols : 1, sizeof(*act));
	float *fill = calloc(cols ? cols : 1, sizeof(*fill));
	size_t *missing = calloc(cols ? cols : 1, sizeof(*missing));
	float *v = malloc((rows ? rows : 1) * sizeof(*v));
	char **flag = calloc(cols ? cols : 1, sizeof(*flag));
	float *x = NULL;
	char **names = NULL;
	struct cls_cat *cats = NULL;
	int ret = -ENOMEM;

	if (act == NULL || fill == NULL || missing == NULL || v == NULL || flag == NULL)
		goto out;
	for (size_t c = 0; c < cols; c++) {
		size_t n = 0;
		for (size_t i = 0; i < rows; i++) {
			float e = t->x[i * cols + c];
			if (isnan(e))
				missing[c]++;
			else
				v[n++] = e;
		}
		int constant = n > 0;
		for (size_t i = 1; i < n && constant; i++)
			constant = v[i] == v[0];
		if (n == 0) {
			act[c] = COL_DROP;
		} else if (constant) {
			act[c] = missing[c] ? COL_DROP_FLAG : COL_DROP;
			fill[c] = v[0];
		} else if (missing[c] && t->cats && t->cats[c].n) {
			/* Most frequent code, lowest on ties. */
			size_t *cnt = calloc(t->cats[c].n, sizeof(*cnt)), best = 0;
			if (cnt == NULL)
				goto out;
			for (size_t i = 0; i < n; i++)
				if (v[i] >= 0 && v[i] < (float)t->cats[c].n)
					cnt[(size_t)v[i]]++;
			for (size_t k = 1; k < t->cats[c].n; k++)
				if (cnt[k] > cnt[best])
					best = k;
			free(cnt);
			act[c] = COL_IMPUTE;
			fill[c] = (float)best;
		} else if (missing[c]) {
			act[c] = COL_IMPUTE;
			fill[c] = median(v, n);
		} else {
			act[c] = COL_KEEP;
		}
		nkeep += act[c] == COL_KEEP || act[c] == COL_IMPUTE;
		if (act[c] == COL_DROP_FLAG || act[c] == COL_IMPUTE) {
			if ((flag[c] = flag_name(t, flag, cols, t->names[c])) == NULL)
				goto out;
			nflag++;
		}
	}
	size_t ncols = nkeep + nflag;
	if (ncols == cols && nflag == 0) {
		ret = 0; /* nothing to change */
		goto out;
	}
	if (rows && ncols && rows > SIZE_MAX / sizeof(float) / ncols)
		goto out;
	x = malloc((rows && ncols ? rows * ncols : 1) * sizeof(*x));
	names = calloc(ncols ? ncols : 1, sizeof(*names));
	if (x == NULL || names == NULL)
		goto out;
	if (t->cats && (cats = calloc(ncols ? ncols : 1, sizeof(*cats))) == NULL)
		goto out;

	/* Everything that can fail has; from here t changes. */
	for (size_t i = 0; i < rows; i++) {
		const float *src = t->x + i * cols;
		float *dst = x + i * ncols;
		size_t o = 0, f = nkeep;
		for (size_t c = 0; c < cols; c++) {
			if (act[c] == COL_KEEP || act[c] == COL_IMPUTE)
				dst[o++] = isnan(src[c]) ? fill[c] : src[c];
			if (flag[c])
				dst[f++] = isnan(src[c]) ? 1.0f : 0.0f;
		}
	}
	int note_err = 0;
	size_t o = 0, f = nkeep, n_const = 0, n_empty = 0;
	/* Constant and empty columns are many on a Zeek log (it lacks most of
	 * a capture's features): one note for each kind, naming them. */
	char *const_list = NULL, *empty_list = NULL;
	size_t const_len = 0, empty_len = 0;
	FILE *const_f = open_memstream(&const_list, &const_len);
	FILE *empty_f = open_memstream(&empty_list, &empty_len);
	for (size_t c = 0; c < cols; c++) {
		const char *cat = t->cats && t->cats[c].n && fill[c] >= 0 && fill[c] < (float)t->cats[c].n
					  ? t->cats[c].names[(size_t)fill[c]]
					  : NULL;
		int e = 0;
		switch (act[c]) {
		case COL_DROP:
			if (missing[c] == rows && empty_f)
				fprintf(empty_f, "%s%s", n_empty++ ? ", " : "", t->names[c]);
			else if (const_f)
				fprintf(const_f, "%s%s (%.9g)", n_const++ ? ", " : "", t->names[c], (double)fill[c]);
			break;
		case COL_DROP_FLAG:
			e = cls_notes_add(notes, "column %s: constant %.9g where present, missing in %zu of %zu rows: dropped, %s kept",
					  t->names[c], (double)fill[c], missing[c], rows, flag[c]);
			break;
		case COL_IMPUTE:
			if (cat)
				e = cls_notes_add(notes, "column %s: %zu of %zu missing: filled with the most frequent category %s, %s added",
						  t->names[c], missing[c], rows, cat, flag[c]);
			else
				e = cls_notes_add(notes, "column %s: %zu of %zu missing: filled with the median %.9g, %s added",
						  t->names[c], missing[c], rows, (double)fill[c], flag[c]);
			r->cells_imputed += missing[c];
			break;
		case COL_KEEP:
			break;
		}
		note_err = note_err ? note_err : e;
		if (act[c] == COL_KEEP || act[c] == COL_IMPUTE) {
			names[o] = t->names[c];
			if (cats)
				cats[o] = t->cats[c];
			o++;
		} else {
			free(t->names[c]);
			if (t->cats) {
				for (size_t k = 0; k < t->cats[c].n; k++)
					free(t->cats[c].names[k]);
				free(t->cats[c].names);
			}
			r->cols_dropped++;
		}
		if (flag[c]) {
			names[f++] = flag[c]; /* cats[f] stays zero: numeric */
			flag[c] = NULL;
			r->cols_imputed++;
		}
	}
	if (const_f && fclose(const_f) == 0 && n_const)
		note_err = note_err ? note_err : cls_notes_add(notes, "%zu constant columns dropped: %s", n_const,
							       const_list);
	if (empty_f && fclose(empty_f) == 0 && n_empty)
		note_err = note_err ? note_err : cls_notes_add(notes, "%zu entirely missing columns dropped: %s",
							       n_empty, empty_list);
	free(const_list);
	free(empty_list);
	free(t->x);
	free(t->names);
	free(t->cats);
	t->x = x;
	t->names = names;
	t->cats = cats;
	t->cols = ncols;
	t->cap = rows;
	x = NULL;
	names = NULL;
	cats = NULL;
	ret = note_err;
out:
	if (flag)
		for (size_t c = 0; c < cols; c++)
			free(flag[c]);
	free(flag);
	free(act);
	free(fill);
	free(missing);
	free(v);
	free(x);
	free(names);
	free(cats);
	return ret;
}

int cls_clean(struct cls_table *t, const struct cls_clean_opts *o, struct cls_clean_report *r,
	      struct cls_notes *notes)
{
	struct cls_clean_report local;
	size_t min_rows = o && o->min_rows ? o->min_rows : 2;
	int ret, first = 0;

	r = r ? r : &local;
	memset(r, 0, sizeof(*r));
	if ((ret = dedup(t, o && o->drop_duplicates, r, notes)) != 0) {
		if (ret != -ENOMEM || r->duplicates == 0)
			return ret;
		first = ret; /* only the note was lost */
	}
	if ((ret = drop_rare(t, min_rows, r, notes)) != 0)
		first = first ? first : ret;
	if (t->rows == 0) {
		int e = cls_notes_add(notes, "no rows left: columns left as they are");
		return first ? first : e;
	}
	if ((ret = fix_columns(t, r, notes)) != 0)
		first = first ? first : ret;
	return first;
}
