/* The program's version. Its one source is the first line of debian/changelog, which the Makefile passes
 * as -DTOVHOLDER_VERSION (so tovholder --version, the package and the man pages always agree). */
#ifndef TOVHOLDER_VERSION_H
#define TOVHOLDER_VERSION_H

#ifndef TOVHOLDER_VERSION
#error "TOVHOLDER_VERSION is not defined: build with make, which reads it from debian/changelog"
#endif

#endif
