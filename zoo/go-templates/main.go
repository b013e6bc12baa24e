// site: a small brochure site rendered from templates/*.html, with assets from static/.
// Both directories are read at run time, relative to the working directory.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"html/template"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
)

type page struct {
	Title string
	Items []string
}

var pages = map[string]page{
	"/":      {Title: "Zoo", Items: []string{"lions", "otters", "penguins"}},
	"/about": {Title: "About the zoo", Items: []string{"open daily", "since 1999"}},
}

func newHandler() (http.Handler, error) {
	tmpl, err := template.ParseGlob("templates/*.html")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/static/", http.StripPrefix("/static/", http.FileServer(http.Dir("static"))))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		p, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		var buf bytes.Buffer
		if err := tmpl.ExecuteTemplate(&buf, "page.html", p); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		buf.WriteTo(w)
	})
	return mux, nil
}

func get(h http.Handler, path string) (int, string) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec.Code, rec.Body.String()
}

// render prints one page to stdout; with check it also verifies the page and the stylesheet.
func render(h http.Handler, path string, check bool) error {
	code, body := get(h, path)
	if code != 200 {
		return fmt.Errorf("GET %s: %d %s", path, code, body)
	}
	fmt.Print(body)
	if !check {
		return nil
	}
	for _, want := range []string{"<h1>Zoo</h1>", "<li>otters</li>", `href="/static/style.css"`} {
		if !strings.Contains(body, want) {
			return fmt.Errorf("page lacks %q", want)
		}
	}
	if code, css := get(h, "/static/style.css"); code != 200 || !strings.Contains(css, "font-family") {
		return fmt.Errorf("static/style.css: %d", code)
	}
	fmt.Println("\nselftest ok")
	return nil
}

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	path := flag.String("render", "", "render this page to stdout and exit")
	test := flag.Bool("selftest", false, "render / to stdout, check it and the stylesheet, exit")
	flag.Parse()
	h, err := newHandler()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loading templates:", err)
		os.Exit(1)
	}
	if *test || *path != "" {
		p := *path
		if p == "" {
			p = "/"
		}
		if err := render(h, p, *test); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	log.Printf("site listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, h))
}
