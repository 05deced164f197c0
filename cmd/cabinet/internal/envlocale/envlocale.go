// Package envlocale sets LANGUAGE, when it is unset, to Cabinet's
// language ("fr" unless the locale or CABINET_LANG says English) before
// Fyne reads the locale. Fyne parses the system locale while its packages
// initialise and logs an error for locales such as C.UTF-8, which would
// pollute the CLI's one-line errors; with LANGUAGE set, its own widgets
// also speak the interface's language.
//
// It works because Go initialises packages in import-path order among
// those ready: this package needs only os and strings, and its path sorts
// before the locale library Fyne uses, so its init runs first. Import it
// for its side effect from package main.
package envlocale

import (
	"os"
	"strings"
)

// Lang is the language chosen from the environment: "fr" or "en".
var Lang = detect()

func detect() string {
	for _, v := range []string{"CABINET_LANG", "LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := os.Getenv(v); s != "" {
			if strings.HasPrefix(s, "en") {
				return "en"
			}
			return "fr"
		}
	}
	return "fr"
}

func init() {
	if os.Getenv("LANGUAGE") == "" {
		os.Setenv("LANGUAGE", Lang)
	}
}
