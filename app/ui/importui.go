package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cabinet-sante/cabinet/app/importer"
	"github.com/cabinet-sante/cabinet/app/patient"
)

// importForm imports patients from a CSV or vCard file: the columns are
// mapped on screen, every row is checked before anything is stored, and
// the file goes in whole or not at all.
type importForm struct {
	m       *mainScreen
	content fyne.CanvasObject
	path    string
	kind    string // "csv" or "vcard"
	table   importer.Table
	mapping importer.Mapping
	selects map[string]*widget.Select
	rows    []importer.Row
	report  *widget.Label
	preview *widget.Label
	run     *widget.Button
}

func newImportForm(m *mainScreen, path string) (*importForm, error) {
	u := m.u
	f := &importForm{m: m, path: path, selects: map[string]*widget.Select{}}
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	grid := container.New(&formLayout{})
	if strings.EqualFold(filepath.Ext(path), ".vcf") || strings.EqualFold(filepath.Ext(path), ".vcard") {
		f.kind = "vcard"
		if f.rows, err = importer.ReadVCards(file, time.Now()); err != nil {
			return nil, err
		}
	} else {
		f.kind = "csv"
		if f.table, err = importer.ReadCSV(file); err != nil {
			return nil, err
		}
		f.mapping = importer.Guess(f.table.Header)
		cols := append([]string{u.t("(aucune)", "(none)")}, f.table.Header...)
		for _, field := range importer.Fields {
			sel := u.newSelect(cols, nil)
			sel.SetSelectedIndex(f.mapping[field] + 1)
			sel.OnChanged = func(string) {
				f.mapping[field] = sel.SelectedIndex() - 1
				f.check()
			}
			f.selects[field] = sel
			label := importer.FieldLabel[field]
			if u.opts.Lang == "en" {
				label = strings.ReplaceAll(field, "_", " ")
			}
			grid.Add(widget.NewLabelWithStyle(label, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
			grid.Add(sel)
		}
	}
	f.report = widget.NewLabel("")
	f.report.Wrapping = fyne.TextWrapWord
	f.preview = widget.NewLabel("")
	f.preview.Wrapping = fyne.TextWrapWord
	f.run = widget.NewButtonWithIcon(u.t("Importer", "Import"), theme.UploadIcon(), func() {
		if err := f.doImport(); err != nil {
			f.report.Importance = widget.DangerImportance
			f.report.SetText(err.Error())
		}
	})
	f.run.Importance = widget.HighImportance
	cancel := widget.NewButtonWithIcon(u.t("Fermer", "Close"), theme.CancelIcon(), func() { m.setDetail(m.welcome()) })
	head := widget.NewLabelWithStyle(u.t("Importer des patients — ", "Import patients — ")+filepath.Base(path), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head.SizeName = theme.SizeNameSubHeadingText
	body := container.NewVBox()
	if f.kind == "csv" {
		body.Add(widget.NewLabel(u.t("Associez chaque donnée à une colonne du fichier :", "Map each field to a column of the file:")))
		body.Add(grid)
	}
	body.Add(widget.NewCard(u.t("Aperçu", "Preview"), "", f.preview))
	f.content = container.NewBorder(container.NewVBox(head, widget.NewSeparator()),
		container.NewVBox(f.report, container.NewHBox(cancel, f.run)), nil, nil, container.NewVScroll(body))
	f.check()
	return f, nil
}

// check maps and validates every row; the import is possible only when
// every row is right.
func (f *importForm) check() {
	u := f.m.u
	if f.kind == "csv" {
		f.rows = importer.Rows(f.table, f.mapping, time.Now())
	}
	var prev []string
	for _, r := range f.rows[:min(5, len(f.rows))] {
		p := r.Patient
		prev = append(prev, fmt.Sprintf("%s · %s · %s", p.DisplayName(), frDate(p.BirthDate), p.Phone))
	}
	f.preview.SetText(strings.Join(prev, "\n"))
	bad := importer.Errors(f.rows)
	if bad == 0 {
		f.report.Importance = widget.SuccessImportance
		f.report.SetText(fmt.Sprintf(u.t("%d patient(s) prêts à importer.", "%d patient(s) ready to import."), len(f.rows)))
		f.run.Enable()
		return
	}
	var lines []string
	for _, r := range f.rows {
		if r.Err != nil && len(lines) < 8 {
			lines = append(lines, fmt.Sprintf(u.t("ligne %d : %s", "line %d: %s"), r.Line, u.errText(r.Err)))
		}
	}
	f.report.Importance = widget.DangerImportance
	f.report.SetText(fmt.Sprintf(u.t("%d ligne(s) sur %d à corriger dans le fichier (rien ne sera importé avant) :\n", "%d of %d row(s) to fix in the file (nothing is imported until then):\n"), bad, len(f.rows)) +
		strings.Join(lines, "\n"))
	f.run.Disable()
}

func (f *importForm) doImport() error {
	u := f.m.u
	ps := make([]patient.Patient, len(f.rows))
	for i, r := range f.rows {
		ps[i] = r.Patient
	}
	n, err := u.p.ImportAll(context.Background(), ps, f.kind)
	if err != nil {
		return fmt.Errorf("%s", u.errText(err))
	}
	f.run.Disable()
	f.report.Importance = widget.SuccessImportance
	f.report.SetText(fmt.Sprintf(u.t("%d patient(s) importés.", "%d patient(s) imported."), n))
	f.m.runSearch(f.m.search.Text)
	return nil
}

// importDialog picks a file and opens the import form.
func (m *mainScreen) importDialog() {
	u := m.u
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		m.openImport(path)
	}, u.win)
	d.Show()
}

func (m *mainScreen) openImport(path string) {
	f, err := newImportForm(m, path)
	if err != nil {
		m.setDetail(widget.NewLabel(m.u.errText(err)))
		return
	}
	m.imp = f
	m.tabs.SelectIndex(0)
	m.setDetail(f.content)
}
