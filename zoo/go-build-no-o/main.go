// hello: prints a greeting in one of a few languages.
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

var greetings = map[string]string{
	"en": "Hello, %s!",
	"de": "Hallo, %s!",
	"fr": "Bonjour, %s !",
	"es": "¡Hola, %s!",
	"nl": "Hoi, %s!",
}

func greet(lang, name string, upper bool) (string, error) {
	f, ok := greetings[lang]
	if !ok {
		return "", fmt.Errorf("unknown language %q", lang)
	}
	s := fmt.Sprintf(f, name)
	if upper {
		s = strings.ToUpper(s)
	}
	return s, nil
}

func selftest() error {
	cases := []struct {
		lang, name string
		upper      bool
		want       string
	}{
		{"en", "zoo", false, "Hello, zoo!"},
		{"de", "Welt", false, "Hallo, Welt!"},
		{"fr", "zoo", true, "BONJOUR, ZOO !"},
	}
	for _, c := range cases {
		got, err := greet(c.lang, c.name, c.upper)
		if err != nil || got != c.want {
			return fmt.Errorf("greet(%s, %s) = %q, %v; want %q", c.lang, c.name, got, err, c.want)
		}
	}
	if _, err := greet("xx", "zoo", false); err == nil {
		return fmt.Errorf("unknown language accepted")
	}
	fmt.Println("selftest ok")
	return nil
}

func main() {
	lang := flag.String("lang", "en", "language code")
	upper := flag.Bool("upper", false, "shout")
	list := flag.Bool("list", false, "list languages")
	test := flag.Bool("selftest", false, "run built-in checks and exit")
	flag.Parse()
	switch {
	case *test:
		if err := selftest(); err != nil {
			fmt.Fprintln(os.Stderr, "selftest failed:", err)
			os.Exit(1)
		}
		return
	case *list:
		var langs []string
		for l := range greetings {
			langs = append(langs, l)
		}
		sort.Strings(langs)
		fmt.Println(strings.Join(langs, " "))
		return
	}
	name := "world"
	if flag.NArg() > 0 {
		name = strings.Join(flag.Args(), " ")
	}
	s, err := greet(*lang, name, *upper)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Println(s)
}
