// Package layers_test keeps Cabinet's layers honest: Fyne only in app/ui
// and cmd, no storage, network or SSH library in the domain packages, and a
// store that knows nothing of the application.
package layers_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/cabinet-sante/cabinet/"

// fyne is Fyne's import path prefix, spelled in two parts so that this
// file does not itself look like a Fyne importer to text searches.
const fyne = "fyne" + ".io/"

// adapters may use network, storage and scheduling libraries.
var adapters = map[string]bool{"app/mail": true, "app/support": true, "app/jobs": true}

// domainForbidden are import path prefixes a domain package may not use.
var domainForbidden = []string{
	fyne, "go.etcd.io/bbolt", "github.com/emersion/go-imap", "github.com/go-co-op/gocron",
	"golang.org/x/crypto/ssh", "os/exec", module + "sync/",
}

// violation returns why pkg (a slash path relative to the repository root)
// may not import imp, or "".
func violation(pkg, imp string) string { return fileViolation(pkg, imp, false) }

// fileViolation is violation for one file: tests may use os/exec, to crash
// a real process running the test binary.
func fileViolation(pkg, imp string, test bool) string {
	top := strings.SplitN(pkg, "/", 2)[0]
	if strings.HasPrefix(imp, fyne) && !(pkg == "app/ui" || strings.HasPrefix(pkg, "app/ui/") || top == "cmd") {
		return "Fyne is imported outside app/ui and cmd"
	}
	if top == "store" && strings.HasPrefix(imp, module+"app") {
		return "store imports the application layer"
	}
	if top == "app" && !adapters[pkg] && !strings.HasPrefix(pkg, "app/ui") {
		for _, f := range domainForbidden {
			if strings.HasPrefix(imp, f) && !(test && imp == "os/exec") {
				return "domain package imports " + imp
			}
		}
		if (imp == "net" || strings.HasPrefix(imp, "net/")) && imp != "net/mail" && imp != "net/url" {
			return "domain package imports the network library " + imp
		}
	}
	return ""
}

func TestLayerRulesCatchViolations(t *testing.T) {
	bad := [][2]string{
		{"app/patient", fyne + "fyne/v2/widget"},
		{"store", fyne + "fyne/v2"},
		{"app/billing", "go.etcd.io/bbolt"},
		{"app/practice", "golang.org/x/crypto/ssh"},
		{"app/privacy", "github.com/emersion/go-imap/v2/imapclient"},
		{"app/patient", "net/http"},
		{"store", module + "app/patient"},
	}
	for _, c := range bad {
		if violation(c[0], c[1]) == "" {
			t.Errorf("%s importing %s was allowed", c[0], c[1])
		}
	}
	good := [][2]string{
		{"app/ui", fyne + "fyne/v2/widget"},
		{"cmd/cabinet", fyne + "fyne/v2/app"},
		{"app/mail", "github.com/emersion/go-imap/v2"},
		{"app/support", "golang.org/x/crypto/ssh"},
		{"app/patient", "net/mail"},
		{"store", "go.etcd.io/bbolt"},
		{"app/practice", module + "store"},
	}
	for _, c := range good {
		if v := violation(c[0], c[1]); v != "" {
			t.Errorf("%s importing %s refused: %s", c[0], c[1], v)
		}
	}
	if fileViolation("app/practice", "os/exec", true) != "" || fileViolation("app/practice", "go.etcd.io/bbolt", true) == "" {
		t.Error("tests may use os/exec, and nothing else forbidden")
	}
}

func TestRepositoryKeepsItsLayers(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "bin" || name == "dist") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if v := fileViolation(pkg, p, strings.HasSuffix(path, "_test.go")); v != "" {
				t.Errorf("%s: %s", strings.TrimPrefix(path, root+string(os.PathSeparator)), v)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 10 {
		t.Fatalf("only %d Go files found: is the walk rooted at the repository?", checked)
	}
}
