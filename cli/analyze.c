/* sa analyze FILE: the whole pipeline on one capture file. Starts a private
 * sa-aggregator (temporary database, ipc endpoints) and an sa-capture that
 * reads FILE through DPDK's net_pcap, waits for every batch to be stored,
 * then prints the summary from the aggregator over the query API. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "sa_client.h"
#include "sa_time.h"
#include "sa_wire.h"

#define CAPTURE_INPUT_ERROR 3 /* sa-capture's status for a cut-short file */
#define PROGRESS_NS (SA_NS_PER_S / 2)

static char bindir[PATH_MAX];

static void find_bindir(void)
{
	ssize_t n = readlink("/proc/self/exe", bindir, sizeof(bindir) - 1);

	bindir[n > 0 ? n : 0] = '\0';
	char *slash = strrchr(bindir, '/');
	if (slash != NULL)
		*slash = '\0';
}

/* Starts bindir/prog with argv, stdout and stderr to log. Returns the pid or -1. */
static pid_t spawn(const char *prog, char *const argv[], const char *log)
{
	char path[PATH_MAX + 64];
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s", bindir, prog);
	pid = fork();
	if (pid != 0)
		return pid;
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	execv(path, argv);
	fprintf(stderr, "cannot run %s: %s\n", path, strerror(errno));
	_exit(127);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* Waits until the aggregator answers a query (it binds before it answers). */
static int wait_ready(struct cli *c, pid_t agg)
{
	for (int i = 0; i < 100; i++) {
		char err[256];
		Sa__Query q;
		cli_query_init(c, &q, SA__QUERY_KIND__Q_NODES);
		Sa__Response *r = sa_client_call(c->server, &q, 200, err, sizeof(err));
		if (r != NULL) {
			sa__response__free_unpacked(r, NULL);
			return 0;
		}
		if (waitpid(agg, NULL, WNOHANG) == agg)
			return -1;
		sleep_ms(50);
	}
	return -1;
}

/* One progress line on a terminal, rewritten in place: the packets the
 * capture node's port has read (as of its last batch) and the flows the
 * aggregator has stored. Nothing when the aggregator does not answer in
 * time: the next tick tries again. */
static void show_progress(const struct cli *c, uint64_t elapsed_ns)
{
	char err[256];
	Sa__Query q;

	cli_query_init(c, &q, SA__QUERY_KIND__Q_NODES);
	Sa__Response *r = sa_client_call(c->server, &q, 200, err, sizeof(err));
	if (r == NULL)
		return;
	if (r->code == SA_OK && r->n_nodes == 1 && r->nodes[0]->last_heartbeat != NULL)
		fprintf(stderr, "\rsa: %llu packets read, %llu flows stored (%.0f s)",
			(unsigned long long)r->nodes[0]->last_heartbeat->rx_packets,
			(unsigned long long)r->nodes[0]->flows, (double)elapsed_ns / SA_NS_PER_S);
	sa__response__free_unpacked(r, NULL);
}

/* Waits for the capture node to end, showing progress on a terminal.
 * Returns whether it ended, with its status in *status. */
static bool wait_capture(const struct cli *c, pid_t cap, int *status)
{
	bool tty = isatty(2), shown = false;
	uint64_t start = sa_mono_ns(), next = start + PROGRESS_NS;

	for (;;) {
		pid_t r = waitpid(cap, status, WNOHANG);
		if (r == cap)
			break;
		if (r < 0 && errno != EINTR)
			return false;
		sleep_ms(50);
		uint64_t now = sa_mono_ns();
		if (tty && now >= next) {
			show_progress(c, now - start);
			shown = true;
			next = now + PROGRESS_NS;
		}
	}
	if (shown)
		fputs("\r\033[K", stderr); /* the summary follows on a clean line */
	return true;
}

static void show_log(const char *what, const char *log)
{
	char line[512];
	FILE *f = fopen(log, "r");

	if (f == NULL)
		return;
	fprintf(stderr, "sa: %s said:\n", what);
	while (fgets(line, sizeof(line), f))
		fprintf(stderr, "  %s", line);
	fclose(f);
}

/* The capture's "input ends early" reason from its log, or NULL. */
static char *input_error(const char *log)
{
	static char reason[512];
	char line[1024];
	FILE *f = fopen(log, "r");
	char *found = NULL;

	if (f == NULL)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "input ends early");
		if (p != NULL) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(reason, sizeof(reason), "%s", p);
			found = reason;
		}
	}
	fclose(f);
	return found;
}

static void remove_tree(const char *dir)
{
	pid_t pid = fork();

	if (pid == 0) {
		execlp("rm", "rm", "-rf", "--", dir, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

int cmd_analyze(struct cli *c)
{
	char dir[PATH_MAX], db[PATH_MAX + 8], ingest[PATH_MAX + 16], query[PATH_MAX + 16], publish[PATH_MAX + 16];
	char agg_log[PATH_MAX + 32], cap_log[PATH_MAX + 32], prefix[64];
	struct stat st;
	int status, rc = 1;

	if (c->argc != 1) {
		fprintf(stderr, "sa: analyze takes one capture file (see sa --help)\n");
		return 2;
	}
	const char *file = c->argv[0];
	if (stat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "sa: %s: %s\n", file, stat(file, &st) ? strerror(errno) : "not a regular file");
		return 1;
	}
	find_bindir();
	if (c->keep_dir) {
		snprintf(dir, sizeof(dir), "%s", c->keep_dir);
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			fprintf(stderr, "sa: cannot create %s: %s\n", dir, strerror(errno));
			return 1;
		}
	} else {
		snprintf(dir, sizeof(dir), "%s/sa-analyze-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (mkdtemp(dir) == NULL) {
			fprintf(stderr, "sa: cannot create a temporary directory: %s\n", strerror(errno));
			return 1;
		}
	}
	snprintf(db, sizeof(db), "%s/db", dir);
	snprintf(ingest, sizeof(ingest), "ipc://%s/ingest", dir);
	snprintf(query, sizeof(query), "ipc://%s/query", dir);
	snprintf(publish, sizeof(publish), "ipc://%s/publish", dir);
	snprintf(agg_log, sizeof(agg_log), "%s/aggregator.log", dir);
	snprintf(cap_log, sizeof(cap_log), "%s/capture.log", dir);
	snprintf(prefix, sizeof(prefix), "sa-analyze-%d", (int)getpid());

	/* The whole file is the question: a capture spanning years keeps all of
	 * it. A temporary store needs little headroom: a nearly full /tmp should
	 * not stall the analysis behind the daemon's 256 MB default. */
	char *agg_argv[] = {"sa-aggregator", "--db", db, "--ingest", ingest, "--query", query, "--publish", publish,
			    "--no-sync",
			    "--retain", "1s=0", "--retain", "1m=0", "--retain", "1h=0", "--retain", "flows=0",
			    "--min-free", "16", NULL};
	pid_t agg = spawn("sa-aggregator", agg_argv, agg_log);
	c->server = query;
	if (agg < 0 || wait_ready(c, agg) != 0) {
		fprintf(stderr, "sa: the private sa-aggregator did not start\n");
		show_log("sa-aggregator", agg_log);
		goto out;
	}
	if (isatty(2))
		fprintf(stderr, "sa: analysing %s (%.1f MB)...\n", file, (double)st.st_size / 1e6);
	char *cap_argv[] = {"sa-capture", "--node-id", "1", "--aggregator", ingest, "--pcap", (char *)file,
			    "--file-prefix", prefix, NULL, NULL, NULL, NULL, NULL};
	/* Optional arguments, packed after the fixed ones. */
	unsigned na = 9;
	if (c->workers) {
		cap_argv[na++] = "--workers";
		cap_argv[na++] = (char *)c->workers;
	}
	if (c->ndpi_share) {
		cap_argv[na++] = "--ndpi-share";
		cap_argv[na++] = (char *)c->ndpi_share;
	}
	pid_t cap = spawn("sa-capture", cap_argv, cap_log);
	bool ran = cap > 0 && wait_capture(c, cap, &status) && WIFEXITED(status);
	/* Status 3 with a reason: the file was read up to a defect. Anything
	 * else that is not 0 (including 3 without one: unreadable) is a failure. */
	const char *why = ran && WEXITSTATUS(status) == CAPTURE_INPUT_ERROR ? input_error(cap_log) : NULL;
	if (!ran || (WEXITSTATUS(status) != 0 && why == NULL)) {
		fprintf(stderr, "sa: sa-capture could not read %s\n", file);
		show_log("sa-capture", cap_log);
		goto out;
	}
	if (why)
		fprintf(stderr, "sa: %s: %s\n", file, why);
	rc = cli_print_summary(c, why);
	if (rc == 0 && why)
		rc = CAPTURE_INPUT_ERROR;
out:
	if (agg > 0) {
		kill(agg, SIGTERM);
		waitpid(agg, NULL, 0);
	}
	if (!c->keep_dir)
		remove_tree(dir);
	return rc;
}
