/* libFuzzer target for the classifier's CSV reader (trainer/cls_table.c:
 * labelled files from outside) and what runs on a loaded table: cleaning,
 * splits and metrics.
 *
 * Input: one option byte, then the file. Option bits: 0 remove duplicates,
 * 1-2 min_rows - 1 (1..4), 3 label column "y" instead of "label", 4 drop
 * column "d", 5-7 folds - 2 (2..9).
 * Checks: the reader returns 0 or a negative errno, and on an error leaves
 * the table all zero with a "name:LINE: " message; a loaded table is well
 * formed (classes and category codes in range) and, written with
 * cls_table_write_csv and read back, gives the same values bit for bit
 * and the same classes; after cls_clean no value is missing, no class has
 * fewer than min_rows rows and no column is constant; the splits keep
 * their promises and the metrics are finite. ASan/UBSan and the leak
 * checker do the rest. */
#define _GNU_SOURCE /* open_memstream */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cls_clean.h"
#include "cls_metrics.h"
#include "cls_split.h"
#include "cls_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int all_zero(const struct cls_table *t)
{
	static const struct cls_table zero;
	return memcmp(t, &zero, sizeof(zero)) == 0;
}

static void check_table(const struct cls_table *t)
{
	for (size_t i = 0; i < t->rows; i++)
		if (t->y[i] >= t->n_classes)
			__builtin_trap();
	for (size_t c = 0; t->cats && c < t->cols; c++)
		for (size_t i = 0; t->cats[c].n && i < t->rows; i++) {
			float v = t->x[i * t->cols + c];
			if (!isnan(v) && !(v >= 0 && v < (float)t->cats[c].n && v == floorf(v)))
				__builtin_trap();
		}
}

/* Written and read back: same shape, values and classes. */
static void round_trip(const struct cls_table *t, const char *label)
{
	char *buf = NULL, err[256];
	size_t len = 0;
	struct cls_table u;
	FILE *out = open_memstream(&buf, &len);

	if (out == NULL)
		return;
	int ret = cls_table_write_csv(t, out);
	fclose(out);
	if (ret == -EINVAL) { /* a feature named "label" */
		free(buf);
		return;
	}
	if (ret != 0 || cls_table_read_csv_mem(buf, len, "back", "label", NULL, 0, &u, err,
					       sizeof(err)) != 0)
		__builtin_trap();
	if (u.rows != t->rows || u.cols != t->cols || u.n_classes != t->n_classes)
		__builtin_trap();
	for (size_t i = 0; i < t->rows * t->cols; i++)
		if (memcmp(&u.x[i], &t->x[i], sizeof(float)) != 0 && !(isnan(u.x[i]) && isnan(t->x[i])))
			__builtin_trap();
	for (size_t i = 0; i < t->rows; i++)
		if (strcmp(u.classes[u.y[i]], t->classes[t->y[i]]) != 0)
			__builtin_trap();
	(void)label;
	cls_table_free(&u);
	free(buf);
}

static void check_clean(const struct cls_table *t, size_t min_rows)
{
	size_t *count = calloc(t->n_classes + 1, sizeof(*count));
	if (count == NULL)
		return;
	for (size_t i = 0; i < t->rows; i++)
		count[t->y[i]]++;
	for (size_t k = 0; k < t->n_classes; k++)
		if (count[k] < min_rows)
			__builtin_trap();
	free(count);
	for (size_t c = 0; t->rows && c < t->cols; c++) {
		int varies = 0;
		for (size_t i = 0; i < t->rows; i++) {
			float v = t->x[i * t->cols + c];
			if (isnan(v))
				__builtin_trap();
			varies |= v != t->x[c];
		}
		if (!varies)
			__builtin_trap();
	}
}

static void check_splits(const struct cls_table *t, unsigned k)
{
	uint8_t *is_test = malloc(t->rows + 1);
	uint32_t *fold = malloc((t->rows + 1) * sizeof(*fold));
	size_t *cnt = calloc((t->n_classes + 1) * (k + 2), sizeof(*cnt));
	struct cls_eval e;

	if (is_test == NULL || fold == NULL || cnt == NULL)
		goto out;
	if (cls_split_train_test(t->y, t->rows, t->n_classes, 0.25, 1, is_test) != 0)
		__builtin_trap();
	for (size_t i = 0; i < t->rows; i++)
		cnt[t->y[i] * (k + 2) + (is_test[i] ? k + 1 : k)]++;
	for (size_t c = 0; c < t->n_classes; c++) {
		size_t tr = cnt[c * (k + 2) + k], te = cnt[c * (k + 2) + k + 1];
		if (tr + te >= 2 && (tr == 0 || te == 0))
			__builtin_trap();
	}
	if (cls_split_kfold(t->y, t->rows, t->n_classes, k, 2, fold) != 0)
		__builtin_trap();
	for (size_t i = 0; i < t->rows; i++) {
		if (fold[i] >= k)
			__builtin_trap();
		cnt[t->y[i] * (k + 2) + fold[i]]++;
	}
	for (size_t c = 0; c < t->n_classes; c++) {
		size_t lo = SIZE_MAX, hi = 0;
		for (unsigned f = 0; f < k; f++) {
			size_t v = cnt[c * (k + 2) + f];
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		if (hi - lo > 1)
			__builtin_trap();
	}
	/* Metrics of "predict the fold's class": any labels will do. */
	for (size_t i = 0; i < t->rows; i++)
		fold[i] %= (uint32_t)(t->n_classes ? t->n_classes : 1);
	if (t->n_classes && cls_eval_compute(&e, t->y, fold, t->rows, t->n_classes) == 0) {
		if (!isfinite(e.macro_f1) || e.macro_f1 < 0 || e.macro_f1 > 1 || !isfinite(e.accuracy))
			__builtin_trap();
		cls_eval_free(&e);
	}
out:
	free(is_test);
	free(fold);
	free(cnt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t opt = data[0];
	const char *label = opt & 8 ? "y" : "label";
	const char *drop[] = {"d"};
	struct cls_clean_opts o = {.drop_duplicates = opt & 1, .min_rows = 1 + ((opt >> 1) & 3)};
	unsigned k = 2 + (opt >> 5);
	struct cls_table t;
	struct cls_notes notes = {0};
	char err[256];

	memset(&t, 0x5a, sizeof(t));
	/* An exact-size copy, so ASan sees any read past the end. */
	char *buf = malloc(size - 1 ? size - 1 : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data + 1, size - 1);
	int ret = cls_table_read_csv_mem(buf, size - 1, "fuzz", label, drop, opt & 16 ? 1 : 0, &t,
					 err, sizeof(err));
	free(buf);
	if (ret != 0) {
		if (ret != -EINVAL && ret != -ENOMEM)
			__builtin_trap();
		if (!all_zero(&t) || (ret == -EINVAL && strncmp(err, "fuzz:", 5) != 0))
			__builtin_trap();
		return 0;
	}
	check_table(&t);
	round_trip(&t, label);
	if (cls_clean(&t, &o, NULL, &notes) == 0) {
		check_table(&t);
		check_clean(&t, o.min_rows);
		check_splits(&t, k);
	}
	cls_notes_free(&notes);
	cls_table_free(&t);
	return 0;
}
