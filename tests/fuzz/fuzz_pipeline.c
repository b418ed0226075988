/*
 * fuzz_pipeline.c - the whole of `spinetap analyze` on one input file:
 * bytes -> pcap/pcapng reader (pcapfile.c) -> merger (pktsrc.c) ->
 * dissectors -> attribution engine (attrib.c, qptab.c with eviction,
 * paths.c) -> verdicts and correlation (policy.c) -> pairing, the text and
 * JSON reports, the evidence pcapng and, for some inputs, the SQLite store
 * in memory.
 *
 * The input is a capture file as written to disk. It is put in a memfd
 * (a regular file: the reader maps it), or sent through a pipe (the
 * reader's refill path, as `cat f | spinetap decode -`) when the low bit of
 * its middle byte is set. A mapped file is opened twice and merged as two taps' captures,
 * so the merge and the cross-tap correlation see traffic. Packets go to
 * the taps of the built-in config (fuzz_common.h: in, out, both, and a tap
 * the config does not know) by their timestamp. The QP table holds 16 QPs,
 * so eviction runs all the time. Inputs whose byte at a third of the size
 * ends in three 1 bits also flush twice into an in-memory SQLite store.
 */
#include "fuzz_common.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "attrib.h"
#include "evidence.h"
#include "policy.h"
#include "report.h"
#include "store.h"

#define MAX_PACKETS 20000

static const char *const tap_names[] = {"spine1", "spine2", "spine1-l1", "spine1-l2", "spine2-tx",
					"elsewhere"};
#define NTAPS (sizeof(tap_names) / sizeof(tap_names[0]))

/* An fd holding the input: a memfd, or the read end of a pipe already filled and closed. */
static int input_fd(const uint8_t *data, size_t size, bool pipe_mode)
{
	if (pipe_mode) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0)
			return -1;
		if (size > 65536 && fcntl(p[1], F_SETPIPE_SZ, (int)size) < 0) {
			close(p[0]);
			close(p[1]);
			return -1;
		}
		size_t off = 0;
		while (off < size) {
			ssize_t w = write(p[1], data + off, size - off);
			if (w <= 0)
				break;
			off += (size_t)w;
		}
		close(p[1]);
		return p[0];
	}
	int fd = memfd_create("fuzz.pcap", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_setup();
	if (size > (1u << 20))
		return 0;
	/* Bytes in the middle are payload in most captures: cheap for a fuzzer to flip. */
	bool pipe_mode = size && (data[size / 2] & 1), with_store = size && (data[size / 3] & 7) == 7;
	int fd = input_fd(data, size, pipe_mode);
	if (fd < 0)
		return 0;
	char path[64], err[640];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	struct pktsrc *src[2] = {NULL, NULL};
	int nsrc = 0;
	for (int i = 0; i < (pipe_mode ? 1 : 2); i++) {
		src[nsrc] = pktsrc_open(path, err, sizeof(err));
		if (!src[nsrc])
			break;
		nsrc++;
	}
	if (!nsrc) {
		if (!strstr(err, path))
			abort(); /* an open error must name the file */
		close(fd);
		return 0;
	}
	/* Static: a fresh 100 KiB calloc per input costs the fuzzer more than the input itself. */
	static struct engine eng;
	struct engine *e = &eng;
	if (!engine_init(e, &fz_cfg))
		abort();
	int tap[NTAPS];
	for (size_t i = 0; i < NTAPS; i++)
		tap[i] = engine_add_tap(e, tap_names[i], path);
	struct merger *m = merger_new(src, nsrc);
	if (!m)
		abort();
	struct pkt p;
	int r, failed, errors = 0;
	unsigned n = 0;
	while (n < MAX_PACKETS && (r = merger_next(m, &p, &failed)) != 0) {
		if (r < 0) {
			if (failed < 0 || failed >= nsrc || !strstr(pktsrc_error(src[failed]), "byte "))
				abort(); /* errors name the source and the byte offset */
			if (++errors > nsrc)
				abort(); /* a failed source is reported once, then leaves the merge */
			continue;
		}
		if (p.caplen > p.len || p.caplen > 262144)
			abort();
		/* Both sources carry the same packets: the second is another tap's view. */
		size_t t = (size_t)((p.ts / 1000 + (uint64_t)p.src) % NTAPS);
		engine_packet(e, tap[t], &p);
		n++;
	}
	engine_finish(e);
	uint32_t *peer = calloc(e->qp.n ? e->qp.n : 1, sizeof(*peer));
	if (!peer)
		abort();
	engine_pair_and_count(e, peer);

	if (with_store) {
		char *argv[] = {(char *)"spinetap", (char *)"analyze", path, NULL};
		struct store *st = store_open(":memory:", "analyze", 3, argv, &fz_cfg, err, sizeof(err));
		if (st) {
			store_flush(st, e, NULL, "running");
			store_flush(st, e, peer, errors ? "error" : "done");
			store_close(st);
		}
	}
	struct evidence_writer *ew = evidence_open("/dev/null", err, sizeof(err));
	if (ew) {
		evidence_write_all(ew, e, err, sizeof(err));
		evidence_close(ew);
	}
	struct report_opts ro = {.top = 5, .db = NULL, .run = 0, .error = errors ? "fuzz" : NULL};
	report_json(fz_null, e, peer, &ro);
	report_text(fz_null, e, peer, &ro);

	free(peer);
	merger_free(m);
	for (int i = 0; i < nsrc; i++)
		pktsrc_close(src[i]);
	engine_free(e);
	close(fd);
	return 0;
}
