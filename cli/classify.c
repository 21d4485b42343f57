/* The classifier's commands: train classifier, explore, export flows. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cls_clean.h"
#include "cls_explore.h"
#include "cls_features.h"
#include "cls_job.h"
#include "sa_flowkey.h"
#include "sa_time.h"
#include "sa_u64set.h"
#include "sa_wire.h"

#define BOX_FEATURES 4

/* The flows a command reads, with the label rules of --labels loaded into
 * *rules (0, or 1 with the reason printed). */
static int source_of(const struct cli *c, struct cls_source *s, struct cls_rules **rules)
{
	char err[512];

	*rules = NULL;
	if (c->labels && (*rules = cls_rules_load(c->labels, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sa: --labels: %s\n", err);
		return 1;
	}
	*s = (struct cls_source){.server = c->server, .timeout_ms = c->timeout_ms, .from_ns = c->from_ns,
				 .to_ns = c->to_ns, .node_id = c->node_id, .limit = c->limit, .rules = *rules,
				 .app_labels = c->app_labels};
	return 0;
}

int cmd_train_classifier(struct cli *c)
{
	struct cls_source s;
	struct cls_rules *rules;
	struct cls_train_conf tc = cls_train_defaults;

	if (source_of(c, &s, &rules) != 0)
		return 1;
	if (c->budget_s > 0)
		tc.budget_s = c->budget_s;
	int rc = cls_job_train(&s, &tc, stdout) == 0 ? 0 : 1;
	cls_rules_free(rules);
	return rc;
}

static int write_plot(int rc, const char *path)
{
	if (rc != 0)
		fprintf(stderr, "sa: explore: cannot write %s: %s\n", path, strerror(-rc));
	else
		printf("wrote %s\n", path);
	return rc != 0;
}

int cmd_explore(struct cli *c)
{
	struct cls_source s;
	struct cls_rules *rules;
	struct cls_table t;
	struct cls_notes notes = {0};
	struct cls_explore e;
	double *gain = calloc(cls_feature_count, sizeof(*gain)), *col_gain = NULL;
	const char *dir = c->out_dir ? c->out_dir : ".";
	char err[512], path[4096];
	size_t dups;
	int failed = 0;

	if (!gain || source_of(c, &s, &rules) != 0) {
		free(gain);
		return 1;
	}
	int frc = cls_table_fetch(&s, &t, &dups, err, sizeof(err));
	cls_rules_free(rules);
	if (frc != 0) {
		fprintf(stderr, "sa: explore: %s\n", err);
		free(gain);
		return 1;
	}
	if (t.rows == 0) {
		fprintf(stderr, "sa: explore: no labelled flows in that range (sa import zeek FILE loads some)\n");
		goto fail;
	}
	if (cls_clean(&t, NULL, NULL, &notes) != 0 || (col_gain = calloc(t.cols, sizeof(*col_gain))) == NULL) {
		fprintf(stderr, "sa: explore: out of memory\n");
		goto fail;
	}
	/* The stored classifier's gain, if there is one, ranks the features. */
	int have_gain = cls_job_importance(&s, gain) == 0;
	for (size_t j = 0; have_gain && j < t.cols; j++) {
		int i = cls_feature_index(t.names[j]);
		col_gain[j] = i >= 0 ? gain[i] : 0;
	}
	struct cls_explore_opts o = {.importance = have_gain ? col_gain : NULL};
	if (cls_explore_run(&t, &o, &e) != 0) {
		fprintf(stderr, "sa: explore: out of memory\n");
		goto fail;
	}
	printf("%zu labelled flows (%zu stored twice, counted once), %zu classes, %zu features\n", t.rows, dups,
	       t.n_classes, t.cols);
	for (size_t i = 0; i < notes.n; i++)
		printf("cleaning: %s\n", notes.line[i]);
	if (!have_gain)
		printf("no classifier stored yet: features ranked by eta squared (sa train classifier adds gain)\n");
	cls_explore_print(&e, stdout, NULL);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "sa: explore: cannot create %s: %s\n", dir, strerror(errno));
		cls_explore_free(&e);
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/correlation.svg", dir);
	failed |= write_plot(cls_explore_svg_corr(&e, path, 30), path);
	snprintf(path, sizeof(path), "%s/pca.svg", dir);
	failed |= write_plot(cls_explore_svg_scree(&e, path, 20), path);
	if (have_gain) {
		snprintf(path, sizeof(path), "%s/importance.svg", dir);
		failed |= write_plot(cls_explore_svg_importance(&e, col_gain, path, 25), path);
	}
	snprintf(path, sizeof(path), "%s/by_class.svg", dir);
	failed |= write_plot(cls_explore_svg_boxes(&e, e.rank, e.cols < BOX_FEATURES ? e.cols : BOX_FEATURES, path),
			     path);
	cls_explore_free(&e);
	cls_notes_free(&notes);
	cls_table_free(&t);
	free(gain);
	free(col_gain);
	return failed;
fail:
	cls_notes_free(&notes);
	cls_table_free(&t);
	free(gain);
	free(col_gain);
	return 1;
}

static const char *proto_name(uint32_t p)
{
	return p == 6 ? "tcp" : p == 17 ? "udp" : p == 1 || p == 58 ? "icmp" : "unknown_transport";
}

static const char *text_or(const char *s, const char *dflt)
{
	return s && s[0] ? s : dflt;
}

/* Every flow with its identity, labels and the classifier's whole feature
 * vector, one row each (csv or json). */
static int export_table(const Sa__Response *r, enum out_format fmt)
{
	static const char *const ident[] = {"start_ns", "src", "sport", "dst", "dport", "proto", "uid", "app",
					    "label", "detailed_label", "class", "class_prob"};
	size_t n_ident = sizeof(ident) / sizeof(ident[0]), ncols = n_ident + cls_feature_count;
	const char **cols = malloc(ncols * sizeof(*cols));
	float *x = malloc(cls_feature_count * sizeof(*x));
	char a[64], b[64];

	if (!cols || !x) {
		free(cols);
		free(x);
		fprintf(stderr, "sa: export: out of memory\n");
		return 1;
	}
	memcpy(cols, ident, sizeof(ident));
	memcpy(cols + n_ident, cls_feature_names, cls_feature_count * sizeof(*cols));
	struct out_table *tab = out_table_new("", (unsigned)ncols, cols);
	for (size_t i = 0; i < r->n_flows; i++) {
		const Sa__FlowRecord *f = r->flows[i];
		uint64_t last;
		out_u64(tab, sa_flow_span(f, &last));
		out_str(tab, sa_addr_fmt(f->addr_a.data, (unsigned)f->addr_a.len, a, sizeof(a)));
		out_u64(tab, f->port_a);
		out_str(tab, sa_addr_fmt(f->addr_b.data, (unsigned)f->addr_b.len, b, sizeof(b)));
		out_u64(tab, f->port_b);
		out_u64(tab, f->proto);
		out_str(tab, f->uid);
		out_str(tab, f->app);
		out_str(tab, f->label);
		out_str(tab, f->label_detail);
		out_str(tab, f->class_name);
		out_num(tab, f->has_class_prob ? f->class_prob : 0);
		cls_features(f, x);
		for (size_t j = 0; j < cls_feature_count; j++)
			out_num(tab, x[j]);
	}
	out_table_print(tab, fmt, stdout);
	out_table_destroy(&tab);
	free(cols);
	free(x);
	return 0;
}

/* A Zeek string field: "-" unset, "(empty)" set but empty. */
static const char *zeek_text(const char *s)
{
	return !s ? "-" : s[0] ? s : "(empty)";
}

static void zeek_count(int has, uint64_t v, int last)
{
	if (has)
		printf("%llu", (unsigned long long)v);
	else
		putchar('-');
	putchar(last ? '\n' : '\t');
}

/* Zeek's conn.log, with the labelled datasets' label columns. */
static void export_zeek(const Sa__Response *r)
{
	char a[64], b[64], open_t[40];

	printf("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n");
	printf("#open\t%s\n", sa_time_fmt(sa_wall_ns(), open_t, sizeof(open_t)));
	printf("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\t"
	       "orig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\t"
	       "orig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\tlabel\tdetailedlabel\n");
	printf("#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\t"
	       "bool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\tstring\tstring\n");
	for (size_t i = 0; i < r->n_flows; i++) {
		const Sa__FlowRecord *f = r->flows[i];
		const Sa__DirStats *o = f->a_to_b, *in = f->b_to_a;
		uint64_t last, first = sa_flow_span(f, &last);
		char uid[24];
		/* A captured flow has no Zeek uid: one from its identity, so
		 * the same flow exports with the same uid. */
		if (!f->uid || !f->uid[0]) {
			uint64_t h = sa_fnv1a(SA_FNV_START, f->addr_a.data, f->addr_a.len);
			h = sa_fnv1a(h, f->addr_b.data, f->addr_b.len);
			h = sa_fnv1a(h, &first, sizeof(first));
			snprintf(uid, sizeof(uid), "S%016llx", (unsigned long long)h);
		}
		printf("%llu.%06llu\t%s\t%s\t%u\t%s\t%u\t%s\t%s\t", (unsigned long long)(first / SA_NS_PER_S),
		       (unsigned long long)(first % SA_NS_PER_S / 1000), text_or(f->uid, uid),
		       sa_addr_fmt(f->addr_a.data, (unsigned)f->addr_a.len, a, sizeof(a)), f->port_a,
		       sa_addr_fmt(f->addr_b.data, (unsigned)f->addr_b.len, b, sizeof(b)), f->port_b,
		       proto_name(f->proto), zeek_text(f->service));
		printf("%llu.%06llu\t", (unsigned long long)((last - first) / SA_NS_PER_S),
		       (unsigned long long)((last - first) % SA_NS_PER_S / 1000));
		zeek_count(f->has_payload_a, f->payload_a, 0);
		zeek_count(f->has_payload_b, f->payload_b, 0);
		printf("%s\t-\t-\t-\t%s\t", cls_conn_state_name(cls_conn_state(f)), zeek_text(f->history));
		zeek_count(1, o ? o->packets : 0, 0);
		zeek_count(1, o ? o->bytes : 0, 0);
		zeek_count(1, in ? in->packets : 0, 0);
		zeek_count(1, in ? in->bytes : 0, 0);
		printf("(empty)\t%s\t%s\n", zeek_text(f->label), zeek_text(f->label_detail));
	}
	printf("#close\t%s\n", open_t);
}

/* sa models classifier: every version with its held-out scores. */
int cli_print_classifiers(struct cli *c, const Sa__Response *r)
{
	static const char *const cols[] = {"series", "version", "model", "classes", "features", "accuracy",
					   "macro_f1", "cv_macro_f1", "baseline_macro_f1", "train_rows",
					   "test_rows", "fit_s", "score_ns", "class_share", "created", "note"};
	char t[40], classes[256], share[256];

	struct out_table *tab = out_table_new("", sizeof(cols) / sizeof(cols[0]), cols);
	for (size_t i = 0; i < r->n_models; i++) {
		const Sa__Model *m = r->models[i];
		const Sa__Classifier *k = m->classifier;
		size_t off = 0;
		if (!k)
			continue;
		classes[0] = share[0] = '\0';
		for (size_t j = 0; j < k->n_classes && off < sizeof(classes); j++)
			off += (size_t)snprintf(classes + off, sizeof(classes) - off, "%s%s", j ? "," : "",
						k->classes[j]);
		off = 0;
		for (size_t j = 0; j < k->n_class_share && off < sizeof(share); j++)
			off += (size_t)snprintf(share + off, sizeof(share) - off, "%s%.6f", j ? "," : "",
						k->class_share[j]);
		out_str(tab, m->series);
		out_u64(tab, m->version);
		out_str(tab, m->kind);
		out_str(tab, classes);
		out_u64(tab, k->n_features);
		out_f64(tab, k->accuracy, 4);
		out_f64(tab, k->macro_f1, 4);
		out_f64(tab, k->cv_macro_f1, 4);
		out_f64(tab, k->baseline_macro_f1, 4);
		out_u64(tab, k->train_rows);
		out_u64(tab, k->test_rows);
		out_f64(tab, k->train_s, 3);
		out_f64(tab, k->score_ns, 0);
		out_str(tab, share);
		out_str(tab, sa_time_fmt(m->created_ns, t, sizeof(t)));
		out_str(tab, m->note ? m->note : "");
	}
	out_table_print(tab, c->format, stdout);
	out_table_destroy(&tab);
	return 0;
}

int cmd_export(struct cli *c)
{
	Sa__Query q;

	if (c->argc != 1 || strcmp(c->argv[0], "flows") != 0) {
		fprintf(stderr, "sa: export wants: export flows [--format csv|zeek]\n");
		return 2;
	}
	enum out_format fmt = c->format == OUT_TABLE ? OUT_CSV : c->format; /* a table would be too wide */
	cli_query_init(c, &q, SA__QUERY_KIND__Q_FLOWS);
	q.has_limit = q.has_labelled = q.has_order = 1;
	q.limit = c->limit ? c->limit : 100000;
	q.labelled = c->labelled;
	q.class_name = (char *)c->class_name;
	q.order = SA__FLOW_ORDER__BY_START;
	Sa__Response *r = cli_call(c, &q);
	if (r == NULL)
		return 1;
	int rc = 0;
	if (c->zeek)
		export_zeek(r);
	else
		rc = export_table(r, fmt);
	if (r->total > r->n_flows)
		fprintf(stderr, "sa: export: %zu of %llu matching flows written (raise --limit, up to 100000, or "
			"narrow --from/--to)\n", r->n_flows, (unsigned long long)r->total);
	sa__response__free_unpacked(r, NULL);
	return rc;
}
