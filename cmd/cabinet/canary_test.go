package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCanariesNeverLeakInClear plants recognisable values in every kind of
// field, runs the workflows that write files (import, consultation, notes,
// documents, backup, restore, exports that stay sealed), then scans the
// vault folders, the backups and the temporary folder, and every error
// message, for the canaries in clear.
func TestCanariesNeverLeakInClear(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // every temporary file of the run lands here
	canaries := []string{"Zyxwortcanary", "Quillonetta", "272097510800177", "canary.mail@example.net", "0612345987", "Dysplasie-canari", "Remarque-canari"}
	dir := t.TempDir()
	vault := filepath.Join(dir, "v")
	pf := filepath.Join(dir, "pass")
	os.WriteFile(pf, []byte(testPass+"\n"), 0o600)
	v := []string{"--vault", vault, "--passphrase-file", pf}
	var stderr bytes.Buffer
	run := func(args ...string) string {
		t.Helper()
		out, errs, _ := cabinet(t, "", append(args, v...)...)
		stderr.WriteString(errs)
		return strings.TrimSpace(out)
	}
	run("init")
	id := run("patient", "add", "--last-name", "Zyxwortcanary", "--first-name", "Quillonetta", "--birth-date", "1972-09-14", "--sex", "F",
		"--nir", "272097510800177", "--email", "canary.mail@example.net", "--phone", "0612345987")
	id = id[strings.LastIndex(id, "\n")+1:]
	run("consultation", "add", "--patient", id, "--reason", "Dysplasie-canari", "--notes", "Remarque-canari")
	csv := filepath.Join(dir, "p.csv")
	os.WriteFile(csv, []byte("Nom;Prénom;Naissance;Notes\nZyxwortcanary;Bis;01/01/1990;Remarque-canari\n"), 0o600)
	run("import", "csv", csv)
	os.Remove(csv)
	run("settings", "--name", "Dr Test")
	run("act", "add", "--code", "C", "--label", "Consultation", "--price", "2600")
	run("invoice", "issue", "--patient", id, "--act", "C", "--date", "2026-01-05")
	run("backup", "--out", filepath.Join(vault, "backups", "b.vault"))
	run("restore", "--vault", filepath.Join(dir, "restored"), "--from", filepath.Join(vault, "backups", "b.vault"))
	run("audit", "verify")
	// Failing commands must not echo patient data either.
	run("patient", "edit", id, "--nir", "272097510800178")
	run("invoice", "issue", "--patient", id, "--act", "NOPE")
	run("patient", "add", "--last-name", "Zyxwortcanary", "--first-name", "Quillonetta", "--birth-date", "31/02/1972")

	scan := func(root string) {
		filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return nil
			}
			raw, _ := os.ReadFile(path)
			for _, c := range canaries {
				if bytes.Contains(raw, []byte(c)) {
					t.Errorf("%s holds %q in clear", path, c)
				}
			}
			return nil
		})
	}
	scan(vault)
	scan(filepath.Join(dir, "restored"))
	scan(tmp)
	for _, c := range canaries {
		if strings.Contains(stderr.String(), c) {
			t.Errorf("an error message shows %q:\n%s", c, stderr.String())
		}
	}
	if stderr.Len() == 0 {
		t.Error("the failing commands said nothing: the scan of messages proves nothing")
	}
}

func TestKeyFileSecondFactorFromTheCommandLine(t *testing.T) {
	vault, pf, _ := vaultWithPatient(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "usb", "cabinet.key")
	os.MkdirAll(filepath.Dir(key), 0o700)
	v := []string{"--vault", vault, "--passphrase-file", pf}
	if _, errs, code := cabinet(t, "", "keyfile", "create", "--out", key); code != 0 {
		t.Fatalf("create: %s", errs)
	}
	if _, errs, code := cabinet(t, "", "keyfile", "create", "--out", key); code == 0 || !strings.Contains(errs, "never overwritten") {
		t.Errorf("overwrote a key file: %q", errs)
	}
	if _, errs, code := cabinet(t, "", append([]string{"keyfile", "set", "--file", key}, v...)...); code != 0 {
		t.Fatalf("set: %s", errs)
	}
	if _, errs, code := cabinet(t, "", append([]string{"patient", "search", "dupont"}, v...)...); code == 0 || !strings.Contains(errs, "fichier clé") {
		t.Errorf("passphrase alone opened the vault: %q", errs)
	}
	if out, errs, code := cabinet(t, "", append([]string{"patient", "search", "dupont", "--key-file", key}, v...)...); code != 0 || !strings.Contains(out, "Hélène") {
		t.Fatalf("passphrase + key file: %q %q", out, errs)
	}
	if _, errs, code := cabinet(t, "", append([]string{"keyfile", "remove", "--key-file", key}, v...)...); code != 0 {
		t.Fatalf("remove: %s", errs)
	}
	if _, errs, code := cabinet(t, "", append([]string{"patient", "search", "dupont"}, v...)...); code != 0 {
		t.Errorf("after removal: %q", errs)
	}
}
