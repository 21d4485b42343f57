/* The eight sketches of one stored row (by bytes and by packets, for
 * source/destination IP and port), and their compact encoding as a stored
 * topk value (described in topk_set.c). */
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
/* The same for one of its sketches, weight w (0 bytes, 1 packets) and
 * dimension d, offered to dst. Only that sketch and the other sections'
 * lengths are checked. */
int topk_blob_add_one(struct sa_topk *dst, unsigned w, unsigned d, const uint8_t *buf, size_t len);
/* Encodes as a stored value into a malloc'd buffer; returns its length (0 on failure). */
size_t topk_set_pack(const struct topk_set *s, uint8_t **out);

#endif
