// Package board renders the sweep's static status board: plain HTML and
// SVG files that any web server (or a browser opening the files) can show,
// with no JavaScript and no server-side code.
//
// The board is a directory:
//
//	index.html            one row per enrolled recipe, those needing attention first
//	recipe/<name>.html    the recipe's run history, newest first
//	badge/<name>.svg      a status badge a recipe's README can embed
//	logs/<name>/<run>.log copies of the newest logs, linked from the pages
//	style.css             the only style sheet
//	.cc-ci-board          a marker: Generate replaces only directories holding it
//
// Every verdict is written as a word (pass, fail, timeout, ...); colour only
// repeats it. All text goes through html/template, so a recipe's note or a
// tag can never inject markup.
//
// Generate builds the whole board in a temporary directory next to the
// target and then swaps it in with one rename (RENAME_EXCHANGE where the
// file system supports it), so a web server serving the directory never sees
// half a board. The logs are copied (hard-linked where possible) because the
// board may be served while the run directories are not.
//
// The inputs come from files the sweep writes: the state file
// (sweep.ReadState), the run directories (ReadRuns) and, when the sweep
// leaves one, the last sweep's summary in <runs>/last-sweep.json
// (ReadLastSweep). The board works without the summary.
package board
