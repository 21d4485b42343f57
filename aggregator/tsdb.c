#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include <rocksdb/c.h>

#include "sa_log.h"
#include "sa_time.h"
#include "tsdb.h"

/* Clock reads are not free: the deadline is checked every this many steps. */
#define DEADLINE_EVERY 64

static _Thread_local uint64_t deadline_ns;
static _Thread_local bool deadline_hit;
/* The calling thread's view (tsdb_view_begin): one snapshot for all its reads. */
static _Thread_local const rocksdb_snapshot_t *view;
static _Thread_local rocksdb_readoptions_t *view_ro;

static const char *const cf_names[TSDB_CF_COUNT] = {
	"series", "hist", "topk", "flows", "ingest", "models", "flowidx", "dims", "monitor", "alerts",
};

/* A column family whose keys expire at compaction (tsdb_key_time_fn). */
struct expiry {
	tsdb_key_time_fn key_time;
	_Atomic uint64_t cut_ns;
	rocksdb_compactionfilter_t *filter;
};

struct tsdb {
	rocksdb_t *db;
	rocksdb_options_t *opts;
	rocksdb_options_t *cf_opts[TSDB_CF_COUNT];
	rocksdb_column_family_handle_t *cf[TSDB_CF_COUNT + 1]; /* +1: "default" */
	rocksdb_writeoptions_t *wopts;
	rocksdb_readoptions_t *ropts;
	atomic_bool write_failed; /* RocksDB must not be written again until reopened */
	char *path;
	uint64_t min_free;        /* bytes the disk must keep free for a write to go ahead */
	struct expiry expiry[TSDB_CF_COUNT];
};

/* A batch's puts and merges wait here and go into the RocksDB batch in
 * (column family, key) order when it is written. Why: a write's cost is
 * its memtable inserts, and a skiplist insert next to the previous one
 * reuses its search path, while a flow's index keys (by address and port)
 * land all over the key space (bench/RESULTS.md). Ops on one key keep
 * their order (the sort is stable), and a range delete is a barrier:
 * what came before it is added first. */
struct pending {
	uint32_t off, klen, vlen; /* key then value at bytes + off */
	uint32_t seq;             /* order of arrival, for stability */
	uint8_t cf, merge;
};

struct tsdb_batch {
	rocksdb_writebatch_t *wb;
	struct pending *op;
	size_t n_op, cap_op;
	uint8_t *bytes;
	size_t n_bytes, cap_bytes;
	bool failed; /* out of memory while buffering: tsdb_write refuses */
};

struct tsdb_iter {
	struct tsdb *db;
	rocksdb_iterator_t *it;
	const rocksdb_snapshot_t *snap;
	rocksdb_readoptions_t *ro;
	unsigned steps;
	char *bound;       /* [from, to) copy: from for reverse scans, to for forward */
	size_t bound_len;
	bool reverse, started;
};

/* RocksDB calls merge operators through these trampolines; the state is
 * our tsdb_merge_fn. */
static char *full_merge(void *state, const char *key, size_t klen, const char *existing,
			size_t existing_len, const char *const *ops, const size_t *op_lens,
			int n_ops, unsigned char *success, size_t *out_len)
{
	tsdb_merge_fn fn = (tsdb_merge_fn)state;
	char *out;

	(void)key;
	(void)klen;
	out = fn(existing, existing_len, ops, op_lens, n_ops, out_len);
	*success = out != NULL;
	return out;
}

static char *partial_merge(void *state, const char *key, size_t klen, const char *const *ops,
			   const size_t *op_lens, int n_ops, unsigned char *success, size_t *out_len)
{
	return full_merge(state, key, klen, NULL, 0, ops, op_lens, n_ops, success, out_len);
}

static void merge_free(void *state, const char *value, size_t len)
{
	(void)state;
	(void)len;
	free((void *)value);
}

static unsigned char expiry_filter(void *state, int level, const char *key, size_t klen,
				   const char *val, size_t vlen, char **new_val, size_t *new_len,
				   unsigned char *changed)
{
	struct expiry *e = state;

	(void)level;
	(void)new_val;
	(void)new_len;
	*changed = 0;
	return e->key_time((const uint8_t *)key, klen, (const uint8_t *)val, vlen) <
	       atomic_load(&e->cut_ns); /* 1: drop */
}

static const char *expiry_name(void *state)
{
	(void)state;
	return "sa.expiry.v1";
}

void tsdb_set_expiry(struct tsdb *db, enum tsdb_cf cf, uint64_t cut_ns)
{
	atomic_store(&db->expiry[cf].cut_ns, cut_ns);
}

static const char *merge_name(void *state)
{
	(void)state;
	return "sa.merge.v1";
}

static void noop_destructor(void *state)
{
	(void)state;
}

static bool check(char *err, const char *what)
{
	if (err == NULL)
		return true;
	/* A full disk fails every write the same way: say it, not a flood. */
	SA_LOG_RL(SA_LOG_ERR, "tsdb", "%s: %s", what, err);
	rocksdb_free(err);
	return false;
}

struct tsdb *tsdb_open(const char *path, bool sync, const tsdb_merge_fn merge[TSDB_CF_COUNT],
		       const tsdb_key_time_fn key_time[TSDB_CF_COUNT], uint64_t min_free)
{
	struct tsdb *t = calloc(1, sizeof(*t));
	const char *names[TSDB_CF_COUNT + 1];
	const rocksdb_options_t *opts[TSDB_CF_COUNT + 1];
	char *err = NULL;

	if (t == NULL)
		return NULL;
	t->min_free = min_free;
	if ((t->path = strdup(path)) == NULL) {
		free(t);
		return NULL;
	}
	t->opts = rocksdb_options_create();
	rocksdb_options_set_create_if_missing(t->opts, 1);
	rocksdb_options_set_create_missing_column_families(t->opts, 1);
	rocksdb_options_increase_parallelism(t->opts, 2);
	/* Compactions run niced: on a box with as many cores as threads a
	 * query waited behind them, while they only need the idle time. */
	rocksdb_env_t *env = rocksdb_create_default_env();
	if (env != NULL) {
		rocksdb_env_lower_thread_pool_cpu_priority(env);
		rocksdb_env_destroy(env); /* the wrapper only: the default env lives on */
	}
	rocksdb_options_set_compression(t->opts, rocksdb_lz4_compression);
	/* One writer thread; and the flow index's vector memtable needs it. */
	rocksdb_options_set_allow_concurrent_memtable_write(t->opts, 0);
	for (int i = 0; i < TSDB_CF_COUNT; i++) {
		t->cf_opts[i] = rocksdb_options_create_copy(t->opts);
		if (merge[i] != NULL) {
			rocksdb_options_set_merge_operator(t->cf_opts[i],
				rocksdb_mergeoperator_create((void *)merge[i], noop_destructor, full_merge,
							     partial_merge, merge_free, merge_name));
			/* A key with more operands than this in the memtable is
			 * merged at write time: recent rows, which every node adds
			 * to, stay cheap to read (bench/RESULTS.md). Not dims or the
			 * flow index: their keys take a few operands each, and
			 * counting them costs a memtable seek per merge. */
			if (i != TSDB_DIMS && i != TSDB_FLOWIDX)
				rocksdb_options_set_max_successive_merges(t->cf_opts[i], 16);
		}
		/* The flow index takes two or three merges per flow record,
		 * and their skiplist inserts were a large part of the writer's
		 * time. Its keys are only read in range scans by queries, so
		 * its memtable is a vector, appended to and sorted when read or
		 * flushed: ingest 16-31 % faster. A read sorts a copy of the
		 * mutable memtable, so it stays small (8 MB): a 1-hour flows
		 * query on a just-filled store took 43 ms, not 649 ms as with
		 * the default 64 MB (bench/RESULTS.md). */
		if (i == TSDB_FLOWIDX) {
			rocksdb_options_set_memtable_vector_rep(t->cf_opts[i]);
			rocksdb_options_set_write_buffer_size(t->cf_opts[i], 8 << 20);
		}
		if (key_time[i] != NULL) {
			struct expiry *e = &t->expiry[i];
			e->key_time = key_time[i];
			e->filter = rocksdb_compactionfilter_create(e, noop_destructor, expiry_filter, expiry_name);
			rocksdb_options_set_compaction_filter(t->cf_opts[i], e->filter);
		}
		names[i] = cf_names[i];
		opts[i] = t->cf_opts[i];
	}
	names[TSDB_CF_COUNT] = "default";
	opts[TSDB_CF_COUNT] = t->opts;
	t->db = rocksdb_open_column_families(t->opts, path, TSDB_CF_COUNT + 1, names, opts, t->cf, &err);
	if (!check(err, path)) {
		tsdb_close(&t);
		return NULL;
	}
	t->wopts = rocksdb_writeoptions_create();
	rocksdb_writeoptions_set_sync(t->wopts, sync);
	t->ropts = rocksdb_readoptions_create();
	return t;
}

void tsdb_close(struct tsdb **tp)
{
	struct tsdb *t = *tp;

	if (t == NULL)
		return;
	if (t->db != NULL) {
		for (int i = 0; i <= TSDB_CF_COUNT; i++)
			if (t->cf[i] != NULL)
				rocksdb_column_family_handle_destroy(t->cf[i]);
		rocksdb_close(t->db);
	}
	for (int i = 0; i < TSDB_CF_COUNT; i++) {
		if (t->cf_opts[i] != NULL)
			rocksdb_options_destroy(t->cf_opts[i]);
		if (t->expiry[i].filter != NULL)
			rocksdb_compactionfilter_destroy(t->expiry[i].filter);
	}
	if (t->opts)
		rocksdb_options_destroy(t->opts);
	if (t->wopts)
		rocksdb_writeoptions_destroy(t->wopts);
	if (t->ropts)
		rocksdb_readoptions_destroy(t->ropts);
	free(t->path);
	free(t);
	*tp = NULL;
}

struct tsdb_batch *tsdb_batch_new(void)
{
	struct tsdb_batch *b = calloc(1, sizeof(*b));

	if (b != NULL && (b->wb = rocksdb_writebatch_create()) == NULL) {
		free(b);
		return NULL;
	}
	return b;
}

void tsdb_batch_destroy(struct tsdb_batch **bp)
{
	if (*bp == NULL)
		return;
	rocksdb_writebatch_destroy((*bp)->wb);
	free((*bp)->op);
	free((*bp)->bytes);
	free(*bp);
	*bp = NULL;
}

void tsdb_batch_clear(struct tsdb_batch *b)
{
	rocksdb_writebatch_clear(b->wb);
	b->n_op = b->n_bytes = 0;
	b->failed = false;
}

/* buf grown to hold need items of size bytes (doubling), or NULL when out
 * of memory (buf is then still valid and still the caller's). */
static void *grow(void *buf, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return buf;
	size_t c = *cap ? *cap : 1024;
	while (c < need)
		c *= 2;
	void *p = realloc(buf, c * size);
	if (p != NULL)
		*cap = c;
	return p;
}

static void pend(struct tsdb_batch *b, enum tsdb_cf cf, bool merge, const void *key, size_t klen,
		 const void *val, size_t vlen)
{
	size_t need = b->n_bytes + klen + vlen;
	struct pending *op = NULL;
	uint8_t *bytes = NULL;

	if (!b->failed && need <= UINT32_MAX && (op = grow(b->op, &b->cap_op, b->n_op + 1, sizeof(*op))))
		b->op = op;
	if (op && (bytes = grow(b->bytes, &b->cap_bytes, need, 1)))
		b->bytes = bytes;
	if (bytes == NULL) {
		b->failed = true;
		return;
	}
	b->op[b->n_op] = (struct pending){.off = (uint32_t)b->n_bytes, .klen = (uint32_t)klen,
					  .vlen = (uint32_t)vlen, .seq = (uint32_t)b->n_op, .cf = (uint8_t)cf,
					  .merge = merge};
	b->n_op++;
	memcpy(b->bytes + b->n_bytes, key, klen);
	memcpy(b->bytes + b->n_bytes + klen, val, vlen);
	b->n_bytes = need;
}

void tsdb_batch_put(struct tsdb_batch *b, struct tsdb *db, enum tsdb_cf cf,
		    const void *key, size_t klen, const void *val, size_t vlen)
{
	(void)db;
	pend(b, cf, false, key, klen, val, vlen);
}

void tsdb_batch_merge(struct tsdb_batch *b, struct tsdb *db, enum tsdb_cf cf,
		      const void *key, size_t klen, const void *val, size_t vlen)
{
	(void)db;
	pend(b, cf, true, key, klen, val, vlen);
}

static _Thread_local const uint8_t *sort_bytes;

static int pending_order(const void *x, const void *y)
{
	const struct pending *a = x, *b = y;

	if (a->cf != b->cf)
		return a->cf < b->cf ? -1 : 1;
	int c = memcmp(sort_bytes + a->off, sort_bytes + b->off, a->klen < b->klen ? a->klen : b->klen);
	if (c == 0 && a->klen != b->klen)
		c = a->klen < b->klen ? -1 : 1;
	return c ? c : a->seq < b->seq ? -1 : 1;
}

/* Moves the pending ops into the RocksDB batch, sorted. */
static void settle_pending(struct tsdb_batch *b, struct tsdb *db)
{
	sort_bytes = b->bytes;
	if (b->n_op > 1) /* op is NULL until the first op */
		qsort(b->op, b->n_op, sizeof(*b->op), pending_order);
	for (size_t i = 0; i < b->n_op; i++) {
		const struct pending *p = &b->op[i];
		const char *k = (const char *)b->bytes + p->off;
		if (p->merge)
			rocksdb_writebatch_merge_cf(b->wb, db->cf[p->cf], k, p->klen, k + p->klen, p->vlen);
		else
			rocksdb_writebatch_put_cf(b->wb, db->cf[p->cf], k, p->klen, k + p->klen, p->vlen);
	}
	b->n_op = b->n_bytes = 0;
}

/* After a failed write (a full disk, an I/O error) RocksDB keeps the
 * error and refuses writes until the database is reopened, and Debian's
 * build aborts on an assertion when its WAL writer is used again. So the
 * disk's free space is checked before every write, keeping RocksDB out of
 * that state, and a write that fails anyway closes the store to writes for
 * the life of the process. Returns 0, -ENOSPC (try again later) or -EIO. */
static int writable(struct tsdb *db)
{
	struct statvfs fs;

	if (atomic_load(&db->write_failed)) {
		SA_LOG_RL(SA_LOG_ERR, "tsdb", "the store refuses writes since one failed: fix the disk, "
			  "then restart sa-aggregator (nothing unacknowledged is lost)");
		return -EIO;
	}
	if (db->min_free && statvfs(db->path, &fs) == 0 &&
	    (uint64_t)fs.f_bavail * fs.f_frsize < db->min_free) {
		SA_LOG_RL(SA_LOG_ERR, "tsdb", "%s has %llu MB free, below --min-free %llu MB: writes wait "
			  "for space (nodes keep what is not acknowledged)", db->path,
			  (unsigned long long)((uint64_t)fs.f_bavail * fs.f_frsize >> 20),
			  (unsigned long long)(db->min_free >> 20));
		return -ENOSPC;
	}
	return 0;
}

int tsdb_write(struct tsdb *db, struct tsdb_batch *b)
{
	char *err = NULL;
	int rc = writable(db);

	if (rc != 0)
		return rc;
	if (b->failed) {
		SA_LOG_RL(SA_LOG_ERR, "tsdb", "write batch: out of memory");
		return -ENOMEM;
	}
	settle_pending(b, db);
	rocksdb_write(db->db, db->wopts, b->wb, &err);
	if (check(err, "write"))
		return 0;
	atomic_store(&db->write_failed, true);
	return -EIO;
}

void tsdb_batch_delete_range(struct tsdb_batch *b, struct tsdb *db, enum tsdb_cf cf,
			     const void *from, size_t from_len, const void *to, size_t to_len)
{
	settle_pending(b, db);
	rocksdb_writebatch_delete_range_cf(b->wb, db->cf[cf], from, from_len, to, to_len);
}

int tsdb_compact(struct tsdb *db)
{
	rocksdb_flushoptions_t *fo;
	char *err = NULL;
	bool ok = true;

	if (writable(db) != 0)
		return -EIO;
	fo = rocksdb_flushoptions_create();
	rocksdb_flushoptions_set_wait(fo, 1);
	for (int i = 0; i < TSDB_CF_COUNT && ok; i++) {
		rocksdb_flush_cf(db->db, fo, db->cf[i], &err);
		ok = check(err, "flush");
		if (ok)
			rocksdb_compact_range_cf(db->db, db->cf[i], NULL, 0, NULL, 0);
	}
	rocksdb_flushoptions_destroy(fo);
	return ok ? 0 : -EIO;
}

uint64_t tsdb_cf_property(struct tsdb *db, enum tsdb_cf cf, const char *name)
{
	uint64_t v = 0;

	return rocksdb_property_int_cf(db->db, db->cf[cf], name, &v) == 0 ? v : 0;
}

uint64_t tsdb_range_bytes(struct tsdb *db, enum tsdb_cf cf, const void *from, size_t from_len,
			  const void *to, size_t to_len)
{
	const char *f = from, *t = to;
	uint64_t size = 0;
	char *err = NULL;

	rocksdb_approximate_sizes_cf(db->db, db->cf[cf], 1, &f, &from_len, &t, &to_len, &size, &err);
	return check(err, "size") ? size : 0;
}

int tsdb_get(struct tsdb *db, enum tsdb_cf cf, const void *key, size_t klen, char **val, size_t *vlen)
{
	char *err = NULL;
	char *v = rocksdb_get_cf(db->db, view_ro ? view_ro : db->ropts, db->cf[cf], key, klen, vlen, &err);

	if (!check(err, "get"))
		return -EIO;
	if (v == NULL)
		return -ENOENT;
	*val = v;
	return 0;
}

static struct tsdb_iter *iter_new(struct tsdb *db, enum tsdb_cf cf, const void *from, size_t from_len,
				  const void *to, size_t to_len, bool reverse)
{
	struct tsdb_iter *it = calloc(1, sizeof(*it));
	const void *bound = reverse ? from : to;
	size_t blen = reverse ? from_len : to_len;

	if (it == NULL)
		return NULL;
	it->db = db;
	it->reverse = reverse;
	it->snap = view ? NULL : rocksdb_create_snapshot(db->db);
	it->ro = rocksdb_readoptions_create();
	rocksdb_readoptions_set_snapshot(it->ro, view ? view : it->snap);
	if (bound != NULL) {
		it->bound = malloc(blen ? blen : 1);
		memcpy(it->bound, bound, blen);
		it->bound_len = blen;
	}
	it->it = rocksdb_create_iterator_cf(db->db, it->ro, db->cf[cf]);
	if (!reverse) {
		rocksdb_iter_seek(it->it, from, from_len);
	} else if (to != NULL) {
		rocksdb_iter_seek_for_prev(it->it, to, to_len);
		/* seek_for_prev lands on `to` itself when present; the range excludes it. */
		size_t kl;
		const char *k = rocksdb_iter_valid(it->it) ? rocksdb_iter_key(it->it, &kl) : NULL;
		if (k != NULL && kl == to_len && memcmp(k, to, kl) == 0)
			rocksdb_iter_prev(it->it);
	} else {
		rocksdb_iter_seek_to_last(it->it);
	}
	return it;
}

struct tsdb_iter *tsdb_iter_new(struct tsdb *db, enum tsdb_cf cf, const void *from, size_t from_len,
				const void *to, size_t to_len)
{
	return iter_new(db, cf, from, from_len, to, to_len, false);
}

struct tsdb_iter *tsdb_iter_new_reverse(struct tsdb *db, enum tsdb_cf cf, const void *from,
					size_t from_len, const void *to, size_t to_len)
{
	return iter_new(db, cf, from, from_len, to, to_len, true);
}

static int key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c ? c : (alen > blen) - (alen < blen);
}

void tsdb_deadline_set(uint64_t ns)
{
	deadline_ns = ns;
	deadline_hit = false;
}

bool tsdb_deadline_hit(void)
{
	return deadline_hit;
}

bool tsdb_iter_next(struct tsdb_iter *it, const uint8_t **key, size_t *klen,
		    const uint8_t **val, size_t *vlen)
{
	if (deadline_ns && ++it->steps % DEADLINE_EVERY == 0 && sa_mono_ns() > deadline_ns)
		deadline_hit = true;
	if (deadline_hit)
		return false;
	if (it->started) {
		if (it->reverse)
			rocksdb_iter_prev(it->it);
		else
			rocksdb_iter_next(it->it);
	}
	it->started = true;
	if (!rocksdb_iter_valid(it->it)) {
		char *err = NULL;
		rocksdb_iter_get_error(it->it, &err);
		check(err, "scan");
		return false;
	}
	const char *k = rocksdb_iter_key(it->it, klen);
	if (it->bound != NULL) {
		int c = key_cmp(k, *klen, it->bound, it->bound_len);
		if (it->reverse ? c < 0 : c >= 0)
			return false;
	}
	*key = (const uint8_t *)k;
	*val = (const uint8_t *)rocksdb_iter_value(it->it, vlen);
	return true;
}

void tsdb_view_begin(struct tsdb *db)
{
	tsdb_view_end(db);
	view = rocksdb_create_snapshot(db->db);
	view_ro = rocksdb_readoptions_create();
	rocksdb_readoptions_set_snapshot(view_ro, view);
}

void tsdb_view_end(struct tsdb *db)
{
	if (view == NULL)
		return;
	rocksdb_readoptions_destroy(view_ro);
	rocksdb_release_snapshot(db->db, view);
	view = NULL;
	view_ro = NULL;
}

void tsdb_iter_destroy(struct tsdb_iter **itp)
{
	struct tsdb_iter *it = *itp;

	if (it == NULL)
		return;
	rocksdb_iter_destroy(it->it);
	rocksdb_readoptions_destroy(it->ro);
	if (it->snap != NULL)
		rocksdb_release_snapshot(it->db->db, it->snap);
	free(it->bound);
	free(it);
	*itp = NULL;
}
