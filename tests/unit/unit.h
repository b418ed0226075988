/*
 * unit.h - the smallest test harness that does the job: table-driven C
 * tests print TAP lines ("ok N - name" / "not ok N - name"), which
 * tests/run.sh counts into the final "N passed, N failed" line.
 *
 *   static void test_x(void) { CHECK(a == b); CHECK_EQ_U(a, b); }
 *   int main(void) { RUN(test_x); return unit_done(); }
 *
 * A failed CHECK records the file, line and expression and the test goes
 * on, so one run shows every broken row of a table.
 */
#ifndef SPINETAP_UNIT_H
#define SPINETAP_UNIT_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int unit_n, unit_failed_tests, unit_fail_here;
static const char *unit_row = "";

#define UNIT_FAIL(...)                                                                              \
	do {                                                                                        \
		unit_fail_here++;                                                                   \
		printf("#   %s:%d: %s", __FILE__, __LINE__, unit_row);                                 \
		printf(__VA_ARGS__);                                                                \
		printf("\n");                                                                       \
	} while (0)

#define CHECK(cond)                                                                                 \
	do {                                                                                        \
		if (!(cond))                                                                        \
			UNIT_FAIL("CHECK(%s)", #cond);                                              \
	} while (0)

#define CHECK_EQ_U(a, b)                                                                            \
	do {                                                                                        \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                                    \
		if (a_ != b_)                                                                       \
			UNIT_FAIL("%s == %s: got %" PRIu64 " (0x%" PRIx64 "), want %" PRIu64       \
				  " (0x%" PRIx64 ")",                                               \
				  #a, #b, a_, a_, b_, b_);                                          \
	} while (0)

#define CHECK_EQ_S(a, b)                                                                            \
	do {                                                                                        \
		const char *a_ = (a), *b_ = (b);                                                    \
		if (!a_ || !b_ || strcmp(a_, b_) != 0)                                              \
			UNIT_FAIL("%s == %s: got \"%s\", want \"%s\"", #a, #b, a_ ? a_ : "(null)",  \
				  b_ ? b_ : "(null)");                                              \
	} while (0)

/* Label the table row being checked, printed with any failure. */
#define ROW(name) (unit_row = (name))

/* ROW with a copy of `name` and a ": " after it. */
static char unit_row_label[192];
static inline void row(const char *name)
{
	snprintf(unit_row_label, sizeof(unit_row_label), "%s: ", name);
	ROW(unit_row_label);
}

#define RUN(fn)                                                                                     \
	do {                                                                                        \
		unit_fail_here = 0;                                                                 \
		unit_row = "";                                                                      \
		fn();                                                                               \
		unit_n++;                                                                           \
		if (unit_fail_here) {                                                               \
			unit_failed_tests++;                                                        \
			printf("not ok %d - %s\n", unit_n, #fn);                                    \
		} else {                                                                            \
			printf("ok %d - %s\n", unit_n, #fn);                                        \
		}                                                                                   \
		fflush(stdout);                                                                     \
	} while (0)

static inline int unit_done(void)
{
	printf("1..%d\n", unit_n);
	return unit_failed_tests ? 1 : 0;
}

#endif
