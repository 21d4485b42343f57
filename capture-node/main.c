/* sa-capture: EAL start-up, configuration, lcore launch, signals, and the
 * exporter loop on the main lcore. The only place that exits. */
#define _GNU_SOURCE /* nftw; before any header */
#include <errno.h>
#include <ftw.h>
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

static volatile bool force_quit;
static volatile bool input_done;

struct options {
	uint32_t node_id;
	const char *aggregator;
	const char *pcap;
	const char *iface;
	const char *file_prefix;
	uint32_t flows;
	uint32_t idle_s, active_s, close_s;
	uint32_t spool;
	uint32_t resend_s, give_up_s;
	uint32_t mbufs, ring;
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
"  --pcap FILE          read a pcap/pcapng file through DPDK's net_pcap\n"
"  --iface IFACE        capture a kernel interface through net_af_packet\n"
"  --flows N            flow table capacity per worker [262144]\n"
"  --idle-timeout S     end a flow after S seconds without packets [30]\n"
"  --active-timeout S   export long flows every S seconds [300]\n"
"  --close-timeout S    keep a closed TCP flow S seconds for its last ACK [2]\n"
"  --spool N            unacknowledged batches kept for resend [256]\n"
"  --ring N             records queued from the worker to the exporter [16384]\n"
"  --mbufs N            packet buffers in the port's pool [8191]\n"
"  --lossy              a file is read like a live port: when the exporter falls\n"
"                       behind, records are dropped and counted (ring_full),\n"
"                       not waited for\n"
"  --replay S           benchmark: replay the file from memory in a loop\n"
"                       (net_pcap infinite_rx) for S seconds, then report\n"
"                       packets per second and worker cycles per packet\n"
"  --resend S           resend a batch not acknowledged after S seconds [2]\n"
"  --give-up S          after the input ends, wait at most S seconds for acks [60]\n"
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

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"node-id", required_argument, NULL, 'n'},
		{"aggregator", required_argument, NULL, 'a'},
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
		{"file-prefix", required_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c, rc = 0;

	*o = (struct options){.aggregator = "tcp://127.0.0.1:7701", .flows = 262144, .idle_s = 30,
			      .active_s = 300, .close_s = 2, .spool = 256, .resend_s = 2, .give_up_s = 60,
			      .mbufs = 8191, .ring = 16384};
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': rc |= parse_u32("--node-id", optarg, 1, UINT32_MAX, &o->node_id); break;
		case 'a': o->aggregator = optarg; break;
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
	static char vdev[4200], prefix[128], mem[16];
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
		else
			snprintf(vdev, sizeof(vdev), "net_af_packet0,iface=%s", o->iface);
		if (o->file_prefix)
			snprintf(prefix, sizeof(prefix), "--file-prefix=%s", o->file_prefix);
		else
			snprintf(prefix, sizeof(prefix), "--file-prefix=sa-cap-%u-%d", o->node_id, (int)getpid());
		snprintf(mem, sizeof(mem), "%u", o->mem_mb);
		char *defaults[] = {(char *)prog, "-l", "0-1", "--no-huge", "-m", mem, "--no-pci",
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
		 "active_timeout_s=%u\nclose_timeout_s=%u\nspool=%u\nresend_s=%u\nring=%u\nmbufs=%u\nlossy=%d\n",
		 o->node_id, o->pcap ? o->pcap : o->iface ? o->iface : "eal", o->aggregator,
		 o->flows, o->idle_s, o->active_s, o->close_s, o->spool, o->resend_s, o->ring, o->mbufs,
		 o->lossy);
	return buf;
}

int main(int argc, char **argv)
{
	struct options o;
	struct port_file_info file = {.linktype = 1};
	static struct worker worker;
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
	if (rte_lcore_count() < 2)
		rte_exit(1, "need two lcores (exporter and one worker), have %u\n", rte_lcore_count());

	struct port_conf pc = {.port_id = 0, .rx_queues = 1, .rx_desc = 1024, .mbufs = o.mbufs};
	if (port_start(&pc) == NULL)
		rte_exit(1, "cannot start port 0\n");

	struct worker_conf wc = {
		.id = 0, .port_id = 0, .queue_id = 0, .linktype = file.linktype,
		.lossless = o.pcap != NULL && !o.lossy,
		.flows = {.capacity = o.flows,
			  .idle_timeout_ns = o.idle_s * SA_NS_PER_S,
			  .active_timeout_ns = o.active_s * SA_NS_PER_S,
			  .close_timeout_ns = o.close_s * SA_NS_PER_S},
		/* 65536 keys per dimension, 16 MB per worker: a second of a 1 M-flow
		 * Zipf mix fits (twice the speed of overflowing a 4096-key table);
		 * only the keys seen are touched and reset. A busier second sends
		 * the excess keys straight to the sketches. */
		.talkers = 65536,
		.ring_size = rte_align32pow2(o.ring), .flow_objs = 32767, .intervals = 256,
		/* A replay loops over the records: no end, no per-record fixes. */
		.max_packets = o.replay_s ? 0 : file.records,
		.len_fixes = o.replay_s ? NULL : file.fixes, .n_len_fixes = o.replay_s ? 0 : file.n_fixes,
	};
	if (worker_init(&worker, &wc) != 0)
		rte_exit(1, "cannot set up the worker\n");
	port_timestamp_field(&worker.ts_offset, &worker.ts_flag);
	worker.input_done = &input_done;
	worker.force_quit = &force_quit;

	struct exporter_conf ec = {
		.endpoint = o.aggregator, .node_id = o.node_id,
		.run_id = sa_wall_ns() ^ ((uint64_t)getpid() << 40), .port_id = 0,
		.port_name = o.pcap ? o.pcap : o.iface ? o.iface : "port0",
		.config_text = config_text(&o), .spool_batches = o.spool, .batch_flows = 4096,
		.batch_intervals = 1024, .batch_age_ns = 100 * 1000 * 1000ULL,
		.ack_timeout_ns = o.resend_s * SA_NS_PER_S,
	};
	ex = exporter_new(&ec, &worker, 1);
	if (ex == NULL)
		rte_exit(1, "cannot set up the exporter towards %s\n", o.aggregator);

	unsigned lcore = rte_get_next_lcore(-1, 1, 0);
	rte_eal_remote_launch(worker_main, &worker, lcore);

	uint64_t done_at = 0, started = sa_mono_ns(), replay_end = started + o.replay_s * SA_NS_PER_S;
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
		if (worker.finished && done_at == 0)
			done_at = sa_mono_ns();
		exporter_stats_get(ex, &st);
		/* Give up only when acks stopped coming, not while they flow. */
		uint64_t since = st.last_ack_ns > done_at ? st.last_ack_ns : done_at;
		if (done_at && sa_mono_ns() - since > o.give_up_s * SA_NS_PER_S) {
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
	if (o.replay_s && worker.rx_packets && worker.elapsed_ns)
		fprintf(stderr, "sa-capture: replay: %lu packets in %.2f s = %.3f Mpps; worker stage %.1f cycles/packet\n",
			(unsigned long)worker.rx_packets, (double)worker.elapsed_ns / 1e9,
			(double)worker.rx_packets * 1e3 / (double)worker.elapsed_ns,
			(double)worker.cycles / (double)worker.rx_packets);
	fprintf(stderr, "sa-capture: node %u: %lu packets, %lu flows, %lu intervals in %lu batches (%lu resent), %u unacknowledged\n",
		o.node_id, (unsigned long)worker.rx_packets, (unsigned long)st.flows,
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
	worker_fini(&worker);
	free(file.fixes);
	rte_eth_dev_stop(0);
	rte_eth_dev_close(0);
	char runtime_dir[PATH_MAX];
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	remove_runtime_dir(runtime_dir);
	return status;
}
