// Package action holds the script of faultline's GitHub Action (action.yml
// at the repository root) and its test: run.sh installs a pinned faultline
// with go install, runs it with the workflow's arguments, appends the
// Markdown summary to $GITHUB_STEP_SUMMARY and exits with faultline's exit
// code.
package action
