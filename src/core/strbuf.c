#include "duoterm/core/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void (*oom_hook)(void);

void dt_set_oom_hook(void (*hook)(void))
{
	oom_hook = hook;
}

void dt_die_oom(void)
{
	static const char msg[] = "duoterm: out of memory\n";

	if (oom_hook)
		oom_hook();
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(134);
	abort();
}

void *dt_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		dt_die_oom();
	return p;
}

void *dt_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		dt_die_oom();
	return p;
}

void *dt_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		dt_die_oom();
	return p;
}

char *dt_xstrndup(const char *s, size_t n)
{
	char *p = dt_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *dt_xstrdup(const char *s)
{
	return dt_xstrndup(s, strlen(s));
}

void dt_sb_grow(struct dt_sb *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;

	if (need < sb->len)
		dt_die_oom();
	if (need <= sb->alloc)
		return;
	if (need < sb->alloc * 3 / 2)
		need = sb->alloc * 3 / 2;
	if (need < 64)
		need = 64;
	sb->buf = dt_xrealloc(sb->buf, need);
	sb->alloc = need;
}

void dt_sb_add(struct dt_sb *sb, const void *data, size_t len)
{
	dt_sb_grow(sb, len);
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void dt_sb_adds(struct dt_sb *sb, const char *s)
{
	dt_sb_add(sb, s, strlen(s));
}

void dt_sb_add_tmppath(struct dt_sb *sb, const char *name)
{
	const char *tmp = getenv("TMPDIR");

	dt_sb_addf(sb, "%s/%s", tmp && *tmp ? tmp : "/tmp", name);
}

void dt_sb_addc(struct dt_sb *sb, char c)
{
	dt_sb_add(sb, &c, 1);
}

void dt_sb_vaddf(struct dt_sb *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	dt_sb_grow(sb, 64);
	va_copy(cp, ap);
	n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n >= sb->alloc - sb->len) {
		dt_sb_grow(sb, (size_t)n);
		va_copy(cp, ap);
		vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, cp);
		va_end(cp);
	}
	sb->len += (size_t)n;
}

void dt_sb_addf(struct dt_sb *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dt_sb_vaddf(sb, fmt, ap);
	va_end(ap);
}

void dt_sb_consume(struct dt_sb *sb, size_t n)
{
	if (n >= sb->len) {
		dt_sb_reset(sb);
		return;
	}
	memmove(sb->buf, sb->buf + n, sb->len - n);
	sb->len -= n;
	sb->buf[sb->len] = '\0';
}

void dt_sb_truncate(struct dt_sb *sb, size_t len)
{
	if (len < sb->len) {
		sb->len = len;
		sb->buf[len] = '\0';
	}
}

void dt_sb_reset(struct dt_sb *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void dt_sb_release(struct dt_sb *sb)
{
	free(sb->buf);
	*sb = (struct dt_sb){0};
}

char *dt_sb_detach(struct dt_sb *sb, size_t *len)
{
	char *p;

	dt_sb_grow(sb, 0);
	sb->buf[sb->len] = '\0'; /* also for a buffer never written to */
	p = sb->buf;
	if (len)
		*len = sb->len;
	*sb = (struct dt_sb){0};
	return p;
}

const char *dt_sb_str(const struct dt_sb *sb)
{
	return sb->buf ? sb->buf : "";
}
