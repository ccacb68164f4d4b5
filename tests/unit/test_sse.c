/*
 * The SSE parser: the WHATWG examples and rules, chunking at every split
 * point, limits, and the recorded provider streams in
 * $DT_SHARED_DIR/fixtures/sse/ (skipped when that folder is absent).
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "duoterm/core/strbuf.h"
#include "duoterm/net/sse.h"

/* Byte strings used below; a macro keeps hex escapes from running on. */
#define BOM  "\xEF\xBB\xBF"
#define FFFD "\xEF\xBF\xBD"

/* ---- collecting events ---- */

struct ev_copy {
	char *type, *data, *id;
	size_t type_len, data_len;
};

struct rec {
	struct ev_copy *evs;
	size_t n, alloc;
	struct dt_sb log; /* the whole sequence as one comparable string */
	int stop_at;      /* return stop_ret on this event (1-based), 0: never */
	int stop_ret;
	int ret; /* first nonzero feed/finish return */
};

static int collect(void *ud, const struct dt_sse_event *ev)
{
	struct rec *r = ud;
	struct ev_copy *c;

	assert_non_null(ev->type);
	assert_non_null(ev->data);
	assert_non_null(ev->id);
	assert_int_equal(ev->data[ev->data_len], '\0');
	assert_int_equal(ev->type[ev->type_len], '\0');
	assert_true(ev->type_len > 0);
	if (r->n == r->alloc) {
		r->alloc = r->alloc ? 2 * r->alloc : 16;
		r->evs = dt_xrealloc(r->evs, r->alloc * sizeof(*r->evs));
	}
	c = &r->evs[r->n++];
	c->type = dt_xstrndup(ev->type, ev->type_len);
	c->type_len = ev->type_len;
	c->data = dt_xstrndup(ev->data, ev->data_len);
	c->data_len = ev->data_len;
	c->id = dt_xstrdup(ev->id);
	dt_sb_addf(&r->log, "%zu:", ev->type_len);
	dt_sb_add(&r->log, ev->type, ev->type_len);
	dt_sb_addf(&r->log, "|%zu:", ev->data_len);
	dt_sb_add(&r->log, ev->data, ev->data_len);
	dt_sb_addf(&r->log, "|%s\n", ev->id);
	if (r->stop_at && (int)r->n == r->stop_at)
		return r->stop_ret;
	return 0;
}

static void rec_release(struct rec *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->evs[i].type);
		free(r->evs[i].data);
		free(r->evs[i].id);
	}
	free(r->evs);
	dt_sb_release(&r->log);
	*r = (struct rec){0};
}

static void note_ret(struct rec *r, int ret)
{
	if (ret && !r->ret)
		r->ret = ret;
}

/* Feeds the input cut at the given offsets (ascending), then finishes. */
static void run_cuts(struct rec *r, const char *in, size_t len, const size_t *cuts, size_t ncuts)
{
	struct dt_sse p;
	size_t from = 0;

	dt_sse_init(&p, collect, r);
	for (size_t i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : len;

		note_ret(r, dt_sse_feed(&p, in + from, to - from));
		from = to;
	}
	note_ret(r, dt_sse_finish(&p));
	dt_sse_release(&p);
}

static void run_whole(struct rec *r, const char *in, size_t len)
{
	run_cuts(r, in, len, NULL, 0);
}

/* Feeds in pieces of `step` bytes. */
static void run_step(struct rec *r, const char *in, size_t len, size_t step)
{
	struct dt_sse p;

	dt_sse_init(&p, collect, r);
	for (size_t i = 0; i < len; i += step)
		note_ret(r, dt_sse_feed(&p, in + i, len - i < step ? len - i : step));
	note_ret(r, dt_sse_finish(&p));
	dt_sse_release(&p);
}

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

/* Feeds in pieces of random sizes 1..max. */
static void run_random(struct rec *r, const char *in, size_t len, uint32_t seed, size_t max)
{
	struct dt_sse p;
	size_t i = 0;

	dt_sse_init(&p, collect, r);
	while (i < len) {
		size_t n = 1 + lcg(&seed) % max;

		if (n > len - i)
			n = len - i;
		note_ret(r, dt_sse_feed(&p, in + i, n));
		i += n;
	}
	note_ret(r, dt_sse_finish(&p));
	dt_sse_release(&p);
}

static void assert_same(const struct rec *a, const struct rec *b)
{
	assert_int_equal(a->n, b->n);
	assert_int_equal(a->ret, b->ret);
	assert_int_equal(a->log.len, b->log.len);
	assert_memory_equal(dt_sb_str(&a->log), dt_sb_str(&b->log), a->log.len);
}

/*
 * Checks that every way of chunking the input gives the same result as the
 * whole: byte by byte, every single split point, and (for short inputs)
 * every pair of split points.
 */
static void check_all_splits(const char *in, size_t len, const struct rec *whole)
{
	struct rec r = {0};

	run_step(&r, in, len, 1);
	assert_same(whole, &r);
	rec_release(&r);
	for (size_t i = 0; i <= len; i++) {
		run_cuts(&r, in, len, &i, 1);
		assert_same(whole, &r);
		rec_release(&r);
	}
	if (len > 80)
		return;
	for (size_t i = 0; i <= len; i++) {
		for (size_t j = i; j <= len; j++) {
			size_t cuts[2] = {i, j};

			run_cuts(&r, in, len, cuts, 2);
			assert_same(whole, &r);
			rec_release(&r);
		}
	}
}

struct want {
	const char *type, *data, *id;
};

/* Parses `in` whole and in every chunking and checks the events. */
static void expect_n(const char *in, size_t len, const struct want *w, size_t n)
{
	struct rec r = {0};

	run_whole(&r, in, len);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.n, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(r.evs[i].type_len, strlen(w[i].type));
		assert_string_equal(r.evs[i].type, w[i].type);
		assert_int_equal(r.evs[i].data_len, strlen(w[i].data));
		assert_string_equal(r.evs[i].data, w[i].data);
		assert_string_equal(r.evs[i].id, w[i].id);
	}
	check_all_splits(in, len, &r);
	rec_release(&r);
}

#define EXPECT(in, ...)                                                                            \
	do {                                                                                       \
		static const struct want w_[] = {__VA_ARGS__};                                     \
		expect_n(in, sizeof(in) - 1, w_, sizeof(w_) / sizeof(*w_));                        \
	} while (0)

static void expect_none(const char *in, size_t len)
{
	expect_n(in, len, NULL, 0);
}

#define EXPECT_NONE(in) expect_none(in, sizeof(in) - 1)

/* ---- the standard's examples ---- */

static void test_spec_stock(void **state)
{
	(void)state;
	EXPECT("data: YHOO\ndata: +2\ndata: 10\n\n", {"message", "YHOO\n+2\n10", ""});
}

static void test_spec_ids(void **state)
{
	(void)state;
	EXPECT(": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\n"
	       "data:  third event\n\n",
	       {"message", "first event", "1"}, {"message", "second event", ""},
	       {"message", " third event", ""});
	/* the last block needs its blank line: the end of the stream is not one */
	EXPECT(": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\n"
	       "data:  third event\n",
	       {"message", "first event", "1"}, {"message", "second event", ""});
}

static void test_spec_empty_data(void **state)
{
	(void)state;
	EXPECT("data\n\ndata\ndata\n\ndata:", {"message", "", ""}, {"message", "\n", ""});
	EXPECT("data:\n\n", {"message", "", ""});
	EXPECT("data: \n\n", {"message", "", ""});
	EXPECT("data:  \n\n", {"message", " ", ""});
}

static void test_spec_space(void **state)
{
	(void)state;
	EXPECT("data:test\n\ndata: test\n\n", {"message", "test", ""}, {"message", "test", ""});
	EXPECT("data:\ttab\n\n", {"message", "\ttab", ""});
	EXPECT("data: a: b:c\n\n", {"message", "a: b:c", ""});
}

static void test_spec_event_types(void **state)
{
	(void)state;
	EXPECT("event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\n"
	       "data: 113411\n\n",
	       {"add", "73857293", ""}, {"remove", "2153", ""}, {"add", "113411", ""});
	/* the type is cleared after each event, and by a block without data */
	EXPECT("event: a\ndata: 1\n\ndata: 2\n\nevent: b\n\ndata: 3\n\n", {"a", "1", ""},
	       {"message", "2", ""}, {"message", "3", ""});
	/* an empty type, or "event" alone, means the default */
	EXPECT("event:\ndata: x\n\nevent\ndata: y\n\nevent: z\nevent\ndata: w\n\n",
	       {"message", "x", ""}, {"message", "y", ""}, {"message", "w", ""});
	/* the later field wins; data before and after it belong to one event */
	EXPECT("data: 1\nevent: a\nevent: b\ndata: 2\n\n", {"b", "1\n2", ""});
}

static void test_comments_and_unknown_fields(void **state)
{
	(void)state;
	EXPECT_NONE(": hello\n: world\n\n\n:\n\n");
	EXPECT_NONE("\n\n\n\r\n\r\r");
	EXPECT(":x\ndata: a\n: middle\ndata: b\n\n", {"message", "a\nb", ""});
	EXPECT("foo: bar\nData: no\nDATA: no\n data: no\ndata : no\ndata: yes\n\n",
	       {"message", "yes", ""});
	EXPECT_NONE("foo: bar\n\nevent: x\n\nid: 9\n\n");
}

static void test_no_dispatch_without_blank(void **state)
{
	(void)state;
	EXPECT_NONE("data: a");
	EXPECT_NONE("data: a\n");
	EXPECT_NONE("data: a\r\n");
	EXPECT_NONE("event: x\ndata: a\ndata: b\n");
}

/* ---- id ---- */

static void test_id(void **state)
{
	(void)state;
	/* the ID persists until changed; "id" alone blanks it */
	EXPECT("id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\nid\ndata: d\n\n",
	       {"message", "a", "1"}, {"message", "b", "1"}, {"message", "c", "2"},
	       {"message", "d", ""});
	/* an ID containing NUL is ignored */
	static const char nul[] = "id: 1\ndata: a\n\nid: x\0y\ndata: b\n\n";
	static const struct want w[] = {{"message", "a", "1"}, {"message", "b", "1"}};

	expect_n(nul, sizeof(nul) - 1, w, 2);
	/* id applies to its own block, wherever it stands in the block */
	EXPECT("data: a\nid: 7\n\n", {"message", "a", "7"});
	/* spaces: one removed, the rest kept */
	EXPECT("id:  sp \ndata: a\n\n", {"message", "a", " sp "});
}

static int count_cb(void *ud, const struct dt_sse_event *ev)
{
	(void)ev;
	++*(int *)ud;
	return 0;
}

static void test_last_id(void **state)
{
	struct dt_sse p;
	int n = 0;

	(void)state;
	dt_sse_init(&p, count_cb, &n);
	assert_string_equal(dt_sse_last_id(&p), "");
	/* an ID block without data still sets the last event ID */
	assert_int_equal(dt_sse_feed(&p, "id: 7\n\n", 7), 0);
	assert_int_equal(n, 0);
	assert_string_equal(dt_sse_last_id(&p), "7");
	/* a block cut off by the end of the stream does not */
	assert_int_equal(dt_sse_feed(&p, "id: 8\ndata: x\n", 14), 0);
	assert_string_equal(dt_sse_last_id(&p), "7");
	assert_int_equal(dt_sse_finish(&p), 0);
	assert_int_equal(n, 0);
	assert_string_equal(dt_sse_last_id(&p), "7");
	dt_sse_release(&p);
}

static int id_cb(void *ud, const struct dt_sse_event *ev)
{
	struct dt_sb *sb = ud;

	dt_sb_addf(sb, "[%s]", ev->id);
	return 0;
}

static void test_id_across_streams(void **state)
{
	struct dt_sb ids = DT_SB_INIT;
	struct dt_sse p;

	(void)state;
	dt_sse_init(&p, id_cb, &ids);
	assert_int_equal(dt_sse_feed(&p, "id: 5\ndata: a\n\n", 15), 0);
	assert_int_equal(dt_sse_finish(&p), 0);
	/* a reconnection: events without "id" keep the last one */
	assert_int_equal(dt_sse_feed(&p, "data: b\n\n", 9), 0);
	assert_int_equal(dt_sse_finish(&p), 0);
	assert_string_equal(ids.buf, "[5][5]");
	assert_string_equal(dt_sse_last_id(&p), "5");
	dt_sse_release(&p);
	dt_sb_release(&ids);
}

/* ---- retry ---- */

static long retry_of(const char *in)
{
	struct dt_sse p;
	long ms;

	dt_sse_init(&p, NULL, NULL);
	assert_int_equal(dt_sse_feed(&p, in, strlen(in)), 0);
	assert_int_equal(dt_sse_finish(&p), 0);
	ms = dt_sse_retry_ms(&p);
	dt_sse_release(&p);
	return ms;
}

static void test_retry(void **state)
{
	(void)state;
	assert_int_equal(retry_of(""), -1);
	assert_int_equal(retry_of("retry: 1500\n"), 1500);
	assert_int_equal(retry_of("retry:0\n"), 0);
	assert_int_equal(retry_of("retry: 007\n"), 7);
	/* only ASCII digits: anything else leaves the old value */
	assert_int_equal(retry_of("retry: 1500\nretry: 15x\n"), 1500);
	assert_int_equal(retry_of("retry: 1500\nretry:\n"), 1500);
	assert_int_equal(retry_of("retry: 1500\nretry\n"), 1500);
	assert_int_equal(retry_of("retry: 1500\nretry: -1\n"), 1500);
	assert_int_equal(retry_of("retry: 1500\nretry: +1\n"), 1500);
	assert_int_equal(retry_of("retry: 1500\nretry:  20\n"), 1500);
	assert_int_equal(retry_of("retry: 1500\nretry: 20 \n"), 1500);
	assert_int_equal(retry_of("retry: 1500\nretry: 1.5\n"), 1500);
	assert_int_equal(retry_of("retry: 1500\nretry: \xd9\xa1\n"), 1500);
	/* retry takes effect at once, without a blank line */
	assert_int_equal(retry_of("retry: 10\nretry: 20"), 10);
	assert_int_equal(retry_of("retry: 99999999999999999999999999\n"), LONG_MAX);
}

/* ---- line ends ---- */

static void test_line_ends(void **state)
{
	(void)state;
	EXPECT("data: a\r\ndata: b\r\n\r\n", {"message", "a\nb", ""});
	EXPECT("data: a\rdata: b\r\r", {"message", "a\nb", ""});
	EXPECT("data: a\ndata: b\n\n", {"message", "a\nb", ""});
	EXPECT("data: a\r\ndata: b\rdata: c\n\r\n", {"message", "a\nb\nc", ""});
	/* LF CR is two line ends, CR LF is one */
	EXPECT("data: a\n\rdata: b\r\n\n", {"message", "a", ""}, {"message", "b", ""});
	EXPECT("data: a\r\n\r\ndata: b\r\r\n", {"message", "a", ""}, {"message", "b", ""});
	EXPECT("event: e\rid: 3\rdata: x\r\r", {"e", "x", "3"});
	/* a CR ends a line even inside what looks like a value */
	EXPECT("data: a\rb\n\n", {"message", "a", ""});
}

static int append_cb(void *ud, const struct dt_sse_event *ev)
{
	struct dt_sb *sb = ud;

	dt_sb_add(sb, ev->data, ev->data_len);
	dt_sb_addc(sb, '|');
	return 0;
}

static void test_cr_at_chunk_end(void **state)
{
	struct dt_sb out = DT_SB_INIT;
	struct dt_sse p;

	(void)state;
	dt_sse_init(&p, append_cb, &out);
	assert_int_equal(dt_sse_feed(&p, "data: a\r", 8), 0);
	assert_int_equal(dt_sse_feed(&p, "\ndata: b\r", 9), 0);
	assert_int_equal(out.len, 0);
	/* this LF belongs to the CR before it: no blank line yet */
	assert_int_equal(dt_sse_feed(&p, "\n", 1), 0);
	assert_int_equal(out.len, 0);
	assert_int_equal(dt_sse_feed(&p, "\r", 1), 0);
	assert_string_equal(out.buf, "a\nb|");
	assert_int_equal(dt_sse_feed(&p, "\n", 1), 0);
	assert_int_equal(dt_sse_feed(&p, "\n", 1), 0); /* a real blank line: no data */
	assert_int_equal(dt_sse_feed(&p, "data: c\r", 8), 0);
	assert_int_equal(dt_sse_feed(&p, "", 0), 0); /* an empty chunk keeps the CR state */
	assert_int_equal(dt_sse_feed(&p, NULL, 0), 0);
	assert_int_equal(dt_sse_feed(&p, "\n\r\n", 3), 0);
	assert_string_equal(out.buf, "a\nb|c|");
	assert_int_equal(dt_sse_finish(&p), 0);
	dt_sse_release(&p);
	dt_sb_release(&out);
}

/* ---- BOM and UTF-8 ---- */

static void test_bom(void **state)
{
	(void)state;
	EXPECT(BOM "data: x\n\n", {"message", "x", ""});
	EXPECT(BOM "\ndata: x\n\n", {"message", "x", ""});
	/* only one BOM is stripped: a second makes the field name unknown */
	EXPECT_NONE(BOM BOM "data: x\n\n");
	/* a BOM later in the stream is data */
	EXPECT("data: " BOM "x\n\n", {"message", BOM "x", ""});
	/* half a BOM is not one: the bytes decode as U+FFFD, so the field is unknown */
	EXPECT_NONE("\357\273data: x\n\n"); /* octal: no run-on */
	EXPECT("\xEF\xBB\ndata: x\n\n", {"message", "x", ""});
	EXPECT("\357data: x\n\ndata: y\n\n", {"message", "y", ""});
}

static void test_bom_each_stream(void **state)
{
	struct dt_sb out = DT_SB_INIT;
	struct dt_sse p;

	(void)state;
	dt_sse_init(&p, append_cb, &out);
	assert_int_equal(dt_sse_feed(&p, "\xEF", 1), 0);
	assert_int_equal(dt_sse_feed(&p, "\xBB", 1), 0);
	assert_int_equal(dt_sse_feed(&p, "\277data: 1\n\n", 10), 0);
	assert_int_equal(dt_sse_finish(&p), 0);
	/* a new stream may start with its own BOM */
	assert_int_equal(dt_sse_feed(&p, BOM "data: 2\n\n", 12), 0);
	assert_int_equal(dt_sse_finish(&p), 0);
	assert_string_equal(out.buf, "1|2|");
	dt_sse_release(&p);
	dt_sb_release(&out);
}

static void test_utf8_replacement(void **state)
{
	(void)state;
	EXPECT("data: \xE2\x82\xAC \xF0\x9F\x98\x80\n\n",
	       {"message", "\xE2\x82\xAC \xF0\x9F\x98\x80", ""});
	EXPECT("data: a\xFFz\n\n", {"message", "a" FFFD "z", ""});
	/* a truncated sequence is one U+FFFD, also at the end of a line */
	EXPECT("data: \xE2\x82z\n\n", {"message", FFFD "z", ""});
	EXPECT("data: \xE2\x82\n\n", {"message", "\xEF\xBF\xBD", ""});
	/* overlongs and surrogates: each byte that cannot continue is its own */
	EXPECT("data: \xC0\xAF\n\n", {"message", "\xEF\xBF\xBD\xEF\xBF\xBD", ""});
	EXPECT("data: \xE0\x80\xAF\n\n", {"message", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", ""});
	EXPECT("data: \xED\xA0\x80\n\n", {"message", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", ""});
	EXPECT("data: \xF4\x90\x80\x80\n\n",
	       {"message", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", ""});
	EXPECT("data: \xF0\x9F\x98\n\n", {"message", "\xEF\xBF\xBD", ""});
	/* in the event type and the ID too */
	EXPECT("event: \xFE\nid: \x80\ndata: x\n\n", {"\xEF\xBF\xBD", "x", "\xEF\xBF\xBD"});
}

static void test_nul_in_data(void **state)
{
	static const char in[] = "data: a\0b\ndata: \0\n\n"
	                         "event: message\0x\ndata: 1\n\nevent: \0\ndata: 2\n\n";
	struct rec r = {0};

	(void)state;
	run_whole(&r, in, sizeof(in) - 1);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.evs[0].data_len, 5);
	assert_memory_equal(r.evs[0].data, "a\0b\n\0", 5);
	/* a type with a NUL is not "message", and its length says so */
	assert_int_equal(r.evs[1].type_len, 9);
	assert_memory_equal(r.evs[1].type, "message\0x", 9);
	assert_int_equal(r.evs[2].type_len, 1);
	check_all_splits(in, sizeof(in) - 1, &r);
	rec_release(&r);
}

/* ---- a longer stream at every split point ---- */

static const char mixed[] = "\xEF\xBB\xBF: comment\r\nretry: 250\r\nevent: add\r\nid: 1\r\n"
                            "data: {\"a\":1}\r\ndata\r\n\r\n"
                            "data: two\rdata:three\n\n: just a comment\n\n"
                            "event: \xE2\x82\xAC\nid: x\0y\ndata: \xFF\n\r\n"
                            "id\ndata:\r\r"
                            "event: tail\ndata: lost at the end\n";

static void test_mixed_every_split(void **state)
{
	struct rec r = {0};

	(void)state;
	run_whole(&r, mixed, sizeof(mixed) - 1);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.n, 4);
	assert_string_equal(r.evs[0].type, "add");
	assert_string_equal(r.evs[0].data, "{\"a\":1}\n");
	assert_string_equal(r.evs[0].id, "1");
	assert_string_equal(r.evs[1].data, "two\nthree");
	assert_string_equal(r.evs[1].type, "message");
	assert_string_equal(r.evs[2].type, "\xE2\x82\xAC");
	assert_string_equal(r.evs[2].data, "\xEF\xBF\xBD");
	assert_string_equal(r.evs[2].id, "1");
	assert_string_equal(r.evs[3].data, "");
	assert_string_equal(r.evs[3].id, "");
	check_all_splits(mixed, sizeof(mixed) - 1, &r);
	for (uint32_t seed = 1; seed < 50; seed++) {
		struct rec x = {0};

		run_random(&x, mixed, sizeof(mixed) - 1, seed, 7);
		assert_same(&r, &x);
		rec_release(&x);
	}
	rec_release(&r);
}

/* ---- limits and stopping ---- */

static int feed_limited(size_t limit, const char *in, size_t step, int *events)
{
	struct dt_sse p;
	size_t len = strlen(in);
	int ret = 0;

	*events = 0;
	dt_sse_init(&p, count_cb, events);
	dt_sse_set_limit(&p, limit);
	for (size_t i = 0; i < len && !ret; i += step)
		ret = dt_sse_feed(&p, in + i, len - i < step ? len - i : step);
	if (ret)
		assert_int_equal(dt_sse_finish(&p), ret);
	else
		ret = dt_sse_finish(&p);
	dt_sse_release(&p);
	return ret;
}

static void test_limit(void **state)
{
	int n;

	(void)state;
	for (size_t step = 1; step <= 64; step++) {
		/* a 16-byte line is allowed, 17 is not */
		assert_int_equal(feed_limited(16, "data: 0123456789\n\n", step, &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(feed_limited(16, "data: 0123456789A\n\n", step, &n), -EMSGSIZE);
		assert_int_equal(n, 0);
		/* also when the line never ends */
		assert_int_equal(feed_limited(16, "data: 0123456789A", step, &n), -EMSGSIZE);
		/* the event's data, over several lines: 9 + 8 bytes */
		assert_int_equal(feed_limited(16, "data: 12345678\ndata: 1234567\n\n", step, &n),
		                 -EMSGSIZE);
		assert_int_equal(feed_limited(16, "data: 12345678\ndata: 123456\n\n", step, &n), 0);
		assert_int_equal(n, 1);
		/* events before the error were delivered */
		assert_int_equal(
		    feed_limited(16, "data: a\n\ndata: 0123456789ABCDEF\n\n", step, &n), -EMSGSIZE);
		assert_int_equal(n, 1);
		/* comments and unknown fields count too */
		assert_int_equal(feed_limited(16, ": 0123456789ABCDEF\n", step, &n), -EMSGSIZE);
	}
}

static void test_limit_default(void **state)
{
	size_t chunk = 64 * 1024, fed = 0;
	char *buf = dt_xmalloc(chunk);
	struct dt_sse p;
	int ret = 0, n = 0;

	(void)state;
	memset(buf, 'x', chunk);
	memcpy(buf, "data: ", 6);
	dt_sse_init(&p, count_cb, &n);
	dt_sse_set_limit(&p, 0);
	while (!ret && fed < ((size_t)64 << 20)) {
		ret = dt_sse_feed(&p, buf, chunk);
		fed += chunk;
	}
	assert_int_equal(ret, -EMSGSIZE);
	assert_true(fed > DT_SSE_DEFAULT_LIMIT);
	assert_true(fed <= DT_SSE_DEFAULT_LIMIT + chunk);
	/* sticky until the stream ends, then a new stream works */
	assert_int_equal(dt_sse_feed(&p, "\n\n", 2), -EMSGSIZE);
	assert_int_equal(dt_sse_finish(&p), -EMSGSIZE);
	assert_int_equal(dt_sse_feed(&p, "data: ok\n\n", 10), 0);
	assert_int_equal(n, 1);
	assert_int_equal(dt_sse_finish(&p), 0);
	dt_sse_release(&p);
	free(buf);
}

static void test_callback_stops(void **state)
{
	static const char in[] = "data: 1\n\ndata: 2\n\ndata: 3\n\n";
	struct rec r = {.stop_at = 2, .stop_ret = 42};
	struct dt_sse p;

	(void)state;
	dt_sse_init(&p, collect, &r);
	assert_int_equal(dt_sse_feed(&p, in, sizeof(in) - 1), 42);
	assert_int_equal(r.n, 2);
	assert_int_equal(dt_sse_feed(&p, "data: 4\n\n", 9), 42);
	assert_int_equal(r.n, 2);
	assert_int_equal(dt_sse_finish(&p), 42);
	/* a negative return is passed through as well */
	r.stop_at = 3;
	r.stop_ret = -5;
	assert_int_equal(dt_sse_feed(&p, "data: 4\n\n", 9), -5);
	assert_int_equal(r.n, 3);
	assert_int_equal(dt_sse_finish(&p), -5);
	assert_int_equal(dt_sse_feed(&p, "data: 5\n\n", 9), 0);
	assert_int_equal(r.n, 4);
	assert_int_equal(dt_sse_finish(&p), 0);
	dt_sse_release(&p);
	rec_release(&r);
}

static void test_null_callback_and_reuse(void **state)
{
	struct dt_sse p;

	(void)state;
	dt_sse_init(&p, NULL, NULL);
	assert_int_equal(dt_sse_feed(&p, "id: 3\ndata: x\n\n", 15), 0);
	assert_string_equal(dt_sse_last_id(&p), "3");
	assert_int_equal(dt_sse_finish(&p), 0);
	dt_sse_release(&p);
	/* released twice, and a zero-fed parser, are fine */
	dt_sse_release(&p);
	dt_sse_init(&p, NULL, NULL);
	assert_int_equal(dt_sse_finish(&p), 0);
	dt_sse_release(&p);
}

/* ---- the recorded provider streams ---- */

static const char *shared_dir(void)
{
	const char *d = getenv("DT_SHARED_DIR");

	return d && *d ? d : "../shared";
}

static char *read_file(const char *path, size_t *len)
{
	struct dt_sb sb = DT_SB_INIT;
	char buf[8192];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		dt_sb_add(&sb, buf, n);
	fclose(f);
	return dt_sb_detach(&sb, len);
}

/* The stream for a fixture: .sse as is, .chunks.txt wrapped line by line. */
static char *load_fixture(const char *name, size_t *len)
{
	struct dt_sb path = DT_SB_INIT, out = DT_SB_INIT;
	struct stat st;
	char *raw, *line, *save = NULL;
	size_t rawlen;

	dt_sb_addf(&path, "%s/fixtures/sse", shared_dir());
	if (stat(path.buf, &st) || !S_ISDIR(st.st_mode)) {
		dt_sb_release(&path);
		return NULL;
	}
	dt_sb_addf(&path, "/%s", name);
	raw = read_file(path.buf, &rawlen);
	if (!raw)
		fail_msg("fixture %s is missing", path.buf);
	dt_sb_release(&path);
	if (!strstr(name, ".chunks.txt")) {
		*len = rawlen;
		return raw;
	}
	for (line = strtok_r(raw, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		dt_sb_addf(&out, "data: %s\n\n", line);
	dt_sb_adds(&out, "data: [DONE]\n\n");
	free(raw);
	return dt_sb_detach(&out, len);
}

static char *convert_newlines(const char *in, size_t len, const char *nl, size_t *outlen)
{
	struct dt_sb sb = DT_SB_INIT;

	for (size_t i = 0; i < len; i++) {
		if (in[i] == '\n')
			dt_sb_adds(&sb, nl);
		else
			dt_sb_addc(&sb, in[i]);
	}
	return dt_sb_detach(&sb, outlen);
}

/* Whole, byte by byte, split points, random chunks, CRLF and CR forms. */
static void check_fixture_chunkings(const char *in, size_t len, const struct rec *whole)
{
	struct rec r = {0};
	uint32_t seed = 12345;
	size_t n;
	char *conv;

	run_step(&r, in, len, 1);
	assert_same(whole, &r);
	rec_release(&r);
	for (size_t k = 0; k <= len; k++) {
		size_t i = k;

		if (len > 16384) {
			/* big files: a fixed set of 4096 points, ends included */
			if (k >= 4096)
				break;
			i = k < 64 ? k : k < 128 ? len - (k - 64) : lcg(&seed) % (len + 1);
		}
		run_cuts(&r, in, len, &i, 1);
		assert_same(whole, &r);
		rec_release(&r);
	}
	for (uint32_t s = 1; s <= 20; s++) {
		run_random(&r, in, len, s, s < 10 ? 16 : 4096);
		assert_same(whole, &r);
		rec_release(&r);
	}
	conv = convert_newlines(in, len, "\r\n", &n);
	run_whole(&r, conv, n);
	assert_same(whole, &r);
	rec_release(&r);
	run_step(&r, conv, n, 1);
	assert_same(whole, &r);
	rec_release(&r);
	for (size_t i = 0; i < n; i += (n > 16384 ? 7 : 1)) {
		run_cuts(&r, conv, n, &i, 1);
		assert_same(whole, &r);
		rec_release(&r);
	}
	free(conv);
	conv = convert_newlines(in, len, "\r", &n);
	run_whole(&r, conv, n);
	assert_same(whole, &r);
	rec_release(&r);
	free(conv);
}

static int is_done(const struct ev_copy *e)
{
	return !strcmp(e->data, "[DONE]");
}

/* Every payload but [DONE] is JSON; returns how many [DONE] there were. */
static int check_payloads_json(const struct rec *r)
{
	int done = 0;

	for (size_t i = 0; i < r->n; i++) {
		cJSON *j;

		if (is_done(&r->evs[i])) {
			done++;
			continue;
		}
		j = cJSON_ParseWithLength(r->evs[i].data, r->evs[i].data_len);
		if (!j)
			fail_msg("event %zu is not JSON: %.80s", i, r->evs[i].data);
		assert_true(cJSON_IsObject(j));
		cJSON_Delete(j);
	}
	return done;
}

/* Parses a fixture and runs the generic checks; NULL means skip. */
static struct rec *fixture_events(const char *name, size_t want_events, int want_done)
{
	struct rec *r = dt_xcalloc(1, sizeof(*r));
	size_t len;
	char *in = load_fixture(name, &len);

	if (!in) {
		free(r);
		return NULL;
	}
	run_whole(r, in, len);
	assert_int_equal(r->ret, 0);
	assert_int_equal(r->n, want_events);
	check_fixture_chunkings(in, len, r);
	assert_int_equal(check_payloads_json(r), want_done);
	if (want_done)
		assert_true(is_done(&r->evs[r->n - 1]));
	free(in);
	return r;
}

#define MAX_TOOLS 8

struct tools {
	char *name[MAX_TOOLS];
	struct dt_sb args[MAX_TOOLS];
	int seen[MAX_TOOLS];
	int first_index;
};

static void tools_release(struct tools *t)
{
	for (int i = 0; i < MAX_TOOLS; i++) {
		free(t->name[i]);
		dt_sb_release(&t->args[i]);
	}
}

static int tool_index(struct tools *t, const cJSON *idx)
{
	int i;

	assert_true(cJSON_IsNumber(idx));
	i = idx->valueint;
	assert_true(i >= 0 && i < MAX_TOOLS);
	if (!t->seen[i] && t->first_index < 0)
		t->first_index = i;
	t->seen[i] = 1;
	return i;
}

static void openai_tool_delta(struct tools *t, const cJSON *tc)
{
	const cJSON *fn = cJSON_GetObjectItemCaseSensitive(tc, "function");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(fn, "name");
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(fn, "arguments");
	int i = tool_index(t, cJSON_GetObjectItemCaseSensitive(tc, "index"));

	if (cJSON_IsString(name)) {
		assert_null(t->name[i]);
		t->name[i] = dt_xstrdup(name->valuestring);
	}
	if (cJSON_IsString(args))
		dt_sb_adds(&t->args[i], args->valuestring);
}

/* Reassembles OpenAI chat-completions tool calls by index. */
static void openai_tools(const struct rec *r, struct tools *t)
{
	*t = (struct tools){.first_index = -1};
	for (size_t i = 0; i < r->n; i++) {
		const cJSON *choice, *tc;
		cJSON *j;

		if (is_done(&r->evs[i]))
			continue;
		j = cJSON_Parse(r->evs[i].data);
		assert_non_null(j);
		assert_string_equal(r->evs[i].type, "message");
		cJSON_ArrayForEach(choice, cJSON_GetObjectItemCaseSensitive(j, "choices"))
		{
			const cJSON *delta = cJSON_GetObjectItemCaseSensitive(choice, "delta");
			const cJSON *calls = cJSON_GetObjectItemCaseSensitive(delta, "tool_calls");

			cJSON_ArrayForEach(tc, calls)
			{
				openai_tool_delta(t, tc);
			}
		}
		cJSON_Delete(j);
	}
}

/* Reassembles Anthropic tool_use inputs; checks event type == JSON type
 * when the stream has event: lines. */
static void anthropic_tools(const struct rec *r, struct tools *t, int has_event_lines)
{
	*t = (struct tools){.first_index = -1};
	for (size_t i = 0; i < r->n; i++) {
		const cJSON *type, *block, *delta;
		cJSON *j;

		if (is_done(&r->evs[i]))
			continue;
		j = cJSON_Parse(r->evs[i].data);
		assert_non_null(j);
		type = cJSON_GetObjectItemCaseSensitive(j, "type");
		assert_true(cJSON_IsString(type));
		assert_string_equal(r->evs[i].type,
		                    has_event_lines ? type->valuestring : "message");
		block = cJSON_GetObjectItemCaseSensitive(j, "content_block");
		delta = cJSON_GetObjectItemCaseSensitive(j, "delta");
		if (!strcmp(type->valuestring, "content_block_start") &&
		    !strcmp(cJSON_GetObjectItemCaseSensitive(block, "type")->valuestring,
		            "tool_use")) {
			int k = tool_index(t, cJSON_GetObjectItemCaseSensitive(j, "index"));

			t->name[k] = dt_xstrdup(
			    cJSON_GetObjectItemCaseSensitive(block, "name")->valuestring);
		}
		if (!strcmp(type->valuestring, "content_block_delta") &&
		    !strcmp(cJSON_GetObjectItemCaseSensitive(delta, "type")->valuestring,
		            "input_json_delta")) {
			int k = tool_index(t, cJSON_GetObjectItemCaseSensitive(j, "index"));
			const cJSON *pj = cJSON_GetObjectItemCaseSensitive(delta, "partial_json");

			assert_true(cJSON_IsString(pj));
			dt_sb_adds(&t->args[k], pj->valuestring);
		}
		cJSON_Delete(j);
	}
}

/* The arguments of tool i parse as an object; returns it (caller frees). */
static cJSON *tool_args(struct tools *t, int i, const char *name, int nkeys)
{
	cJSON *j;

	assert_true(t->seen[i]);
	assert_non_null(t->name[i]);
	assert_string_equal(t->name[i], name);
	if (!t->args[i].len)
		dt_sb_adds(&t->args[i], "{}"); /* no fragments at all: no arguments */
	j = cJSON_Parse(t->args[i].buf);
	if (!j)
		fail_msg("tool %d arguments are not JSON: %s", i, t->args[i].buf);
	assert_true(cJSON_IsObject(j));
	assert_int_equal(cJSON_GetArraySize(j), nkeys);
	return j;
}

static void assert_key(const cJSON *obj, const char *key, const char *want)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	assert_true(cJSON_IsString(v));
	assert_string_equal(v->valuestring, want);
}

#define FIXTURE_OR_SKIP(r, name, n, done)                                                          \
	struct rec *r = fixture_events(name, n, done);                                             \
	if (!r)                                                                                    \
	skip()

static void free_rec(struct rec *r)
{
	rec_release(r);
	free(r);
}

static void test_fixture_openai_parallel(void **state)
{
	struct tools t;
	cJSON *a;

	(void)state;
	FIXTURE_OR_SKIP(r, "openai-f82268f2.sse", 26, 1);
	openai_tools(r, &t);
	assert_int_equal(t.first_index, 0);
	a = tool_args(&t, 0, "GetWeatherArgs", 3);
	assert_key(a, "city", "Edinburgh");
	assert_key(a, "country", "GB");
	assert_key(a, "units", "c");
	cJSON_Delete(a);
	a = tool_args(&t, 1, "get_stock_price", 2);
	assert_key(a, "ticker", "AAPL");
	assert_key(a, "exchange", "NASDAQ");
	cJSON_Delete(a);
	assert_false(t.seen[2]);
	tools_release(&t);
	free_rec(r);
}

static void test_fixture_openai_one_tool(void **state)
{
	struct tools t;
	cJSON *a;

	(void)state;
	FIXTURE_OR_SKIP(r, "openai-c6aa7e39.sse", 18, 1);
	openai_tools(r, &t);
	assert_int_equal(t.first_index, 0);
	a = tool_args(&t, 0, "GetWeatherArgs", 3);
	assert_key(a, "city", "Edinburgh");
	assert_key(a, "country", "UK");
	assert_key(a, "units", "c");
	cJSON_Delete(a);
	assert_false(t.seen[1]);
	tools_release(&t);
	free_rec(r);
}

static void test_fixture_vercel_index1(void **state)
{
	struct tools t;
	cJSON *a;

	(void)state;
	/* the file ends "data: [DONE]\n" without the blank line, so by the
	 * standard that last event is incomplete and never dispatched */
	FIXTURE_OR_SKIP(r, "vercel-openai-compat-index1-tool-call.sse", 8, 0);
	openai_tools(r, &t);
	assert_int_equal(t.first_index, 1);
	assert_false(t.seen[0]);
	a = tool_args(&t, 1, "read_file", 1);
	assert_key(a, "path", "a.txt");
	cJSON_Delete(a);
	tools_release(&t);
	free_rec(r);
}

static void test_fixture_vercel_deepseek(void **state)
{
	struct tools t;
	cJSON *a;

	(void)state;
	FIXTURE_OR_SKIP(r, "vercel-deepseek-tool-call.chunks.txt", 53, 1);
	openai_tools(r, &t);
	assert_int_equal(t.first_index, 0);
	a = tool_args(&t, 0, "weather", 1);
	assert_key(a, "location", "San Francisco");
	cJSON_Delete(a);
	tools_release(&t);
	free_rec(r);
}

static void test_fixture_vercel_xai(void **state)
{
	struct tools t;
	cJSON *a;

	(void)state;
	FIXTURE_OR_SKIP(r, "vercel-xai-tool-call.chunks.txt", 231, 1);
	openai_tools(r, &t);
	assert_int_equal(t.first_index, 0);
	a = tool_args(&t, 0, "weather", 1);
	assert_key(a, "location", "San Francisco");
	cJSON_Delete(a);
	tools_release(&t);
	free_rec(r);
}

static void test_fixture_anthropic(void **state)
{
	struct tools t;
	cJSON *a;

	(void)state;
	/* 15 events in the file; the last, message_stop, has no blank line
	 * after it, so it is incomplete and discarded at the end */
	FIXTURE_OR_SKIP(r, "anthropic-tool-use.sse", 14, 0);
	assert_string_equal(r->evs[0].type, "message_start");
	assert_string_equal(r->evs[2].type, "ping");
	assert_string_equal(r->evs[2].data, "{\"type\": \"ping\"}");
	assert_string_equal(r->evs[r->n - 1].type, "message_delta");
	anthropic_tools(r, &t, 1);
	assert_int_equal(t.first_index, 1);
	assert_false(t.seen[0]);
	a = tool_args(&t, 1, "get_weather", 1);
	assert_key(a, "location", "Paris");
	cJSON_Delete(a);
	tools_release(&t);
	free_rec(r);
}

static void test_fixture_anthropic_no_args(void **state)
{
	struct tools t;
	cJSON *a;

	(void)state;
	FIXTURE_OR_SKIP(r, "vercel-anthropic-tool-no-args.chunks.txt", 14, 1);
	anthropic_tools(r, &t, 0);
	assert_int_equal(t.first_index, 1);
	assert_int_equal(t.args[1].len, 0); /* only partial_json: "" */
	a = tool_args(&t, 1, "updateIssueList", 0);
	cJSON_Delete(a);
	tools_release(&t);
	free_rec(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spec_stock),
	    cmocka_unit_test(test_spec_ids),
	    cmocka_unit_test(test_spec_empty_data),
	    cmocka_unit_test(test_spec_space),
	    cmocka_unit_test(test_spec_event_types),
	    cmocka_unit_test(test_comments_and_unknown_fields),
	    cmocka_unit_test(test_no_dispatch_without_blank),
	    cmocka_unit_test(test_id),
	    cmocka_unit_test(test_last_id),
	    cmocka_unit_test(test_id_across_streams),
	    cmocka_unit_test(test_retry),
	    cmocka_unit_test(test_line_ends),
	    cmocka_unit_test(test_cr_at_chunk_end),
	    cmocka_unit_test(test_bom),
	    cmocka_unit_test(test_bom_each_stream),
	    cmocka_unit_test(test_utf8_replacement),
	    cmocka_unit_test(test_nul_in_data),
	    cmocka_unit_test(test_mixed_every_split),
	    cmocka_unit_test(test_limit),
	    cmocka_unit_test(test_limit_default),
	    cmocka_unit_test(test_callback_stops),
	    cmocka_unit_test(test_null_callback_and_reuse),
	    cmocka_unit_test(test_fixture_openai_parallel),
	    cmocka_unit_test(test_fixture_openai_one_tool),
	    cmocka_unit_test(test_fixture_vercel_index1),
	    cmocka_unit_test(test_fixture_vercel_deepseek),
	    cmocka_unit_test(test_fixture_vercel_xai),
	    cmocka_unit_test(test_fixture_anthropic),
	    cmocka_unit_test(test_fixture_anthropic_no_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
