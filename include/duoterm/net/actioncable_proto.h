/*
 * The ActionCable wire format (subprotocol "actioncable-v1-json"), pure:
 * text frames in, typed structs out, and client commands built as text.
 * No sockets here; net/actioncable.c carries these over the WebSocket.
 *
 * Server frames (JSON objects):
 *   {"type":"welcome"}
 *   {"type":"ping","message":1795313157}                  unix seconds
 *   {"type":"disconnect","reason":"unauthorized","reconnect":false}
 *   {"type":"confirm_subscription","identifier":"<id>"}
 *   {"type":"reject_subscription","identifier":"<id>"}
 *   {"identifier":"<id>","message":<any JSON>}            channel data
 * Client commands:
 *   {"command":"subscribe","identifier":"<id>"}
 *   {"command":"unsubscribe","identifier":"<id>"}
 *   {"command":"message","identifier":"<id>","data":"<JSON text>"}
 *
 * An identifier is itself JSON text carried as a string, e.g.
 * "{\"channel\":\"GraphqlChannel\",\"query\":\"subscription ...\"}".  The
 * server echoes it back byte for byte (once both sides have decoded the
 * outer string), so a client keeps the exact identifier string it sent and
 * matches frames with strcmp(); it never rebuilds one to compare.
 *
 * Errors are negative errno values: -EBADMSG for text that is not JSON,
 * not an object, or a known frame type without the fields it needs (a
 * confirm without an identifier, say); -EINVAL for bad arguments.
 */
#ifndef DUOTERM_NET_ACTIONCABLE_PROTO_H
#define DUOTERM_NET_ACTIONCABLE_PROTO_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "duoterm/core/strbuf.h"

#define DT_AC_SUBPROTOCOL "actioncable-v1-json"

/* UNKNOWN: a type this codec does not know (ignore it); CONFIRM and REJECT:
 * confirm_subscription and reject_subscription; MESSAGE: data for a
 * subscription (a frame without "type").  The typed ones, WELCOME to REJECT,
 * stay in this order: the parser walks them. */
enum dt_ac_type {
	DT_AC_UNKNOWN,
	DT_AC_WELCOME,
	DT_AC_PING,
	DT_AC_DISCONNECT,
	DT_AC_CONFIRM,
	DT_AC_REJECT,
	DT_AC_MESSAGE,
};

/*
 * A parsed server frame.  It owns one cJSON tree (`root`); every pointer
 * below points into it and is valid until dt_ac_frame_release(), unless
 * the message is taken with dt_ac_frame_take_message().
 */
struct dt_ac_frame {
	enum dt_ac_type type;
	const char *type_name;  /* the "type" string as sent, NULL when absent */
	const char *identifier; /* CONFIRM, REJECT, MESSAGE; NULL otherwise */
	const cJSON *message;   /* MESSAGE: the payload, any JSON value */
	long long ping_time;    /* PING: unix seconds, 0 when absent or odd */
	const char *reason;     /* DISCONNECT: e.g. "unauthorized", or NULL */
	int reconnect;          /* DISCONNECT: 1 when the server allows it;
	                         * 0 when false or absent (as the JS client) */
	cJSON *root;
};

/* Parses one text frame of len bytes (need not be NUL-terminated).  On
 * success *out must be released; on error it is left empty (releasing it
 * is harmless).  Unknown types give 0 with type DT_AC_UNKNOWN. */
int dt_ac_frame_parse(struct dt_ac_frame *out, const char *text, size_t len);

/* Detaches the MESSAGE payload and gives it to the caller (free it with
 * cJSON_Delete); NULL for other frames or when already taken. */
cJSON *dt_ac_frame_take_message(struct dt_ac_frame *f);

void dt_ac_frame_release(struct dt_ac_frame *f);

/* The wire name of a frame type ("welcome", "ping", "disconnect",
 * "confirm_subscription", "reject_subscription"), or "message" and
 * "unknown" for the other two. */
const char *dt_ac_type_name(enum dt_ac_type type);

/*
 * Client commands, appended to out as compact JSON text ready to send.
 * The identifier is the exact string to use (see above).  For "message",
 * data must be a JSON object (typically {"action":"speak",...}); it is
 * serialised and sent as a string, as ActionCable expects.  0 or -EINVAL.
 */
int dt_ac_build_subscribe(struct dt_sb *out, const char *identifier);
int dt_ac_build_unsubscribe(struct dt_sb *out, const char *identifier);
int dt_ac_build_message(struct dt_sb *out, const char *identifier, const cJSON *data);

/*
 * Builds an identifier: {"channel":"<channel>", then each member of params
 * in order}.  params may be NULL, else must be an object without a
 * "channel" member.  The result (appended to out) is the string to keep
 * and to pass to the builders above.  0 or -EINVAL.
 */
int dt_ac_build_identifier(struct dt_sb *out, const char *channel, const cJSON *params);

/* A GraphqlChannel subscription. */
struct dt_ac_graphql_sub {
	const char *query;          /* "subscription ... { ... }", required */
	const cJSON *variables;     /* an object, or NULL for none */
	const char *operation_name; /* or NULL */
	const char *nonce;          /* or NULL; the web UI sends a UUID so that
	                             * identical subscriptions stay apart */
};

/* Appends {"channel":"GraphqlChannel","query":...,"variables":{...},
 * "operationName":...,"nonce":...} (absent members left out) to out.
 * 0 or -EINVAL. */
int dt_ac_graphql_identifier(struct dt_sb *out, const struct dt_ac_graphql_sub *sub);

/*
 * A GraphqlChannel message, split.  The shapes are
 *   {"result":{"data":{...}},"more":true}      an event (the first, sent
 *                                              on subscribe, has null data)
 *   {"result":{"data":null,"errors":[...]},"more":false}
 *   {"errors":[{"message":"..."}]}             e.g. bad variables
 * All pointers borrow from the message.
 */
struct dt_ac_graphql_result {
	const cJSON *data;   /* result.data; NULL when absent (JSON null is a
	                      * cJSON of type NULL, not a NULL pointer) */
	const cJSON *errors; /* a non-empty errors array (top level first, then
	                      * result.errors), or NULL */
	int more;            /* 1 while the subscription continues; 0 when
	                      * "more" is false or absent: it has ended */
};

/* 0, or -EBADMSG when message is not an object with "result" or
 * "errors". */
int dt_ac_graphql_result(const cJSON *message, struct dt_ac_graphql_result *out);

#endif
