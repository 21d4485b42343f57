/* DESIGN: see appid.h. The pool is one array of nDPI flow structs with a
 * stack of free indices; the per-flow-slot array maps a flow-table slot to
 * its pool index while inspecting, and holds the result after. nDPI's flow
 * struct is opaque in size (ndpi_detection_get_sizeof_ndpi_flow_struct),
 * so pool entries are that size rounded up to a cache line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ndpi_api.h>

#include "appid.h"

#define NIL UINT32_MAX

struct appid_flow {
	uint32_t pool;      /* pool index while inspecting, else NIL */
	uint16_t master, app;
	uint8_t packets;    /* given to nDPI so far */
	uint8_t found;      /* a protocol was found */
};

struct appid {
	struct ndpi_detection_module_struct *mod;
	uint8_t *pool;          /* n_pool entries of `stride` bytes */
	size_t stride;
	uint32_t *free_idx;     /* stack of free pool indices */
	uint32_t n_free, n_pool;
	struct appid_flow *flow; /* per flow-table slot */
	uint32_t flow_slots;
	struct appid_stats st;
};

/* nDPI's allocations, counted per thread (one worker per thread). */
static __thread uint64_t tl_allocs, tl_frees;

static void *count_malloc(size_t n)
{
	tl_allocs++;
	return malloc(n);
}

static void count_free(void *p)
{
	tl_frees += p != NULL;
	free(p);
}

void appid_global_init(void)
{
	set_ndpi_malloc(count_malloc);
	set_ndpi_free(count_free);
}

struct appid *appid_new(uint32_t pool, uint32_t flow_slots)
{
	struct appid *a = calloc(1, sizeof(*a));
	NDPI_PROTOCOL_BITMASK all;

	if (a == NULL)
		goto fail;
	a->mod = ndpi_init_detection_module(ndpi_no_prefs);
	if (a->mod == NULL)
		goto fail;
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(a->mod, &all);
	ndpi_finalize_initialization(a->mod);
	a->stride = ((size_t)ndpi_detection_get_sizeof_ndpi_flow_struct() + 63) & ~(size_t)63;
	a->n_pool = pool;
	a->flow_slots = flow_slots;
	a->pool = aligned_alloc(64, a->stride * (pool ? pool : 1));
	a->free_idx = malloc(sizeof(*a->free_idx) * (pool ? pool : 1));
	a->flow = malloc(sizeof(*a->flow) * (size_t)flow_slots); /* entries set by appid_start */
	if (a->pool == NULL || a->free_idx == NULL || a->flow == NULL)
		goto fail;
	memset(a->pool, 0, a->stride * pool); /* touch it now, not on the data path */
	for (uint32_t i = 0; i < pool; i++)
		a->free_idx[i] = pool - 1 - i;
	a->n_free = pool;
	return a;
fail:
	fprintf(stderr, "appid: cannot set up nDPI with %u flow states\n", pool);
	appid_destroy(&a);
	return NULL;
}

void appid_destroy(struct appid **ap)
{
	struct appid *a = *ap;

	if (a == NULL)
		return;
	/* States still in use hold nDPI's strings. */
	if (a->pool != NULL && a->free_idx != NULL && a->n_free < a->n_pool) {
		uint8_t *used = calloc(a->n_pool, 1);
		for (uint32_t i = 0; used && i < a->n_free; i++)
			used[a->free_idx[i]] = 1;
		for (uint32_t i = 0; used && i < a->n_pool; i++)
			if (!used[i])
				ndpi_free_flow_data((struct ndpi_flow_struct *)(a->pool + i * a->stride));
		free(used);
	}
	if (a->mod != NULL)
		ndpi_exit_detection_module(a->mod);
	free(a->pool);
	free(a->free_idx);
	free(a->flow);
	free(a);
	*ap = NULL;
}

static inline struct ndpi_flow_struct *state_of(struct appid *a, uint32_t idx)
{
	return (struct ndpi_flow_struct *)(a->pool + idx * a->stride);
}

bool appid_start(struct appid *a, uint32_t slot)
{
	struct appid_flow *f = &a->flow[slot];

	if (a->n_free == 0) {
		a->st.pool_full++;
		return false;
	}
	f->pool = a->free_idx[--a->n_free];
	f->master = f->app = 0;
	f->packets = 0;
	f->found = 0;
	memset(state_of(a, f->pool), 0, a->stride);
	a->st.flows++;
	return true;
}

static void set_result(struct appid *a, struct appid_flow *f, ndpi_protocol p)
{
	f->master = p.master_protocol;
	f->app = p.app_protocol;
	f->found = p.app_protocol != NDPI_PROTOCOL_UNKNOWN || p.master_protocol != NDPI_PROTOCOL_UNKNOWN;
	a->st.detected += f->found;
}

/* Ends inspection: the state's strings go back to the heap, the slot to
 * the pool. */
static void release(struct appid *a, struct appid_flow *f)
{
	ndpi_free_flow_data(state_of(a, f->pool));
	a->free_idx[a->n_free++] = f->pool;
	f->pool = NIL;
}

static void give_up(struct appid *a, struct appid_flow *f)
{
	uint8_t guessed = 0;
	ndpi_protocol p = ndpi_detection_giveup(a->mod, state_of(a, f->pool), 1, &guessed);

	if (guessed) /* from the ports alone: not what we were asked for */
		p.master_protocol = p.app_protocol = NDPI_PROTOCOL_UNKNOWN;
	set_result(a, f, p);
	release(a, f);
}

bool appid_packet(struct appid *a, uint32_t slot, const uint8_t *l3, uint32_t len, uint64_t ts_ns,
		  bool *found)
{
	struct appid_flow *f = &a->flow[slot];
	ndpi_protocol p;

	if (f->pool == NIL)
		return false;
	if (len > UINT16_MAX)
		len = UINT16_MAX;
	p = ndpi_detection_process_packet(a->mod, state_of(a, f->pool), l3, (unsigned short)len,
					  ts_ns / 1000000);
	a->st.packets++;
	if (p.app_protocol != NDPI_PROTOCOL_UNKNOWN || p.master_protocol != NDPI_PROTOCOL_UNKNOWN) {
		set_result(a, f, p);
		release(a, f);
		*found = f->found;
		return false;
	}
	if (++f->packets >= APPID_MAX_PACKETS) {
		give_up(a, f);
		*found = f->found;
		return false;
	}
	return true;
}

bool appid_end(struct appid *a, uint32_t slot, uint16_t *master, uint16_t *app)
{
	struct appid_flow *f = &a->flow[slot];

	if (f->pool != NIL)
		give_up(a, f);
	*master = f->master;
	*app = f->app;
	return f->found;
}

const char *appid_name(const struct appid *a, uint16_t master, uint16_t app, char *buf, size_t len)
{
	ndpi_protocol p = {.master_protocol = master, .app_protocol = app};

	if (app == NDPI_PROTOCOL_UNKNOWN) { /* only the master was found: name it alone */
		p.app_protocol = master;
		p.master_protocol = NDPI_PROTOCOL_UNKNOWN;
	}

	return ndpi_protocol2name(a->mod, p, buf, (u_int)len);
}

void appid_stats_get(const struct appid *a, struct appid_stats *st)
{
	*st = a->st;
	st->allocs = tl_allocs;
	st->frees = tl_frees;
}
