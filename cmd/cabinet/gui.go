package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/cabinet-sante/cabinet/app/msg"
	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/app/ui"
	"github.com/cabinet-sante/cabinet/store"
)

// isGUIFlag reports whether the first argument is a flag of the GUI
// rather than a subcommand.
func isGUIFlag(a string) bool { return strings.HasPrefix(a, "-") && a != "-h" && a != "--help" }

// runGUI opens the desktop interface on the vault.
func runGUI(args []string) int {
	fs := flag.NewFlagSet("cabinet", flag.ContinueOnError)
	vault := fs.String("vault", defaultVaultDir(), "vault directory")
	lang := fs.String("lang", string(langFromEnv()), "fr or en")
	hint := fs.Bool("demo-hint", false, "show the demo passphrase on the unlock screen")
	module := fs.String("pkcs11-module", "", "PKCS#11 module of the card, when the vault's second factor is one")
	idle := fs.Duration("idle-lock", -1, "lock after this long without activity (0: never; default: the vault's setting, 5m)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	l := msg.FR
	if *lang == "en" {
		l = msg.EN
	}
	a := fyneapp.NewWithID("fr.cabinet-sante.cabinet")
	o := ui.Options{Lang: l, DemoHint: *hint, Jobs: true, Version: version, Commit: commit, Built: date, VaultDir: *vault, PKCS11Module: *module}
	switch {
	case *idle == 0:
		o.IdleLock = -1 // never
	case *idle > 0:
		o.IdleLock = *idle
	}
	var p *practice.Practice
	var err error
	if store.Exists(*vault) {
		p, err = practice.Open(*vault, nil)
	}
	switch {
	case err != nil:
		fmt.Fprintln(os.Stderr, "cabinet: "+msg.Text(err, l))
		showFatal(a, msg.Text(err, l))
		return 1
	case p == nil:
		ui.NewSetup(a, *vault, o, func(created *practice.Practice) {
			p = created
			ui.New(a, p, o)
		})
		defer func() {
			if p != nil {
				p.Close()
			}
		}()
	default:
		defer p.Close()
		ui.New(a, p, o)
	}
	a.Run()
	return 0
}

// showFatal shows an error window for problems found before any vault is
// open (already open elsewhere, damaged header).
func showFatal(a fyne.App, text string) {
	w := a.NewWindow("Cabinet")
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	w.SetContent(container.NewBorder(nil, widget.NewButton("OK", a.Quit), nil, nil, l))
	w.Resize(fyne.NewSize(480, 160))
	w.ShowAndRun()
}
