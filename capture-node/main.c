/* sa-capture: EAL start-up, configuration, lcore launch, signals, and the
 * exporter loop on the main lcore. The only place that exits. */
#define _GNU_SOURCE /* nftw; before any header */
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "export.h"
#include "port.h"
#include "sa_time.h"
#include "worker.h"

#define EXIT_USAGE 2
#define EXIT_INPUT 3 /* the capture file could not be read to its end */
#define MODELS_WAIT_S 15 /* the aggregator republishes its models every 10 s */

static volatile bool force_quit;
static volatile bool input_done;

struct options {
	uint32_t node_id;
	const char *aggregator;
	const char *models;          /* the aggregator's PUB endpoint: watch our own models */
	const char *pcap;
	const char *iface;
	const char *file_prefix;
	uint32_t flows;
	uint32_t idle_s, active_s, close_s;
	uint32_t spool;
	uint32_t resend_s, give_up_s;
	uint32_t mbufs, ring;
	uint32_t workers;
	uint32_t first_packets;
	uint32_t talkers;            /* addresses per direction counted exactly per second */
	double ndpi_share;           /* share of flows nDPI labels, 0..1 */
	uint32_t ndpi_flows;         /* flows inspected at once per worker */
	bool lossy;
	uint32_t replay_s;           /* benchmark: loop the file for this long */
	uint32_t mem_mb;             /* EAL memory (no hugepages), sized from the pool */
	int eal_argc;                /* EAL arguments after "--", if any */
	char **eal_argv;
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: sa-capture --node-id N (--pcap FILE | --iface IFACE) [options]\n"
"       sa-capture --node-id N [options] -- EAL-ARGUMENTS   (reads DPDK port 0)\n"
"\n"
"Reads packets from a DPDK port, keeps flows and per-second statistics on\n"
"capture time, and exports them to an sa-aggregator. A finite input (a\n"
"capture file) ends when every batch is acknowledged.\n"
"\n"
"  --node-id N          this node's id, 1..4294967295 (required)\n"
"  --aggregator EP      aggregator ingest endpoint [tcp://127.0.0.1:7701]\n"
"  --models EP          the aggregator's PUB endpoint (sa-aggregator --publish):\n"
"                       watch this node's own forecasting models (series\n"
"                       METRIC@N, N this node) each step, log a step outside\n"
"                       the model's interval and count it (model_deviations);\n"
"                       with --pcap, wait up to 15 s for them first [off]\n"
"  --pcap FILE          read a pcap/pcapng file through DPDK's net_pcap\n"
"  --iface IFACE        capture a kernel interface through net_af_packet\n"
"  --workers N          worker lcores [one per CPU but the first, at least 1];\n"
"                       each reads its own queue, or, on a port with one queue\n"
"                       (a file), worker 0 reads and hands each flow's packets\n"
"                       to one worker\n"
"  --flows N            flow table capacity per worker [262144]; a slot costs\n"
"                       128 bytes plus 16 + 4 x --first-packets\n"
"  --first-packets N    sizes and gaps kept of each flow's first N packets,\n"
"                       0..16 [8]; each costs 4 bytes per flow slot\n"
"  --talkers N          source and destination addresses counted exactly per\n"
"                       second and worker, N of each, 64..1048576 [131072],\n"
"                       rounded up to a power of two; 136 bytes per address\n"
"                       per worker (18 MB at the default; every port is\n"
"                       counted exactly in 4.5 MB more). In a busier second\n"
"                       (a spoofed flood), each packet of a further address\n"
"                       goes straight to the top-N sketches: counted with\n"
"                       Space-Saving's error, not exactly, and at more CPU\n"
"                       per packet\n"
"  --ndpi-share S       label this share of the flows, 0..1, with nDPI's\n"
"                       application name (FlowRecord.app) [0: off]: a flow\n"
"                       is inspected when its symmetric flow hash falls in\n"
"                       the first S of the hash range (the same flows every\n"
"                       run), for up to 16 packets or until nDPI names it;\n"
"                       other flows pay one compare per packet\n"
"  --ndpi-flows N       flows inspected at once per worker [4096]: nDPI's\n"
"                       flow state (about 700 bytes each) is preallocated;\n"
"                       a sampled flow finding none free is not inspected\n"
"                       (counted: ndpi_pool_full)\n"
"  --idle-timeout S     end a flow after S seconds without packets [30]\n"
"  --active-timeout S   export long flows every S seconds [300]\n"
"  --close-timeout S    keep a closed TCP flow S seconds for its last ACK [2]\n"
"  --spool N            unacknowledged batches kept for resend [256]\n"
"  --ring N             records queued from each worker to the exporter, and\n"
"                       packets to each worker of a fan-out [16384]\n"
"  --mbufs N            packet buffers in the port's pool [8191]\n"
"  --lossy              a file is read like a live port: when the exporter falls\n"
"                       behind, records (and fanned-out packets) are dropped\n"
"                       and counted (ring_full), not waited for\n"
"  --replay S           benchmark: replay the file from memory in a loop\n"
"                       (net_pcap infinite_rx) for S seconds, then report\n"
"                       packets per second and worker cycles per packet\n"
"  --resend S           resend a batch not acknowledged after S seconds [2]\n"
"  --give-up S          give up (exit status 1) when S seconds pass without an\n"
"                       acknowledgement once the input has ended, or, reading\n"
"                       a file without --lossy, while sent batches wait [60]\n"
"  --file-prefix P      DPDK runtime file prefix [sa-cap-NODE-PID]\n"
"  -h, --help           this text\n"
"\n"
"Without a NIC the EAL runs with --no-huge --no-pci; each concurrent process\n"
"gets its own file prefix. Exit status: 0 all exported, 1 runtime error,\n"
"2 usage error, 3 the capture file is cut short or corrupt (what could be\n"
"read was exported).\n");
}

static int parse_u32(const char *opt, const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < min || v > max || s[0] == '-') {
		fprintf(stderr, "sa-capture: %s wants a whole number from %u to %u, not '%s'\n", opt,
			min, max, s);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static int parse_share(const char *opt, const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !(v >= 0 && v <= 1)) {
		fprintf(stderr, "sa-capture: %s wants a fraction from 0 to 1, not '%s'\n", opt, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* One worker per CPU, leaving the first to the exporter (mostly asleep in
 * zmq_poll) and the kernel. */
static uint32_t default_workers(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (cpus <= 2)
		return 1;
	return cpus - 1 > WORKER_MAX ? WORKER_MAX : (uint32_t)(cpus - 1);
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"node-id", required_argument, NULL, 'n'},
		{"aggregator", required_argument, NULL, 'a'},
		{"models", required_argument, NULL, 'O'},
		{"pcap", required_argument, NULL, 'p'},
		{"iface", required_argument, NULL, 'i'},
		{"flows", required_argument, NULL, 'f'},
		{"idle-timeout", required_argument, NULL, 'I'},
		{"active-timeout", required_argument, NULL, 'A'},
		{"close-timeout", required_argument, NULL, 'C'},
		{"spool", required_argument, NULL, 's'},
		{"resend", required_argument, NULL, 'r'},
		{"give-up", required_argument, NULL, 'g'},
		{"ring", required_argument, NULL, 'R'},
		{"mbufs", required_argument, NULL, 'M'},
		{"lossy", no_argument, NULL, 'L'},
		{"replay", required_argument, NULL, 'Y'},
		{"workers", required_argument, NULL, 'W'},
		{"first-packets", required_argument, NULL, 'F'},
		{"talkers", required_argument, NULL, 'T'},
		{"ndpi-share", required_argument, NULL, 'D'},
		{"ndpi-flows", required_argument, NULL, 'E'},
		{"file-prefix", required_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c, rc = 0;

	/* talkers: a second of bench/capture's realistic mix (110 k sources)
	 * fits 128 K addresses, not 64 K; overflowing cost the worker 18-22 %
	 * more cycles per packet there and in the Zipf mix. */
	*o = (struct options){.aggregator = "tcp://127.0.0.1:7701", .flows = 262144, .idle_s = 30,
			      .active_s = 300, .close_s = 2, .spool = 256, .resend_s = 2, .give_up_s = 60,
			      .mbufs = 8191, .ring = 16384, .workers = default_workers(),
			      .first_packets = 8, .talkers = 131072, .ndpi_flows = 4096};
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': rc |= parse_u32("--node-id", optarg, 1, UINT32_MAX, &o->node_id); break;
		case 'a': o->aggregator = optarg; break;
		case 'O': o->models = optarg; break;
		case 'p': o->pcap = optarg; break;
		case 'i': o->iface = optarg; break;
		case 'f': rc |= parse_u32("--flows", optarg, 16, 1u << 26, &o->flows); break;
		case 'I': rc |= parse_u32("--idle-timeout", optarg, 1, 86400, &o->idle_s); break;
		case 'A': rc |= parse_u32("--active-timeout", optarg, 1, 86400, &o->active_s); break;
		case 'C': rc |= parse_u32("--close-timeout", optarg, 0, 3600, &o->close_s); break;
		case 's': rc |= parse_u32("--spool", optarg, 1, 65536, &o->spool); break;
		case 'r': rc |= parse_u32("--resend", optarg, 1, 3600, &o->resend_s); break;
		case 'g': rc |= parse_u32("--give-up", optarg, 1, 86400, &o->give_up_s); break;
		case 'P': o->file_prefix = optarg; break;
		case 'R': rc |= parse_u32("--ring", optarg, 64, 1u << 24, &o->ring); break;
		case 'M': rc |= parse_u32("--mbufs", optarg, 64, 1u << 24, &o->mbufs); break;
		case 'L': o->lossy = true; break;
		case 'Y': rc |= parse_u32("--replay", optarg, 1, 3600, &o->replay_s); break;
		case 'W': rc |= parse_u32("--workers", optarg, 1, WORKER_MAX, &o->workers); break;
		case 'F': rc |= parse_u32("--first-packets", optarg, 0, FLOWFEAT_FIRST_MAX, &o->first_packets); break;
		case 'T': rc |= parse_u32("--talkers", optarg, 64, 1u << 20, &o->talkers); break;
		case 'D': rc |= parse_share("--ndpi-share", optarg, &o->ndpi_share); break;
		case 'E': rc |= parse_u32("--ndpi-flows", optarg, 1, 1u << 22, &o->ndpi_flows); break;
		case 'h': usage(stdout); exit(0);
		default:
			fprintf(stderr, "sa-capture: unknown or incomplete option '%s' (see --help)\n",
				argv[optind - 1]);
			return -1;
		}
	}
	if (rc)
		return -1;
	if (optind < argc) {
		o->eal_argc = argc - optind;
		o->eal_argv = argv + optind;
	}
	if (o->node_id == 0) {
		fprintf(stderr, "sa-capture: --node-id is required (see --help)\n");
		return -1;
	}
	if (!!o->pcap + !!o->iface + !!o->eal_argc != 1) {
		fprintf(stderr, "sa-capture: give exactly one input: --pcap FILE, --iface IFACE or -- EAL-ARGS\n");
		return -1;
	}
	if (o->replay_s && !o->pcap) {
		fprintf(stderr, "sa-capture: --replay needs --pcap FILE\n");
		return -1;
	}
	if ((o->pcap && strchr(o->pcap, ',')) || (o->iface && strchr(o->iface, ','))) {
		fprintf(stderr, "sa-capture: input names may not contain ',' (DPDK device arguments)\n");
		return -1;
	}
	return 0;
}

/* Builds EAL arguments for a NIC-less run unless the user gave their own. */
static int eal_start(const char *prog, const struct options *o)
{
	static char vdev[4200], prefix[128], mem[16], lcores[16 * (WORKER_MAX + 1)];
	char *args[32];
	int n = 0;

	if (o->eal_argc) {
		args[n++] = (char *)prog;
		for (int i = 0; i < o->eal_argc && n < 31; i++)
			args[n++] = o->eal_argv[i];
	} else {
		if (o->pcap)
			snprintf(vdev, sizeof(vdev), "net_pcap0,rx_pcap=%s,tx_pcap=/dev/null%s", o->pcap,
				 o->replay_s ? ",infinite_rx=1" : "");
		else /* one queue per worker; the kernel's fan-out hash is symmetric */
			snprintf(vdev, sizeof(vdev), "net_af_packet0,iface=%s,qpairs=%u", o->iface, o->workers);
		if (o->file_prefix)
			snprintf(prefix, sizeof(prefix), "--file-prefix=%s", o->file_prefix);
		else
			snprintf(prefix, sizeof(prefix), "--file-prefix=sa-cap-%u-%d", o->node_id, (int)getpid());
		snprintf(mem, sizeof(mem), "%u", o->mem_mb);
		/* lcore 0 (exporter) on CPU 0, worker i on CPU i; more workers
		 * than CPUs share them, round robin. */
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		int len = snprintf(lcores, sizeof(lcores), "0@0");
		for (uint32_t i = 1; i <= o->workers; i++)
			len += snprintf(lcores + len, sizeof(lcores) - (size_t)len, ",%u@%ld", i,
					i % (cpus > 0 ? cpus : 1));
		char *defaults[] = {(char *)prog, "--lcores", lcores, "--no-huge", "-m", mem, "--no-pci",
				    "--no-telemetry", "--log-level=notice", prefix, "--vdev", vdev};
		for (unsigned i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
			args[n++] = defaults[i];
	}
	args[n] = NULL;
	return rte_eal_init(n, args);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The EAL leaves its runtime directory (under /var/run/dpdk, i.e. memory)
 * behind after rte_eal_cleanup; one per run adds up on a busy box. */
static void remove_runtime_dir(const char *dir)
{
	if (dir[0] != '\0')
		nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void on_signal(int sig)
{
	(void)sig;
	/* First signal: stop reading and export what we have; second: quit now. */
	if (input_done)
		force_quit = true;
	input_done = true;
}

static char *config_text(const struct options *o)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf),
		 "node_id=%u\ninput=%s\naggregator=%s\nflows=%u\nidle_timeout_s=%u\n"
		 "active_timeout_s=%u\nclose_timeout_s=%u\nspool=%u\nresend_s=%u\nring=%u\nmbufs=%u\nlossy=%d\n"
		 "workers=%u\nfirst_packets=%u\ntalkers=%u\nndpi_share=%g\nndpi_flows=%u\n",
		 o->node_id, o->pcap ? o->pcap : o->iface ? o->iface : "eal", o->aggregator,
		 o->flows, o->idle_s, o->active_s, o->close_s, o->spool, o->resend_s, o->ring, o->mbufs,
		 o->lossy, o->workers, o->first_packets, o->talkers, o->ndpi_share, o->ndpi_flows);
	return buf;
}

int main(int argc, char **argv)
{
	struct options o;
	struct port_file_info file = {.linktype = 1};
	static struct worker workers[WORKER_MAX];
	struct exporter *ex;
	struct exporter_stats st;
	int status = 0;

	if (parse_options(argc, argv, &o) != 0)
		return EXIT_USAGE;
	if (o.pcap && port_file_scan(o.pcap, &file) != 0) {
		fprintf(stderr, "sa-capture: cannot read %s: %s\n", o.pcap, file.error[0] ? file.error : "out of memory");
		return EXIT_INPUT;
	}
	if (o.pcap && file.records == 0) {
		fprintf(stderr, "sa-capture: %s holds no packets%s%s\n", o.pcap, file.error[0] ? ": " : "", file.error);
		return EXIT_INPUT;
	}
	/* A replayed file lives in mbufs: one per record, plus room to receive. */
	if (o.replay_s && o.mbufs < file.records + 8192)
		o.mbufs = (uint32_t)file.records + 8192;
	/* ~2.5 KB per mbuf with its headers, plus rings, pools and the EAL. */
	o.mem_mb = 768 + (uint32_t)((uint64_t)o.mbufs * 2560 >> 20);
	if (eal_start(argv[0], &o) < 0) {
		fprintf(stderr, "sa-capture: DPDK EAL initialisation failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (rte_eth_dev_count_avail() == 0)
		rte_exit(1, "no DPDK port available\n");
	unsigned n_workers = o.eal_argc ? rte_lcore_count() - 1 : o.workers;
	if (n_workers < 1 || n_workers > WORKER_MAX)
		rte_exit(1, "need 2 to %u lcores (the exporter and the workers), have %u\n",
			 WORKER_MAX + 1, rte_lcore_count());

	struct port_conf pc = {.port_id = 0, .rx_queues = (uint16_t)n_workers, .rx_desc = 1024,
			       .mbufs = o.mbufs};
	if (port_start(&pc) == NULL)
		rte_exit(1, "cannot start port 0\n");
	/* A queue per worker, or worker 0 reads the one queue and fans out. */
	bool fanout = pc.rx_queues < n_workers;
	if (fanout && pc.rx_queues != 1)
		rte_exit(1, "port 0 has %u queues for %u workers: give as many workers as queues, or one queue\n",
			 pc.rx_queues, n_workers);

	struct worker_conf wc = {
		.port_id = 0, .linktype = file.linktype,
		.lossless = o.pcap != NULL && !o.lossy,
		.flows = {.capacity = o.flows, .first_packets = o.first_packets,
			  .idle_timeout_ns = o.idle_s * SA_NS_PER_S,
			  .active_timeout_ns = o.active_s * SA_NS_PER_S,
			  .close_timeout_ns = o.close_s * SA_NS_PER_S},
		.talkers = o.talkers,
		.fragments = 8192, /* datagrams in flight per worker; 448 KB */
		.ring_size = rte_align32pow2(o.ring), .flow_objs = 32767, .intervals = 256,
		/* A replay loops over the records: no end, no per-record fixes. */
		.max_packets = o.replay_s ? 0 : file.records,
		.len_fixes = o.replay_s ? NULL : file.fixes, .n_len_fixes = o.replay_s ? 0 : file.n_fixes,
		/* Flow hashes are 32 bits: share 1 takes them all. */
		.ndpi_below = (uint64_t)ceil(o.ndpi_share * 4294967296.0), .ndpi_pool = o.ndpi_flows,
	};
	if (wc.ndpi_below)
		appid_global_init();
	for (unsigned i = 0; i < n_workers; i++) {
		struct worker *w = &workers[i];
		wc.id = i;
		wc.queue_id = (uint16_t)(fanout ? 0 : i);
		wc.reads_port = !fanout || i == 0;
		if (worker_init(w, &wc) != 0)
			rte_exit(1, "cannot set up worker %u\n", i);
		port_timestamp_field(&w->ts_offset, &w->ts_flag);
		w->input_done = &input_done;
		w->force_quit = &force_quit;
	}
	if (fanout && n_workers > 1 && worker_fanout(workers, n_workers, rte_align32pow2(o.ring)) != 0)
		rte_exit(1, "cannot set up the fan-out to %u workers\n", n_workers);

	struct exporter_conf ec = {
		.endpoint = o.aggregator, .node_id = o.node_id,
		.run_id = sa_wall_ns() ^ ((uint64_t)getpid() << 40), .port_id = 0,
		.port_name = o.pcap ? o.pcap : o.iface ? o.iface : "port0",
		.config_text = config_text(&o), .spool_batches = o.spool, .batch_flows = 4096,
		.batch_intervals = 1024, .batch_age_ns = 100 * 1000 * 1000ULL,
		.ack_timeout_ns = o.resend_s * SA_NS_PER_S, .models_endpoint = o.models,
	};
	ex = exporter_new(&ec, workers, n_workers);
	if (ex == NULL)
		rte_exit(1, "cannot set up the exporter towards %s\n", o.aggregator);

	/* A file is read in seconds: its models must be here first. */
	if (o.models && o.pcap && exporter_models_wait(ex, MODELS_WAIT_S * 1000) == 0)
		fprintf(stderr, "sa-capture: no model for node %u from %s within %d s; reading without\n",
			o.node_id, o.models, MODELS_WAIT_S);

	unsigned lcore = rte_get_next_lcore(-1, 1, 0);
	for (unsigned i = 0; i < n_workers; i++, lcore = rte_get_next_lcore(lcore, 1, 0))
		rte_eal_remote_launch(worker_main, &workers[i], lcore);

	uint64_t ended_at = 0, started = sa_mono_ns(), replay_end = started + o.replay_s * SA_NS_PER_S;
	for (;;) {
		if (o.replay_s && !input_done && sa_mono_ns() >= replay_end)
			input_done = true;
		if (!input_done && o.pcap && !o.replay_s) {
			struct rte_eth_stats es;
			/* Every record comes out as a packet, a failed buffer
			 * allocation or a receive error (the PMD drops jumbo records
			 * it cannot chain); all count as consumed. */
			if (rte_eth_stats_get(0, &es) == 0 &&
			    es.ipackets + es.rx_nombuf + es.ierrors >= file.records)
				input_done = true;
		}
		if (exporter_poll(ex, 10))
			break;
		if (force_quit)
			break;
		if (input_done && ended_at == 0)
			ended_at = sa_mono_ns();
		exporter_stats_get(ex, &st);
		/* Give up when acks stopped coming for give_up_s, not while they
		 * flow: once the input has ended, or, reading a file without loss,
		 * in the middle of it too, as soon as batches wait. Its workers
		 * wait for the exporter instead of dropping, so an aggregator that
		 * stopped answering would stall them for good. A live port never
		 * waits: its records are dropped and counted while the exporter
		 * keeps resending. */
		uint64_t from = ended_at ? ended_at : started;
		uint64_t since = st.last_ack_ns > from ? st.last_ack_ns : from;
		bool stalled = ended_at || (o.pcap && !o.lossy && st.unacked);
		if (stalled && sa_mono_ns() - since > o.give_up_s * SA_NS_PER_S) {
			fprintf(stderr, "sa-capture: aggregator at %s did not acknowledge %u batches in %u s; giving up\n",
				o.aggregator, st.unacked, o.give_up_s);
			status = 1;
			force_quit = true;
			break;
		}
	}
	force_quit = true;
	rte_eal_mp_wait_lcore();
	exporter_stats_get(ex, &st);
	uint64_t rx = 0, cycles = 0, elapsed_ns = 0;
	for (unsigned i = 0; i < n_workers; i++) {
		rx += workers[i].rx_packets;
		cycles += workers[i].cycles;
		if (workers[i].conf.reads_port && workers[i].elapsed_ns > elapsed_ns)
			elapsed_ns = workers[i].elapsed_ns;
	}
	/* Cycles are summed over all workers: the work one packet costs the node. */
	if (o.replay_s && rx && elapsed_ns)
		fprintf(stderr, "sa-capture: replay: %lu packets in %.2f s = %.3f Mpps with %u worker%s%s; "
			"worker stage %.1f cycles/packet\n",
			(unsigned long)rx, (double)elapsed_ns / 1e9, (double)rx * 1e3 / (double)elapsed_ns,
			n_workers, n_workers > 1 ? "s" : "", fanout && n_workers > 1 ? " (fan-out)" : "",
			(double)cycles / (double)rx);
	else if (rx)
		fprintf(stderr, "sa-capture: cycles: %.1f per packet in the worker stage over %lu packets\n",
			(double)cycles / (double)rx, (unsigned long)rx);
	for (unsigned i = 0; n_workers > 1 && i < n_workers; i++)
		fprintf(stderr, "sa-capture: worker %u: %lu packets accounted\n", i,
			(unsigned long)workers[i].packets);
	if (wc.ndpi_below) {
		struct appid_stats a = {0};
		for (unsigned i = 0; i < n_workers; i++) {
			a.flows += workers[i].app_st.flows;
			a.detected += workers[i].app_st.detected;
			a.pool_full += workers[i].app_st.pool_full;
			a.packets += workers[i].app_st.packets;
			a.allocs += workers[i].app_st.allocs;
			a.frees += workers[i].app_st.frees;
		}
		fprintf(stderr, "sa-capture: ndpi: share %g: %lu flows inspected, %lu detected, %lu left out "
			"(pool full); %lu packets to nDPI; nDPI's own mallocs while inspecting: %lu (%.2f per "
			"inspected flow, %.3f per packet), frees %lu\n",
			o.ndpi_share, (unsigned long)a.flows, (unsigned long)a.detected,
			(unsigned long)a.pool_full, (unsigned long)a.packets, (unsigned long)a.allocs,
			a.flows ? (double)a.allocs / (double)a.flows : 0.0,
			a.packets ? (double)a.allocs / (double)a.packets : 0.0, (unsigned long)a.frees);
	}
	fprintf(stderr, "sa-capture: node %u: %lu packets, %lu flows, %lu intervals in %lu batches (%lu resent), %u unacknowledged\n",
		o.node_id, (unsigned long)rx, (unsigned long)st.flows,
		(unsigned long)st.intervals, (unsigned long)st.batches_sent, (unsigned long)st.resends,
		st.unacked);
	if (status == 0 && st.refused) {
		fprintf(stderr, "sa-capture: the aggregator refused %lu batches\n", (unsigned long)st.refused);
		status = 1;
	}
	if (status == 0 && file.error[0]) {
		fprintf(stderr, "sa-capture: %s: input ends early after %lu packets: %s\n", o.pcap,
			(unsigned long)file.records, file.error);
		status = EXIT_INPUT;
	}
	exporter_destroy(&ex);
	for (unsigned i = 0; i < n_workers; i++)
		worker_fini(&workers[i]);
	free(file.fixes);
	rte_eth_dev_stop(0);
	rte_eth_dev_close(0);
	char runtime_dir[PATH_MAX];
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	remove_runtime_dir(runtime_dir);
	return status;
}
