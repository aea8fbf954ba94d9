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
// Resolve finds every tool (stat calls only once the view and the cache
// exist; it is on the hot path of every job) and reports every missing
// tool at once in a *MissingError,
// one line per tool:
//
//	git-lfs: not found in /nix/store/...-cc-ci-tools/bin:/usr/bin:/bin
//
// It refuses relative or empty directories (*SpecError, see Validate), and
// any tool that someone other than root and the invoking user could have
// put there (*InsecureError: a declared directory, a directory above it,
// a tool file, a symlink or a directory on its chain that another user
// owns or can write; root's sticky directories pass only above the
// directories holding tools), as OpenSSH's StrictModes would.
//
// With Spec.Strict, a job's PATH is the view, Env.View: one directory
// holding a link per declared tool, made once per fingerprint under
// Spec.RuntimeDir (<lockdir>/env/<uid>/e1-<hash>/bin) and afterwards only
// checked with lstat, so that an undeclared program is not found on any
// host. Environ, LookPath and Probe use it; a caller needs nothing else.
//
// Env.Environ builds a job's environment from nothing: PATH from the
// declared directories, the declared variables, and the caller's
// variables whose names match a pass glob; nothing else (no SECRET_TOKEN)
// leaks in. Env.LookPath finds a command in the declared directories only.
//
// Env.Fingerprint ("e1:" + base64 SHA-256 over sorted lines; the exact
// format is in its doc comment) proves that two entrypoints run in the
// same environment; with Spec.Fingerprint "content" it is "e2:" and also
// covers each tool file's SHA-256, kept in a per-user cache under
// Spec.RuntimeDir while the file's device, inode, size, mtime and ctime
// stay the same. Env.FingerprintLines gives the lines, to diff two hosts.
//
// Env.Probe runs each tool's version flag (Spec.VersionFlag: the config's,
// else KnownVersionFlags, else --version) in parallel and checks
// [env.require]; it is for cc-ci-run -check. Env.CheckRequire probes only
// the required tools, and takes their versions from the same cache: it is
// what a job and a sweep run before they start. Diff lists what a new
// declaration drops from an old one.
//
// The package is silent: it logs nothing and prints nothing.
package env
