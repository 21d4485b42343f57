/* libFuzzer target for classifier forests from outside: TreeEnsemble
 * unpack, then sa_forest_unpack (the only judge of forest bytes), then
 * scoring what it accepted.
 *
 * Input: one byte, the features available (0..255), then a packed
 * TreeEnsemble. Checks: unpack is 0 or -EINVAL with a reason and writes
 * its output only on success; an accepted forest reads fewer features
 * than available, has depth <= CLS_FOREST_MAX_DEPTH and scores rows of
 * exactly that many floats (heap-allocated, so ASan sees any read past a
 * row) with hostile values (NaN, infinities, huge) in blocks of 1, 16 and
 * 37 rows, giving a class below max(margins, 2) and a probability in
 * [0, 1]; packed again and unpacked, it scores the same bits. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cls_forest.h"
#include "sa_classifier_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ROWS 37 /* two full blocks of 16 and a short one */

static void score(const struct cls_forest *f, uint32_t n_avail, const uint8_t *data, size_t size,
		  float *margins_out)
{
	static const float hostile[] = {0.0f, 1.0f, -1.0f, NAN, INFINITY, -INFINITY, 3e38f, 1e-40f};
	float *x = malloc((size_t)ROWS * n_avail * sizeof(*x));
	float *prob = malloc(ROWS * sizeof(*prob));
	uint32_t *cls = malloc(ROWS * sizeof(*cls));

	for (size_t i = 0; i < (size_t)ROWS * n_avail; i++)
		x[i] = size ? (data[i % size] < 64 ? hostile[data[i % size] % 8] :
				(float)data[i % size] - 160.0f) : 0.0f;
	cls_forest_margins(f, x, ROWS, n_avail, margins_out);
	cls_forest_predict(f, x, 1, n_avail, cls, prob);
	cls_forest_predict(f, x + n_avail, 16, n_avail, cls + 1, prob + 1);
	cls_forest_predict(f, x, ROWS, n_avail, cls, prob);
	for (size_t r = 0; r < ROWS; r++)
		if (cls[r] >= (f->margins > 2 ? f->margins : 2) || !(prob[r] >= 0.0f && prob[r] <= 1.0f))
			abort();
	free(x);
	free(prob);
	free(cls);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cls_forest f, g;
	Sa__TreeEnsemble *m, w;
	char err[160] = "";
	uint32_t n_avail;

	if (size == 0)
		return 0;
	n_avail = data[0];
	m = sa__tree_ensemble__unpack(NULL, size - 1, data + 1);
	if (m == NULL)
		return 0;
	memset(&f, 0xA5, sizeof(f));
	int rc = sa_forest_unpack(m, n_avail, &f, err, sizeof(err));
	sa__tree_ensemble__free_unpacked(m, NULL);
	if (rc != 0) {
		const uint8_t *b = (const uint8_t *)&f;
		if ((rc != -EINVAL && rc != -ENOMEM) || err[0] == '\0')
			abort();
		for (size_t i = 0; i < sizeof(f); i++) /* untouched on refusal */
			if (b[i] != 0xA5)
				abort();
		return 0;
	}
	if (f.n_features < 1 || f.n_features > n_avail || f.depth > CLS_FOREST_MAX_DEPTH)
		abort();
	float *m1 = malloc((size_t)ROWS * f.margins * sizeof(*m1));
	float *m2 = malloc((size_t)ROWS * f.margins * sizeof(*m2));
	score(&f, n_avail, data, size, m1);

	/* Round trip: what we send is what we accepted. */
	if (sa_forest_pack(&f, &w) != 0)
		abort();
	size_t len = sa__tree_ensemble__get_packed_size(&w);
	uint8_t *buf = malloc(len ? len : 1);
	sa__tree_ensemble__pack(&w, buf);
	m = sa__tree_ensemble__unpack(NULL, len, buf);
	if (m == NULL || sa_forest_unpack(m, n_avail, &g, err, sizeof(err)) != 0)
		abort();
	score(&g, n_avail, data, size, m2);
	if (memcmp(m1, m2, (size_t)ROWS * f.margins * sizeof(*m1)) != 0)
		abort();
	sa__tree_ensemble__free_unpacked(m, NULL);
	cls_forest_free(&g);
	cls_forest_free(&f);
	free(buf);
	free(m1);
	free(m2);
	return 0;
}
