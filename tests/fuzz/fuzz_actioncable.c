/*
 * Fuzz target for the ActionCable codec.  The input is a server frame; a
 * parsed frame's identifier must survive a subscribe command round trip
 * byte for byte, and a message goes through the GraphqlChannel splitter.
 * The input is also used as an identifier itself (when it has no NUL).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/core/strbuf.h"
#include "duoterm/net/actioncable_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* subscribe(id) must parse back to the same identifier string. */
static void round_trip(const char *id)
{
	struct dt_sb cmd = DT_SB_INIT;
	cJSON *j, *v;

	if (dt_ac_build_subscribe(&cmd, id))
		abort();
	j = cJSON_ParseWithLength(cmd.buf, cmd.len);
	v = cJSON_GetObjectItemCaseSensitive(j, "identifier");
	if (!cJSON_IsString(v) || strcmp(v->valuestring, id))
		abort();
	cJSON_Delete(j);
	dt_sb_release(&cmd);
}

static void check_frame(struct dt_ac_frame *f)
{
	struct dt_ac_graphql_result r;
	cJSON *m;

	if ((f->type == DT_AC_CONFIRM || f->type == DT_AC_REJECT || f->type == DT_AC_MESSAGE) &&
	    !f->identifier)
		abort();
	if (f->identifier)
		round_trip(f->identifier);
	if (f->type != DT_AC_MESSAGE)
		return;
	if (dt_ac_graphql_result(f->message, &r) == 0 && r.errors && !cJSON_IsArray(r.errors))
		abort();
	m = dt_ac_frame_take_message(f);
	if (f->message || dt_ac_frame_take_message(f))
		abort();
	cJSON_Delete(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dt_ac_frame f;
	char *s;

	if (dt_ac_frame_parse(&f, (const char *)data, size) == 0) {
		if (!f.root)
			abort();
		check_frame(&f);
	} else if (f.root) {
		abort();
	}
	dt_ac_frame_release(&f);
	if (size < 4096 && !memchr(data, '\0', size)) {
		s = dt_xstrndup((const char *)data, size);
		round_trip(s);
		free(s);
	}
	return 0;
}
