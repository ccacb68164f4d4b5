#include "duoterm/core/utf8.h"

size_t dt_utf8_decode(const char *s, size_t len, wchar_t *wc)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned c = u[0], need, min;
	unsigned cp;

	if (c < 0x80) {
		*wc = (wchar_t)c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1, cp = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2, cp = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3, cp = c & 0x07, min = 0x10000;
	} else {
		*wc = 0xfffd;
		return 1;
	}
	if (len < need + 1) {
		*wc = 0xfffd;
		return 1;
	}
	for (unsigned i = 1; i <= need; i++) {
		if ((u[i] & 0xc0) != 0x80) {
			*wc = 0xfffd;
			return 1;
		}
		cp = (cp << 6) | (u[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
		*wc = 0xfffd;
		return 1;
	}
	*wc = (wchar_t)cp;
	return need + 1;
}

int dt_wcwidth(wchar_t wc)
{
	int w;

	if (wc == '\t')
		return 1;
	w = wcwidth(wc);
	if (w >= 0)
		return w;
	return 1; /* controls and unassigned: drawn as one replacement cell */
}

int dt_utf8_width(const char *s, size_t len)
{
	int cols = 0;

	while (len) {
		wchar_t wc;
		size_t n = dt_utf8_decode(s, len, &wc);

		cols += dt_wcwidth(wc);
		s += n;
		len -= n;
	}
	return cols;
}

size_t dt_utf8_fit(const char *s, size_t len, int cols, int *used)
{
	size_t off = 0;
	int w = 0;

	while (off < len) {
		wchar_t wc;
		size_t n = dt_utf8_decode(s + off, len - off, &wc);
		int cw = dt_wcwidth(wc);

		if (w + cw > cols)
			break;
		w += cw;
		off += n;
	}
	/* keep trailing zero-width combining marks with their base */
	while (off < len) {
		wchar_t wc;
		size_t n = dt_utf8_decode(s + off, len - off, &wc);

		if (dt_wcwidth(wc) != 0 || wc == 0xfffd)
			break;
		off += n;
	}
	if (used)
		*used = w;
	return off;
}
