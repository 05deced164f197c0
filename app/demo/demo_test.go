package demo

import (
	"testing"
	"time"

	"github.com/cabinet-sante/cabinet/app/patient"
)

var now = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

func all(o Options) []Record {
	var out []Record
	Generate(o, func(r Record) bool { out = append(out, r); return true })
	return out
}

func TestEveryGeneratedRecordIsValid(t *testing.T) {
	recs := all(Options{Patients: 3000, Seed: 7, Now: now})
	if len(recs) != 3000 {
		t.Fatalf("got %d records, want 3000", len(recs))
	}
	nirs := map[string]bool{}
	withCare := 0
	for i, r := range recs {
		p := r.Patient
		p.Normalize()
		if err := p.Validate(now); err != nil {
			t.Fatalf("record %d (%+v) is invalid: %v", i, p, err)
		}
		if p.NIR == "" {
			t.Fatalf("record %d has no NIR", i)
		}
		nirs[p.NIR] = true
		for _, c := range r.Consultations {
			c.PatientID = "x"
			if err := c.Validate(); err != nil {
				t.Fatalf("record %d consultation invalid: %v", i, err)
			}
			if c.Date.After(now) {
				t.Fatalf("record %d has a consultation in the future", i)
			}
		}
		for _, a := range r.Appointments {
			a.PatientID = "x"
			if err := a.Validate(); err != nil {
				t.Fatalf("record %d appointment invalid: %v", i, err)
			}
		}
		if len(r.Consultations) > 0 {
			withCare++
		}
	}
	if len(nirs) < 2900 {
		t.Errorf("only %d distinct NIRs over 3000 patients", len(nirs))
	}
	if withCare < 2000 {
		t.Errorf("only %d patients of 3000 have consultations", withCare)
	}
}

func TestSameSeedSameData(t *testing.T) {
	a := all(Options{Patients: 50, Seed: 3, Now: now})
	b := all(Options{Patients: 50, Seed: 3, Now: now})
	c := all(Options{Patients: 50, Seed: 4, Now: now})
	for i := range a {
		if a[i].Patient.NIR != b[i].Patient.NIR || a[i].Patient.BirthName != b[i].Patient.BirthName {
			t.Fatalf("record %d differs with the same seed", i)
		}
	}
	same := 0
	for i := range a {
		if a[i].Patient.NIR == c[i].Patient.NIR {
			same++
		}
	}
	if same > 5 {
		t.Errorf("%d of 50 NIRs equal across seeds", same)
	}
}

func TestCorsicanBirthPlacesGiveValidNIRs(t *testing.T) {
	found := 0
	for _, r := range all(Options{Patients: 500, Seed: 1, Now: now}) {
		if r.Patient.BirthPlace[:2] == "2A" || r.Patient.BirthPlace[:2] == "2B" {
			found++
			if err := patient.ValidateNIR(r.Patient.NIR); err != nil {
				t.Fatalf("Corsican NIR %s invalid: %v", r.Patient.NIR, err)
			}
		}
	}
	if found == 0 {
		t.Fatal("no Corsican birth place in 500 patients")
	}
}

func TestGenerateStopsWhenAsked(t *testing.T) {
	n := 0
	Generate(Options{Patients: 100, Seed: 1, Now: now}, func(Record) bool { n++; return n < 10 })
	if n != 10 {
		t.Fatalf("yield called %d times after returning false at 10", n)
	}
}

func TestDemoAppointmentsDoNotOverlap(t *testing.T) {
	seen := map[time.Time]bool{}
	n := 0
	Generate(Options{Patients: 2000, Seed: 5, Now: now}, func(r Record) bool {
		for _, a := range r.Appointments {
			if seen[a.Start] {
				t.Fatalf("two appointments at %s", a.Start)
			}
			if wd := a.Start.Weekday(); wd == time.Saturday || wd == time.Sunday {
				t.Fatalf("appointment on a %s", wd)
			}
			seen[a.Start] = true
			n++
		}
		return true
	})
	if n < 300 {
		t.Errorf("only %d appointments for 2000 patients", n)
	}
}
