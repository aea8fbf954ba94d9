package recipe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// catalogueEntry is the part of a recipes.json entry the sweep needs.
type catalogueEntry struct {
	Name       string `json:"name"`
	Repository string `json:"repository"`
}

// FromCatalogue reads a catalogue file in the shape of Co-op Cloud's
// recipes.json: an object keyed by recipe name whose values hold (among
// others, such as "versions", which the sweep does not read: it lists
// tags from the repository) "repository" and, when present, a "name" equal
// to the key. Recipes come back sorted by name,
// with Repository set and Dir empty. An entry with a bad name, a name that
// differs from its key, or no repository is reported in skipped as
// "file:line: why". A file that is not such an object is an error naming
// file:line.
func FromCatalogue(path string) (recipes []Recipe, skipped []error, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("reading catalogue: %w", err)
	}
	at := func(off int64) string { return fmt.Sprintf("%s:%d", path, lineAt(data, off)) }
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := expectDelim(dec, '{'); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", at(errOffset(err, dec.InputOffset())), err)
	}
	for dec.More() {
		key, start, e, err := nextEntry(dec)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", at(errOffset(err, start)), err)
		}
		if err := checkEntry(key, e); err != nil {
			skipped = append(skipped, fmt.Errorf("%s: %w", at(start), err))
			continue
		}
		recipes = append(recipes, Recipe{Name: key, Repository: e.Repository})
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", at(errOffset(err, dec.InputOffset())), err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, fmt.Errorf("%s: data after the catalogue object", at(dec.InputOffset()))
	}
	sortRecipes(recipes)
	return recipes, skipped, nil
}

// nextEntry decodes one "key": {...} pair and returns where its key ends.
func nextEntry(dec *json.Decoder) (string, int64, catalogueEntry, error) {
	var e catalogueEntry
	tok, err := dec.Token()
	if err != nil {
		return "", dec.InputOffset(), e, eof(err)
	}
	key, _ := tok.(string) // object keys are always strings
	start := dec.InputOffset()
	if err := dec.Decode(&e); err != nil {
		return "", start, e, fmt.Errorf("recipe %.40q: %w", key, eof(err))
	}
	return key, start, e, nil
}

// checkEntry says why a catalogue entry cannot be enrolled.
func checkEntry(key string, e catalogueEntry) error {
	if err := ValidName(key); err != nil {
		return err
	}
	switch {
	case e.Name != "" && e.Name != key:
		return fmt.Errorf("recipe %s: name %q differs from its key", key, e.Name)
	case e.Repository == "":
		return fmt.Errorf("recipe %s: no repository", key)
	}
	return nil
}

// expectDelim reads one token and checks it is the delimiter d.
func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return eof(err)
	}
	if tok != d {
		return fmt.Errorf("expected '%v', found '%v'", d, tok)
	}
	return nil
}

// errTruncated replaces io.EOF and io.ErrUnexpectedEOF in the middle of a
// catalogue.
var errTruncated = errors.New("unexpected end of file")

func eof(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errTruncated
	}
	return err
}

// errOffset returns the byte offset a decoding error points at: a syntax
// error's own (counted from the start of the stream), else at. (A type
// error's offset counts from the start of the value, so at is better.)
func errOffset(err error, at int64) int64 {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Offset
	}
	return at
}

// lineAt returns the 1-based line of byte offset off in data.
func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return 1 + bytes.Count(data[:off], []byte("\n"))
}
