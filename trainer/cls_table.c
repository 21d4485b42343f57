/* Feature tables and their CSV form (see cls_table.h).
 *
 * DESIGN: whether a column is numeric or categorical is only known once
 * every cell has been seen, and a categorical column codes its numeric-
 * looking cells too, in order of first appearance. So the reader keeps
 * the whole input in memory and makes two passes over it: the first
 * checks the shape of every line and which columns are all numbers (and
 * counts rows, so the table is allocated once), the second fills the
 * table. Errors can only come from the first pass, except a number beyond
 * float's range, which is an error only once the column is known to be
 * numeric. Distinct texts (categories, classes, header names) go through a
 * small open-addressing hash, so a column of a million distinct strings
 * costs no quadratic search. */
#include "cls_table.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sa_file.h"

/* ---- the table --------------------------------------------------------- */

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

int cls_table_init(struct cls_table *t, const char *const *names, size_t cols)
{
	memset(t, 0, sizeof(*t));
	if (cols == 0)
		return 0;
	t->names = calloc(cols, sizeof(*t->names));
	if (t->names == NULL)
		return -ENOMEM;
	t->cols = cols;
	for (size_t c = 0; c < cols; c++)
		if ((t->names[c] = dup_str(names[c])) == NULL) {
			cls_table_free(t);
			return -ENOMEM;
		}
	return 0;
}

static void free_strs(char **s, size_t n)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(s[i]);
	free(s);
}

void cls_table_free(struct cls_table *t)
{
	free(t->x);
	free(t->y);
	free_strs(t->names, t->cols);
	free_strs(t->classes, t->n_classes);
	if (t->cats)
		for (size_t c = 0; c < t->cols; c++)
			free_strs(t->cats[c].names, t->cats[c].n);
	free(t->cats);
	memset(t, 0, sizeof(*t));
}

long cls_table_class_index(const struct cls_table *t, const char *label)
{
	for (size_t k = 0; k < t->n_classes; k++)
		if (strcmp(t->classes[k], label) == 0)
			return (long)k;
	return -1;
}

/* Room for `rows` rows; 0 or -ENOMEM (the table unchanged). */
static int reserve_rows(struct cls_table *t, size_t rows)
{
	if (rows <= t->cap)
		return 0;
	if (t->cols && rows > SIZE_MAX / sizeof(float) / t->cols)
		return -ENOMEM;
	size_t xs = t->cols ? rows * t->cols : 1;
	float *x = realloc(t->x, xs * sizeof(float));
	if (x == NULL)
		return -ENOMEM;
	t->x = x;
	uint32_t *y = realloc(t->y, rows * sizeof(uint32_t));
	if (y == NULL)
		return -ENOMEM;
	t->y = y;
	t->cap = rows;
	return 0;
}

int cls_table_add(struct cls_table *t, const float *row, const char *label)
{
	long k = cls_table_class_index(t, label);

	if (t->rows == t->cap && reserve_rows(t, t->cap ? 2 * t->cap : 64) != 0)
		return -ENOMEM;
	if (k < 0) {
		char **cl = realloc(t->classes, (t->n_classes + 1) * sizeof(*cl));
		if (cl == NULL)
			return -ENOMEM;
		t->classes = cl;
		if ((cl[t->n_classes] = dup_str(label)) == NULL)
			return -ENOMEM;
		k = (long)t->n_classes++;
	}
	if (t->cols)
		memcpy(t->x + t->rows * t->cols, row, t->cols * sizeof(float));
	t->y[t->rows++] = (uint32_t)k;
	return 0;
}

/* ---- cells --------------------------------------------------------------- */

static int is_missing(const char *s)
{
	return s[0] == '\0' || strcmp(s, "?") == 0 || strcmp(s, "NA") == 0 ||
	       strcmp(s, "NaN") == 0 || strcmp(s, "nan") == 0;
}

/* A decimal number, or an infinity as %g prints one. Stricter than
 * strtof, which would also take hex, "nan(...)" and leading spaces. */
static int is_number(const char *s)
{
	unsigned digits = 0;

	if (*s == '+' || *s == '-')
		s++;
	if (strcasecmp(s, "inf") == 0)
		return 1;
	for (; *s >= '0' && *s <= '9'; s++)
		digits++;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			digits++;
	if (digits == 0)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (*s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

/* A number cell (is_number) as float; -ERANGE when a finite number is
 * beyond float's range. Underflow to a denormal or 0 is fine. */
static int parse_number(const char *s, float *out)
{
	errno = 0;
	*out = strtof(s, NULL);
	if (isinf(*out) && errno == ERANGE)
		return -ERANGE;
	return 0;
}

int cls_table_code_cell(const struct cls_table *t, size_t col, const char *cell, float *out)
{
	size_t n = strlen(cell);
	char buf[256];
	char *s = n < sizeof(buf) ? buf : malloc(n + 1);

	*out = NAN;
	if (s == NULL)
		return -ENOMEM;
	while (*cell == ' ' || *cell == '\t')
		cell++, n--;
	while (n && (cell[n - 1] == ' ' || cell[n - 1] == '\t'))
		n--;
	memcpy(s, cell, n);
	s[n] = '\0';
	int ret = 0;
	if (is_missing(s)) {
		ret = 0;
	} else if (t->cats && t->cats[col].n) {
		ret = -ENOENT;
		for (size_t i = 0; i < t->cats[col].n; i++)
			if (strcmp(t->cats[col].names[i], s) == 0) {
				*out = (float)i;
				ret = 0;
				break;
			}
	} else if (!is_number(s) || parse_number(s, out) != 0) {
		*out = NAN;
		ret = -EINVAL;
	}
	if (s != buf)
		free(s);
	return ret;
}

/* ---- a string dictionary (categories, classes, header names) ------------ */

struct dict {
	char **names;     /* code i is names[i]; owned until taken */
	size_t n, cap;
	uint32_t *slot;   /* code + 1, 0 = empty; nslot is a power of two */
	size_t nslot;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void dict_free(struct dict *d)
{
	free_strs(d->names, d->n);
	free(d->slot);
	memset(d, 0, sizeof(*d));
}

static int dict_rehash(struct dict *d, size_t nslot)
{
	uint32_t *slot = calloc(nslot, sizeof(*slot));
	if (slot == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < d->n; i++) {
		size_t h = (size_t)hash_str(d->names[i]) & (nslot - 1);
		while (slot[h])
			h = (h + 1) & (nslot - 1);
		slot[h] = (uint32_t)(i + 1);
	}
	free(d->slot);
	d->slot = slot;
	d->nslot = nslot;
	return 0;
}

/* The code of s, added when new (*added = 1); -ENOMEM, or -E2BIG past
 * 2^31 codes (the y and code types). */
static long dict_code(struct dict *d, const char *s, int *added)
{
	*added = 0;
	if (d->nslot) {
		size_t h = (size_t)hash_str(s) & (d->nslot - 1);
		for (; d->slot[h]; h = (h + 1) & (d->nslot - 1))
			if (strcmp(d->names[d->slot[h] - 1], s) == 0)
				return (long)d->slot[h] - 1;
	}
	if (d->n >= (1u << 31))
		return -E2BIG;
	if (2 * (d->n + 1) > d->nslot && dict_rehash(d, d->nslot ? 2 * d->nslot : 16) != 0)
		return -ENOMEM;
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 8;
		char **names = realloc(d->names, cap * sizeof(*names));
		if (names == NULL)
			return -ENOMEM;
		d->names = names;
		d->cap = cap;
	}
	char *copy = dup_str(s);
	if (copy == NULL)
		return -ENOMEM;
	size_t h = (size_t)hash_str(s) & (d->nslot - 1);
	while (d->slot[h])
		h = (h + 1) & (d->nslot - 1);
	d->names[d->n] = copy;
	d->slot[h] = (uint32_t)(++d->n);
	*added = 1;
	return (long)d->n - 1;
}

/* ---- CSV lines and cells --------------------------------------------------- */

struct reader {
	const char *p, *end;
	const char *name;      /* FILE in messages */
	size_t line;           /* of the line last returned, from 1 */
	char *err;
	size_t errlen;
	/* The cells of the current line, each NUL-terminated in buf. */
	char *buf;
	size_t bufcap;
	size_t *off;
	size_t n, offcap;
};

static int fail(struct reader *r, const char *fmt, ...)
{
	if (r->err && r->errlen) {
		int k = snprintf(r->err, r->errlen, "%s:%zu: ", r->name, r->line);
		if (k >= 0 && (size_t)k < r->errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(r->err + k, r->errlen - (size_t)k, fmt, ap);
			va_end(ap);
		}
	}
	return -EINVAL;
}

/* The next line that is not blank, without its "\r\n"; 1, 0 at the end,
 * or -EINVAL when it is longer than CLS_CSV_MAX_LINE. */
static int next_line(struct reader *r, const char **s, size_t *len)
{
	while (r->p < r->end) {
		const char *nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
		const char *e = nl ? nl : r->end;
		*s = r->p;
		*len = (size_t)(e - r->p);
		r->p = nl ? nl + 1 : r->end;
		r->line++;
		if (*len > CLS_CSV_MAX_LINE)
			return fail(r, "line longer than 1 MiB (%zu bytes)", *len);
		if (*len && (*s)[*len - 1] == '\r')
			(*len)--;
		size_t i = 0;
		while (i < *len && ((*s)[i] == ' ' || (*s)[i] == '\t'))
			i++;
		if (i < *len)
			return 1;
	}
	return 0;
}

static int push_cell(struct reader *r, size_t off)
{
	if (r->n == r->offcap) {
		size_t cap = r->offcap ? 2 * r->offcap : 64;
		size_t *o = realloc(r->off, cap * sizeof(*o));
		if (o == NULL)
			return -ENOMEM;
		r->off = o;
		r->offcap = cap;
	}
	r->off[r->n++] = off;
	return 0;
}

static const char *cell(const struct reader *r, size_t i)
{
	return r->buf + r->off[i];
}

/* Splits s[0..len) at commas into r's cells: outer spaces and tabs
 * trimmed, a quoted cell unquoted ("" is one quote). On a quote error
 * *bad is the cell's index and the return is -EINVAL (message left to
 * the caller, who knows the column names). */
static int split(struct reader *r, const char *s, size_t len, size_t *bad, const char **why)
{
	size_t i = 0, o = 0;

	if (len + 1 > r->bufcap) {
		char *b = realloc(r->buf, len + 1);
		if (b == NULL)
			return -ENOMEM;
		r->buf = b;
		r->bufcap = len + 1;
	}
	r->n = 0;
	for (;;) {
		size_t start = o;
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (push_cell(r, start) != 0)
			return -ENOMEM;
		if (i < len && s[i] == '"') {
			for (i++;; i++) {
				if (i == len) {
					*bad = r->n - 1;
					*why = "unterminated quote (a quoted cell cannot span lines)";
					return -EINVAL;
				}
				if (s[i] == '"') {
					if (i + 1 < len && s[i + 1] == '"')
						i++;
					else
						break;
				}
				r->buf[o++] = s[i];
			}
			for (i++; i < len && (s[i] == ' ' || s[i] == '\t'); i++)
				;
			if (i < len && s[i] != ',') {
				*bad = r->n - 1;
				*why = "text after a closing quote";
				return -EINVAL;
			}
		} else {
			while (i < len && s[i] != ',') {
				if (s[i] == '"') {
					*bad = r->n - 1;
					*why = "a quote inside an unquoted cell";
					return -EINVAL;
				}
				r->buf[o++] = s[i++];
			}
			while (o > start && (r->buf[o - 1] == ' ' || r->buf[o - 1] == '\t'))
				o--;
		}
		r->buf[o++] = '\0';
		if (i >= len)
			return 0;
		i++; /* the comma */
	}
}

/* ---- the reader ---------------------------------------------------------- */

enum { COL_LABEL = -2, COL_DROP = -1 }; /* else the feature index */

struct load {
	struct reader r;
	size_t ncell;          /* cells per line, from the header */
	char **head;           /* header names */
	long *map;             /* cell -> feature index, COL_LABEL or COL_DROP */
	size_t *src;           /* feature -> cell */
	unsigned char *text;   /* feature has a non-number cell: categorical */
	struct dict *cat;      /* per feature */
	struct dict classes;
	size_t nfeat, rows;
	size_t head_line;
};

static const char *col_name(const struct load *l, size_t c)
{
	return c < l->ncell ? l->head[c] : "(beyond the header)";
}

/* Splits the current line, turning a quote error into the message. */
static int split_line(struct load *l, const char *s, size_t len)
{
	size_t bad = 0;
	const char *why = "";
	int ret = split(&l->r, s, len, &bad, &why);

	if (ret == -EINVAL)
		return fail(&l->r, "column %s: %s", col_name(l, bad), why);
	return ret;
}

static int read_header(struct load *l, const char *label, const char *const *drop, size_t n_drop)
{
	struct reader *r = &l->r;
	struct dict names = {0};
	const char *s;
	size_t len;
	int added, ret = next_line(r, &s, &len);

	if (ret == 0) {
		r->line = r->line ? r->line : 1;
		return fail(r, "no header line (empty file)");
	}
	if (ret < 0)
		return ret;
	l->head_line = r->line;
	/* A quote error in the header names no column: there are none yet. */
	size_t bad;
	const char *why;
	if ((ret = split(r, s, len, &bad, &why)) != 0)
		return ret == -EINVAL ? fail(r, "header cell %zu: %s", bad + 1, why) : ret;
	l->ncell = r->n;
	if (l->ncell == 1) {
		const char *sep = strchr(cell(r, 0), ';') ? "';'" : strchr(cell(r, 0), '\t') ? "tabs" : NULL;
		if (sep)
			return fail(r, "column %.80s: the header is one column: cells must be separated by ',', this file uses %s",
				    cell(r, 0), sep);
	}
	l->head = calloc(l->ncell, sizeof(*l->head));
	l->map = calloc(l->ncell, sizeof(*l->map));
	if (l->head == NULL || l->map == NULL)
		return -ENOMEM;
	for (size_t c = 0; c < l->ncell; c++) {
		if (cell(r, c)[0] == '\0') {
			ret = fail(r, "column %zu: empty name", c + 1);
			goto out;
		}
		long code = dict_code(&names, cell(r, c), &added);
		if (code < 0) {
			ret = (int)code;
			goto out;
		}
		if (!added) {
			ret = fail(r, "column %s: duplicate name (columns %ld and %zu)", cell(r, c), code + 1,
				   c + 1);
			goto out;
		}
		l->head[c] = names.names[code];
	}
	long lab = -1;
	for (size_t c = 0; c < l->ncell; c++)
		if (strcmp(l->head[c], label) == 0)
			lab = (long)c;
	if (lab < 0) {
		ret = fail(r, "column %s: label column not in the header%s", label,
			   l->ncell == 1 ? " (the header is one column: is ',' the separator?)" : "");
		goto out;
	}
	l->map[lab] = COL_LABEL;
	for (size_t i = 0; i < n_drop; i++) {
		size_t c = 0;
		while (c < l->ncell && strcmp(l->head[c], drop[i]) != 0)
			c++;
		if (c == l->ncell || (long)c == lab) {
			ret = fail(r, "column %s: %s", drop[i],
				   c == l->ncell ? "to be dropped but not in the header"
						 : "is the label column, cannot be dropped");
			goto out;
		}
		l->map[c] = COL_DROP;
	}
	for (size_t c = 0; c < l->ncell; c++)
		if (l->map[c] == 0 && (long)c != lab)
			l->map[c] = 1; /* numbered below */
	for (size_t c = 0; c < l->ncell; c++)
		if (l->map[c] == 1)
			l->map[c] = (long)l->nfeat++;
	if (l->nfeat == 0) {
		ret = fail(r, "column %s: no feature columns besides the label", label);
		goto out;
	}
	l->src = calloc(l->nfeat, sizeof(*l->src));
	l->text = calloc(l->nfeat, 1);
	l->cat = calloc(l->nfeat, sizeof(*l->cat));
	if (l->src == NULL || l->text == NULL || l->cat == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t c = 0; c < l->ncell; c++)
		if (l->map[c] >= 0)
			l->src[l->map[c]] = c;
	/* The header names now belong to l->head. */
	names.n = 0;
	ret = 0;
out:
	if (ret != 0 && l->head)
		memset(l->head, 0, l->ncell * sizeof(*l->head)); /* still owned by names */
	dict_free(&names);
	return ret;
}

/* Pass 1: every line's shape and label, which features are numbers. */
static int check_rows(struct load *l)
{
	struct reader *r = &l->r;
	const char *s;
	size_t len;
	int ret;

	while ((ret = next_line(r, &s, &len)) == 1) {
		if ((ret = split_line(l, s, len)) != 0)
			return ret;
		if (r->n != l->ncell) {
			const char *hint = r->n == 1 && (memchr(s, ';', len) || memchr(s, '\t', len))
						   ? " (cells must be separated by ',')"
						   : "";
			return fail(r, "expected %zu cells as in the header, found %zu%s", l->ncell, r->n,
				    hint);
		}
		for (size_t c = 0; c < l->ncell; c++) {
			const char *v = cell(r, c);
			if (l->map[c] == COL_LABEL && is_missing(v))
				return fail(r, "column %s: empty or missing class label", l->head[c]);
			if (l->map[c] >= 0 && !l->text[l->map[c]] && !is_missing(v) && !is_number(v))
				l->text[l->map[c]] = 1;
		}
		l->rows++;
	}
	if (ret < 0)
		return ret;
	if (l->rows == 0) {
		r->line = l->head_line;
		return fail(r, "no data rows after the header");
	}
	return 0;
}

/* Pass 2: the values, from the start again. */
static int fill_rows(struct load *l, struct cls_table *t)
{
	struct reader *r = &l->r;
	const char *s;
	size_t len, row = 0;
	int added, ret;

	while ((ret = next_line(r, &s, &len)) == 1) {
		if ((ret = split_line(l, s, len)) != 0)
			return ret;
		float *x = t->x + row * l->nfeat;
		for (size_t c = 0; c < l->ncell; c++) {
			const char *v = cell(r, c);
			long f = l->map[c], code;
			if (f == COL_LABEL) {
				if ((code = dict_code(&l->classes, v, &added)) < 0)
					return (int)code;
				t->y[row] = (uint32_t)code;
			} else if (f >= 0 && is_missing(v)) {
				x[f] = NAN;
			} else if (f >= 0 && l->text[f]) {
				if ((code = dict_code(&l->cat[f], v, &added)) < 0)
					return (int)code;
				x[f] = (float)code;
			} else if (f >= 0 && parse_number(v, &x[f]) != 0) {
				return fail(r, "column %s: %.40s is beyond float's range", t->names[f], v);
			}
		}
		row++;
	}
	return ret;
}

static void load_free(struct load *l)
{
	free(l->r.buf);
	free(l->r.off);
	free_strs(l->head, l->ncell);
	free(l->map);
	free(l->src);
	free(l->text);
	if (l->cat)
		for (size_t f = 0; f < l->nfeat; f++)
			dict_free(&l->cat[f]);
	free(l->cat);
	dict_free(&l->classes);
}

int cls_table_read_csv_mem(const char *data, size_t len, const char *name,
			   const char *label_column, const char *const *drop_columns, size_t n_drop,
			   struct cls_table *t, char *err, size_t errlen)
{
	struct load l;
	int ret;

	memset(&l, 0, sizeof(l));
	memset(t, 0, sizeof(*t));
	if (err && errlen)
		err[0] = '\0';
	l.r.p = data;
	l.r.end = data + len;
	l.r.name = name;
	l.r.err = err;
	l.r.errlen = errlen;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		l.r.p += 3; /* a UTF-8 byte order mark, as spreadsheets write */
	const char *body;
	if ((ret = read_header(&l, label_column, drop_columns, n_drop)) != 0)
		goto fail;
	body = l.r.p;
	size_t body_line = l.r.line;
	if ((ret = check_rows(&l)) != 0)
		goto fail;

	t->cols = l.nfeat;
	t->names = calloc(l.nfeat, sizeof(*t->names));
	if (t->names == NULL || reserve_rows(t, l.rows) != 0) {
		ret = -ENOMEM;
		goto fail;
	}
	for (size_t f = 0; f < l.nfeat; f++) {
		t->names[f] = l.head[l.src[f]];
		l.head[l.src[f]] = NULL;
	}
	l.r.p = body;
	l.r.line = body_line;
	if ((ret = fill_rows(&l, t)) != 0)
		goto fail;
	t->rows = l.rows;

	for (size_t f = 0; f < l.nfeat; f++)
		if (l.text[f] && t->cats == NULL && (t->cats = calloc(l.nfeat, sizeof(*t->cats))) == NULL) {
			ret = -ENOMEM;
			goto fail;
		}
	for (size_t f = 0; t->cats && f < l.nfeat; f++) {
		t->cats[f].names = l.cat[f].names;
		t->cats[f].n = l.cat[f].n;
		l.cat[f].names = NULL;
		l.cat[f].n = 0;
	}
	t->classes = l.classes.names;
	t->n_classes = l.classes.n;
	l.classes.names = NULL;
	l.classes.n = 0;
	load_free(&l);
	return 0;
fail:
	if (ret == -ENOMEM && err && errlen)
		snprintf(err, errlen, "%s: out of memory", name);
	load_free(&l);
	cls_table_free(t);
	return ret;
}

int cls_table_read_csv(const char *path, const char *label_column, const char *const *drop_columns,
		       size_t n_drop, struct cls_table *t, char *err, size_t errlen)
{
	char *data;
	size_t len;
	int ret;

	memset(t, 0, sizeof(*t));
	if ((ret = sa_file_read(path, &data, &len, err, errlen)) != 0)
		return ret;
	ret = cls_table_read_csv_mem(data, len, path, label_column, drop_columns, n_drop, t, err, errlen);
	free(data);
	return ret;
}

/* ---- the writer ------------------------------------------------------------ */

static void put_text(const char *s, FILE *out)
{
	size_t n = strlen(s);
	int quote = strpbrk(s, ",\"\r\n") != NULL ||
		    (n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t'));

	if (!quote) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

int cls_table_write_csv(const struct cls_table *t, FILE *out)
{
	for (size_t c = 0; c < t->cols; c++)
		if (strcmp(t->names[c], "label") == 0)
			return -EINVAL;
	for (size_t c = 0; c < t->cols; c++) {
		put_text(t->names[c], out);
		fputc(',', out);
	}
	fputs("label\n", out);
	for (size_t i = 0; i < t->rows; i++) {
		const float *x = t->x + i * t->cols;
		for (size_t c = 0; c < t->cols; c++) {
			/* %.9g: nine significant digits identify every float. */
			if (!isnan(x[c]))
				fprintf(out, "%.9g", (double)x[c]);
			fputc(',', out);
		}
		put_text(t->classes[t->y[i]], out);
		fputc('\n', out);
	}
	return ferror(out) ? -EIO : 0;
}
