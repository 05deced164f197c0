package practice

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cabinet-sante/cabinet/app/billing"
	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/store"
)

// billingPractice is a practice with the practitioner set, two acts and
// Hélène.
func billingPractice(t *testing.T) (*Practice, patient.Patient) {
	t.Helper()
	p := fresh(t)
	ctx := context.Background()
	if err := p.SetPractitioner(ctx, billing.Practitioner{Name: "Dr Claire Martin", Profession: "Médecin généraliste",
		Address: "3 rue des Lilas\n69003 Lyon", RPPS: "10001234567", Place: "Lyon"}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []billing.Act{{Code: "C", Label: "Consultation", Price: 3000}, {Code: "SEANCE", Label: "Séance", Price: 5500}} {
		if err := p.SaveAct(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	return p, add(t, p, helene())
}

func issue(t *testing.T, p *Practice, pid, date string, acts ...ActQty) billing.Note {
	t.Helper()
	if len(acts) == 0 {
		acts = []ActQty{{"C", 1}}
	}
	n, err := p.IssueNote(context.Background(), NoteRequest{PatientID: pid, Acts: acts, Date: date})
	if err != nil {
		t.Fatalf("IssueNote: %v", err)
	}
	return n
}

func TestNotesAreNumberedInOrderPerYear(t *testing.T) {
	p, h := billingPractice(t)
	a := issue(t, p, h.ID, "2026-01-05", ActQty{"C", 1}, ActQty{"seance", 2})
	b := issue(t, p, h.ID, "2026-01-05")
	c := issue(t, p, h.ID, "2027-01-02")
	if a.Number != "2026-000001" || b.Number != "2026-000002" || c.Number != "2027-000001" {
		t.Fatalf("numbers %s %s %s", a.Number, b.Number, c.Number)
	}
	if a.Total != 3000+2*5500 || a.PatientName != "DUPONT-LEFÈVRE Hélène" || a.Practitioner.RPPS != "10001234567" || a.ServicePlace != "Lyon" {
		t.Errorf("note a = %+v", a)
	}
	// A date before the last note is refused, and consumes no number.
	if _, err := p.IssueNote(context.Background(), NoteRequest{PatientID: h.ID, Acts: []ActQty{{"C", 1}}, Date: "2026-01-04"}); !errors.Is(err, ErrNotChronological) {
		t.Fatalf("backdated note: %v", err)
	}
	if d := issue(t, p, h.ID, "2026-01-06"); d.Number != "2026-000003" {
		t.Errorf("after a refusal the next number is %s", d.Number)
	}
}

func TestConcurrentIssuingHasNoGapNorDuplicate(t *testing.T) {
	p, h := billingPractice(t)
	const workers, each = 16, 12
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[string]bool{}
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			for i := 0; i < each; i++ {
				n, err := p.IssueNote(context.Background(), NoteRequest{PatientID: h.ID, Acts: []ActQty{{"C", 1}}, Date: "2026-03-01"})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[n.Number] {
					t.Errorf("duplicate number %s", n.Number)
				}
				seen[n.Number] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for i := 1; i <= workers*each; i++ {
		if n := billing.FormatNumber("", 2026, i); !seen[n] {
			t.Errorf("gap: %s never issued", n)
		}
	}
	notes, err := p.Notes(context.Background(), NoteFilter{Year: 2026})
	if err != nil || len(notes) != workers*each {
		t.Fatalf("Notes: %d, %v", len(notes), err)
	}
}

func TestIssuedNoteCannotBeChanged(t *testing.T) {
	p, h := billingPractice(t)
	ctx := context.Background()
	draft, err := p.SaveDraft(ctx, NoteRequest{PatientID: h.ID, Acts: []ActQty{{"C", 1}}, Date: "2026-02-01"}, "")
	if err != nil || draft.Issued() {
		t.Fatalf("draft: %+v, %v", draft, err)
	}
	// A draft can change and has no number.
	if draft, err = p.SaveDraft(ctx, NoteRequest{PatientID: h.ID, Acts: []ActQty{{"SEANCE", 1}}, Date: "2026-02-01"}, draft.ID); err != nil || draft.Total != 5500 {
		t.Fatalf("draft edit: %+v, %v", draft, err)
	}
	issued, err := p.IssueDraft(ctx, draft.ID)
	if err != nil || issued.Number != "2026-000001" {
		t.Fatalf("IssueDraft: %+v, %v", issued, err)
	}
	if _, err := p.SaveDraft(ctx, NoteRequest{PatientID: h.ID, Acts: []ActQty{{"C", 3}}, Date: "2026-02-01"}, issued.ID); !errors.Is(err, ErrImmutable) {
		t.Errorf("editing an issued note: %v", err)
	}
	if _, err := p.IssueDraft(ctx, issued.ID); !errors.Is(err, ErrImmutable) {
		t.Errorf("issuing twice: %v", err)
	}
	again, err := p.Note(ctx, issued.Number)
	if err != nil || again.Total != 5500 || again.Lines[0].Code != "SEANCE" {
		t.Errorf("issued note changed: %+v, %v", again, err)
	}
}

func TestPaymentsDeriveTheStatus(t *testing.T) {
	p, h := billingPractice(t)
	ctx := context.Background()
	n := issue(t, p, h.ID, "2026-04-01", ActQty{"SEANCE", 1})
	s, err := p.Pay(ctx, n.Number, 2000, billing.ThirdParty, "2026-04-10")
	if err != nil || s.Status != billing.Partly || s.Due != 3500 {
		t.Fatalf("after 20 €: %+v, %v", s.Status, err)
	}
	if _, err := p.Pay(ctx, n.Number, 3501, billing.Cash, "2026-04-11"); !errors.Is(err, ErrOverpayment) {
		t.Errorf("overpayment: %v", err)
	}
	if _, err := p.Pay(ctx, n.Number, 100, billing.Cash, "2026-03-01"); err == nil {
		t.Error("payment before the note accepted")
	}
	if s, err = p.Pay(ctx, n.Number, 3500, billing.Card, "2026-04-11"); err != nil || s.Status != billing.Paid || s.Due != 0 {
		t.Fatalf("after the rest: %+v, %v", s, err)
	}
	unpaid, _ := p.Notes(ctx, NoteFilter{Status: billing.Unpaid})
	if len(unpaid) != 0 {
		t.Errorf("a paid note is listed unpaid")
	}
}

func TestCreditNoteCancelsAndRestoresTheBalance(t *testing.T) {
	p, h := billingPractice(t)
	ctx := context.Background()
	n := issue(t, p, h.ID, "2026-05-02", ActQty{"C", 2})
	c, err := p.Cancel(ctx, n.Number, "Erreur de cotation", "2026-05-03")
	if err != nil {
		t.Fatal(err)
	}
	if c.Number != "2026-000002" || c.Kind != billing.Credit || c.CreditOf != n.Number || c.Total != -n.Total {
		t.Fatalf("credit note %+v", c)
	}
	s, _ := p.Note(ctx, n.Number)
	if s.Status != billing.Cancelled || s.CreditBy != c.Number || s.Due != 0 {
		t.Errorf("cancelled note state %+v", s)
	}
	var balance billing.Cents
	notes, _ := p.Notes(ctx, NoteFilter{PatientID: h.ID})
	for _, x := range notes {
		balance += x.Total - x.Paid
	}
	if balance != 0 {
		t.Errorf("patient balance after cancel = %s", balance)
	}
	if _, err := p.Cancel(ctx, n.Number, "encore", ""); !errors.Is(err, ErrAlreadyCancelled) {
		t.Errorf("second cancel: %v", err)
	}
	if _, err := p.Pay(ctx, n.Number, 100, billing.Cash, ""); !errors.Is(err, ErrAlreadyCancelled) {
		t.Errorf("pay a cancelled note: %v", err)
	}
	if _, err := p.Cancel(ctx, c.Number, "x", ""); !errors.Is(err, ErrCreditNote) {
		t.Errorf("cancel a credit note: %v", err)
	}
}

func TestIssuingNeedsKnownActsAndPatient(t *testing.T) {
	p := fresh(t)
	ctx := context.Background()
	h := add(t, p, helene())
	p.SaveAct(ctx, billing.Act{Code: "C", Label: "Consultation", Price: 2600})
	n, err := p.IssueNote(ctx, NoteRequest{PatientID: h.ID, Acts: []ActQty{{"C", 1}}})
	if err != nil || n.Number == "" {
		t.Fatalf("without practitioner details: %+v, %v", n, err)
	}
	if fr, _ := MissingMentions(n.Practitioner); len(fr) != 3 {
		t.Errorf("missing mentions = %v", fr)
	}
	p.SetPractitioner(ctx, billing.Practitioner{Name: "Dr X", Address: "1 rue Y", ADELI: "123456789"})
	if fr, _ := MissingMentions(billing.Practitioner{Name: "Dr X", Address: "1 rue Y", ADELI: "123456789"}); len(fr) != 0 {
		t.Errorf("complete details reported missing %v", fr)
	}
	if _, err := p.IssueNote(ctx, NoteRequest{PatientID: h.ID, Acts: []ActQty{{"ZZ", 1}}}); err == nil || !strings.Contains(err.Error(), "ZZ") {
		t.Errorf("unknown act: %v", err)
	}
	if _, err := p.IssueNote(ctx, NoteRequest{PatientID: "00000000000000000000000000000000", Acts: []ActQty{{"C", 1}}}); !errors.Is(err, ErrPatientNotFound) {
		t.Errorf("unknown patient: %v", err)
	}
	if err := p.SaveAct(ctx, billing.Act{Code: "bad code!", Label: "", Price: -1}); err == nil {
		t.Error("invalid act accepted")
	}
}

func TestFECBalancesAndMatchesTheYearsPayments(t *testing.T) {
	p, h := billingPractice(t)
	ctx := context.Background()
	var want billing.Cents
	methods := billing.Methods
	for i := 0; i < 30; i++ {
		date := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i*11).Format(time.DateOnly)
		n := issue(t, p, h.ID, date, ActQty{"SEANCE", 1 + i%2})
		if i%5 == 4 {
			continue // unpaid
		}
		amount := n.Total
		if i%3 == 0 {
			amount = 2000 // partly paid
		}
		if _, err := p.Pay(ctx, n.Number, amount, methods[i%len(methods)], date); err != nil {
			t.Fatal(err)
		}
		want += amount
	}
	// A payment of another year stays out.
	late := issue(t, p, h.ID, "2027-01-03")
	p.Pay(ctx, late.Number, late.Total, billing.Cash, "2027-01-03")

	dir := t.TempDir()
	path, n, err := p.ExportFEC(ctx, 2026, "732829320", dir)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != "732829320FEC20261231.txt" || n != 24 {
		t.Fatalf("FEC %s with %d entries", path, n)
	}
	raw, _ := os.ReadFile(path)
	lines, err := billing.ParseFEC(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("FEC does not parse back: %v", err)
	}
	var debit, fees billing.Cents
	prev := ""
	for i, l := range lines {
		if len(l.Fields) != 22 {
			t.Fatalf("line %d has %d fields", i, len(l.Fields))
		}
		if l.Fields[4] == billing.AccountFees {
			fees += l.Credit
		} else {
			debit += l.Debit
		}
		if l.Fields[2] != fmt.Sprint(i/2+1) {
			t.Fatalf("EcritureNum %s at line %d: not continuous", l.Fields[2], i)
		}
		if l.Fields[3] < prev {
			t.Fatalf("entries out of date order at line %d", i)
		}
		prev = l.Fields[3]
		if strings.Contains(string(raw), "Hélène") || strings.Contains(string(raw), "DUPONT") {
			t.Fatal("the FEC names the patient")
		}
	}
	if debit != want || fees != want {
		t.Errorf("FEC totals debit %s fees %s, payments %s", debit, fees, want)
	}
	if _, _, err := p.ExportFEC(ctx, 2026, "732829321", dir); err == nil {
		t.Error("a SIREN with a wrong key is accepted")
	}
	// The export is in the audit journal.
	found := false
	p.AuditEntries(func(e store.AuditEntry) error {
		if e.Action == "export.fec" {
			found = true
		}
		return nil
	})
	if !found {
		t.Error("FEC export not audited")
	}
}

func TestRecettesHasDailyAndMonthlyTotals(t *testing.T) {
	p, h := billingPractice(t)
	ctx := context.Background()
	for _, d := range []string{"2026-01-10", "2026-01-10", "2026-02-03"} {
		n := issue(t, p, h.ID, d)
		p.Pay(ctx, n.Number, n.Total, billing.Cheque, d)
	}
	out := filepath.Join(t.TempDir(), "recettes.csv")
	if _, err := p.ExportRecettes(ctx, 2026, out, false); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(out)
	s := string(raw)
	for _, want := range []string{"Total du 10/01/2026;;;60,00;", "Total du mois 01/2026;;;60,00;", "Total du mois 02/2026;;;30,00;", "Total;;;90,00;", "Chèque"} {
		if !strings.Contains(s, want) {
			t.Errorf("recettes lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "Hélène") {
		t.Error("patient named without asking")
	}
	if _, err := p.ExportRecettes(ctx, 2026, out, true); err != nil {
		t.Fatal(err)
	}
	if raw, _ := os.ReadFile(out); !strings.Contains(string(raw), "DUPONT-LEFÈVRE Hélène") {
		t.Error("names asked but not written")
	}
}

func TestExportToAMissingFolderSaysSoAndLeavesNothing(t *testing.T) {
	p, _ := billingPractice(t)
	_, err := p.ExportRecettes(context.Background(), 2026, filepath.Join(t.TempDir(), "nope", "r.csv"), false)
	if err == nil || !strings.Contains(err.Error(), "check the folder") {
		t.Fatalf("export into a missing folder: %v", err)
	}
}

// TestNumberingSurvivesACrash kills a process that issues notes in a loop
// and checks that the series it leaves is continuous.
func TestNumberingSurvivesACrash(t *testing.T) {
	if dir := os.Getenv("CABINET_TEST_ISSUE_LOOP"); dir != "" {
		issueLoop(dir)
		return
	}
	p, h := billingPractice(t)
	dir := p.Dir()
	p.Close()
	for round := 0; round < 3; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestNumberingSurvivesACrash$")
		cmd.Env = append(os.Environ(), "CABINET_TEST_ISSUE_LOOP="+dir, "CABINET_TEST_PATIENT="+h.ID)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		twenty := make(chan struct{})
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if sc.Text() == "issued 20" {
					close(twenty)
				}
			}
		}()
		select {
		case <-twenty:
		case <-time.After(20 * time.Second):
			t.Error("the child did not issue 20 notes in 20 s")
		}
		cmd.Process.Kill() // SIGKILL: no cleanup, mid-transaction or not
		cmd.Wait()
	}
	p = reopen(t, dir)
	notes, err := p.Notes(context.Background(), NoteFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) < 60 {
		t.Fatalf("only %d notes after three runs", len(notes))
	}
	for i, n := range notes {
		if want := billing.FormatNumber("", 2026, i+1); n.Number != want {
			t.Fatalf("note %d is %s, want %s: gap or duplicate", i, n.Number, want)
		}
	}
	if rep, err := p.VerifyAudit(); err != nil || rep.Break != nil {
		t.Fatalf("audit after crashes: %+v %v", rep.Break, err)
	}
	if n := issue(t, p, notes[0].PatientID, "2026-06-01"); n.Number != billing.FormatNumber("", 2026, len(notes)+1) {
		t.Errorf("next number after crashes: %s", n.Number)
	}
}

func issueLoop(dir string) {
	signal.Ignore(os.Interrupt)
	p, err := Open(dir, opts())
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	if err := p.Unlock(pass); err != nil {
		fmt.Println("unlock:", err)
		os.Exit(1)
	}
	for i := 1; ; i++ {
		if _, err := p.IssueNote(context.Background(), NoteRequest{PatientID: os.Getenv("CABINET_TEST_PATIENT"),
			Acts: []ActQty{{"C", 1}}, Date: "2026-06-01"}); err != nil {
			fmt.Println("issue:", err)
			os.Exit(1)
		}
		fmt.Printf("issued %d\n", i)
	}
}

func TestUnpaidRemindersAndYearlySummary(t *testing.T) {
	p, h := billingPractice(t)
	ctx := context.Background()
	p.now = func() time.Time { return time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC) }
	old := issue(t, p, h.ID, "2026-01-15")
	partly := issue(t, p, h.ID, "2026-02-20", ActQty{"SEANCE", 1})
	paid := issue(t, p, h.ID, "2026-03-01")
	p.Pay(ctx, partly.Number, 1500, billing.Cheque, "2026-02-20")
	p.Pay(ctx, paid.Number, paid.Total, billing.Cash, "2026-03-01")
	list, err := p.Unpaid(ctx)
	if err != nil || len(list) != 2 || list[0].Number != old.Number || list[0].Days != 75 || list[1].Due != 4000 {
		t.Fatalf("Unpaid = %+v, %v", list, err)
	}
	dir := t.TempDir()
	if err := p.ReminderPDF(ctx, paid.Number, filepath.Join(dir, "r.pdf")); err == nil {
		t.Error("reminder for a paid note")
	}
	if err := p.ReminderPDF(ctx, old.Number, filepath.Join(dir, "r.pdf")); err != nil {
		t.Fatal(err)
	}
	s, err := p.ExportSummary(ctx, 2026, filepath.Join(dir, "s.pdf"))
	if err != nil || s.Total != 1500+paid.Total || s.ByMonth[1] != 1500 || s.ByMethod[billing.Cash] != paid.Total || s.Count != 2 {
		t.Fatalf("summary %+v, %v", s, err)
	}
	if raw, _ := os.ReadFile(filepath.Join(dir, "s.pdf")); !bytes.HasPrefix(raw, []byte("%PDF")) {
		t.Error("summary is not a PDF")
	}
}

func TestActivityPerMonthAndAnonymisedCSV(t *testing.T) {
	p, h := billingPractice(t)
	ctx := context.Background()
	p.now = func() time.Time { return time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC) }
	for i := 0; i < 6; i++ {
		p.SaveConsultation(ctx, patient.Consultation{PatientID: h.ID, Date: time.Date(2026, 2, 1+i, 9, 0, 0, 0, time.UTC), Reason: "x"})
	}
	p.SaveConsultation(ctx, patient.Consultation{PatientID: h.ID, Date: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), Reason: "x"})
	n := issue(t, p, h.ID, "2026-03-02")
	p.Pay(ctx, n.Number, n.Total, billing.Cash, "2026-03-02")
	ms, err := p.Activity(ctx, 3)
	if err != nil || len(ms) != 3 || ms[0].Month != "2026-01" || ms[1].Visits != 6 || ms[2].Visits != 1 || ms[2].Revenue != n.Total {
		t.Fatalf("activity %+v %v", ms, err)
	}
	var b bytes.Buffer
	WriteActivityCSV(&b, ms)
	s := b.String()
	if !strings.Contains(s, "2026-02;6;") || !strings.Contains(s, "2026-03;<5;") || strings.Contains(s, "Hélène") || strings.Contains(s, h.ID) {
		t.Errorf("csv:\n%s", s)
	}
}
