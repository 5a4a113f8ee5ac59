/* Sending over SMTP with libcurl: one connection reused for every message of a run. The ONLY file that
 * includes curl.h. */
#ifndef TOVHOLDER_SMTP_H
#define TOVHOLDER_SMTP_H

#include <stddef.h>

#include "config.h"
#include "err.h"

struct smtp;

/* TEMPFAIL: try this message again later (a 4xx reply); UNREACHABLE: the server cannot be reached or the
 * connection was lost, so no message can go out now (try all later); PERMFAIL: give up on this recipient (5xx to
 * RCPT); REFUSED: the server refuses us (login, sender, TLS certificate): fix the config. */
enum smtp_result { SMTP_OK, SMTP_TEMPFAIL, SMTP_UNREACHABLE, SMTP_PERMFAIL, SMTP_REFUSED };

/* 'sc' and 'password' (may be NULL: no AUTH) are copied. With sc->auth = xoauth2 / oauthbearer 'password' is
 * the access token (config_secret), sent with that SASL mechanism only; when the server refuses it, a new one
 * is asked of sc->token_file / token_command and the login tried once more. Connects lazily, at the first
 * smtp_send. */
struct smtp *smtp_new(const struct server_config *sc, const char *password, const char *envelope_from,
		      struct err *err);
void smtp_free(struct smtp *s);
/* A hook asked during each transfer; when it returns non-zero the transfer is abandoned (the message counts as
 * not sent: SMTP_UNREACHABLE, "stopped"). For a clean stop on SIGTERM. */
void smtp_set_stop(struct smtp *s, int (*stop)(void *arg), void *arg);
/* Sends one message to one recipient. On failure err holds the server's reply or the connection error. */
enum smtp_result smtp_send(struct smtp *s, const char *rcpt, const char *msg, size_t len, struct err *err);
/* Connects and logs in without sending (check --online). */
enum smtp_result smtp_probe(struct smtp *s, struct err *err);
/* The SASL mechanism of the last login ("PLAIN", "XOAUTH2", "OAUTHBEARER", ...), NULL before one or without
 * a user. */
const char *smtp_login_mechanism(const struct smtp *s);

#endif
