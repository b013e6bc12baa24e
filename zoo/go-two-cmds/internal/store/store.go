// Package store keeps notes in a versioned JSON file.
package store

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
)

// SchemaVersion is what Migrate brings a data file up to.
const SchemaVersion = 2

type Note struct {
	ID    int      `json:"id"`
	Title string   `json:"title"`
	Body  string   `json:"body"`
	Tags  []string `json:"tags"` // added in schema 2
}

type file struct {
	Version int    `json:"version"`
	Notes   []Note `json:"notes"`
}

type Store struct {
	mu   sync.Mutex
	path string
	data file
}

// Migrate creates the data file or upgrades it to SchemaVersion; it returns the steps applied.
func Migrate(path string) ([]string, error) {
	var f file
	raw, err := os.ReadFile(path)
	switch {
	case os.IsNotExist(err):
		f = file{Version: 0}
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(raw, &f); err != nil {
			return nil, err
		}
	}
	var steps []string
	for f.Version < SchemaVersion {
		switch f.Version {
		case 0:
			f.Notes = []Note{{ID: 1, Title: "welcome", Body: "notes service is up"}}
		case 1:
			for i := range f.Notes {
				if f.Notes[i].Tags == nil {
					f.Notes[i].Tags = []string{}
				}
			}
		}
		f.Version++
		steps = append(steps, fmt.Sprintf("migrated to schema %d", f.Version))
	}
	out, _ := json.MarshalIndent(f, "", "  ")
	return steps, os.WriteFile(path, out, 0o644)
}

// Open loads a data file that Migrate has brought up to date.
func Open(path string) (*Store, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s := &Store{path: path}
	if err := json.Unmarshal(raw, &s.data); err != nil {
		return nil, err
	}
	if s.data.Version != SchemaVersion {
		return nil, fmt.Errorf("%s is at schema %d, want %d: run migrate", path, s.data.Version, SchemaVersion)
	}
	return s, nil
}

func (s *Store) List() []Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Note(nil), s.data.Notes...)
}

func (s *Store) Add(n Note) (Note, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n.ID = len(s.data.Notes) + 1
	if n.Tags == nil {
		n.Tags = []string{}
	}
	s.data.Notes = append(s.data.Notes, n)
	out, _ := json.MarshalIndent(s.data, "", "  ")
	return n, os.WriteFile(s.path, out, 0o644)
}
