/* Shared state of one `sa` invocation: parsed options and output format. */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "out.h"
#include "sa.pb-c.h"

struct cli {
	const char *server;
	enum out_format format;
	int timeout_ms;
	uint64_t from_ns, to_ns;     /* 0 = open */
	uint32_t step_s;
	uint32_t node_id;
	const char *metric, *proto, *by, *kind, *ip;
	uint32_t port, limit, horizon;
	bool has_port, port_other;   /* --port given; --port other */
	const char *agg;             /* series: sum, rate, avg or max */
	const char *keep_dir;        /* analyze: keep the temporary database */
	const char *workers;         /* analyze: sa-capture --workers, checked there */
	const char *ndpi_share;      /* analyze: sa-capture --ndpi-share, checked there */
	bool compact;                /* stats: compact the store first */
	const char *sort;            /* flows: start or bytes */
	const char *publish;         /* alerts --follow: the aggregator's PUB endpoint */
	bool follow;                 /* alerts: tail them live */
	int follow_timeout_ms;       /* alerts --follow: give up after this long without one (0: never) */
	uint32_t season, season2;    /* train: points per season(s); 0: found */
	uint32_t holdout;            /* train: newest points kept out */
	const char *ingest;          /* import: the aggregator's ingest endpoint */
	const char *class_name;      /* flows, series: one class of the classifier's */
	bool labelled;               /* flows, export: only flows with a label */
	bool zeek;                   /* export: --format zeek */
	const char *out_dir;         /* explore: where the plots go */
	double budget_s;             /* train classifier: search budget */
	const char *labels;          /* train classifier, explore: label rules file */
	bool app_labels;             /* train classifier, explore: nDPI's application as label */
	int argc;                    /* positional arguments after the command */
	char **argv;
};

/* Sends q and returns a successful response, or prints one line to stderr
 * and returns NULL (transport failure or an error code from the server). */
Sa__Response *cli_call(const struct cli *c, Sa__Query *q);

/* Fills the time range, node and step of q from the options. */
void cli_query_init(const struct cli *c, Sa__Query *q, Sa__QueryKind kind);

int cmd_nodes(struct cli *c);
int cmd_series(struct cli *c);
int cmd_top(struct cli *c);
int cmd_tracked(struct cli *c);
int cmd_hist(struct cli *c);
int cmd_flows(struct cli *c);
int cmd_forecast(struct cli *c);
int cmd_models(struct cli *c);
int cmd_summary(struct cli *c);
int cmd_analyze(struct cli *c);
int cmd_stats(struct cli *c);
int cmd_train(struct cli *c);
int cmd_monitor(struct cli *c);
int cmd_alerts(struct cli *c);
int cmd_import(struct cli *c);
int cmd_export(struct cli *c);
int cmd_explore(struct cli *c);
/* sa train classifier (cmd_train hands it over). */
int cmd_train_classifier(struct cli *c);
/* sa models classifier: the classifier versions of r. */
int cli_print_classifiers(struct cli *c, const Sa__Response *r);

/* Renders a summary (counters, top sources, histograms) of what the server
 * holds for c's range and node; used by `summary` and `analyze`.
 * input_error: a capture read error to report, or NULL. Returns 0 or 1. */
int cli_print_summary(struct cli *c, const char *input_error);

#endif
