#!/bin/sh
# Every C file follows the repo's .clang-format (CI fails on drift). The
# format is what clang-format 14 (Debian 12) makes of it: another major
# version may lay out some constructs differently, so it is skipped there.
src=${top_srcdir:-.}
cf=${CLANG_FORMAT:-clang-format}
command -v "$cf" >/dev/null 2>&1 || { echo "clang-format not installed: skipped"; exit 77; }
major=$("$cf" --version | sed -n 's/.*version \([0-9][0-9]*\)\..*/\1/p')
[ "$major" = 14 ] || { echo "clang-format $major, not 14: skipped"; exit 77; }
cd "$src" || exit 1
files=$(find lib spank helper cli bench contrib tests/unit fuzz -name '*.[ch]' 2>/dev/null | sort)
[ -n "$files" ] || { echo "no C files found"; exit 1; }
# shellcheck disable=SC2086
if ! "$cf" --dry-run --Werror $files 2>"${TMPDIR:-/tmp}/format.$$"; then
	grep -E '^[^ ]+:[0-9]+:[0-9]+: error' "${TMPDIR:-/tmp}/format.$$" | cut -d: -f1 | sort | uniq -c | sed 's/^/drift: /'
	rm -f "${TMPDIR:-/tmp}/format.$$"
	echo "run: clang-format -i <file> (clang-format 14, the repo's .clang-format)"
	exit 1
fi
rm -f "${TMPDIR:-/tmp}/format.$$"
echo "format: $(echo "$files" | wc -l) files follow .clang-format"
