package practice

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/cabinet-sante/cabinet/app/billing"
	"github.com/cabinet-sante/cabinet/app/patient"
)

// MonthActivity is one month of the practice's activity.
type MonthActivity struct {
	Month       string        `json:"month"` // YYYY-MM
	Visits      int           `json:"visits"`
	NewPatients int           `json:"new_patients"`
	Revenue     billing.Cents `json:"revenue"`
}

// Activity counts visits, new patients and receipts per month for the
// months months up to the current one, oldest first.
func (p *Practice) Activity(ctx context.Context, months int) ([]MonthActivity, error) {
	now := p.now().In(paris)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, paris).AddDate(0, -(months - 1), 0)
	out := make([]MonthActivity, months)
	idx := map[string]int{}
	for i := range out {
		m := first.AddDate(0, i, 0).Format("2006-01")
		out[i].Month, idx[m] = m, i
	}
	bump := func(t time.Time, fn func(*MonthActivity)) {
		if i, ok := idx[t.In(paris).Format("2006-01")]; ok {
			fn(&out[i])
		}
	}
	if err := p.EachConsultation(ctx, func(c patient.Consultation) error {
		bump(c.Date, func(m *MonthActivity) { m.Visits++ })
		return nil
	}); err != nil {
		return nil, err
	}
	if err := p.EachPatient(ctx, func(pt patient.Patient) error {
		bump(pt.Created, func(m *MonthActivity) { m.NewPatients++ })
		return nil
	}); err != nil {
		return nil, err
	}
	for y := first.Year(); y <= now.Year(); y++ {
		rs, err := p.Receipts(ctx, y, false)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if t, err := time.ParseInLocation(time.DateOnly, r.Date, paris); err == nil {
				bump(t, func(m *MonthActivity) { m.Revenue += r.Amount })
			}
		}
	}
	return out, nil
}

// SmallCount is the threshold under which counts are suppressed from an
// anonymised export: a count of 1 to 4 could point at a person.
const SmallCount = 5

// WriteActivityCSV writes the activity without any identifier; counts
// from 1 to SmallCount-1 are written "<5".
func WriteActivityCSV(w io.Writer, ms []MonthActivity) error {
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	count := func(n int) string {
		if n > 0 && n < SmallCount {
			return "<" + strconv.Itoa(SmallCount)
		}
		return strconv.Itoa(n)
	}
	cw.Write([]string{"Mois", "Consultations", "Nouveaux patients", "Recettes"})
	for _, m := range ms {
		cw.Write([]string{m.Month, count(m.Visits), count(m.NewPatients), m.Revenue.String()})
	}
	cw.Flush()
	return cw.Error()
}
