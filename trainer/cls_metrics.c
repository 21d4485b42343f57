/* Classification metrics (see cls_metrics.h). */
#include "cls_metrics.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void cls_eval_free(struct cls_eval *e)
{
	free(e->confusion);
	free(e->support);
	free(e->predicted);
	free(e->precision);
	free(e->recall);
	free(e->f1);
	memset(e, 0, sizeof(*e));
}

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

int cls_eval_compute(struct cls_eval *e, const uint32_t *truth, const uint32_t *pred, size_t n,
		     size_t k)
{
	memset(e, 0, sizeof(*e));
	if (k == 0 || k > SIZE_MAX / sizeof(uint64_t) / k)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (truth[i] >= k || pred[i] >= k)
			return -EINVAL;
	e->k = k;
	e->n = n;
	e->confusion = calloc(k * k, sizeof(*e->confusion));
	e->support = calloc(k, sizeof(*e->support));
	e->predicted = calloc(k, sizeof(*e->predicted));
	e->precision = calloc(k, sizeof(*e->precision));
	e->recall = calloc(k, sizeof(*e->recall));
	e->f1 = calloc(k, sizeof(*e->f1));
	if (!e->confusion || !e->support || !e->predicted || !e->precision || !e->recall || !e->f1) {
		cls_eval_free(e);
		return -ENOMEM;
	}
	uint64_t correct = 0;
	for (size_t i = 0; i < n; i++) {
		e->confusion[(size_t)truth[i] * k + pred[i]]++;
		e->support[truth[i]]++;
		e->predicted[pred[i]]++;
		correct += truth[i] == pred[i];
	}
	e->accuracy = ratio(correct, n);
	for (size_t c = 0; c < k; c++) {
		uint64_t tp = e->confusion[c * k + c];
		uint64_t fp = e->predicted[c] - tp, fn = e->support[c] - tp;
		e->precision[c] = ratio(tp, e->predicted[c]);
		e->recall[c] = ratio(tp, e->support[c]);
		e->f1[c] = ratio(2 * tp, 2 * tp + fp + fn);
		if (e->support[c] || e->predicted[c]) {
			e->macro_precision += e->precision[c];
			e->macro_recall += e->recall[c];
			e->macro_f1 += e->f1[c];
			e->n_present++;
		}
	}
	if (e->n_present) {
		e->macro_precision /= (double)e->n_present;
		e->macro_recall /= (double)e->n_present;
		e->macro_f1 /= (double)e->n_present;
	}
	return 0;
}

static const char *class_name(const char *const *names, size_t c, char *buf, size_t len)
{
	if (names)
		return names[c];
	snprintf(buf, len, "%zu", c);
	return buf;
}

void cls_eval_print(const struct cls_eval *e, const char *const *names, FILE *out)
{
	char buf[24];
	int w = 5, cw = 5; /* "class", and the widest count */

	for (size_t c = 0; c < e->k; c++) {
		int l = (int)strlen(class_name(names, c, buf, sizeof(buf)));
		w = l > w ? l : w;
	}
	for (size_t i = 0; i < e->k * e->k; i++) {
		int l = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)e->confusion[i]);
		cw = l > cw ? l : cw;
	}
	cw = cw > (w < 12 ? w : 12) ? cw : (w < 12 ? w : 12); /* a name up to 12 in full */
	fprintf(out, "%-*s %9s %9s %9s %9s\n", w, "class", "precision", "recall", "f1", "support");
	for (size_t c = 0; c < e->k; c++)
		fprintf(out, "%-*s %9.4f %9.4f %9.4f %9llu\n", w, class_name(names, c, buf, sizeof(buf)),
			e->precision[c], e->recall[c], e->f1[c], (unsigned long long)e->support[c]);
	fprintf(out, "%-*s %9s %9s %9.4f %9zu\n", w, "accuracy", "", "", e->accuracy, e->n);
	fprintf(out, "%-*s %9.4f %9.4f %9.4f %9zu  (mean over %zu classes in truth or prediction)\n", w,
		"macro", e->macro_precision, e->macro_recall, e->macro_f1, e->n, e->n_present);

	fprintf(out, "\nconfusion (rows: truth, columns: prediction)\n%-*s", w, "");
	for (size_t c = 0; c < e->k; c++) {
		/* Longer heads are cut: the row labels carry the full names in
		 * the same order. */
		fprintf(out, " %*.*s", cw, cw, class_name(names, c, buf, sizeof(buf)));
	}
	fputc('\n', out);
	for (size_t t = 0; t < e->k; t++) {
		fprintf(out, "%-*s", w, class_name(names, t, buf, sizeof(buf)));
		for (size_t p = 0; p < e->k; p++)
			fprintf(out, " %*llu", cw, (unsigned long long)e->confusion[t * e->k + p]);
		fputc('\n', out);
	}
}
