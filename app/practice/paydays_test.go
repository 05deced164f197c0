package practice

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/cabinet-sante/cabinet/app/billing"
	"github.com/cabinet-sante/cabinet/store"
)

// The exports read a year through the payment-day index; a vault written
// before the index existed gets it at its next unlock, and the year's
// receipts are the same as if it had always been there.
func TestYearExportsOfAVaultWrittenBeforeThePaymentDayIndex(t *testing.T) {
	p, h := billingPractice(t)
	ctx := context.Background()
	old := issue(t, p, h.ID, "2025-12-20", ActQty{"SEANCE", 2})
	mustPay(t, p, old.Number, 5000, "2025-12-20")
	mustPay(t, p, old.Number, 6000, "2026-01-05") // paid across the new year
	for _, d := range []string{"2026-03-01", "2026-03-01", "2026-12-31"} {
		n := issue(t, p, h.ID, d)
		mustPay(t, p, n.Number, n.Total, d)
	}
	late := issue(t, p, h.ID, "2026-12-31")
	mustPay(t, p, late.Number, late.Total, "2027-01-02") // next year's receipt

	want, err := p.Receipts(ctx, 2026, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 4 || want[0].Amount != 6000 || want[0].NoteDate != "2025-12-20" {
		t.Fatalf("2026 receipts: %+v", want)
	}

	if want[0].PatientRef != billing.PatientRef(h.ID) {
		t.Fatalf("receipt reference %q, want %q", want[0].PatientRef, billing.PatientRef(h.ID))
	}

	// Make it a vault of the version before the index, whose payments did
	// not carry their note's date and patient.
	err = p.vault.Update(func(tx *store.Tx) error {
		lists := map[store.ID][]billing.Payment{}
		if err := tx.ForEach(bNotePayments, func(id store.ID, v []byte) error {
			var ps []billing.Payment
			err := json.Unmarshal(v, &ps)
			for i := range ps {
				ps[i].IssuedOn, ps[i].PatientID = "", ""
			}
			lists[id] = ps
			return err
		}); err != nil {
			return err
		}
		for id, ps := range lists {
			if err := tx.PutJSON(bNotePayments, id, ps); err != nil {
				return err
			}
		}
		var keys []store.ID
		if err := tx.ForEach(bPayDays, func(id store.ID, _ []byte) error { keys = append(keys, id); return nil }); err != nil {
			return err
		}
		for _, k := range keys {
			if err := tx.Delete(bPayDays, k); err != nil {
				return err
			}
		}
		return tx.Delete(bSettings, tx.NamedID(payDaysReady))
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := p.Receipts(ctx, 2026, false); len(got) != 0 {
		t.Fatalf("without the index the export still finds %d receipts: it does not read the year through it", len(got))
	}

	p.Lock()
	if err := p.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	got, err := p.Receipts(ctx, 2026, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("after the upgrade: %d receipts, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Payment.ID != want[i].Payment.ID || got[i].Amount != want[i].Amount || got[i].NoteDate != want[i].NoteDate ||
			got[i].PatientRef != want[i].PatientRef {
			t.Errorf("receipt %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if next, _ := p.Receipts(ctx, 2027, false); len(next) != 1 || next[0].Amount != late.Total {
		t.Errorf("2027 receipts after the upgrade: %+v", next)
	}
}

func mustPay(t *testing.T, p *Practice, number string, amount billing.Cents, date string) {
	t.Helper()
	if _, err := p.Pay(context.Background(), number, amount, billing.Card, date); err != nil {
		t.Fatal(err)
	}
}
