#!/bin/sh
# mksyms.sh -- the export list of libdualact, from its public header.
#
#   sh lib/mksyms.sh lib/dualact.h > libdualact.sym
#
# Prints, one per line and sorted, every function the public headers
# declare: the umbrella lib/dualact.h and the per-stage headers it
# includes ("dualact/NAME.h", read from beside it), a name da_... followed
# by '(' outside comments (the rule tests/reference.test uses to check
# that docs/reference.md documents each of them).  The build
# passes the list to libtool (-export-symbols), so the installed library
# exports exactly the documented API and nothing internal; tests/exports.test
# compares the built library's dynamic symbols with docs/reference.md.
# POSIX sh and awk only: the build needs nothing more.
if [ $# -ne 1 ] || [ ! -r "$1" ]; then
  echo "usage: mksyms.sh HEADER > FILE.sym" >&2
  exit 2
fi
dir=$(dirname "$1")
hdrs="$1"
for h in $(sed -n 's/^#include "\(dualact\/[a-z0-9_]*\.h\)".*/\1/p' "$1"); do
  if [ ! -r "$dir/$h" ]; then
    echo "mksyms.sh: $1 includes $h, not found in $dir" >&2
    exit 1
  fi
  hdrs="$hdrs $dir/$h"
done
# shellcheck disable=SC2086
cat $hdrs | awk '{ s = s $0 "\n" }
  END {
    out = ""
    while ((i = index(s, "/*")) > 0) {
      out = out substr(s, 1, i - 1)
      s = substr(s, i + 2)
      j = index(s, "*/")
      if (j == 0) { s = ""; break }
      s = substr(s, j + 2)
    }
    s = out s
    # drop preprocessor lines (macros may name functions in their bodies)
    n = split(s, L, "\n")
    for (k = 1; k <= n; k++) if (L[k] !~ /^[ \t]*#/) print L[k]
  }' | grep -o 'da_[a-z0-9_]*[ ]*(' | sed 's/[ ]*($//' | LC_ALL=C sort -u
