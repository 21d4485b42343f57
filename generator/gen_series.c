/* Traffic volume series for sa-gen --series (see gen_series.h). */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "gen_model.h"
#include "gen_series.h"

#define SUB_S 60 /* integration step: the daily profile is linear per minute */
#define BURST_LO 1.2
#define BURST_HI 1.5
#define SURGE_LO 3.0
#define SURGE_HI 6.0
#define DROP_LO 0.1
#define DROP_HI 0.3
#define MAX_LEN 3 /* steps per anomaly */
/* Salts that keep the placement and the per-step streams of one seed apart. */
#define PLACE_SALT 0x616e6f6d616c6965ULL /* "anomalie" */
#define STEP_MUL 0xd1b54a32d192ed03ULL   /* odd: distinct step indexes, distinct seeds */

struct anom {
	uint64_t row0, row1; /* steps [row0, row1) */
	struct gen_series_anomaly pub;
};

struct gen_series {
	struct gen_series_conf conf;
	struct gen_model *model;
	uint64_t key;  /* per-step streams start from key + row * STEP_MUL */
	uint64_t rows, row;
	unsigned nsub; /* integration points per step */
	double burst_p;
	struct anom *an;
	unsigned nan, cur; /* an[cur]: the first anomaly not yet behind us */
};

static uint64_t rows_of(const struct gen_series_conf *c)
{
	return (uint64_t)c->days * (86400 / c->step_s);
}

unsigned gen_series_anomaly_room(const struct gen_series_conf *c)
{
	uint64_t quiet = (uint64_t)GEN_SERIES_QUIET_DAYS * (86400 / c->step_s);
	uint64_t rows = rows_of(c);

	if (rows <= quiet)
		return 0;
	uint64_t room = (rows - quiet + 1) / (MAX_LEN + 1); /* 4k - 1 steps hold k */
	return room > GEN_SERIES_MAX_ANOMALIES ? GEN_SERIES_MAX_ANOMALIES : (unsigned)room;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Lengths, kinds and sizes first, in event order; then the free steps
 * (those not needed by the events and the one-step gaps between them) are
 * shared out by k sorted uniform draws, so every layout is equally likely
 * and overlap cannot happen. Returns 0 or -ENOMEM. */
static int place_anomalies(struct gen_series *s)
{
	const struct gen_series_conf *c = &s->conf;
	unsigned k = c->anomalies;
	uint64_t quiet = (uint64_t)GEN_SERIES_QUIET_DAYS * (86400 / c->step_s);
	uint64_t need = 0, row;
	uint32_t *off;
	struct gen_rng r;

	if (k == 0)
		return 0;
	s->an = calloc(k, sizeof(*s->an));
	off = malloc(k * sizeof(*off));
	if (s->an == NULL || off == NULL) {
		free(off);
		return -ENOMEM;
	}
	s->nan = k;
	gen_rng_seed(&r, c->seed ^ PLACE_SALT);
	for (unsigned i = 0; i < k; i++) {
		struct anom *a = &s->an[i];
		a->row1 = gen_rng_range(&r, 1, MAX_LEN); /* the length, for now */
		int drop = gen_rng_chance(&r, 0.5);
		double u = gen_rng_u01(&r);
		a->pub.kind = drop ? GEN_SERIES_DROP : GEN_SERIES_SURGE;
		a->pub.factor = drop ? DROP_LO + (DROP_HI - DROP_LO) * u
				     : SURGE_LO + (SURGE_HI - SURGE_LO) * u;
		need += a->row1 + (i > 0);
	}
	uint64_t spare = s->rows - quiet - need; /* >= 0 by the room check */
	for (unsigned i = 0; i < k; i++)
		off[i] = gen_rng_below(&r, (uint32_t)(spare + 1));
	qsort(off, k, sizeof(*off), cmp_u32);
	row = quiet;
	for (unsigned i = 0; i < k; i++) {
		struct anom *a = &s->an[i];
		uint64_t len = a->row1;
		/* off[i] - off[i - 1] spare steps go before event i */
		a->row0 = row + off[i] - (i ? off[i - 1] : 0);
		a->row1 = a->row0 + len;
		row = a->row1 + 1;
		a->pub.start_s = c->start_ns / GEN_NS_PER_S + a->row0 * c->step_s;
		a->pub.end_s = c->start_ns / GEN_NS_PER_S + a->row1 * c->step_s;
	}
	assert(s->an[k - 1].row1 <= s->rows);
	free(off);
	return 0;
}

struct gen_series *gen_series_new(const struct gen_series_conf *c)
{
	struct gen_series *s;
	struct gen_rng r;

	assert(c->days >= 1 && c->days <= 366 && c->fpd > 0);
	assert(c->step_s >= 1 && 86400 % c->step_s == 0);
	assert(c->start_ns % GEN_NS_PER_S == 0);
	assert(c->anomalies <= gen_series_anomaly_room(c));
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->conf = *c;
	s->model = malloc(sizeof(*s->model));
	if (s->model == NULL)
		goto fail;
	gen_rng_seed(&r, c->seed); /* the topology is built and never used */
	gen_model_init(s->model, &r, c->start_ns, c->days, c->fpd);
	uint64_t x = c->seed;
	s->key = sa_rng_splitmix(&x);
	s->rows = rows_of(c);
	s->nsub = (c->step_s + SUB_S - 1) / SUB_S;
	s->burst_p = GEN_SERIES_BURSTS_WEEK * c->step_s / (7 * 86400.0);
	if (place_anomalies(s) < 0)
		goto fail;
	return s;
fail:
	gen_series_destroy(&s);
	return NULL;
}

/* Expected flows started in [t0, t0 + step): midpoint rule on nsub equal
 * slices of at most SUB_S seconds, exact for the per-minute linear profile
 * when the step starts on a whole minute. */
static double expected_flows(const struct gen_series *s, uint64_t t0_ns)
{
	double dt = (double)s->conf.step_s / s->nsub, sum = 0;

	for (unsigned k = 0; k < s->nsub; k++)
		sum += gen_model_rate(s->model, t0_ns + (uint64_t)((k + 0.5) * dt * 1e9));
	return sum * dt;
}

int gen_series_next(struct gen_series *s, struct gen_series_point *p)
{
	const struct gen_series_conf *c = &s->conf;
	struct gen_rng r;

	if (s->row == s->rows)
		return 0;
	uint64_t t0_ns = c->start_ns + s->row * c->step_s * GEN_NS_PER_S;
	double lam = expected_flows(s, t0_ns);

	/* fixed draws first, the Poisson (variable count) last */
	gen_rng_seed(&r, s->key + s->row * STEP_MUL);
	int burst = gen_rng_chance(&r, s->burst_p);
	double burst_f = BURST_LO + (BURST_HI - BURST_LO) * gen_rng_u01(&r);
	double z = gen_rng_normal(&r);

	while (s->cur < s->nan && s->row >= s->an[s->cur].row1)
		s->cur++;
	p->anomaly = s->cur < s->nan && s->row >= s->an[s->cur].row0;
	if (p->anomaly)
		lam *= s->an[s->cur].pub.factor;
	else if (burst)
		lam *= burst_f;
	p->t_s = t0_ns / GEN_NS_PER_S;
	p->flows = gen_rng_poisson(&r, lam);
	/* mean-one log-normal: the sd is GEN_SERIES_SIZE_SD to first order */
	double size = GEN_SERIES_FLOW_BYTES *
		      exp(GEN_SERIES_SIZE_SD * z - 0.5 * GEN_SERIES_SIZE_SD * GEN_SERIES_SIZE_SD);
	p->bytes = (uint64_t)llround((double)p->flows * size);
	s->row++;
	return 1;
}

uint64_t gen_series_rows(const struct gen_series *s)
{
	return s->rows;
}

unsigned gen_series_anomaly_count(const struct gen_series *s)
{
	return s->nan;
}

const struct gen_series_anomaly *gen_series_anomaly(const struct gen_series *s, unsigned i)
{
	assert(i < s->nan);
	return &s->an[i].pub;
}

const char *gen_series_kind_name(enum gen_series_kind k)
{
	return k == GEN_SERIES_DROP ? "drop" : "surge";
}

void gen_series_destroy(struct gen_series **sp)
{
	struct gen_series *s = *sp;

	if (s == NULL)
		return;
	free(s->an);
	free(s->model);
	free(s);
	*sp = NULL;
}
