/* The flow classifier's feature catalogue: one fixed vector of numbers per
 * flow record, the same whether the record came from a capture node or an
 * imported Zeek log, computed the same way when a model is trained and
 * when the aggregator scores live flows.
 *
 * Missing values (an RTT never seen, a second packet that never came, a
 * field a Zeek log does not carry) are imputed with a value no real flow
 * has: -1 for the quantities that cannot be negative, 0 for the signed
 * first packet sizes. Trees separate those at once, and scoring never meets
 * a NaN. */
#ifndef CLS_FEATURES_H
#define CLS_FEATURES_H

#include <stddef.h>

#include "sa.pb-c.h"

#define CLS_FIRST_N 8 /* first packet sizes and gaps in the vector */

enum cls_conn_state {
	CONN_UNKNOWN, CONN_S0, CONN_S1, CONN_SF, CONN_REJ, CONN_S2, CONN_S3, CONN_RSTO,
	CONN_RSTR, CONN_RSTOS0, CONN_RSTRH, CONN_SH, CONN_SHR, CONN_OTH, CONN_STATES
};

extern const size_t cls_feature_count;
extern const char *const cls_feature_names[];

/* The vector of one flow: cls_feature_count values. */
void cls_features(const Sa__FlowRecord *f, float *out);
/* The catalogue index of a feature name, or -1. */
int cls_feature_index(const char *name);

/* Zeek's conn_state of a flow: the log's own when it has one, else
 * derived from the TCP flags each side sent (non-TCP: S0 without a reply,
 * SF with one). */
enum cls_conn_state cls_conn_state(const Sa__FlowRecord *f);
const char *cls_conn_state_name(enum cls_conn_state s);

#endif
