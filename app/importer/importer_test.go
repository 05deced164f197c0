package importer

import (
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func TestCSVFromASpreadsheetWithOneBadRow(t *testing.T) {
	in := "\xef\xbb\xbfNom;Prénom;Date de naissance;Sexe;NIR;Téléphone;Ville\n" +
		"Dupont-Lefèvre;Hélène;14/09/1972;F;2 72 09 75 108 001 77;01 02 03 04 05;Paris\n" +
		"Martin;Jean;1950-01-02;M;;;Lyon\n" +
		"Durand;Zoé;31/02/1990;F;;;Nice\n\n"
	tab, err := ReadCSV(strings.NewReader(in))
	if err != nil || len(tab.Rows) != 3 {
		t.Fatalf("%v %+v", err, tab)
	}
	m := Guess(tab.Header)
	if m["birth_name"] != 0 || m["first_names"] != 1 || m["birth_date"] != 2 || m["sex"] != 3 || m["nir"] != 4 || m["phone"] != 5 || m["email"] != -1 {
		t.Fatalf("guess %v", m)
	}
	rows := Rows(tab, m, now)
	if Errors(rows) != 1 || rows[2].Err == nil || rows[2].Line != 4 || !strings.Contains(rows[2].Err.Error(), "birth") {
		t.Fatalf("rows %+v", rows)
	}
	if rows[0].Patient.NIR != "272097510800177" || rows[0].Patient.BirthDate != "1972-09-14" || rows[0].Patient.Sex != "F" {
		t.Errorf("row 1 %+v", rows[0].Patient)
	}
}

func TestCSVCommaSeparatedWindows1252(t *testing.T) {
	in := []byte("last name,first name,dob\nL\xe9vy,No\xebl,02/03/1980\n")
	tab, err := ReadCSV(strings.NewReader(string(in)))
	if err != nil {
		t.Fatal(err)
	}
	rows := Rows(tab, Guess(tab.Header), now)
	if Errors(rows) != 0 || rows[0].Patient.BirthName != "Lévy" || rows[0].Patient.FirstNames != "Noël" {
		t.Errorf("%+v", rows)
	}
}

func TestVCards(t *testing.T) {
	in := "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Dupont;Hélène;Marie;;\r\nFN:Hélène Dupont\r\nBDAY:1972-09-14\r\nTEL;TYPE=CELL:06 12 34 56 78\r\nEMAIL:h@example.fr\r\nADR;TYPE=HOME:;;3 rue des Lilas;Lyon;;69003;France\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Jean Martin\r\nBDAY:19500102\r\nGENDER:M\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nFN:Sans Date\r\nEND:VCARD\r\n"
	rows, err := ReadVCards(strings.NewReader(in), now)
	if err != nil || len(rows) != 3 {
		t.Fatalf("%v %+v", err, rows)
	}
	h := rows[0].Patient
	if h.BirthName != "Dupont" || h.FirstNames != "Hélène Marie" || h.Phone != "06 12 34 56 78" || !strings.Contains(h.Address, "3 rue des Lilas") || rows[0].Err != nil {
		t.Errorf("vcard 1 %+v %v", h, rows[0].Err)
	}
	if j := rows[1].Patient; j.BirthName != "Martin" || j.BirthDate != "1950-01-02" || j.Sex != "M" || rows[1].Err != nil {
		t.Errorf("vcard 2 %+v %v", j, rows[1].Err)
	}
	if rows[2].Err == nil {
		t.Error("contact without birth date accepted")
	}
	if _, err := ReadVCards(strings.NewReader("hello"), now); err == nil {
		t.Error("not a vCard accepted")
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add("Nom;Prénom\nA;B\n")
	f.Add("a,b\n\"x\ny\",z\n")
	f.Fuzz(func(t *testing.T, s string) {
		tab, err := ReadCSV(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, r := range Rows(tab, Guess(tab.Header), now) {
			if r.Err == nil && (r.Patient.BirthName == "" || r.Patient.FirstNames == "") {
				t.Fatalf("row accepted without a name: %+v", r.Patient)
			}
		}
	})
}

func FuzzReadVCards(f *testing.F) {
	f.Add("BEGIN:VCARD\nN:A;B\nBDAY:2000-01-01\nEND:VCARD\n")
	f.Fuzz(func(t *testing.T, s string) {
		rows, err := ReadVCards(strings.NewReader(s), now)
		if err != nil {
			return
		}
		for _, r := range rows {
			if r.Err == nil && r.Patient.BirthName == "" {
				t.Fatalf("contact accepted without a name: %+v", r.Patient)
			}
		}
	})
}
