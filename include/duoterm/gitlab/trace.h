/*
 * A CI job log (GET .../jobs/:id/trace), read incrementally.
 *
 * gitlab-runner writes text with ANSI SGR colours and runner sections:
 *   section_start:<unix>:<name>[collapsed=true]\r\e[0K<header text>
 *   ...
 *   section_end:<unix>:<name>\r\e[0K
 * The reader takes bytes as they arrive (any chunking: the same bytes in
 * any pieces give the same lines), and hands each complete line to a
 * callback with its text (control sequences removed, "\r" overwrites kept
 * as the last visible text), its colour spans, and its place in the
 * sections.  No curses here: a span carries the ANSI colour, the view maps
 * it to a theme element.
 *
 * `offset` counts the bytes taken so far: the next request asks for
 * "Range: bytes=<offset>-" (or, when the server ignores Range, the reader is
 * given the whole log again with dt_gl_trace_feed_from(), which skips what
 * it has already seen).
 */
#ifndef DUOTERM_GITLAB_TRACE_H
#define DUOTERM_GITLAB_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "duoterm/core/strbuf.h"

/* ANSI colours: 0 default, 1-8 the normal colours 30-37 (+1), 9-16 the
 * bright ones 90-97 (+1). */
struct dt_gl_span {
	size_t off, len;     /* bytes in the line's text */
	unsigned char fg;    /* 0: default */
	unsigned char bold;
};

enum dt_gl_line_kind {
	DT_GL_LINE_TEXT,
	DT_GL_LINE_SECTION_START, /* the header of a section (its text may be empty) */
	DT_GL_LINE_SECTION_END,   /* a line that only closed a section (text empty) */
};

struct dt_gl_trace_line {
	enum dt_gl_line_kind kind;
	const char *text; /* NUL-terminated, no control characters */
	size_t len;
	const struct dt_gl_span *spans;
	size_t nr_spans;
	int depth;            /* sections open around this line (a header: outside its own) */
	const char *section;  /* SECTION_START/END: its name */
	int collapsed;        /* SECTION_START: [collapsed=true] */
	uint64_t number;      /* 1-based line number */
};

typedef void (*dt_gl_trace_cb)(void *ud, const struct dt_gl_trace_line *line);

#define DT_GL_TRACE_MAX_LINE 65536
#define DT_GL_TRACE_MAX_DEPTH 32

struct dt_gl_trace {
	dt_gl_trace_cb cb;
	void *ud;
	uint64_t offset; /* bytes of the log taken */
	uint64_t lines;
	struct dt_sb pending; /* the line not yet ended */
	int fg, bold;         /* SGR state, carried across lines */
	int depth;
	char *names[DT_GL_TRACE_MAX_DEPTH];
};

void dt_gl_trace_init(struct dt_gl_trace *t, dt_gl_trace_cb cb, void *ud);
void dt_gl_trace_release(struct dt_gl_trace *t);
/* Takes the next bytes of the log. */
void dt_gl_trace_feed(struct dt_gl_trace *t, const char *data, size_t len);
/* Takes bytes that start at byte `from` of the log: what is before
 * t->offset is skipped (already seen); a gap after it (from > offset) is
 * -1 and nothing is taken.  0 otherwise. */
int dt_gl_trace_feed_from(struct dt_gl_trace *t, uint64_t from, const char *data, size_t len);
/* The log is complete: hands over the last line if it has no "\n". */
void dt_gl_trace_finish(struct dt_gl_trace *t);

/* "bytes 100-199/200" -> 100; -1 when unreadable. */
long long dt_gl_content_range_start(const char *value);

#endif
