/*
 * util.c - see util.h.
 */
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *progname = "spinetap";

void die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_ERROR);
}

void warnmsg(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void sb_init(struct sbuf *b, char *mem, size_t cap)
{
	b->p = mem;
	b->cap = cap;
	b->len = 0;
	if (cap)
		mem[0] = '\0';
}

void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	if (b->len + 1 >= b->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	b->len += (size_t)n;
	if (b->len >= b->cap)
		b->len = b->cap - 1;
}

void sb_puts(struct sbuf *b, const char *s)
{
	size_t n = strlen(s);
	if (b->len + 1 >= b->cap)
		return;
	if (n > b->cap - 1 - b->len)
		n = b->cap - 1 - b->len;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	/* Decimal, or hex with 0x; never octal: "0100" is a hundred. */
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	errno = 0;
	unsigned long long v = strtoull(hex ? s + 2 : s, &end, hex ? 16 : 10);
	if (errno || *end || end == (hex ? s + 2 : s) || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool parse_double(const char *s, double *out)
{
	char *end;
	if (!s || !*s)
		return false;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

const char *fmt_addr(char *buf, size_t len, int v, const uint8_t *a)
{
	if (!inet_ntop(v == 4 ? AF_INET : AF_INET6, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *fmt_mac(char *buf, size_t len, const uint8_t *m)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

bool parse_prefix(const char *s, uint8_t addr[16], uint8_t *plen, int *v)
{
	char tmp[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	memset(addr, 0, 16);
	int ver;
	unsigned maxlen;
	if (inet_pton(AF_INET6, tmp, addr) == 1) {
		ver = 6;
		maxlen = 128;
	} else if (inet_pton(AF_INET, tmp, addr) == 1) {
		ver = 4;
		maxlen = 32;
	} else {
		return false;
	}
	uint64_t l = maxlen;
	if (slash && !parse_u64(slash + 1, 0, maxlen, &l))
		return false;
	if (slash && slash[1] == '0' && slash[2] != '\0') /* no "/032" */
		return false;
	*plen = (uint8_t)l;
	if (v)
		*v = ver;
	return true;
}

bool prefix_match(const uint8_t *addr, const uint8_t *prefix, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;
	if (memcmp(addr, prefix, full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));
		if ((addr[full] & mask) != (prefix[full] & mask))
			return false;
	}
	return true;
}

void fmt_ts(char *buf, size_t len, uint64_t ns)
{
	snprintf(buf, len, "%llu.%09llu", (unsigned long long)(ns / 1000000000ull),
		 (unsigned long long)(ns % 1000000000ull));
}

bool parse_time(const char *s, uint64_t *ns)
{
	double d;
	if (parse_double(s, &d)) {
		if (d < 0 || d > 1e11)
			return false;
		*ns = (uint64_t)(d * 1e9 + 0.5);
		return true;
	}
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
	if (!end)
		return false;
	uint64_t frac = 0, scale = 1000000000ull;
	if (*end == '.') {
		end++;
		while (*end >= '0' && *end <= '9') {
			scale /= 10;
			frac += (uint64_t)(*end - '0') * scale;
			end++;
		}
	}
	if (*end == 'Z')
		end++;
	if (*end)
		return false;
	time_t t = timegm(&tm);
	if (t < 0)
		return false;
	*ns = (uint64_t)t * 1000000000ull + frac;
	return true;
}

const char *fmt_count(char *buf, size_t len, uint64_t v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
	size_t o = 0;
	for (int i = 0; i < n && o + 1 < len; i++) {
		if (i && (n - i) % 3 == 0 && o + 2 < len)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o < len ? o : len - 1] = '\0';
	return buf;
}

const char *fmt_bytes(char *buf, size_t len, uint64_t v)
{
	static const char *const unit[] = {"kB", "MB", "GB", "TB", "PB", "EB"};
	if (v < 1000) {
		snprintf(buf, len, "%llu B", (unsigned long long)v);
		return buf;
	}
	double x = (double)v / 1000.0;
	unsigned u = 0;
	while (x >= 999.95 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		x /= 1000.0;
		u++;
	}
	snprintf(buf, len, "%.1f %s", x, unit[u]);
	return buf;
}

uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
