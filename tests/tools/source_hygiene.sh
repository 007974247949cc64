#!/usr/bin/env bash
# Two rules of the repository, checked on every file git tracks (or would track) under SOURCE_DIR:
#  1. Nothing refers to a path outside the repository: no file names the "shared" folder that sits
#     beside the checkout in the development set-up, which users of revive do not have; docs/ says
#     what is needed in its own words.
#  2. Source comments say why, never what a machine measured: no date (YYYY-MM-DD), no timing in a
#     unit below a second (N ns, us, ms), no seconds a run "took", no rate (N GB/s, GFLOP/s, img/s),
#     no "N.Nx faster" or "N% slower", no "build <hash>", no "measured: <number>". Measurements go
#     to benchmarks/RESULTS.md with their command, machine and date. Sizes (4 KiB), counts, ratios
#     of a design (25% smaller) and configured seconds (fuzzed for 15 s) pass.
#
#   source_hygiene.sh SOURCE_DIR [--skip PATH_PREFIX]...   exit 0 clean, 1 with the offending lines
#   source_hygiene.sh --self-test                          checks the checks on planted lines
#
# --skip leaves files under a prefix out of rule 2 only.
set -euo pipefail

# Comments of C-like files (//, /* */) and of shell, Python and CMake files (#), one line at a time;
# prints file:line: comment for each comment matching a pattern. The patterns are written so that
# this file does not match them itself.
check_comments() {
  perl -e '
    use strict; use warnings; use utf8;
    binmode STDOUT, ":encoding(UTF-8)";
    my $num = qr/\d+(?:\.\d+)?(?:\s*-\s*\d+(?:\.\d+)?)?/;
    my @patterns = (
      qr/\b20\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])\b/,            # a date
      qr/\b$num\s?(?:ns|us|µs|ms)\b/,                                       # a timing
      qr/\b(?:took|takes|taking)\s+(?:about\s+)?$num\s?(?:s|min|seconds|minutes)\b/i,
      qr/\d\s?(?:[KMGT]i?B\/s|[KMGT]?FLOP\/s|img\/s|images\/s|[KMGT]\/s|[KMGT]\s[a-z]+\/s)/,  # a rate
      qr/\b\d+(?:\.\d+)?x\s+(?:faster|slower)\b|\b\d+(?:\.\d+)?%\s+(?:faster|slower)\b/i,
      qr/\bspeed-?up\s+of\s+\d/i,
      qr/\bbuild\s+[0-9a-f]{7,40}\b/,                                       # a build hash
      qr/\bmeasured:\s*\d/i,
    );
    my $problems = 0;
    for my $file (@ARGV) {
      open(my $fh, "<:encoding(UTF-8)", $file) or die "cannot read $file: $!\n";
      my $c_like = $file =~ /\.(?:h|hpp|c|cc|cpp|cu|cuh)$/;
      my $in_block = 0;
      while (my $line = <$fh>) {
        chomp $line;
        my $text = "";
        if ($c_like) {
          while (length $line) {
            if ($in_block) {
              if ($line =~ s{^(.*?)\*/}{}) { $text .= " $1"; $in_block = 0 } else { $text .= " $line"; $line = "" }
            } elsif ($line =~ s{^.*?(//|/\*)}{}) {
              if ($1 eq "//") { $text .= " $line"; $line = "" } else { $in_block = 1 }
            } else {
              $line = "";
            }
          }
        } elsif ($line =~ /(?:^|\s)#(.*)/) {
          $text = $1;
        }
        next if $text eq "";
        for my $p (@patterns) {
          if ($text =~ $p) {
            (my $shown = $text) =~ s/^\s+//;
            print "$file:$.: $shown\n";
            $problems++;
            last;
          }
        }
      }
      close $fh;
    }
    exit($problems ? 1 : 0);
  ' "$@"
}

# Files as git sees them (tracked, or new and not ignored), else every file outside build folders.
list_files() {
  local dir=$1
  if git -C "$dir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$dir" ls-files --cached --others --exclude-standard
  else
    (cd "$dir" && find . -path ./.git -prune -o -path './build*' -prune -o -type f -print | sed 's|^\./||')
  fi
}

is_source() {
  case "$1" in
    *.h | *.hpp | *.c | *.cc | *.cpp | *.cu | *.cuh | *.py | *.sh | *.cmake | CMakeLists.txt | */CMakeLists.txt) return 0 ;;
  esac
  # Scripts without an extension (.ci/run) start with a #! line.
  [[ ${1##*/} != *.* && "$(head -c 2 "$1" 2>/dev/null | tr -d '\0')" == "#!" ]]
}

# In a subshell: it changes into the tree.
check_tree() (
  local dir=$1
  shift
  local skips=()
  while (($#)); do
    [[ $1 == --skip && $# -ge 2 ]] || { echo "usage: $0 SOURCE_DIR [--skip PATH_PREFIX]..." >&2; exit 2; }
    skips+=("$2")
    shift 2
  done
  local status=0 sources=() outside f s skipped
  mapfile -t files < <(list_files "$dir")
  cd "$dir"
  outside=$(for f in "${files[@]}"; do [[ -f $f ]] && printf '%s\0' "$f"; done |
    xargs -0 -r grep -InE '\.\./shared|/work/shar[e]d' || true)
  if [[ -n $outside ]]; then
    echo "Paths outside the repository (users do not have them; write it in docs/ instead):"
    echo "$outside"
    status=1
  fi
  for f in "${files[@]}"; do
    [[ -f $f ]] && is_source "$f" || continue
    skipped=0
    for s in "${skips[@]+"${skips[@]}"}"; do [[ $f == "$s"* ]] && skipped=1; done
    ((skipped)) || sources+=("$f")
  done
  if ((${#sources[@]})) && ! check_comments "${sources[@]}"; then
    echo "Measured figures in source comments: keep the reason in the comment and move the figure,"
    echo "with its command, machine and date, to benchmarks/RESULTS.md."
    status=1
  fi
  exit $status
)

self_test() {
  local tmp
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  mkdir -p "$tmp/src/sub"
  # Lines that must pass: sizes, counts, design ratios, configured seconds, hex and formulas.
  cat >"$tmp/src/good.cpp" <<'EOF'
// Prefetch distance in floats (4 KiB); blocks of 2 MiB or more go on huge pages.
constexpr int kAhead = 1024;  // 3x3 kernels, 6 x 2 accumulators, 16 lanes
/* a block serves requests up to 25% smaller; 0x7f800001 is the smallest NaN; 1e-3 */
const char* s = "not a comment: 2026-11-22 150 us";  // lr of epoch e = 0.05 (1 + cos(pi e / 5))
EOF
  cat >"$tmp/src/good.sh" <<'EOF'
#!/bin/sh
# Each reader fuzzed for 15 s; the whole suite runs in a few minutes.
echo "# 3 ms is in a string here, not a comment" > /dev/null
EOF
  # Each line of these files carries exactly one figure the check must report.
  cat >"$tmp/src/bad.cpp" <<'EOF'
// Measured on 2026-11-22.
// prefetching took the norm pass from 186 to 150 us
int x;  // took 2.17 ms at 13 GFLOP/s
/* norm loop: 61-63 GB/s
   with build 31b2244 */
// the backward-data kernel was 17% faster, the tiles 1.8x faster
// (measured: 89.3% vs 84.0% after 3 epochs)
// An undisturbed epoch took 74-79 s.
// worst case ordering at 25 M filters/s
EOF
  # (Written in pieces, so that this file's own comments stay clean.)
  printf 'x = 1  # medians 19-23 %s here\n' ms >"$tmp/src/sub/bad.py"
  local out expected=10
  if out=$(check_tree "$tmp/src"); then
    echo "self-test: the planted figures were not found"
    return 1
  fi
  local found
  found=$(grep -cE '^(bad\.cpp|sub/bad\.py):' <<<"$out" || true)
  if [[ $found -ne $expected ]] || grep -qE '^good\.' <<<"$out"; then
    echo "self-test: expected $expected lines from bad.cpp and sub/bad.py and none from good.*, got:"
    echo "$out"
    return 1
  fi
  if ! check_tree "$tmp/src" --skip bad.cpp --skip sub/ >/dev/null; then
    echo "self-test: --skip did not leave the skipped files out"
    return 1
  fi
  # A reference to the shared folder fails in any file, documentation included.
  rm "$tmp/src/bad.cpp" "$tmp/src/sub/bad.py"
  printf 'See %s/spec/reactivation.md.\n' "..""/shared" >"$tmp/src/notes.md"
  if out=$(check_tree "$tmp/src") || ! grep -q '^notes\.md:1:' <<<"$out"; then
    echo "self-test: the reference to the shared folder in notes.md was not reported"
    return 1
  fi
  echo "self-test: passed"
}

if [[ ${1:-} == --self-test ]]; then
  self_test
elif [[ $# -ge 1 ]]; then
  check_tree "$@"
else
  echo "usage: $0 SOURCE_DIR [--skip PATH_PREFIX]... | --self-test" >&2
  exit 2
fi
