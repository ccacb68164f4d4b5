/*
 * Terminal features beyond curses, as raw escape sequences written straight
 * to the terminal between frames (never while curses holds unwritten
 * output, so the order is kept):
 *   - bracketed paste (CSI ? 2004 h), xterm modifyOtherKeys level 1 (so
 *     Shift-Enter is told apart where the terminal and tmux can), SGR mouse
 *     (CSI ? 1000 h + 1006 h) only when asked for;
 *   - synchronized output (CSI ? 2026 h ... l around a frame) only after the
 *     terminal answered DECRQM (CSI ? 2026 $ p) that it knows the mode: the
 *     answer arrives on stdin and the key parser passes it here;
 *   - OSC 52 clipboard copy, capped (DT_TERM_OSC52_MAX bytes of base64) and
 *     also wrapped for tmux's passthrough when $TMUX is set;
 *   - OSC 8 hyperlinks over text already on screen (setting ui.links);
 *   - BEL + OSC 9 to say the agent needs attention.
 * Everything the terminal was asked to turn on is turned off again by
 * dt_term_stop(), also from the out-of-memory exit.
 */
#ifndef DUOTERM_UI_TERM_H
#define DUOTERM_UI_TERM_H

#include <stddef.h>

#include "duoterm/core/strbuf.h"

#define DT_TERM_OSC52_MAX 74994 /* what most terminals and tmux accept */
#define DT_TERM_MAX_LINKS 64

struct dt_term_link {
	int y, x, attr;
	char *text, *url;
};

struct dt_term {
	int fd;
	int started;
	int sync;        /* the terminal supports mode 2026 */
	int sync_asked;
	int mouse;
	int links;       /* OSC 8 on */
	int tmux;
	unsigned long bytes; /* written by us (not by curses) */
	struct dt_term_link link[DT_TERM_MAX_LINKS];
	int nr_links;
};

/* Turns on bracketed paste and modifyOtherKeys, asks about mode 2026, and
 * the mouse if mouse is set. */
void dt_term_start(struct dt_term *t, int fd, int mouse);
/* Turns everything off again; safe to call twice. */
void dt_term_stop(struct dt_term *t);
/* Turns off whatever the most recently started terminal turned on (for
 * the out-of-memory exit, which has no app at hand). */
void dt_term_stop_current(void);
void dt_term_set_mouse(struct dt_term *t, int on);
/* A DECRQM answer from the key parser. */
void dt_term_mode_report(struct dt_term *t, int mode, int value);
void dt_term_frame_begin(struct dt_term *t);
void dt_term_frame_end(struct dt_term *t);
/* Copies to the clipboard; 0, or -1 with the reason in err (too large). */
int dt_term_copy(struct dt_term *t, const char *data, size_t len, struct dt_sb *err);
/* BEL and an OSC 9 notification with text. */
void dt_term_notify(struct dt_term *t, const char *text);
/* Remembers a link drawn this frame at screen (y, x); written by
 * dt_term_frame_end() when links are on.  attr is the curses attribute the
 * text was drawn with. */
void dt_term_add_link(struct dt_term *t, int y, int x, const char *text, size_t len,
		      const char *url, int attr);

/* The same for the most recently started terminal, if its links are on
 * (panes call this while drawing rows that carry a URL). */
void dt_term_link(int y, int x, const char *text, size_t len, const char *url, int attr);

/* The sequences, for tests. */
void dt_term_osc52(struct dt_sb *out, const char *data, size_t len, int tmux);
void dt_term_osc9(struct dt_sb *out, const char *text, int tmux);
void dt_term_osc8(struct dt_sb *out, const char *url, const char *text, size_t len);

#endif
