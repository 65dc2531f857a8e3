#!/bin/sh
# sanitize.sh -- the whole test suite under AddressSanitizer and
# UndefinedBehaviorSanitizer, in a separate build directory; then the
# threaded test (tests/check_threads) under ThreadSanitizer.
#     sh tests/sanitize.sh [BUILDDIR]      (default: /tmp/dualact-asan)
# Needs clang (or gcc) with the sanitizer runtimes (Debian: clang and
# libclang-rt-14-dev, or gcc's libasan/libubsan).
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-/tmp/dualact-asan}
rm -rf "$build"
mkdir -p "$build"
# a clean copy of the sources (the source tree may be configured in place,
# which rules out a VPATH build from it)
if git -C "$src" rev-parse >/dev/null 2>&1; then
    (cd "$src" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - ) | tar -xf - -C "$build"
else
    cp -a "$src/." "$build/"
    (cd "$build" && { [ ! -f Makefile ] || make distclean >/dev/null; })
fi
cd "$build"
./bootstrap >/dev/null 2>&1
CC=${CC:-gcc}
flags="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
./configure -q CC="$CC" CFLAGS="$flags" LDFLAGS="-fsanitize=address,undefined"
make -j"$(nproc)" >/dev/null
# check forks each test: keep that (CK_FORK) so a report fails only its test;
# leaks are checked too (LeakSanitizer is part of ASan on Linux)
# DUALACT_SANITIZE=1: tests/python.test preloads the sanitizer runtimes of
# $CC into the Python interpreter (which is not linked with them), without
# leak checking, and skips its resident-size check (docs/python.md)
DUALACT_SANITIZE=1 DUALACT_SANITIZE_CC="$CC" ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    make -j"$(nproc)" check
echo "sanitize.sh: the test suite passed under ASan + UBSan"

# ThreadSanitizer: the threaded library test (tests/check_threads.c) in a
# third build (TSan and ASan do not mix); SANITIZE_NO_TSAN=1 skips it
if [ -z "${SANITIZE_NO_TSAN:-}" ]; then
    make distclean >/dev/null 2>&1 || true
    tflags="-O1 -g -fno-omit-frame-pointer -fsanitize=thread"
    ./configure -q CC="$CC" CFLAGS="$tflags" LDFLAGS="-fsanitize=thread"
    make -j"$(nproc)" >/dev/null
    make -j"$(nproc)" tests/check_threads >/dev/null
    CK_FORK=no TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 ./tests/check_threads
    echo "sanitize.sh: the threaded test passed under TSan"
fi
