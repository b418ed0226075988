/*
 * out.c - see out.h.
 */
#include "out.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

void out_init(struct out *o, FILE *f, int mode, int verbose)
{
	memset(o, 0, sizeof(*o));
	o->f = f;
	o->mode = mode;
	o->verbose = verbose;
	o->first[0] = true;
}

void json_string(FILE *f, const char *s)
{
	putc_unlocked('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				putc_unlocked(*p, f);
		}
	}
	putc_unlocked('"', f);
}

const char *text_safe(char *buf, size_t len, const char *s)
{
	size_t i = 0;
	if (!len)
		return "";
	for (; s[i] && i + 1 < len; i++) {
		unsigned char c = (unsigned char)s[i];
		buf[i] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
	}
	buf[i] = '\0';
	return buf;
}

static bool shown(struct out *o, int level)
{
	if (o->mode == OUT_JSON)
		return true;
	return !o->hidden && level <= o->verbose;
}

/* JSON: comma and key before a member. Text: the array separator. */
static void member(struct out *o, const char *key)
{
	int d = o->depth;
	if (o->mode == OUT_JSON) {
		if (!o->first[d])
			putc_unlocked(',', o->f);
		if (key && !o->is_arr[d]) {
			json_string(o->f, key);
			putc_unlocked(':', o->f);
		}
	} else if (o->is_arr[d] && !o->first[d] && o->sep[d]) {
		fputs(o->sep[d], o->f);
	}
	o->first[d] = false;
}

static void open_(struct out *o, int level, const char *key, const char *text, bool arr,
		  const char *sep)
{
	bool vis = shown(o, level);
	if (vis) {
		member(o, key);
		if (o->mode == OUT_JSON)
			putc_unlocked(arr ? '[' : '{', o->f);
		else if (text)
			fputs(text, o->f);
	}
	if (o->depth + 1 >= OUT_MAX_DEPTH) /* defensive: callers nest a handful deep */
		return;
	o->depth++;
	o->first[o->depth] = true;
	o->is_arr[o->depth] = arr;
	o->sep[o->depth] = sep;
	if (!vis && !o->hidden)
		o->hidden = o->depth;
}

static void close_(struct out *o, const char *text, bool arr)
{
	bool vis = o->mode == OUT_JSON || !o->hidden;
	if (o->hidden == o->depth)
		o->hidden = 0;
	if (o->depth > 0)
		o->depth--;
	if (!vis)
		return;
	if (o->mode == OUT_JSON)
		putc_unlocked(arr ? ']' : '}', o->f);
	else if (text)
		fputs(text, o->f);
}

void out_obj_open(struct out *o, int level, const char *key, const char *text)
{
	open_(o, level, key, text, false, NULL);
}

void out_obj_close(struct out *o, const char *text)
{
	close_(o, text, false);
}

void out_arr_open(struct out *o, int level, const char *key, const char *text, const char *sep)
{
	open_(o, level, key, text, true, sep);
}

void out_arr_close(struct out *o, const char *text)
{
	close_(o, text, true);
}

void out_uint(struct out *o, int level, const char *key, const char *fmt, uint64_t v)
{
	if (!shown(o, level))
		return;
	member(o, key);
	if (o->mode == OUT_JSON)
		fprintf(o->f, "%" PRIu64, v);
	else if (fmt)
		fprintf(o->f, fmt, v);
}

void out_int(struct out *o, int level, const char *key, const char *fmt, int64_t v)
{
	if (!shown(o, level))
		return;
	member(o, key);
	if (o->mode == OUT_JSON)
		fprintf(o->f, "%" PRId64, v);
	else if (fmt)
		fprintf(o->f, fmt, v);
}

void out_hexstr(struct out *o, int level, const char *key, const char *fmt, uint64_t v, int digits)
{
	if (!shown(o, level))
		return;
	member(o, key);
	if (o->mode == OUT_JSON)
		fprintf(o->f, "\"0x%0*" PRIx64 "\"", digits, v);
	else if (fmt)
		fprintf(o->f, fmt, v);
}

void out_str(struct out *o, int level, const char *key, const char *fmt, const char *s)
{
	if (!shown(o, level))
		return;
	member(o, key);
	if (o->mode == OUT_JSON) {
		json_string(o->f, s);
	} else if (fmt) {
		char safe[512];
		fprintf(o->f, fmt, text_safe(safe, sizeof(safe), s));
	}
}

void out_bool(struct out *o, int level, const char *key, const char *fmt, bool v)
{
	if (!shown(o, level))
		return;
	member(o, key);
	if (o->mode == OUT_JSON)
		fputs(v ? "true" : "false", o->f);
	else if (fmt)
		fprintf(o->f, fmt, v ? 1 : 0);
}

void out_null(struct out *o, int level, const char *key)
{
	if (!shown(o, level))
		return;
	member(o, key);
	if (o->mode == OUT_JSON)
		fputs("null", o->f);
}

void out_double(struct out *o, int level, const char *key, const char *fmt, double v)
{
	if (!shown(o, level))
		return;
	member(o, key);
	if (o->mode == OUT_JSON) {
		if (v != v || v > 1e300 || v < -1e300)
			fputs("null", o->f);
		else
			fprintf(o->f, "%.10g", v);
	}
	else if (fmt)
		fprintf(o->f, fmt, v);
}

void out_rawnum(struct out *o, int level, const char *key, const char *fmt, const char *num)
{
	if (!shown(o, level))
		return;
	member(o, key);
	if (o->mode == OUT_JSON)
		fputs(num, o->f);
	else if (fmt)
		fprintf(o->f, fmt, num);
}

void out_text(struct out *o, int level, const char *text)
{
	if (o->mode == OUT_TEXT && shown(o, level))
		fputs(text, o->f);
}

void out_textf(struct out *o, int level, const char *fmt, ...)
{
	if (o->mode != OUT_TEXT || !shown(o, level))
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
}

void out_eol(struct out *o)
{
	putc_unlocked('\n', o->f);
	o->depth = 0;
	o->hidden = 0;
	o->first[0] = true;
}
