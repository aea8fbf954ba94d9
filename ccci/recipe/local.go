package recipe

import (
	"errors"
	"fmt"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/client"
	"github.com/go-git/go-git/v5/plumbing/transport/server"
)

// go-git serves local paths and file:// URLs by starting git-upload-pack
// from PATH, with the whole environment of the process: a sweep's clone,
// fetch or tag listing of a local repository would run whatever program of
// that name comes first on the sweep's PATH, outside the declared
// environment, and see every variable of the sweep. This package replaces
// that transport, for every program that imports it, with go-git's own
// upload-pack server run in the same process: reading a local repository
// starts no program at all.
func init() {
	client.InstallProtocol("file", server.NewClient(localLoader{}))
}

// localLoader opens the repository at an endpoint's path: a bare one, or a
// work tree whose .git is a folder or a "gitdir:" file.
type localLoader struct{}

func (localLoader) Load(ep *transport.Endpoint) (storer.Storer, error) {
	r, err := git.PlainOpenWithOptions(ep.Path, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, fmt.Errorf("%s: %w", ep.Path, transport.ErrRepositoryNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", ep.Path, err)
	}
	return r.Storer, nil
}
