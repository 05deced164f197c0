package ui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Every string a user sees goes through t(french, english): this test
// fails on a missing or untranslated English text, and on a literal shown
// by a widget without a translation.
func TestEveryVisibleStringHasFrenchAndEnglish(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	// Words that are the same in both languages.
	same := map[string]bool{"Cabinet": true, "NIR": true, "RPPS": true, "ADELI": true, "SIRET": true, "SIREN": true, "PDF": true, "CSV": true,
		"OK": true, "Patients": true, "Agenda": true, "Support": true, "Date": true, "Notes": true, "E-mail": true, "Observations": true,
		"Profession": true, "Total : ": false, "Consultations (%d)": true, "PDF…": true, "NGAP/CCAM": true, "SHA256:…": true, "75056": true,
		"1 85 05 78 006 084 91": true, "06 12 34 56 78": true, "prenom.nom@example.fr": true, "XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX": true,
		"cm": true, "kg": true, "%d patients": true, "1 patient": true, "Documents (%d)": true, "import": true, "Code": true, "STARTTLS (port 143)": true, "Port": true, "120/80": true, "/min": true, "Patient": true, "Confirmation": false, "Version": true, "Type": false}
	widgetCalls := map[string]int{"NewLabel": 0, "NewButton": 0, "NewButtonWithIcon": 0, "NewCheck": 0, "SetPlaceHolder": 0,
		"NewFormItem": 0, "NewCard": 0, "NewTabItemWithIcon": 0, "NewLabelWithStyle": 0, "SetText": 0, "ShowInformation": 0, "ShowConfirm": 0}
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			lit := func(e ast.Expr) (string, bool) {
				b, ok := e.(*ast.BasicLit)
				if !ok || b.Kind != token.STRING {
					return "", false
				}
				s, _ := strconv.Unquote(b.Value)
				return s, true
			}
			if sel.Sel.Name == "t" && len(call.Args) == 2 {
				checked++
				fr, ok1 := lit(call.Args[0])
				en, ok2 := lit(call.Args[1])
				pos := fset.Position(call.Pos())
				switch {
				case ok1 && strings.TrimSpace(fr) == "", ok2 && strings.TrimSpace(en) == "":
					t.Errorf("%s: empty text in t(%q, %q)", pos, fr, en)
				case ok1 && ok2 && fr == en && !same[fr]:
					t.Errorf("%s: English identical to French: %q", pos, fr)
				case ok2 && strings.ContainsAny(en, "éèàçùêâîôûœ") && !strings.Contains(en, "Ré"):
					t.Errorf("%s: English text looks French: %q", pos, en)
				}
				return true
			}
			if _, ok := widgetCalls[sel.Sel.Name]; ok {
				for _, a := range call.Args {
					if s, ok := lit(a); ok && strings.ContainsAny(s, "abcdefghijklmnopqrstuvwxyzéè") && !same[s] && s != "" {
						t.Errorf("%s: %s shows %q without a translation", fset.Position(a.Pos()), sel.Sel.Name, s)
					}
				}
			}
			return true
		})
	}
	if checked < 300 {
		t.Fatalf("only %d translated strings found: is the scan looking at app/ui?", checked)
	}
}
