package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestBillingFromTheCommandLine(t *testing.T) {
	vault, pf, id := vaultWithPatient(t)
	v := []string{"--vault", vault, "--passphrase-file", pf}
	run := func(args ...string) string {
		t.Helper()
		out, errs, code := cabinet(t, "", append(args, v...)...)
		if code != 0 {
			t.Fatalf("cabinet %v: %s", args, errs)
		}
		return strings.TrimSpace(out)
	}
	run("settings", "--name", "Dr Claire Martin", "--address", `3 rue des Lilas\n69003 Lyon`, "--rpps", "10001234567", "--place", "Lyon")
	run("act", "add", "--code", "C", "--label", "Consultation", "--price", "2600")
	n1 := run("invoice", "issue", "--patient", id, "--act", "C", "--date", "2024-06-03")
	n2 := run("invoice", "issue", "--patient", id, "--act", "C:2", "--date", "2024-06-10")
	if n1 != "2024-000001" || n2 != "2024-000002" {
		t.Fatalf("numbers %q %q", n1, n2)
	}
	// Flags after the positional argument.
	run("invoice", "pay", n1, "--amount", "2600", "--method", "cheque", "--date", "2024-06-03")
	run("invoice", "pay", n2, "--amount", "2000", "--method", "transfer", "--date", "2024-06-12")
	if _, errs, code := cabinet(t, "", append([]string{"invoice", "pay", n2, "--amount", "99999", "--method", "cash"}, v...)...); code == 0 || !strings.Contains(errs, "reste dû") {
		t.Errorf("overpayment: code %d, %q", code, errs)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(run("invoice", "list", "--year", "2024", "--json")), &list); err != nil || len(list) != 2 {
		t.Fatalf("invoice list --json: %v (%d)", err, len(list))
	}
	if list[0]["status"] != "paid" || list[1]["status"] != "partly-paid" {
		t.Errorf("statuses %v %v", list[0]["status"], list[1]["status"])
	}
	credit := run("invoice", "cancel", n2, "--reason", "Erreur de cotation", "--date", "2024-06-15")
	if credit != "2024-000003" {
		t.Errorf("credit note number %q", credit)
	}
	dir := t.TempDir()
	pdf := filepath.Join(dir, "n1.pdf")
	run("invoice", "pdf", n1, "--out", pdf, "--receipt")
	text, err := exec.Command("pdftotext", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext (poppler-utils, installed by packaging/deps.sh --gui-test) cannot read the PDF: %v", err)
	}
	for _, want := range []string{"Note", "2024-000001", "Dr Claire Martin", "RPPS", "10001234567", "DUPONT-LEFÈVRE Hélène",
		"Exonération de TVA, article 261-4-1° du CGI", "Consultation", "26,00", "Pour acquit", "Lyon"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("PDF text lacks %q:\n%s", want, text)
		}
	}
	fecDir := filepath.Join(dir, "fec")
	os.Mkdir(fecDir, 0o700)
	path := run("export", "fec", "--year", "2024", "--siren", "404833048", "--out", fecDir)
	if filepath.Base(path) != "404833048FEC20241231.txt" {
		t.Errorf("FEC path %q", path)
	}
	raw, _ := os.ReadFile(path)
	if lines := strings.Split(strings.TrimSpace(string(raw)), "\r\n"); len(lines) != 5 {
		t.Errorf("FEC has %d lines, want header + 2 entries of 2 lines", len(lines))
	}
	run("export", "recettes", "--year", "2024", "--out", filepath.Join(dir, "r.csv"))
	if _, errs, code := cabinet(t, "", append([]string{"invoice", "pdf", "2024-999999", "--out", pdf}, v...)...); code == 0 || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
		t.Errorf("unknown number: code %d, %q", code, errs)
	}
}
