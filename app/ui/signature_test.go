package ui

import (
	"bytes"
	"context"
	"image/png"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/cabinet-sante/cabinet/app/privacy"
)

func TestConsentSignedOnScreenIsKeptAsProof(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{})
	unlock(t, u, pass)
	m := u.main
	test.Type(m.search, "helene")
	m.list.Select(0)
	r := m.record
	pad := newSignaturePad()
	if err := r.recordConsent(m, 1, 0, 2, pad, ""); err == nil {
		t.Fatal("a consent 'signed on screen' without a signature was recorded")
	}
	for _, pt := range []fyne.Position{{X: 10, Y: 10}, {X: 60, Y: 40}, {X: 120, Y: 20}} {
		pad.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: pt}})
	}
	pad.DragEnd()
	img, err := png.Decode(bytes.NewReader(pad.PNG()))
	if err != nil {
		t.Fatal(err)
	}
	inked := false
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y && !inked; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, _, _, _ := img.At(x, y).RGBA(); r < 0x8000 {
				inked = true
				break
			}
		}
	}
	if !inked {
		t.Fatal("the signature image is blank")
	}
	if err := r.recordConsent(m, 1, 0, 2, pad, ""); err != nil {
		t.Fatal(err)
	}
	hist, _ := p.Consents(context.Background(), r.patient.ID)
	if len(hist) != 1 || hist[0].Proof != privacy.Drawn || hist[0].Attachment == "" || hist[0].Purpose != privacy.HDSHosting {
		t.Fatalf("consent %+v", hist)
	}
	d, data, err := p.DocumentData(context.Background(), hist[0].Attachment)
	if err != nil || d.Type != "image/png" || len(data) == 0 {
		t.Errorf("signature document %+v %v", d, err)
	}
}
