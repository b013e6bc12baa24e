// A tiny URL shortener: POST /shorten?url=… answers a code, GET /<code> redirects.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
)

type store struct {
	mu   sync.RWMutex
	urls map[string]string
}

func (s *store) shorten(url string) string {
	sum := sha256.Sum256([]byte(url))
	code := hex.EncodeToString(sum[:])[:7]
	s.mu.Lock()
	s.urls[code] = url
	s.mu.Unlock()
	return code
}

func (s *store) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.URL.Path == "/shorten" {
		url := r.URL.Query().Get("url")
		if url == "" {
			http.Error(w, "missing url", http.StatusBadRequest)
			return
		}
		fmt.Fprintln(w, s.shorten(url))
		return
	}
	s.mu.RLock()
	url, ok := s.urls[strings.TrimPrefix(r.URL.Path, "/")]
	s.mu.RUnlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	http.Redirect(w, r, url, http.StatusFound)
}

func main() {
	s := &store{urls: map[string]string{}}
	if len(os.Args) > 1 && os.Args[1] == "-selftest" {
		selftest(s)
		return
	}
	addr := ":8080"
	if p := os.Getenv("PORT"); p != "" {
		addr = ":" + p
	}
	log.Printf("listening on %s", addr)
	log.Fatal(http.ListenAndServe(addr, s))
}

// selftest serves on a free port and shortens a URL through HTTP, as a client would.
func selftest(s *store) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go http.Serve(ln, s)
	resp, err := http.Post("http://"+ln.Addr().String()+"/shorten?url=https://example.com/", "text/plain", nil)
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	code := strings.TrimSpace(string(body))
	if resp.StatusCode != http.StatusOK || s.urls[code] != "https://example.com/" {
		log.Fatalf("selftest failed: %d %q", resp.StatusCode, body)
	}
	fmt.Println("ok", code)
}
