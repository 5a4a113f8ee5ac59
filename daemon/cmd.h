/* The subcommands: one cmd_<verb>.c each, wired by the table in main.c. Each returns a sysexits code. */
#ifndef TOVHOLDER_CMD_H
#define TOVHOLDER_CMD_H

#include "ctx.h"

int cmd_check(int argc, char **argv, struct ctx *ctx);
int cmd_plan(int argc, char **argv, struct ctx *ctx);
int cmd_send(int argc, char **argv, struct ctx *ctx);
int cmd_fetch(int argc, char **argv, struct ctx *ctx);
int cmd_status(int argc, char **argv, struct ctx *ctx);
int cmd_review(int argc, char **argv, struct ctx *ctx);
int cmd_set(int argc, char **argv, struct ctx *ctx);
int cmd_referat(int argc, char **argv, struct ctx *ctx);
int cmd_fremmoede(int argc, char **argv, struct ctx *ctx);
int cmd_run(int argc, char **argv, struct ctx *ctx);
int cmd_overdrag(int argc, char **argv, struct ctx *ctx);
int cmd_modtag(int argc, char **argv, struct ctx *ctx);
int cmd_fravaer(int argc, char **argv, struct ctx *ctx);
int cmd_rapport(int argc, char **argv, struct ctx *ctx);

/* 1 when argv holds --help or -h (then the caller prints the command's help). */
int cmd_wants_help(int argc, char **argv);

#endif
