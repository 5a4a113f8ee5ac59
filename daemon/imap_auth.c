/* Logging in (part of module imap): LOGIN, or AUTHENTICATE with an OAuth2 access token, SASL XOAUTH2 or
 * OAUTHBEARER (RFC 7628), asking token_file / token_command for a new token when the server refuses one. */
#include "imap_int.h"
#include "buf.h"
#include "log.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* ---- OAuth2 login (SASL XOAUTH2, and OAUTHBEARER of RFC 7628) ---- */

/* Standard base64 (RFC 4648 §4) of in[0..n) into out, which holds 4 * ((n + 2) / 3) + 1 bytes. */
static void b64_std(const unsigned char *in, size_t n, char *out)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
			     (i + 2 < n ? in[i + 2] : 0);
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = i + 1 < n ? alphabet[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? alphabet[v & 63] : '=';
	}
	out[o] = '\0';
}

/* The client's SASL message, base64-encoded, for the caller to wipe and free. XOAUTH2 (Google's and
 * Microsoft's documentation): "user=U^Aauth=Bearer T^A^A". OAUTHBEARER (RFC 7628 §3.1): a GS2 header with the
 * authorization identity ("," and "=" escaped as =2C and =3D, RFC 5801 §4), then host, port and auth. */
static char *bearer_message(const struct imap *im, const char *token)
{
	struct buf b;
	char *out;

	buf_init(&b);
	if (im->auth == CONFIG_AUTH_XOAUTH2) {
		buf_addf(&b, "user=%s\001auth=Bearer %s\001\001", im->user, token);
	} else {
		buf_adds(&b, "n,a=");
		for (const char *p = im->user; *p; p++) {
			if (*p == ',' || *p == '=')
				buf_adds(&b, *p == ',' ? "=2C" : "=3D");
			else
				buf_addch(&b, *p);
		}
		buf_addf(&b, ",\001host=%s\001port=%u\001auth=Bearer %s\001\001", im->host, (unsigned)im->port, token);
	}
	out = xmalloc(4 * ((b.len + 2) / 3) + 1);
	b64_std((const unsigned char *)b.data, b.len, out);
	/* the buffer may have grown by realloc: wipe what it holds now (earlier, shorter copies held no token) */
	explicit_bzero(b.data, b.alloc);
	buf_release(&b);
	return out;
}

/* One AUTHENTICATE exchange with 'msg' (base64). With SASL-IR (RFC 4959) the message goes on the command
 * line, else after the server's first "+". A later "+" carries the server's JSON error (RFC 7628 §3.2.2):
 * the client answers it with a dummy (%x01 for OAUTHBEARER, an empty line for XOAUTH2) and then gets the
 * tagged NO. Returns a libetpan code: MAILIMAP_NO_ERROR, MAILIMAP_ERROR_LOGIN on a tagged NO/BAD, or the
 * stream/parse error. */
static int sasl_exchange(struct imap *im, const char *mech, const char *msg)
{
	struct mailimap_response *resp = NULL;
	int ir = mailimap_has_extension(im->s, "SASL-IR"), sent = ir, r;
	char *cmd = xasprintf("AUTHENTICATE %s%s%s", mech, ir ? " " : "", ir ? msg : "");

	r = mailimap_send_current_tag(im->s);
	if (r == MAILIMAP_NO_ERROR && imap_send_private(im, cmd) < 0)
		r = MAILIMAP_ERROR_STREAM;
	explicit_bzero(cmd, strlen(cmd));
	free(cmd);
	if (r != MAILIMAP_NO_ERROR)
		return r;
	for (int round = 0;; round++) {
		const char *line = mailimap_read_line(im->s);
		if (!line)
			return MAILIMAP_ERROR_STREAM;
		if (line[0] != '+')
			break;
		if (round == 2)
			return MAILIMAP_ERROR_PARSE; /* a server that keeps asking: not a SASL bearer exchange */
		if (imap_send_private(im, sent ? (im->auth == CONFIG_AUTH_OAUTHBEARER ? "AQ==" : "") : msg) < 0)
			return MAILIMAP_ERROR_STREAM;
		sent = 1;
	}
	r = mailimap_parse_response(im->s, &resp);
	if (r != MAILIMAP_NO_ERROR)
		return r;
	r = imap_response_end(resp, MAILIMAP_ERROR_LOGIN);
	mailimap_response_free(resp);
	if (r != MAILIMAP_NO_ERROR)
		return r;
	im->s->imap_state = MAILIMAP_STATE_AUTHENTICATED;
	return MAILIMAP_NO_ERROR;
}

static int bearer_try(struct imap *im, const char *mech)
{
	char *msg = bearer_message(im, im->password);
	int r = sasl_exchange(im, mech, msg);

	explicit_bzero(msg, strlen(msg));
	free(msg);
	return r;
}

/* A new access token from token_file / token_command, in place of the refused one. */
static enum imap_result bearer_refresh(struct imap *im, struct err *err)
{
	struct server_config sc = { .auth = im->auth, .token_file = im->token_file, .token_command = im->token_command };
	struct err why = { "" };
	int temporary = 0;
	char *tok = config_secret(&sc, &temporary, &why);

	if (!tok) {
		err_set(err, "%s refused the access token and no new one could be had: %s", im->host, why.msg);
		imap_drop(im);
		return temporary ? IMAP_UNREACHABLE : IMAP_REFUSED;
	}
	if (strcmp(tok, im->password) == 0) {
		/* trying the same token again would only be refused again */
		err_set(err, "%s refused the access token (expired or revoked?) and %s gave the same one again", im->host,
			im->token_file ? "token_file" : "token_command");
		explicit_bzero(tok, strlen(tok));
		free(tok);
		imap_drop(im);
		return IMAP_REFUSED;
	}
	explicit_bzero(im->password, strlen(im->password));
	free(im->password);
	im->password = tok;
	return IMAP_OK;
}

/* AUTHENTICATE XOAUTH2 / OAUTHBEARER with the token we hold; when the server refuses it (expired, most
 * likely: tokens live about an hour), once more with a new one. */
static enum imap_result bearer_login(struct imap *im, struct err *err)
{
	const char *mech = im->auth == CONFIG_AUTH_XOAUTH2 ? "XOAUTH2" : "OAUTHBEARER";
	char text[160];
	int r;

	if (!mailimap_has_authentication(im->s, mech)) {
		err_set(err, "%s does not offer AUTH=%s (it offers: %s): check the auth line in [imap]", im->host, mech,
			im->caps[0] ? im->caps : "nothing");
		imap_drop(im);
		return IMAP_REFUSED;
	}
	log_debug("imap: AUTHENTICATE %s as %s at %s", mech, im->user, im->host);
	r = bearer_try(im, mech);
	if (r == MAILIMAP_ERROR_LOGIN && !imap_temporary_code(im)) {
		enum imap_result res;
		log_debug("imap: %s refused the access token; asking for a new one and trying once more", im->host);
		if ((res = bearer_refresh(im, err)) != IMAP_OK)
			return res;
		r = bearer_try(im, mech);
	}
	if (r == MAILIMAP_ERROR_LOGIN && !imap_temporary_code(im)) {
		imap_server_text(im, text, sizeof(text));
		err_set(err, "login as '%s' with %s refused by %s%s%s", im->user, mech, im->host, text[0] ? ": " : "",
			text);
		imap_drop(im);
		return IMAP_REFUSED;
	}
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "AUTHENTICATE", err);
	im->mech = mech;
	return IMAP_OK;
}

enum imap_result imap_login(struct imap *im, struct err *err)
{
	char text[160];
	int r;

	if (im->auth != CONFIG_AUTH_PASSWORD)
		return bearer_login(im, err);
	if (imap_has_cap(im, "LOGINDISABLED")) {
		err_set(err, "%s does not allow a password login on this connection (LOGINDISABLED)%s", im->host,
			im->implicit || im->starttls ? "" : ": use tls = starttls or imaps://");
		imap_drop(im);
		return IMAP_REFUSED;
	}
	log_debug("imap: LOGIN as %s at %s", im->user, im->host);
	r = mailimap_login(im->s, im->user, im->password);
	if (r == MAILIMAP_ERROR_LOGIN && !imap_temporary_code(im)) {
		imap_server_text(im, text, sizeof(text));
		err_set(err, "login as '%s' refused by %s%s%s", im->user, im->host, text[0] ? ": " : "", text);
		imap_drop(im);
		return IMAP_REFUSED;
	}
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "LOGIN", err);
	im->mech = "LOGIN";
	return IMAP_OK;
}
