package jobs

import (
	"context"
	"path/filepath"
	"strings"
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

func TestAutomaticBackupsKeepTheNewest(t *testing.T) {
	p, _, err := practice.Create(t.TempDir(), []byte("correct horse battery staple"), &practice.Options{Store: &store.Options{KDF: &store.TestKDF}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx := context.Background()
	dir := t.TempDir()
	p.SetConfig(ctx, practice.CfgBackupDir, dir, "practitioner")
	p.SetConfig(ctx, practice.CfgBackupKeep, "2", "practitioner")
	d := &Daily{p: p}
	var last string
	for i := 0; i < 4; i++ {
		if last, err = d.Backup(time.Date(2026, 3, 1+i, 12, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "auto-*.vault"))
	if len(files) != 2 || files[1] != last || !strings.Contains(files[0], "20260303") {
		t.Fatalf("kept %v", files)
	}
	if err := store.Restore(filepath.Join(t.TempDir(), "restored"), last, []byte("correct horse battery staple"), &store.Options{KDF: &store.TestKDF}); err != nil {
		t.Errorf("the backup does not restore: %v", err)
	}
}
