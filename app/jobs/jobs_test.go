package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/app/privacy"
	"github.com/cabinet-sante/cabinet/store"
)

func TestDailyRunArchivesAndCountsRights(t *testing.T) {
	now := time.Date(2031, 6, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	p, _, err := practice.Create(t.TempDir(), []byte("correct horse battery staple"),
		&practice.Options{Store: &store.Options{KDF: &store.TestKDF}, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx := context.Background()
	old, err := p.AddPatient(ctx, patient.Patient{BirthName: "Martin", FirstNames: "Jean", BirthDate: "1950-01-02"})
	if err != nil {
		t.Fatal(err)
	}
	p.SaveConsultation(ctx, patient.Consultation{PatientID: old.ID, Date: time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC), Reason: "x"})
	// Opened long ago: overdue on the real today.
	if _, err := p.OpenRight(ctx, privacy.Request{PatientID: old.ID, Kind: privacy.Access, Received: "2020-01-01"}); err != nil {
		t.Fatal(err)
	}
	got := make(chan Digest, 2)
	d, err := Start(p, 7, 0, func(dg Digest) { got <- dg })
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	select {
	case dg := <-got:
		if dg.Err != nil || dg.Archived != 1 || dg.RightsOverdue != 1 {
			t.Fatalf("digest %+v", dg)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the start-up run did not happen")
	}
	if f, _ := p.PatientFlags(ctx, old.ID); f.Archived == "" {
		t.Error("record not archived")
	}
}
