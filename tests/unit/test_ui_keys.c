/* Key names and the tty byte parser: keys, escape sequences split anywhere,
 * bracketed paste, DECRQM answers, SGR mouse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <string.h>
#include <time.h>

#include "duoterm/ui/keys.h"

static void round_trip(void **state)
{
	static const char *const names[] = {
		"q", "Q", "C-l", "M-x", "S-Tab", "Tab", "Enter", "Esc", "Space", "Backspace", "Up",
		"PgDn", "PgUp", "F5", "F12", "M-Enter", "S-Enter", "C-Left", "M-Left", "é", "M-1",
		"C-c", "C-j", "C-h", "/", "?", ":", "-", "[", "]", "Delete", "Home", "End", "日",
	};
	struct dt_sb sb = DT_SB_INIT;
	dt_key k;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(dt_key_parse(names[i], &k), 0);
		dt_sb_reset(&sb);
		dt_key_name(k, &sb);
		assert_string_equal(sb.buf, names[i]);
	}
	dt_sb_release(&sb);
}

static void name(const char *in, const char *canonical)
{
	struct dt_sb sb = DT_SB_INIT;
	dt_key k;

	assert_int_equal(dt_key_parse(in, &k), 0);
	dt_key_name(k, &sb);
	assert_string_equal(sb.buf, canonical);
	dt_sb_release(&sb);
}

static void aliases_and_errors(void **state)
{
	dt_key k;

	(void)state;
	name("Ctrl-L", "C-l");
	name("^L", "C-l");
	name("C-Q", "C-q");
	name("Alt-x", "M-x");
	name("Shift-Tab", "S-Tab");
	name("BackTab", "S-Tab");
	name("return", "Enter");
	name("ESCAPE", "Esc");
	name("S-a", "A");
	name("PageDown", "PgDn");
	name("C-M-Up", "C-M-Up");
	assert_int_equal(dt_key_parse("C-i", &k), 0);
	assert_int_equal(k, DT_KEY_TAB);
	assert_int_equal(dt_key_parse("C-[", &k), 0);
	assert_int_equal(k, DT_KEY_ESC);
	for (const char *const *bad = (const char *const[]){"", "F13", "F0", "foo", "C-", "Ctrl+",
							    "qq", "\xff", NULL};
	     *bad; bad++)
		assert_int_equal(dt_key_parse(*bad, &k), -1);
	assert_true(dt_key_is_text('a'));
	assert_true(dt_key_is_text(0x65e5));
	assert_false(dt_key_is_text('a' | DT_KEY_MOD_ALT));
	assert_false(dt_key_is_text(DT_KEY_ENTER));
	assert_false(dt_key_is_text(DT_KEY_UP));
}

/* ---- the parser ---- */

struct got {
	struct dt_sb text; /* one line per event */
};

static void record(void *ud, const struct dt_kev *ev)
{
	struct got *g = ud;

	switch (ev->type) {
	case DT_KEV_KEY:
		dt_key_name(ev->key, &g->text);
		break;
	case DT_KEV_PASTE:
		dt_sb_addf(&g->text, "paste[%zu]:", ev->len);
		dt_sb_add(&g->text, ev->text, ev->len < 40 ? ev->len : 40);
		break;
	case DT_KEV_MOUSE:
		dt_sb_addf(&g->text, "mouse %d %d,%d %s", ev->button, ev->x, ev->y,
			   ev->press ? "press" : "release");
		break;
	case DT_KEV_MODE:
		dt_sb_addf(&g->text, "mode %d=%d", ev->mode, ev->value);
		break;
	}
	dt_sb_addc(&g->text, '\n');
}

/* Feeds each string as one read; returns what came out. */
static void feed(const char *expect, const char *const *reads, int timeout)
{
	struct dt_kp kp = DT_KP_INIT;
	struct got g = {DT_SB_INIT};

	for (; *reads; reads++)
		dt_kp_feed(&kp, *reads, strlen(*reads), record, &g);
	if (timeout)
		dt_kp_timeout(&kp, record, &g);
	assert_string_equal(g.text.buf ? g.text.buf : "", expect);
	dt_sb_release(&g.text);
	dt_kp_release(&kp);
}

#define FEED(expect, ...) feed(expect, (const char *const[]){__VA_ARGS__, NULL}, 0)
#define FEED_T(expect, ...) feed(expect, (const char *const[]){__VA_ARGS__, NULL}, 1)

static void plain_and_csi(void **state)
{
	(void)state;
	FEED("j\nk\n", "jk");
	FEED("Up\nDown\nRight\nLeft\n", "\033[A\033[B\033[C\033[D");
	FEED("Up\nHome\nEnd\n", "\033OA\033OH\033OF");
	FEED("C-Right\nM-Up\nS-Up\n", "\033[1;5C\033[1;3A\033[1;2A");
	FEED("S-Tab\n", "\033[Z");
	FEED("PgUp\nPgDn\nDelete\nInsert\nHome\nEnd\n", "\033[5~\033[6~\033[3~\033[2~\033[1~\033[4~");
	FEED("F1\nF1\nF5\nF12\nF1\n", "\033OP\033[11~\033[15~\033[24~\033[[A");
	FEED("C-PgDn\n", "\033[6;5~");
	FEED("Backspace\nC-h\nEnter\nC-j\nTab\n", "\x7f\x08\r\n\t");
	FEED("日\nö\n", "日ö");
}

static void modifiers_and_shift_enter(void **state)
{
	(void)state;
	FEED("M-x\nM-Enter\nM-Backspace\nM-é\n", "\033x\033\r\033\x7f\033é");
	FEED("S-Enter\n", "\033[13;2u");          /* kitty, fixterms, tmux csi-u */
	FEED("S-Enter\n", "\033[27;2;13~");       /* xterm modifyOtherKeys, tmux */
	FEED("C-a\n", "\033[97;5u");              /* Ctrl-a in CSI u is plain C-a */
	FEED("A\n", "\033[97;2u");
	FEED("M-Up\n", "\033\033[A");
	FEED("Enter\n", "\033OM");
}

static void split_anywhere(void **state)
{
	(void)state;
	FEED("Up\n", "\033", "[", "A");
	FEED("C-Right\n", "\033[1", ";5", "C");
	FEED("日\n", "\xe6", "\x97", "\xa5");
	FEED("S-Enter\nx\n", "\033[27;2;1", "3~x");
}

static void esc_needs_a_timeout(void **state)
{
	struct dt_kp kp = DT_KP_INIT;
	struct got g = {DT_SB_INIT};

	(void)state;
	dt_kp_feed(&kp, "\033", 1, record, &g);
	assert_null(g.text.buf);
	assert_true(dt_kp_waiting(&kp));
	dt_kp_timeout(&kp, record, &g);
	assert_string_equal(g.text.buf, "Esc\n");
	assert_false(dt_kp_waiting(&kp));
	dt_sb_release(&g.text);
	dt_kp_release(&kp);
	FEED_T("M-[\n", "\033[");
	FEED_T("Esc\nEsc\n", "\033\033");
	FEED("Esc\nM-j\n", "\033\033", "j"); /* Esc, then Esc+j is Alt-j */
}

static void replies_do_not_become_keys(void **state)
{
	(void)state;
	FEED("mode 2026=2\na\n", "\033[?2026;2$y", "a");
	FEED("mode 2026=0\n", "\033[?2026;0$y");
	FEED("a\nb\n", "a\033]11;rgb:0000/0000/0000\033\\b");
	FEED("a\n", "\033]11;rgb:0000/0000/0000\007a");
	FEED("x\n", "\033[I\033[O\033[?62;22c\033P1$r0m\033\\x");
	FEED("mouse 0 9,4 press\nmouse 0 9,4 release\n", "\033[<0;10;5M\033[<0;10;5m");
	FEED("mouse 64 0,0 press\nmouse 65 0,0 press\n", "\033[<64;1;1M\033[<65;1;1M");
	FEED("q\n", "\033[<32;5;5Mq"); /* motion is not asked for */
}

static void bracketed_paste(void **state)
{
	(void)state;
	FEED("paste[12]:hello\r\nworld\nq\n", "\033[200~hello\r\nworld\033[201~q");
	FEED("paste[11]:a\033[A b\033[2xc\n", "\033[200~a\033[A b", "\033[2xc\033[20", "1~");
	FEED("paste[0]:\n", "\033[200~\033[201~");
}

static void big_paste_is_one_event(void **state)
{
	static char chunk[65536];
	struct dt_kp kp = DT_KP_INIT;
	struct got g = {DT_SB_INIT};
	struct timespec t0, t1;
	double ms;

	(void)state;
	memset(chunk, 'x', sizeof(chunk));
	for (size_t i = 0; i < sizeof(chunk); i += 80)
		chunk[i] = '\n';
	clock_gettime(CLOCK_MONOTONIC, &t0);
	dt_kp_feed(&kp, "\033[200~", 6, record, &g);
	for (int i = 0; i < 16; i++)
		dt_kp_feed(&kp, chunk, sizeof(chunk), record, &g);
	dt_kp_feed(&kp, "\033[201~", 6, record, &g);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("1 MB paste parsed in %.2f ms\n", ms);
	assert_true(ms < 200);
	assert_int_equal(strncmp(g.text.buf, "paste[1048576]:\nxxx", 19), 0);
	assert_int_equal(g.text.len, strlen("paste[1048576]:") + 40 + 1); /* one event */
	dt_sb_release(&g.text);
	dt_kp_release(&kp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(aliases_and_errors),
		cmocka_unit_test(plain_and_csi),
		cmocka_unit_test(modifiers_and_shift_enter),
		cmocka_unit_test(split_anywhere),
		cmocka_unit_test(esc_needs_a_timeout),
		cmocka_unit_test(replies_do_not_become_keys),
		cmocka_unit_test(bracketed_paste),
		cmocka_unit_test(big_paste_is_one_event),
	};

	setlocale(LC_CTYPE, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
