/* The node's own models, watched locally (see model_watch.h).
 *
 * DESIGN
 * A model forecasts the step after its training window (trained_until +
 * step). Seconds older than that are not its business; steps between it
 * and the first second seen (the node was down, or the model is older
 * than the traffic) are stepped as gaps, at most MAX_GAP of them, so the
 * model's state reaches the present. The current step's sum is judged
 * when a second of a later step arrives; the step a finite input ends in
 * is never judged, as it is incomplete, and neither is one joined midway
 * (the node started, or a new model version came, inside it). With several workers each sends
 * its own second, not in step: a worker's last second of a step that
 * arrives after another's first second of the next is left out of the
 * sum (a second in a step of 3,600). */
#include "model_watch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include <rte_log.h>

#include "fc_monitor.h"
#include "sa_counter.h"
#include "sa_model_wire.h"
#include "sa_series.h"
#include "sa_time.h"

#define RTE_LOGTYPE_SA_MODEL RTE_LOGTYPE_USER4
#define MAX_MODELS 16
#define MAX_GAP 100000    /* steps stepped over to reach the present */
#define WATCH_Z 5.0       /* as the aggregator's default --alert-z */

struct watched {
	char series[SA_SERIES_MAX];
	uint32_t version, step_s;
	int counter;          /* sa_counter index the series sums */
	int rate;             /* active_flows: the counter's mean per second */
	uint64_t next_s;      /* start of the step being summed */
	double sum;
	int summed;           /* a second of this step was seen: else it is a gap */
	int whole;            /* ... and the step was seen from its start */
	struct fc_monitor mon;
};

struct model_watch {
	void *sub;
	uint32_t node_id;
	struct watched *w[MAX_MODELS];
	unsigned n;
};

struct model_watch *model_watch_new(void *zctx, const char *endpoint, uint32_t node_id)
{
	struct model_watch *mw = calloc(1, sizeof(*mw));
	int zero = 0;

	if (mw == NULL)
		return NULL;
	mw->node_id = node_id;
	mw->sub = zmq_socket(zctx, ZMQ_SUB);
	if (mw->sub == NULL || zmq_setsockopt(mw->sub, ZMQ_LINGER, &zero, sizeof(zero)) != 0 ||
	    zmq_setsockopt(mw->sub, ZMQ_SUBSCRIBE, "model", 5) != 0 || zmq_connect(mw->sub, endpoint) != 0) {
		RTE_LOG(ERR, SA_MODEL, "cannot subscribe to models at %s: %s\n", endpoint,
			zmq_strerror(zmq_errno()));
		model_watch_destroy(&mw);
	}
	return mw;
}

void model_watch_destroy(struct model_watch **mwp)
{
	struct model_watch *mw = *mwp;

	if (mw == NULL)
		return;
	if (mw->sub)
		zmq_close(mw->sub);
	for (unsigned i = 0; i < mw->n; i++)
		free(mw->w[i]);
	free(mw);
	*mwp = NULL;
}

/* The counter a node-level series spec sums, or -1 if the spec is not
 * this node's or not a plain counter (addresses and ports are tracked by
 * the aggregator only). */
static int own_counter(const struct model_watch *mw, const struct sa_series *s, int *rate)
{
	if (s->node != mw->node_id || s->has_port || s->ip_len)
		return -1;
	*rate = strcmp(s->metric, "active_flows") == 0 && s->proto[0] == '\0';
	return *rate ? SA_C_ACTIVE_FLOW_SECONDS : sa_counter_of_metric(s->metric, s->proto);
}

static void adopt(struct model_watch *mw, const Sa__Model *pm)
{
	struct sa_series spec;
	const char *why;
	int rate, counter;
	unsigned i;

	if (pm->series == NULL || sa_series_parse(pm->series, &spec, &why) != 0 ||
	    (counter = own_counter(mw, &spec, &rate)) < 0)
		return; /* another node's, or the cluster's */
	for (i = 0; i < mw->n && strcmp(mw->w[i]->series, pm->series) != 0; i++)
		;
	if (i < mw->n && mw->w[i]->version == pm->version)
		return; /* the periodic republication of what we hold */
	struct watched *w = calloc(1, sizeof(*w));
	struct fc_model *fm = malloc(sizeof(*fm));
	if (w == NULL || fm == NULL || sa_model_decode(pm, fm, &why) != 0) {
		RTE_LOG(WARNING, SA_MODEL, "model %s v%u refused: %s; %s\n", pm->series, pm->version,
			w && fm ? why : "out of memory", i < mw->n ? "keeping the previous one" : "not watched");
		free(w);
		free(fm);
		return;
	}
	snprintf(w->series, sizeof(w->series), "%s", pm->series);
	w->version = pm->version;
	w->step_s = pm->step_s;
	w->counter = counter;
	w->rate = rate;
	w->next_s = pm->trained_until_ns / SA_NS_PER_S + pm->step_s;
	fc_monitor_init(&w->mon, fm, WATCH_Z, 1, pm->season ? pm->season : 1);
	free(fm);
	if (i == mw->n && mw->n == MAX_MODELS) {
		RTE_LOG(WARNING, SA_MODEL, "already watching %d models: %s not watched\n", MAX_MODELS, w->series);
		free(w);
		return;
	}
	if (i < mw->n)
		free(mw->w[i]);
	else
		mw->n++;
	mw->w[i] = w;
	RTE_LOG(INFO, SA_MODEL, "watching %s with model v%u\n", w->series, w->version);
}

unsigned model_watch_poll(struct model_watch *mw, int wait_ms)
{
	zmq_pollitem_t it = {.socket = mw->sub, .events = ZMQ_POLLIN};

	while (zmq_poll(&it, 1, wait_ms) > 0) {
		zmq_msg_t topic, body;
		zmq_msg_init(&topic);
		zmq_msg_init(&body);
		if (zmq_msg_recv(&topic, mw->sub, ZMQ_DONTWAIT) >= 0 && zmq_msg_more(&topic) &&
		    zmq_msg_recv(&body, mw->sub, ZMQ_DONTWAIT) >= 0) {
			Sa__Model *pm = sa__model__unpack(NULL, zmq_msg_size(&body), zmq_msg_data(&body));
			if (pm)
				adopt(mw, pm);
			else
				RTE_LOG(WARNING, SA_MODEL, "a %zu-byte model message does not decode; ignored\n",
					zmq_msg_size(&body));
			sa__model__free_unpacked(pm, NULL);
		}
		zmq_msg_close(&topic);
		zmq_msg_close(&body);
		wait_ms = 0;
	}
	return mw->n;
}

/* Judges the step being summed (value NAN: a gap); true if outside. */
static int judge(struct watched *w, double value)
{
	struct fc_verdict v;

	fc_monitor_step(&w->mon, value, &v);
	if (v.outside)
		RTE_LOG(WARNING, SA_MODEL, "%s: step at %llu: %.6g outside the model's [%.6g, %.6g]\n",
			w->series, (unsigned long long)w->next_s, value, v.lo, v.hi);
	w->next_s += w->step_s;
	w->sum = 0;
	w->summed = 0;
	return v.outside;
}

unsigned model_watch_interval(struct model_watch *mw, uint64_t start_s, const uint64_t *counters)
{
	unsigned outside = 0;

	for (unsigned i = 0; i < mw->n; i++) {
		struct watched *w = mw->w[i];
		if (start_s < w->next_s)
			continue;
		if (start_s >= w->next_s + w->step_s) {
			double v = w->rate ? w->sum / w->step_s : w->sum;
			int had = w->summed;
			/* A step joined midway (the node started, or the model
			 * came, inside it) is a partial sum: a gap, not a value. */
			outside += judge(w, had && w->whole ? v : NAN);
			uint64_t gaps = (start_s - w->next_s) / w->step_s;
			w->whole = had && gaps == 0;
			if (gaps > MAX_GAP) { /* far behind: jump, the state is stale anyway */
				w->next_s += (gaps - MAX_GAP) * w->step_s;
				gaps = MAX_GAP;
			}
			while (gaps--)
				judge(w, NAN);
		}
		if (!w->summed && start_s == w->next_s)
			w->whole = 1;
		w->sum += (double)counters[w->counter];
		w->summed = 1;
	}
	return outside;
}
