/*
 * Keys as duoterm sees them, and the parser that turns the bytes a terminal
 * sends into keys, pastes, mouse events and mode reports.
 *
 * We read the tty ourselves instead of through curses' getch(): a bracketed
 * paste of a megabyte arrives as one event instead of a million keys, the
 * terminal's answer to DECRQM is recognised without disturbing typing, and
 * Shift-Enter is understood in every form terminals send it (xterm's
 * modifyOtherKeys "CSI 27;2;13~", the kitty/fixterms "CSI 13;2u").
 *
 * A key is a dt_key: a Unicode code point (control characters included:
 * Tab is 0x09, Enter 0x0d, Esc 0x1b, Backspace 0x7f, Ctrl-A 0x01), or one of
 * DT_KEY_UP... for keys without a character, plus modifier bits.  Shift is
 * only set where it is not already in the character ('A' is Shift-a).
 *
 * Pure code: no curses, no I/O, so it is unit-tested byte by byte.
 */
#ifndef DUOTERM_UI_KEYS_H
#define DUOTERM_UI_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "duoterm/core/strbuf.h"

typedef uint32_t dt_key;

#define DT_KEY_MOD_SHIFT 0x01000000u
#define DT_KEY_MOD_ALT 0x02000000u
#define DT_KEY_MOD_CTRL 0x04000000u
#define DT_KEY_MODS 0x07000000u
#define DT_KEY_BASE(k) ((k) & ~DT_KEY_MODS)

#define DT_KEY_TAB 0x09u
#define DT_KEY_ENTER 0x0du
#define DT_KEY_ESC 0x1bu
#define DT_KEY_BACKSPACE 0x7fu
#define DT_KEY_CTRL(c) ((dt_key)((c) & 0x1f))

enum {
	DT_KEY_UP = 0x110000,
	DT_KEY_DOWN,
	DT_KEY_LEFT,
	DT_KEY_RIGHT,
	DT_KEY_HOME,
	DT_KEY_END,
	DT_KEY_PGUP,
	DT_KEY_PGDN,
	DT_KEY_INSERT,
	DT_KEY_DELETE,
	DT_KEY_F1, /* ... DT_KEY_F1 + 11 is F12 */
	DT_KEY_LAST_SPECIAL = DT_KEY_F1 + 11,
};

/* 1 for keys that type a character (no Alt/Ctrl, not a control char). */
int dt_key_is_text(dt_key k);

/* Key names as the config file and the help screen write them: "q", "Q",
 * "C-l", "M-x", "S-Tab", "Enter", "Esc", "Space", "Backspace", "Up", "PgDn",
 * "F5", "M-Enter", "C-Left".  Parsing also accepts "Ctrl-x", "^X", "Alt-x",
 * "Shift-Tab", "BackTab", "Return" and any case for named keys.
 * 0, or -1 for a name that is not a key. */
int dt_key_parse(const char *name, dt_key *out);
/* Appends the canonical name of k to out. */
void dt_key_name(dt_key k, struct dt_sb *out);

/* What the parser reports. */
enum dt_kev_type {
	DT_KEV_KEY,
	DT_KEV_PASTE, /* text, len: the whole paste, once it has ended */
	DT_KEV_MOUSE, /* button (0 left, 1 middle, 2 right, 64 wheel up, 65 wheel down),
			 x, y (0-based), press (1 press, 0 release) */
	DT_KEV_MODE,  /* DECRQM answer: mode, value (0 unknown, 1 set, 2 reset,
			 3 permanently set, 4 permanently reset) */
};

struct dt_kev {
	enum dt_kev_type type;
	dt_key key;
	const char *text;
	size_t len;
	int button, x, y, press;
	int mode, value;
	int truncated; /* a paste larger than the cap was cut */
};

typedef void (*dt_kev_cb)(void *ud, const struct dt_kev *ev);

#define DT_KP_PASTE_CAP (32u << 20)

struct dt_kp {
	unsigned char pend[256]; /* an incomplete sequence carried to the next read */
	size_t npend;
	int in_paste, paste_truncated;
	struct dt_sb paste;
};

#define DT_KP_INIT {0}

/* Parses len bytes; complete events go to cb.  An incomplete escape
 * sequence waits for the next call or for dt_kp_timeout(). */
void dt_kp_feed(struct dt_kp *kp, const char *buf, size_t len, dt_kev_cb cb, void *ud);
/* 1 while bytes wait that only a timeout can settle (a lone Esc). */
int dt_kp_waiting(const struct dt_kp *kp);
/* Call after the Esc delay (~25 ms) with no new bytes: a lone ESC is the Esc
 * key, ESC + '[' is Alt-[, anything else pending is dropped. */
void dt_kp_timeout(struct dt_kp *kp, dt_kev_cb cb, void *ud);
void dt_kp_release(struct dt_kp *kp);

#endif
