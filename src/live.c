/*
 * live.c - see live.h. libpcap: pcap_create(3PCAP), pcap_set_immediate_mode
 * (off: TPACKET_V3 block delivery on Linux), pcap_set_buffer_size,
 * pcap_set_tstamp_precision; setns(2) for namespaces.
 */
#include "live.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define MAX_IFACES 64
#define RING_BYTES (32u << 20)   /* per interface */
#define RING_SLOTS_MAX (1u << 17)
#define HOLD_SLOTS (1u << 16)    /* reorder buffer in the attribution thread */

struct slot_hdr {
	uint64_t ts;
	uint32_t caplen, len;
};

struct worker {
	struct live *l;
	int idx;
	pcap_t *p;
	struct live_spec spec;
	uint32_t linktype;
	pthread_t thr;
	bool started;
	/* SPSC ring */
	uint8_t *ring;
	uint32_t nslots, slot_size;
	_Atomic uint64_t head; /* next slot the consumer reads */
	_Atomic uint64_t tail; /* next slot the producer writes */
	/* stats, written by the worker, read by the control side */
	_Atomic uint64_t packets, bytes, ring_drops, kernel_recv, kernel_drop, ifdrop;
	_Atomic uint64_t cpu_ns;
	_Atomic bool failed;
	char error[640];
};

struct held {
	uint64_t ts;
	uint32_t caplen, len;
	int src;
	uint8_t *data;
};

struct live {
	struct live_opts o;
	struct worker w[MAX_IFACES];
	int n;
	_Atomic bool stop;
	/* reorder buffer: a min-heap on ts of held packets */
	struct held *hold;
	uint8_t *hold_mem;
	uint32_t nhold;
	uint32_t *free_list;
	uint32_t nfree;
	uint32_t *heap;
	uint32_t nheap;
	uint32_t last_out;      /* slot of the packet handed out last, freed on the next call */
	bool have_last;
};

bool live_parse_spec(const char *arg, struct live_spec *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->text, sizeof(s->text), "%s", arg);
	const char *eq = strchr(arg, '=');
	const char *rest = arg;
	if (eq) {
		size_t n = (size_t)(eq - arg);
		if (n == 0 || n >= sizeof(s->tap)) {
			snprintf(err, errlen, "-i %s: the tap name must be 1..%zu characters", arg,
				 sizeof(s->tap) - 1);
			return false;
		}
		memcpy(s->tap, arg, n);
		rest = eq + 1;
	}
	const char *slash = strrchr(rest, '/');
	const char *ifc = slash ? slash + 1 : rest;
	if (!*ifc || strlen(ifc) >= sizeof(s->iface)) {
		snprintf(err, errlen, "-i %s: no interface name", arg);
		return false;
	}
	snprintf(s->iface, sizeof(s->iface), "%s", ifc);
	if (slash) {
		size_t n = (size_t)(slash - rest);
		if (n == 0 || n >= sizeof(s->netns)) {
			snprintf(err, errlen, "-i %s: bad network namespace", arg);
			return false;
		}
		memcpy(s->netns, rest, n);
	}
	if (!eq)
		snprintf(s->tap, sizeof(s->tap), "%s", rest);
	return true;
}

struct live *live_new(const struct live_opts *o)
{
	struct live *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->o = *o;
	if (l->o.snaplen <= 0)
		l->o.snaplen = 256;
	if (l->o.buffer_mib <= 0)
		l->o.buffer_mib = 64;
	uint32_t ss = (uint32_t)l->o.snaplen;
	l->hold = calloc(HOLD_SLOTS, sizeof(*l->hold));
	l->hold_mem = malloc((size_t)HOLD_SLOTS * ss);
	l->free_list = malloc(HOLD_SLOTS * sizeof(uint32_t));
	l->heap = malloc(HOLD_SLOTS * sizeof(uint32_t));
	if (!l->hold || !l->hold_mem || !l->free_list || !l->heap) {
		live_free(l);
		return NULL;
	}
	for (uint32_t i = 0; i < HOLD_SLOTS; i++) {
		l->hold[i].data = l->hold_mem + (size_t)i * ss;
		l->free_list[i] = HOLD_SLOTS - 1 - i;
	}
	l->nfree = HOLD_SLOTS;
	return l;
}

/* Path of a namespace: a name under /run/netns, or a path as given. */
static void netns_path(const char *ns, char *buf, size_t len)
{
	if (strchr(ns, '/'))
		snprintf(buf, len, "%s", ns);
	else
		snprintf(buf, len, "/run/netns/%s", ns);
}

bool live_open(struct live *l, const struct live_spec *spec, char *err, size_t errlen)
{
	if (l->n >= MAX_IFACES) {
		snprintf(err, errlen, "too many interfaces (at most %d)", MAX_IFACES);
		return false;
	}
	struct worker *w = &l->w[l->n];
	memset(w, 0, sizeof(*w));
	w->l = l;
	w->idx = l->n;
	w->spec = *spec;

	int home = -1, target = -1;
	char nspath[512];
	if (spec->netns[0]) {
		netns_path(spec->netns, nspath, sizeof(nspath));
		target = open(nspath, O_RDONLY | O_CLOEXEC);
		if (target < 0) {
			snprintf(err, errlen, "-i %s: no network namespace %s (%s)", spec->text, nspath,
				 strerror(errno));
			return false;
		}
		home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (home < 0 || setns(target, CLONE_NEWNET) != 0) {
			snprintf(err, errlen, "-i %s: cannot enter namespace %s: %s%s", spec->text, nspath,
				 strerror(errno), errno == EPERM ? " (run as root)" : "");
			if (home >= 0)
				close(home);
			close(target);
			return false;
		}
	}

	char ebuf[PCAP_ERRBUF_SIZE] = "";
	bool ok = false;
	w->p = pcap_create(spec->iface, ebuf);
	if (!w->p) {
		snprintf(err, errlen, "-i %s: %s", spec->text, ebuf);
	} else {
		pcap_set_snaplen(w->p, l->o.snaplen);
		pcap_set_promisc(w->p, 1);
		pcap_set_timeout(w->p, 100);
		pcap_set_immediate_mode(w->p, 0);
		pcap_set_buffer_size(w->p, l->o.buffer_mib << 20);
		pcap_set_tstamp_precision(w->p, PCAP_TSTAMP_PRECISION_NANO);
		int rc = pcap_activate(w->p);
		if (rc < 0) {
			const char *why = pcap_geterr(w->p);
			if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
				snprintf(err, errlen, "-i %s: no interface %s%s%s", spec->text, spec->iface,
					 spec->netns[0] ? " in namespace " : "", spec->netns);
			else if (rc == PCAP_ERROR_PERM_DENIED)
				snprintf(err, errlen, "-i %s: permission denied (run as root, or grant CAP_NET_RAW): %s",
					 spec->text, why);
			else
				snprintf(err, errlen, "-i %s: %s", spec->text, why);
		} else {
			ok = true;
		}
	}
	if (home >= 0) {
		if (setns(home, CLONE_NEWNET) != 0 && ok) {
			snprintf(err, errlen, "-i %s: cannot return to the original namespace: %s",
				 spec->text, strerror(errno));
			ok = false;
		}
		close(home);
	}
	if (target >= 0)
		close(target);
	if (!ok) {
		if (w->p)
			pcap_close(w->p);
		w->p = NULL;
		return false;
	}
	if (l->o.filter) {
		struct bpf_program prog;
		if (pcap_compile(w->p, &prog, l->o.filter, 1, PCAP_NETMASK_UNKNOWN) < 0 ||
		    pcap_setfilter(w->p, &prog) < 0) {
			snprintf(err, errlen, "filter '%s' on %s: %s", l->o.filter, spec->text,
				 pcap_geterr(w->p));
			pcap_close(w->p);
			w->p = NULL;
			return false;
		}
		pcap_freecode(&prog);
	}
	/* `-i any`: prefer the cooked v2 header, which adds the interface index. */
	if (pcap_datalink(w->p) == DLT_LINUX_SLL)
		(void)pcap_set_datalink(w->p, 276 /* DLT_LINUX_SLL2 */);
	w->linktype = (uint32_t)pcap_datalink(w->p);
	w->slot_size = (uint32_t)(sizeof(struct slot_hdr) + (((uint32_t)l->o.snaplen + 7u) & ~7u));
	w->nslots = RING_BYTES / w->slot_size;
	if (w->nslots > RING_SLOTS_MAX)
		w->nslots = RING_SLOTS_MAX;
	w->ring = malloc((size_t)w->nslots * w->slot_size);
	if (!w->ring) {
		snprintf(err, errlen, "-i %s: out of memory for the ring", spec->text);
		pcap_close(w->p);
		w->p = NULL;
		return false;
	}
	l->n++;
	return true;
}

int live_count(const struct live *l)
{
	return l->n;
}

const struct live_spec *live_spec_at(const struct live *l, int i)
{
	return &l->w[i].spec;
}

static void on_packet(u_char *arg, const struct pcap_pkthdr *h, const u_char *data)
{
	struct worker *w = (struct worker *)arg;
	uint64_t tail = atomic_load_explicit(&w->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&w->head, memory_order_acquire);
	atomic_fetch_add_explicit(&w->packets, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&w->bytes, h->len, memory_order_relaxed);
	if (tail - head >= w->nslots) {
		atomic_fetch_add_explicit(&w->ring_drops, 1, memory_order_relaxed);
		return;
	}
	uint8_t *s = w->ring + (size_t)(tail % w->nslots) * w->slot_size;
	struct slot_hdr sh;
	sh.ts = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
	sh.caplen = h->caplen < (uint32_t)w->l->o.snaplen ? h->caplen : (uint32_t)w->l->o.snaplen;
	sh.len = h->len;
	memcpy(s, &sh, sizeof(sh));
	memcpy(s + sizeof(sh), data, sh.caplen);
	atomic_store_explicit(&w->tail, tail + 1, memory_order_release);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct timespec last, now;
	clock_gettime(CLOCK_MONOTONIC, &last);
	while (!atomic_load(&w->l->stop)) {
		int rc = pcap_dispatch(w->p, 512, on_packet, (u_char *)w);
		if (rc == PCAP_ERROR) {
			snprintf(w->error, sizeof(w->error), "%s: %s", w->spec.text, pcap_geterr(w->p));
			atomic_store(&w->failed, true);
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec != last.tv_sec) {
			struct pcap_stat ps;
			if (pcap_stats(w->p, &ps) == 0) {
				atomic_store(&w->kernel_recv, ps.ps_recv);
				atomic_store(&w->kernel_drop, ps.ps_drop);
				atomic_store(&w->ifdrop, ps.ps_ifdrop);
			}
			struct rusage ru;
			if (getrusage(RUSAGE_THREAD, &ru) == 0)
				atomic_store(&w->cpu_ns, (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
								 1000000000ull +
							 (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull);
			last = now;
		}
	}
	/* Final numbers, after the last packet this thread will see. */
	struct pcap_stat ps;
	if (pcap_stats(w->p, &ps) == 0) {
		atomic_store(&w->kernel_recv, ps.ps_recv);
		atomic_store(&w->kernel_drop, ps.ps_drop);
		atomic_store(&w->ifdrop, ps.ps_ifdrop);
	}
	struct rusage ru;
	if (getrusage(RUSAGE_THREAD, &ru) == 0)
		atomic_store(&w->cpu_ns, (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
						 (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull);
	return NULL;
}

bool live_start(struct live *l, char *err, size_t errlen)
{
	for (int i = 0; i < l->n; i++) {
		struct worker *w = &l->w[i];
		int rc = pthread_create(&w->thr, NULL, worker_main, w);
		if (rc) {
			snprintf(err, errlen, "cannot start a capture thread: %s", strerror(rc));
			return false;
		}
		w->started = true;
	}
	return true;
}

/* ---- reorder buffer ---- */

static bool h_before(const struct live *l, uint32_t a, uint32_t b)
{
	const struct held *x = &l->hold[a], *y = &l->hold[b];
	return x->ts != y->ts ? x->ts < y->ts : x->src < y->src;
}

static void h_push(struct live *l, uint32_t s)
{
	uint32_t i = l->nheap++;
	l->heap[i] = s;
	while (i) {
		uint32_t p = (i - 1) / 2;
		if (!h_before(l, l->heap[i], l->heap[p]))
			break;
		uint32_t t = l->heap[i];
		l->heap[i] = l->heap[p];
		l->heap[p] = t;
		i = p;
	}
}

static uint32_t h_pop(struct live *l)
{
	uint32_t top = l->heap[0];
	l->heap[0] = l->heap[--l->nheap];
	for (uint32_t i = 0;;) {
		uint32_t a = 2 * i + 1, b = a + 1, m = i;
		if (a < l->nheap && h_before(l, l->heap[a], l->heap[m]))
			m = a;
		if (b < l->nheap && h_before(l, l->heap[b], l->heap[m]))
			m = b;
		if (m == i)
			break;
		uint32_t t = l->heap[i];
		l->heap[i] = l->heap[m];
		l->heap[m] = t;
		i = m;
	}
	return top;
}

/* Move packets from the worker rings into the reorder buffer while it has room. */
static void drain(struct live *l)
{
	for (int i = 0; i < l->n && l->nfree; i++) {
		struct worker *w = &l->w[i];
		uint64_t head = atomic_load_explicit(&w->head, memory_order_relaxed);
		uint64_t tail = atomic_load_explicit(&w->tail, memory_order_acquire);
		while (head < tail && l->nfree) {
			const uint8_t *s = w->ring + (size_t)(head % w->nslots) * w->slot_size;
			struct slot_hdr sh;
			memcpy(&sh, s, sizeof(sh));
			uint32_t k = l->free_list[--l->nfree];
			struct held *h = &l->hold[k];
			h->ts = sh.ts;
			h->caplen = sh.caplen;
			h->len = sh.len;
			h->src = i;
			memcpy(h->data, s + sizeof(sh), sh.caplen);
			h_push(l, k);
			head++;
		}
		atomic_store_explicit(&w->head, head, memory_order_release);
	}
}

int live_next(struct live *l, struct pkt *p, uint64_t upto_ns)
{
	if (l->have_last) {
		l->free_list[l->nfree++] = l->last_out;
		l->have_last = false;
	}
	drain(l);
	if (!l->nheap)
		return 0;
	const struct held *top = &l->hold[l->heap[0]];
	/* A full reorder buffer releases its oldest packet even before its time. */
	if (top->ts > upto_ns && l->nfree)
		return 0;
	uint32_t k = h_pop(l);
	const struct held *h = &l->hold[k];
	p->ts = h->ts;
	p->caplen = h->caplen;
	p->len = h->len < h->caplen ? h->caplen : h->len;
	p->src = h->src;
	p->linktype = l->w[h->src].linktype;
	p->frame = 0;
	p->data = h->data;
	l->last_out = k;
	l->have_last = true;
	return 1;
}

void live_stats(struct live *l, int i, struct live_stats *s)
{
	struct worker *w = &l->w[i];
	s->packets = atomic_load(&w->packets);
	s->bytes = atomic_load(&w->bytes);
	s->kernel_recv = atomic_load(&w->kernel_recv);
	s->kernel_drop = atomic_load(&w->kernel_drop);
	s->ifdrop = atomic_load(&w->ifdrop);
	s->ring_drops = atomic_load(&w->ring_drops);
	s->cpu_s = (double)atomic_load(&w->cpu_ns) / 1e9;
	s->failed = atomic_load(&w->failed);
	snprintf(s->error, sizeof(s->error), "%s", s->failed ? w->error : "");
}

void live_stop(struct live *l)
{
	atomic_store(&l->stop, true);
	for (int i = 0; i < l->n; i++) {
		if (l->w[i].started) {
			pcap_breakloop(l->w[i].p);
			pthread_join(l->w[i].thr, NULL);
			l->w[i].started = false;
		}
	}
}

void live_free(struct live *l)
{
	if (!l)
		return;
	live_stop(l);
	for (int i = 0; i < l->n; i++) {
		if (l->w[i].p)
			pcap_close(l->w[i].p);
		free(l->w[i].ring);
	}
	free(l->hold);
	free(l->hold_mem);
	free(l->free_list);
	free(l->heap);
	free(l);
}

bool live_drop_privileges(const char *user, const char *const *files, int nfiles, char *err,
			  size_t errlen)
{
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errlen, "-Z %s: no such user", user);
		return false;
	}
	for (int i = 0; i < nfiles; i++)
		if (files[i] && chown(files[i], pw->pw_uid, pw->pw_gid) != 0 && errno != ENOENT) {
			snprintf(err, errlen, "-Z %s: cannot hand %s over: %s", user, files[i],
				 strerror(errno));
			return false;
		}
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		snprintf(err, errlen, "-Z %s: cannot drop privileges: %s", user, strerror(errno));
		return false;
	}
	if (setuid(0) == 0) { /* defensive: dropping must be irreversible */
		snprintf(err, errlen, "-Z %s: root could be regained; refusing to go on", user);
		return false;
	}
	return true;
}
