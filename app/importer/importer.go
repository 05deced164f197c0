// Package importer reads patients from the files practitioners bring
// from elsewhere: CSV (any column order, a mapping chosen on screen or
// guessed from the header) and vCard. It only reads and checks; the
// practice stores everything in one transaction or nothing.
package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cabinet-sante/cabinet/app/agenda"
	"github.com/cabinet-sante/cabinet/app/patient"
)

// Fields a column can map to.
var Fields = []string{"birth_name", "used_name", "first_names", "birth_date", "sex", "birth_place", "nir", "phone", "email", "address", "notes"}

// FieldLabel names a field in French for the mapping screen.
var FieldLabel = map[string]string{"birth_name": "Nom de naissance", "used_name": "Nom d'usage", "first_names": "Prénoms",
	"birth_date": "Date de naissance", "sex": "Sexe", "birth_place": "Lieu de naissance (INSEE)", "nir": "NIR", "phone": "Téléphone",
	"email": "E-mail", "address": "Adresse", "notes": "Notes"}

// Table is a CSV file read into memory.
type Table struct {
	Header []string
	Rows   [][]string
}

// MaxRows bounds an import file.
const MaxRows = 200_000

// ReadCSV reads a CSV file: UTF-8 (a BOM is dropped) or Windows-1252 as
// spreadsheets write it, separated by ';', ',' or tabs (guessed from the
// header line).
func ReadCSV(r io.Reader) (Table, error) {
	raw, err := io.ReadAll(io.LimitReader(r, 256<<20))
	if err != nil {
		return Table{}, err
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(raw) {
		raw = fromWindows1252(raw)
	}
	first, _, _ := bytes.Cut(raw, []byte("\n"))
	sep := ';'
	for _, c := range []rune{';', '\t', ','} {
		if bytes.Count(first, []byte(string(c))) > bytes.Count(first, []byte(string(sep))) {
			sep = c
		}
	}
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	var t Table
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return t, fmt.Errorf("line %d: %w", len(t.Rows)+2, err)
		}
		if t.Header == nil {
			t.Header = rec
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		t.Rows = append(t.Rows, rec)
		if len(t.Rows) > MaxRows {
			return t, fmt.Errorf("more than %d rows: split the file", MaxRows)
		}
	}
	if t.Header == nil {
		return t, errors.New("empty file")
	}
	return t, nil
}

var cp1252 = map[byte]rune{0x80: '€', 0x8a: 'Š', 0x8c: 'Œ', 0x8e: 'Ž', 0x9a: 'š', 0x9c: 'œ', 0x9e: 'ž', 0x9f: 'Ÿ', 0x92: '’', 0x96: '–', 0x97: '—'}

func fromWindows1252(b []byte) []byte {
	var out bytes.Buffer
	for _, c := range b {
		if r, ok := cp1252[c]; ok {
			out.WriteRune(r)
		} else {
			out.WriteRune(rune(c)) // Latin-1 for the rest
		}
	}
	return out.Bytes()
}

// Mapping gives, for each field, the index of its column (-1: none).
type Mapping map[string]int

var guesses = map[string][]string{
	"birth_name":  {"nom de naissance", "nom", "last name", "lastname", "family name", "surname", "birth name"},
	"used_name":   {"nom d'usage", "nom usage", "nom marital", "used name"},
	"first_names": {"prénoms", "prénom", "prenom", "prenoms", "first name", "firstname", "given name"},
	"birth_date":  {"date de naissance", "naissance", "né le", "ddn", "birth date", "birthdate", "date of birth", "dob"},
	"sex":         {"sexe", "genre", "sex", "gender"},
	"birth_place": {"lieu de naissance", "code insee", "insee", "birth place"},
	"nir":         {"nir", "numéro de sécurité sociale", "n° ss", "sécurité sociale", "secu", "ssn"},
	"phone":       {"téléphone", "telephone", "tél", "tel", "portable", "mobile", "phone"},
	"email":       {"e-mail", "email", "courriel", "mail"},
	"address":     {"adresse", "address"},
	"notes":       {"notes", "remarques", "commentaire", "comments"},
}

// Guess maps columns from the header's names.
func Guess(header []string) Mapping {
	m := Mapping{}
	for _, f := range Fields {
		m[f] = -1
	}
	taken := map[int]bool{}
	norm := func(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
	for _, f := range Fields { // exact names first
		for i, h := range header {
			for _, g := range guesses[f] {
				if !taken[i] && m[f] < 0 && norm(h) == g {
					m[f], taken[i] = i, true
				}
			}
		}
	}
	return m
}

// Row is one line of a file turned into a patient, with its problems.
type Row struct {
	Line    int // line number in the file (the header is line 1)
	Patient patient.Patient
	Err     error
}

// normalDate reads DD/MM/YYYY, D/M/YYYY, DD-MM-YYYY, DD.MM.YYYY or
// YYYY-MM-DD.
func normalDate(s string) string {
	s = strings.TrimSpace(s)
	if _, err := time.Parse(time.DateOnly, s); err == nil {
		return s
	}
	n := strings.NewReplacer("-", "/", ".", "/").Replace(s)
	for _, layout := range []string{"2/1/2006", "02/01/2006"} {
		if t, err := time.Parse(layout, n); err == nil {
			return t.Format(time.DateOnly)
		}
	}
	return s
}

func normalSex(s string) patient.Sex {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "F", "FEMME", "FÉMININ", "FEMININ", "FEMALE", "2", "MME", "MADAME":
		return patient.Female
	case "M", "H", "HOMME", "MASCULIN", "MALE", "1", "M.", "MONSIEUR":
		return patient.Male
	case "":
		return patient.Unknown
	}
	return patient.Sex(strings.TrimSpace(s)) // invalid: validation says so
}

// Rows maps and validates every row of the table.
func Rows(t Table, m Mapping, now time.Time) []Row {
	out := make([]Row, 0, len(t.Rows))
	for i, rec := range t.Rows {
		get := func(f string) string {
			if c, ok := m[f]; ok && c >= 0 && c < len(rec) {
				return strings.TrimSpace(rec[c])
			}
			return ""
		}
		p := patient.Patient{BirthName: get("birth_name"), UsedName: get("used_name"), FirstNames: get("first_names"),
			BirthDate: normalDate(get("birth_date")), Sex: normalSex(get("sex")), BirthPlace: get("birth_place"), NIR: get("nir"),
			Phone: get("phone"), Email: get("email"), Address: get("address"), Notes: get("notes")}
		p.Normalize()
		out = append(out, Row{Line: i + 2, Patient: p, Err: p.Validate(now)})
	}
	return out
}

// Errors counts the rows with a problem.
func Errors(rows []Row) int {
	n := 0
	for _, r := range rows {
		if r.Err != nil {
			n++
		}
	}
	return n
}

// ReadVCards reads the contacts of a vCard file (3.0 or 4.0): N or FN,
// BDAY, TEL, EMAIL, ADR, NOTE, GENDER.
func ReadVCards(r io.Reader, now time.Time) ([]Row, error) {
	lines, err := agenda.UnfoldLines(r)
	if err != nil {
		return nil, err
	}
	var out []Row
	var cur *patient.Patient
	start := 0
	unescape := strings.NewReplacer(`\n`, "\n", `\,`, ",", `\;`, ";", `\\`, `\`).Replace
	for n, l := range lines {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		prop, _, _ := strings.Cut(strings.ToUpper(name), ";")
		if i := strings.LastIndexByte(prop, '.'); i >= 0 { // item1.TEL
			prop = prop[i+1:]
		}
		switch prop {
		case "BEGIN":
			if strings.EqualFold(value, "VCARD") {
				cur, start = &patient.Patient{}, n+1
			}
		case "END":
			if strings.EqualFold(value, "VCARD") && cur != nil {
				cur.Normalize()
				out = append(out, Row{Line: start, Patient: *cur, Err: cur.Validate(now)})
				cur = nil
				if len(out) > MaxRows {
					return nil, fmt.Errorf("more than %d contacts", MaxRows)
				}
			}
		}
		if cur == nil {
			continue
		}
		switch prop {
		case "N":
			parts := strings.Split(value, ";")
			cur.BirthName = unescape(parts[0])
			if len(parts) > 1 {
				cur.FirstNames = strings.TrimSpace(unescape(parts[1]) + " " + unescape(strings.ReplaceAll(strings.Join(parts[2:min(3, len(parts))], " "), ",", " ")))
			}
		case "FN":
			if cur.BirthName == "" {
				f := strings.Fields(unescape(value))
				if len(f) > 1 {
					cur.FirstNames, cur.BirthName = strings.Join(f[:len(f)-1], " "), f[len(f)-1]
				}
			}
		case "BDAY":
			v := strings.TrimSpace(value)
			if len(v) == 8 && !strings.Contains(v, "-") {
				v = v[:4] + "-" + v[4:6] + "-" + v[6:]
			}
			if len(v) > 10 {
				v = v[:10]
			}
			cur.BirthDate = v
		case "TEL":
			if cur.Phone == "" {
				cur.Phone = strings.TrimPrefix(value, "tel:")
			}
		case "EMAIL":
			if cur.Email == "" {
				cur.Email = value
			}
		case "ADR":
			var parts []string
			for _, p := range strings.Split(value, ";") {
				if p = strings.TrimSpace(unescape(p)); p != "" {
					parts = append(parts, p)
				}
			}
			cur.Address = strings.Join(parts, "\n")
		case "NOTE":
			cur.Notes = unescape(value)
		case "GENDER":
			cur.Sex = normalSex(strings.Split(value, ";")[0])
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no contact found (BEGIN:VCARD … END:VCARD)")
	}
	return out, nil
}
