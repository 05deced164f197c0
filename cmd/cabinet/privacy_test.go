package main

import (
	"archive/zip"
	"encoding/json"
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
