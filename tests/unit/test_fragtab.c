/* Fragment table: later fragments get their first fragment's ports, and
 * only theirs: other datagrams, a missed first fragment, an expired entry. */
#include <string.h>

#include "check.h"
#include "fragtab.h"

static struct pkt_meta frag(uint32_t id, uint16_t offset, int with_l4)
{
	struct pkt_meta m;

	memset(&m, 0, sizeof(m));
	m.l3 = PKT_L3_IPV4;
	m.proto = 17;
	m.src[0] = 10, m.src[3] = 1;
	m.dst[0] = 10, m.dst[3] = 2;
	m.frag_id = id;
	m.frag_off = offset;
	m.flags = PKT_F_FRAGMENT | (offset ? PKT_F_LATER_FRAGMENT : 0) | (with_l4 ? PKT_F_HAS_L4 : 0);
	if (with_l4) {
		m.sport = 2049;
		m.dport = 789;
	}
	return m;
}

int main(void)
{
	struct fragtab *t = fragtab_new(64);
	const uint64_t s = 1000000000ULL;

	CHECK(t != NULL);
	check_context = "first, then later fragments";
	struct pkt_meta m = frag(7, 0, 1);
	CHECK(!fragtab_resolve(t, &m, 10 * s));
	m = frag(7, 1480, 0);
	CHECK(fragtab_resolve(t, &m, 10 * s + 5));
	CHECK_EQ(m.sport, 2049);
	CHECK_EQ(m.dport, 789);

	check_context = "another datagram, another protocol, other addresses";
	m = frag(8, 1480, 0);
	CHECK(!fragtab_resolve(t, &m, 10 * s));
	CHECK_EQ(m.sport, 0);
	m = frag(7, 1480, 0);
	m.proto = 6;
	CHECK(!fragtab_resolve(t, &m, 10 * s));
	m = frag(7, 1480, 0);
	m.dst[3] = 3;
	CHECK(!fragtab_resolve(t, &m, 10 * s));

	check_context = "reordered slightly, then expired";
	m = frag(7, 2960, 0);
	CHECK(fragtab_resolve(t, &m, 10 * s - 1000)); /* stamped before its first fragment */
	m = frag(7, 2960, 0);
	CHECK(!fragtab_resolve(t, &m, 10 * s + FRAGTAB_TTL_NS + 1));

	check_context = "not fragments";
	m = frag(7, 0, 1);
	m.flags = PKT_F_HAS_L4;
	m.sport = 53;
	CHECK(!fragtab_resolve(t, &m, 10 * s));
	CHECK_EQ(m.sport, 53);

	check_context = "bad sizes";
	CHECK(fragtab_new(0) == NULL);
	CHECK(fragtab_new((1u << 24) + 1) == NULL);
	fragtab_destroy(&t);
	CHECK(t == NULL);
	return check_summary();
}
