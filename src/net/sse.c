#include "duoterm/net/sse.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "duoterm/core/log.h"

static const char bom[] = "\xEF\xBB\xBF";

void dt_sse_init(struct dt_sse *p, dt_sse_cb cb, void *ud)
{
	*p = (struct dt_sse){.cb = cb, .ud = ud, .limit = DT_SSE_DEFAULT_LIMIT, .retry_ms = -1};
}

void dt_sse_set_limit(struct dt_sse *p, size_t limit)
{
	p->limit = limit ? limit : DT_SSE_DEFAULT_LIMIT;
}

long dt_sse_retry_ms(const struct dt_sse *p)
{
	return p->retry_ms;
}

const char *dt_sse_last_id(const struct dt_sse *p)
{
	return dt_sb_str(&p->last_id);
}

static void set_sb(struct dt_sb *sb, const char *s, size_t len)
{
	dt_sb_reset(sb);
	dt_sb_add(sb, s, len);
}

/*
 * Length of the valid UTF-8 sequence at s[0..len), or 0 when it is invalid.
 * The ranges are the WHATWG decoder's: no overlongs, no surrogates, nothing
 * above U+10FFFF.
 */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t need, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		need = 1;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		need = 2;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		need = 3;
	else
		return 0;
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	for (i = 1; i <= need; i++) {
		if (i >= len || s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xBF;
	}
	return need + 1;
}

/*
 * Length of the maximal prefix of an invalid sequence that the WHATWG
 * decoder replaces by one U+FFFD: the lead byte plus the continuation bytes
 * it accepted before the one that failed.
 */
static size_t utf8_bad_len(const unsigned char *s, size_t len)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t i = 1;

	if (s[0] < 0xC2 || s[0] > 0xF4)
		return 1;
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	while (i < len && s[i] >= lo && s[i] <= hi) {
		i++;
		lo = 0x80;
		hi = 0xBF;
	}
	return i;
}

static size_t utf8_valid_prefix(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		n = utf8_seq(u + i, len - i);
		if (!n)
			break;
		i += n;
	}
	return i;
}

/* Rewrites s into p->fixed with each invalid sequence replaced. */
static void utf8_fix(struct dt_sse *p, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	dt_sb_reset(&p->fixed);
	while (i < len) {
		n = utf8_valid_prefix(s + i, len - i);
		dt_sb_add(&p->fixed, s + i, n);
		i += n;
		if (i < len) {
			dt_sb_adds(&p->fixed, "\xEF\xBF\xBD");
			i += utf8_bad_len(u + i, len - i);
		}
	}
}

static int too_big(struct dt_sse *p, const char *what)
{
	dt_warn("sse", "%s larger than the %zu-byte limit", what, p->limit);
	return -EMSGSIZE;
}

static int dispatch(struct dt_sse *p)
{
	struct dt_sse_event ev;
	int ret;

	set_sb(&p->last_id, dt_sb_str(&p->id_buf), p->id_buf.len);
	if (!p->data.len) {
		dt_sb_reset(&p->type);
		return 0;
	}
	dt_sb_truncate(&p->data, p->data.len - 1);
	ev.type = p->type.len ? p->type.buf : "message";
	ev.type_len = p->type.len ? p->type.len : strlen("message");
	ev.data = p->data.buf;
	ev.data_len = p->data.len;
	ev.id = dt_sb_str(&p->last_id);
	ret = p->cb ? p->cb(p->ud, &ev) : 0;
	dt_sb_reset(&p->data);
	dt_sb_reset(&p->type);
	return ret;
}

static void set_retry(struct dt_sse *p, const char *v, size_t len)
{
	long ms = 0;
	size_t i;

	if (!len)
		return;
	for (i = 0; i < len; i++)
		if (v[i] < '0' || v[i] > '9')
			return;
	for (i = 0; i < len; i++) {
		int d = v[i] - '0';

		if (ms > (LONG_MAX - d) / 10) {
			ms = LONG_MAX;
			break;
		}
		ms = ms * 10 + d;
	}
	p->retry_ms = ms;
}

#define FIELD_IS(name, len, lit) ((len) == sizeof(lit) - 1 && !memcmp((name), lit, (len)))

static int process_field(struct dt_sse *p, const char *name, size_t nlen, const char *v,
                         size_t vlen)
{
	if (FIELD_IS(name, nlen, "data")) {
		if (p->data.len + vlen + 1 > p->limit)
			return too_big(p, "event data");
		dt_sb_add(&p->data, v, vlen);
		dt_sb_addc(&p->data, '\n');
	} else if (FIELD_IS(name, nlen, "event")) {
		set_sb(&p->type, v, vlen);
	} else if (FIELD_IS(name, nlen, "id")) {
		if (!memchr(v, '\0', vlen))
			set_sb(&p->id_buf, v, vlen);
	} else if (FIELD_IS(name, nlen, "retry")) {
		set_retry(p, v, vlen);
	}
	return 0;
}

/* One line, without its terminator. */
static int process_line(struct dt_sse *p, const char *s, size_t len)
{
	const char *colon, *v;
	size_t vlen;

	if (len > p->limit)
		return too_big(p, "line");
	if (!len)
		return dispatch(p);
	if (s[0] == ':')
		return 0;
	if (utf8_valid_prefix(s, len) != len) {
		utf8_fix(p, s, len);
		s = p->fixed.buf;
		len = p->fixed.len;
	}
	colon = memchr(s, ':', len);
	if (!colon)
		return process_field(p, s, len, "", 0);
	v = colon + 1;
	vlen = len - (size_t)(v - s);

	if (vlen && *v == ' ') {
		v++;
		vlen--;
	}
	return process_field(p, s, (size_t)(colon - s), v, vlen);
}

/* Keeps the start of a line that the chunk does not finish. */
static int hold_partial(struct dt_sse *p, const char *s, size_t len)
{
	if (p->line.len + len > p->limit)
		return too_big(p, "line");
	dt_sb_add(&p->line, s, len);
	return 0;
}

static int feed_lines(struct dt_sse *p, const char *buf, size_t len)
{
	size_t i = 0;
	int ret;

	while (i < len) {
		size_t end = i;

		if (p->cr_pending) {
			p->cr_pending = 0;
			if (buf[i] == '\n') {
				i++;
				continue;
			}
		}
		while (end < len && buf[end] != '\n' && buf[end] != '\r')
			end++;
		if (end == len)
			return hold_partial(p, buf + i, len - i);
		if (p->line.len) {
			if ((ret = hold_partial(p, buf + i, end - i)) != 0)
				return ret;
			ret = process_line(p, p->line.buf, p->line.len);
			dt_sb_reset(&p->line);
		} else {
			ret = process_line(p, buf + i, end - i);
		}
		if (ret)
			return ret;
		p->cr_pending = buf[end] == '\r';
		i = end + 1;
	}
	return 0;
}

/*
 * Matches the BOM at the start of the stream, which may arrive split.
 * Returns how many bytes of buf it took.  On a mismatch the bytes matched
 * so far were data after all and are fed first.
 */
static size_t skip_bom(struct dt_sse *p, const char *buf, size_t len, int *ret)
{
	size_t i = 0;

	while (!p->bom_done && i < len) {
		if (buf[i] != bom[p->bom_matched]) {
			p->bom_done = 1;
			*ret = feed_lines(p, bom, p->bom_matched);
			return i;
		}
		i++;
		if (++p->bom_matched == 3)
			p->bom_done = 1;
	}
	return i;
}

int dt_sse_feed(struct dt_sse *p, const char *buf, size_t len)
{
	size_t skip = 0;
	int ret = 0;

	if (p->err)
		return p->err;
	if (!len)
		return 0;
	if (!p->bom_done)
		skip = skip_bom(p, buf, len, &ret);
	if (!ret)
		ret = feed_lines(p, buf + skip, len - skip);
	p->err = ret;
	return ret;
}

/* Releases rather than resets the big buffers: a stream that hit the limit
 * should not keep megabytes around. */
static void reset_stream(struct dt_sse *p)
{
	dt_sb_release(&p->line);
	dt_sb_release(&p->data);
	dt_sb_release(&p->fixed);
	dt_sb_reset(&p->type);
	p->bom_matched = 0;
	p->bom_done = 0;
	p->cr_pending = 0;
	p->err = 0;
}

int dt_sse_finish(struct dt_sse *p)
{
	int ret = p->err;

	if (!ret && (p->data.len || p->line.len))
		dt_debug("sse", "stream ended inside an event; %zu bytes discarded",
		         p->data.len + p->line.len);
	reset_stream(p);
	return ret;
}

void dt_sse_release(struct dt_sse *p)
{
	dt_sb_release(&p->line);
	dt_sb_release(&p->fixed);
	dt_sb_release(&p->data);
	dt_sb_release(&p->type);
	dt_sb_release(&p->id_buf);
	dt_sb_release(&p->last_id);
}
