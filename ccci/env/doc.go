// Package env declares and resolves the runtime environment every cc-ci
// job runs in: the CI step (cc-ci-run) and the sweep's recipe runs use the
// same declaration, so they run with the same tools by construction.
//
// A Spec (the config file's [env] section) names absolute directories
// searched in order, the tools that must be found there, variables to set,
// and the names (globs) of the caller's variables to pass through:
//
//	[env]
//	path  = ["/nix/store/...-cc-ci-tools/bin", "/usr/bin", "/bin"]
//	tools = ["abra", "docker", "git", "git-lfs", "bash", "python3"]
//	pass  = ["DRONE_*", "CI", "TERM"]
//	[env.vars]
//	HOME = "/var/lib/cc-ci/home"
//	[env.require]
//	git-lfs = ">= 3.0"
//
// Resolve finds every tool (stat calls only; it is on the hot path of
// every job) and reports every missing tool at once in a *MissingError,
// one line per tool:
//
//	git-lfs: not found in /nix/store/...-cc-ci-tools/bin:/usr/bin:/bin
//
// It refuses relative or empty directories (*SpecError, see Validate), and
// a directory that others can write and is not sticky, or a tool that
// others can write (*InsecureError), as sudo's secure_path would.
//
// Env.Environ builds a job's environment from nothing: PATH from the
// declared directories, the declared variables, and the caller's
// variables whose names match a pass glob; nothing else (no SECRET_TOKEN)
// leaks in. Env.LookPath finds a command in the declared directories only.
//
// Env.Fingerprint ("e1:" + base64 SHA-256 over sorted lines; the exact
// format is in its doc comment) proves that two entrypoints run in the
// same environment. Env.Probe runs each tool's version flag in parallel
// and checks [env.require]; it is for cc-ci-run -check only. Diff lists
// what a new declaration drops from an old one.
//
// The package is silent: it logs nothing and prints nothing.
package env
