package practice

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cabinet-sante/cabinet/app/privacy"
	"github.com/cabinet-sante/cabinet/store"
)

// Every bucket the practice writes must be classified, so that a new
// feature's records neither stay off the other devices by accident nor
// reach the host by accident.
func TestEveryBucketIsSharedOrLocal(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, name := range vs.Names {
				if len(name.Name) < 2 || name.Name[0] != 'b' || name.Name[1] < 'A' || name.Name[1] > 'Z' || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				b, _ := strconv.Unquote(lit.Value)
				found++
				if sharedBuckets[b] == localBuckets[b] {
					t.Errorf("bucket %q (%s in %s) must be in exactly one of sharedBuckets and localBuckets", b, name.Name, f)
				}
			}
			return true
		})
	}
	if found < 20 {
		t.Fatalf("found %d bucket constants; the scan is broken", found)
	}
}

func TestPatientsWhoObjectedToHostingAreExcluded(t *testing.T) {
	p := fresh(t)
	ctx := context.Background()
	named := func(n string) string {
		pt := helene()
		pt.BirthName, pt.NIR = n, ""
		return add(t, p, pt).ID
	}
	objected, silent, agreed := named("Opposant"), named("Silencieux"), named("Accord")
	for _, c := range []privacy.Consent{
		{PatientID: objected, Purpose: privacy.HDSHosting, Decision: privacy.Given, Date: "2026-01-01", Proof: privacy.Oral},
		{PatientID: objected, Purpose: privacy.HDSHosting, Decision: privacy.Withdrawn, Date: "2026-02-01", Proof: privacy.Oral},
		{PatientID: agreed, Purpose: privacy.HDSHosting, Decision: privacy.Given, Date: "2026-01-01", Proof: privacy.Oral},
	} {
		if err := p.RecordConsent(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	excluded := func() map[string]bool {
		var ex map[string]bool
		if err := p.vault.View(func(tx *store.Tx) (err error) { ex, err = p.SyncExcluded(tx); return err }); err != nil {
			t.Fatal(err)
		}
		return ex
	}
	if ex := excluded(); !ex[objected] || ex[silent] || ex[agreed] || len(ex) != 1 {
		t.Fatalf("excluded before the set is built = %v; want only the patient who withdrew", ex)
	}
	if err := p.RebuildHostingExclusions(); err != nil {
		t.Fatal(err)
	}
	// Kept up to date from now on: a restriction, a new consent.
	if err := p.Restrict(ctx, silent, true); err != nil {
		t.Fatal(err)
	}
	if err := p.RecordConsent(ctx, privacy.Consent{PatientID: objected, Purpose: privacy.HDSHosting, Decision: privacy.Given, Date: "2026-03-01", Proof: privacy.Oral}); err != nil {
		t.Fatal(err)
	}
	if ex := excluded(); ex[objected] || !ex[silent] || ex[agreed] || len(ex) != 1 {
		t.Fatalf("excluded after a restriction and a renewed consent = %v; want only the restricted patient", ex)
	}
}
