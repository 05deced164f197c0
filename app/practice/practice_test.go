package practice

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/store"
)

var pass = []byte("une phrase de passe assez longue")

func opts() *Options { return &Options{Store: &store.Options{KDF: &store.TestKDF}} }

func fresh(t *testing.T) *Practice {
	t.Helper()
	p, _, err := Create(t.TempDir(), pass, opts())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.Unlocked() {
			if rep, err := p.VerifyAudit(); err != nil || rep.Break != nil {
				t.Errorf("audit journal after test: %+v, %v", rep.Break, err)
			}
		}
		p.Close()
	})
	return p
}

// reopen opens and unlocks the practice in dir, closed when the test ends.
func reopen(t *testing.T, dir string) *Practice {
	t.Helper()
	p, err := Open(dir, opts())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	if err := p.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	return p
}

func helene() patient.Patient {
	return patient.Patient{
		BirthName: "Dupont-Lefèvre", FirstNames: "Hélène", BirthDate: "1972-09-14", Sex: patient.Female,
		NIR: "272097510800177", Email: "helene.dl@example.com", Phone: "01 02 03 04 05",
	}
}

func add(t *testing.T, p *Practice, pt patient.Patient) patient.Patient {
	t.Helper()
	got, err := p.AddPatient(context.Background(), pt)
	if err != nil {
		t.Fatalf("AddPatient: %v", err)
	}
	return got
}

func search(t *testing.T, p *Practice, q string) []patient.Patient {
	t.Helper()
	res, err := p.Search(context.Background(), q, 20)
	if err != nil {
		t.Fatalf("Search(%q): %v", q, err)
	}
	return res
}

func TestAddedPatientIsFoundWhateverTheAccentsAndCase(t *testing.T) {
	p := fresh(t)
	h := add(t, p, helene())
	add(t, p, patient.Patient{BirthName: "Martin", FirstNames: "Paul", BirthDate: "1980-01-02"})
	for _, q := range []string{"HELENE", "dupont", "lefevre", "dupont hél", "14/09/1972", "272097510800177", "0102030405"} {
		res := search(t, p, q)
		if len(res) != 1 || res[0].ID != h.ID {
			t.Errorf("search %q: got %d results, want Hélène only", q, len(res))
		}
	}
}

func TestInvalidPatientIsRefusedAndNothingStored(t *testing.T) {
	p := fresh(t)
	bad := helene()
	bad.NIR = "272097510800178"
	_, err := p.AddPatient(context.Background(), bad)
	var ves patient.ValidationErrors
	if !errors.As(err, &ves) || ves.For("nir") == nil {
		t.Fatalf("got %v, want a validation error on the NIR", err)
	}
	if p.PatientCount() != 0 || len(search(t, p, "dupont")) != 0 {
		t.Fatal("an invalid patient was stored")
	}
}

func TestPatientsAndIndexSurviveReopen(t *testing.T) {
	dir := t.TempDir()
	p, _, err := Create(dir, pass, opts())
	if err != nil {
		t.Fatal(err)
	}
	h := add(t, p, helene())
	p.Close()
	p, err = Open(dir, opts())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Search(context.Background(), "dupont", 10); err == nil && p.PatientCount() != 0 {
		t.Fatal("index available before unlock")
	}
	if err := p.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	if res := search(t, p, "helene"); len(res) != 1 || res[0].ID != h.ID {
		t.Fatalf("after reopen: %v", res)
	}
}

func TestLockDropsTheSearchIndex(t *testing.T) {
	p := fresh(t)
	add(t, p, helene())
	locked := false
	p.OnLock(func() { locked = true })
	p.Lock()
	if !locked {
		t.Fatal("OnLock callback not called")
	}
	if p.PatientCount() != 0 {
		t.Fatal("index still holds patients after lock")
	}
	if _, err := p.Search(context.Background(), "dupont", 10); err == nil {
		// An empty index gives no hits; a locked vault must not read anything.
		if res, _ := p.Search(context.Background(), "dupont", 10); len(res) != 0 {
			t.Fatal("search answered after lock")
		}
	}
	if err := p.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	if len(search(t, p, "dupont")) != 1 {
		t.Fatal("index not rebuilt at unlock")
	}
}

func TestEditKeepsAVisibleHistoryOfChangedFields(t *testing.T) {
	p := fresh(t)
	h := add(t, p, helene())
	h.Phone = "06 12 34 56 78"
	h.UsedName = "Martin"
	if _, err := p.UpdatePatient(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	hist, err := p.History(context.Background(), h.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].Action != "create" || hist[1].Action != "update" {
		t.Fatalf("history %+v", hist)
	}
	if !slices.Equal(hist[1].Fields, []string{"used_name", "phone"}) {
		t.Fatalf("changed fields %v, want used_name and phone", hist[1].Fields)
	}
	if res := search(t, p, "martin"); len(res) != 1 {
		t.Fatal("search does not see the new used name")
	}
	got, _ := p.Patient(context.Background(), h.ID)
	if got.Phone != "06 12 34 56 78" || !got.Created.Equal(h.Created) {
		t.Fatalf("stored record %+v", got)
	}
}

func TestOpeningARecordIsAudited(t *testing.T) {
	p := fresh(t)
	h := add(t, p, helene())
	if _, err := p.Patient(context.Background(), h.ID); err != nil {
		t.Fatal(err)
	}
	var seen []string
	p.AuditEntries(func(e store.AuditEntry) error {
		if e.Object == h.ID {
			seen = append(seen, e.Action)
		}
		if strings.Contains(e.Object+e.Detail+e.Actor, "Dupont") {
			t.Errorf("audit entry %d carries a name", e.Seq)
		}
		return nil
	})
	if !slices.Equal(seen, []string{"patient.create", "patient.read"}) {
		t.Fatalf("audit for the patient: %v", seen)
	}
}

func TestUnknownPatientIsNotFound(t *testing.T) {
	p := fresh(t)
	for _, id := range []string{store.NewID().String(), "not-an-id"} {
		if _, err := p.Patient(context.Background(), id); !errors.Is(err, store.ErrNotFound) && !errors.Is(err, ErrPatientNotFound) {
			t.Errorf("Patient(%q): %v", id, err)
		}
	}
}

func TestConsultationsAreListedNewestFirst(t *testing.T) {
	p := fresh(t)
	h := add(t, p, helene())
	base := time.Date(2024, 3, 1, 9, 0, 0, 0, Paris())
	for i, reason := range []string{"lombalgie", "bilan annuel", "entorse"} {
		_, err := p.SaveConsultation(context.Background(), patient.Consultation{
			PatientID: h.ID, Date: base.AddDate(0, i, 0), Reason: reason,
			Measures: patient.Measures{WeightG: 61000 + i*500, Systolic: 125, Diastolic: 80},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	cs, err := p.Consultations(context.Background(), h.ID)
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, c := range cs {
		reasons = append(reasons, c.Reason)
	}
	if !slices.Equal(reasons, []string{"entorse", "bilan annuel", "lombalgie"}) {
		t.Fatalf("order %v", reasons)
	}
	other := add(t, p, patient.Patient{BirthName: "Martin", FirstNames: "Paul", BirthDate: "1980-01-02"})
	if cs, _ := p.Consultations(context.Background(), other.ID); len(cs) != 0 {
		t.Fatal("another patient sees Hélène's consultations")
	}
	_, err = p.SaveConsultation(context.Background(), patient.Consultation{PatientID: store.NewID().String(), Date: base, Reason: "x"})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("consultation for an unknown patient: %v", err)
	}
}

func TestAppointmentsMoveBetweenDays(t *testing.T) {
	p := fresh(t)
	h := add(t, p, helene())
	mon := time.Date(2026, 11, 23, 9, 30, 0, 0, Paris())
	a, err := p.SaveAppointment(context.Background(), patient.Appointment{PatientID: h.ID, Start: mon, Duration: 30 * time.Minute, Reason: "suivi"})
	if err != nil {
		t.Fatal(err)
	}
	day := func(d time.Time) int {
		as, err := p.Appointments(context.Background(), d, d)
		if err != nil {
			t.Fatal(err)
		}
		return len(as)
	}
	if day(mon) != 1 {
		t.Fatal("appointment not on its day")
	}
	a.Start = mon.AddDate(0, 0, 2)
	if _, err := p.SaveAppointment(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if day(mon) != 0 || day(mon.AddDate(0, 0, 2)) != 1 {
		t.Fatal("moved appointment still on the old day or missing on the new one")
	}
	week, _ := p.Appointments(context.Background(), mon, mon.AddDate(0, 0, 6))
	if len(week) != 1 || week[0].Status != patient.Booked {
		t.Fatalf("week view %+v", week)
	}
}

func TestImportStoresRecordsInBatches(t *testing.T) {
	p := fresh(t)
	n := ImportBatch + 7
	i := 0
	next := func() (Record, bool) {
		if i == n {
			return Record{}, false
		}
		i++
		pt := patient.Patient{BirthName: "Durand", FirstNames: "Zoé", BirthDate: "1990-05-17"}
		return Record{Patient: pt, Consultations: []patient.Consultation{{Date: time.Date(2025, 1, 2, 10, 0, 0, 0, time.UTC), Reason: "bilan"}}}, true
	}
	var progress []int
	done, err := p.Import(context.Background(), next, func(d int) { progress = append(progress, d) })
	if err != nil || done != n {
		t.Fatalf("Import: %d, %v", done, err)
	}
	if !slices.Equal(progress, []int{ImportBatch, n}) {
		t.Fatalf("progress %v", progress)
	}
	if p.PatientCount() != n {
		t.Fatalf("index holds %d", p.PatientCount())
	}
	res := search(t, p, "zoe durand")
	if len(res) == 0 {
		t.Fatal("imported patients not searchable")
	}
	if cs, _ := p.Consultations(context.Background(), res[0].ID); len(cs) != 1 {
		t.Fatal("imported consultation missing")
	}
}

func TestImportStopsAtAnInvalidRecordWithItsPosition(t *testing.T) {
	p := fresh(t)
	i := 0
	next := func() (Record, bool) {
		i++
		if i > 3 {
			return Record{}, false
		}
		pt := patient.Patient{BirthName: "Durand", FirstNames: "Zoé", BirthDate: "1990-05-17"}
		if i == 2 {
			pt.BirthDate = "1990-02-30"
		}
		return Record{Patient: pt}, true
	}
	_, err := p.Import(context.Background(), next, nil)
	if err == nil || !strings.Contains(err.Error(), "record 2") {
		t.Fatalf("got %v, want an error naming record 2", err)
	}
	if p.PatientCount() != 0 {
		t.Fatal("a batch with an invalid record was partly stored")
	}
}

func TestWeakPassphraseIsRefused(t *testing.T) {
	p := fresh(t)
	if err := p.ChangePassphrase(pass, []byte("court")); err == nil {
		t.Fatal("a 5-character passphrase was accepted")
	}
}
