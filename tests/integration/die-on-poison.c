/* LD_PRELOAD shim for t4165: a reader that dies on one mail. When libical is handed a calendar object whose UID
 * starts with "poison-", the process kills itself with SIGKILL, as the service's watchdog would kill a reader
 * stuck on a mail; every other object goes to the real icalparser_parse_string. The binary under test is the
 * real one: only its death on that mail is staged. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

typedef struct icalcomponent_impl icalcomponent;

icalcomponent *icalparser_parse_string(const char *str);

icalcomponent *icalparser_parse_string(const char *str)
{
	icalcomponent *(*real)(const char *) = (icalcomponent * (*)(const char *)) dlsym(RTLD_NEXT,
											     "icalparser_parse_string");

	if (str && strstr(str, "UID:poison-"))
		kill(getpid(), SIGKILL);
	return real ? real(str) : NULL;
}
