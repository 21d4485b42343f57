/* sa forecast, models, train, monitor and alerts: the forecasting loop as
 * the operator sees it. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "cli.h"
#include "out.h"
#include "sa_series.h"
#include "sa_time.h"
#include "sa_wire.h"
#include "train.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int cmd_forecast(struct cli *c)
{
	static const char *const cols[] = {"time", "forecast", "lo80", "hi80", "lo95", "hi95", "actual", "outside95"};
	Sa__Query q;
	char t[40];

	cli_query_init(c, &q, SA__QUERY_KIND__Q_FORECAST);
	q.series = c->argc > 0 ? c->argv[0] : "bytes";
	q.has_horizon = 1;
	q.horizon = c->horizon;
	Sa__Response *r = cli_call(c, &q);
	if (r == NULL)
		return 1;
	const Sa__Model *m = r->models[0];
	char title[384];
	snprintf(title, sizeof(title), "%s: %s v%u (step %u s), backtest MASE %.3g MAE %.4g RMSE %.4g",
		 m->series, m->kind, m->version, m->step_s, m->mase, m->mae, m->rmse);
	struct out_table *tab = out_table_new(title, 8, cols);
	double abs_err = 0, sq_err = 0;
	unsigned known = 0, outside = 0;
	for (size_t i = 0; i < r->n_forecast; i++) {
		const Sa__ForecastPoint *p = r->forecast[i];
		out_str(tab, sa_time_fmt(p->t_ns, t, sizeof(t)));
		out_f64(tab, p->forecast, 0);
		out_f64(tab, p->lo80, 0);
		out_f64(tab, p->hi80, 0);
		out_f64(tab, p->lo95, 0);
		out_f64(tab, p->hi95, 0);
		if (p->actual_known) {
			bool out = p->actual < p->lo95 || p->actual > p->hi95;
			out_f64(tab, p->actual, 0);
			out_str(tab, out ? "yes" : "no");
			abs_err += fabs(p->actual - p->forecast);
			sq_err += (p->actual - p->forecast) * (p->actual - p->forecast);
			known++;
			outside += out;
		} else {
			out_str(tab, "");
			out_str(tab, "");
		}
	}
	out_table_print(tab, c->format, stdout);
	if (c->format == OUT_TABLE && known)
		printf("against %u actual points: MAE %.4g, RMSE %.4g, %u outside the 95%% interval\n", known,
		       abs_err / known, sqrt(sq_err / known), outside);
	out_table_destroy(&tab);
	sa__response__free_unpacked(r, NULL);
	return 0;
}

int cmd_models(struct cli *c)
{
	static const char *const cols[] = {"series", "version", "model", "step_s", "seasons", "trained_from",
					   "trained_until", "points", "mase", "mae", "rmse", "mape", "fit_s",
					   "created", "note", "alternatives"};
	Sa__Query q;
	char t[4][40], seasons[32];

	cli_query_init(c, &q, SA__QUERY_KIND__Q_MODELS);
	q.series = c->argc > 0 ? c->argv[0] : NULL;
	Sa__Response *r = cli_call(c, &q);
	if (r == NULL)
		return 1;
	if (q.series && strcmp(q.series, "classifier") == 0) {
		cli_print_classifiers(c, r);
		sa__response__free_unpacked(r, NULL);
		return 0;
	}
	struct out_table *tab = out_table_new("", 16, cols);
	for (size_t i = 0; i < r->n_models; i++) {
		const Sa__Model *m = r->models[i];
		if (m->classifier)
			continue; /* sa models classifier */
		out_str(tab, m->series);
		out_u64(tab, m->version);
		out_str(tab, m->kind);
		out_u64(tab, m->step_s);
		snprintf(seasons, sizeof(seasons), m->season2 ? "%u,%u" : "%u", m->season, m->season2);
		out_str(tab, seasons);
		out_str(tab, sa_time_fmt(m->trained_from_ns, t[0], sizeof(t[0])));
		out_str(tab, sa_time_fmt(m->trained_until_ns, t[1], sizeof(t[1])));
		out_u64(tab, m->train_points);
		out_f64(tab, m->mase, 3);
		out_f64(tab, m->mae, 1);
		out_f64(tab, m->rmse, 1);
		out_f64(tab, m->mape, 1);
		out_f64(tab, m->fit_s, 4);
		out_str(tab, sa_time_fmt(m->created_ns, t[2], sizeof(t[2])));
		out_str(tab, m->note ? m->note : "");
		out_str(tab, m->rejected ? m->rejected : "");
	}
	out_table_print(tab, c->format, stdout);
	out_table_destroy(&tab);
	sa__response__free_unpacked(r, NULL);
	return 0;
}

int cmd_train(struct cli *c)
{
	struct train_conf tc = TRAIN_DEFAULTS;
	unsigned failed = 0;

	if (c->argc == 0) {
		fprintf(stderr, "sa: train wants one or more series specs, e.g. sa train bytes packets/udp, or "
				"classifier\n");
		return 2;
	}
	if (strcmp(c->argv[0], "classifier") == 0) {
		if (c->argc == 1)
			return cmd_train_classifier(c);
		fprintf(stderr, "sa: train classifier takes no series\n");
		return 2;
	}
	tc.server = c->server;
	tc.step_s = c->step_s ? c->step_s : 3600;
	tc.season = c->season;
	tc.season2 = c->season2;
	tc.holdout = c->holdout;
	tc.horizon = c->horizon;
	tc.progress = isatty(STDERR_FILENO);
	for (int i = 0; i < c->argc; i++)
		failed += train_series(&tc, c->argv[i]) != 0;
	return failed ? 1 : 0;
}

/* A query of kind about the series named first on the command line (if
 * any), with the options' range and --limit. */
static Sa__Response *call_for_series(struct cli *c, Sa__Query *q, Sa__QueryKind kind)
{
	cli_query_init(c, q, kind);
	q->series = c->argc > 0 ? c->argv[0] : NULL;
	q->has_limit = c->limit != 0;
	q->limit = c->limit;
	return cli_call(c, q);
}

/* Without a series: every watched series' status. With one: its
 * forecast against actuals per interval, as the monitor saw them. */
int cmd_monitor(struct cli *c)
{
	Sa__Query q;
	char t[40];
	Sa__Response *r = call_for_series(c, &q, SA__QUERY_KIND__Q_MONITOR);
	if (r == NULL)
		return 1;
	if (q.series == NULL) {
		static const char *const cols[] = {"series", "version", "step_s", "last_interval", "intervals",
						   "live_mae", "backtest_mae", "drifting", "alerts"};
		struct out_table *tab = out_table_new("", 9, cols);
		for (size_t i = 0; i < r->n_monitors; i++) {
			const Sa__MonitorStatus *s = r->monitors[i];
			out_str(tab, s->series);
			out_u64(tab, s->model_version);
			out_u64(tab, s->step_s);
			out_str(tab, s->last_t_ns ? sa_time_fmt(s->last_t_ns, t, sizeof(t)) : "");
			out_u64(tab, s->intervals);
			out_f64(tab, s->live_mae, 1);
			out_f64(tab, s->backtest_mae, 1);
			out_str(tab, s->drifting ? "yes" : "no");
			out_u64(tab, s->alerts);
		}
		out_table_print(tab, c->format, stdout);
		out_table_destroy(&tab);
	} else {
		static const char *const cols[] = {"time", "actual", "forecast", "lo", "hi", "outside", "live_mae",
						   "model"};
		struct out_table *tab = out_table_new(q.series, 8, cols);
		for (size_t i = 0; i < r->n_forecast; i++) {
			const Sa__ForecastPoint *p = r->forecast[i];
			out_str(tab, sa_time_fmt(p->t_ns, t, sizeof(t)));
			if (p->actual_known)
				out_f64(tab, p->actual, 0);
			else
				out_str(tab, "");
			out_f64(tab, p->forecast, 0);
			out_f64(tab, p->lo, 0);
			out_f64(tab, p->hi, 0);
			out_str(tab, p->outside ? "yes" : "no");
			out_f64(tab, p->live_mae, 1);
			out_u64(tab, p->model_version);
		}
		out_table_print(tab, c->format, stdout);
		out_table_destroy(&tab);
	}
	sa__response__free_unpacked(r, NULL);
	return 0;
}

static const char *const alert_cols[] = {"time", "series", "actual", "forecast", "lo", "hi", "intervals",
					 "model", "raised"};

static void alert_row(struct out_table *tab, const Sa__Alert *a)
{
	char t[2][40];

	out_str(tab, sa_time_fmt(a->t_ns, t[0], sizeof(t[0])));
	out_str(tab, a->series);
	out_f64(tab, a->actual, 0);
	out_f64(tab, a->forecast, 0);
	out_f64(tab, a->lo, 0);
	out_f64(tab, a->hi, 0);
	out_u64(tab, a->intervals);
	out_u64(tab, a->model_version);
	out_str(tab, sa_time_fmt(a->raised_ns, t[1], sizeof(t[1])));
}

/* Tails the aggregator's PUB socket: one row per alert as it is raised,
 * until interrupted, --limit alerts or --timeout seconds without one. */
static int follow_alerts(struct cli *c)
{
	void *ctx = zmq_ctx_new(), *sub = zmq_socket(ctx, ZMQ_SUB);
	const char *only = c->argc > 0 ? c->argv[0] : NULL;
	unsigned seen = 0;
	int rc = 0;

	if (sub == NULL || zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "alert", 5) != 0 ||
	    zmq_connect(sub, c->publish) != 0) {
		fprintf(stderr, "sa: cannot subscribe to %s: %s\n", c->publish, zmq_strerror(zmq_errno()));
		rc = 1;
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "sa: following alerts from %s (Ctrl-C stops)\n", c->publish);
	uint64_t last_ns = sa_mono_ns();
	while (!stop && (c->limit == 0 || seen < c->limit)) {
		zmq_pollitem_t it = {.socket = sub, .events = ZMQ_POLLIN};
		if (c->follow_timeout_ms &&
		    sa_mono_ns() - last_ns >= (uint64_t)c->follow_timeout_ms * 1000000) {
			fprintf(stderr, "sa: no alert for %d s\n", c->follow_timeout_ms / 1000);
			rc = 1;
			break;
		}
		if (zmq_poll(&it, 1, 200) <= 0)
			continue;
		zmq_msg_t topic, body;
		zmq_msg_init(&topic);
		zmq_msg_init(&body);
		if (zmq_msg_recv(&topic, sub, 0) >= 0 && zmq_msg_more(&topic) && zmq_msg_recv(&body, sub, 0) >= 0) {
			Sa__Alert *a = sa__alert__unpack(NULL, zmq_msg_size(&body), zmq_msg_data(&body));
			if (a && a->series && (!only || strcmp(only, a->series) == 0)) {
				struct out_table *tab = out_table_new("", 9, alert_cols);
				alert_row(tab, a);
				out_table_print(tab, c->format, stdout);
				out_table_destroy(&tab);
				fflush(stdout);
				seen++;
				last_ns = sa_mono_ns();
			}
			sa__alert__free_unpacked(a, NULL);
		}
		zmq_msg_close(&topic);
		zmq_msg_close(&body);
	}
out:
	if (sub) {
		int zero = 0;
		zmq_setsockopt(sub, ZMQ_LINGER, &zero, sizeof(zero));
		zmq_close(sub);
	}
	zmq_ctx_term(ctx);
	return rc;
}

int cmd_alerts(struct cli *c)
{
	if (c->follow)
		return follow_alerts(c);
	Sa__Query q;
	Sa__Response *r = call_for_series(c, &q, SA__QUERY_KIND__Q_ALERTS);
	if (r == NULL)
		return 1;
	struct out_table *tab = out_table_new("", 9, alert_cols);
	for (size_t i = 0; i < r->n_alerts; i++)
		alert_row(tab, r->alerts[i]);
	out_table_print(tab, c->format, stdout);
	if (c->format == OUT_TABLE)
		printf("%zu alerts\n", r->n_alerts);
	out_table_destroy(&tab);
	sa__response__free_unpacked(r, NULL);
	return 0;
}
