/* The Markdown layout of the Chat pane (src/ui/markdown.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/core/utf8.h"
#include "duoterm/ui/markdown.h"

static struct dt_md md = DT_MD_INIT;

static size_t render(const char *src, int width)
{
	return dt_md_render(&md, src, strlen(src), width, DT_E_chat_agent);
}

/* Line i as a string (static buffer). */
static const char *line(size_t i)
{
	static char buf[4096];

	assert_true(i < md.nr_lines);
	snprintf(buf, sizeof(buf), "%.*s", (int)md.lines[i].len, dt_md_line_text(&md, i));
	return buf;
}

/* The span of line i that covers the text needle. */
static const struct dt_md_span *span_of(size_t i, const char *needle)
{
	const char *t = dt_md_line_text(&md, i), *at;
	char buf[4096];
	size_t off;

	snprintf(buf, sizeof(buf), "%.*s", (int)md.lines[i].len, t);
	at = strstr(buf, needle);
	if (!at)
		fail_msg("line %zu \"%s\" has no \"%s\"", i, buf, needle);
	off = (size_t)(at - buf);
	for (size_t k = 0; k < md.lines[i].nr_spans; k++) {
		const struct dt_md_span *s = &md.spans[md.lines[i].span + k];

		if (s->off <= off && off + strlen(needle) <= s->off + s->len)
			return s;
	}
	fail_msg("no one span covers \"%s\" in line %zu", needle, i);
	return NULL;
}

/* Every line fits the width, its spans tile its text, cols is right. */
static void check_invariants(int width)
{
	for (size_t i = 0; i < md.nr_lines; i++) {
		const struct dt_md_line *l = &md.lines[i];
		size_t at = 0;

		assert_true(l->cols <= width);
		assert_int_equal(l->cols, dt_utf8_width(dt_md_line_text(&md, i), l->len));
		for (size_t k = 0; k < l->nr_spans; k++) {
			const struct dt_md_span *s = &md.spans[l->span + k];

			assert_int_equal(s->off, at);
			at += s->len;
		}
		assert_int_equal(at, l->len);
	}
}

static int teardown(void **state)
{
	(void)state;
	dt_md_release(&md);
	return 0;
}

static void headings(void **state)
{
	(void)state;
	assert_int_equal(render("# Title\n\n### Third level\n", 40), 3);
	assert_string_equal(line(0), "# Title");
	assert_int_equal(span_of(0, "#")->elem, DT_E_md_marker);
	assert_int_equal(span_of(0, "Title")->elem, DT_E_md_heading);
	assert_string_equal(line(1), "");
	assert_string_equal(line(2), "### Third level");
	/* a long heading wraps under its text, not under the marker */
	render("## A heading long enough to wrap\n", 16);
	assert_string_equal(line(0), "## A heading");
	assert_string_equal(line(1), "   long enough");
	assert_int_equal(span_of(1, "long")->elem, DT_E_md_heading);
	check_invariants(16);
}

static void emphasis_code_and_links(void **state)
{
	const struct dt_md_span *s;

	(void)state;
	render("Plain *emph* **strong** ***both*** `code` [text](https://example.com/a) "
	       "<https://auto.example>",
	       200);
	assert_int_equal(md.nr_lines, 1);
	assert_string_equal(line(0), "Plain emph strong both code text https://auto.example");
	assert_int_equal(span_of(0, "Plain")->elem, DT_E_chat_agent);
	s = span_of(0, "emph");
	assert_int_equal(s->elem, DT_E_md_emph);
	assert_int_equal(s->attrs, DT_A_ITALIC);
	s = span_of(0, "strong");
	assert_int_equal(s->elem, DT_E_md_strong);
	assert_int_equal(s->attrs, DT_A_BOLD);
	assert_int_equal(span_of(0, "both")->attrs, DT_A_BOLD | DT_A_ITALIC);
	assert_int_equal(span_of(0, "code")->elem, DT_E_md_code);
	s = span_of(0, "text");
	assert_int_equal(s->elem, DT_E_md_link);
	assert_string_equal(dt_md_span_url(&md, s), "https://example.com/a");
	s = span_of(0, "https://auto.example");
	assert_string_equal(dt_md_span_url(&md, s), "https://auto.example");
	assert_null(dt_md_span_url(&md, span_of(0, "Plain")));
	/* a link split over two lines keeps its URL on both */
	render("see [the long link text](http://x.test) now", 12);
	assert_string_equal(line(0), "see the long");
	assert_string_equal(dt_md_span_url(&md, span_of(1, "link")), "http://x.test");
	assert_null(dt_md_span_url(&md, span_of(2, "now")));
	check_invariants(12);
}

static void lists_hang(void **state)
{
	(void)state;
	render("- one\n- two words wrap here\n  - nested item\n- three\n", 14);
	assert_string_equal(line(0), "• one");
	assert_int_equal(span_of(0, "•")->elem, DT_E_md_marker);
	assert_string_equal(line(1), "• two words");
	assert_string_equal(line(2), "  wrap here");
	assert_string_equal(line(3), "  ◦ nested");
	assert_string_equal(line(4), "    item");
	assert_string_equal(line(5), "• three");
	assert_int_equal(md.nr_lines, 6); /* tight: no blank lines */
	render("3. three\n4. four and more\n\n10) paren\n", 12);
	assert_string_equal(line(0), "3. three");
	assert_string_equal(line(1), "4. four and");
	assert_string_equal(line(2), "   more");
	assert_string_equal(line(4), "10) paren");
	/* loose lists have blank lines between items */
	render("- a\n\n- b\n", 20);
	assert_int_equal(md.nr_lines, 3);
	assert_string_equal(line(1), "");
	check_invariants(20);
}

static void quotes_rules_and_breaks(void **state)
{
	(void)state;
	render("> quoted *text*\n> goes on and on\n\n---\n\nhard  \nbreak\nsoft\n", 12);
	assert_string_equal(line(0), "│ quoted");
	assert_int_equal(span_of(0, "│")->elem, DT_E_md_quote);
	assert_int_equal(span_of(0, "quoted")->elem, DT_E_md_quote);
	assert_string_equal(line(1), "│ text goes");
	assert_int_equal(span_of(1, "text")->attrs, DT_A_ITALIC);
	assert_string_equal(line(2), "│ on and on");
	assert_string_equal(line(3), "");
	assert_string_equal(line(4), "────────────");
	assert_int_equal(span_of(4, "─")->elem, DT_E_md_rule);
	assert_string_equal(line(6), "hard");
	assert_string_equal(line(7), "break soft");
	check_invariants(12);
}

static void code_blocks(void **state)
{
	(void)state;
	render("Before\n\n```python\ndef f():\n    return 1\n```\nAfter\n", 30);
	assert_string_equal(line(0), "Before");
	assert_string_equal(line(2), "python");
	assert_int_equal(span_of(2, "python")->elem, DT_E_md_code_lang);
	assert_string_equal(line(3), "  def f():");
	assert_string_equal(line(4), "      return 1");
	assert_int_equal(span_of(4, "return")->elem, DT_E_md_code_block);
	assert_string_equal(line(6), "After");
	/* no language, no label line */
	render("```\nx = 1\n```\n", 30);
	assert_int_equal(md.nr_lines, 1);
	assert_string_equal(line(0), "  x = 1");
}

/* Code wider than the pane is cut with a marker, never wrapped. */
static void code_wider_than_pane(void **state)
{
	(void)state;
	render("```c\nint main(void) { return 0; }\nshort\n日本語日本語日本語\n```\n", 12);
	assert_int_equal(md.nr_lines, 4);
	assert_string_equal(line(1), "  int main(" DT_MD_CLIP_MARK);
	assert_int_equal(span_of(1, DT_MD_CLIP_MARK)->elem, DT_E_md_marker);
	assert_string_equal(line(2), "  short");
	/* a wide character that would straddle the edge is left out */
	assert_string_equal(line(3), "  日本語日 " DT_MD_CLIP_MARK);
	check_invariants(12);
}

/* A stream cut inside a code fence: the rest is code until it closes. */
static void unterminated_fence_while_streaming(void **state)
{
	static const char full[] = "Here:\n\n```sh\nmake && make check\necho done\n```\n\nDone.\n";

	(void)state;
	for (size_t n = 0; n <= sizeof(full) - 1; n++) {
		dt_md_render(&md, full, n, 24, DT_E_chat_agent);
		check_invariants(24);
	}
	render("Here:\n\n```sh\nmake && make check\necho do", 24);
	assert_string_equal(line(2), "sh");
	assert_string_equal(line(3), "  make && make check");
	assert_string_equal(line(4), "  echo do");
	assert_int_equal(span_of(4, "echo")->elem, DT_E_md_code_block);
	render(full, 24);
	assert_string_equal(line(6), "Done.");
}

/* Wide characters wrap by columns, and never split. */
static void wide_characters_wrap(void **state)
{
	(void)state;
	render("日本語のテキストは長い **太字** 😀😀😀 end", 10);
	check_invariants(10);
	assert_string_equal(line(0), "日本語のテ");
	assert_string_equal(line(1), "キストは長");
	assert_string_equal(line(2), "い 太字");
	assert_int_equal(span_of(2, "太字")->elem, DT_E_md_strong);
	assert_string_equal(line(3), "😀😀😀 end");
	/* a width of 1 cannot hold a wide character: it is dropped, not split */
	render("日本", 1);
	check_invariants(1);
	/* combining marks stay with their base */
	render("e\xcc\x81" "e\xcc\x81" "e\xcc\x81", 2);
	assert_string_equal(line(0), "e\xcc\x81" "e\xcc\x81");
	check_invariants(2);
}

static void malformed_input(void **state)
{
	static const char *const inputs[] = {
		"", "\0", "*", "**", "`", "```", "> > > > > > > > > > > > > > > > > > > deep",
		"- - - - - - - - - - - - - - - - - - - - - - - - - deep", "[a](", "[a]: <",
		"\x01\x02\x1b[31mred\x7f", "\xff\xfe bad \xc3", "<div>\n*x*\n</div>", "# \n#",
		"1. \n2)\n\n99999999999. big", "![alt *x*](img.png \"t\")", "  \t\tcode\n\ttab",
		"a\\\nb", "***\n___\n- - -", "[x]\n\n[x]: http://a", "~~~\n~~~~", "-\n+\n*",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
		for (int w = 1; w < 30; w += 7) {
			dt_md_render(&md, inputs[i], strlen(inputs[i]), w, DT_E_chat_agent);
			check_invariants(w);
			for (size_t k = 0; k < md.text.len; k++)
				assert_true((unsigned char)md.text.buf[k] >= 0x20 &&
					    md.text.buf[k] != 0x7f);
		}
	/* width 0 or less behaves as 1 */
	render("hello", 0);
	check_invariants(1);
	/* bytes past len are not read */
	assert_int_equal(dt_md_render(&md, "abc**def", 3, 10, DT_E_chat_agent), 1);
	assert_string_equal(line(0), "abc");
	assert_int_equal(render("", 10), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(headings, teardown),
		cmocka_unit_test_teardown(emphasis_code_and_links, teardown),
		cmocka_unit_test_teardown(lists_hang, teardown),
		cmocka_unit_test_teardown(quotes_rules_and_breaks, teardown),
		cmocka_unit_test_teardown(code_blocks, teardown),
		cmocka_unit_test_teardown(code_wider_than_pane, teardown),
		cmocka_unit_test_teardown(unterminated_fence_while_streaming, teardown),
		cmocka_unit_test_teardown(wide_characters_wrap, teardown),
		cmocka_unit_test_teardown(malformed_input, teardown),
	};

	setlocale(LC_ALL, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
