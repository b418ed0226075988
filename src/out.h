/*
 * out.h - one emit path for text and JSON (the iproute2 print_* idea).
 *
 * Every field is emitted once, with its JSON key, a printf format for the
 * text rendering, and a verbosity level: in text mode a field shows only
 * when level <= verbose; in JSON mode every field shows. Objects and
 * arrays nest; a hidden object hides its members. Strings are escaped for
 * JSON, and control bytes never reach a terminal in text mode.
 */
#ifndef SPINETAP_OUT_H
#define SPINETAP_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum out_mode { OUT_TEXT, OUT_JSON };

#define OUT_MAX_DEPTH 16

struct out {
	FILE *f;
	int mode;
	int verbose;
	int depth;
	int hidden;                      /* depth at which text output was hidden, 0 = shown */
	bool first[OUT_MAX_DEPTH];       /* next member is the first at this depth */
	bool is_arr[OUT_MAX_DEPTH];
	const char *sep[OUT_MAX_DEPTH];  /* text separator between array elements */
};

void out_init(struct out *o, FILE *f, int mode, int verbose);
static inline bool out_json(const struct out *o) { return o->mode == OUT_JSON; }

void out_obj_open(struct out *o, int level, const char *key, const char *text);
void out_obj_close(struct out *o, const char *text);
void out_arr_open(struct out *o, int level, const char *key, const char *text, const char *sep);
void out_arr_close(struct out *o, const char *text);

void out_uint(struct out *o, int level, const char *key, const char *fmt, uint64_t v);
void out_int(struct out *o, int level, const char *key, const char *fmt, int64_t v);
/* JSON: "0x..." string with at least `digits` hex digits; text: fmt with the value. */
void out_hexstr(struct out *o, int level, const char *key, const char *fmt, uint64_t v, int digits);
void out_str(struct out *o, int level, const char *key, const char *fmt, const char *s);
void out_bool(struct out *o, int level, const char *key, const char *fmt, bool v);
void out_null(struct out *o, int level, const char *key);
void out_double(struct out *o, int level, const char *key, const char *fmt, double v);
/* JSON: a number written as given (e.g. "1700000000.000000001"); text: fmt with it. */
void out_rawnum(struct out *o, int level, const char *key, const char *fmt, const char *num);
/* Text only: literal text at a level. */
void out_text(struct out *o, int level, const char *text);
void out_textf(struct out *o, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* End a record: newline in both modes. */
void out_eol(struct out *o);

/* Write s as a JSON string (quoted, escaped). */
void json_string(FILE *f, const char *s);
/* Copy s into buf with control and non-ASCII bytes replaced by '?' (terminal safety). */
const char *text_safe(char *buf, size_t len, const char *s);

#endif
