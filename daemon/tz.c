/* Named time zones from the system tz database, and a compact VTIMEZONE written from it.
 *
 * Why not libical's builtin zones: libical 3.0.16 ignores icaltimezone_set_tzid_prefix("") and writes
 * "/freeassociation.sourceforge.net/Europe/Copenhagen", which Thunderbird rejects, and its VTIMEZONE starts the
 * open-ended RRULE components in 2037/2038, so a 2027 date falls under components with UNTIL. We ask glibc
 * (TZ=:<name>, localtime_r/mktime) where the offset changes and write one yearly rule per direction. */
#include "tz.h"

#include "buf.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define TZ_NAME_MAX 64      /* "TZID:" + name stays within one 75-octet line; real names are ≤ 32 */
#define TZ_YEAR_MIN 1970
#define TZ_YEAR_MAX 2200
#define TZ_SPAN_MAX 100     /* years in one VTIMEZONE request: bounds the hourly scan */
#define TZ_TRANS_MAX 4      /* offset changes per year we are willing to look at */

/* One offset change: when, from/to which offset, and the wall clock just before it. */
struct tz_trans {
	time_t t;
	long off_before, off_after;
	char abbr[16];          /* the zone abbreviation after the change ("CEST") */
	struct tm wall;         /* local time before the change, e.g. 02:00 on the last Sunday of March */
};

/* A yearly rule "BYMONTH=m;BYDAY=<ordinal><weekday>" at a wall-clock time, with its offsets. */
struct tz_rule {
	int month;              /* 1..12 */
	int wday;               /* 0 = Sunday, as in struct tm */
	int ordinal;            /* 1..4, or -1 for the last such weekday of the month */
	int hour, min, sec;
	long off_from, off_to;
	char abbr[16];
};

static const char *const byday_names[] = { "SU", "MO", "TU", "WE", "TH", "FR", "SA" };

static int name_valid(const char *name)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len > TZ_NAME_MAX || name[0] == '/' || name[len - 1] == '/')
		return 0;
	for (const char *p = name; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '/' || c == '_' || c == '-' || c == '+' || c == '.'))
			return 0;
	}
	/* no "..", ".", or empty path components: the name must stay inside the zoneinfo directory */
	for (const char *p = name; *p;) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += n + (e ? 1 : 0);
	}
	return 1;
}

/* 1 when zone names a TZif file of the tz database, whose stat is then in *st. */
static int zone_file(const char *zone, struct stat *st)
{
	const char *dir = getenv("TZDIR");
	char magic[4];
	char *path;
	FILE *f;
	int ok = 0;

	if (!name_valid(zone))
		return 0;
	path = xasprintf("%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", zone);
	/* glibc silently falls back to UTC for a file it cannot load, so check the TZif magic ourselves */
	if (stat(path, st) == 0 && S_ISREG(st->st_mode) && (f = fopen(path, "rb"))) {
		ok = fread(magic, 1, sizeof(magic), f) == sizeof(magic) && memcmp(magic, "TZif", 4) == 0;
		fclose(f);
	}
	free(path);
	return ok;
}

int tz_valid(const char *zone)
{
	struct stat st;

	return zone_file(zone, &st);
}

/* Switches the process to zone 'name'; returns the previous TZ value (or NULL when unset) for tz_leave.
 * Not thread-safe (setenv): the daemon is single-threaded. */
static char *tz_enter(const char *name)
{
	const char *old = getenv("TZ");
	char *saved = old ? xstrdup(old) : NULL;
	char *val = xasprintf(":%s", name);

	setenv("TZ", val, 1);
	free(val);
	tzset();
	return saved;
}

static void tz_leave(char *saved)
{
	if (saved)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
}

int tz_local_to_utc(const char *zone, int y, int m, int d, int minutes, time_t *ret, struct err *err)
{
	struct tm tm = { 0 };
	char *saved;
	time_t t;

	if (!tz_valid(zone))
		return err_set(err, "unknown time zone '%s'", zone ? zone : "");
	if (y < TZ_YEAR_MIN || y > TZ_YEAR_MAX || m < 1 || m > 12 || d < 1 || d > util_days_in_month(y, m))
		return err_set(err, "bad date %04d-%02d-%02d", y, m, d);
	if (minutes < 0 || minutes > 24 * 60)
		return err_set(err, "bad time of day (%d minutes)", minutes);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = minutes / 60;
	tm.tm_min = minutes % 60;
	tm.tm_isdst = -1;   /* let the zone decide; in the autumn overlap mktime picks one of the two */
	saved = tz_enter(zone);
	t = mktime(&tm);
	tz_leave(saved);
	if (t == (time_t)-1)
		return err_set(err, "cannot convert %04d-%02d-%02d in '%s'", y, m, d, zone);
	*ret = t;
	return 0;
}

static long offset_at(time_t t, char *abbr, size_t abbr_size)
{
	struct tm tm;

	localtime_r(&t, &tm);
	if (abbr)
		snprintf(abbr, abbr_size, "%s", tm.tm_zone ? tm.tm_zone : "");
	return tm.tm_gmtoff;
}

static time_t year_start_utc(int y)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mday = 1 };

	return timegm(&tm);
}

/* The offset changes in UTC year y (in the current TZ): an hourly scan, then bisection to the second.
 * Returns the count, or -1 when there are more than TZ_TRANS_MAX. */
static int year_transitions(int y, struct tz_trans *tr)
{
	time_t end = year_start_utc(y + 1);
	long prev = offset_at(year_start_utc(y), NULL, 0);
	int n = 0;

	for (time_t t = year_start_utc(y); t < end; t += 3600) {
		long next = offset_at(t + 3600, NULL, 0);
		if (next == prev)
			continue;
		time_t lo = t, hi = t + 3600;
		while (hi - lo > 1) {
			time_t mid = lo + (hi - lo) / 2;
			if (offset_at(mid, NULL, 0) == prev)
				lo = mid;
			else
				hi = mid;
		}
		if (n == TZ_TRANS_MAX)
			return -1;
		tr[n].t = hi;
		tr[n].off_before = prev;
		tr[n].off_after = offset_at(hi, tr[n].abbr, sizeof(tr[n].abbr));
		time_t wall = hi + prev;
		gmtime_r(&wall, &tr[n].wall);
		n++;
		prev = next;
	}
	return n;
}

/* Bit i-1 set: the day is the i-th such weekday of its month (i = 1..4); bit 4: it is the last one. */
static unsigned ordinal_mask(const struct tm *wall)
{
	int mday = wall->tm_mday;
	int nth = (mday - 1) / 7 + 1;
	unsigned mask = nth <= 4 ? 1u << (nth - 1) : 0;

	if (mday + 7 > util_days_in_month(wall->tm_year + 1900, wall->tm_mon + 1))
		mask |= 1u << 4;
	return mask;
}

/* Adds one year's transition to rule r (first year: sets it); -1 when it does not fit the rule so far. */
static int rule_add(struct tz_rule *r, unsigned *mask, const struct tz_trans *t, int first)
{
	if (first) {
		r->month = t->wall.tm_mon + 1;
		r->wday = t->wall.tm_wday;
		r->hour = t->wall.tm_hour;
		r->min = t->wall.tm_min;
		r->sec = t->wall.tm_sec;
		r->off_from = t->off_before;
		r->off_to = t->off_after;
		snprintf(r->abbr, sizeof(r->abbr), "%s", t->abbr);
		*mask = 0x1f;
	}
	if (r->month != t->wall.tm_mon + 1 || r->wday != t->wall.tm_wday || r->hour != t->wall.tm_hour ||
	    r->min != t->wall.tm_min || r->sec != t->wall.tm_sec || r->off_from != t->off_before ||
	    r->off_to != t->off_after || strcmp(r->abbr, t->abbr) != 0)
		return -1;
	*mask &= ordinal_mask(&t->wall);
	return *mask ? 0 : -1;
}

/* Picks the ordinal: "last" when it fits every year (the usual European form), else the smallest n. */
static void rule_finish(struct tz_rule *r, unsigned mask)
{
	if (mask & (1u << 4)) {
		r->ordinal = -1;
		return;
	}
	for (int i = 0; i < 4; i++)
		if (mask & (1u << i)) {
			r->ordinal = i + 1;
			return;
		}
}

/* The day of month on which rule r falls in year y. */
static int rule_mday(const struct tz_rule *r, int y)
{
	int first_wday = (util_weekday(y, r->month, 1) + 1) % 7;   /* ISO Monday=0 → struct tm Sunday=0 */
	int day = 1 + (r->wday - first_wday + 7) % 7;
	int dim = util_days_in_month(y, r->month);

	if (r->ordinal > 0)
		return day + 7 * (r->ordinal - 1);
	while (day + 7 <= dim)
		day += 7;
	return day;
}

static void add_offset(struct buf *b, const char *prop, long off)
{
	char sign = off < 0 ? '-' : '+';
	long a = off < 0 ? -off : off;

	buf_addf(b, "%s:%c%02ld%02ld", prop, sign, a / 3600, a / 60 % 60);
	if (a % 60)
		buf_addf(b, "%02ld", a % 60);
	buf_adds(b, "\r\n");
}

static void add_rule(struct buf *b, const char *kind, const struct tz_rule *r)
{
	buf_addf(b, "BEGIN:%s\r\n", kind);
	add_offset(b, "TZOFFSETFROM", r->off_from);
	add_offset(b, "TZOFFSETTO", r->off_to);
	if (r->abbr[0])
		buf_addf(b, "TZNAME:%s\r\n", r->abbr);
	/* DTSTART: the rule's first occurrence in 1970, in the wall-clock time before the change (RFC 5545 3.6.5) */
	buf_addf(b, "DTSTART:1970%02d%02dT%02d%02d%02d\r\n", r->month, rule_mday(r, 1970), r->hour, r->min, r->sec);
	buf_addf(b, "RRULE:FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s\r\n", r->month, r->ordinal, byday_names[r->wday]);
	buf_addf(b, "END:%s\r\n", kind);
}

/* Fills std/dst from the transitions of every year in the range. Returns 1 with DST, 0 without, -1 when the
 * zone cannot be written as one yearly rule per direction. Runs inside tz_enter. */
static int find_rules(const char *zone, int year_from, int year_to, struct tz_rule *std, struct tz_rule *dst,
		      struct err *err)
{
	unsigned std_mask = 0, dst_mask = 0;
	int years_with = 0;

	for (int y = year_from; y <= year_to; y++) {
		struct tz_trans tr[TZ_TRANS_MAX];
		int n = year_transitions(y, tr);
		if (n == 0)
			continue;
		if (n != 2 || (tr[0].off_after > tr[0].off_before) == (tr[1].off_after > tr[1].off_before))
			return err_set(err, "time zone '%s' has irregular offset changes in %d", zone, y);
		for (int i = 0; i < 2; i++) {
			int up = tr[i].off_after > tr[i].off_before;
			if (rule_add(up ? dst : std, up ? &dst_mask : &std_mask, &tr[i], years_with == 0) < 0)
				return err_set(err, "time zone '%s' changes its rules in %d; cannot write a yearly rule",
					       zone, y);
		}
		years_with++;
	}
	if (years_with == 0)
		return 0;
	if (years_with != year_to - year_from + 1 || std->off_to != dst->off_from || dst->off_to != std->off_from)
		return err_set(err, "time zone '%s' does not observe daylight saving time every year from %d to %d",
			       zone, year_from, year_to);
	rule_finish(std, std_mask);
	rule_finish(dst, dst_mask);
	return 1;
}

/* A zone without offset changes in the range: one offset, checked at the start of each year. */
static int fixed_rule(const char *zone, int year_from, int year_to, struct tz_rule *std, struct err *err)
{
	memset(std, 0, sizeof(*std));
	std->off_from = std->off_to = offset_at(year_start_utc(year_from), std->abbr, sizeof(std->abbr));
	for (int y = year_from + 1; y <= year_to + 1; y++)
		if (offset_at(year_start_utc(y), NULL, 0) != std->off_to)
			return err_set(err, "time zone '%s' changes its offset around %d", zone, y);
	return 0;
}

/* The last VTIMEZONEs made: finding the rules walks a year of local times (a fifth of the CPU of sending
 * 200 invitations, bench/ row 4), and a group has one zone and a year or two. Keyed by the zone file's
 * identity too, so a tzdata update is seen by a running service. Single-threaded, like the rest of tz.c. */
#define TZ_CACHE 4
static struct {
	char *zone, *text;
	int from, to;
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
} cache[TZ_CACHE];
static size_t cache_next;

static const char *cache_find(const char *zone, int from, int to, const struct stat *st)
{
	for (size_t i = 0; i < TZ_CACHE; i++)
		if (cache[i].zone && !strcmp(cache[i].zone, zone) && cache[i].from == from && cache[i].to == to &&
		    cache[i].dev == st->st_dev && cache[i].ino == st->st_ino &&
		    cache[i].mtime.tv_sec == st->st_mtim.tv_sec && cache[i].mtime.tv_nsec == st->st_mtim.tv_nsec)
			return cache[i].text;
	return NULL;
}

static void cache_add(const char *zone, int from, int to, const struct stat *st, const char *text)
{
	size_t i = cache_next++ % TZ_CACHE;

	free(cache[i].zone);
	free(cache[i].text);
	cache[i].zone = xstrdup(zone);
	cache[i].text = xstrdup(text);
	cache[i].from = from;
	cache[i].to = to;
	cache[i].dev = st->st_dev;
	cache[i].ino = st->st_ino;
	cache[i].mtime = st->st_mtim;
}

char *tz_vtimezone(const char *zone, int year_from, int year_to, struct err *err)
{
	struct tz_rule std = { 0 }, dst = { 0 };
	struct stat st;
	struct buf b;
	const char *cached;
	char *saved, *text;
	int has_dst;

	if (!zone_file(zone, &st)) {
		err_set(err, "unknown time zone '%s'", zone ? zone : "");
		return NULL;
	}
	if (year_from < TZ_YEAR_MIN || year_to > TZ_YEAR_MAX || year_to < year_from ||
	    year_to - year_from >= TZ_SPAN_MAX) {
		err_set(err, "bad year range %d-%d for a time zone", year_from, year_to);
		return NULL;
	}
	if ((cached = cache_find(zone, year_from, year_to, &st)))
		return xstrdup(cached);
	saved = tz_enter(zone);
	has_dst = find_rules(zone, year_from, year_to, &std, &dst, err);
	if (has_dst == 0 && fixed_rule(zone, year_from, year_to, &std, err) < 0)
		has_dst = -1;
	tz_leave(saved);
	if (has_dst < 0)
		return NULL;

	buf_init(&b);
	buf_addf(&b, "BEGIN:VTIMEZONE\r\nTZID:%s\r\n", zone);
	if (has_dst) {
		add_rule(&b, "STANDARD", &std);
		add_rule(&b, "DAYLIGHT", &dst);
	} else {
		buf_adds(&b, "BEGIN:STANDARD\r\n");
		add_offset(&b, "TZOFFSETFROM", std.off_from);
		add_offset(&b, "TZOFFSETTO", std.off_to);
		if (std.abbr[0])
			buf_addf(&b, "TZNAME:%s\r\n", std.abbr);
		buf_adds(&b, "DTSTART:19700101T000000\r\nEND:STANDARD\r\n");
	}
	buf_adds(&b, "END:VTIMEZONE\r\n");
	text = buf_detach(&b, NULL);
	cache_add(zone, year_from, year_to, &st, text);
	return text;
}


/* ---- TZIDs in incoming calendar objects ---- */

/* Windows time zone names as Outlook and Exchange write them in TZID (and, for the zones near us, the display
 * names Outlook for Mac writes, without their "(UTC+01:00) " prefix), to a tz database zone. Source: Unicode
 * CLDR, common/supplemental/windowsZones.xml, the territory "001" row of each <mapZone>, with today's tz names
 * where CLDR keeps an old alias (Asia/Calcutta → Asia/Kolkata, America/Godthab → America/Nuuk, Europe/Kiev →
 * Europe/Kyiv, ...). One change: "Romance Standard Time" is CLDR's row for territory DK (Europe/Copenhagen)
 * rather than 001 (Europe/Paris); the two zones have had the same rules since 1980. test_tz checks that every
 * zone here exists in the system tz database. */
static const struct {
	const char *name, *zone;
} windows_zones[] = {
	{ "Dateline Standard Time", "Etc/GMT+12" },
	{ "UTC-11", "Etc/GMT+11" },
	{ "Aleutian Standard Time", "America/Adak" },
	{ "Hawaiian Standard Time", "Pacific/Honolulu" },
	{ "Marquesas Standard Time", "Pacific/Marquesas" },
	{ "Alaskan Standard Time", "America/Anchorage" },
	{ "UTC-09", "Etc/GMT+9" },
	{ "Pacific Standard Time (Mexico)", "America/Tijuana" },
	{ "UTC-08", "Etc/GMT+8" },
	{ "Pacific Standard Time", "America/Los_Angeles" },
	{ "US Mountain Standard Time", "America/Phoenix" },
	{ "Mountain Standard Time (Mexico)", "America/Mazatlan" },
	{ "Mountain Standard Time", "America/Denver" },
	{ "Yukon Standard Time", "America/Whitehorse" },
	{ "Central America Standard Time", "America/Guatemala" },
	{ "Central Standard Time", "America/Chicago" },
	{ "Easter Island Standard Time", "Pacific/Easter" },
	{ "Central Standard Time (Mexico)", "America/Mexico_City" },
	{ "Canada Central Standard Time", "America/Regina" },
	{ "SA Pacific Standard Time", "America/Bogota" },
	{ "Eastern Standard Time (Mexico)", "America/Cancun" },
	{ "Eastern Standard Time", "America/New_York" },
	{ "Haiti Standard Time", "America/Port-au-Prince" },
	{ "Cuba Standard Time", "America/Havana" },
	{ "US Eastern Standard Time", "America/Indiana/Indianapolis" },
	{ "Turks And Caicos Standard Time", "America/Grand_Turk" },
	{ "Paraguay Standard Time", "America/Asuncion" },
	{ "Atlantic Standard Time", "America/Halifax" },
	{ "Venezuela Standard Time", "America/Caracas" },
	{ "Central Brazilian Standard Time", "America/Cuiaba" },
	{ "SA Western Standard Time", "America/La_Paz" },
	{ "Pacific SA Standard Time", "America/Santiago" },
	{ "Newfoundland Standard Time", "America/St_Johns" },
	{ "Tocantins Standard Time", "America/Araguaina" },
	{ "E. South America Standard Time", "America/Sao_Paulo" },
	{ "SA Eastern Standard Time", "America/Cayenne" },
	{ "Argentina Standard Time", "America/Argentina/Buenos_Aires" },
	{ "Greenland Standard Time", "America/Nuuk" },
	{ "Montevideo Standard Time", "America/Montevideo" },
	{ "Magallanes Standard Time", "America/Punta_Arenas" },
	{ "Saint Pierre Standard Time", "America/Miquelon" },
	{ "Bahia Standard Time", "America/Bahia" },
	{ "UTC-02", "Etc/GMT+2" },
	{ "Azores Standard Time", "Atlantic/Azores" },
	{ "Cape Verde Standard Time", "Atlantic/Cape_Verde" },
	{ "UTC", "Etc/UTC" },
	{ "GMT Standard Time", "Europe/London" },
	{ "Greenwich Standard Time", "Atlantic/Reykjavik" },
	{ "Sao Tome Standard Time", "Africa/Sao_Tome" },
	{ "Morocco Standard Time", "Africa/Casablanca" },
	{ "W. Europe Standard Time", "Europe/Berlin" },
	{ "Central Europe Standard Time", "Europe/Budapest" },
	{ "Romance Standard Time", "Europe/Copenhagen" },
	{ "Central European Standard Time", "Europe/Warsaw" },
	{ "W. Central Africa Standard Time", "Africa/Lagos" },
	{ "Jordan Standard Time", "Asia/Amman" },
	{ "GTB Standard Time", "Europe/Bucharest" },
	{ "Middle East Standard Time", "Asia/Beirut" },
	{ "Egypt Standard Time", "Africa/Cairo" },
	{ "E. Europe Standard Time", "Europe/Chisinau" },
	{ "Syria Standard Time", "Asia/Damascus" },
	{ "West Bank Standard Time", "Asia/Hebron" },
	{ "South Africa Standard Time", "Africa/Johannesburg" },
	{ "FLE Standard Time", "Europe/Kyiv" },
	{ "Israel Standard Time", "Asia/Jerusalem" },
	{ "South Sudan Standard Time", "Africa/Juba" },
	{ "Kaliningrad Standard Time", "Europe/Kaliningrad" },
	{ "Sudan Standard Time", "Africa/Khartoum" },
	{ "Libya Standard Time", "Africa/Tripoli" },
	{ "Namibia Standard Time", "Africa/Windhoek" },
	{ "Arabic Standard Time", "Asia/Baghdad" },
	{ "Turkey Standard Time", "Europe/Istanbul" },
	{ "Arab Standard Time", "Asia/Riyadh" },
	{ "Belarus Standard Time", "Europe/Minsk" },
	{ "Russian Standard Time", "Europe/Moscow" },
	{ "E. Africa Standard Time", "Africa/Nairobi" },
	{ "Volgograd Standard Time", "Europe/Volgograd" },
	{ "Iran Standard Time", "Asia/Tehran" },
	{ "Arabian Standard Time", "Asia/Dubai" },
	{ "Astrakhan Standard Time", "Europe/Astrakhan" },
	{ "Azerbaijan Standard Time", "Asia/Baku" },
	{ "Russia Time Zone 3", "Europe/Samara" },
	{ "Mauritius Standard Time", "Indian/Mauritius" },
	{ "Saratov Standard Time", "Europe/Saratov" },
	{ "Georgian Standard Time", "Asia/Tbilisi" },
	{ "Caucasus Standard Time", "Asia/Yerevan" },
	{ "Afghanistan Standard Time", "Asia/Kabul" },
	{ "West Asia Standard Time", "Asia/Tashkent" },
	{ "Ekaterinburg Standard Time", "Asia/Yekaterinburg" },
	{ "Pakistan Standard Time", "Asia/Karachi" },
	{ "Qyzylorda Standard Time", "Asia/Qyzylorda" },
	{ "India Standard Time", "Asia/Kolkata" },
	{ "Sri Lanka Standard Time", "Asia/Colombo" },
	{ "Nepal Standard Time", "Asia/Kathmandu" },
	{ "Central Asia Standard Time", "Asia/Almaty" },
	{ "Bangladesh Standard Time", "Asia/Dhaka" },
	{ "Omsk Standard Time", "Asia/Omsk" },
	{ "Myanmar Standard Time", "Asia/Yangon" },
	{ "SE Asia Standard Time", "Asia/Bangkok" },
	{ "Altai Standard Time", "Asia/Barnaul" },
	{ "W. Mongolia Standard Time", "Asia/Hovd" },
	{ "North Asia Standard Time", "Asia/Krasnoyarsk" },
	{ "N. Central Asia Standard Time", "Asia/Novosibirsk" },
	{ "Tomsk Standard Time", "Asia/Tomsk" },
	{ "China Standard Time", "Asia/Shanghai" },
	{ "North Asia East Standard Time", "Asia/Irkutsk" },
	{ "Singapore Standard Time", "Asia/Singapore" },
	{ "W. Australia Standard Time", "Australia/Perth" },
	{ "Taipei Standard Time", "Asia/Taipei" },
	{ "Ulaanbaatar Standard Time", "Asia/Ulaanbaatar" },
	{ "Aus Central W. Standard Time", "Australia/Eucla" },
	{ "Transbaikal Standard Time", "Asia/Chita" },
	{ "Tokyo Standard Time", "Asia/Tokyo" },
	{ "North Korea Standard Time", "Asia/Pyongyang" },
	{ "Korea Standard Time", "Asia/Seoul" },
	{ "Yakutsk Standard Time", "Asia/Yakutsk" },
	{ "Cen. Australia Standard Time", "Australia/Adelaide" },
	{ "AUS Central Standard Time", "Australia/Darwin" },
	{ "E. Australia Standard Time", "Australia/Brisbane" },
	{ "AUS Eastern Standard Time", "Australia/Sydney" },
	{ "West Pacific Standard Time", "Pacific/Port_Moresby" },
	{ "Tasmania Standard Time", "Australia/Hobart" },
	{ "Vladivostok Standard Time", "Asia/Vladivostok" },
	{ "Lord Howe Standard Time", "Australia/Lord_Howe" },
	{ "Bougainville Standard Time", "Pacific/Bougainville" },
	{ "Russia Time Zone 10", "Asia/Srednekolymsk" },
	{ "Magadan Standard Time", "Asia/Magadan" },
	{ "Norfolk Standard Time", "Pacific/Norfolk" },
	{ "Sakhalin Standard Time", "Asia/Sakhalin" },
	{ "Central Pacific Standard Time", "Pacific/Guadalcanal" },
	{ "Russia Time Zone 11", "Asia/Kamchatka" },
	{ "New Zealand Standard Time", "Pacific/Auckland" },
	{ "UTC+12", "Etc/GMT-12" },
	{ "Fiji Standard Time", "Pacific/Fiji" },
	{ "Chatham Islands Standard Time", "Pacific/Chatham" },
	{ "UTC+13", "Etc/GMT-13" },
	{ "Tonga Standard Time", "Pacific/Tongatapu" },
	{ "Samoa Standard Time", "Pacific/Apia" },
	{ "Line Islands Standard Time", "Pacific/Kiritimati" },
	/* Outlook's display names (Windows' "Display" value without "(UTC+01:00) "), as Outlook for Mac writes
	 * them in TZID (imip-interop.md §1.2.1): Europe, and the most common others */
	{ "Brussels, Copenhagen, Madrid, Paris", "Europe/Copenhagen" },
	{ "Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "Europe/Berlin" },
	{ "Belgrade, Bratislava, Budapest, Ljubljana, Prague", "Europe/Budapest" },
	{ "Sarajevo, Skopje, Warsaw, Zagreb", "Europe/Warsaw" },
	{ "Dublin, Edinburgh, Lisbon, London", "Europe/London" },
	{ "Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius", "Europe/Kyiv" },
	{ "Helsinki, Kiev, Riga, Sofia, Tallinn, Vilnius", "Europe/Kyiv" },
	{ "Athens, Bucharest", "Europe/Bucharest" },
	{ "Monrovia, Reykjavik", "Atlantic/Reykjavik" },
	{ "Chisinau", "Europe/Chisinau" },
	{ "Istanbul", "Europe/Istanbul" },
	{ "Kaliningrad", "Europe/Kaliningrad" },
	{ "Minsk", "Europe/Minsk" },
	{ "Moscow, St. Petersburg", "Europe/Moscow" },
	{ "Moscow, St. Petersburg, Volgograd", "Europe/Moscow" },
	{ "Azores", "Atlantic/Azores" },
	{ "Greenland", "America/Nuuk" },
	{ "Coordinated Universal Time", "Etc/UTC" },
	{ "Eastern Time (US & Canada)", "America/New_York" },
	{ "Central Time (US & Canada)", "America/Chicago" },
	{ "Mountain Time (US & Canada)", "America/Denver" },
	{ "Pacific Time (US & Canada)", "America/Los_Angeles" },
	{ "Beijing, Chongqing, Hong Kong, Urumqi", "Asia/Shanghai" },
	{ "Osaka, Sapporo, Tokyo", "Asia/Tokyo" },
	{ "Chennai, Kolkata, Mumbai, New Delhi", "Asia/Kolkata" },
	{ "Canberra, Melbourne, Sydney", "Australia/Sydney" },
};

size_t tz_windows_count(void)
{
	return sizeof(windows_zones) / sizeof(windows_zones[0]);
}

const char *tz_windows_zone(size_t i, const char **ret_name)
{
	if (i >= tz_windows_count())
		return NULL;
	if (ret_name)
		*ret_name = windows_zones[i].name;
	return windows_zones[i].zone;
}

/* "(UTC+01:00) Brussels, ..." and "(GMT+01.00) ..." → "Brussels, ..." */
static const char *skip_offset_prefix(const char *s)
{
	const char *close;

	if ((util_istarts(s, "(UTC") || util_istarts(s, "(GMT")) && (close = strchr(s, ')'))) {
		for (s = close + 1; *s == ' '; s++)
			;
	}
	return s;
}

const char *tz_zone_of_tzid(const char *tzid)
{
	const char *name;

	if (!tzid || strlen(tzid) > TZ_ID_MAX)
		return NULL;
	name = skip_offset_prefix(tzid);
	for (size_t i = 0; i < tz_windows_count(); i++)
		if (strcasecmp(name, windows_zones[i].name) == 0)
			return windows_zones[i].zone;
	/* a tz database name, also behind a prefix: libical's "/freeassociation.sourceforge.net/Europe/Oslo",
	 * old Thunderbird's "/mozilla.org/20050126_1/Europe/Copenhagen"; a name is at most a few '/' deep */
	for (const char *p = tzid; p; p = strchr(p, '/')) {
		while (*p == '/')
			p++;
		if (tz_valid(p))
			return p;
	}
	return NULL;
}
