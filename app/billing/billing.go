// Package billing is the domain of notes d'honoraires (invoices), credit
// notes, payments and the accountant's exports, after france.md: amounts
// in integer cents, one continuous number series per device, issued notes
// immutable and cancelled only by a credit note.
package billing

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cabinet-sante/cabinet/app/patient"
)

// Cents is an amount in euro cents. Never floating point.
type Cents int64

// String formats c the French way: "1 234,50 €" without the thousands
// space (FEC and CSV want none): "1234,50".
func (c Cents) String() string { return string(c.append(nil)) }

// append adds c, written as String does, to b.
func (c Cents) append(b []byte) []byte {
	if c < 0 {
		b, c = append(b, '-'), -c
	}
	b = strconv.AppendInt(b, int64(c/100), 10)
	b = append(b, ',', byte('0'+c%100/10), byte('0'+c%10))
	return b
}

// Euros formats c for a document: "1 234,50 €".
func (c Cents) Euros() string {
	s := c.String()
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, dec, _ := strings.Cut(s, ",")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteRune('\u00a0')
		}
		b.WriteRune(r)
	}
	out := b.String() + "," + dec + "\u00a0€"
	if neg {
		out = "-" + out
	}
	return out
}

// Act is one of the practitioner's billable acts.
type Act struct {
	Code  string `json:"code"`           // the practitioner's own code, e.g. "C", "SEANCE"
	Label string `json:"label"`          // "Consultation", "Séance d'ostéopathie"
	Price Cents  `json:"price"`          // unit price
	NGAP  string `json:"ngap,omitempty"` // optional NGAP/CCAM code
}

var actCode = regexp.MustCompile(`^[A-Za-z0-9._-]{1,16}$`)

// Validate checks an act.
func (a Act) Validate() error {
	var v patient.ValidationErrors
	if !actCode.MatchString(a.Code) {
		v = append(v, patient.FieldError{Field: "code", FR: "Code d'acte : 1 à 16 lettres, chiffres, points ou tirets.", EN: "Act code: 1 to 16 letters, digits, dots or dashes."})
	}
	if strings.TrimSpace(a.Label) == "" {
		v = append(v, patient.FieldError{Field: "label", FR: "Le libellé de l'acte est obligatoire.", EN: "The act label is required."})
	}
	if a.Price <= 0 || a.Price > 10_000_00 {
		v = append(v, patient.FieldError{Field: "price", FR: "Le prix doit être compris entre 0,01 € et 10 000 €.", EN: "The price must be between €0.01 and €10,000."})
	}
	if len(v) > 0 {
		return v
	}
	return nil
}

// Practitioner holds what every note must show about its author.
type Practitioner struct {
	Name       string `json:"name"`
	Profession string `json:"profession,omitempty"`
	Address    string `json:"address,omitempty"`
	RPPS       string `json:"rpps,omitempty"`
	ADELI      string `json:"adeli,omitempty"`
	SIRET      string `json:"siret,omitempty"`
	Place      string `json:"place,omitempty"` // default place of the service (town)
	// Series is this device's prefix for note numbers: "" on the first
	// device, "B", "C"... on devices that join by sync.
	Series string `json:"series,omitempty"`
}

// Line is one act on a note.
type Line struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	Qty   int    `json:"qty"`
	Unit  Cents  `json:"unit"`
}

// Total is Qty × Unit.
func (l Line) Total() Cents { return Cents(l.Qty) * l.Unit }

// Kind tells a note from a credit note.
type Kind string

const (
	Invoice Kind = "invoice"
	Credit  Kind = "credit" // avoir
)

// Note is a note d'honoraires or a credit note. Once Number is set it is
// issued and never changes.
type Note struct {
	ID             string       `json:"id"`
	Kind           Kind         `json:"kind"`
	Number         string       `json:"number,omitempty"` // YYYY-NNNNNN, or S-YYYY-NNNNNN; empty while a draft
	Date           string       `json:"date"`             // YYYY-MM-DD, date of the note
	ServiceDate    string       `json:"service_date"`     // date of the care
	ServicePlace   string       `json:"service_place,omitempty"`
	PatientID      string       `json:"patient_id"`
	PatientName    string       `json:"patient_name,omitempty"` // copied at issue unless Anonymous
	Anonymous      bool         `json:"anonymous,omitempty"`    // the patient asked their name be left off
	ConsultationID string       `json:"consultation_id,omitempty"`
	Lines          []Line       `json:"lines"`
	Total          Cents        `json:"total"`
	CreditOf       string       `json:"credit_of,omitempty"` // number of the cancelled note
	Reason         string       `json:"reason,omitempty"`    // why a credit note was made
	Practitioner   Practitioner `json:"practitioner"`        // as it was at issue
	IssuedAt       time.Time    `json:"issued_at,omitzero"`
}

// Issued reports whether the note has its number.
func (n Note) Issued() bool { return n.Number != "" }

// Sum adds the lines.
func (n Note) Sum() Cents {
	var t Cents
	for _, l := range n.Lines {
		t += l.Total()
	}
	return t
}

// Validate checks a note before it is issued.
func (n Note) Validate() error {
	var v patient.ValidationErrors
	add := func(field, fr, en string) { v = append(v, patient.FieldError{Field: field, FR: fr, EN: en}) }
	if n.PatientID == "" {
		add("patient_id", "La note doit être rattachée à un patient.", "The note needs a patient.")
	}
	if _, err := time.Parse(time.DateOnly, n.Date); err != nil {
		add("date", "Date de la note invalide (AAAA-MM-JJ).", "Invalid note date (YYYY-MM-DD).")
	}
	if _, err := time.Parse(time.DateOnly, n.ServiceDate); err != nil {
		add("service_date", "Date des soins invalide (AAAA-MM-JJ).", "Invalid date of care (YYYY-MM-DD).")
	} else if n.ServiceDate > n.Date {
		add("service_date", "Les soins ne peuvent pas être postérieurs à la note.", "The care cannot be after the note.")
	}
	if len(n.Lines) == 0 {
		add("lines", "La note doit comporter au moins un acte.", "The note needs at least one act.")
	}
	for _, l := range n.Lines {
		if l.Qty <= 0 || l.Qty > 100 {
			add("lines", "Quantité invalide (1 à 100).", "Invalid quantity (1 to 100).")
			break
		}
		if (n.Kind == Invoice && l.Unit <= 0) || (n.Kind == Credit && l.Unit >= 0) {
			add("lines", "Prix unitaire invalide.", "Invalid unit price.")
			break
		}
	}
	if len(v) > 0 {
		return v
	}
	return nil
}

// FormatNumber writes a note number: series prefix, year, six digits.
func FormatNumber(series string, year, seq int) string {
	s := fmt.Sprintf("%04d-%06d", year, seq)
	if series != "" {
		s = series + "-" + s
	}
	return s
}

var numberRE = regexp.MustCompile(`^(?:([A-Z]{1,3})-)?(\d{4})-(\d{6})$`)

// ParseNumber splits a note number into series, year and sequence.
func ParseNumber(s string) (series string, year, seq int, ok bool) {
	m := numberRE.FindStringSubmatch(s)
	if m == nil {
		return "", 0, 0, false
	}
	year, _ = strconv.Atoi(m[2])
	seq, _ = strconv.Atoi(m[3])
	return m[1], year, seq, seq > 0
}

// Method is a form of payment.
type Method string

const (
	Cash       Method = "cash"
	Cheque     Method = "cheque"
	Card       Method = "card"
	Transfer   Method = "transfer"
	ThirdParty Method = "third-party" // tiers payant: the insurer's share
)

// Methods lists the forms of payment in display order.
var Methods = []Method{Cash, Cheque, Card, Transfer, ThirdParty}

// ParseMethod reads a method name.
func ParseMethod(s string) (Method, bool) {
	for _, m := range Methods {
		if string(m) == s {
			return m, true
		}
	}
	return "", false
}

// French is the method's name on documents.
func (m Method) French() string {
	switch m {
	case Cash:
		return "Espèces"
	case Cheque:
		return "Chèque"
	case Card:
		return "Carte bancaire"
	case Transfer:
		return "Virement"
	case ThirdParty:
		return "Tiers payant"
	}
	return string(m)
}

// Payment is money received for a note.
type Payment struct {
	ID       string    `json:"id"`
	NoteID   string    `json:"note_id"`
	Number   string    `json:"number"` // the note's number
	Date     string    `json:"date"`   // YYYY-MM-DD
	Amount   Cents     `json:"amount"`
	Method   Method    `json:"method"`
	Recorded time.Time `json:"recorded"`
	// Copied from the note when the payment is recorded, so that the
	// accounting exports need not read the note (empty in payments
	// recorded before version 0.2, for which they read it).
	IssuedOn  string `json:"issued_on,omitempty"`  // the note's date
	PatientID string `json:"patient_id,omitempty"` // the note's patient record
}

// Status of a note, derived from its payments and credit notes.
type Status string

const (
	Unpaid    Status = "unpaid"
	Partly    Status = "partly-paid"
	Paid      Status = "paid"
	Cancelled Status = "cancelled"
	Refund    Status = "credit" // a credit note
)

// French is the status's name on screen.
func (s Status) French() string {
	switch s {
	case Unpaid:
		return "Impayée"
	case Partly:
		return "Partiellement payée"
	case Paid:
		return "Payée"
	case Cancelled:
		return "Annulée (avoir)"
	case Refund:
		return "Avoir"
	}
	return string(s)
}

// StatusOf derives a note's status.
func StatusOf(n Note, paid Cents, cancelled bool) Status {
	switch {
	case n.Kind == Credit:
		return Refund
	case cancelled:
		return Cancelled
	case paid >= n.Total:
		return Paid
	case paid > 0:
		return Partly
	}
	return Unpaid
}

// VATMention is the exemption mention for care (art. 261-4-1° CGI).
const VATMention = "Exonération de TVA, article 261-4-1° du CGI"

func luhn(s string) bool {
	sum := 0
	for i := 0; i < len(s); i++ {
		d := int(s[len(s)-1-i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// CheckRPPS says what is wrong with an RPPS number: 11 digits, and a
// Luhn key that some official test numbers lack (france.md: warn, do not
// block). It returns "" when it looks right.
func CheckRPPS(s string) (fr, en string) {
	switch {
	case s == "":
		return "", ""
	case len(s) != 11 || !allDigits(s):
		return "Le RPPS compte 11 chiffres.", "The RPPS has 11 digits."
	case !luhn(s):
		return "La clé du RPPS ne correspond pas : vérifiez le numéro (certains numéros de test n'en ont pas).",
			"The RPPS check digit does not match: check the number (some test numbers have none)."
	}
	return "", ""
}

// CheckADELI does the same for an ADELI number: 9 digits, Luhn.
func CheckADELI(s string) (fr, en string) {
	switch {
	case s == "":
		return "", ""
	case len(s) != 9 || !allDigits(s):
		return "L'ADELI compte 9 chiffres.", "The ADELI has 9 digits."
	case !luhn(s):
		return "La clé de l'ADELI ne correspond pas : vérifiez le numéro.", "The ADELI check digit does not match: check the number."
	}
	return "", ""
}
