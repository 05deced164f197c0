package ui

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/cabinet-sante/cabinet/app/billing"
)

func TestInvoicingFromSettingsToExports(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{})
	unlock(t, u, pass)
	m := u.main

	// Settings: practitioner details and one act.
	s := m.settings
	s.fields["name"].SetText("Dr Claire Martin")
	s.fields["address"].SetText("3 rue des Lilas\n69003 Lyon")
	s.fields["rpps"].SetText("10001234567")
	test.Tap(s.saveBtn)
	if s.status.Text != "Enregistré." {
		t.Fatalf("practitioner not saved: %q", s.status.Text)
	}
	s.code.SetText("seance")
	s.label.SetText("Séance")
	s.price.SetText("55,5")
	test.Tap(s.addAct)
	if len(s.acts) != 1 || s.acts[0].Code != "SEANCE" || s.acts[0].Price != 5550 {
		t.Fatalf("act not saved: %+v (%q)", s.acts, s.actStatus.Text)
	}
	s.price.SetText("abc")
	test.Tap(s.addAct)
	if !strings.Contains(s.actStatus.Text, "Prix invalide") {
		t.Errorf("bad price: %q", s.actStatus.Text)
	}

	// A note from Hélène's record.
	test.Type(m.search, "helene")
	m.list.Select(0)
	f, err := newIssueForm(u, m.record.patient.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.qty[0].SetText("2")
	if f.total.Text != "Total : 111,00\u00a0€" {
		t.Errorf("form total %q", f.total.Text)
	}
	n, err := f.issue()
	year := time.Now().Year()
	if err != nil || n.Number != billing.FormatNumber("", year, 1) || n.Total != 11100 {
		t.Fatalf("issued %+v, %v", n, err)
	}
	m.open(m.record.patient.ID)
	if shown := texts(u); !strings.Contains(shown, "Notes d'honoraires (1)") || !strings.Contains(shown, "Reste dû : 111,00") {
		t.Errorf("record does not show the note:\n%s", shown)
	}

	// Pay part of it, then cancel it, from the invoices tab.
	v := m.invoices
	v.refresh()
	if len(v.notes) != 1 {
		t.Fatalf("invoices tab lists %d notes", len(v.notes))
	}
	v.list.Select(0)
	if v.payBtn.Disabled() || !v.receiptBtn.Disabled() {
		t.Error("pay should be possible, receipt not")
	}
	if err := v.pay(n.Number, "100", billing.Cheque, time.Now().Format("02/01/2006")); err != nil {
		t.Fatal(err)
	}
	if got := v.notes[0]; got.Status != billing.Partly || got.Due != 1100 {
		t.Fatalf("after paying 100 €: %+v", got)
	}
	if err := v.pay(n.Number, "20", billing.Cash, ""); err == nil {
		t.Error("an overpayment (or a missing date) was accepted")
	}
	if _, err := v.cancel(n.Number, ""); err == nil || !strings.Contains(err.Error(), "motif") {
		t.Errorf("cancel without a reason: %v", err)
	}
	c, err := v.cancel(n.Number, "Erreur")
	if err != nil || c.Number != billing.FormatNumber("", year, 2) {
		t.Fatalf("credit note %+v, %v", c, err)
	}
	if len(v.notes) != 2 || v.notes[1].Status != billing.Cancelled || v.notes[0].Status != billing.Refund {
		t.Fatalf("after cancel: %+v", v.notes)
	}
	dir := t.TempDir()
	pdf := filepath.Join(dir, "n.pdf")
	if err := v.writeDoc("note", n.Number, pdf); err != nil {
		t.Fatal(err)
	}
	if raw, _ := os.ReadFile(pdf); !strings.HasPrefix(string(raw), "%PDF") {
		t.Error("note PDF not written")
	}

	// Exports of this year into a folder.
	e := m.exports
	e.year.SetSelected(strconv.Itoa(year))
	e.folder.SetText(dir)
	e.siren.SetText("12345678")
	e.run("fec")
	if !strings.Contains(e.result.Text, "SIREN invalide") {
		t.Errorf("bad SIREN: %q", e.result.Text)
	}
	e.siren.SetText("732829320")
	e.run("fec")
	if !strings.Contains(e.result.Text, "1 écritures") {
		t.Errorf("FEC result %q", e.result.Text)
	}
	e.run("recettes")
	e.run("summary")
	for _, name := range []string{"732829320FEC" + strconv.Itoa(year) + "1231.txt", "recettes-" + strconv.Itoa(year) + ".csv", "recettes-" + strconv.Itoa(year) + ".pdf"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("export %s missing: %v", name, err)
		}
	}
	e.folder.SetText(filepath.Join(dir, "nope"))
	e.run("fec")
	if !strings.Contains(e.result.Text, "dossier existant") {
		t.Errorf("missing folder: %q", e.result.Text)
	}
}

func TestNewNoteNeedsACatalogue(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{})
	unlock(t, u, pass)
	if _, err := newIssueForm(u, "x"); err == nil || !strings.Contains(err.Error(), "catalogue") {
		t.Errorf("empty catalogue: %v", err)
	}
}

func TestEurosAreReadAsTyped(t *testing.T) {
	for in, want := range map[string]billing.Cents{"30": 3000, "30,5": 3050, "30.50": 3050, "1 234,56 €": 123456, ",5": 50} {
		if got, err := parseEuros(in); err != nil || got != want {
			t.Errorf("parseEuros(%q) = %d, %v", in, got, err)
		}
	}
	for _, bad := range []string{"abc", "1,234", "-5", "1,2,3"} {
		if _, err := parseEuros(bad); err == nil {
			t.Errorf("parseEuros(%q) accepted", bad)
		}
	}
}

func TestActivityExportIsAnonymised(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{})
	unlock(t, u, pass)
	e := u.main.exports
	e.folder.SetText(t.TempDir())
	path := e.exportActivity()
	raw, err := os.ReadFile(path)
	if err != nil || !strings.HasPrefix(string(raw), "Mois;Consultations;Nouveaux patients;Recettes") {
		t.Fatalf("activity csv: %v %q", err, raw)
	}
	if strings.Contains(string(raw), "DUPONT") || strings.Contains(string(raw), ";2;") {
		t.Errorf("identifying or small counts in the export:\n%s", raw)
	}
}
