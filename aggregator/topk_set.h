/* The eight sketches of one row (by bytes and by packets, for
 * source/destination IP and port), and their compact encodings as stored
 * topk values (described in topk_set.c): one sketch per value, as stored
 * now, and all eight in one, as rows were stored before (read only to
 * convert them, see upgrade.h). */
#ifndef TOPK_SET_H
#define TOPK_SET_H

#include <stddef.h>
#include <stdint.h>

#include "sa.pb-c.h"
#include "sa_topk.h"

#define TOPK_WEIGHTS 2 /* 0: bytes, 1: packets */
#define TOPK_DIMS 4

struct topk_set {
	struct sa_topk *sk[TOPK_WEIGHTS][TOPK_DIMS];
};

/* Returns 0 or -ENOMEM; capacity per sketch. */
int topk_set_init(struct topk_set *s, unsigned capacity);
void topk_set_fini(struct topk_set *s);
void topk_set_reset(struct topk_set *s);

/* Offers every entry of src's sketches to dst's, with their errors, and
 * src's untracked weight. */
void topk_set_merge(struct topk_set *dst, const struct topk_set *src);
/* Offers every entry of the decoded interval's sketches. */
void topk_set_add(struct topk_set *s, const Sa__IntervalStats *iv);
/* Decodes a stored value and offers it; -EINVAL (and nothing offered) if
 * it does not decode. */
int topk_set_add_blob(struct topk_set *s, const uint8_t *buf, size_t len);
/* Encodes as one value into a malloc'd buffer; returns its length (0 on failure). */
size_t topk_set_pack(const struct topk_set *s, uint8_t **out);

#define TOPK_SKETCHES (TOPK_WEIGHTS * TOPK_DIMS) /* sketch i: weight i / TOPK_DIMS, dimension i % TOPK_DIMS */
/* One sketch as a stored value (malloc'd; its length, 0 on failure), and
 * back: offers a stored value's entries to dst, or -EINVAL (and nothing
 * offered) if it does not decode. */
size_t topk_sketch_pack(const struct sa_topk *sk, uint8_t **out);
int topk_sketch_add_blob(struct sa_topk *dst, const uint8_t *buf, size_t len);
/* Whether a stored value is one sketch (else, if anything, all eight). */
int topk_blob_is_sketch(const uint8_t *buf, size_t len);

#endif
