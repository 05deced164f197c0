// Command cabinet is Cabinet's GUI (with no subcommand) and CLI.
package main

import (
	"fmt"
	"os"

	_ "github.com/cabinet-sante/cabinet/cmd/cabinet/internal/envlocale" // before Fyne reads the locale
	"github.com/cabinet-sante/cabinet/cmd/cabinet/internal/harden"
)

// Set at build time with -ldflags "-X main.version=...".
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	if err := harden.Process(); err != nil {
		fmt.Fprintln(os.Stderr, "cabinet: warning: core dumps may still be possible:", err)
	}
	if len(os.Args) < 2 || isGUIFlag(os.Args[1]) {
		os.Exit(runGUI(os.Args[1:]))
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
