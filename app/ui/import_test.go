package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImportCSVWithOneBadRowThenFixed(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{})
	unlock(t, u, pass)
	m := u.main
	dir := t.TempDir()
	path := filepath.Join(dir, "patients.csv")
	os.WriteFile(path, []byte("Nom;Prénom;Né(e) le;Portable\nLeroy;Anne;03/04/1980;06 11 22 33 44\nRoux;Paul;31/02/1975;\n"), 0o600)
	m.openImport(path)
	f := m.imp
	if f == nil {
		t.Fatal("no import form")
	}
	// "Né(e) le" is not recognised: the date is missing on every row.
	if !f.run.Disabled() || !strings.Contains(f.report.Text, "2 ligne(s) sur 2") {
		t.Fatalf("report before mapping: %q", f.report.Text)
	}
	f.selects["birth_date"].SetSelected("Né(e) le")
	f.selects["phone"].SetSelected("Portable")
	if !f.run.Disabled() || !strings.Contains(f.report.Text, "ligne 3") {
		t.Fatalf("bad row not reported: %q", f.report.Text)
	}
	before := p.PatientCount()
	// The practitioner fixes the file and opens it again.
	os.WriteFile(path, []byte("Nom;Prénom;Né(e) le;Portable\nLeroy;Anne;03/04/1980;06 11 22 33 44\nRoux;Paul;28/02/1975;\n"), 0o600)
	m.openImport(path)
	f = m.imp
	f.selects["birth_date"].SetSelected("Né(e) le")
	f.selects["phone"].SetSelected("Portable")
	if f.run.Disabled() {
		t.Fatalf("clean file refused: %q", f.report.Text)
	}
	f.run.OnTapped()
	if p.PatientCount() != before+2 || !strings.Contains(f.report.Text, "2 patient(s) importés") {
		t.Fatalf("import: %d patients, %q", p.PatientCount(), f.report.Text)
	}
	if id := search(t, u, "0611"); id == "" {
		t.Error("imported patient not searchable by phone")
	}
}

func TestImportVCard(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{})
	unlock(t, u, pass)
	path := filepath.Join(t.TempDir(), "contacts.vcf")
	os.WriteFile(path, []byte("BEGIN:VCARD\nVERSION:3.0\nN:Garnier;Luc;;;\nBDAY:1965-07-21\nEND:VCARD\n"), 0o600)
	u.main.openImport(path)
	f := u.main.imp
	if f == nil || f.run.Disabled() {
		t.Fatalf("vcard: %+v", f)
	}
	f.run.OnTapped()
	if search(t, u, "garnier") == "" {
		t.Error("vCard contact not imported")
	}
}
