package sweep

import (
	"bytes"
	"encoding/json"
	"slices"
)

// The state file outlives the cc-ci that wrote it: a newer cc-ci may add
// fields to the file, to a record or to its last result, and an older one
// rewriting the file keeps them. The state remembers, beside what it
// decodes, the fields it does not know, and writes them back after its
// own. (Record and Last stay plain structs, so decoding errors keep their
// line numbers.)

// extras are the unknown fields of a state file.
type extras struct {
	top     map[string]json.RawMessage
	records map[string]map[string]json.RawMessage // by recipe
	lasts   map[string]map[string]json.RawMessage // by recipe
}

// Known keys, as the struct tags of state, Record and Last spell them.
var (
	stateKeys  = []string{"schema", "recipes"}
	recordKeys = []string{"version", "commit", "status", "ts", "last"}
	lastKeys   = []string{"version", "verdict", "ts", "log", "duration", "failing_since"}
)

// readExtras finds the unknown fields of a state file that decoded. Parts
// that are not objects have no unknown fields.
func readExtras(b []byte) extras {
	var x extras
	var top map[string]json.RawMessage
	if json.Unmarshal(b, &top) != nil {
		return x
	}
	var recipes map[string]json.RawMessage
	_ = json.Unmarshal(top["recipes"], &recipes)
	x.top = unknown(top, stateKeys)
	for name, raw := range recipes {
		var rec map[string]json.RawMessage
		if json.Unmarshal(raw, &rec) != nil {
			continue
		}
		var last map[string]json.RawMessage
		_ = json.Unmarshal(rec["last"], &last)
		x.records = put(x.records, name, unknown(rec, recordKeys))
		x.lasts = put(x.lasts, name, unknown(last, lastKeys))
	}
	return x
}

func unknown(m map[string]json.RawMessage, known []string) map[string]json.RawMessage {
	for k := range m {
		if slices.Contains(known, k) {
			delete(m, k)
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

func put(m map[string]map[string]json.RawMessage, k string, v map[string]json.RawMessage) map[string]map[string]json.RawMessage {
	if v == nil {
		return m
	}
	if m == nil {
		m = map[string]map[string]json.RawMessage{}
	}
	m[k] = v
	return m
}

// MarshalJSON writes the state with the unknown fields it read.
func (s *state) MarshalJSON() ([]byte, error) {
	recipes := make(map[string]json.RawMessage, len(s.Recipes))
	for name, r := range s.Recipes {
		b, err := recordJSON(r, s.extra.records[name], s.extra.lasts[name])
		if err != nil {
			return nil, err
		}
		recipes[name] = b
	}
	return withExtra(struct {
		Schema  int                        `json:"schema"`
		Recipes map[string]json.RawMessage `json:"recipes"`
	}{s.Schema, recipes}, s.extra.top)
}

// recordJSON is r with its unknown fields and those of its last result.
func recordJSON(r *Record, extra, lastExtra map[string]json.RawMessage) ([]byte, error) {
	out := struct {
		*Record
		Last json.RawMessage `json:"last,omitempty"`
	}{Record: r}
	if r.Last != nil {
		b, err := withExtra(r.Last, lastExtra)
		if err != nil {
			return nil, err
		}
		out.Last = b
	}
	return withExtra(out, extra)
}

// withExtra encodes v, an object, and appends the extra keys, sorted.
func withExtra(v any, extra map[string]json.RawMessage) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	var buf bytes.Buffer
	buf.Write(bytes.TrimSuffix(b, []byte("}")))
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 || len(b) > 2 {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(extra[k])
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
