/* DESIGN: one slot per hash value, overwritten by the newest first
 * fragment that maps there; a slot matches only on the whole key, so a
 * collision loses an attribution, never makes a wrong one. */
#include <stdlib.h>
#include <string.h>

#include "fragtab.h"
#include "sa_flowkey.h"

struct frag_slot {
	uint8_t src[16], dst[16];
	uint64_t ts_ns;         /* the first fragment's capture time; 0: empty */
	uint32_t id;
	uint16_t sport, dport;
	uint8_t l3, proto;
};

struct fragtab {
	struct frag_slot *slot;
	uint32_t mask;
};

struct fragtab *fragtab_new(unsigned slots)
{
	struct fragtab *t;
	uint32_t n = 1;

	if (slots == 0 || slots > (1u << 24))
		return NULL;
	while (n < slots)
		n <<= 1;
	if ((t = malloc(sizeof(*t))) == NULL)
		return NULL;
	t->mask = n - 1;
	if ((t->slot = calloc(n, sizeof(*t->slot))) == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

void fragtab_destroy(struct fragtab **tp)
{
	if (*tp == NULL)
		return;
	free((*tp)->slot);
	free(*tp);
	*tp = NULL;
}

static uint32_t slot_of(const struct fragtab *t, const struct pkt_meta *m)
{
	uint64_t w[4];

	memcpy(w, m->src, 16);
	memcpy(w + 2, m->dst, 16);
	return (uint32_t)sa_mix64(w[0] ^ sa_mix64(w[1] ^ sa_mix64(w[2] ^ sa_mix64(w[3] ^ m->frag_id))) ^
				  m->proto) & t->mask;
}

static bool same_datagram(const struct frag_slot *s, const struct pkt_meta *m)
{
	return s->id == m->frag_id && s->proto == m->proto && s->l3 == m->l3 &&
	       memcmp(s->src, m->src, 16) == 0 && memcmp(s->dst, m->dst, 16) == 0;
}

bool fragtab_resolve(struct fragtab *t, struct pkt_meta *m, uint64_t ts_ns)
{
	if (!(m->flags & PKT_F_FRAGMENT))
		return false;
	struct frag_slot *s = &t->slot[slot_of(t, m)];
	if (!(m->flags & PKT_F_LATER_FRAGMENT)) {
		if (m->flags & PKT_F_HAS_L4) {
			memcpy(s->src, m->src, 16);
			memcpy(s->dst, m->dst, 16);
			s->ts_ns = ts_ns ? ts_ns : 1;
			s->id = m->frag_id;
			s->sport = m->sport;
			s->dport = m->dport;
			s->l3 = m->l3;
			s->proto = m->proto;
		}
		return false;
	}
	if (s->ts_ns == 0 || !same_datagram(s, m) || ts_ns > s->ts_ns + FRAGTAB_TTL_NS)
		return false;
	m->sport = s->sport;
	m->dport = s->dport;
	return true;
}
