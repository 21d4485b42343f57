/* Forests between their wire form (sa.proto TreeEnsemble) and cls_forest.
 *
 * The one judge of forest bytes from outside: the aggregator (stored or
 * pushed classifiers) and the CLI decode through here, so a corrupt or
 * hostile forest is refused the same way everywhere, with the reason,
 * and an accepted one can be scored without reading out of bounds. */
#ifndef SA_CLASSIFIER_WIRE_H
#define SA_CLASSIFIER_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "cls_forest.h"
#include "sa.pb-c.h"

/* Points m (initialised here) at f's arrays: m must not outlive f, and
 * must not be freed with sa__tree_ensemble__free_unpacked. Returns 0, or
 * -EINVAL for a forest that is empty or has more nodes than the cap. */
int sa_forest_pack(const struct cls_forest *f, Sa__TreeEnsemble *m);

/* Copies m into *f after checking it all: margins 1..256 with one base
 * margin each, at least one tree, equal array lengths, at most
 * CLS_FOREST_MAX_NODES nodes, then the structure (cls_forest_validate:
 * roots, children inside their tree and after their parent, features
 * below n_features_available, finite thresholds, leaves and base margins),
 * and a stated depth no smaller than the real one. Leaves' thresholds
 * and features on the wire are ignored; depth is the real one.
 * Returns 0; -EINVAL with the reason in err (errlen bytes), or -ENOMEM.
 * *f is written only on success; free it with cls_forest_free. */
int sa_forest_unpack(const Sa__TreeEnsemble *m, uint32_t n_features_available,
		     struct cls_forest *f, char *err, size_t errlen);

#endif
