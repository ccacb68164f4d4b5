/*
 * Display width of UTF-8 text, by wcwidth(3) under the user's locale:
 * wide CJK and emoji count 2, combining marks 0, so columns never shift.
 * Invalid bytes count 1 (they are drawn as U+FFFD).
 */
#ifndef DUOTERM_CORE_UTF8_H
#define DUOTERM_CORE_UTF8_H

#include <stddef.h>
#include <wchar.h>

/* Decodes one character at s (len bytes available); returns bytes used (>=1)
 * and sets *wc (U+FFFD for invalid input). */
size_t dt_utf8_decode(const char *s, size_t len, wchar_t *wc);
int dt_wcwidth(wchar_t wc);
/* Columns the string takes. */
int dt_utf8_width(const char *s, size_t len);
/* The byte length of the longest prefix of s that fits in cols columns;
 * *used gets the columns it takes. */
size_t dt_utf8_fit(const char *s, size_t len, int cols, int *used);

#endif
