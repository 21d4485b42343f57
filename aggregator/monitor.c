/* Monitoring thread (see monitor.h).
 *
 * DESIGN
 * The actual value of an interval is read the way a user's query reads it:
 * a Q_SERIES query built from the model's series spec (sa_series_query)
 * answered in-process by answer_series, so what a model watches is
 * exactly what `sa series` shows and the trainer fitted on. A model starts
 * at the interval after its training window; the trainer holds its newest
 * points out, so a new model first catches up over them (at most
 * CATCHUP_MAX intervals a tick). Rows and alerts are keyed by series and
 * interval, so replaying after a restart rewrites the same keys; an alert
 * already stored is not published again. */
#include "monitor.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "answer.h"
#include "answer_store.h"
#include "fc_monitor.h"
#include "sa_log.h"
#include "sa_model_wire.h"
#include "sa_series.h"
#include "sa_time.h"
#include "sa_wire.h"
#include "schema.h"

#define MONITOR_MAX 256     /* series watched at once */
#define TICK_MS 1000
#define REPUBLISH_NS (10 * SA_NS_PER_S) /* late subscribers wait at most this */
#define CATCHUP_MAX 10000   /* intervals one series steps per tick */
#define MAX_SKIP_STEPS 10000000 /* gaps stepped to reach the store's first data */

struct watch {
	char series[SA_SERIES_MAX];
	struct sa_series spec;
	uint32_t version, step_s;
	uint64_t next_s;        /* start of the next interval to compare */
	uint64_t last_s;        /* the last compared, 0 = none yet */
	double backtest_mae;
	uint64_t alerts;
	uint8_t *blob;          /* the packed Model, for publishing */
	size_t blob_len;
	struct fc_monitor mon;
};

struct monitor {
	struct tsdb *db;
	void *pub;
	struct monitor_conf conf;
	struct sa_arena *arena;
	pthread_t thread;
	atomic_bool stop, changed;
	pthread_mutex_t lock;   /* the watches, against monitor_status */
	struct watch *w[MONITOR_MAX];
	unsigned n;
	uint64_t published_ns;
};

static void publish(struct monitor *m, const char *topic, const uint8_t *buf, size_t len)
{
	/* PUB drops rather than blocks when a subscriber is slow. */
	if (zmq_send(m->pub, topic, strlen(topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0)
		zmq_send(m->pub, buf, len, ZMQ_DONTWAIT);
}

static struct watch *find(struct monitor *m, const char *series)
{
	for (unsigned i = 0; i < m->n; i++)
		if (strcmp(m->w[i]->series, series) == 0)
			return m->w[i];
	return NULL;
}

static void watch_free(struct watch *w)
{
	if (w) {
		free(w->blob);
		free(w);
	}
}

/* Starts (or restarts) watching pm's series with it. */
static void adopt(struct monitor *m, const Sa__Model *pm, const uint8_t *blob, size_t len)
{
	struct watch *old = find(m, pm->series);
	const char *why;

	if (old && old->version == pm->version)
		return;
	struct watch *w = calloc(1, sizeof(*w));
	struct fc_model *fm = malloc(sizeof(*fm));
	if (!w || !fm || !(w->blob = malloc(len))) {
		SA_LOG_RL(SA_LOG_ERR, "monitor", "out of memory for the model of %s", pm->series);
		goto drop;
	}
	if (sa_model_decode(pm, fm, &why) != 0 || sa_series_parse(pm->series, &w->spec, &why) != 0) {
		/* The previous version (if any) stays in use. */
		SA_LOG_RL(SA_LOG_WARN, "monitor", "model %s v%u refused: %s", pm->series, pm->version, why);
		goto drop;
	}
	snprintf(w->series, sizeof(w->series), "%s", pm->series);
	w->version = pm->version;
	w->step_s = pm->step_s;
	w->next_s = pm->trained_until_ns / SA_NS_PER_S + pm->step_s;
	w->backtest_mae = pm->mae;
	memcpy(w->blob, blob, len);
	w->blob_len = len;
	/* The live error window: one (first) season of intervals. */
	fc_monitor_init(&w->mon, fm, m->conf.z, m->conf.need, pm->season ? pm->season : 1);
	free(fm);
	pthread_mutex_lock(&m->lock);
	if (old) {
		for (unsigned i = 0; i < m->n; i++)
			if (m->w[i] == old)
				m->w[i] = w;
		watch_free(old);
	} else if (m->n < MONITOR_MAX) {
		m->w[m->n++] = w;
	} else {
		pthread_mutex_unlock(&m->lock);
		SA_LOG_RL(SA_LOG_WARN, "monitor", "already watching %d series: %s not watched",
			  MONITOR_MAX, pm->series);
		watch_free(w);
		return;
	}
	pthread_mutex_unlock(&m->lock);
	sa_log(SA_LOG_INFO, "monitor", "watching %s with model v%u from %llu", w->series, w->version,
	       (unsigned long long)w->next_s);
	publish(m, "model", w->blob, w->blob_len);
	return;
drop:
	free(fm);
	watch_free(w);
}

/* Model keys are series, NUL, version. */
static bool same_series(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	size_t n = strnlen((const char *)a, al);
	return n == strnlen((const char *)b, bl) && memcmp(a, b, n) == 0;
}

/* Adopts the newest version of every series' model. Keys sort by series,
 * then version, so each series' last key is its newest. */
static void load_models(struct monitor *m)
{
	const uint8_t *k, *v, *pk = NULL, *pv = NULL;
	size_t kl, vl, pkl = 0, pvl = 0;
	struct tsdb_iter *it = tsdb_iter_new(m->db, TSDB_MODELS, NULL, 0, NULL, 0);
	uint8_t *prev_k = NULL, *prev_v = NULL;

	for (;;) {
		bool more = it && tsdb_iter_next(it, &k, &kl, &v, &vl);
		/* The previous key is a series' newest when the series changes. */
		if (pk && (!more || !same_series(k, kl, pk, pkl))) {
			Sa__Model *pm = sa__model__unpack(NULL, pvl, pv);
			if (pm && pm->series && pm->classifier)
				; /* flows are scored at ingest (classify.h), not watched */
			else if (pm && pm->series)
				adopt(m, pm, pv, pvl);
			else
				SA_LOG_RL(SA_LOG_WARN, "monitor", "a stored model does not decode; skipped");
			sa__model__free_unpacked(pm, NULL);
		}
		if (!more)
			break;
		free(prev_k);
		free(prev_v);
		prev_k = malloc(kl);
		prev_v = malloc(vl);
		if (!prev_k || !prev_v)
			break;
		memcpy(prev_k, k, kl);
		memcpy(prev_v, v, vl);
		pk = prev_k, pkl = kl, pv = prev_v, pvl = vl;
	}
	free(prev_k);
	free(prev_v);
	tsdb_iter_destroy(&it);
}

static void put_row(struct monitor *m, struct tsdb_batch *b, const struct watch *w, uint64_t t_s,
		    double actual, const struct fc_verdict *v)
{
	Sa__ForecastPoint p = SA__FORECAST_POINT__INIT;
	uint8_t key[SCHEMA_SERIES_KEY_MAX], *buf;
	size_t kl = schema_monitor_key(key, w->series, t_s);

	p.has_t_ns = p.has_forecast = p.has_lo = p.has_hi = p.has_live_mae = p.has_outside = 1;
	p.has_model_version = 1;
	p.t_ns = t_s * SA_NS_PER_S;
	p.forecast = v->forecast;
	/* Every series counts something: a bound below zero is zero. */
	p.lo = fmax(v->lo, 0);
	p.hi = fmax(v->hi, 0);
	p.live_mae = isfinite(w->mon.live_mae) ? w->mon.live_mae : 0;
	p.outside = v->outside;
	p.model_version = w->version;
	p.has_actual = p.has_actual_known = p.actual_known = isfinite(actual);
	p.actual = isfinite(actual) ? actual : 0;
	size_t len = sa_wire_pack(&p.base, &buf);
	if (kl && len)
		tsdb_batch_put(b, m->db, TSDB_MONITOR, key, kl, buf, len);
	if (len)
		free(buf);
}

/* Stores the alert unless it is already stored; returns its packed form
 * to publish after the write (caller frees), or NULL. */
static uint8_t *put_alert(struct monitor *m, struct tsdb_batch *b, const struct watch *w, uint64_t t_s,
			  double actual, const struct fc_verdict *v, size_t *len)
{
	Sa__Alert al = SA__ALERT__INIT;
	uint8_t key[SCHEMA_SERIES_KEY_MAX], *buf;
	size_t kl = schema_alert_key(key, t_s * SA_NS_PER_S, w->series);
	char *old;
	size_t ol;

	if (kl == 0 || tsdb_get(m->db, TSDB_ALERTS, key, kl, &old, &ol) == 0) {
		if (kl)
			free(old);
		return NULL;
	}
	al.series = (char *)w->series;
	al.has_t_ns = al.has_step_s = al.has_actual = al.has_forecast = al.has_lo = al.has_hi = 1;
	al.has_intervals = al.has_model_version = al.has_raised_ns = 1;
	al.t_ns = t_s * SA_NS_PER_S;
	al.step_s = w->step_s;
	al.actual = actual;
	al.forecast = v->forecast;
	al.lo = fmax(v->lo, 0);
	al.hi = fmax(v->hi, 0);
	al.intervals = w->mon.run;
	al.model_version = w->version;
	al.raised_ns = sa_wall_ns();
	*len = sa_wire_pack(&al.base, &buf);
	if (*len == 0)
		return NULL;
	tsdb_batch_put(b, m->db, TSDB_ALERTS, key, kl, buf, *len);
	return buf;
}

/* Steps w's model over [next_s, end_s) without actuals. */
static void step_gaps(struct monitor *m, struct watch *w, uint64_t end_s)
{
	struct fc_verdict v;

	pthread_mutex_lock(&m->lock);
	for (; w->next_s + w->step_s <= end_s; w->next_s += w->step_s)
		fc_monitor_step(&w->mon, NAN, &v);
	pthread_mutex_unlock(&m->lock);
}

/* Compares every complete interval of one series since the last tick. */
static void step_watch(struct monitor *m, struct watch *w, uint64_t oldest_s, uint64_t newest_s,
		       struct tsdb_batch *b)
{
	if (newest_s < m->conf.grace_s + w->step_s)
		return;
	/* Never before the store's first data (retention moved it on):
	 * nothing to compare there. The model steps over it to keep its
	 * seasons in phase, unless that is absurdly far. */
	if (w->next_s + w->step_s < oldest_s) {
		uint64_t skip = (oldest_s - w->next_s) / w->step_s;
		if (skip > MAX_SKIP_STEPS)
			w->next_s += skip * w->step_s;
		else
			step_gaps(m, w, w->next_s + skip * w->step_s);
	}
	uint64_t end_s = (newest_s - m->conf.grace_s) / w->step_s * w->step_s;
	if (end_s > w->next_s + (uint64_t)CATCHUP_MAX * w->step_s)
		end_s = w->next_s + (uint64_t)CATCHUP_MAX * w->step_s;
	if (end_s < w->next_s + w->step_s)
		return;

	Sa__Query q = SA__QUERY__INIT;
	Sa__Response r = SA__RESPONSE__INIT;
	sa_series_query(&w->spec, &q);
	q.has_from_ns = q.has_to_ns = q.has_step_s = 1;
	q.from_ns = w->next_s * SA_NS_PER_S;
	q.to_ns = end_s * SA_NS_PER_S;
	q.step_s = w->step_s;
	sa_arena_reset(m->arena);
	if (answer_series(m->db, &q, &r, m->arena) != SA_OK || r.step_s != w->step_s) {
		/* Nothing there, or only a coarser tier (the finer one expired):
		 * the intervals cannot be compared, so they pass as gaps and the
		 * watch moves on instead of asking again every tick. */
		SA_LOG_RL(SA_LOG_WARN, "monitor", "%s: cannot read the actuals from %llu: %s; stepped over",
			  w->series, (unsigned long long)w->next_s,
			  r.message ? r.message : "the store answers at another step");
		step_gaps(m, w, end_s);
		return;
	}
	for (size_t i = 0; i < r.n_points; i++) {
		uint64_t t_s = r.points[i]->t_ns / SA_NS_PER_S;
		if (t_s < w->next_s)
			continue;
		double actual = r.points[i]->has_value ? r.points[i]->value : NAN;
		struct fc_verdict v;
		pthread_mutex_lock(&m->lock);
		fc_monitor_step(&w->mon, actual, &v);
		w->next_s = t_s + w->step_s;
		w->last_s = t_s;
		pthread_mutex_unlock(&m->lock);
		put_row(m, b, w, t_s, actual, &v);
		if (!v.alert)
			continue;
		size_t len;
		uint8_t *buf = put_alert(m, b, w, t_s, actual, &v, &len);
		if (buf == NULL)
			continue;
		if (tsdb_write(m->db, b) == 0)
			publish(m, "alert", buf, len);
		tsdb_batch_clear(b);
		free(buf);
		pthread_mutex_lock(&m->lock);
		w->alerts++;
		pthread_mutex_unlock(&m->lock);
		sa_log(SA_LOG_WARN, "monitor", "alert: %s at %llu: %.6g outside [%.6g, %.6g] for %u intervals",
		       w->series, (unsigned long long)t_s, actual, v.lo, v.hi, m->conf.need);
	}
}

static void tick(struct monitor *m, struct tsdb_batch *b)
{
	uint64_t now = sa_mono_ns(), first_ns, last_ns;

	if (atomic_exchange(&m->changed, false))
		load_models(m);
	else if (now - m->published_ns >= REPUBLISH_NS)
		for (unsigned i = 0; i < m->n; i++)
			publish(m, "model", m->w[i]->blob, m->w[i]->blob_len);
	if (now - m->published_ns >= REPUBLISH_NS)
		m->published_ns = now;
	if (m->n == 0 || !answer_extent(m->db, 0, &first_ns, &last_ns))
		return;
	for (unsigned i = 0; i < m->n; i++) {
		step_watch(m, m->w[i], first_ns / SA_NS_PER_S, last_ns / SA_NS_PER_S, b);
		if (tsdb_write(m->db, b) != 0)
			SA_LOG_RL(SA_LOG_ERR, "monitor", "cannot store the monitor rows of %s", m->w[i]->series);
		tsdb_batch_clear(b);
	}
}

static void *monitor_main(void *arg)
{
	struct monitor *m = arg;
	struct tsdb_batch *b = tsdb_batch_new();

	tsdb_deadline_set(0);
	while (b && !atomic_load(&m->stop)) {
		tick(m, b);
		for (int i = 0; i < TICK_MS / 100 && !atomic_load(&m->stop) && !atomic_load(&m->changed); i++)
			nanosleep(&(struct timespec){.tv_nsec = 100 * 1000000L}, NULL);
	}
	tsdb_batch_destroy(&b);
	return NULL;
}

struct monitor *monitor_start(void *zctx, const char *pub_endpoint, struct tsdb *db,
			      const struct monitor_conf *conf)
{
	struct monitor *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->db = db;
	m->conf = *conf;
	m->arena = sa_arena_new(1 << 20);
	m->pub = zmq_socket(zctx, ZMQ_PUB);
	int linger = 0;
	if (m->arena == NULL || m->pub == NULL ||
	    zmq_setsockopt(m->pub, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
	    zmq_bind(m->pub, pub_endpoint) != 0) {
		sa_log(SA_LOG_ERR, "monitor", "cannot bind %s: %s", pub_endpoint, zmq_strerror(zmq_errno()));
		goto fail;
	}
	pthread_mutex_init(&m->lock, NULL);
	atomic_store(&m->changed, true);
	if (pthread_create(&m->thread, NULL, monitor_main, m) != 0) {
		pthread_mutex_destroy(&m->lock);
		goto fail;
	}
	return m;
fail:
	if (m->pub)
		zmq_close(m->pub);
	sa_arena_destroy(&m->arena);
	free(m);
	return NULL;
}

void monitor_stop(struct monitor **mp)
{
	struct monitor *m = *mp;

	if (m == NULL)
		return;
	atomic_store(&m->stop, true);
	pthread_join(m->thread, NULL);
	zmq_close(m->pub);
	for (unsigned i = 0; i < m->n; i++)
		watch_free(m->w[i]);
	pthread_mutex_destroy(&m->lock);
	sa_arena_destroy(&m->arena);
	free(m);
	*mp = NULL;
}

void monitor_models_changed(struct monitor *m)
{
	atomic_store(&m->changed, true);
}

int monitor_status(struct monitor *m, Sa__Response *r, struct sa_arena *a)
{
	pthread_mutex_lock(&m->lock);
	r->monitors = sa_arena_alloc(a, (m->n ? m->n : 1) * sizeof(*r->monitors));
	for (unsigned i = 0; r->monitors && i < m->n; i++) {
		const struct watch *w = m->w[i];
		Sa__MonitorStatus *s = sa_arena_alloc(a, sizeof(*s));
		char *name = sa_arena_alloc(a, strlen(w->series) + 1);
		if (!s || !name)
			break;
		sa__monitor_status__init(s);
		strcpy(name, w->series);
		s->series = name;
		s->has_model_version = s->has_step_s = s->has_last_t_ns = s->has_intervals = 1;
		s->has_live_mae = s->has_backtest_mae = s->has_drifting = s->has_alerts = 1;
		s->model_version = w->version;
		s->step_s = w->step_s;
		s->last_t_ns = w->last_s * SA_NS_PER_S;
		s->intervals = w->mon.seen;
		s->live_mae = isfinite(w->mon.live_mae) ? w->mon.live_mae : 0;
		s->backtest_mae = w->backtest_mae;
		s->drifting = fc_monitor_drifting(&w->mon, w->backtest_mae, m->conf.drift);
		s->alerts = w->alerts;
		r->monitors[r->n_monitors++] = s;
	}
	pthread_mutex_unlock(&m->lock);
	return SA_OK;
}
