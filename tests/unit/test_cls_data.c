/* The classifier's data plumbing: CSV reading and writing, cleaning,
 * stratified splits and metrics. Expected values are worked out by hand
 * in the comments, or (NSL-KDD) taken from the data set's MANIFEST.md,
 * never from a recorded run.
 *
 * Usage: test_cls_data [DATA_DIR], DATA_DIR holding
 * nsl_kdd_test_plus_minus_test21.csv (shared/data/labelled); without it
 * the NSL-KDD case is skipped with a note. */
#define _GNU_SOURCE /* mkdtemp */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cls_clean.h"
#include "cls_metrics.h"
#include "cls_split.h"
#include "cls_table.h"

static char tmpdir[64];

/* Writes len bytes to tmpdir/name; returns the path (static). */
static const char *put_file(const char *name, const char *data, size_t len)
{
	static char path[128];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(data, 1, len, f) != len) {
		perror(path);
		exit(2);
	}
	fclose(f);
	return path;
}

static int table_is_empty(const struct cls_table *t)
{
	return t->rows == 0 && t->cols == 0 && t->x == NULL && t->y == NULL && t->names == NULL &&
	       t->classes == NULL && t->cats == NULL;
}

static long col_index(const struct cls_table *t, const char *name)
{
	for (size_t c = 0; c < t->cols; c++)
		if (strcmp(t->names[c], name) == 0)
			return (long)c;
	return -1;
}

static int has_note(const struct cls_notes *n, const char *a, const char *b)
{
	for (size_t i = 0; i < n->n; i++)
		if (strstr(n->line[i], a) && (b == NULL || strstr(n->line[i], b)))
			return 1;
	return 0;
}

/* --- metrics -------------------------------------------------------------- */

static void test_metrics(void)
{
	check_context = "metrics";
	/* k = 5: class 3 only ever predicted, class 4 in neither.
	 *   truth 0 0 0 0 1 1 1 2 2 2
	 *   pred  0 0 1 3 1 1 0 2 2 1
	 * confusion (row truth)      support  predicted  tp
	 *   0: 2 1 0 1 0                4        3        2
	 *   1: 1 2 0 0 0                3        4        2
	 *   2: 0 1 2 0 0                3        2        2
	 *   3: 0 0 0 0 0                0        1        0
	 *   4: 0 0 0 0 0                0        0        0
	 * precision 2/3, 2/4, 2/2, 0/1, 0 (no predictions: zero_division 0)
	 * recall    2/4, 2/3, 2/3, 0 (no support), 0
	 * F1 = 2tp / (2tp + fp + fn): 4/7, 4/7, 4/5, 0/1, 0
	 * accuracy 6/10; macro over {0,1,2,3} (4 is in neither):
	 *   precision (2/3 + 1/2 + 1 + 0) / 4 = 13/24
	 *   recall    (1/2 + 2/3 + 2/3 + 0) / 4 = 11/24
	 *   F1        (4/7 + 4/7 + 4/5 + 0) / 4 = 17/35 */
	static const uint32_t truth[] = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2};
	static const uint32_t pred[] = {0, 0, 1, 3, 1, 1, 0, 2, 2, 1};
	static const uint64_t conf[25] = {2, 1, 0, 1, 0, 1, 2, 0, 0, 0, 0, 1, 2, 0, 0};
	struct cls_eval e;

	CHECK(cls_eval_compute(&e, truth, pred, 10, 5) == 0);
	CHECK_U(e.k, 5);
	CHECK_U(e.n, 10);
	for (int i = 0; i < 25; i++)
		CHECK_U(e.confusion[i], conf[i]);
	const double p[] = {2.0 / 3, 0.5, 1, 0, 0}, r[] = {0.5, 2.0 / 3, 2.0 / 3, 0, 0};
	const double f[] = {4.0 / 7, 4.0 / 7, 0.8, 0, 0};
	const uint64_t s[] = {4, 3, 3, 0, 0};
	for (int c = 0; c < 5; c++) {
		CHECK_NEAR(e.precision[c], p[c], 1e-15);
		CHECK_NEAR(e.recall[c], r[c], 1e-15);
		CHECK_NEAR(e.f1[c], f[c], 1e-15);
		CHECK_U(e.support[c], s[c]);
	}
	CHECK_NEAR(e.accuracy, 0.6, 1e-15);
	CHECK_U(e.n_present, 4);
	CHECK_NEAR(e.macro_precision, 13.0 / 24, 1e-15);
	CHECK_NEAR(e.macro_recall, 11.0 / 24, 1e-15);
	CHECK_NEAR(e.macro_f1, 17.0 / 35, 1e-15);

	/* The printer names classes and prints the matrix rows. */
	const char *const names[] = {"normal", "neptune", "smurf", "satan", "never"};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	cls_eval_print(&e, names, out);
	fclose(out);
	CHECK(strstr(buf, "neptune") != NULL && strstr(buf, "confusion") != NULL);
	CHECK(strstr(buf, "macro") != NULL && strstr(buf, "0.4857") != NULL); /* 17/35 */
	CHECK(strstr(buf, "\nnormal ") != NULL);
	free(buf);
	cls_eval_free(&e);
	CHECK(e.confusion == NULL && e.k == 0);

	/* No rows: zeros, no NaN. Bad classes refused. */
	CHECK(cls_eval_compute(&e, truth, pred, 0, 3) == 0);
	CHECK(e.accuracy == 0 && e.macro_f1 == 0 && e.n_present == 0 && e.f1[0] == 0);
	cls_eval_free(&e);
	CHECK(cls_eval_compute(&e, truth, pred, 10, 3) == -EINVAL); /* pred 3 >= k */
	CHECK(e.confusion == NULL);
	CHECK(cls_eval_compute(&e, truth, pred, 10, 0) == -EINVAL);

	/* All right: every score 1. */
	CHECK(cls_eval_compute(&e, truth, truth, 10, 3) == 0);
	CHECK(e.accuracy == 1 && e.macro_precision == 1 && e.macro_recall == 1 && e.macro_f1 == 1);
	cls_eval_free(&e);
}

/* --- splits ------------------------------------------------------------------ */

/* Classes of sizes 50, 23, 7, 2, 1, interleaved. */
static size_t make_y(uint32_t *y)
{
	static const size_t size[] = {50, 23, 7, 2, 1};
	size_t left[5], n = 0;
	memcpy(left, size, sizeof(left));
	for (int more = 1; more;) {
		more = 0;
		for (uint32_t c = 0; c < 5; c++)
			if (left[c]) {
				y[n++] = c;
				left[c]--;
				more = 1;
			}
	}
	return n;
}

static void test_split(void)
{
	check_context = "split";
	uint32_t y[83];
	uint8_t a[83], b[83];
	size_t n = make_y(y);
	CHECK_U(n, 83);

	/* round(c * 0.2), at least 1 and at most c - 1 for c >= 2, none for a
	 * single row: 50 -> 10, 23 -> 5 (4.6), 7 -> 1 (1.4), 2 -> 1 (0.4, raised),
	 * 1 -> 0. */
	static const size_t want[] = {10, 5, 1, 1, 0};
	CHECK(cls_split_train_test(y, n, 5, 0.2, 42, a) == 0);
	size_t test[5] = {0};
	for (size_t i = 0; i < n; i++) {
		CHECK(a[i] == 0 || a[i] == 1);
		test[y[i]] += a[i];
	}
	for (int c = 0; c < 5; c++)
		CHECK_U(test[c], want[c]);
	/* A high share still leaves each class a training row. */
	CHECK(cls_split_train_test(y, n, 5, 0.95, 42, b) == 0);
	memset(test, 0, sizeof(test));
	for (size_t i = 0; i < n; i++)
		test[y[i]] += b[i];
	CHECK_U(test[0], 48); /* 47.5 rounds to 48 */
	CHECK_U(test[2], 6);
	CHECK_U(test[3], 1);
	CHECK_U(test[4], 0);

	/* Same seed, same split; another seed, another split (the test rows of
	 * the 50-row class are one of C(50,10) ~ 1e10 sets). Not simply the
	 * first rows of each class either. */
	CHECK(cls_split_train_test(y, n, 5, 0.2, 42, b) == 0);
	CHECK(memcmp(a, b, n) == 0);
	CHECK(cls_split_train_test(y, n, 5, 0.2, 43, b) == 0);
	CHECK(memcmp(a, b, n) != 0);
	size_t first = 0;
	for (size_t i = 0, seen = 0; i < n && seen < 10; i++)
		if (y[i] == 0) {
			first += a[i];
			seen++;
		}
	CHECK(first < 10);

	CHECK(cls_split_train_test(y, n, 5, 0.0, 1, a) == -EINVAL);
	CHECK(cls_split_train_test(y, n, 5, 1.0, 1, a) == -EINVAL);
	CHECK(cls_split_train_test(y, n, 4, 0.2, 1, a) == -EINVAL); /* class 4 >= 4 */

	/* k-fold, k = 5: per class, counts per fold differ by at most 1
	 * (50 -> 10 each; 23 -> 5,5,5,4,4 in some order; 7 -> two folds of 2),
	 * totals too (83 -> 17,17,17,16,16). */
	uint32_t fa[83], fb[83];
	CHECK(cls_split_kfold(y, n, 5, 5, 7, fa) == 0);
	size_t cnt[5][5] = {{0}}, tot[5] = {0};
	for (size_t i = 0; i < n; i++) {
		CHECK(fa[i] < 5);
		if (fa[i] < 5) {
			cnt[y[i]][fa[i]]++;
			tot[fa[i]]++;
		}
	}
	for (int c = 0; c < 5; c++) {
		size_t lo = SIZE_MAX, hi = 0, sum = 0;
		for (int f = 0; f < 5; f++) {
			lo = cnt[c][f] < lo ? cnt[c][f] : lo;
			hi = cnt[c][f] > hi ? cnt[c][f] : hi;
			sum += cnt[c][f];
		}
		CHECK(hi - lo <= 1);
		CHECK_U(sum, c == 0 ? 50 : c == 1 ? 23 : c == 2 ? 7 : c == 3 ? 2 : 1);
	}
	size_t lo = SIZE_MAX, hi = 0;
	for (int f = 0; f < 5; f++) {
		lo = tot[f] < lo ? tot[f] : lo;
		hi = tot[f] > hi ? tot[f] : hi;
	}
	CHECK_U(lo, 16);
	CHECK_U(hi, 17);
	CHECK(cls_split_kfold(y, n, 5, 5, 7, fb) == 0);
	CHECK(memcmp(fa, fb, sizeof(fa)) == 0);
	CHECK(cls_split_kfold(y, n, 5, 5, 8, fb) == 0);
	CHECK(memcmp(fa, fb, sizeof(fa)) != 0);
	CHECK(cls_split_kfold(y, n, 5, 1, 7, fb) == -EINVAL);
	CHECK(cls_split_kfold(y, 0, 5, 3, 7, fb) == 0); /* nothing to assign */
}

/* --- cleaning ---------------------------------------------------------------- */

static void test_clean(void)
{
	check_context = "clean";
	/*        const allmiss num  var  label
	 * r0:    5     -       1    0    a
	 * r1:    5     -       2    1    a
	 * r2:    5     -       -    2    a
	 * r3:    5     -       10   3    b
	 * r4:    5     -       4    4    b
	 * r5:    5     -       100  5    c     one row: dropped first
	 * r6:    5     -       -    6    b
	 * Then const and allmiss go; num's median over 1, 2, 10, 4 is
	 * (2 + 4) / 2 = 3 (it would be 4 with r5's 100), filling r2 and r6,
	 * and num_missing is 0 0 1 0 0 1. */
	const char *names[] = {"const", "allmiss", "num", "var"};
	const float rows[7][4] = {
		{5, NAN, 1, 0}, {5, NAN, 2, 1}, {5, NAN, NAN, 2}, {5, NAN, 10, 3},
		{5, NAN, 4, 4}, {5, NAN, 100, 5}, {5, NAN, NAN, 6},
	};
	const char *label[] = {"a", "a", "a", "b", "b", "c", "b"};
	struct cls_table t;
	struct cls_clean_report r;
	struct cls_notes notes = {0};

	CHECK(cls_table_init(&t, names, 4) == 0);
	for (int i = 0; i < 7; i++)
		CHECK(cls_table_add(&t, rows[i], label[i]) == 0);
	CHECK_U(t.n_classes, 3);
	CHECK(cls_clean(&t, NULL, &r, &notes) == 0);
	CHECK_U(r.classes_dropped, 1);
	CHECK_U(r.rows_dropped, 1);
	CHECK_U(r.cols_dropped, 2);
	CHECK_U(r.cols_imputed, 1);
	CHECK_U(r.cells_imputed, 2);
	CHECK_U(r.duplicates, 0);
	CHECK(has_note(&notes, "class c", "1 row"));
	CHECK(has_note(&notes, "constant columns dropped", "const (5)"));
	CHECK(has_note(&notes, "entirely missing columns dropped", "allmiss"));
	CHECK(has_note(&notes, "column num", "median 3"));
	CHECK_U(t.rows, 6);
	CHECK_U(t.cols, 3);
	CHECK_U(t.n_classes, 2);
	CHECK(strcmp(t.classes[0], "a") == 0 && strcmp(t.classes[1], "b") == 0);
	CHECK(strcmp(t.names[0], "num") == 0 && strcmp(t.names[1], "var") == 0 &&
	      strcmp(t.names[2], "num_missing") == 0);
	const float num[] = {1, 2, 3, 10, 4, 3}, var[] = {0, 1, 2, 3, 4, 6}, miss[] = {0, 0, 1, 0, 0, 1};
	const uint32_t y[] = {0, 0, 0, 1, 1, 1};
	for (int i = 0; i < 6; i++) {
		CHECK(t.x[i * 3] == num[i]);
		CHECK(t.x[i * 3 + 1] == var[i]);
		CHECK(t.x[i * 3 + 2] == miss[i]);
		CHECK_U(t.y[i], y[i]);
	}
	/* Adding after cleaning still works on the new layout. */
	const float more[] = {7, 7, 0};
	CHECK(cls_table_add(&t, more, "b") == 0 && t.rows == 7 && t.x[6 * 3 + 1] == 7);
	cls_table_free(&t);
	cls_notes_free(&notes);

	/* Duplicates: rows 1 and 2 repeat row 0 (missing equals missing); row
	 * 3 differs only in class. Counted, kept; then removed, after which
	 * class x has one row and is dropped. A constant column with a missing
	 * cell goes, its indicator stays. */
	const char *n2[] = {"v", "w", "k"};
	const float r2[5][3] = {{1, NAN, 7}, {1, NAN, 7}, {1, NAN, NAN}, {1, NAN, 7}, {2, 3, 7}};
	const char *l2[] = {"x", "x", "x", "y", "y"};
	for (int remove = 0; remove < 2; remove++) {
		CHECK(cls_table_init(&t, n2, 3) == 0);
		for (int i = 0; i < 5; i++)
			CHECK(cls_table_add(&t, r2[i], l2[i]) == 0);
		struct cls_clean_opts o = {.min_rows = 2, .drop_duplicates = remove};
		CHECK(cls_clean(&t, &o, &r, &notes) == 0);
		CHECK_U(r.duplicates, 1);
		CHECK_U(r.duplicates_removed, remove ? 1 : 0);
		CHECK(has_note(&notes, "1 of 5 rows repeat", remove ? "removed" : "kept"));
		if (remove) {
			/* x: rows 0 and 2 left (2 rows), so x stays. */
			CHECK_U(t.rows, 4);
			CHECK_U(r.classes_dropped, 0);
		} else {
			CHECK_U(t.rows, 5);
		}
		/* k: 7 where present, missing once -> dropped, k_missing kept. */
		CHECK(col_index(&t, "k") < 0 && col_index(&t, "k_missing") >= 0);
		CHECK(has_note(&notes, "column k", "k_missing kept"));
		cls_table_free(&t);
		cls_notes_free(&notes);
	}
	/* min_rows 3: class y (2 rows) goes too, with its note. */
	CHECK(cls_table_init(&t, n2, 3) == 0);
	for (int i = 0; i < 5; i++)
		CHECK(cls_table_add(&t, r2[i], l2[i]) == 0);
	struct cls_clean_opts o3 = {.min_rows = 3};
	CHECK(cls_clean(&t, &o3, &r, &notes) == 0);
	CHECK(has_note(&notes, "class y", "2 rows, fewer than 3"));
	CHECK_U(t.n_classes, 1);
	CHECK_U(t.rows, 3);
	cls_table_free(&t);
	cls_notes_free(&notes);
}

/* Categorical imputation (most frequent code) and the dictionary following
 * its column when columns before it are dropped. */
static void test_clean_categorical(void)
{
	check_context = "clean categorical";
	static const char csv[] = "junk,proto,n,label\n"
				  "0,udp,1,a\n"
				  "0,tcp,2,a\n"
				  "0,,3,b\n"
				  "0,tcp,4,b\n";
	struct cls_table t;
	struct cls_notes notes = {0};
	char err[256];

	CHECK(cls_table_read_csv_mem(csv, sizeof(csv) - 1, "mem", "label", NULL, 0, &t, err,
				     sizeof(err)) == 0);
	CHECK(cls_clean(&t, NULL, NULL, &notes) == 0);
	CHECK_U(t.cols, 3); /* proto, n, proto_missing */
	CHECK(strcmp(t.names[0], "proto") == 0 && strcmp(t.names[2], "proto_missing") == 0);
	CHECK(t.cats != NULL && t.cats[0].n == 2 && t.cats[1].n == 0 && t.cats[2].n == 0);
	CHECK(t.cats && strcmp(t.cats[0].names[1], "tcp") == 0);
	CHECK(t.x[2 * 3] == 1); /* tcp, 2 of 3 */
	CHECK(has_note(&notes, "column proto", "most frequent category tcp"));
	float v;
	CHECK(cls_table_code_cell(&t, 0, " tcp ", &v) == 0 && v == 1);
	CHECK(cls_table_code_cell(&t, 0, "sctp", &v) == -ENOENT && isnan(v));
	CHECK(cls_table_code_cell(&t, 1, "2.5", &v) == 0 && v == 2.5f);
	CHECK(cls_table_code_cell(&t, 1, "x", &v) == -EINVAL && isnan(v));
	CHECK(cls_table_code_cell(&t, 1, "?", &v) == 0 && isnan(v));
	cls_table_free(&t);
	cls_notes_free(&notes);
}

/* --- CSV -------------------------------------------------------------------- */

static void test_csv_ok(void)
{
	check_context = "csv ok";
	/* A BOM, CRLF, quotes (with a comma and an escaped quote), padded
	 * header names, the label not last, a dropped column, missing markers,
	 * blank lines, and a categorical column that has numbers in it: codes
	 * go by first appearance, "10" included. */
	static const char csv[] = "\xEF\xBB\xBF"
				  "id, \"size\" ,label, kind,drop me,z\r\n"
				  "1,1.5,\"x,y\",10,q,-0\r\n"
				  "\r\n"
				  "2,?,plain,tcp,q,1e-3\r\n"
				  "3,NA,\"say \"\"hi\"\"\",10,q,\r\n"
				  "4, 2 ,plain,\"udp\",q,+4E2\r\n"
				  "  \n";
	const char *drop[] = {"drop me"};
	const char *path = put_file("ok.csv", csv, sizeof(csv) - 1);
	struct cls_table t;
	char err[256] = "";

	int ret = cls_table_read_csv(path, "label", drop, 1, &t, err, sizeof(err));
	CHECK(ret == 0);
	if (ret != 0) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	CHECK_U(t.rows, 4);
	CHECK_U(t.cols, 4);
	const char *names[] = {"id", "size", "kind", "z"};
	for (int c = 0; c < 4; c++)
		CHECK(strcmp(t.names[c], names[c]) == 0);
	CHECK_U(t.n_classes, 3);
	CHECK(strcmp(t.classes[0], "x,y") == 0 && strcmp(t.classes[1], "plain") == 0 &&
	      strcmp(t.classes[2], "say \"hi\"") == 0);
	const uint32_t y[] = {0, 1, 2, 1};
	const float x[4][4] = {{1, 1.5f, 0, -0.0f}, {2, NAN, 1, 1e-3f}, {3, NAN, 0, NAN}, {4, 2, 2, 400}};
	for (int i = 0; i < 4; i++) {
		CHECK_U(t.y[i], y[i]);
		for (int c = 0; c < 4; c++) {
			float g = t.x[i * 4 + c];
			CHECK_REPORT_(isnan(x[i][c]) ? isnan(g) : g == x[i][c], "row %d col %d: %g, expected %g",
				      i, c, (double)g, (double)x[i][c]);
		}
	}
	CHECK(t.cats != NULL);
	if (t.cats) {
		CHECK(t.cats[0].n == 0 && t.cats[1].n == 0 && t.cats[3].n == 0);
		CHECK_U(t.cats[2].n, 3);
		CHECK(strcmp(t.cats[2].names[0], "10") == 0 && strcmp(t.cats[2].names[1], "tcp") == 0 &&
		      strcmp(t.cats[2].names[2], "udp") == 0);
	}

	/* Written and read back: same values bit for bit (missing stays
	 * missing), same classes; a numeric-only table has no dictionary. */
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	CHECK(cls_table_write_csv(&t, out) == 0);
	fclose(out);
	CHECK(strncmp(buf, "id,size,kind,z,label\n1,1.5,0,-0,\"x,y\"\n", 38) == 0);
	struct cls_table u;
	CHECK(cls_table_read_csv_mem(buf, len, "back", "label", NULL, 0, &u, err, sizeof(err)) == 0);
	CHECK(u.rows == t.rows && u.cols == t.cols && u.n_classes == t.n_classes && u.cats == NULL);
	for (size_t i = 0; u.rows == t.rows && i < t.rows * t.cols; i++)
		CHECK(memcmp(&u.x[i], &t.x[i], sizeof(float)) == 0 || (isnan(u.x[i]) && isnan(t.x[i])));
	for (size_t i = 0; u.rows == t.rows && i < t.rows; i++)
		CHECK(strcmp(u.classes[u.y[i]], t.classes[t.y[i]]) == 0);
	cls_table_free(&u);
	free(buf);
	cls_table_free(&t);
	CHECK(table_is_empty(&t));

	/* Floats that need all nine digits survive too. */
	const char *hn[] = {"v"};
	CHECK(cls_table_init(&t, hn, 1) == 0);
	const float odd[] = {0.1f, 1.0f / 3, 16777217.0f, 1e-40f, -3.4028235e38f, INFINITY};
	for (int i = 0; i < 6; i++)
		CHECK(cls_table_add(&t, &odd[i], "k") == 0);
	out = open_memstream(&buf, &len);
	CHECK(cls_table_write_csv(&t, out) == 0);
	fclose(out);
	CHECK(cls_table_read_csv_mem(buf, len, "odd", "label", NULL, 0, &u, err, sizeof(err)) == 0);
	CHECK(u.rows == 6 && u.cats == NULL);
	for (size_t i = 0; u.rows == 6 && i < 6; i++)
		CHECK(memcmp(&u.x[i], &odd[i], sizeof(float)) == 0);
	cls_table_free(&u);
	free(buf);
	cls_table_free(&t);

	/* A feature named "label" cannot be written (it would not read back). */
	const char *ln[] = {"label"};
	CHECK(cls_table_init(&t, ln, 1) == 0);
	out = open_memstream(&buf, &len);
	CHECK(cls_table_write_csv(&t, out) == -EINVAL);
	fclose(out);
	free(buf);
	cls_table_free(&t);
}

struct bad_csv {
	const char *what, *data;
	const char *label;
	const char *drop;
	const char *want1, *want2; /* both in the message; want1 has FILE:LINE */
};

static void test_csv_errors(void)
{
	check_context = "csv errors";
	static const struct bad_csv cases[] = {
		{"too few cells", "a,b,label\n1,2,x\n\n1,2\n", "label", NULL, "bad.csv:4: ",
		 "expected 3 cells as in the header, found 2"},
		{"too many cells", "a,b,label\n1,2,x,9\n", "label", NULL, "bad.csv:2: ", "found 4"},
		{"no label column", "a,b,c\n1,2,3\n", "label", NULL, "bad.csv:1: column label: ",
		 "not in the header"},
		{"duplicate name", "a, b ,b,label\n1,2,3,x\n", "label", NULL, "bad.csv:1: column b: ",
		 "duplicate name (columns 2 and 3)"},
		{"empty label", "a,b,label\n1,2,x\n1,2,\n", "label", NULL, "bad.csv:3: column label: ",
		 "empty or missing class label"},
		{"NA label", "a,label\n1,x\n2,x\n3,NA\n", "label", NULL, "bad.csv:4: column label: ",
		 "missing class label"},
		{"no rows", "a,b,label\n\n\n", "label", NULL, "bad.csv:1: ", "no data rows"},
		{"empty file", "", "label", NULL, "bad.csv:1: ", "no header line"},
		{"semicolons", "a;b;label\n1;2;x\n", "label", NULL, "bad.csv:1: column a;b;label: ",
		 "separated by ',', this file uses ';'"},
		{"tabs", "a\tb\tlabel\n1\t2\tx\n", "label", NULL, "bad.csv:1: column a\tb\tlabel: ",
		 "this file uses tabs"},
		{"unterminated quote", "a,b,label\n1,\"2,x\n", "label", NULL, "bad.csv:2: column b: ",
		 "unterminated quote"},
		{"text after quote", "a,b,label\n1,\"2\"3,x\n", "label", NULL, "bad.csv:2: column b: ",
		 "text after a closing quote"},
		{"float range", "a,b,label\n1,2,x\n1,1e39,x\n", "label", NULL, "bad.csv:3: column b: ",
		 "beyond float's range"},
		{"drop missing", "a,b,label\n1,2,x\n", "label", "c", "bad.csv:1: column c: ",
		 "to be dropped but not in the header"},
		{"drop label", "a,b,label\n1,2,x\n", "label", "label", "bad.csv:1: column label: ",
		 "cannot be dropped"},
		{"only label", "label\nx\n", "label", NULL, "bad.csv:1: column label: ",
		 "no feature columns"},
		{"empty name", "a,,label\n1,2,x\n", "label", NULL, "bad.csv:1: column 2: ", "empty name"},
	};
	char err[512];
	struct cls_table t;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_csv *b = &cases[i];
		const char *path = put_file("bad.csv", b->data, strlen(b->data));
		check_context = b->what;
		memset(&t, 0x5a, sizeof(t)); /* the reader must not trust it */
		int ret = cls_table_read_csv(path, b->label, &b->drop, b->drop ? 1 : 0, &t, err,
					     sizeof(err));
		CHECK_EQ(ret, -EINVAL);
		CHECK(table_is_empty(&t));
		/* The message starts with the path, then ":LINE: ". */
		const char *m = strstr(err, "bad.csv:");
		CHECK_REPORT_(m && strncmp(m, b->want1, strlen(b->want1)) == 0 && strstr(err, b->want2),
			      "message \"%s\", wanted \"%s...%s\"", err, b->want1, b->want2);
	}

	/* A line of more than 1 MiB, on line 3. */
	check_context = "long line";
	size_t big = CLS_CSV_MAX_LINE + 100;
	char *data = malloc(big + 64);
	int k = sprintf(data, "a,label\n1,x\n");
	memset(data + k, '7', big);
	memcpy(data + k + big, ",x\n", 3);
	const char *path = put_file("bad.csv", data, (size_t)k + big + 3);
	free(data);
	CHECK_EQ(cls_table_read_csv(path, "label", NULL, 0, &t, err, sizeof(err)), -EINVAL);
	CHECK(table_is_empty(&t));
	CHECK_REPORT_(strstr(err, "bad.csv:3: line longer than 1 MiB") != NULL, "message \"%s\"", err);

	check_context = "no file";
	CHECK_EQ(cls_table_read_csv("/nonexistent/x.csv", "label", NULL, 0, &t, err, sizeof(err)),
		 -ENOENT);
	CHECK(table_is_empty(&t) && strstr(err, "/nonexistent/x.csv") != NULL);
	/* err may be NULL. */
	CHECK_EQ(cls_table_read_csv_mem("a\n", 2, "m", "label", NULL, 0, &t, NULL, 0), -EINVAL);
}

/* --- NSL-KDD ---------------------------------------------------------------- */

static void test_nsl_kdd(const char *dir)
{
	check_context = "nsl-kdd";
	/* From shared/data/labelled/MANIFEST.md and the task brief: 10694
	 * records, normal 7559 and attack 3135 = neptune 3078 + smurf 38 +
	 * saint 10 + satan 8 + portsweep 1. 43 columns: 41 features, the
	 * class ("label") and the difficulty ("#correctly_predicted"). */
	static const struct {
		const char *name;
		size_t rows;
	} want[] = {{"normal", 7559}, {"neptune", 3078}, {"smurf", 38},
		    {"saint", 10},    {"satan", 8},      {"portsweep", 1}};
	char path[512], err[512];
	const char *drop[] = {"#correctly_predicted"};
	struct cls_table t;

	snprintf(path, sizeof(path), "%s/nsl_kdd_test_plus_minus_test21.csv", dir);
	int ret = cls_table_read_csv(path, "label", drop, 1, &t, err, sizeof(err));
	CHECK(ret == 0);
	if (ret != 0) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	CHECK_U(t.rows, 10694);
	CHECK_U(t.cols, 41);
	CHECK_U(t.n_classes, 6);
	size_t *count = calloc(t.n_classes, sizeof(*count)), sum = 0;
	for (size_t i = 0; i < t.rows; i++)
		count[t.y[i]]++;
	for (size_t k = 0; k < 6; k++) {
		long c = cls_table_class_index(&t, want[k].name);
		CHECK_REPORT_(c >= 0 && count[c] == want[k].rows, "class %s: %zu rows, expected %zu",
			      want[k].name, c >= 0 ? count[c] : 0, want[k].rows);
		sum += want[k].rows;
	}
	CHECK_U(sum, 10694);
	free(count);
	CHECK(col_index(&t, "dst_host_srv_count") == 32); /* " dst_host_srv_count" trimmed */
	CHECK(col_index(&t, "#correctly_predicted") < 0 && col_index(&t, "label") < 0);
	/* Categorical: protocol_type, service, flag, and only those; the first
	 * row is tcp,private,REJ, so each codes 0 there. tcp, udp, icmp in
	 * that order of appearance; 57 services and 6 flags in the file. */
	CHECK(t.cats != NULL);
	for (size_t c = 0; t.cats && c < t.cols; c++) {
		int cat = c >= 1 && c <= 3;
		CHECK_REPORT_(!t.cats[c].n == !cat, "column %s: %zu categories", t.names[c], t.cats[c].n);
	}
	if (t.cats) {
		CHECK_U(t.cats[1].n, 3);
		CHECK(strcmp(t.cats[1].names[0], "tcp") == 0 && strcmp(t.cats[1].names[1], "udp") == 0 &&
		      strcmp(t.cats[1].names[2], "icmp") == 0);
		CHECK_U(t.cats[2].n, 57);
		CHECK_U(t.cats[3].n, 6);
		CHECK(strcmp(t.cats[2].names[0], "private") == 0 && strcmp(t.cats[3].names[0], "REJ") == 0);
		CHECK(t.x[1] == 0 && t.x[2] == 0 && t.x[3] == 0);
	}
	/* First row's numbers: count 229 (column 22), rerror_rate 1.0 (26),
	 * dst_host_count 255 (31). */
	CHECK(t.x[22] == 229 && t.x[26] == 1.0f && t.x[31] == 255);
	size_t nan = 0;
	for (size_t i = 0; i < t.rows * t.cols; i++)
		nan += isnan(t.x[i]);
	CHECK_U(nan, 0);

	/* Cleaning: portsweep's single row goes; the eight columns that are 0
	 * in every row (land, wrong_fragment, urgent, num_failed_logins,
	 * su_attempted, num_shells, num_outbound_cmds, is_hot_login) go; no
	 * duplicates, nothing missing. */
	struct cls_notes notes = {0};
	struct cls_clean_report r;
	CHECK(cls_clean(&t, NULL, &r, &notes) == 0);
	CHECK_U(r.classes_dropped, 1);
	CHECK(has_note(&notes, "class portsweep", "1 row"));
	CHECK_U(t.rows, 10693);
	CHECK_U(r.cols_dropped, 8);
	CHECK_U(r.cols_imputed, 0);
	CHECK_U(r.duplicates, 0);
	CHECK(has_note(&notes, "constant columns dropped", "num_outbound_cmds (0)"));
	CHECK_U(t.cols, 33);
	CHECK(t.cats && t.cats[1].n == 3 && strcmp(t.names[1], "protocol_type") == 0);
	cls_notes_free(&notes);

	/* Stratified 80/20 over the five classes left. */
	uint8_t *is_test = malloc(t.rows);
	CHECK(cls_split_train_test(t.y, t.rows, t.n_classes, 0.2, 1, is_test) == 0);
	size_t nt = 0;
	for (size_t i = 0; i < t.rows; i++)
		nt += is_test[i];
	/* round(.2 c): 1512 + 616 + 8 + 2 + 2 (7559, 3078, 38, 10, 8). */
	CHECK_U(nt, 1512 + 616 + 8 + 2 + 2);
	free(is_test);
	cls_table_free(&t);
}

int main(int argc, char **argv)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_cls_data.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_metrics();
	test_split();
	test_clean();
	test_clean_categorical();
	test_csv_ok();
	test_csv_errors();
	if (argc > 1)
		test_nsl_kdd(argv[1]);
	else
		printf("no data directory given: NSL-KDD case skipped\n");
	char path[128];
	snprintf(path, sizeof(path), "%s/ok.csv", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bad.csv", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	return check_summary();
}
