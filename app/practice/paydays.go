package practice

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cabinet-sante/cabinet/app/billing"
	"github.com/cabinet-sante/cabinet/store"
)

// bPayDays lists, per calendar day (keyed hash of the date), the notes that
// received a payment that day. The accounting exports read a year through
// it, so their cost follows the year's payments, not the practice's whole
// history. It holds random note ids only, and is shared like the payments
// it indexes: its lists merge as sets.
const bPayDays = "payment-days"

// payDaysReady marks, in the device's settings, that every payment
// recorded before the index existed has been indexed (see migrate).
const payDaysReady = "payment-days v1"

func payDayKey(tx *store.Tx, date string) store.ID { return tx.NamedID("payday " + date) }

func payDay(tx *store.Tx, date string) ([]store.ID, error) {
	var ids []store.ID
	err := tx.GetJSON(bPayDays, payDayKey(tx, date), &ids)
	if errors.Is(err, store.ErrNotFound) {
		err = nil
	}
	return ids, err
}

// addPayDay records that note id was paid on date (YYYY-MM-DD).
func addPayDay(tx *store.Tx, date string, id store.ID) error {
	return addPayDays(tx, map[string][]store.ID{date: {id}})
}

// addPayDays adds many notes to the day index, one write per day: a bulk
// load of a busy day would otherwise rewrite that day's list once per
// payment.
func addPayDays(tx *store.Tx, days map[string][]store.ID) error {
	for date, ids := range days {
		have, err := payDay(tx, date)
		if err != nil {
			return err
		}
		merged := append(have, ids...)
		slices.SortFunc(merged, func(a, b store.ID) int { return bytes.Compare(a[:], b[:]) })
		if err := tx.PutJSON(bPayDays, payDayKey(tx, date), slices.Compact(merged)); err != nil {
			return err
		}
	}
	return nil
}

// paidIn returns the ids of the notes with a payment dated in year, each
// once, in date order.
func paidIn(tx *store.Tx, year int) ([]store.ID, error) {
	var out []store.ID
	seen := map[store.ID]bool{}
	for d := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == year; d = d.AddDate(0, 0, 1) {
		ids, err := payDay(tx, d.Format(time.DateOnly))
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out, nil
}

// migrate brings a vault written by an earlier version up to date with
// the derived records this version keeps. It runs at every unlock and
// costs one read once done.
func (p *Practice) migrate() error {
	ready := false
	err := p.vault.View(func(tx *store.Tx) error {
		_, err := tx.Get(bSettings, tx.NamedID(payDaysReady))
		ready = err == nil
		if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
		return err
	})
	if err != nil || ready {
		return err
	}
	return p.vault.Update(func(tx *store.Tx) error {
		days := map[string][]store.ID{}
		err := tx.ForEach(bNotePayments, func(id store.ID, v []byte) error {
			var ps []billing.Payment
			if err := json.Unmarshal(v, &ps); err != nil {
				return fmt.Errorf("decode %s: %w", bNotePayments, store.ErrCorrupt)
			}
			for _, pay := range ps {
				days[pay.Date] = append(days[pay.Date], id)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := addPayDays(tx, days); err != nil {
			return err
		}
		return tx.Put(bSettings, tx.NamedID(payDaysReady), []byte(`{"done":true}`))
	})
}
