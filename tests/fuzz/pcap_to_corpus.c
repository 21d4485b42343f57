/* pcap_to_corpus OUTDIR FILE...
 *
 * Seeds fuzz_pkt_parse: writes up to MAX_PER_FILE packets of each capture
 * to OUTDIR/<file>-<index>, each as a 2-byte big-endian link-type selector
 * (index into the table below) followed by the captured bytes. Files libpcap
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

/* Writes one corpus file; returns 0 or -errno. */
static int write_input(const char *path, int sel, const uint8_t *pkt, uint32_t len)
{
	uint8_t hdr[2] = { (uint8_t)(sel >> 8), (uint8_t)sel };
	FILE *f = fopen(path, "wb");
	int err = 0;

	if (!f)
		return -errno;
	if (fwrite(hdr, 1, 2, f) != 2 || (len && fwrite(pkt, 1, len, f) != len))
		err = -EIO;
	if (fclose(f) != 0 && !err)
		err = -errno;
	return err;
}

/* Converts one capture; returns packets written or -errno on a write error. */
static int convert(const char *outdir, const char *file)
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
	while (n < MAX_PER_FILE && pcap_next_ex(p, &h, &pkt) == 1) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s-%03d", outdir, base, n) >=
		    sizeof(path)) {
			pcap_close(p);
			return -ENAMETOOLONG;
		}
		ret = write_input(path, sel, pkt, h->caplen);
		if (ret < 0) {
			fprintf(stderr, "pcap_to_corpus: %s: %s\n", path, strerror(-ret));
			pcap_close(p);
			return ret;
		}
		n++;
	}
	pcap_close(p);
	return n;
}

int main(int argc, char **argv)
{
	int i, n, total = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: %s OUTDIR FILE...\n", argv[0]);
		return 2;
	}
	if (mkdir(argv[1], 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "pcap_to_corpus: mkdir %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (i = 2; i < argc; i++) {
		n = convert(argv[1], argv[i]);
		if (n < 0)
			return 1;
		total += n;
	}
	printf("pcap_to_corpus: %d inputs in %s\n", total, argv[1]);
	return 0;
}
