// migrate: creates or upgrades the notes data file.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/acme/notes/internal/store"
)

func main() {
	data := flag.String("data", "/var/lib/notes/notes.json", "data file")
	flag.Parse()
	steps, err := store.Migrate(*data)
	if err != nil {
		fmt.Fprintln(os.Stderr, "migrate:", err)
		os.Exit(1)
	}
	for _, s := range steps {
		fmt.Println(s)
	}
	fmt.Printf("%s is at schema %d\n", *data, store.SchemaVersion)
}
