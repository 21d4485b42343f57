/* Live comparison of a series with its model (see fc_monitor.h). */
#include "fc_monitor.h"

#include <assert.h>
#include <math.h>

void fc_monitor_init(struct fc_monitor *mon, const struct fc_model *m, double z, unsigned need,
		     unsigned window)
{
	assert(mon && m && z > 0 && need >= 1 && window >= 1);
	mon->model = *m;
	mon->z = z;
	mon->need = need;
	mon->window = window;
	mon->run = 0;
	mon->live_mae = NAN;
	mon->seen = 0;
}

void fc_monitor_step(struct fc_monitor *mon, double y, struct fc_verdict *v)
{
	double f = fc_next(&mon->model), w = mon->z * fc_next_sd(&mon->model);

	v->forecast = f;
	v->lo = isfinite(f - w) ? f - w : f;
	v->hi = isfinite(f + w) ? f + w : f;
	v->outside = v->alert = 0;
	v->error = 0.0;
	if (!isfinite(y)) {
		fc_update(&mon->model, NAN);
		return;
	}
	v->error = y - f;
	if (!isfinite(v->error))
		v->error = 0.0;
	v->outside = y < v->lo || y > v->hi;
	mon->run = v->outside ? mon->run + 1 : 0;
	v->alert = mon->run == mon->need;
	/* An outside value counts in the live error as the bound it crossed
	 * (alerts report anomalies; the live error tracks the fit), and the
	 * model steps over it as over a gap, unless the run has lasted
	 * FC_MONITOR_HOLD intervals: then it is the new normal. */
	double kept = v->outside ? fmin(fmax(y, v->lo), v->hi) : y;
	double a = 1.0 / mon->window, e = fabs(kept - f);
	mon->live_mae = isfinite(mon->live_mae) ? mon->live_mae + a * (e - mon->live_mae) : e;
	mon->seen++;
	fc_update(&mon->model, v->outside && mon->run <= FC_MONITOR_HOLD ? NAN : y);
}

int fc_monitor_drifting(const struct fc_monitor *mon, double backtest_mae, double drift)
{
	return mon->seen >= mon->window && (mon->run == 0 || mon->run > FC_MONITOR_HOLD) &&
	       backtest_mae > 0 && isfinite(mon->live_mae) && mon->live_mae > drift * backtest_mae;
}
