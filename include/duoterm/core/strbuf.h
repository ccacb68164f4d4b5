/*
 * A growable byte buffer, always NUL-terminated (git's strbuf, smaller).
 * A zeroed struct is an empty buffer; dt_sb_release() frees it and leaves it
 * empty and reusable.  Appends abort on out-of-memory (after the terminal is
 * restored by the atexit hook), as git's xmalloc does.
 */
#ifndef DUOTERM_CORE_STRBUF_H
#define DUOTERM_CORE_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct dt_sb {
	char *buf;
	size_t len, alloc;
};

#define DT_SB_INIT {0}

void dt_sb_grow(struct dt_sb *sb, size_t extra);
void dt_sb_add(struct dt_sb *sb, const void *data, size_t len);
void dt_sb_adds(struct dt_sb *sb, const char *s);
void dt_sb_addc(struct dt_sb *sb, char c);
void dt_sb_addf(struct dt_sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends "$TMPDIR/name" ("/tmp/name" when TMPDIR is unset or empty). */
void dt_sb_add_tmppath(struct dt_sb *sb, const char *name);
void dt_sb_vaddf(struct dt_sb *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Removes the first n bytes. */
void dt_sb_consume(struct dt_sb *sb, size_t n);
void dt_sb_truncate(struct dt_sb *sb, size_t len);
void dt_sb_reset(struct dt_sb *sb);
void dt_sb_release(struct dt_sb *sb);
/* Gives the buffer away (never NULL) and leaves sb empty. */
char *dt_sb_detach(struct dt_sb *sb, size_t *len);
/* Some string views used with it. */
const char *dt_sb_str(const struct dt_sb *sb);

/* Allocation helpers that never return NULL. */
void *dt_xmalloc(size_t n);
void *dt_xcalloc(size_t n, size_t size);
void *dt_xrealloc(void *p, size_t n);
char *dt_xstrdup(const char *s);
char *dt_xstrndup(const char *s, size_t n);
void dt_die_oom(void) __attribute__((noreturn));
/* Hook run once before an out-of-memory exit (the UI restores the tty). */
void dt_set_oom_hook(void (*hook)(void));

#endif
