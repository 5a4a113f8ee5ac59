/* Logging: one line per event to stderr; under systemd each line carries a journald priority prefix "<N>". */
#ifndef TOVHOLDER_LOG_H
#define TOVHOLDER_LOG_H

enum log_level { LOG_LVL_ERROR = 3, LOG_LVL_WARN = 4, LOG_LVL_INFO = 6, LOG_LVL_DEBUG = 7 };

/* Reads TOVHOLDER_DEBUG and JOURNAL_STREAM from the environment. 'verbose' > 0 shows debug lines. */
void log_init(int verbose);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
