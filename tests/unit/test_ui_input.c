/* The line editor: UTF-8 and combining marks, words, kill/yank, history,
 * multi-line, pastes big and small, and its wrapping layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "duoterm/ui/input.h"

static void type(struct dt_input *in, const char *s)
{
	dt_input_insert(in, s, strlen(s));
}

static void act(struct dt_input *in, enum dt_action a, int times)
{
	while (times-- > 0)
		assert_true(dt_input_action(in, a));
}

/* The text with the cursor shown as '|'. */
static void expect(const struct dt_input *in, const char *with_cursor)
{
	struct dt_sb sb = DT_SB_INIT;

	dt_sb_add(&sb, in->buf.buf, in->cur);
	dt_sb_addc(&sb, '|');
	dt_sb_adds(&sb, in->buf.buf + in->cur);
	assert_string_equal(sb.buf, with_cursor);
	dt_sb_release(&sb);
}

static void characters_and_combining_marks(void **state)
{
	struct dt_input in;

	(void)state;
	dt_input_init(&in, 1);
	type(&in, "ae\xcc\x81日😀");
	expect(&in, "ae\xcc\x81日😀|");
	act(&in, DT_ACT_CHAR_LEFT, 2);
	expect(&in, "ae\xcc\x81|日😀");
	act(&in, DT_ACT_CHAR_LEFT, 1); /* e and its accent are one stop */
	expect(&in, "a|e\xcc\x81日😀");
	act(&in, DT_ACT_DELETE_CHAR, 1);
	expect(&in, "a|日😀");
	act(&in, DT_ACT_LINE_END, 1);
	act(&in, DT_ACT_DELETE_BACK, 1);
	expect(&in, "a日|");
	act(&in, DT_ACT_LINE_START, 1);
	act(&in, DT_ACT_DELETE_BACK, 1); /* nothing before: no harm */
	expect(&in, "|a日");
	dt_input_insert_key(&in, 'x' | DT_KEY_MOD_ALT); /* not text: ignored */
	dt_input_insert_key(&in, 0x00e9);
	expect(&in, "é|a日");
	type(&in, "\x1b[31m\x07\t"); /* control characters are dropped, tab kept */
	expect(&in, "é[31m\t|a日");
	dt_input_release(&in);
}

static void words(void **state)
{
	struct dt_input in;

	(void)state;
	dt_input_init(&in, 1);
	type(&in, "fix  parser_c.c now");
	act(&in, DT_ACT_WORD_LEFT, 1);
	expect(&in, "fix  parser_c.c |now");
	act(&in, DT_ACT_WORD_LEFT, 2);
	expect(&in, "fix  |parser_c.c now");
	act(&in, DT_ACT_WORD_RIGHT, 1);
	expect(&in, "fix  parser_c|.c now");
	act(&in, DT_ACT_WORD_LEFT, 5);
	expect(&in, "|fix  parser_c.c now");
	dt_input_release(&in);
}

static void kill_and_yank(void **state)
{
	struct dt_input in;
	char *t;

	(void)state;
	dt_input_init(&in, 1);
	type(&in, "one two three");
	act(&in, DT_ACT_KILL_WORD_BACK, 2); /* consecutive kills join */
	expect(&in, "one |");
	act(&in, DT_ACT_LINE_START, 1);
	act(&in, DT_ACT_YANK, 1);
	expect(&in, "two three|one ");
	act(&in, DT_ACT_KILL_TO_END, 1);
	expect(&in, "two three|");
	act(&in, DT_ACT_KILL_TO_START, 1); /* joins the kill before it, in order */
	expect(&in, "|");
	act(&in, DT_ACT_YANK, 1);
	expect(&in, "two threeone |");
	act(&in, DT_ACT_LINE_START, 1);
	act(&in, DT_ACT_KILL_WORD, 1);
	expect(&in, "| threeone ");
	t = dt_input_take(&in);
	assert_string_equal(t, " threeone ");
	free(t);
	expect(&in, "|");
	dt_input_release(&in);
}

static void history_keeps_the_draft(void **state)
{
	struct dt_input in;
	char *t;

	(void)state;
	dt_input_init(&in, 1);
	type(&in, "first");
	free(dt_input_take(&in));
	type(&in, "second");
	free(dt_input_take(&in));
	type(&in, "dra");
	act(&in, DT_ACT_HISTORY_PREV, 1);
	expect(&in, "second|");
	act(&in, DT_ACT_HISTORY_PREV, 2); /* stops at the oldest */
	expect(&in, "first|");
	act(&in, DT_ACT_HISTORY_NEXT, 2);
	expect(&in, "dra|");
	t = dt_input_take(&in);
	free(t);
	type(&in, "dra");
	free(dt_input_take(&in)); /* the same twice is kept once */
	assert_int_equal(in.nr_hist, 3);
	dt_input_release(&in);
}

static void multi_line(void **state)
{
	struct dt_input in, one;

	(void)state;
	dt_input_init(&in, 1);
	type(&in, "first line");
	act(&in, DT_ACT_NEWLINE, 1);
	type(&in, "2nd");
	expect(&in, "first line\n2nd|");
	act(&in, DT_ACT_HISTORY_PREV, 1); /* up a line, same column */
	expect(&in, "fir|st line\n2nd");
	act(&in, DT_ACT_LINE_END, 1);
	act(&in, DT_ACT_HISTORY_NEXT, 1);
	expect(&in, "first line\n2nd|");
	act(&in, DT_ACT_LINE_START, 1);
	act(&in, DT_ACT_DELETE_BACK, 1); /* joins the lines */
	expect(&in, "first line|2nd");
	dt_input_release(&in);

	dt_input_init(&one, 0);
	type(&one, "a\nb");
	assert_false(dt_input_action(&one, DT_ACT_NEWLINE));
	expect(&one, "a b|");
	dt_input_paste(&one, "c\r\nd", 4); /* a prompt takes the first line */
	expect(&one, "a bc|");
	dt_input_release(&one);
}

static void row(void *ud, int idx, size_t off, size_t len)
{
	struct dt_input *in = ((void **)ud)[0];
	struct dt_sb *sb = ((void **)ud)[1];

	dt_sb_addf(sb, "%d:", idx);
	dt_sb_add(sb, in->buf.buf + off, len);
	dt_sb_addc(sb, '|');
}

static void layout_wraps_by_columns(void **state)
{
	struct dt_input in;
	struct dt_sb sb = DT_SB_INIT;
	void *ud[2] = {&in, &sb};
	int r, c;

	(void)state;
	dt_input_init(&in, 1);
	type(&in, "abcd日本x\nyz");
	assert_int_equal(dt_input_layout(&in, 5, row, ud, &r, &c), 3);
	/* 日 does not fit after abcd (4 + 2 > 5): it wraps whole */
	assert_string_equal(sb.buf, "0:abcd|1:日本x|2:yz|");
	assert_int_equal(r, 2);
	assert_int_equal(c, 2);
	dt_sb_reset(&sb);
	dt_input_clear(&in);
	type(&in, "abcde");
	assert_int_equal(dt_input_layout(&in, 5, row, ud, &r, &c), 2);
	assert_string_equal(sb.buf, "0:abcde|1:|");
	assert_int_equal(r, 1); /* the cursor after a full row starts the next */
	assert_int_equal(c, 0);
	dt_sb_release(&sb);
	dt_input_release(&in);
}

static void pastes(void **state)
{
	struct dt_input in;
	struct dt_sb big = DT_SB_INIT, label = DT_SB_INIT;
	struct timespec t0, t1;
	char *t;
	int r, c;

	(void)state;
	dt_input_init(&in, 1);
	dt_input_paste(&in, "a\r\nb\rc", 6);
	expect(&in, "a\nb\nc|");
	free(dt_input_take(&in));
	for (int i = 0; i < 20000; i++)
		dt_sb_addf(&big, "line %05d of a big paste that goes on for a while\n", i);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	type(&in, "see: ");
	dt_input_paste(&in, big.buf, big.len);
	type(&in, " thanks");
	for (int i = 0; i < 100; i++) { /* typing after it costs nothing */
		dt_input_insert_key(&in, 'x');
		dt_input_layout(&in, 80, NULL, NULL, &r, &c);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(in.buf.len < 200); /* a chip, not a megabyte */
	dt_input_chip_label(&in, 0, &label);
	assert_string_equal(label.buf, "[paste #1: 20,000 lines, 996.1 KB]");
	assert_int_equal(dt_input_layout(&in, 80, NULL, NULL, &r, &c), 2); /* 146 columns */
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 100);
	act(&in, DT_ACT_WORD_LEFT, 1);
	act(&in, DT_ACT_CHAR_LEFT, 2); /* over the space, then over the chip in one step */
	dt_sb_reset(&label);
	dt_sb_adds(&label, "see: |\xf3\xb0\x80\x80 thanks");
	for (int i = 0; i < 100; i++)
		dt_sb_addc(&label, 'x');
	expect(&in, label.buf);
	t = dt_input_take(&in);
	assert_int_equal(strlen(t), 5 + big.len + 7 + 100);
	assert_int_equal(strncmp(t + 5, big.buf, big.len), 0);
	free(t);
	/* history gives it back as a chip too */
	act(&in, DT_ACT_HISTORY_PREV, 1);
	assert_true(in.buf.len < 10);
	assert_int_equal(in.nr_chips, 1);
	dt_sb_release(&big);
	dt_sb_release(&label);
	dt_input_release(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(characters_and_combining_marks),
		cmocka_unit_test(words),
		cmocka_unit_test(kill_and_yank),
		cmocka_unit_test(history_keeps_the_draft),
		cmocka_unit_test(multi_line),
		cmocka_unit_test(layout_wraps_by_columns),
		cmocka_unit_test(pastes),
	};

	setlocale(LC_CTYPE, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
