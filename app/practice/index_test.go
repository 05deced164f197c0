package practice

import (
	"context"
	"testing"

	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/store"
)

// The search index is saved sealed at lock and loaded at the next
// unlock, unless anything wrote to the patients meanwhile: then it is
// made again from the records, so a patient is never missing from search.
func TestSavedSearchIndexIsUsedOnlyWhileValid(t *testing.T) {
	p := fresh(t)
	ctx := context.Background()
	add(t, p, helene())
	relock := func() {
		t.Helper()
		p.Lock()
		if err := p.Unlock(pass); err != nil {
			t.Fatal(err)
		}
	}
	found := func(q string) bool {
		t.Helper()
		res, err := p.Search(ctx, q, 5)
		if err != nil {
			t.Fatal(err)
		}
		return len(res) == 1
	}
	relock()
	if !p.indexLoaded || !found("helene") {
		t.Fatalf("after a lock: loaded %v, found %v; want the saved index, with Hélène", p.indexLoaded, found("helene"))
	}
	// A write that bypasses the index in memory (another device's change,
	// applied by sync), then the keys dropped without the index saved
	// (the program killed): the saved index is stale and must not serve.
	other := patient.Patient{ID: store.NewID().String(), BirthName: "Venu-D-Ailleurs", FirstNames: "Paul", BirthDate: "1980-01-01"}
	id, _ := store.ParseID(other.ID)
	if err := p.vault.Update(func(tx *store.Tx) error { return tx.PutJSON(bPatients, id, other) }); err != nil {
		t.Fatal(err)
	}
	p.vault.Lock()
	if err := p.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	if p.indexLoaded || !found("venu-d-ailleurs") {
		t.Fatalf("after an outside write: loaded %v, found %v; want a rebuild that finds the patient", p.indexLoaded, found("venu-d-ailleurs"))
	}
	if p.PatientCount() != 2 {
		t.Fatalf("%d patients indexed", p.PatientCount())
	}
	relock()
	if !p.indexLoaded || p.PatientCount() != 2 || !found("venu") || !found("helene") {
		t.Fatalf("after a clean lock: loaded %v, %d patients", p.indexLoaded, p.PatientCount())
	}
}
