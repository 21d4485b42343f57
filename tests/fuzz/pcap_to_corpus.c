/* pcap_to_corpus [--flows] OUTDIR FILE...
 *
 * Seeds fuzz_pkt_parse: writes up to MAX_PER_FILE packets of each capture
 * to OUTDIR/<file>-<index>, each as a 2-byte big-endian link-type selector
 * (index into the table below) followed by the captured bytes. With
 * --flows, seeds fuzz_flows instead: runs of FLOW_RUN consecutive packets
 * per file after the selector, each packet as a 2-byte length, a 2-byte
 * gap to the previous one in ms (capped) and its bytes. Files libpcap
 * cannot open, or whose link type pkt_parse does not take, are skipped with
 * a note; a read error ends that file quietly (malformed captures are
 * expected). Returns non-zero only if OUTDIR cannot be written. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

#include "pkt_parse.h"

#define MAX_PER_FILE 200
#define FLOW_RUN 32

/* Same order as fuzz_linktypes[] in fuzz_pkt_parse.c. pcap_datalink gives
 * DLT values; DLT_RAW is 12 or 14 depending on the platform, both listed. */
static const int corpus_linktypes[] = {
	PKT_LINK_ETHERNET, PKT_LINK_RAW, PKT_LINK_LINUX_SLL, PKT_LINK_LINUX_SLL2,
	PKT_LINK_NULL, PKT_LINK_LOOP, PKT_LINK_RAW_BSD12, PKT_LINK_RAW_BSD14,
};

static int selector(int dlt)
{
	unsigned i;

	for (i = 0; i < sizeof(corpus_linktypes) / sizeof(corpus_linktypes[0]); i++)
		if (corpus_linktypes[i] == dlt)
			return (int)i;
	return -1;
}

/* Opens a corpus file and writes the selector; NULL with errno set. */
static FILE *open_input(const char *path, int sel)
{
	uint8_t hdr[2] = { (uint8_t)(sel >> 8), (uint8_t)sel };
	FILE *f = fopen(path, "wb");

	if (f && fwrite(hdr, 1, 2, f) != 2) {
		fclose(f);
		errno = EIO;
		return NULL;
	}
	return f;
}

/* Closes a corpus file; returns 0 or -errno. */
static int close_input(FILE *f, int write_ok)
{
	int err = write_ok ? 0 : -EIO;

	if (fclose(f) != 0 && !err)
		err = -errno;
	return err;
}

/* --flows: one packet of a run, with its length and gap. */
static int write_flow_packet(FILE *f, const struct pcap_pkthdr *h, const uint8_t *pkt, uint64_t *last_ms)
{
	uint64_t ms = (uint64_t)h->ts.tv_sec * 1000 + (uint64_t)h->ts.tv_usec / 1000;
	uint64_t gap = *last_ms && ms > *last_ms ? ms - *last_ms : 0;
	uint32_t len = h->caplen > 0xffff ? 0xffff : h->caplen;
	uint8_t hdr[4] = { (uint8_t)(len >> 8), (uint8_t)len, (uint8_t)((gap > 0xffff ? 0xffff : gap) >> 8),
			   (uint8_t)(gap > 0xffff ? 0xffff : gap) };

	*last_ms = ms;
	return fwrite(hdr, 1, 4, f) == 4 && (len == 0 || fwrite(pkt, 1, len, f) == len);
}

/* Converts one capture; returns packets written or -errno on a write error. */
static int convert(const char *outdir, const char *file, int flows)
{
	char errbuf[PCAP_ERRBUF_SIZE], path[4096];
	const char *base = strrchr(file, '/');
	struct pcap_pkthdr *h;
	const u_char *pkt;
	pcap_t *p;
	int sel, n = 0, ret;

	base = base ? base + 1 : file;
	p = pcap_open_offline(file, errbuf);
	if (!p) {
		fprintf(stderr, "pcap_to_corpus: skip %s: %s\n", file, errbuf);
		return 0;
	}
	sel = selector(pcap_datalink(p));
	if (sel < 0) {
		fprintf(stderr, "pcap_to_corpus: skip %s: link type %d not parsed\n", file,
			pcap_datalink(p));
		pcap_close(p);
		return 0;
	}
	FILE *f = NULL;
	uint64_t last_ms = 0;
	int ok = 1;
	while (n < MAX_PER_FILE && pcap_next_ex(p, &h, &pkt) == 1) {
		ret = 0;
		if (f == NULL) {
			if ((size_t)snprintf(path, sizeof(path), "%s/%s-%03d", outdir, base, n) >=
			    sizeof(path)) {
				pcap_close(p);
				return -ENAMETOOLONG;
			}
			if ((f = open_input(path, sel)) == NULL)
				ret = -errno;
			last_ms = 0;
		}
		if (f != NULL) {
			ok = flows ? write_flow_packet(f, h, pkt, &last_ms)
				   : (h->caplen == 0 || fwrite(pkt, 1, h->caplen, f) == h->caplen);
			if (!flows || (n + 1) % FLOW_RUN == 0) {
				ret = close_input(f, ok);
				f = NULL;
			}
		}
		if (ret < 0) {
			fprintf(stderr, "pcap_to_corpus: %s: %s\n", path, strerror(-ret));
			pcap_close(p);
			return ret;
		}
		n++;
	}
	if (f != NULL && (ret = close_input(f, ok)) < 0) {
		fprintf(stderr, "pcap_to_corpus: %s: %s\n", path, strerror(-ret));
		pcap_close(p);
		return ret;
	}
	pcap_close(p);
	return n;
}

int main(int argc, char **argv)
{
	int i, n, total = 0, flows = argc > 1 && strcmp(argv[1], "--flows") == 0;

	argc -= flows;
	argv += flows;
	if (argc < 3) {
		fprintf(stderr, "usage: pcap_to_corpus [--flows] OUTDIR FILE...\n");
		return 2;
	}
	if (mkdir(argv[1], 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "pcap_to_corpus: mkdir %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (i = 2; i < argc; i++) {
		n = convert(argv[1], argv[i], flows);
		if (n < 0)
			return 1;
		total += n;
	}
	printf("pcap_to_corpus: %d inputs in %s\n", total, argv[1]);
	return 0;
}
