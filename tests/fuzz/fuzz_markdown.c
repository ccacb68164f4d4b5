/*
 * Fuzz target for the Markdown layout of the Chat pane.  The first byte
 * picks the width (1..64); the rest is Markdown.  Every prefix of a stream
 * is laid out too (a reply arrives in pieces and may stop anywhere), at a
 * few cut points.  For every layout: no line is wider than the width, the
 * spans of a line tile its text exactly, the text is valid UTF-8 without
 * control characters, and URLs are only where links are.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/core/utf8.h"
#include "duoterm/ui/markdown.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Unicode's table of well-formed UTF-8 byte sequences (Table 3-7). */
static int utf8_ok(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	while (i < len) {
		unsigned char c = s[i], lo = 0x80, hi = 0xBF;

		if (c < 0x80)
			n = 0;
		else if (c >= 0xC2 && c <= 0xDF)
			n = 1;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 2;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 3;
		else
			return 0;
		if (n >= len - i)
			return 0;
		if (c == 0xE0)
			lo = 0xA0;
		if (c == 0xED)
			hi = 0x9F;
		if (c == 0xF0)
			lo = 0x90;
		if (c == 0xF4)
			hi = 0x8F;
		for (size_t k = 1; k <= n; k++, lo = 0x80, hi = 0xBF)
			if (s[i + k] < lo || s[i + k] > hi)
				return 0;
		i += n + 1;
	}
	return 1;
}

static void check(const struct dt_md *md, int width)
{
	if (!utf8_ok(md->text.buf ? md->text.buf : "", md->text.len))
		abort();
	for (size_t i = 0; i < md->text.len; i++)
		if ((unsigned char)md->text.buf[i] < 0x20 || md->text.buf[i] == 0x7f)
			abort();
	for (size_t i = 0; i < md->nr_lines; i++) {
		const struct dt_md_line *l = &md->lines[i];
		const char *t = dt_md_line_text(md, i);
		size_t at = 0;

		if (l->off + l->len > md->text.len || l->span + l->nr_spans > md->nr_spans)
			abort();
		if (l->cols > width || l->cols != dt_utf8_width(t, l->len))
			abort();
		for (size_t k = 0; k < l->nr_spans; k++) {
			const struct dt_md_span *s = &md->spans[l->span + k];
			const char *url = dt_md_span_url(md, s);

			if (s->off != at || !s->len || s->elem >= DT_E_COUNT)
				abort();
			if (url && (s->elem != DT_E_md_link && s->elem != DT_E_md_code &&
				    s->elem != DT_E_md_marker))
				abort();
			if (url)
				(void)strlen(url);
			at += s->len;
		}
		if (at != l->len)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dt_md md = DT_MD_INIT;
	const char *in = (const char *)data + 1;
	size_t len;
	int width;

	if (!size || size > 65536)
		return 0;
	len = size - 1;
	width = 1 + data[0] % 64;
	dt_md_render(&md, in, len, width, DT_E_chat_agent);
	check(&md, width);
	/* streaming: the same document cut short, reusing the memory */
	for (size_t cut = len / 4; cut < len; cut += len / 4 ? len / 4 : 1) {
		dt_md_render(&md, in, cut, width, DT_E_chat_agent);
		check(&md, width);
	}
	dt_md_release(&md);
	return 0;
}
