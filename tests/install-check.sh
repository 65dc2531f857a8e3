#!/bin/sh
# install-check.sh -- `make install` gives a working tool, library, header,
# pkg-config file and man page.  Run after `make` (CI runs it after `make
# check`; it is not part of `make check`, whose recursion into `make install`
# would be fragile under distcheck):
#
#   sh tests/install-check.sh [BUILDDIR]      (default: the current directory)
#
# It installs into a scratch DESTDIR, compiles docs/examples/example.c with
# `pkg-config --cflags --libs dualact` against the installed copy only
# (PKG_CONFIG_SYSROOT_DIR maps the configured prefix into the DESTDIR), runs
# it and the installed `dualact`, renders the installed man page, and checks
# that `make uninstall` removes every file again, including the bytecode
# that importing the installed Python package writes (PYTHONDONTWRITEBYTECODE
# is unset for that import, as on a fresh machine).  It also checks what
# `make install` says about the dynamic loader (ldconfig in a directory it
# searches, a run path elsewhere) and that the Python package goes where
# the configured Python looks when the prefix is one of its own (on Debian,
# /usr/local -> /usr/local/lib/python3.X/dist-packages).  TAP output; exit
# status 1 when a check fails.
set -u
builddir=$(cd "${1:-.}" && pwd)
srcdir=$(cd "$(dirname "$0")/.." && pwd)
MAKE=${MAKE:-make}
CC=${CC:-cc}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
dest="$tmp/dest"
n=0
fail=0
ok() { n=$((n+1)); echo "ok $n - $1"; }
notok() { n=$((n+1)); fail=1; echo "not ok $n - $1"; return 1; }
check() { if eval "$2"; then ok "$1"; else notok "$1"; fi; }

echo "1..20"
# every installed stage header compiles on its own, and the umbrella too
hdr_alone() {
  for h in "$root$includedir"/dualact.h "$root$includedir"/dualact/*.h; do
    printf '#include <%s>\nint main(void) { return 0; }\n' "${h#$root$includedir/}" > "$tmp/alone.c"
    $CC -std=c11 -Wall -Werror -c -o "$tmp/alone.o" -I"$root$includedir" "$tmp/alone.c" > "$tmp/alone.log" 2>&1 \
      || { sed 's/^/# /' "$tmp/alone.log"; return 1; }
  done
  return 0
}
# the configured directories, from the Makefile (the last line: a Makefile
# regenerated on the way prints more)
var() { "$MAKE" -s -C "$builddir" --no-print-directory -f Makefile -f - print-var VAR="$1" <<'MK' | tail -1
print-var:
	@echo $($(VAR))
MK
}
prefix=$(var prefix)
bindir=$(var bindir)
libdir=$(var libdir)
includedir=$(var includedir)
mandir=$(var mandir)
docdir=$(var docdir)
root="$dest"
pyexecdir=$(var pyexecdir)
python=$(var PYTHON)
python_built=$(var DUALACT_PYTHON_BUILT)

"$MAKE" -C "$builddir" install DESTDIR="$dest" > "$tmp/install.log" 2>&1
install_rc=$?
check "make install DESTDIR=... succeeds" "[ $install_rc -eq 0 ]"
[ $install_rc -eq 0 ] || sed 's/^/# /' "$tmp/install.log" | tail -20

# what make install says about the loader: ldconfig where the loader looks
# (/usr/lib always is), a run path elsewhere (a scratch directory never is)
check "make install says how programs find libdualact (ldconfig or a run path)" \
  "grep -q '^dualact: libdualact is installed in $libdir' '$tmp/install.log' && grep -q -e '^dualact: .*ldconfig' -e '^dualact: .*-Wl,-rpath,$libdir' '$tmp/install.log'" \
  || sed 's/^/# /' "$tmp/install.log" | tail -5
"$MAKE" -s -C "$builddir" --no-print-directory install-hint-lib libdir=/usr/lib > "$tmp/hint-sys.log" 2>&1
"$MAKE" -s -C "$builddir" --no-print-directory install-hint-lib libdir="$tmp/elsewhere/lib" > "$tmp/hint-other.log" 2>&1
check "the hint: ldconfig for /usr/lib, -Wl,-rpath,DIR and LD_LIBRARY_PATH=DIR for another libdir" \
  "grep -q 'ldconfig' '$tmp/hint-sys.log' && ! grep -q 'rpath' '$tmp/hint-sys.log' && grep -q -- '-Wl,-rpath,$tmp/elsewhere/lib' '$tmp/hint-other.log' && grep -q 'LD_LIBRARY_PATH=$tmp/elsewhere/lib' '$tmp/hint-other.log' && ! grep -q ldconfig '$tmp/hint-other.log'" \
  || sed 's/^/# /' "$tmp/hint-sys.log" "$tmp/hint-other.log"

check "installed: bin/dualact, include/dualact.h and dualact/*.h, lib/libdualact, pkgconfig/dualact.pc" \
  "[ -x '$root$bindir/dualact' ] && [ -f '$root$includedir/dualact.h' ] && [ -f '$root$includedir/dualact/core.h' ] && [ -f '$root$includedir/dualact/report.h' ] && ls '$root$libdir'/libdualact.* >/dev/null 2>&1 && [ -f '$root$libdir/pkgconfig/dualact.pc' ]"
check "installed: the man page man1/dualact.1" "[ -f '$root$mandir/man1/dualact.1' ]"
check "installed: the examples the docs run, docdir/examples/{iris.csv,example.c}" \
  "[ -f '$root$docdir/examples/iris.csv' ] && [ -f '$root$docdir/examples/example.c' ] && [ -f '$root$docdir/manual.md' ]"

export PKG_CONFIG_PATH="$root$libdir/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR="$dest"
export LD_LIBRARY_PATH="$root$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
flags=$(pkg-config --cflags --libs dualact 2>"$tmp/pc.err")
check "pkg-config --cflags --libs dualact points into the installed copy" \
  "[ -n \"\$flags\" ] && echo \"\$flags\" | grep -q -- '-I$root$includedir' && echo \"\$flags\" | grep -q -- '-L$root$libdir'"

# the example, compiled against the installed header and library only
$CC -o "$tmp/example" "$srcdir/docs/examples/example.c" $flags > "$tmp/cc.log" 2>&1; cc_rc=$?
check "docs/examples/example.c compiles with pkg-config's flags" "[ $cc_rc -eq 0 ] && [ -x '$tmp/example' ]"
[ $cc_rc -eq 0 ] || sed 's/^/# /' "$tmp/cc.log"
if command -v ldd >/dev/null 2>&1; then
  check "the example links the installed libdualact" \
    "ldd '$tmp/example' 2>/dev/null | grep 'libdualact' | grep -q '$root$libdir'"
else
  ok "the example links the installed libdualact # SKIP no ldd"
fi
"$tmp/example" relu > "$tmp/ex.out" 2>&1
check "the example runs (relu: mu = (pi-2)/(2(pi-1)))" \
  "[ $? -eq 0 ] && awk '\$1 == \"mu\" { pi = atan2(0, -1); d = \$2 - (pi-2)/(2*(pi-1)); if (d < 0) d = -d; found = d < 1e-14 } END { exit !found }' '$tmp/ex.out'"

version=$(pkg-config --modversion dualact)
out=$("$root$bindir/dualact" --version 2>&1)
check "installed dualact --version says $version" "[ \"\$out\" = \"dualact $version\" ]"
"$root$bindir/dualact" coeffs relu --degree 3 --digits 20 > "$tmp/coeffs.out" 2>&1
check "installed dualact coeffs relu works" "[ $? -eq 0 ] && grep -q '^mu = 1 - a_1^2' '$tmp/coeffs.out'"
check "the installed headers declare the API (da_hermite_compute, da_plot_render), each compiles alone" \
  "grep -q 'da_hermite_compute' '$root$includedir/dualact/hermite.h' && grep -q 'da_plot_render' '$root$includedir/dualact/report.h' && hdr_alone"
if command -v man >/dev/null 2>&1; then
  check "man renders the installed page" \
    "man -l '$root$mandir/man1/dualact.1' 2>/dev/null | grep -q 'EXIT STATUS'"
else
  ok "man renders the installed page # SKIP no man"
fi

# the Python package, imported from the installed copy only (the README's
# PYTHONPATH; the extension finds the installed libdualact by its run path,
# here LD_LIBRARY_PATH because of DESTDIR)
if [ "$python_built" = yes ]; then
  check "installed: the Python package dualact in pyexecdir ($pyexecdir)" \
    "[ -f '$root$pyexecdir/dualact/__init__.py' ] && ls '$root$pyexecdir'/dualact/_dualact*.so >/dev/null 2>&1"
  # the prefix is one of the Python's own (a site directory lies under it):
  # then pyexecdir must be one of its site directories, so that import
  # dualact works after make install with nothing set (Debian's Python
  # searches /usr/local/lib/python3.X/dist-packages, not automake's
  # site-packages)
  "$python" -c '
import site, sys
prefix, d = sys.argv[1].rstrip("/"), sys.argv[2]
dirs = list(sys.path) + list(getattr(site, "getsitepackages", list)())
mine = [x for x in dirs if x.startswith(prefix + "/")]
print("# %s site directories under %s: %s" % (sys.executable, prefix, ", ".join(sorted(set(mine))) or "none"))
sys.exit(0 if not mine or d in dirs else 1)' "$prefix" "$pyexecdir" > "$tmp/site.out" 2>&1
  site_rc=$?
  check "pyexecdir ($pyexecdir) is on $python's path when the prefix is one of its own" "[ $site_rc -eq 0 ]"
  cat "$tmp/site.out"
  # PYTHONDONTWRITEBYTECODE unset: the import writes __pycache__, as on a
  # fresh machine, and make uninstall must remove it
  (cd "$tmp" && unset PYTHONDONTWRITEBYTECODE && PYTHONPATH="$root$pyexecdir" "$python" -c "
import dualact, os
assert os.path.dirname(dualact.__file__).startswith('$root'), dualact.__file__
print(dualact.Activation('x*tanh(softplus(x))').coeffs(degree=3, digits=40))") > "$tmp/py.out" 2>&1
  check "the installed Python package prints mish's coefficients as balls" \
    "[ $? -eq 0 ] && grep -q 'Ball(0.8975004197359161052477290554758058009365' '$tmp/py.out'"
  sed 's/^/# /' "$tmp/py.out" | head -5
  check "the import wrote its bytecode (dualact/__pycache__), which uninstall must remove" \
    "ls '$root$pyexecdir'/dualact/__pycache__/*.pyc >/dev/null 2>&1"
else
  ok "installed: the Python package # SKIP not built"
  ok "the installed Python package's directory # SKIP not built"
  ok "the installed Python package works # SKIP not built"
  ok "the import wrote its bytecode # SKIP not built"
fi

"$MAKE" -C "$builddir" uninstall DESTDIR="$dest" > "$tmp/uninstall.log" 2>&1
left=$(find "$dest" ! -type d 2>/dev/null | sed "s|^$dest||")
check "make uninstall removes every installed file, and the bytecode of the first import" "[ -z \"\$left\" ]" \
  || echo "$left" | sed 's/^/# left: /'
# an empty dualact/ left in a searched directory would import as a
# namespace package
check "make uninstall removes the Python package's directory" "[ ! -d '$root$pyexecdir/dualact' ]"
exit $fail
