#!/usr/bin/env bash
# The GitHub Action's script (see action.yml): install faultline, run it
# with the user's arguments, append its Markdown summary to the job's step
# summary, and exit with faultline's exit code. It uploads nothing.
#
# Environment (action.yml sets it from the inputs):
#   FAULTLINE_VERSION  version to go install (a tag such as v1.2.0, a commit, or latest)
#   FAULTLINE_ARGS     the arguments, as shell words (e.g. run scenarios/ --junit junit.xml)
#   FAULTLINE_SUMMARY  "true" to append the Markdown summary to $GITHUB_STEP_SUMMARY
#   FAULTLINE_BIN      an existing faultline binary to use instead of installing one
set -euo pipefail

module=github.com/faultline-dev/faultline
version=${FAULTLINE_VERSION:-latest}
args=${FAULTLINE_ARGS:-run}
summary=${FAULTLINE_SUMMARY:-true}

bin=${FAULTLINE_BIN:-}
if [ -z "$bin" ]; then
  gobin=${RUNNER_TEMP:-${TMPDIR:-/tmp}}/faultline-bin
  mkdir -p "$gobin"
  echo "::group::go install $module@$version"
  GOBIN=$gobin go install "$module@$version"
  echo "::endgroup::"
  bin=$gobin/faultline
fi
"$bin" version

# The user's arguments are shell words: quotes group, nothing is expanded
# beyond what the shell does for quoted words in a workflow file.
eval "set -- $args"

# Commands that write a report take --markdown; ask for one when the job
# has a step summary and the user did not name a file already.
md=
case "${1:-}" in
  run | drift | webhook | audit)
    if [ "$summary" = true ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ] && ! printf '%s\n' "$@" | grep -q '^--markdown'; then
      md=$(mktemp)
      set -- "$@" --markdown "$md"
    fi
    ;;
esac

code=0
"$bin" "$@" || code=$?
if [ -n "$md" ] && [ -s "$md" ]; then
  cat "$md" >>"$GITHUB_STEP_SUMMARY"
fi
[ -z "$md" ] || rm -f "$md"
exit "$code"
