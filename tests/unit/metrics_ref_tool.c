/* Prints what cls_eval_compute makes of truth and predictions, for
 * test_cls_metrics_sklearn.py.
 *
 *   metrics_ref_tool [--table]
 *
 * stdin: K N, then N true classes, then N predicted classes (0..K-1),
 * whitespace separated. Output, one per line, %.17g so nothing is lost:
 *   accuracy v, macro_precision v, macro_recall v, macro_f1 v, n_present v
 *   precision C v, recall C v, f1 C v, support C v   for every class C < K
 *   confusion T P v                                  for every pair
 * --table also writes cls_eval_print's table to stderr. Exit 2 on bad
 * input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cls_metrics.h"

int main(int argc, char **argv)
{
	unsigned long k, n;
	struct cls_eval e;

	if (scanf("%lu %lu", &k, &n) != 2 || k == 0 || n > 100000000) {
		fprintf(stderr, "metrics_ref_tool: stdin wants K N, then N truths and N predictions\n");
		return 2;
	}
	uint32_t *v = malloc((2 * n + 1) * sizeof(*v));
	if (v == NULL)
		return 2;
	for (unsigned long i = 0; i < 2 * n; i++) {
		unsigned long c;
		if (scanf("%lu", &c) != 1 || c >= k) {
			fprintf(stderr, "metrics_ref_tool: value %lu: not a class below %lu\n", i, k);
			return 2;
		}
		v[i] = (uint32_t)c;
	}
	if (cls_eval_compute(&e, v, v + n, n, k) != 0) {
		fprintf(stderr, "metrics_ref_tool: cls_eval_compute failed\n");
		return 2;
	}
	printf("accuracy %.17g\nmacro_precision %.17g\nmacro_recall %.17g\nmacro_f1 %.17g\n"
	       "n_present %zu\n",
	       e.accuracy, e.macro_precision, e.macro_recall, e.macro_f1, e.n_present);
	for (size_t c = 0; c < e.k; c++)
		printf("precision %zu %.17g\nrecall %zu %.17g\nf1 %zu %.17g\nsupport %zu %llu\n", c,
		       e.precision[c], c, e.recall[c], c, e.f1[c], c, (unsigned long long)e.support[c]);
	for (size_t t = 0; t < e.k; t++)
		for (size_t p = 0; p < e.k; p++)
			printf("confusion %zu %zu %llu\n", t, p,
			       (unsigned long long)e.confusion[t * e.k + p]);
	if (argc > 1 && strcmp(argv[1], "--table") == 0)
		cls_eval_print(&e, NULL, stderr);
	cls_eval_free(&e);
	free(v);
	return 0;
}
