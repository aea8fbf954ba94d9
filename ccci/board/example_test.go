package board_test

import (
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"

	"coopcloud.tech/cc-ci/ccci/board"
	"coopcloud.tech/cc-ci/ccci/sweep"
)

func ExampleGenerate() {
	tmp, err := os.MkdirTemp("", "board-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "board")

	in := board.Input{
		Recipes: []board.Recipe{{Name: "gitea", Latest: "3.6.0+1.24.2"}},
		State: &sweep.State{Schema: sweep.StateSchema, Recipes: map[string]*sweep.Record{
			"gitea": {Version: "3.5.3+1.24.2", Status: "pass"},
		}},
	}
	if err := board.Generate(dir, in); err != nil {
		log.Fatal(err)
	}
	_ = fs.WalkDir(os.DirFS(dir), ".", func(path string, d fs.DirEntry, err error) error {
		if !d.IsDir() {
			fmt.Println(path)
		}
		return err
	})
	// Output:
	// .cc-ci-board
	// badge/gitea.svg
	// index.html
	// recipe/gitea.html
	// style.css
}

func ExampleReadRuns() {
	runs, err := board.ReadRuns("testdata/runs", "gitea", 2)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range runs {
		fmt.Println(r.Result.To, r.Result.Verdict, r.Result.Duration)
	}
	// Output:
	// 3.6.0+1.24.2 pass 4m12s
	// 3.5.3+1.24.2 pass 3m58s
}
