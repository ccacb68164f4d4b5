/*
 * Markdown to styled display lines, for the Chat pane.  Parsing is cmark's
 * (CommonMark; its AST is walked, nothing here parses Markdown); this module
 * only lays the tree out at a width:
 *
 *   - headings: a level marker ("#", "##" ...) and the text in md_heading;
 *   - bullet and ordered lists with a hanging indent, nested lists with
 *     other bullets; block quotes with a bar on every line;
 *   - fenced and indented code: a line with the language (the info string's
 *     first word) in md_code_lang, then the code indented by two columns,
 *     never wrapped: a line wider than the pane is cut and ends in a marker
 *     (DT_MD_CLIP_MARK);
 *   - inline code, emphasis and strong emphasis, links (text in md_link, the
 *     URL kept with the span, for an OSC 8 link over the text), thematic
 *     breaks, soft breaks (a space) and hard breaks (a new line).
 *
 * Wrapping is by display columns (dt_utf8_*): wide characters count two and
 * no line is ever wider than the width asked for.  Control characters in
 * the text show as U+FFFD.  Pure (no curses), so it is unit-tested and
 * fuzzed; any input, however malformed or cut short (a stream that stopped
 * inside a code fence), gives lines.
 */
#ifndef DUOTERM_UI_MARKDOWN_H
#define DUOTERM_UI_MARKDOWN_H

#include <stddef.h>

#include "duoterm/core/strbuf.h"
#include "duoterm/ui/theme.h"

#define DT_MD_CLIP_MARK "›"

/* A run of one style inside a line. */
struct dt_md_span {
	size_t off, len;    /* bytes, relative to the line's text */
	enum dt_elem elem;  /* what the text is */
	unsigned attrs;     /* DT_A_BOLD / DT_A_ITALIC from emphasis around it */
	int url;            /* index into the document's urls, or -1 */
};

struct dt_md_line {
	size_t off, len;    /* the line's text in dt_md.text */
	size_t span, nr_spans; /* its spans in dt_md.spans, left to right */
	int cols;           /* display columns the text takes (<= width) */
};

struct dt_md {
	struct dt_sb text;  /* every line's text, one after the other */
	struct dt_md_line *lines;
	size_t nr_lines, cap_lines;
	struct dt_md_span *spans;
	size_t nr_spans, cap_spans;
	char **urls;
	size_t nr_urls, cap_urls;
};

#define DT_MD_INIT {DT_SB_INIT, NULL, 0, 0, NULL, 0, 0, NULL, 0, 0}

/* Lays out len bytes of Markdown at width columns (at least 1) into md,
 * replacing what it held (its memory is reused).  Plain text is in the
 * element base (e.g. DT_E_chat_agent).  Returns the number of lines (0 for
 * empty input). */
size_t dt_md_render(struct dt_md *md, const char *src, size_t len, int width, enum dt_elem base);
void dt_md_release(struct dt_md *md);

/* The text of line i (not NUL-terminated; md->lines[i].len bytes). */
const char *dt_md_line_text(const struct dt_md *md, size_t i);
/* The URL of a span, or NULL. */
const char *dt_md_span_url(const struct dt_md *md, const struct dt_md_span *s);

#endif
