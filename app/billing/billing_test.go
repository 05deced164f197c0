package billing

import (
	"bytes"
	"strings"
	"testing"
)

func TestCentsAreWrittenTheFrenchWay(t *testing.T) {
	cases := map[Cents]string{0: "0,00", 5: "0,05", 2600: "26,00", 123456: "1234,56", -5500: "-55,00"}
	for c, want := range cases {
		if got := c.String(); got != want {
			t.Errorf("%d → %q, want %q", int64(c), got, want)
		}
		back, err := ParseCents(want)
		if err != nil || back != c {
			t.Errorf("ParseCents(%q) = %d, %v", want, back, err)
		}
	}
	if got := Cents(123456).Euros(); got != "1\u00a0234,56\u00a0€" {
		t.Errorf("Euros = %q", got)
	}
	for _, bad := range []string{"12", "12,5", "12.50", "a,00", ""} {
		if _, err := ParseCents(bad); err == nil {
			t.Errorf("ParseCents(%q) accepted", bad)
		}
	}
}

func TestNumbersRoundTrip(t *testing.T) {
	for _, c := range []struct {
		series    string
		year, seq int
		want      string
	}{{"", 2026, 1, "2026-000001"}, {"B", 2027, 123456, "B-2027-123456"}} {
		n := FormatNumber(c.series, c.year, c.seq)
		if n != c.want {
			t.Errorf("FormatNumber = %q, want %q", n, c.want)
		}
		s, y, q, ok := ParseNumber(n)
		if !ok || s != c.series || y != c.year || q != c.seq {
			t.Errorf("ParseNumber(%q) = %q %d %d %v", n, s, y, q, ok)
		}
	}
	for _, bad := range []string{"2026-1", "2026-000000", "b-2026-000001", "2026/000001", ""} {
		if _, _, _, ok := ParseNumber(bad); ok {
			t.Errorf("ParseNumber(%q) accepted", bad)
		}
	}
}

func TestSIRENKey(t *testing.T) {
	for _, ok := range []string{"732829320", "404833048", "542051180"} {
		if !ValidSIREN(ok) {
			t.Errorf("%s refused", ok)
		}
	}
	for _, bad := range []string{"732829321", "73282932", "7328293200", "73282932A"} {
		if ValidSIREN(bad) {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestParseFECRefusesUnbalancedOrShortLines(t *testing.T) {
	var b bytes.Buffer
	rs := []Receipt{{Payment: Payment{Number: "2026-000001", Date: "2026-01-02", Amount: 2600, Method: Cash}, NoteDate: "2026-01-02", PatientRef: "P-ABCD"}}
	if err := WriteFEC(&b, rs); err != nil {
		t.Fatal(err)
	}
	lines, err := ParseFEC(bytes.NewReader(b.Bytes()))
	if err != nil || len(lines) != 2 {
		t.Fatalf("ParseFEC: %d lines, %v", len(lines), err)
	}
	if lines[0].Fields[4] != AccountCash || lines[0].Debit != 2600 || lines[1].Fields[4] != AccountFees || lines[1].Credit != 2600 {
		t.Errorf("cash receipt lines: %+v", lines)
	}
	unbalanced := strings.Replace(b.String(), "|26,00|0,00|", "|26,01|0,00|", 1)
	if _, err := ParseFEC(strings.NewReader(unbalanced)); err == nil || !strings.Contains(err.Error(), "balance") {
		t.Errorf("unbalanced entry: %v", err)
	}
	short := strings.Replace(b.String(), "|P-ABCD", "", 1)
	if _, err := ParseFEC(strings.NewReader(short)); err == nil || !strings.Contains(err.Error(), "fields") {
		t.Errorf("short line: %v", err)
	}
}

func TestNoteValidation(t *testing.T) {
	n := Note{Kind: Invoice, PatientID: "x", Date: "2026-01-02", ServiceDate: "2026-01-03", Lines: []Line{{Code: "C", Qty: 0, Unit: 100}}}
	err := n.Validate()
	if err == nil || !strings.Contains(err.Error(), "after the note") || !strings.Contains(err.Error(), "quantity") {
		t.Errorf("Validate: %v", err)
	}
}

func TestRPPSAndADELIWarnings(t *testing.T) {
	if fr, _ := CheckRPPS("10003456789"); fr != "" && !strings.Contains(fr, "clé") {
		t.Errorf("RPPS: %q", fr)
	}
	if fr, _ := CheckRPPS("1000345678"); !strings.Contains(fr, "11 chiffres") {
		t.Errorf("short RPPS: %q", fr)
	}
	// A number with a valid Luhn key passes, one digit off is warned.
	good := "10000000009" // 1 + 9 = 10: Luhn-valid
	if !luhn(good) {
		t.Fatal("test number is not Luhn-valid")
	}
	if fr, _ := CheckRPPS(good); fr != "" {
		t.Errorf("valid RPPS warned: %q", fr)
	}
	if fr, _ := CheckRPPS("10000000008"); !strings.Contains(fr, "clé") {
		t.Errorf("bad key not warned: %q", fr)
	}
	if fr, _ := CheckADELI("12345678"); !strings.Contains(fr, "9 chiffres") {
		t.Errorf("ADELI: %q", fr)
	}
}
