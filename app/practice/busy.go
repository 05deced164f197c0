package practice

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/cabinet-sante/cabinet/app/agenda"
	"github.com/cabinet-sante/cabinet/store"
)

const bBusy = "agenda-busy" // per day (keyed hash): slots imported from another calendar

func busyKey(tx *store.Tx, t time.Time) store.ID {
	return tx.NamedID("busy " + t.In(paris).Format(time.DateOnly))
}

// ImportBusy stores events of another calendar (an .ics from a phone) as
// busy slots of the agenda, skipping those already imported (same UID and
// start). It returns how many were added.
func (p *Practice) ImportBusy(ctx context.Context, evs []agenda.Event) (int, error) {
	added := 0
	err := p.vault.Update(func(tx *store.Tx) error {
		for _, e := range evs {
			key := busyKey(tx, e.Start)
			var day []agenda.Busy
			if err := tx.GetJSON(bBusy, key, &day); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if slices.ContainsFunc(day, func(b agenda.Busy) bool { return b.UID == e.UID && b.Start.Equal(e.Start) }) {
				continue
			}
			day = append(day, agenda.Busy{UID: e.UID, Start: e.Start.UTC(), End: e.End.UTC(), Title: e.Summary})
			if err := tx.PutJSON(bBusy, key, day); err != nil {
				return err
			}
			added++
		}
		return p.audit(tx, "agenda.import", "")
	})
	return added, err
}

// Busy returns the busy slots of the Paris days from..to.
func (p *Practice) Busy(ctx context.Context, from, to time.Time) ([]agenda.Busy, error) {
	var out []agenda.Busy
	from = from.In(paris)
	start := time.Date(from.Year(), from.Month(), from.Day(), 12, 0, 0, 0, paris)
	err := p.vault.View(func(tx *store.Tx) error {
		for d := start; !d.After(to.In(paris).Add(12 * time.Hour)); d = d.AddDate(0, 0, 1) {
			var day []agenda.Busy
			if err := tx.GetJSON(bBusy, busyKey(tx, d), &day); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			out = append(out, day...)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b agenda.Busy) int { return a.Start.Compare(b.Start) })
	return out, err
}
