/* libFuzzer target for what nodes and the aggregator take from outside
 * about models: series specs (sa_series_parse: trainer config, queries,
 * models) and model messages (Model unpack, then sa_model_decode), and
 * what an accepted model does when run.
 *
 * Input: a mode byte, then the rest. Mode even: the rest is a series spec
 * (a NUL-terminated copy of exactly size + 1 bytes). Checks: parse returns
 * 0 or -EINVAL with a reason; an accepted spec has a metric of lower-case
 * letters, digits and _, a node id from 1 when one is given, and an
 * address of 4 or 16 bytes or none, and fills a query without crashing.
 * Mode odd: the rest is a packed Model. Checks: decode is 0 or -EINVAL
 * with a reason and writes its output only on success; an accepted model
 * forecasts 64 steps with finite values and finite, non-negative standard
 * errors, and a monitor stepped over 64 hostile values (huge, tiny, NaN)
 * gives finite bounds with lo <= hi every time. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fc_monitor.h"
#include "sa_model_wire.h"
#include "sa_series.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define H 64

static void series(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct sa_series out;
	const char *why = NULL;

	memcpy(s, data, size);
	s[size] = '\0';
	int rc = sa_series_parse(s, &out, &why);
	if (rc != 0) {
		if (rc != -EINVAL || why == NULL)
			abort();
		free(s);
		return;
	}
	for (const char *c = out.metric; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
			abort();
	if (out.metric[0] == '\0' || (out.ip_len != 0 && out.ip_len != 4 && out.ip_len != 16) ||
	    (strchr(s, '@') && strchr(s, '@') < (strchr(s, ':') ? strchr(s, ':') : s + size) && out.node == 0))
		abort();
	Sa__Query q = SA__QUERY__INIT;
	sa_series_query(&out, &q);
	free(s);
}

static void model(const uint8_t *data, size_t size)
{
	Sa__Model *pm = sa__model__unpack(NULL, size, data);
	struct fc_model *m = malloc(sizeof(*m));
	struct fc_monitor *mon = malloc(sizeof(*mon));
	const char *why = NULL;
	double f[H], se[H];

	if (pm == NULL)
		goto out;
	memset(m, 0xA5, sizeof(*m));
	int rc = sa_model_decode(pm, m, &why);
	if (rc != 0) {
		const uint8_t *b = (const uint8_t *)m;
		if (rc != -EINVAL || why == NULL)
			abort();
		for (size_t i = 0; i < sizeof(*m); i++) /* untouched on refusal */
			if (b[i] != 0xA5)
				abort();
		goto out;
	}
	if (fc_path(m, H, f, se) != 0)
		goto out;
	for (unsigned i = 0; i < H; i++)
		if (!isfinite(f[i]) || !isfinite(se[i]) || se[i] < 0)
			abort();
	static const double hostile[] = {0.0, 1e300, -1e300, 1e-300, NAN, INFINITY, 42.0, -7.5};
	fc_monitor_init(mon, m, 4.0, 1, 24);
	for (unsigned i = 0; i < H; i++) {
		struct fc_verdict v;
		fc_monitor_step(mon, hostile[i % 8], &v);
		if (!isfinite(v.forecast) || !isfinite(v.lo) || !isfinite(v.hi) || v.lo > v.hi)
			abort();
	}
out:
	sa__model__free_unpacked(pm, NULL);
	free(m);
	free(mon);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] % 2 == 0)
		series(data + 1, size - 1);
	else
		model(data + 1, size - 1);
	return 0;
}
