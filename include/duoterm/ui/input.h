/*
 * The line editor of Chat's input and of the one-line prompts (/ f :).
 *
 * The text is UTF-8 and may span lines ('\n') when the editor is
 * multi-line.  The cursor is a byte offset, always on a character boundary
 * and never between a character and its combining marks.  Emacs manners:
 * word movement, kill/yank with consecutive kills joined, history browsing
 * with the draft kept.
 *
 * A large paste (more than DT_INPUT_CHIP_BYTES or DT_INPUT_CHIP_LINES) is
 * kept whole as a "chip" shown as one token, e.g. "[paste #1: 20,000 lines,
 * 1.0 MB]", so a megabyte costs nothing per keystroke; dt_input_take()
 * expands chips back into the text.  In the buffer a chip is one private-use
 * character, U+F0000 + its index.
 *
 * Everything but dt_input_draw() is pure and unit-tested.
 */
#ifndef DUOTERM_UI_INPUT_H
#define DUOTERM_UI_INPUT_H

#include <stddef.h>

#include "duoterm/core/strbuf.h"
#include "duoterm/ui/action.h"
#include "duoterm/ui/theme.h"

#define DT_INPUT_CHIP_BYTES 4096
#define DT_INPUT_CHIP_LINES 40
#define DT_INPUT_HISTORY 200

struct dt_input {
	struct dt_sb buf;
	size_t cur;             /* byte offset into buf */
	int multiline;
	struct dt_sb kill;      /* the last thing cut */
	int last_was_kill;
	char **hist;            /* oldest first */
	size_t nr_hist, hist_pos; /* hist_pos == nr_hist: editing the draft */
	char *draft;
	struct dt_sb *chips;
	size_t nr_chips;
	int view_top;           /* first visual row shown (drawing state) */
	unsigned long gen;      /* bumped on every change of text or cursor */
};

void dt_input_init(struct dt_input *in, int multiline);
void dt_input_release(struct dt_input *in);

/* Performs an editing action (DT_CTX_INPUT ones); 1 when it was one. */
int dt_input_action(struct dt_input *in, enum dt_action a);
/* Inserts typed text at the cursor (control characters other than '\n' and
 * '\t' are dropped; '\n' becomes a space in a one-line editor). */
void dt_input_insert(struct dt_input *in, const char *s, size_t n);
void dt_input_insert_key(struct dt_input *in, dt_key k);
/* Inserts pasted text: CRLF and CR become '\n'; large text becomes a chip
 * (multi-line editors only; a one-line editor keeps the first line). */
void dt_input_paste(struct dt_input *in, const char *s, size_t n);
/* Replaces the text (cursor at the end); large text becomes a chip. */
void dt_input_set(struct dt_input *in, const char *s);
/* The text with chips expanded (caller frees); it goes into the history
 * and the editor is emptied. */
char *dt_input_take(struct dt_input *in);
/* The text as typed (chips not expanded), e.g. for a prompt. */
const char *dt_input_text(const struct dt_input *in);
int dt_input_empty(const struct dt_input *in);
void dt_input_clear(struct dt_input *in);
/* "[paste #1: 20,000 lines, 1.0 MB]" */
void dt_input_chip_label(const struct dt_input *in, size_t idx, struct dt_sb *out);

/* Wraps the text at width columns.  Calls row(ud, index, off, len) for each
 * visual row (bytes [off, off+len) of buf, without the '\n') when row is
 * not NULL; returns the number of rows and sets where the cursor is. */
int dt_input_layout(const struct dt_input *in, int width,
		    void (*row)(void *ud, int idx, size_t off, size_t len), void *ud, int *cur_row,
		    int *cur_col);

/* Draws the editor into the curses window win (a WINDOW *) at y, x in h
 * rows of width columns, with prompt before the first row (continuation
 * rows are indented as far); *cy, *cx get the cursor's place in win. */
void dt_input_draw(struct dt_input *in, void *win, int y, int x, int h, int width,
		   const char *prompt, enum dt_elem text_elem, int *cy, int *cx);

#endif
