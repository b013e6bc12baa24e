// api: serves the notes over HTTP (GET /notes, POST /notes).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"github.com/acme/notes/internal/store"
)

func handler(s *store.Store) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/notes", func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(s.List())
		case http.MethodPost:
			var n store.Note
			if err := json.NewDecoder(r.Body).Decode(&n); err != nil || n.Title == "" {
				http.Error(w, "want a JSON note with a title", http.StatusBadRequest)
				return
			}
			n, err := s.Add(n)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			w.WriteHeader(http.StatusCreated)
			json.NewEncoder(w).Encode(n)
		default:
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	return mux
}

func selftest(data string) error {
	// The real data file must be there and migrated, or the service would not start.
	if live, err := store.Open(data); err != nil {
		return err
	} else if len(live.List()) == 0 {
		return fmt.Errorf("%s has no notes", data)
	}
	dir, err := os.MkdirTemp("", "notes")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "notes.json")
	if _, err := store.Migrate(path); err != nil {
		return err
	}
	s, err := store.Open(path)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go http.Serve(ln, handler(s))
	base := "http://" + ln.Addr().String()
	resp, err := http.Post(base+"/notes", "application/json", bytes.NewBufferString(`{"title":"feed otters","tags":["zoo"]}`))
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST /notes: %d", resp.StatusCode)
	}
	resp, err = http.Get(base + "/notes")
	if err != nil {
		return err
	}
	var notes []store.Note
	err = json.NewDecoder(resp.Body).Decode(&notes)
	resp.Body.Close()
	if err != nil || len(notes) != 2 || notes[0].Title != "welcome" || notes[1].Title != "feed otters" || notes[1].ID != 2 {
		return fmt.Errorf("GET /notes: %+v %v", notes, err)
	}
	fmt.Printf("selftest ok: %d notes\n", len(notes))
	return nil
}

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	data := flag.String("data", "/var/lib/notes/notes.json", "data file (run migrate first)")
	test := flag.Bool("selftest", false, "check the data file, then migrate a scratch store, serve it on a random port, query it, exit")
	flag.Parse()
	if *test {
		if err := selftest(*data); err != nil {
			fmt.Fprintln(os.Stderr, "selftest failed:", err)
			os.Exit(1)
		}
		return
	}
	s, err := store.Open(*data)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("notes api listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, handler(s)))
}
