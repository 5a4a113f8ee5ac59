/* The Danish municipalities since the 2007 reform: a static table, and a forgiving match of the ways a roster
 * spells them ("Køge", "Køge Kommune", "KØGE KOMMUNE", "Københavns Kommune", "Århus"). */
#include "kommune.h"

#include <string.h>

/* Longer input is not a municipality's name; it also bounds the folding buffer. */
#define KOMMUNE_MAX_INPUT 128

enum region { R_HOVEDSTADEN, R_SJAELLAND, R_SYDDANMARK, R_MIDTJYLLAND, R_NORDJYLLAND };

static const char *const region_names[] = {
	[R_HOVEDSTADEN] = "Region Hovedstaden",
	[R_SJAELLAND] = "Region Sjælland",
	[R_SYDDANMARK] = "Region Syddanmark",
	[R_MIDTJYLLAND] = "Region Midtjylland",
	[R_NORDJYLLAND] = "Region Nordjylland",
};

/* Official short names (the name without "Kommune"), in Danish alphabetical order so kommune_name() lists
 * them the way Danish documents do. Bornholm is "Bornholms Regionskommune" in full. */
static const struct {
	const char *name;
	enum region region;
} kommuner[] = {
	{ "Albertslund", R_HOVEDSTADEN },
	{ "Allerød", R_HOVEDSTADEN },
	{ "Assens", R_SYDDANMARK },
	{ "Ballerup", R_HOVEDSTADEN },
	{ "Billund", R_SYDDANMARK },
	{ "Bornholm", R_HOVEDSTADEN },
	{ "Brøndby", R_HOVEDSTADEN },
	{ "Brønderslev", R_NORDJYLLAND },
	{ "Dragør", R_HOVEDSTADEN },
	{ "Egedal", R_HOVEDSTADEN },
	{ "Esbjerg", R_SYDDANMARK },
	{ "Faaborg-Midtfyn", R_SYDDANMARK },
	{ "Fanø", R_SYDDANMARK },
	{ "Favrskov", R_MIDTJYLLAND },
	{ "Faxe", R_SJAELLAND },
	{ "Fredensborg", R_HOVEDSTADEN },
	{ "Fredericia", R_SYDDANMARK },
	{ "Frederiksberg", R_HOVEDSTADEN },
	{ "Frederikshavn", R_NORDJYLLAND },
	{ "Frederikssund", R_HOVEDSTADEN },
	{ "Furesø", R_HOVEDSTADEN },
	{ "Gentofte", R_HOVEDSTADEN },
	{ "Gladsaxe", R_HOVEDSTADEN },
	{ "Glostrup", R_HOVEDSTADEN },
	{ "Greve", R_SJAELLAND },
	{ "Gribskov", R_HOVEDSTADEN },
	{ "Guldborgsund", R_SJAELLAND },
	{ "Haderslev", R_SYDDANMARK },
	{ "Halsnæs", R_HOVEDSTADEN },
	{ "Hedensted", R_MIDTJYLLAND },
	{ "Helsingør", R_HOVEDSTADEN },
	{ "Herlev", R_HOVEDSTADEN },
	{ "Herning", R_MIDTJYLLAND },
	{ "Hillerød", R_HOVEDSTADEN },
	{ "Hjørring", R_NORDJYLLAND },
	{ "Holbæk", R_SJAELLAND },
	{ "Holstebro", R_MIDTJYLLAND },
	{ "Horsens", R_MIDTJYLLAND },
	{ "Hvidovre", R_HOVEDSTADEN },
	{ "Høje-Taastrup", R_HOVEDSTADEN },
	{ "Hørsholm", R_HOVEDSTADEN },
	{ "Ikast-Brande", R_MIDTJYLLAND },
	{ "Ishøj", R_HOVEDSTADEN },
	{ "Jammerbugt", R_NORDJYLLAND },
	{ "Kalundborg", R_SJAELLAND },
	{ "Kerteminde", R_SYDDANMARK },
	{ "Kolding", R_SYDDANMARK },
	{ "København", R_HOVEDSTADEN },
	{ "Køge", R_SJAELLAND },
	{ "Langeland", R_SYDDANMARK },
	{ "Lejre", R_SJAELLAND },
	{ "Lemvig", R_MIDTJYLLAND },
	{ "Lolland", R_SJAELLAND },
	{ "Lyngby-Taarbæk", R_HOVEDSTADEN },
	{ "Læsø", R_NORDJYLLAND },
	{ "Mariagerfjord", R_NORDJYLLAND },
	{ "Middelfart", R_SYDDANMARK },
	{ "Morsø", R_NORDJYLLAND },
	{ "Norddjurs", R_MIDTJYLLAND },
	{ "Nordfyns", R_SYDDANMARK },
	{ "Nyborg", R_SYDDANMARK },
	{ "Næstved", R_SJAELLAND },
	{ "Odder", R_MIDTJYLLAND },
	{ "Odense", R_SYDDANMARK },
	{ "Odsherred", R_SJAELLAND },
	{ "Randers", R_MIDTJYLLAND },
	{ "Rebild", R_NORDJYLLAND },
	{ "Ringkøbing-Skjern", R_MIDTJYLLAND },
	{ "Ringsted", R_SJAELLAND },
	{ "Roskilde", R_SJAELLAND },
	{ "Rudersdal", R_HOVEDSTADEN },
	{ "Rødovre", R_HOVEDSTADEN },
	{ "Samsø", R_MIDTJYLLAND },
	{ "Silkeborg", R_MIDTJYLLAND },
	{ "Skanderborg", R_MIDTJYLLAND },
	{ "Skive", R_MIDTJYLLAND },
	{ "Slagelse", R_SJAELLAND },
	{ "Solrød", R_SJAELLAND },
	{ "Sorø", R_SJAELLAND },
	{ "Stevns", R_SJAELLAND },
	{ "Struer", R_MIDTJYLLAND },
	{ "Svendborg", R_SYDDANMARK },
	{ "Syddjurs", R_MIDTJYLLAND },
	{ "Sønderborg", R_SYDDANMARK },
	{ "Thisted", R_NORDJYLLAND },
	{ "Tønder", R_SYDDANMARK },
	{ "Tårnby", R_HOVEDSTADEN },
	{ "Vallensbæk", R_HOVEDSTADEN },
	{ "Varde", R_SYDDANMARK },
	{ "Vejen", R_SYDDANMARK },
	{ "Vejle", R_SYDDANMARK },
	{ "Vesthimmerlands", R_NORDJYLLAND },
	{ "Viborg", R_MIDTJYLLAND },
	{ "Vordingborg", R_SJAELLAND },
	{ "Ærø", R_SYDDANMARK },
	{ "Aabenraa", R_SYDDANMARK },
	{ "Aalborg", R_NORDJYLLAND },
	{ "Aarhus", R_MIDTJYLLAND },
};

/* Spellings that folding alone does not reach: genitive forms used in the full official names, and the
 * short forms people write for the two names that end in a genitive s. */
static const struct {
	const char *alias;
	const char *name;
} aliases[] = {
	{ "Københavns", "København" },
	{ "Bornholms", "Bornholm" },
	{ "Nordfyn", "Nordfyns" },
	{ "Vesthimmerland", "Vesthimmerlands" },
};

/* Suffixes and prefixes of the full names, folded (see fold()). */
static const char *const suffixes[] = { " kommune", " regionskommune" };
static const char *const prefixes[] = { "kommune " };

static int is_space_like(const unsigned char *s, size_t *ret_len)
{
	if (*s == ' ' || *s == '\t' || *s == '-') {
		*ret_len = 1;
		return 1;
	}
	/* NBSP (Excel and Outlook paste it) and the en dash some write in "Høje–Taastrup". */
	if (s[0] == 0xC2 && s[1] == 0xA0) {
		*ret_len = 2;
		return 1;
	}
	if (s[0] == 0xE2 && s[1] == 0x80 && s[2] == 0x93) {
		*ret_len = 3;
		return 1;
	}
	return 0;
}

/* Folds a name for comparison into out[cap]: trimmed, lower case (ASCII and the Latin-1 letters, so Æ Ø Å
 * match æ ø å), every run of spaces and hyphens one space, and å written aa (the pre-1948 spelling the
 * official names Aarhus, Aabenraa, Taastrup still use). Returns -1 when it does not fit. */
static int fold(const char *in, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t n = 0, len;
	int space = 0;

	while (*s) {
		if (is_space_like(s, &len)) {
			space = n > 0;
			s += len;
			continue;
		}
		if (n + 4 > cap)
			return -1;
		if (space)
			out[n++] = ' ';
		space = 0;
		if (s[0] == 0xC3 && s[1] >= 0x80 && s[1] <= 0xBF) {
			unsigned char c = s[1];
			if (c <= 0x9E && c != 0x97)   /* À-Þ, not × */
				c += 0x20;
			if (c == 0xA5) {              /* å */
				out[n++] = 'a';
				out[n++] = 'a';
			} else {
				out[n++] = (char)0xC3;
				out[n++] = (char)c;
			}
			s += 2;
			continue;
		}
		out[n++] = (char)(*s >= 'A' && *s <= 'Z' ? *s + ('a' - 'A') : *s);
		s++;
	}
	out[n] = '\0';
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && !strcmp(s + n - m, suffix);
}

/* Is 'key' (already folded) the folded form of 'name'? */
static int folds_to(const char *name, const char *key)
{
	char f[KOMMUNE_MAX_INPUT * 2 + 4];
	return fold(name, f, sizeof(f)) == 0 && !strcmp(f, key);
}

static long lookup_exact(const char *name)
{
	for (size_t i = 0; i < sizeof(kommuner) / sizeof(kommuner[0]); i++)
		if (!strcmp(kommuner[i].name, name))
			return (long)i;
	return -1;
}

/* The table index of the municipality whose folded name (or alias) is 'key', or -1. */
static long lookup(const char *key)
{
	for (size_t i = 0; i < sizeof(kommuner) / sizeof(kommuner[0]); i++)
		if (folds_to(kommuner[i].name, key))
			return (long)i;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (folds_to(aliases[i].alias, key))
			return lookup_exact(aliases[i].name);
	return -1;
}

/* The index of the municipality 'org' names, or -1. */
static long find(const char *org)
{
	char key[KOMMUNE_MAX_INPUT * 2 + 4] = "";
	char *k = key;

	if (!org || strlen(org) > KOMMUNE_MAX_INPUT || fold(org, key, sizeof(key)) < 0)
		return -1;
	/* One suffix or one prefix: "Kommune" alone, or "Køge Kommune Kommune", names nothing. */
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		if (ends_with(k, suffixes[i])) {
			k[strlen(k) - strlen(suffixes[i])] = '\0';
			return lookup(k);
		}
	}
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t m = strlen(prefixes[i]);
		if (!strncmp(k, prefixes[i], m) && k[m])
			return lookup(k + m);
	}
	return lookup(k);
}

const char *kommune_match(const char *org)
{
	long i = find(org);
	return i < 0 ? NULL : kommuner[i].name;
}

const char *kommune_region(const char *name)
{
	long i = find(name);
	return i < 0 ? NULL : region_names[kommuner[i].region];
}

size_t kommune_count(void)
{
	return sizeof(kommuner) / sizeof(kommuner[0]);
}

const char *kommune_name(size_t i)
{
	return i < kommune_count() ? kommuner[i].name : NULL;
}
