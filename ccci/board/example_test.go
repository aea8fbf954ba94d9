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

// Generate renders what sweep.Status returns; here an overview written by
// hand.
func ExampleGenerate() {
	tmp, err := os.MkdirTemp("", "board-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "board")

	ov := &sweep.Overview{Recipes: []sweep.RecipeStatus{{
		Decision: sweep.Decision{Recipe: "gitea", Action: sweep.ActionRun, Reason: sweep.NewVersion,
			Detail: "canonical 3.5.3+1.24.2 < latest tag 3.6.0+1.24.2", From: "3.5.3+1.24.2", To: "3.6.0+1.24.2"},
		Latest:    "3.6.0+1.24.2",
		Canonical: &sweep.Record{Version: "3.5.3+1.24.2", Status: sweep.StatusPass},
	}}}
	if err := board.Generate(dir, ov, board.Options{}); err != nil {
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
