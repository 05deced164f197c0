package practice

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cabinet-sante/cabinet/app/billing"
	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/app/privacy"
	"github.com/cabinet-sante/cabinet/store"
)

// scan decrypts every value of the vault and reports which needles it
// finds.
func scan(t *testing.T, p *Practice, needles ...string) []string {
	t.Helper()
	var found []string
	err := p.vault.View(func(tx *store.Tx) error {
		names, err := tx.Buckets()
		if err != nil {
			return err
		}
		if len(names) < 5 {
			t.Fatalf("only %d buckets listed", len(names))
		}
		for _, b := range names {
			if b == "audit" {
				continue // keyed by sequence; read below through AuditEntries
			}
			if err := tx.ForEach(b, func(_ store.ID, v []byte) error {
				for _, n := range needles {
					if strings.Contains(string(v), n) {
						found = append(found, b+": "+n)
					}
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = p.AuditEntries(func(e store.AuditEntry) error {
		raw, _ := json.Marshal(e)
		for _, n := range needles {
			if strings.Contains(string(raw), n) {
				found = append(found, "audit: "+n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func TestErasureKeepsExactlyTheInvoiceData(t *testing.T) {
	p, h := billingPractice(t)
	ctx := context.Background()
	if _, err := p.SaveConsultation(ctx, patient.Consultation{PatientID: h.ID, Date: time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC), Reason: "Lombalgie", Notes: "Hélène va mieux"}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.SaveAppointment(ctx, patient.Appointment{PatientID: h.ID, Start: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Duration: 30 * time.Minute, Reason: "Suivi"}); err != nil {
		t.Fatal(err)
	}
	n := issue(t, p, h.ID, "2026-02-01", ActQty{"SEANCE", 1})
	p.Pay(ctx, n.Number, n.Total, billing.Card, "2026-02-01")
	if _, err := p.AddDocument(ctx, h.ID, "", "courrier.pdf", []byte("%PDF-1.4 Courrier pour Hélène Dupont-Lefèvre")); err != nil {
		t.Fatal(err)
	}
	p.RecordConsent(ctx, privacy.Consent{PatientID: h.ID, Purpose: privacy.EmailContact, Decision: privacy.Given, Proof: privacy.Oral, NoticeVersion: "v1"})
	req, err := p.OpenRight(ctx, privacy.Request{PatientID: h.ID, Kind: privacy.Erasure, Received: "2026-03-01", Notes: "Demande de Mme Dupont-Lefèvre"})
	if err != nil {
		t.Fatal(err)
	}
	needles := []string{"Hélène", "DUPONT", "Dupont", "272097510800177", "helene.dl@example.com", "01 02 03 04 05"}
	if len(scan(t, p, needles...)) == 0 {
		t.Fatal("scan finds nothing before the erasure: it cannot prove anything")
	}
	plan, err := p.PlanErasure(ctx, h.ID)
	if err != nil || len(plan.Delete) == 0 || !strings.Contains(strings.Join(plan.Keep, " "), "10 ans") {
		t.Fatalf("plan %+v, %v", plan, err)
	}
	if err := p.Erase(ctx, h.ID); err != nil {
		t.Fatal(err)
	}
	if found := scan(t, p, needles...); len(found) > 0 {
		t.Errorf("after erasure the vault still holds: %v", found)
	}
	if _, err := p.Patient(ctx, h.ID); !errors.Is(err, ErrPatientNotFound) {
		t.Errorf("patient still opens: %v", err)
	}
	if len(search(t, p, "helene")) != 0 {
		t.Error("erased patient still in search")
	}
	kept, err := p.Note(ctx, n.Number)
	if err != nil || kept.Total != n.Total || kept.Status != billing.Paid || kept.PatientName != "" || kept.PatientID == h.ID {
		t.Errorf("kept note %+v, %v", kept, err)
	}
	rs, _ := p.Receipts(ctx, 2026, true)
	if len(rs) != 1 || rs[0].Amount != n.Total {
		t.Errorf("receipts after erasure: %+v", rs)
	}
	reqs, _ := p.Rights(ctx)
	if len(reqs) != 1 || reqs[0].ID != req.ID || reqs[0].PatientID == h.ID || reqs[0].Received != "2026-03-01" {
		t.Errorf("rights register after erasure: %+v", reqs)
	}
	appts, _ := p.Appointments(ctx, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC))
	if len(appts) != 0 {
		t.Errorf("appointment survives: %+v", appts)
	}
	if rep, err := p.VerifyAudit(); err != nil || rep.Break != nil {
		t.Errorf("audit after erasure: %+v %v", rep.Break, err)
	}
}

func TestRestrictionBlocksEveryWritePath(t *testing.T) {
	p, h := billingPractice(t)
	ctx := context.Background()
	if err := p.Restrict(ctx, h.ID, true); err != nil {
		t.Fatal(err)
	}
	h.Phone = "06 00 00 00 00"
	if _, err := p.UpdatePatient(ctx, h); !errors.Is(err, ErrRestricted) {
		t.Errorf("UpdatePatient: %v", err)
	}
	if _, err := p.SaveConsultation(ctx, patient.Consultation{PatientID: h.ID, Date: time.Now(), Reason: "x"}); !errors.Is(err, ErrRestricted) {
		t.Errorf("SaveConsultation: %v", err)
	}
	if _, err := p.SaveAppointment(ctx, patient.Appointment{PatientID: h.ID, Start: time.Now().Add(time.Hour), Duration: time.Hour}); !errors.Is(err, ErrRestricted) {
		t.Errorf("SaveAppointment: %v", err)
	}
	if _, err := p.IssueNote(ctx, NoteRequest{PatientID: h.ID, Acts: []ActQty{{"C", 1}}}); !errors.Is(err, ErrRestricted) {
		t.Errorf("IssueNote: %v", err)
	}
	if _, err := p.SaveDraft(ctx, NoteRequest{PatientID: h.ID, Acts: []ActQty{{"C", 1}}}, ""); !errors.Is(err, ErrRestricted) {
		t.Errorf("SaveDraft: %v", err)
	}
	if got, err := p.Patient(ctx, h.ID); err != nil || got.Phone == "06 00 00 00 00" {
		t.Errorf("reading a restricted record: %+v, %v", got, err)
	}
	if f, _ := p.PatientFlags(ctx, h.ID); !f.Restricted {
		t.Error("flag not visible")
	}
	p.Restrict(ctx, h.ID, false)
	if _, err := p.UpdatePatient(ctx, h); err != nil {
		t.Errorf("after lifting: %v", err)
	}
}

func TestWithdrawnSyncConsentLeavesTheSyncSet(t *testing.T) {
	p, h := billingPractice(t)
	ctx := context.Background()
	other := add(t, p, patient.Patient{BirthName: "Martin", FirstNames: "Jean", BirthDate: "1950-01-02"})
	for _, id := range []string{h.ID, other.ID} {
		p.RecordConsent(ctx, privacy.Consent{PatientID: id, Purpose: privacy.HDSHosting, Decision: privacy.Given, Proof: privacy.Drawn, NoticeVersion: "v1"})
	}
	set, _ := p.Allowed(ctx, privacy.HDSHosting)
	if !set[h.ID] || !set[other.ID] {
		t.Fatalf("sync set %v", set)
	}
	p.RecordConsent(ctx, privacy.Consent{PatientID: h.ID, Purpose: privacy.HDSHosting, Decision: privacy.Withdrawn, Proof: privacy.Oral, NoticeVersion: "v1"})
	p.Restrict(ctx, other.ID, true)
	set, _ = p.Allowed(ctx, privacy.HDSHosting)
	if set[h.ID] || set[other.ID] {
		t.Errorf("withdrawn or restricted patients still synced: %v", set)
	}
	hist, _ := p.Consents(ctx, h.ID)
	if len(hist) != 2 || hist[1].Decision != privacy.Withdrawn {
		t.Errorf("history %+v", hist)
	}
}

func TestRetentionMovesRecordsThroughTheirStages(t *testing.T) {
	p, h := billingPractice(t)
	ctx := context.Background()
	if _, err := p.SaveConsultation(ctx, patient.Consultation{PatientID: h.ID, Date: time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC), Reason: "x"}); err != nil {
		t.Fatal(err)
	}
	at := func(s string) {
		d, _ := time.Parse(time.DateOnly, s)
		p.now = func() time.Time { return d.Add(12 * time.Hour) }
	}

	at("2030-01-09")
	if rep, _ := p.RunRetention(ctx, false, false); len(rep.Archived)+len(rep.Expired) != 0 {
		t.Fatalf("active record moved: %+v", rep)
	}
	at("2031-01-11")
	rep, _ := p.RunRetention(ctx, true, false)
	if len(rep.Archived) != 1 || !rep.DryRun {
		t.Fatalf("dry run: %+v", rep)
	}
	if f, _ := p.PatientFlags(ctx, h.ID); f.Archived != "" {
		t.Fatal("a dry run archived")
	}
	if rep, _ = p.RunRetention(ctx, false, false); len(rep.Archived) != 1 {
		t.Fatalf("run: %+v", rep)
	}
	if len(search(t, p, "helene")) != 0 {
		t.Error("archived record still in daily search")
	}
	p.Lock()
	p.Unlock(pass)
	if len(search(t, p, "helene")) != 0 {
		t.Error("archived record back in search after unlock")
	}
	if rep, _ = p.RunRetention(ctx, false, false); len(rep.Archived) != 0 {
		t.Errorf("archived twice: %+v", rep)
	}
	at("2046-01-11")
	if rep, _ = p.RunRetention(ctx, false, false); len(rep.Expired) != 1 || len(rep.Erased) != 0 {
		t.Fatalf("expiry without confirmation: %+v", rep)
	}
	if _, err := p.Patient(ctx, h.ID); err != nil {
		t.Fatal("erased without confirmation")
	}
	if rep, _ = p.RunRetention(ctx, false, true); len(rep.Erased) != 1 {
		t.Fatalf("confirmed erasure: %+v", rep)
	}
	if _, err := p.Patient(ctx, h.ID); !errors.Is(err, ErrPatientNotFound) {
		t.Errorf("expired record not erased: %v", err)
	}
}

func TestRightsRequestsDeadlinesAndAnswers(t *testing.T) {
	p, h := billingPractice(t)
	ctx := context.Background()
	p.now = func() time.Time { return time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC) }
	r, err := p.OpenRight(ctx, privacy.Request{PatientID: h.ID, Kind: privacy.Portability})
	if err != nil || r.Due != "2026-02-28" || r.Status != privacy.Open {
		t.Fatalf("open: %+v, %v", r, err)
	}
	if _, err := p.ExtendRight(ctx, r.ID, ""); err == nil {
		t.Error("extension without reason")
	}
	if r, err = p.ExtendRight(ctx, r.ID, "Volume du dossier"); err != nil || r.Due != "2026-04-30" {
		t.Fatalf("extend: %+v, %v", r, err)
	}
	if _, err := p.ExtendRight(ctx, r.ID, "encore"); err == nil {
		t.Error("extended twice")
	}
	if r, err = p.AnswerRight(ctx, r.ID, false, "Export remis en main propre"); err != nil || r.Status != privacy.Answered || r.Answered != "2026-01-31" {
		t.Fatalf("answer: %+v, %v", r, err)
	}
	if _, err := p.OpenRight(ctx, privacy.Request{PatientID: h.ID, Kind: "nope"}); err == nil {
		t.Error("unknown kind accepted")
	}
}

func TestPatientExportZip(t *testing.T) {
	p, h := billingPractice(t)
	ctx := context.Background()
	p.SaveConsultation(ctx, patient.Consultation{PatientID: h.ID, Date: time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC), Reason: "Lombalgie", Measures: patient.Measures{Systolic: 120, Diastolic: 80}})
	issue(t, p, h.ID, "2026-02-01")
	h.Phone = "06 11 22 33 44"
	p.UpdatePatient(ctx, h)
	path := filepath.Join(t.TempDir(), "p.zip")
	if err := p.ExportPatient(ctx, h.ID, path); err != nil {
		t.Fatal(err)
	}
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	files := map[string][]byte{}
	for _, f := range z.File {
		rc, _ := f.Open()
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	for _, name := range []string{"patient.json", "fhir-bundle.json", "dossier.pdf", "LISEZMOI.txt"} {
		if len(files[name]) == 0 {
			t.Errorf("%s missing", name)
		}
	}
	var rec privacy.Record
	if err := json.Unmarshal(files["patient.json"], &rec); err != nil || rec.Patient.NIR != h.NIR || len(rec.Consultations) != 1 || len(rec.Notes) != 1 {
		t.Fatalf("patient.json: %v %+v", err, rec)
	}
	if len(rec.History) < 2 || !strings.Contains(strings.Join(rec.History[len(rec.History)-1].Fields, ","), "phone") {
		t.Errorf("rectification history not in the export: %+v", rec.History)
	}
	var b map[string]any
	if json.Unmarshal(files["fhir-bundle.json"], &b) != nil || b["resourceType"] != "Bundle" {
		t.Error("no FHIR bundle")
	}
	if !strings.HasPrefix(string(files["dossier.pdf"]), "%PDF") {
		t.Error("dossier.pdf is not a PDF")
	}
}

func TestDocumentsAreSealedCheckedAndAudited(t *testing.T) {
	p, h := billingPractice(t)
	ctx := context.Background()
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...)
	d, err := p.AddDocument(ctx, h.ID, "", "/home/x/radio genou.png", png)
	if err != nil || d.Type != "image/png" || d.Name != "radio genou.png" || d.Size != len(png) {
		t.Fatalf("add: %+v %v", d, err)
	}
	if _, err := p.AddDocument(ctx, h.ID, "", "script.sh", []byte("#!/bin/sh\nrm -rf /")); !errors.Is(err, ErrDocumentType) {
		t.Errorf("shell script accepted: %v", err)
	}
	if _, err := p.AddDocument(ctx, h.ID, "", "big.pdf", append([]byte("%PDF-"), make([]byte, MaxDocument)...)); !errors.Is(err, ErrDocumentTooLarge) {
		t.Errorf("oversized file accepted: %v", err)
	}
	docs, _ := p.Documents(ctx, h.ID)
	if len(docs) != 1 {
		t.Fatalf("documents %+v", docs)
	}
	_, data, err := p.DocumentData(ctx, d.ID)
	if err != nil || string(data) != string(png) {
		t.Fatalf("read back: %v", err)
	}
	read := false
	p.AuditEntries(func(e store.AuditEntry) error {
		if e.Action == "document.read" && e.Object == d.ID {
			read = true
		}
		return nil
	})
	if !read {
		t.Error("opening a document is not audited")
	}
	path := filepath.Join(t.TempDir(), "p.zip")
	if err := p.ExportPatient(ctx, h.ID, path); err != nil {
		t.Fatal(err)
	}
	z, _ := zip.OpenReader(path)
	defer z.Close()
	found := false
	for _, f := range z.File {
		if f.Name == "documents/01-radio genou.png" {
			found = true
		}
	}
	if !found {
		t.Error("the export lacks the attachment")
	}
}

func TestBreachRegisterFindsThePatientsFromTheAudit(t *testing.T) {
	p, h := billingPractice(t)
	ctx := context.Background()
	time.Sleep(5 * time.Millisecond)
	start := time.Now().Truncate(time.Millisecond)
	p.Patient(ctx, h.ID) // opened during the window
	b, err := p.RecordBreach(ctx, privacy.Breach{What: "Ordinateur portable volé", Discovered: time.Now().Add(time.Minute), From: start,
		Data: "dossiers patients", Risk: privacy.RiskHigh})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Patients) != 1 || !slices.Contains(b.Patients, h.ID) {
		t.Errorf("the patient opened during the window is not listed: %v", b.Patients)
	}
	if _, err := p.RecordBreach(ctx, privacy.Breach{What: "x", Discovered: time.Now(), Risk: "huge"}); err == nil {
		t.Error("bad risk accepted")
	}
	b, err = p.BreachNotified(ctx, b.ID, true, false, time.Now())
	if err != nil || b.CNILNotified.IsZero() {
		t.Fatalf("notify: %+v %v", b, err)
	}
	list, _ := p.Breaches(ctx)
	if len(list) != 1 || list[0].ID != b.ID {
		t.Errorf("register %+v", list)
	}
}

func TestRetentionPrunesTheAuditJournalBehindACheckpoint(t *testing.T) {
	p, h := billingPractice(t)
	ctx := context.Background()
	p.Patient(ctx, h.ID)
	p.now = func() time.Time { return time.Now().AddDate(2, 0, 0) }
	rep, err := p.RunRetention(ctx, false, false)
	if err != nil || rep.AuditPruned == 0 {
		t.Fatalf("retention: %+v %v", rep, err)
	}
	ar, err := p.VerifyAudit()
	if err != nil || ar.Break != nil || ar.Pruned != rep.AuditPruned {
		t.Fatalf("audit after pruning: %+v %v", ar, err)
	}
}

func TestIdentityCopyIsErasedAfterAYear(t *testing.T) {
	p, h := billingPractice(t)
	ctx := context.Background()
	d, err := p.AddDocument(ctx, h.ID, "", "cni.jpg", append([]byte("\xff\xd8\xff"), make([]byte, 50)...))
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.OpenRight(ctx, privacy.Request{PatientID: h.ID, Kind: privacy.Access, Received: "2026-01-10", IdentityChecked: true, IDCopy: d.ID})
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) {
		x, _ := time.Parse(time.DateOnly, s)
		p.now = func() time.Time { return x.Add(12 * time.Hour) }
	}
	at("2027-01-09")
	if rep, _ := p.RunRetention(ctx, false, false); rep.IDCopiesErased != 0 {
		t.Fatal("identity copy erased before a year")
	}
	at("2027-01-10")
	if rep, _ := p.RunRetention(ctx, false, false); rep.IDCopiesErased != 1 {
		t.Fatalf("identity copy kept after a year: %+v", rep)
	}
	if _, _, err := p.DocumentData(ctx, d.ID); err == nil {
		t.Error("the copy can still be opened")
	}
	reqs, _ := p.Rights(ctx)
	if len(reqs) != 1 || reqs[0].ID != r.ID || reqs[0].IDCopy != "" || !reqs[0].IdentityChecked {
		t.Errorf("request after erasure %+v", reqs)
	}
}
