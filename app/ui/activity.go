package ui

import (
	"context"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cabinet-sante/cabinet/app/practice"
)

// bars draws one value per month as a small bar chart.
func bars(title string, values []float64, col color.Color) fyne.CanvasObject {
	const w, h = 480, 60
	hi := 0.0
	for _, v := range values {
		hi = max(hi, v)
	}
	plot := container.NewWithoutLayout()
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	bg.Resize(fyne.NewSize(w, h))
	plot.Add(bg)
	if hi > 0 && len(values) > 0 {
		bw := float32(w) / float32(len(values))
		for i, v := range values {
			bh := float32(v / hi * (h - 4))
			r := canvas.NewRectangle(col)
			r.Resize(fyne.NewSize(bw-4, bh))
			r.Move(fyne.NewPos(float32(i)*bw+2, h-bh))
			plot.Add(r)
		}
	}
	l := widget.NewLabel(title)
	l.SizeName = theme.SizeNameCaptionText
	return container.NewVBox(l, container.NewGridWrap(fyne.NewSize(w, h), plot))
}

// activityCard shows the last 12 months and exports them anonymised.
func (v *exportsView) activityCard() fyne.CanvasObject {
	u := v.u
	ms, err := u.p.Activity(context.Background(), 12)
	if err != nil {
		return widget.NewLabel(u.errText(err))
	}
	v.activity = ms
	var visits, patients, revenue []float64
	var total, newTotal int
	for _, m := range ms {
		visits = append(visits, float64(m.Visits))
		patients = append(patients, float64(m.NewPatients))
		revenue = append(revenue, float64(m.Revenue))
		total += m.Visits
		newTotal += m.NewPatients
	}
	first, last := ms[0].Month, ms[len(ms)-1].Month
	head := widget.NewLabel(fmt.Sprintf(u.t("De %s à %s : %d consultations, %d nouveaux patients.", "From %s to %s: %d consultations, %d new patients."), first, last, total, newTotal))
	export := widget.NewButtonWithIcon(u.t("Exporter l'activité (CSV anonymisé)", "Export activity (anonymised CSV)"), theme.DocumentSaveIcon(), func() { v.exportActivity() })
	return widget.NewCard(u.t("Activité des 12 derniers mois", "Activity over the last 12 months"), "",
		container.NewVBox(head,
			bars(u.t("Consultations par mois", "Consultations per month"), visits, color.NRGBA{0x3b, 0x82, 0xf6, 0xff}),
			bars(u.t("Nouveaux patients par mois", "New patients per month"), patients, color.NRGBA{0x10, 0xb9, 0x81, 0xff}),
			bars(u.t("Recettes par mois", "Receipts per month"), revenue, color.NRGBA{0xf5, 0x9e, 0x0b, 0xff}),
			export))
}

// exportActivity writes the anonymised activity CSV into the folder.
func (v *exportsView) exportActivity() string {
	u := v.u
	dir := strings.TrimSpace(v.folder.Text)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		v.result.SetText(u.t("Choisissez un dossier existant.", "Choose an existing folder."))
		return ""
	}
	path := filepath.Join(dir, "activite.csv")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err == nil {
		err = practice.WriteActivityCSV(f, v.activity)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		v.result.SetText(u.errText(err))
		return ""
	}
	u.p.Audit("export.activity", "", fmt.Sprintf("months=%d", len(v.activity)))
	v.result.SetText(u.t("Activité exportée sans identifiant (effectifs de moins de 5 masqués) : ", "Activity exported without identifiers (counts under 5 hidden): ") + path)
	return path
}
