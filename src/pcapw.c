/*
 * pcapw.c - buffered classic-pcap writer; see pcapw.h.
 *
 * Reference: pcap-savefile(5); draft-ietf-opsawg-pcap §4-5 (file header,
 * packet record), nanosecond magic 0xa1b23c4d.
 */
#include "pcapw.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pcapw {
	FILE *f;
	int is_stdout;
	uint8_t *buf;
	size_t len, cap;
	uint32_t snaplen;
	int err;            /* first errno seen, 0 when all went well */
	uint64_t records;
	uint64_t bytes;
};

static void put32(uint8_t *p, uint32_t v)
{
	/* Host byte order on purpose: the magic tells readers which one it is. */
	memcpy(p, &v, 4);
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

/* Write the buffer out; remember the first error so close reports it. */
static int drain(struct pcapw *w)
{
	if (w->len == 0)
		return w->err ? -1 : 0;
	size_t n = fwrite(w->buf, 1, w->len, w->f);
	if (n != w->len && !w->err)
		w->err = errno ? errno : EIO;
	w->len = 0;
	if (w->err) {
		errno = w->err;
		return -1;
	}
	return 0;
}

struct pcapw *pcapw_open(const char *path, uint32_t linktype, uint32_t snaplen, size_t bufsize)
{
	if (!path || snaplen == 0) {
		errno = EINVAL;
		return NULL;
	}
	if (bufsize == 0)
		bufsize = PCAPW_DEFAULT_BUF;
	if (bufsize < 4096)
		bufsize = 4096;
	struct pcapw *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->buf = malloc(bufsize);
	if (!w->buf) {
		free(w);
		errno = ENOMEM;
		return NULL;
	}
	w->cap = bufsize;
	w->snaplen = snaplen;
	if (strcmp(path, "-") == 0) {
		w->f = stdout;
		w->is_stdout = 1;
	} else {
		w->f = fopen(path, "wb");
		if (!w->f) {
			int e = errno;
			free(w->buf);
			free(w);
			errno = e;
			return NULL;
		}
	}
	/* Our own buffer does the batching; stdio's would only add a copy. */
	setvbuf(w->f, NULL, _IONBF, 0);

	uint8_t *h = w->buf;
	put32(h, PCAPW_MAGIC_NSEC);
	put16(h + 4, 2); /* version 2.4 */
	put16(h + 6, 4);
	put32(h + 8, 0);  /* thiszone: timestamps are UTC */
	put32(h + 12, 0); /* sigfigs */
	put32(h + 16, snaplen);
	put32(h + 20, linktype);
	w->len = 24;
	w->bytes = 24;
	return w;
}

int pcapw_write(struct pcapw *w, uint64_t ts_ns, const void *data, uint32_t caplen, uint32_t len)
{
	if (caplen > w->snaplen)
		caplen = w->snaplen;
	if (caplen > len)
		caplen = len;
	size_t need = 16 + (size_t)caplen;
	if (need > w->cap - w->len && drain(w) < 0)
		return -1;

	uint8_t hdr[16];
	put32(hdr, (uint32_t)(ts_ns / 1000000000u));
	put32(hdr + 4, (uint32_t)(ts_ns % 1000000000u));
	put32(hdr + 8, caplen);
	put32(hdr + 12, len);
	if (need > w->cap) {
		/* A record larger than the whole buffer: write it through. */
		if (fwrite(hdr, 1, 16, w->f) != 16 || fwrite(data, 1, caplen, w->f) != caplen) {
			if (!w->err)
				w->err = errno ? errno : EIO;
			errno = w->err;
			return -1;
		}
	} else {
		memcpy(w->buf + w->len, hdr, 16);
		memcpy(w->buf + w->len + 16, data, caplen);
		w->len += need;
	}
	w->records++;
	w->bytes += need;
	return 0;
}

int pcapw_flush(struct pcapw *w)
{
	if (drain(w) < 0)
		return -1;
	if (fflush(w->f) != 0) {
		if (!w->err)
			w->err = errno ? errno : EIO;
		errno = w->err;
		return -1;
	}
	return 0;
}

uint64_t pcapw_records(const struct pcapw *w)
{
	return w->records;
}

uint64_t pcapw_bytes(const struct pcapw *w)
{
	return w->bytes;
}

int pcapw_close(struct pcapw *w)
{
	if (!w)
		return 0;
	int rc = pcapw_flush(w);
	int e = rc < 0 ? errno : 0;
	if (!w->is_stdout && fclose(w->f) != 0 && rc == 0) {
		rc = -1;
		e = errno;
	}
	free(w->buf);
	free(w);
	if (rc < 0)
		errno = e;
	return rc;
}
