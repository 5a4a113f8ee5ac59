/* The 98 Danish municipalities (kommuner) and their regions: is an organisation a municipality, and which one. */
#ifndef TOVHOLDER_KOMMUNE_H
#define TOVHOLDER_KOMMUNE_H

#include <stddef.h>

/* The canonical short name ("Køge", "København", "Aarhus", "Bornholm") when 'org' names a municipality:
 * the short name in any case, with or without a " Kommune" suffix or "Kommune " prefix, hyphen or space
 * ("Høje Taastrup"), å or aa ("Århus", "Tårnby"), and the genitive forms in official use ("Københavns
 * Kommune", "Bornholms Regionskommune"). NULL for anything else ("Region Sjælland", "KL", NULL). */
const char *kommune_match(const char *org);
/* "Region Sjælland" etc. for any spelling kommune_match knows; NULL when 'name' is not a municipality. */
const char *kommune_region(const char *name);
/* The table in Danish alphabetical order (Aabenraa, Aalborg and Aarhus sort as Å, last): i in 0..count-1;
 * kommune_name returns NULL past the end. */
size_t kommune_count(void);
const char *kommune_name(size_t i);

#endif
