/* Training on tables whose answer is known by construction: three classes
 * told apart by feature 0 alone (noise elsewhere), so the held-out
 * accuracy must be high, feature 0 must carry the most gain, the logistic
 * baseline must also find it; and the tables training must refuse. */
#include <string.h>

#include "check.h"
#include "cls_train.h"

static uint64_t rng = 88172645463325252ull;

static double uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

/* Class k's feature 0 is k * 10 + noise in [0, 4); features 1..3 are
 * noise in [0, 100) for every class. */
static void blobs(struct cls_table *t, size_t per_class)
{
	static const char *const names[] = {"signal", "noise1", "noise2", "noise3"};
	static const char *const classes[] = {"web", "dns", "scan"};

	cls_table_init(t, names, 4);
	for (size_t i = 0; i < per_class; i++)
		for (int k = 0; k < 3; k++) {
			float row[4] = {(float)(k * 10 + 4 * uniform()), (float)(100 * uniform()),
					(float)(100 * uniform()), (float)(100 * uniform())};
			cls_table_add(t, row, classes[k]);
		}
}

static void separable(void)
{
	struct cls_table t;
	struct cls_trained r;
	struct cls_train_conf c = cls_train_defaults;
	char err[256] = "";

	check_context = "separable";
	blobs(&t, 200);
	c.budget_s = 0; /* the first candidate only */
	CHECK(cls_train(&t, &c, &r, err, sizeof(err)) == 0);
	if (err[0])
		fprintf(stderr, "%s\n", err);
	CHECK_EQ(r.train_rows + r.test_rows, 600);
	CHECK_EQ(r.test_rows, 120); /* 20% of each class */
	CHECK(r.test.accuracy >= 0.99);
	CHECK(r.test.macro_f1 >= 0.99);
	CHECK(r.baseline.accuracy >= 0.95);
	CHECK(r.cv_macro_f1 >= 0.99 && r.cv_folds == 5);
	CHECK(r.importance[0] > 0 && r.importance[0] > 10 * (r.importance[1] + r.importance[2] + r.importance[3]));
	CHECK_NEAR(r.class_share[0] + r.class_share[1] + r.class_share[2], 1.0, 1e-9);
	CHECK(r.forest.margins == 3 && r.forest.n_trees % 3 == 0);
	CHECK(r.score_ns > 0 && r.train_s > 0 && r.search_s >= r.train_s);
	CHECK(strstr(r.tried, "depth 6") != NULL);
	cls_trained_free(&r);
	cls_table_free(&t);
}

static void refused(void)
{
	static const char *const names[] = {"a"};
	struct cls_table t;
	struct cls_trained r;
	char err[256] = "";
	float v = 1;

	check_context = "refused";
	cls_table_init(&t, names, 1);
	for (int i = 0; i < 10; i++)
		cls_table_add(&t, &v, "only");
	CHECK(cls_train(&t, &cls_train_defaults, &r, err, sizeof(err)) == -1);
	CHECK(strstr(err, "1 class") != NULL);
	cls_table_add(&t, &v, "lonely");
	CHECK(cls_train(&t, &cls_train_defaults, &r, err, sizeof(err)) == -1);
	CHECK(strstr(err, "class lonely has 1 row") != NULL);
	cls_table_free(&t);
}

int main(void)
{
	separable();
	refused();
	return check_summary();
}
