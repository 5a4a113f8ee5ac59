/* SMTP client on libcurl. */
#include "smtp.h"
#include "log.h"
#include "util.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct smtp {
	CURL *curl;
	char *url;
	char *from;
	char *user;
	char *password;         /* or, with OAuth2, the access token */
	char *ca_file;
	enum tls_mode tls;
	/* OAuth2: where a new token comes from when the server refuses the one we have */
	enum config_auth auth;
	char *token_file;
	char *token_command;
	char offered[256];      /* the mechanisms of the server's EHLO AUTH line */
	char mech[32];          /* the mechanism of our AUTH command, "" before one */
	char last_reply[256];   /* the server's first 4xx/5xx reply line of the transaction, else its last line: after
				 * a refused RCPT curl says QUIT, and "221 Bye" would hide the reason */
	char errbuf[CURL_ERROR_SIZE];
	int (*stop)(void *arg);
	void *stop_arg;
	/* the message being uploaded */
	const char *msg;
	size_t len, off;
};

static size_t read_cb(char *out, size_t size, size_t nmemb, void *arg)
{
	struct smtp *s = arg;
	size_t n = size * nmemb;

	if (n > s->len - s->off)
		n = s->len - s->off;
	memcpy(out, s->msg + s->off, n);
	s->off += n;
	return n;
}

/* Copies the word at data[0..size) (letters, digits, '-', '_') into out: a mechanism name, never what
 * follows it. */
static void copy_mech(char *out, size_t outsz, const char *data, size_t size)
{
	size_t n = 0;

	while (n < size && n + 1 < outsz && (isalnum((unsigned char)data[n]) || data[n] == '-' || data[n] == '_'))
		n++;
	memcpy(out, data, n);
	out[n] = '\0';
}

/* From our own lines only the mechanism of "AUTH <mech> <initial response>" is kept: the rest is the secret. */
static void note_outgoing(struct smtp *s, const char *data, size_t size)
{
	if (size > 5 && strncasecmp(data, "AUTH ", 5) == 0)
		copy_mech(s->mech, sizeof(s->mech), data + 5, size - 5);
}

/* "250-AUTH PLAIN LOGIN XOAUTH2" (or "AUTH=" for old clients): which mechanisms the server offers. */
static void note_offer(struct smtp *s, const char *data, size_t n)
{
	size_t len;

	if (n < 9 || strncmp(data, "250", 3) != 0 || strncasecmp(data + 4, "AUTH", 4) != 0 ||
	    (data[8] != ' ' && data[8] != '='))
		return;
	len = n - 9 < sizeof(s->offered) - 1 ? n - 9 : sizeof(s->offered) - 1;
	memcpy(s->offered, data + 9, len);
	s->offered[len] = '\0';
}

/* Keeps the server's last reply line, the mechanisms it offers and the name of ours. Of outgoing lines only
 * the mechanism name is looked at: they carry the AUTH exchange, which must never reach a log or an error
 * message. */
static int debug_cb(CURL *c, curl_infotype type, char *data, size_t size, void *arg)
{
	struct smtp *s = arg;
	size_t n = size;

	(void)c;
	if (type == CURLINFO_HEADER_OUT)
		note_outgoing(s, data, size);
	if (type != CURLINFO_HEADER_IN)
		return 0;
	while (n && (data[n - 1] == '\r' || data[n - 1] == '\n'))
		n--;
	note_offer(s, data, n);
	if (s->last_reply[0] == '4' || s->last_reply[0] == '5')
		return 0;
	if (n >= sizeof(s->last_reply))
		n = sizeof(s->last_reply) - 1;
	memcpy(s->last_reply, data, n);
	s->last_reply[n] = '\0';
	return 0;
}

/* Abandons a transfer when the owner asks to stop: an unfinished DATA is not a sent message, so it stays
 * queued; at worst a server that already accepted it gets it once more on the next run. */
static int progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	struct smtp *s = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return s->stop && s->stop(s->stop_arg);
}

void smtp_set_stop(struct smtp *s, int (*stop)(void *arg), void *arg)
{
	s->stop = stop;
	s->stop_arg = arg;
}

static CURL *smtp_handle(struct smtp *s)
{
	if (s->curl)
		return s->curl;
	s->curl = curl_easy_init();
	if (!s->curl)
		return NULL;
	curl_easy_setopt(s->curl, CURLOPT_URL, s->url);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, s->from);
	/* starttls: insist on TLS (CURLUSESSL_ALL fails rather than sending in clear); implicit: smtps:// */
	curl_easy_setopt(s->curl, CURLOPT_USE_SSL, (long)(s->tls == TLS_NONE ? CURLUSESSL_NONE : CURLUSESSL_ALL));
	/* Certificates are always verified (libcurl's defaults, stated so nobody turns them off by accident).
	 * An extra CA is added to the system's trust store, not put in its place. */
	curl_easy_setopt(s->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(s->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (s->ca_file) {
		curl_easy_setopt(s->curl, CURLOPT_CAINFO, s->ca_file);
		curl_easy_setopt(s->curl, CURLOPT_CAPATH, "/etc/ssl/certs");
	}
	if (s->user && s->auth != CONFIG_AUTH_PASSWORD) {
		/* only the configured mechanism: never fall back to sending the token as a password */
		curl_easy_setopt(s->curl, CURLOPT_USERNAME, s->user);
		curl_easy_setopt(s->curl, CURLOPT_XOAUTH2_BEARER, s->password ? s->password : "");
		curl_easy_setopt(s->curl, CURLOPT_LOGIN_OPTIONS,
				 s->auth == CONFIG_AUTH_XOAUTH2 ? "AUTH=XOAUTH2" : "AUTH=OAUTHBEARER");
	} else if (s->user) {
		curl_easy_setopt(s->curl, CURLOPT_USERNAME, s->user);
		curl_easy_setopt(s->curl, CURLOPT_PASSWORD, s->password ? s->password : "");
	}
	curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT, 30L);
	/* a stalled server: less than 1 byte/s for 60 s ends the transaction */
	curl_easy_setopt(s->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(s->curl, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(s->curl, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(s->curl, CURLOPT_DEBUGFUNCTION, debug_cb);
	curl_easy_setopt(s->curl, CURLOPT_DEBUGDATA, s);
	curl_easy_setopt(s->curl, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(s->curl, CURLOPT_READDATA, s);
	curl_easy_setopt(s->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(s->curl, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(s->curl, CURLOPT_XFERINFODATA, s);
	curl_easy_setopt(s->curl, CURLOPT_NOPROGRESS, 0L);
	return s->curl;
}

struct smtp *smtp_new(const struct server_config *sc, const char *password, const char *envelope_from,
		      struct err *err)
{
	static int curl_ready;
	struct smtp *s;

	if (!sc->url)
		return err_set(err, "no [smtp] url in the config"), NULL;
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return err_set(err, "cannot initialise libcurl"), NULL;
		curl_ready = 1;
	}
	s = xcalloc(1, sizeof(*s));
	s->url = xstrdup(sc->url);
	s->from = xasprintf("<%s>", envelope_from);
	s->user = sc->user ? xstrdup(sc->user) : NULL;
	s->password = password ? xstrdup(password) : NULL;
	s->ca_file = sc->ca_file ? xstrdup(sc->ca_file) : NULL;
	s->tls = sc->tls;
	s->auth = sc->auth;
	s->token_file = sc->token_file ? xstrdup(sc->token_file) : NULL;
	s->token_command = sc->token_command ? xstrdup(sc->token_command) : NULL;
	return s;
}

void smtp_free(struct smtp *s)
{
	if (!s)
		return;
	if (s->curl)
		curl_easy_cleanup(s->curl);
	free(s->url);
	free(s->from);
	free(s->user);
	if (s->password) {
		explicit_bzero(s->password, strlen(s->password));
		free(s->password);
	}
	free(s->ca_file);
	free(s->token_file);
	free(s->token_command);
	free(s);
}

const char *smtp_login_mechanism(const struct smtp *s)
{
	return s->mech[0] ? s->mech : NULL;
}

/* Maps a libcurl failure to what the caller should do. */
static enum smtp_result classify(struct smtp *s, CURLcode rc, struct err *err)
{
	long code = 0;

	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
	switch (rc) {
	case CURLE_ABORTED_BY_CALLBACK:
		err_set(err, "stopped");
		return SMTP_UNREACHABLE;
	case CURLE_LOGIN_DENIED:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_USE_SSL_FAILED:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		err_set(err, "%s%s%s", s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc),
			s->last_reply[0] ? ": " : "", s->last_reply);
		return SMTP_REFUSED;
	default:
		break;
	}
	if (code >= 500 && code < 600) {
		err_set(err, "%s", s->last_reply[0] ? s->last_reply : s->errbuf);
		/* curl says which command failed: only a refused recipient is that recipient's problem */
		return strstr(s->errbuf, "RCPT") ? SMTP_PERMFAIL : SMTP_REFUSED;
	}
	if (code >= 400 && code < 500) {
		err_set(err, "%s", s->last_reply[0] ? s->last_reply : s->errbuf);
		/* 421: the server is closing the connection — nothing else will go through it either */
		return code == 421 ? SMTP_UNREACHABLE : SMTP_TEMPFAIL;
	}
	err_set(err, "%s", s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));
	return SMTP_UNREACHABLE;
}

/* Our mechanism, when the server's AUTH line does not list it. */
static const char *mech_missing(const struct smtp *s)
{
	const char *want = s->auth == CONFIG_AUTH_XOAUTH2 ? "XOAUTH2" : "OAUTHBEARER";
	size_t n = strlen(want);

	for (const char *p = s->offered; (p = strcasestr(p, want)); p += n)
		if ((p == s->offered || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return NULL;
	return want;
}

/* Asks token_file / token_command for a new access token and hands it to curl. Tokens expire (an hour at
 * Microsoft and Google) and a helper's clock or cache may be a little behind the server's. */
static enum smtp_result refresh_token(struct smtp *s, struct err *err)
{
	struct server_config sc = { .auth = s->auth, .token_file = s->token_file, .token_command = s->token_command };
	struct err why = { "" };
	int temporary = 0;
	char *tok = config_secret(&sc, &temporary, &why);

	if (!tok) {
		err_set(err, "the server refused the access token and no new one could be had: %s", why.msg);
		return temporary ? SMTP_UNREACHABLE : SMTP_REFUSED;
	}
	if (s->password && strcmp(tok, s->password) == 0) {
		/* trying the same token again would only be refused again */
		err_set(err, "the server refused the access token (expired or revoked?) and %s gave the same one again",
			s->token_file ? "token_file" : "token_command");
		explicit_bzero(tok, strlen(tok));
		free(tok);
		return SMTP_REFUSED;
	}
	if (s->password) {
		explicit_bzero(s->password, strlen(s->password));
		free(s->password);
	}
	s->password = tok;
	curl_easy_setopt(s->curl, CURLOPT_XOAUTH2_BEARER, s->password);
	return SMTP_OK;
}

static CURLcode perform(struct smtp *s)
{
	s->off = 0;
	s->errbuf[0] = '\0';
	s->last_reply[0] = '\0';
	s->offered[0] = '\0';
	return curl_easy_perform(s->curl);
}

/* One transfer; with OAuth2, a refused login is tried once more with a new token. */
static enum smtp_result perform_login(struct smtp *s, struct err *err)
{
	CURLcode rc = perform(s);
	enum smtp_result r;

	if (rc == CURLE_OK)
		return SMTP_OK;
	if (rc == CURLE_LOGIN_DENIED && s->auth != CONFIG_AUTH_PASSWORD && s->user) {
		const char *missing = mech_missing(s);
		if (missing) {
			err_set(err, "the server does not offer AUTH %s (it offers: %s): check the auth line in [smtp] "
				"and that SMTP AUTH is allowed for the mailbox", missing, s->offered[0] ? s->offered : "none");
			return SMTP_REFUSED;
		}
		log_debug("smtp: login with %s refused; asking for a new access token and trying once more", s->mech);
		if ((r = refresh_token(s, err)) != SMTP_OK)
			return r;
		if ((rc = perform(s)) == CURLE_OK)
			return SMTP_OK;
	}
	return classify(s, rc, err);
}

enum smtp_result smtp_send(struct smtp *s, const char *rcpt, const char *msg, size_t len, struct err *err)
{
	struct curl_slist *rcpts;
	char *to;
	CURL *c = smtp_handle(s);
	enum smtp_result r;

	if (!c)
		return err_set(err, "cannot initialise libcurl"), SMTP_TEMPFAIL;
	to = xasprintf("<%s>", rcpt);
	rcpts = curl_slist_append(NULL, to);
	free(to);
	s->msg = msg;
	s->len = len;
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 0L);
	r = perform_login(s, err);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rcpts);
	return r;
}

enum smtp_result smtp_probe(struct smtp *s, struct err *err)
{
	CURL *c = smtp_handle(s);
	enum smtp_result r;

	if (!c)
		return err_set(err, "cannot initialise libcurl"), SMTP_TEMPFAIL;
	/* CONNECT_ONLY: greeting, EHLO, STARTTLS and AUTH, then stop */
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	r = perform_login(s, err);
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 0L);
	return r;
}
