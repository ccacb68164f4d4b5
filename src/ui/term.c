#include "duoterm/ui/term.h"

#include <curses.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MODES_ON "\033[?2004h\033[>4;1m"
#define MODES_OFF "\033[?2004l\033[>4m"
#define ASK_SYNC "\033[?2026$p"
#define MOUSE_ON "\033[?1000h\033[?1006h"
#define MOUSE_OFF "\033[?1006l\033[?1000l"
#define SYNC_ON "\033[?2026h"
#define SYNC_OFF "\033[?2026l"

static struct dt_term *current;

static void put(struct dt_term *t, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(t->fd, s, n);

		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return; /* the terminal went away; the loop notices */
		}
		t->bytes += (unsigned long)w;
		s += w;
		n -= (size_t)w;
	}
}

static void puts_(struct dt_term *t, const char *s)
{
	put(t, s, strlen(s));
}

void dt_term_start(struct dt_term *t, int fd, int mouse)
{
	const char *tmux = getenv("TMUX");

	*t = (struct dt_term){.fd = fd, .tmux = tmux && *tmux};
	t->started = 1;
	puts_(t, MODES_ON ASK_SYNC);
	t->sync_asked = 1;
	dt_term_set_mouse(t, mouse);
	current = t;
}

static void clear_links(struct dt_term *t)
{
	for (int i = 0; i < t->nr_links; i++) {
		free(t->link[i].text);
		free(t->link[i].url);
	}
	t->nr_links = 0;
}

void dt_term_stop(struct dt_term *t)
{
	if (!t->started)
		return;
	dt_term_set_mouse(t, 0);
	puts_(t, MODES_OFF);
	clear_links(t);
	t->started = 0;
	if (current == t)
		current = NULL;
}

void dt_term_stop_current(void)
{
	if (current)
		dt_term_stop(current);
}

void dt_term_set_mouse(struct dt_term *t, int on)
{
	if (!!on == t->mouse)
		return;
	puts_(t, on ? MOUSE_ON : MOUSE_OFF);
	t->mouse = !!on;
}

void dt_term_mode_report(struct dt_term *t, int mode, int value)
{
	/* 1 set, 2 reset, 3 permanently set: the terminal knows the mode */
	if (mode == 2026)
		t->sync = value == 1 || value == 2 || value == 3;
}

void dt_term_frame_begin(struct dt_term *t)
{
	if (t->sync)
		puts_(t, SYNC_ON);
}

/* ncurses' idea of the current rendition must match the terminal after we
 * wrote our own: it is told "normal" through a putc that writes nothing. */
static int discard(int c)
{
	(void)c;
	return 0;
}

static struct dt_sb *vid_out;

static int to_sb(int c)
{
	dt_sb_addc(vid_out, (char)c);
	return c;
}

static void write_links(struct dt_term *t)
{
	struct dt_sb sb = DT_SB_INIT;

	dt_sb_adds(&sb, "\0337");
	for (int i = 0; i < t->nr_links; i++) {
		const struct dt_term_link *l = &t->link[i];

		dt_sb_addf(&sb, "\033[%d;%dH", l->y + 1, l->x + 1);
		vid_out = &sb;
		vid_puts((attr_t)l->attr & ~A_COLOR, (short)PAIR_NUMBER(l->attr), NULL, to_sb);
		dt_term_osc8(&sb, l->url, l->text, strlen(l->text));
	}
	dt_sb_adds(&sb, "\0338\033[0m");
	put(t, sb.buf, sb.len);
	vid_puts(A_NORMAL, 0, NULL, discard);
	dt_sb_release(&sb);
}

void dt_term_frame_end(struct dt_term *t)
{
	if (t->links && t->nr_links)
		write_links(t);
	clear_links(t);
	if (t->sync)
		puts_(t, SYNC_OFF);
}

void dt_term_add_link(struct dt_term *t, int y, int x, const char *text, size_t len,
		      const char *url, int attr)
{
	struct dt_term_link *l;

	if (!t->links || t->nr_links == DT_TERM_MAX_LINKS || !url)
		return;
	l = &t->link[t->nr_links++];
	*l = (struct dt_term_link){y, x, attr, dt_xstrndup(text, len), dt_xstrdup(url)};
}

void dt_term_link(int y, int x, const char *text, size_t len, const char *url, int attr)
{
	if (current)
		dt_term_add_link(current, y, x, text, len, url, attr);
}

/* ---- sequences ---- */

static void add_base64(struct dt_sb *out, const char *data, size_t len)
{
	size_t n = 4 * ((len + 2) / 3);

	dt_sb_grow(out, n + 1);
	EVP_EncodeBlock((unsigned char *)out->buf + out->len, (const unsigned char *)data, (int)len);
	out->len += n;
	out->buf[out->len] = '\0';
}

/* The sequence from start on, once more through tmux's passthrough (which
 * needs "set -g allow-passthrough on"; tmux's own set-clipboard takes the
 * plain one). */
static void tmux_again(struct dt_sb *out, size_t start)
{
	char *seq = dt_xstrndup(out->buf + start, out->len - start);

	dt_sb_adds(out, "\033Ptmux;\033");
	dt_sb_adds(out, seq);
	dt_sb_adds(out, "\033\\");
	free(seq);
}

void dt_term_osc52(struct dt_sb *out, const char *data, size_t len, int tmux)
{
	size_t start = out->len;

	dt_sb_adds(out, "\033]52;c;");
	add_base64(out, data, len);
	dt_sb_adds(out, "\a");
	if (tmux)
		tmux_again(out, start);
}

/* Printable text only: a title must not end the sequence early. */
static void add_printable(struct dt_sb *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x20 && s[i] != 0x7f)
			dt_sb_addc(out, s[i]);
}

void dt_term_osc9(struct dt_sb *out, const char *text, int tmux)
{
	size_t start = out->len;

	dt_sb_adds(out, "\033]9;");
	add_printable(out, text, strlen(text) > 200 ? 200 : strlen(text));
	dt_sb_adds(out, "\a");
	if (tmux)
		tmux_again(out, start);
}

void dt_term_osc8(struct dt_sb *out, const char *url, const char *text, size_t len)
{
	dt_sb_adds(out, "\033]8;;");
	for (; *url; url++)
		if (*url > 0x20 && *url < 0x7f)
			dt_sb_addc(out, *url);
	dt_sb_adds(out, "\033\\");
	add_printable(out, text, len);
	dt_sb_adds(out, "\033]8;;\033\\");
}

int dt_term_copy(struct dt_term *t, const char *data, size_t len, struct dt_sb *err)
{
	struct dt_sb sb = DT_SB_INIT;

	if (4 * ((len + 2) / 3) > DT_TERM_OSC52_MAX) {
		dt_sb_addf(err, "too large to copy: %zu KB (the terminal takes %d KB)",
			   len / 1024, DT_TERM_OSC52_MAX / 4 * 3 / 1024);
		return -1;
	}
	dt_term_osc52(&sb, data, len, t->tmux);
	put(t, sb.buf, sb.len);
	dt_sb_release(&sb);
	return 0;
}

void dt_term_notify(struct dt_term *t, const char *text)
{
	struct dt_sb sb = DT_SB_INIT;

	dt_sb_addc(&sb, '\a');
	dt_term_osc9(&sb, text, t->tmux);
	put(t, sb.buf, sb.len);
	dt_sb_release(&sb);
}
