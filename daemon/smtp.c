/* SMTP client on libcurl. */
#include "smtp.h"
#include "util.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

struct smtp {
	CURL *curl;
	char *url;
	char *from;
	char *user;
	char *password;
	char *ca_file;
	enum tls_mode tls;
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

/* Keeps the server's last reply line. Only incoming lines are looked at: outgoing ones carry the AUTH
 * exchange, which must never reach a log or an error message. */
static int debug_cb(CURL *c, curl_infotype type, char *data, size_t size, void *arg)
{
	struct smtp *s = arg;
	size_t n = size;

	(void)c;
	if (type != CURLINFO_HEADER_IN)
		return 0;
	while (n && (data[n - 1] == '\r' || data[n - 1] == '\n'))
		n--;
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
	if (s->user) {
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
	free(s);
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

enum smtp_result smtp_send(struct smtp *s, const char *rcpt, const char *msg, size_t len, struct err *err)
{
	struct curl_slist *rcpts;
	char *to;
	CURL *c = smtp_handle(s);
	CURLcode rc;

	if (!c)
		return err_set(err, "cannot initialise libcurl"), SMTP_TEMPFAIL;
	to = xasprintf("<%s>", rcpt);
	rcpts = curl_slist_append(NULL, to);
	free(to);
	s->msg = msg;
	s->len = len;
	s->off = 0;
	s->errbuf[0] = '\0';
	s->last_reply[0] = '\0';
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 0L);
	rc = curl_easy_perform(c);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rcpts);
	if (rc == CURLE_OK)
		return SMTP_OK;
	return classify(s, rc, err);
}

enum smtp_result smtp_probe(struct smtp *s, struct err *err)
{
	CURL *c = smtp_handle(s);
	CURLcode rc;

	if (!c)
		return err_set(err, "cannot initialise libcurl"), SMTP_TEMPFAIL;
	/* CONNECT_ONLY: greeting, EHLO, STARTTLS and AUTH, then stop */
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	rc = curl_easy_perform(c);
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 0L);
	if (rc == CURLE_OK)
		return SMTP_OK;
	return classify(s, rc, err);
}
