/* Models between their wire form (sa.proto Model) and fc_model.
 *
 * The one place that decides whether a model blob is acceptable: the
 * query validator, the aggregator (stored or pushed models) and capture
 * nodes all decode through here, so a corrupt or incompatible model is
 * refused the same way everywhere, with the reason. */
#ifndef SA_MODEL_WIRE_H
#define SA_MODEL_WIRE_H

#include "fc_model.h"
#include "sa.pb-c.h"

#define SA_MODEL_FORMAT 2 /* 1: single-part models of the first trainer */

/* Decodes pm into *out after checking format, series, step and every part
 * (fc_part_unpack). Returns 0, or -EINVAL with *why set to a static
 * reason; *out is written only on success. */
int sa_model_decode(const Sa__Model *pm, struct fc_model *out, const char **why);

/* Checks a classifier model (series "classifier"): classes, features and
 * forest agree (sa_forest_unpack), metrics are finite and within [0, 1].
 * 0, or -EINVAL with *why set (valid until the next call in this thread). */
int sa_classifier_check(const Sa__Model *pm, const char **why);

/* Storage for the wire form of a model's parts. */
struct sa_model_parts {
	Sa__ModelPart part[2];
	Sa__ModelPart *ptr[2];
	double params[2][FC_MAX_PARAMS];
	double state[2][FC_MAX_STATE];
};

/* Points pm's format and parts at the wire form of m, kept in *buf (which
 * must outlive pm's use). Other fields of pm are left to the caller. */
void sa_model_encode(const struct fc_model *m, Sa__Model *pm, struct sa_model_parts *buf);

#endif
