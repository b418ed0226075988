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
#include <poll.h>
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
#define BLOCK_TIMEOUT_MS 50      /* TPACKET_V3 block retire timeout (pcap_set_timeout) */
#define DISPATCH_MAX 512         /* packets per read, so a stop is seen even under load */
#define MAX_WAIT_NS 2000000000ull /* longest a packet waits for a lagging interface */

struct slot_hdr {
	uint64_t ts;
	uint64_t frame;              /* packet number on this interface, from 1 */
	uint32_t caplen, len;
};

struct worker {
	struct live *l;
	int idx;
	pcap_t *p;
	struct live_spec spec;
	uint32_t linktype;
	uint32_t ts_scale;     /* ns per unit of the header's sub-second field: 1 or 1000 */
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
	/*
	 * Every packet this interface received before `progress` (ns, realtime)
	 * is in the ring: set before each read that drains the kernel's retired
	 * blocks, to the read's start minus the block timeout.
	 */
	_Atomic uint64_t progress;
	uint64_t seq;
	_Atomic bool failed;
	char error[640];
};


struct live {
	struct live_opts o;
	struct worker w[MAX_IFACES];
	int n;
	_Atomic bool stop;
	int last;               /* ring of the packet handed out last, advanced on the next call */
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
	l->last = -1;
	return l;
}

/* Path of a namespace: a name under /run/netns, or a path as given. */
/*
 * Path of a namespace: a path as given (/proc/PID/ns/net); a name under
 * /run/netns (ip netns add, containerlab); else a container of that name,
 * whose PID docker or podman tells: /proc/PID/ns/net.
 */
static void netns_path(const char *ns, char *buf, size_t len)
{
	if (strchr(ns, '/')) {
		snprintf(buf, len, "%s", ns);
		return;
	}
	snprintf(buf, len, "/run/netns/%s", ns);
	if (access(buf, F_OK) == 0)
		return;
	for (size_t i = 0; ns[i]; i++) { /* a container name: nothing a shell would read */
		char c = ns[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return;
	}
	static const char *const tools[] = {"docker", "podman"};
	for (size_t t = 0; t < sizeof(tools) / sizeof(tools[0]); t++) {
		char cmd[400];
		snprintf(cmd, sizeof(cmd), "%s inspect -f '{{.State.Pid}}' %s 2>/dev/null", tools[t], ns);
		FILE *f = popen(cmd, "r");
		if (!f)
			continue;
		char out[32] = "";
		char *got = fgets(out, sizeof(out), f);
		pclose(f);
		uint64_t pid;
		out[strcspn(out, "\n")] = '\0';
		if (got && parse_u64(out, 1, 1u << 30, &pid)) {
			snprintf(buf, len, "/proc/%llu/ns/net", (unsigned long long)pid);
			return;
		}
	}
	snprintf(buf, len, "/run/netns/%s", ns); /* for the error message */
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
			snprintf(err, errlen, "-i %s: %s %s (%s)", spec->text,
				 errno == ENOENT || errno == ENOTDIR ? "no network namespace" : "cannot open namespace",
				 nspath, strerror(errno));
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
		pcap_set_timeout(w->p, BLOCK_TIMEOUT_MS);
		pcap_set_immediate_mode(w->p, 0);
		pcap_set_buffer_size(w->p, (int)((size_t)l->o.buffer_mib << 20)); /* at most 2047 MiB */
		(void)pcap_set_tstamp_precision(w->p, PCAP_TSTAMP_PRECISION_NANO); /* checked below */
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
	/* `-i any`: prefer the cooked v2 header, which adds the interface index. */
	if (pcap_datalink(w->p) == DLT_LINUX_SLL)
		(void)pcap_set_datalink(w->p, 276 /* DLT_LINUX_SLL2 */);
	/* Nanoseconds when the kernel gives them; otherwise microseconds, scaled. */
	w->ts_scale = pcap_get_tstamp_precision(w->p) == PCAP_TSTAMP_PRECISION_NANO ? 1 : 1000;
	/* The filter after the link type is final, as tcpdump does: it is compiled for it. */
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
	sh.ts = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec * w->ts_scale;
	sh.caplen = h->caplen < (uint32_t)w->l->o.snaplen ? h->caplen : (uint32_t)w->l->o.snaplen;
	sh.frame = ++w->seq;
	sh.len = h->len;
	memcpy(s, &sh, sizeof(sh));
	memcpy(s + sizeof(sh), data, sh.caplen);
	atomic_store_explicit(&w->tail, tail + 1, memory_order_release);
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void publish_stats(struct worker *w)
{
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
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct timespec last, now;
	const uint64_t tmo = (uint64_t)BLOCK_TIMEOUT_MS * 1000000ull;
	/* The kernel's retire timer can fire late on a loaded machine: allow as much again. */
	const uint64_t lag = 2 * tmo;
	clock_gettime(CLOCK_MONOTONIC, &last);
	/*
	 * Non-blocking reads and our own poll() with the block timeout: libpcap's
	 * TPACKET_V3 reader would wait in poll() without a timeout on an idle
	 * interface, and its progress (below) would stop for as long.
	 */
	char ebuf[PCAP_ERRBUF_SIZE];
	int fd = pcap_get_selectable_fd(w->p);
	bool polled = fd >= 0 && pcap_setnonblock(w->p, 1, ebuf) == 0;
	uint64_t start = realtime_ns();
	while (!atomic_load(&w->l->stop)) {
		/*
		 * A packet received before `start - timeout` sits in a block the kernel has
		 * retired; once a read returns fewer than it may (the retired blocks are
		 * drained), every such packet is in the ring.
		 */
		int rc = pcap_dispatch(w->p, DISPATCH_MAX, on_packet, (u_char *)w);
		if (rc == PCAP_ERROR) {
			snprintf(w->error, sizeof(w->error), "%s: %s", w->spec.text, pcap_geterr(w->p));
			atomic_store(&w->failed, true);
			break;
		}
		if (rc >= 0 && rc < DISPATCH_MAX) {
			atomic_store(&w->progress, start - lag);
			start = realtime_ns();
		}
		if (rc == 0 && polled) {
			struct pollfd pfd = {.fd = fd, .events = POLLIN};
			poll(&pfd, 1, BLOCK_TIMEOUT_MS);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec != last.tv_sec) {
			publish_stats(w);
			last = now;
		}
	}
	if (!atomic_load(&w->failed)) {
		/* Stopping: let the kernel retire the block being filled, then read to empty,
		 * so the packets that arrived just before the stop are not left behind. */
		struct timespec nap = {0, (long)(tmo + 20000000ull)};
		nanosleep(&nap, NULL);
		pcap_setnonblock(w->p, 1, ebuf);
		for (int i = 0; i < 1000; i++) {
			int rc = pcap_dispatch(w->p, DISPATCH_MAX, on_packet, (u_char *)w);
			if (rc == PCAP_ERROR_BREAK) /* the breakloop of live_stop(), now cleared */
				continue;
			if (rc <= 0)
				break;
		}
		atomic_store(&w->progress, UINT64_MAX);
	}
	publish_stats(w); /* the final numbers, after the last packet this thread will see */
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

/* ---- merging the rings ---- */

/*
 * Each ring holds one interface's packets in arrival order, so the merge
 * takes the oldest ring head - when it is safe: no interface with an empty
 * ring may still deliver an older packet, which its progress tells. The
 * packet is used in place; its slot is given back on the next call.
 */
int live_next(struct live *l, struct pkt *p, uint64_t upto_ns)
{
	if (l->last >= 0) {
		struct worker *w = &l->w[l->last];
		atomic_store_explicit(&w->head, atomic_load_explicit(&w->head, memory_order_relaxed) + 1,
				      memory_order_release);
		l->last = -1;
	}
	int best = -1;
	struct slot_hdr bh;
	memset(&bh, 0, sizeof(bh));
	uint64_t empty_progress = UINT64_MAX;
	for (int i = 0; i < l->n; i++) {
		struct worker *w = &l->w[i];
		uint64_t head = atomic_load_explicit(&w->head, memory_order_relaxed);
		uint64_t tail = atomic_load_explicit(&w->tail, memory_order_acquire);
		if (head == tail) {
			if (!atomic_load(&w->failed)) {
				uint64_t pr = atomic_load(&w->progress);
				if (pr < empty_progress)
					empty_progress = pr;
			}
			continue;
		}
		struct slot_hdr sh;
		memcpy(&sh, w->ring + (size_t)(head % w->nslots) * w->slot_size, sizeof(sh));
		if (best < 0 || sh.ts < bh.ts) {
			best = i;
			bh = sh;
		}
	}
	if (best < 0)
		return 0;
	if (upto_ns > empty_progress)
		upto_ns = empty_progress;
	/* No interface is waited for more than MAX_WAIT: a worker starved of CPU (or a
	 * clock gone wrong) must not stop the others. */
	if (bh.ts > upto_ns && bh.ts + MAX_WAIT_NS > realtime_ns())
		return 0;
	struct worker *w = &l->w[best];
	const uint8_t *slot = w->ring + (size_t)(atomic_load_explicit(&w->head, memory_order_relaxed) %
						 w->nslots) * w->slot_size;
	p->ts = bh.ts;
	p->caplen = bh.caplen;
	p->len = bh.len < bh.caplen ? bh.caplen : bh.len;
	p->src = best;
	p->linktype = w->linktype;
	p->frame = bh.frame;
	p->data = slot + sizeof(bh);
	l->last = best;
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
	/* Workers wake (at once, or within the block timeout), drain what the kernel
	 * holds, and end. */
	atomic_store(&l->stop, true);
	for (int i = 0; i < l->n; i++)
		if (l->w[i].started)
			pcap_breakloop(l->w[i].p);
	for (int i = 0; i < l->n; i++) {
		if (l->w[i].started) {
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
