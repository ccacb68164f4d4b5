#include "duoterm/ui/keys.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "duoterm/core/utf8.h"

#define ESC 0x1b

/* The first name of a key is the one shown. */
static const struct {
	const char *name;
	dt_key key;
} named[] = {
	{"Tab", DT_KEY_TAB},
	{"Enter", DT_KEY_ENTER},
	{"Return", DT_KEY_ENTER},
	{"Esc", DT_KEY_ESC},
	{"Escape", DT_KEY_ESC},
	{"Space", ' '},
	{"Backspace", DT_KEY_BACKSPACE},
	{"BS", DT_KEY_BACKSPACE},
	{"Up", DT_KEY_UP},
	{"Down", DT_KEY_DOWN},
	{"Left", DT_KEY_LEFT},
	{"Right", DT_KEY_RIGHT},
	{"Home", DT_KEY_HOME},
	{"End", DT_KEY_END},
	{"PgUp", DT_KEY_PGUP},
	{"PageUp", DT_KEY_PGUP},
	{"PgDn", DT_KEY_PGDN},
	{"PageDown", DT_KEY_PGDN},
	{"Insert", DT_KEY_INSERT},
	{"Ins", DT_KEY_INSERT},
	{"Delete", DT_KEY_DELETE},
	{"Del", DT_KEY_DELETE},
	{"BackTab", DT_KEY_TAB | DT_KEY_MOD_SHIFT},
};

static const struct {
	const char *prefix;
	dt_key mod;
} prefixes[] = {
	{"C-", DT_KEY_MOD_CTRL},   {"Ctrl-", DT_KEY_MOD_CTRL}, {"Ctrl+", DT_KEY_MOD_CTRL},
	{"M-", DT_KEY_MOD_ALT},    {"Alt-", DT_KEY_MOD_ALT},   {"Alt+", DT_KEY_MOD_ALT},
	{"Meta-", DT_KEY_MOD_ALT}, {"S-", DT_KEY_MOD_SHIFT},   {"Shift-", DT_KEY_MOD_SHIFT},
	{"Shift+", DT_KEY_MOD_SHIFT},
};

int dt_key_is_text(dt_key k)
{
	return !(k & (DT_KEY_MOD_ALT | DT_KEY_MOD_CTRL)) && DT_KEY_BASE(k) >= 0x20 &&
	       DT_KEY_BASE(k) != 0x7f && DT_KEY_BASE(k) < 0x110000;
}

/* Ctrl, Shift and Alt folded into the key the way terminals send them. */
static dt_key apply_mods(dt_key base, dt_key mods)
{
	if ((mods & DT_KEY_MOD_CTRL) && base < 0x80 &&
	    (isalpha((int)base) || strchr("@[\\]^_ ", (int)base))) {
		base = base == ' ' ? 0 : DT_KEY_CTRL(base);
		mods &= ~DT_KEY_MOD_CTRL;
	}
	if ((mods & DT_KEY_MOD_SHIFT) && base >= 0x20 && base < 0x110000 && base != 0x7f) {
		if (base < 0x80 && islower((int)base))
			base = (dt_key)toupper((int)base);
		mods &= ~DT_KEY_MOD_SHIFT; /* the character already says it */
	}
	return base | mods;
}

static int parse_base(const char *s, dt_key *out)
{
	size_t len = strlen(s);
	wchar_t wc;

	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (!strcasecmp(s, named[i].name)) {
			*out = named[i].key;
			return 0;
		}
	if ((s[0] == 'F' || s[0] == 'f') && isdigit((unsigned char)s[1])) {
		char *end;
		long n = strtol(s + 1, &end, 10);

		if (*end || n < 1 || n > 12)
			return -1;
		*out = (dt_key)(DT_KEY_F1 + n - 1);
		return 0;
	}
	if (!len || dt_utf8_decode(s, len, &wc) != len || wc == 0xfffd)
		return -1;
	*out = (dt_key)wc;
	return 0;
}

int dt_key_parse(const char *name, dt_key *out)
{
	dt_key mods = 0, base;
	size_t i;

	if (!name || !*name)
		return -1;
	if (name[0] == '^' && name[1] && !name[2]) {
		mods = DT_KEY_MOD_CTRL;
		name++;
	}
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t pl = strlen(prefixes[i].prefix);

		if (!strncasecmp(name, prefixes[i].prefix, pl) && name[pl]) {
			mods |= prefixes[i].mod;
			name += pl;
			i = (size_t)-1; /* look for another prefix */
		}
	}
	if (parse_base(name, &base))
		return -1;
	if ((mods & DT_KEY_MOD_CTRL) && base < 0x80 && isupper((int)base))
		base = (dt_key)tolower((int)base); /* C-Q is C-q */
	*out = apply_mods(DT_KEY_BASE(base), mods | (base & DT_KEY_MODS));
	return 0;
}

static void add_utf8(struct dt_sb *out, unsigned cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12), b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18), b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), b[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
	}
	dt_sb_add(out, b, n);
}

static const char *special_name(dt_key base)
{
	static const char *const fn[] = {"F1", "F2", "F3", "F4",  "F5",  "F6",
					 "F7", "F8", "F9", "F10", "F11", "F12"};

	if (base >= DT_KEY_F1 && base <= DT_KEY_LAST_SPECIAL)
		return fn[base - DT_KEY_F1];
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (named[i].key == base)
			return named[i].name;
	return NULL;
}

void dt_key_name(dt_key k, struct dt_sb *out)
{
	dt_key base = DT_KEY_BASE(k);
	const char *n = special_name(base);

	if (k & DT_KEY_MOD_CTRL)
		dt_sb_adds(out, "C-");
	if (k & DT_KEY_MOD_ALT)
		dt_sb_adds(out, "M-");
	if (k & DT_KEY_MOD_SHIFT)
		dt_sb_adds(out, "S-");
	if (n)
		dt_sb_adds(out, n);
	else if (base == 0)
		dt_sb_adds(out, "C-Space");
	else if (base < 0x20)
		dt_sb_addf(out, "C-%c", (char)tolower((int)(base | 0x40)));
	else if (base < 0x110000)
		add_utf8(out, base);
	else
		dt_sb_addf(out, "<%#x>", base);
}

/* ---- the byte parser ---- */

static void emit_key(dt_kev_cb cb, void *ud, dt_key k)
{
	struct dt_kev ev = {.type = DT_KEV_KEY, .key = k};

	cb(ud, &ev);
}

/* xterm's modifier parameter: 1 + (1 shift, 2 alt, 4 ctrl, 8 super, 32 meta) */
static dt_key xterm_mods(int p)
{
	dt_key m = 0;

	if (p < 2)
		return 0;
	p--;
	if (p & 1)
		m |= DT_KEY_MOD_SHIFT;
	if (p & (2 | 32))
		m |= DT_KEY_MOD_ALT;
	if (p & 4)
		m |= DT_KEY_MOD_CTRL;
	return m;
}

static dt_key tilde_key(int n)
{
	static const dt_key map[] = {
		[1] = DT_KEY_HOME,     [2] = DT_KEY_INSERT,   [3] = DT_KEY_DELETE,
		[4] = DT_KEY_END,      [5] = DT_KEY_PGUP,     [6] = DT_KEY_PGDN,
		[7] = DT_KEY_HOME,     [8] = DT_KEY_END,      [11] = DT_KEY_F1,
		[12] = DT_KEY_F1 + 1,  [13] = DT_KEY_F1 + 2,  [14] = DT_KEY_F1 + 3,
		[15] = DT_KEY_F1 + 4,  [17] = DT_KEY_F1 + 5,  [18] = DT_KEY_F1 + 6,
		[19] = DT_KEY_F1 + 7,  [20] = DT_KEY_F1 + 8,  [21] = DT_KEY_F1 + 9,
		[23] = DT_KEY_F1 + 10, [24] = DT_KEY_F1 + 11,
	};

	return n > 0 && (size_t)n < sizeof(map) / sizeof(map[0]) ? map[n] : 0;
}

static dt_key letter_key(int c)
{
	switch (c) {
	case 'A': return DT_KEY_UP;
	case 'B': return DT_KEY_DOWN;
	case 'C': return DT_KEY_RIGHT;
	case 'D': return DT_KEY_LEFT;
	case 'H': return DT_KEY_HOME;
	case 'F': return DT_KEY_END;
	case 'P': return DT_KEY_F1;
	case 'Q': return DT_KEY_F1 + 1;
	case 'R': return DT_KEY_F1 + 2;
	case 'S': return DT_KEY_F1 + 3;
	case 'M': return DT_KEY_ENTER; /* keypad Enter (SS3 M) */
	}
	return 0;
}

/* A key sent as a code point plus modifiers (CSI u, CSI 27;m;c ~). */
static dt_key code_key(int code, int mods)
{
	if (code <= 0 || code >= 0x110000)
		return 0;
	if (code == 57414) /* kitty: keypad Enter */
		code = DT_KEY_ENTER;
	if (code >= 0xe000 && code <= 0xf8ff)
		return 0; /* kitty's private codes for lone modifiers and such */
	return apply_mods((dt_key)code, xterm_mods(mods));
}

struct csi {
	char priv;       /* '<', '?', '>', '=' or 0 */
	char inter;      /* the last intermediate byte or 0 */
	char final;
	int p[8], np;
};

/* Splits "CSI priv? params inter? final" at s (ESC '[' already skipped).
 * Returns bytes used, 0 when incomplete, or (size_t)-1 when malformed
 * (then *bad gets how much to drop). */
static size_t split_csi(const unsigned char *s, size_t n, struct csi *c, size_t *bad)
{
	size_t i = 0;
	int sub = 0;

	*c = (struct csi){0};
	if (n && s[0] && strchr("<?>=", s[0]))
		c->priv = (char)s[i++];
	c->np = 1;
	for (; i < n; i++) {
		unsigned char b = s[i];

		if (b >= '0' && b <= '9') {
			if (!sub && c->np <= 8 && c->p[c->np - 1] < 100000)
				c->p[c->np - 1] = c->p[c->np - 1] * 10 + (b - '0');
		} else if (b == ';') {
			c->np++, sub = 0;
		} else if (b == ':') {
			sub = 1; /* kitty sub-parameters: keep the first */
		} else if (b >= 0x20 && b <= 0x2f) {
			c->inter = (char)b;
		} else if (b >= 0x40 && b <= 0x7e) {
			c->final = (char)b;
			if (c->np > 8)
				c->np = 8;
			return i + 1;
		} else {
			*bad = i;
			return (size_t)-1;
		}
	}
	if (n > 64) {
		*bad = n;
		return (size_t)-1;
	}
	return 0;
}

static void emit_csi(struct dt_kp *kp, const struct csi *c, dt_key alt, dt_kev_cb cb, void *ud)
{
	struct dt_kev ev = {0};
	dt_key k = 0;

	if (c->priv == '<' && (c->final == 'M' || c->final == 'm') && c->np >= 3) {
		if (c->p[0] & 32)
			return; /* motion: not asked for */
		ev.type = DT_KEV_MOUSE;
		ev.button = (c->p[0] & 3) | (c->p[0] & 64);
		ev.x = c->p[1] - 1, ev.y = c->p[2] - 1;
		ev.press = c->final == 'M';
		cb(ud, &ev);
		return;
	}
	if (c->final == 'y' && c->inter == '$') {
		ev.type = DT_KEV_MODE;
		ev.mode = c->p[0], ev.value = c->np > 1 ? c->p[1] : 0;
		cb(ud, &ev);
		return;
	}
	if (c->priv)
		return; /* other answers (DA, kitty flags ...) */
	if (c->final == '~' && c->p[0] == 200) {
		kp->in_paste = 1;
		kp->paste_truncated = 0;
		dt_sb_reset(&kp->paste);
		return;
	}
	if (c->final == '~' && c->p[0] == 27 && c->np >= 3)
		k = code_key(c->p[2], c->p[1]);
	else if (c->final == '~')
		k = tilde_key(c->p[0]) | xterm_mods(c->np > 1 ? c->p[1] : 0);
	else if (c->final == 'u')
		k = code_key(c->p[0], c->np > 1 ? c->p[1] : 0);
	else if (c->final == 'Z')
		k = DT_KEY_TAB | DT_KEY_MOD_SHIFT;
	else if (letter_key(c->final) && c->final != 'M')
		k = letter_key(c->final) | xterm_mods(c->np > 1 ? c->p[1] : 0);
	if (k)
		emit_key(cb, ud, k | alt);
}

static size_t parse_csi(struct dt_kp *kp, const unsigned char *s, size_t n, dt_key alt,
			dt_kev_cb cb, void *ud)
{
	struct csi c;
	size_t bad = 0, used;

	if (n >= 1 && s[0] == '[') { /* Linux console F1..F5: ESC [ [ A */
		if (n < 2)
			return 0;
		if (s[1] >= 'A' && s[1] <= 'E')
			emit_key(cb, ud, (DT_KEY_F1 + (dt_key)(s[1] - 'A')) | alt);
		return 2;
	}
	used = split_csi(s, n, &c, &bad);
	if (used == (size_t)-1)
		return bad ? bad : 1;
	if (used)
		emit_csi(kp, &c, alt, cb, ud);
	return used;
}

static size_t parse_ss3(const unsigned char *s, size_t n, dt_key alt, dt_kev_cb cb, void *ud)
{
	static const char keypad[] = "*+,-./0123456789";

	if (!n)
		return 0;
	if (letter_key(s[0]))
		emit_key(cb, ud, letter_key(s[0]) | alt);
	else if (s[0] >= 'j' && s[0] <= 'y')
		emit_key(cb, ud, (dt_key)keypad[s[0] - 'j'] | alt);
	return 1;
}

/* OSC, DCS, APC, PM: skipped up to BEL or ST. */
static size_t skip_string(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == 0x07)
			return i + 1;
		if (s[i] == ESC && i + 1 < n && s[i + 1] == '\\')
			return i + 2;
	}
	return n > 200 ? n : 0;
}

static size_t utf8_need(unsigned char c)
{
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 1;
}

/* One character at s, as a key with alt added; 0 when incomplete. */
static size_t parse_char(const unsigned char *s, size_t n, dt_key alt, dt_kev_cb cb, void *ud)
{
	size_t need = utf8_need(s[0]);
	wchar_t wc;
	size_t used;

	if (n < need) {
		/* wait only if what we have so far can still become valid */
		for (size_t i = 1; i < n; i++)
			if ((s[i] & 0xc0) != 0x80)
				goto invalid;
		return 0;
	}
	used = dt_utf8_decode((const char *)s, n, &wc);
	emit_key(cb, ud, (dt_key)wc | alt);
	return used;
invalid:
	emit_key(cb, ud, 0xfffd | alt);
	return 1;
}

static size_t parse_esc(struct dt_kp *kp, const unsigned char *s, size_t n, dt_kev_cb cb,
			void *ud)
{
	if (n < 2)
		return 0;
	switch (s[1]) {
	case '[': {
		size_t u = parse_csi(kp, s + 2, n - 2, 0, cb, ud);
		return u ? u + 2 : 0;
	}
	case 'O': {
		size_t u = parse_ss3(s + 2, n - 2, 0, cb, ud);
		return u ? u + 2 : 0;
	}
	case ']': case 'P': case '_': case '^': {
		size_t u = skip_string(s + 2, n - 2);
		return u ? u + 2 : 0;
	}
	case ESC:
		if (n >= 3 && (s[2] == '[' || s[2] == 'O')) {
			size_t u = s[2] == '[' ? parse_csi(kp, s + 3, n - 3, DT_KEY_MOD_ALT, cb, ud)
					       : parse_ss3(s + 3, n - 3, DT_KEY_MOD_ALT, cb, ud);
			return u ? u + 3 : 0;
		}
		emit_key(cb, ud, DT_KEY_ESC);
		return 1;
	}
	{
		size_t u = parse_char(s + 1, n - 1, DT_KEY_MOD_ALT, cb, ud);
		return u ? u + 1 : 0;
	}
}

static const char paste_end[] = "\033[201~";

static void end_paste(struct dt_kp *kp, dt_kev_cb cb, void *ud)
{
	struct dt_kev ev = {.type = DT_KEV_PASTE};

	kp->in_paste = 0;
	ev.text = kp->paste.buf ? kp->paste.buf : "";
	ev.len = kp->paste.len;
	ev.truncated = kp->paste_truncated;
	cb(ud, &ev);
	dt_sb_release(&kp->paste);
}

static void paste_add(struct dt_kp *kp, const unsigned char *s, size_t n)
{
	if (kp->paste.len + n > DT_KP_PASTE_CAP) {
		n = DT_KP_PASTE_CAP - kp->paste.len;
		kp->paste_truncated = 1;
	}
	dt_sb_add(&kp->paste, s, n);
}

static size_t parse_paste(struct dt_kp *kp, const unsigned char *s, size_t n, dt_kev_cb cb,
			  void *ud)
{
	const unsigned char *end = memmem(s, n, paste_end, sizeof(paste_end) - 1);
	size_t keep;

	if (end) {
		paste_add(kp, s, (size_t)(end - s));
		end_paste(kp, cb, ud);
		return (size_t)(end - s) + sizeof(paste_end) - 1;
	}
	/* keep a tail that may be the start of the terminator */
	for (keep = sizeof(paste_end) - 2; keep > 0; keep--)
		if (keep <= n && !memcmp(s + n - keep, paste_end, keep))
			break;
	paste_add(kp, s, n - keep);
	return n - keep;
}

static size_t parse_one(struct dt_kp *kp, const unsigned char *s, size_t n, dt_kev_cb cb,
			void *ud)
{
	if (kp->in_paste)
		return parse_paste(kp, s, n, cb, ud);
	if (s[0] == ESC)
		return parse_esc(kp, s, n, cb, ud);
	return parse_char(s, n, 0, cb, ud);
}

static void parse(struct dt_kp *kp, const unsigned char *s, size_t n, dt_kev_cb cb, void *ud)
{
	size_t i = 0;

	while (i < n) {
		size_t used = parse_one(kp, s + i, n - i, cb, ud);

		if (!used)
			break;
		i += used;
	}
	if (n - i > sizeof(kp->pend))
		i = n; /* cannot be a sequence we know: drop it */
	memmove(kp->pend, s + i, n - i);
	kp->npend = n - i;
}

void dt_kp_feed(struct dt_kp *kp, const char *buf, size_t len, dt_kev_cb cb, void *ud)
{
	struct dt_sb join = DT_SB_INIT;

	if (!kp->npend) {
		parse(kp, (const unsigned char *)buf, len, cb, ud);
		return;
	}
	dt_sb_add(&join, kp->pend, kp->npend);
	dt_sb_add(&join, buf, len);
	kp->npend = 0;
	parse(kp, (const unsigned char *)join.buf, join.len, cb, ud);
	dt_sb_release(&join);
}

int dt_kp_waiting(const struct dt_kp *kp)
{
	return kp->npend > 0 && !kp->in_paste;
}

void dt_kp_timeout(struct dt_kp *kp, dt_kev_cb cb, void *ud)
{
	if (!dt_kp_waiting(kp))
		return;
	if (kp->pend[0] == ESC && kp->npend == 1)
		emit_key(cb, ud, DT_KEY_ESC);
	else if (kp->pend[0] == ESC && kp->npend == 2 && kp->pend[1] < 0x80)
		emit_key(cb, ud, kp->pend[1] | DT_KEY_MOD_ALT);
	else if (kp->pend[0] != ESC)
		emit_key(cb, ud, 0xfffd);
	kp->npend = 0;
}

void dt_kp_release(struct dt_kp *kp)
{
	dt_sb_release(&kp->paste);
	kp->npend = 0;
	kp->in_paste = 0;
}
