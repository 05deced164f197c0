package main

import (
	"archive/zip"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestPrivacyFromTheCommandLine(t *testing.T) {
	vault, pf, id := vaultWithPatient(t)
	v := []string{"--vault", vault, "--passphrase-file", pf}
	run := func(args ...string) (string, string, int) {
		t.Helper()
		return cabinet(t, "", append(args, v...)...)
	}
	dir := t.TempDir()
	zipPath := filepath.Join(dir, "p.zip")
	if _, errs, code := run("export", "patient", id, "--out", zipPath); code != 0 {
		t.Fatalf("export patient: %s", errs)
	}
	z, err := zip.OpenReader(zipPath)
	if err != nil || len(z.File) != 4 {
		t.Fatalf("zip: %v", err)
	}
	z.Close()
	out, errs, code := run("rights", "open", "--patient", id, "--kind", "access", "--received", "2026-01-31")
	if code != 0 || !strings.Contains(errs, "2026-02-28") {
		t.Fatalf("rights open: %q %q", out, errs)
	}
	out, _, _ = run("rights", "list", "--json")
	var list []map[string]any
	if json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0]["due"] != "2026-02-28" {
		t.Fatalf("rights list: %s", out)
	}
	if _, errs, code := run("rights", "open", "--patient", id, "--kind", "whatever"); code == 0 || !strings.Contains(errs, "Type de demande inconnu") {
		t.Errorf("unknown kind: %q", errs)
	}
	reg := filepath.Join(dir, "register.pdf")
	if _, errs, code := run("register", "--out", reg); code != 0 {
		t.Fatalf("register: %s", errs)
	}
	text, err := exec.Command("pdftotext", reg, "-").Output()
	if err != nil || !strings.Contains(string(text), "Registre des activités de traitement") || !strings.Contains(string(text), "Mesures de sécurité") {
		t.Errorf("register PDF: %v\n%s", err, text)
	}
	if out, _, code := run("retention", "run", "--dry-run"); code != 0 || !strings.Contains(out, "0 dossier(s) seraient archivés") {
		t.Errorf("retention dry run: %q", out)
	}
	// Erasure asks for confirmation when not told --yes.
	if _, errs, code := run("erase", "--patient", id); code == 0 || !strings.Contains(errs, "--yes") {
		t.Errorf("erase without --yes: %q", errs)
	}
	if _, errs, code := run("erase", "--patient", id, "--yes"); code != 0 || !strings.Contains(errs, "Sera conservé") {
		t.Fatalf("erase: %q", errs)
	}
	if out, _, _ := run("patient", "search", "dupont"); strings.Contains(out, "Hélène") {
		t.Error("erased patient still found")
	}
}

func TestImportCSVAllOrNothing(t *testing.T) {
	vault, pf, _ := vaultWithPatient(t)
	v := []string{"--vault", vault, "--passphrase-file", pf}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("Nom;Prénom;Naissance\nMartin;Jean;02/01/1950\nDurand;Zoé;31/02/1990\n"), 0o600)
	_, errs, code := cabinet(t, "", append([]string{"import", "csv", bad}, v...)...)
	if code == 0 || !strings.Contains(errs, "ligne 3") || !strings.Contains(errs, "rien n'a été importé") {
		t.Fatalf("bad row: %d %q", code, errs)
	}
	if out, _, _ := cabinet(t, "", append([]string{"patient", "search", "martin"}, v...)...); strings.Contains(out, "MARTIN") {
		t.Fatal("half an import happened")
	}
	good := filepath.Join(dir, "good.csv")
	os.WriteFile(good, []byte("Nom;Prénom;Naissance;Portable\nMartin;Jean;02/01/1950;06 11 22 33 44\nDurand;Zoé;28/02/1990;\n"), 0o600)
	if out, errs, code := cabinet(t, "", append([]string{"import", "csv", good, "--map", "phone=Portable", "--dry-run"}, v...)...); code != 0 || !strings.Contains(out, "2 patient(s) prêts") {
		t.Fatalf("dry run: %q %q", out, errs)
	}
	if out, errs, code := cabinet(t, "", append([]string{"import", "csv", good, "--map", "phone=Portable"}, v...)...); code != 0 || !strings.Contains(out, "2 patient(s) importés") {
		t.Fatalf("import: %q %q", out, errs)
	}
	if out, _, _ := cabinet(t, "", append([]string{"patient", "search", "0611"}, v...)...); !strings.Contains(out, "MARTIN Jean") {
		t.Errorf("imported phone not searchable: %q", out)
	}
}

func TestBreachRetentionPolicyAndConsentHistory(t *testing.T) {
	vault, pf, id := vaultWithPatient(t)
	v := []string{"--vault", vault, "--passphrase-file", pf}
	run := func(args ...string) (string, string, int) { return cabinet(t, "", append(args, v...)...) }
	out, errs, code := run("breach", "add", "--what", "Clé USB perdue", "--risk", "medium", "--from", "2000-01-01T00:00")
	if code != 0 || !strings.Contains(errs, "1 patient(s) concerné(s)") || !strings.Contains(errs, "pour notifier la CNIL") {
		t.Fatalf("breach add: %q %q", out, errs)
	}
	if out, _, code := run("breach", "notify", strings.TrimSpace(out), "--cnil"); code != 0 || !strings.Contains(out, "notifié") {
		t.Errorf("notify: %q", out)
	}
	if out, _, _ := run("breach", "list", "--json"); !strings.Contains(out, id) {
		t.Errorf("breach list lacks the patient: %s", out)
	}
	if _, errs, code := run("retention", "policy", "--set", "invoices=60"); code != 0 || !strings.Contains(errs, "sous le minimum") {
		t.Errorf("policy under the legal minimum not warned: %q", errs)
	}
	if out, _, _ := run("retention", "policy"); !strings.Contains(out, "invoices         60") && !strings.Contains(out, "invoices") {
		t.Errorf("policy: %q", out)
	}
	pdf := filepath.Join(t.TempDir(), "c.pdf")
	run("consent", "--patient", id, "--purpose", "email", "--decision", "given")
	run("consent", "--patient", id, "--purpose", "email", "--decision", "withdrawn")
	if _, errs, code := run("consent-history", "--patient", id, "--out", pdf); code != 0 {
		t.Fatalf("consent-history: %q", errs)
	}
	text, err := exec.Command("pdftotext", pdf, "-").Output()
	if err != nil || !strings.Contains(string(text), "retiré") || !strings.Contains(string(text), "donné") {
		t.Errorf("consent PDF: %v\n%s", err, text)
	}
}
