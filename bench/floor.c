/*
 * floor.c - the benchmark's floor: a bare libpcap read loop over capture
 * files, one after the other, pcap_loop() with a callback that only counts. No libpcap reader
 * can be faster, so spinetap's rates are reported as ratios to this one,
 * measured in the same run on the same file.
 */
#include <pcap/pcap.h>
#include <stdio.h>

static unsigned long count;

static void cb(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	(void)user;
	(void)h;
	(void)data;
	count++;
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	if (argc < 2) {
		fprintf(stderr, "usage: floor FILE...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		pcap_t *p = pcap_open_offline(argv[i], err);
		if (!p) {
			fprintf(stderr, "floor: %s\n", err);
			return 2;
		}
		if (pcap_loop(p, -1, cb, NULL) < 0) {
			fprintf(stderr, "floor: %s\n", pcap_geterr(p));
			return 2;
		}
		pcap_close(p);
	}
	printf("%lu\n", count);
	return 0;
}
