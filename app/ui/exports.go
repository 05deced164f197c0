package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cabinet-sante/cabinet/app/practice"
)

// exportsView writes the accountant's files for a year into a folder.
type exportsView struct {
	u                      *UI
	content                fyne.CanvasObject
	year                   *widget.Select
	siren                  *widget.Entry
	folder                 *widget.Entry
	names                  *widget.Check
	progress               *widget.ProgressBarInfinite
	result                 *widget.Label
	fec, recettes, summary *widget.Button
	activity               []practice.MonthActivity
}

func newExportsView(u *UI) *exportsView {
	v := &exportsView{u: u}
	var years []string
	for y := time.Now().Year(); y >= time.Now().Year()-10; y-- {
		years = append(years, strconv.Itoa(y))
	}
	v.year = u.newSelect(years, nil)
	v.year.SetSelectedIndex(1) // last year: the one the accountant closes
	v.siren = widget.NewEntry()
	v.siren.SetPlaceHolder(u.t("9 chiffres", "9 digits"))
	v.folder = widget.NewEntry()
	if home, err := os.UserHomeDir(); err == nil {
		v.folder.SetText(filepath.Join(home, "Documents"))
	}
	browse := widget.NewButtonWithIcon(u.t("Choisir…", "Choose…"), theme.FolderOpenIcon(), func() {
		dialog.ShowFolderOpen(func(l fyne.ListableURI, err error) {
			if err == nil && l != nil {
				v.folder.SetText(l.Path())
			}
		}, u.win)
	})
	v.names = widget.NewCheck(u.t("Nommer les patients dans le livre des recettes (sinon : référence du dossier, secret professionnel)",
		"Name patients in the receipts journal (otherwise: file reference, professional secrecy)"), nil)
	v.progress = widget.NewProgressBarInfinite()
	v.progress.Stop()
	v.progress.Hide()
	v.result = widget.NewLabel("")
	v.result.Wrapping = fyne.TextWrapWord
	v.fec = widget.NewButtonWithIcon(u.t("Fichier des écritures comptables (FEC)", "FEC file"), theme.DocumentSaveIcon(), func() { v.run("fec") })
	v.recettes = widget.NewButtonWithIcon(u.t("Livre-journal des recettes (CSV)", "Receipts journal (CSV)"), theme.DocumentSaveIcon(), func() { v.run("recettes") })
	v.summary = widget.NewButtonWithIcon(u.t("Récapitulatif annuel pour la 2035 (PDF)", "Yearly summary for the 2035 (PDF)"), theme.DocumentSaveIcon(), func() { v.run("summary") })
	form := widget.NewForm(
		widget.NewFormItem(u.t("Année", "Year"), v.year),
		widget.NewFormItem("SIREN", v.siren),
		widget.NewFormItem(u.t("Dossier", "Folder"), container.NewBorder(nil, nil, nil, browse, v.folder)),
	)
	intro := widget.NewLabel(u.t("Les fichiers sont écrits en clair dans le dossier choisi : remettez-les à votre comptable par un moyen sûr. Chaque export est inscrit au journal d'audit.",
		"Files are written unencrypted into the chosen folder: hand them to your accountant securely. Every export is written to the audit journal."))
	intro.Wrapping = fyne.TextWrapWord
	v.content = container.NewVScroll(container.NewVBox(intro, form, v.names, v.fec, v.recettes, v.summary, v.progress, v.result, v.activityCard()))
	return v
}

// export writes one export and returns what to tell the practitioner.
func (v *exportsView) export(kind string) (string, error) {
	u := v.u
	ctx := context.Background()
	year, _ := strconv.Atoi(v.year.Selected)
	dir := strings.TrimSpace(v.folder.Text)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", errors.New(u.t("Choisissez un dossier existant.", "Choose an existing folder."))
	}
	switch kind {
	case "fec":
		path, n, err := u.p.ExportFEC(ctx, year, strings.TrimSpace(v.siren.Text), dir)
		if err != nil {
			return "", errors.New(u.errText(err))
		}
		return fmt.Sprintf(u.t("FEC %d : %d écritures dans %s", "FEC %d: %d entries in %s"), year, n, path), nil
	case "recettes":
		path := filepath.Join(dir, fmt.Sprintf("recettes-%d.csv", year))
		n, err := u.p.ExportRecettes(ctx, year, path, v.names.Checked)
		if err != nil {
			return "", errors.New(u.errText(err))
		}
		return fmt.Sprintf(u.t("Livre des recettes %d : %d encaissements dans %s", "Receipts journal %d: %d receipts in %s"), year, n, path), nil
	default:
		path := filepath.Join(dir, fmt.Sprintf("recettes-%d.pdf", year))
		s, err := u.p.ExportSummary(ctx, year, path)
		if err != nil {
			return "", errors.New(u.errText(err))
		}
		return fmt.Sprintf(u.t("Récapitulatif %d : %s dans %s", "Summary %d: %s in %s"), year, s.Total.Euros(), path), nil
	}
}

func (v *exportsView) run(kind string) {
	v.u.touch()
	buttons := []*widget.Button{v.fec, v.recettes, v.summary}
	for _, b := range buttons {
		b.Disable()
	}
	v.result.SetText("")
	v.progress.Show()
	v.progress.Start()
	var text string
	v.u.async(func() error {
		var err error
		text, err = v.export(kind)
		return err
	}, func(err error) {
		v.progress.Stop()
		v.progress.Hide()
		for _, b := range buttons {
			b.Enable()
		}
		if err != nil {
			v.result.Importance = widget.DangerImportance
			v.result.SetText(err.Error())
			return
		}
		v.result.Importance = widget.SuccessImportance
		v.result.SetText(text)
	})
}
