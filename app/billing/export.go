package billing

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Receipt is a payment with what the exports need of its note.
type Receipt struct {
	Payment
	NoteDate   string // YYYY-MM-DD
	PatientRef string // a reference under professional secrecy, or the name when the practitioner chooses
}

// SortReceipts puts receipts in date order, then in the order they were
// recorded.
func SortReceipts(rs []Receipt) {
	slices.SortFunc(rs, func(a, b Receipt) int {
		if c := strings.Compare(a.Date, b.Date); c != 0 {
			return c
		}
		if c := a.Recorded.Compare(b.Recorded); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// PatientRef is the reference of a patient's file used where the name
// must not appear: "P-" and the first 8 characters of the record id.
func PatientRef(patientID string) string {
	if len(patientID) > 8 {
		patientID = patientID[:8]
	}
	return "P-" + strings.ToUpper(patientID)
}

// ValidSIREN checks a SIREN: 9 digits, Luhn key.
func ValidSIREN(s string) bool {
	if len(s) != 9 {
		return false
	}
	sum := 0
	for i := 0; i < 9; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
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

// FECColumns are the 22 columns of a BNC cash-accounting FEC, in order.
var FECColumns = []string{"JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib",
	"CompAuxNum", "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet",
	"ValidDate", "Montantdevise", "Idevise", "DateRglt", "ModeRglt", "NatOp", "IdClient"}

// Accounts of the plan comptable used by the FEC.
const (
	AccountBank = "512000"
	AccountCash = "530000"
	AccountFees = "706000"
)

// FECName is the file name for a fiscal year closing on closing.
func FECName(siren string, closing time.Time) string {
	return siren + "FEC" + closing.Format("20060102") + ".txt"
}

func fecDate(iso string) string { return strings.ReplaceAll(iso, "-", "") }

// WriteFEC writes the FEC of the receipts, which must be sorted
// (SortReceipts): one balanced entry per payment, the bank or cash
// account debited and the fees account credited. A negative payment (a
// refund) reverses the entry.
func WriteFEC(w io.Writer, receipts []Receipt) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(strings.Join(FECColumns, "|") + "\r\n")
	var buf []byte
	for i, r := range receipts {
		journal, jlib, account, alib := "BQ", "Banque", AccountBank, "Banque"
		if r.Method == Cash {
			journal, jlib, account, alib = "CA", "Caisse", AccountCash, "Caisse"
		}
		date := fecDate(r.Date)
		debit, credit := r.Amount, Cents(0)
		if r.Amount < 0 {
			debit, credit = 0, -r.Amount
		}
		// Fields 11 and 12 (Debit, Credit) are written from the amounts.
		f := [22]string{journal, jlib, strconv.Itoa(i + 1), date, account, alib, "", "", r.Number, fecDate(r.NoteDate),
			"Honoraires note " + r.Number, "", "", "", "", date, "", "", date, r.Method.French(), "", r.PatientRef}
		line := func(d, c Cents) {
			buf = buf[:0]
			for k := range f {
				if k > 0 {
					buf = append(buf, '|')
				}
				switch k {
				case 11:
					buf = d.append(buf)
				case 12:
					buf = c.append(buf)
				default:
					buf = append(buf, f[k]...)
				}
			}
			bw.Write(append(buf, '\r', '\n'))
		}
		line(debit, credit)
		f[4], f[5] = AccountFees, "Honoraires"
		line(credit, debit)
	}
	return bw.Flush()
}

// FECLine is one parsed line of a FEC.
type FECLine struct {
	Fields []string
	Debit  Cents
	Credit Cents
}

// ParseCents reads "1234,56" (FEC, CSV) into cents.
func ParseCents(s string) (Cents, error) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	ip, dp, ok := strings.Cut(s, ",")
	if !ok || len(dp) != 2 || ip == "" {
		return 0, fmt.Errorf("amount %q: expected digits, a comma and two decimals", s)
	}
	i, err1 := strconv.ParseInt(ip, 10, 64)
	d, err2 := strconv.ParseInt(dp, 10, 64)
	if err1 != nil || err2 != nil || i < 0 || d < 0 {
		return 0, fmt.Errorf("amount %q: not a number", s)
	}
	c := Cents(i*100 + d)
	if neg {
		c = -c
	}
	return c, nil
}

// ParseFEC reads a FEC back, checking the header, the field count and
// that every entry balances.
func ParseFEC(r io.Reader) ([]FECLine, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var out []FECLine
	first := true
	balance := map[string]Cents{}
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimSuffix(sc.Text(), "\r")
		f := strings.Split(text, "|")
		if len(f) != len(FECColumns) {
			return nil, fmt.Errorf("line %d: %d fields, want %d", n, len(f), len(FECColumns))
		}
		if first {
			if !slices.Equal(f, FECColumns) {
				return nil, fmt.Errorf("line 1: not the FEC header")
			}
			first = false
			continue
		}
		d, err := ParseCents(f[11])
		if err != nil {
			return nil, fmt.Errorf("line %d: Debit: %w", n, err)
		}
		c, err := ParseCents(f[12])
		if err != nil {
			return nil, fmt.Errorf("line %d: Credit: %w", n, err)
		}
		if _, err := time.Parse("20060102", f[3]); err != nil {
			return nil, fmt.Errorf("line %d: EcritureDate %q is not AAAAMMJJ", n, f[3])
		}
		balance[f[2]] += d - c
		out = append(out, FECLine{Fields: f, Debit: d, Credit: c})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if first {
		return nil, errors.New("empty file: no FEC header")
	}
	for num, b := range balance {
		if b != 0 {
			return nil, fmt.Errorf("entry %s does not balance (%s)", num, b)
		}
	}
	return out, nil
}

// WriteRecettes writes the livre-journal des recettes as CSV (semicolon
// separated, decimal comma, as French spreadsheets expect): one line per
// receipt in date order, a total after each day and each month, and the
// year's total.
func WriteRecettes(w io.Writer, receipts []Receipt) error {
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	write := func(f ...string) { _ = cw.Write(f) }
	write("Date", "Patient", "Note", "Montant", "Mode de paiement")
	fr := func(iso string) string {
		t, err := time.Parse(time.DateOnly, iso)
		if err != nil {
			return iso
		}
		return t.Format("02/01/2006")
	}
	var day, month, year Cents
	for i, r := range receipts {
		write(fr(r.Date), r.PatientRef, r.Number, r.Amount.String(), r.Method.French())
		day += r.Amount
		month += r.Amount
		year += r.Amount
		next := ""
		if i+1 < len(receipts) {
			next = receipts[i+1].Date
		}
		if next != r.Date {
			write("Total du "+fr(r.Date), "", "", day.String(), "")
			day = 0
		}
		if len(next) < 7 || next[:7] != r.Date[:7] {
			write("Total du mois "+r.Date[5:7]+"/"+r.Date[:4], "", "", month.String(), "")
			month = 0
		}
	}
	write("Total", "", "", year.String(), "")
	cw.Flush()
	return cw.Error()
}
