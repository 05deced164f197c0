package demo

import (
	"math/rand/v2"
	"time"

	"github.com/cabinet-sante/cabinet/app/billing"
)

// Practitioner is the demo practice's (fictional) practitioner.
func Practitioner() billing.Practitioner {
	return billing.Practitioner{Name: "Dr Camille Exemple", Profession: "Médecin généraliste",
		Address: "12 rue de la République\n69002 Lyon", RPPS: "10009999999", SIRET: "73282932000074", Place: "Lyon"}
}

// Acts is the demo catalogue.
func Acts() []billing.Act {
	return []billing.Act{
		{Code: "G", Label: "Consultation de médecine générale", Price: 3000, NGAP: "G"},
		{Code: "VG", Label: "Visite à domicile", Price: 3000 + 1000, NGAP: "VG+MD"},
		{Code: "APC", Label: "Avis ponctuel de consultant", Price: 5600, NGAP: "APC"},
		{Code: "ECG", Label: "Électrocardiogramme", Price: 1452, NGAP: "DEQP003"},
		{Code: "FRAG", Label: "Frottis", Price: 1100},
	}
}

// Invoice is what the demo bills for a consultation: acts, and the
// payments received by now (none for one note in ten, part of it for a
// few).
type Invoice struct {
	Acts     map[string]int
	Payments []Payment
}

// Payment is a demo payment: Percent of the note's total, or the rest
// when 0.
type Payment struct {
	Method  billing.Method
	Date    string
	Percent int
}

// InvoiceFor draws the billing of a consultation on date (YYYY-MM-DD).
// The same seed and date give the same invoice.
func InvoiceFor(seed uint64, n int, date string, now time.Time) Invoice {
	r := rand.New(rand.NewPCG(seed, uint64(n)))
	inv := Invoice{Acts: map[string]int{}}
	switch x := r.IntN(20); {
	case x < 14:
		inv.Acts["G"] = 1
	case x < 16:
		inv.Acts["VG"] = 1
	case x < 18:
		inv.Acts["G"], inv.Acts["ECG"] = 1, 1
	case x < 19:
		inv.Acts["APC"] = 1
	default:
		inv.Acts["G"], inv.Acts["FRAG"] = 1, 1
	}
	d, _ := time.Parse(time.DateOnly, date)
	recent := now.Sub(d) < 45*24*time.Hour
	if recent && r.IntN(4) == 0 {
		return inv // not paid yet
	}
	method := []billing.Method{billing.Card, billing.Card, billing.Cheque, billing.Cash, billing.Transfer}[r.IntN(5)]
	if r.IntN(5) == 0 { // tiers payant: the insurer pays 70 % a few days later
		inv.Payments = append(inv.Payments, Payment{Method: method, Date: date, Percent: 30},
			Payment{Method: billing.ThirdParty, Date: minDate(d.AddDate(0, 0, 3+r.IntN(10)), now)})
		return inv
	}
	inv.Payments = append(inv.Payments, Payment{Method: method, Date: date})
	return inv
}

func minDate(a, b time.Time) string {
	if a.After(b) {
		a = b
	}
	return a.Format(time.DateOnly)
}
